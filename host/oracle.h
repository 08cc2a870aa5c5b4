/* Oracles: what an `expect KIND …` line proves. One file each (oracle_<kind>.c), listed
 * once in registry.c. An oracle's decision is a pure function of snapshots and the
 * journal (unit-tested on recorded fixtures); its run() gathers the evidence. */
#ifndef HPT_ORACLE_H
#define HPT_ORACLE_H
#include "hpt.h"
#include "opts.h"

struct oracle {
	const char *name;	/* "placement" */
	const char *usage;	/* "expect placement DEV [memmap=on-block|elsewhere]" */
	const char *proves;	/* one line for README/help */
	const struct opt *opts;	/* its key=value options, with help and defaults (or NULL) */
	int (*check)(const struct scn_line *l, char *err, size_t errlen);
	/* Adds its checks to r->res; returns STEP_STOP only if the guest is unusable. */
	int (*run)(struct run *r, const struct scn_line *l);
	int automatic;		/* also runs at the end of every scenario, without a line */
};

const struct oracle *oracle_find(const char *name);
extern const struct oracle *const oracles[];	/* NULL-terminated, registry.c */

#endif
