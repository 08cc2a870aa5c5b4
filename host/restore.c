/* Booted-guest restore (see restore.h): the cache of saved guests, saving one, restoring
 * one. Concurrent runs (matrix -j) share the cache: an image appears by rename() only
 * once whole, is read-only, and is only ever read by a restore. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <libvirt/libvirt.h>
#include "agent.h"
#include "arch.h"
#include "guest.h"
#include "restore.h"
#include "size.h"
#include "virt.h"

static int restore_broken;	/* a guest saved by this process could not be restored */

static void cache_dir(char *buf, size_t n)
{
	const char *env = getenv("HPT_SAVED_DIR");

	if (env && *env)
		snprintf(buf, n, "%s", env);
	else
		snprintf(buf, n, "%s/.cache/saved", hpt_top());
}

/* <cache>/<name><ext> */
static void cache_file(const char *name, const char *ext, char *buf, size_t n)
{
	char dir[PATH_MAX];

	cache_dir(dir, sizeof(dir));
	snprintf(buf, n, "%s/%s%s", dir, name, ext);
}

static void drop_image(const char *name)
{
	static const char *const ext[] = { ".img", ".key", ".console", ".nvram.bin" };
	char p[PATH_MAX];

	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		cache_file(name, ext[i], p, sizeof(p));
		unlink(p);
	}
}

/* Copies file from to to (truncating); a missing from gives an empty to. */
static int copy_file(const char *from, const char *to)
{
	struct strbuf sb = STRBUF_INIT;
	int fd, rc = 0;

	sb_read_file(&sb, from, CHAN_CONSOLE_MAX);
	fd = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, sb_str(&sb), sb.len) != (ssize_t)sb.len)
		rc = fd < 0 ? -errno : -EIO;
	if (fd >= 0)
		close(fd);
	sb_release(&sb);
	return rc;
}

/* The most bytes of saved images kept: $HPT_SAVED_MAX (a size: 3G, 500M), else
 * RESTORE_KEEP_BYTES; a value that is no size is said, not silently ignored. */
static uint64_t cache_max_bytes(void)
{
	const char *env = getenv("HPT_SAVED_MAX");
	uint64_t v;

	if (!env || !*env)
		return RESTORE_KEEP_BYTES;
	if (parse_size(env, &v) == 0)
		return v;
	hpt_log("HPT_SAVED_MAX=%.40s is not a size (such as 1G or 500M): saved guests are kept "
		"up to %llu MiB", env, (unsigned long long)(RESTORE_KEEP_BYTES >> 20));
	return RESTORE_KEEP_BYTES;
}

/* Temp files of saves whose process died (killed runs) go; beyond RESTORE_KEEP saved
 * guests or cache_max_bytes() of images, the least recently used (.key mtime, touched by
 * each restore) go too, but never keep (the one just saved). */
static void cache_tidy(const char *keep)
{
	char dir[PATH_MAX], p[PATH_MAX + 300], oldest[256];
	uint64_t bytes, max = cache_max_bytes();
	struct dirent *e;
	time_t oldest_t;
	int n;
	DIR *d;

	cache_dir(dir, sizeof(dir));
	do {
		n = 0;
		bytes = 0;
		oldest[0] = 0;
		oldest_t = 0;
		d = opendir(dir);
		while (d && (e = readdir(d))) {
			size_t len = strlen(e->d_name);
			struct stat st;
			int pid;

			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			if (len > 4 && !strcmp(e->d_name + len - 4, ".tmp")) {
				/* <file>.<pid>.tmp */
				char *dot;

				p[strlen(p) - 4] = 0;
				dot = strrchr(p, '.');
				pid = dot ? atoi(dot + 1) : 0;
				if (pid > 0 && kill(pid, 0) < 0 && errno == ESRCH) {
					snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
					unlink(p);
				}
				continue;
			}
			if (len > 4 && !strcmp(e->d_name + len - 4, ".img") && stat(p, &st) == 0)
				bytes += (uint64_t)st.st_size;
			if (len < 5 || strcmp(e->d_name + len - 4, ".key") || stat(p, &st) < 0)
				continue;
			n++;
			if (strncmp(e->d_name, keep, len - 4) &&
			    (!oldest[0] || st.st_mtime < oldest_t)) {
				snprintf(oldest, sizeof(oldest), "%.*s", (int)(len - 4), e->d_name);
				oldest_t = st.st_mtime;
			}
		}
		if (d)
			closedir(d);
		if ((n > RESTORE_KEEP || bytes > max) && oldest[0])
			drop_image(oldest);
	} while ((n > RESTORE_KEEP || bytes > max) && oldest[0]);
}

/* The running domain's channel and domain handle go (the domain itself is gone). */
static void forget_guest(struct run *r)
{
	if (r->chan.log_fd >= 0)
		close(r->chan.log_fd);
	chan_close(&r->chan);
	r->chan.log_fd = -1;
	if (r->dom) {
		virt_destroy(r->virt, r->dom);
		r->dom = NULL;
	}
	r->booted = 0;
}

/* A restored guest must have timers that run (guest/v_timer.c says why it may not):
 * the agent proves it, reviving a dead one. 0, or -errno with err. */
static int timer_runs(struct run *r, char *err, size_t errlen)
{
	struct guest_timer t;
	int rc = guest_timer_proof(r, 1, &t, err, errlen);

	if (rc < 0)
		return rc;
	r->restore.timer_ms = t.slowest_ms;
	r->restore.timer_revived = t.revived;
	if (t.revived)
		hpt_log("vm %s: the restored guest had no timer interrupt within 20 ms on %d of "
			"%d CPUs, and had one %lld ms after its start once the agent raised an "
			"irq_work%s", r->vm_name, t.revived, t.cpus, (long long)t.slowest_ms,
			strcmp(r->arch->name, "ppc64le") ? "" : " (QEMU before 8.2 loses a TCG "
			"pseries decrementer in a save)");
	return 0;
}

static uint64_t guest_cpus(const struct run *r)
{
	return r->boot.cpus ? r->boot.cpus : 1;
}

/* Where the arch asks for it (arch.h restore_cpus_offline): cpu<from> and above online
 * again, after a restore or a save that did not happen. 0, or -EIO with err. */
static int cpus_online(struct run *r, uint64_t from, char *err, size_t errlen)
{
	for (uint64_t c = from; r->arch->restore_cpus_offline && c < guest_cpus(r); c++)
		if (agent_cpu_set(r, c, 1, err, errlen) < 0)
			return -EIO;
	return 0;
}

/* Before a save, where the arch asks for it: the secondary CPUs offline, highest first;
 * *first is the lowest CPU taken offline (guest_cpus() if none), also when one failed.
 * Every CPU must be online first: a restore brings them all back, and one the guest
 * booted without (maxcpus=1: faults.sh) would come back too. 0, or -EIO with err. */
static int cpus_offline(struct run *r, uint64_t *first, char *err, size_t errlen)
{
	struct strbuf reply = STRBUF_INIT;
	char all[48], online[48];
	int rc;

	*first = guest_cpus(r);
	if (!r->arch->restore_cpus_offline || *first < 2)
		return 0;
	snprintf(all, sizeof(all), "0-%llu", (unsigned long long)*first - 1);
	rc = agent_read(r, run_timeout(r, 10000), "/sys/devices/system/cpu/online", &reply,
			err, errlen);
	snprintf(online, sizeof(online), "%s", sb_str(&reply));
	online[strcspn(online, "\n")] = 0;
	if (rc == 0 && strcmp(online, all))
		snprintf(err, errlen, "the guest's online CPUs are %s, not all %llu (%s): a "
			 "restore would bring the others online", online,
			 (unsigned long long)*first, all);
	sb_release(&reply);
	if (rc != 0 || strcmp(online, all))
		return -EIO;
	while (*first > 1) {
		if (agent_cpu_set(r, *first - 1, 0, err, errlen) < 0)
			return -EIO;
		(*first)--;
	}
	return 0;
}

/* Restores the saved guest r->vm_name into the run. 0, or -errno with err. */
static int restore_from(struct run *r, char *err, size_t errlen)
{
	struct strbuf dxml = STRBUF_INIT;
	char img[PATH_MAX], con[PATH_MAX], path[PATH_MAX], img_nv[PATH_MAX], sock[128];
	char *saved = NULL;
	virDomainPtr dom = NULL;
	uint64_t t = now_ms();
	int rc;

	cache_file(r->vm_name, ".img", img, sizeof(img));
	cache_file(r->vm_name, ".console", con, sizeof(con));
	virt_sock_path(r->virt, r->vm_name, sock, sizeof(sock));
	saved = virDomainSaveImageGetXMLDesc(r->virt->conn, img, 0);
	if (!saved || restore_xml(&dxml, saved, r->dir, sock) < 0) {
		snprintf(err, errlen, "%s: %s", img, saved ? "no console log or agent socket in "
			 "its domain XML" : virt_lasterr());
		rc = -EINVAL;
		goto cleanup;
	}
	unlink(sock);
	/* pseries' NVRAM: QEMU opens the file (the guest's view of it comes with the image) */
	cache_file(r->vm_name, ".nvram.bin", img_nv, sizeof(img_nv));
	snprintf(path, sizeof(path), "%s/nvram.bin", r->dir);
	if (!access(img_nv, R_OK) && (rc = copy_file(img_nv, path)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		goto cleanup;
	}
	snprintf(path, sizeof(path), "%s/console.log", r->dir);
	if ((rc = copy_file(con, path)) < 0 || (rc = guest_scratch_disk(r, err, errlen)) < 0) {
		if (rc != -EIO || !err[0])
			snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		goto cleanup;
	}
	snprintf(path, sizeof(path), "%s/domain.xml", r->dir);
	file_write_atomic(path, sb_str(&dxml), dxml.len, 0600);
	rc = virt_restore(r->virt, img, sb_str(&dxml), r->vm_name, &dom);
	if (rc < 0) {
		snprintf(err, errlen, "%s", r->virt->err);
		goto cleanup;
	}
	r->dom = dom;
	hpt_verbose("vm %s: restored by libvirt in %llu ms", r->vm_name,
		    (unsigned long long)(now_ms() - t));
	rc = guest_attach(r, sock, 1, err, errlen);
	if (rc == 0)	/* before the timer proof: it asks every CPU */
		rc = cpus_online(r, 1, err, errlen);
	if (rc == 0)
		rc = timer_runs(r, err, errlen);
	if (rc < 0)
		forget_guest(r);
	r->restore.restore_ms = now_ms() - t;
cleanup:
	free(saved);
	sb_release(&dxml);
	return rc;
}

/* Why this run boots whatever the cache holds; NULL when it may restore. */
static const char *never(const struct run *r)
{
	if (r->opts->no_restore)
		return "--no-restore";
	if (!r->virt->embedded)
		return "restore needs the embedded driver (--connect names another)";
	if (r->arch->no_restore) {	/* asks libvirt only where the arch may refuse */
		unsigned long qemu = 0;
		const char *no;

		virConnectGetVersion(r->virt->conn, &qemu);
		no = restore_arch_refuses(r->arch, r->accel_used, r->boot.cpus, qemu);
		if (no)
			return no;
	}
	if (r->opts->image)	/* its disk is the run's own overlay: a saved guest's would differ */
		return "an image guest boots from its disk";
	if (restore_broken)
		return "a guest saved by this run could not be restored";
	return NULL;
}

/* The key of the run as it would boot now (the domain made without the derived uuid). */
static int run_key(struct run *r, const char *kernel, const char *initrd, struct restore_key *k,
		   char *why, size_t n)
{
	struct strbuf xml = STRBUF_INIT;
	char sock[128], uuid[sizeof(r->restore.uuid)];
	unsigned long lib = 0, qemu = 0;
	int rc;

	virt_sock_path(r->virt, r->vm_name, sock, sizeof(sock));
	memcpy(uuid, r->restore.uuid, sizeof(uuid));
	r->restore.uuid[0] = 0;
	guest_domain_xml(&xml, r, !strcmp(r->accel_used, "kvm") ? "kvm" : "qemu", kernel, initrd,
			 sock);
	memcpy(r->restore.uuid, uuid, sizeof(uuid));
	virConnectGetLibVersion(r->virt->conn, &lib);
	virConnectGetVersion(r->virt->conn, &qemu);
	why[0] = 0;
	rc = restore_key(r, sb_str(&xml), sock, kernel, initrd, lib, qemu, k, why, n);
	sb_release(&xml);
	return rc;
}

int restore_start(struct run *r, const char *kernel, const char *initrd, char *err,
		  size_t errlen)
{
	struct restore_info *ri = &r->restore;
	struct strbuf have = STRBUF_INIT;
	struct restore_key k = { 0 };
	char path[PATH_MAX], why[300];
	const char *no = never(r);
	struct stat st;
	int rc = 1;

	memset(ri, 0, sizeof(*ri));
	ri->timer_ms = -1;
	if (no) {
		snprintf(ri->note, sizeof(ri->note), "booted: %s", no);
		return 1;
	}
	if (run_key(r, kernel, initrd, &k, why, sizeof(why)) != 0) {
		snprintf(ri->note, sizeof(ri->note), "booted: %s", why);
		goto cleanup;
	}
	snprintf(r->vm_name, sizeof(r->vm_name), "%s", k.name);
	snprintf(ri->uuid, sizeof(ri->uuid), "%s", k.uuid);
	snprintf(ri->image, sizeof(ri->image), "%s.img", k.name);
	cache_file(k.name, ".nosave", path, sizeof(path));
	if (stat(path, &st) == 0 && st.st_mtime + RESTORE_NOSAVE_S < time(NULL))
		unlink(path);	/* that long ago: try again */
	if (sb_read_file(&have, path, 4096) == 0) {
		snprintf(ri->note, sizeof(ri->note), "booted: saving this guest failed before: %s",
			 sb_str(&have));
		goto cleanup;
	}
	cache_file(k.name, ".img", path, sizeof(path));
	rc = access(path, R_OK);	/* a concurrent save renames its image in last */
	cache_file(k.name, ".key", path, sizeof(path));
	sb_reset(&have);
	if (rc < 0 || sb_read_file(&have, path, 1 << 20) < 0 || have.len != k.text.len ||
	    memcmp(have.buf, k.text.buf, have.len)) {
		rc = 1;
		ri->save = 1;
		snprintf(ri->note, sizeof(ri->note), "no saved guest yet: booting one to save");
		goto cleanup;
	}
	rc = 1;
	utimensat(AT_FDCWD, path, NULL, 0);	/* recently used */
	err[0] = 0;
	if (restore_from(r, err, errlen) == 0) {
		ri->used = 1;
		snprintf(ri->note, sizeof(ri->note), "restored");
		rc = 0;
		goto cleanup;
	}
	if (hpt_stop) {
		snprintf(ri->note, sizeof(ri->note), "interrupted while restoring %s", ri->image);
		rc = -EINTR;
		goto cleanup;
	}
	/* a bad image: make a new one (if that cannot be restored either, restore_broken) */
	hpt_log("vm %s: restoring %s failed (%s): booting instead", r->vm_name, ri->image, err);
	snprintf(ri->note, sizeof(ri->note), "restoring %s failed (%.200s): booted and saved "
		 "it anew", ri->image, err);
	drop_image(k.name);
	ri->save = 1;
	err[0] = 0;
cleanup:
	sb_release(&have);
	sb_release(&k.text);
	return rc;
}

/* Records why the guest of key name could not be saved: later runs boot it at once. */
static void remember_nosave(const char *name, const char *why)
{
	char path[PATH_MAX];

	cache_file(name, ".nosave", path, sizeof(path));
	file_write_atomic(path, why, strlen(why), 0644);
}

int restore_save(struct run *r, const char *kernel, const char *initrd, char *err,
		 size_t errlen)
{
	struct restore_info *ri = &r->restore;
	struct strbuf con = STRBUF_INIT;
	struct restore_key k = { 0 };
	char dir[PATH_MAX], tmp[PATH_MAX + 32], path[PATH_MAX], why[300] = "";
	uint64_t t = now_ms(), offline_from = 1;
	int rc;

	ri->save = 0;
	/* the key again, from the files as they are now: a kernel rebuilt during the boot
	 * must not be saved under the old one's name */
	if (run_key(r, kernel, initrd, &k, why, sizeof(why)) != 0 || strcmp(k.name, r->vm_name)) {
		snprintf(ri->note, sizeof(ri->note), "booted, not saved: %s",
			 why[0] ? why : "the kernel, initramfs or emulator changed during the boot");
		rc = 0;
		goto cleanup;
	}
	cache_dir(dir, sizeof(dir));
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		snprintf(ri->note, sizeof(ri->note), "booted, not saved: %s: %s", dir,
			 strerror(errno));
		rc = 0;
		goto cleanup;
	}
	cache_tidy(k.name);
	if (cpus_offline(r, &offline_from, why, sizeof(why)) < 0) {	/* the run goes on */
		char again[300];

		hpt_log("vm %s: %s: not saved", r->vm_name, why);
		snprintf(ri->note, sizeof(ri->note), "booted, not saved: %.280s", why);
		rc = 0;
		if (cpus_online(r, offline_from, again, sizeof(again)) < 0) {
			hpt_log("vm %s: %s: booting again", r->vm_name, again);	/* not as booted */
			forget_guest(r);
			rc = 1;
		}
		goto cleanup;
	}
	snprintf(tmp, sizeof(tmp), "%s/%s.img.%d.tmp", dir, k.name, (int)getpid());
	if (virt_save(r->virt, r->dom, tmp) < 0) {
		unlink(tmp);
		hpt_log("vm %s: saving the booted guest failed: %s", r->vm_name, r->virt->err);
		snprintf(ri->note, sizeof(ri->note), "booted, not saved: %.280s", r->virt->err);
		remember_nosave(k.name, r->virt->err);
		if (virDomainIsActive(r->dom) == 1) {	/* libvirt let it run on */
			rc = 0;
			if (cpus_online(r, offline_from, why, sizeof(why)) < 0) {
				hpt_log("vm %s: %s: booting again", r->vm_name, why);
				forget_guest(r);
				rc = 1;
			}
			goto cleanup;
		}
		forget_guest(r);
		rc = 1;
		goto cleanup;
	}
	ri->save_ms = now_ms() - t;
	virDomainFree(r->dom);	/* saved: the domain is gone */
	r->dom = NULL;
	forget_guest(r);
	if (hpt_stop) {
		unlink(tmp);
		snprintf(ri->note, sizeof(ri->note), "booted, interrupted while saving it");
		snprintf(err, errlen, "vm %s: interrupted while saving the guest", r->vm_name);
		rc = -EINTR;
		goto cleanup;
	}
	/* console, NVRAM and key first, the image last: a whole image means a whole entry */
	snprintf(path, sizeof(path), "%s/console.log", r->dir);
	sb_read_file(&con, path, CHAN_CONSOLE_MAX);
	cache_file(k.name, ".console", path, sizeof(path));
	rc = file_write_atomic(path, sb_str(&con), con.len, 0644);
	snprintf(path, sizeof(path), "%s/nvram.bin", r->dir);
	sb_reset(&con);
	if (rc == 0 && sb_read_file(&con, path, 1 << 20) == 0) {
		cache_file(k.name, ".nvram.bin", path, sizeof(path));
		rc = file_write_atomic(path, con.buf, con.len, 0644);
	}
	cache_file(k.name, ".key", path, sizeof(path));
	if (rc == 0)
		rc = file_write_atomic(path, k.text.buf, k.text.len, 0644);
	cache_file(k.name, ".img", path, sizeof(path));
	if (rc == 0 && (chmod(tmp, 0400) < 0 || rename(tmp, path) < 0))
		rc = -errno;
	if (rc < 0) {
		unlink(tmp);
		snprintf(ri->note, sizeof(ri->note), "booted, saved, but %s: %s: booted again",
			 path, strerror(-rc));
		rc = 1;
		goto cleanup;
	}
	ri->saved = 1;
	if (!strncmp(ri->note, "no saved guest yet", 18))	/* else: why it was made anew */
		snprintf(ri->note, sizeof(ri->note), "no saved guest yet: booted, saved and "
			 "restored it");
	hpt_verbose("vm %s: saved in %llu ms as %s", r->vm_name, (unsigned long long)ri->save_ms,
		    path);
	err[0] = 0;
	if (restore_from(r, err, errlen) == 0) {
		ri->used = 1;
		rc = 0;
		goto cleanup;
	}
	if (hpt_stop) {
		rc = -EINTR;
		goto cleanup;
	}
	hpt_log("vm %s: restoring the guest just saved failed (%s): booting again; no more "
		"restores in this run", r->vm_name, err);
	snprintf(ri->note, sizeof(ri->note), "saved, but its restore failed (%.240s): booted "
		 "again", err);
	restore_broken = 1;
	drop_image(k.name);
	err[0] = 0;
	rc = 1;
cleanup:
	sb_release(&con);
	sb_release(&k.text);
	return rc;
}
