/* `no-leak memmap frames`: the memmap's own frames. While a device is plugged, the probe
 * marks every frame outside it that backs its memmap (guest/probe/hpt_probe.c: the mark
 * is a page flag the page allocator clears whenever it takes a page back) and the host
 * records them; after teardown every recorded frame of a removed device must have been
 * freed. Exact: a frame still marked and still the untyped allocation it was has never
 * been freed, whatever reused the freed ones since. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"
#include "oracles.h"

#define FRAMES_PER_CALL 10	/* check triples per agent request (32 words at most) */

int frames_parse_mark(const char *text, int dev, unsigned plug, struct frame_run **runs,
		      size_t *n, size_t *alloc)
{
	int got = 0;

	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		unsigned long long f, c, va;
		char line[128];

		snprintf(line, sizeof(line), "%.*s", (int)strcspn(p, "\n"), p);
		if (!strncmp(line, "summary ", 8))
			got = 1;
		if (sscanf(line, "frame %llu %llu %llx", &f, &c, &va) != 3)
			continue;
		if (*n == *alloc) {
			size_t na = *alloc ? *alloc * 2 : 64;
			struct frame_run *nr = realloc(*runs, na * sizeof(*nr));

			if (!nr)
				return -ENOMEM;
			*runs = nr;
			*alloc = na;
		}
		(*runs)[(*n)++] = (struct frame_run){ .dev = dev, .plug = plug, .pfn = f, .n = c,
						      .va = va };
	}
	return got ? 0 : -EPROTO;
}

int frames_parse_check(const char *text, struct frames_tally *t)
{
	int got = 0;

	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		unsigned long long a, b, fr, he, in, st, fn, go, fl;
		int ref;
		char line[256];

		snprintf(line, sizeof(line), "%.*s", (int)strcspn(p, "\n"), p);
		if (sscanf(line, "check %llu %llu freed=%llu held=%llu inuse=%llu stale=%llu "
			   "free_now=%llu gone=%llu", &a, &b, &fr, &he, &in, &st, &fn, &go) == 8) {
			t->frames += b;
			t->freed += fr;
			t->held += he;
			t->inuse += in;
			t->stale += st;
			t->free_now += fn;
			t->gone += go;
			got++;
		} else if (sscanf(line, "held %llu 0x%llx %d", &a, &fl, &ref) == 3 &&
			   t->n_shown < FRAMES_SHOWN) {
			t->shown_pfn[t->n_shown] = a;
			t->shown_flags[t->n_shown] = fl;
			t->shown_ref[t->n_shown++] = ref;
		}
	}
	return got ? 0 : -EPROTO;
}

enum verdict frames_judge(const struct frames_tally *t, const char *devs, char *why,
			  size_t n)
{
	if (t->held || t->stale) {
		snprintf(why, n, "%llu of the %llu frames outside %s that backed their memmap were "
			 "never freed (%llu held: allocated, still marked; %llu still mapped as "
			 "memmap of memory that is gone)%s", (unsigned long long)(t->held + t->stale),
			 (unsigned long long)t->frames, devs, (unsigned long long)t->held,
			 (unsigned long long)t->stale, t->n_shown ? "; first held pfn in evidence" : "");
		return V_FAIL;
	}
	if (!t->freed && !t->gone) {
		snprintf(why, n, "none of the %llu frames outside %s that backed their memmap was "
			 "theirs alone: each still maps the memmap of present memory too (a shared "
			 "vmemmap mapping), none is stale", (unsigned long long)t->inuse, devs);
		return V_PASS;
	}
	snprintf(why, n, "all %llu frames outside %s that backed their memmap alone were freed "
		 "(%llu free in the buddy now, the rest reused or on per-cpu lists)%s",
		 (unsigned long long)(t->freed + t->gone), devs, (unsigned long long)t->free_now,
		 t->inuse ? "; others still map present memory's memmap too (shared)" : "");
	return V_PASS;
}

/* Keeps a probe report in the run dir (frames-*.txt): the evidence behind the check. */
static void keep(const struct run *r, const char *name, const struct strbuf *text, int append)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/frames-%s.txt", r->dir, name);
	f = fopen(path, append ? "a" : "w");
	if (!f)
		return;
	fputs(sb_str(text), f);
	fclose(f);
}

void frames_record(struct run *r, const struct hpt_dev *d)
{
	struct strbuf reply = STRBUF_INIT;
	int rc;

	if (r->opts && r->opts->no_probe)
		return;
	rc = chan_call(&r->chan, run_timeout(r, 30000), &reply, "frames mark %llu %llu",
		       (unsigned long long)(d->base / r->guest.page_size),
		       (unsigned long long)(d->size / r->guest.page_size));
	if (rc == 0) {
		char name[64];

		snprintf(name, sizeof(name), "mark-%s-%d", d->name, d->plug_order);
		if (d->plug_order <= 3)		/* cycles repeat themselves */
			keep(r, name, &reply, 0);
		rc = frames_parse_mark(sb_str(&reply), (int)(d - r->devs), (unsigned)d->plug_order,
				       &r->frames, &r->n_frames, &r->alloc_frames);
	}
	if (rc != 0) {
		r->frames_missing++;
		if (!r->frames_err[0])
			snprintf(r->frames_err, sizeof(r->frames_err), "%s (plug #%d): %.200s",
				 d->name, d->plug_order, rc == 1 ? sb_str(&reply) :
				 rc == -EPROTO ? "unreadable probe report" : r->chan.err);
	}
	hpt_verbose("frames of %s: %zu runs recorded so far%s%s", d->name, r->n_frames,
		    rc ? ": " : "", rc ? r->frames_err : "");
	sb_release(&reply);
}

/* Whether run k still backs a plugged device's memmap as that device's latest record. */
static int in_use(const struct run *r, size_t k)
{
	const struct frame_run *f = &r->frames[k];

	for (size_t i = 0; i < r->n_frames; i++) {
		const struct frame_run *g = &r->frames[i];
		const struct hpt_dev *d = &r->devs[g->dev];

		if (d->state != DEV_REMOVED && (int)g->plug == d->plug_order &&
		    f->pfn < g->pfn + g->n && g->pfn < f->pfn + f->n)
			return 1;
	}
	return 0;
}

/* The runs to check: those of removed devices that no plugged device uses, each once. */
static size_t to_check(const struct run *r, size_t *idx, char *devs, size_t dn)
{
	size_t n = 0, len = 0;

	devs[0] = 0;
	for (size_t k = 0; k < r->n_frames; k++) {
		const struct frame_run *f = &r->frames[k];
		size_t i;

		if (r->devs[f->dev].state != DEV_REMOVED || in_use(r, k))
			continue;
		for (i = 0; i < n; i++)
			if (r->frames[idx[i]].pfn == f->pfn && r->frames[idx[i]].n == f->n &&
			    r->frames[idx[i]].va == f->va)
				break;
		if (i < n)
			continue;
		idx[n++] = k;
		if (!strstr(devs, r->devs[f->dev].name) && len + 40 < dn)
			len += (size_t)snprintf(devs + len, dn - len, "%s%s", len ? ", " : "",
						r->devs[f->dev].name);
	}
	return n;
}

void frames_noleak(struct run *r, unsigned lineno)
{
	static const char check_name[] = "no-leak memmap frames";
	struct frames_tally t = { 0 };
	struct strbuf ev = STRBUF_INIT, reply = STRBUF_INIT;
	size_t *idx = NULL, n, removed = 0;
	char devs[256], why[600];
	struct json j;
	enum verdict v;

	for (int i = 0; i < r->n_devs; i++)
		removed += r->devs[i].state == DEV_REMOVED && r->devs[i].kind &&
			   r->devs[i].plug_order;
	if (!removed)
		return;		/* nothing was removed: no memmap to have been freed */
	if (r->opts && r->opts->no_probe) {
		result_add(&r->res, V_SKIP, check_name, lineno, NULL, "--no-probe: the frames "
			   "backing the removed devices' memmap were not recorded");
		return;
	}
	if (r->frames_missing) {
		result_add(&r->res, V_ERROR, check_name, lineno, NULL, "the probe could not record "
			   "the memmap frames of %d plug(s): %s", r->frames_missing, r->frames_err);
		return;
	}
	idx = calloc(r->n_frames + 1, sizeof(*idx));
	if (!idx) {
		result_add(&r->res, V_ERROR, check_name, lineno, NULL, "out of memory");
		return;
	}
	n = to_check(r, idx, devs, sizeof(devs));
	if (!n)		/* every removed memmap lived on its device: it left with it */
		goto cleanup;
	for (size_t k = 0; k < n; k += FRAMES_PER_CALL) {
		struct strbuf req = STRBUF_INIT;
		int rc;

		sb_adds(&req, "frames check");
		for (size_t i = k; i < n && i < k + FRAMES_PER_CALL; i++)
			sb_addf(&req, " %llu %llu 0x%llx", (unsigned long long)r->frames[idx[i]].pfn,
				(unsigned long long)r->frames[idx[i]].n,
				(unsigned long long)r->frames[idx[i]].va);
		sb_reset(&reply);
		rc = chan_call(&r->chan, run_timeout(r, 30000), &reply, "%s", sb_str(&req));
		sb_release(&req);
		if (rc == 0)
			keep(r, "check", &reply, k > 0);
		if (rc != 0 || frames_parse_check(sb_str(&reply), &t) < 0) {
			result_add(&r->res, V_ERROR, check_name, lineno, NULL, "frames check: %.300s",
				   rc == 1 ? sb_str(&reply) : rc ? r->chan.err :
				   "unreadable probe report");
			goto cleanup;
		}
	}
	v = frames_judge(&t, devs, why, sizeof(why));
	json_init(&j, &ev, 0);
	json_obj_begin(&j, NULL);
	json_str(&j, "devices", devs);
	json_u64(&j, "runs", n);
	json_u64(&j, "frames", t.frames);
	json_u64(&j, "freed", t.freed);
	json_u64(&j, "held", t.held);
	json_u64(&j, "stale", t.stale);
	json_u64(&j, "inuse", t.inuse);
	json_u64(&j, "free_now", t.free_now);
	json_u64(&j, "gone", t.gone);
	json_arr_begin(&j, "held_frames");
	for (int i = 0; i < t.n_shown; i++) {
		char e[96];

		snprintf(e, sizeof(e), "pfn %llu flags 0x%llx refcount %d",
			 (unsigned long long)t.shown_pfn[i], (unsigned long long)t.shown_flags[i],
			 t.shown_ref[i]);
		json_str(&j, NULL, e);
	}
	json_arr_end(&j);
	json_obj_begin(&j, "recorded");
	for (size_t i = 0; i < n && i < 16; i++) {
		char k[32], e[96];

		snprintf(k, sizeof(k), "%s#%u", r->devs[r->frames[idx[i]].dev].name,
			 r->frames[idx[i]].plug);
		snprintf(e, sizeof(e), "pfn %llu +%llu (memmap 0x%llx)",
			 (unsigned long long)r->frames[idx[i]].pfn,
			 (unsigned long long)r->frames[idx[i]].n,
			 (unsigned long long)r->frames[idx[i]].va);
		json_str(&j, k, e);
	}
	json_obj_end(&j);
	json_obj_end(&j);
	result_add(&r->res, v, check_name, lineno, sb_str(&ev), "%s", why);
cleanup:
	free(idx);
	sb_release(&ev);
	sb_release(&reply);
}
