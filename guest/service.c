/* The agent as a service of a distro image: what that system does with hot-added memory
 * by itself. The kernel's policy is auto_online_blocks (read by init.c, left as the system
 * set it); udev's is a rule that writes "online…" to a memory block's state. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "agent.h"

/* a safety net in guest time: normally the host's boot deadline (5x the scenario's boot
 * timeout for an image, host/guest.c) ends a system that never finishes starting; a guest
 * whose TSC was miscalibrated under a loaded TCG host (seen: 141 MHz for 2095) runs this
 * clock ~15x fast, and then the agent serves before the system has finished */
#define SETTLE_S 900

/* udev's rule directories, the one that wins first (a name there hides it below). */
static const char *const rule_dirs[] = {
	"/etc/udev/rules.d", "/run/udev/rules.d", "/usr/lib/udev/rules.d", "/lib/udev/rules.d",
	NULL
};

/* Whether a rule line onlines memory blocks: SUBSYSTEM=="memory" with an assignment
 * ATTR{state}="online…" (Ubuntu's 40-vm-hotadd.rules, RHEL's 40-redhat.rules). */
static int line_onlines(const char *line)
{
	const char *p = line + strspn(line, " \t");

	return *p != '#' && strstr(p, "SUBSYSTEM==\"memory\"") &&
	       strstr(p, "ATTR{state}=\"online");
}

static int file_onlines(const char *path)
{
	char line[2048];
	int found = 0;
	FILE *f = fopen(path, "re");

	while (f && !found && fgets(line, sizeof(line), f))
		found = line_onlines(line);
	if (f)
		fclose(f);
	return found;
}

/* Whether a higher-priority directory than dirs[upto] has a file of this name (which
 * overrides it, or masks it as a link to /dev/null). */
static int hidden(int upto, const char *name)
{
	char path[512];
	struct stat st;

	for (int i = 0; i < upto; i++) {
		snprintf(path, sizeof(path), "%s/%s", rule_dirs[i], name);
		if (stat(path, &st) == 0 && strcmp(rule_dirs[i], rule_dirs[upto]))
			return 1;
	}
	return 0;
}

void ag_service_facts(struct agent *a)
{
	char path[512];

	a->udev_online[0] = '\0';
	for (int i = 0; rule_dirs[i] && !a->udev_online[0]; i++) {
		struct dirent *de;
		DIR *d = opendir(rule_dirs[i]);

		while (d && (de = readdir(d)) && !a->udev_online[0]) {
			size_t n = strlen(de->d_name);

			if (n < 7 || strcmp(de->d_name + n - 6, ".rules") || hidden(i, de->d_name))
				continue;
			snprintf(path, sizeof(path), "%s/%s", rule_dirs[i], de->d_name);
			if (file_onlines(path))
				snprintf(a->udev_online, sizeof(a->udev_online), "%s", path);
		}
		if (d)
			closedir(d);
	}
	ag_log(a, "running as a service; hot-added memory: kernel auto_online_blocks=%s, "
	       "udev %s", a->auto_online_boot,
	       a->udev_online[0] ? a->udev_online : "has no rule that onlines it");
}

/* Waits until systemd has finished starting the system (`systemctl is-system-running
 * --wait`: running, or degraded when a unit failed), at most SETTLE_S: the agent starts
 * early in sysinit.target, and what the rest of the boot allocates (services, their
 * cgroups, BPF programs, the journal's flush) must come before the testbed's baseline, not
 * between it and the no-leak check. Without systemctl (another init) it goes on at once. */
void ag_service_settle(struct agent *a)
{
	uint64_t t0 = ag_now_ms();
	char state[64] = "";
	int fds[2], status = 0;
	ssize_t n = 0, got;
	pid_t pid;

	if (access("/bin/systemctl", X_OK) || pipe2(fds, O_CLOEXEC)) {
		ag_log(a, "no systemctl: not waiting for the system to finish starting");
		return;
	}
	pid = fork();
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		dup2(fds[1], 1);
		alarm(SETTLE_S);	/* SIGALRM ends it: the deadline */
		execl("/bin/systemctl", "systemctl", "is-system-running", "--wait", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while (pid > 0 && (size_t)n < sizeof(state) - 1 &&
	       ((got = read(fds[0], state + n, sizeof(state) - 1 - (size_t)n)) > 0 ||
		(got < 0 && errno == EINTR)))
		n += got > 0 ? got : 0;
	close(fds[0]);
	state[strcspn(state, "\n")] = '\0';
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (pid < 0)
		ag_log(a, "fork for systemctl: %s", strerror(errno));
	else if (WIFSIGNALED(status))
		ag_log(a, "the system did not finish starting in %d s (state %s): serving anyway",
		       SETTLE_S, state[0] ? state : "unknown");
	else
		ag_log(a, "the system finished starting: %s, after %llu ms", state[0] ? state : "?",
		       (unsigned long long)(ag_now_ms() - t0));
}
