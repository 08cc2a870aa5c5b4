/* Leftovers of killed runs (see virt.h): an embedded root /tmp/hpt.XXXXXX is ours while
 * its owner process holds an flock on root/owner. A run killed with SIGKILL leaves the
 * root and, since libvirt daemonizes QEMU, its guests running; the next start finds them
 * by the root path on QEMU's command line, kills them and removes the root. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "guest.h"
#include "hpt.h"
#include "procfs.h"
#include "virt.h"

#define GRACE_S 10	/* a root younger than this without owner file is being made */

/* The owner file appears already locked: made and locked as owner.new, then renamed.
 * Made in place, another run's is_stale() could open it between our open and our flock,
 * find it unlocked and remove the live root (seen here: a matrix job starting beside
 * jobs that failed fast lost its root's qemu.conf and exited 2 without results; CI once
 * lost a matrix job's results the same way, cause not seen), and its short lock could
 * make our flock fail, leaving the root
 * unowned for every later stale_clean(). Until the rename the root has no owner file
 * and counts as being made (GRACE_S). */
int stale_own(const char *root)
{
	char path[128], tmp[136], pid[32];
	int fd, n;

	snprintf(path, sizeof(path), "%s/owner", root);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (flock(fd, LOCK_EX | LOCK_NB) < 0 || write(fd, pid, (size_t)n) != n ||
	    rename(tmp, path) < 0) {
		unlink(tmp);
		close(fd);
		return -1;
	}
	return fd;
}

/* 1 if a process other than a QEMU has an fd or its cwd under root. */
static int root_in_use(const char *root)
{
	size_t rl = strlen(root);
	struct dirent *e;
	DIR *d = opendir("/proc");
	int used = 0;

	while (d && !used && (e = readdir(d))) {
		char path[300], link[PATH_MAX];
		struct dirent *f;
		DIR *fds;
		ssize_t n;

		if (e->d_name[0] < '0' || e->d_name[0] > '9' || atoi(e->d_name) == getpid() ||
		    proc_is_qemu(atoi(e->d_name)))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cwd", e->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n > 0 && (size_t)n >= rl && !strncmp(link, root, rl) &&
		    (link[rl] == '/' || link[rl] == 0 || n == (ssize_t)rl))
			used = 1;
		snprintf(path, sizeof(path), "/proc/%s/fd", e->d_name);
		fds = opendir(path);
		while (fds && !used && (f = readdir(fds))) {
			snprintf(path, sizeof(path), "/proc/%s/fd/%s", e->d_name, f->d_name);
			n = readlink(path, link, sizeof(link) - 1);
			if (n > (ssize_t)rl && !strncmp(link, root, rl) && link[rl] == '/')
				used = 1;
		}
		if (fds)
			closedir(fds);
	}
	if (d)
		closedir(d);
	return used;
}

/* 1 if root was left by a dead owner. */
static int is_stale(const char *root)
{
	char path[128];
	struct stat st;
	int fd, stale;

	snprintf(path, sizeof(path), "%s/owner", root);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		stale = flock(fd, LOCK_EX | LOCK_NB) == 0;	/* nobody holds it */
		close(fd);	/* drops our lock again */
		return stale;
	}
	/* no owner file: being made (young) or from an older hotplug-test */
	if (stat(root, &st) < 0 || time(NULL) - st.st_mtime < GRACE_S)
		return 0;
	return !root_in_use(root);
}

/* The guest name from QEMU's "-name guest=NAME,…" in cmd, or "?". */
static void guest_name(const char *cmd, char *out, size_t n)
{
	const char *p = strstr(cmd, "guest=");

	snprintf(out, n, "?");
	if (p)
		snprintf(out, n, "%.*s", (int)strcspn(p + 6, ", "), p + 6);
}

/* What a sweep did, on stderr and appended to .cache/log/stale.log with the time and our
 * pid: any start sweeps, so the run whose guest it was may never see the message (a test
 * killing a run found its QEMU destroyed by another test's start, 2026-12-07). */
static void stale_note(const char *fmt, ...)
{
	char path[PATH_MAX], msg[512], when[32];
	time_t now = time(NULL);
	struct tm tm;
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	hpt_log("%s", msg);
	snprintf(path, sizeof(path), "%s/.cache/log", hpt_top());
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/.cache/log/stale.log", hpt_top());
	f = fopen(path, "ae");
	if (!f)
		return;
	strftime(when, sizeof(when), "%F %T", localtime_r(&now, &tm));
	fprintf(f, "%s pid %d: %s\n", when, (int)getpid(), msg);
	fclose(f);
}

/* Kills every QEMU whose command line names root; waits (5 s) until they are gone. */
static void kill_qemus(const char *root)
{
	char needle[80], cmd[16384], name[64];
	pid_t pids[64];
	int n = 0;
	struct dirent *e;
	DIR *d = opendir("/proc");

	snprintf(needle, sizeof(needle), "%s/", root);
	while (d && (e = readdir(d)) && n < 64) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9' || !proc_is_qemu(atoi(e->d_name)) ||
		    proc_read(atoi(e->d_name), "cmdline", cmd, sizeof(cmd)) < 0 ||
		    !strstr(cmd, needle))
			continue;
		guest_name(cmd, name, sizeof(name));
		pids[n] = (pid_t)atoi(e->d_name);
		if (kill(pids[n], SIGKILL) == 0) {
			stale_note("destroyed domain %s (qemu pid %d) left running by a killed "
				   "run in %s", name, (int)pids[n], root);
			n++;
		}
	}
	if (d)
		closedir(d);
	for (uint64_t until = now_ms() + 5000; n && now_ms() < until; usleep(20000)) {
		int alive = 0;

		for (int i = 0; i < n; i++) {
			struct proc_stat st;

			if (proc_stat(pids[i], &st) == 0 && st.state != 'Z')
				alive = 1;
		}
		if (!alive)
			break;
	}
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	remove(p);
	return 0;
}

int stale_clean(void)
{
	struct dirent *e;
	DIR *d = opendir("/tmp");
	int removed = 0;

	while (d && (e = readdir(d))) {
		char root[64];
		struct stat st;

		if (strncmp(e->d_name, "hpt.", 4) || strlen(e->d_name) != 10)
			continue;
		snprintf(root, sizeof(root), "/tmp/%s", e->d_name);
		if (lstat(root, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
		    !is_stale(root))
			continue;
		kill_qemus(root);
		nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		stale_note("removed %s, the libvirt root of a killed run", root);
		removed++;
	}
	if (d)
		closedir(d);
	return removed;
}
