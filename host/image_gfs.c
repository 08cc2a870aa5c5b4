/* libguestfs sessions for image guests (image.h): inspect, mount, inject, copy out. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <guestfs.h>
#include "arch.h"
#include "guest.h"
#include "image.h"
#include "kernels.h"

#define AGENT_PATH "/usr/local/sbin/hp-agent"
#define UNIT_PATH "/etc/systemd/system/hp-agent.service"
#define PROBE_PATH "/lib/hpt/hpt_probe.ko"	/* where the agent loads it (v_probe.c) */

/* Started early (before sysinit.target, as soon as the modules and debugfs are there),
 * restarted if it exits (it does when the virtio-serial port does not show up in 10 s). */
static const char unit[] =
	"[Unit]\n"
	"Description=hotplug-test agent (hp-agent, virtio-serial port " HPT_CHANNEL_NAME ")\n"
	"DefaultDependencies=no\n"
	"After=systemd-modules-load.service sys-kernel-debug.mount\n"
	"Wants=sys-kernel-debug.mount\n"
	"Before=sysinit.target shutdown.target\n"
	"Conflicts=shutdown.target\n\n"
	"[Service]\n"
	"ExecStart=" AGENT_PATH "\n"
	"Restart=always\n"
	"RestartSec=1\n"
	"OOMScoreAdjust=-1000\n\n"
	"[Install]\n"
	"WantedBy=sysinit.target\n";

static void quiet(guestfs_h *g, void *opaque, const char *msg)
{
}

guestfs_h *image_gfs_new(char *err, size_t n)
{
	char path[PATH_MAX];
	guestfs_h *g;

	/* KVM boots hang on these machines: the appliance under TCG (ENVIRONMENT.md) */
	setenv("LIBGUESTFS_BACKEND", "direct", 0);
	setenv("LIBGUESTFS_BACKEND_SETTINGS", "force_tcg", 0);
	/* a bare machine has no kernel in /boot: the appliance boots ours */
	snprintf(path, sizeof(path), "%s/build/x86_64/kernel/vmlinuz", hpt_top());
	if (!getenv("SUPERMIN_KERNEL") && access(path, R_OK) == 0) {
		setenv("SUPERMIN_KERNEL", path, 0);
		snprintf(path, sizeof(path), "%s/build/x86_64/kernel/modules", hpt_top());
		setenv("SUPERMIN_MODULES", path, 0);
	}
	g = guestfs_create();
	if (!g) {
		snprintf(err, n, "libguestfs: cannot create a handle");
		return NULL;
	}
	guestfs_set_error_handler(g, quiet, NULL);
	return g;
}

int image_gfs_err(guestfs_h *g, const char *what, char *err, size_t n)
{
	const char *e = guestfs_last_error(g);

	/* its first line: the rest is libguestfs' advice on debugging itself */
	snprintf(err, n, "%s: %.*s", what, e ? (int)strcspn(e, "\n") : 6, e ? e : "failed");
	return -EIO;
}

static int by_mountpoint_len(const void *a, const void *b)
{
	return (int)strlen(((char *const *)a)[0]) - (int)strlen(((char *const *)b)[0]);
}

static void free_list(char **l)
{
	for (char **p = l; p && *p; p++)
		free(*p);
	free(l);
}

/* The newest vmlinuz-REL (vmlinux-REL: Debian's ppc64el) in /boot with its initrd
 * (Debian's initrd.img-REL or initramfs-REL.img). */
static int find_kernel(guestfs_h *g, struct image_boot *ib)
{
	char **ls = guestfs_ls(g, "/boot"), initrd[256], best[96] = "";
	char best_initrd[256] = "";

	for (char **p = ls; p && *p; p++) {
		const char *rel = *p + 8;

		if ((strncmp(*p, "vmlinuz-", 8) && strncmp(*p, "vmlinux-", 8)) ||
		    strlen(rel) >= sizeof(best))
			continue;
		snprintf(initrd, sizeof(initrd), "/boot/initrd.img-%s", rel);
		if (guestfs_is_file(g, initrd) <= 0)
			snprintf(initrd, sizeof(initrd), "/boot/initramfs-%s.img", rel);
		if (guestfs_is_file(g, initrd) <= 0)
			continue;
		if (!best[0] || strverscmp(rel, best) > 0) {
			snprintf(best, sizeof(best), "%s", rel);
			snprintf(best_initrd, sizeof(best_initrd), "%s", initrd);
			snprintf(ib->kernel, sizeof(ib->kernel), "/boot/%s", *p);
		}
	}
	free_list(ls);
	if (!best[0])
		return -ENOENT;
	snprintf(ib->release, sizeof(ib->release), "%s", best);
	snprintf(ib->initrd, sizeof(ib->initrd), "%s", best_initrd);
	return 0;
}

int image_gfs_mount_linux(guestfs_h *g, const char *name, const struct arch *a,
			  struct image_boot *ib, char *err, size_t n)
{
	char **roots = guestfs_inspect_os(g), **mps = NULL, *type = NULL, *arch = NULL, *uuid;
	size_t k = 0;
	int rc = -EINVAL;

	if (!roots)
		return image_gfs_err(g, name, err, n);
	if (!roots[0]) {
		snprintf(err, n, "%s: libguestfs inspection found no operating system in it", name);
		goto cleanup;
	}
	type = guestfs_inspect_get_type(g, roots[0]);
	arch = guestfs_inspect_get_arch(g, roots[0]);
	if (!type || strcmp(type, "linux")) {
		snprintf(err, n, "%s: its operating system is %s, not Linux", name,
			 type ? type : "unknown");
		goto cleanup;
	}
	if (arch && strcmp(arch, a->name) && strcmp(arch, "unknown")) {
		snprintf(err, n, "%s: a %s system, not %s (--arch)", name, arch, a->name);
		goto cleanup;
	}
	mps = guestfs_inspect_get_mountpoints(g, roots[0]);
	while (mps && mps[2 * k])
		k++;
	if (k)
		qsort(mps, k, 2 * sizeof(char *), by_mountpoint_len);	/* "/" before "/boot" */
	for (size_t i = 0; i < k; i++)
		if (guestfs_mount(g, mps[2 * i + 1], mps[2 * i]) < 0 && !strcmp(mps[2 * i], "/")) {
			rc = image_gfs_err(g, name, err, n);
			goto cleanup;
		}
	if (find_kernel(g, ib) < 0) {
		snprintf(err, n, "%s: no kernel with its initrd in /boot (vmlinuz-RELEASE and "
			 "initrd.img-RELEASE): the guest boots the image's own kernel", name);
		rc = -ENOENT;
		goto cleanup;
	}
	uuid = guestfs_vfs_uuid(g, roots[0]);
	if (!uuid || !uuid[0]) {
		snprintf(err, n, "%s: its root file system %s has no UUID to boot it by", name,
			 roots[0]);
		free(uuid);
		rc = -EINVAL;
		goto cleanup;
	}
	snprintf(ib->root, sizeof(ib->root), "UUID=%s", uuid);
	free(uuid);
	rc = 0;
cleanup:
	free_list(roots);
	free_list(mps);
	free(type);
	free(arch);
	return rc;
}

/* The modules the agent's verbs need, for systemd-modules-load (guest/modules.list). */
static void modules_conf(const struct arch *a, char *buf, size_t n)
{
	char path[PATH_MAX], line[256], name[64], only[128];
	size_t off = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/guest/modules.list", hpt_top());
	off += (size_t)snprintf(buf, n, "# hotplug-test: modules hp-agent's verbs use\n");
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f) && off < n) {
		int w = sscanf(line, "%63s %127s", name, only);

		if (w < 1 || name[0] == '#')
			continue;
		if (w == 2) {	/* "NAME x86_64,ppc64le": only those arches */
			char *s = strstr(only, a->name);
			size_t l = strlen(a->name);

			if (!s || (s != only && s[-1] != ',') || (s[l] && s[l] != ','))
				continue;
		}
		off += (size_t)snprintf(buf + off, n - off, "%s\n", name);
	}
	if (f)
		fclose(f);
}

/* path = DIR/probe/hpt_probe.ko if DIR/kernel/version is release and the probe exists. */
static int probe_in(const char *dir, const char *release, char *path, size_t n)
{
	char ver[128];
	FILE *f;
	int found = 0;

	snprintf(path, n, "%s/kernel/version", dir);
	f = fopen(path, "re");
	if (f && fgets(ver, sizeof(ver), f)) {
		ver[strcspn(ver, "\n")] = 0;
		snprintf(path, n, "%s/probe/hpt_probe.ko", dir);
		found = !strcmp(ver, release) && access(path, R_OK) == 0;
	}
	if (f)
		fclose(f);
	return found;
}

int image_find_probe(const struct arch *a, const char *release, char *path, size_t n)
{
	char dir[PATH_MAX], sub[PATH_MAX + 300];
	struct dirent *de;
	int found = 0;
	DIR *d;

	/* ours (build/ARCH, ARCH-debug, ARCH-minimal), then the Debian kernels (ARCH/k/ID) */
	snprintf(dir, sizeof(dir), "%s/build", hpt_top());
	d = opendir(dir);
	while (d && !found && (de = readdir(d))) {
		if (strncmp(de->d_name, a->name, strlen(a->name)))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
		found = probe_in(sub, release, path, n);
	}
	if (d)
		closedir(d);
	snprintf(dir, sizeof(dir), "%s/build/%s/k", hpt_top(), a->name);
	d = found ? NULL : opendir(dir);
	while (d && !found && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
		found = probe_in(sub, release, path, n);
	}
	if (d)
		closedir(d);
	return found ? 0 : -ENOENT;
}

int image_gfs_inject(guestfs_h *g, const struct arch *a, struct image_boot *ib, char *err,
		     size_t n)
{
	char agent[PATH_MAX], probe[PATH_MAX], conf[2048];

	snprintf(agent, sizeof(agent), "%s/build/%s/hp-agent", hpt_top(), a->name);
	modules_conf(a, conf, sizeof(conf));
	if (guestfs_mkdir_p(g, "/usr/local/sbin") < 0 ||
	    guestfs_upload(g, agent, AGENT_PATH) < 0 || guestfs_chmod(g, 0755, AGENT_PATH) < 0 ||
	    guestfs_write(g, UNIT_PATH, unit, sizeof(unit) - 1) < 0 ||
	    guestfs_mkdir_p(g, "/etc/systemd/system/sysinit.target.wants") < 0 ||
	    guestfs_ln_sf(g, UNIT_PATH, "/etc/systemd/system/sysinit.target.wants/"
			  "hp-agent.service") < 0 ||
	    guestfs_mkdir_p(g, "/etc/modules-load.d") < 0 ||
	    guestfs_write(g, "/etc/modules-load.d/hp-agent.conf", conf, strlen(conf)) < 0)
		return image_gfs_err(g, "injecting the agent", err, n);
	if (image_find_probe(a, ib->release, probe, sizeof(probe)) < 0) {
		snprintf(ib->probe, sizeof(ib->probe), "no probe: none was built for kernel %s "
			 "(only for the kernels under build/%s*/ and build/%s/k/; placement is "
			 "inferred)", ib->release, a->name, a->name);
		guestfs_rm_f(g, PROBE_PATH);	/* a stale one from an older layer */
		return 0;
	}
	if (guestfs_mkdir_p(g, "/lib/hpt") < 0 || guestfs_upload(g, probe, PROBE_PATH) < 0)
		return image_gfs_err(g, "injecting the probe", err, n);
	snprintf(ib->probe, sizeof(ib->probe), "hpt_probe.ko for %s", ib->release);
	return 0;
}

int image_gfs_copy_boot(guestfs_h *g, const struct arch *a, const char *dir,
			struct image_boot *ib, char *err, size_t n)
{
	char kernel[PATH_MAX], initrd[PATH_MAX], vmlinux[PATH_MAX], tool[PATH_MAX];

	mkdir(dir, 0755);
	snprintf(kernel, sizeof(kernel), "%s/vmlinuz-%s", dir, ib->release);
	snprintf(initrd, sizeof(initrd), "%s/initrd.img-%s", dir, ib->release);
	if (guestfs_download(g, ib->kernel, kernel) < 0 ||
	    guestfs_download(g, ib->initrd, initrd) < 0)
		return image_gfs_err(g, "copying the image's kernel and initrd", err, n);
	snprintf(ib->kernel, sizeof(ib->kernel), "%s", kernel);
	snprintf(ib->initrd, sizeof(ib->initrd), "%s", initrd);
	{	/* its .config beside it, where the capability model reads a kernel's config
		 * (caps_run.c): the config-gated facts and the default-online oracle then
		 * apply to image guests too. A distro without /boot/config-* has none. */
		char in[PATH_MAX], out[PATH_MAX];

		snprintf(in, sizeof(in), "/boot/config-%s", ib->release);
		snprintf(out, sizeof(out), "%s/config", dir);
		if (guestfs_is_file(g, in) > 0 && guestfs_download(g, in, out) < 0)
			return image_gfs_err(g, "copying the image's kernel config", err, n);
	}
	if (a->kernel_image && !strcmp(a->kernel_image, "vmlinux")) {
		/* qboot boots an uncompressed PVH vmlinux, as for our own guests */
		char *argv[] = { tool, kernel, vmlinux, NULL };

		snprintf(tool, sizeof(tool), "%s/kernels/extract-vmlinux.sh", hpt_top());
		snprintf(vmlinux, sizeof(vmlinux), "%s/vmlinux-%s", dir, ib->release);
		if (prep_tool(argv, NULL) < 0) {
			snprintf(err, n, "cannot extract vmlinux from the image's %s", kernel);
			return -EIO;
		}
		snprintf(ib->kernel, sizeof(ib->kernel), "%s", vmlinux);
	}
	return 0;
}
