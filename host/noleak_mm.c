/* The no-leak oracle's part for the subsystems the busy-guest workloads use: after their
 * teardown, zram devices are reset (and hot-added ones gone), zsmalloc holds no more
 * zspages than at the baseline, zswap stores nothing more, swap is off again, every
 * long-term pin taken was released and no anonymous THP is left (see oracles.h). */
#include <stdio.h>
#include <string.h>
#include "oracles.h"

#define T(res, v, cfg, ev, ...) result_add(res, v, check_name, (cfg)->lineno, ev, __VA_ARGS__)

static uint64_t vm(const struct snapshot *s, const char *key)
{
	uint64_t v = 0;

	snap_vmstat(s, key, &v);
	return v;
}

static uint64_t mm(const struct snapshot *s, const char *key)
{
	uint64_t v = 0;

	snap_mm(s, key, &v);
	return v;
}

static uint64_t meminfo(const struct snapshot *s, const char *key)
{
	uint64_t v = 0;

	snap_meminfo(s, key, &v);
	return v;
}

static int64_t pins_held(const struct snapshot *s)
{
	return (int64_t)(vm(s, "nr_foll_pin_acquired") - vm(s, "nr_foll_pin_released"));
}

unsigned noleak_mm_used(const struct snapshot *base, const struct snapshot *s)
{
	unsigned used = 0;

	for (size_t i = 0; i < s->n_mm; i++) {
		const char *k = s->mm[i].key;

		if (!strncmp(k, "zram", 4) && strcmp(k, "zram.devices") && s->mm[i].val)
			used |= MM_ZRAM;
	}
	if (mm(s, "zram.devices") != mm(base, "zram.devices"))
		used |= MM_ZRAM;
	if (vm(s, "nr_zspages"))
		used |= MM_ZSMALLOC;
	if (mm(s, "zswap.enabled") || mm(s, "zswap.stored_pages") ||
	    mm(s, "zswap.pool_limit_hit") != mm(base, "zswap.pool_limit_hit") ||
	    vm(s, "zswpout") != vm(base, "zswpout"))
		used |= MM_ZSWAP;
	if (meminfo(s, "SwapTotal") || mm(s, "swap.devices"))
		used |= MM_SWAP;
	if (vm(s, "nr_foll_pin_acquired") != vm(base, "nr_foll_pin_acquired"))
		used |= MM_PINS;
	if (vm(s, "nr_anon_transparent_hugepages"))
		used |= MM_THP;
	return used;
}

/* Every zram key of final must have its baseline value (0 when the baseline lacks it: a
 * device hot-added since, reset); every zram key of the baseline must still be there. */
static void zram_check(const struct snapshot *b, const struct snapshot *f,
		       const struct noleak_cfg *cfg, struct results *res)
{
	static const char check_name[] = "no-leak zram";
	char diff[400] = "";
	size_t len = 0;
	int bad = 0;

	for (size_t i = 0; i < f->n_mm + b->n_mm; i++) {
		int in_final = i < f->n_mm;
		const struct kv *kv = in_final ? &f->mm[i] : &b->mm[i - f->n_mm];
		uint64_t other = 0;
		int has = snap_mm(in_final ? b : f, kv->key, &other) == 0;

		if (strncmp(kv->key, "zram", 4) || (!in_final && has))
			continue;
		if (in_final && (has ? other == kv->val : !kv->val))
			continue;
		bad++;
		if (len < sizeof(diff) - 80)
			len += (size_t)snprintf(diff + len, sizeof(diff) - len, "%s%s %s%llu "
				"(baseline %s%llu)", len ? ", " : "", kv->key,
				in_final ? "" : "absent, was ",
				(unsigned long long)(in_final ? kv->val : 0),
				in_final && !has ? "absent, " : "",
				(unsigned long long)(in_final ? other : kv->val));
	}
	if (bad)
		T(res, V_FAIL, cfg, NULL, "%d zram values differ from the baseline: %s", bad, diff);
	else
		T(res, V_PASS, cfg, NULL, "%llu zram device(s) as at the baseline, each reset "
		  "(disksize, mem_used_total, orig_data_size back)",
		  (unsigned long long)mm(f, "zram.devices"));
}

/* A counter of final that must be back to base's value. */
static void same(const char *check_name, const char *what, uint64_t b, uint64_t f,
		 const char *unit, const struct noleak_cfg *cfg, struct results *res)
{
	if (b != f)
		T(res, V_FAIL, cfg, NULL, "%s: %llu %s, baseline %llu", what,
		  (unsigned long long)f, unit, (unsigned long long)b);
	else
		T(res, V_PASS, cfg, NULL, "%s back to the baseline's %llu %s", what,
		  (unsigned long long)b, unit);
}

/* zswap's stored pages and pool size, from the same source in both snapshots: its debugfs
 * counters (6.1 sets zswap up at boot; since 6.4 it is set up, debugfs directory included,
 * only when first enabled, so a baseline taken before has none: mm/zswap.c, commit
 * 141fdeececb3 "mm/zswap: delay the initialization of zswap"), else /proc/meminfo's
 * Zswapped: (stored pages) and Zswap: (pool), in kB. Neither in both: ERROR. */
static void zswap_check(const struct snapshot *b, const struct snapshot *f,
			const struct noleak_cfg *cfg, struct results *res)
{
	static const char check_name[] = "no-leak zswap";
	uint64_t sb, sf, pb, pf;

	if (!snap_mm(b, "zswap.stored_pages", &sb) && !snap_mm(f, "zswap.stored_pages", &sf) &&
	    !snap_mm(b, "zswap.pool_total_size", &pb) &&
	    !snap_mm(f, "zswap.pool_total_size", &pf)) {
		if (sb != sf || pb != pf)
			T(res, V_FAIL, cfg, NULL, "zswap still stores %llu pages in a %llu-byte pool; "
			  "baseline %llu pages, %llu bytes", (unsigned long long)sf,
			  (unsigned long long)pf, (unsigned long long)sb, (unsigned long long)pb);
		else
			T(res, V_PASS, cfg, NULL, "zswap drained: %llu stored pages, pool %llu bytes, "
			  "as at the baseline", (unsigned long long)sf, (unsigned long long)pf);
		return;
	}
	if (snap_meminfo(b, "Zswapped", &sb) || snap_meminfo(f, "Zswapped", &sf) ||
	    snap_meminfo(b, "Zswap", &pb) || snap_meminfo(f, "Zswap", &pf)) {
		T(res, V_ERROR, cfg, NULL, "zswap not measured: neither its debugfs counters nor "
		  "/proc/meminfo's Zswap/Zswapped in both the baseline and the final snapshot");
		return;
	}
	if (sb != sf || pb != pf)
		T(res, V_FAIL, cfg, NULL, "zswap still stores %llu kB in a %llu kB pool "
		  "(/proc/meminfo Zswapped, Zswap); baseline %llu kB, %llu kB",
		  (unsigned long long)sf, (unsigned long long)pf, (unsigned long long)sb,
		  (unsigned long long)pb);
	else
		T(res, V_PASS, cfg, NULL, "zswap drained: %llu kB stored, pool %llu kB "
		  "(/proc/meminfo Zswapped, Zswap: zswap's debugfs counters are not in both "
		  "snapshots), as at the baseline", (unsigned long long)sf, (unsigned long long)pf);
}

void noleak_mm_eval(const struct snapshot *base, const struct snapshot *final, unsigned used,
		    const struct noleak_cfg *cfg, struct results *res)
{
	if (used & MM_ZRAM)
		zram_check(base, final, cfg, res);
	if (used & MM_ZSMALLOC)
		same("no-leak zsmalloc", "zsmalloc pages (nr_zspages)", vm(base, "nr_zspages"),
		     vm(final, "nr_zspages"), "pages", cfg, res);
	if (used & MM_ZSWAP)
		zswap_check(base, final, cfg, res);
	if (used & MM_SWAP) {
		static const char check_name[] = "no-leak swap";
		uint64_t tb = meminfo(base, "SwapTotal"), tf = meminfo(final, "SwapTotal");
		uint64_t ub = tb - meminfo(base, "SwapFree"), uf = tf - meminfo(final, "SwapFree");

		if (tb != tf || ub != uf)
			T(res, V_FAIL, cfg, NULL, "swap: %llu kB total, %llu kB used; baseline %llu "
			  "kB, %llu kB", (unsigned long long)tf, (unsigned long long)uf,
			  (unsigned long long)tb, (unsigned long long)ub);
		else
			T(res, V_PASS, cfg, NULL, "swap back to the baseline: %llu kB total, %llu kB "
			  "used", (unsigned long long)tf, (unsigned long long)uf);
	}
	if (used & MM_PINS) {
		static const char check_name[] = "no-leak pins";
		int64_t hb = pins_held(base), hf = pins_held(final);
		uint64_t acq = vm(final, "nr_foll_pin_acquired") - vm(base, "nr_foll_pin_acquired");
		uint64_t rel = vm(final, "nr_foll_pin_released") - vm(base, "nr_foll_pin_released");

		if (hb != hf)
			T(res, V_FAIL, cfg, NULL, "since the baseline %llu pins were acquired and %llu "
			  "released: %lld still held", (unsigned long long)acq,
			  (unsigned long long)rel, (long long)(hf - hb));
		else
			T(res, V_PASS, cfg, NULL, "every pin taken since the baseline was released "
			  "(%llu acquired, %llu released)", (unsigned long long)acq,
			  (unsigned long long)rel);
	}
	if (used & MM_THP)
		same("no-leak thp", "anonymous THPs (nr_anon_transparent_hugepages)",
		     vm(base, "nr_anon_transparent_hugepages"),
		     vm(final, "nr_anon_transparent_hugepages"), "huge pages", cfg, res);
}
