/* The default online policy (host/oracle_default_online.c default_online_judge): what a
 * kernel booted with (auto_online_blocks in the agent's params, recorded from real 6.1,
 * 6.12 and 7.2 guests) against what its config (each fixture's config-hotplug: the lines
 * of that very package's /boot/config) or memhp_default_state= selects. */
#include <stdio.h>
#include <string.h>
#include "fixture.h"
#include "oracles.h"
#include "result.h"
#include "strbuf.h"
#include "tap.h"

struct gen {
	const char *dir;
	char booted[32], cmdline[1024];
	struct strbuf config;
};

static void load(struct gen *g)
{
	char path[256];
	struct snapshot *s;

	snprintf(path, sizeof(path), "tests/fixtures/%s/baseline", g->dir);
	s = fixture(path);
	g->booted[0] = g->cmdline[0] = 0;
	if (s) {
		snap_param(s, "auto_online_blocks", g->booted, sizeof(g->booted));
		snap_param(s, "cmdline", g->cmdline, sizeof(g->cmdline));
	}
	snprintf(path, sizeof(path), "tests/fixtures/%s/config-hotplug", g->dir);
	if (sb_read_file(&g->config, path, 1 << 16) < 0)
		printf("# %s: cannot read\n", path);
}

static enum verdict judge(const char *config, const char *cmdline, const char *booted,
			  char *want, char *msg)
{
	enum verdict v = default_online_judge(config, cmdline, booted, want, 32, msg, 400);

	printf("# %s -> %s: %s\n", booted, verdict_names[v], msg);
	return v;
}

int main(void)
{
	struct gen g[] = { { .dir = "x86_64-deb6.1-dimm128-mom", .config = STRBUF_INIT },
			   { .dir = "x86_64-deb6.12-dimm128-mom", .config = STRBUF_INIT },
			   { .dir = "x86_64-deb7.2-dimm128-mom", .config = STRBUF_INIT } };
	char want[32], msg[400], cmd[1200];

	for (size_t i = 0; i < 3; i++)
		load(&g[i]);
	ok(!strcmp(g[0].booted, "offline") && !strcmp(g[1].booted, "online") &&
	   !strcmp(g[2].booted, "online"), "fixtures: 6.1 booted offline, 6.12 and 7.2 online");

	/* each kernel as it was: PASS */
	ok(judge(sb_str(&g[0].config), g[0].cmdline, g[0].booted, want, msg) == V_PASS &&
	   !strcmp(want, "offline") && strstr(msg, "CONFIG_MEMORY_HOTPLUG_DEFAULT_ONLINE"),
	   "6.1: no default-online option, booted offline: PASS");
	for (size_t i = 1; i < 3; i++)
		ok(judge(sb_str(&g[i].config), g[i].cmdline, g[i].booted, want, msg) == V_PASS &&
		   !strcmp(want, "online") && strstr(msg, "ONLINE_AUTO=y"),
		   "%s: ONLINE_AUTO, booted online: PASS", g[i].dir);

	/* fires: a kernel that did not boot with what its config says */
	ok(judge(sb_str(&g[2].config), g[0].cmdline, g[0].booted, want, msg) == V_FAIL &&
	   strstr(msg, "booted with auto_online_blocks=offline") && strstr(msg, "expected online"),
	   "fires: booted offline under a config that selects online");
	ok(judge(sb_str(&g[0].config), g[2].cmdline, g[2].booted, want, msg) == V_FAIL,
	   "fires: booted online under a config that selects nothing (offline)");

	/* memhp_default_state= on the command line decides; the last one wins */
	snprintf(cmd, sizeof(cmd), "%s memhp_default_state=online", g[0].cmdline);
	ok(judge(sb_str(&g[0].config), cmd, "online", want, msg) == V_PASS &&
	   strstr(msg, "on the command line"), "memhp_default_state=online over 6.1's config");
	ok(judge(sb_str(&g[0].config), cmd, g[0].booted, want, msg) == V_FAIL,
	   "fires: memhp_default_state=online asked, the kernel booted offline");
	snprintf(cmd, sizeof(cmd), "memhp_default_state=offline %s memhp_default_state=online_movable",
		 g[2].cmdline);
	ok(judge(sb_str(&g[2].config), cmd, "online_movable", want, msg) == V_PASS &&
	   !strcmp(want, "online_movable"), "two memhp_default_state=: the last one wins");
	snprintf(cmd, sizeof(cmd), "%s memhp_default_state=bogus", g[2].cmdline);
	ok(judge(sb_str(&g[2].config), cmd, "online", want, msg) == V_PASS &&
	   strstr(msg, "ignores"), "a value the kernel ignores leaves the config's choice");
	snprintf(cmd, sizeof(cmd), "%s xmemhp_default_state=offline", g[2].cmdline);
	ok(judge(sb_str(&g[2].config), cmd, "online", want, msg) == V_PASS,
	   "another parameter that ends in the name is not it");

	/* no expectation */
	ok(judge(NULL, g[2].cmdline, g[2].booted, want, msg) == V_SKIP &&
	   strstr(msg, "not known"), "config not known: SKIP, no guess");
	ok(judge(sb_str(&g[2].config), g[2].cmdline, "absent", want, msg) == V_SKIP,
	   "no auto_online_blocks (no memory hotplug): SKIP");
	for (size_t i = 0; i < 3; i++)
		sb_release(&g[i].config);
	return done();
}
