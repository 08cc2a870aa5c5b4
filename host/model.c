/* Expectation model (see model.h). Facts from the kernel history:
 * - memory_hotplug.memmap_on_memory appeared in 5.12 for x86_64 and arm64; it applies
 *   only to ACPI-hot-added memory (DIMMs) and, until 6.5, only when the range is exactly
 *   one memory block (mhp_supports_memmap_on_memory()).
 * - 6.5 split requests per memory block; ppc64 radix gained support ~6.6 (force mode with
 *   64K pages), s390 ~6.8 for standby memory, dax/kmem 6.8: not modelled yet -> unknown.
 * - virtio-mem and dax/kmem never use it up to 6.4. */
#include <stdio.h>
#include <string.h>
#include "model.h"

const char *const placement_names[PLACE__COUNT] = {
	[PLACE_ELSEWHERE] = "elsewhere", [PLACE_ON_BLOCK] = "on-block",
	[PLACE_UNKNOWN] = "unknown",
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

#define VER(a, b) ((a) * 1000 + (b))

/* Arch facts: the first version with memmap_on_memory for hot-added memory. */
static const struct {
	const char *arch;
	int since;
} mom_arches[] = {
	{ "x86_64", VER(5, 12) },
	{ "ppc64le", VER(6, 6) },
	{ "s390x", VER(6, 8) },
};

void model_placement(const struct placement_in *in, struct placement_pred *o)
{
	int ver = VER(in->major, in->minor), since = 0, param = model_mom_param(in->cmdline);

	memset(o, 0, sizeof(*o));
	o->vmemmap_pages = in->size / in->page_size * MODEL_STRUCT_PAGE / in->page_size;
	for (size_t i = 0; i < sizeof(mom_arches) / sizeof(mom_arches[0]); i++)
		if (!strcmp(mom_arches[i].arch, in->arch))
			since = mom_arches[i].since;
	o->p = PLACE_ELSEWHERE;
	if (!since) {
		snprintf(o->why, sizeof(o->why), "%s has no memmap_on_memory", in->arch);
	} else if (ver < since) {
		snprintf(o->why, sizeof(o->why), "%s gains memmap_on_memory in %d.%d; kernel is %d.%d",
			 in->arch, since / 1000, since % 1000, in->major, in->minor);
	} else if (ver >= VER(6, 5)) {
		o->p = PLACE_UNKNOWN;
		snprintf(o->why, sizeof(o->why), "kernel %d.%d is newer than the model (up to 6.4): "
			 "per-block memmap and new device kinds are not modelled", in->major,
			 in->minor);
	} else if (!param) {
		snprintf(o->why, sizeof(o->why), "memory_hotplug.memmap_on_memory is not enabled "
			 "on the command line");
	} else if (strcmp(in->devkind, "dimm")) {
		snprintf(o->why, sizeof(o->why), "%s memory is added without MHP_MEMMAP_ON_MEMORY "
			 "up to 6.4 (only ACPI DIMMs use it)", in->devkind);
	} else if (in->size != in->block_size) {
		snprintf(o->why, sizeof(o->why), "range of %llu MiB is not exactly one memory block "
			 "(%llu MiB): up to 6.4 the memmap goes on the device only then",
			 (unsigned long long)(in->size >> 20),
			 (unsigned long long)(in->block_size >> 20));
	} else {
		o->p = PLACE_ON_BLOCK;
		snprintf(o->why, sizeof(o->why), "%s %d.%d, ACPI dimm, memmap_on_memory enabled, size "
			 "== memory block (%llu MiB): the first %llu pages hold its memmap", in->arch,
			 in->major, in->minor, (unsigned long long)(in->block_size >> 20),
			 (unsigned long long)o->vmemmap_pages);
	}
}
