/* The workload table's option parser (lib/workload.c), shared by the scenario check on the
 * host and hp-agent: defaults, sizes, enums, bounds and the messages of bad words; and a
 * workload reply's evidence (step_workload.c): fail:, skip: and lost: lines apart. */
#include <string.h>
#include "json.h"
#include "oracles.h"
#include "strbuf.h"
#include "tap.h"
#include "workload.h"

/* A zswap stop reply in the shape hp-agent sends (guest/w_zswap.c, v_workload.c). */
static void evidence(void)
{
	static const char reply[] =
		"rounds=2\nchecked=40491\nbad=3\nlost=2\n"
		"lost: zswap: page 1025 of process 137 read back wrong after swap-in (generation "
		"1): it holds the data of its generation 0\n"
		"fail: zswap: page 9 of process 137 read back wrong at the end (generation 2): it "
		"holds all zero\n"
		"lost: zswap: 1 pages of the helper processes read back as an older generation of "
		"themselves\nswapoff /dev/vda: done\n";
	struct strbuf sb = STRBUF_INIT;
	struct wl_evidence e;
	struct json j;

	json_init(&j, &sb, 0);
	workload_evidence(&j, reply, &e);
	ok(e.fails == 1 && e.losts == 2 && e.skips == 0, "lost: lines are counted apart from "
	   "fail: lines (%d, %d)", e.losts, e.fails);
	ok(!strncmp(e.first, "fail: zswap: page 9 ", 20) &&
	   !strncmp(e.first_lost, "lost: zswap: page 1025 ", 23),
	   "the first of each: %s / %s", e.first, e.first_lost);
	ok(strstr(sb_str(&sb), "\"lost\":[\"lost: zswap: page 1025") &&
	   strstr(sb_str(&sb), "\"lost\":2") && strstr(sb_str(&sb), "\"notes\":[\"swapoff"),
	   "the evidence keeps them in \"lost\", and the count in the report");
	sb_release(&sb);
}

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
	evidence();
	return done();
}
