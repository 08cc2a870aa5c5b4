/* `plug KIND NAME size=SIZE|block [node=N]`: hot-plugs a memory device and waits until
 * the guest sees its memory blocks (and, where the guest kernel onlines hot-added memory
 * itself, until it did). The capability model says whether the kind exists here (else
 * SKIP with its reason) and its size step. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "agent.h"
#include "arch.h"
#include "caps.h"
#include "devkind.h"
#include "json.h"
#include "oracles.h"
#include "size.h"
#include "step.h"

struct plug_args {
	char size[32];
	uint64_t node;
};

static const struct opt plug_opts[] = {
	{ "size", OPT_STR, offsetof(struct plug_args, size), 32, 0, 0, NULL,
	  "device size (128M, 1G) or `block`: the guest's memory block size" },
	{ "node", OPT_UINT, offsetof(struct plug_args, node), 0, 0, 63, NULL,
	  "NUMA node", .def = "0" },
	{ 0 }
};

static int plug_parse(const struct scn_line *l, struct plug_args *a, char *err, size_t errlen)
{
	uint64_t v;

	memset(a, 0, sizeof(*a));
	if (step_argc(l, 2, 2, err, errlen) < 0 || step_opts(plug_opts, a, l, 3, err, errlen) < 0)
		return -1;
	if (!devkind_find(l->argv[1])) {
		snprintf(err, errlen, "plug: unknown device kind '%s'", l->argv[1]);
		return -1;
	}
	if (!devkind_find(l->argv[1])->plug) {	/* boot memory, devices declared at boot */
		snprintf(err, errlen, "plug: %s devices are not hot-plugged: %s", l->argv[1],
			 devkind_find(l->argv[1])->help);
		return -1;
	}
	if (!dev_name_ok(l->argv[2])) {
		snprintf(err, errlen, "plug: device name '%s': want 1-16 letters, digits or _",
			 l->argv[2]);
		return -1;
	}
	if (!a->size[0]) {
		snprintf(err, errlen, "plug: size= is required");
		return -1;
	}
	if (strcmp(a->size, "block") &&
	    (parse_size(a->size, &v) < 0 || v < (1u << 20) || v > (1ull << 40))) {
		snprintf(err, errlen, "plug: size=%s: want a size from 1M to 1T, or block", a->size);
		return -1;
	}
	return 0;
}

static int plug_check(const struct scn_line *l, char *err, size_t errlen)
{
	struct plug_args a;

	return plug_parse(l, &a, err, errlen);
}

/* The capability model's answer for this device kind here (QEMU, kernel, arch). */
static int plug_needs(struct run *r, const struct scn_line *l, char *why, size_t n)
{
	return caps_need(r, CAP_PLUG, l->argv[1], why, n);
}

/* On machines whose kernel onlines hot-added memory itself (pseries DLPAR), waits until
 * it did: the placement oracle's "before" was taken ahead of the plug, its "after" is
 * taken now, and the zone the kernel chose is kept for `online`. */
static enum step_rc kernel_onlined(struct run *r, const struct scn_line *l, struct hpt_dev *d)
{
	const struct mem_block *b;
	const struct snapshot *s;
	char err[512], snap[48];
	int rc;

	rc = agent_wait_blocks(r, d->first_block, d->n_blocks, "online", run_timeout(r, 30000),
			       NULL, NULL, err, sizeof(err));
	if (rc < 0)
		return step_stop(r, l, rc == -ETIMEDOUT ? V_FAIL : V_ERROR, NULL,
				 "plug %s: the %s kernel onlines hot-added memory itself, but: %s",
				 d->name, r->arch->name, err);
	d->state = DEV_ONLINE;
	d->kernel_onlined = 1;
	snprintf(snap, sizeof(snap), "online-%s", d->name);
	if (run_snapshot(r, snap, 1, &s) < 0)
		return step_stop(r, l, V_ERROR, NULL, "plug %s: %s", d->name, r->chan.err);
	b = snap_block(s, d->first_block);
	snprintf(d->zone, sizeof(d->zone), "%s", b ? b->zone : "?");
	journal_add(r, J_ONLINE, (int)(d - r->devs), d->first_block);
	hpt_verbose("plug %s: the kernel onlined memory%u.. into %s", d->name, d->first_block,
		    d->zone);
	return STEP_OK;
}

static enum step_rc plug_run(struct run *r, const struct scn_line *l)
{
	const struct devkind *kind = devkind_find(l->argv[1]);
	char err[512], a1[32], a2[32], snap[48];
	struct cap_query q;
	struct cap_fact plug, onl;
	struct plug_args a;
	struct hpt_dev *d;
	uint64_t granule;
	int rc, reused;

	if (plug_parse(l, &a, err, sizeof(err)) < 0)
		return step_stop(r, l, V_ERROR, NULL, "%s", err);
	caps_query_for(r, kind->name, &q);
	if (caps_ask(CAP_PLUG, &q, &plug) == CAP_NO)
		return step_stop(r, l, V_SKIP, NULL, "%s", plug.why);
	caps_ask(CAP_KERNEL_ONLINES, &q, &onl);
	granule = plug.granule ? plug.granule : r->guest.block_size;
	d = run_dev(r, l->argv[2]);
	if (d && d->state != DEV_REMOVED)
		return step_stop(r, l, V_ERROR, NULL, "plug: device %s is plugged already",
				 l->argv[2]);
	if ((!d && r->n_devs >= HPT_DEVS_MAX) ||
	    r->n_plugged - r->n_unplugged >= (int)r->boot.slots)
		return step_stop(r, l, V_ERROR, NULL, "plug %s: no free slot (boot slots=%llu)",
				 l->argv[2], (unsigned long long)r->boot.slots);
	if (!d)	/* a removed device's name (and slot) can be plugged again: cycles */
		d = &r->devs[r->n_devs];
	reused = d < &r->devs[r->n_devs];
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", l->argv[2]);
	snprintf(d->alias, sizeof(d->alias), "ua-%s", l->argv[2]);
	d->kind = kind;
	d->node = a.node;
	if (!strcmp(a.size, "block"))
		d->size = r->guest.block_size;
	else
		parse_size(a.size, &d->size);
	if (d->size % granule || d->size % r->guest.block_size)
		return step_stop(r, l, V_ERROR, NULL,
				 "plug %s: size %s is not a multiple of %s (%s %s granularity) and "
				 "the %s memory block size", d->name, fmt_size(d->size, a1, 32),
				 fmt_size(granule, a2, 32), r->arch->name, kind->name,
				 fmt_size(r->guest.block_size, err, 32));
	if (onl.a == CAP_YES) {	/* the zones grow at once: the placement "before" is now */
		snprintf(snap, sizeof(snap), "pre-online-%s", d->name);
		if (run_snapshot(r, snap, 1, NULL) < 0)
			return step_stop(r, l, V_ERROR, NULL, "plug %s: %s", d->name, r->chan.err);
	}
	rc = kind->plug(r, d, err, sizeof(err));
	if (rc < 0) {
		/* refused (by libvirt, QEMU or the guest) or not seen: what was asked and why */
		struct strbuf ev = STRBUF_INIT;
		struct json j;

		json_init(&j, &ev, 0);
		json_obj_begin(&j, NULL);
		json_str(&j, "device", d->name);
		json_str(&j, "kind", kind->name);
		json_u64(&j, "size", d->size);
		json_u64(&j, "node", d->node);
		json_u64(&j, "boot_memory", r->boot.memory);
		json_u64(&j, "maxmem", r->boot.maxmem);
		json_u64(&j, "slots", r->boot.slots);
		json_u64(&j, "plugged_now", (uint64_t)(r->n_plugged - r->n_unplugged));
		json_str(&j, "error", err);
		json_obj_end(&j);
		step_stop(r, l, rc == -ETIMEDOUT ? V_FAIL : V_ERROR, sb_str(&ev), "%s", err);
		sb_release(&ev);
		return STEP_STOP;
	}
	if (!reused)
		r->n_devs++;
	d->plug_order = ++r->n_plugged;
	d->state = DEV_PLUGGED;
	journal_add(r, J_PLUG, (int)(d - r->devs), d->first_block);
	if (onl.a == CAP_YES && kernel_onlined(r, l, d) != STEP_OK)
		return STEP_STOP;
	frames_record(r, d);	/* the memmap exists from the plug on: its frames, for no-leak */
	return STEP_OK;
}

const struct step step_plug = {
	.name = "plug", .phase = PHASE_PLUG, .needs_guest = 1, .kernel_op = 1,
	.usage = "plug KIND NAME size=SIZE|block [node=N]",
	.help = "hot-plug a memory device and wait until the guest sees its memory blocks",
	.opts = plug_opts, .check = plug_check, .needs = plug_needs, .run = plug_run,
};
