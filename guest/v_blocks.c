/* Memory block verbs: online, offline, wait-blocks. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>
#include "agent.h"

#define FIRST_MAX (1u << 24)
#define RECHECK_MS 250

struct range_op {
	const char *verb;
	uint64_t first, count;
	const char *value;	/* written to each state file */
	int descending;
	uint64_t timeout_ms;	/* offline: bound on the whole range, 0 = none */
};

/* Offlining loops in the kernel (migration retries) until a signal is pending: the
 * timer's signal ends it with EINTR ("signal backoff"), and we say "timeout". */
static volatile sig_atomic_t alarm_fired;

static void on_alarm(int sig)
{
	(void)sig;
	alarm_fired = 1;
}

static void arm(uint64_t ms)
{
	struct itimerval it = { .it_value = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

/* ag_write_str() without its retry on EINTR: the timer's EINTR must end the write. */
static int write_state(const char *path, const char *value)
{
	size_t len = strlen(value);
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do
		n = write(fd, value, len);
	while (n < 0 && errno == EINTR && !alarm_fired);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	close(fd);
	return ret;
}

/* The kernel's reason for a refused offline is a pr_debug in memory_hotplug.c. */
static void enable_offline_reasons(struct agent *a)
{
	static const char ctl[] = "/sys/kernel/debug/dynamic_debug/control";
	static int done;
	int ret;

	if (done++)
		return;
	ret = ag_write_str(ctl, "file memory_hotplug.c +p");
	if (ret)
		ag_log(a, "%s: %s: offline failures will not show the kernel's reason", ctl,
		       strerror(-ret));
}

static int parse_range(const char *verb, char **argv, uint64_t *first, uint64_t *count,
		       struct strbuf *out)
{
	if (ag_parse_u64(argv[1], 0, FIRST_MAX, first) ||
	    ag_parse_u64(argv[2], 1, AG_BLOCKS_MAX, count)) {
		sb_addf(out, "%s: bad block range '%.32s %.32s' (FIRST <= %u, 1 <= COUNT <= %u)",
			verb, argv[1], argv[2], FIRST_MAX, AG_BLOCKS_MAX);
		return -EINVAL;
	}
	return 0;
}

/* Child: writes the state file of each block, one result line per block. */
static int range_child(void *arg, struct strbuf *out)
{
	const struct range_op *op = arg;
	struct strbuf lines = STRBUF_INIT;
	uint64_t i, failed = 0, deadline = ag_now_ms() + op->timeout_ms;
	int first_err = 0;

	if (op->timeout_ms) {
		struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */

		sigaction(SIGALRM, &sa, NULL);
	}
	for (i = 0; i < op->count; i++) {
		uint64_t idx = op->descending ? op->first + op->count - 1 - i : op->first + i;
		char path[96];
		uint64_t t0 = ag_now_ms();
		int ret;

		snprintf(path, sizeof(path), AG_MEMDIR "/memory%llu/state",
			 (unsigned long long)idx);
		if (op->timeout_ms) {
			if (t0 >= deadline) {
				sb_addf(&lines, "memory%llu timeout 0 not tried: no time left\n",
					(unsigned long long)idx);
				if (!first_err) {
					first_err = -ETIMEDOUT;
					failed = idx;
				}
				continue;
			}
			alarm_fired = 0;
			arm(deadline - t0);
		}
		ret = op->timeout_ms ? write_state(path, op->value) : ag_write_str(path, op->value);
		if (op->timeout_ms)
			arm(0);
		if (!ret) {
			sb_addf(&lines, "memory%llu ok %llu\n", (unsigned long long)idx,
				(unsigned long long)(ag_now_ms() - t0));
			continue;
		}
		if (ret == -EINTR && alarm_fired) {
			sb_addf(&lines, "memory%llu timeout %llu ended by our signal (errno=%d %s)\n",
				(unsigned long long)idx, (unsigned long long)(ag_now_ms() - t0),
				-ret, strerror(-ret));
			ret = -ETIMEDOUT;
		} else {
			sb_addf(&lines, "memory%llu errno=%d %s %llu\n", (unsigned long long)idx,
				-ret, strerror(-ret), (unsigned long long)(ag_now_ms() - t0));
		}
		if (!first_err) {
			first_err = ret;
			failed = idx;
		}
	}
	if (first_err)
		sb_addf(out, "%s memory%llu failed\n", op->verb, (unsigned long long)failed);
	sb_add(out, sb_str(&lines), lines.len);
	sb_release(&lines);
	return first_err;
}

static int run_range(struct agent *a, struct range_op *op, struct strbuf *out)
{
	int ret = ag_run_child(a, range_child, op, out);

	if (ret == -EINTR && !strstr(sb_str(out), " failed\n")) {
		/* the child died: say so on the first line */
		struct strbuf msg = STRBUF_INIT;

		sb_addf(&msg, "%s memory%llu.. interrupted\n", op->verb,
			(unsigned long long)op->first);
		sb_add(&msg, sb_str(out), out->len);
		sb_reset(out);
		sb_add(out, sb_str(&msg), msg.len);
		sb_release(&msg);
	}
	return ret;
}

int v_online(struct agent *a, int argc, char **argv, struct strbuf *out)
{
	struct range_op op = { .verb = "online", .value = argv[3] };

	if (parse_range("online", argv, &op.first, &op.count, out))
		return -EINVAL;
	if (strcmp(op.value, "online") && strcmp(op.value, "online_movable") &&
	    strcmp(op.value, "online_kernel")) {
		sb_addf(out, "online: bad type '%.32s' (online|online_movable|online_kernel)",
			op.value);
		return -EINVAL;
	}
	return run_range(a, &op, out);
}

int v_offline(struct agent *a, int argc, char **argv, struct strbuf *out)
{
	struct range_op op = { .verb = "offline", .value = "offline", .descending = 1 };

	if (parse_range("offline", argv, &op.first, &op.count, out))
		return -EINVAL;
	if (argc > 3 && ag_parse_u64(argv[3], 1, 3600000, &op.timeout_ms)) {
		sb_addf(out, "offline: bad TIMEOUT_MS '%.32s' (1..3600000)", argv[3]);
		return -EINVAL;
	}
	enable_offline_reasons(a);
	return run_range(a, &op, out);
}

enum cond { C_PRESENT, C_ABSENT, C_ONLINE, C_OFFLINE };
static const char *const cond_names[] = { "present", "absent", "online", "offline" };
static const char *const cond_events[] = { "add", "remove", "online", "offline" };

static int cond_met(uint64_t idx, enum cond c)
{
	char st[32];

	ag_block_state(idx, st, sizeof(st));
	switch (c) {
	case C_PRESENT:
		return strcmp(st, "absent") != 0;
	case C_ABSENT:
		return !strcmp(st, "absent");
	case C_ONLINE:
		return !strcmp(st, "online");
	case C_OFFLINE:
		return !strcmp(st, "offline");
	}
	return 0;
}

struct waiter {
	uint64_t first, count, left, t0;
	enum cond cond;
	unsigned char *reached;
	struct strbuf *out;
};

static void check_block(struct waiter *w, uint64_t idx, uint64_t now)
{
	uint64_t i = idx - w->first;

	if (idx < w->first || i >= w->count || w->reached[i] || !cond_met(idx, w->cond))
		return;
	w->reached[i] = 1;
	w->left--;
	sb_addf(w->out, "memory%llu %s %llu\n", (unsigned long long)idx, cond_events[w->cond],
		(unsigned long long)(now - w->t0));
}

/* Handles queued uevents: blocks named by an event are checked in event order. */
static void drain_uevents(struct agent *a, struct waiter *w)
{
	static const char prefix[] = "/devices/system/memory/memory";
	struct ag_uevent ev;
	char buf[8192];

	while (ag_uevent_recv(a->uevent, buf, sizeof(buf), &ev) == 1) {
		uint64_t idx;

		if (!ev.subsystem || strcmp(ev.subsystem, "memory") || !ev.devpath ||
		    strncmp(ev.devpath, prefix, sizeof(prefix) - 1))
			continue;
		if (ag_parse_u64(ev.devpath + sizeof(prefix) - 1, 0, FIRST_MAX, &idx) == 0)
			check_block(w, idx, ag_now_ms());
	}
}

static void timeout_evidence(struct waiter *w, uint64_t timeout, struct strbuf *msg)
{
	uint64_t i;
	char st[32];

	sb_addf(msg, "timed out after %llu ms: %llu of %llu blocks memory%llu..memory%llu not %s\n",
		(unsigned long long)timeout, (unsigned long long)w->left,
		(unsigned long long)w->count, (unsigned long long)w->first,
		(unsigned long long)(w->first + w->count - 1), cond_names[w->cond]);
	for (i = 0; i < w->count; i++)
		sb_addf(msg, "memory%llu %s\n", (unsigned long long)(w->first + i),
			ag_block_state(w->first + i, st, sizeof(st)));
	sb_addf(msg, "reached:\n%s", sb_str(w->out));
}

int v_wait_blocks(struct agent *a, int argc, char **argv, struct strbuf *out)
{
	struct waiter w = { .out = out };
	uint64_t timeout, deadline, i;
	int c, ret = 0;

	if (parse_range("wait-blocks", argv, &w.first, &w.count, out))
		return -EINVAL;
	for (c = 0; c < 4; c++)
		if (!strcmp(argv[3], cond_names[c]))
			break;
	if (c == 4 || ag_parse_u64(argv[4], 0, 600000, &timeout)) {
		sb_addf(out, "wait-blocks: usage: wait-blocks FIRST COUNT "
			"present|absent|online|offline TIMEOUT_MS (<= 600000)");
		return -EINVAL;
	}
	w.cond = c;
	w.reached = calloc(w.count, 1);
	if (!w.reached)
		return -ENOMEM;
	w.left = w.count;
	w.t0 = ag_now_ms();
	deadline = w.t0 + timeout;
	for (i = 0; i < w.count; i++)
		check_block(&w, w.first + i, w.t0);
	while (w.left) {
		uint64_t now = ag_now_ms(), wait;
		struct pollfd p = { .fd = a->uevent, .events = POLLIN };

		if (now >= deadline) {
			struct strbuf msg = STRBUF_INIT;

			timeout_evidence(&w, timeout, &msg);
			sb_reset(out);
			sb_add(out, sb_str(&msg), msg.len);
			sb_release(&msg);
			ret = -ETIMEDOUT;
			break;
		}
		wait = deadline - now < RECHECK_MS ? deadline - now : RECHECK_MS;
		poll(&p, a->uevent >= 0 ? 1 : 0, (int)wait);
		ag_beat_maybe(a);
		if (a->uevent >= 0)
			drain_uevents(a, &w);
		now = ag_now_ms();
		for (i = 0; i < w.count && w.left; i++)
			check_block(&w, w.first + i, now);
	}
	free(w.reached);
	return ret;
}
