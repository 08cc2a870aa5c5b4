/* A run on a libvirt host given by URI (see remote.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <libvirt/virterror.h>
#include "chan.h"
#include "hpt.h"
#include "proto.h"
#include "remote.h"
#include "strbuf.h"
#include "virt.h"

#define VOLS_MAX 16
#define STALE_S 600	/* an image volume without its ".ok" marker this old: a dead upload */

struct remote_run {
	struct rstream *console, *chan;
	char vols[VOLS_MAX][192];	/* the run's own volumes, deleted by remote_detach() */
	int n_vols;
};

/* The pool kernels and run files go to: the host's REMOTE_POOL, or one we make there. */
static virStoragePoolPtr pool_get(virConnectPtr c, const char *uri, char *err, size_t n)
{
	static const char xml[] = "<pool type='dir'><name>" REMOTE_POOL "</name><target><path>"
				  REMOTE_POOL_PATH "</path><permissions><mode>0711</mode>"
				  "</permissions></target></pool>";
	virStoragePoolPtr p = virStoragePoolLookupByName(c, REMOTE_POOL);

	if (!p)	/* transient: it goes with the daemon, its files stay for the next one */
		p = virStoragePoolCreateXML(c, xml, VIR_STORAGE_POOL_CREATE_WITH_BUILD);
	if (!p)	/* made meanwhile by another run */
		p = virStoragePoolLookupByName(c, REMOTE_POOL);
	if (p && virStoragePoolIsActive(p) == 0 && virStoragePoolCreate(p, 0) < 0 &&
	    virStoragePoolIsActive(p) != 1) {
		virStoragePoolFree(p);
		p = NULL;
	}
	if (!p)
		snprintf(err, n, "libvirt host %s: storage pool %s (a directory pool at %s): %s",
			 uri, REMOTE_POOL, REMOTE_POOL_PATH, virt_lasterr());
	return p;
}

static int src_read(virStreamPtr st, char *data, size_t n, void *opaque)
{
	(void)st;
	return (int)read(*(int *)opaque, data, n);
}

/* Creates volume name of size bytes in pool (empty and sparse), then uploads the file
 * behind fd into it unless that file is all holes. */
static int vol_make(virStoragePoolPtr pool, const char *name, int fd, uint64_t size,
		    int shared, char *err, size_t n)
{
	struct strbuf xml = STRBUF_INIT;
	virStorageVolPtr vol;
	virStreamPtr st = NULL;
	int rc = -EIO;
	off_t data = lseek(fd, 0, SEEK_DATA);

	sb_addf(&xml, "<volume><name>%s</name><capacity unit='bytes'>%llu</capacity>"
		"<allocation unit='bytes'>0</allocation><target><format type='raw'/>%s"
		"</target></volume>", name, (unsigned long long)size,
		shared ? "<permissions><mode>0644</mode></permissions>" : "");
	vol = virStorageVolCreateXML(pool, sb_str(&xml), 0);
	sb_release(&xml);
	if (!vol) {
		snprintf(err, n, "create volume %s: %s", name, virt_lasterr());
		return -EEXIST;
	}
	if (data < 0 || lseek(fd, 0, SEEK_SET) < 0) {	/* all holes (ENXIO): nothing to send */
		rc = 0;
		goto cleanup;
	}
	st = virStreamNew(virStoragePoolGetConnect(pool), 0);
	if (!st || virStorageVolUpload(vol, st, 0, size, 0) < 0 ||
	    virStreamSendAll(st, src_read, &fd) < 0 || virStreamFinish(st) < 0) {
		snprintf(err, n, "upload to volume %s: %s", name, virt_lasterr());
		if (st)
			virStreamAbort(st);
		virStorageVolDelete(vol, 0);
		goto cleanup;
	}
	rc = 0;
cleanup:
	if (st)
		virStreamFree(st);
	virStorageVolFree(vol);
	return rc;
}

/* The path of volume name on the host ("" if it is not there). */
static void vol_path(virStoragePoolPtr pool, const char *name, char *out, size_t n)
{
	virStorageVolPtr v = virStorageVolLookupByName(pool, name);
	char *p = v ? virStorageVolGetPath(v) : NULL;

	snprintf(out, n, "%s", p ? p : "");
	free(p);
	if (v)
		virStorageVolFree(v);
}

static void vol_delete(virStoragePoolPtr pool, const char *name)
{
	virStorageVolPtr v = virStorageVolLookupByName(pool, name);

	if (v) {
		virStorageVolDelete(v, 0);
		virStorageVolFree(v);
	}
}

/* Seconds since volume name last changed (its <mtime>), -1 if unknown. */
static long vol_age(virStoragePoolPtr pool, const char *name)
{
	virStorageVolPtr v = virStorageVolLookupByName(pool, name);
	char *xml = v ? virStorageVolGetXMLDesc(v, 0) : NULL, *m = xml ? strstr(xml, "<mtime>") : NULL;
	long age = m ? (long)(time(NULL) - strtol(m + 7, NULL, 10)) : -1;

	free(xml);
	if (v)
		virStorageVolFree(v);
	return age;
}

/* A volume of the run, made from local file path (deleted at the end). */
static int stage_own(virStoragePoolPtr pool, struct remote_run *rr, const char *path,
		     const char *name, char *rpath, size_t rn, char *err, size_t n)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, n, "%s: %s", path, fd < 0 ? strerror(errno) : "not a regular file");
		if (fd >= 0)
			close(fd);
		return -ENOENT;
	}
	if (rr->n_vols == VOLS_MAX) {
		close(fd);
		snprintf(err, n, "%s: more than %d files to stage", path, VOLS_MAX);
		return -E2BIG;
	}
	vol_delete(pool, name);	/* a killed earlier run of the same pid */
	rc = vol_make(pool, name, fd, (uint64_t)st.st_size, 0, err, n);
	close(fd);
	if (rc < 0)
		return rc;
	snprintf(rr->vols[rr->n_vols++], sizeof(rr->vols[0]), "%s", name);
	vol_path(pool, name, rpath, rn);
	return rpath[0] ? 0 : -ENOENT;
}

/* FNV-1a over the file: the image volumes are named by content. */
static int file_hash(const char *path, uint64_t *h, uint64_t *size)
{
	char buf[65536];
	ssize_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	*h = 0xcbf29ce484222325ull;
	*size = 0;
	while ((got = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < got; i++)
			*h = (*h ^ (unsigned char)buf[i]) * 0x100000001b3ull;
		*size += (uint64_t)got;
	}
	close(fd);
	return got < 0 ? -EIO : 0;
}

/* A kernel or initramfs: volume img-HASH-NAME, uploaded once and shared; "NAME.ok" marks
 * it complete. One being uploaded by another run (no marker yet) is not waited for:
 * this run uploads its own copy. */
static int stage_image(virStoragePoolPtr pool, struct remote_run *rr, const char *vm,
		       const char *path, char *rpath, size_t rn, char *err, size_t n)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char name[192], ok[200], own[192], here[PATH_MAX];
	uint64_t h = 0, size = 0;
	long age;
	int fd, rc;

	rc = file_hash(path, &h, &size);
	if (rc < 0) {
		snprintf(err, n, "%s: %s", path, strerror(-rc));
		return rc;
	}
	snprintf(name, sizeof(name), "img-%016llx-%.150s", (unsigned long long)h, base);
	snprintf(ok, sizeof(ok), "%s.ok", name);
	vol_path(pool, ok, here, sizeof(here));
	if (here[0]) {
		vol_path(pool, name, rpath, rn);
		if (rpath[0])
			return 0;
	}
	age = vol_age(pool, name);
	if (age > STALE_S)	/* an upload that died long ago */
		vol_delete(pool, name);
	if (age < 0 || age > STALE_S) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			snprintf(err, n, "%s: %s", path, strerror(errno));
			return -ENOENT;
		}
		rc = vol_make(pool, name, fd, size, 1, err, n);
		close(fd);
		if (rc == 0) {
			int empty = open("/dev/null", O_RDONLY | O_CLOEXEC);

			if (empty >= 0) {	/* done: later runs use it as it is */
				vol_make(pool, ok, empty, 0, 1, err, n);
				close(empty);
			}
			vol_path(pool, name, rpath, rn);
			return rpath[0] ? 0 : -ENOENT;
		}
		if (rc != -EEXIST)
			return rc;	/* the upload itself failed */
	}
	snprintf(own, sizeof(own), "%s.%.120s", vm, base);	/* another run is uploading it */
	return stage_own(pool, rr, path, own, rpath, rn, err, n);
}

/* Replaces every occurrence of from in sb by to. */
static void replace_all(struct strbuf *sb, const char *from, const char *to)
{
	struct strbuf out = STRBUF_INIT;
	const char *p = sb_str(sb), *hit;
	size_t fl = strlen(from);

	while ((hit = strstr(p, from))) {
		sb_add(&out, p, (size_t)(hit - p));
		sb_adds(&out, to);
		p = hit + fl;
	}
	sb_adds(&out, p);
	sb_reset(sb);
	sb_add(sb, out.buf ? out.buf : "", out.len);
	sb_release(&out);
}

/* Stages every file under dir/ that xml names and points xml at the volumes. */
static int stage_run_files(virStoragePoolPtr pool, struct remote_run *rr, const char *vm,
			   const char *dir, struct strbuf *xml, char *err, size_t n)
{
	char prefix[PATH_MAX + 2], local[PATH_MAX * 2], rpath[PATH_MAX], name[192];
	const char *hit;

	snprintf(prefix, sizeof(prefix), "%s/", dir);
	while ((hit = strstr(sb_str(xml), prefix))) {
		size_t len = strcspn(hit + strlen(prefix), "'\"<>&,");
		int rc;

		snprintf(local, sizeof(local), "%s%.*s", prefix, (int)len, hit + strlen(prefix));
		snprintf(name, sizeof(name), "%s.%.*s", vm, (int)(len < 120 ? len : 120),
			 hit + strlen(prefix));
		rc = stage_own(pool, rr, local, name, rpath, sizeof(rpath), err, n);
		if (rc < 0)
			return rc;
		replace_all(xml, local, rpath);
	}
	return 0;
}

int remote_domain(struct run *r, struct strbuf *xml, const char *kernel, const char *initrd,
		  char *err, size_t errlen)
{
	struct virt *v = r->virt;
	struct remote_run *rr = calloc(1, sizeof(*rr));
	char rpath[PATH_MAX], what[PATH_MAX + 32], e[512] = "", real[PATH_MAX];
	const char *local[2] = { kernel, initrd }, *tag[2] = { "kernel", "initrd" };
	virStoragePoolPtr pool = NULL;
	uint64_t t0 = now_ms();
	int rc = -EIO;

	if (!rr) {
		snprintf(err, errlen, "vm %s: %s", r->vm_name, strerror(ENOMEM));
		return -ENOMEM;
	}
	pthread_mutex_lock(&v->lock);
	v->remote = rr;
	pthread_mutex_unlock(&v->lock);
	pool = pool_get(v->conn, v->uri, e, sizeof(e));
	if (!pool)
		goto cleanup;
	for (int i = 0; i < 2; i++) {
		rc = stage_image(pool, rr, r->vm_name, local[i], rpath, sizeof(rpath), e, sizeof(e));
		if (rc < 0)
			goto cleanup;
		snprintf(what, sizeof(what), "<%s>%s</%s>", tag[i], local[i], tag[i]);
		if (!strstr(sb_str(xml), what)) {
			snprintf(e, sizeof(e), "the domain XML has no <%s>%s</%s>", tag[i],
				 local[i], tag[i]);
			rc = -EINVAL;
			goto cleanup;
		}
		{
			struct strbuf to = STRBUF_INIT;

			sb_addf(&to, "<%s>%s</%s>", tag[i], rpath, tag[i]);
			replace_all(xml, what, sb_str(&to));
			sb_release(&to);
		}
	}
	rc = stage_run_files(pool, rr, r->vm_name, r->dir, xml, e, sizeof(e));
	if (rc == 0 && realpath(r->dir, real) && strcmp(real, r->dir))
		rc = stage_run_files(pool, rr, r->vm_name, real, xml, e, sizeof(e));
	if (rc == 0)
		hpt_verbose("vm %s: kernel, initramfs and %d run file(s) staged on %s in %llu ms",
			    r->vm_name, rr->n_vols, v->uri, (unsigned long long)(now_ms() - t0));
cleanup:
	if (rc < 0)
		snprintf(err, errlen, "vm %s: libvirt host %s: %s", r->vm_name, v->uri, e);
	if (pool)
		virStoragePoolFree(pool);
	return rc;
}

int remote_attach(struct run *r, virDomainPtr dom, const char *sock, char *err, size_t errlen)
{
	struct virt *v = r->virt;
	struct remote_run *rr = v->remote;
	uint64_t max = r->opts->console_max ? r->opts->console_max : CHAN_CONSOLE_MAX;
	char path[PATH_MAX + 16];
	virStreamPtr con = virStreamNew(v->conn, VIR_STREAM_NONBLOCK);
	virStreamPtr ch = virStreamNew(v->conn, VIR_STREAM_NONBLOCK);
	struct rstream *bc = NULL, *bh = NULL;
	const char *what = "console";

	snprintf(path, sizeof(path), "%s/console.log", r->dir);
	if (!rr || !con || !ch || virDomainOpenConsole(dom, NULL, con, VIR_DOMAIN_CONSOLE_FORCE) < 0)
		goto fail;
	/* past max the guest floods (chan.c watches the size): keep a little more */
	bc = rstream_file(con, path, max + (1u << 20));
	if (!bc)
		goto fail;
	con = NULL;
	what = "agent channel";
	if (virDomainOpenChannel(dom, HPT_CHANNEL_NAME, ch, VIR_DOMAIN_CHANNEL_FORCE) < 0)
		goto fail;
	bh = rstream_listen(ch, sock);
	if (!bh)
		goto fail;
	ch = NULL;
	pthread_mutex_lock(&v->lock);
	rr->console = bc;
	rr->chan = bh;
	pthread_mutex_unlock(&v->lock);
	what = "resume";
	if (virDomainResume(dom) < 0)
		goto fail_attached;
	return 0;
fail:
	rstream_free(bc);
	rstream_free(bh);
fail_attached:
	snprintf(err, errlen, "vm %s: libvirt host %s: %s: %s", r->vm_name, v->uri, what,
		 errno && !virGetLastError() ? strerror(errno) : virt_lasterr());
	if (con)
		virStreamFree(con);
	if (ch)
		virStreamFree(ch);
	return -EIO;
}

/* Takes the run's state out of v (under its lock: the close callback reads it). */
static struct remote_run *take(struct virt *v)
{
	struct remote_run *rr;

	pthread_mutex_lock(&v->lock);
	rr = v->remote;
	v->remote = NULL;
	pthread_mutex_unlock(&v->lock);
	return rr;
}

static void release_run(struct virt *v, struct remote_run *rr)
{
	virStoragePoolPtr pool;

	if (!rr)
		return;
	rstream_free(rr->console);
	rstream_free(rr->chan);
	pool = rr->n_vols && virt_alive(v) ? virStoragePoolLookupByName(v->conn, REMOTE_POOL) :
		NULL;
	for (int i = 0; pool && i < rr->n_vols; i++)
		vol_delete(pool, rr->vols[i]);
	if (pool)
		virStoragePoolFree(pool);
	free(rr);
}

void remote_detach(struct run *r)
{
	struct remote_run *rr = take(r->virt);
	char path[PATH_MAX + 16];
	FILE *f;

	if (!rr)
		return;
	release_run(r->virt, rr);
	snprintf(path, sizeof(path), "%s/qemu.log", r->dir);
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "hotplug-test: QEMU ran on the libvirt host %s; its log stays there, in "
			"libvirt's QEMU log directory (%s.log): libvirt has no API to fetch it\n",
			r->virt->uri, r->vm_name);
		fclose(f);
	}
}

void remote_conn_closed(struct virt *v)
{
	pthread_mutex_lock(&v->lock);
	if (v->remote) {
		rstream_shut(v->remote->console);
		rstream_shut(v->remote->chan);
	}
	pthread_mutex_unlock(&v->lock);
}

void remote_close(struct virt *v)
{
	release_run(v, take(v));
}

int remote_reap_job(virConnectPtr c, pid_t pid)
{
	virDomainPtr *doms = NULL;
	virStorageVolPtr *vols = NULL;
	virStoragePoolPtr pool;
	char tail[32], mid[32];
	int n, killed = 0;

	snprintf(tail, sizeof(tail), "-%d", (int)pid);
	snprintf(mid, sizeof(mid), "-%d.", (int)pid);
	n = virConnectListAllDomains(c, &doms, 0);
	for (int i = 0; i < n; i++) {
		const char *name = virDomainGetName(doms[i]);
		size_t len = name ? strlen(name) : 0;

		if (len > strlen(tail) && !strncmp(name, "hpt-", 4) &&
		    !strcmp(name + len - strlen(tail), tail) && virDomainDestroy(doms[i]) == 0)
			killed++;
		virDomainFree(doms[i]);
	}
	free(doms);
	pool = virStoragePoolLookupByName(c, REMOTE_POOL);
	n = pool ? virStoragePoolListAllVolumes(pool, &vols, 0) : 0;
	for (int i = 0; i < n; i++) {
		const char *name = virStorageVolGetName(vols[i]);

		if (name && !strncmp(name, "hpt-", 4) && strstr(name, mid))
			virStorageVolDelete(vols[i], 0);
		virStorageVolFree(vols[i]);
	}
	free(vols);
	if (pool)
		virStoragePoolFree(pool);
	return killed;
}
