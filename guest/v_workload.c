/* `workload-start NAME [key=value…]`, `workload-wait NAME EVENT [TIMEOUT_MS]`,
 * `workload-stop NAME [TIMEOUT_MS]`: the busy-guest workloads (wl.h), each in its own
 * process group, one instance per name.
 *
 * The workload process talks to the agent over a pipe in frames "<kind> <rc> <len>\n" +
 * len bytes: S (setup's report, once set up), E (an event: its name on the first line,
 * then its report; see wl_event()) and R (the final report, once torn down). The agent
 * reads S in workload-start, E in workload-wait, R in workload-stop (after SIGTERM),
 * sending heartbeats while it waits. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "wl.h"

/* The one list of workloads the agent implements. */
#define WORKLOADS(X) X(zram) X(zswap) X(thp) X(pins) X(journal)
#define W(n) &wl_##n,
static const struct workload *const workloads[] = { WORKLOADS(W) NULL };
#undef W

#define START_MAX_MS 600000
#define STOP_DEFAULT_MS 120000
#define FAILS_KEPT 8

volatile sig_atomic_t wl_stopping;

static struct wl_slot {
	const struct workload *w;
	pid_t pid;		/* 0 = not running */
	int fd;			/* read end of the report pipe */
	int reaped, status;	/* ag_reap() collected it first */
	uint64_t t0;
	struct strbuf in;	/* bytes read from the pipe */
} slots[sizeof(workloads) / sizeof(workloads[0])];

static const struct workload *find(const char *name, struct wl_slot **slot)
{
	for (int i = 0; workloads[i]; i++)
		if (!strcmp(workloads[i]->name, name)) {
			*slot = &slots[i];
			return workloads[i];
		}
	return NULL;
}

void ag_workload_reaped(pid_t pid, int status)
{
	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
		if (slots[i].pid == pid) {
			slots[i].reaped = 1;
			slots[i].status = status;
		}
}

uint64_t wl_opt(const struct wl_ctx *c, const char *key)
{
	int i = wl_opt_index(c->def, key);

	return i < 0 ? 0 : c->v[i];
}

static void record(struct wl_ctx *c, const char *tag, uint64_t *count, const char *fmt,
		   va_list ap)
{
	if ((*count)++ >= FAILS_KEPT)
		return;
	sb_addf(c->notes, "%s: ", tag);
	sb_vaddf(c->notes, fmt, ap);
	sb_adds(c->notes, "\n");
}

void wl_fail(struct wl_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(c, "fail", &c->fails, fmt, ap);
	va_end(ap);
}

void wl_lost(struct wl_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(c, "lost", &c->losts, fmt, ap);
	va_end(ap);
}

static void send_frame(int fd, char kind, int rc, const struct strbuf *sb);

void wl_event(struct wl_ctx *c, const char *name, int rc, const struct strbuf *report)
{
	struct strbuf sb = STRBUF_INIT;

	sb_addf(&sb, "%s\n", name);
	sb_add(&sb, sb_str(report), report->len);
	sb_add(&sb, sb_str(c->notes), c->notes->len);
	send_frame(c->fd, 'E', rc, &sb);
	sb_release(&sb);
}

void wl_nap(uint64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };

	while (!wl_stopping && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void on_term(int sig)
{
	(void)sig;
	wl_stopping = 1;
}

static void send_frame(int fd, char kind, int rc, const struct strbuf *sb)
{
	char head[64];
	int n = snprintf(head, sizeof(head), "%c %d %zu\n", kind, rc, sb->len);
	size_t off = 0;

	if (write(fd, head, (size_t)n) != n)
		return;
	while (off < sb->len) {
		ssize_t w = write(fd, sb->buf + off, sb->len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		off += (size_t)w;
	}
}

/* The workload process. */
static void __attribute__((noreturn)) wl_main(struct agent *a, const struct workload *w,
					      const struct wl_def *def, const uint64_t *v, int fd)
{
	struct strbuf out = STRBUF_INIT, notes = STRBUF_INIT;
	struct wl_ctx c = { .def = def, .a = a, .page = a->page_size, .notes = &notes, .fd = fd };
	struct sigaction sa = { .sa_handler = on_term };	/* no SA_RESTART: wake sleepers */
	sigset_t none;
	int rc;

	setpgid(0, 0);
	close(a->chan);
	if (a->sigfd >= 0)
		close(a->sigfd);
	if (a->uevent >= 0)
		close(a->uevent);
	if (a->kmsg_r >= 0)
		close(a->kmsg_r);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	memcpy(c.v, v, sizeof(c.v));
	rc = w->setup(&c, &out);
	if (notes.len)
		sb_add(&out, notes.buf, notes.len);
	send_frame(fd, 'S', rc, &out);
	if (rc < 0)
		_exit(1);
	sb_reset(&notes);
	sb_reset(&out);
	while (!wl_stopping) {
		rc = w->round(&c);
		if (rc < 0) {
			sb_addf(&notes, "round_error=%s (round %llu)\n", strerror(-rc),
				(unsigned long long)c.rounds + 1);
			while (!wl_stopping)
				pause();
			break;
		}
		c.rounds++;
	}
	sb_addf(&out, "rounds=%llu\n", (unsigned long long)c.rounds);
	rc = w->teardown(&c, &out);
	wl_restore(&c, &out);
	if (c.fails > FAILS_KEPT)
		sb_addf(&notes, "fail: … %llu failures in all\n", (unsigned long long)c.fails);
	if (c.losts > FAILS_KEPT)
		sb_addf(&notes, "lost: … %llu lost writes in all\n", (unsigned long long)c.losts);
	sb_add(&out, notes.buf, notes.len);
	send_frame(fd, 'R', rc, &out);
	_exit(0);
}

/* Reads from the slot's pipe until a frame of `kind` is complete, EOF or the deadline.
 * 1 = frame (its rc in *rc, text appended to out), 0 = EOF, -ETIMEDOUT. */
static int read_frame(struct agent *a, struct wl_slot *s, char kind, uint64_t deadline,
		      int *rc, struct strbuf *out)
{
	char buf[8192];

	for (;;) {
		const char *p = sb_str(&s->in), *nl = strchr(p, '\n');
		char k;
		size_t len;
		int r;

		if (nl && sscanf(p, "%c %d %zu", &k, &r, &len) == 3 &&
		    s->in.len >= (size_t)(nl - p) + 1 + len) {
			size_t hl = (size_t)(nl - p) + 1;

			if (k == kind) {
				sb_add(out, p + hl, len);
				*rc = r;
			}
			memmove(s->in.buf, s->in.buf + hl + len, s->in.len - hl - len);
			sb_setlen(&s->in, s->in.len - hl - len);
			if (k == kind)
				return 1;
			continue;
		}
		{
			uint64_t now = ag_now_ms();
			struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
			ssize_t n;

			if (now >= deadline)
				return -ETIMEDOUT;
			r = poll(&pfd, 1, (int)(deadline - now < AG_BEAT_MS / 2 ?
						 deadline - now : AG_BEAT_MS / 2));
			ag_beat_maybe(a);
			if (r <= 0)
				continue;
			n = read(s->fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return 0;
			sb_add(&s->in, buf, (size_t)n);
		}
	}
}

#define REAP_MS 10000

/* Collects the process (or what ag_reap() saw) and describes how it ended. A process
 * stuck in the kernel is left to ag_reap() after REAP_MS: the agent keeps serving. */
static void finish(struct agent *a, struct wl_slot *s, struct strbuf *out)
{
	uint64_t deadline = ag_now_ms() + REAP_MS;
	int status = 0;
	pid_t got = 0;

	if (s->reaped)
		status = s->status;
	while (!s->reaped && (got = waitpid(s->pid, &status, WNOHANG)) == 0 &&
	       ag_now_ms() < deadline) {
		struct timespec ts = { 0, 50 * 1000000 };

		nanosleep(&ts, NULL);
		ag_beat_maybe(a);
	}
	if (!s->reaped && got == 0)
		sb_addf(out, "exit=still running after %d ms (stuck in the kernel?)\n", REAP_MS);
	else if (WIFSIGNALED(status))
		sb_addf(out, "exit=signal %d (%s)\n", WTERMSIG(status), strsignal(WTERMSIG(status)));
	close(s->fd);
	sb_release(&s->in);
	s->pid = 0;
	s->reaped = 0;
}

/* What the workload process starts from (ag_spawn()). */
struct wl_start {
	struct agent *a;
	const struct workload *w;
	const struct wl_def *def;
	const uint64_t *v;
};

static void __attribute__((noreturn)) wl_spawned(int wfd, void *p)
{
	const struct wl_start *st = p;

	wl_main(st->a, st->w, st->def, st->v, wfd);
}

int v_workload_start(struct agent *a, int argc, char **argv, struct strbuf *out)
{
	const struct wl_def *def = wl_def_find(argv[1]);
	uint64_t v[WL_OPTS_MAX];
	struct wl_slot *s = NULL;
	const struct workload *w = def ? find(argv[1], &s) : NULL;
	char err[256];
	struct wl_start st;
	int rc = 0, got, rfd;
	pid_t pid;

	if (!w) {
		sb_addf(out, "workload-start: unknown workload '%.32s'", argv[1]);
		return -EINVAL;
	}
	if (wl_parse(def, argc - 2, argv + 2, v, err, sizeof(err))) {
		sb_addf(out, "workload-start: %s", err);
		return -EINVAL;
	}
	if (s->pid) {
		sb_addf(out, "workload-start: %s is already running (pid %d)", w->name, (int)s->pid);
		return -EBUSY;
	}
	st = (struct wl_start){ a, w, def, v };
	pid = ag_spawn(&rfd, wl_spawned, &st);
	if (pid < 0)
		return pid;
	s->w = w;
	s->pid = pid;
	s->fd = rfd;
	s->reaped = 0;
	s->t0 = ag_now_ms();
	got = read_frame(a, s, 'S', s->t0 + START_MAX_MS, &rc, out);
	if (got == 1 && rc == 0) {
		sb_addf(out, "pid=%d\nsetup_ms=%llu\n", (int)pid,
			(unsigned long long)(ag_now_ms() - s->t0));
		return 0;
	}
	if (got != 1) {
		kill(-pid, SIGKILL);
		sb_addf(out, "%sworkload %s: %s during setup\n", out->len ? "\n" : "", w->name,
			got == 0 ? "the process died" : "no answer");
		rc = got == 0 ? -ECHILD : -ETIMEDOUT;
	}
	{
		/* the message first: the host shows the first line */
		struct strbuf msg = STRBUF_INIT;

		sb_addf(&msg, "workload %s setup: %s\n", w->name, strerror(-rc));
		sb_add(&msg, out->buf, out->len);
		sb_reset(out);
		sb_add(out, msg.buf, msg.len);
		sb_release(&msg);
	}
	finish(a, s, out);
	return rc;
}

int v_workload_wait(struct agent *a, int argc, char **argv, struct strbuf *out)
{
	struct wl_slot *s = NULL;
	const struct workload *w = find(argv[1], &s);
	uint64_t timeout = STOP_DEFAULT_MS, deadline;
	struct strbuf ev = STRBUF_INIT;
	int rc = 0, got;

	if (!w) {
		sb_addf(out, "workload-wait: unknown workload '%.32s'", argv[1]);
		return -EINVAL;
	}
	if (argc > 3 && ag_parse_u64(argv[3], 1, 3600000, &timeout)) {
		sb_addf(out, "workload-wait: bad TIMEOUT_MS '%.32s'", argv[3]);
		return -EINVAL;
	}
	if (!s->pid) {
		sb_addf(out, "workload-wait: %s is not running", w->name);
		return -ESRCH;
	}
	deadline = ag_now_ms() + timeout;
	while ((got = read_frame(a, s, 'E', deadline, &rc, &ev)) == 1) {
		const char *text = sb_str(&ev), *nl = strchr(text, '\n');

		if (nl && (size_t)(nl - text) == strlen(argv[2]) &&
		    !strncmp(text, argv[2], (size_t)(nl - text))) {
			sb_add(out, nl + 1, strlen(nl + 1));
			sb_release(&ev);
			return rc;
		}
		sb_reset(&ev);	/* another event */
	}
	sb_release(&ev);
	sb_addf(out, "workload %s: %s before the event %s\n", w->name,
		got == 0 ? "the process died" : "timed out", argv[2]);
	if (got == 0)
		finish(a, s, out);
	return got == 0 ? -ECHILD : -ETIMEDOUT;
}

int v_workload_stop(struct agent *a, int argc, char **argv, struct strbuf *out)
{
	struct wl_slot *s = NULL;
	const struct workload *w = find(argv[1], &s);
	uint64_t timeout = STOP_DEFAULT_MS, t0 = ag_now_ms();
	int rc = 0, got;

	if (!w) {
		sb_addf(out, "workload-stop: unknown workload '%.32s'", argv[1]);
		return -EINVAL;
	}
	if (argc > 2 && ag_parse_u64(argv[2], 1, 3600000, &timeout)) {
		sb_addf(out, "workload-stop: bad TIMEOUT_MS '%.32s'", argv[2]);
		return -EINVAL;
	}
	if (!s->pid) {
		sb_addf(out, "workload-stop: %s is not running", w->name);
		return -ESRCH;
	}
	kill(s->pid, SIGTERM);
	got = read_frame(a, s, 'R', t0 + timeout, &rc, out);
	if (got == 1) {
		sb_addf(out, "ran_ms=%llu\nstop_ms=%llu\n", (unsigned long long)(t0 - s->t0),
			(unsigned long long)(ag_now_ms() - t0));
		finish(a, s, out);
		return rc;
	}
	kill(-s->pid, SIGKILL);
	{
		struct strbuf msg = STRBUF_INIT;

		sb_addf(&msg, "workload %s: %s\n", w->name, got == 0 ?
			"the process died before it was stopped" :
			"did not stop in time (killed)");
		sb_add(&msg, out->buf, out->len);
		sb_reset(out);
		sb_add(out, msg.buf, msg.len);
		sb_release(&msg);
	}
	finish(a, s, out);
	return got == 0 ? -ECHILD : -ETIMEDOUT;
}
