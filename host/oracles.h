/* Pure decision functions of the oracles, shared by their run() and unit tests. */
#ifndef HPT_ORACLES_H
#define HPT_ORACLES_H
#include <stdint.h>
#include "hpt.h"
#include "json.h"
#include "model.h"

/* --- placement (placement.c, probe.c) --------------------------------------------- */
struct placement_obs {
	enum placement p;
	uint64_t npages;			/* pages of the range */
	int64_t present_delta, managed_delta;	/* pages, summed over zones */
	int64_t memmap_pages;			/* present_delta - managed_delta */
	int64_t memtotal_delta_kb;
	int have_memtotal;
	uint64_t leading_reserved;	/* pfns leading the range's blocks that look like vmemmap */
	uint64_t blocks_led;		/* blocks led by at least one of them */
	uint64_t first_flags, next_flags;	/* flags of pfn and of pfn+leading */
	int have_kpage;
	char why[256];
};
/* vmemmap_kpf: the kpageflags bits of which a self-hosted vmemmap pfn carries at least
 * one (the model's placement_pred.vmemmap_kpf); the vmemmap pfns are counted at the start
 * of every block_pages block of the range (each block hosts its own memmap since 6.8;
 * 0 = the range is one block). */
void placement_observe(const struct snapshot *before, const struct snapshot *after,
		       uint64_t pfn, uint64_t npages, uint64_t block_pages, uint64_t vmemmap_kpf,
		       struct placement_obs *o);

/* The placement probe's report (guest/probe/hpt_probe.c). */
struct probe_result {
	uint64_t memmap_pages, inside, outside, unmapped;
	uint64_t memmap_bytes;	/* the memmap's span: range pages x sizeof(struct page) */
	char level[4];		/* mapping of the first memmap page: 4K/2M/1G */
	uint64_t first_backing_pfn;
	int unsupported;	/* the probe cannot walk page tables on this arch */
};
/* Parses a probe report; -EPROTO if it lacks its summary. */
int probe_parse(const char *text, struct probe_result *pr);
/* on-block if every memmap page is backed inside the range, elsewhere if none is,
 * unknown otherwise (mixed, unmapped, unsupported). */
enum placement probe_placement(const struct probe_result *pr);

/* What the probe gave for a placement: proof, or why there is none. */
enum probe_state {
	PROBE_OK,	/* it answered: pr holds the proof */
	PROBE_OFF,	/* the user asked for inference (--no-probe) */
	PROBE_ABSENT,	/* no probe module for this kernel in the guest */
	PROBE_FAILED,	/* it is there but could not load or answer (err says why) */
	PROBE__COUNT
};
extern const char *const probe_state_names[PROBE__COUNT];
struct placement_proof {
	enum probe_state state;
	struct probe_result pr;
	char err[256];
};
/* Proof or FAIL. ERROR when the probe is absent (the summary says how to get it, or
 * --no-probe) or could not answer; FAIL when the observation is inconsistent, the probe
 * finds a mixed or partly unmapped memmap, the probe and accounting disagree, the counts
 * disagree (the model's memmap pages, present - managed, the leading vmemmap pfns, the
 * probe's memmap pages and inside count, MemTotal vs managed and vs the device less its
 * memmap), or the expectation differs from what was observed; SKIP without an
 * expectation; PASS otherwise, "[proven …]" or, with PROBE_OFF, "[inferred …]". */
enum verdict placement_decide(enum placement expected, const char *expected_why,
			      const struct placement_pred *pred, const struct placement_obs *o,
			      const struct placement_proof *pf, uint64_t page_size,
			      char *summary, size_t n);
void placement_evidence(struct json *j, const struct placement_pred *pred, int overridden,
			const struct placement_obs *o, const struct placement_proof *pf);
struct run;
struct hpt_dev;
/* Placement of d observed from its pre-online and online snapshots (oracle_placement.c;
 * the vmemmap oracle uses it too). 0, or -1 with err. */
int placement_of(struct run *r, const struct hpt_dev *d, struct placement_obs *o,
		 struct placement_pred *pred, char *err, size_t errlen);

/* --- PageVmemmap ----------------------------------------------------------------- */
/* Checks that every pfn of [pfn, pfn+n) reads one of vmemmap_kpf (the model's: RESERVED
 * on 6.1) and none of BUDDY, LRU, SLAB, PGTABLE, NOPAGE in s. Returns the number of bad
 * pfns (0 = fine); first_bad and its flags describe the first. */
uint64_t vmemmap_bad_pfns(const struct snapshot *s, uint64_t pfn, uint64_t n,
			  uint64_t vmemmap_kpf, uint64_t *first_bad, uint64_t *bad_flags);
/* The memory pressure (MiB) `expect vmemmap` applies to [base, base+size) online in s,
 * and what it covers (into why). Anonymous memory comes from the local node's highest
 * populated zone first, down to its low watermark, before a lower zone is touched: with
 * one node and every block of the device online in that zone, the zone's free pages
 * (per-cpu lists included) and a quarter more take all of the device's free pages. Else,
 * or when that is more, 70% of MemAvailable. 0 when s has no MemAvailable. *by_zone (if
 * not NULL): 1 when sized by the zone. */
uint64_t vmemmap_pressure_mib(const struct snapshot *s, uint64_t base, uint64_t size,
			      char *why, size_t whylen, int *by_zone);
/* The pages zone gave between snapshots before and after (vmstat's pgalloc_<zone>): 0 and
 * *pages, or -1 (no zone, a counter missing, or it went back). `expect vmemmap` is an
 * ERROR when the pressure sized by the zone (*by_zone) took fewer than the zone had free:
 * it never reached the device. */
int vmemmap_zone_allocated(const struct snapshot *before, const struct snapshot *after,
			   const char *zone, uint64_t *pages);
/* 1 when a pressure sized by the zone (by_zone) took fewer pages from it (zone_alloc; -1
 * not known) than it had free (zone_free): `expect vmemmap` is then an ERROR. */
int vmemmap_pressure_missed(int by_zone, int64_t zone_alloc, uint64_t zone_free);

/* --- no-leak / teardown ---------------------------------------------------------- */
struct noleak_cfg {
	uint64_t memfree_tolerance_kb;	/* 0: calibrated from the noise samples */
	const struct snapshot *const *noise;	/* more samples of the final state */
	size_t n_noise;
	int stacks_in_vmalloc;		/* CONFIG_VMAP_STACK: 1 yes, 0 no, -1 not known */
	int system_guest;		/* a distro system (image guest): NOLEAK_FLOOR_SYSTEM_KB */
	unsigned lineno;
	const int *planned;	/* device indexes in the order `teardown` planned, or NULL */
	int n_planned;		/* 0: devices must leave in reverse order of plugging */
	const char *order_rule;	/* "forward", "random seed=N", … */
};
/* The check "teardown order" over the journal (teardown_order.c). */
void teardown_order_check(const struct hpt_dev *devs, int n_devs, const struct jentry *jr,
			  int n, const struct noleak_cfg *cfg, struct results *res);
/* Compares final with base and checks the teardown order in the journal; adds one check
 * per property to res. */
void noleak_eval(const struct snapshot *base, const struct snapshot *final,
		 const struct hpt_dev *devs, int n_devs, const struct jentry *journal,
		 int n_journal, const struct noleak_cfg *cfg, struct results *res);

/* --- no-leak memmap frames (memmap_frames.c) ----------------------------------------- */
/* Frames FPFN..FPFN+N-1 outside device dev backed its memmap at VA.. while it was plugged
 * (as its plug_order-th plug). */
struct frame_run {
	int dev;
	unsigned plug;
	uint64_t pfn, n, va;
};
#define FRAMES_SHOWN 8
/* What the probe found of recorded frames after teardown (guest/probe/hpt_probe.c). */
struct frames_tally {
	uint64_t frames, freed, held, inuse, stale, free_now, gone;
	uint64_t shown_pfn[FRAMES_SHOWN], shown_flags[FRAMES_SHOWN];
	int shown_ref[FRAMES_SHOWN], n_shown;
};
/* Appends the "frame FPFN N VA" runs of a `frames mark` report to *runs (growing it);
 * -EPROTO without its summary line. */
int frames_parse_mark(const char *text, int dev, unsigned plug, struct frame_run **runs,
		      size_t *n, size_t *alloc);
/* Adds up the "check …" and "held …" lines of `frames check` reports; -EPROTO if none. */
int frames_parse_check(const char *text, struct frames_tally *t);
/* FAIL if a recorded frame was never freed (held) or still maps memmap of memory that is
 * gone (stale); PASS otherwise. devs names the removed devices. */
enum verdict frames_judge(const struct frames_tally *t, const char *devs, char *why,
			  size_t n);
/* After d is plugged: has the probe mark and report its memmap frames, into r->frames
 * (nothing with --no-probe; a failure is kept for frames_noleak()). */
void frames_record(struct run *r, const struct hpt_dev *d);
/* The check `no-leak memmap frames` over the removed devices' recorded frames. */
void frames_noleak(struct run *r, unsigned lineno);

/* --- trend (trend.c, oracle_trend.c) ------------------------------------------------ */
/* Noise model: y_i = a + b*i + e_i, the e_i independent draws of one continuous
 * distribution of any shape (blips and heavy tails allowed), no drift but b. */
struct trend {
	double slope;		/* Theil–Sen: the median of all pairwise slopes */
	double lo, hi;		/* Sen's 99.9% confidence interval of the slope */
	double intercept;	/* median of y - slope * i */
	double noise;		/* 1.4826 x the median absolute residual: one sample's sigma */
	double min, max;
	size_t n;
};
struct trend_metric {
	const char *name, *unit;
	int leak_sign;		/* +1: growth is a leak; -1: shrinking is */
	int exact;		/* must not move at all */
};
extern const struct trend_metric trend_metrics[];	/* NULL-terminated */
/* Fits y[0..n) against 0..n-1; -1 if n < 3 (or no memory). */
int trend_fit(const double *y, size_t n, struct trend *t);
/* FAIL if an exact metric moved, or if the whole confidence interval of the slope lies
 * beyond max_slope in the leaking direction (a leak beyond noise); why says how much per
 * cycle with the interval and the noise. */
enum verdict trend_judge(const struct trend *t, const struct trend_metric *m,
			 double max_slope, char *why, size_t n);
/* A metric's value in s (kB or pages, as its unit says); -1 if s lacks it. */
int trend_sample(const struct snapshot *s, const char *metric, int stacks_in_vmalloc,
		 double *v);

/* --- virtio-mem (vmem_view.c) ----------------------------------------------------- */
/* The guest's view of a virtio-mem region [base, base+size) in `now`, relative to `base`. */
struct vmem_obs {
	uint64_t region, size, block_size, page_size;
	uint64_t iomem_bytes;		/* "System RAM (virtio_mem)" ranges in the region */
	uint64_t iomem_base;		/* the same in the base snapshot */
	uint32_t present, online;	/* memory blocks of the region */
	char zones[48];			/* zones of its online blocks, "Movable" */
	const char *ram;		/* the iomem resource counted: "System RAM (virtio_mem)" */
	const char *who;		/* whose plugged size is judged: "host" (default) */
	int64_t memtotal_delta_kb;
	int64_t managed_delta_pages, present_delta_pages;	/* summed over zones */
};
void vmem_observe(const struct snapshot *base, const struct snapshot *now, uint64_t region,
		  uint64_t size, uint64_t page_size, struct vmem_obs *o);
/* The guest physical base of d's region: the n-th top-level "virtioN" range of d's size
 * in s's /proc/iomem for the n-th virtio-mem device of that size. 0 or -ENOENT. */
int vmem_find_region(const struct snapshot *s, const struct hpt_dev *devs, int n_devs,
		     const struct hpt_dev *d, uint64_t *base);
/* PASS if the guest's view agrees with the host's plugged size (and base_plugged at
 * `base`): every plugged byte is in a "System RAM (virtio_mem)" range of whole memory
 * blocks (sub-block plugging leaves at most the unplugged rest of those blocks), every
 * block online, and zone managed pages and MemTotal grew by exactly the plugged delta
 * minus memmap_on_device (0: the memmap lives elsewhere), zone present pages by the added
 * blocks. FAIL otherwise, why says which. */
/* The same for hot-added System RAM ranges named iomem_name ("System RAM (kmem)"). */
void ram_observe(const struct snapshot *base, const struct snapshot *now, uint64_t region,
		 uint64_t size, uint64_t page_size, const char *iomem_name, struct vmem_obs *o);
enum verdict vmem_judge(const struct vmem_obs *o, uint64_t plugged, uint64_t base_plugged,
			uint64_t memmap_on_device, char *why, size_t n);
/* virtio-mem memslots: QEMU's answer to qom-get of the device's dynamic-memslots (the QMP
 * reply text, NULL when there was none) against the declaration (1 = memslots=dynamic).
 * PASS when they agree, FAIL when QEMU runs the device otherwise, ERROR for no answer or
 * one that is neither true nor false; why says which. */
enum verdict vmem_memslots_judge(int dynamic, const char *reply, char *why, size_t n);
void vmem_evidence(struct json *j, const struct vmem_obs *o, uint64_t requested,
		   uint64_t plugged, uint64_t base_plugged, const struct placement_pred *pred);

/* --- offline outcome (the offline step) ------------------------------------------ */
/* ok; EBUSY (isolation or migration refused, the kernel gave up); timeout (the kernel
 * kept retrying until the agent's signal ended it: "signal backoff"); error (another
 * errno, the agent's child died, or a kernel problem was logged meanwhile). */
enum offline_outcome { OFF_OK, OFF_EBUSY, OFF_TIMEOUT, OFF_ERROR, OFF__COUNT };
extern const char *const offline_outcome_names[OFF__COUNT];	/* ok ebusy timeout error */
int offline_outcome_find(const char *name);	/* index, or -1 */
struct offline_obs {
	enum offline_outcome outcome;
	int err;			/* errno of the first block that failed */
	uint32_t block;			/* that block */
	uint32_t blocks, ok_blocks;	/* blocks in the reply, those offlined */
	uint64_t ms;			/* time in the kernel, summed over blocks */
	char reason[96];		/* pr_debug "memory offlining … failed due to REASON" */
	char range[48];			/* its physical range */
	uint64_t migrate_failed;	/* "migrating pfn … failed" lines (rate-limited) */
	uint64_t isolate_failed;	/* "failed to isolate pfn" lines */
	char first_pfn[24];		/* pfn of the first of those */
	char dumped[64];		/* first "page dumped because: WHY" */
	char page[160];			/* that dump's "page:… refcount:… pfn:…" line */
	char flags[128];		/* and its "flags: 0x…(lru|…|node=N|zone=Z)" */
	char kernel_error[160];		/* a kernel problem logged meanwhile (kernlog_find) */
	char agent_msg[160];		/* the agent's first line when it gave no block lines */
};
/* Classifies an offline from the agent's reply to `offline` (rc 0 = OK, 1 = refused) and
 * the kernel log written meanwhile. */
void offline_classify(int rc, const char *reply, const char *dmesg, struct offline_obs *o);
/* A success whose reply does not list exactly n blocks becomes an error (it proves
 * nothing about the blocks it left out). */
void offline_expect_blocks(struct offline_obs *o, uint32_t n);
/* PASS/FAIL against the scenario's expect= (an outcome index, or -1 for a plain offline,
 * which must succeed). A surprise success fails too. */
enum verdict offline_judge(int expected, const struct offline_obs *o, char *summary, size_t n);
/* The observation and, when both snapshots are given, the counters that changed (vmstat:
 * pgmigrate_*, compact_*, thp_*, nr_zspages, nr_foll_pin_*; the mm file: zram, zswap).
 * extra: the JSON object of `pinned-by=` (what decided the expectation), or NULL. */
void offline_evidence(struct json *j, const struct offline_obs *o, int expected,
		      const char *extra, const struct snapshot *before,
		      const struct snapshot *after);

/* Where a workload's long-term pinned pages lie, from its report's
 * "pinned.blocks=BLOCK:PAGES,…" line (guest/w_pins.c): the pages on memory blocks
 * [first, first + count) into *on, all of them into *total. 0, -ENOENT without such a
 * line, -EINVAL if it is garbled. */
int pins_on_blocks(const char *report, uint32_t first, uint32_t count, uint64_t *on,
		   uint64_t *total);

/* --- no-leak MemFree (noleak_free.c) ------------------------------------------------ */
/* The tolerance's floor: unaccounted memory moved by -40..+88 kB between baseline and
 * final in recorded correct 6.1 runs (tests/fixtures); a 128 MiB block's memmap is 2 MiB. */
#define NOLEAK_FLOOR_KB 256
/* ... and at least this many pages: what is in flight between two quiet states comes in
 * whole pages (a per-cpu list refilled, page tables waiting for RCU). Seven runs of
 * dimm-cycles on ppc64le 6.1 (64 KiB pages), the same restored guest, read 128 to 320 kB
 * (2 to 5 pages) while each run's final samples agreed within one page
 * (tests/fixtures/ppc64le-deb6.1-64k-noleak-pages). A 256 MiB LMB's memmap is 4 such
 * pages: there no-leak memmap frames and nr_memmap_pages catch it, not MemFree. */
#define NOLEAK_FLOOR_PAGES 8
/* In a distro system (an image guest: systemd, journald, udev) unaccounted memory drifts
 * by itself over the minute between baseline and final: +1592 and -1648 kB in two runs of
 * virtio-mem-grow-shrink on a trixie image (tests/fixtures/x86_64-deb6.12-image-drift-*),
 * while the final state's samples agreed within 60 kB. Its floor is 4 MiB: a leaked block
 * memmap there is caught by no-leak memmap frames and nr_memmap_pages instead. */
#define NOLEAK_FLOOR_SYSTEM_KB 4096
/* MemTotal - (MemFree + per-cpu lists) - the meminfo users (page cache, anon, slab, page
 * tables, per-cpu, vmalloc, hugetlb, zsmalloc, kernel stacks unless stacks_in_vmalloc):
 * memory nothing accounts for, in kB. -1 if s lacks MemTotal/MemFree/page_size. */
int noleak_unaccounted_kb(const struct snapshot *s, int stacks_in_vmalloc, int64_t *kb);
/* FAIL if unaccounted memory grew from b to f by more than the tolerance: cfg's, or
 * max(4 x noise, the floor, NOLEAK_FLOOR_PAGES pages) where the floor is NOLEAK_FLOOR_KB,
 * or NOLEAK_FLOOR_SYSTEM_KB for a system guest, and noise is the spread of unaccounted memory
 * over f and cfg->noise[] (the same quiet state sampled again). The evidence has the
 * noise, the tolerance and every user's delta. */
void noleak_free_eval(const struct snapshot *b, const struct snapshot *f,
		      const struct noleak_cfg *cfg, struct results *res);

/* --- no-leak memmap (noleak_memmap.c) ---------------------------------------------- */
/* nr_memmap_pages at a snapshot taken while dev (and what else the run had plugged then)
 * was plugged, and the model's growth over the baseline for all of them. */
struct memmap_sample {
	const char *dev, *snap_name;
	const struct snapshot *s;
	uint64_t want;
	int modelled;		/* 0: a device the counter model does not cover was plugged */
	char why[160];		/* what want is made of, or why not modelled */
};
/* Nothing on a kernel without nr_memmap_pages (before 6.11); else FAIL when a modelled
 * sample grew by other than its want, or final differs from base; PASS otherwise. */
void noleak_memmap_eval(const struct snapshot *base, const struct snapshot *final,
			const struct memmap_sample *smp, size_t n, const struct noleak_cfg *cfg,
			struct results *res);

/* --- no-leak: the subsystems of the busy-guest workloads (noleak_mm.c) ----------- */
enum { MM_ZRAM = 1, MM_ZSMALLOC = 2, MM_ZSWAP = 4, MM_SWAP = 8, MM_PINS = 16, MM_THP = 32 };
/* Which of them snapshot s shows in use, against base for counters that only grow. */
unsigned noleak_mm_used(const struct snapshot *base, const struct snapshot *s);
/* One check for each subsystem in `used`: zram devices (reset, hot-added ones gone),
 * nr_zspages, zswap stored pages and pool size (debugfs counters, else /proc/meminfo's
 * Zswapped/Zswap; ERROR if neither is in both), swap total and use, long-term pins held
 * (acquired - released), anonymous THPs: all back to base in final. */
void noleak_mm_eval(const struct snapshot *base, const struct snapshot *final, unsigned used,
		    const struct noleak_cfg *cfg, struct results *res);

/* --- pmem altmap (altmap.c) ------------------------------------------------------ */
/* Bytes a namespace of raw size `raw` at `start` reserves (info block, memmap with
 * map=dev, alignment, end truncation); *memmap = the struct page part. */
uint64_t altmap_expected(uint64_t start, uint64_t raw, uint64_t align, uint64_t page,
			 int map_dev, uint64_t *memmap);
/* PASS if raw - usable is exactly the expected reservation; FAIL names both. */
enum verdict altmap_judge(uint64_t start, uint64_t raw, uint64_t usable, uint64_t align,
			  uint64_t page, int map_dev, char *why, size_t n);

/* --- kernel log ------------------------------------------------------------------ */
/* Finds the first line of text that shows a kernel problem. Returns its offset or -1;
 * *pattern names what matched. */
long kernlog_find(const char *text, const char **pattern);

/* --- guest replies read by steps (pure; tests/fuzz/ drives them) --------------- */
/* The stdout of a `tool` reply "exit 0\n--- stdout\n…\n--- stderr\n…" (malloc'd), or
 * NULL if the tool failed or the reply is not of that form (step_dax.c). */
char *dax_tool_stdout(const char *reply);
/* What `dax create` reads of ndctl create-namespace's JSON. */
struct dax_ns_info {
	char dev[32], chardev[32];	/* "namespace0.0", "dax0.0" */
	uint64_t usable;		/* "size" */
	int ok;				/* devdax with the map asked for, both names given */
};
/* Reads ns from the JSON; 0, or -EINVAL with err if it is not JSON. */
int dax_ndctl_ns(const char *json, const char *map, struct dax_ns_info *ns, char *err,
		 size_t errlen);
/* daxctl reconfigure-device's JSON: 1 if it reports mode `mode`; its "online_memblocks"
 * in *online when *has_online. */
int dax_daxctl_mode(const char *json, const char *mode, int *has_online,
		    unsigned long *online);
/* The evidence of a workload reply (step_workload.c): its key=value report, fail:,
 * skip:, lost: and other lines into j; their counts, the first fail: (else skip:) line,
 * the first lost: line and a summary of the first keys. */
struct wl_evidence {
	int fails, skips, losts;
	char first[300], first_lost[300], summary[400];
};
void workload_evidence(struct json *j, const char *text, struct wl_evidence *e);

/* --- default online (oracle_default_online.c) --------------------------------------- */
/* The auto_online_blocks a kernel booted with (booted, "absent" without memory hotplug)
 * against what config or the command line's memhp_default_state= selects: PASS, FAIL, or
 * SKIP when there is no expectation; want gets the expected value, msg the sentence. */
enum verdict default_online_judge(const char *config, const char *cmdline, const char *booted,
				  char *want, size_t wn, char *msg, size_t n);

#endif
