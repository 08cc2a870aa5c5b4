/* Guests from distro images (run --image): Debian images built from the archive and images
 * users bring, prepared through the libguestfs C API. The agent runs in them as a systemd
 * service (hp-agent.service) instead of being /init. */
#ifndef HPT_IMAGE_H
#define HPT_IMAGE_H
#include <limits.h>
#include <stddef.h>
#include "hpt.h"

struct arch;

/* What an image guest boots and what was put into it. */
struct image_boot {
	char disk[PATH_MAX];		/* the qcow2 */
	char kernel[PATH_MAX];		/* the image's own kernel and initrd, read from its /boot */
	char initrd[PATH_MAX];
	char release[96];		/* that kernel's release */
	char root[96];			/* "UUID=…" of its root file system */
	char probe[256];		/* "hpt_probe.ko for RELEASE" or why there is none */
};

/* The suite of a "debian:SUITE" spec, or NULL when spec names a file. */
const char *image_debian_suite(const char *spec);

/* A Debian SUITE image for arch, from the cache or built (mmdebstrap, then libguestfs):
 * with the agent injected, or bare (plain Debian, as a distro would ship it). 0, or
 * -errno with err saying what failed. */
int image_debian(const char *suite, const struct arch *a, int bare, struct image_boot *ib,
		 char *err, size_t n);

/* For a run of r->opts->image: a qcow2 overlay in r->dir (the image itself is never
 * written), the agent and the probe injected when the image lacks them, the image's kernel
 * and initrd copied out; sets r->image_disk and r->image_cmdline, kernel and initrd. */
int image_prepare(struct run *r, char *kernel, char *initrd, size_t len, char *err,
		  size_t n);

/* Who onlines hot-added memory by itself in an image guest, for messages and evidence:
 * "udev (RULE FILE)" or "the kernel (auto_online_blocks=POLICY)"; "" when nothing does. */
const char *image_self_online_by(const struct run *r, char *buf, size_t n);

/* image_gfs.c: libguestfs sessions (TCG, the appliance's kernel, errors as text). */
struct guestfs_h;
typedef struct guestfs_h guestfs_h;
/* A handle whose errors go to err, not to stderr; NULL with err filled. */
guestfs_h *image_gfs_new(char *err, size_t n);
/* err = what (the handle's last error). Returns -EIO. */
int image_gfs_err(guestfs_h *g, const char *what, char *err, size_t n);
/* Inspects the launched image (one Linux root), mounts its file systems under /, finds
 * its kernel and initrd in /boot (the newest pair) and the root's UUID. -errno with err
 * saying what the image lacks (name is the image's path, for the message). */
int image_gfs_mount_linux(guestfs_h *g, const char *name, const struct arch *a,
			  struct image_boot *ib, char *err, size_t n);
/* The probe built for kernel release (build/ARCH, -debug, -minimal: kernel/version; then
 * the Debian kernels under build/ARCH/k/): 0 with its path, or -ENOENT. */
int image_find_probe(const struct arch *a, const char *release, char *path, size_t n);
/* Puts the agent (a systemd service started early), the modules it needs (modules-load.d)
 * and the probe for ib->release (when one was built) into the mounted image; fills
 * ib->probe. */
int image_gfs_inject(guestfs_h *g, const struct arch *a, struct image_boot *ib, char *err,
		     size_t n);
/* Copies the image's kernel and initrd (ib->kernel, ib->initrd: paths inside) to dir,
 * rewriting ib->kernel and ib->initrd to the copies (for x86_64 an uncompressed vmlinux,
 * as our own guests boot). */
int image_gfs_copy_boot(guestfs_h *g, const struct arch *a, const char *dir,
			struct image_boot *ib, char *err, size_t n);

#endif
