/* What the jobs of a matrix boot (see matrix.h): for every (arch, kernel) pair, Debian's
 * default kernel (make guest-ARCH), a Debian kernel by spec (kernels/guest.sh) or a kernel
 * the user brought (kernels/own-kernel.sh), prepared once before any job starts. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "arch.h"
#include "caps.h"
#include "guest.h"
#include "hpt.h"
#include "matrix.h"

const char *matrix_kernel_name(const struct matrix_kernel *mk)
{
	return mk->sel ? mk->sel->spec : "";
}

int matrix_kernels(struct matrix *m)
{
	m->mks = calloc((size_t)m->n_arches * KERNELS_MAX, sizeof(*m->mks));
	if (!m->mks)
		return -ENOMEM;
	m->axis = m->kernels.n > 0;
	for (int a = 0; a < m->n_arches; a++) {
		const struct kernel_sel *ks[KERNELS_MAX];
		int nk = kernels_of(&m->kernels, m->arches[a], ks, KERNELS_MAX);

		for (int x = 0; x < (nk ? nk : 1); x++) {
			struct matrix_kernel *mk = &m->mks[m->n_mks++];

			mk->arch = m->arches[a];
			mk->sel = nk ? ks[x] : NULL;
			mk->many = nk > 1;
		}
	}
	return 0;
}

/* The default kernel: make guest-ARCH (and guest-tools-ARCH when a job needs the tools). */
static void prepare_default(struct matrix_kernel *mk)
{
	const struct arch *arch = mk->arch;
	char target[64], stage[128];
	char *mk_argv[] = { "make", "-s", "--no-print-directory", "-C", (char *)hpt_top(), target,
			    NULL };

	snprintf(target, sizeof(target), "guest-%s", arch->name);
	snprintf(stage, sizeof(stage), "preparing the %s guest (kernel, agent, probe, "
		 "initramfs)", arch->name);
	if (prep_tool(mk_argv, stage) < 0) {
		snprintf(mk->err, sizeof(mk->err), "preparing the %s guest failed (make -C %s %s)",
			 arch->name, hpt_top(), target);
		return;
	}
	if (!mk->tools)
		return;
	snprintf(target, sizeof(target), "guest-tools-%s", arch->name);
	snprintf(stage, sizeof(stage), "preparing the %s guest's initramfs with ndctl/daxctl",
		 arch->name);
	if (prep_tool(mk_argv, stage) < 0)
		snprintf(mk->err, sizeof(mk->err), "preparing the %s guest failed (make -C %s %s)",
			 arch->name, hpt_top(), target);
}

void matrix_prepare(struct matrix *m)
{
	for (int i = 0; i < m->n_mks; i++) {
		struct matrix_kernel *mk = &m->mks[i];
		const struct kernel_sel *k = mk->sel;
		char dir[PATH_MAX + 96];

		if (!mk->plain && !mk->tools)
			continue;	/* no job of it here (or only another shard's) */
		if (!k) {
			prepare_default(mk);
		} else if (k->debian) {
			if (kernel_prepare_debian(k, mk->arch, mk->plain, mk->tools, &mk->p, mk->err,
						  sizeof(mk->err)) == 0)
				fprintf(stderr, "hotplug-test matrix: %s kernel %s: %s (release %s)\n",
					mk->arch->name, k->spec, mk->p.package, mk->p.release);
		} else {
			snprintf(dir, sizeof(dir), "%s/kernels/%s%s%s", m->out, mk->arch->name,
				 mk->many ? "." : "", mk->many ? k->label : "");
			if (kernel_prepare_own(k, mk->arch, mk->tools, dir, &mk->p, mk->err,
					       sizeof(mk->err)) == 0)
				fprintf(stderr, "hotplug-test matrix: %s kernel %s (release %s)%s%s\n",
					mk->arch->name, k->image, mk->p.release,
					k->modules[0] ? ", modules " : ", no modules", k->modules);
		}
	}
}
