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

/* Shared between oracles and steps. */
struct placement_obs;
struct placement_pred;
/* Placement of d observed from its pre-online and online snapshots, and the model's
 * prediction (oracle_placement.c; the vmemmap oracle uses it too). 0, or -1 with err. */
int placement_of(struct run *r, const struct hpt_dev *d, struct placement_obs *o,
		 struct placement_pred *pred, char *err, size_t errlen);
/* `offline DEV` of a device `expect vmemmap` watched: its vmemmap pages still reserved
 * just before, and the offline's outcome (oracle_vmemmap.c). */
int vmemmap_offline_check(struct run *r, const struct scn_line *l, struct hpt_dev *d,
			  int offline_rc, const char *reply);
extern const struct oracle *const oracles[];	/* NULL-terminated, registry.c */

#endif
