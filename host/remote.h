/* A run on a libvirt host given by URI (`--connect`, remote or a local daemon) rather
 * than the embedded driver: nothing on the QEMU host's filesystem is assumed.
 *   - the guest kernel and initramfs reach the host through libvirt: volumes of the
 *     storage pool REMOTE_POOL (made there as a directory pool if the host has none),
 *     uploaded once per content (virStorageVolUpload) and shared by later runs;
 *   - the files of the run dir that the domain XML names (NVDIMM backing file, scratch
 *     disk, pseries NVRAM) become volumes of the run, deleted when it ends;
 *   - the console (a pty there) is streamed into the run dir's console.log, and the
 *     agent channel (a unix socket there) to a local socket, both through libvirt
 *     streams (virDomainOpenConsole, virDomainOpenChannel);
 *   - QEMU's own log stays on the host (libvirt has no API for it): qemu.log says so.
 *   remote.c         pool, volumes, the domain XML, attach/detach
 *   remote_stream.c  a libvirt stream bridged to a local socket or file */
#ifndef HPT_REMOTE_H
#define HPT_REMOTE_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <libvirt/libvirt.h>

#define REMOTE_POOL "hotplug-test"
#define REMOTE_POOL_PATH "/var/lib/libvirt/images/hotplug-test"	/* when we make it */

struct run;
struct strbuf;
struct virt;

/* Stages what the domain XML names on this machine on r's remote host (see the top) and
 * rewrites xml to the host's paths: kernel and initrd are the local paths in it. 0, or
 * -errno with err naming the file and the host. */
int remote_domain(struct run *r, struct strbuf *xml, const char *kernel, const char *initrd,
		  char *err, size_t errlen);
/* For a domain created paused: streams its console into r->dir/console.log and its agent
 * channel to a unix socket listening at sock (chan_connect() it), then resumes it. */
int remote_attach(struct run *r, virDomainPtr dom, const char *sock, char *err, size_t errlen);
/* After the domain is destroyed: stops the streams, deletes the run's volumes and leaves
 * a note in qemu.log of where QEMU's log is. */
void remote_detach(struct run *r);
/* virt.c: the connection closed: every stream's local end is closed (a reader sees EOF). */
void remote_conn_closed(struct virt *v);
/* virt.c, virt_close(): whatever remote_detach() did not get to. */
void remote_close(struct virt *v);
/* For `matrix`: destroys on c the domains of the run with process id pid (their names end
 * in -PID) and deletes its volumes. The number of domains destroyed. */
int remote_reap_job(virConnectPtr c, pid_t pid);

/* remote_stream.c: a libvirt stream (VIR_STREAM_NONBLOCK) bridged, in the event loop
 * thread, to a unix socket listening at path (both ways, for one client: the listener
 * goes once it connected) or to a file (stream to file only; at most max bytes written,
 * the rest read and dropped). The bridge owns st from then on. NULL with errno. */
struct rstream;
struct rstream *rstream_listen(virStreamPtr st, const char *path);
struct rstream *rstream_file(virStreamPtr st, const char *path, uint64_t max);
/* Closes the local end now (its reader sees EOF); the stream is aborted. Thread-safe. */
void rstream_shut(struct rstream *b);
/* Shuts and releases b. */
void rstream_free(struct rstream *b);

#endif
