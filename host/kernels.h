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
	const struct arch *arch;	/* the arch it is for; NULL = every arch (the kernel axis) */
	int debian;			/* spec is debian:SUITE or debian:VERSION[-64k] */
	char spec[PATH_MAX];		/* as asked (a path: made absolute by kernels_absolute) */
	char image[PATH_MAX];		/* a path kernel: the image the user built ("" = debian) */
	char modules[PATH_MAX];		/* its modules ("" = built in / none) */
	char label[64];			/* short and unique in the list: run dir names, tables */
};

struct kernel_list {
	struct kernel_sel k[KERNELS_MAX];
	int n;
};

/* Splits the comma-joined --kernel and --modules values into kl. A `debian:` value without
 * ARCH= is for every arch (the kernel axis); a path without ARCH= is for the only arch of
 * `for_arches` (an image is one arch's). Every --modules pairs with the one path kernel of
 * its arch. 0, or -EINVAL/-E2BIG with err naming the value. */
int kernels_parse(struct kernel_list *kl, const char *kernels, const char *modules,
		  const struct arch *const *for_arches, int n_arches, char *err, size_t n);
/* Makes every image and modules path absolute (QEMU and the recipes do not run in our
 * directory). 0, or -errno with err naming the path. */
int kernels_absolute(struct kernel_list *kl, char *err, size_t n);
/* The kernels arch a boots, in the order given (the axis and a's own values) into out
 * (at most max); their count, 0 = Debian's default kernel (debian:bookworm, make). */
int kernels_of(const struct kernel_list *kl, const struct arch *a,
	       const struct kernel_sel **out, int max);

/* A kernel ready to boot: one the user brought, or a Debian kernel with probe and agent. */
struct prepared_kernel {
	char image[PATH_MAX];		/* what QEMU boots */
	char initrd[PATH_MAX];		/* initramfs with its modules and our agent */
	char initrd_tools[PATH_MAX];	/* the same with ndctl/daxctl ("" = not asked for) */
	char release[96];		/* its `uname -r` */
	char package[160];		/* a Debian kernel's package "NAME VERSION", else "" */
};
/* Reads k's release, builds the arch's agent and an initramfs from k's modules into dir
 * (with `tools`, also the one with ndctl/daxctl). 0, or -EIO with err saying what failed
 * (the recipe's own message is in the log). */
int kernel_prepare_own(const struct kernel_sel *k, const struct arch *a, int tools,
		       const char *dir, struct prepared_kernel *p, char *err, size_t n);
/* Fetches the Debian kernel k->spec for arch a, its probe, the agent and the initramfs
 * (`plain` and/or with the guest tools, `tools`) through kernels/guest.sh into the tree's
 * build/. 0, or -EIO with err saying what failed (the recipe's reason included). */
int kernel_prepare_debian(const struct kernel_sel *k, const struct arch *a, int plain,
			  int tools, struct prepared_kernel *p, char *err, size_t n);
/* The package a kernel image came from: the first line of the `package` file next to it
 * (a kernels/debian-kernel.sh directory), "" if none. */
void kernel_package_of(const char *image, char *buf, size_t n);

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
