/* What an `offline` did, from the agent's reply and the kernel log written meanwhile, and
 * whether that is what the scenario expected (see oracles.h, "offline outcome"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oracles.h"

const char *const offline_outcome_names[OFF__COUNT] = {
	[OFF_OK] = "ok", [OFF_EBUSY] = "ebusy", [OFF_TIMEOUT] = "timeout", [OFF_ERROR] = "error",
};

static const char *const outcome_words[OFF__COUNT] = {
	[OFF_OK] = "offlined",
	[OFF_EBUSY] = "refused with EBUSY",
	[OFF_TIMEOUT] = "timed out (the kernel kept retrying until our signal: signal backoff)",
	[OFF_ERROR] = "kernel error",
};

int offline_outcome_find(const char *name)
{
	for (int i = 0; i < OFF__COUNT; i++)
		if (!strcmp(offline_outcome_names[i], name))
			return i;
	return -1;
}

/* Copies the rest of the line at p (without the timestamp) into out. */
static void line_from(const char *p, char *out, size_t n)
{
	size_t len = strcspn(p, "\n");

	snprintf(out, n, "%.*s", (int)len, p);
}

static const char *line_start(const char *text, const char *p)
{
	while (p > text && p[-1] != '\n')
		p--;
	return p;
}

/* The message of a "[sec.usec] msg" line. */
static const char *msg_of(const char *line)
{
	if (*line == '[') {
		const char *e = memchr(line, ']', strnlen(line, 32));	/* not the whole log */

		if (e && e - line < 32)
			return e[1] == ' ' ? e + 2 : e + 1;
	}
	return line;
}

static void scan_log(const char *dmesg, struct offline_obs *o)
{
	const char *p, *pat = NULL;
	long at;

	if (!dmesg)
		return;
	p = strstr(dmesg, "memory offlining [mem ");
	if (p) {
		const char *due = strstr(p, "failed due to ");
		const char *br = strchr(p, ']');

		if (br && br > p + 22 && br - p < 80)
			snprintf(o->range, sizeof(o->range), "%.*s", (int)(br - (p + 22)), p + 22);
		if (due && due < p + strcspn(p, "\n"))
			line_from(due + 14, o->reason, sizeof(o->reason));
	}
	for (p = dmesg; (p = strstr(p, "migrating pfn ")); p++) {
		if (!o->migrate_failed++)
			line_from(p + 14, o->first_pfn, sizeof(o->first_pfn));
	}
	for (p = dmesg; (p = strstr(p, "failed to isolate pfn ")); p++) {
		if (!o->isolate_failed++ && !o->first_pfn[0])
			line_from(p + 22, o->first_pfn, sizeof(o->first_pfn));
	}
	o->first_pfn[strcspn(o->first_pfn, " ")] = '\0';
	/* the first complete dump: "page:… refcount:… pfn:…", flags, …, "page dumped because" */
	for (p = dmesg; !o->page[0] && (p = strstr(p, "page dumped because: "));
	     p += strcspn(p, "\n")) {	/* the next line: no walking back per byte */
		const char *q = p;

		o->flags[0] = '\0';
		for (int k = 0; k < 12 && q > dmesg; k++) {
			const char *fl;

			q = line_start(dmesg, q - 1);
			/* "flags: …" or "anon flags: …" (6.1 names anon/ksm/file pages) */
			fl = memmem(msg_of(q), strnlen(msg_of(q), 12), "flags: ", 7);
			if (fl && !o->flags[0])
				line_from(fl + 7, o->flags, sizeof(o->flags));
			if (!strncmp(msg_of(q), "page:", 5)) {
				line_from(msg_of(q), o->page, sizeof(o->page));
				line_from(p + 21, o->dumped, sizeof(o->dumped));
				break;
			}
			if (!strncmp(msg_of(q), "page dumped because: ", 21) &&
			    q != line_start(dmesg, p))
				break;	/* the previous dump: this one lost its start */
		}
	}
	if (!o->page[0] && (p = strstr(dmesg, "page dumped because: ")))
		line_from(p + 21, o->dumped, sizeof(o->dumped));
	at = kernlog_find(dmesg, &pat);
	if (at >= 0)
		line_from(msg_of(dmesg + at), o->kernel_error, sizeof(o->kernel_error));
}

void offline_classify(int rc, const char *reply, const char *dmesg, struct offline_obs *o)
{
	int failed = 0;

	memset(o, 0, sizeof(*o));
	for (const char *p = reply ? reply : ""; *p; p += strcspn(p, "\n"), p += *p == '\n') {
		unsigned b, e;
		unsigned long long ms;
		char word[16], line[256];

		/* sscanf() on one line: on the rest of the reply (16 MiB) it is quadratic */
		snprintf(line, sizeof(line), "%.*s", (int)strcspn(p, "\n"), p);
		if (sscanf(line, "memory%u %15s", &b, word) != 2)
			continue;
		o->blocks++;
		if (!strcmp(word, "ok")) {
			o->ok_blocks++;
			if (sscanf(line, "memory%*u ok %llu", &ms) == 1)
				o->ms += ms;
			continue;
		}
		if (failed++)
			continue;
		o->block = b;
		if (!strcmp(word, "timeout")) {
			o->outcome = OFF_TIMEOUT;
			o->err = EINTR;
			if (sscanf(line, "memory%*u timeout %llu", &ms) == 1)
				o->ms += ms;
		} else if (sscanf(word, "errno=%u", &e) == 1) {
			o->err = (int)e;
			o->outcome = e == EBUSY ? OFF_EBUSY : OFF_ERROR;
		} else {
			o->outcome = OFF_ERROR;	/* not a word of the agent's: never "ok" */
		}
	}
	if (rc != 0 && !failed) {
		/* refused without a per-block line: the agent's child died */
		o->outcome = OFF_ERROR;
		line_from(reply ? reply : "", o->agent_msg, sizeof(o->agent_msg));
	} else if (!o->blocks) {
		/* "ok" about nothing: no block was offlined that we know of */
		o->outcome = OFF_ERROR;
		snprintf(o->agent_msg, sizeof(o->agent_msg), "the reply lists no memory block");
	}
	scan_log(dmesg, o);
	if (o->kernel_error[0])
		o->outcome = OFF_ERROR;
}

void offline_expect_blocks(struct offline_obs *o, uint32_t n)
{
	if (o->outcome != OFF_OK || o->blocks == n)
		return;
	o->outcome = OFF_ERROR;
	snprintf(o->agent_msg, sizeof(o->agent_msg), "the reply lists %u of the %u memory "
		 "blocks asked for", o->blocks, n);
}

enum verdict offline_judge(int expected, const struct offline_obs *o, char *summary, size_t n)
{
	char why[400];

	if (o->outcome == OFF_OK)
		snprintf(why, sizeof(why), "%u of %u blocks offlined in %llu ms", o->ok_blocks,
			 o->blocks, (unsigned long long)o->ms);
	else if (o->kernel_error[0])
		snprintf(why, sizeof(why), "kernel error while offlining: %s", o->kernel_error);
	else
		snprintf(why, sizeof(why), "memory%u %s%s%s%s%s after %llu ms", o->block,
			 outcome_words[o->outcome], o->outcome == OFF_ERROR && o->err ? ": " : "",
			 o->outcome == OFF_ERROR && o->err ? strerror(o->err) : o->agent_msg,
			 o->reason[0] ? "; the kernel: failed due to " : "; no reason in the "
			 "kernel log", o->reason, (unsigned long long)o->ms);
	if (expected < 0) {
		snprintf(summary, n, "%s", why);
		return o->outcome == OFF_OK ? V_PASS : V_FAIL;
	}
	if ((int)o->outcome == expected) {
		snprintf(summary, n, "%s as expected: %s", offline_outcome_names[expected], why);
		return V_PASS;
	}
	snprintf(summary, n, "expected %s, but %s", offline_outcome_names[expected],
		 o->outcome == OFF_OK ? "the kernel offlined it: " : "");
	snprintf(summary + strlen(summary), n - strlen(summary), "%s", why);
	return V_FAIL;
}

/* Counters that say what offlining had to move, before and after. */
static int interesting(const char *key)
{
	static const char *const prefixes[] = { "pgmigrate_", "compact_", "thp_migration_",
		"thp_split_", "thp_collapse_", "thp_fault_", "nr_foll_pin_", NULL };
	static const char *const exact[] = { "nr_zspages", "nr_anon_transparent_hugepages",
		"pswpin", "pswpout", "nr_isolated_anon", "nr_mlock", NULL };

	for (int i = 0; prefixes[i]; i++)
		if (!strncmp(key, prefixes[i], strlen(prefixes[i])))
			return 1;
	for (int i = 0; exact[i]; i++)
		if (!strcmp(key, exact[i]))
			return 1;
	return 0;
}

static void pair(struct json *j, const char *key, uint64_t b, uint64_t a)
{
	json_obj_begin(j, key);
	json_u64(j, "before", b);
	json_u64(j, "after", a);
	json_i64(j, "delta", (int64_t)(a - b));
	json_obj_end(j);
}

void offline_evidence(struct json *j, const struct offline_obs *o, int expected,
		      const char *extra, const struct snapshot *before, const struct snapshot *after)
{
	json_obj_begin(j, NULL);
	if (extra)
		json_raw(j, "pinned_by", extra);
	json_str(j, "outcome", offline_outcome_names[o->outcome]);
	json_str(j, "expected", expected < 0 ? "ok (plain offline)" :
		 offline_outcome_names[expected]);
	json_u64(j, "blocks", o->blocks);
	json_u64(j, "blocks_offlined", o->ok_blocks);
	if (o->outcome != OFF_OK) {
		json_str(j, "errno", o->err == EBUSY ? "EBUSY" : o->err == EINTR ? "EINTR" : NULL);
		json_u64(j, "block", o->block);
	}
	json_u64(j, "ms", o->ms);
	json_str(j, "kernel_reason", o->reason[0] ? o->reason : NULL);
	json_str(j, "range", o->range[0] ? o->range : NULL);
	json_u64(j, "migration_failures_logged", o->migrate_failed);
	json_u64(j, "isolation_failures_logged", o->isolate_failed);
	json_str(j, "first_failed_pfn", o->first_pfn[0] ? o->first_pfn : NULL);
	json_str(j, "page_dumped_because", o->dumped[0] ? o->dumped : NULL);
	json_str(j, "dumped_page", o->page[0] ? o->page : NULL);
	json_str(j, "dumped_flags", o->flags[0] ? o->flags : NULL);
	json_str(j, "kernel_error", o->kernel_error[0] ? o->kernel_error : NULL);
	json_str(j, "agent", o->agent_msg[0] ? o->agent_msg : NULL);
	if (before && after) {
		json_obj_begin(j, "counters");
		for (size_t i = 0; i < after->n_vmstat; i++) {
			uint64_t b = 0;
			const struct kv *kv = &after->vmstat[i];

			if (!interesting(kv->key) || snap_vmstat(before, kv->key, &b))
				continue;
			if (b || kv->val)
				pair(j, kv->key, b, kv->val);
		}
		for (size_t i = 0; i < after->n_mm; i++) {
			uint64_t b = 0;
			const struct kv *kv = &after->mm[i];

			snap_mm(before, kv->key, &b);
			if (b || kv->val)
				pair(j, kv->key, b, kv->val);
		}
		for (size_t i = 0; i < before->n_mm; i++) {	/* gone: a zone emptied */
			uint64_t a;
			const struct kv *kv = &before->mm[i];

			if (kv->val && snap_mm(after, kv->key, &a))
				pair(j, kv->key, kv->val, 0);
		}
		json_obj_end(j);
	}
	json_obj_end(j);
}

int pins_on_blocks(const char *report, uint32_t first, uint32_t count, uint64_t *on,
		   uint64_t *total)
{
	static const char key[] = "pinned.blocks=";
	const char *p = report;

	*on = *total = 0;
	/* the key at the start of a line (not the "pins.before.blocks" of the same report) */
	while (p && strncmp(p, key, sizeof(key) - 1))
		p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL;
	if (!p)
		return -ENOENT;
	p += sizeof(key) - 1;
	while (*p && *p != '\n') {
		char *end;
		unsigned long long b, n;

		errno = 0;
		b = strtoull(p, &end, 10);
		if (end == p || *end != ':' || errno)
			return -EINVAL;
		p = end + 1;
		n = strtoull(p, &end, 10);
		if (end == p || (*end && *end != ',' && *end != '\n') || errno || n > (1ull << 52))
			return -EINVAL;
		p = *end == ',' ? end + 1 : end;
		*total += n;
		if (b >= first && b < (uint64_t)first + count)
			*on += n;
	}
	return 0;
}
