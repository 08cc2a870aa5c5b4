/* QEMU reaper. libvirt daemonizes QEMU, so a dead QEMU stays a zombie until some init
 * reaps it, and libvirt polls (destroy, domain stop) until it is gone: with this
 * sandbox's slow init that cost 1.2 s per VM, and a reaper that reaped nothing stalled
 * destroy for over a minute. We become a child subreaper and a thread reaps exactly the
 * zombie children whose comm is qemu-system-*; libvirt's own helpers are left to it. */
#include <ctype.h>
#include <errno.h>
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include "procfs.h"
#include "reaper.h"

/* Reaps our zombie children named qemu-system-* that libvirt daemonized (setsid: another
 * session). QEMUs libvirt runs directly to probe capabilities stay in our session and are
 * waited for by libvirt itself: reaping them made it fail ("unable to wait for process"). */
static void reap_qemu(pid_t self)
{
	struct dirent *e;
	DIR *d = opendir("/proc");

	if (!d)
		return;
	while ((e = readdir(d))) {
		struct proc_stat st;
		pid_t pid = (pid_t)atoi(e->d_name);

		if (!isdigit((unsigned char)e->d_name[0]) || proc_stat(pid, &st) < 0)
			continue;
		if (st.ppid == self && st.state == 'Z' && !strncmp(st.comm, "qemu-system", 11) &&
		    st.sid != getsid(0))	/* daemonized; a capability probe is libvirt's own */
			waitpid(pid, NULL, WNOHANG);
	}
	closedir(d);
}

static void *reaper(void *arg)
{
	int fd = *(int *)arg;
	struct signalfd_siginfo si;

	for (;;) {
		ssize_t n = read(fd, &si, sizeof(si));

		if (n > 0)
			reap_qemu(getpid());
		else if (n < 0 && errno == EINTR)
			continue;	/* a SIGTERM handler ran on this thread: keep reaping, or
					 * destroying the domain waits forever for its zombie */
		else
			break;
	}
	return NULL;
}

void reaper_start(void)
{
	static int fd;
	sigset_t set;
	pthread_t t;

	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	/* blocked in every thread (inherited); children unblock on fork+exec (libvirt's
	 * virFork resets the mask, our make child does too) */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (fd < 0 || pthread_create(&t, NULL, reaper, &fd) != 0) {
		pthread_sigmask(SIG_UNBLOCK, &set, NULL);
		prctl(PR_SET_CHILD_SUBREAPER, 0);
		return;
	}
	pthread_detach(t);
}

void child_exec_prepare(int in, int out, int err)
{
	int fds[3] = { in, out, err };
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0 && fds[i] != i)
			dup2(fds[i], i);
	if (close_range(3, ~0U, 0) < 0) {
		long max = sysconf(_SC_OPEN_MAX);

		for (int fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
			close(fd);
	}
}
