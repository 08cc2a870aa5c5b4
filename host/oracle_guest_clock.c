/* `expect guest-clock` (and automatically at the end of every scenario): the guest's time
 * kept pace with the host's, within a factor of 2. A guest whose clock runs fast (a TSC
 * calibrated against a starved vCPU: 55 MHz instead of 2095) fires its own deadlines
 * early and fails tools that were not slow; that is the testbed's fault, an ERROR. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "agent.h"
#include "gclock.h"
#include "json.h"
#include "oracle.h"
#include "step.h"

#define GCLOCK_FACTOR 2
#define GCLOCK_SLACK_MS 1000	/* /proc/uptime's 10 ms steps, the reads' own latency */

static int span_bad(uint64_t guest, uint64_t host_min, uint64_t host_max, unsigned factor)
{
	return guest > host_max * factor + GCLOCK_SLACK_MS ||
	       guest * factor + GCLOCK_SLACK_MS < host_min;
}

int gclock_judge(const struct gclock_obs *o, unsigned factor, char *msg, size_t len)
{
	const struct gclock_read *h = &o->hello, *e = &o->end;

	if (o->have_hello && o->start &&	/* 0: restored, no boot to compare with */
	    h->up_ms > (h->hi - o->start) * factor + GCLOCK_SLACK_MS) {
		snprintf(msg, len, "guest uptime %" PRIu64 " ms at the agent's hello, but the "
			 "domain started %" PRIu64 " ms before: guest time runs %.1fx host time",
			 h->up_ms, h->hi - o->start,
			 (double)h->up_ms / (double)(h->hi - o->start ? h->hi - o->start : 1));
		return -1;
	}
	if (!o->have_hello || !o->have_end)
		return 0;
	if (e->up_ms < h->up_ms) {
		snprintf(msg, len, "guest uptime went back from %" PRIu64 " to %" PRIu64 " ms",
			 h->up_ms, e->up_ms);
		return -1;
	}
	if (span_bad(e->up_ms - h->up_ms, e->lo > h->hi ? e->lo - h->hi : 0, e->hi - h->lo,
		     factor)) {
		snprintf(msg, len, "guest time advanced %" PRIu64 " ms from the hello to the end, "
			 "host time %" PRIu64 "-%" PRIu64 " ms: not within %ux", e->up_ms - h->up_ms,
			 e->lo > h->hi ? e->lo - h->hi : 0, e->hi - h->lo, factor);
		return -1;
	}
	return 0;
}

int gclock_read(struct run *r, struct gclock_read *g, char *err, size_t errlen)
{
	struct strbuf reply = STRBUF_INIT;
	double up;
	int rc;

	g->lo = now_ms();
	rc = agent_read(r, run_timeout(r, 10000), "/proc/uptime", &reply, err, errlen);
	g->hi = now_ms();
	if (rc == 0 && (sscanf(sb_str(&reply), "%lf", &up) != 1 || up < 0)) {
		snprintf(err, errlen, "/proc/uptime: no number in \"%.60s\"", sb_str(&reply));
		rc = -EPROTO;
	} else if (rc == 0) {
		g->up_ms = (uint64_t)(up * 1000);
	}
	sb_release(&reply);
	return rc;
}

static int guest_clock_check(const struct scn_line *l, char *err, size_t errlen)
{
	if (l->argc != 2) {
		snprintf(err, errlen, "expect guest-clock: takes no arguments");
		return -1;
	}
	return 0;
}

static int guest_clock_run(struct run *r, const struct scn_line *l)
{
	struct gclock_obs *o = &r->gclock;
	struct strbuf ev = STRBUF_INIT;
	unsigned lineno = l ? l->lineno : 0;
	char msg[320], err[256];
	struct json j;

	if (!o->have_hello) {
		result_add(&r->res, V_ERROR, "guest clock", lineno, NULL,
			   "no guest uptime was read at the agent's hello");
		return 0;
	}
	if (gclock_read(r, &o->end, err, sizeof(err)) < 0) {
		result_add(&r->res, V_ERROR, "guest clock", lineno, NULL, "%s", err);
		return 0;
	}
	o->have_end = 1;
	json_init(&j, &ev, 0);
	json_obj_begin(&j, NULL);
	json_u64(&j, "host_before_start_ms", o->start);
	json_u64(&j, "hello_uptime_ms", o->hello.up_ms);
	json_u64(&j, "hello_host_lo_ms", o->hello.lo);
	json_u64(&j, "hello_host_hi_ms", o->hello.hi);
	json_u64(&j, "end_uptime_ms", o->end.up_ms);
	json_u64(&j, "end_host_lo_ms", o->end.lo);
	json_u64(&j, "end_host_hi_ms", o->end.hi);
	json_obj_end(&j);
	if (gclock_judge(o, GCLOCK_FACTOR, msg, sizeof(msg)) < 0)
		result_add(&r->res, V_ERROR, "guest clock", lineno, sb_str(&ev),
			   "%s (a miscalibrated guest clock: its deadlines mean nothing)", msg);
	else
		result_add(&r->res, V_PASS, "guest clock", lineno, sb_str(&ev),
			   "guest time %" PRIu64 " ms over host time %" PRIu64 " ms, within %ux",
			   o->end.up_ms - o->hello.up_ms, o->end.hi - o->hello.lo, GCLOCK_FACTOR);
	sb_release(&ev);
	return 0;
}

const struct oracle oracle_guest_clock = {
	.name = "guest-clock",
	.usage = "expect guest-clock",
	.proves = "guest time kept pace with host time (within 2x) from the domain's start to "
		  "the end: the guest's own deadlines meant what they said",
	.check = guest_clock_check, .run = guest_clock_run, .automatic = 1,
};
