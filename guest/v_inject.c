/* `inject KIND [AFTER_MS]`: deliberate faults, so that the testbed's own handling of a
 * dying, hanging or lying guest is tested on real guests (host step `inject`).
 *   panic     a real kernel panic: sysrq 'c' (panic("sysrq triggered crash"))
 *   hang      the agent stops beating and spins at SCHED_FIFO 99 with RT throttling off:
 *             on one vCPU nothing else in user space, and no SCHED_OTHER kworker, runs
 *   exit      the agent (PID 1) exits: the kernel panics "Attempted to kill init"
 *   garbage   bytes that are no frame at all on the channel
 *   kmemleak  not a fault of the guest: the probe module leaks 8 kmalloc objects, the
 *             negative control of the kmemleak check (debug kernels)
 *   kmsg-burst
 *             not a fault of the guest: writes so many info lines to /dev/kmsg at once
 *             that the kernel overwrites records before the agent reads them (its
 *             reader then says so in the log it returns)
 *   kmsg-close
 *             the agent closes its /dev/kmsg reader: it can no longer read the kernel
 *             log (the next dmesg fails)
 *   movable-pgtable
 *             not a fault of the guest: the probe module types a page of ZONE_MOVABLE as
 *             a page table and keeps it, the negative control of `blocks`' check that
 *             no kernel-only page sits in ZONE_MOVABLE
 *   leak BYTES offline|remove
 *             not a fault of the guest: from now on the probe module takes BYTES (in
 *             pages, accounted nowhere) on every memory block offline notification, or
 *             on every removal of memory block devices, and never frees them: the
 *             negative control of the no-leak and trend oracles
 *   timer-loss
 *             the probe module sets every CPU's decrementer years away while the kernel
 *             waits for the event it programmed (pseries): what a restore on QEMU before
 *             8.2 does, the negative control of the `timer` proof
 *   flood     a printk storm: a child turns /dev/kmsg's rate limit off and writes
 *             critical lines to it for ever, which the kernel prints on the console;
 *             the agent goes on answering (the host must stop it by console size)
 *   oversize  a frame header announcing a 4 GiB payload
 *   pin MIB   not a fault of the guest: a child maps MIB of anonymous memory and hands
 *             every page to pipes with vmsplice, which keeps a reference on each; the
 *             kernel can then never migrate them, so offlining the blocks under them
 *             retries for ever (an unplug the guest never answers)
 * Without AFTER_MS the fault happens inside the request (no reply, except after garbage
 * and oversize); with it the reply comes first and the fault fires from the beat path
 * AFTER_MS later (at most a beat late), typically in the middle of the next request. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>
#include "agent.h"

#define AFTER_MAX 3600000

static const char *const kinds[] = { "", "panic", "hang", "exit", "garbage", "oversize", "flood",
				    "pin", "kmemleak", "leak", "movable-pgtable", "kmsg-burst",
				    "kmsg-close", "timer-loss", NULL };
enum { F_NONE, F_PANIC, F_HANG, F_EXIT, F_GARBAGE, F_OVERSIZE, F_FLOOD, F_PIN, F_KMEMLEAK, F_LEAK,
       F_MOVABLE_PGTABLE, F_KMSG_BURST, F_KMSG_CLOSE, F_TIMER_LOSS };

#define LEAK_FILE "/sys/kernel/debug/hpt_probe/leak"
#define LEAK_OBJECTS "8"	/* the last pointer may linger on a stack kmemleak scans */
#define NOTIFY_LEAK_FILE "/sys/kernel/debug/hpt_probe/notify_leak"
#define MISPLACE_FILE "/sys/kernel/debug/hpt_probe/misplace"
#define TIMER_LOSS_FILE "/sys/kernel/debug/hpt_probe/timer_loss"
#define NOTIFY_LEAK_MAX (64u << 20)

#define PIN_MAX_MIB 65536
#define BURST_LINES 4000	/* ~400 KiB of records: more than a 128 KiB log buffer */
#define PIPE_BYTES (1 << 20)	/* per pipe, F_SETPIPE_SZ (fs.pipe-max-size default) */

/* Writes raw bytes on the channel, bypassing the encoder. */
static void raw(struct agent *a, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(a->chan, p, n);

		if (w < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void __attribute__((noreturn)) hang(struct agent *a)
{
	struct sched_param sp = { .sched_priority = 99 };
	volatile unsigned long spin = 0;

	ag_write_str("/proc/sys/kernel/sched_rt_runtime_us", "-1");
	if (sched_setscheduler(0, SCHED_FIFO, &sp))
		ag_log(a, "inject hang: SCHED_FIFO: %s (spinning anyway)", strerror(errno));
	for (;;)
		spin++;
}

/* A child that prints critical kernel messages without end. */
static void flood(struct agent *a)
{
	char line[160];
	pid_t pid = fork();
	int fd;

	if (pid < 0) {
		ag_log(a, "inject flood: fork: %s", strerror(errno));
		return;
	}
	if (pid > 0)
		return;
	ag_write_str("/proc/sys/kernel/printk_devkmsg", "on");
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	for (unsigned long n = 0; fd >= 0; n++) {
		int len = snprintf(line, sizeof(line), "<2>hpt inject flood: line %lu of a printk "
				   "storm the host must stop by the console's size\n", n);

		if (write(fd, line, (size_t)len) < 0 && errno != EINTR)
			break;
	}
	_exit(1);
}

/* Makes the fault happen now. Returns only for the channel faults and flood. */
static void fire(struct agent *a, int kind)
{
	static const char garbage[] = "\x01\xff\xfeGARBAGE\x00 not a frame HPT1 9 ok 99\n";
	static const char oversize[] = "HPT1 0 log 4294967295\n";

	a->fault = F_NONE;
	ag_log(a, "inject %s: now", kinds[kind]);
	switch (kind) {
	case F_PANIC:
		sync();
		ag_write_str("/proc/sys/kernel/sysrq", "1");
		ag_write_str("/proc/sysrq-trigger", "c");
		ag_log(a, "inject panic: sysrq-trigger did not panic the kernel; exiting instead");
		_exit(3);
	case F_HANG:
		hang(a);
	case F_EXIT:
		_exit(3);
	case F_GARBAGE:
		raw(a, garbage, sizeof(garbage) - 1);
		break;
	case F_OVERSIZE:
		raw(a, oversize, sizeof(oversize) - 1);
		break;
	case F_FLOOD:
		flood(a);
		break;
	}
}

/* Child: pins mib MiB as described above, reports on the pipe, then sleeps for ever. */
static int pin_child(void *arg, struct strbuf *out)
{
	size_t len = (size_t)*(uint64_t *)arg << 20, off = 0;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned pipes = 0;

	if (p == MAP_FAILED)
		return sb_addf(out, "inject pin: mmap: %s", strerror(errno)), -errno;
	memset(p, 0x5a, len);
	while (off < len) {
		int fds[2];
		ssize_t n;
		struct iovec iov;

		if (pipe(fds))
			return sb_addf(out, "inject pin: pipe %u: %s", pipes, strerror(errno)), -errno;
		fcntl(fds[1], F_SETPIPE_SZ, PIPE_BYTES);
		iov.iov_base = p + off;
		iov.iov_len = len - off < PIPE_BYTES ? len - off : PIPE_BYTES;
		n = vmsplice(fds[1], &iov, 1, SPLICE_F_NONBLOCK);
		if (n <= 0)
			return sb_addf(out, "inject pin: vmsplice: %s", strerror(errno)), -errno;
		off += (size_t)n;
		pipes++;
	}
	return sb_addf(out, "pinned %zu MiB in %u pipes\n", len >> 20, pipes);
}

/* The pinning process: reports once on wfd, then keeps the pins for ever. */
static void __attribute__((noreturn)) pin_main(int wfd, void *mib)
{
	struct strbuf msg = STRBUF_INIT;
	int ret = pin_child(mib, &msg);

	if (write(wfd, sb_str(&msg), msg.len) < 0 || ret < 0)
		_exit(1);
	close(wfd);
	for (;;)
		pause();
}

/* Runs pin_child in a process of its own that outlives the request (it keeps the pins). */
static int pin(struct agent *a, uint64_t mib, struct strbuf *out)
{
	char buf[256];
	ssize_t n;
	int rfd;
	pid_t pid = ag_spawn(&rfd, pin_main, &mib);

	if (pid < 0)
		return pid;
	n = read(rfd, buf, sizeof(buf) - 1);	/* the child writes once, then sleeps */
	close(rfd);
	if (n <= 0)
		return sb_adds(out, "inject pin: the child died"), -EIO;
	buf[n] = 0;
	sb_adds(out, buf);
	return strncmp(buf, "pinned", 6) ? -EIO : 0;
}

void ag_fault_tick(struct agent *a)
{
	if (a->fault && ag_now_ms() >= a->fault_at)
		fire(a, a->fault);
}

int v_inject(struct agent *a, int argc, char **argv, struct strbuf *out)
{
	uint64_t after = 0;
	int kind;

	for (kind = 1; kinds[kind]; kind++)
		if (!strcmp(kinds[kind], argv[1]))
			break;
	if (kind == F_KMEMLEAK) {
		int ret = ag_load_probe(out);

		if (ret)
			return ret;
		ret = ag_write_str(LEAK_FILE, LEAK_OBJECTS);
		if (ret)
			return sb_addf(out, "inject kmemleak: %s: %s", LEAK_FILE, strerror(-ret)),
			       ret;
		return sb_addf(out, "leaked %s objects of 256 bytes in hpt_probe\n", LEAK_OBJECTS);
	}
	if (kind == F_KMSG_BURST) {
		char line[128];
		int fd, i, n;

		ag_write_str("/proc/sys/kernel/printk_devkmsg", "on");
		fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return sb_addf(out, "inject kmsg-burst: /dev/kmsg: %s", strerror(errno)), -errno;
		for (i = 0; i < BURST_LINES; i++) {
			n = snprintf(line, sizeof(line), "<6>hpt inject kmsg-burst: line %d of %d, "
				     "written faster than the agent reads them\n", i, BURST_LINES);
			if (write(fd, line, (size_t)n) < 0 && errno != EINTR)
				break;
		}
		close(fd);
		return sb_addf(out, "wrote %d kernel log lines\n", i);
	}
	if (kind == F_KMSG_CLOSE) {
		if (a->kmsg_r >= 0)
			close(a->kmsg_r);
		a->kmsg_r = -1;
		return sb_addf(out, "closed the agent's /dev/kmsg reader\n");
	}
	if (kind == F_MOVABLE_PGTABLE) {
		char buf[256];
		int ret = ag_load_probe(out);

		if (ret)
			return ret;
		ret = ag_write_str(MISPLACE_FILE, "1");
		if (ret)
			return sb_addf(out, "inject movable-pgtable: %s: %s (no free page in "
				       "ZONE_MOVABLE?)", MISPLACE_FILE, strerror(-ret)), ret;
		if (ag_read_str(MISPLACE_FILE, buf, sizeof(buf)) == 0)
			sb_addf(out, "%s\n", buf);
		return 0;
	}
	if (kind == F_TIMER_LOSS) {
		int ret = ag_load_probe(out);

		if (ret)
			return ret;
		ret = ag_write_str(TIMER_LOSS_FILE, "1");
		if (ret)
			return sb_addf(out, "inject timer-loss: %s: %s%s", TIMER_LOSS_FILE,
				       strerror(-ret), ret == -EOPNOTSUPP ? " (pseries only)" : ""),
			       ret;
		return sb_addf(out, "every CPU's decrementer is years away\n");
	}
	if (kind == F_LEAK) {
		uint64_t bytes;
		char cmd[64];
		int ret;

		if (argc != 4 || ag_parse_u64(argv[2], 1, NOTIFY_LEAK_MAX, &bytes) ||
		    (strcmp(argv[3], "offline") && strcmp(argv[3], "remove"))) {
			sb_addf(out, "inject: usage: inject leak BYTES offline|remove (BYTES <= %u)",
				NOTIFY_LEAK_MAX);
			return -EINVAL;
		}
		ret = ag_load_probe(out);
		if (ret)
			return ret;
		snprintf(cmd, sizeof(cmd), "%llu %s", (unsigned long long)bytes, argv[3]);
		ret = ag_write_str(NOTIFY_LEAK_FILE, cmd);
		if (ret)
			return sb_addf(out, "inject leak: %s: %s", NOTIFY_LEAK_FILE, strerror(-ret)),
			       ret;
		return sb_addf(out, "the probe module now leaks %llu bytes per memory %s\n",
			       (unsigned long long)bytes, argv[3]);
	}
	if (kind == F_PIN) {
		if (argc < 3 || ag_parse_u64(argv[2], 1, PIN_MAX_MIB, &after)) {
			sb_addf(out, "inject: usage: inject pin MIB (1 <= MIB <= %d)", PIN_MAX_MIB);
			return -EINVAL;
		}
		return pin(a, after, out);
	}
	if (!kinds[kind] || (argc > 2 && ag_parse_u64(argv[2], 0, AFTER_MAX, &after))) {
		sb_addf(out, "inject: usage: inject panic|hang|exit|garbage|oversize|flood [AFTER_MS] "
			"(AFTER_MS <= %d)", AFTER_MAX);
		return -EINVAL;
	}
	if (!after) {
		fire(a, kind);
		return sb_addf(out, "injected %s\n", kinds[kind]);
	}
	a->fault = kind;
	a->fault_at = ag_now_ms() + after;
	return sb_addf(out, "armed %s in %llu ms\n", kinds[kind], (unsigned long long)after);
}
