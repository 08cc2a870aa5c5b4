/* `offline NAME [expect=ok|ebusy|timeout|error] [timeout=S]`: offlines the device's
 * memory blocks, highest first, and classifies what the kernel did (offline_outcome.c):
 * ok, EBUSY with the kernel's reason, timeout (it kept retrying until the agent's signal
 * after S seconds: "signal backoff") or kernel error, with the counters before and after.
 * A plain offline must succeed (anything else is a FAIL); with expect= the outcome must be
 * that one, a surprise success included. When `expect vmemmap` watched the device, the
 * vmemmap pages are re-read first: offlining must succeed with them still reserved. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "caps.h"
#include "oracles.h"
#include "step.h"

struct offline_args {
	int expect;		/* outcome index, -1 = plain */
	uint64_t timeout;	/* seconds */
};

static const char *const expect_choices[] = { "ok", "ebusy", "timeout", "error", NULL };

static const struct opt offline_opts[] = {
	{ "expect", OPT_ENUM, offsetof(struct offline_args, expect), 0, 0, 0, expect_choices,
	  "the outcome the scenario expects (default: it must succeed)" },
	{ "timeout", OPT_UINT, offsetof(struct offline_args, timeout), 0, 1, 3600, NULL,
	  "seconds before the agent's signal ends the kernel's retries (default 100)" },
	{ 0 }
};

static int parse(const struct scn_line *l, struct offline_args *a, char *err, size_t n)
{
	a->expect = -1;
	a->timeout = 100;
	if (step_argc(l, 1, 1, err, n) < 0 || step_opts(offline_opts, a, l, 2, err, n) < 0)
		return -1;
	return 0;
}

int vmemmap_offline_check(struct run *r, const struct scn_line *l, struct hpt_dev *d,
			  int offline_rc, const char *reply);

static int needs(struct run *r, const struct scn_line *l, char *why, size_t n)
{
	(void)l;
	return caps_need(r, CAP_OFFLINE, NULL, why, n);
}

static int check(const struct scn_line *l, char *err, size_t errlen)
{
	struct offline_args a;

	return parse(l, &a, err, errlen);
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
			  const struct offline_args *a, int rc, const char *reply,
			  const struct snapshot *before, const struct snapshot *after)
{
	struct strbuf ev = STRBUF_INIT;
	struct offline_obs o;
	enum verdict v;
	char name[64], summary[600];
	struct json j;

	offline_classify(rc, reply, after ? after->dmesg : NULL, &o);
	offline_expect_blocks(&o, d->n_blocks);
	v = offline_judge(a->expect, &o, summary, sizeof(summary));
	json_init(&j, &ev, 0);
	offline_evidence(&j, &o, a->expect, before, after);
	snprintf(name, sizeof(name), "offline %s", d->name);
	result_add(&r->res, v, name, l->lineno, sb_str(&ev), "%s", summary);
	sb_release(&ev);
	return v == V_PASS ? STEP_OK : STEP_STOP;
}

static enum step_rc run(struct run *r, const struct scn_line *l)
{
	struct hpt_dev *d = run_dev(r, l->argv[1]);
	struct strbuf reply = STRBUF_INIT;
	const struct snapshot *before = NULL, *after = NULL;
	enum step_rc ret = STEP_OK;
	struct offline_args a;
	uint64_t limit_ms;
	char snap[48], err[300];
	int rc;

	if (parse(l, &a, err, sizeof(err)) < 0)
		return step_stop(r, l, V_ERROR, NULL, "%s", err);
	if (!d || d->state == DEV_REMOVED)
		return step_stop(r, l, V_ERROR, NULL, "offline: no plugged device %s", l->argv[1]);
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
	ret = judge(r, l, d, &a, rc, sb_str(&reply), before, after);
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
	.usage = "offline NAME [expect=ok|ebusy|timeout|error] [timeout=S]",
	.help = "offline the device's memory blocks, highest block first; classifies the outcome "
		"(ok, EBUSY with the kernel's reason, timeout = retried until our signal, kernel "
		"error) with counters; a plain offline must succeed, expect= names the outcome",
	.check = check, .needs = needs, .run = run,
};
