/* Private to snapshot.c and snapshot_parse.c: the per-file parsers and their cursor. */
#ifndef HPT_SNAPSHOT_INT_H
#define HPT_SNAPSHOT_INT_H
#include <stddef.h>
#include <stdint.h>
#include "snapshot.h"

/* Where a parser is, for "file:line: msg" errors. */
struct snap_cur {
	const char *file;	/* bundle name, or the path when loading a directory */
	unsigned line;		/* 0 = whole file */
	char *err;
	size_t errlen;
};

/* Fills c->err with "file:line: msg" (or "file: msg" for line 0) and returns r. */
int snap_fail(struct snap_cur *c, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* snapshot_tok.c: a span of the input (not NUL-terminated) and the lines of a file. */
struct tok {
	const char *p;
	size_t n;
};

struct lines {
	const char *p, *end;
};

/* Next line into *l without its '\n'; counts c->line. 0 at the end. */
int snap_next_line(struct snap_cur *c, struct lines *it, struct tok *l);
/* Splits l at blanks into w[0..max]; returns the word count, max + 1 meaning "more"
 * (w[max] is then the first extra word). */
size_t snap_split(struct tok l, struct tok *w, size_t max);
int snap_empty(struct tok l);
int snap_tok_is(struct tok t, const char *s);
/* t made printable and short for a message, in buf. */
const char *snap_show(struct tok t, char *buf, size_t len);
/* Decimal or 0x number <= max; "bad <what>" / "<what> out of range" errors (-EPROTO). */
int snap_tok_u64(struct snap_cur *c, struct tok t, uint64_t max, uint64_t *v, const char *what);
/* Hex with or without 0x, at most 16 digits. */
int snap_tok_hex(struct snap_cur *c, struct tok t, uint64_t *v, const char *what);
/* Copies a printable, blank-free token of 1..len-1 bytes into out. */
int snap_tok_name(struct snap_cur *c, struct tok t, char *out, size_t len, const char *what);
/* Room for element n of *arr (a T **), at most max elements: -E2BIG beyond, -ENOMEM. */
int snap_grow(struct snap_cur *c, void *arr, size_t *alloc, size_t n, size_t elem, size_t max,
	      const char *what);
/* Appends key = val, refusing duplicates and more than max keys. */
int snap_kv_add(struct snap_cur *c, struct kv **kv, size_t *n, size_t *alloc, struct tok key,
		uint64_t val, size_t max, const char *what);

/* Each parser fills its part of s from data (len bytes, not NUL-terminated). The part
 * is empty on entry; on error the caller empties it again. */
int snap_parse_meminfo(struct snapshot *s, struct snap_cur *c, const char *data, size_t len);
int snap_parse_vmstat(struct snapshot *s, struct snap_cur *c, const char *data, size_t len);
int snap_parse_mm(struct snapshot *s, struct snap_cur *c, const char *data, size_t len);
int snap_parse_zoneinfo(struct snapshot *s, struct snap_cur *c, const char *data, size_t len);
int snap_parse_iomem(struct snapshot *s, struct snap_cur *c, const char *data, size_t len);
int snap_parse_blocks(struct snapshot *s, struct snap_cur *c, const char *data, size_t len);
int snap_parse_kpage(struct snapshot *s, struct snap_cur *c, const char *data, size_t len);
int snap_parse_params(struct snapshot *s, struct snap_cur *c, const char *data, size_t len);
int snap_parse_dmesg(struct snapshot *s, struct snap_cur *c, const char *data, size_t len);

#endif
