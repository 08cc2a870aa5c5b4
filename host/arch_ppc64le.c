/* ppc64le back-end: pseries (PAPR) with DLPAR memory hotplug of 256 MiB LMBs, console on
 * hvc0 (spapr-vty). */
#include "arch.h"
#include "hpt.h"

static const char *const ppc_devkinds[] = { "dimm", NULL };

static void ppc_features(struct strbuf *sb, const struct run *r)
{
	(void)r;
	sb_adds(sb, "<qemu:commandline xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>"
		    "<qemu:arg value='-machine'/><qemu:arg value='x-vof=on,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off'/></qemu:commandline>\n");
}

static void ppc_console(struct strbuf *sb, const char *log)
{
	/* on pseries libvirt makes <serial> a spapr-vty: the guest's hvc0 */
	sb_addf(sb, "<serial type='file'><source path='%s'/><target port='0'/></serial>\n", log);
}

const struct arch arch_ppc64le = {
	.name = "ppc64le",
	.virt_arch = "ppc64le",
	.machine = "pseries",
	.emulator = "/usr/bin/qemu-system-ppc64",
	.kernel_image = "vmlinuz",
	.base_cmdline = "console=hvc0 quiet panic=-1 rcupdate.rcu_expedited=1",
	.default_memory = 512ull << 20,
	.dimm_align = 256ull << 20,
	.devkinds = ppc_devkinds,
	.features_xml = ppc_features,
	.console_xml = ppc_console,
};
