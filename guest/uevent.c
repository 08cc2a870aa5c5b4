/* Kernel uevents (NETLINK_KOBJECT_UEVENT): wake-ups for device and memory block changes. */
#include <errno.h>
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
int ag_uevent_recv(int fd, char *buf, size_t len, struct ag_uevent *ev)
{
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
	}
	return 1;
}
