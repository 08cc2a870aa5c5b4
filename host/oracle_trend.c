/* `expect trend of=SNAP [max-slope=SIZE]`: over the snapshots named SNAP (one per cycle of
 * a `repeat`), fits every leak-prone counter against the cycle number and fails on a
 * slope in the leaking direction beyond noise; reports bytes per cycle. Exact counters
 * (MemTotal, zone managed pages) must not move at all. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oracle.h"
#include "oracles.h"
#include "step.h"

int trend_fit(const double *y, size_t n, struct trend *t)
{
	double sx = 0, sy = 0, sxx = 0, sxy = 0, ss = 0, xm, ym, dxx;

	memset(t, 0, sizeof(*t));
	t->n = n;
	if (n < 3)
		return -1;
	for (size_t i = 0; i < n; i++) {
		sx += (double)i;
		sy += y[i];
	}
	xm = sx / (double)n;
	ym = sy / (double)n;
	for (size_t i = 0; i < n; i++) {
		sxx += ((double)i - xm) * ((double)i - xm);
		sxy += ((double)i - xm) * (y[i] - ym);
	}
	t->slope = sxy / sxx;
	t->intercept = ym - t->slope * xm;
	for (size_t i = 0; i < n; i++) {
		double r = y[i] - (t->intercept + t->slope * (double)i);

		ss += r * r;
	}
	dxx = sxx;
	t->se = sqrt(ss / (double)(n - 2) / dxx);
	t->min = t->max = y[0];
	for (size_t i = 1; i < n; i++) {
		t->min = y[i] < t->min ? y[i] : t->min;
		t->max = y[i] > t->max ? y[i] : t->max;
	}
	return 0;
}

enum verdict trend_judge(const struct trend *t, const struct trend_metric *m,
			 double max_slope, char *why, size_t n)
{
	double leak = t->slope * m->leak_sign;	/* > 0: moving the leaking way */

	if (m->exact) {
		if (t->max != t->min) {
			snprintf(why, n, "%s moved over %zu cycles (%.0f to %.0f %s): it must not",
				 m->name, t->n, t->min, t->max, m->unit);
			return V_FAIL;
		}
		snprintf(why, n, "%s constant at %.0f %s over %zu cycles", m->name, t->min, m->unit,
			 t->n);
		return V_PASS;
	}
	if (leak > max_slope && leak > 3 * t->se) {
		snprintf(why, n, "%s leaks %.1f %s per cycle (± %.1f, limit %.1f) over %zu cycles",
			 m->name, leak, m->unit, t->se, max_slope, t->n);
		return V_FAIL;
	}
	snprintf(why, n, "%s %+.1f %s per cycle (± %.1f): within noise", m->name,
		 t->slope, m->unit, t->se);
	return V_PASS;
}

/* What the oracle watches, and which way is a leak. */
const struct trend_metric trend_metrics[] = {
	{ "MemTotal", "kB", -1, 1 },
	{ "managed", "pages", -1, 1 },
	{ "MemFree", "kB", -1, 0 },
	{ "SUnreclaim", "kB", +1, 0 },
	{ "PageTables", "kB", +1, 0 },
	{ "Percpu", "kB", +1, 0 },
	{ NULL, NULL, 0, 0 },
};

static int sample(const struct snapshot *s, const char *metric, double *v)
{
	uint64_t x = 0;

	if (!strcmp(metric, "managed")) {
		for (size_t i = 0; i < s->n_zones; i++)
			x += s->zones[i].managed;
	} else if (!strcmp(metric, "MemFree")) {
		if (snap_free_kb(s, &x, NULL) < 0)	/* with the per-cpu lists' free pages */
			return -1;
	} else if (snap_meminfo(s, metric, &x) < 0) {
		return -1;
	}
	*v = (double)x;
	return 0;
}

struct trend_args {
	char of[32];
	uint64_t max_slope;
};

static const struct opt trend_opts[] = {
	{ "of", OPT_STR, offsetof(struct trend_args, of), 32, 0, 0, NULL,
	  "the snapshot name taken once per cycle" },
	{ "max-slope", OPT_SIZE, offsetof(struct trend_args, max_slope), 0, 0, 1ull << 30, NULL,
	  "bytes per cycle tolerated in the leaking direction", .def = "16K" },
	{ 0 }
};

static int trend_parse(const struct scn_line *l, struct trend_args *a, char *err, size_t n)
{
	memset(a, 0, sizeof(*a));
	if (opts_defaults(trend_opts, a, err, n) < 0 || step_opts(trend_opts, a, l, 2, err, n) < 0)
		return -1;
	if (!a->of[0]) {
		snprintf(err, n, "expect trend: of=SNAP is required");
		return -1;
	}
	return 0;
}

static int trend_check(const struct scn_line *l, char *err, size_t errlen)
{
	struct trend_args a;

	return trend_parse(l, &a, err, errlen);
}

static int trend_run(struct run *r, const struct scn_line *l)
{
	struct trend_args a;
	struct strbuf ev = STRBUF_INIT;
	char err[256], why[256], name[64];
	double *y = NULL;
	size_t n = 0;
	struct json j;

	trend_parse(l, &a, err, sizeof(err));
	y = calloc((size_t)r->n_snaps + 1, sizeof(*y));
	for (const struct trend_metric *m = trend_metrics; y && m->name; m++) {
		struct trend t;
		enum verdict v;
		double limit = (double)a.max_slope / (strcmp(m->unit, "kB") ? 4096.0 : 1024.0);

		n = 0;
		for (int i = 0; i < r->n_snaps; i++)
			if (!strcmp(r->snaps[i].name, a.of) && sample(&r->snaps[i].snap, m->name,
								      &y[n]) == 0)
				n++;
		snprintf(name, sizeof(name), "trend %s", m->name);
		if (trend_fit(y, n, &t) < 0) {
			result_add(&r->res, V_ERROR, name, l->lineno, NULL, "%zu samples of %s named "
				   "%s: a trend needs 3 or more", n, m->name, a.of);
			continue;
		}
		v = trend_judge(&t, m, limit, why, sizeof(why));
		sb_reset(&ev);
		json_init(&j, &ev, 0);
		json_obj_begin(&j, NULL);
		json_u64(&j, "samples", n);
		json_double(&j, "slope_per_cycle", t.slope);
		json_double(&j, "slope_se", t.se);
		json_double(&j, "bytes_per_cycle", t.slope * (strcmp(m->unit, "kB") ? 4096 : 1024));
		json_double(&j, "first", y[0]);
		json_double(&j, "last", y[n - 1]);
		json_str(&j, "unit", m->unit);
		json_obj_end(&j);
		result_add(&r->res, v, name, l->lineno, sb_str(&ev), "%s", why);
	}
	free(y);
	sb_release(&ev);
	return 0;
}

const struct oracle oracle_trend = {
	.name = "trend",
	.usage = "expect trend of=SNAP [max-slope=SIZE]",
	.proves = "over the per-cycle snapshots SNAP, MemTotal and zone managed pages never move "
		  "and MemFree, SUnreclaim, PageTables, Percpu show no slope beyond noise (bytes "
		  "per cycle reported)",
	.opts = trend_opts, .check = trend_check, .run = trend_run,
};
