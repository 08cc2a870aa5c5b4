/* The placement probe's report, recorded from real guests: with memmap_on_memory the
 * DIMM's memmap is proven on the DIMM; without, proven elsewhere — never on the block. */
#include <string.h>
#include "hpt.h"
#include "oracles.h"
#include "tap.h"

static enum placement of(const char *path, struct probe_result *pr)
{
	struct strbuf sb = STRBUF_INIT;
	enum placement p = PLACE__COUNT;

	if (sb_read_file(&sb, path, 1 << 20) >= 0 && probe_parse(sb_str(&sb), pr) == 0)
		p = probe_placement(pr);
	sb_release(&sb);
	return p;
}

int main(void)
{
	struct probe_result pr;

	ok(of("tests/fixtures/x86_64-deb6.1-dimm128-mom/probe-d0.txt", &pr) == PLACE_ON_BLOCK,
	   "memmap_on_memory=1: proven on the block");
	ok(pr.memmap_pages == 512 && pr.inside == 512 && pr.first_backing_pfn == 1048576,
	   "512 memmap pages backed from the DIMM's first pfn (%llu)",
	   (unsigned long long)pr.first_backing_pfn);
	ok(!strcmp(pr.level, "2M"), "mapped by a 2M page from the altmap (%s)", pr.level);
	ok(of("tests/fixtures/x86_64-deb6.1-dimm128-nomom/probe-d0.txt", &pr) == PLACE_ELSEWHERE &&
	   pr.inside == 0, "no parameter: proven elsewhere, never on the block (%llu inside)",
	   (unsigned long long)pr.inside);
	ok(of("tests/fixtures/x86_64-deb6.1-dimm256-mom/probe-d0.txt", &pr) == PLACE_ELSEWHERE,
	   "256 MiB with the parameter on 6.1: proven elsewhere");
	ok(probe_parse("range 1 2\nmemmap 0x0 0x1000 1\n", &pr) < 0,
	   "a report without its summary is refused");
	memset(&pr, 0, sizeof(pr));
	pr.memmap_pages = 512;
	pr.inside = 256;
	pr.outside = 256;
	ok(probe_placement(&pr) == PLACE_UNKNOWN, "half inside, half outside: not a proof either "
	   "way (the oracle FAILs it: test_placement)");
	ok(probe_parse("range 1 2\nunsupported page-table walk not implemented for this arch\n",
		       &pr) == 0 && probe_placement(&pr) == PLACE_UNKNOWN,
	   "an arch without the walk: unknown, no proof (the oracle ERRORs: test_placement)");
	return done();
}
