/* zswap workload: zswap on (pool allocator and limit from the options) in front of a swap
 * device, and `procs` processes that each page their own compressible anonymous memory
 * out (zswap store; beyond max_pool_percent the store is rejected to the device), touch a
 * share of it back (load; with a disk under zswap swap-in goes through the swap cache and
 * readahead, so entries outlive the load), dirty some (the next store replaces the entry)
 * and drop some with MADV_DONTNEED (invalidate), all the time. At the end swapoff must
 * leave zswap with no stored page and an empty pool.
 *
 * Why a disk by default: zram is a synchronous device, so a swap-in skips the swap cache
 * and frees the slot (and the zswap entry) at once: load and invalidate come back to back
 * and no readahead loads happen. A virtio disk keeps zswap entries alive next to their
 * swap-cache pages and takes rejected pages with real, asynchronous writeback. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "wl.h"

#define ZSWAP_PARAM "/sys/module/zswap/parameters/"
#define ZSWAP_DEBUG "/sys/kernel/debug/zswap/"
#define PROCS_MAX 8
#define SCRATCH_SERIAL "hpt-scratch"

static const char *const counters[] = { "stored_pages", "pool_total_size",
	"written_back_pages", "pool_limit_hit", "reject_reclaim_fail", "reject_alloc_fail",
	"reject_kmemcache_fail", "reject_compress_fail", "reject_compress_poor",
	"duplicate_entry", "same_filled_pages", NULL };

struct share {			/* one process's part, counters in shared memory */
	uint64_t checked, bad, lost, dropped, rounds;
};

struct zswap_wl {
	char dev[32];
	int zram_idx;		/* -1 = disk */
	int swapped_on;
	size_t share_len;
	uint64_t share_pages;
	pid_t helpers[PROCS_MAX];
	int n_helpers;
	struct share *shared;	/* [0] = the main process */
	/* this process's part */
	char *mem;
	uint32_t *gen;
	uint64_t seed;
	struct share *me;
};

static struct zswap_wl zs;

static uint64_t next_rand(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 33;
}

static void counters_report(const char *prefix, struct strbuf *out)
{
	char path[96];
	uint64_t v;

	for (int i = 0; counters[i]; i++) {
		snprintf(path, sizeof(path), ZSWAP_DEBUG "%s", counters[i]);
		if (!wl_read_u64(path, &v))
			sb_addf(out, "%s.%s=%llu\n", prefix, counters[i], (unsigned long long)v);
	}
}

/* The scratch disk of `boot disk=SIZE`: /dev/vdX whose serial is hpt-scratch. */
static int find_disk(char *dev, size_t len, uint64_t *bytes, struct strbuf *out)
{
	DIR *d = opendir("/sys/block");
	struct dirent *e;
	int ret = -EOPNOTSUPP;

	while (d && (e = readdir(d))) {
		char path[300], buf[64];
		uint64_t sectors;

		if (strncmp(e->d_name, "vd", 2))
			continue;
		snprintf(path, sizeof(path), "/sys/block/%s/serial", e->d_name);
		if (ag_read_str(path, buf, sizeof(buf)) || strcmp(buf, SCRATCH_SERIAL))
			continue;
		snprintf(path, sizeof(path), "/sys/block/%s/size", e->d_name);
		if (wl_read_u64(path, &sectors))
			continue;
		snprintf(dev, len, "/dev/%s", e->d_name);
		*bytes = sectors * 512;
		ret = 0;
		break;
	}
	if (d)
		closedir(d);
	if (ret)
		sb_addf(out, "zswap swap=disk needs the scratch disk (boot disk=SIZE): no virtio "
			"disk with serial %s\n", SCRATCH_SERIAL);
	return ret;
}

/* Every DENSE_EVERY-th page is incompressible (zsmalloc's huge class, fills the pool). */
static uint64_t dense_every;

static void fill_page(struct wl_ctx *c, uint64_t i)
{
	char *p = zs.mem + i * (uint64_t)c->page;

	if (dense_every && i % dense_every == 0)
		wl_fill_dense(p, i, zs.gen[i], c->page);
	else
		wl_fill(p, i, zs.gen[i], c->page);
}

static void check_page(struct wl_ctx *c, uint64_t i, const char *when)
{
	const char *p = zs.mem + i * (uint64_t)c->page;
	int dense = dense_every && i % dense_every == 0;

	zs.me->checked++;
	if (dense ? wl_check_dense(p, i, zs.gen[i], c->page) : wl_check(p, i, zs.gen[i], c->page)) {
		zs.me->bad++;
		zs.me->lost += (uint64_t)wl_wrong(c, p, i, zs.gen[i], dense, "zswap: page %llu of "
						  "process %d read back wrong %s (generation %u)",
						  (unsigned long long)i, (int)getpid(), when,
						  zs.gen[i]);
	}
}

/* Maps, fills and pages out this process's share. */
static int share_init(struct wl_ctx *c, int k)
{
	zs.me = &zs.shared[k];
	zs.seed = (uint64_t)k + 1;
	zs.mem = wl_map(zs.share_len);
	zs.gen = calloc(zs.share_pages, sizeof(*zs.gen));
	if (!zs.mem || !zs.gen)
		return -ENOMEM;
	madvise(zs.mem, zs.share_len, MADV_NOHUGEPAGE);
	for (uint64_t i = 0; i < zs.share_pages; i++)
		fill_page(c, i);
	return wl_pageout(zs.mem, zs.share_len);
}

static int zswap_round(struct wl_ctx *c)
{
	uint64_t n = zs.share_pages * wl_opt(c, "touch") / 100;

	for (uint64_t k = 0; k < n && !wl_stopping; k++) {
		uint64_t i = next_rand(&zs.seed) % zs.share_pages;
		char *p = zs.mem + i * (uint64_t)c->page;

		if (k % 512 == 511)	/* store again now and then, not only at the end */
			wl_pageout(zs.mem, zs.share_len);

		switch (k % 8) {
		case 0:		/* drop it: the swap entry (and zswap entry) is invalidated */
			madvise(p, (size_t)c->page, MADV_DONTNEED);
			zs.gen[i]++;
			fill_page(c, i);
			zs.me->dropped++;
			break;
		case 1: case 2: case 3:	/* dirty it: the next store replaces the entry */
			check_page(c, i, "after swap-in");
			zs.gen[i]++;
			fill_page(c, i);
			break;
		default:
			check_page(c, i, "after swap-in");
		}
	}
	zs.me->rounds++;
	return wl_pageout(zs.mem, zs.share_len);
}

static void share_end(struct wl_ctx *c)
{
	for (uint64_t i = 0; i < zs.share_pages; i++)
		check_page(c, i, "at the end");
	wl_unmap(zs.mem, zs.share_len);
	free(zs.gen);
	zs.mem = NULL;
}

static void __attribute__((noreturn)) helper(struct wl_ctx *c, int k)
{
	if (share_init(c, k) == 0)
		while (!wl_stopping && zswap_round(c) == 0)
			;
	while (!wl_stopping)
		pause();
	share_end(c);
	_exit(0);
}

static int zswap_setup(struct wl_ctx *c, struct strbuf *out)
{
	static const char *const zpools[] = { "zsmalloc", "zbud", "z3fold" };
	uint64_t size = wl_opt(c, "size"), procs = wl_opt(c, "procs"), dev_bytes = 0;
	char val[32];
	int ret;

	memset(&zs, 0, sizeof(zs));
	zs.zram_idx = -1;
	dense_every = wl_opt(c, "dense") ? 100 / wl_opt(c, "dense") : 0;
	if (access(ZSWAP_PARAM "enabled", W_OK)) {
		sb_addf(out, "needs zswap (CONFIG_ZSWAP): no %senabled\n", ZSWAP_PARAM);
		return -EOPNOTSUPP;
	}
	if (wl_opt(c, "swap") == 0) {
		ret = find_disk(zs.dev, sizeof(zs.dev), &dev_bytes, out);
	} else {
		dev_bytes = size + (size >> 2);
		ret = wl_zram_add(dev_bytes, &zs.zram_idx, out);
		snprintf(zs.dev, sizeof(zs.dev), "/dev/zram%d", zs.zram_idx);
	}
	if (ret)
		return ret;
	/* the pool first (the allocator must be loaded: no modprobe in the guest); a zswap
	 * without the zpool parameter (7.2) always stores in zsmalloc */
	if (!access(ZSWAP_PARAM "zpool", F_OK)) {
		ret = wl_set(c, ZSWAP_PARAM "zpool", zpools[wl_opt(c, "zpool")], out);
	} else if (wl_opt(c, "zpool") != 0) {
		sb_addf(out, "zpool=%s needs zswap's zpool parameter: no %szpool (this kernel's "
			"zswap always uses zsmalloc)\n", zpools[wl_opt(c, "zpool")], ZSWAP_PARAM);
		ret = -EOPNOTSUPP;
	}
	snprintf(val, sizeof(val), "%llu", (unsigned long long)wl_opt(c, "max-pool"));
	if (!ret)
		ret = wl_set(c, ZSWAP_PARAM "max_pool_percent", val, out);
	if (!ret)
		ret = wl_set(c, ZSWAP_PARAM "enabled", "Y", out);
	/* since 6.4 zswap sets itself up (debugfs counters too) when first enabled */
	if (!ret && access(ZSWAP_DEBUG "stored_pages", R_OK)) {
		sb_addf(out, "needs zswap's debugfs counters: no %sstored_pages with zswap "
			"enabled\n", ZSWAP_DEBUG);
		ret = -EOPNOTSUPP;
	}
	if (!ret)
		ret = wl_mkswap(zs.dev, dev_bytes, c->page, out);
	if (!ret)
		ret = wl_swapon(zs.dev, 100, out);
	if (ret)
		goto fail;
	zs.swapped_on = 1;
	zs.share_pages = size / (uint64_t)c->page / procs;
	zs.share_len = zs.share_pages * (uint64_t)c->page;
	zs.shared = mmap(NULL, sizeof(struct share) * PROCS_MAX, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (zs.shared == MAP_FAILED) {
		ret = -ENOMEM;
		goto fail;
	}
	for (uint64_t k = 1; k < procs; k++) {
		pid_t pid = fork();

		if (pid == 0)
			helper(c, (int)k);
		if (pid > 0)
			zs.helpers[zs.n_helpers++] = pid;
	}
	ret = share_init(c, 0);
	if (ret) {
		sb_addf(out, "zswap: filling and paging out %llu MiB: %s\n",
			(unsigned long long)(zs.share_len >> 20), strerror(-ret));
		goto fail;
	}
	wl_scribble(c, zs.mem, zs.gen, zs.share_pages, out);	/* this process's share, swapped out */
	sb_addf(out, "device=%s\ndevice_bytes=%llu\nzpool=%s\nprocs=%llu\npages=%llu\n",
		zs.dev, (unsigned long long)dev_bytes, zpools[wl_opt(c, "zpool")],
		(unsigned long long)procs, (unsigned long long)(zs.share_pages * procs));
	counters_report("zswap.setup", out);
	return 0;
fail:
	for (int k = 0; k < zs.n_helpers; k++) {
		kill(zs.helpers[k], SIGKILL);
		waitpid(zs.helpers[k], NULL, 0);
	}
	if (zs.mem)
		wl_unmap(zs.mem, zs.share_len);
	if (zs.swapped_on)
		wl_swapoff(zs.dev, out);
	wl_restore(c, out);
	if (zs.zram_idx >= 0)
		wl_zram_remove(zs.zram_idx, out);
	return ret;
}

static int zswap_teardown(struct wl_ctx *c, struct strbuf *out)
{
	struct share sum = { 0 };
	uint64_t stored = 0, pool = 0;
	int ret = 0;

	for (int k = 0; k < zs.n_helpers; k++) {
		kill(zs.helpers[k], SIGTERM);
		while (waitpid(zs.helpers[k], NULL, 0) < 0 && errno == EINTR)
			;
	}
	share_end(c);
	for (int k = 0; k <= zs.n_helpers; k++) {
		sum.checked += zs.shared[k].checked;
		sum.bad += zs.shared[k].bad;
		sum.lost += zs.shared[k].lost;
		sum.dropped += zs.shared[k].dropped;
		sum.rounds += zs.shared[k].rounds;
	}
	/* the helpers' own lines stay in them: their pages are named here by count */
	if (sum.bad > sum.lost && !c->fails)
		wl_fail(c, "zswap: %llu pages of the helper processes read back wrong",
			(unsigned long long)(sum.bad - sum.lost));
	if (sum.lost && !c->losts)
		wl_lost(c, "zswap: %llu pages of the helper processes read back as an older "
			"generation of themselves", (unsigned long long)sum.lost);
	sb_addf(out, "checked=%llu\nbad=%llu\nlost=%llu\ndropped=%llu\nall_rounds=%llu\n",
		(unsigned long long)sum.checked, (unsigned long long)sum.bad,
		(unsigned long long)sum.lost, (unsigned long long)sum.dropped,
		(unsigned long long)sum.rounds);
	counters_report("zswap.before_swapoff", out);
	if (zs.swapped_on && wl_swapoff(zs.dev, out))
		ret = -EIO;
	counters_report("zswap.after_swapoff", out);
	wl_read_u64(ZSWAP_DEBUG "stored_pages", &stored);
	wl_read_u64(ZSWAP_DEBUG "pool_total_size", &pool);
	if (!ret && (stored || pool))
		wl_fail(c, "zswap: after swapoff %llu pages are still stored, pool %llu bytes",
			(unsigned long long)stored, (unsigned long long)pool);
	wl_restore(c, out);
	if (zs.zram_idx >= 0 && wl_zram_remove(zs.zram_idx, out))
		ret = -EIO;
	return ret;
}

const struct workload wl_zswap = {
	.name = "zswap", .setup = zswap_setup, .round = zswap_round, .teardown = zswap_teardown,
};
