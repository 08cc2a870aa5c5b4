/* `unplug NAME`: asks the hypervisor to remove the device and waits for the outcome
 * (removed, or refused by the guest) and for the guest's blocks to vanish. */
#include <errno.h>
#include <stdio.h>
#include "agent.h"
#include "devkind.h"
#include "step.h"

static int check(const struct scn_line *l, char *err, size_t errlen)
{
	if (l->argc != 2) {
		snprintf(err, errlen, "unplug: want NAME");
		return -1;
	}
	return 0;
}

static enum step_rc run(struct run *r, const struct scn_line *l)
{
	struct hpt_dev *d = run_dev(r, l->argv[1]);
	char err[512];
	int rc, di;

	if (!d || d->state == DEV_REMOVED)
		return step_stop(r, l, V_ERROR, NULL, "unplug: no plugged device %s", l->argv[1]);
	di = (int)(d - r->devs);
	journal_add(r, J_UNPLUG_REQ, di, d->first_block);
	/* the guest's view of the blocks as the request leaves, for the teardown oracle */
	rc = agent_wait_blocks(r, d->first_block, d->n_blocks, "offline", 0, NULL, NULL, err,
			       sizeof(err));
	if (rc == -ETIMEDOUT)
		r->journal[r->n_journal - 1].online_at_unplug = 1;
	else if (rc < 0)
		return step_stop(r, l, V_ERROR, NULL, "unplug %s: %s", d->name, err);
	rc = d->kind->unplug(r, d, err, sizeof(err));
	if (rc == -ECANCELED || rc == -ETIMEDOUT)
		return step_stop(r, l, V_FAIL, NULL, "%s", err);
	if (rc < 0)
		return step_stop(r, l, V_ERROR, NULL, "%s", err);
	d->state = DEV_REMOVED;
	d->unplug_order = ++r->n_unplugged;
	journal_add(r, J_UNPLUGGED, di, d->first_block);
	return STEP_OK;
}

const struct step step_unplug = {
	.name = "unplug", .phase = PHASE_TEARDOWN, .needs_guest = 1, .kernel_op = 1,
	.usage = "unplug NAME",
	.help = "hot-unplug the device; waits for DEVICE_REMOVED/DEVICE_REMOVAL_FAILED and "
		"for the guest's blocks to vanish",
	.check = check, .run = run,
};
