/* Expectation model (see model.h). Which (arch, kernel, device kind) can put the memmap
 * on the hot-added range, and whether a range of several blocks gets it per block, are
 * capability facts (caps.c); the rest is mhp_supports_memmap_on_memory(): the parameter
 * is on, the range is whole blocks (one block before 6.8), and the memmap fills whole
 * pageblocks (=force: the reservation is rounded up to them, the rest is wasted). */
#include <stdio.h>
#include <string.h>
#include "caps.h"
#include "model.h"
#include "snapshot.h"

const char *const placement_names[PLACE__COUNT] = {
	[PLACE_ELSEWHERE] = "elsewhere", [PLACE_ON_BLOCK] = "on-block",
	[PLACE_UNKNOWN] = "unknown", [PLACE_SPLIT] = "split",
};

int placement_parse(const char *s)
{
	for (int i = 0; i < PLACE__COUNT; i++)
		if (!strcmp(s, placement_names[i]))
			return i;
	return -1;
}

int model_mom_param(const char *cmdline)
{
	static const char key[] = "memory_hotplug.memmap_on_memory=";
	const char *p = cmdline, *hit = NULL;
	char v[16];

	/* the last occurrence wins, as in the kernel's parser */
	while ((p = strstr(p, key))) {
		if (p == cmdline || p[-1] == ' ')
			hit = p;
		p += sizeof(key) - 1;
	}
	if (!hit)
		return 0;
	sscanf(hit + sizeof(key) - 1, "%15[^ ]", v);
	if (!strcmp(v, "force"))
		return 2;
	return !strcmp(v, "1") || !strcasecmp(v, "y") || !strcasecmp(v, "on") ||
	       !strcasecmp(v, "true");
}

/* Sparse memory sections: 128 MiB on x86_64, 16 MiB on ppc64, 256 MiB on s390x. */
static uint64_t section_size(const char *arch)
{
	if (!strcmp(arch, "ppc64le"))
		return 16ull << 20;
	if (!strcmp(arch, "s390x"))
		return 256ull << 20;
	return 128ull << 20;
}

uint64_t model_memmap_counter(const char *arch, uint64_t size, uint64_t page_size,
			      uint64_t struct_page)
{
	uint64_t sec = section_size(arch),
		 per = sec / page_size * (struct_page ? struct_page : MODEL_STRUCT_PAGE);

	return (size + sec - 1) / sec * ((per + page_size - 1) / page_size);
}

const char *model_default_online(const char *config, char *why, size_t n)
{
	static const struct { const char *opt, *val; } t[] = {
		{ "CONFIG_MHP_DEFAULT_ONLINE_TYPE_OFFLINE", "offline" },
		{ "CONFIG_MHP_DEFAULT_ONLINE_TYPE_ONLINE_AUTO", "online" },
		{ "CONFIG_MHP_DEFAULT_ONLINE_TYPE_ONLINE_KERNEL", "online_kernel" },
		{ "CONFIG_MHP_DEFAULT_ONLINE_TYPE_ONLINE_MOVABLE", "online_movable" },
		{ "CONFIG_MEMORY_HOTPLUG_DEFAULT_ONLINE", "online" },	/* before the choice */
	};

	if (!config) {
		snprintf(why, n, "the kernel config is not known");
		return NULL;
	}
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (caps_config_has(config, t[i].opt) == 1) {
			snprintf(why, n, "%s=y", t[i].opt);
			return t[i].val;
		}
	snprintf(why, n, "no CONFIG_MHP_DEFAULT_ONLINE_TYPE_* or CONFIG_MEMORY_HOTPLUG_DEFAULT_"
		 "ONLINE: hot-added memory stays offline");
	return "offline";
}

#define PAGEBLOCK (2ull << 20)	/* pageblock size of every arch here (4K: order 9; 64K: 5) */

/* The on-device part for a range whose every block may host its memmap: per block the
 * memmap (=1 needs it to fill whole pageblocks, =force reserves whole pageblocks); with
 * 64K pages the memmap is backed inside only where its vmemmap PMD (2 MiB of struct
 * pages = 2 GiB of memory) was not mapped for boot memory already. */
static void on_device(const struct placement_in *in, int mom, uint64_t nblocks,
		      struct placement_pred *o)
{
	uint64_t sp = in->struct_page ? in->struct_page : MODEL_STRUCT_PAGE;
	uint64_t bv = (o->block_pages * sp + in->page_size - 1) / in->page_size;
	uint64_t pb = PAGEBLOCK / in->page_size, res = (bv + pb - 1) / pb * pb;
	uint64_t pmd_cover = PAGEBLOCK / sp * in->page_size, inside = 0;
	uint64_t first_free = (in->boot_end + pmd_cover - 1) / pmd_cover * pmd_cover;

	if (bv % pb && mom != 2) {
		snprintf(o->why, sizeof(o->why), "the memmap of a %llu MiB block is %llu pages "
			 "(%llu-byte struct page%s), not a whole number of %llu-page pageblocks: "
			 "memmap_on_memory=1 does not use it (=force would reserve %llu pages per "
			 "block)", (unsigned long long)(in->block_size >> 20), (unsigned long long)bv,
			 (unsigned long long)sp, in->struct_page ? ", measured by the probe" : "",
			 (unsigned long long)pb, (unsigned long long)res);
		return;
	}
	if (bv % pb == 0) {
		o->p = PLACE_ON_BLOCK;
		o->reserved_pages = o->inside_pages = nblocks * bv;
		snprintf(o->why, sizeof(o->why), "%s %d.%d, %s, memmap_on_memory enabled, %llu "
			 "memory block%s of %llu MiB: the first %llu pages of each hold its memmap",
			 in->arch, in->major, in->minor, in->devkind, (unsigned long long)nblocks,
			 nblocks > 1 ? "s" : "", (unsigned long long)(in->block_size >> 20),
			 (unsigned long long)bv);
		return;
	}
	/* =force with a memmap that is no whole number of pageblocks: modelled for a
	 * 64-byte struct page whose memmap is smaller than a pageblock (ppc64le, 64K pages) */
	if (sp != MODEL_STRUCT_PAGE || bv > pb) {
		o->p = PLACE_UNKNOWN;
		snprintf(o->why, sizeof(o->why), "memmap_on_memory=force with a %llu-byte struct "
			 "page (measured by the probe): a %llu-page memmap per %llu MiB block in "
			 "%llu-page pageblocks is not modelled (the model knows 64-byte struct "
			 "pages)", (unsigned long long)sp, (unsigned long long)bv,
			 (unsigned long long)(in->block_size >> 20), (unsigned long long)pb);
		return;
	}
	if (!in->boot_end || !in->base) {
		o->p = PLACE_UNKNOWN;
		snprintf(o->why, sizeof(o->why), "memmap_on_memory=force with %llu KiB pages: "
			 "where the memmap is backed depends on the range's address and the end of "
			 "boot memory, which are not known", (unsigned long long)(in->page_size >> 10));
		return;
	}
	for (uint64_t i = 0; i < nblocks; i++)
		if (in->base + i * in->block_size >= first_free)
			inside += bv;
	o->reserved_pages = nblocks * res;
	o->inside_pages = inside;
	o->p = inside == o->vmemmap_pages ? PLACE_ON_BLOCK : inside ? PLACE_SPLIT
				: PLACE_ELSEWHERE;
	snprintf(o->why, sizeof(o->why), "%s %d.%d, %llu KiB pages, memmap_on_memory=force: each "
		 "of %llu blocks reserves a whole pageblock (%llu pages) for its %llu-page memmap, "
		 "which is backed there only above %llu MiB (below, boot memory's vmemmap PMD "
		 "already maps it): %llu of %llu memmap pages inside", in->arch, in->major,
		 in->minor, (unsigned long long)(in->page_size >> 10), (unsigned long long)nblocks,
		 (unsigned long long)res, (unsigned long long)bv,
		 (unsigned long long)(first_free >> 20), (unsigned long long)inside,
		 (unsigned long long)o->vmemmap_pages);
}

void model_placement(const struct placement_in *in, struct placement_pred *o)
{
	struct cap_query q = {
		.arch = in->arch, .kind = in->devkind, .kernel = CAP_VER(in->major, in->minor),
		.config = in->config,
	};
	struct cap_fact f, split;
	uint64_t nblocks = in->block_size ? in->size / in->block_size : 0;
	int mom = model_mom_param(in->cmdline);

	memset(o, 0, sizeof(*o));
	o->vmemmap_pages = (in->size / in->page_size *
			    (in->struct_page ? in->struct_page : MODEL_STRUCT_PAGE) +
			    in->page_size - 1) / in->page_size;
	o->block_pages = in->block_size / in->page_size;
	o->counter_pages = model_memmap_counter(in->arch, in->size, in->page_size,
						in->struct_page);
	switch (caps_ask(CAP_VMEMMAP_RESERVED, &q, &f)) {
	case CAP_YES: o->vmemmap_kpf = KPF_BIT(KPF_RESERVED); break;
	case CAP_NO: o->vmemmap_kpf = KPF_BIT(KPF_OWNER_PRIVATE); break;
	default: o->vmemmap_kpf = KPF_BIT(KPF_RESERVED) | KPF_BIT(KPF_OWNER_PRIVATE); break;
	}
	o->p = PLACE_ELSEWHERE;
	switch (caps_ask(CAP_MEMMAP_ON_MEMORY, &q, &f)) {
	case CAP_UNKNOWN:
		o->p = PLACE_UNKNOWN;
		/* fall through */
	case CAP_NO:
		snprintf(o->why, sizeof(o->why), "%s", f.why);
		break;
	case CAP_YES:
		if (!mom) {
			snprintf(o->why, sizeof(o->why), "memory_hotplug.memmap_on_memory is not "
				 "enabled on the command line");
		} else if (!nblocks || in->size % in->block_size) {
			snprintf(o->why, sizeof(o->why), "range of %llu MiB is not made of whole "
				 "memory blocks (%llu MiB)", (unsigned long long)(in->size >> 20),
				 (unsigned long long)(in->block_size >> 20));
		} else if (nblocks > 1 && caps_ask(CAP_MEMMAP_PER_BLOCK, &q, &split) != CAP_YES) {
			if (split.a == CAP_UNKNOWN)
				o->p = PLACE_UNKNOWN;
			snprintf(o->why, sizeof(o->why), "range of %llu MiB is not exactly one memory "
				 "block (%llu MiB): %s", (unsigned long long)(in->size >> 20),
				 (unsigned long long)(in->block_size >> 20), split.why);
		} else {
			on_device(in, mom, nblocks, o);
		}
		break;
	}
}
