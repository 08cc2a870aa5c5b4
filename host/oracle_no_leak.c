/* `expect no-leak since=SNAP [memfree-tolerance=SIZE]`: after drop_caches + compaction
 * the guest is back to SNAP (memory blocks, System RAM in /proc/iomem, every zone's
 * present/spanned/managed, MemTotal exactly, MemFree within the tolerance), and the
 * teardown ran in order: blocks offline before removal, devices removed in reverse order
 * of plugging. For the subsystems busy-guest workloads used (zram, zsmalloc, zswap, swap,
 * long-term pins, THP) their counters are back to SNAP too (noleak_mm.c). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "agent.h"
#include "oracle.h"
#include "debugk.h"
#include "oracles.h"
#include "size.h"
#include "step.h"

#define T(res, v, cfg, ev, ...) result_add(res, v, check_name, (cfg)->lineno, ev, __VA_ARGS__)

static void blocks_check(const struct snapshot *b, const struct snapshot *f,
			 const struct noleak_cfg *cfg, struct results *res)
{
	static const char check_name[] = "no-leak memory blocks";
	const char *state[] = { "offline", "online", "going-offline" };
	char diff[512] = "";
	size_t len = 0;
	int bad = 0;

	for (size_t i = 0; i < f->n_blocks; i++) {
		const struct mem_block *fb = &f->blocks[i], *bb = snap_block(b, fb->index);

		if (!bb || bb->state != fb->state) {
			bad++;
			if (len < sizeof(diff) - 64)
				len += (size_t)snprintf(diff + len, sizeof(diff) - len,
					"%smemory%u %s (baseline %s)", len ? ", " : "", fb->index,
					state[fb->state], bb ? state[bb->state] : "absent");
		}
	}
	for (size_t i = 0; i < b->n_blocks; i++)
		if (!snap_block(f, b->blocks[i].index)) {
			bad++;
			if (len < sizeof(diff) - 64)
				len += (size_t)snprintf(diff + len, sizeof(diff) - len,
					"%smemory%u absent (baseline had it)", len ? ", " : "",
					b->blocks[i].index);
		}
	if (bad)
		T(res, V_FAIL, cfg, NULL, "%d memory blocks differ from the baseline: %s", bad, diff);
	else
		T(res, V_PASS, cfg, NULL, "the same %zu memory blocks in the same states as the "
		  "baseline", f->n_blocks);
}

static void iomem_check(const struct snapshot *b, const struct snapshot *f,
			const struct hpt_dev *devs, int n_devs, const struct noleak_cfg *cfg,
			struct results *res)
{
	static const char check_name[] = "no-leak iomem";
	uint64_t tb = snap_iomem_bytes(b, "System RAM", 0, UINT64_MAX);
	uint64_t tf = snap_iomem_bytes(f, "System RAM", 0, UINT64_MAX);

	for (int i = 0; i < n_devs; i++) {
		const struct hpt_dev *d = &devs[i];
		uint64_t left;

		if (d->state != DEV_REMOVED)
			continue;
		left = snap_iomem_bytes(f, "System RAM", d->base, d->base + d->size - 1);
		if (left) {
			T(res, V_FAIL, cfg, NULL, "%llu bytes of System RAM remain in /proc/iomem in "
			  "removed %s's range 0x%llx-0x%llx", (unsigned long long)left, d->name,
			  (unsigned long long)d->base, (unsigned long long)(d->base + d->size - 1));
			return;
		}
	}
	if (tb != tf)
		T(res, V_FAIL, cfg, NULL, "System RAM in /proc/iomem: %llu bytes, baseline %llu",
		  (unsigned long long)tf, (unsigned long long)tb);
	else
		T(res, V_PASS, cfg, NULL, "System RAM in /proc/iomem back to the baseline's %llu "
		  "bytes; nothing left in removed ranges", (unsigned long long)tb);
}

static void zones_check(const struct snapshot *b, const struct snapshot *f,
			const struct noleak_cfg *cfg, struct results *res)
{
	static const char check_name[] = "no-leak zones";
	struct strbuf ev = STRBUF_INIT;
	struct json j;
	int bad = 0;

	json_init(&j, &ev, 0);
	json_arr_begin(&j, NULL);
	for (size_t i = 0; i < f->n_zones; i++) {
		const struct zone_stat *fz = &f->zones[i];
		const struct zone_stat *bz = snap_zone(b, fz->node, fz->name);
		struct zone_stat zero = { 0 };

		if (!bz)
			bz = &zero;
		/* ZONE_DEVICE's span is never shrunk (remove_pfn_range_from_zone(): "Zone
		 * shrinking code cannot properly deal with ZONE_DEVICE"): not a leak */
		if (bz->present == fz->present && bz->managed == fz->managed &&
		    (bz->spanned == fz->spanned || !strcmp(fz->name, "Device")))
			continue;
		bad++;
		json_obj_begin(&j, NULL);
		json_i64(&j, "node", fz->node);
		json_str(&j, "zone", fz->name);
		json_u64(&j, "present", fz->present);
		json_u64(&j, "baseline_present", bz->present);
		json_u64(&j, "managed", fz->managed);
		json_u64(&j, "baseline_managed", bz->managed);
		json_u64(&j, "spanned", fz->spanned);
		json_u64(&j, "baseline_spanned", bz->spanned);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	if (bad)
		T(res, V_FAIL, cfg, sb_str(&ev), "%d zones differ from the baseline in present/"
		  "managed/spanned pages", bad);
	else
		T(res, V_PASS, cfg, NULL, "every zone's present, managed and spanned pages are back "
		  "to the baseline");
	sb_release(&ev);
}

static void meminfo_check(const struct snapshot *b, const struct snapshot *f,
			  const struct noleak_cfg *cfg, struct results *res)
{
	uint64_t tb = 0, tf = 0, fb = 0, ff = 0, pb = 0, pf = 0, users = 0;
	const char *check_name = "no-leak MemTotal";
	char why[128] = "";

	if (snap_meminfo(b, "MemTotal", &tb) || snap_meminfo(f, "MemTotal", &tf) ||
	    snap_free_kb(b, &fb, &pb) || snap_free_kb(f, &ff, &pf)) {
		T(res, V_ERROR, cfg, NULL, "MemTotal, MemFree or page_size missing from a snapshot");
		return;
	}
	if (tb != tf)
		T(res, V_FAIL, cfg, NULL, "MemTotal %llu kB, baseline %llu kB (%+lld kB)",
		  (unsigned long long)tf, (unsigned long long)tb, (long long)tf - (long long)tb);
	else
		T(res, V_PASS, cfg, NULL, "MemTotal back to exactly %llu kB", (unsigned long long)tb);
	/* pages on the per-cpu lists are free but not in MemFree: count them on both sides */
	check_name = "no-leak MemFree";
	if (cfg->image) {
		/* an image's own processes (journald, systemd) took memory meanwhile: their
		 * anonymous and tmpfs pages (the journal in /run) are theirs, not a leak */
		uint64_t ab = 0, af = 0, sb = 0, sf = 0;

		snap_meminfo(b, "AnonPages", &ab);
		snap_meminfo(f, "AnonPages", &af);
		snap_meminfo(b, "Shmem", &sb);
		snap_meminfo(f, "Shmem", &sf);
		users = af + sf > ab + sb ? af + sf - ab - sb : 0;
		snprintf(why, sizeof(why), "; +%llu kB the image's processes took (AnonPages+Shmem) "
			 "counted as free", (unsigned long long)users);
		ff += users;
	}
	if (ff + cfg->memfree_tolerance_kb < fb)
		T(res, V_FAIL, cfg, NULL, "MemFree+pcp %llu kB (%llu on per-cpu lists) is %lld kB "
		  "below the baseline %llu kB (%llu on per-cpu lists; tolerance %llu kB%s)",
		  (unsigned long long)ff, (unsigned long long)pf, (long long)fb - (long long)ff,
		  (unsigned long long)fb, (unsigned long long)pb,
		  (unsigned long long)cfg->memfree_tolerance_kb, why);
	else
		T(res, V_PASS, cfg, NULL, "MemFree+pcp %llu kB vs baseline %llu kB (%+lld kB, "
		  "tolerance %llu kB; per-cpu lists %llu and %llu kB%s)", (unsigned long long)ff,
		  (unsigned long long)fb, (long long)ff - (long long)fb,
		  (unsigned long long)cfg->memfree_tolerance_kb, (unsigned long long)pf,
		  (unsigned long long)pb, why);
}

/* For the unplug request at jr[i]: blocks the testbed offlined since the device was last
 * plugged or onlined, blocks the guest saw go and whether the removal completed, before the device
 * was plugged again. */
static void around_unplug(const struct jentry *jr, int n, int i, uint32_t *offl, uint32_t *gone,
			  int *done)
{
	*offl = *gone = 0;
	*done = 0;
	/* since it was last plugged or onlined: blocks onlined again count afresh */
	for (int k = i - 1; k >= 0 && !((jr[k].kind == J_PLUG || jr[k].kind == J_ONLINE) &&
					jr[k].dev == jr[i].dev); k--)
		*offl += jr[k].kind == J_OFFLINE && jr[k].dev == jr[i].dev;
	for (int k = i + 1; k < n && !(jr[k].kind == J_PLUG && jr[k].dev == jr[i].dev); k++) {
		*gone += jr[k].kind == J_BLOCK_GONE && jr[k].dev == jr[i].dev;
		*done |= jr[k].kind == J_UNPLUGGED && jr[k].dev == jr[i].dev;
	}
}

static void order_evidence(struct json *j, const struct hpt_dev *devs, const struct jentry *jr,
			   int n, const struct noleak_cfg *cfg)
{
	static const char *const kind[] = {
		[J_PLUG] = "plug", [J_ONLINE] = "online", [J_OFFLINE] = "offline",
		[J_UNPLUG_REQ] = "unplug", [J_UNPLUGGED] = "removed", [J_BLOCK_GONE] = "gone",
	};

	json_obj_begin(j, NULL);
	json_str(j, "rule", cfg->order_rule && cfg->order_rule[0] ? cfg->order_rule : "reverse");
	json_arr_begin(j, "sequence");
	for (int i = 0; i < n; i++) {
		char e[64];

		if (jr[i].kind == J_OFFLINE || jr[i].kind == J_BLOCK_GONE)
			snprintf(e, sizeof(e), "%s memory%u (%s)", kind[jr[i].kind], jr[i].block,
				 devs[jr[i].dev].name);
		else
			snprintf(e, sizeof(e), "%s %s", kind[jr[i].kind], devs[jr[i].dev].name);
		json_str(j, NULL, e);
	}
	json_arr_end(j);
	json_obj_end(j);
}

static void order_check(const struct hpt_dev *devs, int n_devs, const struct jentry *jr,
			int n, const struct noleak_cfg *cfg, struct results *res)
{
	static const char check_name[] = "teardown order";
	struct strbuf ev = STRBUF_INIT;
	char why[320] = "";
	int removed = 0, seen = 0, plugged = 0;
	struct json j;

	for (int i = 0; i < n; i++)
		plugged += jr[i].kind == J_PLUG || jr[i].kind == J_UNPLUG_REQ;
	if (!plugged)	/* boot memory only (offline/online): no teardown exists to order */
		return;
	json_init(&j, &ev, 0);
	order_evidence(&j, devs, jr, n, cfg);
	for (int i = 0; i < n && !why[0]; i++) {
		const struct hpt_dev *d = &devs[jr[i].dev];
		uint32_t offl, gone;
		int done;

		if (jr[i].kind != J_UNPLUG_REQ)
			continue;
		around_unplug(jr, n, i, &offl, &gone, &done);
		if (jr[i].online_at_unplug || offl < d->n_blocks)
			snprintf(why, sizeof(why), "%s: removal was requested with %u of its %u blocks "
				 "offlined by the testbed%s", d->name, offl, d->n_blocks,
				 jr[i].online_at_unplug ? " and blocks still online in the guest" : "");
		else if (done && gone != d->n_blocks)
			snprintf(why, sizeof(why), "%s was removed but the guest reported %u of its %u "
				 "memory blocks going", d->name, gone, d->n_blocks);
		if (cfg->n_planned && !why[0]) {
			if (seen >= cfg->n_planned || cfg->planned[seen] != jr[i].dev)
				snprintf(why, sizeof(why), "%s left as #%d, but %s order planned %s there",
					 d->name, seen + 1, cfg->order_rule,
					 seen < cfg->n_planned ? devs[cfg->planned[seen]].name : "nothing");
			seen++;
		}
	}
	for (int a = 0; a < n_devs && !why[0] && !cfg->n_planned; a++)
		for (int b = 0; b < n_devs && !why[0]; b++) {
			const struct hpt_dev *x = &devs[a], *y = &devs[b];

			if (x->unplug_order && y->unplug_order && x->plug_order < y->plug_order &&
			    x->unplug_order < y->unplug_order)
				snprintf(why, sizeof(why), "%s (plugged #%d) was removed before %s "
					 "(plugged #%d): not reverse order", x->name, x->plug_order,
					 y->name, y->plug_order);
		}
	for (int i = 0; i < n; i++)
		removed += jr[i].kind == J_UNPLUG_REQ;
	if (why[0])
		T(res, V_FAIL, cfg, sb_str(&ev), "%s", why);
	else if (!removed)
		T(res, V_SKIP, cfg, sb_str(&ev), "no device was removed: no teardown to order");
	else
		T(res, V_PASS, cfg, sb_str(&ev), "%d removal(s), each after offlining all its blocks, "
		  "seen by the guest, in %s order", removed,
		  cfg->n_planned ? cfg->order_rule : "reverse plugging");
	sb_release(&ev);
}

void noleak_eval(const struct snapshot *base, const struct snapshot *final,
		 const struct hpt_dev *devs, int n_devs, const struct jentry *journal,
		 int n_journal, const struct noleak_cfg *cfg, struct results *res)
{
	order_check(devs, n_devs, journal, n_journal, cfg, res);
	blocks_check(base, final, cfg, res);
	iomem_check(base, final, devs, n_devs, cfg, res);
	zones_check(base, final, cfg, res);
	meminfo_check(base, final, cfg, res);
}

struct noleak_args {
	char since[32];
	uint64_t tolerance;
};

static const struct opt noleak_opts[] = {
	{ "since", OPT_STR, offsetof(struct noleak_args, since), 32, 0, 0, NULL,
	  "the baseline snapshot" },
	{ "memfree-tolerance", OPT_SIZE, offsetof(struct noleak_args, tolerance), 0, 0,
	  1ull << 34, NULL, "how far MemFree may stay below the baseline (default: 4M or "
	  "256 pages, whichever is more: per-CPU page lists scale with the page size)" },
	{ 0 }
};

static int parse(const struct scn_line *l, struct noleak_args *a, char *err, size_t n)
{
	memset(a, 0, sizeof(*a));
	a->tolerance = UINT64_MAX;	/* = auto, see run() */
	if (l->argc < 3 || step_opts(noleak_opts, a, l, 2, err, n) < 0)
		return l->argc < 3 ? (snprintf(err, n, "expect no-leak: want since=SNAP"), -1) : -1;
	if (!a->since[0]) {
		snprintf(err, n, "expect no-leak: since=SNAP is required");
		return -1;
	}
	return 0;
}

static int check(const struct scn_line *l, char *err, size_t errlen)
{
	struct noleak_args a;

	return parse(l, &a, err, errlen);
}


static int run(struct run *r, const struct scn_line *l)
{
	const struct snapshot *base, *final;
	struct noleak_args a;
	struct noleak_cfg cfg;
	char err[320] = "";

	parse(l, &a, err, sizeof(err));
	err[0] = 0;
	base = run_snap(r, a.since);
	if (!base) {
		result_add(&r->res, V_ERROR, "no-leak", l->lineno, NULL,
			   "no snapshot named %s was taken before this line", a.since);
		return 0;
	}
	if (agent_simple(r, run_timeout(r, 60000), "drop-caches", err, sizeof(err)) < 0 ||
	    agent_simple(r, run_timeout(r, 60000), "compact", err, sizeof(err)) < 0 ||
	    run_snapshot(r, "no-leak-final", 0, &final) < 0) {
		result_add(&r->res, V_ERROR, "no-leak", l->lineno, NULL, "%s",
			   err[0] ? err : r->chan.err);
		return STEP_STOP;
	}
	memset(&cfg, 0, sizeof(cfg));
	if (a.tolerance == UINT64_MAX)	/* 4 MiB on 4K pages, 16 MiB on 64K pages */
		a.tolerance = r->guest.page_size * 256 > (4u << 20) ? r->guest.page_size * 256
								      : (4u << 20);
	cfg.memfree_tolerance_kb = a.tolerance >> 10;
	cfg.lineno = l->lineno;
	cfg.planned = r->planned;
	cfg.n_planned = r->n_planned;
	cfg.order_rule = r->order_rule;
	cfg.image = r->guest.service;
	noleak_eval(base, final, r->devs, r->n_devs, r->journal, r->n_journal, &cfg, &r->res);
	{
		unsigned used = 0;	/* the workloads' subsystems, used at any snapshot */

		for (int i = 0; i < r->n_snaps; i++)
			used |= noleak_mm_used(base, &r->snaps[i].snap);
		/* an image's own processes have THPs too: only the thp workload's are judged */
		if (r->guest.service && !run_wl_last(r, "thp"))
			used &= ~MM_THP;
		noleak_mm_eval(base, final, used, &cfg, &r->res);
	}
	debugk_noleak(r, l->lineno);	/* kmemleak, page_owner: debug kernels only */
	return 0;
}

const struct oracle oracle_no_leak = {
	.name = "no-leak",
	.usage = "expect no-leak since=SNAP [memfree-tolerance=SIZE]",
	.proves = "teardown ran in order (offline before removal, reverse of plugging) and left "
		  "blocks, iomem, zones, MemTotal exactly and MemFree within tolerance as at SNAP; "
		  "zram reset, zsmalloc/zswap drained, swap off, pins released, no THP left",
	.check = check, .run = run,
};
