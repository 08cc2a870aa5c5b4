/* The trend oracle's arithmetic (see oracles.h, "trend"): a Theil–Sen slope with Sen's
 * confidence interval. Noise model: y_i = a + b*i + e_i with the e_i independent draws of
 * one continuous distribution of any shape — heavy tails and single blips allowed (the
 * estimator ignores up to 29% of wild points) — and no drift but the slope b. */
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include "oracles.h"

#define TREND_Z 3.29	/* two-sided 99.9%: a correct kernel gets a FAIL once in 2000 */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median_sorted(const double *v, size_t n)
{
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int trend_fit(const double *y, size_t n, struct trend *t)
{
	size_t pairs = n * (n - 1) / 2, k = 0;
	double *s, *r, c, var;
	long lo, hi;

	memset(t, 0, sizeof(*t));
	t->n = n;
	if (n < 3)
		return -1;
	s = malloc(pairs * sizeof(*s));
	r = malloc(n * sizeof(*r));
	if (!s || !r) {
		free(s);
		free(r);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			s[k++] = (y[j] - y[i]) / (double)(j - i);
	qsort(s, pairs, sizeof(*s), cmp_double);
	t->slope = median_sorted(s, pairs);
	/* Sen (1968): the interval between the (N-C)/2-th and the (N+C)/2+1-th ordered pairwise
	 * slopes, C = z * sqrt(var S) of Kendall's S (without tie correction: wider) */
	var = (double)n * (double)(n - 1) * (double)(2 * n + 5) / 18.0;
	c = TREND_Z * sqrt(var);
	lo = (long)floor(((double)pairs - c) / 2.0) - 1;
	hi = (long)ceil(((double)pairs + c) / 2.0);
	t->lo = s[lo < 0 ? 0 : lo];
	t->hi = s[hi >= (long)pairs ? (long)pairs - 1 : hi];
	for (size_t i = 0; i < n; i++)
		r[i] = y[i] - t->slope * (double)i;
	qsort(r, n, sizeof(*r), cmp_double);
	t->intercept = median_sorted(r, n);
	for (size_t i = 0; i < n; i++)
		r[i] = fabs(y[i] - (t->intercept + t->slope * (double)i));
	qsort(r, n, sizeof(*r), cmp_double);
	t->noise = 1.4826 * median_sorted(r, n);	/* robust sigma of one sample */
	t->min = t->max = y[0];
	for (size_t i = 1; i < n; i++) {
		t->min = y[i] < t->min ? y[i] : t->min;
		t->max = y[i] > t->max ? y[i] : t->max;
	}
	free(s);
	free(r);
	return 0;
}

enum verdict trend_judge(const struct trend *t, const struct trend_metric *m,
			 double max_slope, char *why, size_t n)
{
	double leak = t->slope * m->leak_sign;	/* > 0: moving the leaking way */
	/* the interval in the leaking direction: its low end is the least leak it allows */
	double least = m->leak_sign > 0 ? t->lo : -t->hi, most = m->leak_sign > 0 ? t->hi : -t->lo;

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
	if (least > max_slope) {
		snprintf(why, n, "%s leaks %.1f %s per cycle (99.9%% interval %.1f to %.1f, limit "
			 "%.1f; noise %.1f %s a sample) over %zu cycles", m->name, leak, m->unit,
			 least, most, max_slope, t->noise, m->unit, t->n);
		return V_FAIL;
	}
	snprintf(why, n, "%s %+.1f %s per cycle (99.9%% interval %+.1f to %+.1f, limit %.1f in "
		 "the leaking direction; noise %.1f %s a sample): no leak beyond noise", m->name,
		 t->slope, m->unit, t->lo, t->hi, max_slope, t->noise, m->unit);
	return V_PASS;
}
