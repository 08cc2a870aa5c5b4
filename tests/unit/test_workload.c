/* The workload table's option parser (lib/workload.c), shared by the scenario check on the
 * host and hp-agent: defaults, sizes, enums, bounds and the messages of bad words. */
#include <string.h>
#include "tap.h"
#include "workload.h"

int main(void)
{
	const struct wl_def *z = wl_def_find("zswap"), *p = wl_def_find("pins");
	char *good[] = { "size=64M", "swap=zram", "zpool=zbud", "procs=4" };
	char *bad_key[] = { "sise=64M" }, *bad_enum[] = { "swap=nfs" };
	char *bad_size[] = { "size=12X" }, *too_many[] = { "procs=9" }, *no_eq[] = { "size" };
	uint64_t v[WL_OPTS_MAX];
	char err[256], u[256];

	ok(z && p && wl_def_find("zram") && wl_def_find("thp") && !wl_def_find("ksm"),
	   "the four workloads are there, nothing else");
	ok(wl_parse(z, 0, NULL, v, err, sizeof(err)) == 0 &&
	   v[wl_opt_index(z, "size")] == 96ull << 20 && v[wl_opt_index(z, "swap")] == 0 &&
	   v[wl_opt_index(z, "procs")] == 2, "defaults");
	ok(wl_parse(z, 4, good, v, err, sizeof(err)) == 0 &&
	   v[wl_opt_index(z, "size")] == 64ull << 20 && v[wl_opt_index(z, "swap")] == 1 &&
	   v[wl_opt_index(z, "zpool")] == 1 && v[wl_opt_index(z, "procs")] == 4,
	   "sizes, enums and numbers");
	ok(wl_parse(z, 1, bad_key, v, err, sizeof(err)) < 0 &&
	   strstr(err, "unknown option 'sise'") && strstr(err, "[size=SIZE]"),
	   "unknown key names it and the usage: %s", err);
	ok(wl_parse(z, 1, bad_enum, v, err, sizeof(err)) < 0 && strstr(err, "disk zram"),
	   "bad enum lists the choices: %s", err);
	ok(wl_parse(z, 1, bad_size, v, err, sizeof(err)) < 0 && strstr(err, "size=12X"),
	   "bad size: %s", err);
	ok(wl_parse(z, 1, too_many, v, err, sizeof(err)) < 0 && strstr(err, "from 1 to 8"),
	   "out of bounds: %s", err);
	ok(wl_parse(z, 1, no_eq, v, err, sizeof(err)) < 0 && strstr(err, "key=value"),
	   "a word without '=': %s", err);
	ok(wl_parse(p, 0, NULL, v, err, sizeof(err)) == 0 &&
	   v[wl_opt_index(p, "node")] == UINT64_MAX, "pins: no node binding by default");
	ok(strstr(wl_usage(p, u, sizeof(u)), "[pin=now|when-online]") != NULL, "usage: %s", u);
	ok(!strcmp(z->config[0], "CONFIG_ZSWAP") && !strcmp(p->config[0], "CONFIG_IO_URING"),
	   "kernel options declared");
	return done();
}
