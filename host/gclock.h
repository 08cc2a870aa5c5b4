/* The guest's clock against the host's: the TSC frequency an x86_64 guest is told at boot
 * (tsc.c) and the check that guest time kept pace with host time (oracle_guest_clock.c). */
#ifndef HPT_GCLOCK_H
#define HPT_GCLOCK_H
#include <stddef.h>
#include <stdint.h>

struct run;

/* One reading of the TSC bracketed by two of CLOCK_MONOTONIC_RAW (ns): spread_ns is how
 * far apart those two were, the reading's uncertainty. */
struct tsc_sample {
	uint64_t tsc, ns, spread_ns;
};

/* kHz of a counter that went from a to b; 0 when the interval is too short to give it
 * within 0.1 % (spreads over a thousandth of the interval) or runs backwards. */
uint64_t tsc_khz_between(const struct tsc_sample *a, const struct tsc_sample *b);
/* This host's TSC frequency in kHz, measured once (~20 ms) and remembered; 0 when the
 * host is no x86_64 or its TSC is not constant (no constant_tsc/nonstop_tsc). */
uint64_t host_tsc_khz(void);

/* A guest uptime (ms, from /proc/uptime) read through the agent, between host times lo
 * and hi (ms, CLOCK_MONOTONIC). */
struct gclock_read {
	uint64_t up_ms, lo, hi;
};
/* What the run saw: the host time just before the domain started, the guest's uptime at
 * the agent's hello and at the end. */
struct gclock_obs {
	uint64_t start;
	struct gclock_read hello, end;
	int have_hello, have_end;
};
/* The verdict on obs: 0 when guest time kept within `factor` of host time (plus 1 s for
 * the reads), else -1 with why in msg. At the hello the guest cannot have lived longer
 * than the domain; from the hello to the end both clocks measure the same interval. */
int gclock_judge(const struct gclock_obs *o, unsigned factor, char *msg, size_t len);
/* Reads the guest's /proc/uptime into *g; 0 or -errno (the channel's message in err). */
int gclock_read(struct run *r, struct gclock_read *g, char *err, size_t errlen);

#endif
