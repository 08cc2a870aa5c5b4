/* Bundles: several named files in one payload (see bundle.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "bundle.h"

static int name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '+' || c == '-';
}

/* Checks the first n bytes of name (no NUL needed). */
static int name_ok_n(const char *name, size_t n)
{
	size_t i, comp = 0;

	if (n == 0 || n > BUNDLE_NAME_MAX)
		return 0;
	for (i = 0; i <= n; i++) {
		if (i == n || name[i] == '/') {
			const char *c = name + comp;
			size_t clen = i - comp;

			if (clen == 0 || (clen == 1 && c[0] == '.') ||
			    (clen == 2 && c[0] == '.' && c[1] == '.'))
				return 0;
			comp = i + 1;
		} else if (!name_char_ok(name[i])) {
			return 0;
		}
	}
	return 1;
}

int bundle_name_ok(const char *name)
{
	size_t n = strnlen(name, BUNDLE_NAME_MAX + 1);

	return name_ok_n(name, n);
}

int bundle_add(struct strbuf *sb, const char *name, const void *data, size_t len)
{
	size_t start = sb->len;
	int ret;

	if (!bundle_name_ok(name))
		return -EINVAL;
	ret = sb_addf(sb, "F %zu %s\n", len, name);
	if (!ret)
		ret = sb_add(sb, data, len);
	if (!ret)
		ret = sb_add(sb, "\n", 1);
	if (ret)
		sb_setlen(sb, start);
	return ret;
}

void bundle_iter_init(struct bundle_iter *it, const char *payload, size_t len)
{
	it->p = payload;
	it->end = payload + len;
	it->err[0] = '\0';
	it->n = 0;
}

__attribute__((format(printf, 2, 3)))
static int fail(struct bundle_iter *it, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(it->err, sizeof(it->err), fmt, ap);
	va_end(ap);
	it->p = it->end;	/* further calls report the end, not garbage */
	return -EPROTO;
}

int bundle_next(struct bundle_iter *it, struct bundle_file *f)
{
	const char *p = it->p, *end = it->end, *nl, *name;
	size_t avail = end - p, len = 0, digits = 0, nlen;

	if (p >= end)
		return 0;
	if (it->n >= BUNDLE_FILES_MAX)
		return fail(it, "file %u: more than %d files", it->n + 1, BUNDLE_FILES_MAX);
	if (avail < 2 || p[0] != 'F' || p[1] != ' ')
		return fail(it, "file %u: header does not start with 'F '", it->n + 1);
	p += 2;
	while (p < end && *p >= '0' && *p <= '9') {
		if (++digits > 12)
			return fail(it, "file %u: length too long", it->n + 1);
		len = len * 10 + (size_t)(*p - '0');
		p++;
	}
	if (!digits || p >= end || *p != ' ')
		return fail(it, "file %u: bad length", it->n + 1);
	name = ++p;
	avail = end - p;
	nl = memchr(p, '\n', avail < BUNDLE_NAME_MAX + 1 ? avail : BUNDLE_NAME_MAX + 1);
	if (!nl)
		return fail(it, "file %u: name unterminated or longer than %d bytes", it->n + 1,
			    BUNDLE_NAME_MAX);
	nlen = nl - name;
	if (!name_ok_n(name, nlen))
		return fail(it, "file %u: unsafe name '%.*s'", it->n + 1, (int)nlen, name);
	p = nl + 1;
	avail = end - p;
	if (len > avail || avail - len < 1)
		return fail(it, "file %.*s: truncated (%zu bytes left for %zu + newline)",
			    (int)nlen, name, avail, len);
	if (p[len] != '\n')
		return fail(it, "file %.*s: missing newline after data", (int)nlen, name);
	memcpy(f->name, name, nlen);
	f->name[nlen] = '\0';
	f->data = p;
	f->len = len;
	it->p = p + len + 1;
	it->n++;
	return 1;
}

int bundle_find(const char *payload, size_t len, const char *name, struct bundle_file *f)
{
	struct bundle_iter it;
	int ret;

	bundle_iter_init(&it, payload, len);
	while ((ret = bundle_next(&it, f)) == 1)
		if (!strcmp(f->name, name))
			return 0;
	return ret < 0 ? ret : -ENOENT;
}
