/* `online NAME movable|normal|auto`: onlines the device's memory blocks into a zone,
 * with snapshots (with page flags) before and after for the placement oracle. Blocks
 * that are online already (boot memory, or hot-added memory the kernel onlined itself)
 * stay if they are in that zone, else they are offlined and onlined there. */
#include <stdio.h>
#include <string.h>
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
		if (zone_fits(d->zone, zone_index(l->argv[2]))) {
			hpt_verbose("online %s: already online in %s", d->name, d->zone);
			return STEP_OK;
		}
		rc = chan_call(&r->chan, run_timeout(r, 120000), &reply, "offline %u %u",
			       d->first_block, d->n_blocks);
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
	if (run_snapshot(r, snap, 1, NULL) < 0)
		return step_stop(r, l, V_ERROR, NULL, "online %s: %s", d->name, r->chan.err);
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
