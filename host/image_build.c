/* Debian images from the archive (image.h): the root by mmdebstrap (guest/mkimage-root.sh),
 * the disk by libguestfs: one MBR partition, ext4, the root tarball, fstab, extlinux and
 * the serial console. Cached by inputs under .cache/images/debian-SUITE-ARCH-KEY/:
 * bare.qcow2 (plain Debian) and agent-KEY2.qcow2, a qcow2 layer over it with the agent
 * and the probe (KEY2: their bytes), so a new agent costs one layer, not a new root. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <guestfs.h>
#include "arch.h"
#include "guest.h"
#include "image.h"
#include "kernels.h"
#include "strbuf.h"

#define DISK_SIZE (4ll << 30)	/* sparse; a minbase root with a kernel is ~0.5 GiB */
#define LAYOUT "2"		/* bump when what this file writes changes */
#define MBR_BIN "/usr/lib/EXTLINUX/mbr.bin"	/* extlinux (libguestfs0 needs it) */

static const char *const suites[] = { "bookworm", "trixie", "sid", NULL };

/* FNV-1a over a file's bytes, not its path: worktrees sharing .cache share images. */
static uint64_t hash_file(uint64_t h, const char *path)
{
	unsigned char buf[65536];
	ssize_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	h = (h ^ (fd < 0 ? 0xffu : 0x01u)) * 1099511628211ull;	/* missing ≠ empty */
	while (fd >= 0 && (got = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < got; i++)
			h = (h ^ buf[i]) * 1099511628211ull;
	if (fd >= 0)
		close(fd);
	return h;
}

static uint64_t hash_str(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static int make_target(const char *target)
{
	char *argv[] = { "make", "-s", "--no-print-directory", "-C", (char *)hpt_top(),
			 (char *)target, NULL };

	return prep_tool(argv, NULL);
}

/* Reads dir/meta ("key=value" lines) into ib. */
static int meta_read(const char *dir, struct image_boot *ib)
{
	char path[PATH_MAX], line[PATH_MAX + 16];
	FILE *f;

	snprintf(path, sizeof(path), "%s/meta", dir);
	f = fopen(path, "re");
	if (!f)
		return -ENOENT;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "release=", 8))
			snprintf(ib->release, sizeof(ib->release), "%s", line + 8);
		else if (!strncmp(line, "root=", 5))
			snprintf(ib->root, sizeof(ib->root), "%s", line + 5);
		else if (!strncmp(line, "kernel=", 7))	/* names in dir (or absolute) */
			snprintf(ib->kernel, sizeof(ib->kernel), "%s%s%s", line[7] == '/' ? "" :
				 dir, line[7] == '/' ? "" : "/", line + 7);
		else if (!strncmp(line, "initrd=", 7))
			snprintf(ib->initrd, sizeof(ib->initrd), "%s%s%s", line[7] == '/' ? "" :
				 dir, line[7] == '/' ? "" : "/", line + 7);
	}
	fclose(f);
	return ib->release[0] && ib->root[0] && ib->kernel[0] && ib->initrd[0] ? 0 : -EINVAL;
}

static int meta_write(const char *dir, const struct image_boot *ib)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/meta", dir);
	snprintf(tmp, sizeof(tmp), "%s/meta.tmp", dir);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	/* the files' names only: the cache may be reached through another worktree */
	fprintf(f, "release=%s\nroot=%s\nkernel=%s\ninitrd=%s\n", ib->release, ib->root,
		strrchr(ib->kernel, '/') ? strrchr(ib->kernel, '/') + 1 : ib->kernel,
		strrchr(ib->initrd, '/') ? strrchr(ib->initrd, '/') + 1 : ib->initrd);
	if (fclose(f) || rename(tmp, path))
		return -errno;
	return 0;
}

/* The boot set-up: fstab, hostname, extlinux on the partition with the MBR's boot code
 * (the qcow2 boots by itself; our domains boot its kernel directly, as a PVH vmlinux). */
static int setup_boot(guestfs_h *g, const struct arch *a, const struct image_boot *ib,
		      char *err, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	char mbr[512];
	int rc = 0, fd;

	sb_addf(&sb, "%s / ext4 rw,errors=remount-ro 0 1\n", ib->root);
	if (guestfs_write(g, "/etc/fstab", sb_str(&sb), sb.len) < 0 ||
	    guestfs_write(g, "/etc/hostname", "hpt-guest\n", 10) < 0) {
		rc = image_gfs_err(g, "writing fstab", err, n);
		goto cleanup;
	}
	if (strcmp(a->name, "x86_64"))	/* pseries and s390x boot with their firmware */
		goto cleanup;
	sb_reset(&sb);
	sb_addf(&sb, "DEFAULT debian\nTIMEOUT 1\nLABEL debian\n  LINUX /boot/vmlinuz-%s\n"
		"  INITRD %s\n  APPEND root=%s rw console=ttyS0\n", ib->release, ib->initrd,
		ib->root);
	fd = open(MBR_BIN, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, mbr, 440) != 440) {
		snprintf(err, n, "%s: %s (extlinux)", MBR_BIN, strerror(errno));
		rc = -EIO;
	} else if (guestfs_write(g, "/boot/extlinux.conf", sb_str(&sb), sb.len) < 0 ||
		   guestfs_extlinux(g, "/boot") < 0 ||
		   guestfs_pwrite_device(g, "/dev/sda", mbr, 440, 0) < 0) {
		rc = image_gfs_err(g, "installing extlinux", err, n);
	}
	if (fd >= 0)
		close(fd);
cleanup:
	sb_release(&sb);
	return rc;
}

/* bare.qcow2 in dir from the root tarball. */
static int build_bare(const char *dir, const char *suite, const struct arch *a,
		      struct image_boot *ib, char *err, size_t n)
{
	char tar[PATH_MAX], tmp[PATH_MAX], path[PATH_MAX], stage[128], tool[PATH_MAX];
	char *argv[] = { tool, (char *)suite, (char *)a->name, tar, NULL };
	guestfs_h *g = NULL;
	int rc = -EIO;

	snprintf(tool, sizeof(tool), "%s/guest/mkimage-root.sh", hpt_top());
	snprintf(tar, sizeof(tar), "%s/root.tar", dir);
	snprintf(tmp, sizeof(tmp), "%s/bare.qcow2.tmp", dir);
	snprintf(path, sizeof(path), "%s/bare.qcow2", dir);
	snprintf(stage, sizeof(stage), "building a Debian %s root for %s (mmdebstrap)", suite,
		 a->name);
	if (access(tar, R_OK) && prep_tool(argv, stage) < 0) {
		snprintf(err, n, "mmdebstrap of Debian %s for %s failed (%s)", suite, a->name,
			 prep_log());
		return -EIO;
	}
	fprintf(stderr, "hotplug-test: making the %s %s disk image (libguestfs)…\n", suite,
		a->name);
	g = image_gfs_new(err, n);
	if (!g)
		return -EIO;
	if (guestfs_disk_create(g, tmp, "qcow2", DISK_SIZE, -1) < 0 ||
	    guestfs_add_drive_opts(g, tmp, GUESTFS_ADD_DRIVE_OPTS_FORMAT, "qcow2", -1) < 0 ||
	    guestfs_launch(g) < 0 || guestfs_part_init(g, "/dev/sda", "mbr") < 0 ||
	    guestfs_part_add(g, "/dev/sda", "p", 2048, -1) < 0 ||
	    guestfs_part_set_bootable(g, "/dev/sda", 1, 1) < 0 ||
	    guestfs_mkfs(g, "ext4", "/dev/sda1") < 0 ||
	    guestfs_set_label(g, "/dev/sda1", "hpt-root") < 0 ||
	    guestfs_mount(g, "/dev/sda1", "/") < 0 || guestfs_tar_in(g, tar, "/") < 0) {
		rc = image_gfs_err(g, tmp, err, n);
		goto cleanup;
	}
	/* what inspection finds here is what it finds in a stranger's image */
	rc = guestfs_umount_all(g) < 0 ? image_gfs_err(g, tmp, err, n) :
	     image_gfs_mount_linux(g, tmp, a, ib, err, n);
	if (rc < 0 || (rc = setup_boot(g, a, ib, err, n)) < 0 ||
	    (rc = image_gfs_copy_boot(g, a, dir, ib, err, n)) < 0)
		goto cleanup;
	if (guestfs_shutdown(g) < 0) {
		rc = image_gfs_err(g, tmp, err, n);
		goto cleanup;
	}
	if (rename(tmp, path) < 0 || meta_write(dir, ib) < 0) {
		snprintf(err, n, "%s: %s", path, strerror(errno));
		rc = -EIO;
		goto cleanup;
	}
	unlink(tar);
	rc = 0;
cleanup:
	if (g)
		guestfs_close(g);
	if (rc < 0)
		unlink(tmp);
	return rc;
}

/* agent-KEY.qcow2: a layer over bare.qcow2 with the agent; older layers removed. */
static int build_agent(const char *dir, const char *layer, const struct arch *a,
		       struct image_boot *ib, char *err, size_t n)
{
	char bare[PATH_MAX], tmp[PATH_MAX];
	struct image_boot in = *ib;
	guestfs_h *g;
	struct dirent *de;
	DIR *d;
	int rc;

	snprintf(bare, sizeof(bare), "%s/bare.qcow2", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", layer);
	g = image_gfs_new(err, n);
	if (!g)
		return -EIO;
	fprintf(stderr, "hotplug-test: putting the agent into %s (libguestfs)…\n", layer);
	if (guestfs_disk_create(g, tmp, "qcow2", -1, GUESTFS_DISK_CREATE_BACKINGFILE, bare,
				GUESTFS_DISK_CREATE_BACKINGFORMAT, "qcow2", -1) < 0 ||
	    guestfs_add_drive_opts(g, tmp, GUESTFS_ADD_DRIVE_OPTS_FORMAT, "qcow2", -1) < 0 ||
	    guestfs_launch(g) < 0)
		rc = image_gfs_err(g, tmp, err, n);
	else if ((rc = image_gfs_mount_linux(g, tmp, a, &in, err, n)) == 0 &&
		 (rc = image_gfs_inject(g, a, ib, err, n)) == 0 && guestfs_shutdown(g) < 0)
		rc = image_gfs_err(g, tmp, err, n);
	guestfs_close(g);
	if (rc == 0 && rename(tmp, layer) < 0)
		rc = -errno;
	if (rc < 0) {
		unlink(tmp);
		return rc;
	}
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		char old[PATH_MAX];

		snprintf(old, sizeof(old), "%s/%s", dir, de->d_name);
		if (!strncmp(de->d_name, "agent-", 6) && strncmp(old, layer, strlen(layer)))
			unlink(old);
	}
	if (d)
		closedir(d);
	return 0;
}

static int debian_locked(const char *dir, const char *suite, uint64_t key,
			 const struct arch *a, int bare, struct image_boot *ib, char *err,
			 size_t n);

int image_debian(const char *suite, const struct arch *a, int bare, struct image_boot *ib,
		 char *err, size_t n)
{
	char dir[PATH_MAX], path[PATH_MAX], target[64];
	uint64_t key = 14695981039346656037ull;
	int i, rc, fd;

	for (i = 0; suites[i] && strcmp(suites[i], suite); i++)
		;
	if (!suites[i]) {
		snprintf(err, n, "debian:%s: unknown suite (bookworm, trixie, sid)", suite);
		return -EINVAL;
	}
	memset(ib, 0, sizeof(*ib));
	{	/* mmdebstrap; qemu-user-static for a foreign arch's maintainer scripts */
		char tool[PATH_MAX], set[32];
		char *argv[] = { tool, set, NULL };

		snprintf(tool, sizeof(tool), "%s/host/install-deps.sh", hpt_top());
		snprintf(set, sizeof(set), "%s%s", "image", strcmp(a->name, arch_host()) ?
			 (strcmp(a->name, "ppc64le") ? "-s390x" : "-ppc64le") : "");
		if (prep_tool(argv, NULL) < 0) {
			snprintf(err, n, "installing what images need failed (%s %s)", tool, set);
			return -EIO;
		}
	}
	/* the agent, our kernel (libguestfs' appliance boots it) and, for the suite whose
	 * kernel is ours, the probe */
	snprintf(target, sizeof(target), "guest-%s", a->name);
	if (make_target("build/x86_64/kernel.stamp") < 0 || make_target(target) < 0) {
		snprintf(err, n, "preparing the %s agent and kernel failed (make -C %s %s)",
			 a->name, hpt_top(), target);
		return -EIO;
	}
	snprintf(path, sizeof(path), "%s/guest/mkimage-root.sh", hpt_top());
	key = hash_file(hash_str(hash_str(hash_str(key, LAYOUT), suite), a->name), path);
	if (!strcmp(suite, "bookworm")) {	/* its kernel is ours: a new one, a new image */
		snprintf(path, sizeof(path), "%s/build/%s/kernel/version", hpt_top(), a->name);
		key = hash_file(key, path);
	}
	snprintf(dir, sizeof(dir), "%s/.cache/images", hpt_top());
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/.cache/images/debian-%s-%s-%012llx", hpt_top(), suite,
		 a->name, (unsigned long long)(key & 0xffffffffffffull));
	mkdir(dir, 0755);
	if (realpath(dir, path))	/* layers name their backing file: the real one */
		snprintf(dir, sizeof(dir), "%s", path);
	/* matrix jobs of one image wait for the first to build it */
	snprintf(path, sizeof(path), "%s/lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		snprintf(err, n, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	rc = debian_locked(dir, suite, key, a, bare, ib, err, n);
	close(fd);
	return rc;
}

static int debian_locked(const char *dir, const char *suite, uint64_t key,
			 const struct arch *a, int bare, struct image_boot *ib, char *err,
			 size_t n)
{
	char path[PATH_MAX];
	uint64_t key2;
	int rc;

	snprintf(path, sizeof(path), "%s/bare.qcow2", dir);
	if (access(path, R_OK) || meta_read(dir, ib) < 0) {
		memset(ib, 0, sizeof(*ib));
		rc = build_bare(dir, suite, a, ib, err, n);
		if (rc < 0)
			return rc;
	}
	if (bare) {
		snprintf(ib->disk, sizeof(ib->disk), "%s", path);
		snprintf(ib->probe, sizeof(ib->probe), "no agent: a bare image");
		return 0;
	}
	/* a suite whose kernel is not ours (trixie, sid): preparing debian:SUITE builds the
	 * probe for it (the same archive, the same release as the image's) */
	if (strcmp(suite, "bookworm")) {
		struct kernel_sel k = { .debian = 1 };
		struct prepared_kernel p;
		char why[512];

		snprintf(k.spec, sizeof(k.spec), "debian:%s", suite);
		if (kernel_prepare_debian(&k, a, 1, 0, &p, why, sizeof(why)) < 0)
			fprintf(stderr, "hotplug-test: image debian:%s: no probe for its kernel: %s\n",
				suite, why);
		else if (strcmp(p.release, ib->release))
			fprintf(stderr, "hotplug-test: image debian:%s: its kernel is %s, the archive's "
				"now %s: no probe for it\n", suite, ib->release, p.release);
	}
	snprintf(path, sizeof(path), "%s/build/%s/hp-agent", hpt_top(), a->name);
	key2 = hash_file(hash_str(key, LAYOUT), path);
	if (image_find_probe(a, ib->release, path, sizeof(path)) == 0)	/* the one injected */
		key2 = hash_file(key2, path);
	snprintf(path, sizeof(path), "%s/guest/modules.list", hpt_top());
	key2 = hash_file(key2, path);
	snprintf(ib->disk, sizeof(ib->disk), "%s/agent-%012llx.qcow2", dir,
		 (unsigned long long)(key2 & 0xffffffffffffull));
	snprintf(path, sizeof(path), "%s.probe", ib->disk);	/* what went in with it */
	if (access(ib->disk, R_OK) == 0) {
		FILE *f = fopen(path, "re");

		if (!f || !fgets(ib->probe, sizeof(ib->probe), f))
			snprintf(ib->probe, sizeof(ib->probe), "unknown (%s: missing)", path);
		ib->probe[strcspn(ib->probe, "\n")] = 0;
		if (f)
			fclose(f);
		return 0;
	}
	rc = build_agent(dir, ib->disk, a, ib, err, n);
	if (rc == 0) {
		FILE *f = fopen(path, "we");

		if (f) {
			fprintf(f, "%s\n", ib->probe);
			fclose(f);
		}
	}
	return rc;
}
