/* Kernel uevents (NETLINK_KOBJECT_UEVENT): wake-ups for device and memory block changes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <unistd.h>
#include "agent.h"

int ag_uevent_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	int fd, size = 4 << 20;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    NETLINK_KOBJECT_UEVENT);
	if (fd < 0)
		return -errno;
	/* Many blocks change at once on big plugs: a large buffer avoids ENOBUFS. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

/*
 * A kernel uevent is "action@devpath\0KEY=value\0...". Messages from udev (starting
 * with "libudev") are skipped. ENOBUFS (lost events) is reported as an empty event so
 * that the caller re-checks sysfs.
 */
#define JOURNAL_MAX 4096

static struct {
	unsigned long long seq, ms;
	char action[8];
	unsigned block;
} journal[JOURNAL_MAX];
static unsigned j_len, j_lost;

/* Notes a memory block event ("/devices/system/memory/memoryN"). */
static void note(const char *action, const char *devpath, const char *seqnum)
{
	const char *m = devpath ? strrchr(devpath, '/') : NULL;
	unsigned block;

	if (!action || !m || sscanf(m, "/memory%u", &block) != 1 ||
	    strncmp(devpath, "/devices/system/memory/", 23))
		return;
	if (j_len == JOURNAL_MAX) {
		j_lost++;
		return;
	}
	journal[j_len].seq = seqnum ? strtoull(seqnum, NULL, 10) : 0;
	journal[j_len].ms = ag_now_ms();
	snprintf(journal[j_len].action, sizeof(journal[0].action), "%s", action);
	journal[j_len].block = block;
	j_len++;
}

void ag_uevent_drain(int fd)
{
	static char buf[8192];
	struct ag_uevent ev;

	while (fd >= 0 && ag_uevent_recv(fd, buf, sizeof(buf), &ev) == 1)
		;
}

int v_events(struct agent *a, int argc, char **argv, struct strbuf *out)
{
	ag_uevent_drain(a->uevent);
	for (unsigned i = 0; i < j_len; i++)
		sb_addf(out, "%llu %llu %s memory%u\n", journal[i].seq, journal[i].ms,
			journal[i].action, journal[i].block);
	if (j_lost)
		sb_addf(out, "lost %u\n", j_lost);
	j_len = j_lost = 0;
	return 0;
}

int ag_uevent_recv(int fd, char *buf, size_t len, struct ag_uevent *ev)
{
	const char *seqnum = NULL;
	ssize_t n;
	char *p, *end;

	for (;;) {
		n = recv(fd, buf, len - 1, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS) {
			memset(ev, 0, sizeof(*ev));
			return 1;
		}
		if (n <= 0)
			return 0;
		buf[n] = '\0';
		if (!strncmp(buf, "libudev", 7) || !memchr(buf, '@', n))
			continue;
		break;
	}
	memset(ev, 0, sizeof(*ev));
	end = buf + n;
	for (p = buf + strlen(buf) + 1; p < end; p += strlen(p) + 1) {
		if (!strncmp(p, "ACTION=", 7))
			ev->action = p + 7;
		else if (!strncmp(p, "DEVPATH=", 8))
			ev->devpath = p + 8;
		else if (!strncmp(p, "SUBSYSTEM=", 10))
			ev->subsystem = p + 10;
		else if (!strncmp(p, "SEQNUM=", 7))
			seqnum = p + 7;
	}
	if (ev->subsystem && !strcmp(ev->subsystem, "memory"))
		note(ev->action, ev->devpath, seqnum);
	return 1;
}
