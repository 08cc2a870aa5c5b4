/*
 * hp-agent: the static /init of the test guests. It prepares the system, finds the
 * virtio-serial port HPT_CHANNEL_NAME and serves requests framed as in lib/proto.h.
 * Everything is single-threaded; blocking kernel work runs in forked children so that
 * heartbeats keep flowing (see child.c).
 */
#ifndef HPT_AGENT_H
#define HPT_AGENT_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include "proto.h"
#include "strbuf.h"

#define AG_NAME "hp-agent"
#define AG_BEAT_MS 2000
#define AG_CHAN_WAIT_MS 10000
#define AG_REQ_MAX 65536		/* bound on request payloads */
#define AG_REPLY_MAX (HPT_PAYLOAD_MAX - 4096)
#define AG_MEMDIR "/sys/devices/system/memory"
#define AG_BLOCKS_MAX 65536		/* blocks one request may name */

struct agent {
	int chan;			/* the virtio-serial port, -1 until found */
	char chan_dev[128];		/* /dev/vportNpM */
	int connected;			/* host side open (no POLLHUP) */
	int sigfd;			/* signalfd for SIGCHLD and SIGIO */
	int uevent;			/* NETLINK_KOBJECT_UEVENT socket, -1 if none */
	int kmsg_r, kmsg_w;		/* /dev/kmsg reader (non-blocking) and writer */
	int sending;			/* guards against logging from inside ag_send */
	int poweroff;			/* power off once the current reply is out */
	int fault;			/* an armed `inject` fault (v_inject.c), 0 = none */
	uint64_t fault_at;		/* ms, monotonic: when it fires */
	uint64_t last_beat;		/* ms, monotonic */
	struct hpt_decoder dec;
	struct strbuf tx;
	struct utsname uts;
	uint64_t block_size;		/* bytes, 0 if the kernel has no memory blocks */
	long page_size;
	char auto_online_boot[32];	/* auto_online_blocks as found at boot */
	char memmap_on_memory[16];	/* parameter value or "absent" */
	char cmdline[4096];
	int service;			/* started by the system's init (an image), not PID 1 */
	char udev_online[160];		/* service: the udev rule file that onlines memory */
};

extern struct agent ag;

/* A verb handler gets argv[0] = verb and returns 0 (out = OK payload) or -errno
 * (out = message line without "errno=", optional evidence lines after it). */
typedef int (*ag_verb_fn)(struct agent *a, int argc, char **argv, struct strbuf *out);

struct ag_verb {
	const char *name;
	ag_verb_fn fn;
	int min_args, max_args;		/* words after the verb */
	const char *usage;
	const char *help;
};

/* verbs.c: the one verb table. */
const struct ag_verb *ag_verb_find(const char *name);
int ag_verb_run(struct agent *a, int argc, char **argv, struct strbuf *out);

/* Handlers, one group per file. */
int v_help(struct agent *a, int argc, char **argv, struct strbuf *out);
int v_info(struct agent *a, int argc, char **argv, struct strbuf *out);
int v_seed(struct agent *a, int argc, char **argv, struct strbuf *out);
int v_read(struct agent *a, int argc, char **argv, struct strbuf *out);
int v_write(struct agent *a, int argc, char **argv, struct strbuf *out);
int v_dmesg(struct agent *a, int argc, char **argv, struct strbuf *out);
int v_drop_caches(struct agent *a, int argc, char **argv, struct strbuf *out);
int v_compact(struct agent *a, int argc, char **argv, struct strbuf *out);
int v_poweroff(struct agent *a, int argc, char **argv, struct strbuf *out);
int v_inject(struct agent *a, int argc, char **argv, struct strbuf *out);
/* v_inject.c: fires an armed fault once its time has come (called with every beat). */
void ag_fault_tick(struct agent *a);
int v_snapshot(struct agent *a, int argc, char **argv, struct strbuf *out);
int v_online(struct agent *a, int argc, char **argv, struct strbuf *out);
int v_offline(struct agent *a, int argc, char **argv, struct strbuf *out);
int v_wait_blocks(struct agent *a, int argc, char **argv, struct strbuf *out);
int v_pressure(struct agent *a, int argc, char **argv, struct strbuf *out);
/* v_tool.c: ndctl/daxctl from the initramfs, with a deadline. */
int v_tool(struct agent *a, int argc, char **argv, struct strbuf *out);
/* v_workload.c: busy-guest workloads (wl.h); ag_reap() hands it their exit status. */
int v_workload_start(struct agent *a, int argc, char **argv, struct strbuf *out);
int v_workload_stop(struct agent *a, int argc, char **argv, struct strbuf *out);
int v_workload_wait(struct agent *a, int argc, char **argv, struct strbuf *out);
void ag_workload_reaped(pid_t pid, int status);
/* mmstat.c: the "mm" snapshot file (zram devices, zswap, swap), "key value" lines. */
int ag_mm_stats(struct strbuf *sb);

/* service.c: when an init system started us (a distro image, run --image): what that
 * system does with hot-added memory by itself (udev rules that online it). */
void ag_service_facts(struct agent *a);
void ag_service_settle(struct agent *a);

/* init.c: PID 1 duties (as a service: only the agent's own set-up). */
void ag_init_system(struct agent *a);
void ag_reap(struct agent *a);

/* chan.c: the virtio-serial channel. */
int ag_chan_open(struct agent *a, int timeout_ms);
void ag_chan_wait_host(struct agent *a);
int ag_send(struct agent *a, uint32_t seq, enum hpt_msg type, const void *p, size_t n);
int ag_send_hello(struct agent *a);
void ag_beat_maybe(struct agent *a);

/* log.c */
void ag_log(struct agent *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* To the kernel log only (request journal: shows up in dmesg between snapshots). */
void ag_klog(struct agent *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ag_fatal(struct agent *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
void ag_power_off(struct agent *a) __attribute__((noreturn));

/* kmsg.c: kernel log records since the previous call, "[sec.usec] msg" lines. */
int ag_kmsg_read(struct agent *a, struct strbuf *out);

/* uevent.c */
int ag_uevent_open(void);
struct ag_uevent {
	const char *action, *devpath, *subsystem;
};
/* Receives one message without blocking: 1 = *ev filled (points into buf), 0 = none. */
int ag_uevent_recv(int fd, char *buf, size_t len, struct ag_uevent *ev);
/* Reads every pending uevent (noting memory block events in the journal). */
void ag_uevent_drain(int fd);
/* The memory block event journal: every add/remove/online/offline of a memoryN device the
 * agent read, in kernel order (SEQNUM), with its read time; `events` returns and clears it. */
int v_events(struct agent *a, int argc, char **argv, struct strbuf *out);
/* v_pageowner.c: pages allocated on given paths, from page_owner. */
int v_page_owner(struct agent *a, int argc, char **argv, struct strbuf *out);
/* v_timer.c: proves that timer interrupts arrive (revives a restored guest's). */
int v_timer(struct agent *a, int argc, char **argv, struct strbuf *out);
/* v_probe.c: the physical placement probe module. */
int v_probe(struct agent *a, int argc, char **argv, struct strbuf *out);
int v_frames(struct agent *a, int argc, char **argv, struct strbuf *out);
/* Loads /lib/hpt/hpt_probe.ko unless loaded; 0 or -errno with why in out. */
int ag_load_probe(struct strbuf *out);

/* child.c: the agent's children. */
/* Starts a child process that runs fn(wfd, arg) with wfd the write end of a fresh pipe
 * (close-on-exec; the read end is closed in the child); fn must not return (it _exits).
 * The parent gets the read end in *rfd. Returns the child's pid, or -errno with nothing
 * left open (git's start_command()). */
pid_t ag_spawn(int *rfd, void (*fn)(int wfd, void *arg), void *arg);
/* Runs fn(arg, out) in a forked child, sending beats while it runs; returns its -errno
 * result and appends what it wrote to out. */
typedef int (*ag_child_fn)(void *arg, struct strbuf *out);
int ag_run_child(struct agent *a, ag_child_fn fn, void *arg, struct strbuf *out);

/* util.c */
uint64_t ag_now_ms(void);
int ag_read_str(const char *path, char *buf, size_t len);	/* trims trailing '\n' */
int ag_write_str(const char *path, const char *s);
int ag_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* "state" of memoryN: online|offline|going-offline, or "absent". */
const char *ag_block_state(uint64_t idx, char *buf, size_t len);
int ag_meminfo_kb(const char *key, uint64_t *kb);

#endif
