/* Unit tests for host/modneeds.c: a module a scenario line needs but the kernel lacks is
 * an ERROR naming the module and the line; an optional one is a note; one nobody needs is
 * ignored. The scenarios are the shipped ones, the module uses guest/modules.list's own.
 * Status lines are mkinitramfs.sh's OUT.modules format (the missing entries are what a
 * kernel with everything built in but no virtio-mem/NVDIMM/zram would give). */
#include <glob.h>
#include <stdio.h>
#include <string.h>
#include "modneeds.h"
#include "scenario.h"
#include "strbuf.h"
#include "tap.h"

/* guest/modules.list's USES of module name (x86_64 lines), into uses. */
static int list_uses(const char *name, char *uses, size_t n)
{
	char line[256], w1[64], w2[64], w3[128];
	FILE *f = fopen("guest/modules.list", "r");
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		if (line[0] != '#' && sscanf(line, "%63s %63s %127s", w1, w2, w3) == 3 &&
		    !strcmp(w1, name)) {
			snprintf(uses, n, "%s", w3);
			found = 1;
		}
	fclose(f);
	return found;
}

static int load(struct scenario *s, const char *path)
{
	char err[256];

	if (scenario_load(s, path, err, sizeof(err)) < 0) {
		ok(0, "load %s: %s", path, err);
		return -1;
	}
	return 0;
}

/* The status text of one missing module (with its uses from guest/modules.list) among
 * some present ones. */
static void status_missing(char *buf, size_t n, const char *name)
{
	char uses[128] = "?";

	list_uses(name, uses, sizeof(uses));
	snprintf(buf, n, "virtio_pci always builtin\nvirtio_console always shipped\n"
		 "%s %s missing\n", name, uses);
}

static void needed_missing(const char *scn, const char *module, unsigned want_line)
{
	struct scenario s;
	char status[512], notes[256] = "", err[512] = "", want[64];
	int rc;

	if (load(&s, scn) < 0)
		return;
	status_missing(status, sizeof(status), module);
	rc = modneeds_check(&s, status, notes, sizeof(notes), err, sizeof(err));
	snprintf(want, sizeof(want), "%s:%u ", scn, want_line);
	ok(rc == -1 && strstr(err, module) && strstr(err, want) && !notes[0],
	   "%s without %s: error naming both (%s)", scn, module, err);
	scenario_free(&s);
}

static void unneeded_missing(const char *scn, const char *module)
{
	struct scenario s;
	char status[512], notes[256] = "", err[512] = "";
	int rc;

	if (load(&s, scn) < 0)
		return;
	status_missing(status, sizeof(status), module);
	rc = modneeds_check(&s, status, notes, sizeof(notes), err, sizeof(err));
	ok(rc == 0 && !notes[0], "%s without %s: runs (%s)", scn, module, err);
	scenario_free(&s);
}

static void optional_missing(void)
{
	struct scenario s;
	char status[512], notes[256] = "", err[512] = "";
	int rc;

	if (load(&s, "scenarios/virtio-mem-grow-shrink.scn") < 0)
		return;
	status_missing(status, sizeof(status), "pvpanic_mmio");
	ok(strstr(status, "optional:") != NULL, "pvpanic_mmio is optional in guest/modules.list");
	rc = modneeds_check(&s, status, notes, sizeof(notes), err, sizeof(err));
	ok(rc == 0 && strstr(notes, "pvpanic_mmio absent") && strstr(notes, "heartbeat"),
	   "pvpanic_mmio missing: a note saying what is lost (%s)", notes);
	scenario_free(&s);
}

static void matching(void)
{
	struct scenario s;
	char err[256];
	const char *text = "boot memory=512M disk=256M\nworkload start zswap size=1M\n"
			   "virtio-mem vm0 size=1G\nexpect virtio-mem vm0\nplug nvdimm n size=1G\n";

	if (scenario_parse(&s, "t.scn", text, strlen(text), err, sizeof(err)) < 0) {
		ok(0, "parse: %s", err);
		return;
	}
	ok(modneeds_line_uses(&s.lines[0], "boot.disk="), "boot.disk= matches `boot … disk=`");
	ok(!modneeds_line_uses(&s.lines[1], "boot.disk="), "boot.disk= not a workload line");
	ok(modneeds_line_uses(&s.lines[1], "workload.start.zram,workload.start.zswap"),
	   "second alternative matches");
	ok(!modneeds_line_uses(&s.lines[1], "workload.start.zram"), "zram is not zswap");
	ok(!modneeds_line_uses(&s.lines[1], "workload.start.zswa"), "words match whole");
	ok(modneeds_line_uses(&s.lines[2], "virtio-mem,plug.virtio-mem"), "declaring line");
	ok(!modneeds_line_uses(&s.lines[3], "virtio-mem,plug.virtio-mem"),
	   "`expect virtio-mem` does not need the driver");
	ok(modneeds_line_uses(&s.lines[4], "nvdimm,plug.nvdimm"), "plug nvdimm");
	ok(!modneeds_line_uses(&s.lines[0], ""), "empty uses match nothing");
	scenario_free(&s);
}

static void bad_status(void)
{
	struct scenario s;
	char notes[64] = "", err[256] = "";
	const char *text = "boot\n";

	if (scenario_parse(&s, "t.scn", text, strlen(text), err, sizeof(err)) < 0)
		return;
	ok(modneeds_check(&s, "zram workload.start.zram gone\n", notes, sizeof(notes), err,
			  sizeof(err)) == -1 && strstr(err, "line 1"), "bad state: %s", err);
	ok(modneeds_check(&s, "virtio_pci always missing\n", notes, sizeof(notes), err,
			  sizeof(err)) == -1 && strstr(err, "virtio_pci") && strstr(err, "t.scn:1"),
	   "an `always` module missing is an error: %s", err);
	ok(modneeds_check_file(&s, "/nonexistent/initramfs.cpio.gz.modules", notes,
			       sizeof(notes), err, sizeof(err)) == 0,
	   "no status file (an initrd of your own): nothing to check");
	scenario_free(&s);
}

/* Every USES of guest/modules.list that names scenario lines matches a line of some
 * shipped scenario: a step renamed, or a typo in the list, would otherwise make the
 * requirement silently never fire. */
static void uses_match_shipped(void)
{
	char line[256], w1[64], w2[64], w3[128], err[256];
	FILE *f = fopen("guest/modules.list", "r");
	glob_t g;
	int n = 0;

	if (!ok(f != NULL, "guest/modules.list readable") ||
	    !ok(glob("scenarios/*.scn", 0, NULL, &g) == 0, "shipped scenarios found")) {
		if (f)
			fclose(f);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		int hit = 0;

		if (line[0] == '#' || sscanf(line, "%63s %63s %127s", w1, w2, w3) != 3 ||
		    !strcmp(w3, "always") || !strncmp(w3, "optional:", 9))
			continue;
		for (size_t i = 0; i < g.gl_pathc && !hit; i++) {
			struct scenario s;

			if (scenario_load(&s, g.gl_pathv[i], err, sizeof(err)) < 0)
				continue;
			for (size_t j = 0; j < s.n_lines && !hit; j++)
				hit = modneeds_line_uses(&s.lines[j], w3);
			scenario_free(&s);
		}
		ok(hit, "%s's uses %s match a line of a shipped scenario", w1, w3);
		n++;
	}
	ok(n >= 5, "%d modules with scenario uses", n);
	globfree(&g);
	fclose(f);
}

int main(void)
{
	needed_missing("scenarios/virtio-mem-grow-shrink.scn", "virtio_mem", 7);
	needed_missing("scenarios/nvdimm-dax-kmem.scn", "nd_pmem", 9);
	needed_missing("scenarios/nvdimm-altmap.scn", "kmem", 6);
	needed_missing("scenarios/offline-under-zram.scn", "zram", 10);
	needed_missing("scenarios/offline-under-zswap.scn", "virtio_blk", 8);
	unneeded_missing("scenarios/dimm-memmap-on-memory.scn", "virtio_mem");
	unneeded_missing("scenarios/dimm-memmap-on-memory.scn", "zram");
	unneeded_missing("scenarios/virtio-mem-grow-shrink.scn", "nd_pmem");
	unneeded_missing("scenarios/virtio-mem-grow-shrink.scn", "virtio_blk");
	optional_missing();
	matching();
	bad_status();
	uses_match_shipped();
	return done();
}
