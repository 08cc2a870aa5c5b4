/*
 * Streaming JSON writer. j->first[d] holds two flags for the container open at depth d:
 * whether it has no member yet and whether it is an object (members need keys).
 * Containers nested deeper than JSON_DEPTH_MAX - 1 are written as null and their
 * contents dropped, so the output stays valid whatever the caller does.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"

#define J_EMPTY 1	/* no member written yet */
#define J_OBJECT 2	/* container is an object */

void json_init(struct json *j, struct strbuf *sb, int pretty)
{
	memset(j, 0, sizeof(*j));
	j->sb = sb;
	j->pretty = pretty;
	j->first[0] = J_EMPTY;
}

static void indent(struct json *j, int depth)
{
	static const char spaces[] = "                                ";

	sb_add(j->sb, "\n", 1);
	while (depth > 0) {
		int n = depth > 16 ? 16 : depth;

		sb_add(j->sb, spaces, 2 * (size_t)n);
		depth -= n;
	}
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t len, i;
	unsigned lo = 0x80, hi = 0xbf;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;	/* overlong */
	else if (p[0] == 0xed)
		hi = 0x9f;	/* surrogates */
	else if (p[0] == 0xf0)
		lo = 0x90;	/* overlong */
	else if (p[0] == 0xf4)
		hi = 0x8f;	/* above U+10FFFF */
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

static void put_string(struct json *j, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0, len;
	char esc[8];

	sb_add(j->sb, "\"", 1);
	while (i < n) {
		unsigned char c = p[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			i++;
			run++;
			continue;
		}
		if (c >= 0x80 && (len = utf8_len(p + i, n - i)) != 0) {
			i += len;
			run += len;
			continue;
		}
		sb_add(j->sb, p + i - run, run);
		run = 0;
		switch (c) {
		case '"': sb_add(j->sb, "\\\"", 2); break;
		case '\\': sb_add(j->sb, "\\\\", 2); break;
		case '\n': sb_add(j->sb, "\\n", 2); break;
		case '\r': sb_add(j->sb, "\\r", 2); break;
		case '\t': sb_add(j->sb, "\\t", 2); break;
		case '\b': sb_add(j->sb, "\\b", 2); break;
		case '\f': sb_add(j->sb, "\\f", 2); break;
		default:
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			sb_add(j->sb, esc, 6);
		}
		i++;
	}
	sb_add(j->sb, p + i - run, run);
	sb_add(j->sb, "\"", 1);
}

/* Separator, indentation and key before a value; 0 if the value must be dropped. */
static int prefix(struct json *j, const char *key)
{
	int d = j->depth;

	if (d >= JSON_DEPTH_MAX)
		return 0;
	if (!(j->first[d] & J_EMPTY))
		sb_add(j->sb, d ? "," : "\n", 1);
	j->first[d] &= (unsigned char)~J_EMPTY;
	if (d == 0)
		return 1;
	if (j->pretty)
		indent(j, d);
	if (j->first[d] & J_OBJECT) {
		put_string(j, key ? key : "", key ? strlen(key) : 0);
		sb_add(j->sb, j->pretty ? ": " : ":", j->pretty ? 2 : 1);
	}
	return 1;
}

static void begin(struct json *j, const char *key, int object)
{
	if (j->depth < JSON_DEPTH_MAX - 1) {
		prefix(j, key);
		sb_add(j->sb, object ? "{" : "[", 1);
		j->depth++;
		j->first[j->depth] = (unsigned char)(J_EMPTY | (object ? J_OBJECT : 0));
		return;
	}
	if (j->depth == JSON_DEPTH_MAX - 1 && prefix(j, key))
		sb_add(j->sb, "null", 4);
	j->depth++;
}

static void end(struct json *j)
{
	int d = j->depth;

	if (d <= 0)
		return;
	j->depth--;
	if (d >= JSON_DEPTH_MAX)
		return;
	if (j->pretty && !(j->first[d] & J_EMPTY))
		indent(j, d - 1);
	sb_add(j->sb, (j->first[d] & J_OBJECT) ? "}" : "]", 1);
}

void json_obj_begin(struct json *j, const char *key)
{
	begin(j, key, 1);
}

void json_obj_end(struct json *j)
{
	end(j);
}

void json_arr_begin(struct json *j, const char *key)
{
	begin(j, key, 0);
}

void json_arr_end(struct json *j)
{
	end(j);
}

void json_strn(struct json *j, const char *key, const char *val, size_t n)
{
	if (!prefix(j, key))
		return;
	if (val)
		put_string(j, val, n);
	else
		sb_add(j->sb, "null", 4);
}

void json_str(struct json *j, const char *key, const char *val)
{
	json_strn(j, key, val, val ? strlen(val) : 0);
}

void json_u64(struct json *j, const char *key, uint64_t v)
{
	if (prefix(j, key))
		sb_addf(j->sb, "%llu", (unsigned long long)v);
}

void json_i64(struct json *j, const char *key, int64_t v)
{
	if (prefix(j, key))
		sb_addf(j->sb, "%lld", (long long)v);
}

/* Shortest of %.15g..%.17g that reads back as v; '.' even under a ',' locale. */
void json_double(struct json *j, const char *key, double v)
{
	char buf[40], *c;
	int prec;

	if (!prefix(j, key))
		return;
	if (isnan(v) || isinf(v)) {
		sb_add(j->sb, "null", 4);
		return;
	}
	for (prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		for (c = buf; *c; c++)
			if (*c == ',')
				*c = '.';
		if (strtod(buf, NULL) == v)
			break;
	}
	sb_adds(j->sb, buf);
}

void json_bool(struct json *j, const char *key, int v)
{
	if (prefix(j, key))
		sb_adds(j->sb, v ? "true" : "false");
}

void json_null(struct json *j, const char *key)
{
	if (prefix(j, key))
		sb_add(j->sb, "null", 4);
}

void json_raw(struct json *j, const char *key, const char *json_text)
{
	if (prefix(j, key))
		sb_adds(j->sb, json_text ? json_text : "null");
}
