/* `blocks NAME count=N [zone=movable|normal|any]`: names COUNT consecutive memory blocks
 * the guest booted with, so that `offline NAME` and `online NAME …` work on them (logical
 * offline/online: the only memory hotplug on machines without memory devices, s390x).
 * Picks the highest-numbered online blocks of the zone that hold no boot-time
 * reservations (a reserved, slab or page-table page can never be migrated away, so such a
 * block cannot go offline); zone=any prefers ZONE_MOVABLE blocks. Fewer suitable blocks
 * than COUNT is a SKIP that lists what each candidate holds. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "caps.h"
#include "devkind.h"
#include "step.h"

#define UNMOVABLE (KPF_BIT(KPF_RESERVED) | KPF_BIT(KPF_SLAB) | KPF_BIT(KPF_PGTABLE) | \
		   KPF_BIT(KPF_NOPAGE))

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

/* Pages of block b that can never leave it (reserved, slab, page tables, holes). */
static uint64_t unmovable_pages(const struct snapshot *s, uint64_t b, uint64_t pfns)
{
	uint64_t n = 0, flags, cnt;

	for (uint64_t p = b * pfns; p < (b + 1) * pfns; p++)
		if (snap_kpage(s, p, &flags, &cnt) < 0 || (flags & UNMOVABLE))
			n++;
	return n;
}

/* Finds the highest run of count consecutive suitable blocks, Movable first for zone=any;
 * *first gets its lowest index. Describes every candidate in why. */
static int choose(const struct snapshot *s, const struct blocks_args *a, uint64_t pfns,
		  uint32_t *first, char *why, size_t n)
{
	size_t len = 0;
	int found = 0;

	why[0] = 0;
	for (int pass = 0; pass < 2 && !found; pass++) {
		uint32_t blocks_run = 0, prev = 0;

		for (size_t i = s->n_blocks; i-- > 0 && !found;) {
			const struct mem_block *b = &s->blocks[i];
			uint64_t bad;

			if (b->state != BLOCK_ONLINE || b->index == 0 ||
			    !zone_fits(b->zone, a->zone, pass))
				continue;
			bad = unmovable_pages(s, b->index, pfns);
			if (len < n - 80)
				len += (size_t)snprintf(why + len, n - len, "%smemory%u %s %llu unmovable",
							len ? ", " : "", b->index, b->zone,
							(unsigned long long)bad);
			if (bad) {
				blocks_run = 0;
				continue;
			}
			blocks_run = blocks_run && b->index + 1 == prev ? blocks_run + 1 : 1;
			prev = b->index;
			if (blocks_run == a->count) {
				*first = b->index;
				found = 1;
			}
		}
	}
	return found;
}

static enum step_rc blocks_run(struct run *r, const struct scn_line *l)
{
	const struct snapshot *s;
	struct blocks_args a;
	struct hpt_dev *d;
	char err[256], snap[48], range[64], why[512];
	uint64_t bs = r->guest.block_size, ps = r->guest.page_size, pfns = bs / ps, lo = 0, hi = 0;
	uint32_t first = 0;

	if (blocks_parse(l, &a, err, sizeof(err)) < 0)
		return step_stop(r, l, V_ERROR, NULL, "%s", err);
	if (blocks_needs(r, l, why, sizeof(why)) < 0)
		return step_stop(r, l, V_SKIP, NULL, "%s", why);
	d = run_dev(r, l->argv[1]);
	if (d || r->n_devs >= HPT_DEVS_MAX)
		return step_stop(r, l, V_ERROR, NULL, "blocks %s: %s", l->argv[1],
				 d ? "the name is taken" : "too many devices");
	/* which blocks exist, then the page flags of the candidates */
	snprintf(snap, sizeof(snap), "blocks-%s", l->argv[1]);
	if (run_snapshot(r, snap, 0, &s) < 0)
		return step_stop(r, l, V_ERROR, NULL, "blocks %s: %s", l->argv[1], r->chan.err);
	for (size_t i = 0; i < s->n_blocks; i++) {
		const struct mem_block *b = &s->blocks[i];

		if (b->state == BLOCK_ONLINE && b->index &&
		    (zone_fits(b->zone, a.zone, 0) || zone_fits(b->zone, a.zone, 1))) {
			lo = lo && lo < b->index ? lo : b->index;
			hi = hi > b->index ? hi : b->index;
		}
	}
	if (!hi)
		return step_stop(r, l, V_SKIP, NULL, "blocks %s: the guest has no online %s memory "
				 "block besides memory0", l->argv[1], zone_opts[a.zone]);
	if ((hi - lo + 1) * pfns > KPAGE_PFNS_MAX)	/* the agent's bound: the top ones */
		lo = hi + 1 - KPAGE_PFNS_MAX / pfns;
	snprintf(range, sizeof(range), "%llu+%llu", (unsigned long long)(lo * pfns),
		 (unsigned long long)((hi - lo + 1) * pfns));
	snprintf(snap, sizeof(snap), "blocks-%s-kpage", l->argv[1]);
	if (run_snapshot_ranges(r, snap, range, &s) < 0)
		return step_stop(r, l, V_ERROR, NULL, "blocks %s: %s", l->argv[1], r->chan.err);
	if (!choose(s, &a, pfns, &first, why, sizeof(why)))
		return step_stop(r, l, V_SKIP, NULL, "blocks %s: no %llu consecutive %s blocks "
				 "free of unmovable pages (candidates: %s)", l->argv[1],
				 (unsigned long long)a.count, zone_opts[a.zone],
				 why[0] ? why : "none");
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
	result_add(&r->res, V_PASS, snap, l->lineno, NULL, "%s = memory%u-memory%u (%s, "
		   "%llu MiB each), no unmovable pages; candidates: %s", d->name, first,
		   first + d->n_blocks - 1, d->zone, (unsigned long long)(bs >> 20), why);
	return STEP_OK;
}

const struct step step_blocks = {
	.name = "blocks", .phase = PHASE_PLUG, .needs_guest = 1,
	.usage = "blocks NAME count=N [zone=movable|normal|any]",
	.help = "name COUNT consecutive boot memory blocks (highest first, free of unmovable "
		"pages) so that offline/online NAME work on them",
	.opts = blocks_opts, .check = blocks_step_check, .needs = blocks_needs, .run = blocks_run,
};
