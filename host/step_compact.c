/* `compact`: triggers compaction of all zones in the guest. */
#include <stdio.h>
#include "agent.h"
#include "step.h"

static int check(const struct scn_line *l, char *err, size_t errlen)
{
	if (l->argc != 1) {
		snprintf(err, errlen, "compact: takes no arguments");
		return -1;
	}
	return 0;
}

static enum step_rc run(struct run *r, const struct scn_line *l)
{
	char err[300];

	if (agent_simple(r, run_timeout(r, 60000), "compact", err, sizeof(err)) < 0)
		return step_stop(r, l, V_ERROR, NULL, "%s", err);
	return STEP_OK;
}

const struct step step_compact = {
	.name = "compact", .phase = PHASE_VERIFY, .needs_guest = 1,
	.usage = "compact", .help = "compact all zones (/proc/sys/vm/compact_memory)",
	.check = check, .run = run,
};
