/* The placement oracle on snapshots recorded from real 6.1 x86_64 guests: it agrees with
 * what the kernel did, and fires on a wrong expectation or an inconsistent observation. */
#include <string.h>
#include "fixture.h"
#include "oracles.h"
#include "tap.h"

#define PFN 1048576ull	/* the DIMM at 4 GiB */

int main(void)
{
	struct snapshot *mp = fixture(FIX("x86_64-deb6.1-dimm128-mom/plugged"));
	struct snapshot *mo = fixture(FIX("x86_64-deb6.1-dimm128-mom/online"));
	struct snapshot *np = fixture(FIX("x86_64-deb6.1-dimm128-nomom/plugged"));
	struct snapshot *no = fixture(FIX("x86_64-deb6.1-dimm128-nomom/online"));
	struct snapshot *bp = fixture(FIX("x86_64-deb6.1-dimm256-mom/plugged"));
	struct snapshot *bo = fixture(FIX("x86_64-deb6.1-dimm256-mom/online"));
	struct placement_obs o;
	char sum[512];

	placement_observe(mp, mo, PFN, 32768, &o);
	ok(o.p == PLACE_ON_BLOCK, "memmap_on_memory=1, 128 MiB: observed on-block (%s)", o.why);
	ok(o.memmap_pages == 512 && o.leading_reserved == 512,
	   "present - managed = 512 = reserved pfns leading the DIMM (%lld, %llu)",
	   (long long)o.memmap_pages, (unsigned long long)o.leading_reserved);
	ok(o.first_flags == 0x2100000000ull, "first pfn reads RESERVED|OWNER_PRIVATE (0x%llx)",
	   (unsigned long long)o.first_flags);
	ok(o.memtotal_delta_kb == 126 * 1024, "MemTotal grew by 126 MiB (%lld kB)",
	   (long long)o.memtotal_delta_kb);
	ok(placement_judge(PLACE_ON_BLOCK, "model", &o, sum, sizeof(sum)) == V_PASS,
	   "expected on-block: PASS");
	ok(placement_judge(PLACE_ELSEWHERE, "wrong", &o, sum, sizeof(sum)) == V_FAIL &&
	   strstr(sum, "expected memmap elsewhere") && strstr(sum, "observed on-block"),
	   "a wrong expectation FAILs and names both: %s", sum);

	placement_observe(np, no, PFN, 32768, &o);
	ok(o.p == PLACE_ELSEWHERE && o.memmap_pages == 0, "no parameter: observed elsewhere (%s)",
	   o.why);
	ok(placement_judge(PLACE_ON_BLOCK, "wrong", &o, sum, sizeof(sum)) == V_FAIL,
	   "expecting on-block there FAILs");

	placement_observe(bp, bo, PFN, 65536, &o);
	ok(o.p == PLACE_ELSEWHERE, "256 MiB with the parameter: elsewhere on 6.1 (%s)", o.why);

	placement_observe(mp, mp, PFN, 32768, &o);
	ok(o.p == PLACE_UNKNOWN && placement_judge(PLACE_ON_BLOCK, "m", &o, sum, sizeof(sum)) ==
	   V_FAIL, "no zone growth (not online): cannot establish, FAIL (%s)", o.why);
	ok(placement_judge(PLACE_UNKNOWN, "beyond the model", &(struct placement_obs){
		.p = PLACE_ON_BLOCK }, sum, sizeof(sum)) == V_SKIP,
	   "no expectation: SKIP with the observation");
	return done();
}
