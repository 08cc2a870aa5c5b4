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
#include "reaper.h"
#include "validate.h"

int kernels_of(const struct kernel_list *kl, const struct arch *a,
	       const struct kernel_sel **out, int max)
{
	int n = 0;

	for (int i = 0; i < kl->n && n < max; i++)
		if (!kl->k[i].arch || kl->k[i].arch == a)
			out[n++] = &kl->k[i];
	return n;
}

/* A spec's short name: debian:trixie → trixie, a path → its file name; made unique in kl
 * by a -N suffix. Only [A-Za-z0-9._+-]: it goes into run dir names. */
static void label(struct kernel_list *kl, struct kernel_sel *k)
{
	const char *base = k->debian ? k->spec + 7 : strrchr(k->spec, '/');
	char want[48];

	snprintf(want, sizeof(want), "%s", base && !k->debian ? base + 1 : base ? base : k->spec);
	for (char *p = want; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-", *p))
			*p = '_';
	snprintf(k->label, sizeof(k->label), "%s", want[0] ? want : "kernel");
	for (int n = 2, clash = 1; clash; n++) {
		clash = 0;
		for (struct kernel_sel *o = kl->k; o < k; o++)
			if (!strcmp(o->label, k->label))
				clash = 1;
		if (clash)
			snprintf(k->label, sizeof(k->label), "%s-%d", want, n);
	}
}

/* debian:SUITE | debian:VERSION, either with -<N>k: the syntax kernels/debian-kernel.sh
 * reads (whether the archive has it is its question). */
static int debian_spec_ok(const char *val)
{
	const char *what = val + 7;

	if (!*what || strlen(what) > 64)
		return 0;
	for (const char *p = what; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789.+~-", *p))
			return 0;
	return what[0] != '-' && what[strlen(what) - 1] != '-';
}

/* One "[ARCH=]VALUE" of --kernel into kl. */
static int parse_kernel(struct kernel_list *kl, char *tok, const struct arch *const *for_arches,
			int n_arches, char *err, size_t n)
{
	char *eq = strchr(tok, '='), *val = eq ? eq + 1 : tok;
	const struct arch *a = NULL;
	struct kernel_sel *k;
	int debian;

	if (eq) {
		*eq = 0;
		a = arch_find(tok);
		if (!a) {
			snprintf(err, n, "--kernel %s=%s: unknown arch", tok, val);
			return -EINVAL;
		}
	}
	if (!*val) {
		snprintf(err, n, "--kernel %s=: no value", a ? a->name : "");
		return -EINVAL;
	}
	debian = !strncmp(val, "debian:", 7);
	if (debian && !debian_spec_ok(val)) {
		snprintf(err, n, "--kernel %s: expected debian:SUITE or debian:VERSION, optionally "
			 "with -64k (e.g. debian:trixie, debian:6.1.192-3)", val);
		return -EINVAL;
	}
	if (!debian && !eq) {
		if (n_arches != 1) {
			snprintf(err, n, "--kernel %s: say which arch (ARCH=PATH) for an image "
				 "with several arches (an image is one arch's)", val);
			return -EINVAL;
		}
		a = for_arches[0];
	}
	if (strlen(val) >= sizeof(k->spec)) {
		snprintf(err, n, "--kernel %.64s…: path too long", val);
		return -ENAMETOOLONG;
	}
	for (int i = 0; i < kl->n; i++)
		if (kl->k[i].arch == a && !strcmp(kl->k[i].spec, val)) {
			snprintf(err, n, "--kernel %s%s%s: given twice", a ? a->name : "", a ? "=" : "",
				 val);
			return -EINVAL;
		}
	if (kl->n == KERNELS_MAX) {
		snprintf(err, n, "--kernel %s: more than %d kernels", val, KERNELS_MAX);
		return -E2BIG;
	}
	k = &kl->k[kl->n++];
	memset(k, 0, sizeof(*k));
	k->arch = a;
	k->debian = debian;
	snprintf(k->spec, sizeof(k->spec), "%s", val);
	if (!debian)
		snprintf(k->image, sizeof(k->image), "%s", val);
	label(kl, k);
	return 0;
}

/* One "[ARCH=]DIR" of --modules: for the one path kernel of its arch. */
static int parse_modules(struct kernel_list *kl, char *tok, const struct arch *const *for_arches,
			 int n_arches, char *err, size_t n)
{
	char *eq = strchr(tok, '='), *val = eq ? eq + 1 : tok;
	const struct arch *a = n_arches == 1 ? for_arches[0] : NULL;
	struct kernel_sel *k = NULL;

	if (eq) {
		*eq = 0;
		a = arch_find(tok);
		if (!a) {
			snprintf(err, n, "--modules %s=%s: unknown arch", tok, val);
			return -EINVAL;
		}
	} else if (!a) {
		snprintf(err, n, "--modules %s: say which arch (ARCH=DIR) with several arches", val);
		return -EINVAL;
	}
	if (!*val) {
		snprintf(err, n, "--modules %s=: no value", a->name);
		return -EINVAL;
	}
	for (int i = 0; i < kl->n; i++) {
		if (kl->k[i].arch != a || kl->k[i].debian)
			continue;
		if (k) {
			snprintf(err, n, "--modules %s=%s: %s has several path kernels (%s, %s): "
				 "cannot say whose", a->name, val, a->name, k->spec, kl->k[i].spec);
			return -EINVAL;
		}
		k = &kl->k[i];
	}
	if (!k) {
		snprintf(err, n, "--modules %s=%s: no --kernel for %s (a path; Debian's kernels "
			 "bring their modules)", a->name, val, a->name);
		return -EINVAL;
	}
	if (k->modules[0]) {
		snprintf(err, n, "--modules: given twice for %s", a->name);
		return -EINVAL;
	}
	if (strlen(val) >= sizeof(k->modules)) {
		snprintf(err, n, "--modules %.64s…: path too long", val);
		return -ENAMETOOLONG;
	}
	snprintf(k->modules, sizeof(k->modules), "%s", val);
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
			rc = m ? parse_modules(kl, tok, for_arches, n_arches, err, n) :
				 parse_kernel(kl, tok, for_arches, n_arches, err, n);
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
			if (!p)
				snprintf(kl->k[i].spec, sizeof(kl->k[i].spec), "%s", abs);
		}
	}
	return 0;
}

void kernel_package_of(const char *image, char *buf, size_t n)
{
	char path[PATH_MAX + 16];
	const char *slash = strrchr(image, '/');
	FILE *f;

	buf[0] = 0;
	snprintf(path, sizeof(path), "%.*s/package", slash ? (int)(slash - image) : 1,
		 slash ? image : ".");
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, (int)n, f))
		buf[strcspn(buf, "\n")] = 0;
	fclose(f);
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

/* Runs argv with stdin from /dev/null, stdout on out, stderr on err and nothing else of
 * ours (child_exec_prepare); its exit status, or -1 if it did not exit. */
static int spawn_wait(char *const argv[], int out, int err)
{
	int status = 0;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		child_exec_prepare(open("/dev/null", O_RDONLY), out, err);
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
	if (!getenv("HPT_LOG") || strcmp(getenv("HPT_LOG"), log))
		setenv("HPT_LOG", log, 1);	/* the recipes append to the same log (set
						 * once: matrix_prepare's threads call us) */
	status = spawn_wait(argv, fd, 2);
	close(fd);
	if (status == 0)
		return 0;
	log_tail(log, 12);
	return -EIO;
}

int kernel_prepare_own(const struct kernel_sel *k, const struct arch *a, int tools,
		       const char *dir, struct prepared_kernel *p, char *err, size_t n)
{
	char agent[PATH_MAX], target[64], cache[PATH_MAX], script[PATH_MAX], stage[PATH_MAX + 64];
	const char *top = hpt_top(), *slash;
	char *mk[] = { "make", "-s", "--no-print-directory", "-C", (char *)top, target, NULL };
	/* NVDIMM scenarios need ndctl/daxctl in the guest, whoever built the kernel: told
	 * through env(1), not our environment, which matrix_prepare's threads share */
	char *prep[] = { "env", tools ? "HPT_GUEST_TOOLS=1" : "HPT_GUEST_TOOLS=", script,
			 (char *)a->name, (char *)k->image, p->release,
			 k->modules[0] ? (char *)k->modules : "-", agent, cache, (char *)dir, NULL };
	int rc;

	memset(p, 0, sizeof(*p));
	if (kimage_release(k->image, p->release, sizeof(p->release)) < 0) {
		/* not in the image (compressed): the modules dir may be named after it */
		const char *m = k->modules[0] ? strstr(k->modules, "/lib/modules/") : NULL;
		const char *base = strrchr(k->modules, '/');

		snprintf(p->release, sizeof(p->release), "%s", m ? m + 13 : !k->modules[0] ?
			 "unknown" : base ? base + 1 : k->modules);
		p->release[strcspn(p->release, "/")] = 0;
	}
	snprintf(target, sizeof(target), "build/%s/hp-agent", a->name);
	snprintf(agent, sizeof(agent), "%s/%s", top, target);
	snprintf(cache, sizeof(cache), "%s/.cache", top);
	snprintf(script, sizeof(script), "%s/kernels/own-kernel.sh", top);
	snprintf(stage, sizeof(stage), "building the %s guest agent", a->name);
	if (prep_tool(mk, stage) < 0) {
		snprintf(err, n, "building the %s agent failed (make %s)", a->name, target);
		return -EIO;
	}
	snprintf(stage, sizeof(stage), "preparing kernel %s (release %s) for %s%s", k->image,
		 p->release, a->name, tools ? ", initramfs with ndctl/daxctl too" : "");
	rc = prep_tool(prep, stage);
	if (rc < 0) {
		snprintf(err, n, "preparing kernel %s for %s failed (kernels/own-kernel.sh says why "
			 "above)", k->image, a->name);
		return -EIO;
	}
	slash = strrchr(k->image, '/');
	snprintf(p->image, sizeof(p->image), "%s/%s", dir, slash ? slash + 1 : k->image);
	snprintf(p->initrd, sizeof(p->initrd), "%s/initramfs.cpio.gz", dir);
	if (tools)
		snprintf(p->initrd_tools, sizeof(p->initrd_tools), "%s/initramfs-tools.cpio.gz", dir);
	return 0;
}

/* Reads fd (a temp file) from its start into buf, NUL-terminated. */
static void slurp(int fd, char *buf, size_t n)
{
	ssize_t got = pread(fd, buf, n - 1, 0);

	buf[got > 0 ? got : 0] = 0;
}

/* kernels/guest.sh ARCH SPEC [tools|both] OUTROOT, one call for the initramfs of either
 * kind or both (plain, tools): its lines into image, initrd (plain) and initrd_tools
 * (tools); its stderr on ours and in the log; on failure its messages into err. */
static int guest_sh(const struct arch *a, const char *spec, int plain, int tools, char *image,
		    char *initrd, char *initrd_tools, size_t pn, char *err, size_t n)
{
	char script[PATH_MAX], outroot[PATH_MAX], out[3 * PATH_MAX + 8], msg[2048];
	const char *mode = plain && tools ? "both" : tools ? "tools" : NULL;
	char *argv[] = { script, (char *)a->name, (char *)spec, mode ? (char *)mode : outroot,
			 mode ? outroot : NULL, NULL };
	char *line[3] = { out, NULL, NULL };
	int want = 1 + plain + tools;
	char tmpl_o[] = "/tmp/hpt-guest-out.XXXXXX", tmpl_e[] = "/tmp/hpt-guest-err.XXXXXX";
	int fo = mkstemp(tmpl_o), fe = mkstemp(tmpl_e), status, log;
	char *nl;

	if (fo < 0 || fe < 0) {
		snprintf(err, n, "temp file: %s", strerror(errno));
		if (fo >= 0)
			close(fo);
		if (fe >= 0)
			close(fe);
		return -EIO;
	}
	unlink(tmpl_o);
	unlink(tmpl_e);
	snprintf(script, sizeof(script), "%s/kernels/guest.sh", hpt_top());
	snprintf(outroot, sizeof(outroot), "%s/build", hpt_top());
	status = spawn_wait(argv, fo, fe);
	slurp(fo, out, sizeof(out));
	slurp(fe, msg, sizeof(msg));
	close(fo);
	close(fe);
	if (msg[0]) {
		fputs(msg, stderr);
		mkdir_parents(prep_log());
		log = open(prep_log(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (log >= 0) {
			dprintf(log, "=== kernels/guest.sh %s %s%s%s\n%s", a->name, spec,
				mode ? " " : "", mode ? mode : "", msg);
			close(log);
		}
	}
	for (int i = 1; i < want && (nl = strchr(line[i - 1], '\n')); i++) {
		*nl = 0;
		line[i] = nl + 1;
	}
	if (status != 0 || !line[want - 1] || !strchr(line[want - 1], '\n')) {
		/* the recipes' own words, one line: the reason, not only that it failed */
		size_t len = (size_t)snprintf(err, n, "kernel %s for %s: ", spec, a->name);

		int said = 0;

		/* only the recipes' own lines ("guest: …"), not a compiler's chatter */
		for (char *p = msg, *nl2; *p && len + 1 < n; p = nl2 + 1) {
			nl2 = strchr(p, '\n');
			if (!nl2)
				nl2 = p + strlen(p) - 1;
			if (strncmp(p, "guest: ", 7) && strncmp(p, "debian-kernel: ", 15) &&
			    strncmp(p, "probe-build: ", 13))
				continue;
			if (!strncmp(p, "guest: building", 15))
				continue;	/* progress, not the reason */
			len += (size_t)snprintf(err + len, n - len, "%s%.*s", said++ ? "; " : "",
						(int)(nl2 - p + (*nl2 != '\n')), p);
		}
		if (!said && len + 1 < n)
			snprintf(err + len, n - len, "kernels/guest.sh failed (its output is in %s)",
				 prep_log());
		return -EIO;
	}
	line[want - 1][strcspn(line[want - 1], "\n")] = 0;
	snprintf(image, pn, "%s", line[0]);
	if (plain)
		snprintf(initrd, pn, "%s", line[1]);
	if (tools)
		snprintf(initrd_tools, pn, "%s", line[want - 1]);
	return 0;
}

int kernel_prepare_debian(const struct kernel_sel *k, const struct arch *a, int plain,
			  int tools, struct prepared_kernel *p, char *err, size_t n)
{
	char image[PATH_MAX];
	FILE *f;

	memset(p, 0, sizeof(*p));
	fprintf(stderr, "hotplug-test: preparing %s %s (kernel, probe, agent, initramfs%s)…\n",
		a->name, k->spec, tools ? " with ndctl/daxctl" : "");
	if (guest_sh(a, k->spec, plain, tools, p->image, p->initrd, p->initrd_tools,
		     sizeof(p->image), err, n) < 0)
		return -EIO;
	kernel_package_of(p->image, p->package, sizeof(p->package));
	snprintf(image, sizeof(image), "%.*s/version", (int)(strrchr(p->image, '/') - p->image),
		 p->image);
	f = fopen(image, "re");
	if (f) {
		if (fgets(p->release, sizeof(p->release), f))
			p->release[strcspn(p->release, "\n")] = 0;
		fclose(f);
	}
	if (!p->package[0]) {
		snprintf(err, n, "kernel %s for %s: %s has no package file next to it", k->spec,
			 a->name, p->image);
		return -EIO;
	}
	return 0;
}
