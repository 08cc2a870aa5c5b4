/* Tokens and bounded arrays for the snapshot parsers: spans of the input, never read
 * past it; every failure fills "file:line: msg". */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "size.h"
#include "snapshot_int.h"

int snap_fail(struct snap_cur *c, int r, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	if (!c->err || !c->errlen)
		return r;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->line)
		snprintf(c->err, c->errlen, "%s:%u: %s", c->file, c->line, msg);
	else
		snprintf(c->err, c->errlen, "%s: %s", c->file, msg);
	return r;
}

int snap_next_line(struct snap_cur *c, struct lines *it, struct tok *l)
{
	const char *nl;

	if (it->p >= it->end)
		return 0;
	nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
	l->p = it->p;
	l->n = nl ? (size_t)(nl - it->p) : (size_t)(it->end - it->p);
	it->p += l->n + (nl != NULL);
	c->line++;
	return 1;
}

static int is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* Splits l into w[0..max]; returns the word count, max + 1 meaning "more than max"
 * (w[max] is then the first extra word, for messages). */
size_t snap_split(struct tok l, struct tok *w, size_t max)
{
	size_t i = 0, nw = 0, s;

	for (;;) {
		while (i < l.n && is_blank(l.p[i]))
			i++;
		if (i == l.n || nw > max)
			return nw;
		for (s = i; i < l.n && !is_blank(l.p[i]); i++)
			;
		w[nw].p = l.p + s;
		w[nw++].n = i - s;
	}
}

/* A token made printable and short enough for a message. */
const char *snap_show(struct tok t, char *buf, size_t len)
{
	size_t i, n = t.n < len - 4 ? t.n : len - 4;

	for (i = 0; i < n; i++)
		buf[i] = t.p[i] > 0x20 && t.p[i] < 0x7f ? t.p[i] : '?';
	strcpy(buf + n, n < t.n ? "..." : "");
	return buf;
}

int snap_tok_is(struct tok t, const char *s)
{
	return t.n == strlen(s) && !memcmp(t.p, s, t.n);
}

int snap_tok_u64(struct snap_cur *c, struct tok t, uint64_t max, uint64_t *v, const char *what)
{
	char b[24], sb[32];
	int r = -EINVAL;

	if (t.n < sizeof(b) && !memchr(t.p, '\0', t.n)) {
		memcpy(b, t.p, t.n);
		b[t.n] = '\0';
		r = parse_u64(b, 0, max, v);
	}
	if (r == -ERANGE)
		return snap_fail(c, -EPROTO, "%s out of range: %s", what, snap_show(t, sb, sizeof(sb)));
	if (r)
		return snap_fail(c, -EPROTO, "bad %s: %s", what, snap_show(t, sb, sizeof(sb)));
	return 0;
}

/* Hex with or without 0x, at most 16 digits. */
int snap_tok_hex(struct snap_cur *c, struct tok t, uint64_t *v, const char *what)
{
	char sb[32];
	size_t i = t.n > 2 && t.p[0] == '0' && (t.p[1] == 'x' || t.p[1] == 'X') ? 2 : 0;
	uint64_t x = 0;

	if (!t.n)
		return snap_fail(c, -EPROTO, "missing %s", what);
	if (t.n == i || t.n - i > 16)
		return snap_fail(c, -EPROTO, "bad %s: %s", what, snap_show(t, sb, sizeof(sb)));
	for (; i < t.n; i++) {
		char ch = t.p[i];
		unsigned d;

		if (ch >= '0' && ch <= '9')
			d = (unsigned)(ch - '0');
		else if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f')
			d = (unsigned)((ch | 0x20) - 'a' + 10);
		else
			return snap_fail(c, -EPROTO, "bad %s: %s", what, snap_show(t, sb, sizeof(sb)));
		x = x << 4 | d;
	}
	*v = x;
	return 0;
}

/* Copies a printable, blank-free token of 1..len-1 bytes into out. */
int snap_tok_name(struct snap_cur *c, struct tok t, char *out, size_t len, const char *what)
{
	char sb[32];
	size_t i;

	for (i = 0; i < t.n; i++)
		if (t.p[i] <= 0x20 || t.p[i] >= 0x7f)
			break;
	if (!t.n)
		return snap_fail(c, -EPROTO, "missing %s", what);
	if (i < t.n)
		return snap_fail(c, -EPROTO, "bad %s: %s", what, snap_show(t, sb, sizeof(sb)));
	if (t.n >= len)
		return snap_fail(c, -EPROTO, "%s too long: %s", what, snap_show(t, sb, sizeof(sb)));
	memcpy(out, t.p, t.n);
	out[t.n] = '\0';
	return 0;
}

/* Makes room for one more element in *arr, at most max of them. */
int snap_grow(struct snap_cur *c, void *arr, size_t *alloc, size_t n, size_t elem,
		size_t max, const char *what)
{
	void **a = arr, *p;
	size_t na;

	if (n < *alloc)
		return 0;
	if (n >= max)
		return snap_fail(c, -E2BIG, "more than %zu %s", max, what);
	na = *alloc ? *alloc * 2 : 64;
	if (na > max)
		na = max;
	p = realloc(*a, na * elem);
	if (!p)
		return snap_fail(c, -ENOMEM, "out of memory");
	*a = p;
	*alloc = na;
	return 0;
}

int snap_empty(struct tok l)
{
	struct tok w[1];

	return snap_split(l, w, 0) == 0;
}

/* Appends key/value to a kv array, refusing duplicates. */
int snap_kv_add(struct snap_cur *c, struct kv **kv, size_t *n, size_t *alloc, struct tok key,
		  uint64_t val, size_t max, const char *what)
{
	char name[sizeof((*kv)->key)];
	size_t i;
	int r;

	r = snap_tok_name(c, key, name, sizeof(name), "key");
	if (r)
		return r;
	for (i = 0; i < *n; i++)
		if (!strcmp((*kv)[i].key, name))
			return snap_fail(c, -EPROTO, "duplicate key %s", name);
	r = snap_grow(c, kv, alloc, *n, sizeof(**kv), max, what);
	if (r)
		return r;
	memcpy((*kv)[*n].key, name, sizeof(name));
	(*kv)[(*n)++].val = val;
	return 0;
}

