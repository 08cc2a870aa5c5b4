/* The kernel-log oracle: silent on a clean recorded log, fires on a real panic. */
#include <string.h>
#include "hpt.h"
#include "oracles.h"
#include "tap.h"

int main(void)
{
	struct strbuf clean = STRBUF_INIT, panic = STRBUF_INIT;
	const char *pat = NULL;
	long at;

	ok(sb_read_file(&clean, "tests/fixtures/x86_64-deb6.1-dimm128-mom/unplugged/dmesg",
			1 << 20) >= 0 && clean.len > 0, "clean guest log loaded");
	ok(kernlog_find(sb_str(&clean), &pat) < 0, "a clean hot-remove log does not fire");
	ok(sb_read_file(&panic, "tests/fixtures/x86_64-deb6.1-logs/console-panic-no-rootfs.log",
			1 << 20) >= 0 && panic.len > 0, "panic console loaded");
	at = kernlog_find(sb_str(&panic), &pat);
	ok(at >= 0 && !strncmp(sb_str(&panic) + at, "[    2.215533] Kernel panic", 27),
	   "fires at the line start of the panic (pattern %s)", pat ? pat : "-");
	ok(kernlog_find("[ 1.0] BUG: Bad page state in process x  pfn:1\n", &pat) == 0 &&
	   !strcmp(pat, "BUG:"), "earliest pattern wins");
	{
		/* memory offlining's own dump_page()s (pinned pages it retried) are evidence of
		 * a refusal, not kernel problems; any other dump still is */
		struct strbuf pins = STRBUF_INIT;

		ok(sb_read_file(&pins, "tests/fixtures/x86_64-deb6.1-busy-pins/offline-dn/dmesg",
				1 << 20) >= 0 && strstr(sb_str(&pins), "page dumped because: "
				"migration failure"), "offline log with migration-failure dumps");
		ok(kernlog_find(sb_str(&pins), &pat) < 0, "offline's dumps do not fire");
		ok(kernlog_find("[ 1.0] page dumped because: nonzero mapcount\n", &pat) == 0,
		   "another dump reason still fires");
		sb_release(&pins);
	}
	sb_release(&clean);
	sb_release(&panic);
	return done();
}
