/* Blocking kernel work (sysfs writes that migrate pages, compaction, workloads) runs in a
 * forked child so that the agent keeps sending heartbeats while it waits. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "agent.h"

pid_t ag_spawn(int *rfd, void (*fn)(int wfd, void *arg), void *arg)
{
	int fds[2], e;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		e = errno;
		close(fds[0]);
		close(fds[1]);
		return -e;
	}
	if (pid == 0) {
		close(fds[0]);
		fn(fds[1], arg);
		_exit(127);	/* fn must not return */
	}
	close(fds[1]);
	*rfd = fds[0];
	return pid;
}

struct child_call {
	ag_child_fn fn;
	void *arg;
};

/* Child side of ag_run_child(): run fn, stream its output into the pipe, exit with -ret. */
static void __attribute__((noreturn)) child_main(int wfd, void *p)
{
	const struct child_call *c = p;
	struct strbuf sb = STRBUF_INIT;
	size_t off = 0;
	int ret;

	sb.cap = AG_REPLY_MAX;
	ret = c->fn(c->arg, &sb);
	while (off < sb.len) {
		ssize_t n = write(wfd, sb.buf + off, sb.len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += n;
	}
	_exit(ret < 0 ? (-ret) & 0xff : 0);
}

int ag_run_child(struct agent *a, ag_child_fn fn, void *arg, struct strbuf *out)
{
	struct child_call call = { fn, arg };
	int rfd, status, ret = 0;
	char buf[16384];
	pid_t pid = ag_spawn(&rfd, child_main, &call);

	if (pid < 0)
		return pid;
	for (;;) {
		struct pollfd p = { .fd = rfd, .events = POLLIN };
		ssize_t n;
		int r = poll(&p, 1, AG_BEAT_MS / 2);

		ag_beat_maybe(a);
		if (r < 0 && errno != EINTR) {
			ret = -errno;
			break;
		}
		if (r <= 0)
			continue;
		n = read(rfd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;	/* EOF: the child has exited (or closed its end) */
		if (!ret)
			ret = sb_add(out, buf, n);
	}
	close(rfd);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return ret ? ret : -errno;
	}
	if (ret)
		return ret;
	if (WIFSIGNALED(status)) {
		sb_addf(out, "%schild killed by signal %d (%s)", out->len ? "\n" : "",
			WTERMSIG(status), strsignal(WTERMSIG(status)));
		return -EINTR;
	}
	return WEXITSTATUS(status) ? -WEXITSTATUS(status) : 0;
}
