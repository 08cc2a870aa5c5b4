/* `teardown [order=reverse|forward|random] [seed=N]`: offlines and unplugs every plugged
 * device in that order (reverse of plugging by default; random prints its seed). The
 * no-leak oracle then checks the devices left in exactly this order. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "devkind.h"
#include "step.h"

extern const struct step step_offline, step_unplug;

static const char *const orders[] = { "reverse", "forward", "random", NULL };

struct teardown_args {
	int order;
	uint64_t seed;
	int seed_given;
};

static const struct opt teardown_opts[] = {
	{ "order", OPT_ENUM, offsetof(struct teardown_args, order), 0, 0, 0, orders,
	  "order devices leave in (reverse of plugging, as plugged, shuffled)",
	  .def = "reverse" },
	{ "seed", OPT_UINT, offsetof(struct teardown_args, seed), 0, 0, UINT32_MAX, NULL,
	  "seed of order=random (default: from the clock, printed)" },
	{ 0 }
};

static int teardown_parse(const struct scn_line *l, struct teardown_args *a,
			  char *err, size_t n)
{
	memset(a, 0, sizeof(*a));
	a->seed = UINT64_MAX;
	if (opts_defaults(teardown_opts, a, err, n) < 0 ||
	    step_argc(l, 0, 0, err, n) < 0 ||
	    step_opts(teardown_opts, a, l, 1, err, n) < 0)
		return -1;
	a->seed_given = a->seed != UINT64_MAX;
	return 0;
}

static int teardown_check(const struct scn_line *l, char *err, size_t errlen)
{
	struct teardown_args a;

	return teardown_parse(l, &a, err, errlen);
}

/* Plugged devices sorted by plug order, then arranged per the rule. */
static int plan(struct run *r, const struct teardown_args *a, unsigned seed, int *out)
{
	int n = 0;

	for (int i = 0; i < r->n_devs; i++)
		if (r->devs[i].state != DEV_REMOVED && r->devs[i].kind->unplug)	/* not boot */
			out[n++] = i;
	for (int i = 1; i < n; i++)	/* insertion sort by plug order */
		for (int k = i; k > 0 && r->devs[out[k]].plug_order < r->devs[out[k - 1]].plug_order;
		     k--) {
			int t = out[k];

			out[k] = out[k - 1];
			out[k - 1] = t;
		}
	if (a->order == 0)
		for (int i = 0; i < n / 2; i++) {
			int t = out[i];

			out[i] = out[n - 1 - i];
			out[n - 1 - i] = t;
		}
	if (a->order == 2)
		for (int i = n - 1; i > 0; i--) {	/* Fisher-Yates, reproducible by seed */
			int k = (int)(rand_r(&seed) % (unsigned)(i + 1)), t = out[i];

			out[i] = out[k];
			out[k] = t;
		}
	return n;
}

static enum step_rc teardown_run(struct run *r, const struct scn_line *l)
{
	struct teardown_args a;
	char err[256], *argv[3] = { NULL, NULL, NULL };
	struct scn_line sub = { .lineno = l->lineno, .argc = 2, .argv = argv };
	unsigned seed;
	int order[HPT_DEVS_MAX], n;

	if (teardown_parse(l, &a, err, sizeof(err)) < 0)
		return step_stop(r, l, V_ERROR, NULL, "%s", err);
	seed = a.seed_given ? (unsigned)a.seed : (unsigned)time(NULL);
	n = plan(r, &a, seed, order);
	if (a.order == 2) {
		snprintf(r->order_rule, sizeof(r->order_rule), "random seed=%u", seed);
		hpt_log("%s:%u: teardown order=random seed=%u (repeat with seed=%u)", r->scn->path,
			l->lineno, seed, seed);
	} else {
		snprintf(r->order_rule, sizeof(r->order_rule), "%s", orders[a.order]);
	}
	memcpy(r->planned, order, sizeof(order));
	r->n_planned = n;
	for (int i = 0; i < n; i++) {
		struct hpt_dev *d = &r->devs[order[i]];
		enum step_rc rc;

		argv[1] = d->name;
		if (d->state != DEV_OFFLINE) {
			argv[0] = "offline";
			rc = step_offline.run(r, &sub);
			if (rc != STEP_OK)
				return rc;
		}
		argv[0] = "unplug";
		rc = step_unplug.run(r, &sub);
		if (rc != STEP_OK)
			return rc;
	}
	return STEP_OK;
}

const struct step step_teardown = {
	.name = "teardown", .phase = PHASE_TEARDOWN, .needs_guest = 1, .kernel_op = 1,
	.usage = "teardown [order=reverse|forward|random] [seed=N]",
	.help = "offline and unplug every plugged device in that order (random prints its seed)",
	.opts = teardown_opts, .check = teardown_check, .run = teardown_run,
};
