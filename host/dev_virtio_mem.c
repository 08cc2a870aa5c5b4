/* virtio-mem device kind: a virtio-mem-pci device the machine boots with (declared by the
 * `virtio-mem` step before `boot`), resized live by changing <requested> of its live
 * <memory model='virtio-mem'> element (virDomainUpdateDeviceFlags); QEMU reports every
 * change of the plugged size as MEMORY_DEVICE_SIZE_CHANGE. libvirt 9.0 cannot remove the
 * device: shrinking to 0 is its way out. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libvirt/libvirt.h>
#include "devkind.h"
#include "hpt.h"
#include "strbuf.h"
#include "vmem.h"
#include "virt.h"

static void vmem_boot_xml(struct strbuf *sb, const struct run *r, const struct hpt_dev *d)
{
	(void)r;
	sb_addf(sb, "<memory model='virtio-mem'><target><size unit='KiB'>%llu</size>"
		"<node>%d</node><block unit='KiB'>%llu</block><requested unit='KiB'>%llu"
		"</requested></target><alias name='%s'/></memory>\n",
		(unsigned long long)(d->size >> 10), d->node,
		(unsigned long long)(d->vm_block >> 10),
		(unsigned long long)(d->vm_requested >> 10), d->alias);
}

const struct devkind dev_virtio_mem = {
	.name = "virtio-mem",
	.help = "virtio-mem-pci declared before boot with `virtio-mem NAME size=… block=…`, "
		"resized with `resize NAME requested=…` (x86_64)",
	.plug = NULL,
	.unplug = NULL,
	.boot_xml = vmem_boot_xml,
};

/* Value in bytes of <tag unit='KiB'>N</tag> inside elem. */
static int elem_kib(const char *elem, const char *tag, uint64_t *bytes)
{
	char open[48];
	const char *p;

	snprintf(open, sizeof(open), "<%s unit='KiB'>", tag);
	p = strstr(elem, open);
	if (!p)
		return -ENOENT;
	*bytes = strtoull(p + strlen(open), NULL, 10) << 10;
	return 0;
}

int vmem_host_plugged(struct run *r, struct hpt_dev *d, uint64_t *plugged)
{
	char *elem;
	int rc = live_memory_element(r, d->alias, &elem);

	if (rc < 0)
		return rc;
	rc = elem_kib(elem, "current", plugged);
	free(elem);
	if (rc == 0)
		d->vm_plugged = *plugged;
	return rc;
}

int vmem_set_requested(struct run *r, struct hpt_dev *d, uint64_t requested, char *err,
		       size_t errlen)
{
	struct strbuf x = STRBUF_INIT;
	char *elem, *p, *q;
	int rc = live_memory_element(r, d->alias, &elem);

	if (rc < 0) {
		snprintf(err, errlen, "vm %s: virtio-mem %s: no live <memory> element with alias %s",
			 r->vm_name, d->name, d->alias);
		return rc;
	}
	p = strstr(elem, "<requested unit='KiB'>");
	q = p ? strstr(p, "</requested>") : NULL;
	if (!q) {
		snprintf(err, errlen, "vm %s: virtio-mem %s: live element has no <requested>",
			 r->vm_name, d->name);
		free(elem);
		return -EPROTO;
	}
	/* the live element with only <requested> changed */
	sb_add(&x, elem, (size_t)(p - elem));
	sb_addf(&x, "<requested unit='KiB'>%llu", (unsigned long long)(requested >> 10));
	sb_adds(&x, q);
	free(elem);
	if (virDomainUpdateDeviceFlags(r->dom, sb_str(&x), VIR_DOMAIN_AFFECT_LIVE) < 0) {
		snprintf(err, errlen, "vm %s: virtio-mem %s: update requested=%llu KiB: %s",
			 r->vm_name, d->name, (unsigned long long)(requested >> 10),
			 virt_lasterr());
		rc = -EIO;
	} else {
		d->vm_requested = requested;
	}
	sb_release(&x);
	return rc;
}

int vmem_find_region(const struct snapshot *s, const struct hpt_dev *devs, int n_devs,
		     const struct hpt_dev *d, uint64_t *base)
{
	int nth = 0, seen = 0;

	/* the k-th virtio-mem device (declaration order) is the k-th region of its size:
	 * QEMU hands out device memory in command-line order, libvirt keeps XML order */
	for (int i = 0; i < n_devs && &devs[i] != d; i++)
		if (devs[i].kind == d->kind && devs[i].size == d->size)
			nth++;
	for (size_t i = 0; i < s->n_iomem; i++) {
		const struct iomem_range *g = &s->iomem[i];

		if (strncmp(g->name, "virtio", 6) || !strchr("0123456789", g->name[6]) ||
		    g->end - g->start + 1 != d->size)
			continue;
		if (seen++ == nth) {
			*base = g->start;
			return 0;
		}
	}
	return -ENOENT;
}
