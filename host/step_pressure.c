/* `pressure size=SIZE [rounds=N]`: an anonymous-memory workload in the guest (mmap,
 * touch every page, unmap), so allocations land on hot-plugged memory. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "agent.h"
#include "step.h"

struct pressure_args {
	uint64_t size, rounds;
};

static const struct opt pressure_opts[] = {
	{ "size", OPT_SIZE, offsetof(struct pressure_args, size), 0, 1 << 20, 1ull << 40, NULL,
	  "anonymous memory to touch per round (refused above 90% of MemAvailable)" },
	{ "rounds", OPT_UINT, offsetof(struct pressure_args, rounds), 0, 1, 1000, NULL,
	  "rounds", .def = "3" },
	{ 0 }
};

static int pressure_parse(const struct scn_line *l, struct pressure_args *a,
			  char *err, size_t n)
{
	memset(a, 0, sizeof(*a));
	if (opts_defaults(pressure_opts, a, err, n) < 0 ||
	    step_argc(l, 0, 0, err, n) < 0 ||
	    step_opts(pressure_opts, a, l, 1, err, n) < 0)
		return -1;
	if (!a->size) {
		snprintf(err, n, "pressure: size= is required");
		return -1;
	}
	return 0;
}

static int pressure_check(const struct scn_line *l, char *err, size_t errlen)
{
	struct pressure_args a;

	return pressure_parse(l, &a, err, errlen);
}

static enum step_rc pressure_run(struct run *r, const struct scn_line *l)
{
	struct pressure_args a;
	char err[300], verb[64];

	if (pressure_parse(l, &a, err, sizeof(err)) < 0)
		return step_stop(r, l, V_ERROR, NULL, "%s", err);
	snprintf(verb, sizeof(verb), "pressure %llu %llu", (unsigned long long)(a.size >> 20),
		 (unsigned long long)a.rounds);
	if (agent_simple(r, run_timeout(r, 120000), verb, err, sizeof(err)) < 0)
		return step_stop(r, l, V_ERROR, NULL, "%s", err);
	return STEP_OK;
}

const struct step step_pressure = {
	.name = "pressure", .phase = PHASE_VERIFY, .needs_guest = 1, .kernel_op = 1,
	.usage = "pressure size=SIZE [rounds=N]",
	.help = "anonymous-memory workload: mmap SIZE, touch every page, unmap; N rounds",
	.opts = pressure_opts, .check = pressure_check, .run = pressure_run,
};
