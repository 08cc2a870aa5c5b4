/* virtio-mem device kind: a virtio-mem-pci device the machine boots with (declared by
 * `virtio-mem NAME size=… [block=…] [node=N] [requested=…]` before `boot`), resized live by
 * changing <requested> of its live <memory model='virtio-mem'> element
 * (virDomainUpdateDeviceFlags); QEMU reports every change of the plugged size as
 * MEMORY_DEVICE_SIZE_CHANGE. libvirt 9.0 cannot remove the device: shrinking to 0 is its
 * way out. At run time (vmem.h): finding the device's region in the guest, onlining what
 * the guest left offline, waiting for the host's plugged size, and the guest-side proof
 * of it (`resize`, `expect virtio-mem`); the pure judge is vmem_view.c. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libvirt/libvirt.h>
#include <libvirt/libvirt-qemu.h>
#include "agent.h"
#include "arch.h"
#include "caps.h"
#include "jsonr.h"
#include "model.h"
#include "oracles.h"
#include "strbuf.h"
#include "virt.h"
#include "vmem.h"

#define VM(field) offsetof(struct hpt_dev, u.vmem.field)

static const char *const memslot_modes[] = { "static", "dynamic", NULL };

static const struct opt vmem_opts[] = {
	{ "size", OPT_SIZE, offsetof(struct hpt_dev, size), 0, 2ull << 20, 1ull << 40, NULL,
	  "device region: the most it can ever plug" },
	{ "block", OPT_SIZE, VM(block), 0, 2ull << 20, 1ull << 30, NULL,
	  "device block size, the plug granularity", .def = "2M" },
	{ "node", OPT_UINT, offsetof(struct hpt_dev, node), 0, 0, 63, NULL, "NUMA node",
	  .def = "0" },
	{ "requested", OPT_SIZE, VM(requested), 0, 0, 1ull << 40, NULL,
	  "requested size at boot", .def = "0" },
	{ "memslots", OPT_ENUM, VM(dynamic_memslots), 0, 0, 0, memslot_modes,
	  "static: one memslot for the whole region; dynamic: QEMU maps it in several as it "
	  "plugs (QEMU 8.2, libvirt 10.1: --stack backports), proven by asking QEMU",
	  .def = "static" },
	{ 0 }
};

static int vmem_declare_check(const struct hpt_dev *d, char *err, size_t errlen)
{
	const struct vmem_state *v = &d->u.vmem;

	if (!d->size || v->block & (v->block - 1) || d->size % v->block ||
	    v->requested % v->block || v->requested > d->size) {
		snprintf(err, errlen, "virtio-mem: want size= a multiple of block= (a power of two "
			 ">= 2M), requested= a multiple of block= not above size=");
		return -1;
	}
	return 0;
}

static void vmem_boot_xml(struct strbuf *sb, const struct run *r, const struct hpt_dev *d)
{
	sb_addf(sb, "<memory model='virtio-mem'><target%s><size unit='KiB'>%llu</size>",
		d->u.vmem.dynamic_memslots ? " dynamicMemslots='yes'" : "",
		(unsigned long long)(d->size >> 10));
	if (!r->arch->no_numa)	/* s390x: no NUMA cells, so no node to name */
		sb_addf(sb, "<node>%llu</node>", (unsigned long long)d->node);
	sb_addf(sb, "<block unit='KiB'>%llu</block><requested unit='KiB'>%llu"
		"</requested></target><alias name='%s'/></memory>\n",
		(unsigned long long)(d->u.vmem.block >> 10),
		(unsigned long long)(d->u.vmem.requested >> 10), d->alias);
}

static int vmem_declare_needs(struct run *r, const struct hpt_dev *d, char *why, size_t n)
{
	if (!d->u.vmem.dynamic_memslots)
		return 0;
	return caps_need(r, CAP_DYNAMIC_MEMSLOTS, "virtio-mem", why, n);
}

/* QEMU's reply to qom-get of the device's property prop over QMP (to be freed), or NULL
 * (QMP refused, as a remote host may). */
static char *qom_get(struct run *r, const struct hpt_dev *d, const char *prop)
{
	char cmd[256], *reply = NULL;

	snprintf(cmd, sizeof(cmd), "{\"execute\":\"qom-get\",\"arguments\":{\"path\":"
		 "\"/machine/peripheral/%s\",\"property\":\"%s\"}}", d->alias, prop);
	if (!r->dom || virDomainQemuMonitorCommand(r->dom, cmd, &reply, 0) < 0)
		return NULL;
	return reply;
}

/* Where QEMU and libvirt know dynamic memslots (capability model): a check that QEMU
 * runs the device as declared (libvirt could drop an attribute it does not know), by
 * asking QEMU for the device's dynamic-memslots property over QMP. */
static void vmem_memslots_check(struct run *r, struct hpt_dev *d)
{
	char name[64], why[256], *reply;
	struct cap_query q;
	struct cap_fact f;

	caps_query_for(r, "virtio-mem", &q);
	if (caps_ask(CAP_DYNAMIC_MEMSLOTS, &q, &f) != CAP_YES)
		return;
	reply = qom_get(r, d, "dynamic-memslots");
	snprintf(name, sizeof(name), "virtio-mem %s memslots", d->name);
	result_add(&r->res, vmem_memslots_judge(d->u.vmem.dynamic_memslots, reply, why,
						sizeof(why)), name, d->lineno, reply, "%s", why);
	free(reply);
}

/* After boot: the device's region is found and what the driver plugged for a requested
 * size at boot is online (movable) and has reached that size, so that a baseline taken
 * next already holds it (deltas count from there). */
static int vmem_boot_ready(struct run *r, struct hpt_dev *d, char *err, size_t errlen)
{
	uint64_t deadline = now_ms() + run_timeout(r, 30000), plugged = 0;
	int rc;

	vmem_memslots_check(r, d);

	/* the driver plugs the boot request from a workqueue, after probing: QEMU's
	 * MEMORY_DEVICE_SIZE_CHANGE says when it got there */
	if (d->u.vmem.requested && vmem_wait_plugged(r, d, deadline) < 0) {
		vmem_host_plugged(r, d, &plugged);
		snprintf(err, errlen, "virtio-mem %s: plugged %llu MiB of the %llu MiB "
			 "requested at boot within %llu s", d->name,
			 (unsigned long long)(plugged >> 20),
			 (unsigned long long)(d->u.vmem.requested >> 20),
			 (unsigned long long)run_timeout(r, 30000) / 1000);
		return -ETIMEDOUT;
	}
	/* online what is offline, and look again as long as a look found some (blocks
	 * added while we looked) */
	do
		rc = vmem_ready(r, d, "online_movable", err, errlen);
	while (rc > 0 && now_ms() < deadline);
	return rc < 0 ? rc : 0;
}

const struct devkind dev_virtio_mem = {
	.name = "virtio-mem",
	.help = "virtio-mem-pci declared before boot with `virtio-mem NAME size=… block=…`, "
		"resized with `resize NAME requested=…` (x86_64)",
	.declare_usage = "virtio-mem NAME size=SIZE [block=SIZE] [node=N] [requested=SIZE]",
	.declare_help = "declare a virtio-mem device the guest boots with (before `boot`)",
	.declare_opts = vmem_opts,
	.declare_check = vmem_declare_check,
	.declare_needs = vmem_declare_needs,
	.boot_xml = vmem_boot_xml,
	.boot_ready = vmem_boot_ready,
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

/* QEMU's own plugged size of the device, its "size" property over QMP. libvirt's <current>
 * follows MEMORY_DEVICE_SIZE_CHANGE, which QEMU sends at most once a second per device:
 * a resize's last step reached libvirt up to a second after QEMU had it. 0, or -errno
 * (QMP refused, as a remote host may). */
static int vmem_qemu_size(struct run *r, const struct hpt_dev *d, uint64_t *size)
{
	char err[128], *reply = qom_get(r, d, "size");
	struct jr_val v = { 0 };
	double x;
	int rc = -EPROTO;

	if (!reply)
		return -EIO;
	if (jr_parse(&v, reply, strlen(reply), err, sizeof(err)) == 0) {
		x = jr_num(&v, "return", -1);
		if (x >= 0 && x <= (double)d->size) {
			*size = (uint64_t)x;
			rc = 0;
		}
	}
	jr_free(&v);
	free(reply);
	return rc;
}

int vmem_host_plugged(struct run *r, struct hpt_dev *d, uint64_t *plugged)
{
	char *elem;
	int rc = vmem_qemu_size(r, d, plugged);

	if (rc == 0) {
		d->u.vmem.plugged = *plugged;
		d->u.vmem.plugged_from = "qmp";
		return 0;
	}
	rc = live_memory_element(r, d->alias, &elem);
	if (rc < 0)
		return rc;
	rc = elem_kib(elem, "current", plugged);
	free(elem);
	if (rc == 0) {
		d->u.vmem.plugged = *plugged;
		d->u.vmem.plugged_from = "libvirt";
	}
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
		d->u.vmem.requested = requested;
	}
	sb_release(&x);
	return rc;
}

/* Onlines the region's present offline blocks, one by one (the region has holes); how
 * many it onlined, or -errno. */
static int online_offline(struct run *r, struct hpt_dev *d, const struct snapshot *s,
			  const char *state, char *err, size_t errlen)
{
	int n = 0;

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
		n++;
	}
	return n;
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
		d->u.vmem.base_plugged = plugged;
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
		memmap = (plugged - d->u.vmem.base_plugged) / r->guest.page_size *
			 (r->struct_page ? r->struct_page : MODEL_STRUCT_PAGE);
	vmem_observe(base, now, d->base, d->size, r->guest.page_size, &o);
	v = vmem_judge(&o, plugged, d->u.vmem.base_plugged, memmap, why, sizeof(why));
	if (!quiet) {
		json_init(&j, &ev, 0);
		json_obj_begin(&j, NULL);
		json_str(&j, "device", d->name);
		json_str(&j, "since", since);
		json_str(&j, "snapshot", snap);
		vmem_evidence(&j, &o, d->u.vmem.requested, plugged, d->u.vmem.base_plugged, &pred);
		json_str(&j, "host_plugged_from", d->u.vmem.plugged_from);
		json_obj_end(&j);
		snprintf(name, sizeof(name), "virtio-mem %s %s", d->name, what);
		result_add(&r->res, v, name, lineno, sb_str(&ev), "%s", why);
		sb_release(&ev);
	}
	return v;
}

int vmem_wait_plugged(struct run *r, struct hpt_dev *d, uint64_t deadline)
{
	struct vevent ev;
	uint64_t cur, slice;
	int rc;

	for (;;) {
		if (vmem_host_plugged(r, d, &cur) == 0 && cur == d->u.vmem.requested)
			return 0;
		/* QEMU's size is asked again between events, which QEMU holds back to one a
		 * second: in 50 ms slices while QEMU answers over QMP, else in 1 s slices
		 * (libvirt's <current> only moves with the events); a guest that hangs
		 * meanwhile is noticed by its heartbeat */
		slice = !strcmp(d->u.vmem.plugged_from ? d->u.vmem.plugged_from : "", "qmp") ?
			50 : 1000;
		rc = virt_wait(r->virt, r->vm_name, VEV_SIZE_CHANGE, d->alias,
			       now_ms() + slice < deadline ? now_ms() + slice : deadline, &ev);
		if (rc == -ETIMEDOUT && now_ms() < deadline) {
			if (chan_pump(&r->chan) < 0)
				return -ECOMM;
			continue;
		}
		if (rc < 0)
			return rc;
		if (ev.kind == VEV_STOPPED || ev.kind == VEV_CRASHED)
			return -EPIPE;
		hpt_verbose("virtio-mem %s: MEMORY_DEVICE_SIZE_CHANGE %llu MiB", d->name,
			    (unsigned long long)(ev.size >> 20));
		d->u.vmem.plugged = ev.size;
		if (ev.size == d->u.vmem.requested)
			return 0;
	}
}

int vmem_stuck_evidence(struct run *r, struct hpt_dev *d, struct strbuf *ev)
{
	const struct snapshot *s;
	struct json j;
	char snap[48], before[48];
	int live;

	snprintf(snap, sizeof(snap), "stuck-%s", d->name);
	snprintf(before, sizeof(before), "vmem-ready-%s", d->name);
	live = run_snapshot(r, snap, 0, &s) == 0;
	if (!live)
		s = run_snap(r, before);
	json_init(&j, ev, 0);
	json_obj_begin(&j, NULL);
	json_u64(&j, "requested", d->u.vmem.requested);
	json_u64(&j, "host_plugged", d->u.vmem.plugged);
	json_bool(&j, "guest_answering", live);
	if (s) {
		json_str(&j, "blocks_seen", live ? "now" : "before the resize (the guest no "
			 "longer answers)");
		json_arr_begin(&j, "blocks_plugged");
		for (size_t i = 0; i < s->n_blocks; i++) {
			const struct mem_block *b = &s->blocks[i];
			char w[48];

			if (b->index < d->first_block || b->index - d->first_block >= d->n_blocks)
				continue;
			snprintf(w, sizeof(w), "memory%u %s %s", b->index,
				 b->state == BLOCK_ONLINE ? "online" : "offline", b->zone);
			json_str(&j, NULL, w);
		}
		json_arr_end(&j);
		json_str(&j, "snapshot", live ? snap : before);
	}
	json_obj_end(&j);
	return live;
}
