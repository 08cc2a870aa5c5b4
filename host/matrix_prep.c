/* What the jobs of a matrix boot (see matrix.h): Debian's kernels (make guest-ARCH) or
 * kernels the user brought (--kernel/--modules, kernels/own-kernel.sh), prepared once
 * before any job starts: jobs of one arch would otherwise race on the same files. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "arch.h"
#include "caps.h"
#include "guest.h"
#include "hpt.h"
#include "matrix.h"

/* Splits "[ARCH=]VALUE,…" of --kernel or --modules into m->own[]. */
int matrix_own_list(struct matrix *m, const char *list, int modules)
{
	char buf[4096], *save, *tok;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const char *eq = strchr(tok, '='), *val = eq ? eq + 1 : tok;
		const struct arch *a = NULL;
		struct own_kernel *o;

		if (eq) {
			*strchr(tok, '=') = 0;
			a = arch_find(tok);
		} else if (m->n_arches == 1) {
			a = m->arches[0];
		}
		if (!a) {
			fprintf(stderr, "hotplug-test matrix: --%s %s%s%s: %s\n",
				modules ? "modules" : "kernel", eq ? tok : "", eq ? "=" : "", val,
				eq ? "unknown arch" : "say which arch (ARCH=PATH) with several arches");
			return -EINVAL;
		}
		o = (struct own_kernel *)matrix_own(m, a);
		if (!o) {
			if (modules) {
				fprintf(stderr, "hotplug-test matrix: --modules %s=…: no --kernel for %s\n",
					a->name, a->name);
				return -EINVAL;
			}
			o = &m->own[m->n_own++];
			o->arch = a;
		}
		snprintf(modules ? o->modules : o->image, sizeof(o->image), "%s", val);
	}
	return 0;
}

/* Runs argv (make, a recipe) with stdout on our stderr; 0 if it exited 0. */
static int run_tool(char *const argv[])
{
	int status = 0;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		dup2(2, 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* Kernel release, agent, kernel dir and initramfs for a kernel the user brought. */
static void own_prepare(struct matrix *m, struct own_kernel *o)
{
	char agent[PATH_MAX], target[64], dir[PATH_MAX + 16], cache[PATH_MAX], *p;
	const char *top = hpt_top();

	if (kimage_release(o->image, o->release, sizeof(o->release)) < 0) {
		/* not in the image (compressed): the modules dir may be named after it */
		p = o->modules[0] ? strstr(o->modules, "/lib/modules/") : NULL;
		snprintf(o->release, sizeof(o->release), "%s", p ? p + 13 :
			 o->modules[0] ? strrchr(o->modules, '/') ? strrchr(o->modules, '/') + 1 :
			 o->modules : "unknown");
		o->release[strcspn(o->release, "/")] = 0;
	}
	snprintf(target, sizeof(target), "build/%s/hp-agent", o->arch->name);
	snprintf(agent, sizeof(agent), "%s/%s", top, target);
	snprintf(dir, sizeof(dir), "%s/kernels/%s", m->out, o->arch->name);
	snprintf(cache, sizeof(cache), "%s/.cache", top);
	{
		char *mk[] = { "make", "-s", "--no-print-directory", "-C", (char *)top, target, NULL };
		char *prep[] = { "kernels/own-kernel.sh", (char *)o->arch->name, o->image, o->release,
				 o->modules[0] ? o->modules : "-", agent, cache, dir, NULL };
		char script[PATH_MAX];

		snprintf(script, sizeof(script), "%s/kernels/own-kernel.sh", top);
		prep[0] = script;
		if (run_tool(mk) < 0) {
			snprintf(o->err, sizeof(o->err), "building the %s agent failed (make %s)",
				 o->arch->name, target);
			return;
		}
		if (run_tool(prep) < 0) {
			snprintf(o->err, sizeof(o->err), "preparing kernel %s for %s failed "
				 "(kernels/own-kernel.sh says why above)", o->image, o->arch->name);
			return;
		}
	}
	p = strrchr(o->image, '/');
	snprintf(o->kernel, sizeof(o->kernel), "%s/%s", dir, p ? p + 1 : o->image);
	snprintf(o->initrd, sizeof(o->initrd), "%s/initramfs.cpio.gz", dir);
	fprintf(stderr, "hotplug-test matrix: %s kernel %s (release %s)%s%s\n", o->arch->name,
		o->image, o->release, o->modules[0] ? ", modules " : ", no modules",
		o->modules[0] ? o->modules : "");
}

void matrix_prepare(struct matrix *m)
{
	for (int a = 0; a < m->n_arches; a++) {
		struct own_kernel *o = (struct own_kernel *)matrix_own(m, m->arches[a]);
		char target[64];
		char *mk[] = { "make", "-s", "--no-print-directory", "-C", (char *)hpt_top(), target,
			       NULL };

		if (o) {
			own_prepare(m, o);
			if (o->err[0])
				snprintf(m->arch_err[a], sizeof(m->arch_err[a]), "%s", o->err);
			continue;
		}
		snprintf(target, sizeof(target), "guest-%s", m->arches[a]->name);
		if (run_tool(mk) < 0)
			snprintf(m->arch_err[a], sizeof(m->arch_err[a]), "preparing the %s guest "
				 "failed (make -C %s %s)", m->arches[a]->name, hpt_top(), target);
	}
}
