/* What the jobs of a matrix boot (see matrix.h): for every (arch, kernel) pair, Debian's
 * default kernel (make guest-ARCH), a Debian kernel by spec (kernels/guest.sh) or a kernel
 * the user brought (kernels/own-kernel.sh), prepared once before any job starts. The
 * arches are prepared side by side, -j at a time, each arch's kernels one after the
 * other: its agent and its build root are shared by its kernels (guest.sh also locks
 * per arch). Warm, the 9 of 3 arches x 3 suites took 12.4-14.6 s one after the other,
 * 5.0-5.7 s so. */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
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

/* One (arch, kernel): mk->p, or mk->err saying why not; said on stderr once done. */
static void prepare_one(struct matrix *m, struct matrix_kernel *mk)
{
	const struct kernel_sel *k = mk->sel;
	char dir[PATH_MAX + 96];

	if (!k) {
		prepare_default(mk);
		if (!mk->err[0])
			fprintf(stderr, "hotplug-test matrix: %s: the default guest is prepared\n",
				mk->arch->name);
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

struct arch_prep {
	struct matrix *m;
	const struct arch *arch;
	sem_t *slots;		/* m->parallel preparations at a time */
	pthread_t t;
	int started;
};

/* One arch's kernels, in the order given, each holding a slot. */
static void *prepare_arch(void *arg)
{
	struct arch_prep *ap = arg;

	for (int i = 0; i < ap->m->n_mks; i++) {
		struct matrix_kernel *mk = &ap->m->mks[i];

		if (mk->arch != ap->arch || (!mk->plain && !mk->tools))
			continue;	/* another arch's, or no job of it here */
		while (sem_wait(ap->slots) < 0 && errno == EINTR)
			;
		prepare_one(ap->m, mk);
		sem_post(ap->slots);
	}
	return NULL;
}

void matrix_prepare(struct matrix *m)
{
	struct arch_prep ap[MATRIX_ARCHES_MAX] = { 0 };
	sem_t slots;

	setenv("HPT_LOG", prep_log(), 1);	/* before any thread: prep_tool's, once */
	if (sem_init(&slots, 0, m->parallel > 0 ? (unsigned)m->parallel : 1) < 0) {
		for (int i = 0; i < m->n_mks; i++)	/* (cannot happen) one after another */
			if (m->mks[i].plain || m->mks[i].tools)
				prepare_one(m, &m->mks[i]);
		return;
	}
	for (int a = 0; a < m->n_arches; a++) {
		ap[a] = (struct arch_prep){ m, m->arches[a], &slots, 0, 0 };
		ap[a].started = pthread_create(&ap[a].t, NULL, prepare_arch, &ap[a]) == 0;
		if (!ap[a].started)
			prepare_arch(&ap[a]);
	}
	for (int a = 0; a < m->n_arches; a++)
		if (ap[a].started)
			pthread_join(ap[a].t, NULL);
	sem_destroy(&slots);
}
