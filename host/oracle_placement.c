/* `expect placement DEV [memmap=on-block|elsewhere]`: where DEV's memmap really is,
 * observed from zone present/managed deltas, MemTotal and /proc/kpageflags, against the
 * expectation model (or the scenario's own expectation). */
#include <stdio.h>
#include <string.h>
#include "arch.h"
#include "devkind.h"
#include "oracle.h"
#include "oracles.h"
#include "size.h"
#include "step.h"

#define VMEMMAP_BAD (KPF_BIT(KPF_BUDDY) | KPF_BIT(KPF_LRU) | KPF_BIT(KPF_SLAB) | \
		     KPF_BIT(KPF_PGTABLE) | KPF_BIT(KPF_NOPAGE))

static void zone_sums(const struct snapshot *s, int64_t *present, int64_t *managed)
{
	*present = *managed = 0;
	for (size_t i = 0; i < s->n_zones; i++) {
		*present += (int64_t)s->zones[i].present;
		*managed += (int64_t)s->zones[i].managed;
	}
}

void placement_observe(const struct snapshot *before, const struct snapshot *after,
		       uint64_t pfn, uint64_t npages, struct placement_obs *o)
{
	int64_t p0, m0, p1, m1;
	uint64_t t0 = 0, t1 = 0, flags, cnt;

	memset(o, 0, sizeof(*o));
	zone_sums(before, &p0, &m0);
	zone_sums(after, &p1, &m1);
	o->present_delta = p1 - p0;
	o->managed_delta = m1 - m0;
	o->memmap_pages = o->present_delta - o->managed_delta;
	if (!snap_meminfo(before, "MemTotal", &t0) && !snap_meminfo(after, "MemTotal", &t1))
		o->memtotal_delta_kb = (int64_t)t1 - (int64_t)t0;
	o->have_kpage = snap_kpage(after, pfn, &o->first_flags, &cnt) == 0;
	for (uint64_t i = 0; o->have_kpage && i < npages; i++) {
		if (snap_kpage(after, pfn + i, &flags, &cnt) < 0)
			break;
		if (!(flags & KPF_BIT(KPF_RESERVED)) || (flags & VMEMMAP_BAD)) {
			o->next_flags = flags;
			break;
		}
		o->leading_reserved++;
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
			 "reserved pfns at the start of the device (flags 0x%llx)",
			 (long long)o->memmap_pages, (unsigned long long)o->leading_reserved,
			 (unsigned long long)o->first_flags);
	} else {
		snprintf(o->why, sizeof(o->why), "inconsistent: present - managed = %lld pages but "
			 "%llu reserved pfns lead the device", (long long)o->memmap_pages,
			 (unsigned long long)o->leading_reserved);
	}
}

enum verdict placement_judge(enum placement expected, const char *expected_why,
			     const struct placement_obs *o, char *summary, size_t n)
{
	if (o->p == PLACE_UNKNOWN) {
		snprintf(summary, n, "memmap placement could not be established: %s", o->why);
		return V_FAIL;
	}
	if (expected == PLACE_UNKNOWN) {
		snprintf(summary, n, "observed %s (%s); no expectation: %s",
			 placement_names[o->p], o->why, expected_why);
		return V_SKIP;
	}
	if (expected != o->p) {
		snprintf(summary, n, "expected memmap %s (%s) but observed %s: %s",
			 placement_names[expected], expected_why, placement_names[o->p], o->why);
		return V_FAIL;
	}
	snprintf(summary, n, "memmap %s as expected: %s", placement_names[o->p], o->why);
	return V_PASS;
}

void placement_evidence(struct json *j, const struct placement_pred *pred, int overridden,
			const struct placement_obs *o)
{
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
}

/* Asks the guest's probe where d's memmap is; PLACE_UNKNOWN with why if it cannot. */
static enum placement run_probe(struct run *r, const struct hpt_dev *d, struct probe_result *pr,
				char *why, size_t n)
{
	struct strbuf reply = STRBUF_INIT;
	int rc;

	memset(pr, 0, sizeof(*pr));
	rc = chan_call(&r->chan, run_timeout(r, 30000), &reply, "probe %llu %llu",
		       (unsigned long long)(d->base / r->guest.page_size),
		       (unsigned long long)(d->size / r->guest.page_size));
	if (rc != 0) {
		snprintf(why, n, "%.200s", rc == 1 ? sb_str(&reply) : r->chan.err);
		sb_release(&reply);
		return PLACE_UNKNOWN;
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
	if (probe_parse(sb_str(&reply), pr) < 0 || pr->unsupported) {
		snprintf(why, n, "%s", pr->unsupported ? "the probe cannot walk page tables on "
			 "this arch" : "unreadable probe report");
		sb_release(&reply);
		return PLACE_UNKNOWN;
	}
	sb_release(&reply);
	if (probe_placement(pr) == PLACE_UNKNOWN)
		snprintf(why, n, "mixed or unmapped memmap: %llu inside, %llu outside, %llu unmapped",
			 (unsigned long long)pr->inside, (unsigned long long)pr->outside,
			 (unsigned long long)pr->unmapped);
	return probe_placement(pr);
}

static int placement_check(const struct scn_line *l, char *err, size_t errlen)
{
	if (l->argc < 3 || l->argc > 4 ||
	    (l->argc == 4 && (strncmp(l->argv[3], "memmap=", 7) ||
			      placement_parse(l->argv[3] + 7) < 0 ||
			      placement_parse(l->argv[3] + 7) == PLACE_UNKNOWN))) {
		snprintf(err, errlen, "expect placement: want DEV [memmap=on-block|elsewhere]");
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
	};

	snprintf(a, sizeof(a), "pre-online-%s", d->name);
	snprintf(b, sizeof(b), "online-%s", d->name);
	before = run_snap(r, a);
	after = run_snap(r, b);
	if (!before || !after) {
		snprintf(err, errlen, "%s has not been plugged and onlined", d->name);
		return -1;
	}
	placement_observe(before, after, d->base / r->guest.page_size,
			  d->size / r->guest.page_size, o);
	model_placement(&in, pred);
	return 0;
}

static int placement_run(struct run *r, const struct scn_line *l)
{
	struct hpt_dev *d = run_dev(r, l->argv[2]);
	struct strbuf ev = STRBUF_INIT;
	struct placement_pred pred;
	struct placement_obs o;
	char name[64], summary[1024], err[128], sz[32], probe_err[256] = "";
	int overridden = l->argc == 4;
	struct probe_result pr;
	enum placement proof;
	enum verdict v;
	struct json j;

	snprintf(name, sizeof(name), "placement %s", l->argv[2]);
	if (!d || placement_of(r, d, &o, &pred, err, sizeof(err)) < 0) {
		result_add(&r->res, V_ERROR, name, l->lineno, NULL, "%s",
			   d ? err : "no such device");
		return 0;
	}
	if (overridden)
		pred.p = (enum placement)placement_parse(l->argv[3] + 7);
	v = placement_judge(pred.p, overridden ? "the scenario says so" : pred.why, &o, summary,
			    sizeof(summary));
	proof = run_probe(r, d, &pr, probe_err, sizeof(probe_err));
	if (proof != PLACE_UNKNOWN && o.p != PLACE_UNKNOWN && proof != o.p) {
		v = V_FAIL;
		snprintf(summary, sizeof(summary), "the probe proves memmap %s (%llu of %llu memmap "
			 "pages backed inside %s) but accounting and page flags say %s: %s",
			 placement_names[proof], (unsigned long long)pr.inside,
			 (unsigned long long)pr.memmap_pages, d->name, placement_names[o.p], o.why);
	} else if (proof != PLACE_UNKNOWN) {
		size_t len = strlen(summary);

		snprintf(summary + len, sizeof(summary) - len, " [proven: %llu of %llu memmap pages "
			 "backed inside the device]", (unsigned long long)pr.inside,
			 (unsigned long long)pr.memmap_pages);
	} else {
		size_t len = strlen(summary);

		snprintf(summary + len, sizeof(summary) - len, " [inferred; probe: %s]", probe_err);
	}
	if (o.p == PLACE_ON_BLOCK)
		d->vmemmap_pages = (uint64_t)o.memmap_pages;
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
	placement_evidence(&j, &pred, overridden, &o);
	json_str(&j, "method", proof != PLACE_UNKNOWN ? "proven" : "inferred");
	json_obj_begin(&j, "probe");
	if (proof != PLACE_UNKNOWN || pr.memmap_pages) {
		json_str(&j, "placement", placement_names[proof]);
		json_u64(&j, "memmap_pages", pr.memmap_pages);
		json_u64(&j, "backed_inside", pr.inside);
		json_u64(&j, "backed_outside", pr.outside);
		json_u64(&j, "unmapped", pr.unmapped);
		json_u64(&j, "first_backing_pfn", pr.first_backing_pfn);
		json_str(&j, "mapping", pr.level);
	} else {
		json_str(&j, "unavailable", probe_err);
	}
	json_obj_end(&j);
	json_obj_end(&j);
	result_add(&r->res, v, name, l->lineno, sb_str(&ev), "%s", summary);
	sb_release(&ev);
	return 0;
}

const struct oracle oracle_placement = {
	.name = "placement",
	.usage = "expect placement DEV [memmap=on-block|elsewhere]",
	.proves = "where DEV's memmap lives (on the hot-added block or elsewhere), observed from "
		  "zone present/managed, MemTotal and /proc/kpageflags, against the model",
	.check = placement_check, .run = placement_run,
};
