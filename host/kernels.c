/* The kernels a job boots (see kernels.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "arch.h"
#include "caps.h"
#include "guest.h"
#include "kernels.h"
#include "validate.h"

const struct kernel_sel *kernels_for(const struct kernel_list *kl, const struct arch *a)
{
	for (int i = 0; i < kl->n; i++)
		if (kl->k[i].arch == a)
			return &kl->k[i];
	return NULL;
}

/* One "[ARCH=]VALUE" of --kernel (modules = 0) or --modules into kl. */
static int parse_one(struct kernel_list *kl, char *tok, int modules,
		     const struct arch *const *for_arches, int n_arches, char *err, size_t n)
{
	const char *opt = modules ? "--modules" : "--kernel";
	char *eq = strchr(tok, '='), *val = eq ? eq + 1 : tok;
	const struct arch *a = NULL;
	struct kernel_sel *k;

	if (eq) {
		*eq = 0;
		a = arch_find(tok);
		if (!a) {
			snprintf(err, n, "%s %s=%s: unknown arch", opt, tok, val);
			return -EINVAL;
		}
	} else if (n_arches == 1) {
		a = for_arches[0];
	} else {
		snprintf(err, n, "%s %s: say which arch (ARCH=PATH) with several arches", opt, val);
		return -EINVAL;
	}
	if (!*val) {
		snprintf(err, n, "%s %s=: no value", opt, a->name);
		return -EINVAL;
	}
	k = (struct kernel_sel *)kernels_for(kl, a);
	if (!k) {
		if (modules) {
			snprintf(err, n, "--modules %s=…: no --kernel for %s", a->name, a->name);
			return -EINVAL;
		}
		if (kl->n == KERNELS_MAX) {
			snprintf(err, n, "--kernel: more than %d kernels", KERNELS_MAX);
			return -E2BIG;
		}
		k = &kl->k[kl->n++];
		k->arch = a;
	} else if (!modules || k->modules[0]) {
		snprintf(err, n, "%s: given twice for %s", opt, a->name);
		return -EINVAL;
	}
	if (strlen(val) >= sizeof(k->image)) {
		snprintf(err, n, "%s %s: path too long", opt, val);
		return -ENAMETOOLONG;
	}
	snprintf(modules ? k->modules : k->image, sizeof(k->image), "%s", val);
	return 0;
}

int kernels_parse(struct kernel_list *kl, const char *kernels, const char *modules,
		  const struct arch *const *for_arches, int n_arches, char *err, size_t n)
{
	const char *lists[2] = { kernels, modules };

	for (int m = 0; m < 2; m++) {
		char *buf = strdup(lists[m] ? lists[m] : ""), *save, *tok;
		int rc = 0;

		if (!buf)
			return -ENOMEM;
		for (tok = strtok_r(buf, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save))
			rc = parse_one(kl, tok, m, for_arches, n_arches, err, n);
		free(buf);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int kernels_absolute(struct kernel_list *kl, char *err, size_t n)
{
	for (int i = 0; i < kl->n; i++) {
		char *paths[2] = { kl->k[i].image, kl->k[i].modules }, abs[PATH_MAX];

		for (int p = 0; p < 2; p++) {
			if (!paths[p][0])
				continue;
			if (!realpath(paths[p], abs)) {
				int e = errno;

				snprintf(err, n, "%s %s: %s", p ? "--modules" : "--kernel", paths[p],
					 strerror(e));
				return -e;
			}
			snprintf(paths[p], PATH_MAX, "%s", abs);
			if (!p && validate_input_file("--kernel", abs, err, n) < 0)
				return -EINVAL;
		}
	}
	return 0;
}

const char *prep_log(void)
{
	static char path[PATH_MAX];

	if (!path[0]) {
		if (getenv("HPT_LOG") && *getenv("HPT_LOG"))
			snprintf(path, sizeof(path), "%s", getenv("HPT_LOG"));
		else
			snprintf(path, sizeof(path), "%s/.cache/log/setup.log", hpt_top());
	}
	return path;
}

/* mkdir -p of path's directory. */
static void mkdir_parents(const char *path)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", path);
	for (char *p = dir + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			mkdir(dir, 0755);
			*p = '/';
		}
}

/* The last lines of the log on stderr. */
static void log_tail(const char *log, int lines)
{
	char buf[8192];
	ssize_t got;
	off_t size;
	int fd = open(log, O_RDONLY | O_CLOEXEC), seen = 0;
	char *p;

	if (fd < 0)
		return;
	size = lseek(fd, 0, SEEK_END);
	got = pread(fd, buf, sizeof(buf) - 1, size > (off_t)sizeof(buf) - 1 ?
		    size - (off_t)sizeof(buf) + 1 : 0);
	close(fd);
	if (got <= 0)
		return;
	buf[got] = 0;
	for (p = buf + got; p > buf; p--)
		if (p[-1] == '\n' && p != buf + got && ++seen > lines)
			break;
	fprintf(stderr, "hotplug-test: the last lines of %s:\n", log);
	for (char *s = p, *nl; *s; s = nl + 1) {
		nl = strchr(s, '\n');
		if (!nl) {
			fprintf(stderr, "    %s\n", s);
			break;
		}
		fprintf(stderr, "    %.*s\n", (int)(nl - s), s);
	}
}

/* Runs argv with stdin from /dev/null, stdout on out, stderr on err, signals unblocked
 * (main.c blocks SIGCHLD); its exit status, or -1 if it did not exit. */
static int spawn_wait(char *const argv[], int out, int err)
{
	int status = 0;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (in >= 0)
			dup2(in, 0);
		dup2(out, 1);
		dup2(err, 2);
		execvp(argv[0], argv);
		dprintf(2, "hotplug-test: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return pid > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int prep_quiet(char *const argv[])
{
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC), rc;

	if (null < 0)
		return -1;
	rc = spawn_wait(argv, null, null);
	close(null);
	return rc;
}

int prep_tool(char *const argv[], const char *stage)
{
	const char *log = prep_log();
	int status, fd;

	mkdir_parents(log);
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "hotplug-test: %s: %s\n", log, strerror(errno));
		return -EIO;
	}
	if (stage)
		fprintf(stderr, "hotplug-test: %s (log: %s)…\n", stage, log);
	dprintf(fd, "=== %s:", stage ? stage : "running");
	for (int i = 0; argv[i]; i++)
		dprintf(fd, " %s", argv[i]);
	dprintf(fd, "\n");
	setenv("HPT_LOG", log, 1);	/* the recipes append to the same log */
	status = spawn_wait(argv, fd, 2);
	close(fd);
	if (status == 0)
		return 0;
	log_tail(log, 12);
	return -EIO;
}

int kernel_prepare_own(const struct kernel_sel *k, const char *dir, struct prepared_kernel *p,
		       char *err, size_t n)
{
	char agent[PATH_MAX], target[64], cache[PATH_MAX], script[PATH_MAX], stage[PATH_MAX + 64];
	const char *top = hpt_top(), *slash;
	char *mk[] = { "make", "-s", "--no-print-directory", "-C", (char *)top, target, NULL };
	char *prep[] = { script, (char *)k->arch->name, (char *)k->image, p->release,
			 k->modules[0] ? (char *)k->modules : "-", agent, cache, (char *)dir, NULL };

	memset(p, 0, sizeof(*p));
	if (kimage_release(k->image, p->release, sizeof(p->release)) < 0) {
		/* not in the image (compressed): the modules dir may be named after it */
		const char *m = k->modules[0] ? strstr(k->modules, "/lib/modules/") : NULL;
		const char *base = strrchr(k->modules, '/');

		snprintf(p->release, sizeof(p->release), "%s", m ? m + 13 : !k->modules[0] ?
			 "unknown" : base ? base + 1 : k->modules);
		p->release[strcspn(p->release, "/")] = 0;
	}
	snprintf(target, sizeof(target), "build/%s/hp-agent", k->arch->name);
	snprintf(agent, sizeof(agent), "%s/%s", top, target);
	snprintf(cache, sizeof(cache), "%s/.cache", top);
	snprintf(script, sizeof(script), "%s/kernels/own-kernel.sh", top);
	snprintf(stage, sizeof(stage), "building the %s guest agent", k->arch->name);
	if (prep_tool(mk, stage) < 0) {
		snprintf(err, n, "building the %s agent failed (make %s)", k->arch->name, target);
		return -EIO;
	}
	snprintf(stage, sizeof(stage), "preparing kernel %s (release %s) for %s", k->image,
		 p->release, k->arch->name);
	if (prep_tool(prep, stage) < 0) {
		snprintf(err, n, "preparing kernel %s for %s failed (kernels/own-kernel.sh says why "
			 "above)", k->image, k->arch->name);
		return -EIO;
	}
	slash = strrchr(k->image, '/');
	snprintf(p->image, sizeof(p->image), "%s/%s", dir, slash ? slash + 1 : k->image);
	snprintf(p->initrd, sizeof(p->initrd), "%s/initramfs.cpio.gz", dir);
	return 0;
}
