/* `unplug NAME`: asks the hypervisor to remove the device and waits for the outcome
 * (removed, or refused by the guest) and for the guest's blocks to vanish. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "json.h"
#include "agent.h"
#include "devkind.h"
#include "step.h"

struct unplug_args {
	uint64_t timeout;
};

static const struct opt unplug_opts[] = {
	{ "timeout", OPT_UINT, offsetof(struct unplug_args, timeout), 0, 1, 3600, NULL,
	  "seconds to wait for the guest's answer (default 30)" },
	{ 0 }
};

static int unplug_parse(const struct scn_line *l, struct unplug_args *a,
			char *err, size_t errlen)
{
	memset(a, 0, sizeof(*a));
	if (step_argc(l, 1, 1, err, errlen) < 0 ||
	    step_opts(unplug_opts, a, l, 2, err, errlen) < 0)
		return -1;
	return 0;
}

static int unplug_check(const struct scn_line *l, char *err, size_t errlen)
{
	struct unplug_args a;

	return unplug_parse(l, &a, err, errlen);
}

/* The guest refused or never answered: its memory block states and what its kernel
 * logged meanwhile (a snapshot "unplug-NAME" keeps all of it), as JSON evidence. */
static void refusal_evidence(struct run *r, const struct hpt_dev *d, const char *outcome,
			     uint64_t waited_ms, const char *err, struct strbuf *ev)
{
	static const char *const keys[] = { "memory", "offlin", "dump", "ACPI", "acpi",
					    "migrat", "BUG", "WARNING", NULL };
	const struct snapshot *s = NULL;
	struct strbuf blocks = STRBUF_INIT, log = STRBUF_INIT;
	char name[32];
	struct json j;

	snprintf(name, sizeof(name), "unplug-%s", d->name);
	if (run_snapshot(r, name, 0, &s) < 0)
		s = NULL;
	for (size_t i = 0; s && i < s->n_blocks; i++)
		if (s->blocks[i].index >= d->first_block &&
		    s->blocks[i].index - d->first_block < d->n_blocks)
			sb_addf(&blocks, "%smemory%u %s %s", blocks.len ? ", " : "",
				s->blocks[i].index, s->blocks[i].state == BLOCK_ONLINE ? "online" :
				s->blocks[i].state == BLOCK_OFFLINE ? "offline" : "going-offline",
				s->blocks[i].zone);
	for (const char *p = s ? s->dmesg : ""; *p && log.len < 4096;) {
		size_t n = strcspn(p, "\n");

		for (int k = 0; keys[k]; k++)
			if (memmem(p, n, keys[k], strlen(keys[k]))) {
				sb_add(&log, p, n + (p[n] == '\n'));
				break;
			}
		p += n + (p[n] == '\n');
	}
	json_init(&j, ev, 0);
	json_obj_begin(&j, NULL);
	json_str(&j, "outcome", outcome);
	json_u64(&j, "waited_ms", waited_ms);
	json_str(&j, "error", err);
	json_str(&j, "blocks_after", s ? sb_str(&blocks) : "(snapshot failed)");
	json_str(&j, "guest_log", sb_str(&log));
	json_str(&j, "snapshot", s ? name : NULL);
	json_obj_end(&j);
	sb_release(&blocks);
	sb_release(&log);
}

static enum step_rc unplug_run(struct run *r, const struct scn_line *l)
{
	struct hpt_dev *d = run_dev(r, l->argv[1]);
	struct strbuf ev = STRBUF_INIT;
	struct unplug_args a;
	char err[512];
	uint64_t t0;
	int rc, di;

	if (unplug_parse(l, &a, err, sizeof(err)) < 0)
		return step_stop(r, l, V_ERROR, NULL, "%s", err);
	if (!d || d->state == DEV_REMOVED)
		return step_stop(r, l, V_ERROR, NULL, "unplug: no plugged device %s", l->argv[1]);
	d->unplug_timeout_ms = a.timeout * 1000;
	if (!d->kind->unplug)
		return step_stop(r, l, V_ERROR, NULL, "unplug %s: %s memory cannot be unplugged "
				 "(offline it instead)", d->name, d->kind->name);
	di = (int)(d - r->devs);
	journal_add(r, J_UNPLUG_REQ, di, d->first_block);
	/* the guest's view of the blocks as the request leaves, for the teardown oracle */
	rc = agent_wait_blocks(r, d->first_block, d->n_blocks, "offline", 0, NULL, NULL, err,
			       sizeof(err));
	if (rc == -ETIMEDOUT)
		r->journal[r->n_journal - 1].online_at_unplug = 1;
	else if (rc < 0)
		return step_stop(r, l, V_ERROR, NULL, "unplug %s: %s", d->name, err);
	t0 = now_ms();
	rc = d->kind->unplug(r, d, err, sizeof(err));
	if (rc == -ECANCELED || rc == -ETIMEDOUT) {
		refusal_evidence(r, d, rc == -ECANCELED ? "refused" : "no answer", now_ms() - t0,
				 err, &ev);
		step_stop(r, l, V_FAIL, sb_str(&ev), "%s", err);
		sb_release(&ev);
		return STEP_STOP;
	}
	if (rc < 0)
		return step_stop(r, l, V_ERROR, NULL, "%s", err);
	d->state = DEV_REMOVED;
	d->unplug_order = ++r->n_unplugged;
	journal_add(r, J_UNPLUGGED, di, d->first_block);
	return STEP_OK;
}

const struct step step_unplug = {
	.name = "unplug", .phase = PHASE_TEARDOWN, .needs_guest = 1, .kernel_op = 1,
	.usage = "unplug NAME [timeout=S]",
	.help = "hot-unplug the device; waits for DEVICE_REMOVED/DEVICE_REMOVAL_FAILED and "
		"for the guest's blocks to vanish",
	.opts = unplug_opts, .check = unplug_check, .run = unplug_run,
};
