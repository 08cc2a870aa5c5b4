/* Leak checks that need a debug kernel (`--debug-kernel`): kmemleak, cleared at boot and
 * read at every `expect no-leak` with syzkaller's discipline (scan, wait out the 5 s
 * minimum object age, scan again, read, clear), and page_owner: the pages allocated on
 * memory hotplug paths (a memmap placed off the device, sections) must be back to their
 * count at boot. Kernels without them get no such checks (not a SKIP: nothing to run),
 * unless --debug-kernel asked for them: then a missing one is an ERROR at every no-leak. */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include "agent.h"
#include "debugk.h"
#include "json.h"
#include "virt.h"

#define KMEMLEAK "/sys/kernel/debug/kmemleak"
#define KMEMLEAK_MIN_AGE_MS 5500	/* kmemleak reports objects older than 5 s only */
#define HOTPLUG_FUNCS "vmemmap_populate,sparse_add_section,section_activate,populate_section_memmap"

/* writes VAL to kmemleak's file: 0, or <0 with err saying why ("write PATH VAL: …", the
 * guest's reason or the channel's) */
static int kmemleak_write(struct run *r, const char *val, char *err, size_t errlen)
{
	char verb[64];

	snprintf(verb, sizeof(verb), "write %s %s", KMEMLEAK, val);
	return agent_simple(r, run_timeout(r, 60000), verb, err, errlen);
}

/* Pages allocated on the hotplug paths now; -1 if page_owner is not there. */
static long long hotplug_pages(struct run *r, struct strbuf *example)
{
	struct strbuf reply = STRBUF_INIT;
	unsigned long long pages;
	long long ret = -1;

	if (chan_call(&r->chan, run_timeout(r, 120000), &reply, "page-owner %s",
		      HOTPLUG_FUNCS) == 0 && sscanf(sb_str(&reply), "pages=%llu", &pages) == 1) {
		ret = (long long)pages;
		if (example) {
			const char *nl = strchr(sb_str(&reply), '\n');

			sb_adds(example, nl ? nl + 1 : "");
		}
	}
	sb_release(&reply);
	return ret;
}

void debugk_boot(struct run *r)
{
	char err[300] = "";

	r->dbg_kmemleak = kmemleak_write(r, "clear", err, sizeof(err)) == 0;
	r->dbg_page_owner_base = r->opts->debug_kernel ? hotplug_pages(r, NULL) : -1;
	r->dbg_page_owner_peak = r->dbg_page_owner_base;
	/* a kernel without kmemleak refuses the write: the reason is said, not an error */
	hpt_verbose("vm %s: kmemleak %s%s%s%s, page_owner %s", r->vm_name,
		    r->dbg_kmemleak ? "on" : "off", *err ? " (" : "", err, *err ? ")" : "",
		    r->dbg_page_owner_base >= 0 ? "on" : "off");
}

static void kmemleak_check(struct run *r, unsigned lineno)
{
	struct strbuf report = STRBUF_INIT, ev = STRBUF_INIT;
	struct pollfd p = { .fd = hpt_stop_fd, .events = POLLIN };
	struct json j;
	char err[300];
	int rc;

	/* an object must stay unreferenced over two scans at least min-age apart */
	if (kmemleak_write(r, "scan", err, sizeof(err)) != 0) {
		result_add(&r->res, V_ERROR, "no-leak kmemleak", lineno, NULL, "kmemleak: %s", err);
		return;
	}
	poll(&p, 1, KMEMLEAK_MIN_AGE_MS);	/* the kernel's age rule, not an event */
	rc = kmemleak_write(r, "scan", err, sizeof(err));
	if (rc == 0)
		rc = agent_read(r, run_timeout(r, 30000), KMEMLEAK, &report, err, sizeof(err));
	kmemleak_write(r, "clear", NULL, 0);
	if (rc != 0) {
		result_add(&r->res, V_ERROR, "no-leak kmemleak", lineno, NULL, "kmemleak: %s", err);
	} else if (strstr(sb_str(&report), "unreferenced object")) {
		json_init(&j, &ev, 0);
		json_obj_begin(&j, NULL);
		json_strn(&j, "kmemleak", sb_str(&report), report.len < 4000 ? report.len : 4000);
		json_obj_end(&j);
		result_add(&r->res, V_FAIL, "no-leak kmemleak", lineno, sb_str(&ev),
			   "kmemleak reports unreferenced objects: %.*s",
			   (int)strcspn(sb_str(&report), "\n"), sb_str(&report));
	} else {
		result_add(&r->res, V_PASS, "no-leak kmemleak", lineno, NULL,
			   "kmemleak: no unreferenced object after two scans %d ms apart",
			   KMEMLEAK_MIN_AGE_MS);
	}
	sb_release(&report);
	sb_release(&ev);
}

void debugk_sample(struct run *r)
{
	long long now;

	if (r->dbg_page_owner_base < 0 || r->fault)
		return;
	now = hotplug_pages(r, NULL);
	if (now > r->dbg_page_owner_peak)
		r->dbg_page_owner_peak = now;
}

static void page_owner_check(struct run *r, unsigned lineno)
{
	struct strbuf example = STRBUF_INIT, ev = STRBUF_INIT;
	long long now = hotplug_pages(r, &example);
	struct json j;

	json_init(&j, &ev, 0);
	json_obj_begin(&j, NULL);
	json_str(&j, "functions", HOTPLUG_FUNCS);
	json_i64(&j, "pages_at_boot", r->dbg_page_owner_base);
	json_i64(&j, "pages_peak", r->dbg_page_owner_peak);	/* at the snapshots */
	json_i64(&j, "pages_now", now);
	json_str(&j, "example", sb_str(&example));
	json_obj_end(&j);
	if (now < 0)
		result_add(&r->res, V_ERROR, "no-leak page_owner", lineno, sb_str(&ev),
			   "page_owner could not be read: %s", r->chan.err);
	else if (now > r->dbg_page_owner_base)
		result_add(&r->res, V_FAIL, "no-leak page_owner", lineno, sb_str(&ev),
			   "%lld pages allocated on memory hotplug paths are still owned (%lld at "
			   "boot)", now, r->dbg_page_owner_base);
	else if (r->dbg_page_owner_peak <= r->dbg_page_owner_base)	/* could not have fired */
		result_add(&r->res, V_SKIP, "no-leak page_owner", lineno, sb_str(&ev),
			   "no page was allocated on the memory hotplug paths in this run (%lld "
			   "at boot and at every snapshot): nothing for page_owner to prove", now);
	else
		result_add(&r->res, V_PASS, "no-leak page_owner", lineno, sb_str(&ev),
			   "pages allocated on memory hotplug paths back to %lld (%lld at boot, "
			   "%lld at the peak)", now, r->dbg_page_owner_base, r->dbg_page_owner_peak);
	sb_release(&example);
	sb_release(&ev);
}

void debugk_noleak(struct run *r, unsigned lineno)
{
	int asked = r->opts && r->opts->debug_kernel;

	if (r->dbg_kmemleak)
		kmemleak_check(r, lineno);
	else if (asked)
		result_add(&r->res, V_ERROR, "no-leak kmemleak", lineno, NULL, "--debug-kernel, but "
			   "the guest kernel (%s) has no usable %s: kmemleak off or not built in "
			   "(CONFIG_DEBUG_KMEMLEAK, kmemleak=on)", r->guest.kernel, KMEMLEAK);
	if (r->dbg_page_owner_base >= 0)
		page_owner_check(r, lineno);
	else if (asked)
		result_add(&r->res, V_ERROR, "no-leak page_owner", lineno, NULL, "--debug-kernel, but "
			   "the guest kernel (%s) has no readable page_owner "
			   "(CONFIG_PAGE_OWNER and page_owner=on)", r->guest.kernel);
}
