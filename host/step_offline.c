/* `offline NAME`: offlines the device's memory blocks, highest first. When `expect
 * vmemmap` watched the device, the vmemmap pages are re-read first: offlining must
 * succeed with them still reserved. */
#include <stdio.h>
#include <string.h>
#include "step.h"

int vmemmap_offline_check(struct run *r, const struct scn_line *l, struct hpt_dev *d,
			  int offline_rc, const char *reply);

static int check(const struct scn_line *l, char *err, size_t errlen)
{
	if (l->argc != 2) {
		snprintf(err, errlen, "offline: want NAME");
		return -1;
	}
	return 0;
}

static enum step_rc run(struct run *r, const struct scn_line *l)
{
	struct hpt_dev *d = run_dev(r, l->argv[1]);
	struct strbuf reply = STRBUF_INIT;
	enum step_rc ret = STEP_OK;
	char snap[48];
	int rc;

	if (!d || d->state == DEV_REMOVED)
		return step_stop(r, l, V_ERROR, NULL, "offline: no plugged device %s", l->argv[1]);
	if (d->vmemmap_watch) {
		snprintf(snap, sizeof(snap), "pre-offline-%s", d->name);
		if (run_snapshot(r, snap, 1, NULL) < 0)
			return step_stop(r, l, V_ERROR, NULL, "offline %s: %s", d->name, r->chan.err);
	}
	rc = chan_call(&r->chan, run_timeout(r, 120000), &reply, "offline %u %u",
		       d->first_block, d->n_blocks);
	if (rc < 0) {
		ret = step_stop(r, l, V_ERROR, NULL, "offline %s: %s", d->name, r->chan.err);
		goto cleanup;
	}
	if (d->vmemmap_watch)
		vmemmap_offline_check(r, l, d, rc, sb_str(&reply));
	if (rc == 1) {
		ret = step_stop(r, l, V_FAIL, NULL, "offline %s: the kernel refused: %.300s",
				d->name, sb_str(&reply));
		goto cleanup;
	}
	for (const char *p = sb_str(&reply); p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		unsigned b;

		if (sscanf(p, "memory%u ok", &b) == 1)
			journal_add(r, J_OFFLINE, (int)(d - r->devs), b);
	}
	d->state = DEV_OFFLINE;
cleanup:
	sb_release(&reply);
	return ret;
}

const struct step step_offline = {
	.name = "offline", .phase = PHASE_TEARDOWN, .needs_guest = 1, .kernel_op = 1,
	.usage = "offline NAME",
	.help = "offline the device's memory blocks, highest block first",
	.check = check, .run = run,
};
