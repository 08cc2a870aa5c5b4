/* Minimal JSON reader (see jsonr.h): recursive descent over the text. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jsonr.h"
#include "strbuf.h"

struct cur {
	const char *p, *s, *end;
	int depth;
	char *err;
	size_t errlen;
};

static int fail(struct cur *c, const char *what)
{
	if (!c->err[0])
		snprintf(c->err, c->errlen, "offset %zu: %s", (size_t)(c->p - c->s), what);
	return -EINVAL;
}

static void ws(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static int lit(struct cur *c, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n))
		return fail(c, "bad literal");
	c->p += n;
	return 0;
}

static int hex4(struct cur *c, unsigned *u)
{
	*u = 0;
	if (c->end - c->p < 4)
		return fail(c, "short \\u escape");
	for (int i = 0; i < 4; i++) {
		char h = *c->p++;

		*u <<= 4;
		if (h >= '0' && h <= '9')
			*u |= (unsigned)(h - '0');
		else if (h >= 'a' && h <= 'f')
			*u |= (unsigned)(h - 'a' + 10);
		else if (h >= 'A' && h <= 'F')
			*u |= (unsigned)(h - 'A' + 10);
		else
			return fail(c, "bad \\u escape");
	}
	return 0;
}

static void utf8(struct strbuf *sb, unsigned u)
{
	char b[4];
	size_t n;

	if (u < 0x80) {
		b[0] = (char)u;
		n = 1;
	} else if (u < 0x800) {
		b[0] = (char)(0xc0 | u >> 6);
		b[1] = (char)(0x80 | (u & 0x3f));
		n = 2;
	} else if (u < 0x10000) {
		b[0] = (char)(0xe0 | u >> 12);
		b[1] = (char)(0x80 | (u >> 6 & 0x3f));
		b[2] = (char)(0x80 | (u & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | u >> 18);
		b[1] = (char)(0x80 | (u >> 12 & 0x3f));
		b[2] = (char)(0x80 | (u >> 6 & 0x3f));
		b[3] = (char)(0x80 | (u & 0x3f));
		n = 4;
	}
	sb_add(sb, b, n);
}

static int string(struct cur *c, char **out, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned u, lo;

	c->p++;	/* opening quote */
	while (c->p < c->end && *c->p != '"') {
		unsigned char ch = (unsigned char)*c->p;

		if (ch < 0x20)
			goto bad;
		if (ch != '\\') {
			sb_add(&sb, c->p++, 1);
			continue;
		}
		if (++c->p >= c->end)
			goto bad;
		switch (*c->p++) {
		case '"': sb_adds(&sb, "\""); break;
		case '\\': sb_adds(&sb, "\\"); break;
		case '/': sb_adds(&sb, "/"); break;
		case 'b': sb_adds(&sb, "\b"); break;
		case 'f': sb_adds(&sb, "\f"); break;
		case 'n': sb_adds(&sb, "\n"); break;
		case 'r': sb_adds(&sb, "\r"); break;
		case 't': sb_adds(&sb, "\t"); break;
		case 'u':
			if (hex4(c, &u) < 0)
				goto out;
			if (u >= 0xd800 && u < 0xdc00 && c->end - c->p >= 6 && c->p[0] == '\\' &&
			    c->p[1] == 'u') {
				const char *save = c->p;

				c->p += 2;
				if (hex4(c, &lo) < 0)
					goto out;
				if (lo >= 0xdc00 && lo < 0xe000)
					u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
				else
					c->p = save;
			}
			utf8(&sb, u >= 0xd800 && u < 0xe000 ? 0xfffd : u);
			break;
		default:
			goto bad;
		}
	}
	if (c->p >= c->end)
		goto bad;
	c->p++;
	*len = sb.len;
	*out = sb.buf ? sb.buf : strdup("");
	return *out ? 0 : -ENOMEM;
bad:
	fail(c, "bad string");
out:
	sb_release(&sb);
	return -EINVAL;
}

static int number(struct cur *c, double *v)
{
	const char *q = c->p;
	char buf[64], *end;

	if (q < c->end && *q == '-')
		q++;
	if (q >= c->end || *q < '0' || *q > '9')
		return fail(c, "bad number");
	while (q < c->end && strchr("0123456789+-.eE", *q))
		q++;
	if (q - c->p >= (long)sizeof(buf))
		return fail(c, "number too long");
	memcpy(buf, c->p, (size_t)(q - c->p));
	buf[q - c->p] = 0;
	*v = strtod(buf, &end);
	if (*end)
		return fail(c, "bad number");
	c->p = q;
	return 0;
}

static int value(struct cur *c, struct jr_val *v);

/* Members of an array or object, after the opening bracket. */
static int members(struct cur *c, struct jr_val *v, char close)
{
	size_t alloc = 0;

	ws(c);
	if (c->p < c->end && *c->p == close) {
		c->p++;
		return 0;
	}
	for (;;) {
		if (v->len == alloc) {
			size_t na = alloc ? alloc * 2 : 8;
			struct jr_val *it = realloc(v->items, na * sizeof(*it));
			char **k = v->type == JR_OBJ ? realloc(v->keys, na * sizeof(*k)) : NULL;

			if (it)
				v->items = it;
			if (k)
				v->keys = k;
			if (!it || (v->type == JR_OBJ && !k))
				return -ENOMEM;
			alloc = na;
		}
		memset(&v->items[v->len], 0, sizeof(v->items[0]));
		if (v->type == JR_OBJ) {
			size_t kl;

			ws(c);
			v->keys[v->len] = NULL;
			if (c->p >= c->end || *c->p != '"')
				return fail(c, "want a member name");
			if (string(c, &v->keys[v->len], &kl) < 0)
				return -EINVAL;
			ws(c);
			if (c->p >= c->end || *c->p++ != ':') {
				v->len++;
				return fail(c, "want ':'");
			}
		}
		v->len++;
		if (value(c, &v->items[v->len - 1]) < 0)
			return -EINVAL;
		ws(c);
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			continue;
		}
		if (c->p < c->end && *c->p == close) {
			c->p++;
			return 0;
		}
		return fail(c, close == ']' ? "want ',' or ']'" : "want ',' or '}'");
	}
}

static int value(struct cur *c, struct jr_val *v)
{
	int rc;

	memset(v, 0, sizeof(*v));
	ws(c);
	if (c->p >= c->end)
		return fail(c, "unexpected end");
	switch (*c->p) {
	case '{':
	case '[':
		if (++c->depth > JSONR_DEPTH_MAX)
			return fail(c, "nested too deeply");
		v->type = *c->p == '{' ? JR_OBJ : JR_ARR;
		c->p++;
		rc = members(c, v, v->type == JR_OBJ ? '}' : ']');
		c->depth--;
		return rc;
	case '"':
		v->type = JR_STR;
		return string(c, &v->str, &v->len);
	case 't':
		v->type = JR_BOOL;
		v->num = 1;
		return lit(c, "true");
	case 'f':
		v->type = JR_BOOL;
		return lit(c, "false");
	case 'n':
		return lit(c, "null");
	default:
		v->type = JR_NUM;
		return number(c, &v->num);
	}
}

int jr_parse(struct jr_val *v, const char *text, size_t len, char *err, size_t errlen)
{
	struct cur c = { .p = text, .s = text, .end = text + len, .err = err, .errlen = errlen };
	int rc;

	err[0] = 0;
	rc = value(&c, v);
	ws(&c);
	if (rc == 0 && c.p != c.end)
		rc = fail(&c, "trailing text");
	if (rc < 0) {
		if (rc == -ENOMEM && !err[0])
			snprintf(err, errlen, "out of memory");
		jr_free(v);
	}
	return rc;
}

void jr_free(struct jr_val *v)
{
	for (size_t i = 0; (v->type == JR_ARR || v->type == JR_OBJ) && i < v->len; i++) {
		jr_free(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
	memset(v, 0, sizeof(*v));
}

const struct jr_val *jr_get(const struct jr_val *v, const char *key)
{
	if (!v || v->type != JR_OBJ)
		return NULL;
	for (size_t i = 0; i < v->len; i++)
		if (v->keys[i] && !strcmp(v->keys[i], key))
			return &v->items[i];
	return NULL;
}

const char *jr_str(const struct jr_val *v, const char *key, const char *def)
{
	const struct jr_val *m = jr_get(v, key);

	return m && m->type == JR_STR ? m->str : def;
}

double jr_num(const struct jr_val *v, const char *key, double def)
{
	const struct jr_val *m = jr_get(v, key);

	return m && m->type == JR_NUM ? m->num : def;
}

void jr_write(struct json *j, const char *key, const struct jr_val *v)
{
	switch (v->type) {
	case JR_NULL:
		json_null(j, key);
		break;
	case JR_BOOL:
		json_bool(j, key, v->num != 0);
		break;
	case JR_NUM:
		json_double(j, key, v->num);
		break;
	case JR_STR:
		json_strn(j, key, v->str, v->len);
		break;
	case JR_OBJ:
		json_obj_begin(j, key);
		for (size_t i = 0; i < v->len; i++)
			jr_write(j, v->keys[i], &v->items[i]);
		json_obj_end(j);
		break;
	case JR_ARR:
		json_arr_begin(j, key);
		for (size_t i = 0; i < v->len; i++)
			jr_write(j, NULL, &v->items[i]);
		json_arr_end(j);
		break;
	}
}
