/* The expectation model: where the kernel should put a hot-added range's memmap, from
 * the capability table's facts per arch/kernel version/device kind (caps.c). A wrong model shows up as a FAIL that names
 * its inputs, just like a kernel bug. */
#ifndef HPT_MODEL_H
#define HPT_MODEL_H
#include <stdint.h>

enum placement { PLACE_ELSEWHERE, PLACE_ON_BLOCK, PLACE_UNKNOWN, PLACE__COUNT };
extern const char *const placement_names[PLACE__COUNT];	/* "elsewhere", "on-block", … */
int placement_parse(const char *s);	/* -1 if not a name */

struct placement_in {
	const char *arch;	/* "x86_64" */
	int major, minor;	/* kernel version */
	const char *cmdline;	/* the guest's /proc/cmdline */
	const char *devkind;	/* "dimm" */
	uint64_t size, block_size, page_size;
	const char *config;	/* the kernel's .config text, NULL if not known */
};

struct placement_pred {
	enum placement p;
	uint64_t vmemmap_pages;	/* memmap pages of the range if on-block */
	/* /proc/kpageflags bits of which a memmap page on the range carries at least one
	 * (KPF_RESERVED up to 6.10, KPF_OWNER_PRIVATE later: CAP_VMEMMAP_RESERVED) */
	uint64_t vmemmap_kpf;
	char why[320];
};

void model_placement(const struct placement_in *in, struct placement_pred *out);
/* The value of memory_hotplug.memmap_on_memory= in a command line: 1 on (1/y/on/true),
 * 2 force, 0 off or absent. */
int model_mom_param(const char *cmdline);
/* sizeof(struct page) the model assumes (64 on every 64-bit arch without debug padding). */
#define MODEL_STRUCT_PAGE 64

#endif
