/* The placement oracle on snapshots and probe reports recorded from real 6.1 x86_64
 * guests: proof or FAIL. It passes only with the probe's proof (or, asked for, inferred),
 * and fires on a wrong expectation, an inconsistent observation, a probe that disagrees
 * with accounting, a mixed memmap, counts that disagree with the model, and is an ERROR
 * when the probe is absent or could not answer. */
#include <string.h>
#include "fixture.h"
#include "hpt.h"
#include "oracles.h"
#include "tap.h"

#define PFN 1048576ull	/* the DIMM at 4 GiB */
#define PS 4096
#define RES KPF_BIT(KPF_RESERVED)

static struct placement_proof proof(const char *set)
{
	struct placement_proof pf = { .state = PROBE_OK };
	struct strbuf sb = STRBUF_INIT;
	char path[256];

	snprintf(path, sizeof(path), "tests/fixtures/%s/probe-d0.txt", set);
	if (sb_read_file(&sb, path, 1 << 20) < 0 || probe_parse(sb_str(&sb), &pf.pr) < 0) {
		printf("Bail out! %s: not a probe report\n", path);
		exit(1);
	}
	sb_release(&sb);
	return pf;
}

/* The model for a 6.1 x86_64 DIMM of size bytes, memmap_on_memory on or off. */
static struct placement_pred model(uint64_t size, int mom)
{
	struct placement_in in = {
		.arch = "x86_64", .major = 6, .minor = 1, .devkind = "dimm", .size = size,
		.block_size = 128 << 20, .page_size = PS,
		.cmdline = mom ? "console=ttyS0 memory_hotplug.memmap_on_memory=1" : "console=ttyS0",
	};
	struct placement_pred p;

	model_placement(&in, &p);
	return p;
}

int main(void)
{
	struct snapshot *mp = fixture(FIX("x86_64-deb6.1-dimm128-mom/plugged"));
	struct snapshot *mo = fixture(FIX("x86_64-deb6.1-dimm128-mom/online"));
	struct snapshot *np = fixture(FIX("x86_64-deb6.1-dimm128-nomom/plugged"));
	struct snapshot *no = fixture(FIX("x86_64-deb6.1-dimm128-nomom/online"));
	struct snapshot *bp = fixture(FIX("x86_64-deb6.1-dimm256-mom/plugged"));
	struct snapshot *bo = fixture(FIX("x86_64-deb6.1-dimm256-mom/online"));
	struct placement_proof on = proof("x86_64-deb6.1-dimm128-mom");
	struct placement_proof off = proof("x86_64-deb6.1-dimm128-nomom");
	struct placement_proof big = proof("x86_64-deb6.1-dimm256-mom");
	struct placement_proof none = { .state = PROBE_OFF }, pf;
	struct placement_pred pm = model(128 << 20, 1), pn = model(128 << 20, 0), pb, wrong;
	struct placement_obs o;
	char sum[1400];

	ok(pm.p == PLACE_ON_BLOCK && pm.vmemmap_pages == 512 && pm.vmemmap_kpf == RES,
	   "model: 6.1 x86_64, one block with the parameter: on-block, 512 pages, reserved");
	placement_observe(mp, mo, PFN, 32768, pm.vmemmap_kpf, &o);
	ok(o.p == PLACE_ON_BLOCK, "memmap_on_memory=1, 128 MiB: observed on-block (%s)", o.why);
	ok(o.memmap_pages == 512 && o.leading_reserved == 512,
	   "present - managed = 512 = reserved pfns leading the DIMM (%lld, %llu)",
	   (long long)o.memmap_pages, (unsigned long long)o.leading_reserved);
	ok(o.first_flags == 0x2100000000ull, "first pfn reads RESERVED|OWNER_PRIVATE (0x%llx)",
	   (unsigned long long)o.first_flags);
	ok(o.memtotal_delta_kb == 126 * 1024, "MemTotal grew by 126 MiB (%lld kB)",
	   (long long)o.memtotal_delta_kb);
	ok(placement_decide(PLACE_ON_BLOCK, "model", &pm, &o, &on, PS, sum, sizeof(sum)) == V_PASS &&
	   strstr(sum, "[proven: 512 of 512"), "expected on-block, proven: PASS (%s)", sum);
	ok(placement_decide(PLACE_ELSEWHERE, "wrong", &pm, &o, &on, PS, sum, sizeof(sum)) ==
	   V_FAIL && strstr(sum, "expected memmap elsewhere") && strstr(sum, "observed on-block"),
	   "a wrong expectation FAILs and names both: %s", sum);
	ok(placement_decide(PLACE_ON_BLOCK, "model", &pm, &o, &none, PS, sum, sizeof(sum)) ==
	   V_PASS && strstr(sum, "[inferred"), "--no-probe: PASS, and the summary says inferred");

	/* the probe's proof is required where it can be had */
	pf = (struct placement_proof){ .state = PROBE_ABSENT };
	snprintf(pf.err, sizeof(pf.err), "kernel 6.1.0-57-amd64: probe: no module: ...");
	ok(placement_decide(PLACE_ON_BLOCK, "model", &pm, &o, &pf, PS, sum, sizeof(sum)) ==
	   V_ERROR && strstr(sum, "--no-probe") && strstr(sum, "guest/probe"),
	   "no probe for the kernel: ERROR telling how to get proof (%s)", sum);
	pf.state = PROBE_FAILED;
	ok(placement_decide(PLACE_ON_BLOCK, "model", &pm, &o, &pf, PS, sum, sizeof(sum)) ==
	   V_ERROR, "a probe that cannot load: ERROR, never a PASS by inference (%s)", sum);

	/* the probe disagrees with accounting: the DIMM's memmap proven on the block while
	 * zones and page flags (of the run without the parameter) say elsewhere */
	placement_observe(np, no, PFN, 32768, pn.vmemmap_kpf, &o);
	ok(o.p == PLACE_ELSEWHERE && o.memmap_pages == 0, "no parameter: observed elsewhere (%s)",
	   o.why);
	ok(placement_decide(PLACE_ELSEWHERE, "model", &pn, &o, &off, PS, sum, sizeof(sum)) ==
	   V_PASS && strstr(sum, "[proven: 0 of 512"), "elsewhere, proven: PASS (%s)", sum);
	ok(placement_decide(PLACE_ON_BLOCK, "wrong", &pn, &o, &off, PS, sum, sizeof(sum)) == V_FAIL,
	   "expecting on-block there FAILs");
	ok(placement_decide(PLACE_ELSEWHERE, "model", &pn, &o, &on, PS, sum, sizeof(sum)) ==
	   V_FAIL && strstr(sum, "the probe proves memmap on-block") &&
	   strstr(sum, "accounting and page flags say elsewhere"),
	   "the probe disagrees with accounting: FAIL naming both (%s)", sum);

	/* a mixed memmap (half its pages backed inside, half outside) is no proof either way */
	pf = off;
	pf.pr.inside = 256;
	pf.pr.outside = 256;
	ok(placement_decide(PLACE_ELSEWHERE, "model", &pn, &o, &pf, PS, sum, sizeof(sum)) ==
	   V_FAIL && strstr(sum, "neither wholly"), "mixed: FAIL, not a PASS (%s)", sum);
	pf = off;
	pf.pr.outside = 500;
	pf.pr.unmapped = 12;
	ok(placement_decide(PLACE_ELSEWHERE, "model", &pn, &o, &pf, PS, sum, sizeof(sum)) ==
	   V_FAIL, "partly unmapped: FAIL (%s)", sum);

	/* counts: the model's memmap pages must be what the kernel reserved */
	wrong = pm;
	wrong.vmemmap_pages = 511;
	placement_observe(mp, mo, PFN, 32768, pm.vmemmap_kpf, &o);
	ok(placement_decide(PLACE_ON_BLOCK, "model", &wrong, &o, &on, PS, sum, sizeof(sum)) ==
	   V_FAIL && strstr(sum, "the model's memmap is 511 pages"),
	   "the model's page count differs from present - managed: FAIL (%s)", sum);
	o.memtotal_delta_kb -= 4;
	ok(placement_decide(PLACE_ON_BLOCK, "model", &pm, &o, &on, PS, sum, sizeof(sum)) == V_FAIL &&
	   strstr(sum, "MemTotal grew by"), "MemTotal 4 kB short of managed: FAIL (%s)", sum);

	pb = model(256 << 20, 1);
	placement_observe(bp, bo, PFN, 65536, pb.vmemmap_kpf, &o);
	ok(o.p == PLACE_ELSEWHERE && pb.p == PLACE_ELSEWHERE, "256 MiB with the parameter: "
	   "elsewhere on 6.1, as modelled (%s)", o.why);
	ok(placement_decide(pb.p, pb.why, &pb, &o, &big, PS, sum, sizeof(sum)) == V_PASS,
	   "and proven: 1024 memmap pages outside (%s)", sum);

	placement_observe(mp, mp, PFN, 32768, pm.vmemmap_kpf, &o);
	ok(o.p == PLACE_UNKNOWN && placement_decide(PLACE_ON_BLOCK, "m", &pm, &o, &on, PS, sum,
	   sizeof(sum)) == V_FAIL, "no zone growth (not online): cannot establish, FAIL (%s)",
	   o.why);
	placement_observe(mp, mo, PFN, 32768, pm.vmemmap_kpf, &o);
	ok(placement_decide(PLACE_UNKNOWN, "beyond the model", &pm, &o, &on, PS, sum,
	   sizeof(sum)) == V_SKIP && strstr(sum, "observed on-block"),
	   "no expectation: SKIP with the proven observation (%s)", sum);
	return done();
}
