/* `inject panic|hang|agent-exit|garbage|oversize|flood|kmemleak [after=MS]`: the testbed's self-test.
 * Makes the guest fail on purpose (agent verb `inject`, guest/v_inject.c) so that the
 * integration tests prove every fault ends in a typed result (fault.c) on real guests.
 * Without after= the fault happens inside this step, which is not a kernel operation:
 * ERROR. With after=MS the step returns at once and the fault lands MS later, normally
 * inside the next step: a kernel operation there (pressure, online…) makes it a FAIL. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "step.h"

static const char *const kinds[][2] = {	/* scenario name, agent name */
	{ "panic", "panic" }, { "hang", "hang" }, { "agent-exit", "exit" },
	{ "garbage", "garbage" }, { "oversize", "oversize" }, { "flood", "flood" },
	{ "kmemleak", "kmemleak" }, { "pin", "pin" }, { NULL, NULL },
};

struct inject_args {
	uint64_t after, size;
};

static const struct opt inject_opts[] = {
	{ "after", OPT_UINT, offsetof(struct inject_args, after), 0, 0, 3600000, NULL,
	  "milliseconds until the fault fires (0: inside this step)", .def = "0" },
	{ "size", OPT_SIZE, offsetof(struct inject_args, size), 0, 1 << 20, 64ull << 30, NULL,
	  "pin: anonymous memory to pin (vmsplice) so that offlining it never ends" },
	{ 0 }
};

static const char *agent_kind(const char *name)
{
	for (int i = 0; kinds[i][0]; i++)
		if (!strcmp(kinds[i][0], name))
			return kinds[i][1];
	return NULL;
}

static int inject_parse(const struct scn_line *l, struct inject_args *a, char *err, size_t n)
{
	memset(a, 0, sizeof(*a));
	if (step_argc(l, 1, 1, err, n) < 0 || step_opts(inject_opts, a, l, 2, err, n) < 0)
		return -1;
	if (!agent_kind(l->argv[1])) {
		snprintf(err, n, "inject: unknown fault '%s' (panic, hang, agent-exit, garbage, "
			 "oversize, flood, kmemleak, pin)", l->argv[1]);
		return -1;
	}
	if (!strcmp(l->argv[1], "pin") != !!a->size || (a->size && a->after)) {
		snprintf(err, n, "inject: size= goes with pin (and pin takes no after=)");
		return -1;
	}
	return 0;
}

static int inject_check(const struct scn_line *l, char *err, size_t errlen)
{
	struct inject_args a;

	return inject_parse(l, &a, err, errlen);
}

/* Faults after which the scenario goes on: a flood the next waits must notice, a leak
 * the next kmemleak check must find. */
static int goes_on(const char *kind)
{
	return !strcmp(kind, "flood") || !strcmp(kind, "kmemleak");
}

static enum step_rc inject_run(struct run *r, const struct scn_line *l)
{
	struct strbuf reply = STRBUF_INIT;
	struct inject_args a;
	char err[300];
	int rc;

	if (inject_parse(l, &a, err, sizeof(err)) < 0)
		return step_stop(r, l, V_ERROR, NULL, "%s", err);
	rc = chan_call(&r->chan, run_timeout(r, 30000), &reply, "inject %s %llu",
		       agent_kind(l->argv[1]),
		       (unsigned long long)(a.size ? a.size >> 20 : a.after));
	if (rc < 0)	/* the fault itself: fault.c types it */
		step_stop(r, l, V_ERROR, NULL, "inject %s: %s", l->argv[1], r->chan.err);
	else if (rc == 1)
		step_stop(r, l, V_ERROR, NULL, "inject %s: the agent refused: %.200s", l->argv[1],
			  sb_str(&reply));
	else if (!a.after && !a.size && !goes_on(l->argv[1]))
		step_stop(r, l, V_ERROR, NULL, "inject %s: the guest went on as if nothing "
			  "happened", l->argv[1]);
	else
		hpt_verbose("inject %s: %s", l->argv[1], sb_str(&reply));
	sb_release(&reply);
	return rc == 0 && (a.after || a.size || goes_on(l->argv[1])) ? STEP_OK : STEP_STOP;
}

const struct step step_inject = {
	.name = "inject", .phase = PHASE_VERIFY, .needs_guest = 1,
	.usage = "inject panic|hang|agent-exit|garbage|oversize|flood|kmemleak [after=MS] | inject pin size=SIZE",
	.help = "testbed self-test: make the guest panic, hang, lose its agent, send garbage or "
		"flood its console (a printk storm that goes on during the next steps), now or MS "
		"later (inside the next step); pin memory so that unplugging it never ends; leak "
		"kernel objects for kmemleak to find (debug kernels, the probe module)",
	.opts = inject_opts, .check = inject_check, .run = inject_run,
};
