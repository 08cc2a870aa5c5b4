/* The expectation model: where the kernel should put a hot-added range's memmap, from
 * the capability table's facts per arch/kernel version/device kind (caps.c). A wrong model shows up as a FAIL that names
 * its inputs, just like a kernel bug. */
#ifndef HPT_MODEL_H
#define HPT_MODEL_H
#include <stddef.h>
#include <stdint.h>

/* split: part of the memmap backed on the range, part elsewhere (64K pages, =force) */
enum placement { PLACE_ELSEWHERE, PLACE_ON_BLOCK, PLACE_UNKNOWN, PLACE_SPLIT, PLACE__COUNT };
extern const char *const placement_names[PLACE__COUNT];	/* "elsewhere", "on-block", … */
int placement_parse(const char *s);	/* -1 if not a name */

struct placement_in {
	const char *arch;	/* "x86_64" */
	int major, minor;	/* kernel version */
	const char *cmdline;	/* the guest's /proc/cmdline */
	const char *devkind;	/* "dimm", "virtio-mem", "nvdimm", "dax-kmem" (kmem memory
				 * with the device's memmap_on_memory knob set) */
	uint64_t base;		/* physical address of the range (0 = not known) */
	uint64_t size, block_size, page_size;
	uint64_t boot_end;	/* end of boot memory (bytes; 0 = not known) */
	const char *config;	/* the kernel's .config text, NULL if not known */
	uint64_t struct_page;	/* sizeof(struct page) measured by the probe (0: not
				 * measured: MODEL_STRUCT_PAGE) */
};

struct placement_pred {
	enum placement p;	/* where the memmap is backed (what the probe proves) */
	uint64_t vmemmap_pages;	/* memmap pages of the range (what the probe walks) */
	/* pages of the range the kernel keeps for the memmap (present - managed; the leading
	 * pfns of each block), and how many of the memmap pages are backed inside the range:
	 * both vmemmap_pages when on-block, both 0 elsewhere; with 64K pages and =force the
	 * kernel reserves whole pageblocks of which the memmap may use part or none */
	uint64_t reserved_pages, inside_pages;
	uint64_t block_pages;	/* pages per memory block (each block's memmap leads it) */
	uint64_t counter_pages;	/* growth of /proc/vmstat nr_memmap_pages while plugged */
	/* /proc/kpageflags bits of which a memmap page on the range carries at least one
	 * (KPF_RESERVED up to 6.10, KPF_OWNER_PRIVATE later: CAP_VMEMMAP_RESERVED) */
	uint64_t vmemmap_kpf;
	char why[320];
};

void model_placement(const struct placement_in *in, struct placement_pred *out);
/* The value of memory_hotplug.memmap_on_memory= in a command line: 1 on (1/y/on/true),
 * 2 force, 0 off or absent. */
int model_mom_param(const char *cmdline);
/* nr_memmap_pages growth for size bytes of hot-added memory on arch: Σ over its memory
 * sections of ⌈section memmap ÷ page size⌉ (6.11+ count per section, rounded up);
 * struct_page 0 = MODEL_STRUCT_PAGE. */
uint64_t model_memmap_counter(const char *arch, uint64_t size, uint64_t page_size,
			      uint64_t struct_page);
/* The boot value of auto_online_blocks a kernel config selects: "online", "offline",
 * "online_kernel", "online_movable", or NULL (config not known); why says from what. */
const char *model_default_online(const char *config, char *why, size_t n);
/* sizeof(struct page) the model assumes unless the probe measured it (64 on every 64-bit
 * arch with MEMCG, as Debian builds them; 56 without: an own kernel's). */
#define MODEL_STRUCT_PAGE 64

#endif
