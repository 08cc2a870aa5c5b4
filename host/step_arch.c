/* `arch A…`: the arches a scenario is written for (default: every arch). Read before
 * the run: on another arch the scenario is SKIPped with this line as the reason. */
#include <stdio.h>
#include <string.h>
#include "arch.h"
#include "step.h"

static int arch_check(const struct scn_line *l, char *err, size_t errlen)
{
	if (l->argc < 2) {
		snprintf(err, errlen, "arch: name at least one arch");
		return -1;
	}
	for (int i = 1; i < l->argc; i++)
		if (!arch_find(l->argv[i])) {
			snprintf(err, errlen, "arch: unknown arch '%s' (known:", l->argv[i]);
			for (int j = 0; arches[j]; j++)
				snprintf(err + strlen(err), errlen - strlen(err), " %s",
					 arches[j]->name);
			snprintf(err + strlen(err), errlen - strlen(err), ")");
			return -1;
		}
	return 0;
}

static enum step_rc arch_run(struct run *r, const struct scn_line *l)
{
	(void)r; (void)l;
	return STEP_OK;
}

const struct step step_arch = {
	.name = "arch", .phase = PHASE_VERIFY, .header = 1,
	.usage = "arch ARCH…",
	.help = "arches the scenario runs on (`hotplug-test help steps` lists them); default all",
	.check = arch_check, .run = arch_run,
};
