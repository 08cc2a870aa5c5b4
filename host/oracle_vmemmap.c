/* `expect vmemmap DEV`: the memmap pages that live on DEV (PageVmemmap) stay out of the
 * buddy allocator, the LRU and slab after compaction and a memory-pressure workload, and
 * the later `offline DEV` succeeds with them in place. */
#include <stdio.h>
#include <string.h>
#include "agent.h"
#include "oracle.h"
#include "oracles.h"
#include "step.h"

#define BAD (KPF_BIT(KPF_BUDDY) | KPF_BIT(KPF_LRU) | KPF_BIT(KPF_SLAB) | \
	     KPF_BIT(KPF_PGTABLE) | KPF_BIT(KPF_NOPAGE))

uint64_t vmemmap_bad_pfns(const struct snapshot *s, uint64_t pfn, uint64_t n,
			  uint64_t vmemmap_kpf, uint64_t *first_bad, uint64_t *bad_flags)
{
	uint64_t bad = 0, flags, cnt;

	for (uint64_t i = 0; i < n; i++) {
		int have = snap_kpage(s, pfn + i, &flags, &cnt) == 0;

		if (have && (flags & vmemmap_kpf) && !(flags & BAD))
			continue;
		if (!bad++) {
			*first_bad = pfn + i;
			*bad_flags = have ? flags : KPF_BIT(KPF_NOPAGE);
		}
	}
	return bad;
}

static void evidence(struct strbuf *sb, const struct hpt_dev *d, uint64_t pfn, uint64_t n,
		     uint64_t bad, uint64_t first_bad, uint64_t bad_flags, const char *when)
{
	struct json j;
	char hex[24];

	json_init(&j, sb, 0);
	json_obj_begin(&j, NULL);
	json_str(&j, "device", d->name);
	json_str(&j, "when", when);
	json_u64(&j, "vmemmap_first_pfn", pfn);
	json_u64(&j, "vmemmap_pages", n);
	json_u64(&j, "bad_pfns", bad);
	if (bad) {
		json_u64(&j, "first_bad_pfn", first_bad);
		snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)bad_flags);
		json_str(&j, "first_bad_flags", hex);
	}
	json_obj_end(&j);
}

static int vmemmap_check(const struct scn_line *l, char *err, size_t errlen)
{
	if (l->argc != 3) {
		snprintf(err, errlen, "expect vmemmap: want DEV");
		return -1;
	}
	return 0;
}

static int vmemmap_run(struct run *r, const struct scn_line *l)
{
	struct hpt_dev *d = run_dev(r, l->argv[2]);
	struct strbuf ev = STRBUF_INIT;
	const struct snapshot *s;
	struct placement_pred pred;
	struct placement_obs o;
	uint64_t pfn, bad, first_bad = 0, bad_flags = 0, avail = 0;
	char name[64], err[320], verb[64], snap[48];

	snprintf(name, sizeof(name), "vmemmap %s", l->argv[2]);
	if (!d || placement_of(r, d, &o, &pred, err, sizeof(err)) < 0) {
		result_add(&r->res, V_ERROR, name, l->lineno, NULL, "%s", d ? err : "no such device");
		return 0;
	}
	if (o.p != PLACE_ON_BLOCK) {
		result_add(&r->res, V_SKIP, name, l->lineno, NULL,
			   "no memmap pages live on %s (observed %s): nothing to check", d->name,
			   placement_names[o.p]);
		return 0;
	}
	pfn = d->base / r->guest.page_size;
	/* compaction, then pressure on most of the free memory, then compaction again */
	snprintf(snap, sizeof(snap), "online-%s", d->name);
	s = run_snap(r, snap);
	snap_meminfo(s, "MemAvailable", &avail);
	snprintf(verb, sizeof(verb), "pressure %llu 2", (unsigned long long)(avail * 7 / 10 >> 10));
	if (agent_simple(r, run_timeout(r, 60000), "compact", err, sizeof(err)) < 0 ||
	    agent_simple(r, run_timeout(r, 120000), verb, err, sizeof(err)) < 0 ||
	    agent_simple(r, run_timeout(r, 60000), "compact", err, sizeof(err)) < 0) {
		result_add(&r->res, V_ERROR, name, l->lineno, NULL, "%s", err);
		return STEP_STOP;
	}
	snprintf(snap, sizeof(snap), "vmemmap-%s", d->name);
	if (run_snapshot(r, snap, 1, &s) < 0) {
		result_add(&r->res, V_ERROR, name, l->lineno, NULL, "%s", r->chan.err);
		return STEP_STOP;
	}
	bad = vmemmap_bad_pfns(s, pfn, (uint64_t)o.memmap_pages, pred.vmemmap_kpf, &first_bad,
			       &bad_flags);
	evidence(&ev, d, pfn, (uint64_t)o.memmap_pages, bad, first_bad, bad_flags,
		 "after compaction + pressure + compaction");
	if (bad)
		result_add(&r->res, V_FAIL, name, l->lineno, sb_str(&ev),
			   "%llu of %lld vmemmap pfns of %s left the reserved state after "
			   "compaction and pressure; first pfn 0x%llx flags 0x%llx",
			   (unsigned long long)bad, (long long)o.memmap_pages, d->name,
			   (unsigned long long)first_bad, (unsigned long long)bad_flags);
	else
		result_add(&r->res, V_PASS, name, l->lineno, sb_str(&ev),
			   "all %lld vmemmap pfns of %s stayed reserved (never buddy/LRU/slab) "
			   "through compaction and 2 rounds of %llu MiB of pressure",
			   (long long)o.memmap_pages, d->name, (unsigned long long)(avail * 7 / 10 >> 10));
	d->vmemmap_watch = 1;
	d->vmemmap_pages = (uint64_t)o.memmap_pages;
	d->vmemmap_kpf = pred.vmemmap_kpf;
	sb_release(&ev);
	return 0;
}

int vmemmap_offline_check(struct run *r, const struct scn_line *l, struct hpt_dev *d,
			  int offline_rc, const char *reply)
{
	struct strbuf ev = STRBUF_INIT;
	char name[64], snap[48];
	uint64_t pfn = d->base / r->guest.page_size, bad, first_bad = 0, bad_flags = 0;
	const struct snapshot *s;

	snprintf(name, sizeof(name), "vmemmap %s offline", d->name);
	snprintf(snap, sizeof(snap), "pre-offline-%s", d->name);
	s = run_snap(r, snap);
	if (!s) {
		result_add(&r->res, V_ERROR, name, l->lineno, NULL, "no pre-offline snapshot");
		return -1;
	}
	bad = vmemmap_bad_pfns(s, pfn, d->vmemmap_pages, d->vmemmap_kpf, &first_bad, &bad_flags);
	evidence(&ev, d, pfn, d->vmemmap_pages, bad, first_bad, bad_flags, "just before offline");
	if (bad)
		result_add(&r->res, V_FAIL, name, l->lineno, sb_str(&ev),
			   "%llu vmemmap pfns of %s were not reserved just before offline",
			   (unsigned long long)bad, d->name);
	else if (offline_rc != 0)
		result_add(&r->res, V_FAIL, name, l->lineno, sb_str(&ev),
			   "offlining %s failed with its vmemmap pages in place: %.200s", d->name,
			   reply);
	else
		result_add(&r->res, V_PASS, name, l->lineno, sb_str(&ev),
			   "%s offlined with its %llu vmemmap pages reserved in place", d->name,
			   (unsigned long long)d->vmemmap_pages);
	sb_release(&ev);
	return 0;
}

const struct oracle oracle_vmemmap = {
	.name = "vmemmap",
	.usage = "expect vmemmap DEV",
	.proves = "DEV's vmemmap pages stay reserved (never buddy/LRU/slab) through compaction "
		  "and memory pressure, and DEV offlines with them in place",
	.check = vmemmap_check, .run = vmemmap_run,
};
