/* `online NAME movable|normal|auto`: onlines the device's memory blocks into a zone,
 * with snapshots (with page flags) before and after for the placement oracle. Blocks
 * that are online already (boot memory, or hot-added memory the kernel onlined itself)
 * stay if they are in that zone, else they are offlined and onlined there. In an image
 * guest whose system onlined them (udev, auto_online_blocks) a `self-online` check says
 * by whom, into which zone, and what the step did with it; when it onlined them into a
 * kernel zone and the kernel will not offline them to move them, the scenario's zone
 * cannot be had there: a SKIP saying how to get it (not a FAIL of a correct kernel).
 * Blocks found online that nobody said would be are an ERROR (the placement baseline is
 * lost), not a refusal. */
#include <stdio.h>
#include <string.h>
#include "image.h"
#include "json.h"
#include "step.h"

static const char *const zones[] = { "movable", "normal", "auto", NULL };
static const char *const states[] = { "online_movable", "online_kernel", "online", NULL };

static int zone_index(const char *z)
{
	for (int i = 0; zones[i]; i++)
		if (!strcmp(zones[i], z))
			return i;
	return -1;
}

/* Whether blocks online in `zone` satisfy `online NAME zones[want]`. */
static int zone_fits(const char *zone, int want)
{
	int movable = !strcmp(zone, "Movable");

	return want == 2 || (want == 0) == movable;
}

/* What the image's system did by itself before `online` asked (evidence, not a guess:
 * the blocks were seen online and in d->zone by the plug step's snapshot). */
static void self_online_check(struct run *r, const struct scn_line *l, struct hpt_dev *d,
			      int fits)
{
	struct strbuf ev = STRBUF_INIT;
	char name[64], by[256];
	struct json j;

	image_self_online_by(r, by, sizeof(by));
	json_init(&j, &ev, 0);
	json_obj_begin(&j, NULL);
	json_str(&j, "device", d->name);
	json_str(&j, "onlined_by", by);
	json_u64(&j, "first_block", d->first_block);
	json_u64(&j, "blocks", d->n_blocks);
	json_str(&j, "zone", d->zone);
	json_str(&j, "asked", l->argv[2]);
	json_str(&j, "then", fits ? "kept" : "offlined and onlined again in the asked zone");
	json_obj_end(&j);
	snprintf(name, sizeof(name), "self-online %s", d->name);
	result_add(&r->res, V_PASS, name, l->lineno, sb_str(&ev),
		   "%s onlined memory%u..%u into %s before the testbed asked; %s", by,
		   d->first_block, d->first_block + d->n_blocks - 1, d->zone,
		   fits ? "kept" : "moved to the asked zone");
	sb_release(&ev);
}

static int online_check(const struct scn_line *l, char *err, size_t errlen)
{
	if (l->argc != 3 || zone_index(l->argv[2]) < 0) {
		snprintf(err, errlen, "online: want NAME and one of movable, normal, auto");
		return -1;
	}
	return 0;
}

static enum step_rc online_run(struct run *r, const struct scn_line *l)
{
	struct hpt_dev *d = run_dev(r, l->argv[1]);
	struct strbuf reply = STRBUF_INIT;
	const struct mem_block *b;
	const struct snapshot *s;
	char snap[48];
	int rc;

	if (!d || d->state == DEV_REMOVED)
		return step_stop(r, l, V_ERROR, NULL, "online: no plugged device %s", l->argv[1]);
	if (d->state == DEV_ONLINE) {
		/* onlined by the kernel itself (pseries DLPAR) or boot memory: keep it if it
		 * is in the asked zone, else offline it and online it there */
		if (d->kernel_onlined && r->guest.self_online)
			self_online_check(r, l, d, zone_fits(d->zone, zone_index(l->argv[2])));
		if (zone_fits(d->zone, zone_index(l->argv[2]))) {
			hpt_verbose("online %s: already online in %s", d->name, d->zone);
			return STEP_OK;
		}
		rc = chan_call(&r->chan, run_timeout(r, 120000), &reply, "offline %u %u",
			       d->first_block, d->n_blocks);
		if (rc == 1 && d->kernel_onlined && r->guest.self_online &&
		    strcmp(d->zone, "Movable")) {
			/* the system's own choice: a block onlined into a kernel zone may keep
			 * unmovable allocations, and a kernel that will not offline it again is
			 * right; the scenario's zone cannot be had here (not the kernel's fault) */
			char by[256];
			enum step_rc s2;

			image_self_online_by(r, by, sizeof(by));
			s2 = step_stop(r, l, V_SKIP, NULL,
				"online %s %s: %s onlined it into %s before the testbed asked, and "
				"the kernel will not offline it again to move it (%.200s): a block "
				"in a kernel zone may hold unmovable pages. For %s memory on this "
				"system add memhp_default_state=online_movable (or memory_hotplug."
				"online_policy=auto-movable) to the scenario's boot cmdline=",
				d->name, l->argv[2], by, d->zone, sb_str(&reply), l->argv[2]);
			sb_release(&reply);
			return s2;
		}
		if (rc != 0) {
			enum step_rc s2 = step_stop(r, l, rc < 0 ? V_ERROR : V_FAIL, NULL,
				"online %s %s: it is online in %s; offlining it to move it: %.300s",
				d->name, l->argv[2], d->zone, rc < 0 ? r->chan.err : sb_str(&reply));

			sb_release(&reply);
			return s2;
		}
		for (const char *p = sb_str(&reply); p && *p;
		     p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
			unsigned blk;

			if (sscanf(p, "memory%u ok", &blk) == 1)
				journal_add(r, J_OFFLINE, (int)(d - r->devs), blk);
		}
		sb_reset(&reply);
		d->state = DEV_OFFLINE;
	}
	/* zones grow when blocks go online: this is the placement oracle's "before" */
	snprintf(snap, sizeof(snap), "pre-online-%s", d->name);
	if (run_snapshot(r, snap, 1, &s) < 0)
		return step_stop(r, l, V_ERROR, NULL, "online %s: %s", d->name, r->chan.err);
	b = snap_block(s, d->first_block);
	if (b && b->state == BLOCK_ONLINE && d->state == DEV_PLUGGED)
		return step_stop(r, l, V_ERROR, NULL,
			"online %s: memory%u is online in %s already, before the testbed asked, "
			"but the guest did not say it onlines hot-added memory by itself "
			"(auto_online_blocks=%s, udev rule: %s): the placement baseline is lost",
			d->name, d->first_block, b->zone, r->guest.auto_online[0] ?
			r->guest.auto_online : "?", r->guest.udev_online[0] ?
			r->guest.udev_online : "none found");
	rc = chan_call(&r->chan, run_timeout(r, 60000), &reply, "online %u %u %s",
		       d->first_block, d->n_blocks, states[zone_index(l->argv[2])]);
	if (rc < 0) {
		sb_release(&reply);
		return step_stop(r, l, V_ERROR, NULL, "online %s: %s", d->name, r->chan.err);
	}
	if (rc == 1) {
		enum step_rc s2 = step_stop(r, l, V_FAIL, NULL,
			"online %s %s: the kernel refused: %.300s", d->name, l->argv[2],
			sb_str(&reply));

		sb_release(&reply);
		return s2;
	}
	sb_release(&reply);
	d->state = DEV_ONLINE;
	journal_add(r, J_ONLINE, (int)(d - r->devs), d->first_block);
	snprintf(snap, sizeof(snap), "online-%s", d->name);
	if (run_snapshot(r, snap, 1, &s) < 0)
		return step_stop(r, l, V_ERROR, NULL, "online %s: %s", d->name, r->chan.err);
	b = snap_block(s, d->first_block);
	snprintf(d->zone, sizeof(d->zone), "%s", b ? b->zone : "?");
	return STEP_OK;
}

const struct step step_online = {
	.name = "online", .phase = PHASE_ONLINE, .needs_guest = 1, .kernel_op = 1,
	.usage = "online NAME movable|normal|auto",
	.help = "online the device's memory blocks (online_movable, online_kernel, online)",
	.check = online_check, .run = online_run,
};
