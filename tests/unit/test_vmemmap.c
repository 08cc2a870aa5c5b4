/* The PageVmemmap oracle on real snapshots: the vmemmap pfns of a memmap_on_memory DIMM
 * stay reserved after compaction and pressure; it fires on pfns that are buddy pages
 * (memmap elsewhere) or gone (offline). */
#include <string.h>
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

	/* the pressure: the free pages of the DIMM's zone (Movable, the highest populated) and
	 * a quarter more, well under 70% of MemAvailable; a lower zone, another node, an
	 * offline block or a snapshot without zones fall back to 70% */
	struct snapshot *online = fixture(FIX("x86_64-deb6.1-dimm128-mom/online"));
	struct snapshot *s390 = fixture(FIX("s390x-deb6.12-logical/online"));
	struct snapshot *ppc = fixture(FIX("ppc64le-deb6.12-lmb256-mom/online"));
	const uint64_t dimm = PFN * 4096, mib128 = 128ull << 20;
	uint64_t avail = 0, cap, mib, zfree;
	char why[160];

	snap_meminfo(online, "MemAvailable", &avail);
	cap = avail * 7 / 10 >> 10;
	zfree = snap_zone(online, 0, "Movable")->free + snap_zone(online, 0, "Movable")->pcp;
	mib = vmemmap_pressure_mib(online, dimm, mib128, why, sizeof(why), NULL);
	ok(mib == (((zfree * 4096 >> 20) * 5 + 3) / 4) && mib < cap && strstr(why, "zone Movable"),
	   "DIMM online movable: %llu MiB covers zone Movable's %llu free pages (70%% would be "
	   "%llu MiB): %s", (unsigned long long)mib, (unsigned long long)zfree,
	   (unsigned long long)cap, why);
	mib = vmemmap_pressure_mib(online, 1ull << 27, mib128, why, sizeof(why), NULL);
	ok(mib == cap && strstr(why, "70%"), "a DMA32 block under the populated Movable zone: 70%% "
	   "of MemAvailable (%llu MiB: %s)", (unsigned long long)mib, why);
	mib = vmemmap_pressure_mib(online, dimm - mib128, 2 * mib128, why, sizeof(why), NULL);
	ok(mib == cap, "a range over two zones: 70%% (%llu MiB)", (unsigned long long)mib);
	mib = vmemmap_pressure_mib(offl, dimm, mib128, why, sizeof(why), NULL);
	ok(mib > 0 && strstr(why, "70%"), "the block offline: 70%% (%llu MiB)",
	   (unsigned long long)mib);
	mib = vmemmap_pressure_mib(ppc, 4ull << 28, 1ull << 28, why, sizeof(why), NULL);
	ok(mib > 0 && strstr(why, "zone Movable"), "ppc64le 6.12, the LMB online movable: %llu MiB "
	   "(%s)", (unsigned long long)mib, why);
	snap_meminfo(s390, "MemAvailable", &avail);
	mib = vmemmap_pressure_mib(s390, 2ull << 28, 2ull << 28, why, sizeof(why), NULL);
	ok(mib == avail * 7 / 10 >> 10 && strstr(why, "70%"), "s390x 6.12, zone Movable is most of "
	   "the memory: 70%% is less (%llu MiB)", (unsigned long long)mib);
	/* the pressure proven to reach the device: zone Movable gave more than it had free
	 * between the online and the after-pressure snapshots; the same snapshot twice (no
	 * pressure at all) fires, a 70% fallback (a lower zone, or most of memory) never does */
	{
		struct snapshot *pre = fixture(FIX("x86_64-deb6.1-dimm128-mom/after-pressure"));
		uint64_t took = 0;
		int by_zone = -1, rc;

		mib = vmemmap_pressure_mib(online, dimm, mib128, why, sizeof(why), &by_zone);
		rc = vmemmap_zone_allocated(online, pre, "Movable", &took);
		ok(by_zone == 1 && rc == 0 && took > zfree &&
		   !vmemmap_pressure_missed(by_zone, (int64_t)took, zfree),
		   "recorded pressure: zone Movable gave %llu pages, it had %llu free: reached",
		   (unsigned long long)took, (unsigned long long)zfree);
		rc = vmemmap_zone_allocated(online, online, "Movable", &took);
		ok(rc == 0 && took == 0 && vmemmap_pressure_missed(by_zone, 0, zfree),
		   "no pressure (the online snapshot twice): 0 pages given, it fires");
		ok(vmemmap_pressure_missed(1, (int64_t)zfree - 1, zfree) &&
		   !vmemmap_pressure_missed(1, (int64_t)zfree, zfree),
		   "one page short of the zone's free pages fires, all of them does not");
		mib = vmemmap_pressure_mib(online, 1ull << 27, mib128, why, sizeof(why), &by_zone);
		ok(by_zone == 0 && !vmemmap_pressure_missed(by_zone, 0, zfree),
		   "a 70%% fallback never fires (the zone may legitimately give less)");
		ok(!vmemmap_pressure_missed(1, -1, zfree) &&
		   vmemmap_zone_allocated(online, pre, "Nonesuch", &took) == -1 &&
		   vmemmap_zone_allocated(pre, online, "Movable", &took) == -1,
		   "no counter, or one that went back: not known, no verdict from it");
		snapshot_free(pre);
	}
	online->zones[online->n_zones - 1].node = 1;	/* as if zone Device were on a node 1 */
	mib = vmemmap_pressure_mib(online, dimm, mib128, why, sizeof(why), NULL);
	ok(mib == cap, "two nodes: 70%% (%llu MiB)", (unsigned long long)mib);
	snapshot_free(online);
	snapshot_free(s390);
	snapshot_free(ppc);
	return done();
}
