/* Journal workload (image guests): floods systemd-journald through its native socket, so
 * that journald allocates (its mmapped journal files, on /run's tmpfs or /var) while memory
 * goes offline and away. Messages it could not take at once are counted, not waited for.
 * An initramfs guest has no journald: the workload is then an unmet need (SKIP). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "wl.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"

static struct {
	int fd;
	char *msg;
	size_t len;
	uint64_t sent, dropped, bytes;
	long pid0;
} jw;

/* systemd-journald's pid and resident set (kB), from /proc; pid 0 if it is not running. */
static long journald(uint64_t *rss_kb)
{
	char path[64], line[256];
	struct dirent *de;
	long pid = 0;
	DIR *d = opendir("/proc");

	*rss_kb = 0;
	while (d && !pid && (de = readdir(d))) {
		FILE *f;
		int is = 0;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/status", de->d_name);
		f = fopen(path, "re");
		while (f && fgets(line, sizeof(line), f)) {
			if (!strncmp(line, "Name:", 5))
				is = strstr(line, "systemd-journal") != NULL;
			else if (is)
				sscanf(line, "VmRSS: %llu", (unsigned long long *)rss_kb);
		}
		if (f)
			fclose(f);
		if (is)
			pid = strtol(de->d_name, NULL, 10);
	}
	if (d)
		closedir(d);
	return pid;
}

static int setup(struct wl_ctx *c, struct strbuf *out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t size = wl_opt(c, "size");
	uint64_t rss;
	int n;

	memset(&jw, 0, sizeof(jw));
	jw.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", JOURNAL_SOCKET);
	if (jw.fd < 0 || connect(jw.fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		sb_addf(out, "skip: journal needs systemd-journald (%s: %s): an image guest, "
			"run --image\n", JOURNAL_SOCKET, strerror(e));
		if (jw.fd >= 0)
			close(jw.fd);
		jw.fd = -1;
		return -EOPNOTSUPP;
	}
	jw.msg = malloc(size + 128);
	if (!jw.msg)
		return -ENOMEM;
	n = snprintf(jw.msg, size + 128, "SYSLOG_IDENTIFIER=hpt-journal\nPRIORITY=6\nMESSAGE=");
	memset(jw.msg + n, 'j', size);
	jw.msg[n + size] = '\n';
	jw.len = (size_t)n + size + 1;
	jw.pid0 = journald(&rss);
	sb_addf(out, "journald_pid=%ld\njournald_rss_kb_before=%llu\n", jw.pid0,
		(unsigned long long)rss);
	return 0;
}

static int round_(struct wl_ctx *c)
{
	uint64_t lines = wl_opt(c, "lines");

	for (uint64_t i = 0; i < lines && !wl_stopping; i++) {
		if (send(jw.fd, jw.msg, jw.len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
			if (errno != EAGAIN && errno != ENOBUFS && errno != EINTR)
				return -errno;
			jw.dropped++;
		} else {
			jw.sent++;
			jw.bytes += jw.len;
		}
	}
	wl_nap(wl_opt(c, "pause-ms"));
	return 0;
}

static int teardown(struct wl_ctx *c, struct strbuf *out)
{
	uint64_t rss;
	long pid = journald(&rss);

	if (jw.fd >= 0)
		close(jw.fd);
	free(jw.msg);
	/* evidence only: journald's watchdog may restart it on a slow (TCG) guest */
	sb_addf(out, "messages_sent=%llu\nmessages_dropped=%llu\nbytes_sent=%llu\n"
		"journald_pid_after=%ld\njournald_rss_kb_after=%llu\n",
		(unsigned long long)jw.sent, (unsigned long long)jw.dropped,
		(unsigned long long)jw.bytes, pid, (unsigned long long)rss);
	return 0;
}

const struct workload wl_journal = {
	.name = "journal", .setup = setup, .round = round_, .teardown = teardown,
};
