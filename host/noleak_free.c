/* `no-leak MemFree`: memory that is neither free (the zones' free pages and their per-cpu
 * lists, snap_free_kb()) nor held by any user /proc/meminfo accounts for — page cache,
 * anonymous memory, slab, page tables, per-cpu, vmalloc (and kernel stacks where they are
 * not vmalloc'd), hugetlb, zsmalloc — must be back to the baseline within a tolerance
 * calibrated from this run's own noise. A leaked memmap, a page the kernel allocated and
 * forgot, lands exactly there: a 128 MiB block's memmap is 2 MiB of it, while a guest's
 * MemFree alone swings by hundreds of kB as caches and the agent come and go (see
 * oracles.h, "no-leak"). */
#include <stdio.h>
#include <string.h>
#include "json.h"
#include "oracles.h"

#define T(res, v, cfg, ev, ...) result_add(res, v, check_name, (cfg)->lineno, ev, __VA_ARGS__)

/* The meminfo users summed, in kB (fields a kernel lacks count 0). */
static const char *const users[] = {
	"Cached", "Buffers", "SwapCached", "AnonPages", "SReclaimable", "SUnreclaim",
	"PageTables", "SecPageTables", "Percpu", "Hugetlb", "VmallocUsed", "KernelStack", NULL,
};

static int64_t user_kb(const struct snapshot *s, const char *key, int stacks_in_vmalloc)
{
	uint64_t v = 0, page = 4096;

	if (!strcmp(key, "KernelStack") && stacks_in_vmalloc == 1)
		return 0;	/* counted in VmallocUsed already */
	if (!strcmp(key, "zsmalloc")) {
		snap_vmstat(s, "nr_zspages", &v);
		snap_param_num(s, "page_size", &page);
		return (int64_t)(v * (page >> 10));
	}
	snap_meminfo(s, key, &v);
	return (int64_t)v;
}

int noleak_unaccounted_kb(const struct snapshot *s, int stacks_in_vmalloc, int64_t *kb)
{
	uint64_t total = 0, free = 0;
	int64_t used = 0;

	if (snap_meminfo(s, "MemTotal", &total) < 0 || snap_free_kb(s, &free, NULL) < 0)
		return -1;
	for (int i = 0; users[i]; i++)
		used += user_kb(s, users[i], stacks_in_vmalloc);
	used += user_kb(s, "zsmalloc", stacks_in_vmalloc);
	*kb = (int64_t)total - (int64_t)free - used;
	return 0;
}

void noleak_free_eval(const struct snapshot *b, const struct snapshot *f,
		      const struct noleak_cfg *cfg, struct results *res)
{
	static const char check_name[] = "no-leak MemFree";
	struct strbuf ev = STRBUF_INIT;
	int64_t ub, uf, lo, hi, noise, d, floor_kb;
	uint64_t fb = 0, ff = 0, pb = 0, pf = 0, page = 4096, tol;
	struct json j;

	if (noleak_unaccounted_kb(b, cfg->stacks_in_vmalloc, &ub) < 0 ||
	    noleak_unaccounted_kb(f, cfg->stacks_in_vmalloc, &uf) < 0 ||
	    snap_free_kb(b, &fb, &pb) < 0 || snap_free_kb(f, &ff, &pf) < 0) {
		T(res, V_ERROR, cfg, NULL, "MemTotal, MemFree or page_size missing from a snapshot");
		return;
	}
	snap_param_num(f, "page_size", &page);
	/* the noise: how far the same quiet state reads apart from itself in this run */
	lo = hi = uf;
	for (size_t i = 0; i < cfg->n_noise; i++) {
		int64_t u;

		if (noleak_unaccounted_kb(cfg->noise[i], cfg->stacks_in_vmalloc, &u) < 0)
			continue;
		lo = u < lo ? u : lo;
		hi = u > hi ? u : hi;
	}
	noise = hi - lo;
	floor_kb = cfg->system_guest ? NOLEAK_FLOOR_SYSTEM_KB : NOLEAK_FLOOR_KB;
	if (floor_kb < (int64_t)(NOLEAK_FLOOR_PAGES * page >> 10))
		floor_kb = (int64_t)(NOLEAK_FLOOR_PAGES * page >> 10);
	tol = cfg->memfree_tolerance_kb ? cfg->memfree_tolerance_kb :
	      (uint64_t)(4 * noise > floor_kb ? 4 * noise : floor_kb);
	d = uf - ub;
	json_init(&j, &ev, 0);
	json_obj_begin(&j, NULL);
	json_i64(&j, "unaccounted_delta_kb", d);
	json_u64(&j, "tolerance_kb", tol);
	json_str(&j, "tolerance_from", cfg->memfree_tolerance_kb ? "scenario" :
		 4 * noise > floor_kb ? "4 x measured noise" :
		 cfg->system_guest ? "floor (a distro system's own drift)" : "floor");
	json_i64(&j, "noise_kb", noise);
	json_u64(&j, "noise_samples", cfg->n_noise + 1);
	json_i64(&j, "floor_kb", floor_kb);
	json_i64(&j, "unaccounted_baseline_kb", ub);
	json_i64(&j, "unaccounted_final_kb", uf);
	json_i64(&j, "memfree_pcp_delta_kb", (int64_t)ff - (int64_t)fb);
	json_u64(&j, "pcp_baseline_kb", pb);
	json_u64(&j, "pcp_final_kb", pf);
	json_obj_begin(&j, "accounted_delta_kb");
	for (int i = 0; users[i]; i++) {
		int64_t x = user_kb(f, users[i], cfg->stacks_in_vmalloc) -
			    user_kb(b, users[i], cfg->stacks_in_vmalloc);

		if (x)
			json_i64(&j, users[i], x);
	}
	if (user_kb(f, "zsmalloc", 0) != user_kb(b, "zsmalloc", 0))
		json_i64(&j, "zsmalloc", user_kb(f, "zsmalloc", 0) - user_kb(b, "zsmalloc", 0));
	json_obj_end(&j);
	json_obj_end(&j);
	if (d > (int64_t)tol)
		T(res, V_FAIL, cfg, sb_str(&ev), "%lld kB more memory is neither free nor "
		  "accounted to any user than at the baseline (tolerance %llu kB, measured noise "
		  "%lld kB over %zu samples); MemFree+pcp %+lld kB", (long long)d,
		  (unsigned long long)tol, (long long)noise, cfg->n_noise + 1,
		  (long long)ff - (long long)fb);
	else
		T(res, V_PASS, cfg, sb_str(&ev), "MemFree+pcp %+lld kB, all of it accounted to "
		  "users but %+lld kB (tolerance %llu kB, measured noise %lld kB over %zu samples)",
		  (long long)ff - (long long)fb, (long long)d, (unsigned long long)tol,
		  (long long)noise, cfg->n_noise + 1);
	sb_release(&ev);
}
