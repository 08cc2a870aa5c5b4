/* `teardown order`, a check of `expect no-leak`: every removal was requested with all the
 * device's blocks offline in the guest (whoever made them so: the evidence says who), the
 * guest saw each block go, and devices left in reverse order of plugging (or in the order
 * `teardown` planned). A pure function of the journal (see oracles.h). */
#include <stdio.h>
#include <string.h>
#include "json.h"
#include "oracles.h"

#define T(res, v, cfg, ev, ...) result_add(res, v, check_name, (cfg)->lineno, ev, __VA_ARGS__)

/* For the unplug request at jr[i]: blocks the testbed offlined since the device was last
 * plugged or onlined, whether it was onlined at all since its plug, blocks the guest saw
 * go and whether the removal completed, before the device was plugged again. */
static void around_unplug(const struct jentry *jr, int n, int i, uint32_t *offl, int *onlined,
			  uint32_t *gone, int *done)
{
	int k;

	*offl = *gone = 0;
	*done = *onlined = 0;
	/* since it was last plugged or onlined: blocks onlined again count afresh */
	for (k = i - 1; k >= 0 && !((jr[k].kind == J_PLUG || jr[k].kind == J_ONLINE) &&
				   jr[k].dev == jr[i].dev); k--)
		*offl += jr[k].kind == J_OFFLINE && jr[k].dev == jr[i].dev;
	*onlined = k >= 0 && jr[k].kind == J_ONLINE;
	for (k = i + 1; k < n && !(jr[k].kind == J_PLUG && jr[k].dev == jr[i].dev); k++) {
		*gone += jr[k].kind == J_BLOCK_GONE && jr[k].dev == jr[i].dev;
		*done |= jr[k].kind == J_UNPLUGGED && jr[k].dev == jr[i].dev;
	}
}

static void order_evidence(struct json *j, const struct hpt_dev *devs, const struct jentry *jr,
			   int n, const struct noleak_cfg *cfg, const char *who)
{
	static const char *const kind[] = {
		[J_PLUG] = "plug", [J_ONLINE] = "online", [J_OFFLINE] = "offline",
		[J_UNPLUG_REQ] = "unplug", [J_UNPLUGGED] = "removed", [J_BLOCK_GONE] = "gone",
	};

	json_obj_begin(j, NULL);
	json_str(j, "rule", cfg->order_rule && cfg->order_rule[0] ? cfg->order_rule : "reverse");
	json_str(j, "offline_by", who);
	json_arr_begin(j, "sequence");
	for (int i = 0; i < n; i++) {
		char e[64];

		if (jr[i].kind == J_OFFLINE || jr[i].kind == J_BLOCK_GONE)
			snprintf(e, sizeof(e), "%s memory%u (%s)", kind[jr[i].kind], jr[i].block,
				 devs[jr[i].dev].name);
		else
			snprintf(e, sizeof(e), "%s %s", kind[jr[i].kind], devs[jr[i].dev].name);
		json_str(j, NULL, e);
	}
	json_arr_end(j);
	json_obj_end(j);
}

void teardown_order_check(const struct hpt_dev *devs, int n_devs, const struct jentry *jr,
			int n, const struct noleak_cfg *cfg, struct results *res)
{
	static const char check_name[] = "teardown order";
	struct strbuf ev = STRBUF_INIT, who = STRBUF_INIT, one = STRBUF_INIT;
	char why[320] = "";
	int removed = 0, seen = 0, plugged = 0;
	struct json j;

	for (int i = 0; i < n; i++)
		plugged += jr[i].kind == J_PLUG || jr[i].kind == J_UNPLUG_REQ;
	if (!plugged)	/* boot memory only (offline/online): no teardown exists to order */
		return;
	for (int i = 0; i < n && !why[0]; i++) {
		const struct hpt_dev *d = &devs[jr[i].dev];
		uint32_t offl, gone;
		int done, onlined;

		if (jr[i].kind != J_UNPLUG_REQ)
			continue;
		around_unplug(jr, n, i, &offl, &onlined, &gone, &done);
		/* every block offline when removal is asked, whoever made it so: say who */
		sb_reset(&one);
		if (jr[i].online_at_unplug)
			snprintf(why, sizeof(why), "%s: removal was requested with blocks still online "
				 "in the guest (%u of its %u offlined by the testbed)", d->name, offl,
				 d->n_blocks);
		else if (offl >= d->n_blocks)
			sb_addf(&one, "%s: offlined by the testbed", d->name);
		else if (!onlined && !offl)
			sb_addf(&one, "%s: never onlined since its plug", d->name);
		else
			sb_addf(&one, "%s: %u of %u offlined by the testbed, the rest offline in the "
				"guest already", d->name, offl, d->n_blocks);
		if (one.len && !strstr(sb_str(&who), sb_str(&one)))	/* each story once */
			sb_addf(&who, "%s%s", who.len ? "; " : "", sb_str(&one));
		if (why[0])
			;
		else if (done && gone != d->n_blocks)
			snprintf(why, sizeof(why), "%s was removed but the guest reported %u of its %u "
				 "memory blocks going", d->name, gone, d->n_blocks);
		if (cfg->n_planned && !why[0]) {
			if (seen >= cfg->n_planned || cfg->planned[seen] != jr[i].dev)
				snprintf(why, sizeof(why), "%s left as #%d, but %s order planned %s there",
					 d->name, seen + 1, cfg->order_rule,
					 seen < cfg->n_planned ? devs[cfg->planned[seen]].name : "nothing");
			seen++;
		}
	}
	for (int a = 0; a < n_devs && !why[0] && !cfg->n_planned; a++)
		for (int b = 0; b < n_devs && !why[0]; b++) {
			const struct hpt_dev *x = &devs[a], *y = &devs[b];

			if (x->unplug_order && y->unplug_order && x->plug_order < y->plug_order &&
			    x->unplug_order < y->unplug_order)
				snprintf(why, sizeof(why), "%s (plugged #%d) was removed before %s "
					 "(plugged #%d): not reverse order", x->name, x->plug_order,
					 y->name, y->plug_order);
		}
	for (int i = 0; i < n; i++)
		removed += jr[i].kind == J_UNPLUG_REQ;
	json_init(&j, &ev, 0);
	order_evidence(&j, devs, jr, n, cfg, sb_str(&who));
	if (why[0])
		T(res, V_FAIL, cfg, sb_str(&ev), "%s", why);
	else if (!removed)
		T(res, V_SKIP, cfg, sb_str(&ev), "no device was removed: no teardown to order");
	else
		T(res, V_PASS, cfg, sb_str(&ev), "%d removal(s), each after offlining all its blocks "
		  "(or with them never onlined), seen by the guest, in %s order", removed,
		  cfg->n_planned ? cfg->order_rule : "reverse plugging");
	sb_release(&ev);
	sb_release(&who);
	sb_release(&one);
}
