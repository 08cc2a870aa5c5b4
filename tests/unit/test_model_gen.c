/* The expectation model per kernel generation, pinned by fixtures recorded from real
 * Debian 6.12 (trixie) and 7.2 (sid) guests (each set's README names its kernel): every
 * (arch, kernel, device, parameter) the archive's kernels were measured on gives the
 * model's placement, reservation, backing and nr_memmap_pages growth, and the placement
 * oracle PASSes it with the probe's proof. Each changed fact also fails when the model
 * of the other generation is applied (the oracle fires). */
#include <string.h>
#include <unistd.h>
#include "fixture.h"
#include "hpt.h"
#include "oracles.h"
#include "size.h"
#include "tap.h"

struct gen_case {
	const char *set, *arch;
	int major, minor;
	uint64_t page_size, block_mib;
	enum placement want;
	uint64_t reserved, inside, memmap, counter;
};

/* set, arch, kernel, page size, block, placement, reserved, inside, memmap, counter */
static const struct gen_case cases[] = {
	{ "x86_64-deb6.12-dimm128-mom", "x86_64", 6, 12, 4096, 128, PLACE_ON_BLOCK, 512, 512, 512, 512 },
	{ "x86_64-deb7.2-dimm128-mom", "x86_64", 7, 2, 4096, 128, PLACE_ON_BLOCK, 512, 512, 512, 512 },
	{ "x86_64-deb6.12-dimm128-nomom", "x86_64", 6, 12, 4096, 128, PLACE_ELSEWHERE, 0, 0, 512, 512 },
	{ "x86_64-deb7.2-dimm128-nomom", "x86_64", 7, 2, 4096, 128, PLACE_ELSEWHERE, 0, 0, 512, 512 },
	{ "x86_64-deb6.12-dimm256-mom", "x86_64", 6, 12, 4096, 128, PLACE_ON_BLOCK, 1024, 1024, 1024, 1024 },
	{ "x86_64-deb7.2-dimm256-mom", "x86_64", 7, 2, 4096, 128, PLACE_ON_BLOCK, 1024, 1024, 1024, 1024 },
	{ "x86_64-deb6.12-dimm1g-mom", "x86_64", 6, 12, 4096, 128, PLACE_ON_BLOCK, 4096, 4096, 4096, 4096 },
	{ "x86_64-deb7.2-dimm1g-mom", "x86_64", 7, 2, 4096, 128, PLACE_ON_BLOCK, 4096, 4096, 4096, 4096 },
	{ "ppc64le-deb6.12-lmb256-mom", "ppc64le", 6, 12, 4096, 256, PLACE_ON_BLOCK, 1024, 1024, 1024, 1024 },
	{ "ppc64le-deb7.2-lmb256-mom", "ppc64le", 7, 2, 4096, 256, PLACE_ON_BLOCK, 1024, 1024, 1024, 1024 },
	{ "ppc64le-deb6.12-lmb256-momforce", "ppc64le", 6, 12, 4096, 256, PLACE_ON_BLOCK, 1024, 1024, 1024, 1024 },
	{ "ppc64le-deb7.2-lmb256-momforce", "ppc64le", 7, 2, 4096, 256, PLACE_ON_BLOCK, 1024, 1024, 1024, 1024 },
	{ "ppc64le-deb6.12-lmb512-mom", "ppc64le", 6, 12, 4096, 256, PLACE_ON_BLOCK, 2048, 2048, 2048, 2048 },
	{ "ppc64le-deb7.2-lmb512-momforce", "ppc64le", 7, 2, 4096, 256, PLACE_ON_BLOCK, 2048, 2048, 2048, 2048 },
	{ "ppc64le-deb7.2-lmb2g-momforce", "ppc64le", 7, 2, 4096, 256, PLACE_ON_BLOCK, 8192, 8192, 8192, 8192 },
	{ "ppc64le-deb6.12-lmb256-nomom", "ppc64le", 6, 12, 4096, 256, PLACE_ELSEWHERE, 0, 0, 1024, 1024 },
	{ "ppc64le-deb7.2-lmb256-nomom", "ppc64le", 7, 2, 4096, 256, PLACE_ELSEWHERE, 0, 0, 1024, 1024 },
	/* 64K pages: =1 refuses a 4-page memmap; =force reserves a 32-page pageblock per LMB,
	 * backed inside only above the 2 GiB boot memory's vmemmap PMD maps */
	{ "ppc64le-deb6.12-64k-lmb256-mom", "ppc64le", 6, 12, 65536, 256, PLACE_ELSEWHERE, 0, 0, 4, 16 },
	{ "ppc64le-deb7.2-64k-lmb256-mom", "ppc64le", 7, 2, 65536, 256, PLACE_ELSEWHERE, 0, 0, 4, 16 },
	{ "ppc64le-deb6.12-64k-lmb512-mom", "ppc64le", 6, 12, 65536, 256, PLACE_ELSEWHERE, 0, 0, 8, 32 },
	{ "ppc64le-deb6.12-64k-lmb256-nomom", "ppc64le", 6, 12, 65536, 256, PLACE_ELSEWHERE, 0, 0, 4, 16 },
	{ "ppc64le-deb6.12-64k-lmb256-momforce", "ppc64le", 6, 12, 65536, 256, PLACE_ELSEWHERE, 32, 0, 4, 16 },
	{ "ppc64le-deb7.2-64k-lmb256-momforce", "ppc64le", 7, 2, 65536, 256, PLACE_ELSEWHERE, 32, 0, 4, 16 },
	{ "ppc64le-deb7.2-64k-lmb512-momforce", "ppc64le", 7, 2, 65536, 256, PLACE_ELSEWHERE, 64, 0, 8, 32 },
	{ "ppc64le-deb6.12-64k-lmb2g-momforce", "ppc64le", 6, 12, 65536, 256, PLACE_SPLIT, 256, 16, 32, 128 },
	{ "ppc64le-deb7.2-64k-lmb2g-momforce", "ppc64le", 7, 2, 65536, 256, PLACE_SPLIT, 256, 16, 32, 128 },
};

struct loaded {
	struct snapshot *before, *after, *base;
	struct placement_proof pf;
	struct placement_in in;
	uint64_t pfn, npages;
	char cmdline[1024];
};

static void slurp(const char *set, const char *file, struct strbuf *sb)
{
	char path[256];

	snprintf(path, sizeof(path), "tests/fixtures/%s/%s", set, file);
	if (sb_read_file(sb, path, 1 << 22) < 0) {
		printf("Bail out! %s: cannot read\n", path);
		exit(1);
	}
}

/* The fixture's snapshots, probe report, command line (README) and boot memory size. */
static void load(const struct gen_case *c, struct loaded *l)
{
	struct strbuf sb = STRBUF_INIT;
	char dir[256];
	const char *p;
	uint64_t mem = 0;

	memset(l, 0, sizeof(*l));
	snprintf(dir, sizeof(dir), "tests/fixtures/%s/baseline", c->set);
	l->base = fixture(dir);
	snprintf(dir, sizeof(dir), "tests/fixtures/%s/plugged", c->set);
	/* pseries snapshots before `online` show no new block yet: the baseline is the same */
	if (access(dir, F_OK) == 0)
		l->before = fixture(dir);
	else
		l->before = l->base;
	snprintf(dir, sizeof(dir), "tests/fixtures/%s/online", c->set);
	l->after = fixture(dir);
	slurp(c->set, "probe-d0.txt", &sb);
	l->pf.state = PROBE_OK;
	if (probe_parse(sb_str(&sb), &l->pf.pr) < 0 ||
	    sscanf(sb_str(&sb), "range %llu %llu", (unsigned long long *)&l->pfn,
		   (unsigned long long *)&l->npages) != 2) {
		printf("Bail out! %s: not a probe report\n", c->set);
		exit(1);
	}
	sb_reset(&sb);
	slurp(c->set, "README", &sb);
	p = strstr(sb_str(&sb), "Guest command line: ");
	if (p)
		sscanf(p + 20, "%1023[^\n]", l->cmdline);
	sb_reset(&sb);
	slurp(c->set, "scenario.scn", &sb);
	p = strstr(sb_str(&sb), "boot memory=");
	if (p) {
		char v[32] = "";

		sscanf(p + 12, "%31[^ \n]", v);
		parse_size(v, &mem);
	}
	sb_release(&sb);
	l->in = (struct placement_in){
		.arch = c->arch, .major = c->major, .minor = c->minor, .cmdline = l->cmdline,
		.devkind = "dimm", .base = l->pfn * c->page_size, .size = l->npages * c->page_size,
		.block_size = c->block_mib << 20, .page_size = c->page_size, .boot_end = mem,
	};
}

static enum verdict judge(struct loaded *l, const struct placement_pred *pred,
			  uint64_t block_pages, char *sum, size_t n)
{
	struct placement_obs o;

	placement_observe(l->before, l->after, l->pfn, l->npages, block_pages,
			  pred->vmemmap_kpf, &o);
	return placement_decide(pred->p, pred->why, pred, &o, &l->pf, l->in.page_size, sum, n);
}

int main(void)
{
	char sum[1400];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct gen_case *c = &cases[i];
		struct placement_pred pred;
		struct loaded l;
		uint64_t v0 = 0, v1 = 0;
		enum verdict v;

		load(c, &l);
		model_placement(&l.in, &pred);
		ok(pred.p == c->want && pred.reserved_pages == c->reserved &&
		   pred.inside_pages == c->inside && pred.vmemmap_pages == c->memmap,
		   "%s: model %s, %llu reserved, %llu of %llu memmap pages inside (%s)", c->set,
		   placement_names[pred.p], (unsigned long long)pred.reserved_pages,
		   (unsigned long long)pred.inside_pages, (unsigned long long)pred.vmemmap_pages,
		   pred.why);
		v = judge(&l, &pred, pred.block_pages, sum, sizeof(sum));
		ok(v == V_PASS && strstr(sum, "[proven"), "%s: placement PASSes, proven: %s", c->set,
		   sum);
		v = snap_vmstat(l.base, "nr_memmap_pages", &v0) == 0 &&
		    snap_vmstat(l.after, "nr_memmap_pages", &v1) == 0;
		ok(v && pred.counter_pages == c->counter && v1 - v0 == pred.counter_pages,
		   "%s: nr_memmap_pages grew by the model's %llu (%llu -> %llu)", c->set,
		   (unsigned long long)pred.counter_pages, (unsigned long long)v0,
		   (unsigned long long)v1);
	}

	/* the facts that changed: the other generation's model fires on them */
	{
		struct placement_pred pred;
		struct placement_obs o;
		struct loaded l;

		load(&cases[0], &l);	/* 6.12, 128 MiB, =1 */
		placement_observe(l.before, l.after, l.pfn, l.npages, 32768,
				  KPF_BIT(KPF_OWNER_PRIVATE), &o);
		ok(o.first_flags == 0x2000000000ull, "6.12: a self-hosted vmemmap pfn reads "
		   "OWNER_PRIVATE only (0x%llx)", (unsigned long long)o.first_flags);
		l.in.minor = 10;	/* 6.10: PageReserved */
		model_placement(&l.in, &pred);
		ok(pred.vmemmap_kpf == KPF_BIT(KPF_RESERVED) &&
		   judge(&l, &pred, pred.block_pages, sum, sizeof(sum)) == V_FAIL &&
		   strstr(sum, "inconsistent"), "6.10's RESERVED row on a 6.12 guest FAILs: %s", sum);

		load(&cases[4], &l);	/* 6.12, 256 MiB, =1 */
		l.in.minor = 7;
		l.in.major = 6;
		model_placement(&l.in, &pred);
		ok(pred.p == PLACE_ELSEWHERE && strstr(pred.why, "6.8"),
		   "6.7 model: two blocks go elsewhere (%s)", pred.why);
		l.in.minor = 12;
		model_placement(&l.in, &pred);
		ok(judge(&l, &pred, 0, sum, sizeof(sum)) == V_FAIL && strstr(sum, "inconsistent"),
		   "per-block memmap looked for only at the range's start FAILs: %s", sum);
		pred.p = PLACE_ELSEWHERE;
		pred.reserved_pages = pred.inside_pages = 0;
		ok(judge(&l, &pred, pred.block_pages, sum, sizeof(sum)) == V_FAIL &&
		   strstr(sum, "expected memmap elsewhere"), "expecting elsewhere on 6.12 FAILs: %s",
		   sum);

		load(&cases[25], &l);	/* 7.2 64K, 2 GiB, =force */
		l.in.boot_end = 4ull << 30;	/* wrong: every LMB below the boot PMDs */
		model_placement(&l.in, &pred);
		ok(pred.p == PLACE_ELSEWHERE &&
		   judge(&l, &pred, pred.block_pages, sum, sizeof(sum)) == V_FAIL,
		   "64K =force: a model that backs no LMB inside FAILs: %s", sum);
		l.in.boot_end = 0;
		model_placement(&l.in, &pred);
		ok(pred.p == PLACE_UNKNOWN && strstr(pred.why, "not known"),
		   "64K =force without the range's address: no guess (%s)", pred.why);
	}
	/* the default online type: the config's choice is what the guest booted with */
	{
		struct snapshot *n12 = fixture(FIX("x86_64-deb6.12-dimm128-mom/baseline"));
		struct snapshot *n72 = fixture(FIX("x86_64-deb7.2-dimm128-mom/baseline"));
		struct snapshot *n61 = fixture(FIX("x86_64-deb6.1-dimm128-mom/baseline"));
		/* the lines of Debian's configs (kernel/config of each fetched kernel) */
		const char *c12 = "CONFIG_MEMORY_HOTPLUG=y\nCONFIG_MHP_DEFAULT_ONLINE_TYPE_ONLINE_AUTO=y\n";
		const char *c61 = "CONFIG_MEMORY_HOTPLUG=y\n# CONFIG_MEMORY_HOTPLUG_DEFAULT_ONLINE is not set\n";
		char a[32] = "", b[32] = "", c[32] = "", why[160];
		const char *m12 = model_default_online(c12, why, sizeof(why));
		const char *m61 = model_default_online(c61, why, sizeof(why));

		snap_param(n12, "auto_online_blocks", a, sizeof(a));
		snap_param(n72, "auto_online_blocks", b, sizeof(b));
		snap_param(n61, "auto_online_blocks", c, sizeof(c));
		ok(m12 && !strcmp(m12, a) && !strcmp(m12, b), "6.12/7.2: ONLINE_AUTO -> %s, booted "
		   "with %s / %s", m12 ? m12 : "?", a, b);
		ok(m61 && !strcmp(m61, c), "6.1: no default-online option -> %s, booted with %s",
		   m61 ? m61 : "?", c);
		ok(!model_default_online(NULL, why, sizeof(why)), "config not known: no guess");
	}
	/* sizeof(struct page), measured by the probe: the memmap's span over the range's pages
	 * (64 bytes in every recorded Debian guest: 4K and 64K pages), and what the model
	 * makes of another size (an own kernel without MEMCG: 56) */
	{
		static const int idx[] = { 1, 9, 25 };	/* x86_64 7.2, ppc64le 7.2 4K, 7.2 64K */

		for (size_t i = 0; i < sizeof(idx) / sizeof(idx[0]); i++) {
			struct loaded l;

			load(&cases[idx[i]], &l);
			ok(l.pf.pr.memmap_bytes && l.pf.pr.memmap_bytes / l.npages == 64 &&
			   l.pf.pr.memmap_bytes % l.npages == 0, "%s: the probe's memmap span is "
			   "%llu bytes for %llu pages: a 64-byte struct page", cases[idx[i]].set,
			   (unsigned long long)l.pf.pr.memmap_bytes, (unsigned long long)l.npages);
		}
		struct loaded l;
		struct placement_pred pred;

		load(&cases[9], &l);	/* ppc64le 7.2 4K, 256 MiB LMB, =1 */
		l.in.struct_page = 56;
		model_placement(&l.in, &pred);
		ok(pred.p == PLACE_ELSEWHERE && pred.vmemmap_pages == 896 &&
		   strstr(pred.why, "896 pages (56-byte struct page, measured by the probe)"),
		   "56-byte struct page, =1: 896 memmap pages are no whole 512-page pageblocks: "
		   "elsewhere (%s)", pred.why);
		ok(model_memmap_counter("ppc64le", 256ull << 20, 4096, 56) == 896 &&
		   model_memmap_counter("x86_64", 128ull << 20, 4096, 56) == 448,
		   "56-byte struct page: nr_memmap_pages grows by 896 per LMB, 448 per x86 block");
		snprintf(l.cmdline, sizeof(l.cmdline), "memory_hotplug.memmap_on_memory=force");
		l.in.cmdline = l.cmdline;
		model_placement(&l.in, &pred);
		ok(pred.p == PLACE_UNKNOWN && strstr(pred.why, "56-byte struct page"),
		   "56-byte struct page, =force: not modelled, said (%s)", pred.why);
		l.in.struct_page = 64;
		model_placement(&l.in, &pred);
		ok(pred.p == PLACE_ON_BLOCK && pred.vmemmap_pages == 1024,
		   "the same LMB with a measured 64-byte struct page: on-block, 1024 (%s)", pred.why);
	}
	return done();
}
