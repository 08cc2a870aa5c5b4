/* `drop-caches`: sync and drop page cache, dentries and inodes in the guest. */
#include <stdio.h>
#include "agent.h"
#include "step.h"

static int check(const struct scn_line *l, char *err, size_t errlen)
{
	if (l->argc != 1) {
		snprintf(err, errlen, "drop-caches: takes no arguments");
		return -1;
	}
	return 0;
}

static enum step_rc run(struct run *r, const struct scn_line *l)
{
	char err[300];

	if (agent_simple(r, run_timeout(r, 60000), "drop-caches", err, sizeof(err)) < 0)
		return step_stop(r, l, V_ERROR, NULL, "%s", err);
	return STEP_OK;
}

const struct step step_drop_caches = {
	.name = "drop-caches", .phase = PHASE_VERIFY, .needs_guest = 1,
	.usage = "drop-caches", .help = "sync; echo 3 > /proc/sys/vm/drop_caches",
	.check = check, .run = run,
};
