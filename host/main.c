/* hotplug-test: QEMU/libvirt memory hotplug testbed — entry point and signal handling. */
#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cmd.h"
#include "virt.h"

void help_main(FILE *f);

static int stop_pipe[2] = { -1, -1 };
volatile pid_t hpt_waited_child;	/* a child a caller reaps itself (make) */

/* We are a child subreaper: QEMU, daemonized by libvirt, is re-parented to us when it
 * exits and is reaped at once. (libvirt polls until the zombie is gone: a slow init
 * made every VM destroy cost 1.2 s.) */
static void on_child(int sig)
{
	int saved = errno;
	siginfo_t si;

	(void)sig;
	for (;;) {
		si.si_pid = 0;
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || !si.si_pid)
			break;
		if (si.si_pid == hpt_waited_child)
			break;
		waitpid(si.si_pid, NULL, WNOHANG);
	}
	errno = saved;
}

static void on_signal(int sig)
{
	(void)sig;
	hpt_stop = 1;
	if (stop_pipe[1] >= 0 && write(stop_pipe[1], "x", 1) < 0)
		stop_pipe[1] = -1;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	const struct command *c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (pipe(stop_pipe) == 0)
		hpt_stop_fd = stop_pipe[0];
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	sa.sa_handler = on_child;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	if (argc < 2) {
		help_main(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		help_main(stdout);
		return 0;
	}
	c = command_find(argv[1]);
	if (!c) {
		fprintf(stderr, "hotplug-test: unknown verb '%s'\n", argv[1]);
		help_main(stderr);
		return 2;
	}
	return c->fn(argc - 1, argv + 1);
}
