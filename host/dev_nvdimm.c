/* NVDIMM device kind: an ACPI NVDIMM (NFIT) backed by a file the testbed creates in the
 * run dir at the exact size (shared access, with a label area). The machine must boot
 * with it (nvdimm=on; QEMU cannot hot-plug one into a machine started without, and
 * never unplugs one): it is declared by the `nvdimm` step before `boot`, and its pmem
 * is used through namespaces (`dax`). */
#include <stdio.h>
#include "devkind.h"
#include "hpt.h"
#include "strbuf.h"

static void nvdimm_boot_xml(struct strbuf *sb, const struct run *r, const struct hpt_dev *d)
{
	/* <pmem/>: libvirt otherwise asks QEMU to preallocate the whole backing file
	 * (measured: 12.4 s and 2 GiB written for a 2 GiB NVDIMM under TCG); the sparse
	 * file fills as the guest writes, and nothing here needs it persistent */
	sb_addf(sb, "<memory model='nvdimm' access='shared'><source><path>%s/nvdimm-%s.img"
		"</path><pmem/></source><target><size unit='KiB'>%llu</size><node>%d</node><label>"
		"<size unit='KiB'>%llu</size></label></target><alias name='%s'/></memory>\n",
		r->dir, d->name, (unsigned long long)(d->size >> 10), d->node,
		(unsigned long long)(d->vm_block >> 10), d->alias);
}

const struct devkind dev_nvdimm = {
	.name = "nvdimm",
	.help = "ACPI NVDIMM the guest boots with (`nvdimm NAME size=… label=…`), used through "
		"`dax` namespaces (x86_64)",
	.plug = NULL,
	.unplug = NULL,
	.boot_xml = nvdimm_boot_xml,
};
