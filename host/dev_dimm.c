/* DIMM device kind: libvirt <memory model='dimm'>, ACPI hotplug on x86_64, DLPAR LMBs
 * on pseries. Detach is asynchronous: DEVICE_REMOVED or DEVICE_REMOVAL_FAILED. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libvirt/libvirt.h>
#include "agent.h"
#include "arch.h"
#include "chan.h"
#include "clock.h"
#include "devkind.h"
#include "virt.h"

/* Reads attribute attr='…' (a number) of the live <memory> element whose alias is
 * `alias`: its <address>'s base or slot. */
static int live_attr(struct run *r, const char *alias, const char *attr, uint64_t *val)
{
	char *elem, *b, key[32];
	int rc = live_memory_element(r, alias, &elem);

	if (rc < 0)
		return rc;
	snprintf(key, sizeof(key), " %s='", attr);
	b = strstr(elem, key);
	if (b)
		*val = strtoull(b + strlen(key), NULL, 0);
	free(elem);
	return b ? 0 : -ENOENT;
}

/* After DEVICE_REMOVED, the guest is still in its eject handler: it asks _STA whether the
 * slot emptied, then reports (_OST). A DIMM plugged into the slot before that makes the
 * guest see the slot still full ("Eject incomplete"), and it never adds the new one (seen
 * once in ~2000 cycles on 6.12, x86_64): the slot is free once _OST said how the eject
 * ended. Waits for that report; 0, or -ETIMEDOUT (err says so) if none came. */
#define OST_EJECT_REQUEST 3		/* _OST source: ACPI_NOTIFY_EJECT_REQUEST */
#define OST_EJECT_IN_PROGRESS 0x84	/* _OST status reported before the eject */

static int wait_eject_reported(struct run *r, struct hpt_dev *d, const char *slot,
			       uint64_t deadline, char *err, size_t errlen)
{
	struct vevent ev;
	int rc;

	while ((rc = virt_wait(r->virt, r->vm_name, VEV_ACPI_OST, slot, deadline, &ev)) == 0)
		if (ev.size == OST_EJECT_REQUEST && ev.detail != OST_EJECT_IN_PROGRESS) {
			hpt_verbose("dimm %s: the guest reported the eject of slot %s (_OST "
				    "status 0x%x)", d->name, slot, ev.detail);
			chan_note(&r->chan, "dimm %s: eject of slot %s reported (_OST status 0x%x)",
				  d->name, slot, ev.detail);
			return 0;
		}
	snprintf(err, errlen, "vm %s: dimm %s: the guest did not report the eject of slot %s "
		 "(_OST) in time", r->vm_name, d->name, slot);
	return rc;
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
	rc = live_attr(r, d->alias, "base", &d->base);
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
	uint64_t wait, deadline, slot_no;
	char slot[24] = "";
	int rc, n = 0;

	/* start the guest's block event journal afresh: it records the removal order */
	rc = agent_block_events(r, "remove", 0, 0, order, 0, err, errlen);
	if (rc < 0)
		return rc;
	if (r->arch->acpi_ost && r->virt->qmp_cb >= 0 &&
	    live_attr(r, d->alias, "slot", &slot_no) == 0) {
		snprintf(slot, sizeof(slot), "%llu", (unsigned long long)slot_no);
		while (virt_wait(r->virt, r->vm_name, VEV_ACPI_OST, slot, 0, &ev) == 0)
			;	/* reports of this slot's earlier events */
	}
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
	if (slot[0]) {
		rc = wait_eject_reported(r, d, slot, now_ms() + run_timeout(r, 10000), err,
					 errlen);
		if (rc < 0)
			return rc == -ETIMEDOUT ? -EPIPE : rc;
	}
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
