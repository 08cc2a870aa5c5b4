/* libFuzzer target: line-oriented guest replies and the kernel log. The input is a reply,
 * then optionally a NUL and the kernel log written meanwhile, as a run dir keeps them
 * (snapshots/NN-offline-X/reply and dmesg; a refusal's reply starts with "errno=N ").
 * Read as an `offline` reply with its dmesg (offline_classify, offline_judge,
 * offline_evidence; kernlog_find), and as a `workload` reply (workload_evidence). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jsonr.h"
#include "oracles.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TERMINATED(a) (memchr((a), '\0', sizeof(a)) != NULL)

/* Evidence is JSON whatever the guest said; returns the parsed tree (caller frees). */
static void parse_evidence(const struct strbuf *sb, struct jr_val *v)
{
	char err[128];

	if (jr_parse(v, sb->buf ? sb->buf : "", sb->len, err, sizeof(err)) < 0 ||
	    v->type != JR_OBJ)
		abort();
}

static unsigned lines_with(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);
	unsigned count = 0;

	for (const char *p = text; *p; p += strcspn(p, "\n"), p += *p == '\n')
		count += !strncmp(p, prefix, n);
	return count;
}

static void offline(const char *reply, const char *dmesg)
{
	int rc = !strncmp(reply, "errno=", 6);
	struct strbuf sb = STRBUF_INIT;
	const char *pat = NULL;
	struct offline_obs o;
	struct json j;
	struct jr_val v;
	char summary[600];
	long at;

	offline_classify(rc, reply, dmesg, &o);
	if ((unsigned)o.outcome >= OFF__COUNT || o.ok_blocks > o.blocks)
		abort();
	if (!TERMINATED(o.reason) || !TERMINATED(o.range) || !TERMINATED(o.first_pfn) ||
	    !TERMINATED(o.dumped) || !TERMINATED(o.page) || !TERMINATED(o.flags) ||
	    !TERMINATED(o.kernel_error) || !TERMINATED(o.agent_msg))
		abort();
	if (o.kernel_error[0] && o.outcome != OFF_ERROR)
		abort();
	if (rc && o.outcome == OFF_OK)
		abort();	/* a refused offline is never "ok" */
	if (o.migrate_failed && !strstr(dmesg, "migrating pfn "))
		abort();
	at = kernlog_find(dmesg, &pat);
	if (at < -1 || at > (long)strlen(dmesg) || (at > 0 && dmesg[at - 1] != '\n') ||
	    (at >= 0 && (!pat || !strstr(dmesg + at, pat))))
		abort();
	if (o.kernel_error[0] && at < 0)
		abort();
	for (int expected = -1; expected < OFF__COUNT; expected++) {
		enum verdict vd = offline_judge(expected, &o, summary, sizeof(summary));

		if ((vd != V_PASS && vd != V_FAIL) || !TERMINATED(summary) || !summary[0])
			abort();
		if (vd == V_PASS && (expected < 0 ? o.outcome != OFF_OK :
				     (int)o.outcome != expected))
			abort();
	}
	json_init(&j, &sb, 0);
	offline_evidence(&j, &o, -1, NULL, NULL, NULL);
	parse_evidence(&sb, &v);
	if (jr_num(&v, "blocks", -1) != o.blocks)
		abort();
	jr_free(&v);
	sb_release(&sb);
}

static void workload(const char *reply)
{
	struct strbuf sb = STRBUF_INIT;
	const struct jr_val *fail;
	const char *text = reply;
	struct wl_evidence e;
	struct json j;
	struct jr_val v;

	if (!strncmp(reply, "errno=", 6))	/* a refusal: the report follows the errno */
		text = strchr(reply, ' ') ? strchr(reply, ' ') + 1 : reply;
	json_init(&j, &sb, 0);
	workload_evidence(&j, text, &e);
	if (!TERMINATED(e.first) || !TERMINATED(e.first_lost) || !TERMINATED(e.summary))
		abort();
	if ((unsigned)e.fails != lines_with(text, "fail: ") ||
	    (unsigned)e.skips != lines_with(text, "skip: ") ||
	    (unsigned)e.losts != lines_with(text, "lost: "))
		abort();
	/* the step quotes first + 6 ("fail: "/"skip: "/"lost: " cut off) */
	if (e.fails ? strncmp(e.first, "fail: ", 6) : e.skips ? strncmp(e.first, "skip: ", 6) :
	    e.first[0] != '\0')
		abort();
	if (e.losts ? strncmp(e.first_lost, "lost: ", 6) : e.first_lost[0] != '\0')
		abort();
	parse_evidence(&sb, &v);
	fail = jr_get(&v, "fail");
	if (!jr_get(&v, "report") || !fail || fail->type != JR_ARR ||
	    fail->len != (size_t)(e.fails < 24 ? e.fails : 24) || !jr_get(&v, "lost"))
		abort();
	jr_free(&v);
	sb_release(&sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 2);
	size_t n;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = text[size + 1] = '\0';
	n = strlen(text);
	offline(text, text + n + 1);	/* the dmesg: after the first NUL, or "" */
	workload(text);
	free(text);
	return 0;
}
