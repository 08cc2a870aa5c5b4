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

void matrix_prepare(struct matrix *m)
{
	for (int a = 0; a < m->n_arches; a++) {
		const struct arch *arch = m->arches[a];
		const struct kernel_sel *k = kernels_for(&m->kernels, arch);
		char target[64], dir[PATH_MAX + 16], stage[128];
		char *mk[] = { "make", "-s", "--no-print-directory", "-C", (char *)hpt_top(), target,
			       NULL };

		if (k) {
			snprintf(dir, sizeof(dir), "%s/kernels/%s", m->out, arch->name);
			if (kernel_prepare_own(k, dir, &m->own[a], m->arch_err[a],
					       sizeof(m->arch_err[a])) == 0)
				fprintf(stderr, "hotplug-test matrix: %s kernel %s (release %s)%s%s\n",
					arch->name, k->image, m->own[a].release,
					k->modules[0] ? ", modules " : ", no modules", k->modules);
			continue;
		}
		snprintf(target, sizeof(target), "guest-%s", arch->name);
		snprintf(stage, sizeof(stage), "preparing the %s guest (kernel, agent, probe, "
			 "initramfs)", arch->name);
		if (prep_tool(mk, stage) < 0)
			snprintf(m->arch_err[a], sizeof(m->arch_err[a]), "preparing the %s guest "
				 "failed (make -C %s %s)", arch->name, hpt_top(), target);
	}
}
