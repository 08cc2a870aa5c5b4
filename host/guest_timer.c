/* The agent's proof that every CPU's timer interrupts arrive (guest/v_timer.c says why a
 * restored guest's may not, and how the agent revives one): asked after every restore
 * (restore.c) and after `inject timer-loss` (step_inject.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "chan.h"
#include "guest.h"

int guest_timer_parse(const char *reply, struct guest_timer *t, char *err, size_t errlen)
{
	const char *p;

	memset(t, 0, sizeof(*t));
	t->slowest_ms = -1;
	/* one line per CPU: cpu=N kicked=0|1 first_ms=MS second_ms=MS */
	for (p = reply; (p = strstr(p, "cpu=")); p++) {
		int cpu, kicked;
		long long f, s;

		if (p != reply && p[-1] != '\n')
			continue;
		if (sscanf(p, "cpu=%d kicked=%d first_ms=%lld second_ms=%lld", &cpu, &kicked, &f,
			   &s) != 4 || cpu < 0 || kicked < 0 || kicked > 1 || f < 0 || s < 0) {
			snprintf(err, errlen, "unreadable answer '%.80s'", p);
			return -EPROTO;
		}
		t->cpus++;
		t->revived += kicked;
		if (f > t->slowest_ms)
			t->slowest_ms = f;
	}
	if (!t->cpus) {
		snprintf(err, errlen, "no CPU in the answer '%.80s'", reply);
		return -EPROTO;
	}
	return 0;
}

int guest_timer_proof(struct run *r, int revive, struct guest_timer *t, char *err,
		      size_t errlen)
{
	struct strbuf reply = STRBUF_INIT;
	char why[200];
	int rc;

	memset(t, 0, sizeof(*t));
	t->slowest_ms = -1;
	rc = chan_call(&r->chan, run_timeout(r, 10000), &reply, "timer %d 2000",
		       revive ? 20 : 0);
	if (rc != 0) {
		const char *msg = rc == 1 ? sb_str(&reply) : r->chan.err;
		const char *nl;

		if (rc == 1 && !strncmp(msg, "errno=", 6) && strchr(msg, ' '))
			msg = strchr(msg, ' ') + 1;	/* the message, not the errno */
		nl = strchr(msg, '\n');
		snprintf(err, errlen, "vm %s: the guest's timer: %.*s", r->vm_name,
			 nl ? (int)(nl - msg) : 240, msg);
		rc = rc == 1 ? -ETIME : -EIO;
	} else if ((rc = guest_timer_parse(sb_str(&reply), t, why, sizeof(why))) < 0) {
		snprintf(err, errlen, "vm %s: the guest's timer: %s", r->vm_name, why);
	}
	sb_release(&reply);
	return rc;
}
