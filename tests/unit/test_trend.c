/* The trend oracle's fit and judgement: a flat noisy series passes, a leaking one fires,
 * an exact counter fires on any move. (Numeric series: this tests arithmetic, not guest
 * output.) */
#include <string.h>
#include "oracles.h"
#include "tap.h"

static const struct trend_metric *metric(const char *name)
{
	for (const struct trend_metric *m = trend_metrics; m->name; m++)
		if (!strcmp(m->name, name))
			return m;
	return NULL;
}

int main(void)
{
	/* deterministic noise of ±600 kB around 370000 kB */
	static const int noise[] = { 310, -420, 95, 600, -580, 12, -140, 455, -300, 220 };
	double flat[50], leak[50], exact[50];
	struct trend t;
	char why[256];

	for (int i = 0; i < 50; i++) {
		flat[i] = 370000 + noise[i % 10];
		leak[i] = 370000 + noise[i % 10] - 64.0 * i;	/* 64 kB per cycle */
		exact[i] = 402112;
	}
	ok(trend_fit(flat, 2, &t) < 0, "two samples are not a trend");
	ok(trend_fit(flat, 50, &t) == 0 && t.slope > -5 && t.slope < 5, "flat: slope %.2f kB",
	   t.slope);
	ok(trend_judge(&t, metric("MemFree"), 16, why, sizeof(why)) == V_PASS,
	   "flat MemFree passes: %s", why);
	ok(trend_fit(leak, 50, &t) == 0 && t.slope < -63 && t.slope > -65,
	   "leak: slope %.2f kB per cycle recovered", t.slope);
	ok(trend_judge(&t, metric("MemFree"), 16, why, sizeof(why)) == V_FAIL &&
	   strstr(why, "leaks"), "MemFree falling 64 kB per cycle fires: %s", why);
	ok(trend_judge(&t, metric("SUnreclaim"), 16, why, sizeof(why)) == V_PASS,
	   "the same fall is no leak for a counter that leaks by growing");
	for (int i = 0; i < 50; i++)
		leak[i] = 20000 + noise[i % 10] / 20.0 + 1.0 * i;	/* slab: +1 kB per cycle */
	trend_fit(leak, 50, &t);
	ok(trend_judge(&t, metric("SUnreclaim"), 16, why, sizeof(why)) == V_PASS,
	   "a 1 kB/cycle drift under the 16 kB limit passes: %s", why);
	ok(trend_judge(&t, metric("SUnreclaim"), 0.1, why, sizeof(why)) == V_FAIL,
	   "with a 0.1 kB limit the same drift fires: %s", why);
	trend_fit(exact, 50, &t);
	ok(trend_judge(&t, metric("MemTotal"), 16, why, sizeof(why)) == V_PASS,
	   "constant MemTotal passes");
	exact[30] -= 4;
	trend_fit(exact, 50, &t);
	ok(trend_judge(&t, metric("MemTotal"), 16, why, sizeof(why)) == V_FAIL,
	   "MemTotal moving once by 4 kB fires: %s", why);
	return done();
}
