/* `expect trend of=SNAP [max-slope=SIZE]`: over the snapshots named SNAP (one per cycle of
 * a `repeat`), fits every leak-prone counter against the cycle number (Theil–Sen, trend.c)
 * and fails when the slope's whole confidence interval lies beyond max-slope in the
 * leaking direction; reports bytes per cycle. Exact counters (MemTotal, zone managed
 * pages) must not move at all. The per-cycle series goes to the run dir (trend-SNAP.tsv). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "arch.h"
#include "caps.h"
#include "oracle.h"
#include "oracles.h"
#include "step.h"

/* What the oracle watches, and which way is a leak. */
const struct trend_metric trend_metrics[] = {
	{ "MemTotal", "kB", -1, 1 },
	{ "managed", "pages", -1, 1 },
	{ "MemFree", "kB", -1, 0 },
	{ "unaccounted", "kB", +1, 0 },	/* neither free nor a meminfo user's: a memmap */
	{ "SUnreclaim", "kB", +1, 0 },
	{ "PageTables", "kB", +1, 0 },
	{ "Percpu", "kB", +1, 0 },
	{ NULL, NULL, 0, 0 },
};

int trend_sample(const struct snapshot *s, const char *metric, int stacks_in_vmalloc,
		 double *v)
{
	uint64_t x = 0;

	if (!strcmp(metric, "unaccounted")) {
		int64_t u;

		if (noleak_unaccounted_kb(s, stacks_in_vmalloc, &u) < 0)
			return -1;
		*v = (double)u;
		return 0;
	}
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
	  "bytes per cycle tolerated in the leaking direction: the slope's 99.9% interval "
	  "must lie beyond it to FAIL", .def = "16K" },
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

/* The series, one row per cycle, for people and fixtures: <run dir>/trend-SNAP.tsv. */
static void write_series(const struct run *r, const char *of, double **cols, size_t n)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/trend-%s.tsv", r->dir, of);
	f = fopen(path, "w");
	if (!f)
		return;
	fprintf(f, "# %s %s %s: the trend oracle's samples, one per cycle (kB; managed in "
		"pages)\ncycle", r->scn->name, r->arch->name, r->guest.kernel);
	for (int m = 0; trend_metrics[m].name; m++)
		fprintf(f, "\t%s", trend_metrics[m].name);
	fputc('\n', f);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%zu", i);
		for (int m = 0; trend_metrics[m].name; m++)
			fprintf(f, "\t%.0f", cols[m][i]);
		fputc('\n', f);
	}
	fclose(f);
}

static int trend_run(struct run *r, const struct scn_line *l)
{
	struct trend_args a;
	struct strbuf ev = STRBUF_INIT;
	char err[256], why[400], name[64];
	double *cols[16] = { NULL };
	size_t n = 0, nm = 0;
	int stacks, complete = 1;
	struct cap_query q;
	struct json j;

	trend_parse(l, &a, err, sizeof(err));
	caps_query_for(r, NULL, &q);
	stacks = caps_config_has(q.config, "CONFIG_VMAP_STACK");
	for (nm = 0; trend_metrics[nm].name; nm++) {
		cols[nm] = calloc((size_t)r->n_snaps + 1, sizeof(double));
		if (!cols[nm])
			goto cleanup;
	}
	/* one row per cycle snapshot; every metric of it, or the cycle is left out */
	for (int i = 0; i < r->n_snaps; i++) {
		size_t m;

		if (strcmp(r->snaps[i].name, a.of))
			continue;
		for (m = 0; m < nm; m++)
			if (trend_sample(&r->snaps[i].snap, trend_metrics[m].name, stacks,
					 &cols[m][n]) < 0)
				break;
		if (m == nm)
			n++;
		else
			complete = 0;
	}
	write_series(r, a.of, cols, n);
	for (size_t m = 0; m < nm; m++) {
		const struct trend_metric *tm = &trend_metrics[m];
		double unit = strcmp(tm->unit, "kB") ? (double)r->guest.page_size : 1024.0;
		double limit = (double)a.max_slope / unit;
		struct trend t;
		enum verdict v;

		snprintf(name, sizeof(name), "trend %s", tm->name);
		if (trend_fit(cols[m], n, &t) < 0) {
			result_add(&r->res, V_ERROR, name, l->lineno, NULL, "%zu complete samples "
				   "named %s%s: a trend needs 3 or more", n, a.of,
				   complete ? "" : " (some snapshots lacked a metric)");
			continue;
		}
		v = trend_judge(&t, tm, limit, why, sizeof(why));
		sb_reset(&ev);
		json_init(&j, &ev, 0);
		json_obj_begin(&j, NULL);
		json_u64(&j, "samples", n);
		json_str(&j, "fit", "Theil-Sen, Sen's 99.9% interval");
		json_double(&j, "slope_per_cycle", t.slope);
		json_double(&j, "slope_low", t.lo);
		json_double(&j, "slope_high", t.hi);
		json_double(&j, "noise_per_sample", t.noise);
		json_double(&j, "bytes_per_cycle", t.slope * unit);
		json_double(&j, "limit_bytes_per_cycle", (double)a.max_slope);
		json_double(&j, "first", cols[m][0]);
		json_double(&j, "last", cols[m][n - 1]);
		json_str(&j, "unit", tm->unit);
		json_obj_end(&j);
		result_add(&r->res, v, name, l->lineno, sb_str(&ev), "%s", why);
	}
cleanup:
	for (size_t m = 0; m < 16; m++)
		free(cols[m]);
	sb_release(&ev);
	return 0;
}

const struct oracle oracle_trend = {
	.name = "trend",
	.usage = "expect trend of=SNAP [max-slope=SIZE]",
	.proves = "over the per-cycle snapshots SNAP, MemTotal and zone managed pages never move "
		  "and MemFree, unaccounted memory, SUnreclaim, PageTables, Percpu show no "
		  "Theil-Sen slope whose 99.9% interval lies beyond max-slope (bytes per cycle "
		  "reported)",
	.opts = trend_opts, .check = trend_check, .run = trend_run,
};
