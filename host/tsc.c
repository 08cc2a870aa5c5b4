/* The host's TSC frequency. Under TCG QEMU's guest TSC is the host's own counter
 * (target/i386/tcg/misc_helper.c helper_rdtsc → cpu_get_tsc → cpus_get_elapsed_ticks →
 * cpu_get_host_ticks = the host's rdtsc), so this is the frequency the guest must be told
 * (tsc_early_khz=, arch_x86_64.c) instead of calibrating it against an emulated PIT with a
 * vCPU the host may preempt. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "gclock.h"
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

uint64_t tsc_khz_between(const struct tsc_sample *a, const struct tsc_sample *b)
{
	uint64_t dns, dtsc;

	if (b->ns <= a->ns || b->tsc <= a->tsc)
		return 0;
	dns = b->ns - a->ns;
	dtsc = b->tsc - a->tsc;
	if ((a->spread_ns + b->spread_ns) * 1000 > dns)
		return 0;
	/* kHz = cycles per ms; dtsc * 1e6 overflows only after ~9e12 cycles (over an hour) */
	if (dtsc > UINT64_MAX / 1000000)
		return 0;
	return (dtsc * 1000000 + dns / 2) / dns;
}

#if defined(__x86_64__)
static uint64_t raw_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The tightest of a few bracketed readings: a preemption between the clock reads widens
 * only that reading's spread. */
static void tsc_sample_take(struct tsc_sample *s)
{
	s->spread_ns = UINT64_MAX;
	for (int i = 0; i < 16; i++) {
		uint64_t n1 = raw_ns(), t = __rdtsc(), n2 = raw_ns();

		if (n2 - n1 < s->spread_ns) {
			s->tsc = t;
			s->ns = n1 + (n2 - n1) / 2;
			s->spread_ns = n2 - n1;
		}
	}
}

static int tsc_is_constant(void)
{
	char line[4096];
	int ok = 0;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5)) {
			ok = strstr(line, " constant_tsc") && strstr(line, " nonstop_tsc");
			break;
		}
	fclose(f);
	return ok;
}

uint64_t host_tsc_khz(void)
{
	static uint64_t khz;
	static int done;
	struct tsc_sample a, b;
	struct timespec gap = { 0, 20 * 1000000 };

	if (done)
		return khz;
	done = 1;
	if (!tsc_is_constant())
		return 0;
	/* a measurement interval, not a wait for an event: 20 ms bound the error to
	 * (spreads)/20 ms, well under 0.1 % with sub-µs spreads; tried three times */
	for (int i = 0; i < 3 && !khz; i++) {
		tsc_sample_take(&a);
		nanosleep(&gap, NULL);
		tsc_sample_take(&b);
		khz = tsc_khz_between(&a, &b);
	}
	return khz;
}
#else
uint64_t host_tsc_khz(void)
{
	return 0;
}
#endif
