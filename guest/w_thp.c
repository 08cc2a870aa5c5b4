/* THP workload: anonymous memory backed by transparent huge pages (MADV_HUGEPAGE), then
 * rounds in which forked children write into parts of the shared huge pages (the child's
 * write fault splits its PMD and copies 4 KiB: copy-on-write of part of a THP) and keep
 * them a while, the parent writes into others (its own COW) and drops single pages with
 * MADV_DONTNEED (PMD split; khugepaged, sped up, collapses them again). Every page is
 * checked: the children's writes must never show in the parent nor the parent's in a
 * child, across THP migration, splits and collapses. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "wl.h"

#define THP_DIR "/sys/kernel/mm/transparent_hugepage/"

struct thp_wl {
	uint64_t huge;		/* hpage_pmd_size */
	char *mem;
	size_t len;
	uint64_t npages, nhuge, per_huge, seed, checked, bad, child_bad, forks, cows, drops;
	uint32_t *gen;
};

static struct thp_wl tw;

static uint64_t next_rand(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 33;
}

static uint64_t anon_huge_kb(void)
{
	char line[128];
	uint64_t kb = 0;
	FILE *f = fopen("/proc/self/smaps_rollup", "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "AnonHugePages: %llu", (unsigned long long *)&kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static int page_ok(struct wl_ctx *c, uint64_t i, uint32_t gen)
{
	return wl_check(tw.mem + i * (uint64_t)c->page, i, gen, c->page) == 0;
}

static void check_all(struct wl_ctx *c, const char *when)
{
	for (uint64_t i = 0; i < tw.npages; i++) {
		char what[160];

		tw.checked++;
		if (!page_ok(c, i, tw.gen[i])) {
			tw.bad++;
			wl_fail(c, "thp: page %llu of the parent read back wrong %s (generation %u): "
				"it holds %s", (unsigned long long)i, when, tw.gen[i],
				wl_describe(tw.mem + i * (uint64_t)c->page, i, tw.gen[i], 0, c->page,
					    what, sizeof(what)));
		}
	}
}

/* A child: writes one page in every k-th huge page (COW of part of a THP), checks its
 * writes and the pages it did not write, keeps them for hold_ms, checks again. Exits
 * with the number of bad pages (at most 255). */
static void __attribute__((noreturn)) child(struct wl_ctx *c, int k, uint64_t hold_ms)
{
	uint32_t mark = 0x80000000u | (uint32_t)k;
	uint64_t bad = 0;

	for (uint64_t h = (uint64_t)k; h < tw.nhuge; h += 3) {
		uint64_t i = h * tw.per_huge + (uint64_t)(k * 7) % tw.per_huge;

		wl_fill(tw.mem + i * (uint64_t)c->page, i, mark, c->page);
	}
	for (int pass = 0; pass < 2; pass++) {
		for (uint64_t h = (uint64_t)k; h < tw.nhuge; h += 3) {
			uint64_t w = h * tw.per_huge + (uint64_t)(k * 7) % tw.per_huge;

			for (uint64_t i = h * tw.per_huge; i < (h + 1) * tw.per_huge; i++)
				bad += !page_ok(c, i, i == w ? mark : tw.gen[i]);
		}
		if (!pass)
			wl_nap(hold_ms);
	}
	_exit(bad > 255 ? 255 : (int)bad);
}

static int thp_setup(struct wl_ctx *c, struct strbuf *out)
{
	char scan[32];
	int ret;

	memset(&tw, 0, sizeof(tw));
	tw.seed = 7;
	if (access(THP_DIR "enabled", W_OK)) {
		/* the config alone does not say: s390x's 7.3 under TCG has it and found no THP
		 * support on QEMU's CPU (has_transparent_hugepage() false): no sysfs dir */
		sb_addf(out, "needs transparent huge pages: no %s (the kernel lacks "
			"CONFIG_TRANSPARENT_HUGEPAGE or found no THP support on this CPU)\n",
			THP_DIR "enabled");
		return -EOPNOTSUPP;
	}
	snprintf(scan, sizeof(scan), "%llu", (unsigned long long)wl_opt(c, "scan-ms"));
	ret = wl_set(c, THP_DIR "enabled", "always", out);
	if (!ret)
		ret = wl_set(c, THP_DIR "defrag", "madvise", out);
	if (!ret)
		ret = wl_set(c, THP_DIR "khugepaged/scan_sleep_millisecs", scan, out);
	if (!ret)
		ret = wl_set(c, THP_DIR "khugepaged/alloc_sleep_millisecs", scan, out);
	if (ret)
		return ret;
	if (wl_read_u64(THP_DIR "hpage_pmd_size", &tw.huge) || !tw.huge)
		tw.huge = 2ull << 20;
	tw.len = wl_opt(c, "size") / tw.huge * tw.huge;
	tw.npages = tw.len / (uint64_t)c->page;
	tw.per_huge = tw.huge / (uint64_t)c->page;
	tw.nhuge = tw.len / tw.huge;
	tw.mem = wl_map(tw.len);
	tw.gen = calloc(tw.npages, sizeof(*tw.gen));
	if (!tw.nhuge || !tw.mem || !tw.gen) {
		sb_addf(out, "thp: no memory for %llu MiB\n", (unsigned long long)(tw.len >> 20));
		return -ENOMEM;
	}
	madvise(tw.mem, tw.len, MADV_HUGEPAGE);
	for (uint64_t i = 0; i < tw.npages; i++)
		wl_fill(tw.mem + i * (uint64_t)c->page, i, 0, c->page);
	wl_scribble(c, tw.mem, tw.gen, tw.npages, out);
	sb_addf(out, "huge_pages=%llu\nanon_huge_kb=%llu\n", (unsigned long long)tw.nhuge,
		(unsigned long long)anon_huge_kb());
	wl_placement(c, tw.mem, tw.len, "thp.setup", out);
	return 0;
}

static int thp_round(struct wl_ctx *c)
{
	uint64_t children = wl_opt(c, "children"), hold = wl_opt(c, "hold-ms");
	pid_t pids[16];
	int n = 0;

	for (uint64_t k = 0; k < children && !wl_stopping; k++) {
		pid_t pid = fork();

		if (pid == 0)
			child(c, (int)k, hold);
		if (pid > 0) {
			pids[n++] = pid;
			tw.forks++;
		}
	}
	/* the parent's own writes, in huge pages the children share with it */
	for (uint64_t h = 0; h < tw.nhuge && !wl_stopping; h += 5) {
		uint64_t i = h * tw.per_huge + next_rand(&tw.seed) % tw.per_huge;

		tw.gen[i]++;
		wl_fill(tw.mem + i * (uint64_t)c->page, i, tw.gen[i], c->page);
		tw.cows++;
	}
	/* a dropped 4 KiB page splits the PMD; khugepaged collapses the range again */
	for (uint64_t h = 2; h < tw.nhuge && !wl_stopping; h += 7) {
		uint64_t i = h * tw.per_huge + next_rand(&tw.seed) % tw.per_huge;
		char *p = tw.mem + i * (uint64_t)c->page;

		madvise(p, (size_t)c->page, MADV_DONTNEED);
		tw.gen[i]++;
		wl_fill(p, i, tw.gen[i], c->page);
		tw.drops++;
	}
	for (int k = 0; k < n; k++) {
		int st;

		while (waitpid(pids[k], &st, 0) < 0 && errno == EINTR)
			;
		if (WIFEXITED(st) && WEXITSTATUS(st)) {
			tw.child_bad += WEXITSTATUS(st);
			wl_fail(c, "thp: a child saw %d pages read back wrong in its copy-on-write "
				"huge pages", WEXITSTATUS(st));
		} else if (WIFSIGNALED(st)) {
			wl_fail(c, "thp: a child died of signal %d", WTERMSIG(st));
		}
	}
	check_all(c, "after a round");
	return 0;
}

static int thp_teardown(struct wl_ctx *c, struct strbuf *out)
{
	check_all(c, "at the end");
	sb_addf(out, "forks=%llu\ncow_writes=%llu\ndropped=%llu\nchecked=%llu\nbad=%llu\n"
		"child_bad=%llu\nanon_huge_kb=%llu\n", (unsigned long long)tw.forks,
		(unsigned long long)tw.cows, (unsigned long long)tw.drops,
		(unsigned long long)tw.checked, (unsigned long long)tw.bad,
		(unsigned long long)tw.child_bad, (unsigned long long)anon_huge_kb());
	wl_placement(c, tw.mem, tw.len, "thp.final", out);
	wl_unmap(tw.mem, tw.len);
	free(tw.gen);
	return 0;
}

const struct workload wl_thp = {
	.name = "thp", .setup = thp_setup, .round = thp_round, .teardown = thp_teardown,
};
