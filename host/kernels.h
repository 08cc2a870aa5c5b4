/* The kernels a job boots: `--kernel [ARCH=]SPEC` and `--modules [ARCH=]DIR`, parsed once
 * for `run` and `matrix`, and a kernel the user brought, prepared (its release read, an
 * initramfs built from its modules) by kernels/own-kernel.sh. Tools the controller runs
 * to prepare guests (make, recipes) write their detail into the setup log; the terminal
 * gets one line per stage. */
#ifndef HPT_KERNELS_H
#define HPT_KERNELS_H
#include <limits.h>
#include <stddef.h>

struct arch;

#define KERNELS_MAX 16

/* One --kernel value (with its --modules). */
struct kernel_sel {
	const struct arch *arch;	/* the arch it is for */
	char image[PATH_MAX];		/* a kernel image the user built */
	char modules[PATH_MAX];		/* its modules ("" = built in / none) */
};

struct kernel_list {
	struct kernel_sel k[KERNELS_MAX];
	int n;
};

/* Splits the comma-joined --kernel and --modules values into kl. A value without ARCH=
 * is for the only arch of `arches` (an image is one arch's); every --modules needs a
 * --kernel of its arch. 0, or -EINVAL with err naming the value. */
int kernels_parse(struct kernel_list *kl, const char *kernels, const char *modules,
		  const struct arch *const *for_arches, int n_arches, char *err, size_t n);
/* Makes every image and modules path absolute (QEMU and the recipes do not run in our
 * directory). 0, or -errno with err naming the path. */
int kernels_absolute(struct kernel_list *kl, char *err, size_t n);
/* The kernel brought for arch a, NULL = Debian's. */
const struct kernel_sel *kernels_for(const struct kernel_list *kl, const struct arch *a);

/* A kernel the user brought, ready to boot. */
struct prepared_kernel {
	char image[PATH_MAX];		/* what QEMU boots */
	char initrd[PATH_MAX];		/* initramfs with its modules and our agent */
	char release[96];		/* its `uname -r` */
};
/* Reads k's release, builds the arch's agent and an initramfs from k's modules into dir.
 * 0, or -EIO with err saying what failed (the recipe's own message is in the log). */
int kernel_prepare_own(const struct kernel_sel *k, const char *dir, struct prepared_kernel *p,
		       char *err, size_t n);

/* Runs a preparing tool (argv[0] relative to the project's top is made absolute), its
 * stdout appended to the setup log, its stderr (stage lines, errors) on ours. `stage`,
 * when not NULL, is printed first. 0 if it exited 0, else -EIO (and the log's tail is
 * printed). */
int prep_tool(char *const argv[], const char *stage);
/* Runs argv with no output: its exit status (-1 if it did not exit). For questions such
 * as `make -q`. */
int prep_quiet(char *const argv[]);
/* The setup log: $HPT_LOG or <top>/.cache/log/setup.log. */
const char *prep_log(void);

#endif
