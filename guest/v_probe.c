/* `probe PFN COUNT`: the physical placement probe. Loads /lib/hpt/hpt_probe.ko on first
 * use (see guest/probe/hpt_probe.c for its output) and returns its report. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "agent.h"

#define PROBE_KO "/lib/hpt/hpt_probe.ko"
#define PROBE_FILE "/sys/kernel/debug/hpt_probe/range"

int ag_load_probe(struct strbuf *out)
{
	int fd, ret = 0;

	if (access(PROBE_FILE, F_OK) == 0)
		return 0;
	fd = open(PROBE_KO, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		sb_addf(out, "probe: %s: %s (not built for this arch or kernel)", PROBE_KO,
			strerror(errno));
		return ret;
	}
	if (syscall(SYS_finit_module, fd, "", 0) && errno != EEXIST) {
		ret = -errno;
		sb_addf(out, "probe: load %s: %s", PROBE_KO, strerror(errno));
	}
	close(fd);
	if (!ret && access(PROBE_FILE, F_OK)) {
		ret = -ENOENT;
		sb_addf(out, "probe: %s missing after load (debugfs not mounted?)", PROBE_FILE);
	}
	return ret;
}

int v_probe(struct agent *a, int argc, char **argv, struct strbuf *out)
{
	uint64_t pfn, count;
	char range[64];
	int fd, ret;
	ssize_t n;

	if (ag_parse_u64(argv[1], 0, UINT64_MAX >> 12, &pfn) ||
	    ag_parse_u64(argv[2], 1, 1 << 24, &count)) {
		sb_addf(out, "probe: want PFN COUNT (COUNT 1..%u)", 1 << 24);
		return -EINVAL;
	}
	ret = ag_load_probe(out);
	if (ret)
		return ret;
	snprintf(range, sizeof(range), "%llu %llu", (unsigned long long)pfn,
		 (unsigned long long)count);
	ret = ag_write_str(PROBE_FILE, range);
	if (ret) {
		sb_addf(out, "probe: write %s: %s", PROBE_FILE, strerror(-ret));
		return ret;
	}
	fd = open(PROBE_FILE, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		sb_addf(out, "probe: %s: %s", PROBE_FILE, strerror(errno));
		return ret;
	}
	for (;;) {
		char buf[4096];

		n = read(fd, buf, sizeof(buf));
		if (n <= 0 || out->len > (1u << 20))
			break;
		sb_add(out, buf, (size_t)n);
	}
	close(fd);
	return n < 0 ? -EIO : 0;
}
