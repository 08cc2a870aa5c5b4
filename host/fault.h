/* Guest faults: the guest kernel panicked, QEMU died, the agent died, the guest hung, or
 * the agent sent garbage. A testbed for kernel bugs must survive the bugs it finds: after
 * a step fails, fault_triage() finds out which of these happened, types the result
 * (FAIL when the kernel died or hung during a kernel operation, ERROR otherwise), keeps
 * the evidence (console excerpt, lifecycle event, offending bytes, QEMU log) and destroys
 * the domain. It runs in the per-run path (runner.c), so `run` and matrix jobs share it. */
#ifndef HPT_FAULT_H
#define HPT_FAULT_H
#include <stdint.h>
#include "hpt.h"

enum fault_kind {
	FK_NONE,	/* no guest fault: the step's own verdict stands */
	FK_PANIC,	/* the guest kernel panicked (pvpanic / arch event, or console) */
	FK_AGENT_DIED,	/* PID 1 exited: "Attempted to kill init" */
	FK_HANG,	/* the agent fell silent (no heartbeat) while the domain ran */
	FK_BOOT_HANG,	/* the guest never said hello within the boot deadline */
	FK_QEMU_EXIT,	/* the domain stopped without a panic: QEMU killed or crashed */
	FK_GARBAGE,	/* a malformed or out-of-protocol frame from the agent */
	FK_FLOOD,	/* the guest wrote more than CHAN_CONSOLE_MAX to its console */
	FK_HOST_LOST,	/* the connection to the (remote) libvirt host is gone */
	FK__COUNT
};
extern const char *const fault_names[FK__COUNT];

/* What the host observed when a step failed. */
struct fault_obs {
	enum chan_state chan;	/* how the channel failed (CHAN_OK: it did not) */
	int booted;		/* the agent had said hello */
	int crashed;		/* a CRASHED lifecycle event (or STOPPED/crashed) arrived */
	int stopped;		/* the domain stopped otherwise (or is gone) */
	int console_panic;	/* console.log has "Kernel panic - not syncing" */
	int init_killed;	/* … and it says "Attempted to kill init" */
	int kernel_op;		/* the failing step makes the kernel work (step.h) */
	int host_lost;		/* the libvirt connection died: what the guest did is unknown */
};

/* Pure decision: the fault kind and its verdict (unit-tested on recorded consoles). */
enum fault_kind fault_classify(const struct fault_obs *o, enum verdict *v);
/* Fills the console facts of o from console text. */
void fault_console_facts(const char *console, struct fault_obs *o);
/* The console excerpt worth showing: from the first panic/BUG/Oops/lockup line, 40
 * lines, plus the "Kernel panic" line and what follows if it comes later; at most max
 * bytes. Returns the length (0: nothing found), *start the offset in console. */
size_t fault_excerpt(const char *console, size_t max, size_t *start, struct strbuf *out);

/* After step l (NULL: the end of the scenario) stopped the scenario: if the guest died,
 * hung or spoke garbage, retypes the failing check with the fault, destroys the domain,
 * sets r->fault and returns 1; otherwise 0. */
int fault_triage(struct run *r, const struct scn_line *l, int kernel_op);
/* End of scenario: asks the agent whether it is still there; triages if not. */
int fault_check_alive(struct run *r);

#endif
