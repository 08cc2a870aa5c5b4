/* zram workload: a fresh zram device as the preferred swap, filled with compressible
 * anonymous pages (MADV_PAGEOUT), then rounds that swap a share of them in (checked:
 * zsmalloc objects must survive zspage migration and compaction), dirty half of those and
 * page them out again, so that zs_malloc/zs_free leave holes; meanwhile a second process
 * writes /sys/block/zramN/compact in a loop. Offlining memory then migrates zspages
 * (zs_page_isolate/migrate/putback) under zs_compact and zs_free. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "wl.h"

struct zram_wl {
	int idx, swapped_on;
	char dev[32];
	char *mem;
	size_t len;
	uint64_t npages, seed, checked, bad, lost;
	uint32_t *gen;
	pid_t compactor;
	volatile uint64_t *shared;	/* [0] compactions, [1] compact errors */
};

static struct zram_wl zw;

static uint64_t next_rand(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 33;
}

static void check_page(struct wl_ctx *c, uint64_t i, const char *when)
{
	const char *p = zw.mem + i * (uint64_t)c->page;

	zw.checked++;
	if (wl_check(p, i, zw.gen[i], c->page)) {
		zw.bad++;
		zw.lost += (uint64_t)wl_wrong(c, p, i, zw.gen[i], 0, "zram: page %llu read back "
					      "wrong %s (generation %u)", (unsigned long long)i,
					      when, zw.gen[i]);
	}
}

static void __attribute__((noreturn)) compactor(int idx, uint64_t pause_ms)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/block/zram%d/compact", idx);
	while (!wl_stopping) {
		if (ag_write_str(path, "1"))
			zw.shared[1]++;
		else
			zw.shared[0]++;
		if (pause_ms)
			wl_nap(pause_ms);
	}
	_exit(0);
}

static int zram_setup(struct wl_ctx *c, struct strbuf *out)
{
	uint64_t size = wl_opt(c, "size");
	int ret;

	memset(&zw, 0, sizeof(zw));
	zw.seed = 1;
	ret = wl_zram_add(wl_opt(c, "disksize"), &zw.idx, out);
	if (ret)
		return ret;
	snprintf(zw.dev, sizeof(zw.dev), "/dev/zram%d", zw.idx);
	ret = wl_mkswap(zw.dev, wl_opt(c, "disksize"), c->page, out);
	if (!ret)
		ret = wl_swapon(zw.dev, 100, out);
	if (ret)
		goto fail_dev;
	zw.swapped_on = 1;
	zw.len = size / (uint64_t)c->page * (uint64_t)c->page;
	zw.npages = zw.len / (uint64_t)c->page;
	zw.mem = wl_map(zw.len);
	zw.gen = calloc(zw.npages, sizeof(*zw.gen));
	zw.shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!zw.mem || !zw.gen || zw.shared == MAP_FAILED) {
		ret = -ENOMEM;
		sb_addf(out, "zram: no memory for %llu pages\n", (unsigned long long)zw.npages);
		goto fail_swap;
	}
	madvise(zw.mem, zw.len, MADV_NOHUGEPAGE);
	for (uint64_t i = 0; i < zw.npages; i++)
		wl_fill(zw.mem + i * (uint64_t)c->page, i, 0, c->page);
	ret = wl_pageout(zw.mem, zw.len);
	if (ret) {
		sb_addf(out, "zram: madvise(MADV_PAGEOUT): %s\n", strerror(-ret));
		goto fail_swap;
	}
	wl_scribble(c, zw.mem, zw.gen, zw.npages, out);	/* once swapped out */
	zw.compactor = fork();
	if (zw.compactor == 0)
		compactor(zw.idx, wl_opt(c, "compact-ms"));
	if (zw.compactor < 0) {
		ret = -errno;
		sb_addf(out, "zram: fork: %s\n", strerror(errno));
		goto fail_swap;
	}
	sb_addf(out, "device=zram%d\npages=%llu\n", zw.idx, (unsigned long long)zw.npages);
	wl_zram_stats(zw.idx, "zram.setup", out);
	return 0;
fail_swap:
	wl_unmap(zw.mem, zw.len);
	zw.mem = NULL;
	wl_swapoff(zw.dev, out);
fail_dev:
	wl_zram_remove(zw.idx, out);
	return ret;
}

/* Swaps in, checks and (every other page) rewrites a share of the pages, paging out again
 * every BATCH pages so that zs_malloc and zs_free keep interleaving with compaction. */
#define BATCH 512

static int zram_round(struct wl_ctx *c)
{
	uint64_t n = zw.npages * wl_opt(c, "touch") / 100;
	int ret = 0;

	for (uint64_t k = 0; k < n && !wl_stopping && !ret; k++) {
		uint64_t i = next_rand(&zw.seed) % zw.npages;

		check_page(c, i, "after swap-in");
		if (k & 1) {
			zw.gen[i]++;
			wl_fill(zw.mem + i * (uint64_t)c->page, i, zw.gen[i], c->page);
		}
		if (k % BATCH == BATCH - 1)
			ret = wl_pageout(zw.mem, zw.len);
	}
	return ret ? ret : wl_pageout(zw.mem, zw.len);
}

static int zram_teardown(struct wl_ctx *c, struct strbuf *out)
{
	int ret = 0;

	if (zw.compactor > 0) {
		kill(zw.compactor, SIGTERM);
		while (waitpid(zw.compactor, NULL, 0) < 0 && errno == EINTR)
			;
	}
	for (uint64_t i = 0; i < zw.npages; i++)
		check_page(c, i, "at the end");
	wl_zram_stats(zw.idx, "zram.final", out);
	sb_addf(out, "compactions=%llu\ncompact_errors=%llu\nchecked=%llu\nbad=%llu\nlost=%llu\n",
		(unsigned long long)zw.shared[0], (unsigned long long)zw.shared[1],
		(unsigned long long)zw.checked, (unsigned long long)zw.bad,
		(unsigned long long)zw.lost);
	wl_unmap(zw.mem, zw.len);
	free(zw.gen);
	if (zw.swapped_on && wl_swapoff(zw.dev, out))
		ret = -EIO;
	if (wl_zram_remove(zw.idx, out))
		ret = -EIO;
	return ret;
}

const struct workload wl_zram = {
	.name = "zram", .setup = zram_setup, .round = zram_round, .teardown = zram_teardown,
};
