/* `snapshot [PFN+COUNT ...]`: a bundle of the files described in lib/snapshot.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "agent.h"
#include "bundle.h"

#define RANGES_MAX 8
#define RANGE_PFNS_MAX 1048576u
#define PFN_MAX (1ull << 52)
#define PROC_FILE_MAX (8u << 20)
#define KPAGE_CHUNK 8192	/* pfns per pread */

struct pfn_range {
	uint64_t pfn, count;
};

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

/* "block_size <bytes>" then "<index> <state> <zone>" per block, ascending. */
static int add_blocks(struct agent *a, struct strbuf *sb)
{
	uint64_t *idx = NULL, n = 0, alloc = 0, i;
	struct dirent *de;
	DIR *d;
	int ret = 0;

	sb_addf(sb, "block_size %llu\n", (unsigned long long)a->block_size);
	d = opendir(AG_MEMDIR);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		uint64_t v;

		if (strncmp(de->d_name, "memory", 6) ||
		    ag_parse_u64(de->d_name + 6, 0, UINT32_MAX, &v))
			continue;
		if (n == alloc) {
			uint64_t *p = realloc(idx, (alloc = alloc ? alloc * 2 : 256) * sizeof(*p));

			if (!p) {
				ret = -ENOMEM;
				goto cleanup;
			}
			idx = p;
		}
		idx[n++] = v;
	}
	if (n)
		qsort(idx, n, sizeof(*idx), cmp_u64);
	for (i = 0; i < n && !ret; i++) {
		char st[32], zones[128] = "-", path[96];

		ag_block_state(idx[i], st, sizeof(st));
		if (!strcmp(st, "online")) {
			snprintf(path, sizeof(path), AG_MEMDIR "/memory%llu/valid_zones",
				 (unsigned long long)idx[i]);
			if (ag_read_str(path, zones, sizeof(zones)) || !zones[0])
				snprintf(zones, sizeof(zones), "?");
			zones[strcspn(zones, " ")] = '\0';
		}
		ret = sb_addf(sb, "%llu %s %s\n", (unsigned long long)idx[i], st, zones);
	}
cleanup:
	closedir(d);
	free(idx);
	return ret;
}

static int flush_run(struct strbuf *sb, uint64_t pfn, uint64_t n, uint64_t flags,
		     uint64_t count)
{
	if (!n)
		return 0;
	return sb_addf(sb, "%llu %llu 0x%llx %llu\n", (unsigned long long)pfn,
		       (unsigned long long)n, (unsigned long long)flags,
		       (unsigned long long)count);
}

/* Run-length encodes /proc/kpageflags + /proc/kpagecount over one range. */
static int add_kpage_range(struct agent *a, int ff, int fc, const struct pfn_range *r,
			   struct strbuf *sb)
{
	static uint64_t flags[KPAGE_CHUNK], cnt[KPAGE_CHUNK];
	uint64_t done = 0, run_pfn = 0, run_n = 0, run_flags = 0, run_cnt = 0;
	int ret = 0;

	while (done < r->count && !ret) {
		uint64_t n = r->count - done < KPAGE_CHUNK ? r->count - done : KPAGE_CHUNK, j;
		off_t off = (off_t)((r->pfn + done) * 8);
		ssize_t r1 = pread(ff, flags, n * 8, off), r2 = pread(fc, cnt, n * 8, off);
		size_t got;

		if (r1 < 0 || r2 < 0)
			return -errno;
		got = (size_t)(r1 < r2 ? r1 : r2) / 8;
		if (!got)
			break;	/* past the last pfn the kernel dumps */
		for (j = 0; j < got && !ret; j++) {
			uint64_t pfn = r->pfn + done + j;

			if (run_n && flags[j] == run_flags && cnt[j] == run_cnt) {
				run_n++;
				continue;
			}
			ret = flush_run(sb, run_pfn, run_n, run_flags, run_cnt);
			run_pfn = pfn;
			run_n = 1;
			run_flags = flags[j];
			run_cnt = cnt[j];
		}
		done += got;
		ag_beat_maybe(a);
	}
	if (!ret)
		ret = flush_run(sb, run_pfn, run_n, run_flags, run_cnt);
	return ret;
}

static int add_kpage(struct agent *a, const struct pfn_range *r, int n, struct strbuf *sb,
		     struct strbuf *err)
{
	int ff, fc = -1, i, ret = 0;

	ff = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	if (ff < 0 || (fc = open("/proc/kpagecount", O_RDONLY | O_CLOEXEC)) < 0) {
		ret = -errno;
		sb_addf(err, "snapshot: %s: %s", ff < 0 ? "/proc/kpageflags" : "/proc/kpagecount",
			strerror(errno));
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		ret = add_kpage_range(a, ff, fc, &r[i], sb);
		if (ret) {
			sb_addf(err, "snapshot: kpage %llu+%llu: %s", (unsigned long long)r[i].pfn,
				(unsigned long long)r[i].count,
				ret == -E2BIG ? "larger than the reply limit" : strerror(-ret));
			break;
		}
	}
cleanup:
	if (ff >= 0)
		close(ff);
	if (fc >= 0)
		close(fc);
	return ret;
}

static int add_params(struct agent *a, struct strbuf *sb)
{
	return sb_addf(sb,
		       "memmap_on_memory=%s\nauto_online_blocks=%s\nkernel=%s\narch=%s\n"
		       "page_size=%ld\nblock_size=%llu\ncmdline=%s\n",
		       a->memmap_on_memory, a->auto_online_boot, a->uts.release, a->uts.machine,
		       a->page_size, (unsigned long long)a->block_size, a->cmdline);
}

static int parse_ranges(int argc, char **argv, struct pfn_range *r, struct strbuf *out)
{
	int i;

	for (i = 1; i < argc; i++) {
		char word[64], *plus;

		snprintf(word, sizeof(word), "%s", argv[i]);
		plus = strchr(word, '+');
		if (plus)
			*plus = '\0';
		if (!plus || ag_parse_u64(word, 0, PFN_MAX, &r[i - 1].pfn) ||
		    ag_parse_u64(plus + 1, 1, RANGE_PFNS_MAX, &r[i - 1].count)) {
			sb_addf(out, "snapshot: bad range '%.40s' (PFN+COUNT, COUNT <= %u)",
				argv[i], RANGE_PFNS_MAX);
			return -EINVAL;
		}
	}
	return argc - 1;
}

int v_snapshot(struct agent *a, int argc, char **argv, struct strbuf *out)
{
	static const char *const raw[] = { "meminfo", "zoneinfo", "vmstat", "iomem" };
	struct pfn_range ranges[RANGES_MAX];
	struct strbuf f = STRBUF_INIT;
	const char *failed = NULL;
	int n, i, ret = 0;

	n = parse_ranges(argc, argv, ranges, out);
	if (n < 0)
		return n;
	out->cap = AG_REPLY_MAX;
	f.cap = AG_REPLY_MAX;
	/* fold the per-cpu counter deltas first: vmstat (nr_zspages, pins…) and MemFree are
	 * exact then, not up to a threshold per CPU behind */
	ag_write_str("/proc/sys/vm/stat_refresh", "1");
	for (i = 0; i < 4 && !ret; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/proc/%s", raw[i]);
		sb_reset(&f);
		failed = raw[i];
		ret = sb_read_file(&f, path, PROC_FILE_MAX);
		if (!ret)
			ret = bundle_add(out, raw[i], f.buf, f.len);
		ag_beat_maybe(a);
	}
	if (!ret) {
		sb_reset(&f);
		failed = "blocks";
		ret = add_blocks(a, &f);
		if (!ret)
			ret = bundle_add(out, "blocks", f.buf, f.len);
	}
	if (!ret && n > 0) {
		struct strbuf err = STRBUF_INIT;

		sb_reset(&f);
		failed = "kpage";
		ret = add_kpage(a, ranges, n, &f, &err);
		if (!ret)
			ret = bundle_add(out, "kpage", f.buf, f.len);
		if (err.len) {
			sb_reset(out);
			sb_add(out, err.buf, err.len);
			failed = NULL;
		}
		sb_release(&err);
	}
	if (!ret) {
		sb_reset(&f);
		failed = "params";
		ret = add_params(a, &f);
		if (!ret)
			ret = bundle_add(out, "params", f.buf, f.len);
	}
	if (!ret) {
		sb_reset(&f);
		failed = "mm";
		ret = ag_mm_stats(&f);
		if (!ret)
			ret = bundle_add(out, "mm", f.buf, f.len);
	}
	if (!ret) {
		sb_reset(&f);
		failed = "dmesg";
		ret = ag_kmsg_read(a, &f);
		if (!ret)
			ret = bundle_add(out, "dmesg", f.buf, f.len);
	}
	if (ret && failed) {
		sb_reset(out);
		sb_addf(out, "snapshot: %s: %s", failed,
			ret == -E2BIG ? "snapshot larger than the reply limit" : strerror(-ret));
	}
	sb_release(&f);
	return ret;
}
