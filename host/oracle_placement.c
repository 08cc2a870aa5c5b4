/* `expect placement DEV [memmap=on-block|elsewhere|split]`: where DEV's memmap really is,
 * proven by the probe's page-table walk and observed from zone present/managed deltas,
 * MemTotal and /proc/kpageflags, against the expectation model (or the scenario's own
 * expectation). The verdict is placement_decide() (placement.c). */
#include <stdio.h>
#include <string.h>
#include "arch.h"
#include "devkind.h"
#include "oracle.h"
#include "oracles.h"
#include "size.h"
#include "step.h"

/* Asks the guest's probe where d's memmap is; pf says whether it answered. */
static void run_probe(struct run *r, const struct hpt_dev *d, struct placement_proof *pf)
{
	struct strbuf reply = STRBUF_INIT;
	int rc;

	memset(pf, 0, sizeof(*pf));
	if (r->opts && r->opts->no_probe) {
		pf->state = PROBE_OFF;
		snprintf(pf->err, sizeof(pf->err), "--no-probe: placement inferred from accounting");
		return;
	}
	rc = chan_call(&r->chan, run_timeout(r, 30000), &reply, "probe %llu %llu",
		       (unsigned long long)(d->base / r->guest.page_size),
		       (unsigned long long)(d->size / r->guest.page_size));
	if (rc != 0) {
		pf->state = rc == 1 && strstr(sb_str(&reply), "probe: no module") ? PROBE_ABSENT
										     : PROBE_FAILED;
		snprintf(pf->err, sizeof(pf->err), "kernel %s: %.200s", r->guest.kernel,
			 rc == 1 ? sb_str(&reply) : r->chan.err);
		sb_release(&reply);
		return;
	}
	{	/* the raw report stays in the run dir */
		char path[PATH_MAX];
		FILE *f;

		snprintf(path, sizeof(path), "%s/probe-%s.txt", r->dir, d->name);
		f = fopen(path, "w");
		if (f) {
			fputs(sb_str(&reply), f);
			fclose(f);
		}
	}
	if (probe_parse(sb_str(&reply), &pf->pr) < 0 || pf->pr.unsupported) {
		pf->state = PROBE_FAILED;
		snprintf(pf->err, sizeof(pf->err), "%s", pf->pr.unsupported ? "the probe cannot "
			 "walk page tables on this arch" : "unreadable probe report");
	}
	sb_release(&reply);
}

static int placement_check(const struct scn_line *l, char *err, size_t errlen)
{
	if (l->argc < 3 || l->argc > 4 ||
	    (l->argc == 4 && (strncmp(l->argv[3], "memmap=", 7) ||
			      placement_parse(l->argv[3] + 7) < 0 ||
			      placement_parse(l->argv[3] + 7) == PLACE_UNKNOWN))) {
		snprintf(err, errlen, "expect placement: want DEV [memmap=on-block|elsewhere|split]");
		return -1;
	}
	return 0;
}

int placement_of(struct run *r, const struct hpt_dev *d, struct placement_obs *o,
		 struct placement_pred *pred, char *err, size_t errlen)
{
	char a[48], b[48];
	const struct snapshot *before, *after;
	struct placement_in in = {
		.arch = r->arch->name, .major = r->guest.major, .minor = r->guest.minor,
		.cmdline = r->guest.cmdline, .devkind = d->kind->name, .size = d->size,
		.block_size = r->guest.block_size, .page_size = r->guest.page_size,
		.base = d->base, .boot_end = r->boot.memory, .struct_page = r->struct_page,
	};

	snprintf(a, sizeof(a), "pre-online-%s", d->name);
	snprintf(b, sizeof(b), "online-%s", d->name);
	before = run_snap(r, a);
	after = run_snap(r, b);
	if (!before || !after) {
		snprintf(err, errlen, "%s has not been plugged and onlined", d->name);
		return -1;
	}
	model_placement(&in, pred);
	placement_observe(before, after, d->base / r->guest.page_size,
			  d->size / r->guest.page_size, pred->block_pages, pred->vmemmap_kpf, o);
	return 0;
}

static int placement_run(struct run *r, const struct scn_line *l)
{
	struct hpt_dev *d = run_dev(r, l->argv[2]);
	struct strbuf ev = STRBUF_INIT;
	struct placement_pred pred;
	struct placement_proof pf;
	struct placement_obs o;
	char name[64], summary[1400], err[128], sz[32];
	int overridden = l->argc == 4;
	enum verdict v;
	struct json j;

	snprintf(name, sizeof(name), "placement %s", l->argv[2]);
	/* the probe first: the memmap's span over the range's pages is sizeof(struct page),
	 * which the model then uses (an own kernel without MEMCG has 56 bytes, not 64) */
	if (d)
		run_probe(r, d, &pf);
	if (d && pf.state == PROBE_OK && pf.pr.memmap_bytes && r->guest.page_size &&
	    pf.pr.memmap_bytes % (d->size / r->guest.page_size) == 0)
		r->struct_page = pf.pr.memmap_bytes / (d->size / r->guest.page_size);
	if (!d || placement_of(r, d, &o, &pred, err, sizeof(err)) < 0) {
		result_add(&r->res, V_ERROR, name, l->lineno, NULL, "%s",
			   d ? err : "no such device");
		return 0;
	}
	if (overridden)
		pred.p = (enum placement)placement_parse(l->argv[3] + 7);
	v = placement_decide(pred.p, overridden ? "the scenario says so" : pred.why, &pred, &o,
			     &pf, r->guest.page_size, summary, sizeof(summary));
	if (o.p == PLACE_ON_BLOCK) {
		d->vmemmap_pages = (uint64_t)o.memmap_pages;
		d->vmemmap_block = o.blocks_led > 1 ? pred.block_pages : 0;
	}
	json_init(&j, &ev, 0);
	json_obj_begin(&j, NULL);
	json_str(&j, "device", d->name);
	json_str(&j, "kind", d->kind->name);
	json_str(&j, "size", fmt_size(d->size, sz, sizeof(sz)));
	json_u64(&j, "base", d->base);
	json_u64(&j, "first_pfn", d->base / r->guest.page_size);
	json_u64(&j, "block_size", r->guest.block_size);
	json_str(&j, "zone", d->zone);
	json_str(&j, "arch", r->arch->name);
	json_str(&j, "kernel", r->guest.kernel);
	json_str(&j, "memmap_on_memory_param", r->guest.memmap_on_memory);
	if (r->struct_page)	/* measured by the probe */
		json_u64(&j, "struct_page_bytes", r->struct_page);
	placement_evidence(&j, &pred, overridden, &o, &pf);
	json_obj_end(&j);
	result_add(&r->res, v, name, l->lineno, sb_str(&ev), "%s", summary);
	sb_release(&ev);
	return 0;
}

const struct oracle oracle_placement = {
	.name = "placement",
	.usage = "expect placement DEV [memmap=on-block|elsewhere|split]",
	.proves = "where DEV's memmap lives (on the hot-added block or elsewhere), proven by the "
		  "probe's page-table walk and agreeing with zone present/managed, MemTotal and "
		  "/proc/kpageflags, against the model (inferred only with --no-probe)",
	.check = placement_check, .run = placement_run,
};
