/*
 * `timer`: proves that this guest's timer interrupts arrive, and raises one if they do
 * not. A restored guest needs this: QEMU before 8.2 does not migrate a TCG pseries CPU's
 * decrementer, so a guest saved while its next timer event was programmed comes back
 * with no timer interrupt ever due. Its kernel believes one is (the event is due
 * already), so it never programs the decrementer again: no tick, no RCU callbacks (freed
 * page tables and slabs pile up), no timeout ever ends — a guest that answers requests
 * and hangs as soon as it has to wait.
 *
 * The proof is a 1 ms timerfd read without blocking while the clock (which needs no
 * interrupt) runs: it expires only from the timer interrupt. If it has not by KICK_MS,
 * the agent raises an irq_work: a software perf event sampling this process's page
 * faults wakes its reader through irq_work, and raising one programs the decrementer to
 * fire at once (powerpc's arch_irq_work_raise); that interrupt runs the overdue timers
 * and reprograms the next. A second timerfd must then expire by itself: the timer runs
 * again, not only once. Each CPU is a decrementer of its own: the agent moves to each
 * CPU it may run on in turn (timers and irq_work are per CPU).
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include "agent.h"

#define TIMER_DEADLINE_MAX 60000

/* ms until a 1 ms timer fires (busy-waiting, no interrupt needed), or -1 at until_ms;
 * the host hears heartbeats meanwhile. */
static int64_t timer_fires(struct agent *a, uint64_t t0, uint64_t until_ms, int fd)
{
	uint64_t n;

	for (;;) {
		if (read(fd, &n, sizeof(n)) == sizeof(n))
			return (int64_t)(ag_now_ms() - t0);
		if (ag_now_ms() >= until_ms)
			return -1;
		ag_beat_maybe(a);
		sched_yield();
	}
}

static int arm(int fd)
{
	struct itimerspec its = { .it_value = { .tv_nsec = 1000000 } };

	return timerfd_settime(fd, 0, &its, NULL);
}

/* Raises an irq_work in this CPU: 0, or -errno with why in out. */
static int kick(struct strbuf *out)
{
	struct perf_event_attr pa = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(pa),
		.config = PERF_COUNT_SW_PAGE_FAULTS,
		.sample_period = 1,
		.sample_type = PERF_SAMPLE_TID,
		.wakeup_events = 1,
		.exclude_hv = 1,
	};
	long page = sysconf(_SC_PAGESIZE);
	void *ring, *p;
	int fd, ret = 0;

	fd = (int)syscall(SYS_perf_event_open, &pa, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		sb_addf(out, "kick=perf_event_open: %s\n", strerror(errno));
		return ret;
	}
	ring = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ring == MAP_FAILED || p == MAP_FAILED) {
		ret = -errno;
		sb_addf(out, "kick=mmap: %s\n", strerror(errno));
	} else {
		*(volatile char *)p = 1;	/* a page fault: a sample, its wakeup an irq_work */
	}
	if (p != MAP_FAILED)
		munmap(p, page);
	if (ring != MAP_FAILED)
		munmap(ring, 2 * page);
	close(fd);
	return ret;
}

/* One CPU (the agent runs on it): its evidence line, 0 or -ETIME with why first in out. */
static int cpu_timer(struct agent *a, int cpu, uint64_t kick_ms, uint64_t deadline_ms,
		     struct strbuf *out, struct strbuf *ev)
{
	int64_t first, second = -1;
	int fd, ret = 0, kicked = 0;
	uint64_t t0;

	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		sb_addf(out, "timerfd_create: %s", strerror(e));
		return -e;
	}
	t0 = ag_now_ms();
	if (arm(fd) < 0) {
		ret = -errno;
		sb_addf(out, "timerfd_settime: %s", strerror(errno));
		goto out;
	}
	first = timer_fires(a, t0, t0 + (kick_ms ? kick_ms : deadline_ms), fd);
	if (first < 0 && kick_ms) {
		struct strbuf why = STRBUF_INIT;

		kicked = 1;
		if (kick(&why) < 0) {
			sb_addf(out, "cpu %d: no timer interrupt in %llu ms, and no irq_work could "
				"be raised to revive it\n", cpu, (unsigned long long)kick_ms);
			sb_add(out, sb_str(&why), why.len);
			sb_release(&why);
			ret = -ETIME;
			goto out;
		}
		sb_release(&why);
		first = timer_fires(a, t0, t0 + deadline_ms, fd);
	}
	if (first >= 0) {	/* again, by itself */
		uint64_t t1 = ag_now_ms();

		if (arm(fd) == 0)
			second = timer_fires(a, t1, t1 + deadline_ms, fd);
	}
	if (first < 0 || second < 0) {
		sb_addf(out, "cpu %d: %s timer interrupt in %llu ms%s\n", cpu,
			first < 0 ? "no" : "no second", (unsigned long long)deadline_ms,
			kicked ? " after an irq_work was raised" : "");
		ret = -ETIME;
	}
	sb_addf(ev, "cpu=%d kicked=%d first_ms=%lld second_ms=%lld\n", cpu, kicked,
		(long long)first, (long long)second);
out:
	close(fd);
	return ret;
}

/* timer [KICK_MS [DEADLINE_MS]]: every CPU the agent may run on, one after the other;
 * KICK_MS 0: never raise an irq_work (prove only) */
int v_timer(struct agent *a, int argc, char **argv, struct strbuf *out)
{
	uint64_t kick_ms = 20, deadline_ms = 2000;
	struct strbuf ev = STRBUF_INIT;
	cpu_set_t all, one;
	int cpu, ret = 0;

	if ((argc > 1 && ag_parse_u64(argv[1], 0, TIMER_DEADLINE_MAX, &kick_ms)) ||
	    (argc > 2 && ag_parse_u64(argv[2], kick_ms ? kick_ms : 1, TIMER_DEADLINE_MAX,
				      &deadline_ms))) {
		sb_addf(out, "usage: timer [KICK_MS [DEADLINE_MS]] (KICK_MS 0 = never, at most "
			"DEADLINE_MS <= %d)", TIMER_DEADLINE_MAX);
		return -EINVAL;
	}
	if (sched_getaffinity(0, sizeof(all), &all) < 0) {
		int e = errno;

		sb_addf(out, "sched_getaffinity: %s", strerror(e));
		return -e;
	}
	for (cpu = 0; cpu < CPU_SETSIZE && !ret; cpu++) {
		if (!CPU_ISSET(cpu, &all))
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (sched_setaffinity(0, sizeof(one), &one) < 0) {
			ret = -errno;
			sb_addf(out, "sched_setaffinity cpu %d: %s", cpu, strerror(errno));
			break;
		}
		ret = cpu_timer(a, cpu, kick_ms, deadline_ms, out, &ev);
	}
	if (sched_setaffinity(0, sizeof(all), &all) < 0 && !ret) {
		ret = -errno;
		sb_addf(out, "sched_setaffinity back: %s", strerror(errno));
	}
	sb_add(out, sb_str(&ev), ev.len);	/* after the message line, if any */
	sb_release(&ev);
	return ret;
}
