/* `snapshot NAME`: records the guest's memory state (meminfo, zoneinfo, vmstat, iomem,
 * memory blocks, page flags of plugged devices) under NAME for later `expect`s. */
#include <stdio.h>
#include <string.h>
#include "step.h"

static int snapshot_check(const struct scn_line *l, char *err, size_t errlen)
{
	if (l->argc != 2 || strlen(l->argv[1]) > 24 ||
	    strspn(l->argv[1], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
		    strlen(l->argv[1])) {
		snprintf(err, errlen, "snapshot: want one NAME of at most 24 letters, digits, _ or -");
		return -1;
	}
	return 0;
}

static enum step_rc snapshot_run(struct run *r, const struct scn_line *l)
{
	if (run_snapshot(r, l->argv[1], 1, NULL) < 0)
		return step_stop(r, l, V_ERROR, NULL, "snapshot %s: %s", l->argv[1], r->chan.err);
	return STEP_OK;
}

const struct step step_snapshot = {
	.name = "snapshot", .phase = PHASE_VERIFY, .needs_guest = 1, .kernel_op = 1,
	.usage = "snapshot NAME",
	.help = "record the guest's memory state under NAME (run dir snapshots/NN-NAME/)",
	.check = snapshot_check, .run = snapshot_run,
};
