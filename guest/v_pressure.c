/* `pressure MIB [ROUNDS]`: anonymous memory churn in a child, to exercise hot-added memory.
 * Each round maps MIB with MAP_POPULATE (the kernel faults every page in at once: under
 * TCG a tenth cheaper than a user fault per page), writes a byte per page (the pages are
 * there even if populating stopped short) and unmaps it. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "agent.h"

#define ROUNDS_MAX 1000

struct pressure {
	uint64_t mib, rounds;
	long page;
};

static int pressure_child(void *arg, struct strbuf *out)
{
	const struct pressure *pr = arg;
	size_t len = (size_t)pr->mib << 20, off;
	uint64_t r;

	for (r = 0; r < pr->rounds; r++) {
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
			       -1, 0);

		if (p == MAP_FAILED) {
			int ret = -errno;

			sb_addf(out, "pressure: mmap %llu MiB (round %llu): %s",
				(unsigned long long)pr->mib, (unsigned long long)r + 1,
				strerror(errno));
			return ret;
		}
		for (off = 0; off < len; off += pr->page)
			p[off] = (char)(off ^ r);
		munmap(p, len);
	}
	return 0;
}

int v_pressure(struct agent *a, int argc, char **argv, struct strbuf *out)
{
	struct pressure pr = { .rounds = 3, .page = a->page_size };
	uint64_t avail_kb, t0;
	int ret;

	if (ag_parse_u64(argv[1], 1, 1u << 30, &pr.mib) ||
	    (argc > 2 && ag_parse_u64(argv[2], 1, ROUNDS_MAX, &pr.rounds))) {
		sb_addf(out, "pressure: usage: pressure MIB [ROUNDS] (1 <= ROUNDS <= %d)",
			ROUNDS_MAX);
		return -EINVAL;
	}
	ret = ag_meminfo_kb("MemAvailable", &avail_kb);
	if (ret) {
		sb_addf(out, "pressure: /proc/meminfo MemAvailable: %s", strerror(-ret));
		return ret;
	}
	if (pr.mib * 1024 * 10 > avail_kb * 9) {
		sb_addf(out, "pressure: %llu MiB is more than 90%% of MemAvailable (%llu kB)",
			(unsigned long long)pr.mib, (unsigned long long)avail_kb);
		return -EINVAL;
	}
	t0 = ag_now_ms();
	ret = ag_run_child(a, pressure_child, &pr, out);
	if (ret) {
		if (!strstr(sb_str(out), "pressure:")) {
			struct strbuf msg = STRBUF_INIT;

			sb_addf(&msg, "pressure: %llu MiB x %llu failed\n",
				(unsigned long long)pr.mib, (unsigned long long)pr.rounds);
			sb_add(&msg, sb_str(out), out->len);
			sb_reset(out);
			sb_add(out, sb_str(&msg), msg.len);
			sb_release(&msg);
		}
		return ret;
	}
	return sb_addf(out, "ms=%llu rounds=%llu\n", (unsigned long long)(ag_now_ms() - t0),
		       (unsigned long long)pr.rounds);
}
