/* Kernel log from /dev/kmsg: records since the previous read as "[sec.usec] msg" lines.
 * Records the kernel overwrote before they were read (EPIPE) are not dropped silently: a
 * line "[hpt] kmsg: N gap(s) ..." says so, and the kernel-log oracle will not call such a
 * log clean (KMSG_GAP_MARK, lib/proto.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "agent.h"

#define KMSG_CHUNK_MAX (4u << 20)	/* stop after this much; the rest comes next time */

/* Formats one record "prio,seq,usec,flags[,...];msg\n[ KEY=val\n...]". */
static int format_record(struct strbuf *out, const char *rec, size_t n)
{
	const char *semi = memchr(rec, ';', n), *msg, *nl, *p;
	unsigned long long usec;
	char *end;

	if (!semi)
		return 0;
	p = memchr(rec, ',', semi - rec);	/* after prio */
	if (!p)
		return 0;
	p = memchr(p + 1, ',', semi - p - 1);	/* after seq */
	if (!p)
		return 0;
	usec = strtoull(p + 1, &end, 10);
	msg = semi + 1;
	nl = memchr(msg, '\n', rec + n - msg);
	if (!nl)
		nl = rec + n;
	return sb_addf(out, "[%llu.%06llu] %.*s\n", usec / 1000000, usec % 1000000,
		       (int)(nl - msg), msg);
}

int ag_kmsg_read(struct agent *a, struct strbuf *out)
{
	char rec[8192 + 2];	/* a record is at most CONSOLE_EXT_LOG_MAX (8192) bytes */
	size_t start = out->len;
	int ret = 0, gaps = 0;

	if (a->kmsg_r < 0)
		return -ENODEV;
	while (out->len - start < KMSG_CHUNK_MAX) {
		ssize_t n = read(a->kmsg_r, rec, sizeof(rec) - 1);

		if (n < 0) {
			gaps += errno == EPIPE;	/* records overwritten before we read them */
			if (errno == EINTR || errno == EPIPE)
				continue;
			if (errno != EAGAIN && errno != EINVAL)	/* EINVAL: record too big */
				ret = -errno;
			break;
		}
		if (n == 0)
			break;
		rec[n] = '\0';
		ret = format_record(out, rec, n);
		if (ret)
			break;
	}
	if (gaps && !ret)
		ret = sb_addf(out, KMSG_GAP_MARK " %d gap(s): kernel log records were overwritten "
			      "before the agent read them\n", gaps);
	return ret;
}
