/*
 * The virtio-serial channel. Facts of the guest driver (drivers/char/virtio_console.c)
 * that shape this file:
 *  - poll() reports POLLHUP while the host side is closed, so it cannot be used to wait
 *    for the host; the driver sends SIGIO (O_ASYNC) when the host opens or closes.
 *  - writes block (or EAGAIN) while the host is closed; read() returns 0 then.
 *  - one write() moves at most 32 KiB.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "agent.h"

#define PORTS "/sys/class/virtio-ports"

/* Finds the port named HPT_CHANNEL_NAME; fills name ("vport1p1"). 0 or -ENOENT. */
static int find_port(char *name, size_t len)
{
	char path[300], buf[128];
	struct dirent *de;
	int ret = -ENOENT;
	DIR *d;

	d = opendir(PORTS);
	if (!d)
		return -ENOENT;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "vport", 5))
			continue;
		snprintf(path, sizeof(path), PORTS "/%s/name", de->d_name);
		if (ag_read_str(path, buf, sizeof(buf)) == 0 && !strcmp(buf, HPT_CHANNEL_NAME)) {
			snprintf(name, len, "%.*s", (int)len - 1, de->d_name);
			ret = 0;
			break;
		}
	}
	closedir(d);
	return ret;
}

/* Opens /dev/<port>, creating the node from sysfs if devtmpfs has not made it yet. */
static int open_port(struct agent *a, const char *port)
{
	char path[300], dev[32];
	unsigned maj, min;
	int fd;

	snprintf(a->chan_dev, sizeof(a->chan_dev), "/dev/%s", port);
	fd = open(a->chan_dev, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd >= 0 || errno != ENOENT)
		return fd >= 0 ? fd : -errno;
	snprintf(path, sizeof(path), PORTS "/%s/dev", port);
	if (ag_read_str(path, dev, sizeof(dev)) || sscanf(dev, "%u:%u", &maj, &min) != 2)
		return -ENOENT;
	if (mknod(a->chan_dev, S_IFCHR | 0600, makedev(maj, min)) && errno != EEXIST)
		return -errno;
	fd = open(a->chan_dev, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	return fd >= 0 ? fd : -errno;
}

/* Waits (uevents, 250 ms re-checks) up to timeout_ms for the port, opens it. */
int ag_chan_open(struct agent *a, int timeout_ms)
{
	uint64_t deadline = ag_now_ms() + timeout_ms;
	char port[64], ev_buf[8192];
	struct ag_uevent ev;
	int fd = -ENOENT;

	for (;;) {
		uint64_t now;

		if (find_port(port, sizeof(port)) == 0) {
			fd = open_port(a, port);
			if (fd >= 0)
				break;
		}
		now = ag_now_ms();
		if (now >= deadline)
			return fd == -ENOENT ? -ETIMEDOUT : fd;
		if (a->uevent >= 0) {
			struct pollfd p = { .fd = a->uevent, .events = POLLIN };
			int wait = deadline - now < 250 ? (int)(deadline - now) : 250;

			poll(&p, 1, wait);
			while (ag_uevent_recv(a->uevent, ev_buf, sizeof(ev_buf), &ev) == 1)
				;
		} else {
			usleep(50000);
		}
	}
	a->chan = fd;
	if (fcntl(fd, F_SETOWN, getpid()) || fcntl(fd, F_SETFL, O_NONBLOCK | O_ASYNC))
		ag_log(a, "%s: O_ASYNC: %s (reconnects noticed by polling)", a->chan_dev,
		       strerror(errno));
	return 0;
}

static int host_connected(struct agent *a)
{
	struct pollfd p = { .fd = a->chan, .events = POLLIN | POLLOUT };

	if (poll(&p, 1, 0) < 0)
		return 0;
	return !(p.revents & (POLLHUP | POLLERR | POLLNVAL));
}

/* Blocks until the host opens its side (SIGIO, with a 1 s safety re-check). */
void ag_chan_wait_host(struct agent *a)
{
	struct pollfd p = { .fd = a->sigfd, .events = POLLIN };

	while (!host_connected(a)) {
		poll(&p, 1, 1000);
		ag_reap(a);
	}
	a->connected = 1;
	a->dec.max_payload = AG_REQ_MAX;
	hpt_decoder_free(&a->dec);	/* drops what the previous host left half-sent */
	a->last_beat = ag_now_ms();
}

int ag_send(struct agent *a, uint32_t seq, enum hpt_msg type, const void *p, size_t n)
{
	size_t off = 0;
	int ret;

	if (!a->connected)
		return -ENOTCONN;
	sb_reset(&a->tx);
	a->tx.cap = HPT_PAYLOAD_MAX + HPT_HEADER_MAX + 1;
	ret = hpt_encode(&a->tx, seq, type, p, n);
	if (ret)
		return ret;
	a->sending = 1;
	while (off < a->tx.len) {
		ssize_t w = write(a->chan, a->tx.buf + off, a->tx.len - off);
		struct pollfd pf = { .fd = a->chan, .events = POLLOUT };

		if (w > 0) {
			off += w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN) {
			ret = -errno;
			break;
		}
		if (poll(&pf, 1, -1) < 0 && errno != EINTR) {
			ret = -errno;
			break;
		}
		if (pf.revents & (POLLHUP | POLLERR | POLLNVAL)) {
			ret = -ENOTCONN;
			a->connected = 0;
			break;
		}
	}
	a->sending = 0;
	if (type == HPT_MSG_BEAT && !ret)
		a->last_beat = ag_now_ms();
	return ret;
}

int ag_send_hello(struct agent *a)
{
	char hello[256];

	snprintf(hello, sizeof(hello), "proto=%d kernel=%s arch=%s block=%llu page=%ld",
		 HPT_PROTO_VERSION, a->uts.release, a->uts.machine,
		 (unsigned long long)a->block_size, a->page_size);
	return ag_send(a, 0, HPT_MSG_HELLO, hello, strlen(hello));
}

void ag_beat_maybe(struct agent *a)
{
	if (a->fault)
		ag_fault_tick(a);
	if (a->connected && ag_now_ms() - a->last_beat >= AG_BEAT_MS)
		ag_send(a, 0, HPT_MSG_BEAT, "", 0);
}
