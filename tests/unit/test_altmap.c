/* The pmem altmap reservation and the dax kmem view, on numbers and snapshots recorded
 * from a real 6.1 x86_64 guest (1 GiB and 2 GiB NVDIMM namespaces at 4 GiB, ndctl 76;
 * tests/fixtures/x86_64-deb6.1-nvdimm-kmem): exact where the kernel is, and firing on a
 * reservation of the wrong size or a kmem size the guest does not show. */
#include <string.h>
#include "fixture.h"
#include "oracles.h"
#include "tap.h"

#define START 0x100000000ull
#define G1 (1ull << 30)
#define M(x) ((uint64_t)(x) << 20)

int main(void)
{
	struct snapshot *dd = fixture(FIX("x86_64-deb6.1-nvdimm-kmem/devdax"));
	struct snapshot *km = fixture(FIX("x86_64-deb6.1-nvdimm-kmem/kmem"));
	struct snapshot *back = fixture(FIX("x86_64-deb6.1-nvdimm-kmem/back"));
	struct vmem_obs o;
	uint64_t memmap;
	char why[512];

	/* recorded: 1 GiB map=dev usable 1054867456, map=mem 1071644672; 2 GiB map=dev
	 * usable 2111832064 (align 2M, and 4K raised to 2M by memremap_compat_align) */
	ok(altmap_expected(START, G1, M(2), 4096, 1, &memmap) == M(18) && memmap == 64 *
	   ((G1 - 8192) / 4096), "1 GiB, map=dev: 16 MiB memmap + 8K, aligned = 18 MiB");
	ok(altmap_judge(START, G1, 1054867456ull, M(2), 4096, 1, why, sizeof(why)) == V_PASS,
	   "recorded 1 GiB map=dev reservation: PASS (%s)", why);
	ok(altmap_judge(START, G1, G1 - M(2), M(2), 4096, 0, why, sizeof(why)) == V_PASS,
	   "recorded 1 GiB map=mem reservation (info block only): PASS (%s)", why);
	ok(altmap_judge(START, 2 * G1, 2111832064ull, M(2), 4096, 1, why, sizeof(why)) == V_PASS,
	   "recorded 2 GiB map=dev: 34 MiB: PASS (%s)", why);
	ok(altmap_judge(START, 2 * G1, 2111832064ull, 4096, 4096, 1, why, sizeof(why)) == V_FAIL,
	   "the same judged with align 4K (no compat alignment) FAILs: %s", why);
	ok(altmap_judge(START, G1, G1 - M(2), M(2), 4096, 1, why, sizeof(why)) == V_FAIL &&
	   strstr(why, "expected 18874368"), "map=dev with only 2 MiB reserved FAILs: %s", why);
	ok(altmap_judge(START, G1, 1054867456ull, M(2), 4096, 0, why, sizeof(why)) == V_FAIL,
	   "map=mem with 18 MiB reserved FAILs: %s", why);

	ram_observe(dd, km, START, G1, 4096, "System RAM (kmem)", &o);
	ok(o.present == 7 && o.online == 7 && o.iomem_bytes == M(896) && !strcmp(o.zones,
	   "Movable"), "kmem: 7 whole blocks (896 MiB) online movable (%u, %llu, %s)",
	   o.present, (unsigned long long)o.iomem_bytes, o.zones);
	ok(o.memtotal_delta_kb == 896 * 1024 && o.managed_delta_pages == 229376,
	   "kmem: MemTotal and managed +896 MiB: memmap elsewhere (%lld kB)",
	   (long long)o.memtotal_delta_kb);
	ok(vmem_judge(&o, M(896), 0, 0, why, sizeof(why)) == V_PASS, "kmem 896 MiB: PASS");
	ok(vmem_judge(&o, 1054867456ull, 0, 0, why, sizeof(why)) == V_FAIL,
	   "claiming the whole usable size as system RAM FAILs: %s", why);
	ram_observe(dd, back, START, G1, 4096, "System RAM (kmem)", &o);
	ok(o.present == 0 && o.memtotal_delta_kb == 0 &&
	   vmem_judge(&o, 0, 0, 0, why, sizeof(why)) == V_PASS,
	   "back to devdax: no block, no range, MemTotal back (%s)", why);
	return done();
}
