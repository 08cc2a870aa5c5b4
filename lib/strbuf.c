/* Growable byte buffer with a hard cap (see strbuf.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "strbuf.h"

#define SB_DEFAULT_CAP ((size_t)64 << 20)

static size_t sb_cap(const struct strbuf *sb)
{
	return sb->cap ? sb->cap : SB_DEFAULT_CAP;
}

/* Makes room for n more bytes plus the NUL; -E2BIG past the cap, -ENOMEM. */
static int sb_grow(struct strbuf *sb, size_t n)
{
	size_t want, a;
	char *p;

	if (n > sb_cap(sb) || sb->len > sb_cap(sb) - n)
		return -E2BIG;
	want = sb->len + n + 1;
	if (sb->buf && want <= sb->alloc)
		return 0;
	a = sb->alloc ? sb->alloc : 64;
	while (a < want)
		a = a > ((size_t)-1) / 2 ? want : a * 2;
	p = realloc(sb->buf, a);
	if (!p)
		return -ENOMEM;
	if (!sb->buf)
		p[0] = '\0';
	sb->buf = p;
	sb->alloc = a;
	return 0;
}

int sb_add(struct strbuf *sb, const void *data, size_t n)
{
	int ret = sb_grow(sb, n);

	if (ret)
		return ret;
	if (n)
		memcpy(sb->buf + sb->len, data, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
	return 0;
}

int sb_adds(struct strbuf *sb, const char *s)
{
	return sb_add(sb, s, strlen(s));
}

int sb_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	char small[256];
	va_list ap2;
	int n, ret;

	va_copy(ap2, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n < sizeof(small))
		return sb_add(sb, small, n);
	ret = sb_grow(sb, (size_t)n);
	if (ret)
		return ret;
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += n;
	return 0;
}

int sb_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = sb_vaddf(sb, fmt, ap);
	va_end(ap);
	return ret;
}

void sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

void sb_release(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = 0;
	sb->alloc = 0;
}

const char *sb_str(const struct strbuf *sb)
{
	return sb->buf ? sb->buf : "";
}

/*
 * Appends the whole file. Reads in 16 KiB chunks (a multiple of 8, as /proc/kpageflags
 * wants) so that /proc and /sys files, whose size is unknown, work. -EFBIG if the file
 * holds more than max bytes, -E2BIG past the cap; sb is left as it was on failure.
 */
int sb_read_file(struct strbuf *sb, const char *path, size_t max)
{
	size_t start = sb->len, got = 0;
	char chunk[16384];
	int fd, ret = 0;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		if (n == 0)
			break;
		got += n;
		if (got > max) {
			ret = -EFBIG;
			break;
		}
		ret = sb_add(sb, chunk, n);
		if (ret)
			break;
	}
	close(fd);
	if (ret) {
		sb->len = start;
		if (sb->buf)
			sb->buf[start] = '\0';
	}
	return ret;
}

void sb_setlen(struct strbuf *sb, size_t len)
{
	if (len > sb->len)
		return;
	sb->len = len;
	if (sb->buf)
		sb->buf[len] = '\0';
}

int file_write_atomic(const char *path, const void *buf, size_t len, mode_t mode)
{
	char tmp[4096];
	int fd, rc = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, len) != (ssize_t)len)
		rc = errno ? -errno : -EIO;
	if (close(fd) < 0 && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path) < 0)
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}
