/* `probe PFN COUNT`: the physical placement probe. Loads /lib/hpt/hpt_probe.ko on first
 * use (see guest/probe/hpt_probe.c for its output) and returns its report.
 * `frames mark|hold PFN COUNT`, `frames check FPFN N VA [FPFN N VA…]`: the memmap's own
 * frames (the probe's frames file), one report per command, concatenated. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "agent.h"

#define PROBE_KO "/lib/hpt/hpt_probe.ko"
#define PROBE_FILE "/sys/kernel/debug/hpt_probe/range"
#define FRAMES_FILE "/sys/kernel/debug/hpt_probe/frames"

/* Reads a small probe file into out; 0 or -errno. */
static int probe_read(const char *file, struct strbuf *out)
{
	char buf[512];
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return -errno;
	sb_add(out, buf, (size_t)n);
	return 0;
}

int ag_load_probe(struct strbuf *out)
{
	int fd, ret = 0;

	if (access(PROBE_FILE, F_OK) == 0)
		return 0;
	fd = open(PROBE_KO, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		sb_addf(out, "probe: no module: %s: %s (not built for this arch or kernel)",
			PROBE_KO, strerror(errno));
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

/* Writes cmd to the probe's file, then appends what reading it back gives. On a failed
 * write, out gets "VERB: write FILE: ERROR" and what the file says (the probe's reason). */
static int probe_cmd(const char *verb, const char *file, const char *cmd, struct strbuf *out)
{
	struct strbuf why = STRBUF_INIT;
	int fd, ret = ag_write_str(file, cmd);
	ssize_t n;

	if (ret) {
		sb_addf(out, "%s: write '%s' to %s: %s", verb, cmd, file, strerror(-ret));
		if (probe_read(file, &why) == 0 && why.len)
			sb_addf(out, " (%.*s)", (int)strcspn(sb_str(&why), "\n"), sb_str(&why));
		sb_release(&why);
		return ret;
	}
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		sb_addf(out, "%s: %s: %s", verb, file, strerror(errno));
		return ret;
	}
	for (;;) {
		char buf[4096];

		n = read(fd, buf, sizeof(buf));
		if (n <= 0 || out->len > (8u << 20))
			break;
		sb_add(out, buf, (size_t)n);
	}
	close(fd);
	return n < 0 ? -EIO : 0;
}

int v_probe(struct agent *a, int argc, char **argv, struct strbuf *out)
{
	uint64_t pfn, count;
	char range[64];
	int ret;

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
	return probe_cmd("probe", PROBE_FILE, range, out);
}

int v_frames(struct agent *a, int argc, char **argv, struct strbuf *out)
{
	int check = !strcmp(argv[1], "check"), per = check ? 3 : 2, ret;
	char cmd[96];

	if ((!check && strcmp(argv[1], "mark") && strcmp(argv[1], "hold")) ||
	    (argc - 2) % per || (!check && argc != 4)) {
		sb_adds(out, "frames: want mark|hold PFN COUNT, or check FPFN N VA [FPFN N VA...]");
		return -EINVAL;
	}
	for (int i = 2; i < argc; i += per) {
		uint64_t x, y, va = 0;

		if (ag_parse_u64(argv[i], 0, UINT64_MAX >> 12, &x) ||
		    ag_parse_u64(argv[i + 1], 1, 1 << 24, &y) ||
		    (check && ag_parse_u64(argv[i + 2], 1, UINT64_MAX, &va))) {
			sb_addf(out, "frames: bad numbers at word %d", i);
			return -EINVAL;
		}
	}
	ret = ag_load_probe(out);
	if (ret)
		return ret;
	for (int i = 2; i < argc && !ret; i += per) {
		snprintf(cmd, sizeof(cmd), "%s %s %s%s%s", argv[1], argv[i], argv[i + 1],
			 check ? " " : "", check ? argv[i + 2] : "");
		ret = probe_cmd("frames", FRAMES_FILE, cmd, out);
	}
	return ret;
}
