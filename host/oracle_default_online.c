/* `expect default-online` (and automatically at the end of every scenario whose kernel
 * config is known): the policy the guest kernel booted with for hot-added memory, its
 * /sys/devices/system/memory/auto_online_blocks as the agent found it before touching it,
 * is the one its build configuration selects (model_default_online: 6.1's
 * CONFIG_MEMORY_HOTPLUG_DEFAULT_ONLINE, 6.12+'s CONFIG_MHP_DEFAULT_ONLINE_TYPE_*), or the
 * one `memhp_default_state=` on the command line asks for (the last one given wins, as
 * in the kernel's early parameter parsing). The agent of an initramfs guest then sets
 * `offline` so that the scenario onlines; an image guest keeps the system's policy. */
#include <stdio.h>
#include <string.h>
#include "caps.h"
#include "json.h"
#include "oracle.h"
#include "oracles.h"
#include "step.h"

#define PARAM "memhp_default_state="

enum verdict default_online_judge(const char *config, const char *cmdline, const char *booted,
				  char *want, size_t wn, char *msg, size_t n)
{
	static const char *const known[] = { "online", "offline", "online_kernel",
					     "online_movable" };
	char why[200] = "", from_cmdline[32] = "";
	const char *model, *p;

	if (!booted || !booted[0] || !strcmp(booted, "absent")) {
		snprintf(msg, n, "the guest has no auto_online_blocks (no memory hotplug)");
		return V_SKIP;
	}
	for (p = cmdline ? strstr(cmdline, PARAM) : NULL; p; p = strstr(p + 1, PARAM)) {
		if (p != cmdline && p[-1] != ' ')
			continue;
		snprintf(from_cmdline, sizeof(from_cmdline), "%.*s",
			 (int)strcspn(p + strlen(PARAM), " "), p + strlen(PARAM));
	}
	if (from_cmdline[0]) {
		int ok = 0;

		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			ok |= !strcmp(from_cmdline, known[i]);
		model = ok ? from_cmdline : NULL;
		snprintf(why, sizeof(why), "%s%s on the command line%s", PARAM, from_cmdline,
			 ok ? "" : ", a value the kernel ignores; ");
		if (!ok)	/* ignored: the config's choice stays */
			model = model_default_online(config, why + strlen(why),
						     sizeof(why) - strlen(why));
	} else {
		model = model_default_online(config, why, sizeof(why));
	}
	if (!model) {
		snprintf(msg, n, "no expectation: %s", why);
		return V_SKIP;
	}
	snprintf(want, wn, "%s", model);
	if (strcmp(model, booted)) {
		snprintf(msg, n, "the kernel booted with auto_online_blocks=%s, expected %s (%s)",
			 booted, model, why);
		return V_FAIL;
	}
	snprintf(msg, n, "auto_online_blocks=%s at boot, as expected (%s)", booted, why);
	return V_PASS;
}

static int default_online_check(const struct scn_line *l, char *err, size_t errlen)
{
	if (l->argc != 2) {
		snprintf(err, errlen, "expect default-online: takes no arguments");
		return -1;
	}
	return 0;
}

static int default_online_run(struct run *r, const struct scn_line *l)
{
	struct strbuf ev = STRBUF_INIT;
	struct cap_query q;
	char want[32] = "", msg[400];
	enum verdict v;
	struct json j;

	caps_query_for(r, NULL, &q);
	/* automatic: only where the config is known (an own kernel may come without one) */
	if (!l && !q.config)
		return 0;
	v = default_online_judge(q.config, r->guest.cmdline, r->guest.auto_online, want,
				 sizeof(want), msg, sizeof(msg));
	if (!l && v == V_SKIP)
		return 0;
	json_init(&j, &ev, 0);
	json_obj_begin(&j, NULL);
	json_str(&j, "booted", r->guest.auto_online);
	json_str(&j, "expected", want);
	json_str(&j, "cmdline", r->guest.cmdline);
	json_obj_end(&j);
	result_add(&r->res, v, "default online", l ? l->lineno : 0, sb_str(&ev), "%s", msg);
	sb_release(&ev);
	return 0;
}

const struct oracle oracle_default_online = {
	.name = "default-online",
	.usage = "expect default-online",
	.proves = "the guest kernel's default policy for hot-added memory (auto_online_blocks "
		  "at boot) is what its config (CONFIG_MHP_DEFAULT_ONLINE_TYPE_*) or "
		  "memhp_default_state= selects (where the kernel config is known)",
	.check = default_online_check, .run = default_online_run, .automatic = 1,
};
