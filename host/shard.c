/* Splitting a matrix into shards (see shard.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jsonr.h"
#include "shard.h"
#include "size.h"
#include "strbuf.h"

#define TIMES_MAX (256u << 20)	/* a matrix's results.json with every run's evidence */

int shard_parse(const char *spec, int *k, int *n, char *err, size_t errlen)
{
	const char *slash = spec ? strchr(spec, '/') : NULL;
	uint64_t a, b;
	char left[32];

	if (!slash || (size_t)(slash - spec) >= sizeof(left)) {
		snprintf(err, errlen, "--shard %s: want K/N (this machine's part K of N, from 1)",
			 spec ? spec : "");
		return -EINVAL;
	}
	snprintf(left, sizeof(left), "%.*s", (int)(slash - spec), spec);
	if (parse_u64(left, 1, SHARD_MAX, &a) < 0 || parse_u64(slash + 1, 1, SHARD_MAX, &b) < 0 ||
	    a > b) {
		snprintf(err, errlen, "--shard %s: want K/N with 1 <= K <= N <= %d", spec,
			 SHARD_MAX);
		return -EINVAL;
	}
	*k = (int)a;
	*n = (int)b;
	return 0;
}

static int by_key(const void *a, const void *b)
{
	const struct shard_job *x = *(const struct shard_job *const *)a;
	const struct shard_job *y = *(const struct shard_job *const *)b;

	return strcmp(x->key, y->key);
}

/* Heaviest first; equal weights in key order: the same order whatever the input's. */
static int by_weight(const void *a, const void *b)
{
	const struct shard_job *x = *(const struct shard_job *const *)a;
	const struct shard_job *y = *(const struct shard_job *const *)b;

	if (x->ms != y->ms)
		return x->ms > y->ms ? -1 : 1;
	return strcmp(x->key, y->key);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of the known times, 1 if none is known. */
static double default_weight(const struct shard_job *jobs, size_t count)
{
	double *known = malloc((count ? count : 1) * sizeof(*known)), w = 1;
	size_t n = 0;

	for (size_t i = 0; known && i < count; i++)
		if (jobs[i].ms >= 0)
			known[n++] = jobs[i].ms;
	if (n) {
		qsort(known, n, sizeof(*known), cmp_double);
		w = n % 2 ? known[n / 2] : (known[n / 2 - 1] + known[n / 2]) / 2;
	}
	free(known);
	return w > 0 ? w : 1;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 0x100000001b3ull;
	return h;
}

uint64_t shard_split(struct shard_job *jobs, size_t count, int n)
{
	struct shard_job **order = malloc((count ? count : 1) * sizeof(*order));
	double *load = calloc((size_t)(n > 0 ? n : 1), sizeof(*load));
	double w = default_weight(jobs, count);
	uint64_t h = 0xcbf29ce484222325ull;
	char num[32];

	if (!order || !load || n < 1) {
		free(order);
		free(load);
		return 0;
	}
	for (size_t i = 0; i < count; i++) {
		if (jobs[i].ms < 0)
			jobs[i].ms = w;
		order[i] = &jobs[i];
	}
	qsort(order, count, sizeof(*order), by_weight);
	for (size_t i = 0; i < count; i++) {
		int best = 0;

		for (int s = 1; s < n; s++)
			if (load[s] < load[best])
				best = s;
		order[i]->shard = best;
		load[best] += order[i]->ms;
	}
	/* the fingerprint: n, then every key with its shard, in key order */
	qsort(order, count, sizeof(*order), by_key);
	snprintf(num, sizeof(num), "%d\n", n);
	h = fnv(h, num, strlen(num));
	for (size_t i = 0; i < count; i++) {
		snprintf(num, sizeof(num), "=%d\n", order[i]->shard);
		h = fnv(h, order[i]->key, strlen(order[i]->key));
		h = fnv(h, num, strlen(num));
	}
	free(order);
	free(load);
	return h;
}

double shard_load(const struct shard_job *jobs, size_t count, int s)
{
	double sum = 0;

	for (size_t i = 0; i < count; i++)
		if (jobs[i].shard == s)
			sum += jobs[i].ms;
	return sum;
}

static int times_add(struct shard_times *t, const char *key, double ms)
{
	char **keys = realloc(t->keys, (t->n + 1) * sizeof(*keys));
	double *v;

	if (!keys)
		return -ENOMEM;
	t->keys = keys;
	v = realloc(t->ms, (t->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	t->ms = v;
	t->keys[t->n] = strdup(key);
	if (!t->keys[t->n])
		return -ENOMEM;
	t->ms[t->n++] = ms;
	return 0;
}

int shard_times_load(struct shard_times *t, const char *path, char *err, size_t errlen)
{
	struct strbuf text = STRBUF_INIT;
	struct jr_val v = { 0 };
	const struct jr_val *runs;
	char jerr[PATH_MAX + 160], key[512];
	int rc;

	memset(t, 0, sizeof(*t));
	rc = jr_load(&v, &text, path, TIMES_MAX, jerr, sizeof(jerr));
	if (rc < 0) {
		snprintf(err, errlen, "--shard-times %s", jerr);
		goto cleanup;
	}
	runs = jr_get(&v, "runs");
	if (!jr_get(&v, "matrix") || !runs || runs->type != JR_ARR) {
		snprintf(err, errlen, "--shard-times %s: not a matrix's results.json (no \"matrix\" "
			 "and \"runs\")", path);
		rc = -EINVAL;
		goto cleanup;
	}
	for (size_t i = 0; i < runs->len && rc == 0; i++) {
		const struct jr_val *r = &runs->items[i];
		const char *dir = jr_str(r, "run_dir", NULL), *base = dir ? strrchr(dir, '/') : NULL;
		double s = jr_num(r, "seconds", -1);

		if (base && base[1])
			snprintf(key, sizeof(key), "%s", base + 1);
		else
			snprintf(key, sizeof(key), "%s.%s", jr_str(r, "scenario", "?"),
				 jr_str(r, "arch", "?"));
		if (s >= 0)
			rc = times_add(t, key, s * 1000.0);
	}
	if (rc < 0)
		snprintf(err, errlen, "--shard-times %s: %s", path, strerror(-rc));
cleanup:
	jr_free(&v);
	sb_release(&text);
	if (rc < 0)
		shard_times_free(t);
	return rc;
}

double shard_times_ms(const struct shard_times *t, const char *key)
{
	for (size_t i = 0; t && i < t->n; i++)
		if (!strcmp(t->keys[i], key))
			return t->ms[i];
	return -1;
}

void shard_times_free(struct shard_times *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->keys[i]);
	free(t->keys);
	free(t->ms);
	memset(t, 0, sizeof(*t));
}
