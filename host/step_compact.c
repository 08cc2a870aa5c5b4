/* `compact`: triggers compaction of all zones in the guest. */
#include "step.h"

static enum step_rc compact_run(struct run *r, const struct scn_line *l)
{
	return step_agent_verb(r, l, "compact", 60000);
}

const struct step step_compact = {
	.name = "compact", .phase = PHASE_VERIFY, .needs_guest = 1, .kernel_op = 1,
	.usage = "compact", .help = "compact all zones (/proc/sys/vm/compact_memory)",
	.check = step_no_args, .run = compact_run,
};
