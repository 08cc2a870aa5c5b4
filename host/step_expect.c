/* `expect KIND …`: runs the oracle KIND (see `hotplug-test help expect`). */
#include <stdio.h>
#include "oracle.h"
#include "step.h"

static int expect_check(const struct scn_line *l, char *err, size_t errlen)
{
	const struct oracle *o = l->argc >= 2 ? oracle_find(l->argv[1]) : NULL;

	if (!o) {
		int n = snprintf(err, errlen, "expect: want one of");

		for (int i = 0; oracles[i] && n < (int)errlen; i++)
			n += snprintf(err + n, errlen - (size_t)n, " %s", oracles[i]->name);
		return -1;
	}
	return o->check(l, err, errlen);
}

static enum step_rc expect_run(struct run *r, const struct scn_line *l)
{
	return oracle_find(l->argv[1])->run(r, l) ? STEP_STOP : STEP_OK;
}

const struct step step_expect = {
	.name = "expect", .phase = PHASE_VERIFY, .needs_guest = 1, .kernel_op = 1,
	.usage = "expect KIND …",
	.help = "run the oracle KIND (see the oracles: `hotplug-test help expect`)",
	.check = expect_check, .run = expect_run,
};
