/* hotplug-test: QEMU/libvirt memory hotplug testbed — entry point and signal handling. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cmd.h"
#include "reaper.h"
#include "virt.h"

static int stop_pipe[2] = { -1, -1 };

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
	reaper_start();	/* before any thread exists: it blocks SIGCHLD process-wide */
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
