/* `workload start NAME [key=value…]`, `workload wait NAME EVENT [timeout=S]`,
 * `workload stop NAME [timeout=S]`: the busy-guest workloads (lib/workload.h: zram, zswap,
 * thp, pins) run in the guest between start and stop, so that the steps in between
 * (offline above all) work on a busy guest; wait blocks until the workload reports an
 * event (pins pin=when-online: "pinned").
 *
 * Each start, wait and stop is a check, "workload NAME start" / "workload NAME EVENT" /
 * "workload NAME", with the
 * workload's report as evidence: its "fail:" lines (data read back wrong, a pinned page
 * found in ZONE_MOVABLE or moving, zswap not drained after swapoff…) make it a FAIL,
 * "skip:" lines and unmet needs (kernel options, the guest's features) a SKIP. Its
 * "lost:" lines (a page that holds an older generation of itself: a write that never
 * reached it) are a FAIL too, unless the emulator is known to lose such writes itself
 * (caps.c, CAP_STORE_DIRTIES): then a SKIP, and the scenario goes on. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "caps.h"
#include "json.h"
#include "oracles.h"
#include "step.h"
#include "workload.h"

#define LINES_KEPT 24

static int workload_check(const struct scn_line *l, char *err, size_t errlen)
{
	const struct wl_def *d = l->argc >= 3 ? wl_def_find(l->argv[2]) : NULL;
	uint64_t v[WL_OPTS_MAX];
	int start = l->argc >= 2 && !strcmp(l->argv[1], "start");
	int wait = l->argc >= 2 && !strcmp(l->argv[1], "wait");

	if (l->argc < 3 || (!start && !wait && strcmp(l->argv[1], "stop")) ||
	    (wait && (l->argc < 4 || strchr(l->argv[3], '=')))) {
		snprintf(err, errlen, "workload: want start NAME [key=value…], wait NAME EVENT "
			 "[timeout=S] or stop NAME [timeout=S]");
		return -1;
	}
	if (!d) {
		int n = snprintf(err, errlen, "workload: unknown workload '%s'; want one of",
				 l->argv[2]);

		for (int i = 0; wl_defs[i].name && n > 0 && (size_t)n < errlen; i++)
			n += snprintf(err + n, errlen - (size_t)n, " %s", wl_defs[i].name);
		return -1;
	}
	if (start)
		return wl_parse(d, l->argc - 3, l->argv + 3, v, err, errlen) ? -1 : 0;
	if (l->argc > 4 + wait || (l->argc == 4 + wait && (strncmp(l->argv[3 + wait],
	    "timeout=", 8) || atoi(l->argv[3 + wait] + 8) <= 0))) {
		snprintf(err, errlen, "workload %s: want NAME%s [timeout=SECONDS]", l->argv[1],
			 wait ? " EVENT" : "");
		return -1;
	}
	return 0;
}

/* The kernel options the workload needs, against the guest kernel's config. */
static int workload_needs(struct run *r, const struct scn_line *l, char *why, size_t n)
{
	const struct wl_def *d = wl_def_find(l->argv[2]);
	struct cap_query q;

	if (strcmp(l->argv[1], "start"))
		return 0;
	caps_query_for(r, NULL, &q);
	for (int i = 0; d->config[i]; i++)
		if (caps_config_has(q.config, d->config[i]) == 0) {
			snprintf(why, n, "workload %s needs %s, which the %s guest kernel lacks",
				 d->name, d->config[i], q.arch);
			return -1;
		}
	return 0;
}

/* The report as evidence: {"report":{key:value…},"fail":[…],"skip":[…],"lost":[…],
 * "notes":[…]}. */
void workload_evidence(struct json *j, const char *text, struct wl_evidence *e)
{
	static const char *const tags[] = { "fail: ", "skip: ", "lost: ", NULL };
	static const char *const arrays[] = { "fail", "skip", "lost", "notes" };
	int *counts[] = { &e->fails, &e->skips, &e->losts };
	size_t sl = 0, slen = sizeof(e->summary);
	int kept = 0;

	e->fails = e->skips = e->losts = 0;
	e->first[0] = e->first_lost[0] = e->summary[0] = '\0';
	json_obj_begin(j, NULL);
	json_obj_begin(j, "report");
	for (const char *p = text; *p; p += strcspn(p, "\n"), p += *p == '\n') {
		size_t len = strcspn(p, "\n"), k = strcspn(p, "=\n");
		char key[64], val[256], *end;
		unsigned long long num;

		if (k >= len || k >= sizeof(key) || memchr(p, ' ', k))
			continue;
		snprintf(key, sizeof(key), "%.*s", (int)k, p);
		snprintf(val, sizeof(val), "%.*s", (int)(len - k - 1), p + k + 1);
		num = strtoull(val, &end, 10);
		if (val[0] && !*end)
			json_u64(j, key, num);
		else
			json_str(j, key, val);
		if (!strchr(key, '.') && sl < slen && kept++ < 8)
			sl += (size_t)snprintf(e->summary + sl, slen - sl, "%s%s=%s",
					       sl ? ", " : "", key, val);
	}
	json_obj_end(j);
	for (int pass = 0; pass < 4; pass++) {
		int n = 0;

		json_arr_begin(j, arrays[pass]);
		for (const char *p = text; *p; p += strcspn(p, "\n"), p += *p == '\n') {
			size_t len = strcspn(p, "\n");
			int tagged = -1;

			for (int t = 0; tags[t]; t++)
				if (!strncmp(p, tags[t], strlen(tags[t])))
					tagged = t;
			if (pass < 3 ? tagged != pass :
			    tagged >= 0 || strcspn(p, "=\n") < len || !len)
				continue;
			if (pass < 2 && !e->first[0])
				snprintf(e->first, sizeof(e->first), "%.*s", (int)len, p);
			if (pass == 2 && !e->first_lost[0])
				snprintf(e->first_lost, sizeof(e->first_lost), "%.*s", (int)len, p);
			if (pass < 3)
				(*counts[pass])++;
			if (n++ < LINES_KEPT)
				json_strn(j, NULL, p, len);
		}
		json_arr_end(j);
	}
	json_obj_end(j);
}

/* Why lost writes are the emulator's here, into why: under TCG, where the capability
 * model knows this QEMU to let stores through a clean PTE without setting its dirty bit
 * (caps.c, CAP_STORE_DIRTIES). Left empty where they are the kernel's. */
static void emulator_loses_writes(struct run *r, char *why, size_t n)
{
	struct cap_query q;
	struct cap_fact f;

	why[0] = '\0';
	if (!r->accel_used || strcmp(r->accel_used, "tcg"))
		return;
	caps_query_for(r, NULL, &q);
	if (caps_ask(CAP_STORE_DIRTIES, &q, &f) == CAP_NO)
		snprintf(why, n, "%s", f.why);
}

static enum step_rc workload_run(struct run *r, const struct scn_line *l)
{
	int start = !strcmp(l->argv[1], "start"), wait = !strcmp(l->argv[1], "wait");
	const char *name = l->argv[2];
	struct strbuf req = STRBUF_INIT, reply = STRBUF_INIT, ev = STRBUF_INIT;
	char check_name[64], emul[400] = "";
	uint64_t timeout = run_timeout(r, 300000);
	enum step_rc ret = STEP_OK;
	struct wl_evidence e;
	int rc, err = 0;
	const char *text;
	struct json j;

	if (wait)
		snprintf(check_name, sizeof(check_name), "workload %s %s", name, l->argv[3]);
	else
		snprintf(check_name, sizeof(check_name), start ? "workload %s start" :
			 "workload %s", name);
	sb_addf(&req, "workload-%s %s", l->argv[1], name);
	if (start) {
		for (int i = 3; i < l->argc; i++)
			sb_addf(&req, " %s", l->argv[i]);
	} else {
		uint64_t s = l->argc == 4 + wait ? strtoull(l->argv[3 + wait] + 8, NULL, 10) : 120;

		timeout = run_timeout(r, s * 1000);
		if (wait)
			sb_addf(&req, " %s", l->argv[3]);
		sb_addf(&req, " %llu", (unsigned long long)timeout);
	}
	rc = chan_call(&r->chan, timeout + run_timeout(r, 30000), &reply, "%s", sb_str(&req));
	if (rc < 0) {
		ret = step_stop(r, l, V_ERROR, NULL, "%s: %s", check_name, r->chan.err);
		goto cleanup;
	}
	text = sb_str(&reply);
	if (rc == 1) {
		sscanf(text, "errno=%d", &err);
		text = strchr(text, ' ') ? strchr(text, ' ') + 1 : text;
	}
	json_init(&j, &ev, 0);
	workload_evidence(&j, text, &e);
	if (e.losts)
		emulator_loses_writes(r, emul, sizeof(emul));
	if (rc == 1 && err == EOPNOTSUPP) {
		const char *why = strchr(text, '\n') ? strchr(text, '\n') + 1 : text;

		result_add(&r->res, V_SKIP, check_name, l->lineno, sb_str(&ev), "%.*s",
			   (int)strcspn(why, "\n"), why);
		ret = STEP_STOP;
	} else if (e.fails || (e.losts && !emul[0])) {
		/* a page that holds an older copy of itself is the kernel's lost write unless
		 * the emulator is known to lose such writes */
		result_add(&r->res, V_FAIL, check_name, l->lineno, sb_str(&ev), "%s%s",
			   e.fails ? e.first + 6 : e.first_lost + 6,
			   e.fails + e.losts > 1 ? " (and more, see the evidence)" : "");
		ret = STEP_STOP;
	} else if (rc == 1 && (err == ETIMEDOUT || err == EIO)) {
		/* it could not undo what it set up in the kernel (swapoff, zram reset, unpin) */
		result_add(&r->res, V_FAIL, check_name, l->lineno, sb_str(&ev), "%.*s",
			   (int)strcspn(text, "\n"), text);
		ret = STEP_STOP;
	} else if (rc == 1) {
		result_add(&r->res, V_ERROR, check_name, l->lineno, sb_str(&ev), "%.*s",
			   (int)strcspn(text, "\n"), text);
		ret = STEP_STOP;
	} else if (e.skips) {
		result_add(&r->res, V_SKIP, check_name, l->lineno, sb_str(&ev), "%s", e.first + 6);
		ret = STEP_STOP;
	} else if (e.losts) {
		/* the data check proves nothing here; the rest of the scenario still can */
		result_add(&r->res, V_SKIP, check_name, l->lineno, sb_str(&ev), "%s%s: lost "
			   "writes, which this emulator makes itself (%s)", e.first_lost + 6,
			   e.losts > 1 ? " (and more, see the evidence)" : "", emul);
		run_wl_report(r, name, wait ? l->argv[3] : l->argv[1], text);
	} else {
		result_add(&r->res, V_PASS, check_name, l->lineno, sb_str(&ev), "%s: %s",
			   start ? "running" : wait ? "happened" : "stopped and torn down",
			   e.summary);
		run_wl_report(r, name, wait ? l->argv[3] : l->argv[1], text);
	}
cleanup:
	sb_release(&req);
	sb_release(&reply);
	sb_release(&ev);
	return ret;
}

const struct step step_workload = {
	.name = "workload", .phase = PHASE_VERIFY, .needs_guest = 1, .kernel_op = 1,
	.usage = "workload start zram|zswap|thp|pins|journal [key=value…] | workload wait NAME EVENT "
		 "[timeout=S] | workload stop NAME [timeout=S]",
	.help = "run a busy-guest workload in the guest until `workload stop`; its report is "
		"the evidence, its fail: lines a FAIL (`hotplug-test help workload`: options)",
	.check = workload_check, .needs = workload_needs, .run = workload_run,
};
