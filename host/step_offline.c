/* `offline NAME [expect=ok|ebusy|timeout|error] [timeout=S] [pinned-by=WL]`: offlines the
 * device's memory blocks, highest first, and classifies what the kernel did
 * (offline_outcome.c): ok, EBUSY with the kernel's reason, timeout (it kept retrying until
 * the agent's signal after S seconds: "signal backoff") or kernel error, with the counters
 * before and after. A plain offline must succeed (anything else is a FAIL); with expect=
 * the outcome must be that one, a surprise success included. With pinned-by=WL, expect=
 * holds only if workload WL's long-term pinned pages lie on the device's blocks (its
 * latest report says where: pins_on_blocks()); where none does, the offline must succeed.
 * When `expect vmemmap` watched the device, the vmemmap pages are re-read first:
 * offlining must succeed with them still reserved. A device already offline (an offline
 * that succeeded earlier) is checked to be offline in the guest, and nothing is done. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "caps.h"
#include "oracle.h"
#include "oracles.h"
#include "step.h"

/* pinned-by=: what the workload's report said, for the evidence. */
struct pins_seen {
	char wl[16];
	uint64_t on, total;		/* pinned pages on the device's blocks, in all */
	char blocks[256], nodes[128], zones[128];
};

struct offline_args {
	int expect;		/* outcome index, -1 = plain */
	uint64_t timeout;	/* seconds */
	char pinned_by[16];	/* workload whose pins decide whether expect= holds */
};

static const char *const expect_choices[] = { "ok", "ebusy", "timeout", "error", NULL };

static const struct opt offline_opts[] = {
	{ "expect", OPT_ENUM, offsetof(struct offline_args, expect), 0, 0, 0, expect_choices,
	  "the outcome the scenario expects (default: it must succeed)" },
	{ "timeout", OPT_UINT, offsetof(struct offline_args, timeout), 0, 1, 3600, NULL,
	  "seconds before the agent's signal ends the kernel's retries", .def = "100" },
	{ "pinned-by", OPT_STR, offsetof(struct offline_args, pinned_by),
	  sizeof(((struct offline_args *)0)->pinned_by), 0, 0, NULL,
	  "workload whose long-term pins decide: expect= if they lie on the device's blocks, "
	  "else the offline must succeed" },
	{ 0 }
};

static int offline_parse(const struct scn_line *l, struct offline_args *a, char *err, size_t n)
{
	memset(a, 0, sizeof(*a));
	a->expect = -1;
	if (opts_defaults(offline_opts, a, err, n) < 0 ||
	    step_argc(l, 1, 1, err, n) < 0 ||
	    step_opts(offline_opts, a, l, 2, err, n) < 0)
		return -1;
	if (a->pinned_by[0] && a->expect < 0) {
		snprintf(err, n, "pinned-by=%s: name the outcome the pins cause (expect=)",
			 a->pinned_by);
		return -1;
	}
	return 0;
}

static int offline_needs(struct run *r, const struct scn_line *l, char *why, size_t n)
{
	(void)l;
	return caps_need(r, CAP_OFFLINE, NULL, why, n);
}

static int offline_check(const struct scn_line *l, char *err, size_t errlen)
{
	struct offline_args a;

	return offline_parse(l, &a, err, errlen);
}

/* Keeps the agent's reply next to the snapshot taken after the offline (its "reply"
 * file): with that snapshot's dmesg it is what offline_classify() judged. */
static void save_reply(struct run *r, const char *snap, int rc, const char *reply)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/snapshots/%02d-%s/reply", r->dir, r->n_snaps - 1, snap);
	f = fopen(path, "w");
	if (!f)
		return;
	(void)rc;	/* a refusal's reply starts with "errno=N " */
	fputs(reply, f);
	fclose(f);
}

/* Classifies, records the check "offline NAME" and says whether the scenario goes on. */
static enum step_rc judge(struct run *r, const struct scn_line *l, struct hpt_dev *d,
			  int expect, const struct pins_seen *pins, int rc, const char *reply,
			  const struct snapshot *before, const struct snapshot *after)
{
	struct strbuf ev = STRBUF_INIT, pj = STRBUF_INIT;
	struct offline_obs o;
	enum verdict v;
	char name[64], summary[900];
	struct json j;

	offline_classify(rc, reply, after ? after->dmesg : NULL, &o);
	offline_expect_blocks(&o, d->n_blocks);
	v = offline_judge(expect, &o, summary, sizeof(summary));
	if (pins) {	/* what decided the expectation */
		snprintf(summary + strlen(summary), sizeof(summary) - strlen(summary),
			 " (%s: %llu of its %llu pinned pages on %s's blocks)", pins->wl,
			 (unsigned long long)pins->on, (unsigned long long)pins->total, d->name);
		json_init(&j, &pj, 0);
		json_obj_begin(&j, NULL);
		json_str(&j, "workload", pins->wl);
		json_u64(&j, "pages_on_device", pins->on);
		json_u64(&j, "pages", pins->total);
		json_str(&j, "blocks", pins->blocks);
		json_str(&j, "nodes", pins->nodes);
		json_str(&j, "zones", pins->zones);
		json_str(&j, "so_expected", expect < 0 ? "ok" : offline_outcome_names[expect]);
		json_obj_end(&j);
	}
	json_init(&j, &ev, 0);
	offline_evidence(&j, &o, expect, pins ? sb_str(&pj) : NULL, before, after);
	snprintf(name, sizeof(name), "offline %s", d->name);
	result_add(&r->res, v, name, l->lineno, sb_str(&ev), "%s", summary);
	sb_release(&ev);
	sb_release(&pj);
	return v == V_PASS ? STEP_OK : STEP_STOP;
}

/* The value of "KEY=" at the start of a line of text ("" if none), into out. */
static void report_value(const char *text, const char *key, char *out, size_t n)
{
	size_t kl = strlen(key);

	out[0] = 0;
	for (const char *p = text; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, key, kl) && p[kl] == '=') {
			snprintf(out, n, "%.*s", (int)strcspn(p + kl + 1, "\n"), p + kl + 1);
			return;
		}
}

/* pinned-by=: where the workload's pins are, from its latest report. */
static enum step_rc pins_where(struct run *r, const struct scn_line *l, struct hpt_dev *d,
			       const char *wl, struct pins_seen *p)
{
	const char *text = run_wl_last(r, wl);
	int rc;

	memset(p, 0, sizeof(*p));
	snprintf(p->wl, sizeof(p->wl), "%s", wl);
	if (!text)
		return step_stop(r, l, V_ERROR, NULL, "offline %s pinned-by=%s: the workload has "
				 "reported nothing yet (`workload wait %s pinned` first)", d->name,
				 wl, wl);
	rc = pins_on_blocks(text, d->first_block, d->n_blocks, &p->on, &p->total);
	if (rc < 0)
		return step_stop(r, l, V_ERROR, NULL, "offline %s pinned-by=%s: its report %s "
				 "where its pinned pages are (pinned.blocks=)", d->name, wl,
				 rc == -ENOENT ? "does not say" : "garbles");
	report_value(text, "pinned.blocks", p->blocks, sizeof(p->blocks));
	report_value(text, "pinned.nodes", p->nodes, sizeof(p->nodes));
	report_value(text, "pinned.zones", p->zones, sizeof(p->zones));
	return STEP_OK;
}

/* The device is offline already: say so if the guest agrees, else it is an ERROR. */
static enum step_rc already_offline(struct run *r, const struct scn_line *l,
				    struct hpt_dev *d)
{
	const struct snapshot *now = NULL;
	char snap[48];

	snprintf(snap, sizeof(snap), "offline-%s-again", d->name);
	if (run_snapshot(r, snap, 0, &now) < 0)
		return step_stop(r, l, V_ERROR, NULL, "offline %s: %s", d->name, r->chan.err);
	for (uint32_t b = d->first_block; b < d->first_block + d->n_blocks; b++) {
		const struct mem_block *mb = snap_block(now, b);

		if (!mb || mb->state != BLOCK_OFFLINE)
			return step_stop(r, l, V_ERROR, NULL, "offline %s: the testbed took it for "
					 "offline, but the guest shows memory%u %s", d->name, b,
					 !mb ? "gone" : mb->state == BLOCK_ONLINE ? "online" :
					 "going offline");
	}
	result_add(&r->res, V_PASS, (snprintf(snap, sizeof(snap), "offline %s", d->name), snap),
		   l->lineno, NULL, "already offline (an earlier offline succeeded); the guest "
		   "shows its %u block%s offline: nothing to do", d->n_blocks,
		   d->n_blocks == 1 ? "" : "s");
	return STEP_OK;
}

static enum step_rc offline_run(struct run *r, const struct scn_line *l)
{
	struct hpt_dev *d = run_dev(r, l->argv[1]);
	struct pins_seen pins;
	struct strbuf reply = STRBUF_INIT;
	const struct snapshot *before = NULL, *after = NULL;
	enum step_rc ret = STEP_OK;
	struct offline_args a;
	uint64_t limit_ms;
	char snap[48], err[300];
	int rc;

	if (offline_parse(l, &a, err, sizeof(err)) < 0)
		return step_stop(r, l, V_ERROR, NULL, "%s", err);
	if (!d || d->state == DEV_REMOVED)
		return step_stop(r, l, V_ERROR, NULL, "offline: no plugged device %s", l->argv[1]);
	if (d->state == DEV_OFFLINE)
		return already_offline(r, l, d);
	if (a.pinned_by[0]) {
		if (pins_where(r, l, d, a.pinned_by, &pins) != STEP_OK)
			return STEP_STOP;
		if (!pins.on)	/* none of the pins on it: nothing keeps it from going */
			a.expect = -1;
	}
	/* counters before; with page flags when the vmemmap oracle watches the device */
	snprintf(snap, sizeof(snap), "pre-offline-%s", d->name);
	if (run_snapshot(r, snap, d->vmemmap_watch, &before) < 0)
		return step_stop(r, l, V_ERROR, NULL, "offline %s: %s", d->name, r->chan.err);
	limit_ms = run_timeout(r, a.timeout * 1000);
	rc = chan_call(&r->chan, limit_ms + run_timeout(r, 30000), &reply, "offline %u %u %llu",
		       d->first_block, d->n_blocks, (unsigned long long)limit_ms);
	if (rc < 0) {
		ret = step_stop(r, l, V_ERROR, NULL, "offline %s: %s", d->name, r->chan.err);
		goto cleanup;
	}
	/* counters after, and the kernel log written meanwhile */
	snprintf(snap, sizeof(snap), "offline-%s", d->name);
	if (run_snapshot(r, snap, 0, &after) < 0) {
		ret = step_stop(r, l, V_ERROR, NULL, "offline %s: %s", d->name, r->chan.err);
		goto cleanup;
	}
	save_reply(r, snap, rc, sb_str(&reply));
	if (d->vmemmap_watch)
		vmemmap_offline_check(r, l, d, rc, sb_str(&reply));
	ret = judge(r, l, d, a.expect, a.pinned_by[0] ? &pins : NULL, rc, sb_str(&reply), before,
		    after);
	for (const char *p = sb_str(&reply); p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		unsigned b;
		char word[8], line[64];

		/* sscanf() on one line: on the rest of the reply (16 MiB) it is quadratic */
		snprintf(line, sizeof(line), "%.*s", (int)strcspn(p, "\n"), p);
		if (sscanf(line, "memory%u %7s", &b, word) == 2 && !strcmp(word, "ok"))
			journal_add(r, J_OFFLINE, (int)(d - r->devs), b);
	}
	if (rc == 0)
		d->state = DEV_OFFLINE;
cleanup:
	sb_release(&reply);
	return ret;
}

const struct step step_offline = {
	.name = "offline", .phase = PHASE_TEARDOWN, .needs_guest = 1, .kernel_op = 1,
	.usage = "offline NAME [expect=ok|ebusy|timeout|error] [timeout=S] [pinned-by=WL]",
	.help = "offline the device's memory blocks, highest block first; classifies the outcome "
		"(ok, EBUSY with the kernel's reason, timeout = retried until our signal, kernel "
		"error) with counters; a plain offline must succeed, expect= names the outcome "
		"(with pinned-by=WL: if WL's long-term pins lie on the device, else it must "
		"succeed); an offline device is only checked to be offline",
	.opts = offline_opts, .check = offline_check, .needs = offline_needs, .run = offline_run,
};
