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

/* Child side: run fn, stream its output into the pipe, exit with -ret. */
static void __attribute__((noreturn)) child_main(int wfd, ag_child_fn fn, void *arg)
{
	struct strbuf sb = STRBUF_INIT;
	size_t off = 0;
	int ret;

	sb.cap = AG_REPLY_MAX;
	ret = fn(arg, &sb);
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
	int fds[2], status, ret = 0;
	char buf[16384];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(fds[0]);
		close(fds[1]);
		return ret;
	}
	if (pid == 0) {
		close(fds[0]);
		child_main(fds[1], fn, arg);
	}
	close(fds[1]);
	for (;;) {
		struct pollfd p = { .fd = fds[0], .events = POLLIN };
		ssize_t n;
		int r = poll(&p, 1, AG_BEAT_MS / 2);

		ag_beat_maybe(a);
		if (r < 0 && errno != EINTR) {
			ret = -errno;
			break;
		}
		if (r <= 0)
			continue;
		n = read(fds[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;	/* EOF: the child has exited (or closed its end) */
		if (!ret)
			ret = sb_add(out, buf, n);
	}
	close(fds[0]);
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
