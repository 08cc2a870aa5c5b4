/* The placement oracle's pure part (see oracles.h, "placement"): what the zones,
 * MemTotal and /proc/kpageflags say about where a range's memmap went, and the verdict
 * against the model with the probe's physical proof. Proof or FAIL: where the probe can
 * be had, on-block or elsewhere is a PASS only when the probe proves it and every
 * count agrees (the model's memmap pages, present - managed, the reserved pfns leading
 * the range, MemTotal); inference alone only when the user turned the probe off. */
#include <stdio.h>
#include <string.h>
#include "oracles.h"

#define VMEMMAP_BAD (KPF_BIT(KPF_BUDDY) | KPF_BIT(KPF_LRU) | KPF_BIT(KPF_SLAB) | \
		     KPF_BIT(KPF_PGTABLE) | KPF_BIT(KPF_NOPAGE))

const char *const probe_state_names[PROBE__COUNT] = {
	[PROBE_OK] = "proven", [PROBE_OFF] = "off (--no-probe)", [PROBE_ABSENT] = "absent",
	[PROBE_FAILED] = "failed",
};

static void zone_sums(const struct snapshot *s, int64_t *present, int64_t *managed)
{
	*present = *managed = 0;
	for (size_t i = 0; i < s->n_zones; i++) {
		*present += (int64_t)s->zones[i].present;
		*managed += (int64_t)s->zones[i].managed;
	}
}

/* vmemmap-flagged pfns leading [pfn, pfn+n) in s; *next = the flags of the first other */
static uint64_t leading(const struct snapshot *s, uint64_t pfn, uint64_t n, uint64_t kpf,
			uint64_t *next)
{
	uint64_t flags, cnt, i;

	for (i = 0; i < n; i++) {
		if (snap_kpage(s, pfn + i, &flags, &cnt) < 0)
			break;
		if (!(flags & kpf) || (flags & VMEMMAP_BAD)) {
			*next = flags;
			break;
		}
	}
	return i;
}

void placement_observe(const struct snapshot *before, const struct snapshot *after,
		       uint64_t pfn, uint64_t npages, uint64_t block_pages, uint64_t vmemmap_kpf,
		       struct placement_obs *o)
{
	int64_t p0, m0, p1, m1;
	uint64_t t0 = 0, t1 = 0, cnt, step = block_pages && block_pages < npages ? block_pages
									       : npages;

	memset(o, 0, sizeof(*o));
	zone_sums(before, &p0, &m0);
	zone_sums(after, &p1, &m1);
	o->npages = npages;
	o->present_delta = p1 - p0;
	o->managed_delta = m1 - m0;
	o->memmap_pages = o->present_delta - o->managed_delta;
	o->have_memtotal = !snap_meminfo(before, "MemTotal", &t0) &&
			   !snap_meminfo(after, "MemTotal", &t1);
	o->memtotal_delta_kb = (int64_t)t1 - (int64_t)t0;
	o->have_kpage = snap_kpage(after, pfn, &o->first_flags, &cnt) == 0;
	/* each block's own memmap leads it (one block: the range) */
	for (uint64_t b = 0; o->have_kpage && step && b < npages; b += step) {
		uint64_t next = 0, n = leading(after, pfn + b, step, vmemmap_kpf, &next);

		o->leading_reserved += n;
		if (!b)
			o->next_flags = next;
		if (n)
			o->blocks_led++;
	}
	o->p = PLACE_UNKNOWN;
	if (o->present_delta != (int64_t)npages) {
		snprintf(o->why, sizeof(o->why), "zones grew by %lld present pages, the device has "
			 "%llu: not fully online", (long long)o->present_delta,
			 (unsigned long long)npages);
	} else if (!o->have_kpage) {
		snprintf(o->why, sizeof(o->why), "no /proc/kpageflags data for pfn 0x%llx",
			 (unsigned long long)pfn);
	} else if (o->memmap_pages == 0 && o->leading_reserved == 0) {
		o->p = PLACE_ELSEWHERE;
		snprintf(o->why, sizeof(o->why), "managed grew by all %lld pages and the first pfn "
			 "is an ordinary page (flags 0x%llx)", (long long)o->managed_delta,
			 (unsigned long long)o->first_flags);
	} else if (o->memmap_pages > 0 && o->leading_reserved == (uint64_t)o->memmap_pages) {
		o->p = PLACE_ON_BLOCK;
		snprintf(o->why, sizeof(o->why), "present - managed = %lld pages, exactly the %llu "
			 "reserved pfns at the start of the device's blocks (%llu led; flags 0x%llx)",
			 (long long)o->memmap_pages, (unsigned long long)o->leading_reserved,
			 (unsigned long long)o->blocks_led, (unsigned long long)o->first_flags);
	} else {
		snprintf(o->why, sizeof(o->why), "inconsistent: present - managed = %lld pages but "
			 "%llu vmemmap-flagged pfns lead the device", (long long)o->memmap_pages,
			 (unsigned long long)o->leading_reserved);
	}
}

/* Pages the model says the device keeps for its memmap when it hosts it. */
static uint64_t model_reserved(const struct placement_pred *pred)
{
	return pred->reserved_pages ? pred->reserved_pages : pred->vmemmap_pages;
}

/* The counts every placement must agree on; "" if they do, else what differs. */
static void counts_agree(const struct placement_pred *pred, const struct placement_obs *o,
			 const struct placement_proof *pf, uint64_t page_size, char *why,
			 size_t n)
{
	uint64_t on_dev = o->p == PLACE_ON_BLOCK ? model_reserved(pred) : 0;
	uint64_t inside = pred->reserved_pages ? pred->inside_pages : pred->vmemmap_pages;
	int64_t managed_kb = o->managed_delta * (int64_t)(page_size >> 10);

	if (o->p != PLACE_ON_BLOCK)
		inside = 0;
	why[0] = 0;
	if (o->p == PLACE_ON_BLOCK && (uint64_t)o->memmap_pages != on_dev)
		snprintf(why, n, "the model keeps %llu pages of the device for its memmap, but "
			 "present - managed = %lld and %llu vmemmap pfns lead its blocks",
			 (unsigned long long)on_dev, (long long)o->memmap_pages,
			 (unsigned long long)o->leading_reserved);
	else if (pf->state == PROBE_OK && pf->pr.memmap_pages != pred->vmemmap_pages)
		snprintf(why, n, "the model's memmap is %llu pages, but the probe walked %llu "
			 "memmap pages for the range", (unsigned long long)pred->vmemmap_pages,
			 (unsigned long long)pf->pr.memmap_pages);
	else if (pf->state == PROBE_OK && o->p == PLACE_ON_BLOCK && pf->pr.inside != inside)
		snprintf(why, n, "%llu pages are reserved on the device and the model backs %llu "
			 "memmap pages there, but the probe finds %llu backed inside it",
			 (unsigned long long)on_dev, (unsigned long long)inside,
			 (unsigned long long)pf->pr.inside);
	else if (!o->have_memtotal)
		snprintf(why, n, "MemTotal is missing from a snapshot");
	else if (o->memtotal_delta_kb != managed_kb ||
		 o->memtotal_delta_kb * 1024 != (int64_t)((o->npages - on_dev) * page_size))
		snprintf(why, n, "MemTotal grew by %lld kB, but zone managed pages by %lld kB and "
			 "the device less its memmap is %llu kB", (long long)o->memtotal_delta_kb,
			 (long long)managed_kb,
			 (unsigned long long)((o->npages - on_dev) * page_size >> 10));
}

enum verdict placement_decide(enum placement expected, const char *expected_why,
			      const struct placement_pred *pred, const struct placement_obs *o,
			      const struct placement_proof *pf, uint64_t page_size,
			      char *summary, size_t n)
{
	const struct probe_result *pr = &pf->pr;
	enum placement proof = pf->state == PROBE_OK ? probe_placement(pr) : PLACE_UNKNOWN;
	/* =force with 64K pages: the device keeps whole pageblocks whatever the memmap uses */
	int waste = pred->reserved_pages && pred->reserved_pages != pred->inside_pages;
	enum placement seen = o->p;
	char counts[320], how[160];

	if (waste && pf->state == PROBE_OK && pr->memmap_pages && !pr->unmapped &&
	    pr->inside && pr->outside)
		proof = PLACE_SPLIT;

	if (pf->state == PROBE_ABSENT) {
		snprintf(summary, n, "no placement proof: %s. Build the probe for this kernel (make "
			 "guest ARCH=...; a kernel of your own is given one when its build tree, "
			 "with CONFIG_MODULES=y, holds the image or its modules/build link, else "
			 "make -C ITS_BUILD_TREE M=$PWD/guest/probe modules, shipped as "
			 "/lib/hpt/hpt_probe.ko in the initramfs) or run with --no-probe to accept "
			 "placement inferred from accounting", pf->err);
		return V_ERROR;
	}
	if (pf->state == PROBE_FAILED) {
		snprintf(summary, n, "no placement proof: the probe did not answer: %s", pf->err);
		return V_ERROR;
	}
	if (o->p == PLACE_UNKNOWN) {
		snprintf(summary, n, "memmap placement could not be established: %s", o->why);
		return V_FAIL;
	}
	if (waste && o->p == PLACE_ON_BLOCK && pf->state == PROBE_OK) {
		/* accounting sees the reservation; where the memmap is, only the probe says */
		counts_agree(pred, o, pf, page_size, counts, sizeof(counts));
		if (counts[0]) {
			snprintf(summary, n, "memmap_on_memory=force reservation, but the counts "
				 "disagree: %s", counts);
			return V_FAIL;
		}
		seen = proof;
		if (expected != PLACE_UNKNOWN && expected != seen) {
			snprintf(summary, n, "expected memmap %s (%s) but the probe proves %s (%llu "
				 "of %llu memmap pages backed inside; %lld pages reserved)",
				 placement_names[expected], expected_why, placement_names[seen],
				 (unsigned long long)pr->inside, (unsigned long long)pr->memmap_pages,
				 (long long)o->memmap_pages);
			return V_FAIL;
		}
		snprintf(summary, n, "memmap %s as expected: %s; the device keeps %lld pages "
			 "(%s) [proven: %llu of %llu memmap pages backed inside the device]",
			 placement_names[seen], pred->why, (long long)o->memmap_pages, o->why,
			 (unsigned long long)pr->inside, (unsigned long long)pr->memmap_pages);
		return expected == PLACE_UNKNOWN ? V_SKIP : V_PASS;
	}
	if (pf->state == PROBE_OK && proof == PLACE_UNKNOWN) {
		snprintf(summary, n, "the probe finds the memmap neither wholly on the device nor "
			 "wholly elsewhere: of %llu memmap pages %llu are backed inside, %llu "
			 "outside, %llu unmapped (accounting says %s: %s)",
			 (unsigned long long)pr->memmap_pages, (unsigned long long)pr->inside,
			 (unsigned long long)pr->outside, (unsigned long long)pr->unmapped,
			 placement_names[o->p], o->why);
		return V_FAIL;
	}
	if (pf->state == PROBE_OK && proof != o->p) {
		snprintf(summary, n, "the probe proves memmap %s (%llu of %llu memmap pages backed "
			 "inside the device) but accounting and page flags say %s: %s",
			 placement_names[proof], (unsigned long long)pr->inside,
			 (unsigned long long)pr->memmap_pages, placement_names[o->p], o->why);
		return V_FAIL;
	}
	counts_agree(pred, o, pf, page_size, counts, sizeof(counts));
	if (counts[0]) {
		snprintf(summary, n, "memmap %s, but the counts disagree: %s", placement_names[o->p],
			 counts);
		return V_FAIL;
	}
	if (pf->state == PROBE_OK)
		snprintf(how, sizeof(how), "[proven: %llu of %llu memmap pages backed inside the "
			 "device]", (unsigned long long)pr->inside,
			 (unsigned long long)pr->memmap_pages);
	else
		snprintf(how, sizeof(how), "[inferred: the probe is off (--no-probe); accounting "
			 "and page flags only]");
	if (expected == PLACE_UNKNOWN) {
		snprintf(summary, n, "observed %s (%s) %s; no expectation: %s",
			 placement_names[o->p], o->why, how, expected_why);
		return V_SKIP;
	}
	if (expected != o->p) {
		snprintf(summary, n, "expected memmap %s (%s) but observed %s: %s %s",
			 placement_names[expected], expected_why, placement_names[o->p], o->why, how);
		return V_FAIL;
	}
	snprintf(summary, n, "memmap %s as expected: %s %s", placement_names[o->p], o->why, how);
	return V_PASS;
}

void placement_evidence(struct json *j, const struct placement_pred *pred, int overridden,
			const struct placement_obs *o, const struct placement_proof *pf)
{
	const struct probe_result *pr = &pf->pr;
	char hex[24];

	json_str(j, "expected", placement_names[pred->p]);
	json_str(j, "expected_from", overridden ? "scenario" : "model");
	json_str(j, "model_says", pred->why);
	json_u64(j, "model_vmemmap_pages", pred->vmemmap_pages);
	json_str(j, "observed", placement_names[o->p]);
	json_str(j, "observed_why", o->why);
	json_i64(j, "zone_present_delta_pages", o->present_delta);
	json_i64(j, "zone_managed_delta_pages", o->managed_delta);
	json_i64(j, "memmap_pages_on_device", o->memmap_pages);
	json_i64(j, "memtotal_delta_kb", o->memtotal_delta_kb);
	json_u64(j, "leading_reserved_pfns", o->leading_reserved);
	snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)o->first_flags);
	json_str(j, "first_pfn_flags", hex);
	snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)o->next_flags);
	json_str(j, "first_ordinary_pfn_flags", hex);
	json_str(j, "method", pf->state == PROBE_OK ? "proven" : pf->state == PROBE_OFF ?
		 "inferred" : "none");
	json_obj_begin(j, "probe");
	if (pf->state == PROBE_OK) {
		json_str(j, "placement", placement_names[probe_placement(pr)]);
		json_u64(j, "memmap_pages", pr->memmap_pages);
		json_u64(j, "backed_inside", pr->inside);
		json_u64(j, "backed_outside", pr->outside);
		json_u64(j, "unmapped", pr->unmapped);
		json_u64(j, "first_backing_pfn", pr->first_backing_pfn);
		json_str(j, "mapping", pr->level);
	} else {
		json_str(j, "state", probe_state_names[pf->state]);
		json_str(j, "unavailable", pf->err);
	}
	json_obj_end(j);
}
