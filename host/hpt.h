/* Core types of the host controller: a run of one scenario on one arch. */
#ifndef HPT_HOST_H
#define HPT_HOST_H
#include <stdint.h>
#include <limits.h>
#include "scenario.h"
#include "snapshot.h"
#include "result.h"
#include "chan.h"
#include "gclock.h"
#include "clock.h"

struct arch;
struct devkind;
struct virt;
struct frame_run;

#define HPT_DEVS_MAX 32
#define HPT_SNAPS_MAX 512
#define HPT_JOURNAL_MAX 4096
#define HPT_GUEST_BYTES_MAX (1u << 30)	/* snapshot bytes a run keeps from the guest */
#define HPT_WL_MAX 8			/* workloads whose latest report a run keeps */

enum dev_state { DEV_PLUGGED, DEV_ONLINE, DEV_OFFLINE, DEV_REMOVED };

/* The private state of the device kinds that keep some (hpt_dev.u, one member each). */
struct vmem_state {		/* dev_virtio_mem.c */
	uint64_t block;		/* device block size, bytes */
	uint64_t requested;	/* requested size, bytes */
	uint64_t plugged;	/* plugged size as the host (QEMU/libvirt) last said */
	const char *plugged_from;	/* who said it: "qmp" (QEMU's size property) or
					 * "libvirt" (<current>, up to a second behind) */
	uint64_t base_plugged;	/* plugged size when the region was first read */
	int dynamic_memslots;	/* memslots=dynamic: QEMU maps the region in memslots as
				 * it plugs (QEMU 8.2, libvirt 10.1) */
};
#define NVDIMM_NS_MAX 8
struct nvdimm_ns {		/* a namespace `dax create` made */
	char name[32], dev[32], chardev[32];
	uint64_t start, raw, usable, align, eff_align;
	int map_dev, kmem;
};
struct nvdimm_state {		/* dev_nvdimm.c */
	uint64_t pmem;		/* size=: what the guest sees, the namespace size */
	uint64_t label;		/* label area, bytes (the backing file is pmem + label) */
	int labels_done;	/* the label area was initialised in the guest */
	int n_tool_runs;	/* ndctl/daxctl runs, numbering their output files */
	struct nvdimm_ns ns[NVDIMM_NS_MAX];
	int n_ns;
};

/* A memory device the scenario plugged, named by the scenario ("d0"). */
struct hpt_dev {
	char name[32];
	const struct devkind *kind;
	char alias[48];		/* libvirt user alias, "ua-<name>" */
	uint64_t size, base;	/* bytes; base read back from the live domain XML */
	uint64_t node;
	uint32_t first_block, n_blocks;
	enum dev_state state;
	char zone[16];		/* zone the blocks were onlined into */
	int plug_order;		/* 1, 2, 3… */
	int unplug_order;	/* 0 until removed */
	uint64_t vmemmap_pages;	/* memmap pages found on the device (0 = elsewhere) */
	uint64_t vmemmap_block;	/* pages per block each led by its share of them (6.8+:
				 * every block hosts its own memmap); 0 = they lead the range */
	int kernel_onlined;	/* the guest kernel onlined it when it arrived (pseries) */
	int vmemmap_watch;	/* expect vmemmap ran: offline must succeed with them */
	uint64_t vmemmap_kpf;	/* the model's kpageflags bits of those pages */
	uint64_t unplug_timeout_ms;	/* `unplug … timeout=S`; 0 = the kind's default */
	unsigned lineno;	/* the scenario line that declared or plugged it */
	union {			/* the kind's own state (its declaration options parse here) */
		struct vmem_state vmem;
		struct nvdimm_state nvdimm;
	} u;
};

/* Boot parameters (the `boot` step; defaults from the arch back-end). */
struct boot_cfg {
	uint64_t memory, maxmem;	/* bytes */
	uint64_t slots, cpus;
	char cmdline[1024];		/* appended to the arch's base command line */
	uint64_t timeout_ms;		/* boot deadline: domain start to agent hello */
	uint64_t nodes;			/* NUMA nodes (memory split evenly, CPUs on node 0);
					 * 0 = one */
	uint64_t disk;			/* bytes of the scratch virtio disk (serial
					 * hpt-scratch, a sparse file in the run dir); 0 = none */
};

/* What the guest told us about itself (agent `info`). */
struct guest_info {
	char kernel[96];
	uint64_t block_size, page_size;
	char memmap_on_memory[8];	/* "Y", "N" or "absent" */
	char cmdline[1024];
	int major, minor;		/* parsed from kernel */
	/* an image guest (run --image): the agent is a service of the image's init, and the
	 * system's own policy for hot-added memory stays in force */
	int service;			/* agent=service */
	char auto_online[32];		/* the kernel's auto_online_blocks as the system set it */
	char udev_online[160];		/* the udev rule that onlines memory, "" = none */
	int self_online;		/* so the system onlines hot-added memory by itself */
	int crng_not_ready;		/* crng=not-ready at the hello: the host seeds it */
};

/* A named snapshot kept for later comparison. */
struct named_snap {
	char name[32];
	struct snapshot snap;
};

/* A workload's latest report ("key=value" lines, guest/wl.h), kept for steps that
 * derive what they expect from it (offline pinned-by=). */
struct wl_report {
	char name[16];
	char *text;
};

/* The order of things as the host saw them, for the teardown oracle. */
enum jkind { J_PLUG, J_ONLINE, J_OFFLINE, J_UNPLUG_REQ, J_UNPLUGGED, J_BLOCK_GONE };
struct jentry {
	enum jkind kind;
	int dev;		/* index into devs */
	uint32_t block;		/* J_BLOCK_GONE, J_OFFLINE */
	int online_at_unplug;	/* J_UNPLUG_REQ: blocks still online when detach was asked */
	uint64_t t_ms;		/* since run start */
};

enum phase { PHASE_BOOT, PHASE_PLUG, PHASE_ONLINE, PHASE_VERIFY, PHASE_TEARDOWN, PHASE__COUNT };
extern const char *const phase_names[PHASE__COUNT];

struct kernel_list;
struct kernel_sel;

/* How the run's guest started (restore.c): restored from a guest saved at its agent's
 * hello, or booted (then why not restored). */
struct restore_info {
	int save;			/* boot, then save the guest for later runs */
	int used;			/* the guest was restored, not booted */
	int saved;			/* this run made the image */
	uint64_t save_ms, restore_ms;
	int timer_revived;		/* CPUs of the restored guest whose timer was dead
					 * until the agent raised an interrupt (v_timer.c) */
	int64_t timer_ms;		/* the slowest CPU's first 1 ms timer; -1 = not asked */
	char image[80];			/* file name in the cache (.cache/saved/) */
	char uuid[40];			/* the domain's, derived from the key (same for
					 * every run that saves the same guest) */
	char note[320];			/* why the guest was booted, or what went wrong */
};

struct run_opts {
	const char *out;		/* --out: run dir (single job) or parent (several) */
	const char *connect;		/* --connect URI; NULL = embedded */
	const char *accel;		/* tcg|kvm|auto */
	const struct kernel_list *kernels;	/* --kernel/--modules (kernels.h); NULL = none */
	const char *initrd;		/* --initrd: boot this initramfs */
	int debug_kernel;		/* --debug-kernel: build/<arch>-debug (make debug-kernel) */
	const char *image;		/* --image: debian:SUITE or a qcow2 (image.h) */
	uint64_t console_max;		/* --console-max: console.log bytes before a flood fault */
	int no_restore;			/* --no-restore: always boot (restore.c) */
	int keep;			/* keep the domain running on failure (debug) */
	int verbose;
	int no_probe;			/* --no-probe: placement inferred, memmap frames unknown */
	int strict;			/* --strict: any SKIP makes the exit status a failure */
};

/* One scenario on one arch. */
struct run {
	const struct scenario *scn;
	const struct arch *arch;
	const struct run_opts *opts;
	const struct kernel_sel *ksel;	/* the --kernel it boots (kernels.h); NULL = Debian's default */
	char kernel_package[160];	/* the package "NAME VERSION" it booted ("" = not a package) */
	char kernel_image[PATH_MAX];	/* the kernel image it booted ("" = not prepared yet) */
	uint64_t struct_page;		/* sizeof(struct page), measured by the probe (0: not yet) */
	struct virt *virt;
	char dir[PATH_MAX];		/* run dir */
	char vm_name[64];
	void *dom;			/* virDomainPtr */
	struct chan chan;
	int booted;
	struct boot_cfg boot;
	struct guest_info guest;
	struct gclock_obs gclock;	/* guest uptime vs host time (oracle_guest_clock.c) */
	struct hpt_dev devs[HPT_DEVS_MAX];
	int n_devs, n_plugged, n_unplugged;
	struct named_snap snaps[HPT_SNAPS_MAX];
	int n_snaps;
	struct jentry journal[HPT_JOURNAL_MAX];
	int n_journal;
	struct results res;
	uint64_t t0_ms;
	uint64_t phase_ms[PHASE__COUNT];
	unsigned iteration;		/* of the innermost repeat, 0 outside */
	int dbg_kmemleak;		/* debug kernel: kmemleak present (debugk.c) */
	long long dbg_page_owner_base;	/* hotplug-path pages at boot, -1 = no page_owner */
	long long dbg_page_owner_peak;	/* the most seen at a snapshot since */
	/* set by `teardown`: the order devices must leave in, and the rule that made it */
	int planned[HPT_DEVS_MAX], n_planned;
	char order_rule[48];
	const char *accel_used;
	/* set once the guest died, hung or spoke garbage (fault.c): "panic", "hang", …;
	 * nothing talks to the agent afterwards */
	const char *fault;
	uint64_t guest_bytes;		/* snapshot bytes kept from the guest (bounded) */
	struct wl_report wl[HPT_WL_MAX];
	int n_wl;
	struct restore_info restore;
	/* run --image (image.c): the qcow2 overlay the guest boots, the root= for its own
	 * kernel, and what was injected */
	char image_disk[PATH_MAX];
	char image_cmdline[160];
	char image_note[512];
	/* the memmap frames the probe marked at each plug (memmap_frames.c) */
	struct frame_run *frames;
	size_t n_frames, alloc_frames;
	int frames_missing;		/* plugs whose frames could not be recorded */
	char frames_err[320];		/* why, for the first of them */
	/* what the run does without (an optional module absent: modneeds.h); "" = nothing */
	char notes[512];
};

/* A deadline length for the guest: base (sized for TCG) times $HPT_TIMEOUT_SCALE. */
uint64_t run_timeout(const struct run *r, uint64_t base_ms);
void journal_add(struct run *r, enum jkind k, int dev, uint32_t block);
struct hpt_dev *run_dev(struct run *r, const char *name);
const struct snapshot *run_snap(const struct run *r, const char *name);
/* Keeps text as workload name's latest report (and writes it to
 * <dir>/workloads/<name>-<what>.report). */
void run_wl_report(struct run *r, const char *name, const char *what, const char *text);
/* Workload name's latest report, NULL if it gave none. */
const char *run_wl_last(const struct run *r, const char *name);
/* Frees what a run holds (snapshots, results, reports). */
void run_release(struct run *r);
/* Takes a snapshot through the agent (optionally with the kpage ranges of devs),
 * stores its files in <dir>/snapshots/<name>/ and keeps it under name. */
int run_snapshot(struct run *r, const char *name, int with_kpage, const struct snapshot **out);
/* The same with the page flags of `ranges` ("PFN+COUNT …", NULL = none) instead. */
int run_snapshot_ranges(struct run *r, const char *name, const char *ranges,
			const struct snapshot **out);

/* Logging to stderr (and the run's host.log when one is open). */
void hpt_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hpt_verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern int hpt_verbosity;

#endif
