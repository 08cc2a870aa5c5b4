/* DIMM device kind: libvirt <memory model='dimm'>, ACPI hotplug on x86_64, DLPAR LMBs
 * on pseries. Detach is asynchronous: DEVICE_REMOVED or DEVICE_REMOVAL_FAILED. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libvirt/libvirt.h>
#include "agent.h"
#include "devkind.h"
#include "virt.h"

/* Reads base='0x…' of the live <memory> element whose alias is `alias`. */
static int live_base(struct run *r, const char *alias, uint64_t *base)
{
	char *elem, *b;
	int rc = live_memory_element(r, alias, &elem);

	if (rc < 0)
		return rc;
	b = strstr(elem, "base='");
	if (b)
		*base = strtoull(b + 6, NULL, 0);
	free(elem);
	return b ? 0 : -ENOENT;
}

static int dimm_plug(struct run *r, struct hpt_dev *d, char *err, size_t errlen)
{
	char xml[512];
	uint64_t bs = r->guest.block_size;
	int rc;

	snprintf(xml, sizeof(xml),
		 "<memory model='dimm'><target><size unit='KiB'>%llu</size><node>%llu</node>"
		 "</target><alias name='%s'/></memory>",
		 (unsigned long long)(d->size >> 10), (unsigned long long)d->node, d->alias);
	if (virDomainAttachDeviceFlags(r->dom, xml, VIR_DOMAIN_AFFECT_LIVE) < 0) {
		snprintf(err, errlen, "vm %s: attach dimm %s: %s", r->vm_name, d->name,
			 virt_lasterr());
		return -EIO;
	}
	rc = live_base(r, d->alias, &d->base);
	if (rc < 0) {
		snprintf(err, errlen, "vm %s: dimm %s: no base address in the live XML",
			 r->vm_name, d->name);
		return rc;
	}
	if (d->base % bs) {
		snprintf(err, errlen, "vm %s: dimm %s at 0x%llx is not block aligned", r->vm_name,
			 d->name, (unsigned long long)d->base);
		return -EINVAL;
	}
	d->first_block = (uint32_t)(d->base / bs);
	d->n_blocks = (uint32_t)(d->size / bs);
	return agent_wait_blocks(r, d->first_block, d->n_blocks, "present",
				 run_timeout(r, 20000), NULL, NULL, err, errlen);
}

static int dimm_unplug(struct run *r, struct hpt_dev *d, char *err, size_t errlen)
{
	uint32_t order[HPT_JOURNAL_MAX];
	struct vevent ev;
	uint64_t wait, deadline;
	int rc, n = 0;

	/* start the guest's block event journal afresh: it records the removal order */
	rc = agent_block_events(r, "remove", 0, 0, order, 0, err, errlen);
	if (rc < 0)
		return rc;
	if (virDomainDetachDeviceAlias(r->dom, d->alias, VIR_DOMAIN_AFFECT_LIVE) < 0) {
		snprintf(err, errlen, "vm %s: detach dimm %s: %s", r->vm_name, d->name,
			 virt_lasterr());
		return -EIO;
	}
	wait = d->unplug_timeout_ms ? d->unplug_timeout_ms : run_timeout(r, 30000);
	deadline = now_ms() + wait;
	/* in 1 s slices: a guest that hangs meanwhile is noticed by its heartbeat */
	while ((rc = virt_wait2(r->virt, r->vm_name, VEV_DEVICE_REMOVED, VEV_REMOVAL_FAILED,
				d->alias, now_ms() + 1000 < deadline ? now_ms() + 1000 : deadline,
				&ev)) == -ETIMEDOUT && now_ms() < deadline) {
		rc = chan_pump(&r->chan);
		if (rc < 0) {
			snprintf(err, errlen, "vm %s: dimm %s: while waiting for the unplug: %s",
				 r->vm_name, d->name, r->chan.err);
			return rc == -ETIMEDOUT ? -EPIPE : rc;	/* a hang, not a guest's no */
		}
	}
	if (rc == -ETIMEDOUT) {
		snprintf(err, errlen, "vm %s: dimm %s: the guest never answered the unplug: "
			 "neither DEVICE_REMOVED nor DEVICE_REMOVAL_FAILED within %llu s",
			 r->vm_name, d->name, (unsigned long long)wait / 1000);
		return rc;
	}
	if (rc < 0) {
		snprintf(err, errlen, "vm %s: dimm %s: interrupted", r->vm_name, d->name);
		return rc;
	}
	if (ev.kind == VEV_STOPPED || ev.kind == VEV_CRASHED) {
		snprintf(err, errlen, "vm %s: guest %s while dimm %s was being removed", r->vm_name,
			 vev_names[ev.kind], d->name);
		return -EPIPE;
	}
	if (ev.kind == VEV_REMOVAL_FAILED) {
		snprintf(err, errlen, "vm %s: the guest refused to release dimm %s "
			 "(DEVICE_REMOVAL_FAILED)", r->vm_name, d->name);
		return -ECANCELED;
	}
	rc = agent_wait_blocks(r, d->first_block, d->n_blocks, "absent", run_timeout(r, 10000),
			       NULL, NULL, err, errlen);
	if (rc < 0)
		return rc;
	/* the order in which the guest saw the blocks go, from its uevents */
	n = agent_block_events(r, "remove", d->first_block, d->n_blocks, order, HPT_JOURNAL_MAX,
			       err, errlen);
	for (int i = 0; i < n; i++)
		journal_add(r, J_BLOCK_GONE, (int)(d - r->devs), order[i]);
	return n < 0 ? n : 0;
}

const struct devkind dev_dimm = {
	.name = "dimm",
	.help = "pc-dimm (x86_64 ACPI) / LMBs (pseries); size a multiple of the arch granularity",
	.plug = dimm_plug,
	.unplug = dimm_unplug,
};
