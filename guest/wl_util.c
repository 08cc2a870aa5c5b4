/* Helpers of the busy-guest workloads: knobs, page patterns, swap, zram, placement. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/swap.h>
#include <unistd.h>
#include "wl.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#define HUGE_ALIGN (16ull << 20)	/* covers every arch's PMD size */
#define ZRAM_CTL "/sys/class/zram-control"

int wl_set(struct wl_ctx *c, const char *path, const char *val, struct strbuf *out)
{
	char old[64];
	int ret;

	if (c->n_saved >= WL_SAVED_MAX) {
		sb_addf(out, "%s: too many saved knobs\n", path);
		return -E2BIG;
	}
	ret = ag_read_str(path, old, sizeof(old));
	if (ret) {
		sb_addf(out, "%s: %s\n", path, strerror(-ret));
		return ret;
	}
	/* "[always] madvise never" style: keep the selected word */
	if (strchr(old, '[')) {
		char *b = strchr(old, '[') + 1, *e = strchr(b, ']');

		if (e)
			*e = '\0';
		memmove(old, b, strlen(b) + 1);
	}
	ret = ag_write_str(path, val);
	if (ret) {
		sb_addf(out, "%s = %s: %s\n", path, val, strerror(-ret));
		return ret;
	}
	snprintf(c->saved[c->n_saved].path, sizeof(c->saved[0].path), "%s", path);
	snprintf(c->saved[c->n_saved].old, sizeof(c->saved[0].old), "%s", old);
	c->n_saved++;
	return 0;
}

void wl_restore(struct wl_ctx *c, struct strbuf *out)
{
	while (c->n_saved > 0) {
		int i = --c->n_saved, ret = ag_write_str(c->saved[i].path, c->saved[i].old);

		if (ret)
			sb_addf(out, "restore_error=%s:%s\n", c->saved[i].path, strerror(-ret));
	}
}

int wl_read_u64(const char *path, uint64_t *v)
{
	char buf[64];
	int ret = ag_read_str(path, buf, sizeof(buf));

	if (ret)
		return ret;
	return ag_parse_u64(buf, 0, UINT64_MAX, v);
}

void wl_scribble(struct wl_ctx *c, char *mem, uint32_t *gen, uint64_t npages,
		 struct strbuf *out)
{
	uint64_t how = wl_opt(c, "scribble");

	if (!how)
		return;
	if (how == 2)
		gen[npages / 2]++;
	else
		memset(mem + npages / 2 * (uint64_t)c->page, 0, (size_t)c->page);
	sb_addf(out, "scribbled=%llu\n", (unsigned long long)(npages / 2));
}

int wl_wrong(struct wl_ctx *c, const char *page, uint64_t index, uint32_t gen, int dense,
	     const char *fmt, ...)
{
	char head[256], what[160];
	int lost = wl_older(page, index, gen, dense, c->page) >= 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	wl_describe(page, index, gen, dense, c->page, what, sizeof(what));
	if (lost)
		wl_lost(c, "%s: it holds %s", head, what);
	else
		wl_fail(c, "%s: it holds %s", head, what);
	return lost;
}

int wl_pageout(void *p, size_t len)
{
	return madvise(p, len, MADV_PAGEOUT) ? -errno : 0;
}

char *wl_map(size_t len)
{
	char *p = mmap(NULL, len + HUGE_ALIGN, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uintptr_t a, e;

	if (p == MAP_FAILED)
		return NULL;
	a = ((uintptr_t)p + HUGE_ALIGN - 1) & ~(uintptr_t)(HUGE_ALIGN - 1);
	e = (uintptr_t)p + len + HUGE_ALIGN;
	if (a > (uintptr_t)p)
		munmap(p, a - (uintptr_t)p);
	if (e > a + len)
		munmap((char *)(a + len), e - (a + len));
	return (char *)a;
}

void wl_unmap(char *p, size_t len)
{
	if (p)
		munmap(p, len);
}

int wl_mkswap(const char *dev, uint64_t bytes, long page, struct strbuf *out)
{
	char *hdr = calloc(1, (size_t)page);
	uint32_t version = 1, last = (uint32_t)(bytes / (uint64_t)page - 1), bad = 0;
	int fd, ret = 0;

	if (!hdr)
		return -ENOMEM;
	memcpy(hdr + 1024, &version, 4);
	memcpy(hdr + 1028, &last, 4);
	memcpy(hdr + 1032, &bad, 4);
	memcpy(hdr + page - 10, "SWAPSPACE2", 10);
	fd = open(dev, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || pwrite(fd, hdr, (size_t)page, 0) != page || fsync(fd)) {
		ret = -errno;
		sb_addf(out, "mkswap %s: %s\n", dev, strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	free(hdr);
	return ret;
}

int wl_swapon(const char *dev, int prio, struct strbuf *out)
{
	int flags = SWAP_FLAG_PREFER | ((prio << SWAP_FLAG_PRIO_SHIFT) & SWAP_FLAG_PRIO_MASK);

	if (swapon(dev, flags)) {
		int ret = -errno;

		sb_addf(out, "swapon %s: %s\n", dev, strerror(errno));
		return ret;
	}
	return 0;
}

int wl_swapoff(const char *dev, struct strbuf *out)
{
	if (swapoff(dev)) {
		int ret = -errno;

		sb_addf(out, "swapoff %s: %s\n", dev, strerror(errno));
		return ret;
	}
	return 0;
}

int wl_zram_add(uint64_t disksize, int *idx, struct strbuf *out)
{
	char buf[32], path[96];
	uint64_t n;
	int ret;

	if (access(ZRAM_CTL "/hot_add", R_OK)) {
		sb_addf(out, "needs zram (CONFIG_ZRAM, module zram): no %s/hot_add\n", ZRAM_CTL);
		return -EOPNOTSUPP;
	}
	ret = ag_read_str(ZRAM_CTL "/hot_add", buf, sizeof(buf));
	if (!ret)
		ret = ag_parse_u64(buf, 0, 1 << 20, &n);
	if (ret) {
		sb_addf(out, "%s/hot_add: %s\n", ZRAM_CTL, strerror(-ret));
		return ret;
	}
	*idx = (int)n;
	snprintf(path, sizeof(path), "/sys/block/zram%d/disksize", *idx);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)disksize);
	ret = ag_write_str(path, buf);
	if (ret) {
		sb_addf(out, "%s = %s: %s\n", path, buf, strerror(-ret));
		wl_zram_remove(*idx, out);
	}
	return ret;
}

int wl_zram_remove(int idx, struct strbuf *out)
{
	char path[64], num[16];
	int ret;

	snprintf(path, sizeof(path), "/sys/block/zram%d/reset", idx);
	ret = ag_write_str(path, "1");
	if (ret) {
		sb_addf(out, "zram%d reset: %s\n", idx, strerror(-ret));
		return ret;
	}
	snprintf(num, sizeof(num), "%d", idx);
	ret = ag_write_str(ZRAM_CTL "/hot_remove", num);
	if (ret)
		sb_addf(out, "zram%d hot_remove: %s\n", idx, strerror(-ret));
	return ret;
}

void wl_zram_stats(int idx, const char *prefix, struct strbuf *out)
{
	static const char *const names[] = { "orig_data_size", "compr_data_size",
		"mem_used_total", "mem_limit", "mem_used_max", "same_pages", "pages_compacted",
		"huge_pages", "huge_pages_since" };
	unsigned long long v[9];
	char path[64], buf[256];
	int n;

	snprintf(path, sizeof(path), "/sys/block/zram%d/mm_stat", idx);
	if (ag_read_str(path, buf, sizeof(buf)))
		return;
	n = sscanf(buf, "%llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
		   &v[3], &v[4], &v[5], &v[6], &v[7], &v[8]);
	for (int i = 0; i < n; i++)
		sb_addf(out, "%s.%s=%llu\n", prefix, names[i], v[i]);
}

int wl_pfn(const void *p, uint64_t *pfn)
{
	static int fd = -1;
	long page = sysconf(_SC_PAGESIZE);
	uint64_t e;

	if (fd < 0)
		fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (pread(fd, &e, 8, (off_t)((uintptr_t)p / (uintptr_t)page * 8)) != 8)
		return -EIO;
	*pfn = (e >> 63) & 1 ? e & ((1ull << 55) - 1) : 0;
	return 0;
}

const char *wl_pfn_zone(const struct wl_ctx *c, uint64_t pfn, char *buf, size_t len)
{
	static uint64_t cached_block = UINT64_MAX;
	static char cached[24];
	uint64_t block;
	char path[96];

	if (!c->a->block_size) {
		snprintf(buf, len, "?");
		return buf;
	}
	block = pfn * (uint64_t)c->page / c->a->block_size;
	if (block != cached_block) {
		snprintf(path, sizeof(path), AG_MEMDIR "/memory%llu/valid_zones",
			 (unsigned long long)block);
		if (ag_read_str(path, cached, sizeof(cached)) || !cached[0])
			snprintf(cached, sizeof(cached), "?");
		cached[strcspn(cached, " ")] = '\0';
		cached_block = block;
	}
	snprintf(buf, len, "%s", cached);
	return buf;
}

/* The NUMA node of the memory block holding pfn ("?" if unknown): its sysfs dir links
 * to its node ("memoryN/nodeX"). Cached like the zone. */
static const char *pfn_node(const struct wl_ctx *c, uint64_t pfn, char *buf, size_t len)
{
	static uint64_t cached_block = UINT64_MAX;
	static char cached[24];
	uint64_t block;
	char path[96];
	struct dirent *e;
	DIR *d;

	if (!c->a->block_size) {
		snprintf(buf, len, "?");
		return buf;
	}
	block = pfn * (uint64_t)c->page / c->a->block_size;
	if (block != cached_block) {
		snprintf(cached, sizeof(cached), "?");
		snprintf(path, sizeof(path), AG_MEMDIR "/memory%llu", (unsigned long long)block);
		d = opendir(path);
		while (d && (e = readdir(d)))
			if (!strncmp(e->d_name, "node", 4) && e->d_name[4] >= '0' &&
			    e->d_name[4] <= '9') {
				snprintf(cached, sizeof(cached), "%s", e->d_name + 4);
				break;
			}
		if (d)
			closedir(d);
		cached_block = block;
	}
	snprintf(buf, len, "%s", cached);
	return buf;
}

#define PLACE_MAX 64

struct tally {
	char name[24];
	uint64_t n;
};

static void tally_add(struct tally *t, int *n, const char *name, uint64_t k)
{
	for (int i = 0; i < *n; i++)
		if (!strcmp(t[i].name, name)) {
			t[i].n += k;
			return;
		}
	if (*n < PLACE_MAX) {
		snprintf(t[*n].name, sizeof(t[0].name), "%s", name);
		t[(*n)++].n = k;
	}
}

void wl_placement(struct wl_ctx *c, const char *p, size_t len, const char *prefix,
		  struct strbuf *out)
{
	struct tally zones[PLACE_MAX], blocks[PLACE_MAX], nodes[PLACE_MAX];
	int nz = 0, nb = 0, nn = 0;
	uint64_t nopfn = 0;

	for (size_t off = 0; off < len; off += (size_t)c->page) {
		char z[24], b[24];
		uint64_t pfn;

		if (wl_pfn(p + off, &pfn) || !pfn) {
			nopfn++;
			continue;
		}
		tally_add(zones, &nz, wl_pfn_zone(c, pfn, z, sizeof(z)), 1);
		tally_add(nodes, &nn, pfn_node(c, pfn, z, sizeof(z)), 1);
		snprintf(b, sizeof(b), "%llu", c->a->block_size ? (unsigned long long)
			 (pfn * (uint64_t)c->page / c->a->block_size) : 0ull);
		tally_add(blocks, &nb, b, 1);
	}
	sb_addf(out, "%s.zones=", prefix);
	for (int i = 0; i < nz; i++)
		sb_addf(out, "%s%s:%llu", i ? "," : "", zones[i].name,
			(unsigned long long)zones[i].n);
	sb_addf(out, "\n%s.blocks=", prefix);
	for (int i = 0; i < nb; i++)
		sb_addf(out, "%s%s:%llu", i ? "," : "", blocks[i].name,
			(unsigned long long)blocks[i].n);
	sb_addf(out, "\n%s.nodes=", prefix);
	for (int i = 0; i < nn; i++)
		sb_addf(out, "%s%s:%llu", i ? "," : "", nodes[i].name,
			(unsigned long long)nodes[i].n);
	sb_addf(out, "\n%s.nopfn=%llu\n", prefix, (unsigned long long)nopfn);
}
