/* Unit tests for the guest clock: host/tsc.c (the TSC frequency from two bracketed
 * readings, this host's) and gclock_judge (oracle_guest_clock.c). The fast case is the
 * one seen on 2026-12-05: a Debian 6.1 x86_64 guest under TCG whose TSC was calibrated at
 * 55 MHz on a 2096 MHz host, guest time ~38x host time. */
#include <stdint.h>
#include <string.h>
#include "gclock.h"
#include "tap.h"

static void khz_case(uint64_t tsc0, uint64_t ns0, uint64_t sp0, uint64_t tsc1, uint64_t ns1,
		     uint64_t sp1, uint64_t want, const char *what)
{
	struct tsc_sample a = { tsc0, ns0, sp0 }, b = { tsc1, ns1, sp1 };
	uint64_t got = tsc_khz_between(&a, &b);

	ok(got == want, "tsc_khz_between: %s = %llu kHz (got %llu)", what,
	   (unsigned long long)want, (unsigned long long)got);
}

static struct gclock_obs obs(uint64_t start, uint64_t up0, uint64_t lo0, uint64_t hi0,
			     uint64_t up1, uint64_t lo1, uint64_t hi1, int have_end)
{
	struct gclock_obs o = { start, { up0, lo0, hi0 }, { up1, lo1, hi1 }, 1, have_end };

	return o;
}

static void judge_case(struct gclock_obs o, int want, const char *needle, const char *what)
{
	char msg[320] = "";
	int got = gclock_judge(&o, 2, msg, sizeof(msg));

	ok(got == want && (!needle || strstr(msg, needle)), "gclock_judge: %s (%d, \"%s\")",
	   what, got, msg);
}

int main(void)
{
	uint64_t khz;

	/* 20 ms of a 2096.026 MHz counter, sub-µs brackets */
	khz_case(1000, 5000000, 300, 1000 + 41920520, 25000000, 400, 2096026, "20 ms at 2096 MHz");
	khz_case(0, 0, 0, 2000000000ull, 1000000000ull, 0, 2000000, "1 s at 2 GHz");
	/* a bracket of 30 µs on a 20 ms interval: over a thousandth, not trusted */
	khz_case(1000, 5000000, 30000, 1000 + 41920520, 25000000, 400, 0, "a wide bracket");
	khz_case(5000, 25000000, 0, 1000, 5000000, 0, 0, "readings in the wrong order");
	khz_case(1000, 5000000, 0, 1000, 25000000, 0, 0, "a counter that stood still");
	khz_case(0, 0, 0, UINT64_MAX, 1000, 0, 0, "a product that would overflow");

	khz = host_tsc_khz();
#if defined(__x86_64__)
	ok(khz == 0 || (khz > 100000 && khz < 10000000),
	   "host_tsc_khz on x86_64: 0 (no constant TSC) or 100 MHz-10 GHz (%llu kHz)",
	   (unsigned long long)khz);
#else
	ok(khz == 0, "host_tsc_khz off x86_64 is 0 (%llu)", (unsigned long long)khz);
#endif
	ok(host_tsc_khz() == khz, "host_tsc_khz is measured once and remembered");

	/* domain started at 1000 ms; hello read at 6000-6050 ms */
	judge_case(obs(1000, 4200, 6000, 6050, 0, 0, 0, 0), 0, NULL,
		   "a 4.2 s uptime 5 s after the start is fine");
	judge_case(obs(1000, 190000, 6000, 6050, 0, 0, 0, 0), -1, "37.6x",
		   "the 55 MHz guest: 190 s of uptime 5 s after the start");
	judge_case(obs(1000, 12000, 6000, 6050, 0, 0, 0, 0), -1, "at the agent's hello",
		   "over 2x at the hello (12 s in 5 s)");
	judge_case(obs(1000, 4200, 6000, 6050, 4200 + 30000, 36000, 36100, 1), 0, NULL,
		   "30 s of guest time over 30 s of host time");
	judge_case(obs(1000, 4200, 6000, 6050, 4200 + 1140000, 36000, 36100, 1), -1, "not within 2x",
		   "the 55 MHz guest's 30 s: 1140 s of guest time");
	judge_case(obs(1000, 4200, 6000, 6050, 4200 + 10000, 36000, 36100, 1), -1, "not within 2x",
		   "guest time 3x slow (10 s over 30 s)");
	judge_case(obs(1000, 4200, 6000, 6050, 4000, 36000, 36100, 1), -1, "went back",
		   "uptime going backwards");
	judge_case(obs(1000, 4200, 6000, 6050, 4300, 6100, 6200, 1), 0, NULL,
		   "a short run: 100 ms against 50-200 ms, within the reads' slack");
	return done();
}
