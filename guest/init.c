/* PID 1 duties: file systems, console, kernel log, modules, signals, memory knobs. As a
 * service of a distro image (not PID 1) the system has done the first ones and its policy
 * for hot-added memory is what is tested: only the agent's own set-up, knobs untouched. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "agent.h"

#define LOAD_ORDER "/lib/modules/load-order"
#define AUTO_ONLINE AG_MEMDIR "/auto_online_blocks"
#define MEMMAP_PARAM "/sys/module/memory_hotplug/parameters/memmap_on_memory"

static void mount_one(struct agent *a, const char *src, const char *dst, const char *type,
		      int must)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, MS_NOSUID | MS_NOEXEC, NULL) == 0 || errno == EBUSY)
		return;
	if (must)
		ag_fatal(a, "mount %s on %s: %s", type, dst, strerror(errno));
}

/* fds 0-2 on /dev/console when the kernel could not open it (no node in the cpio). */
static void setup_console(void)
{
	int fd;

	if (fcntl(0, F_GETFD) >= 0)
		return;
	fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd < 0)
		return;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

static void load_modules(struct agent *a)
{
	char line[512], path[520];
	int n = 0, failed = 0;
	FILE *f;

	f = fopen(LOAD_ORDER, "re");
	if (!f) {
		ag_log(a, "%s: %s", LOAD_ORDER, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		int fd;

		line[strcspn(line, "\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		snprintf(path, sizeof(path), "/%s", line);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			ag_log(a, "module %s: %s", path, strerror(errno));
			failed++;
			continue;
		}
		if (syscall(SYS_finit_module, fd, "", 0) && errno != EEXIST) {
			ag_log(a, "module %s: %s", path, strerror(errno));
			failed++;
		} else {
			n++;
		}
		close(fd);
	}
	fclose(f);
	if (failed)
		ag_log(a, "modules: %d loaded, %d failed", n, failed);
}

static void read_memory_facts(struct agent *a)
{
	char buf[64];

	a->page_size = sysconf(_SC_PAGESIZE);
	if (ag_read_str(AG_MEMDIR "/block_size_bytes", buf, sizeof(buf)) == 0)
		a->block_size = strtoull(buf, NULL, 16);
	if (ag_read_str(MEMMAP_PARAM, a->memmap_on_memory, sizeof(a->memmap_on_memory)))
		snprintf(a->memmap_on_memory, sizeof(a->memmap_on_memory), "absent");
	if (ag_read_str(AUTO_ONLINE, a->auto_online_boot, sizeof(a->auto_online_boot))) {
		snprintf(a->auto_online_boot, sizeof(a->auto_online_boot), "absent");
		return;
	}
	if (!a->service && strcmp(a->auto_online_boot, "offline")) {
		int ret = ag_write_str(AUTO_ONLINE, "offline");

		if (ret)
			ag_log(a, "%s: cannot set offline: %s", AUTO_ONLINE, strerror(-ret));
	}
}

static void setup_signals(struct agent *a)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGIO);
	sigprocmask(SIG_BLOCK, &set, NULL);
	a->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (a->sigfd < 0)
		ag_fatal(a, "signalfd: %s", strerror(errno));
}

/* Debug aid (hpt.shell on the command line): busybox sh on the console, agent goes on. */
static void start_shell(struct agent *a)
{
	sigset_t none;
	pid_t pid;
	int fd;

	pid = fork();
	if (pid < 0) {
		ag_log(a, "hpt.shell: fork: %s", strerror(errno));
		return;
	}
	if (pid > 0)
		return;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	setsid();
	fd = open("/dev/console", O_RDWR);
	if (fd >= 0) {
		ioctl(fd, TIOCSCTTY, 1);
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	execl("/bin/sh", "sh", (char *)NULL);
	_exit(127);
}

static int cmdline_has(const char *cmdline, const char *word)
{
	size_t n = strlen(word);
	const char *p = cmdline;

	while ((p = strstr(p, word))) {
		if ((p == cmdline || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' ' || p[n] == '='))
			return 1;
		p += n;
	}
	return 0;
}

void ag_init_system(struct agent *a)
{
	a->service = getpid() != 1;
	if (!a->service) {
		mount_one(a, "proc", "/proc", "proc", 1);
		mount_one(a, "sysfs", "/sys", "sysfs", 1);
		mkdir("/dev", 0755);
		if (mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, NULL) && errno != EBUSY)
			ag_fatal(a, "mount devtmpfs on /dev: %s", strerror(errno));
		mount_one(a, "debugfs", "/sys/kernel/debug", "debugfs", 0);
		mkdir("/tmp", 01777);
		setup_console();
	}

	a->kmsg_w = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	a->kmsg_r = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	/* no rate limit on our journal; this sysctl insists on the newline */
	ag_write_str("/proc/sys/kernel/printk_devkmsg", "on\n");

	uname(&a->uts);
	if (ag_read_str("/proc/cmdline", a->cmdline, sizeof(a->cmdline)))
		a->cmdline[0] = '\0';
	setup_signals(a);
	a->uevent = ag_uevent_open();
	if (a->uevent < 0)
		ag_log(a, "uevent socket: %s", strerror(-a->uevent));
	/* before the modules: a virtio-mem device with memory requested at boot plugs it as
	 * soon as its driver probes, and a kernel whose default is to online hot-added
	 * memory (6.12+, CONFIG_MHP_DEFAULT_ONLINE_TYPE_ONLINE_AUTO) would online it in a
	 * zone of its choosing instead of the testbed's */
	read_memory_facts(a);
	if (!a->service)
		load_modules(a);	/* a service: systemd-modules-load and udev did */
	if (a->service) {
		ag_service_facts(a);
		ag_service_settle(a);
	} else if (cmdline_has(a->cmdline, "hpt.shell"))
		start_shell(a);
}

/* Collects exited children (orphans re-parented to PID 1, the debug shell). */
void ag_reap(struct agent *a)
{
	struct signalfd_siginfo si;
	pid_t pid;
	int status;

	while (read(a->sigfd, &si, sizeof(si)) == sizeof(si))
		;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		ag_workload_reaped(pid, status);
}
