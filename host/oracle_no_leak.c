/* `expect no-leak since=SNAP [memfree-tolerance=SIZE]`: after drop_caches + compaction
 * the guest is back to SNAP (memory blocks, System RAM in /proc/iomem, every zone's
 * present/spanned/managed, MemTotal exactly, memory neither free nor accounted to a user
 * within a tolerance calibrated from the run's noise (noleak_free.c), every frame of a
 * removed memmap freed (memmap_frames.c), the kernel's nr_memmap_pages grown by the model's
 * memmap while plugged and back (noleak_memmap.c, 6.11+)), and the
 * teardown ran in order: blocks offline before removal, devices removed in reverse order
 * of plugging. For the subsystems busy-guest workloads used (zram, zsmalloc, zswap, swap,
 * long-term pins, THP) their counters are back to SNAP too (noleak_mm.c). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "agent.h"
#include "arch.h"
#include "caps.h"
#include "oracle.h"
#include "debugk.h"
#include "devkind.h"
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

	if (!b->n_blocks || !f->n_blocks) {	/* a missing file proves nothing */
		T(res, V_ERROR, cfg, NULL, "no memory blocks in the %s snapshot (its blocks file "
		  "is missing or empty)", !b->n_blocks ? "baseline" : "final");
		return;
	}
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

	if (!tb || !tf) {	/* every guest has System RAM: the file is missing */
		T(res, V_ERROR, cfg, NULL, "no System RAM in the %s snapshot's /proc/iomem (the "
		  "file is missing or empty)", !tb ? "baseline" : "final");
		return;
	}
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

	if (!b->n_zones || !f->n_zones) {
		T(res, V_ERROR, cfg, NULL, "no zones in the %s snapshot (its zoneinfo is missing "
		  "or empty)", !b->n_zones ? "baseline" : "final");
		return;
	}
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
	for (size_t i = 0; i < b->n_zones; i++) {	/* a zone that vanished */
		const struct zone_stat *bz = &b->zones[i];

		if (snap_zone(f, bz->node, bz->name) || !bz->present)
			continue;
		bad++;
		json_obj_begin(&j, NULL);
		json_i64(&j, "node", bz->node);
		json_str(&j, "zone", bz->name);
		json_str(&j, "final", "absent");
		json_u64(&j, "baseline_present", bz->present);
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
	uint64_t tb = 0, tf = 0;
	const char *check_name = "no-leak MemTotal";

	if (snap_meminfo(b, "MemTotal", &tb) || snap_meminfo(f, "MemTotal", &tf)) {
		T(res, V_ERROR, cfg, NULL, "MemTotal missing from a snapshot");
		return;
	}
	if (tb != tf)
		T(res, V_FAIL, cfg, NULL, "MemTotal %llu kB, baseline %llu kB (%+lld kB)",
		  (unsigned long long)tf, (unsigned long long)tb, (long long)tf - (long long)tb);
	else
		T(res, V_PASS, cfg, NULL, "MemTotal back to exactly %llu kB", (unsigned long long)tb);
}

void noleak_eval(const struct snapshot *base, const struct snapshot *final,
		 const struct hpt_dev *devs, int n_devs, const struct jentry *journal,
		 int n_journal, const struct noleak_cfg *cfg, struct results *res)
{
	teardown_order_check(devs, n_devs, journal, n_journal, cfg, res);
	blocks_check(base, final, cfg, res);
	iomem_check(base, final, devs, n_devs, cfg, res);
	zones_check(base, final, cfg, res);
	meminfo_check(base, final, cfg, res);
	noleak_free_eval(base, final, cfg, res);
}

struct noleak_args {
	char since[32];
	uint64_t tolerance;
};

static const struct opt noleak_opts[] = {
	{ "since", OPT_STR, offsetof(struct noleak_args, since), 32, 0, 0, NULL,
	  "the baseline snapshot" },
	{ "memfree-tolerance", OPT_SIZE, offsetof(struct noleak_args, tolerance), 0, 4096,
	  1ull << 34, NULL, "how much more memory may be neither free nor accounted to a user "
	  "than at the baseline (default: calibrated, 4 x this run's measured noise, at least "
	  "256K and 4 pages)" },
	{ 0 }
};

static int no_leak_parse(const struct scn_line *l, struct noleak_args *a, char *err, size_t n)
{
	memset(a, 0, sizeof(*a));
	a->tolerance = UINT64_MAX;	/* = auto, see no_leak_run() */
	if (l->argc < 3 || step_opts(noleak_opts, a, l, 2, err, n) < 0)
		return l->argc < 3 ? (snprintf(err, n, "expect no-leak: want since=SNAP"), -1) : -1;
	if (!a->since[0]) {
		snprintf(err, n, "expect no-leak: since=SNAP is required");
		return -1;
	}
	return 0;
}

static int no_leak_check(const struct scn_line *l, char *err, size_t errlen)
{
	struct noleak_args a;

	return no_leak_parse(l, &a, err, errlen);
}


#define NOISE_SAMPLES 3

/* For every device onlined in the run: its last "online-NAME" snapshot and the model's
 * nr_memmap_pages growth for the devices plugged at that moment (the journal replayed). */
static size_t memmap_samples(struct run *r, struct memmap_sample *out, char names[][48])
{
	size_t n = 0;

	for (int d = 0; d < r->n_devs; d++) {
		int last = -1, in[HPT_DEVS_MAX] = { 0 };
		struct memmap_sample *s = &out[n];
		size_t len = 0;

		for (int k = 0; k < r->n_journal; k++)
			if (r->journal[k].kind == J_ONLINE && r->journal[k].dev == d)
				last = k;
		if (last < 0)
			continue;
		for (int k = 0; k <= last; k++) {
			const struct jentry *e = &r->journal[k];

			if (e->kind == J_PLUG)
				in[e->dev] = 1;
			else if (e->kind == J_UNPLUGGED)
				in[e->dev] = 0;
		}
		in[d] = 1;
		memset(s, 0, sizeof(*s));
		snprintf(names[n], 48, "online-%s", r->devs[d].name);
		s->dev = r->devs[d].name;
		s->snap_name = names[n];
		s->s = run_snap(r, names[n]);
		s->modelled = 1;
		for (int e = 0; e < r->n_devs; e++) {
			const struct hpt_dev *x = &r->devs[e];
			uint64_t c;

			if (!in[e])
				continue;
			if (strcmp(x->kind->name, "dimm")) {
				s->modelled = 0;
				snprintf(s->why, sizeof(s->why), "%s (%s) was plugged too: the counter "
					 "model covers DIMMs only", x->name, x->kind->name);
				break;
			}
			c = model_memmap_counter(r->arch->name, x->size, r->guest.page_size,
						 r->struct_page);
			s->want += c;
			if (len < sizeof(s->why) - 48)
				len += (size_t)snprintf(s->why + len, sizeof(s->why) - len, "%s%s: %llu",
							len ? ", " : "", x->name,
							(unsigned long long)c);
		}
		n++;
	}
	return n;
}

static int no_leak_run(struct run *r, const struct scn_line *l)
{
	const struct snapshot *base, *final, *noise[NOISE_SAMPLES];
	struct noleak_args a;
	struct noleak_cfg cfg;
	char err[320] = "";

	no_leak_parse(l, &a, err, sizeof(err));
	err[0] = 0;
	base = run_snap(r, a.since);
	if (!base) {
		result_add(&r->res, V_ERROR, "no-leak", l->lineno, NULL,
			   "no snapshot named %s was taken before this line", a.since);
		return 0;
	}
	/* the final state, then the same quiet state again: the run's own noise */
	for (int i = 0; i <= NOISE_SAMPLES; i++) {
		char snap[32];

		snprintf(snap, sizeof(snap), i ? "no-leak-noise-%d" : "no-leak-final", i);
		if (agent_simple(r, run_timeout(r, 60000), "drop-caches", err, sizeof(err)) < 0 ||
		    agent_simple(r, run_timeout(r, 60000), "compact", err, sizeof(err)) < 0 ||
		    run_snapshot(r, snap, 0, i ? &noise[i - 1] : &final) < 0) {
			result_add(&r->res, V_ERROR, "no-leak", l->lineno, NULL, "%s",
				   err[0] ? err : r->chan.err);
			return STEP_STOP;
		}
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.memfree_tolerance_kb = a.tolerance == UINT64_MAX ? 0 : a.tolerance >> 10;
	cfg.noise = noise;
	cfg.n_noise = NOISE_SAMPLES;
	{
		struct cap_query q;

		caps_query_for(r, NULL, &q);
		cfg.stacks_in_vmalloc = caps_config_has(q.config, "CONFIG_VMAP_STACK");
	}
	cfg.system_guest = r->guest.service;
	cfg.lineno = l->lineno;
	cfg.planned = r->planned;
	cfg.n_planned = r->n_planned;
	cfg.order_rule = r->order_rule;
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
	{
		struct memmap_sample smp[HPT_DEVS_MAX];
		char names[HPT_DEVS_MAX][48];
		size_t n = memmap_samples(r, smp, names);

		noleak_memmap_eval(base, final, smp, n, &cfg, &r->res);
	}
	frames_noleak(r, l->lineno);	/* the removed memmaps' own frames, freed */
	debugk_noleak(r, l->lineno);	/* kmemleak, page_owner: debug kernels only */
	return 0;
}

const struct oracle oracle_no_leak = {
	.name = "no-leak",
	.usage = "expect no-leak since=SNAP [memfree-tolerance=SIZE]",
	.proves = "teardown ran in order (offline before removal, reverse of plugging) and left "
		  "blocks, iomem, zones, MemTotal exactly and unaccounted memory within the run's "
		  "calibrated noise as at SNAP, every frame of a removed memmap freed, "
		  "nr_memmap_pages (6.11+) grown by exactly the model's memmap while plugged "
		  "and back to SNAP's; "
		  "zram reset, zsmalloc/zswap drained, swap off, pins released, no THP left",
	.opts = noleak_opts, .check = no_leak_check, .run = no_leak_run,
};
