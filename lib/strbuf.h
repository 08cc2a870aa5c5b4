/* Growable byte buffer with a hard cap, shared by host and guest. */
#ifndef HPT_STRBUF_H
#define HPT_STRBUF_H
#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>

struct strbuf {
	char *buf;	/* always NUL-terminated when non-NULL */
	size_t len;
	size_t alloc;
	size_t cap;	/* 0 = default cap (64 MiB); appends beyond it fail with -E2BIG */
};

#define STRBUF_INIT { 0 }

int sb_add(struct strbuf *sb, const void *data, size_t n);
int sb_adds(struct strbuf *sb, const char *s);
int sb_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int sb_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
void sb_reset(struct strbuf *sb);	/* len = 0, keeps memory */
/* Cuts the buffer back to len (<= sb->len): undoes a partial append. */
void sb_setlen(struct strbuf *sb, size_t len);
void sb_release(struct strbuf *sb);	/* frees */
/* Returns the buffer ("" when empty), never NULL. */
const char *sb_str(const struct strbuf *sb);
/* Reads a whole file (bounded by max bytes); -errno on failure. */
int sb_read_file(struct strbuf *sb, const char *path, size_t max);
/* Writes len bytes of buf to path through path.<pid>.tmp and rename(): a reader (another
 * process too) sees the whole file or none. 0 or -errno. */
int file_write_atomic(const char *path, const void *buf, size_t len, mode_t mode);

#endif
