/* `blocks NAME count=N [zone=movable|normal|any]`: names COUNT consecutive memory blocks
 * the guest booted with, so that `offline NAME` and `online NAME …` work on them (logical
 * offline/online: the only memory hotplug on machines without memory devices, s390x).
 * Picks the highest-numbered online blocks of the zone that hold no boot-time
 * reservations (a reserved, slab or page-table page can never be migrated away, so such a
 * block cannot go offline); zone=any prefers ZONE_MOVABLE blocks. Every block passed over
 * is listed with why (evidence). Fewer suitable blocks than COUNT is a SKIP. A slab or
 * page-table page inside ZONE_MOVABLE (not reserved, not a hole, not PageOffline, not a
 * memmap page the model places on a device) is a kernel bug: the check "movable zone"
 * FAILs with those pages. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "caps.h"
#include "devkind.h"
#include "json.h"
#include "step.h"

#define UNMOVABLE (KPF_BIT(KPF_RESERVED) | KPF_BIT(KPF_SLAB) | KPF_BIT(KPF_PGTABLE) | \
		   KPF_BIT(KPF_NOPAGE))
/* never in ZONE_MOVABLE: their allocations are not __GFP_MOVABLE */
#define KERNEL_ONLY (KPF_BIT(KPF_SLAB) | KPF_BIT(KPF_PGTABLE))
#define KPF_HWPOISON 19
/* the exceptions mmzone.h lists: memblock allocations, holes, PageOffline, hwpoison */
#define EXCUSED (KPF_BIT(KPF_RESERVED) | KPF_BIT(KPF_NOPAGE) | KPF_BIT(KPF_OFFLINE) | \
		 KPF_BIT(KPF_HWPOISON))
#define SHOWN_MAX 16

#define KPAGE_PFNS_MAX 1048576u	/* page flags the agent reads per range */

static const char *const zone_opts[] = { "movable", "normal", "any", NULL };

struct blocks_args {
	uint64_t count;
	int zone;
};

static const struct opt blocks_opts[] = {
	{ "count", OPT_UINT, offsetof(struct blocks_args, count), 0, 1, 64, NULL,
	  "how many consecutive blocks (1-64)" },
	{ "zone", OPT_ENUM, offsetof(struct blocks_args, zone), 0, 0, 0, zone_opts,
	  "blocks of ZONE_MOVABLE, of a kernel zone, or any (Movable first)", .def = "any" },
	{ 0 }
};

static int blocks_parse(const struct scn_line *l, struct blocks_args *a, char *err, size_t n)
{
	memset(a, 0, sizeof(*a));
	if (opts_defaults(blocks_opts, a, err, n) < 0 ||
	    step_argc(l, 1, 1, err, n) < 0 ||
	    step_opts(blocks_opts, a, l, 2, err, n) < 0)
		return -1;
	if (!dev_name_ok(l->argv[1])) {
		snprintf(err, n, "blocks: name '%s': want 1-16 letters, digits or _", l->argv[1]);
		return -1;
	}
	if (!a->count) {
		snprintf(err, n, "blocks: count= is required");
		return -1;
	}
	return 0;
}

static int blocks_step_check(const struct scn_line *l, char *err, size_t errlen)
{
	struct blocks_args a;

	return blocks_parse(l, &a, err, errlen);
}

static int blocks_needs(struct run *r, const struct scn_line *l, char *why, size_t n)
{
	(void)l;
	return caps_need(r, CAP_OFFLINE, "boot", why, n);
}

/* Pass 0 looks at ZONE_MOVABLE blocks (zone=movable|any), pass 1 at the others
 * (zone=normal|any). */
static int zone_fits(const char *zone, int want, int pass)
{
	int movable = !strcmp(zone, "Movable");

	return pass == 0 ? movable && want != 1 : !movable && want != 0;
}

/* What block b holds that can never leave it. */
struct block_scan {
	uint64_t reserved, slab, pgtable, holes, unmovable;
};

static void scan_block(const struct snapshot *s, uint64_t b, uint64_t pfns, struct block_scan *bs)
{
	uint64_t flags, cnt;

	memset(bs, 0, sizeof(*bs));
	for (uint64_t p = b * pfns; p < (b + 1) * pfns; p++) {
		if (snap_kpage(s, p, &flags, &cnt) < 0)
			flags = KPF_BIT(KPF_NOPAGE);
		bs->reserved += !!(flags & KPF_BIT(KPF_RESERVED));
		bs->slab += !!(flags & KPF_BIT(KPF_SLAB));
		bs->pgtable += !!(flags & KPF_BIT(KPF_PGTABLE));
		bs->holes += !!(flags & KPF_BIT(KPF_NOPAGE));
		bs->unmovable += !!(flags & UNMOVABLE);
	}
}

/* Whether pfn is a memmap page the model places on a plugged device (vmemmap pfns). */
static int model_vmemmap(const struct run *r, uint64_t pfn)
{
	for (int i = 0; i < r->n_devs; i++) {
		const struct hpt_dev *d = &r->devs[i];
		uint64_t first = d->base / r->guest.page_size;

		if (d->state != DEV_REMOVED && d->vmemmap_pages && pfn >= first &&
		    pfn < first + d->vmemmap_pages)
			return 1;
	}
	return 0;
}

/* The kernel-only pages (slab, page tables) of the ZONE_MOVABLE blocks in s, with
 * nothing that excuses them; appends the first SHOWN_MAX to j. Returns how many, and
 * the movable pages looked at in *seen. */
static uint64_t movable_kernel_pages(const struct run *r, const struct snapshot *s,
				     uint64_t pfns, struct json *j, uint64_t *seen)
{
	uint64_t n = 0, flags, cnt;

	*seen = 0;
	json_arr_begin(j, "kernel_pages");
	for (size_t i = 0; i < s->n_blocks; i++) {
		const struct mem_block *b = &s->blocks[i];

		if (b->state != BLOCK_ONLINE || strcmp(b->zone, "Movable"))
			continue;
		for (uint64_t p = b->index * pfns; p < (b->index + 1) * pfns; p++) {
			char e[96];

			if (snap_kpage(s, p, &flags, &cnt) < 0)
				continue;	/* not scanned */
			++*seen;
			if (!(flags & KERNEL_ONLY) || (flags & EXCUSED) || model_vmemmap(r, p))
				continue;
			if (n++ < SHOWN_MAX) {
				snprintf(e, sizeof(e), "pfn %llu (memory%u) flags 0x%llx",
					 (unsigned long long)p, b->index, (unsigned long long)flags);
				json_str(j, NULL, e);
			}
		}
	}
	json_arr_end(j);
	return n;
}

/* Lists the clean blocks first..first+n-1 of a group too short for count. */
static void broken(struct json *j, const struct snapshot *s, uint32_t first, uint32_t n,
		   uint64_t count, int *passed)
{
	for (uint32_t k = first + n; k-- > first;) {
		const struct mem_block *b = snap_block(s, k);
		char e[160];

		snprintf(e, sizeof(e), "memory%u %s: clean, but not %llu consecutive clean blocks",
			 k, b ? b->zone : "?", (unsigned long long)count);
		json_str(j, NULL, e);
		++*passed;
	}
}

/* Finds the highest run of count consecutive suitable blocks, Movable first for zone=any;
 * *first gets its lowest index. Every block passed over goes into j with why. */
static int choose(const struct snapshot *s, const struct blocks_args *a, uint64_t pfns,
		  uint32_t *first, struct json *j, int *passed)
{
	int found = 0;

	*passed = 0;
	json_arr_begin(j, "passed_over");
	for (int pass = 0; pass < 2; pass++) {
		uint32_t run = 0, prev = 0;

		for (size_t i = s->n_blocks; i-- > 0;) {
			const struct mem_block *b = &s->blocks[i];
			struct block_scan bs;
			char why[160];

			why[0] = 0;
			if (b->state == BLOCK_ONLINE && !zone_fits(b->zone, a->zone, 0) &&
			    !zone_fits(b->zone, a->zone, 1)) {
				if (pass == 0)
					snprintf(why, sizeof(why), "zone %s not asked for (zone=%s)",
						 b->zone, zone_opts[a->zone]);
				else
					continue;
			} else if (!zone_fits(b->zone, a->zone, pass) && b->state == BLOCK_ONLINE)
				continue;	/* the other pass looks at it */
			if (pass == 1 && b->state != BLOCK_ONLINE)
				continue;	/* listed in pass 0 */
			if (found && b->index >= *first && b->index < *first + a->count)
				continue;	/* chosen */
			if (why[0])
				;
			else if (b->state != BLOCK_ONLINE)
				snprintf(why, sizeof(why), "not online");
			else if (b->index == 0)
				snprintf(why, sizeof(why), "memory0 (the kernel's first pages)");
			else if (found)
				snprintf(why, sizeof(why), "not needed: a higher group was found");
			else {
				scan_block(s, b->index, pfns, &bs);
				if (bs.unmovable)
					snprintf(why, sizeof(why), "%llu unmovable pages (reserved %llu, "
						 "slab %llu, page tables %llu, holes or not scanned %llu)",
						 (unsigned long long)bs.unmovable,
						 (unsigned long long)bs.reserved,
						 (unsigned long long)bs.slab,
						 (unsigned long long)bs.pgtable,
						 (unsigned long long)bs.holes);
			}
			if (!why[0] && !found) {
				if (run && b->index + 1 != prev)	/* a gap: that group is over */
					broken(j, s, prev, run, a->count, passed);
				run = run && b->index + 1 == prev ? run + 1 : 1;
				prev = b->index;
				if (run == a->count) {
					*first = b->index;
					found = 1;
				}
				continue;
			}
			if (!found && run)
				broken(j, s, prev, run, a->count, passed);
			if (!found)
				run = 0;
			{
				char e[240];

				snprintf(e, sizeof(e), "memory%u %s: %s", b->index, b->zone, why);
				json_str(j, NULL, e);
				++*passed;
			}
		}
		if (!found && run)	/* the pass ended inside a group too short */
			broken(j, s, prev, run, a->count, passed);
	}
	json_arr_end(j);
	return found;
}

static enum step_rc blocks_run(struct run *r, const struct scn_line *l)
{
	const struct snapshot *s;
	struct blocks_args a;
	struct hpt_dev *d;
	struct strbuf ev = STRBUF_INIT;
	struct json j;
	char err[256], snap[48], range[64], why[512];
	uint64_t bs = r->guest.block_size, ps = r->guest.page_size, pfns = bs / ps, lo = 0, hi = 0;
	uint64_t bad, seen;
	uint32_t first = 0;
	int found, passed;

	if (blocks_parse(l, &a, err, sizeof(err)) < 0)
		return step_stop(r, l, V_ERROR, NULL, "%s", err);
	if (blocks_needs(r, l, why, sizeof(why)) < 0)
		return step_stop(r, l, V_SKIP, NULL, "%s", why);
	d = run_dev(r, l->argv[1]);
	if (d || r->n_devs >= HPT_DEVS_MAX)
		return step_stop(r, l, V_ERROR, NULL, "blocks %s: %s", l->argv[1],
				 d ? "the name is taken" : "too many devices");
	/* which blocks exist, then the page flags of the candidates and of ZONE_MOVABLE */
	snprintf(snap, sizeof(snap), "blocks-%s", l->argv[1]);
	if (run_snapshot(r, snap, 0, &s) < 0)
		return step_stop(r, l, V_ERROR, NULL, "blocks %s: %s", l->argv[1], r->chan.err);
	for (size_t i = 0; i < s->n_blocks; i++) {
		const struct mem_block *b = &s->blocks[i];

		if (b->state == BLOCK_ONLINE && b->index &&
		    (zone_fits(b->zone, a.zone, 0) || zone_fits(b->zone, a.zone, 1) ||
		     !strcmp(b->zone, "Movable"))) {
			lo = lo && lo < b->index ? lo : b->index;
			hi = hi > b->index ? hi : b->index;
		}
	}
	if (hi) {
		if ((hi - lo + 1) * pfns > KPAGE_PFNS_MAX)	/* the agent's bound: the top ones */
			lo = hi + 1 - KPAGE_PFNS_MAX / pfns;
		snprintf(range, sizeof(range), "%llu+%llu", (unsigned long long)(lo * pfns),
			 (unsigned long long)((hi - lo + 1) * pfns));
		snprintf(snap, sizeof(snap), "blocks-%s-kpage", l->argv[1]);
		if (run_snapshot_ranges(r, snap, range, &s) < 0)
			return step_stop(r, l, V_ERROR, NULL, "blocks %s: %s", l->argv[1],
					 r->chan.err);
	}
	json_init(&j, &ev, 0);
	json_obj_begin(&j, NULL);
	json_str(&j, "scanned", hi ? range : "nothing");
	bad = movable_kernel_pages(r, s, pfns, &j, &seen);
	found = choose(s, &a, pfns, &first, &j, &passed);
	json_obj_end(&j);
	if (seen) {	/* the pages of ZONE_MOVABLE that were looked at */
		snprintf(snap, sizeof(snap), "blocks %s movable zone", l->argv[1]);
		if (bad)
			result_add(&r->res, V_FAIL, snap, l->lineno, sb_str(&ev), "%llu slab or "
				   "page-table pages inside ZONE_MOVABLE (of %llu scanned): kernel "
				   "allocations that must never land there", (unsigned long long)bad,
				   (unsigned long long)seen);
		else
			result_add(&r->res, V_PASS, snap, l->lineno, NULL, "no slab or page-table page "
				   "in the %llu ZONE_MOVABLE pages scanned", (unsigned long long)seen);
	}
	if (!found) {
		if (hi)
			snprintf(why, sizeof(why), "no %llu consecutive %s blocks free of unmovable "
				 "pages (%d passed over; each with why in the evidence)",
				 (unsigned long long)a.count, zone_opts[a.zone], passed);
		else
			snprintf(why, sizeof(why), "the guest has no online %s memory block besides "
				 "memory0", zone_opts[a.zone]);
		step_stop(r, l, V_SKIP, sb_str(&ev), "blocks %s: %s", l->argv[1], why);
		sb_release(&ev);
		return STEP_STOP;
	}
	d = &r->devs[r->n_devs++];
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", l->argv[1]);
	d->kind = &dev_boot;
	d->first_block = first;
	d->n_blocks = (uint32_t)a.count;
	d->base = first * bs;
	d->size = a.count * bs;
	d->state = DEV_ONLINE;
	snprintf(d->zone, sizeof(d->zone), "%s", snap_block(s, first)->zone);
	snprintf(snap, sizeof(snap), "blocks %s", d->name);
	result_add(&r->res, V_PASS, snap, l->lineno, sb_str(&ev), "%s = memory%u-memory%u (%s, "
		   "%llu MiB each), no unmovable pages; %d block(s) passed over (evidence says why)",
		   d->name, first, first + d->n_blocks - 1, d->zone, (unsigned long long)(bs >> 20),
		   passed);
	sb_release(&ev);
	return STEP_OK;
}

const struct step step_blocks = {
	.name = "blocks", .phase = PHASE_PLUG, .needs_guest = 1,
	.usage = "blocks NAME count=N [zone=movable|normal|any]",
	.help = "name COUNT consecutive boot memory blocks (highest first, free of unmovable "
		"pages) so that offline/online NAME work on them",
	.opts = blocks_opts, .check = blocks_step_check, .needs = blocks_needs, .run = blocks_run,
};
