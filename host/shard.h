/* Splitting a matrix into N shards that N machines run independently (`matrix --shard
 * K/N`), and what `merge` checks when it joins them again. Every machine computes the
 * same split on its own, so the split depends only on the set of jobs (their keys), N
 * and the recorded job times, never on the order in which scenarios or arches were
 * named. With times (a previous matrix's results.json, `--shard-times`), the longest jobs
 * are placed first, each on the shard with the least work so far (LPT: no shard ends
 * more than one job's time after another); without, the jobs in key order go round the
 * shards (sizes differ by at most one). */
#ifndef HPT_SHARD_H
#define HPT_SHARD_H
#include <stddef.h>
#include <stdint.h>

#define SHARD_MAX 1000		/* N of --shard K/N */

struct shard_job {
	const char *key;	/* unique in the matrix: the run dir's name, "<scenario>.<arch>" */
	double ms;		/* in: recorded time, < 0 if unknown; out: the weight used */
	int shard;		/* out: 0 .. n-1 */
};

/* Parses "K/N" (1 <= K <= N <= SHARD_MAX). 0, or -EINVAL with err. */
int shard_parse(const char *spec, int *k, int *n, char *err, size_t errlen);
/* Assigns every job a shard (see the top). Jobs of unknown time weigh the median of the
 * known ones (1 if none is known). Returns the plan's fingerprint: equal on two machines
 * iff they split the same keys the same way into the same n. */
uint64_t shard_split(struct shard_job *jobs, size_t count, int n);
/* The estimated work of shard s after shard_split (ms). */
double shard_load(const struct shard_job *jobs, size_t count, int s);

/* Job times recorded by an earlier matrix (its results.json, merged or not). */
struct shard_times {
	char **keys;
	double *ms;
	size_t n;
};
/* Reads path's runs[]: key = the run dir's name (or "<scenario>.<arch>"), ms = seconds.
 * 0, or -errno with err naming the file. */
int shard_times_load(struct shard_times *t, const char *path, char *err, size_t errlen);
/* The recorded time of key, or -1. */
double shard_times_ms(const struct shard_times *t, const char *key);
void shard_times_free(struct shard_times *t);

#endif
