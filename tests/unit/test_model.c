/* The expectation model: the 6.1 facts, the arch and version limits, the cmdline parser. */
#include <string.h>
#include "model.h"
#include "tap.h"

static struct placement_pred pred(const char *arch, int maj, int min, const char *cmdline,
				  const char *kind, unsigned long long size_mib)
{
	struct placement_in in = {
		.arch = arch, .major = maj, .minor = min, .cmdline = cmdline, .devkind = kind,
		.size = size_mib << 20, .block_size = 128ull << 20, .page_size = 4096,
	};
	struct placement_pred p;

	model_placement(&in, &p);
	return p;
}

int main(void)
{
	const char *mom = "console=ttyS0 memory_hotplug.memmap_on_memory=1";
	struct placement_pred p;

	p = pred("x86_64", 6, 1, mom, "dimm", 128);
	ok(p.p == PLACE_ON_BLOCK, "x86_64 6.1 one-block dimm with the parameter: on-block");
	ok(p.vmemmap_pages == 512, "128 MiB needs 512 memmap pages (got %llu)",
	   (unsigned long long)p.vmemmap_pages);
	p = pred("x86_64", 6, 1, "console=ttyS0", "dimm", 128);
	ok(p.p == PLACE_ELSEWHERE && strstr(p.why, "not enabled"), "no parameter: elsewhere (%s)",
	   p.why);
	p = pred("x86_64", 6, 1, mom, "dimm", 256);
	ok(p.p == PLACE_ELSEWHERE && strstr(p.why, "not exactly one memory block"),
	   "two blocks on 6.1: elsewhere (%s)", p.why);
	p = pred("x86_64", 6, 1, mom, "virtio-mem", 128);
	ok(p.p == PLACE_ELSEWHERE, "virtio-mem on 6.1: elsewhere");
	p = pred("ppc64le", 6, 1, mom, "dimm", 256);
	ok(p.p == PLACE_ELSEWHERE && strstr(p.why, "6.6"), "ppc64le 6.1: elsewhere (%s)", p.why);
	p = pred("s390x", 6, 1, mom, "dimm", 128);
	ok(p.p == PLACE_ELSEWHERE && strstr(p.why, "6.8"), "s390x 6.1: elsewhere (%s)", p.why);
	p = pred("x86_64", 5, 10, mom, "dimm", 128);
	ok(p.p == PLACE_ELSEWHERE && strstr(p.why, "5.12"), "x86_64 5.10: before the feature");
	p = pred("x86_64", 7, 4, mom, "dimm", 128);
	ok(p.p == PLACE_UNKNOWN && strstr(p.why, "7.3"),
	   "7.4 is beyond the model (newer than Debian publishes): unknown, not a guess (%s)",
	   p.why);
	p = pred("x86_64", 6, 8, mom, "dimm", 256);
	ok(p.p == PLACE_ON_BLOCK && p.reserved_pages == 1024 && p.block_pages == 32768,
	   "6.8: two blocks, each with its own memmap (%s)", p.why);

	ok(model_mom_param(mom) == 1, "=1 is on");
	ok(model_mom_param("memory_hotplug.memmap_on_memory=y") == 1, "=y is on");
	ok(model_mom_param("memory_hotplug.memmap_on_memory=force") == 2, "=force");
	ok(model_mom_param("memory_hotplug.memmap_on_memory=0") == 0, "=0 is off");
	ok(model_mom_param("memory_hotplug.memmap_on_memory=1 memory_hotplug.memmap_on_memory=0")
	   == 0, "the last occurrence wins");
	ok(model_mom_param("xmemory_hotplug.memmap_on_memory=1") == 0, "only whole words count");
	ok(placement_parse("on-block") == PLACE_ON_BLOCK && placement_parse("x") < 0,
	   "placement names parse");
	return done();
}
