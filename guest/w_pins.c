/* Long-term pins workload: io_uring registered buffers (IORING_REGISTER_BUFFERS pins them
 * with FOLL_LONGTERM) held while memory goes offline.
 *
 * Setup touches the buffers first (optionally bound to a NUMA node, so that they land in
 * that node's ZONE_MOVABLE), records where their pages are, registers them and records
 * again: pages that were in ZONE_MOVABLE must have been migrated out at pin time (a
 * pinned page in ZONE_MOVABLE is a FAIL), with their contents. Rounds then check that
 * the pinned pages are the process's pages: WRITE_FIXED from a buffer to a file must read
 * back what the process wrote, READ_FIXED into it must show in the process, and a pinned
 * page's pfn must never change. Teardown unregisters: every pin is released.
 *
 * With pin=when-online only the ring is set up at start (io_uring_setup allocates io-wq
 * state on every NUMA node: done before a node's ZONE_NORMAL memory is onlined, it does
 * not land there); the buffers are touched and pinned once the node has online
 * ZONE_NORMAL and ZONE_MOVABLE blocks, and the event "pinned" carries that report
 * (`workload wait pins pinned`). Where the pinned pages are is reported as
 * pinned.zones/pinned.blocks/pinned.nodes ("NAME:PAGES,…"): `offline … pinned-by=pins`
 * derives its expectation from it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include "wl.h"

#define MPOL_BIND 2
#define TMPFILE "/tmp/hpt-pins.dat"

struct pins_wl {
	int ring, tmp;
	struct io_uring_params p;
	void *sq_ring, *cq_ring;
	size_t sq_len, cq_len, sqes_len;
	struct io_uring_sqe *sqes;
	unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
	struct io_uring_cqe *cqes;
	char *mem, *scratch;
	size_t len, buflen;
	unsigned nbufs, registered;
	uint64_t npages, per_buf, *pfn, checked, bad, moved, io_rounds, io_errors;
	uint32_t *gen;
	uint64_t acquired0, released0;
};

static struct pins_wl pw;

static uint64_t vmstat(const char *key)
{
	char line[128];
	size_t n = strlen(key);
	uint64_t v = 0;
	FILE *f;

	ag_write_str("/proc/sys/vm/stat_refresh", "1");	/* exact, not per-CPU behind */
	f = fopen("/proc/vmstat", "re");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ' ') {
			v = strtoull(line + n + 1, NULL, 10);
			break;
		}
	if (f)
		fclose(f);
	return v;
}

static int ring_setup(struct strbuf *out)
{
	pw.ring = (int)syscall(__NR_io_uring_setup, 4, &pw.p);
	if (pw.ring < 0) {
		int e = errno;

		sb_addf(out, "needs io_uring (CONFIG_IO_URING): io_uring_setup: %s\n", strerror(e));
		return e == ENOSYS || e == EPERM ? -EOPNOTSUPP : -e;
	}
	pw.sq_len = pw.p.sq_off.array + pw.p.sq_entries * sizeof(unsigned);
	pw.cq_len = pw.p.cq_off.cqes + pw.p.cq_entries * sizeof(struct io_uring_cqe);
	if (pw.p.features & IORING_FEAT_SINGLE_MMAP)
		pw.sq_len = pw.cq_len = pw.sq_len > pw.cq_len ? pw.sq_len : pw.cq_len;
	pw.sq_ring = mmap(NULL, pw.sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
			  pw.ring, IORING_OFF_SQ_RING);
	pw.cq_ring = pw.p.features & IORING_FEAT_SINGLE_MMAP ? pw.sq_ring :
		mmap(NULL, pw.cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, pw.ring,
		     IORING_OFF_CQ_RING);
	pw.sqes_len = pw.p.sq_entries * sizeof(struct io_uring_sqe);
	pw.sqes = mmap(NULL, pw.sqes_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		       pw.ring, IORING_OFF_SQES);
	if (pw.sq_ring == MAP_FAILED || pw.cq_ring == MAP_FAILED || pw.sqes == MAP_FAILED) {
		int e = errno;

		sb_addf(out, "io_uring: mmap rings: %s\n", strerror(e));
		return -e;
	}
	pw.sq_tail = (unsigned *)((char *)pw.sq_ring + pw.p.sq_off.tail);
	pw.sq_mask = (unsigned *)((char *)pw.sq_ring + pw.p.sq_off.ring_mask);
	pw.sq_array = (unsigned *)((char *)pw.sq_ring + pw.p.sq_off.array);
	pw.cq_head = (unsigned *)((char *)pw.cq_ring + pw.p.cq_off.head);
	pw.cq_tail = (unsigned *)((char *)pw.cq_ring + pw.p.cq_off.tail);
	pw.cq_mask = (unsigned *)((char *)pw.cq_ring + pw.p.cq_off.ring_mask);
	pw.cqes = (struct io_uring_cqe *)((char *)pw.cq_ring + pw.p.cq_off.cqes);
	return 0;
}

/* One READ_FIXED/WRITE_FIXED of registered buffer b at file offset 0; its result. */
static int fixed_io(int op, unsigned b)
{
	unsigned tail = *pw.sq_tail, idx = tail & *pw.sq_mask, head;
	struct io_uring_sqe *sqe = &pw.sqes[idx];
	int res;

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = (__u8)op;
	sqe->fd = pw.tmp;
	sqe->addr = (uintptr_t)(pw.mem + (size_t)b * pw.buflen);
	sqe->len = (__u32)pw.buflen;
	sqe->buf_index = (__u16)b;
	pw.sq_array[idx] = idx;
	__atomic_store_n(pw.sq_tail, tail + 1, __ATOMIC_RELEASE);
	while (syscall(__NR_io_uring_enter, pw.ring, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		if (errno != EINTR)
			return -errno;
	head = *pw.cq_head;
	while (head == __atomic_load_n(pw.cq_tail, __ATOMIC_ACQUIRE))
		if (syscall(__NR_io_uring_enter, pw.ring, 0, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0 &&
		    errno != EINTR)
			return -errno;
	res = pw.cqes[head & *pw.cq_mask].res;
	__atomic_store_n(pw.cq_head, head + 1, __ATOMIC_RELEASE);
	return res;
}

static void check_pages(struct wl_ctx *c, uint64_t first, uint64_t n, const char *when)
{
	for (uint64_t i = first; i < first + n; i++) {
		const char *p = pw.mem + i * (uint64_t)c->page;
		uint64_t pfn = 0;
		char what[160];

		pw.checked++;
		if (wl_check(p, i, pw.gen[i], c->page)) {
			pw.bad++;
			wl_fail(c, "pins: page %llu read back wrong %s (generation %u): it holds %s",
				(unsigned long long)i, when, pw.gen[i],
				wl_describe(p, i, pw.gen[i], 0, c->page, what, sizeof(what)));
		}
		if (pw.registered && !wl_pfn(p, &pfn) &&
		    pfn != pw.pfn[i]) {
			pw.moved++;
			wl_fail(c, "pins: pinned page %llu moved from pfn %#llx to %#llx %s",
				(unsigned long long)i, (unsigned long long)pw.pfn[i],
				(unsigned long long)pfn, when);
			pw.pfn[i] = pfn;
		}
	}
}

static uint64_t count_zone(struct wl_ctx *c, const char *zone)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < pw.npages; i++) {
		char z[24];

		if (pw.pfn[i] && !strcmp(wl_pfn_zone(c, pw.pfn[i], z, sizeof(z)), zone))
			n++;
	}
	return n;
}

/* Maps the buffers (bound to the node), touches them, registers them and records where
 * their pages were before and after. */
static int pin_buffers(struct wl_ctx *c, struct strbuf *out)
{
	uint64_t node = wl_opt(c, "node"), movable_before, moved_at_pin = 0, t0;
	struct iovec *iov;
	int ret;

	pw.nbufs = (unsigned)wl_opt(c, "bufs");
	pw.buflen = wl_opt(c, "size") / pw.nbufs / (uint64_t)c->page * (uint64_t)c->page;
	if (!pw.buflen) {
		sb_addf(out, "pins: size= is too small for bufs=%u\n", pw.nbufs);
		return -EINVAL;
	}
	pw.len = pw.buflen * pw.nbufs;
	pw.npages = pw.len / (uint64_t)c->page;
	pw.per_buf = pw.buflen / (uint64_t)c->page;
	pw.mem = wl_map(pw.len);
	pw.scratch = malloc(pw.buflen);
	pw.gen = calloc(pw.npages, sizeof(*pw.gen));
	pw.pfn = calloc(pw.npages, sizeof(*pw.pfn));
	iov = calloc(pw.nbufs, sizeof(*iov));
	if (!pw.mem || !pw.scratch || !pw.gen || !pw.pfn || !iov) {
		sb_addf(out, "pins: no memory for %zu bytes\n", pw.len);
		free(iov);
		return -ENOMEM;
	}
	madvise(pw.mem, pw.len, MADV_NOHUGEPAGE);
	if (node != UINT64_MAX) {
		unsigned long mask = 1ul << node;

		if (syscall(__NR_mbind, pw.mem, pw.len, MPOL_BIND, &mask, 65, 0)) {
			ret = -errno;	/* before sb_addf(), which may allocate */
			sb_addf(out, "pins: mbind to node %llu: %s\n", (unsigned long long)node,
				strerror(-ret));
			free(iov);
			return ret;
		}
	}
	for (uint64_t i = 0; i < pw.npages; i++) {
		wl_fill(pw.mem + i * (uint64_t)c->page, i, 0, c->page);
		wl_pfn(pw.mem + i * (uint64_t)c->page, &pw.pfn[i]);
	}
	wl_scribble(c, pw.mem, pw.gen, pw.npages, out);
	movable_before = count_zone(c, "Movable");
	wl_placement(c, pw.mem, pw.len, "pins.before", out);
	for (unsigned b = 0; b < pw.nbufs; b++) {
		iov[b].iov_base = pw.mem + (size_t)b * pw.buflen;
		iov[b].iov_len = pw.buflen;
	}
	pw.acquired0 = vmstat("nr_foll_pin_acquired");
	pw.released0 = vmstat("nr_foll_pin_released");
	t0 = ag_now_ms();
	if (syscall(__NR_io_uring_register, pw.ring, IORING_REGISTER_BUFFERS, iov, pw.nbufs)) {
		ret = -errno;
		sb_addf(out, "pins: IORING_REGISTER_BUFFERS of %u x %zu bytes: %s\n", pw.nbufs,
			pw.buflen, strerror(errno));
		free(iov);
		return ret;
	}
	free(iov);
	pw.registered = 1;
	sb_addf(out, "register_ms=%llu\npages=%llu\nbufs=%u\n",
		(unsigned long long)(ag_now_ms() - t0), (unsigned long long)pw.npages, pw.nbufs);
	for (uint64_t i = 0; i < pw.npages; i++) {
		uint64_t pfn = 0;

		wl_pfn(pw.mem + i * (uint64_t)c->page, &pfn);
		moved_at_pin += pfn != pw.pfn[i];
		pw.pfn[i] = pfn;
	}
	wl_placement(c, pw.mem, pw.len, "pinned", out);
	sb_addf(out, "movable_before=%llu\nmoved_at_pin=%llu\nmovable_after=%llu\n"
		"pins_acquired=%llu\n", (unsigned long long)movable_before,
		(unsigned long long)moved_at_pin, (unsigned long long)count_zone(c, "Movable"),
		(unsigned long long)(vmstat("nr_foll_pin_acquired") - pw.acquired0));
	if (count_zone(c, "Movable"))
		wl_fail(c, "pins: %llu pages pinned with FOLL_LONGTERM are in ZONE_MOVABLE (%llu "
			"were there before pinning)", (unsigned long long)count_zone(c, "Movable"),
			(unsigned long long)movable_before);
	check_pages(c, 0, pw.npages, "after pinning");
	pw.tmp = open(TMPFILE, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (pw.tmp < 0 || ftruncate(pw.tmp, (off_t)pw.buflen)) {
		ret = -errno;
		sb_addf(out, "pins: %s: %s\n", TMPFILE, strerror(-ret));
		return ret;
	}
	return 0;
}

/* 1 when the node (any, for no node=) has an online block in `zone`. */
static int node_has_zone(struct wl_ctx *c, const char *zone)
{
	uint64_t node = wl_opt(c, "node");
	char dir[64];
	struct dirent *e;
	DIR *d;
	int found = 0;

	if (node == UINT64_MAX)
		snprintf(dir, sizeof(dir), AG_MEMDIR);
	else
		snprintf(dir, sizeof(dir), "/sys/devices/system/node/node%llu",
			 (unsigned long long)node);
	d = opendir(dir);
	while (d && !found && (e = readdir(d))) {
		char path[128], z[64];

		if (strncmp(e->d_name, "memory", 6) || e->d_name[6] < '0' || e->d_name[6] > '9')
			continue;
		snprintf(path, sizeof(path), AG_MEMDIR "/%s/valid_zones", e->d_name);
		if (ag_read_str(path, z, sizeof(z)))
			continue;
		snprintf(path, sizeof(path), AG_MEMDIR "/%s/state", e->d_name);
		z[strcspn(z, " ")] = '\0';
		found = !strcmp(z, zone) && !ag_read_str(path, path, sizeof(path)) &&
			!strcmp(path, "online");
	}
	if (d)
		closedir(d);
	return found;
}

static int pins_setup(struct wl_ctx *c, struct strbuf *out)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	uint64_t node = wl_opt(c, "node");
	char path[64];
	int ret;

	memset(&pw, 0, sizeof(pw));
	pw.ring = pw.tmp = -1;
	setrlimit(RLIMIT_MEMLOCK, &unlimited);
	if (node != UINT64_MAX) {
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%llu",
			 (unsigned long long)node);
		if (access(path, F_OK)) {
			sb_addf(out, "pins node=%llu needs that NUMA node (boot nodes=N): no %s\n",
				(unsigned long long)node, path);
			return -EOPNOTSUPP;
		}
	}
	/* the ring first: io_uring_setup allocates io-wq state on every NUMA node */
	ret = ring_setup(out);
	if (ret || wl_opt(c, "pin") == 1)
		return ret;
	return pin_buffers(c, out);
}

/* The process writes buffer b; WRITE_FIXED must carry those bytes to the file. Then the
 * file gets new bytes; READ_FIXED must bring them to what the process sees. */
static void io_round(struct wl_ctx *c, unsigned b)
{
	uint64_t first = (uint64_t)b * pw.per_buf;
	int res;

	for (uint64_t i = first; i < first + pw.per_buf; i++)
		wl_fill(pw.mem + i * (uint64_t)c->page, i, ++pw.gen[i], c->page);
	res = fixed_io(IORING_OP_WRITE_FIXED, b);
	if (res != (int)pw.buflen) {
		pw.io_errors++;
		wl_fail(c, "pins: WRITE_FIXED of buffer %u: %d", b, res);
		return;
	}
	if (pread(pw.tmp, pw.scratch, pw.buflen, 0) != (ssize_t)pw.buflen)
		return;
	for (uint64_t i = first; i < first + pw.per_buf; i++) {
		const char *p = pw.scratch + (i - first) * (uint64_t)c->page;
		char what[160];

		if (wl_check(p, i, pw.gen[i], c->page)) {
			pw.bad++;
			wl_fail(c, "pins: WRITE_FIXED from pinned page %llu did not carry what the "
				"process wrote there: the file got %s", (unsigned long long)i,
				wl_describe(p, i, pw.gen[i], 0, c->page, what, sizeof(what)));
		}
	}
	for (uint64_t i = first; i < first + pw.per_buf; i++)
		wl_fill(pw.scratch + (i - first) * (uint64_t)c->page, i, pw.gen[i] + 1, c->page);
	if (pwrite(pw.tmp, pw.scratch, pw.buflen, 0) != (ssize_t)pw.buflen)
		return;
	res = fixed_io(IORING_OP_READ_FIXED, b);
	if (res != (int)pw.buflen) {
		pw.io_errors++;
		wl_fail(c, "pins: READ_FIXED into buffer %u: %d", b, res);
		return;
	}
	for (uint64_t i = first; i < first + pw.per_buf; i++)
		pw.gen[i]++;
	check_pages(c, first, pw.per_buf, "after READ_FIXED into it");
	pw.io_rounds++;
}

static int pins_round(struct wl_ctx *c)
{
	uint64_t pause = wl_opt(c, "io-ms");
	unsigned b;

	if (!pw.registered) {	/* pin=when-online: wait for both zones, then pin */
		struct strbuf rep = STRBUF_INIT;
		int ret;

		if (!node_has_zone(c, "Normal") || !node_has_zone(c, "Movable")) {
			wl_nap(100);
			return 0;
		}
		ret = pin_buffers(c, &rep);
		wl_event(c, "pinned", ret, &rep);
		sb_release(&rep);
		return ret;
	}
	b = (unsigned)(c->rounds % pw.nbufs);

	if (pause)
		io_round(c, b);
	else
		check_pages(c, (uint64_t)b * pw.per_buf, pw.per_buf, "while pinned");
	wl_nap(pause ? pause : 200);
	return 0;
}

static int pins_teardown(struct wl_ctx *c, struct strbuf *out)
{
	int ret = 0;

	check_pages(c, 0, pw.npages, "at the end");
	wl_placement(c, pw.mem, pw.len, "pins.final", out);
	if (pw.registered &&
	    syscall(__NR_io_uring_register, pw.ring, IORING_UNREGISTER_BUFFERS, NULL, 0)) {
		sb_addf(out, "pins: IORING_UNREGISTER_BUFFERS: %s\n", strerror(errno));
		ret = -EIO;
	}
	sb_addf(out, "io_rounds=%llu\nio_errors=%llu\nchecked=%llu\nbad=%llu\nmoved=%llu\n",
		(unsigned long long)pw.io_rounds, (unsigned long long)pw.io_errors,
		(unsigned long long)pw.checked, (unsigned long long)pw.bad,
		(unsigned long long)pw.moved);
	if (pw.registered)
		sb_addf(out, "pins_acquired=%llu\npins_released=%llu\n",
			(unsigned long long)(vmstat("nr_foll_pin_acquired") - pw.acquired0),
			(unsigned long long)(vmstat("nr_foll_pin_released") - pw.released0));
	else
		sb_adds(out, "pinned=0\n");
	close(pw.ring);
	if (pw.tmp >= 0)
		close(pw.tmp);
	unlink(TMPFILE);
	munmap(pw.sqes, pw.sqes_len);
	if (pw.cq_ring != pw.sq_ring)
		munmap(pw.cq_ring, pw.cq_len);
	munmap(pw.sq_ring, pw.sq_len);
	wl_unmap(pw.mem, pw.len);
	return ret;
}

const struct workload wl_pins = {
	.name = "pins", .setup = pins_setup, .round = pins_round, .teardown = pins_teardown,
};
