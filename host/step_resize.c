/* `resize NAME requested=SIZE [zone=movable|normal] [since=SNAP] [timeout=S]`: changes a
 * virtio-mem device's requested size live (virDomainUpdateDeviceFlags with the live
 * <memory> element, only <requested> changed), waits until QEMU's plugged size is the
 * requested one (MEMORY_DEVICE_SIZE_CHANGE, and QEMU's size property asked between
 * those events, which QEMU holds back to one a second), then for the guest to show
 * exactly that (the proof of `expect virtio-mem`, recorded as check "virtio-mem NAME
 * requested=SIZE").
 * New blocks are onlined into `zone` by the guest kernel (auto_online_blocks for the
 * duration of the resize). A guest that cannot give memory back (unmovable pages) is a
 * FAIL that says what stayed plugged, after the deadline — not a hang. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "agent.h"
#include "devkind.h"
#include "oracles.h"
#include "size.h"
#include "step.h"
#include "virt.h"
#include "vmem.h"

/* looks at the guest's view after a size change before the deadline may end them */
#define RESIZE_MIN_POLLS 4

static const char *const zone_names[] = { "movable", "normal", NULL };
static const char *const zone_states[] = { "online_movable", "online_kernel" };

struct resize_args {
	uint64_t requested, timeout;
	int zone;
	char since[32];
	int have_requested;
};

static const struct opt resize_opts[] = {
	{ "requested", OPT_SIZE, offsetof(struct resize_args, requested), 0, 0, 1ull << 40, NULL,
	  "new requested size (a multiple of the device block size; 0 gives everything back)" },
	{ "zone", OPT_ENUM, offsetof(struct resize_args, zone), 0, 0, 0, zone_names,
	  "zone new memory blocks go online in", .def = "movable" },
	{ "since", OPT_STR, offsetof(struct resize_args, since), 32, 0, 0, NULL,
	  "snapshot the guest's view is measured from", .def = "baseline" },
	{ "timeout", OPT_UINT, offsetof(struct resize_args, timeout), 0, 1, 3600, NULL,
	  "seconds for the host to reach the size", .def = "60" },
	{ 0 }
};

static int resize_parse(const struct scn_line *l, struct resize_args *a,
			char *err, size_t errlen)
{
	memset(a, 0, sizeof(*a));
	if (opts_defaults(resize_opts, a, err, errlen) < 0 ||
	    step_argc(l, 1, 1, err, errlen) < 0 ||
	    step_opts(resize_opts, a, l, 2, err, errlen) < 0)
		return -1;
	for (int i = 2; i < l->argc; i++)
		if (!strncmp(l->argv[i], "requested=", 10))
			a->have_requested = 1;
	if (!a->have_requested) {
		snprintf(err, errlen, "resize: requested= is required");
		return -1;
	}
	return 0;
}

static int resize_check(const struct scn_line *l, char *err, size_t errlen)
{
	struct resize_args a;

	return resize_parse(l, &a, err, errlen);
}

/* The policy in force before: the agent's (hot-added memory stays offline unless the
 * testbed onlines it), or an image system's own (image.h). */
static enum step_rc restore_auto_online(struct run *r, const struct scn_line *l)
{
	const struct guest_info *g = &r->guest;
	char verb[96];

	snprintf(verb, sizeof(verb), "write /sys/devices/system/memory/auto_online_blocks %s",
		 g->service && g->auto_online[0] && strcmp(g->auto_online, "absent") ?
		 g->auto_online : "offline");
	return step_agent_verb(r, l, verb, 10000);
}

static enum step_rc resize_run(struct run *r, const struct scn_line *l)
{
	struct hpt_dev *d = dev_of_kind(r, l->argv[1], &dev_virtio_mem);
	struct strbuf ev = STRBUF_INIT;
	struct resize_args a;
	struct vevent stale;
	char err[512], snap[48], what[64], sz[32], sz2[32], name[96];
	uint64_t t0, deadline, from;
	int rc, v;

	if (resize_parse(l, &a, err, sizeof(err)) < 0)
		return step_stop(r, l, V_ERROR, NULL, "%s", err);
	if (!d)
		return step_stop(r, l, V_ERROR, NULL, "resize: no virtio-mem device %s", l->argv[1]);
	if (a.requested % d->u.vmem.block || a.requested > d->size)
		return step_stop(r, l, V_ERROR, NULL, "resize %s: requested=%s is not a multiple "
				 "of the block (%s) or exceeds the device", d->name,
				 fmt_size(a.requested, sz, 32), fmt_size(d->u.vmem.block, sz2, 32));
	if (vmem_ready(r, d, zone_states[a.zone], err, sizeof(err)) < 0)
		return step_stop(r, l, V_ERROR, NULL, "resize %s: %s", d->name, err);
	if (!run_snap(r, a.since))
		return step_stop(r, l, V_ERROR, NULL, "resize %s: no snapshot %s to measure from "
				 "(take it after boot, before resizing)", d->name, a.since);
	from = d->u.vmem.plugged;
	/* sizes in MiB ("100M", "0") name the check and its snapshots */
	snprintf(sz, sizeof(sz), "%lluM", (unsigned long long)(a.requested >> 20));
	if (a.requested % (1 << 20))
		snprintf(sz, sizeof(sz), "%lluK", (unsigned long long)(a.requested >> 10));
	snprintf(what, sizeof(what), "requested=%s", a.requested ? sz : "0");
	snprintf(err, sizeof(err), "write %s/auto_online_blocks %s", "/sys/devices/system/memory",
		 zone_states[a.zone]);
	if (step_agent_verb(r, l, err, 10000) != STEP_OK)
		return STEP_STOP;
	while (virt_wait(r->virt, r->vm_name, VEV_SIZE_CHANGE, d->alias, 0, &stale) == 0 &&
	       stale.kind == VEV_SIZE_CHANGE)
		;	/* late events of earlier resizes */
	t0 = now_ms();
	rc = vmem_set_requested(r, d, a.requested, err, sizeof(err));
	if (rc < 0)
		return step_stop(r, l, V_ERROR, NULL, "%s", err);
	deadline = t0 + run_timeout(r, a.timeout * 1000);
	rc = vmem_wait_plugged(r, d, deadline);
	if (rc == -EINTR)
		return step_stop(r, l, V_ERROR, NULL, "resize %s: interrupted", d->name);
	if (rc == -ECOMM && r->chan.state != CHAN_SILENT)	/* fault.c types it */
		return step_stop(r, l, V_ERROR, NULL, "resize %s: while waiting for the guest to "
				 "plug: %s", d->name, r->chan.err);
	/* QEMU's size reaches the request when the guest has plugged the (sub-)blocks; it
	 * adds and onlines new memory blocks right after: auto-onlining stays on until the
	 * guest's view settles (below) */
	if (rc == -EPIPE)
		return step_stop(r, l, V_FAIL, NULL, "resize %s: the guest stopped while resizing",
				 d->name);
	/* not there in time, or the guest fell silent meanwhile (6.1's virtio-mem retries a
	 * removal for ever): what stayed plugged is the evidence either way */
	if (rc == -ETIMEDOUT || rc == -ECOMM) {
		double secs = (double)(now_ms() - t0) / 1000;
		int shrink = a.requested < from, live = vmem_stuck_evidence(r, d, &ev);
		enum step_rc s;

		/* its own check, so that the evidence survives a fault triage of the step */
		snprintf(name, sizeof(name), "virtio-mem %s %s", d->name, what);
		result_add(&r->res, V_FAIL, name, l->lineno, sb_str(&ev), shrink ?
			"resize %s: the guest could not give memory back: %s still plugged of "
			"requested %s after %.1f s (pages it could not migrate in the blocks "
			"listed)%s" :
			"resize %s: the guest plugged %s of requested %s within %.1f s%s",
			d->name, fmt_size(d->u.vmem.plugged, err, 32), fmt_size(a.requested, sz2, 32),
			secs, live ? "" : shrink ? "; meanwhile the guest stopped answering "
			"(before 6.5 virtio-mem retries offline_and_remove_memory() with no "
			"timeout)" : "; meanwhile the guest stopped answering");
		if (rc == -ECOMM)	/* fault.c makes it a hang, with the registers */
			s = step_stop(r, l, V_ERROR, NULL, "resize %s: while waiting for the guest "
				      "to plug: %s (see check \"%s\")", d->name, r->chan.err, name);
		else
			s = step_stop(r, l, V_FAIL, NULL, "resize %s: the host's plugged size did "
				      "not reach the request (see check \"%s\")", d->name, name);
		sb_release(&ev);
		if (live)
			restore_auto_online(r, l);
		return s;
	}
	hpt_verbose("virtio-mem %s: plugged %llu MiB after %llu ms", d->name,
		    (unsigned long long)(d->u.vmem.plugged >> 20), (unsigned long long)(now_ms() - t0));
	/* the guest finishes onlining/removing blocks around the size change (a block whose
	 * subblocks were all given back is offlined and removed after QEMU's size changed):
	 * poll its view until it agrees or the deadline passes, and at least a few times (on
	 * a loaded host one snapshot of a TCG guest can take longer than the deadline), then
	 * record the verdict */
	deadline = now_ms() + run_timeout(r, 15000);
	for (int i = 0;; i++) {
		int last = now_ms() >= deadline && i >= RESIZE_MIN_POLLS;

		snprintf(snap, sizeof(snap), "resize-%s-%s", d->name, sz);
		if (!last) {
			v = vmem_prove(r, l->lineno, d, a.since, snap, what, 1, err, sizeof(err));
			if (v == V_PASS)
				last = 1;
			else if (v == V_ERROR)
				return step_stop(r, l, V_ERROR, NULL, "resize %s: %s", d->name, err);
			else
				usleep(i < 10 ? 200000 : 500000);
		}
		if (last) {
			v = vmem_prove(r, l->lineno, d, a.since, snap, what, 0, err, sizeof(err));
			if (v == V_ERROR)
				return step_stop(r, l, V_ERROR, NULL, "resize %s: %s", d->name, err);
			if (restore_auto_online(r, l) != STEP_OK)
				return STEP_STOP;
			return v == V_PASS ? STEP_OK : STEP_STOP;
		}
	}
}

const struct step step_resize = {
	.name = "resize", .phase = PHASE_PLUG, .needs_guest = 1, .kernel_op = 1,
	.usage = "resize NAME requested=SIZE [zone=movable|normal] [since=SNAP] [timeout=S]",
	.help = "resize a virtio-mem device live; waits until QEMU's plugged size is the "
		"requested one and for the guest to show exactly that size",
	.opts = resize_opts, .check = resize_check, .run = resize_run,
};
