/* Pure decision functions of the oracles, shared by their run() and unit tests. */
#ifndef HPT_ORACLES_H
#define HPT_ORACLES_H
#include <stdint.h>
#include "hpt.h"
#include "json.h"
#include "model.h"

/* --- placement ------------------------------------------------------------------- */
struct placement_obs {
	enum placement p;
	int64_t present_delta, managed_delta;	/* pages, summed over zones */
	int64_t memmap_pages;			/* present_delta - managed_delta */
	int64_t memtotal_delta_kb;
	uint64_t leading_reserved;	/* pfns from the start that look like vmemmap */
	uint64_t first_flags, next_flags;	/* flags of pfn and of pfn+leading */
	int have_kpage;
	char why[256];
};
void placement_observe(const struct snapshot *before, const struct snapshot *after,
		       uint64_t pfn, uint64_t npages, struct placement_obs *o);
/* PASS/FAIL/SKIP of expected vs observed, summary filled. */
enum verdict placement_judge(enum placement expected, const char *expected_why,
			     const struct placement_obs *o, char *summary, size_t n);
void placement_evidence(struct json *j, const struct placement_pred *pred, int overridden,
			const struct placement_obs *o);

/* The placement probe's report (guest/probe/hpt_probe.c). */
struct probe_result {
	uint64_t memmap_pages, inside, outside, unmapped;
	char level[4];		/* mapping of the first memmap page: 4K/2M/1G */
	uint64_t first_backing_pfn;
	int unsupported;	/* the probe cannot walk page tables on this arch */
};
/* Parses a probe report; -EPROTO if it lacks its summary. */
int probe_parse(const char *text, struct probe_result *pr);
/* on-block if every memmap page is backed inside the range, elsewhere if none is,
 * unknown otherwise (mixed, unmapped, unsupported). */
enum placement probe_placement(const struct probe_result *pr);

/* --- PageVmemmap ----------------------------------------------------------------- */
/* Checks that every pfn of [pfn, pfn+n) reads RESERVED and none of BUDDY, LRU, SLAB,
 * PGTABLE, NOPAGE in s. Returns the number of bad pfns (0 = fine); first_bad and its
 * flags describe the first. */
uint64_t vmemmap_bad_pfns(const struct snapshot *s, uint64_t pfn, uint64_t n,
			  uint64_t *first_bad, uint64_t *bad_flags);

/* --- no-leak / teardown ---------------------------------------------------------- */
struct noleak_cfg {
	uint64_t memfree_tolerance_kb;
	unsigned lineno;
	const int *planned;	/* device indexes in the order `teardown` planned, or NULL */
	int n_planned;		/* 0: devices must leave in reverse order of plugging */
	const char *order_rule;	/* "forward", "random seed=N", … */
};
/* Compares final with base and checks the teardown order in the journal; adds one check
 * per property to res. */
void noleak_eval(const struct snapshot *base, const struct snapshot *final,
		 const struct hpt_dev *devs, int n_devs, const struct jentry *journal,
		 int n_journal, const struct noleak_cfg *cfg, struct results *res);

/* --- trend ---------------------------------------------------------------------- */
struct trend {
	double slope, se, intercept;	/* least squares of y over the cycle number */
	double min, max;
	size_t n;
};
struct trend_metric {
	const char *name, *unit;
	int leak_sign;		/* +1: growth is a leak; -1: shrinking is */
	int exact;		/* must not move at all */
};
extern const struct trend_metric trend_metrics[];	/* NULL-terminated */
/* Fits y[0..n) against 0..n-1; -1 if n < 3. */
int trend_fit(const double *y, size_t n, struct trend *t);
/* FAIL if an exact metric moved, or the slope in the leaking direction exceeds both
 * max_slope and 3 standard errors. */
enum verdict trend_judge(const struct trend *t, const struct trend_metric *m,
			 double max_slope, char *why, size_t n);

/* --- kernel log ------------------------------------------------------------------ */
/* Finds the first line of text that shows a kernel problem. Returns its offset or -1;
 * *pattern names what matched. */
long kernlog_find(const char *text, const char **pattern);

#endif
