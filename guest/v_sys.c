/* Verbs about the system as a whole: info, seed, read, write, dmesg, drop-caches, compact,
 * poweroff. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <unistd.h>
#include <linux/random.h>
#include "agent.h"
#include "hex.h"

#define READ_MAX (1u << 20)

/* 1 once the kernel's CRNG is initialised: getrandom() without GRND_NONBLOCK would not
 * block. Asked non-blocking, so asking never starts the kernel's jitter entropy loop. */
static int crng_ready(void)
{
	unsigned char b;

	return getrandom(&b, 1, GRND_NONBLOCK) == 1;
}

int v_info(struct agent *a, int argc, char **argv, struct strbuf *out)
{
	return sb_addf(out,
		       "kernel=%s\narch=%s\nblock=%llu\npage=%ld\nmemmap_on_memory=%s\n"
		       "auto_online_blocks=%s\ncmdline=%s\nagent=%s\nudev_online=%s\ncrng=%s\n",
		       a->uts.release, a->uts.machine, (unsigned long long)a->block_size,
		       a->page_size, a->memmap_on_memory, a->auto_online_boot, a->cmdline,
		       a->service ? "service" : "init", a->udev_online,
		       crng_ready() ? "ready" : "not-ready");
}

#define SEED_MAX 64	/* bytes */

/* seed HEX: the host's random bytes, credited in full to the kernel's entropy pool
 * (RNDADDENTROPY), as a boot loader's seed would be. A guest with no entropy at its
 * hello (x86_64 under TCG, measured: no RNG device, nothing seeded it at boot)
 * initialises its CRNG only when something first blocks in getrandom(), and then by
 * timer jitter: 5.3-5.4 s under TCG, measured in ndctl's first create-namespace. */
int v_seed(struct agent *a, int argc, char **argv, struct strbuf *out)
{
	union {
		struct rand_pool_info info;
		unsigned char raw[sizeof(struct rand_pool_info) + SEED_MAX];
	} s;
	unsigned char *buf = s.raw + sizeof(struct rand_pool_info);
	long n = hex_decode(argv[1], buf, SEED_MAX);
	int fd, ret = 0;

	(void)a;
	(void)argc;
	if (n < 16) {
		if (n < 0)
			sb_addf(out, "seed: not hex (at digit %ld), or over %d bytes", -1 - n,
				SEED_MAX);
		else
			sb_addf(out, "seed: %ld bytes; 16 to %d", n, SEED_MAX);
		return -EINVAL;
	}
	s.info.entropy_count = (int)(8 * n);
	s.info.buf_size = (int)n;
	fd = open("/dev/urandom", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, RNDADDENTROPY, &s.info) < 0)
		ret = -errno;
	if (fd >= 0)
		close(fd);
	if (ret) {
		sb_addf(out, "seed: /dev/urandom RNDADDENTROPY: %s", strerror(-ret));
		return ret;
	}
	if (!crng_ready()) {
		sb_addf(out, "seed: %ld bits credited, the CRNG is still not ready", 8 * n);
		return -EAGAIN;
	}
	return sb_addf(out, "crng=ready\ncredited=%ld\n", 8 * n);
}

static int has_prefix(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* Resolves path (symlinks, "..") and checks the result lies under one of prefixes. */
static int check_path(const char *verb, const char *path, const char *const *prefixes,
		      char *real, struct strbuf *out)
{
	int i;

	if (!realpath(path, real)) {
		int ret = -errno;

		sb_addf(out, "%s %.200s: %s", verb, path, strerror(errno));
		return ret;
	}
	for (i = 0; prefixes[i]; i++)
		if (has_prefix(real, prefixes[i]))
			return 0;
	sb_addf(out, "%s %.200s: not under", verb, path);
	for (i = 0; prefixes[i]; i++)
		sb_addf(out, " %s", prefixes[i]);
	return -EACCES;
}

int v_read(struct agent *a, int argc, char **argv, struct strbuf *out)
{
	static const char *const ok[] = { "/proc/", "/sys/", NULL };
	char real[PATH_MAX];
	int ret;

	ret = check_path("read", argv[1], ok, real, out);
	if (ret)
		return ret;
	ret = sb_read_file(out, real, READ_MAX);
	if (ret)
		sb_addf(out, "read %.200s: %s", argv[1],
			ret == -EFBIG ? "larger than 1 MiB" : strerror(-ret));
	return ret;
}

int v_write(struct agent *a, int argc, char **argv, struct strbuf *out)
{
	static const char *const ok[] = { "/sys/", "/proc/sys/", NULL };
	char real[PATH_MAX];
	int ret;

	ret = check_path("write", argv[1], ok, real, out);
	if (ret)
		return ret;
	ret = ag_write_str(real, argv[2]);
	if (ret)
		sb_addf(out, "write %.200s: %s", argv[1], strerror(-ret));
	return ret;
}

int v_dmesg(struct agent *a, int argc, char **argv, struct strbuf *out)
{
	int ret = ag_kmsg_read(a, out);

	if (ret) {
		sb_reset(out);
		sb_addf(out, "dmesg: /dev/kmsg: %s", strerror(-ret));
	}
	return ret;
}

static int drop_caches_child(void *arg, struct strbuf *out)
{
	int ret;

	sync();
	ret = ag_write_str("/proc/sys/vm/drop_caches", "3");
	if (ret)
		sb_addf(out, "drop-caches: /proc/sys/vm/drop_caches: %s", strerror(-ret));
	return ret;
}

static int compact_child(void *arg, struct strbuf *out)
{
	int ret = ag_write_str("/proc/sys/vm/compact_memory", "1");

	if (ret)
		sb_addf(out, "compact: /proc/sys/vm/compact_memory: %s", strerror(-ret));
	return ret;
}

static int timed(struct agent *a, ag_child_fn fn, struct strbuf *out)
{
	uint64_t t0 = ag_now_ms();
	int ret = ag_run_child(a, fn, NULL, out);

	if (ret)
		return ret;
	return sb_addf(out, "ms=%llu\n", (unsigned long long)(ag_now_ms() - t0));
}

int v_drop_caches(struct agent *a, int argc, char **argv, struct strbuf *out)
{
	return timed(a, drop_caches_child, out);
}

int v_compact(struct agent *a, int argc, char **argv, struct strbuf *out)
{
	return timed(a, compact_child, out);
}

int v_poweroff(struct agent *a, int argc, char **argv, struct strbuf *out)
{
	a->poweroff = 1;	/* the main loop powers off once this reply is out */
	return 0;
}
