/* s390x back-end: s390-ccw-virtio, virtio-ccw devices, SCLP console. */
#include "arch.h"
#include "hpt.h"

static void s390_features(struct strbuf *sb, const struct run *r)
{
	(void)sb;
	(void)r;
}

static void s390_console(struct strbuf *sb, const char *log)
{
	if (!log)	/* on a remote host: a pty, streamed to us (remote.h) */
		sb_adds(sb, "<console type='pty'><target type='sclp'/></console>\n");
	else
		sb_addf(sb, "<console type='file'><source path='%s'/><target type='sclp'/>"
			"</console>\n", log);
}

const struct arch arch_s390x = {
	.name = "s390x",
	.virt_arch = "s390x",
	.machine = "s390-ccw-virtio",
	.emulator = "/usr/bin/qemu-system-s390x",
	.kernel_image = "vmlinuz",
	.base_cmdline = "console=ttysclp0 quiet panic=-1 rcupdate.rcu_expedited=1",
	.default_memory = 512ull << 20,
	.no_numa = 1,
	.features_xml = s390_features,
	.console_xml = s390_console,
};
