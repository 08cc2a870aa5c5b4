/* `expect kernel-log` (and automatically at the end of every scenario): the guest's
 * kernel log shows no BUG, WARNING, Oops, "Bad page state" or similar; a hit fails the
 * scenario with the excerpt. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "oracle.h"
#include "oracles.h"
#include "proto.h"
#include "step.h"

static const char *const patterns[] = {
	"BUG:", "WARNING:", "Oops", "Bad page state", "kernel BUG at", "general protection fault",
	"Kernel panic", "page dumped because", "UBSAN:", "KASAN:", "list_add corruption",
	"list_del corruption", "unreferenced object", "Call Trace:", "RCU detected stall",
	"soft lockup", "hard LOCKUP", "blocked for more than", NULL,
};

/* dump_page() reasons that memory offlining prints about pages it could not isolate or
 * migrate (pr_warn, rate-limited): the offline step reports them as the evidence of a
 * refusal or of retries; they are not kernel problems. A "Bad page state" dump still
 * matches its own pattern. */
static const char *const offline_dumps[] = {
	"page dumped because: migration failure", "page dumped because: isolation failed",
	"page dumped because: unmovable page", NULL,
};

static const char *find_pattern(const char *text, const char *pat)
{
	const char *hit = strstr(text, pat);

	while (hit && !strcmp(pat, "page dumped because")) {
		int excused = 0;

		for (int k = 0; offline_dumps[k] && !excused; k++)
			excused = !strncmp(hit, offline_dumps[k], strlen(offline_dumps[k]));
		if (!excused)
			break;
		hit = strstr(hit + 1, pat);
	}
	return hit;
}

long kernlog_find(const char *text, const char **pattern)
{
	long best = -1;

	for (int i = 0; patterns[i]; i++) {
		const char *hit = find_pattern(text, patterns[i]);

		if (hit && (best < 0 || hit - text < best)) {
			best = hit - text;
			*pattern = patterns[i];
		}
	}
	if (best < 0)
		return -1;
	while (best > 0 && text[best - 1] != '\n')
		best--;
	return best;
}

/* Appends the dmesg of every snapshot, then what the agent still has, to sb. Returns 0,
 * or -1 with why in err when the rest could not be read. */
static int gather(struct run *r, struct strbuf *sb, char *err, size_t errlen)
{
	struct strbuf reply = STRBUF_INIT;
	int rc = 0;

	for (int i = 0; i < r->n_snaps; i++)
		sb_adds(sb, r->snaps[i].snap.dmesg ? r->snaps[i].snap.dmesg : "");
	if (r->booted) {
		rc = chan_call(&r->chan, run_timeout(r, 10000), &reply, "dmesg");
		if (rc == 0)
			sb_add(sb, reply.buf ? reply.buf : "", reply.len);
		else
			snprintf(err, errlen, "%.300s", rc == 1 ? sb_str(&reply) : r->chan.err);
	}
	sb_release(&reply);
	return rc ? -1 : 0;
}

/* How many gaps the agent found in the kernel log (records overwritten unread). */
static long gaps(const char *log)
{
	long n = 0;

	for (const char *p = log; (p = strstr(p, KMSG_GAP_MARK)); p++) {
		long g = strtol(p + sizeof(KMSG_GAP_MARK), NULL, 10);

		n += g > 0 ? g : 1;
	}
	return n;
}

static int kernel_log_check(const struct scn_line *l, char *err, size_t errlen)
{
	if (l->argc != 2) {
		snprintf(err, errlen, "expect kernel-log: takes no arguments");
		return -1;
	}
	return 0;
}

static int kernel_log_run(struct run *r, const struct scn_line *l)
{
	struct strbuf log = STRBUF_INIT, console = STRBUF_INIT, ev = STRBUF_INIT;
	const char *pat = NULL, *where = "guest dmesg", *text;
	char path[PATH_MAX], err[320] = "";
	unsigned lineno = l ? l->lineno : 0;
	long at, lost;
	int fd, unread;

	unread = gather(r, &log, err, sizeof(err)) < 0;
	lost = gaps(sb_str(&log));
	snprintf(path, sizeof(path), "%s/dmesg.log", r->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (write(fd, log.buf ? log.buf : "", log.len) < 0)
			hpt_verbose("write %s failed", path);
		close(fd);
	}
	text = sb_str(&log);
	at = kernlog_find(text, &pat);
	if (at < 0) {
		snprintf(path, sizeof(path), "%s/console.log", r->dir);
		sb_read_file(&console, path, 8 << 20);
		text = sb_str(&console);
		at = kernlog_find(text, &pat);
		where = "console";
	}
	if (at >= 0) {
		struct json j;
		size_t len = strlen(text + at);
		const char *end = text + at;

		for (int lines = 0; lines < 25 && (end = strchr(end, '\n')); lines++)
			end++;
		len = end ? (size_t)(end - (text + at)) : len;
		json_init(&j, &ev, 0);
		json_obj_begin(&j, NULL);
		json_str(&j, "source", where);
		json_str(&j, "pattern", pat);
		json_strn(&j, "excerpt", text + at, len);
		json_obj_end(&j);
		result_add(&r->res, V_FAIL, "kernel log", lineno, sb_str(&ev),
			   "\"%s\" in the %s: %.*s", pat, where,
			   (int)strcspn(text + at, "\n"), text + at);
	} else if (unread) {	/* what was not read may hold the BUG */
		result_add(&r->res, V_ERROR, "kernel log", lineno, NULL, "the last of the guest's "
			   "kernel log could not be read (%s): nothing found in the %zu bytes read, "
			   "which proves nothing about the rest", err, log.len);
	} else if (lost) {
		result_add(&r->res, V_ERROR, "kernel log", lineno, NULL, "the guest's kernel log is "
			   "incomplete: records were overwritten before the agent read them (%ld "
			   "gap(s)); nothing found in the %zu bytes read, a problem among the lost "
			   "ones would go unseen", lost, log.len);
	} else {
		result_add(&r->res, V_PASS, "kernel log", lineno, NULL,
			   "no BUG/WARNING/Oops/bad page state in %zu bytes of guest kernel log",
			   log.len);
	}
	sb_release(&log);
	sb_release(&console);
	sb_release(&ev);
	return 0;
}

const struct oracle oracle_kernel_log = {
	.name = "kernel-log",
	.usage = "expect kernel-log",
	.proves = "the guest kernel logged no BUG, WARNING, Oops, bad page state, lockup or "
		  "corruption report",
	.check = kernel_log_check, .run = kernel_log_run, .automatic = 1,
};
