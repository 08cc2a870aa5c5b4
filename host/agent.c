/* Host-side wrappers of agent verbs (see agent.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "agent.h"

int agent_wait_blocks(struct run *r, uint32_t first, uint32_t count, const char *cond,
		      uint64_t timeout_ms, uint32_t *order, int *n_order, char *err,
		      size_t errlen)
{
	struct strbuf reply = STRBUF_INIT;
	int rc, n = 0;

	/* the channel deadline leaves the agent time to answer its own timeout */
	rc = chan_call(&r->chan, timeout_ms + run_timeout(r, 10000), &reply,
		       "wait-blocks %u %u %s %llu", first, count, cond,
		       (unsigned long long)timeout_ms);
	if (rc < 0) {
		snprintf(err, errlen, "wait-blocks %s: %s", cond, r->chan.err);
		goto cleanup;
	}
	if (rc == 1) {
		snprintf(err, errlen, "blocks %u-%u not %s within %llu ms: %.300s", first,
			 first + count - 1, cond, (unsigned long long)timeout_ms, sb_str(&reply));
		rc = strstr(sb_str(&reply), "errno=110") ? -ETIMEDOUT : -EIO;
		goto cleanup;
	}
	for (const char *p = sb_str(&reply); *p;) {
		unsigned b;
		char line[64];

		/* sscanf() on one line: on the rest of the reply (16 MiB) it is quadratic */
		snprintf(line, sizeof(line), "%.*s", (int)strcspn(p, "\n"), p);
		if (sscanf(line, "memory%u", &b) == 1 && order && n < (int)count)
			order[n++] = b;
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	if (n_order)
		*n_order = n;
cleanup:
	sb_release(&reply);
	return rc;
}

int agent_simple(struct run *r, uint64_t timeout_ms, const char *verb, char *err,
		 size_t errlen)
{
	struct strbuf reply = STRBUF_INIT;
	int rc = chan_call(&r->chan, timeout_ms, &reply, "%s", verb);

	if (rc != 0)
		snprintf(err, errlen, "%s: %s", verb, rc == 1 ? sb_str(&reply) : r->chan.err);
	sb_release(&reply);
	return rc == 0 ? 0 : rc < 0 ? rc : -EIO;
}

int agent_read(struct run *r, uint64_t timeout_ms, const char *path, struct strbuf *out,
	       char *err, size_t errlen)
{
	int rc = chan_call(&r->chan, timeout_ms, out, "read %s", path);

	if (rc != 0)
		snprintf(err, errlen, "read %s: %s", path, rc == 1 ? sb_str(out) : r->chan.err);
	return rc == 0 ? 0 : rc < 0 ? rc : -EIO;
}

int agent_cpu_set(struct run *r, uint64_t cpu, int online, char *err, size_t errlen)
{
	char verb[64];

	snprintf(verb, sizeof(verb), "write /sys/devices/system/cpu/cpu%llu/online %d",
		 (unsigned long long)cpu, online);
	return agent_simple(r, run_timeout(r, 20000), verb, err, errlen);
}

int agent_block_events(struct run *r, const char *action, uint32_t first, uint32_t count,
		       uint32_t *order, int max, char *err, size_t errlen)
{
	struct strbuf reply = STRBUF_INIT;
	int rc, n = 0;

	rc = chan_call(&r->chan, run_timeout(r, 10000), &reply, "events");
	if (rc != 0) {
		snprintf(err, errlen, "events: %s", rc == 1 ? sb_str(&reply) : r->chan.err);
		sb_release(&reply);
		return rc < 0 ? rc : -EIO;
	}
	for (const char *p = sb_str(&reply); p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		unsigned long long seq, ms;
		char act[16], line[128];
		unsigned b;

		snprintf(line, sizeof(line), "%.*s", (int)strcspn(p, "\n"), p);	/* see above */
		if (sscanf(line, "%llu %llu %15s memory%u", &seq, &ms, act, &b) == 4 &&
		    !strcmp(act, action) && b >= first && b - first < count && n < max)
			order[n++] = b;
	}
	sb_release(&reply);
	return n;
}
