/*
 * A bundle carries several named files in one payload (guest snapshots):
 *     "F <len> <name>\n" <len bytes> "\n"   repeated.
 * Names are relative paths of [A-Za-z0-9._+-] components separated by '/', no "." or
 * ".." component, no leading '/', at most BUNDLE_NAME_MAX bytes: safe to join to a
 * host directory. Parsing never reads past the payload.
 */
#ifndef HPT_BUNDLE_H
#define HPT_BUNDLE_H
#include <stddef.h>
#include "strbuf.h"

#define BUNDLE_NAME_MAX 96
#define BUNDLE_FILES_MAX 256

struct bundle_file {
	char name[BUNDLE_NAME_MAX + 1];
	const char *data;	/* points into the payload; not NUL-terminated */
	size_t len;
};

/* Appends one file. -EINVAL for an unsafe name. */
int bundle_add(struct strbuf *sb, const char *name, const void *data, size_t len);
/* True if name is safe (see above). */
int bundle_name_ok(const char *name);

struct bundle_iter {
	const char *p, *end;
	char err[96];
	unsigned n;	/* files returned so far (at most BUNDLE_FILES_MAX) */
};
void bundle_iter_init(struct bundle_iter *it, const char *payload, size_t len);
/* 1 = *f filled, 0 = end, -EPROTO = malformed (it->err says why). */
int bundle_next(struct bundle_iter *it, struct bundle_file *f);
/* Finds a file by name; 0 or -ENOENT / -EPROTO. */
int bundle_find(const char *payload, size_t len, const char *name, struct bundle_file *f);

#endif
