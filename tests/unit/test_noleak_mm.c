/* The no-leak oracle's checks of the busy-guest subsystems on snapshots recorded from real
 * guests (tests/fixtures/x86_64-deb6.1-busy-*, x86_64-deb6.12-busy-zswap): clean after
 * each teardown, firing while zram, zswap, swap and pins are still in use. */
#include <errno.h>
#include <string.h>
#include "fixture.h"
#include "oracles.h"
#include "tap.h"

static int verdict_of(const struct results *res, const char *name)
{
	for (size_t i = 0; i < res->n; i++)
		if (!strcmp(res->checks[i].name, name))
			return (int)res->checks[i].v;
	return -1;
}

static const char *summary_of(const struct results *res, const char *name)
{
	for (size_t i = 0; i < res->n; i++)
		if (!strcmp(res->checks[i].name, name))
			return res->checks[i].summary;
	return "-";
}

int main(void)
{
	struct snapshot *zb = fixture(FIX("x86_64-deb6.1-busy-zram/baseline"));
	struct snapshot *zu = fixture(FIX("x86_64-deb6.1-busy-zram/busy"));
	struct snapshot *zf = fixture(FIX("x86_64-deb6.1-busy-zram/no-leak-final"));
	struct snapshot *sb = fixture(FIX("x86_64-deb6.1-busy-zswap/baseline"));
	struct snapshot *su = fixture(FIX("x86_64-deb6.1-busy-zswap/busy"));
	struct snapshot *sf = fixture(FIX("x86_64-deb6.1-busy-zswap/no-leak-final"));
	struct snapshot *nb = fixture(FIX("x86_64-deb6.12-busy-zswap/baseline"));
	struct snapshot *nu = fixture(FIX("x86_64-deb6.12-busy-zswap/busy"));
	struct snapshot *nf = fixture(FIX("x86_64-deb6.12-busy-zswap/no-leak-final"));
	struct snapshot *pb = fixture(FIX("x86_64-deb6.1-busy-pins/baseline"));
	struct snapshot *pp = fixture(FIX("x86_64-deb6.1-busy-pins/pinned"));
	struct snapshot *pu = fixture(FIX("x86_64-deb6.1-busy-pins/unpinned"));
	struct noleak_cfg cfg = { .memfree_tolerance_kb = 4096 };
	struct results res = { 0 };
	unsigned used;
	uint64_t v;

	ok(zb->n_mm > 0 && noleak_mm_used(zb, zb) == 0, "zram baseline: nothing in use");
	used = noleak_mm_used(zb, zu) | noleak_mm_used(zb, zf);
	ok((used & (MM_ZRAM | MM_ZSMALLOC | MM_SWAP)) == (MM_ZRAM | MM_ZSMALLOC | MM_SWAP),
	   "zram busy: zram, zsmalloc and swap in use (mask %#x)", used);
	noleak_mm_eval(zb, zf, used, &cfg, &res);
	ok(result_overall(&res) == V_PASS && res.n == 3, "zram torn down: %zu checks pass", res.n);
	results_free(&res);
	noleak_mm_eval(zb, zu, used, &cfg, &res);
	ok(verdict_of(&res, "no-leak zram") == V_FAIL, "zram still set up: fires");
	ok(verdict_of(&res, "no-leak zsmalloc") == V_FAIL, "zspages held: fires");
	ok(verdict_of(&res, "no-leak swap") == V_FAIL, "swap still on: fires");
	results_free(&res);

	used = noleak_mm_used(sb, su) | noleak_mm_used(sb, sf);
	ok(used & MM_ZSWAP, "zswap busy: zswap in use (mask %#x)", used);
	noleak_mm_eval(sb, sf, used, &cfg, &res);
	ok(result_overall(&res) == V_PASS && verdict_of(&res, "no-leak zswap") == V_PASS,
	   "zswap drained after swapoff: passes");
	results_free(&res);
	noleak_mm_eval(sb, su, used, &cfg, &res);
	ok(verdict_of(&res, "no-leak zswap") == V_FAIL, "zswap still storing: fires");
	results_free(&res);

	/* 6.12 sets zswap up (debugfs counters too) only when first enabled: the baseline has
	 * no counters, /proc/meminfo's Zswapped/Zswap say what it stores */
	ok(snap_mm(nb, "zswap.stored_pages", &v) == -ENOENT && !snap_mm(nf, "zswap.stored_pages",
	   &v), "6.12: no zswap debugfs counters at the baseline, there at the end");
	ok(noleak_mm_used(nb, nb) == 0 && (noleak_mm_used(nb, nf) & MM_ZSWAP),
	   "6.12: zswap used, seen at the end too (zswpout grew)");
	used = noleak_mm_used(nb, nu) | noleak_mm_used(nb, nf);
	noleak_mm_eval(nb, nf, used, &cfg, &res);
	ok(result_overall(&res) == V_PASS && verdict_of(&res, "no-leak zswap") == V_PASS,
	   "6.12: zswap drained after swapoff: passes (%s)", summary_of(&res, "no-leak zswap"));
	results_free(&res);
	noleak_mm_eval(nb, nu, used, &cfg, &res);
	ok(verdict_of(&res, "no-leak zswap") == V_FAIL && strstr(summary_of(&res,
	   "no-leak zswap"), "Zswapped"), "6.12: zswap still storing: fires (%s)",
	   summary_of(&res, "no-leak zswap"));
	results_free(&res);
	noleak_mm_eval(nb, nf, MM_ZSWAP, &cfg, &res);
	noleak_mm_eval(sb, nf, MM_ZSWAP, &cfg, &res);
	ok(res.n == 2 && strstr(res.checks[0].summary, "meminfo") &&
	   !strstr(res.checks[1].summary, "meminfo"),
	   "debugfs counters when both snapshots have them, /proc/meminfo otherwise");
	results_free(&res);

	used = noleak_mm_used(pb, pp) | noleak_mm_used(pb, pu);
	ok(used == MM_PINS, "pins: only pins in use (mask %#x)", used);
	noleak_mm_eval(pb, pu, used, &cfg, &res);
	ok(verdict_of(&res, "no-leak pins") == V_PASS, "unregistered: every pin released");
	results_free(&res);
	noleak_mm_eval(pb, pp, used, &cfg, &res);
	ok(verdict_of(&res, "no-leak pins") == V_FAIL && strstr(res.checks[0].summary,
	   "still held"), "registered: fires (%s)", res.n ? res.checks[0].summary : "-");
	results_free(&res);
	return done();
}
