/* `inject KIND [AFTER_MS]`: deliberate faults, so that the testbed's own handling of a
 * dying, hanging or lying guest is tested on real guests (host step `inject`).
 *   panic     a real kernel panic: sysrq 'c' (panic("sysrq triggered crash"))
 *   hang      the agent stops beating and spins at SCHED_FIFO 99 with RT throttling off:
 *             on one vCPU nothing else in user space, and no SCHED_OTHER kworker, runs
 *   exit      the agent (PID 1) exits: the kernel panics "Attempted to kill init"
 *   garbage   bytes that are no frame at all on the channel
 *   oversize  a frame header announcing a 4 GiB payload
 * Without AFTER_MS the fault happens inside the request (no reply, except after garbage
 * and oversize); with it the reply comes first and the fault fires from the beat path
 * AFTER_MS later (at most a beat late), typically in the middle of the next request. */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>
#include "agent.h"

#define AFTER_MAX 3600000

static const char *const kinds[] = { "", "panic", "hang", "exit", "garbage", "oversize", NULL };
enum { F_NONE, F_PANIC, F_HANG, F_EXIT, F_GARBAGE, F_OVERSIZE };

/* Writes raw bytes on the channel, bypassing the encoder. */
static void raw(struct agent *a, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(a->chan, p, n);

		if (w < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void __attribute__((noreturn)) hang(struct agent *a)
{
	struct sched_param sp = { .sched_priority = 99 };
	volatile unsigned long spin = 0;

	ag_write_str("/proc/sys/kernel/sched_rt_runtime_us", "-1");
	if (sched_setscheduler(0, SCHED_FIFO, &sp))
		ag_log(a, "inject hang: SCHED_FIFO: %s (spinning anyway)", strerror(errno));
	for (;;)
		spin++;
}

/* Makes the fault happen now. Returns only for the channel faults. */
static void fire(struct agent *a, int kind)
{
	static const char garbage[] = "\x01\xff\xfeGARBAGE\x00 not a frame HPT1 9 ok 99\n";
	static const char oversize[] = "HPT1 0 log 4294967295\n";

	a->fault = F_NONE;
	ag_log(a, "inject %s: now", kinds[kind]);
	switch (kind) {
	case F_PANIC:
		sync();
		ag_write_str("/proc/sys/kernel/sysrq", "1");
		ag_write_str("/proc/sysrq-trigger", "c");
		ag_log(a, "inject panic: sysrq-trigger did not panic the kernel; exiting instead");
		_exit(3);
	case F_HANG:
		hang(a);
	case F_EXIT:
		_exit(3);
	case F_GARBAGE:
		raw(a, garbage, sizeof(garbage) - 1);
		break;
	case F_OVERSIZE:
		raw(a, oversize, sizeof(oversize) - 1);
		break;
	}
}

void ag_fault_tick(struct agent *a)
{
	if (a->fault && ag_now_ms() >= a->fault_at)
		fire(a, a->fault);
}

int v_inject(struct agent *a, int argc, char **argv, struct strbuf *out)
{
	uint64_t after = 0;
	int kind;

	for (kind = 1; kinds[kind]; kind++)
		if (!strcmp(kinds[kind], argv[1]))
			break;
	if (!kinds[kind] || (argc > 2 && ag_parse_u64(argv[2], 0, AFTER_MAX, &after))) {
		sb_addf(out, "inject: usage: inject panic|hang|exit|garbage|oversize [AFTER_MS] "
			"(AFTER_MS <= %d)", AFTER_MAX);
		return -EINVAL;
	}
	if (!after) {
		fire(a, kind);
		return sb_addf(out, "injected %s\n", kinds[kind]);
	}
	a->fault = kind;
	a->fault_at = ag_now_ms() + after;
	return sb_addf(out, "armed %s in %llu ms\n", kinds[kind], (unsigned long long)after);
}
