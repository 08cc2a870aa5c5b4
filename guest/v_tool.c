/* `tool SECONDS NAME [ARG…]`: runs a whitelisted dynamic tool shipped in the initramfs
 * (guest/tools.list: ndctl, daxctl) with a deadline, in a child (heartbeats go on).
 * Reply: "exit N" (or "killed SIG"), then "--- stdout" and "--- stderr" sections. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "agent.h"

static const char *const tools[] = { "ndctl", "daxctl", NULL };

struct tool_run {
	unsigned secs;
	char **argv;
};

/* Reads both pipes to EOF into two buffers. */
static void drain(int fo, int fe, struct strbuf *so, struct strbuf *se)
{
	struct pollfd p[2] = { { .fd = fo, .events = POLLIN }, { .fd = fe, .events = POLLIN } };
	char buf[8192];

	while (p[0].fd >= 0 || p[1].fd >= 0) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (p[i].fd < 0 || !p[i].revents)
				continue;
			n = read(p[i].fd, buf, sizeof(buf));
			if (n > 0) {
				sb_add(i ? se : so, buf, (size_t)n);
			} else if (n == 0 || errno != EINTR) {
				close(p[i].fd);
				p[i].fd = -1;
			}
		}
	}
}

static int tool_child(void *arg, struct strbuf *out)
{
	struct tool_run *t = arg;
	struct strbuf so = STRBUF_INIT, se = STRBUF_INIT;
	char path[64];
	int po[2], pe[2], status;
	pid_t pid;

	if (pipe(po) || pipe(pe)) {
		int e = errno;

		sb_addf(out, "tool: pipe: %s", strerror(e));
		return -e;
	}
	snprintf(path, sizeof(path), "/bin/%s", t->argv[0]);
	pid = fork();
	if (pid < 0) {
		int e = errno;

		sb_addf(out, "tool: fork: %s", strerror(e));
		return -e;
	}
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		close(po[0]);
		close(pe[0]);
		setenv("LD_LIBRARY_PATH", "/lib", 1);
		setenv("PATH", "/bin", 1);
		signal(SIGALRM, SIG_DFL);
		alarm(t->secs);	/* the deadline: SIGALRM ends the tool */
		execv(path, t->argv);
		fprintf(stderr, "exec %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	drain(po[0], pe[0], &so, &se);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status))
		sb_addf(out, "killed %d%s\n", WTERMSIG(status),
			WTERMSIG(status) == SIGALRM ? " (deadline)" : "");
	else
		sb_addf(out, "exit %d\n", WEXITSTATUS(status));
	sb_adds(out, "--- stdout\n");
	sb_add(out, sb_str(&so), so.len);
	sb_adds(out, "\n--- stderr\n");
	sb_add(out, sb_str(&se), se.len);
	sb_release(&so);
	sb_release(&se);
	return 0;
}

int v_tool(struct agent *a, int argc, char **argv, struct strbuf *out)
{
	struct tool_run t = { .argv = argv + 2 };
	uint64_t secs;
	int i;

	if (ag_parse_u64(argv[1], 1, 600, &secs)) {
		sb_adds(out, "tool: SECONDS must be 1-600");
		return -EINVAL;
	}
	for (i = 0; tools[i] && strcmp(tools[i], argv[2]); i++)
		;
	if (!tools[i]) {
		sb_addf(out, "tool: %.32s is not a shipped tool (ndctl, daxctl)", argv[2]);
		return -EPERM;
	}
	if (access(argv[2][0] == 'n' ? "/bin/ndctl" : "/bin/daxctl", X_OK)) {
		sb_addf(out, "tool: /bin/%s is not in this initramfs (guest/tools.list)", argv[2]);
		return -ENOENT;
	}
	t.secs = (unsigned)secs;
	(void)argc;
	return ag_run_child(a, tool_child, &t, out);
}
