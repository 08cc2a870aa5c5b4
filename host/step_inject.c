/* `inject panic|hang|agent-exit|garbage|oversize|flood|kmemleak [after=MS]`, `inject pin
 * size=SIZE`, `inject leak size=SIZE per=offline|remove`, `inject memmap-hold dev=NAME`:
 * the testbed's self-test.
 * Makes the guest fail on purpose (agent verb `inject`, guest/v_inject.c) so that the
 * integration tests prove every fault ends in a typed result (fault.c) on real guests.
 * Without after= the fault happens inside this step, which is not a kernel operation:
 * ERROR. With after=MS the step returns at once and the fault lands MS later, normally
 * inside the next step: a kernel operation there (pressure, online…) makes it a FAIL.
 * leak and memmap-hold are real leaks in the guest kernel, made by the probe module: the
 * negative controls of the leak oracles. leak: SIZE on every memory block offline (or
 * every removal of memory block devices), in pages nothing accounts, like a memmap;
 * memmap-hold: a reference on the first frame outside DEV backing its memmap, so that
 * freeing the memmap at removal leaves that frame allocated; movable-pgtable: a page of
 * ZONE_MOVABLE typed as a page table and kept; timer-loss (pseries): every CPU's
 * decrementer set years away while the kernel waits for the event it programmed, what a
 * restore on QEMU before 8.2 leaves (guest/v_timer.c), then the proof a restore asks for:
 * check `timer` (revive=no: the proof alone, which must find the timers dead). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "guest.h"
#include "json.h"
#include "step.h"

static const char *const kinds[][2] = {	/* scenario name, agent name */
	{ "panic", "panic" }, { "hang", "hang" }, { "agent-exit", "exit" },
	{ "garbage", "garbage" }, { "oversize", "oversize" }, { "flood", "flood" },
	{ "kmemleak", "kmemleak" }, { "pin", "pin" }, { "leak", "leak" },
	{ "memmap-hold", "memmap-hold" }, { "movable-pgtable", "movable-pgtable" },
	{ "kmsg-burst", "kmsg-burst" }, { "kmsg-close", "kmsg-close" },
	{ "timer-loss", "timer-loss" }, { NULL, NULL },
};

static const char *const per_names[] = { "", "offline", "remove", NULL };
static const char *const revive_names[] = { "yes", "no", NULL };

struct inject_args {
	uint64_t after, size;
	int per;
	int no_revive;
	char dev[32];
};

static const struct opt inject_opts[] = {
	{ "after", OPT_UINT, offsetof(struct inject_args, after), 0, 0, 3600000, NULL,
	  "milliseconds until the fault fires (0: inside this step)", .def = "0" },
	{ "size", OPT_SIZE, offsetof(struct inject_args, size), 0, 4096, 64ull << 30, NULL,
	  "pin: anonymous memory to pin (vmsplice, 1M or more) so that offlining it never "
	  "ends; leak: bytes leaked per event (64M at most)" },
	{ "per", OPT_ENUM, offsetof(struct inject_args, per), 0, 0, 0, per_names,
	  "leak: on every memory block offline, or every removal of memory block devices" },
	{ "dev", OPT_STR, offsetof(struct inject_args, dev), 32, 0, 0, NULL,
	  "memmap-hold: the plugged device whose memmap frame to hold" },
	{ "revive", OPT_ENUM, offsetof(struct inject_args, no_revive), 0, 0, 0, revive_names,
	  "timer-loss: let the agent revive the dead timers (as after a restore), or only "
	  "prove them", .def = "yes" },
	{ 0 }
};

static const char *agent_kind(const char *name)
{
	for (int i = 0; kinds[i][0]; i++)
		if (!strcmp(kinds[i][0], name))
			return kinds[i][1];
	return NULL;
}

static int inject_parse(const struct scn_line *l, struct inject_args *a, char *err, size_t n)
{
	memset(a, 0, sizeof(*a));
	if (step_argc(l, 1, 1, err, n) < 0 || step_opts(inject_opts, a, l, 2, err, n) < 0)
		return -1;
	if (!agent_kind(l->argv[1])) {
		snprintf(err, n, "inject: unknown fault '%s' (panic, hang, agent-exit, garbage, "
			 "oversize, flood, kmemleak, pin, leak, memmap-hold, movable-pgtable, "
			 "kmsg-burst, kmsg-close, timer-loss)",
			 l->argv[1]);
		return -1;
	}
	if (!strcmp(l->argv[1], "leak")) {
		if (!a->size || a->size > (64u << 20) || !a->per || a->after || a->dev[0]) {
			snprintf(err, n, "inject leak: want size=SIZE (4K-64M) per=offline|remove");
			return -1;
		}
		return 0;
	}
	if (!strcmp(l->argv[1], "memmap-hold")) {
		if (!a->dev[0] || a->size || a->per || a->after) {
			snprintf(err, n, "inject memmap-hold: want dev=NAME (a plugged device)");
			return -1;
		}
		return 0;
	}
	if (a->per || a->dev[0]) {
		snprintf(err, n, "inject: per= goes with leak, dev= with memmap-hold");
		return -1;
	}
	if (a->no_revive && strcmp(l->argv[1], "timer-loss")) {
		snprintf(err, n, "inject: revive= goes with timer-loss");
		return -1;
	}
	if (!strcmp(l->argv[1], "timer-loss") && (a->after || a->size)) {
		snprintf(err, n, "inject timer-loss: takes only revive=yes|no");
		return -1;
	}
	if (!strcmp(l->argv[1], "pin") != !!a->size || (a->size && a->after) ||
	    (a->size && a->size < (1u << 20))) {
		snprintf(err, n, "inject: size= goes with pin (1M or more; pin takes no after=)");
		return -1;
	}
	return 0;
}

static int inject_check(const struct scn_line *l, char *err, size_t errlen)
{
	struct inject_args a;

	return inject_parse(l, &a, err, errlen);
}

/* Faults after which the scenario goes on: a flood the next waits must notice, a leak
 * the next leak check must find. */
static int goes_on(const char *kind)
{
	return !strcmp(kind, "flood") || !strcmp(kind, "kmemleak") || !strcmp(kind, "leak") ||
	       !strcmp(kind, "timer-loss") ||
	       !strcmp(kind, "memmap-hold") || !strcmp(kind, "movable-pgtable") ||
	       !strcmp(kind, "kmsg-burst") || !strcmp(kind, "kmsg-close");
}

/* After timer-loss: the proof a restore asks for, as check `timer` (restore.c). 0 when
 * the timers run again, else 1 (an ERROR recorded). */
static int timer_proof(struct run *r, const struct scn_line *l, int revive)
{
	struct strbuf ev = STRBUF_INIT;
	struct guest_timer t;
	struct json j;
	char err[300];
	int rc = guest_timer_proof(r, revive, &t, err, sizeof(err));

	if (rc < 0) {
		result_add(&r->res, V_ERROR, "timer", l->lineno, NULL, "%s", err);
		return 1;
	}
	json_init(&j, &ev, 0);
	json_obj_begin(&j, NULL);
	json_i64(&j, "cpus", t.cpus);
	json_i64(&j, "revived", t.revived);
	json_i64(&j, "slowest_ms", t.slowest_ms);
	json_obj_end(&j);
	result_add(&r->res, V_PASS, "timer", l->lineno, sb_str(&ev), "every CPU's timer runs (%d "
		   "of %d revived by the agent, the slowest first fired after %lld ms)", t.revived,
		   t.cpus, (long long)t.slowest_ms);
	sb_release(&ev);
	return 0;
}

static enum step_rc inject_run(struct run *r, const struct scn_line *l)
{
	struct strbuf reply = STRBUF_INIT;
	struct inject_args a;
	char err[300];
	int rc;

	if (inject_parse(l, &a, err, sizeof(err)) < 0)
		return step_stop(r, l, V_ERROR, NULL, "%s", err);
	if (!strcmp(l->argv[1], "memmap-hold")) {
		const struct hpt_dev *d = run_dev(r, a.dev);

		if (!d || d->state == DEV_REMOVED)
			return step_stop(r, l, V_ERROR, NULL, "inject memmap-hold: no plugged device %s",
					 a.dev);
		rc = chan_call(&r->chan, run_timeout(r, 30000), &reply, "frames hold %llu %llu",
			       (unsigned long long)(d->base / r->guest.page_size),
			       (unsigned long long)(d->size / r->guest.page_size));
	} else if (!strcmp(l->argv[1], "leak")) {
		rc = chan_call(&r->chan, run_timeout(r, 30000), &reply, "inject leak %llu %s",
			       (unsigned long long)a.size, per_names[a.per]);
	} else {
		rc = chan_call(&r->chan, run_timeout(r, 30000), &reply, "inject %s %llu",
			       agent_kind(l->argv[1]),
			       (unsigned long long)(a.size ? a.size >> 20 : a.after));
	}
	if (rc < 0)	/* the fault itself: fault.c types it */
		step_stop(r, l, V_ERROR, NULL, "inject %s: %s", l->argv[1], r->chan.err);
	else if (rc == 1)
		step_stop(r, l, V_ERROR, NULL, "inject %s: the agent refused: %.200s", l->argv[1],
			  sb_str(&reply));
	else if (!a.after && !a.size && !goes_on(l->argv[1]))
		step_stop(r, l, V_ERROR, NULL, "inject %s: the guest went on as if nothing "
			  "happened", l->argv[1]);
	else if (!strcmp(l->argv[1], "timer-loss"))
		rc = timer_proof(r, l, !a.no_revive);
	else
		hpt_verbose("inject %s: %s", l->argv[1], sb_str(&reply));
	sb_release(&reply);
	return rc == 0 && (a.after || a.size || goes_on(l->argv[1])) ? STEP_OK : STEP_STOP;
}

const struct step step_inject = {
	.name = "inject", .phase = PHASE_VERIFY, .needs_guest = 1,
	.usage = "inject panic|hang|agent-exit|garbage|oversize|flood|kmemleak [after=MS] | "
		 "inject pin size=SIZE | inject leak size=SIZE per=offline|remove | "
		 "inject memmap-hold dev=NAME | inject movable-pgtable | inject kmsg-burst|kmsg-close | "
		 "inject timer-loss [revive=no]",
	.help = "testbed self-test: make the guest panic, hang, lose its agent, send garbage or "
		"flood its console (a printk storm that goes on during the next steps), now or MS "
		"later (inside the next step); pin memory so that unplugging it never ends; leak "
		"kernel objects for kmemleak to find (debug kernels, the probe module); make the "
		"kernel leak SIZE on every memory offline or removal, keep one frame of DEV's "
		"memmap allocated, or leave a page-table page in ZONE_MOVABLE (the probe module: "
		"negative controls of no-leak, trend and blocks); overwrite kernel log records "
		"before the agent reads them, or close its reader (kernel-log's controls); stop "
		"every CPU's timer as a restore on QEMU before 8.2 does, then prove the timers "
		"run (check timer; pseries)",
	.opts = inject_opts, .check = inject_check, .run = inject_run,
};
