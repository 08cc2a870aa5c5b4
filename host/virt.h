/* libvirt session: the embedded QEMU driver in a private root by default (no daemon),
 * or any URI given with --connect. An event thread feeds domain events (device removed,
 * removal failed, memory device size change, lifecycle; QEMU's ACPI_DEVICE_OST, the
 * guest's _OST reports) into a queue that callers wait on with deadlines. */
#ifndef HPT_VIRT_H
#define HPT_VIRT_H
#include <pthread.h>
#include <stdint.h>
#include <libvirt/libvirt.h>

enum vev_kind { VEV_DEVICE_REMOVED, VEV_REMOVAL_FAILED, VEV_SIZE_CHANGE, VEV_STOPPED,
		VEV_CRASHED, VEV_ACPI_OST, VEV__COUNT };
extern const char *const vev_names[VEV__COUNT];

struct vevent {
	enum vev_kind kind;
	char dom[64];
	char alias[64];		/* VEV_ACPI_OST: the slot's number */
	uint64_t size;		/* VEV_SIZE_CHANGE: bytes; VEV_ACPI_OST: _OST's source event */
	int detail;		/* lifecycle detail; VEV_ACPI_OST: _OST's status code */
	uint64_t t_ms;		/* now_ms() when it arrived */
};

/* Names the embedded driver where a URI is expected (`matrix --connect` lists). */
#define VIRT_EMBED_URI "qemu:///embed"

struct remote_run;

#define VIRT_QUEUE 128
#define VIRT_DOMS_MAX 64

struct virt {
	virConnectPtr conn;
	int embedded;
	char root[64];		/* embedded root dir ("" otherwise) */
	char caps_cache[4096];	/* persistent copy of root/cache/qemu/capabilities */
	pthread_t loop;
	int loop_started;
	volatile int quit;
	int cb[4];
	int qmp_cb;		/* ACPI_DEVICE_OST over libvirt-qemu, -1 if refused */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct vevent q[VIRT_QUEUE];
	unsigned q_head, q_len;
	char doms[VIRT_DOMS_MAX][64];	/* domains we created, destroyed on close */
	int n_doms;
	char err[512];
	int lock_fd;		/* root/owner, flock'ed while we live (see stale.c) */
	char uri[1024];		/* as opened (the embedded root's for the embedded driver) */
	volatile int lost;	/* the connection closed under us (remote daemon died) */
	struct remote_run *remote;	/* remote.c: the run's streams and volumes */
};

/* Opens uri (NULL or VIRT_EMBED_URI = embedded driver in a fresh /tmp/hpt.XXXXXX root,
 * mode 0700; any other URI is treated as remote, see remote.h).
 * caps_cache (may be NULL): a directory that keeps libvirt's QEMU capabilities between
 * runs — probing them costs seconds; libvirt re-validates what it loads. */
int virt_open(struct virt *v, const char *uri, const char *caps_cache);
/* Destroys every domain we created, stops the event thread, removes the root. */
void virt_close(struct virt *v);
/* Starts a transient domain (paused on a remote host: remote_attach() resumes it once
 * its console and channel are connected). */
int virt_create(struct virt *v, const char *xml, virDomainPtr *out);
/* Destroys dom (if active) and waits, at most VIRT_STOP_EVENT_MS, for its STOPPED event. */
void virt_destroy(struct virt *v, virDomainPtr dom);
#define VIRT_STOP_EVENT_MS 3000
/* Saves the running domain's state into path (libvirt's save image); the domain stops.
 * 0 or -EIO (v->err says why; the domain then usually runs on). */
int virt_save(struct virt *v, virDomainPtr dom, const char *path);
/* Starts a domain from a save image, running. xml: the domain of the image with only
 * what libvirt lets change (paths of files and sockets); its name and uuid must be the
 * image's. 0 or -EIO (v->err). */
int virt_restore(struct virt *v, const char *path, const char *xml, const char *name,
		 virDomainPtr *out);
/* Waits for an event of kind for domain dom (and alias, if non-NULL) until the absolute
 * deadline (now_ms()); other events stay queued. 0, -ETIMEDOUT or -EINTR (stop). */
int virt_wait(struct virt *v, const char *dom, enum vev_kind kind, const char *alias,
	      uint64_t deadline_ms, struct vevent *out);
/* Like virt_wait for any of two kinds. */
int virt_wait2(struct virt *v, const char *dom, enum vev_kind k1, enum vev_kind k2,
	       const char *alias, uint64_t deadline_ms, struct vevent *out);
/* 0 once the connection is known to be gone (daemon died, network), else 1. */
int virt_alive(struct virt *v);
/* The host stack the guests run on, for results: the versions of QEMU and of libvirt
 * (the library this controller runs) as "X.Y.Z", "" when not known. */
void virt_versions(struct virt *v, char *qemu, char *libvirt, size_t n);
/* The last libvirt error as text. */
const char *virt_lasterr(void);
/* Socket path for a domain's agent channel inside our root (or /tmp when remote). */
void virt_sock_path(const struct virt *v, const char *dom, char *buf, size_t n);

/* stale.c: finds embedded roots of ours whose owner died (killed run: no flock on
 * root/owner, or no owner file and no live non-QEMU process using the root), kills the
 * QEMUs still running from them (their cmdline names the root) and removes the roots.
 * Reports each to stderr and .cache/log/stale.log; returns how many roots were removed. */
int stale_clean(void);
/* Creates root/owner with our pid and holds an flock on it until exit; the fd. */
int stale_own(const char *root);

/* Set by signal handlers: every wait returns -EINTR soon after. */
extern volatile int hpt_stop;
extern int hpt_stop_fd;	/* readable once a stop was requested */

#endif
