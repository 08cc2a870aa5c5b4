/* The pmem "altmap" reservation of a devdax/fsdax namespace: with --map=dev the struct
 * pages of the namespace live in its own reserved area (nd_pfn_init(), drivers/nvdimm/
 * pfn_devs.c in 6.1): offset = ALIGN(start + 8K info block + 64 bytes x npfns, align) -
 * start with npfns = (raw - 8K) / 4K and MAX_STRUCT_PAGE_SIZE = 64; with --map=mem only the
 * info block, aligned. The end is truncated down to align. Pure (unit-tested). */
#include <stdio.h>
#include "oracles.h"

#define SZ_8K 8192ull
#define MAX_STRUCT_PAGE 64ull

static uint64_t align_up(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

uint64_t altmap_expected(uint64_t start, uint64_t raw, uint64_t align, uint64_t page,
			 int map_dev, uint64_t *memmap)
{
	uint64_t npfns = (raw - SZ_8K) / page, off, end = start + raw;

	*memmap = map_dev ? MAX_STRUCT_PAGE * npfns : 0;
	off = align_up(start + SZ_8K + *memmap, align) - start;
	return off + (end - end / align * align);
}

enum verdict altmap_judge(uint64_t start, uint64_t raw, uint64_t usable, uint64_t align,
			  uint64_t page, int map_dev, char *why, size_t n)
{
	uint64_t memmap, want = altmap_expected(start, raw, align, page, map_dev, &memmap);
	uint64_t got = raw - usable;

	if (usable > raw || got != want) {
		snprintf(why, n, "map=%s: namespace raw %llu, usable %llu: reserved %llu bytes, "
			 "expected %llu (memmap %llu = 64 B x %llu pages + 8K info block, aligned "
			 "to %llu)", map_dev ? "dev" : "mem", (unsigned long long)raw,
			 (unsigned long long)usable, (unsigned long long)got,
			 (unsigned long long)want, (unsigned long long)memmap,
			 (unsigned long long)((raw - SZ_8K) / page), (unsigned long long)align);
		return V_FAIL;
	}
	snprintf(why, n, "map=%s: reserved %llu of raw %llu bytes = %s8K info block, aligned "
		 "to %llu: exactly as expected (64 B per %llu B page = %.4f of raw)",
		 map_dev ? "dev" : "mem", (unsigned long long)got, (unsigned long long)raw,
		 map_dev ? "memmap (64 B x npfns) + " : "", (unsigned long long)align,
		 (unsigned long long)page, (double)got / (double)raw);
	return V_PASS;
}
