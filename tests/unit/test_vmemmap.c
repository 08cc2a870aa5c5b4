/* The PageVmemmap oracle on real snapshots: the vmemmap pfns of a memmap_on_memory DIMM
 * stay reserved after compaction and pressure; it fires on pfns that are buddy pages
 * (memmap elsewhere) or gone (offline). */
#include "fixture.h"
#include "oracles.h"
#include "tap.h"

#define PFN 1048576ull
#define RES KPF_BIT(KPF_RESERVED)	/* 6.1: the model says vmemmap pfns are reserved */

int main(void)
{
	struct snapshot *pressed = fixture(FIX("x86_64-deb6.1-dimm128-mom/after-pressure"));
	struct snapshot *offl = fixture(FIX("x86_64-deb6.1-dimm128-mom/offline"));
	struct snapshot *nomom = fixture(FIX("x86_64-deb6.1-dimm128-nomom/online"));
	uint64_t first = 0, flags = 0, bad;

	bad = vmemmap_bad_pfns(pressed, PFN, 512, RES, &first, &flags);
	ok(bad == 0, "after compaction + pressure all 512 vmemmap pfns are reserved (%llu bad)",
	   (unsigned long long)bad);
	bad = vmemmap_bad_pfns(pressed, PFN, 513, RES, &first, &flags);
	ok(bad == 1 && first == PFN + 512, "pfn 512 past the start is an ordinary page: it fires "
	   "there (first bad 0x%llx flags 0x%llx)", (unsigned long long)first,
	   (unsigned long long)flags);
	bad = vmemmap_bad_pfns(nomom, PFN, 512, RES, &first, &flags);
	ok(bad > 0 && first == PFN, "memmap elsewhere: the DIMM's first pfns are no vmemmap, it "
	   "fires (%llu bad, flags 0x%llx)", (unsigned long long)bad, (unsigned long long)flags);
	bad = vmemmap_bad_pfns(offl, PFN, 512, RES, &first, &flags);
	ok(bad == 512 && (flags & KPF_BIT(KPF_NOPAGE)), "offline block: every pfn is NOPAGE, it "
	   "fires (%llu bad)", (unsigned long long)bad);
	return done();
}
