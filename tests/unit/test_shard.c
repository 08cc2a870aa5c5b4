/* The shard split (host/shard.c): every job in exactly one shard, the same split whatever
 * the order the jobs come in, balanced by count without times and by time with them (no
 * shard more than one job's time behind another, never worse than by count), a
 * fingerprint that tells two machines' plans apart; --shard parsing; times read from
 * a matrix's results.json recorded on a real machine (tests/fixtures/all-deb6.1-shards). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "shard.h"
#include "tap.h"

#define TIMES "tests/fixtures/all-deb6.1-shards/merged/results.json"
#define MAXJ 64

/* The jobs: those of a matrix recorded as two shards on real guests and merged (3 scenarios
 * x 2 arches: 3 SKIPs of 1-3 s, 3 booted x86_64 jobs of 34-54 s). */
static struct shard_times rec;

static size_t make_jobs(struct shard_job *j, const struct shard_times *t)
{
	size_t n = 0;

	for (size_t i = 0; i < rec.n && n < MAXJ; i++, n++) {
		j[n].key = rec.keys[i];
		j[n].ms = t ? shard_times_ms(t, rec.keys[i]) : -1;
		j[n].shard = -1;
	}
	return n;
}

/* The shard of key in jobs. */
static int shard_of(const struct shard_job *j, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(j[i].key, key))
			return j[i].shard;
	return -2;
}

static void loads(const struct shard_job *j, size_t n, int k, double *min, double *max)
{
	*min = INFINITY;
	*max = 0;
	for (int s = 0; s < k; s++) {
		double l = shard_load(j, n, s);

		*min = l < *min ? l : *min;
		*max = l > *max ? l : *max;
	}
}

static void parse(void)
{
	char err[256];
	int k = 0, n = 0;

	ok(shard_parse("2/3", &k, &n, err, sizeof(err)) == 0 && k == 2 && n == 3, "2/3 parses");
	ok(shard_parse("1/1", &k, &n, err, sizeof(err)) == 0 && k == 1 && n == 1, "1/1 parses");
	ok(shard_parse("3/2", &k, &n, err, sizeof(err)) < 0 && strstr(err, "3/2"),
	   "K > N is refused, named (%s)", err);
	ok(shard_parse("0/2", &k, &n, err, sizeof(err)) < 0, "K counts from 1");
	ok(shard_parse("2", &k, &n, err, sizeof(err)) < 0 && strstr(err, "want K/N"),
	   "no slash: want K/N (%s)", err);
	ok(shard_parse("1/1001", &k, &n, err, sizeof(err)) < 0, "N above %d is refused", SHARD_MAX);
	ok(shard_parse("a/b", &k, &n, err, sizeof(err)) < 0, "not numbers: refused");
}

/* Without times: every job once, sizes within one, order-independent. */
static void by_count(void)
{
	struct shard_job a[MAXJ], b[MAXJ];
	size_t n = make_jobs(a, NULL);
	int all_once = 1, within_one = 1, same = 1;
	uint64_t fa, fb;

	for (int k = 1; k <= 8; k++) {
		size_t size[8] = { 0 }, lo = n, hi = 0;

		make_jobs(a, NULL);
		shard_split(a, n, k);
		for (size_t i = 0; i < n; i++) {
			all_once &= a[i].shard >= 0 && a[i].shard < k;
			if (a[i].shard >= 0 && a[i].shard < k)
				size[a[i].shard]++;
		}
		for (int s = 0; s < k; s++) {
			lo = size[s] < lo ? size[s] : lo;
			hi = size[s] > hi ? size[s] : hi;
		}
		within_one &= hi - lo <= 1;
	}
	ok(all_once, "%zu jobs into 1..8 shards: each job in exactly one shard in range", n);
	ok(within_one, "without times the shards' sizes differ by at most one");

	/* the same jobs in another order (reversed, then rotated): the same split */
	make_jobs(a, NULL);
	for (size_t i = 0; i < n; i++)
		b[i] = a[(n - 1 - i + 17) % n];
	fa = shard_split(a, n, 4);
	fb = shard_split(b, n, 4);
	for (size_t i = 0; i < n; i++)
		same &= shard_of(b, n, a[i].key) == a[i].shard;
	ok(same && fa == fb && fa != 0, "the order the jobs come in changes nothing (plan %016llx)",
	   (unsigned long long)fa);
	make_jobs(a, NULL);
	ok(shard_split(a, n, 3) != fa, "another N: another fingerprint");
	make_jobs(a, NULL);
	ok(shard_split(a, n - 1, 4) != fa, "another set of jobs: another fingerprint");

	/* more shards than jobs: the extra ones are empty, none is lost */
	make_jobs(a, NULL);
	shard_split(a, 5, 8);
	all_once = 1;
	for (size_t i = 0; i < 5; i++)
		all_once &= a[i].shard >= 0 && a[i].shard < 5;
	ok(all_once, "5 jobs in 8 shards: one job each in shards 1..5");
}

/* With the times of a real matrix: LPT's bound, never worse than by count. */
static void by_time(void)
{
	struct shard_times t;
	struct shard_job a[MAXJ], c[MAXJ];
	char err[512] = "";
	size_t n, known = 0;
	double heaviest = 0, lo, hi, clo, chi;
	int bound = 1, better = 1, stable = 1;

	if (!ok(shard_times_load(&t, TIMES, err, sizeof(err)) == 0, "times of a recorded matrix "
		"load (%s)", err))
		return;
	n = make_jobs(a, &t);
	for (size_t i = 0; i < n; i++) {
		known += a[i].ms >= 0;
		heaviest = a[i].ms > heaviest ? a[i].ms : heaviest;
	}
	ok(known == n && n == 6, "every job of the recorded matrix has a time (%zu of %zu)", known,
	   n);
	for (int k = 2; k <= 6; k++) {
		make_jobs(a, &t);
		shard_split(a, n, k);
		loads(a, n, k, &lo, &hi);
		bound &= hi - lo <= heaviest + 1e-6;
		/* the same weights split by count (every weight equal), then weighed */
		make_jobs(c, NULL);
		shard_split(c, n, k);
		for (size_t i = 0; i < n; i++)
			c[i].ms = shard_times_ms(&t, c[i].key);
		loads(c, n, k, &clo, &chi);
		better &= hi <= chi + 1e-6;
		if (k == 2)
			printf("# 2 shards of %.0f s: by time %.1f / %.1f s, by count %.1f / %.1f s\n",
			       (lo + hi) / 1000, lo / 1000, hi / 1000, clo / 1000, chi / 1000);
	}
	ok(bound, "by time, no shard ends more than the longest job (%.1f s) after another",
	   heaviest / 1000);
	ok(better, "by time, the longest shard is never longer than by count");

	/* a job with no recorded time weighs the median of the known ones */
	make_jobs(a, &t);
	a[0].ms = -1;
	shard_split(a, n, 3);
	{
		double w[MAXJ];
		size_t m = 0;

		for (size_t i = 1; i < n; i++)
			w[m++] = shard_times_ms(&t, a[i].key);
		for (size_t i = 0; i < m; i++)	/* sort, small n */
			for (size_t x = i + 1; x < m; x++)
				if (w[x] < w[i]) {
					double tmp = w[i];

					w[i] = w[x];
					w[x] = tmp;
				}
		ok(fabs(a[0].ms - (m % 2 ? w[m / 2] : (w[m / 2 - 1] + w[m / 2]) / 2)) < 1e-6,
		   "an unknown time weighs the median of the known (%.0f ms)", a[0].ms);
	}
	/* two machines reading the same times make the same plan in any order */
	make_jobs(a, &t);
	for (size_t i = 0; i < n; i++)
		c[i] = a[n - 1 - i];
	stable = shard_split(a, n, 3) == shard_split(c, n, 3);
	for (size_t i = 0; i < n; i++)
		stable &= shard_of(c, n, a[i].key) == a[i].shard;
	ok(stable, "by time too, the order the jobs come in changes nothing");
	shard_times_free(&t);
	ok(shard_times_load(&t, "tests/fixtures/x86_64-deb6.1-results/mom/results.json", err,
			    sizeof(err)) < 0 && strstr(err, "not a matrix"),
	   "a run's results.json is no matrix's: refused (%s)", err);
	ok(shard_times_load(&t, "/nonexistent/results.json", err, sizeof(err)) < 0 &&
	   strstr(err, "/nonexistent/results.json"), "a missing file is named (%s)", err);
}

int main(void)
{
	char err[512] = "";

	if (!ok(shard_times_load(&rec, TIMES, err, sizeof(err)) == 0, "the recorded matrix "
		"loads (%s)", err))
		return done();
	parse();
	by_count();
	by_time();
	shard_times_free(&rec);
	return done();
}
