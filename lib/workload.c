/* The table of busy-guest workloads and their options (see workload.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "size.h"
#include "workload.h"

static const char *const swap_devs[] = { "disk", "zram", NULL };
static const char *const zpools[] = { "zsmalloc", "zbud", "z3fold", NULL };
static const char *const pin_when[] = { "now", "when-online", NULL };

#define NO_NODE UINT64_MAX

const struct wl_def wl_defs[] = {
	{ "zram", "a zram swap device filled with compressible anonymous memory that is swapped "
	  "in, checked and out again, while another process loops zram compaction",
	  { "CONFIG_ZRAM", "CONFIG_ZSMALLOC", "CONFIG_SWAP" },
	  { { "size", WL_SIZE, 96ull << 20, 1ull << 20, 16ull << 30, NULL,
	      "anonymous memory swapped out to the device" },
	    { "disksize", WL_SIZE, 256ull << 20, 4ull << 20, 64ull << 30, NULL,
	      "zram device size" },
	    { "touch", WL_UINT, 25, 1, 100, NULL,
	      "percent of the pages swapped in, checked and swapped out per round" },
	    { "compact-ms", WL_UINT, 20, 0, 10000, NULL,
	      "pause between writes to /sys/block/zramN/compact" },
	    { "scribble", WL_UINT, 0, 0, 2, NULL,
	      "negative control: 1 = once its pages are swapped out, the workload zeroes one "
	      "of them itself, behind its check's back: the check must FAIL, saying what the "
	      "page holds; 2 = it expects that page's next generation without writing it, a "
	      "lost write: FAIL too, or SKIP where the emulator loses such writes itself "
	      "(doc/busy.md)" } } },
	{ "zswap", "zswap on, with its pool in the chosen allocator, over a swap device; "
	  "processes swap their pages out and in (store, load, invalidate) all the time",
	  { "CONFIG_ZSWAP", "CONFIG_SWAP" },
	  { { "size", WL_SIZE, 96ull << 20, 1ull << 20, 16ull << 30, NULL,
	      "anonymous memory pushed through zswap" },
	    { "swap", WL_ENUM, 0, 0, 0, swap_devs,
	      "the swap device under zswap: the scratch disk of `boot disk=SIZE` or a zram "
	      "device" },
	    { "zpool", WL_ENUM, 0, 0, 0, zpools, "zswap's pool allocator (a kernel without "
	      "zswap's zpool parameter, 7.2: zsmalloc only)" },
	    { "max-pool", WL_UINT, 20, 1, 100, NULL,
	      "zswap max_pool_percent: beyond it stores are rejected to the device" },
	    { "touch", WL_UINT, 25, 1, 100, NULL,
	      "percent of the pages touched per round" },
	    { "procs", WL_UINT, 2, 1, 8, NULL, "processes swapping at once" },
	    { "dense", WL_UINT, 10, 0, 100, NULL,
	      "percent of the pages that do not compress: zswap rejects them and they go to "
	      "the device" },
	    { "scribble", WL_UINT, 0, 0, 2, NULL,
	      "negative control: 1 = once its pages are swapped out, the first process zeroes "
	      "one of them itself, behind its check's back: the check must FAIL, saying what "
	      "the page holds; 2 = it expects that page's next generation without writing it, "
	      "a lost write: FAIL too, or SKIP where the emulator loses such writes itself "
	      "(doc/busy.md)" } } },
	{ "thp", "anonymous transparent huge pages, forked children writing into them "
	  "(copy-on-write of parts), PMD splits and khugepaged collapsing them again",
	  { "CONFIG_TRANSPARENT_HUGEPAGE" },
	  { { "size", WL_SIZE, 64ull << 20, 4ull << 20, 16ull << 30, NULL,
	      "THP-backed anonymous memory" },
	    { "children", WL_UINT, 2, 0, 16, NULL,
	      "children forked per round that write into the shared THPs" },
	    { "hold-ms", WL_UINT, 300, 0, 60000, NULL,
	      "how long each child keeps its copy-on-write mappings" },
	    { "scan-ms", WL_UINT, 100, 10, 100000, NULL,
	      "khugepaged scan_sleep_millisecs while the workload runs" },
	    { "scribble", WL_UINT, 0, 0, 1, NULL,
	      "negative control: 1 = once its pages are written, the workload zeroes one of "
	      "them itself, behind its check's back: the check must FAIL, saying what the page "
	      "holds" } } },
	{ "pins", "io_uring registered buffers: long-term (FOLL_LONGTERM) pins held while "
	  "memory goes offline, with fixed-buffer I/O checking the pinned pages",
	  { "CONFIG_IO_URING" },
	  { { "size", WL_SIZE, 16ull << 20, 64ull << 10, 1ull << 30, NULL,
	      "pinned memory" },
	    { "bufs", WL_UINT, 16, 1, 1024, NULL, "registered buffers it is split into" },
	    { "node", WL_UINT, NO_NODE, 0, 63, NULL,
	      "bind the buffers to this NUMA node before they are touched (default: no binding)" },
	    { "io-ms", WL_UINT, 50, 0, 60000, NULL,
	      "pause between fixed-buffer I/O rounds; 0 = no I/O" },
	    { "pin", WL_ENUM, 0, 0, 0, pin_when,
	      "when to touch and pin the buffers: at start or once the node has "
	      "online ZONE_NORMAL and ZONE_MOVABLE blocks (the ring is set up at start); "
	      "event \"pinned\" then" },
	    { "scribble", WL_UINT, 0, 0, 1, NULL,
	      "negative control: 1 = once its pages are written, the workload zeroes one of "
	      "them itself before pinning, behind its check's back: the check must FAIL, "
	      "saying what the page holds" } } },
	{ "journal", "systemd-journald flooded with messages through its native socket, so that "
	  "it allocates while memory goes away (image guests: run --image)",
	  { NULL },
	  { { "lines", WL_UINT, 200, 1, 100000, NULL, "messages per round" },
	    { "size", WL_SIZE, 512, 16, 60000, NULL, "bytes of each message" },
	    { "pause-ms", WL_UINT, 20, 0, 60000, NULL,
	      "pause between rounds" } } },
	{ NULL, NULL, { NULL }, { { NULL } } },
};

const char *wl_opt_default(const struct wl_opt *o, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	uint64_t v = o->def;
	int u = -1;

	buf[0] = 0;
	if (o->type == WL_ENUM)
		snprintf(buf, len, "%s", o->choices[o->def]);
	else if (o->def < o->min || o->def > o->max)
		;	/* a default no value can name: the help says what it means */
	else if (o->type == WL_UINT)
		snprintf(buf, len, "%llu", (unsigned long long)v);
	else {
		while (v && v % 1024 == 0 && u < 3) {
			v /= 1024;
			u++;
		}
		snprintf(buf, len, "%llu%.*s", (unsigned long long)v, u >= 0, u >= 0 ? units + u : "");
	}
	return buf;
}

const struct wl_def *wl_def_find(const char *name)
{
	for (const struct wl_def *d = wl_defs; d->name; d++)
		if (!strcmp(d->name, name))
			return d;
	return NULL;
}

int wl_opt_index(const struct wl_def *d, const char *key)
{
	for (int i = 0; i < WL_OPTS_MAX && d->opts[i].key; i++)
		if (!strcmp(d->opts[i].key, key))
			return i;
	return -1;
}

static int parse_one(const struct wl_opt *o, const char *val, uint64_t *v, char *err,
		     size_t errlen)
{
	int rc;

	if (o->type == WL_ENUM) {
		for (int i = 0; o->choices[i]; i++)
			if (!strcmp(o->choices[i], val)) {
				*v = (uint64_t)i;
				return 0;
			}
		rc = snprintf(err, errlen, "%s=%s: want one of", o->key, val);
		for (int i = 0; o->choices[i] && rc > 0 && (size_t)rc < errlen; i++)
			rc += snprintf(err + rc, errlen - (size_t)rc, " %s", o->choices[i]);
		return -EINVAL;
	}
	rc = o->type == WL_SIZE ? parse_size(val, v) : parse_u64(val, 0, UINT64_MAX, v);
	if (rc || *v < o->min || *v > o->max) {
		snprintf(err, errlen, "%s=%s: want %s from %llu to %llu", o->key, val,
			 o->type == WL_SIZE ? "a size" : "a number", (unsigned long long)o->min,
			 (unsigned long long)o->max);
		return -EINVAL;
	}
	return 0;
}

int wl_parse(const struct wl_def *d, int argc, char *const *argv, uint64_t *v, char *err,
	     size_t errlen)
{
	for (int i = 0; i < WL_OPTS_MAX; i++)
		v[i] = d->opts[i].key ? d->opts[i].def : 0;
	for (int i = 0; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		char key[32];
		int k;

		if (!eq || eq == argv[i] || (size_t)(eq - argv[i]) >= sizeof(key)) {
			snprintf(err, errlen, "workload %s: want key=value, got '%.40s'", d->name,
				 argv[i]);
			return -EINVAL;
		}
		snprintf(key, sizeof(key), "%.*s", (int)(eq - argv[i]), argv[i]);
		k = wl_opt_index(d, key);
		if (k < 0) {
			char u[256];

			snprintf(err, errlen, "workload %s: unknown option '%s' (%s)", d->name, key,
				 wl_usage(d, u, sizeof(u)));
			return -EINVAL;
		}
		if (parse_one(&d->opts[k], eq + 1, &v[k], err, errlen))
			return -EINVAL;
	}
	return 0;
}

const char *wl_usage(const struct wl_def *d, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "%s", d->name);

	for (int i = 0; i < WL_OPTS_MAX && d->opts[i].key && n < len; i++) {
		const struct wl_opt *o = &d->opts[i];

		if (o->type == WL_ENUM) {
			n += (size_t)snprintf(buf + n, len - n, " [%s=", o->key);
			for (int c = 0; o->choices[c] && n < len; c++)
				n += (size_t)snprintf(buf + n, len - n, "%s%s", c ? "|" : "",
						      o->choices[c]);
			if (n < len)
				n += (size_t)snprintf(buf + n, len - n, "]");
		} else {
			n += (size_t)snprintf(buf + n, len - n, " [%s=%s]", o->key,
					      o->type == WL_SIZE ? "SIZE" : "N");
		}
	}
	return buf;
}
