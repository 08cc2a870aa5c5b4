/* x86_64 back-end: i440fx PC with ACPI memory hotplug, console on ttyS0. */
#include "arch.h"
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
	.features_xml = x86_features,
	.console_xml = x86_console,
};
