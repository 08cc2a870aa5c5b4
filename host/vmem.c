/* virtio-mem at run time: finding the device's region in the guest, onlining what the
 * guest left offline, and the guest-side proof after each resize (see vmem.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "agent.h"
#include "devkind.h"
#include "virt.h"
#include "arch.h"
#include "model.h"
#include "oracles.h"
#include "vmem.h"

/* Onlines the region's present offline blocks, one by one (the region has holes). */
static int online_offline(struct run *r, struct hpt_dev *d, const struct snapshot *s,
			  const char *state, char *err, size_t errlen)
{
	for (size_t i = 0; i < s->n_blocks; i++) {
		const struct mem_block *b = &s->blocks[i];
		struct strbuf reply = STRBUF_INIT;
		int rc;

		if (b->index < d->first_block || b->index - d->first_block >= d->n_blocks ||
		    b->state != BLOCK_OFFLINE)
			continue;
		rc = chan_call(&r->chan, run_timeout(r, 60000), &reply, "online %u 1 %s",
			       b->index, state);
		if (rc != 0)
			snprintf(err, errlen, "online memory%u %s: %.300s", b->index, state,
				 rc < 0 ? r->chan.err : sb_str(&reply));
		sb_release(&reply);
		if (rc != 0)
			return rc < 0 ? rc : -EIO;
	}
	return 0;
}

int vmem_locate(struct run *r, struct hpt_dev *d, const struct snapshot **snap_out, char *err,
		size_t errlen)
{
	const struct snapshot *s;
	char snap[48];
	uint64_t base, plugged;
	int rc;

	snprintf(snap, sizeof(snap), "vmem-ready-%s", d->name);
	if (run_snapshot(r, snap, 0, &s) < 0) {
		snprintf(err, errlen, "%s", r->chan.err);
		return -EIO;
	}
	if (snap_out)
		*snap_out = s;
	if (!d->base) {
		if (vmem_find_region(s, r->devs, r->n_devs, d, &base) < 0) {
			snprintf(err, errlen, "no virtio-mem region of %llu MiB in the guest's "
				 "/proc/iomem (is the virtio_mem driver loaded?)",
				 (unsigned long long)(d->size >> 20));
			return -ENOENT;
		}
		rc = vmem_host_plugged(r, d, &plugged);
		if (rc < 0) {
			snprintf(err, errlen, "no <current> size in the live XML of %s", d->alias);
			return rc;
		}
		d->base = base;
		d->first_block = (uint32_t)(base / r->guest.block_size);
		d->n_blocks = (uint32_t)(d->size / r->guest.block_size);
		d->vm_base_plugged = plugged;
		hpt_verbose("virtio-mem %s: region 0x%llx-0x%llx, memory%u.., plugged %llu MiB",
			    d->name, (unsigned long long)base,
			    (unsigned long long)(base + d->size - 1), d->first_block,
			    (unsigned long long)(plugged >> 20));
	}
	return 0;
}

int vmem_ready(struct run *r, struct hpt_dev *d, const char *state, char *err, size_t errlen)
{
	const struct snapshot *s;
	int rc = vmem_locate(r, d, &s, err, errlen);

	return rc < 0 ? rc : online_offline(r, d, s, state, err, errlen);
}

int vmem_prove(struct run *r, unsigned lineno, struct hpt_dev *d, const char *since,
	       const char *snap, const char *what, int quiet, char *err, size_t errlen)
{
	const struct snapshot *base = run_snap(r, since), *now;
	struct placement_in in = {
		.arch = r->arch->name, .major = r->guest.major, .minor = r->guest.minor,
		.cmdline = r->guest.cmdline, .devkind = d->kind->name, .size = d->size,
		.block_size = r->guest.block_size, .page_size = r->guest.page_size,
	};
	struct placement_pred pred;
	struct strbuf ev = STRBUF_INIT;
	struct vmem_obs o;
	struct json j;
	uint64_t plugged, memmap = 0;
	char why[512], name[96];
	enum verdict v;

	if (!base) {
		snprintf(err, errlen, "no snapshot named %s (take it after boot, before resizing)",
			 since);
		return V_ERROR;
	}
	if (run_snapshot(r, snap, 0, &now) < 0) {
		snprintf(err, errlen, "%s", r->chan.err);
		return V_ERROR;
	}
	if (vmem_host_plugged(r, d, &plugged) < 0) {
		snprintf(err, errlen, "no <current> size in the live XML of %s", d->alias);
		return V_ERROR;
	}
	model_placement(&in, &pred);
	if (pred.p == PLACE_ON_BLOCK)	/* never for virtio-mem up to 6.4: the model says so */
		memmap = (plugged - d->vm_base_plugged) / r->guest.page_size * MODEL_STRUCT_PAGE;
	vmem_observe(base, now, d->base, d->size, r->guest.page_size, &o);
	v = vmem_judge(&o, plugged, d->vm_base_plugged, memmap, why, sizeof(why));
	if (!quiet) {
		json_init(&j, &ev, 0);
		json_obj_begin(&j, NULL);
		json_str(&j, "device", d->name);
		json_str(&j, "since", since);
		json_str(&j, "snapshot", snap);
		vmem_evidence(&j, &o, d->vm_requested, plugged, d->vm_base_plugged, &pred);
		json_obj_end(&j);
		snprintf(name, sizeof(name), "virtio-mem %s %s", d->name, what);
		result_add(&r->res, v, name, lineno, sb_str(&ev), "%s", why);
		sb_release(&ev);
	}
	return v;
}

/* After boot: each virtio-mem device's region is found and what the driver plugged for a
 * requested size at boot is online (movable) and has reached that size, so that a
 * baseline taken next already holds it (deltas count from there). */
int vmem_boot_ready(struct run *r, char *err, size_t errlen)
{
	for (int i = 0; i < r->n_devs; i++) {
		struct hpt_dev *d = &r->devs[i];
		uint64_t deadline = now_ms() + run_timeout(r, 30000), plugged = 0;
		int rc;

		if (!d->kind || strcmp(d->kind->name, "virtio-mem"))
			continue;
		/* the driver plugs the boot request from a workqueue, after probing */
		while (d->vm_requested && vmem_host_plugged(r, d, &plugged) == 0 &&
		       plugged != d->vm_requested && now_ms() < deadline)
			usleep(200000);
		if (plugged != d->vm_requested) {
			snprintf(err, errlen, "virtio-mem %s: plugged %llu MiB of the %llu MiB "
				 "requested at boot within %llu s", d->name,
				 (unsigned long long)(plugged >> 20),
				 (unsigned long long)(d->vm_requested >> 20),
				 (unsigned long long)run_timeout(r, 30000) / 1000);
			return -ETIMEDOUT;
		}
		rc = vmem_ready(r, d, "online_movable", err, errlen);
		if (rc < 0)
			return rc;
		if (d->vm_requested) {	/* blocks added while we looked: once more */
			usleep(500000);
			rc = vmem_ready(r, d, "online_movable", err, errlen);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}
