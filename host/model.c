/* Expectation model (see model.h). Which (arch, kernel, device kind) can put the memmap
 * on the hot-added range is a capability fact (caps.c); the rest is the 5.12–6.4 rule of
 * mhp_supports_memmap_on_memory(): the parameter is on and the range is exactly one
 * memory block. */
#include <stdio.h>
#include <string.h>
#include "caps.h"
#include "model.h"
#include "snapshot.h"

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

void model_placement(const struct placement_in *in, struct placement_pred *o)
{
	struct cap_query q = {
		.arch = in->arch, .kind = in->devkind, .kernel = CAP_VER(in->major, in->minor),
		.config = in->config,
	};
	struct cap_fact f;

	memset(o, 0, sizeof(*o));
	o->vmemmap_pages = in->size / in->page_size * MODEL_STRUCT_PAGE / in->page_size;
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
		if (!model_mom_param(in->cmdline)) {
			snprintf(o->why, sizeof(o->why), "memory_hotplug.memmap_on_memory is not "
				 "enabled on the command line");
		} else if (in->size != in->block_size) {
			snprintf(o->why, sizeof(o->why), "range of %llu MiB is not exactly one memory "
				 "block (%llu MiB): up to 6.4 the memmap goes on the device only then",
				 (unsigned long long)(in->size >> 20),
				 (unsigned long long)(in->block_size >> 20));
		} else {
			o->p = PLACE_ON_BLOCK;
			snprintf(o->why, sizeof(o->why), "%s %d.%d, %s, memmap_on_memory enabled, size "
				 "== memory block (%llu MiB): the first %llu pages hold its memmap",
				 in->arch, in->major, in->minor, in->devkind,
				 (unsigned long long)(in->block_size >> 20),
				 (unsigned long long)o->vmemmap_pages);
		}
		break;
	}
}
