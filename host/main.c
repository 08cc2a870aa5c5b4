/* hotplug-test: QEMU/libvirt memory hotplug testbed — entry point and signal handling. */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cmd.h"
#include "guest.h"
#include "reaper.h"
#include "virt.h"

static int stop_pipe[2] = { -1, -1 };

/* libvirt reads LIBVIRT_LOG_OUTPUTS once, in virInitialize(), and libguestfs' constructor
 * calls that when the library is loaded, before main() (and before libc's environment
 * is ours to change: a preinit setenv() was lost). Without it libvirt's warnings (the
 * embedded driver's "security driver none", "tainted: high-privileges") went to the
 * terminal in the middle of the KTAP output. So the first thing main() does, when the
 * variable is not set, is to set it and exec itself again (once: the value is then
 * there). The log goes to .cache/log/libvirt.log; our messages say what failed. */
static void libvirt_log_to_file(char **argv)
{
	char dir[PATH_MAX], val[PATH_MAX + 16];

	const char *preload = getenv("LD_PRELOAD");

	/* under valgrind an exec would leave it (the controller would run unchecked) */
	if (getenv("LIBVIRT_LOG_OUTPUTS") || (preload && strstr(preload, "vgpreload")))
		return;
	snprintf(dir, sizeof(dir), "%s/.cache", hpt_top());
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/.cache/log", hpt_top());
	mkdir(dir, 0755);
	snprintf(val, sizeof(val), "3:file:%s/libvirt.log", dir);
	if (setenv("LIBVIRT_LOG_OUTPUTS", val, 0) == 0)
		execv("/proc/self/exe", argv);
	/* no exec: run on, libvirt's warnings on stderr */
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

	libvirt_log_to_file(argv);

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
