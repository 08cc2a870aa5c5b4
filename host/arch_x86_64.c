/* x86_64 back-end: i440fx PC with ACPI memory hotplug, console on ttyS0. */
#include "arch.h"
#include "gclock.h"
#include "hpt.h"

static void x86_features(struct strbuf *sb, const struct run *r)
{
	(void)r;
	sb_adds(sb, "<features><acpi/></features>\n");
}

static void x86_console(struct strbuf *sb, const char *log)
{
	if (!log)	/* on a remote host: a pty, streamed to us (remote.h) */
		sb_adds(sb, "<serial type='pty'><target port='0'/></serial>\n");
	else
		sb_addf(sb, "<serial type='file'><source path='%s'/><target port='0'/></serial>\n",
			log);
}

/* Under TCG the guest's TSC is this host's TSC (tsc.c): tell the guest its frequency.
 * Calibrating it against QEMU's PIT fails when the host preempts the vCPU thread between
 * programming the PIT and reading the TSC: Linux then keeps the lowest of its tries (a
 * 55 MHz "TSC" on a 2096 MHz host, "PIT calibration deviates from HPET"), and
 * tsc=reliable stops the clocksource watchdog from ever correcting it: guest time ran
 * 38 times fast. Elsewhere (another machine, KVM's kvmclock) the guest calibrates; the
 * guest-clock oracle catches a clock that went wrong. */
static void x86_host_cmdline(struct strbuf *sb, int tcg, int local)
{
	uint64_t khz = tcg && local ? host_tsc_khz() : 0;

	/* in whole MHz: each process measures anew, and the command line is part of the key
	 * of a saved guest (restore.c), which a last digit of noise would change every run;
	 * the guest's own refinement against its HPET corrects the 0.05% */
	if (khz)
		sb_addf(sb, " tsc_early_khz=%llu", (unsigned long long)(khz + 500) / 1000 * 1000);
}

/* tcg_cpus_late: at late init a 6.1-7.2 kernel turns its __sched_clock_stable static key
 * on (tsc=reliable: the TSC is stable), patching each of its branches with text_poke_bp
 * (an int3 first, the new bytes, a core sync after each). Under QEMU 7.2's multi-threaded
 * TCG the second vCPU now and then executes that int3 after the patching ended, a stale
 * translation: "Oops: int3" at sched_clock_cpu+0x9 or sched_clock_tick+0x5 on CPU 1, "Fatal
 * exception in interrupt", 3-4 s into the boot (6.12 twice on 2026-12-06, 7.2 in CI61 and
 * CI62). With one CPU up at late init nothing else runs the patched code. */
const struct arch arch_x86_64 = {
	.name = "x86_64",
	.virt_arch = "x86_64",
	.machine = "pc",
	.emulator = "/usr/bin/qemu-system-x86_64",
	/* qboot + an uncompressed PVH vmlinux: ~3.5 s less than SeaBIOS + bzImage under TCG */
	.firmware = "/usr/share/qemu/qboot.rom",
	.kernel_image = "vmlinux",
	.base_cmdline = "console=ttyS0 quiet panic=-1 tsc=reliable no_timer_check "
			"rcupdate.rcu_expedited=1 i8042.noaux i8042.nokbd",
	.default_memory = 512ull << 20,
	.panic_model = "isa",	/* pvpanic at 0x505, guest driver pvpanic_mmio (QEMU0001) */
	.acpi_ost = 1,
	.features_xml = x86_features,
	.console_xml = x86_console,
	.host_cmdline = x86_host_cmdline,
	.tcg_cpus_late = 1,
};
