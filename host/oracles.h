/* Pure decision functions of the oracles, shared by their run() and unit tests. */
#ifndef HPT_ORACLES_H
#define HPT_ORACLES_H
#include <stdint.h>
#include "hpt.h"
#include "json.h"
#include "model.h"

/* --- placement ------------------------------------------------------------------- */
struct placement_obs {
	enum placement p;
	int64_t present_delta, managed_delta;	/* pages, summed over zones */
	int64_t memmap_pages;			/* present_delta - managed_delta */
	int64_t memtotal_delta_kb;
	uint64_t leading_reserved;	/* pfns from the start that look like vmemmap */
	uint64_t first_flags, next_flags;	/* flags of pfn and of pfn+leading */
	int have_kpage;
	char why[256];
};
void placement_observe(const struct snapshot *before, const struct snapshot *after,
		       uint64_t pfn, uint64_t npages, struct placement_obs *o);
/* PASS/FAIL/SKIP of expected vs observed, summary filled. */
enum verdict placement_judge(enum placement expected, const char *expected_why,
			     const struct placement_obs *o, char *summary, size_t n);
void placement_evidence(struct json *j, const struct placement_pred *pred, int overridden,
			const struct placement_obs *o);

/* The placement probe's report (guest/probe/hpt_probe.c). */
struct probe_result {
	uint64_t memmap_pages, inside, outside, unmapped;
	char level[4];		/* mapping of the first memmap page: 4K/2M/1G */
	uint64_t first_backing_pfn;
	int unsupported;	/* the probe cannot walk page tables on this arch */
};
/* Parses a probe report; -EPROTO if it lacks its summary. */
int probe_parse(const char *text, struct probe_result *pr);
/* on-block if every memmap page is backed inside the range, elsewhere if none is,
 * unknown otherwise (mixed, unmapped, unsupported). */
enum placement probe_placement(const struct probe_result *pr);

/* --- PageVmemmap ----------------------------------------------------------------- */
/* Checks that every pfn of [pfn, pfn+n) reads RESERVED and none of BUDDY, LRU, SLAB,
 * PGTABLE, NOPAGE in s. Returns the number of bad pfns (0 = fine); first_bad and its
 * flags describe the first. */
uint64_t vmemmap_bad_pfns(const struct snapshot *s, uint64_t pfn, uint64_t n,
			  uint64_t *first_bad, uint64_t *bad_flags);

/* --- no-leak / teardown ---------------------------------------------------------- */
struct noleak_cfg {
	uint64_t memfree_tolerance_kb;
	unsigned lineno;
	const int *planned;	/* device indexes in the order `teardown` planned, or NULL */
	int n_planned;		/* 0: devices must leave in reverse order of plugging */
	const char *order_rule;	/* "forward", "random seed=N", … */
	int image;		/* an image guest: its own processes allocate meanwhile */
};
/* Compares final with base and checks the teardown order in the journal; adds one check
 * per property to res. */
void noleak_eval(const struct snapshot *base, const struct snapshot *final,
		 const struct hpt_dev *devs, int n_devs, const struct jentry *journal,
		 int n_journal, const struct noleak_cfg *cfg, struct results *res);

/* --- trend ---------------------------------------------------------------------- */
struct trend {
	double slope, se, intercept;	/* least squares of y over the cycle number */
	double min, max;
	size_t n;
};
struct trend_metric {
	const char *name, *unit;
	int leak_sign;		/* +1: growth is a leak; -1: shrinking is */
	int exact;		/* must not move at all */
};
extern const struct trend_metric trend_metrics[];	/* NULL-terminated */
/* Fits y[0..n) against 0..n-1; -1 if n < 3. */
int trend_fit(const double *y, size_t n, struct trend *t);
/* FAIL if an exact metric moved, or the slope in the leaking direction exceeds both
 * max_slope and 3 standard errors. */
enum verdict trend_judge(const struct trend *t, const struct trend_metric *m,
			 double max_slope, char *why, size_t n);

/* --- virtio-mem ------------------------------------------------------------------ */
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

/* --- no-leak: the subsystems of the busy-guest workloads (noleak_mm.c) ----------- */
enum { MM_ZRAM = 1, MM_ZSMALLOC = 2, MM_ZSWAP = 4, MM_SWAP = 8, MM_PINS = 16, MM_THP = 32 };
/* Which of them snapshot s shows in use, against base for counters that only grow. */
unsigned noleak_mm_used(const struct snapshot *base, const struct snapshot *s);
/* One check for each subsystem in `used`: zram devices (reset, hot-added ones gone),
 * nr_zspages, zswap stored pages and pool size, swap total and use, long-term pins held
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
 * skip: and other lines into j; their counts, the first fail: (else skip:) line and a
 * summary of the first keys. */
void workload_evidence(struct json *j, const char *text, int *fails, int *skips,
		       char *first, size_t firstlen, char *summary, size_t slen);

#endif
