/* libvirt session (see virt.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <ftw.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>
#include "clock.h"
#include "hpt.h"
#include "jsonr.h"
#include "procfs.h"
#include "remote.h"
#include "virt.h"

const char *const vev_names[VEV__COUNT] = {
	[VEV_DEVICE_REMOVED] = "device-removed", [VEV_REMOVAL_FAILED] = "device-removal-failed",
	[VEV_SIZE_CHANGE] = "memory-device-size-change", [VEV_STOPPED] = "stopped",
	[VEV_CRASHED] = "crashed", [VEV_ACPI_OST] = "acpi-device-ost",
};

volatile int hpt_stop;
int hpt_stop_fd = -1;

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* The parent pid of pid from /proc/PID/stat, or -1. */
const char *virt_lasterr(void)
{
	virErrorPtr e = virGetLastError();

	return e && e->message ? e->message : "unknown libvirt error";
}

static void push(struct virt *v, enum vev_kind kind, virDomainPtr dom, const char *alias,
		 uint64_t size, int detail)
{
	struct vevent *e;

	pthread_mutex_lock(&v->lock);
	if (v->q_len == VIRT_QUEUE) {	/* drop the oldest: waits have deadlines */
		v->q_head = (v->q_head + 1) % VIRT_QUEUE;
		v->q_len--;
	}
	e = &v->q[(v->q_head + v->q_len++) % VIRT_QUEUE];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	snprintf(e->dom, sizeof(e->dom), "%s", virDomainGetName(dom));
	snprintf(e->alias, sizeof(e->alias), "%s", alias ? alias : "");
	e->size = size;
	e->detail = detail;
	e->t_ms = now_ms();
	pthread_cond_broadcast(&v->cond);
	pthread_mutex_unlock(&v->lock);
}

static void on_removed(virConnectPtr c, virDomainPtr d, const char *alias, void *o)
{
	push(o, VEV_DEVICE_REMOVED, d, alias, 0, 0);
}

static void on_removal_failed(virConnectPtr c, virDomainPtr d, const char *alias, void *o)
{
	push(o, VEV_REMOVAL_FAILED, d, alias, 0, 0);
}

static void on_size(virConnectPtr c, virDomainPtr d, const char *alias,
		    unsigned long long size_kib, void *o)
{
	push(o, VEV_SIZE_CHANGE, d, alias, size_kib * 1024, 0);
}

/* QEMU's ACPI_DEVICE_OST: the guest reported (_OST) how it handled a hotplug event of a
 * slot ({"info": {"slot": "0", "source": 3, "status": 0, …}}); the slot is the alias:
 * the device may be gone already, or another one in the slot. */
static void on_qmp(virConnectPtr c, virDomainPtr d, const char *event, long long secs,
		   unsigned int micros, const char *details, void *o)
{
	struct jr_val v = { 0 };
	const struct jr_val *info;
	char err[64];

	(void)c; (void)secs; (void)micros;
	if (strcmp(event, "ACPI_DEVICE_OST") || !details ||
	    jr_parse(&v, details, strlen(details), err, sizeof(err)) < 0)
		return;
	info = jr_get(&v, "info");
	if (info && jr_str(info, "slot", NULL))
		push(o, VEV_ACPI_OST, d, jr_str(info, "slot", ""),
		     (uint64_t)jr_num(info, "source", -1), (int)jr_num(info, "status", -1));
	jr_free(&v);
}

static int on_lifecycle(virConnectPtr c, virDomainPtr d, int event, int detail, void *o)
{
	if (event == VIR_DOMAIN_EVENT_STOPPED)
		push(o, detail == VIR_DOMAIN_EVENT_STOPPED_CRASHED ? VEV_CRASHED : VEV_STOPPED,
		     d, NULL, 0, detail);
	else if (event == VIR_DOMAIN_EVENT_CRASHED)
		push(o, VEV_CRASHED, d, NULL, 0, detail);
	return 0;
}

/* The connection closed (remote daemon gone): every wait ends, the streams too. */
static void on_close(virConnectPtr c, int reason, void *o)
{
	struct virt *v = o;

	(void)c;
	(void)reason;
	pthread_mutex_lock(&v->lock);
	v->lost = 1;
	pthread_cond_broadcast(&v->cond);
	pthread_mutex_unlock(&v->lock);
	remote_conn_closed(v);
}

int virt_alive(struct virt *v)
{
	if (v->lost)
		return 0;
	return !v->conn || virConnectIsAlive(v->conn) != 0;
}

static void wake_once(int timer, void *opaque)
{
	(void)opaque;
	virEventRemoveTimeout(timer);
}

static void *event_loop(void *arg)
{
	struct virt *v = arg;

	while (!v->quit)
		if (virEventRunDefaultImpl() < 0)
			break;
	return NULL;
}

static void silent_errors(void *opaque, virErrorPtr e)
{
	(void)opaque;
	(void)e;	/* errors are read with virGetLastError and reported by us */
}

static int write_qemu_conf(const char *root)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/etc", root);
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/etc/qemu.conf", root);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fputs("stdio_handler = \"file\"\n", f);
	/* QEMU stays in our own cgroup: in a group of its own (libvirt's default,
	 * machine/…), every guest of the host shares one task's CPU weight against
	 * everything else — on a shared, loaded machine 5x slower than a bare QEMU */
	fputs("cgroup_controllers = [ ]\n", f);
	/* After an x86 guest's QEMU starts (a boot or a restore), libvirt 9.0 reads the
	 * guest CPU's features back. With this capability it asks for every CPU property
	 * one qom-get at a time: 398 round trips, 0.55 s of a 0.87 s domain start (idle
	 * 2-core machine, QEMU 7.2). Without it libvirt reads them from the CPU's
	 * feature-words and filtered-features: 2 qom-gets, 0.30 s. QEMU's command
	 * line is the same; libvirt marks the domain "tainted: custom-hypervisor-feature". */
	fputs("capability_filters = [ \"cpu-unavailable-features\" ]\n", f);
	if (geteuid() == 0)	/* kernel, initrd and run dir stay private (0700) */
		fputs("user = \"root\"\ngroup = \"root\"\ndynamic_ownership = 0\n"
		      "security_driver = \"none\"\n", f);
	return fclose(f) ? -errno : 0;
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	remove(p);
	return 0;
}

/* Copies the regular files of dir `from` into dir `to` (created 0700). Best effort. */
static void copy_dir(const char *from, const char *to)
{
	char src[PATH_MAX], dst[PATH_MAX], buf[65536];
	struct dirent *e;
	DIR *d = opendir(from);

	if (!d)
		return;
	mkdir(to, 0700);
	while ((e = readdir(d))) {
		int in, out;
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(src, sizeof(src), "%s/%s", from, e->d_name);
		/* per process: matrix jobs copy into the same cache at the same time */
		snprintf(dst, sizeof(dst), "%s/.%s.%d.tmp", to, e->d_name, (int)getpid());
		in = open(src, O_RDONLY | O_CLOEXEC);
		out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, (size_t)n) != n)
				break;
		if (in >= 0)
			close(in);
		if (out >= 0) {
			close(out);
			snprintf(src, sizeof(src), "%s/%s", to, e->d_name);
			rename(dst, src);
		}
	}
	closedir(d);
}

/* libvirt's QEMU driver reads the host's CPUID once when it starts and throws away every
 * cached capabilities file made with other CPUID data ("host cpuid changed"), probing
 * each QEMU binary again (~1.2 s). CPUID differs from CPU to CPU (it holds the running
 * CPU's APIC ID), so a driver started on another CPU than the cache's did so on every
 * other run. It starts on the first CPU this process may use, always the same; *saved
 * gets the mask to give back. 0, or -errno (then nothing was changed). */
static int pin_first_cpu(cpu_set_t *saved)
{
	cpu_set_t one;

	if (sched_getaffinity(0, sizeof(*saved), saved) < 0)
		return -errno;
	CPU_ZERO(&one);
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, saved)) {
			CPU_SET(c, &one);
			break;
		}
	return sched_setaffinity(0, sizeof(one), &one) < 0 ? -errno : 0;
}

/* Gives every thread of the process the mask back: libvirt's threads started while
 * pinned inherited the one CPU. */
static void unpin_all(const cpu_set_t *saved)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;

	sched_setaffinity(0, sizeof(*saved), saved);
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			sched_setaffinity((pid_t)atoi(e->d_name), sizeof(*saved), saved);
	if (d)
		closedir(d);
}

static void caps_path(const struct virt *v, char *buf, size_t n)
{
	snprintf(buf, n, "%s/cache/qemu/capabilities", v->root);
}

int virt_open(struct virt *v, const char *uri, const char *caps_cache)
{
	static int registered;
	char buf[160];
	int rc;

	memset(v, 0, sizeof(*v));
	/* libvirt hands LD_PRELOAD on to QEMU: valgrind's preload (ours when the controller
	 * runs under valgrind) must not follow, QEMU cannot run with it */
	if (getenv("LD_PRELOAD") && strstr(getenv("LD_PRELOAD"), "vgpreload"))
		unsetenv("LD_PRELOAD");
	pthread_mutex_init(&v->lock, NULL);
	{
		pthread_condattr_t a;

		pthread_condattr_init(&a);
		pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
		pthread_cond_init(&v->cond, &a);
		pthread_condattr_destroy(&a);
	}
	for (int i = 0; i < 4; i++)
		v->cb[i] = -1;
	v->qmp_cb = -1;
	v->lock_fd = -1;
	if (uri && !strcmp(uri, VIRT_EMBED_URI))
		uri = NULL;
	if (!uri) {
		stale_clean();	/* a killed earlier run may have left QEMUs and a root */
		snprintf(v->root, sizeof(v->root), "/tmp/hpt.XXXXXX");
		if (!mkdtemp(v->root)) {
			snprintf(v->err, sizeof(v->err), "mkdtemp /tmp/hpt.XXXXXX: %s",
				 strerror(errno));
			v->root[0] = 0;
			return -errno;
		}
		v->lock_fd = stale_own(v->root);
		if (caps_cache) {
			char p[PATH_MAX];

			snprintf(v->caps_cache, sizeof(v->caps_cache), "%s", caps_cache);
			snprintf(p, sizeof(p), "%s/cache", v->root);
			mkdir(p, 0700);
			snprintf(p, sizeof(p), "%s/cache/qemu", v->root);
			mkdir(p, 0700);
			caps_path(v, p, sizeof(p));
			copy_dir(caps_cache, p);
		}
		/* libvirt's own log: set before libvirt starts (main.c) */
		rc = write_qemu_conf(v->root);
		if (rc < 0) {
			snprintf(v->err, sizeof(v->err), "%s/etc/qemu.conf: %s", v->root,
				 strerror(-rc));
			return rc;
		}
		snprintf(buf, sizeof(buf), "qemu:///embed?root=%s", v->root);
		uri = buf;
		v->embedded = 1;
	}
	virSetErrorFunc(NULL, silent_errors);
	if (!registered && virEventRegisterDefaultImpl() < 0) {
		snprintf(v->err, sizeof(v->err), "libvirt event loop: %s", virt_lasterr());
		return -EIO;
	}
	registered = 1;
	snprintf(v->uri, sizeof(v->uri), "%s", uri);
	if (v->embedded) {
		cpu_set_t saved;
		int pinned = pin_first_cpu(&saved) == 0;

		v->conn = virConnectOpen(uri);
		if (pinned)
			unpin_all(&saved);
	} else {
		v->conn = virConnectOpen(uri);
	}
	if (!v->conn) {
		snprintf(v->err, sizeof(v->err), "connect %s: %s", uri, virt_lasterr());
		return -EIO;
	}
	if (pthread_create(&v->loop, NULL, event_loop, v) != 0) {
		snprintf(v->err, sizeof(v->err), "cannot start event thread");
		return -EAGAIN;
	}
	v->loop_started = 1;
	v->cb[0] = virConnectDomainEventRegisterAny(v->conn, NULL,
		VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED, VIR_DOMAIN_EVENT_CALLBACK(on_removed), v, NULL);
	v->cb[1] = virConnectDomainEventRegisterAny(v->conn, NULL,
		VIR_DOMAIN_EVENT_ID_DEVICE_REMOVAL_FAILED,
		VIR_DOMAIN_EVENT_CALLBACK(on_removal_failed), v, NULL);
	v->cb[2] = virConnectDomainEventRegisterAny(v->conn, NULL,
		VIR_DOMAIN_EVENT_ID_MEMORY_DEVICE_SIZE_CHANGE,
		VIR_DOMAIN_EVENT_CALLBACK(on_size), v, NULL);
	v->cb[3] = virConnectDomainEventRegisterAny(v->conn, NULL,
		VIR_DOMAIN_EVENT_ID_LIFECYCLE, VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), v, NULL);
	/* a daemon may refuse QEMU's own events (libvirt-qemu): then no unplug waits for them */
	v->qmp_cb = virConnectDomainQemuMonitorEventRegister(v->conn, NULL, "ACPI_DEVICE_OST",
							     on_qmp, v, NULL, 0);
	if (v->cb[0] < 0 || v->cb[1] < 0 || v->cb[3] < 0) {
		snprintf(v->err, sizeof(v->err), "register domain events: %s", virt_lasterr());
		return -EIO;
	}
	if (!v->embedded) {	/* a dead host ends our waits at once, not at their deadlines */
		virConnectRegisterCloseCallback(v->conn, on_close, v, NULL);
		virConnectSetKeepAlive(v->conn, 5, 3);	/* a silent network: 20 s */
	}
	return 0;
}

/* Forgets queued events of domain name: a new domain of that name starts afresh. */
static void purge(struct virt *v, const char *name)
{
	unsigned keep = 0;

	pthread_mutex_lock(&v->lock);
	for (unsigned i = 0; i < v->q_len; i++) {
		struct vevent *e = &v->q[(v->q_head + i) % VIRT_QUEUE];

		if (strcmp(e->dom, name))
			v->q[(v->q_head + keep++) % VIRT_QUEUE] = *e;
	}
	v->q_len = keep;
	pthread_mutex_unlock(&v->lock);
}

int virt_create(struct virt *v, const char *xml, virDomainPtr *out)
{
	virDomainPtr d;

	{
		const char *n = strstr(xml, "<name>"), *e = n ? strstr(n, "</name>") : NULL;
		char name[64];

		if (n && e && e - n - 6 < (long)sizeof(name)) {
			snprintf(name, sizeof(name), "%.*s", (int)(e - n - 6), n + 6);
			purge(v, name);
		}
	}
	d = virDomainCreateXML(v->conn, xml, v->embedded ? 0 : VIR_DOMAIN_START_PAUSED);
	if (!d) {
		snprintf(v->err, sizeof(v->err), "%s", virt_lasterr());
		return -EIO;
	}
	if (v->n_doms < VIRT_DOMS_MAX)
		snprintf(v->doms[v->n_doms++], sizeof(v->doms[0]), "%s", virDomainGetName(d));
	*out = d;
	return 0;
}

/* Forgets name in the list of domains we created. */
static void forget(struct virt *v, const char *name)
{
	for (int i = 0; name && i < v->n_doms; i++)
		if (!strcmp(v->doms[i], name)) {
			memmove(v->doms[i], v->doms[i + 1],
				(size_t)(v->n_doms - i - 1) * sizeof(v->doms[0]));
			v->n_doms--;
			break;
		}
}

/* After we stopped domain name: waits (bounded) until its STOPPED event is queued, so
 * that a later domain of the same name (a restored guest) never receives it. */
static void wait_stopped(struct virt *v, const char *name)
{
	struct vevent ev;

	virt_wait(v, name, VEV_STOPPED, NULL, now_ms() + VIRT_STOP_EVENT_MS, &ev);
}

/* libvirt's destroy sends QEMU SIGTERM, then looks every 200 ms whether it is gone
 * (virProcessKillPainfully): 200 ms per guest, a tenth of a restored run. An embedded
 * root's QEMU is our child (daemonized, reparented to this subreaper): we SIGKILL it and
 * wait until it is reaped (by us or the reaper thread), so libvirt's SIGTERM finds no
 * process and its stop goes on at once. QEMU's sockets close as it dies, before it has
 * freed its memory and become a zombie: libvirt's per-domain thread, seeing the
 * monitor's EOF, sent its SIGTERM first in 2 of 8 runs (220 ms again). So we hold copies
 * of QEMU's sockets (pidfd_getfd) until it is reaped: the EOF comes after. Only a QEMU that the root's pid file names, is
 * our child and runs with the root in its command line is killed; anything else is left
 * to libvirt. Returns 1 if it was killed and reaped. */
#define HELD_MAX 64

/* Copies of the sockets of process pid (pidfd pidfd) into ours, at most max: while we
 * hold them, its ends of the monitor and the channels stay open when it dies. Returns
 * how many are in held. */
static int hold_sockets(long pid, int pidfd, int *held, int max)
{
	char path[64], link[64];
	struct dirent *e;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%ld/fd", pid);
	d = opendir(path);
	while (d && n < max && (e = readdir(d))) {
		char lp[PATH_MAX];
		ssize_t len;
		int fd;

		if (e->d_name[0] == '.')
			continue;
		snprintf(lp, sizeof(lp), "%s/%s", path, e->d_name);
		len = readlink(lp, link, sizeof(link) - 1);
		if (len <= 0 || (link[len] = 0, strncmp(link, "socket:", 7)))
			continue;
		fd = (int)syscall(SYS_pidfd_getfd, pidfd, atoi(e->d_name), 0);
		if (fd >= 0)
			held[n++] = fd;
	}
	if (d)
		closedir(d);
	return n;
}

static int kill_own_qemu(struct virt *v, const char *name)
{
	char path[PATH_MAX], buf[64], cmd[4096];
	struct pollfd pfd = { .events = POLLIN };
	struct proc_stat st;
	int fd, ok = 0, held[HELD_MAX], nheld = 0;
	long pid = 0;
	ssize_t n;

	if (!v->embedded || !v->root[0] || !name[0])
		return 0;
	snprintf(path, sizeof(path), "%s/run/qemu/%s.pid", v->root, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || (buf[n] = 0, pid = strtol(buf, NULL, 10)) <= 1)
		return 0;
	pfd.fd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	if (pfd.fd < 0)
		return 0;
	/* the pidfd holds this very process: check it is ours and this root's QEMU */
	if (proc_read((pid_t)pid, "cmdline", cmd, sizeof(cmd)) == 0 &&
	    proc_stat((pid_t)pid, &st) == 0)
		ok = strstr(cmd, "qemu-system") && strstr(cmd, v->root) && st.ppid == getpid();
	if (ok)
		nheld = hold_sockets(pid, pfd.fd, held, HELD_MAX);
	if (ok && syscall(SYS_pidfd_send_signal, pfd.fd, SIGKILL, NULL, 0) == 0 &&
	    poll(&pfd, 1, VIRT_STOP_EVENT_MS) == 1) {
		siginfo_t si;

		/* exited; reap it unless the reaper thread was first (then ECHILD) */
		if (waitid((idtype_t)P_PIDFD, (id_t)pfd.fd, &si, WEXITED) == 0 || errno == ECHILD)
			ok = 2;
	}
	while (nheld > 0)	/* now libvirt may see the monitor's EOF: QEMU is gone */
		close(held[--nheld]);
	close(pfd.fd);
	hpt_verbose("vm %s: qemu %ld %s", name, pid,
		    ok == 2 ? "killed and reaped" : ok ? "not reaped yet (libvirt destroys it)" :
		    "not our child with this root in its command line: left to libvirt");
	return ok == 2;
}

void virt_destroy(struct virt *v, virDomainPtr dom)
{
	char name[64];

	if (!dom)
		return;
	snprintf(name, sizeof(name), "%s", virDomainGetName(dom) ? virDomainGetName(dom) : "");
	forget(v, name);
	if (virDomainIsActive(dom) == 1) {
		/* killed first, libvirt may see the monitor's EOF and stop the domain itself
		 * before our destroy: either way its STOPPED event comes */
		if (kill_own_qemu(v, name) || virDomainDestroy(dom) == 0) {
			if (virDomainIsActive(dom) == 1)
				virDomainDestroy(dom);
			wait_stopped(v, name);
		}
	}
	virDomainFree(dom);
}

int virt_save(struct virt *v, virDomainPtr dom, const char *path)
{
	char name[64];

	snprintf(name, sizeof(name), "%s", virDomainGetName(dom) ? virDomainGetName(dom) : "");
	if (virDomainSaveFlags(dom, path, NULL, 0) < 0) {
		snprintf(v->err, sizeof(v->err), "%s", virt_lasterr());
		return -EIO;
	}
	forget(v, name);
	wait_stopped(v, name);
	return 0;
}

int virt_restore(struct virt *v, const char *path, const char *xml, const char *name,
		 virDomainPtr *out)
{
	virDomainPtr d;

	purge(v, name);
	if (virDomainRestoreFlags(v->conn, path, xml, VIR_DOMAIN_SAVE_RUNNING) < 0) {
		snprintf(v->err, sizeof(v->err), "%s", virt_lasterr());
		return -EIO;
	}
	d = virDomainLookupByName(v->conn, name);
	if (!d) {
		snprintf(v->err, sizeof(v->err), "restored domain %s not found: %s", name,
			 virt_lasterr());
		return -EIO;
	}
	if (v->n_doms < VIRT_DOMS_MAX)
		snprintf(v->doms[v->n_doms++], sizeof(v->doms[0]), "%s", name);
	*out = d;
	return 0;
}

static int match(const struct vevent *e, const char *dom, enum vev_kind k1, enum vev_kind k2,
		 const char *alias)
{
	if (strcmp(e->dom, dom))
		return 0;
	if (e->kind == VEV_STOPPED || e->kind == VEV_CRASHED)
		return 1;	/* a dead domain ends every wait on it */
	if (e->kind != k1 && e->kind != k2)
		return 0;
	return !alias || !strcmp(alias, e->alias);
}

int virt_wait2(struct virt *v, const char *dom, enum vev_kind k1, enum vev_kind k2,
	       const char *alias, uint64_t deadline_ms, struct vevent *out)
{
	int rc = -ETIMEDOUT;

	pthread_mutex_lock(&v->lock);
	for (;;) {
		for (unsigned i = 0; i < v->q_len; i++) {
			unsigned at = (v->q_head + i) % VIRT_QUEUE;

			if (!match(&v->q[at], dom, k1, k2, alias))
				continue;
			*out = v->q[at];
			if (out->kind == VEV_STOPPED || out->kind == VEV_CRASHED) {
				rc = 0;	/* leave it queued: later waits must see it too */
				goto out;
			}
			for (unsigned j = i; j + 1 < v->q_len; j++)
				v->q[(v->q_head + j) % VIRT_QUEUE] =
					v->q[(v->q_head + j + 1) % VIRT_QUEUE];
			v->q_len--;
			rc = 0;
			goto out;
		}
		if (hpt_stop) {
			rc = -EINTR;
			goto out;
		}
		if (v->lost) {
			rc = -ENOTCONN;
			goto out;
		}
		uint64_t now = now_ms(), until = deadline_ms;
		if (now >= deadline_ms)
			goto out;
		if (until > now + 200)	/* re-check the stop flag at least 5 times a second */
			until = now + 200;
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		uint64_t ns = (uint64_t)ts.tv_nsec + (until - now) * 1000000ull;
		ts.tv_sec += (time_t)(ns / 1000000000ull);
		ts.tv_nsec = (long)(ns % 1000000000ull);
		pthread_cond_timedwait(&v->cond, &v->lock, &ts);
	}
out:
	pthread_mutex_unlock(&v->lock);
	return rc;
}

int virt_wait(struct virt *v, const char *dom, enum vev_kind kind, const char *alias,
	      uint64_t deadline_ms, struct vevent *out)
{
	return virt_wait2(v, dom, kind, kind, alias, deadline_ms, out);
}

void virt_sock_path(const struct virt *v, const char *dom, char *buf, size_t n)
{
	if (v->embedded)
		snprintf(buf, n, "%s/%.40s.sock", v->root, dom);
	else
		snprintf(buf, n, "/tmp/hpt-%d-%.40s.sock", (int)getpid(), dom);
}

void virt_close(struct virt *v)
{
	while (v->conn && v->n_doms > 0) {
		virDomainPtr d = virDomainLookupByName(v->conn, v->doms[v->n_doms - 1]);

		if (d) {
			virt_destroy(v, d);
		} else {
			v->n_doms--;
		}
	}
	if (v->conn && v->embedded) {	/* the root is ours alone: nothing may outlive us */
		virDomainPtr *all = NULL;
		int n = virConnectListAllDomains(v->conn, &all, VIR_CONNECT_LIST_DOMAINS_ACTIVE);

		for (int i = 0; i < n; i++) {
			virDomainDestroy(all[i]);
			virDomainFree(all[i]);
		}
		free(all);
	}
	remote_close(v);
	for (int i = 0; i < 4; i++)
		if (v->conn && v->cb[i] >= 0)
			virConnectDomainEventDeregisterAny(v->conn, v->cb[i]);
	if (v->conn && v->qmp_cb >= 0)
		virConnectDomainQemuMonitorEventDeregister(v->conn, v->qmp_cb);
	if (v->conn && !v->embedded)
		virConnectUnregisterCloseCallback(v->conn, on_close);
	if (v->loop_started) {
		v->quit = 1;
		virEventAddTimeout(0, wake_once, NULL, NULL);	/* wake the loop once */
		pthread_join(v->loop, NULL);
	}
	if (v->conn)
		virConnectClose(v->conn);
	if (v->root[0] && v->caps_cache[0]) {
		char p[PATH_MAX];

		caps_path(v, p, sizeof(p));
		copy_dir(p, v->caps_cache);
	}
	if (v->root[0]) {	/* the lock goes last: until then the root is visibly ours */
		nftw(v->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		if (v->lock_fd >= 0)
			close(v->lock_fd);
		v->lock_fd = -1;
	}
	v->conn = NULL;
	v->root[0] = 0;
}

static void version_text(unsigned long v, char *buf, size_t n)
{
	if (v)
		snprintf(buf, n, "%lu.%lu.%lu", v / 1000000, v / 1000 % 1000, v % 1000);
	else
		snprintf(buf, n, "%s", "");
}

void virt_versions(struct virt *v, char *qemu, char *libvirt, size_t n)
{
	unsigned long q = 0, l = 0;

	if (v && v->conn) {
		if (virConnectGetVersion(v->conn, &q) < 0)
			q = 0;
		if (virConnectGetLibVersion(v->conn, &l) < 0)
			l = 0;
	}
	version_text(q, qemu, n);
	version_text(l, libvirt, n);
}
