/* Scenario step kinds: one file each (step_<name>.c), listed once in registry.c.
 * A scenario line's first word picks the step; the rest are its arguments. */
#ifndef HPT_STEP_H
#define HPT_STEP_H
#include <stddef.h>
#include "hpt.h"
#include "opts.h"

/* What a step's run() returns. */
enum step_rc {
	STEP_OK = 0,	/* go on */
	STEP_STOP = 1,	/* a check (FAIL/ERROR/SKIP) explains why the scenario stops here */
};

struct step {
	const char *name;
	enum phase phase;	/* its time is added to this phase */
	int needs_guest;	/* boots the guest with defaults first if not booted */
	int header;		/* a declaration read before anything runs (e.g. arch) */
	/* makes the guest kernel work (hotplug, onlining, migration, compaction): a guest
	 * that dies or hangs meanwhile is the kernel's FAIL, otherwise an ERROR (fault.c) */
	int kernel_op;
	const char *usage;	/* "plug dimm NAME size=SIZE|block [node=N]" */
	const char *help;
	const struct opt *opts;	/* its key=value options, with help and defaults (or NULL) */
	/* Syntax check before the run; err gets the message (no file:line). */
	int (*check)(const struct scn_line *l, char *err, size_t errlen);
	/* What the line needs of the arch, kernel and QEMU (the capability model, caps.h):
	 * asked before the guest boots (the scenario SKIPs at once, with why) and by run()
	 * again with the booted kernel's facts. 0 = met or not known, -1 = unmet. Optional. */
	int (*needs)(struct run *r, const struct scn_line *l, char *why, size_t n);
	enum step_rc (*run)(struct run *r, const struct scn_line *l);
};

/* The step of a line's first word: one of steps[], or step_declare for the name of a
 * boot-time device kind (devkind.h). */
const struct step *step_find(const char *name);
extern const struct step *const steps[];	/* NULL-terminated, registry.c */

/* The boot step (step_boot.c), for the runner. */
/* Defaults for a run, before any boot line: the boot options' defaults (boot_opts), the
 * arch's memory. A boot line changes only what it names. */
void boot_defaults(struct run *r);
/* Boots with r->boot (the accelerator chosen first), then waits for the devices declared
 * before boot to be ready; shared with steps that need a guest. */
enum step_rc boot_now(struct run *r, const struct scn_line *l);

/* Helpers for steps. */
/* Records an ERROR/FAIL/SKIP check named after the line and returns STEP_STOP. */
enum step_rc step_stop(struct run *r, const struct scn_line *l, enum verdict v,
		       const char *evidence, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Parses argv[from..] as key=value options of tab into dst (err names the word). */
int step_opts(const struct opt *tab, void *dst, const struct scn_line *l, int from,
	      char *err, size_t errlen);
/* Checks argc is within [min, max] positional words (options counted separately). */
int step_argc(const struct scn_line *l, int min, int max, char *err, size_t errlen);
/* check() of steps without arguments. */
int step_no_args(const struct scn_line *l, char *err, size_t errlen);
/* Runs an agent verb whose failure means the testbed failed (ERROR). */
enum step_rc step_agent_verb(struct run *r, const struct scn_line *l, const char *verb,
			     uint64_t timeout_ms);

#endif
