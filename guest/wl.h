/*
 * Guest side of the busy-guest workloads (lib/workload.h names them and their options).
 * Each runs in its own process, started by `workload-start` and stopped by
 * `workload-stop` (v_workload.c); one file each (w_<name>.c, a `const struct workload`),
 * listed once in WORKLOADS() in v_workload.c.
 *
 * The process runs setup(), then round() until it is told to stop (SIGTERM), then
 * teardown(), which must undo everything setup() did (devices reset, knobs restored,
 * pins released). What setup() and teardown() write is the workload's report, one item
 * per line:
 *     key=value      evidence (counts, the kernel's counters, placement of pages)
 *     fail: TEXT     the kernel did something wrong (data read back wrong, a pin moved,
 *                    a pool not drained): the host makes it a FAIL
 *     skip: TEXT     a need is unmet (no io_uring, no scratch disk): the host SKIPs
 * A -EOPNOTSUPP from setup() is an unmet need too; other errors are the testbed's.
 */
#ifndef HPT_GUEST_WL_H
#define HPT_GUEST_WL_H
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include "agent.h"
#include "pattern.h"
#include "workload.h"

#define WL_SAVED_MAX 16

struct wl_ctx {
	const struct wl_def *def;
	uint64_t v[WL_OPTS_MAX];	/* option values, see wl_parse() */
	struct agent *a;
	long page;
	void *priv;			/* the workload's own state */
	uint64_t rounds;		/* completed rounds */
	uint64_t fails;			/* "fail:" lines so far */
	uint64_t losts;			/* "lost:" lines so far (wl_wrong) */
	struct strbuf *notes;		/* fail: and lost: lines, reported at the end */
	int fd;				/* to the agent (frames, see v_workload.c) */
	struct { char path[128], old[64]; } saved[WL_SAVED_MAX];
	int n_saved;
};

struct workload {
	const char *name;		/* as in lib/workload.c */
	int (*setup)(struct wl_ctx *c, struct strbuf *out);
	/* One round of work; -errno ends the rounds (the process then waits to be stopped). */
	int (*round)(struct wl_ctx *c);
	int (*teardown)(struct wl_ctx *c, struct strbuf *out);
};

/* Set by SIGTERM in a workload process: finish the round, then tear down. */
extern volatile sig_atomic_t wl_stopping;

/* Value of option key (must exist in the definition). */
uint64_t wl_opt(const struct wl_ctx *c, const char *key);
/* Records a "fail: …" line (kept to the first few; all are counted). */
void wl_fail(struct wl_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same as a "lost: …" line: a page that holds an older generation of itself whole, a
 * write that never reached it. The host makes it a FAIL, or a SKIP where the emulator is
 * known to lose such writes itself (host/caps.c, CAP_STORE_DIRTIES). */
void wl_lost(struct wl_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Tells the agent that `name` happened (`workload-wait`), with rc and a report; the
 * "fail:" lines recorded so far go with it (and stay for the final report). */
void wl_event(struct wl_ctx *c, const char *name, int rc, const struct strbuf *report);
/* Sleeps ms, returning early when stopping. */
void wl_nap(uint64_t ms);

/* wl_util.c: knobs, memory patterns, swap, zram, page placement. */
/* Writes val to a sysfs/procfs knob after saving its value; wl_restore() puts every saved
 * knob back, newest first. */
int wl_set(struct wl_ctx *c, const char *path, const char *val, struct strbuf *out);
void wl_restore(struct wl_ctx *c, struct strbuf *out);
int wl_read_u64(const char *path, uint64_t *v);

/* The page patterns (wl_fill, wl_check, wl_describe) are lib/pattern.h's. */
/* madvise(MADV_PAGEOUT): reclaims the range now (anonymous pages go to swap). */
int wl_pageout(void *p, size_t len);
/* The workloads' negative control (option scribble): 1 zeroes the middle one of npages
 * pages at mem behind the check's back, 2 expects its next generation (gen[], which
 * nobody writes: a lost write); either is reported (scribbled=INDEX). 0: nothing. */
void wl_scribble(struct wl_ctx *c, char *mem, uint32_t *gen, uint64_t npages,
		 struct strbuf *out);
/* A page that failed its check: a "lost:" line (wl_lost) when it holds an older
 * generation of itself whole, else a "fail:" line; fmt says which page and when, and
 * what the page holds (wl_describe) ends the line. 1 if lost, else 0. For the swap
 * workloads (zram, zswap), whose pages the kernel may map writable and clean after a
 * swap-in; thp's and pins' pages are dirty from their first write, so a lost write
 * there is never the emulator's excuse: they call wl_fail. */
int wl_wrong(struct wl_ctx *c, const char *page, uint64_t index, uint32_t gen, int dense,
	     const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Memory for n pages, 2 MiB aligned, not populated. NULL on failure (errno set). */
char *wl_map(size_t len);
void wl_unmap(char *p, size_t len);

/* Swap: a swap header on dev, swapon (prio), swapoff. Messages go to out. */
int wl_mkswap(const char *dev, uint64_t bytes, long page, struct strbuf *out);
int wl_swapon(const char *dev, int prio, struct strbuf *out);
int wl_swapoff(const char *dev, struct strbuf *out);

/* A fresh zram device (hot_add) of disksize bytes; its index in *idx. */
int wl_zram_add(uint64_t disksize, int *idx, struct strbuf *out);
/* Resets and removes it. */
int wl_zram_remove(int idx, struct strbuf *out);
/* "PREFIX.orig_data_size=…" … from mm_stat. */
void wl_zram_stats(int idx, const char *prefix, struct strbuf *out);

/* Physical placement of [p, p+len): "PREFIX.zones=Movable:N,Normal:M",
 * "PREFIX.blocks=32:N,33:M", "PREFIX.nodes=0:N,1:M" and "PREFIX.nopfn=K" (pages not
 * present). */
void wl_placement(struct wl_ctx *c, const char *p, size_t len, const char *prefix,
		  struct strbuf *out);
/* pfn of the page at p (0 if not present); -errno if pagemap cannot be read. */
int wl_pfn(const void *p, uint64_t *pfn);
/* The zone of pfn's memory block ("Movable", "Normal"…, "?" if unknown). */
const char *wl_pfn_zone(const struct wl_ctx *c, uint64_t pfn, char *buf, size_t len);

/* The workloads (w_*.c). */
extern const struct workload wl_zram, wl_zswap, wl_thp, wl_pins, wl_journal;

#endif
