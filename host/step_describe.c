/* `describe "text"`: one line shown by `hotplug-test list`. */
#include <stdio.h>
#include "step.h"

static int describe_check(const struct scn_line *l, char *err, size_t errlen)
{
	if (l->argc != 2) {
		snprintf(err, errlen, "describe: want one quoted text");
		return -1;
	}
	return 0;
}

static enum step_rc describe_run(struct run *r, const struct scn_line *l)
{
	(void)r; (void)l;
	return STEP_OK;
}

const struct step step_describe = {
	.name = "describe", .phase = PHASE_VERIFY, .header = 1,
	.usage = "describe \"TEXT\"", .help = "a one-line description for `hotplug-test list`",
	.check = describe_check, .run = describe_run,
};
