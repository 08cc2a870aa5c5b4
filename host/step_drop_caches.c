/* `drop-caches`: sync and drop page cache, dentries and inodes in the guest. */
#include "step.h"

static enum step_rc drop_caches_run(struct run *r, const struct scn_line *l)
{
	return step_agent_verb(r, l, "drop-caches", 60000);
}

const struct step step_drop_caches = {
	.name = "drop-caches", .phase = PHASE_VERIFY, .needs_guest = 1, .kernel_op = 1,
	.usage = "drop-caches", .help = "sync; echo 3 > /proc/sys/vm/drop_caches",
	.check = step_no_args, .run = drop_caches_run,
};
