/* `expect vmemmap DEV`: the memmap pages that live on DEV (PageVmemmap) stay out of the
 * buddy allocator, the LRU and slab after compaction and a memory-pressure workload, and
 * the later `offline DEV` succeeds with them in place. */
#include <ctype.h>
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

/* The zone every block of [base, base+size) is online in, or NULL (offline, mixed). */
static const char *dev_zone(const struct snapshot *s, uint64_t base, uint64_t size)
{
	const char *zone = NULL;

	if (!s->block_size || !size)
		return NULL;
	for (uint64_t b = base / s->block_size; b <= (base + size - 1) / s->block_size; b++) {
		const struct mem_block *mb = snap_block(s, (uint32_t)b);

		if (!mb || mb->state != BLOCK_ONLINE || (zone && strcmp(zone, mb->zone)))
			return NULL;
		zone = mb->zone;
	}
	return zone;
}

uint64_t vmemmap_pressure_mib(const struct snapshot *s, uint64_t base, uint64_t size,
			      char *why, size_t whylen, int *by_zone)
{
	uint64_t avail_kb = 0, page = 0, cap, mib;
	const struct zone_stat *z = NULL;
	const char *zone = dev_zone(s, base, size);
	size_t i;

	if (by_zone)
		*by_zone = 0;
	if (snap_meminfo(s, "MemAvailable", &avail_kb) < 0)
		return 0;
	cap = avail_kb * 7 / 10 >> 10;
	snprintf(why, whylen, "70%% of MemAvailable");
	if (!zone || snap_param_num(s, "page_size", &page) < 0 || !page)
		return cap;
	for (i = 0; i < s->n_zones; i++) {
		const struct zone_stat *zi = &s->zones[i];

		if (zi->node != 0)
			return cap;	/* more than one node: the local node is not all */
		if (!strcmp(zi->name, zone))
			z = zi;
		else if (z && zi->present && strcmp(zi->name, "Device"))
			return cap;	/* a populated zone above the device's */
	}
	if (!z)
		return cap;
	mib = (((z->free + z->pcp) * page >> 20) * 5 + 3) / 4;
	if (mib < 16)
		mib = 16;
	if (mib >= cap)
		return cap;
	snprintf(why, whylen, "the free pages of zone %s (the highest populated: anonymous "
		 "memory is taken from it first) and a quarter more", zone);
	if (by_zone)
		*by_zone = 1;
	return mib;
}

/* vmstat's pgalloc_<zone> (lower case) in s: 0, or -1 (the counter is not there). */
static int zone_pgalloc(const struct snapshot *s, const char *zone, uint64_t *v)
{
	char key[32];
	size_t i;

	snprintf(key, sizeof(key), "pgalloc_%s", zone);
	for (i = 8; key[i]; i++)
		key[i] = (char)tolower((unsigned char)key[i]);
	return snap_vmstat(s, key, v) == 0 ? 0 : -1;
}

int vmemmap_zone_allocated(const struct snapshot *before, const struct snapshot *after,
			   const char *zone, uint64_t *pages)
{
	uint64_t a0, a1;

	if (!zone || zone_pgalloc(before, zone, &a0) < 0 || zone_pgalloc(after, zone, &a1) < 0 ||
	    a1 < a0)
		return -1;
	*pages = a1 - a0;
	return 0;
}

/* Sized to empty the zone twice, it did not empty it once: the pressure went elsewhere,
 * and the device's free pages (next to its memmap) never held it. */
int vmemmap_pressure_missed(int by_zone, int64_t zone_alloc, uint64_t zone_free)
{
	return by_zone && zone_alloc >= 0 && (uint64_t)zone_alloc < zone_free;
}

/* What the pressure was and what it took (evidence and summary). */
struct pressure_ev {
	uint64_t mib;		/* 0: none (the offline check) */
	char covers[160];
	int by_zone;		/* sized to take the zone's free pages (vmemmap_pressure_mib) */
	const char *zone;	/* DEV's zone, or NULL */
	uint64_t zone_free;	/* its free pages before */
	int64_t zone_alloc;	/* pages allocated from it meanwhile (pgalloc_<zone>); -1 unknown */
};

static void evidence(struct strbuf *sb, const struct hpt_dev *d, uint64_t pfn, uint64_t n,
		     uint64_t bad, uint64_t first_bad, uint64_t bad_flags, const char *when,
		     const struct pressure_ev *pe)
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
	if (pe && pe->mib) {
		json_u64(&j, "pressure_mib", pe->mib);
		json_str(&j, "pressure_covers", pe->covers);
		if (pe->zone) {
			json_str(&j, "pressure_zone", pe->zone);
			json_u64(&j, "pressure_zone_free_pages", pe->zone_free);
			if (pe->zone_alloc >= 0)
				json_u64(&j, "pressure_zone_allocated_pages", (uint64_t)pe->zone_alloc);
		}
	}
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

/* vmemmap_bad_pfns() over the share of d's vmemmap pages that leads each of its blocks. */
static uint64_t bad_in_blocks(const struct snapshot *s, const struct hpt_dev *d,
			      uint64_t pfn, uint64_t npages, uint64_t kpf, uint64_t *first_bad,
			      uint64_t *bad_flags)
{
	uint64_t span = d->vmemmap_block, nb, per, bad = 0;

	if (!span || !npages || span >= npages)
		return vmemmap_bad_pfns(s, pfn, d->vmemmap_pages, kpf, first_bad, bad_flags);
	nb = npages / span;
	per = d->vmemmap_pages / nb;
	for (uint64_t b = 0; b < nb; b++) {
		uint64_t fb = 0, ff = 0, n = vmemmap_bad_pfns(s, pfn + b * span, per, kpf, &fb, &ff);

		if (n && !bad) {
			*first_bad = fb;
			*bad_flags = ff;
		}
		bad += n;
	}
	return bad;
}

static int vmemmap_run(struct run *r, const struct scn_line *l)
{
	struct hpt_dev *d = run_dev(r, l->argv[2]);
	struct strbuf ev = STRBUF_INIT;
	const struct snapshot *s, *s0;
	struct placement_pred pred;
	struct placement_obs o;
	uint64_t pfn, bad, first_bad = 0, bad_flags = 0, took_pages;
	struct pressure_ev pe = { .zone_alloc = -1 };
	char name[64], err[320], verb[64], snap[48], took[96] = "";

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
	s = s0 = run_snap(r, snap);
	pe.mib = s ? vmemmap_pressure_mib(s, d->base, d->size, pe.covers, sizeof(pe.covers),
					  &pe.by_zone) : 0;
	if (!pe.mib) {
		result_add(&r->res, V_ERROR, name, l->lineno, NULL,
			   "no MemAvailable in the %s snapshot: cannot size the pressure", snap);
		return 0;
	}
	/* what the pressure took from the device's zone: its pgalloc counter, before/after */
	pe.zone = dev_zone(s, d->base, d->size);
	if (pe.zone) {
		const struct zone_stat *z = snap_zone(s, 0, pe.zone);

		pe.zone_free = z ? z->free + z->pcp : 0;
	}
	snprintf(verb, sizeof(verb), "pressure %llu 2", (unsigned long long)pe.mib);
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
	if (vmemmap_zone_allocated(s0, s, pe.zone, &took_pages) == 0) {
		pe.zone_alloc = (int64_t)took_pages;
		snprintf(took, sizeof(took), "; zone %s gave %llu pages meanwhile (it had %llu free)",
			 pe.zone, (unsigned long long)pe.zone_alloc,
			 (unsigned long long)pe.zone_free);
	}
	d->vmemmap_pages = (uint64_t)o.memmap_pages;
	d->vmemmap_block = o.blocks_led > 1 ? pred.block_pages : 0;
	bad = bad_in_blocks(s, d, pfn, d->size / r->guest.page_size, pred.vmemmap_kpf,
			    &first_bad, &bad_flags);
	evidence(&ev, d, pfn, (uint64_t)o.memmap_pages, bad, first_bad, bad_flags,
		 "after compaction + pressure + compaction", &pe);
	if (bad)
		result_add(&r->res, V_FAIL, name, l->lineno, sb_str(&ev),
			   "%llu of %lld vmemmap pfns of %s left the reserved state after "
			   "compaction and pressure; first pfn 0x%llx flags 0x%llx",
			   (unsigned long long)bad, (long long)o.memmap_pages, d->name,
			   (unsigned long long)first_bad, (unsigned long long)bad_flags);
	else if (vmemmap_pressure_missed(pe.by_zone, pe.zone_alloc, pe.zone_free))
		result_add(&r->res, V_ERROR, name, l->lineno, sb_str(&ev),
			   "the pressure did not reach %s: zone %s gave %lld pages over 2 rounds "
			   "of %llu MiB, fewer than the %llu it had free; its %lld vmemmap pfns "
			   "stayed reserved, but were never under pressure (nothing proven)",
			   d->name, pe.zone, (long long)pe.zone_alloc, (unsigned long long)pe.mib,
			   (unsigned long long)pe.zone_free, (long long)o.memmap_pages);
	else
		result_add(&r->res, V_PASS, name, l->lineno, sb_str(&ev),
			   "all %lld vmemmap pfns of %s stayed reserved (never buddy/LRU/slab) "
			   "through compaction and 2 rounds of %llu MiB of pressure (%s%s)",
			   (long long)o.memmap_pages, d->name, (unsigned long long)pe.mib, pe.covers,
			   took);
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
	bad = bad_in_blocks(s, d, pfn, d->size / r->guest.page_size, d->vmemmap_kpf, &first_bad,
			    &bad_flags);
	evidence(&ev, d, pfn, d->vmemmap_pages, bad, first_bad, bad_flags, "just before offline",
		 NULL);
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
