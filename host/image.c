/* The guest image of a run (image.h): `--image debian:SUITE` (built and cached, the agent
 * in a layer of its own) or `--image FILE` (a stranger's image: inspected, the agent and
 * the probe injected). Either way the run boots a qcow2 overlay in its own directory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <guestfs.h>
#include "arch.h"
#include "image.h"

/* A qcow2 overlay at path over backing (of format fmt): the backing file is only read. */
static int overlay(guestfs_h *g, const char *path, const char *backing, const char *fmt,
		   const char *name, char *err, size_t n)
{
	if (guestfs_disk_create(g, path, "qcow2", -1, GUESTFS_DISK_CREATE_BACKINGFILE, backing,
				GUESTFS_DISK_CREATE_BACKINGFORMAT, fmt, -1) < 0)
		return image_gfs_err(g, name, err, n);
	return 0;
}

/* A stranger's image: inspected through an overlay, the agent put into the overlay. */
static int bring_your_own(struct run *r, const char *file, const char *disk,
			  struct image_boot *ib, char *err, size_t n)
{
	char boot[PATH_MAX], *fmt = NULL;
	struct stat st;
	guestfs_h *g;
	int rc;

	errno = 0;
	if (stat(file, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, n, "--image %s: %s", file,
			 errno ? strerror(errno) : "not a regular file");
		return -ENOENT;
	}
	g = image_gfs_new(err, n);
	if (!g)
		return -EIO;
	fmt = guestfs_disk_format(g, file);
	if (!fmt || !strcmp(fmt, "unknown")) {
		char why[512];

		rc = fmt ? -EINVAL : image_gfs_err(g, "qemu-img", why, sizeof(why));
		snprintf(err, n, "%s: not a disk image QEMU can read%s%s%s", file,
			 fmt ? "" : " (", fmt ? "" : why, fmt ? "" : ")");
		goto cleanup;
	}
	hpt_verbose("image %s: a %s disk; inspecting it through %s", file, fmt, disk);
	rc = overlay(g, disk, file, fmt, file, err, n);
	if (rc < 0)
		goto cleanup;
	if (guestfs_add_drive_opts(g, disk, GUESTFS_ADD_DRIVE_OPTS_FORMAT, "qcow2", -1) < 0 ||
	    guestfs_launch(g) < 0) {
		rc = image_gfs_err(g, file, err, n);
		goto cleanup;
	}
	/* beside the overlay (an absolute path): QEMU reads the kernel from there */
	snprintf(boot, sizeof(boot), "%.*s/boot", (int)(strrchr(disk, '/') - disk), disk);
	rc = image_gfs_mount_linux(g, file, r->arch, ib, err, n);
	if (rc == 0)
		rc = image_gfs_inject(g, r->arch, ib, err, n);
	if (rc == 0)
		rc = image_gfs_copy_boot(g, r->arch, boot, ib, err, n);
	if (rc == 0 && guestfs_shutdown(g) < 0)
		rc = image_gfs_err(g, file, err, n);
cleanup:
	free(fmt);
	guestfs_close(g);
	return rc;
}

int image_prepare(struct run *r, char *kernel, char *initrd, size_t len, char *err,
		  size_t n)
{
	const char *spec = r->opts->image, *suite = image_debian_suite(spec);
	uint64_t t0 = now_ms();
	struct image_boot ib;
	char disk[PATH_MAX], boot[PATH_MAX];
	int rc;

	memset(&ib, 0, sizeof(ib));
	/* absolute: QEMU does not run in our directory (the default run dir is relative) */
	if (!realpath(r->dir, boot)) {
		snprintf(err, n, "run dir %s: %s", r->dir, strerror(errno));
		return -errno;
	}
	snprintf(disk, sizeof(disk), "%s/image.qcow2", boot);
	if (suite) {
		guestfs_h *g;

		rc = image_debian(suite, r->arch, 0, &ib, err, n);
		if (rc < 0)
			return rc;
		g = image_gfs_new(err, n);
		if (!g)
			return -EIO;
		rc = overlay(g, disk, ib.disk, "qcow2", ib.disk, err, n);
		guestfs_close(g);
	} else {
		rc = bring_your_own(r, spec, disk, &ib, err, n);
	}
	if (rc < 0) {
		remove(disk);
		return rc;
	}
	snprintf(r->image_disk, sizeof(r->image_disk), "%s", disk);
	snprintf(r->image_cmdline, sizeof(r->image_cmdline), "root=%s rw", ib.root);
	snprintf(r->image_note, sizeof(r->image_note), "image %s: kernel %s, %s", spec,
		 ib.release, ib.probe);
	snprintf(kernel, len, "%s", ib.kernel);
	snprintf(initrd, len, "%s", ib.initrd);
	hpt_verbose("%s (prepared in %llu ms)", r->image_note,
		    (unsigned long long)(now_ms() - t0));
	return 0;
}
