/* `matrix --shard K/N [--shard-times FILE]`: this machine's slice of the jobs (see
 * shard.h for how the split is made and why every machine makes the same one). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "matrix.h"
#include "shard.h"
#include "strbuf.h"

static const char *key_of(const struct job *j)
{
	const char *base = strrchr(j->dir, '/');

	return base ? base + 1 : j->dir;
}

int matrix_shard(struct matrix *m, const char *spec, const char *times_file, char *err,
		 size_t errlen)
{
	struct shard_times t = { 0 };
	struct strbuf order = STRBUF_INIT;
	struct shard_job *sj;
	size_t kept = 0, known = 0;
	int k, n, rc;

	rc = shard_parse(spec, &k, &n, err, errlen);
	if (rc < 0)
		return rc;
	if (times_file && (rc = shard_times_load(&t, times_file, err, errlen)) < 0)
		return rc;
	sj = calloc(m->n ? m->n : 1, sizeof(*sj));
	if (!sj) {
		shard_times_free(&t);
		snprintf(err, errlen, "--shard: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->n; i++)	/* the whole order, for `merge` */
		sb_addf(&order, "%s\n", key_of(&m->jobs[i]));
	m->shard.order = order.buf;
	for (size_t i = 0; i < m->n; i++) {
		sj[i].key = key_of(&m->jobs[i]);
		sj[i].ms = times_file ? shard_times_ms(&t, sj[i].key) : -1;
		known += sj[i].ms >= 0;
	}
	m->shard.plan = shard_split(sj, m->n, n);
	m->shard.k = k;
	m->shard.n = n;
	m->shard.total = m->n;
	m->shard.load_ms = shard_load(sj, m->n, k - 1);
	if (times_file)
		snprintf(m->shard.by, sizeof(m->shard.by), "times %s (%zu of %zu jobs known)",
			 times_file, known, m->n);
	else
		snprintf(m->shard.by, sizeof(m->shard.by), "count");
	for (size_t i = 0; i < m->n; i++)
		if (sj[i].shard == k - 1)
			m->jobs[kept++] = m->jobs[i];	/* in matrix order: rows stay together */
	m->n = kept;
	free(sj);
	shard_times_free(&t);
	return 0;
}
