/* The trend oracle on per-cycle series recorded from real 6.1 x86_64 guests (the oracle's
 * own trend-cycle.tsv): 50 clean plug/unplug cycles of a DIMM, memmap on the block and
 * elsewhere, pass; 20 cycles while the kernel leaked 64 KiB per removal (the probe
 * module's `inject leak`) FAIL with about 64 KiB per cycle, for both placements. Theil-Sen
 * is not moved by a single 15 MB blip, which would hide the leak from least squares. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "hpt.h"
#include "oracles.h"
#include "tap.h"

#define COLS 16
#define ROWS 256

struct series {
	char name[COLS][32];
	double v[COLS][ROWS];
	size_t cols, rows;
};

/* Reads a trend-*.tsv: a "# …" line, a header line, then one row per cycle. */
static void load(const char *set, struct series *s)
{
	struct strbuf sb = STRBUF_INIT;
	char path[256];
	const char *p;

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "tests/fixtures/%s/trend-cycle.tsv", set);
	if (sb_read_file(&sb, path, 1 << 20) < 0) {
		printf("Bail out! %s: cannot read\n", path);
		exit(1);
	}
	for (p = sb_str(&sb); *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] == '\n')) {
		char line[1024], *save, *tok;
		size_t c = 0;

		snprintf(line, sizeof(line), "%.*s", (int)strcspn(p, "\n"), p);
		if (line[0] == '#' || !line[0])
			continue;
		for (tok = strtok_r(line, "\t", &save); tok && c < COLS; tok = strtok_r(NULL, "\t",
										 &save), c++) {
			if (!s->cols)
				snprintf(s->name[c], sizeof(s->name[c]), "%s", tok);
			else if (s->rows < ROWS)
				s->v[c][s->rows] = strtod(tok, NULL);
		}
		if (!s->cols)
			s->cols = c;
		else
			s->rows++;
	}
	sb_release(&sb);
}

static const double *col(const struct series *s, const char *name)
{
	for (size_t c = 0; c < s->cols; c++)
		if (!strcmp(s->name[c], name))
			return s->v[c];
	printf("Bail out! no column %s\n", name);
	exit(1);
}

/* Least squares, for contrast: what the oracle used to fit. */
static double ls_slope(const double *y, size_t n)
{
	double xm = (n - 1) / 2.0, ym = 0, sxy = 0, sxx = 0;

	for (size_t i = 0; i < n; i++)
		ym += y[i] / (double)n;
	for (size_t i = 0; i < n; i++) {
		sxy += ((double)i - xm) * (y[i] - ym);
		sxx += ((double)i - xm) * ((double)i - xm);
	}
	return sxy / sxx;
}

static const struct trend_metric *metric(const char *name)
{
	for (const struct trend_metric *m = trend_metrics; m->name; m++)
		if (!strcmp(m->name, name))
			return m;
	return NULL;
}

/* The verdict of metric name over set's series, 16 KiB per cycle tolerated. */
static enum verdict judge(const struct series *s, const char *name, struct trend *t, char *why,
			  size_t n)
{
	trend_fit(col(s, name), s->rows, t);
	return trend_judge(t, metric(name), 16.0 * 1024 / (strcmp(name, "managed") ? 1024 : 4096),
			   why, n);
}

int main(void)
{
	static const char *const flat_sets[] = { "x86_64-deb6.1-cycles-on-block",
						 "x86_64-deb6.1-cycles-elsewhere" };
	static const char *const leak_sets[] = { "x86_64-deb6.1-cycles-leak-on-block",
						 "x86_64-deb6.1-cycles-leak-elsewhere" };
	static struct series s;
	double y[ROWS] = { 0 };
	enum verdict v;
	struct trend t;
	char why[512];

	ok(trend_fit(y, 2, &t) < 0, "two samples are not a trend");
	for (int k = 0; k < 2; k++) {
		load(flat_sets[k], &s);
		ok(s.rows == 50, "%s: 50 cycles recorded", flat_sets[k]);
		for (const struct trend_metric *m = trend_metrics; m->name; m++) {
			v = judge(&s, m->name, &t, why, sizeof(why));
			ok(v == V_PASS, "%s: %s passes: %s", flat_sets[k], m->name, why);
		}
		/* one cycle 15 MB off: the slope does not move */
		memcpy(y, col(&s, "MemFree"), sizeof(double) * s.rows);
		y[s.rows / 2] -= 15000;
		trend_fit(y, s.rows, &t);
		ok(trend_judge(&t, metric("MemFree"), 16, why, sizeof(why)) == V_PASS,
		   "%s: MemFree with a 15 MB blip in one cycle still passes: %s", flat_sets[k], why);
	}
	for (int k = 0; k < 2; k++) {
		load(leak_sets[k], &s);
		ok(s.rows == 20, "%s: 20 cycles recorded", leak_sets[k]);
		v = judge(&s, "unaccounted", &t, why, sizeof(why));
		ok(v == V_FAIL && t.slope > 56 && t.slope < 72, "%s: unaccounted memory FAILs at "
		   "%.1f kB per cycle (64 leaked): %s", leak_sets[k], t.slope, why);
		v = judge(&s, "MemFree", &t, why, sizeof(why));
		ok(v == V_FAIL, "%s: MemFree FAILs: %s", leak_sets[k], why);
		ok(judge(&s, "MemTotal", &t, why, sizeof(why)) == V_PASS &&
		   judge(&s, "SUnreclaim", &t, why, sizeof(why)) == V_PASS,
		   "%s: MemTotal and slab do not move: the leak is pages nothing accounts", leak_sets[k]);
		/* a 15 MB blip in the first cycle hides the leak from least squares, not from
		 * Theil-Sen */
		memcpy(y, col(&s, "unaccounted"), sizeof(double) * s.rows);
		y[0] += 15000;
		trend_fit(y, s.rows, &t);
		v = trend_judge(&t, metric("unaccounted"), 16, why, sizeof(why));
		ok(v == V_FAIL && ls_slope(y, s.rows) < 0, "%s: a 15 MB blip in cycle 0 (least "
		   "squares would read %+.1f kB per cycle) and it still FAILs: %s", leak_sets[k],
		   ls_slope(y, s.rows), why);
	}
	/* the exact counters fire on any move */
	load(flat_sets[0], &s);
	memcpy(y, col(&s, "MemTotal"), sizeof(double) * s.rows);
	y[30] -= 4;
	trend_fit(y, s.rows, &t);
	ok(trend_judge(&t, metric("MemTotal"), 16, why, sizeof(why)) == V_FAIL,
	   "MemTotal moving once by 4 kB fires: %s", why);
	return done();
}
