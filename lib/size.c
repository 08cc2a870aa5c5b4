/* Sizes and bounded integers: "128M" -> 134217728, 134217728 -> "128 MiB". */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "size.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parses a decimal or 0x-hex number at s; *end points past it. No sign, no blanks. */
static int parse_num(const char *s, uint64_t *out, const char **end)
{
	unsigned base = 10;
	uint64_t v = 0;
	int d, any = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (;; s++) {
		d = base == 16 ? hexval(*s) : (*s >= '0' && *s <= '9' ? *s - '0' : -1);
		if (d < 0)
			break;
		if (v > (UINT64_MAX - (unsigned)d) / base)
			return -ERANGE;
		v = v * base + (unsigned)d;
		any = 1;
	}
	if (!any)
		return -EINVAL;
	*out = v;
	*end = s;
	return 0;
}

int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *end;
	uint64_t v;
	int r;

	if (!s || !*s)
		return -EINVAL;
	r = parse_num(s, &v, &end);
	if (r)
		return r;
	if (*end)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

static int lower(char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

int parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "kmgt";
	const char *end, *u;
	unsigned shift = 0;
	uint64_t v;
	int r;

	if (!s || !*s)
		return -EINVAL;
	r = parse_num(s, &v, &end);
	if (r)
		return r;
	if (*end && (u = strchr(units, lower(*end))) != NULL) {
		shift = 10 * (unsigned)(u - units + 1);
		end++;
		if (lower(end[0]) == 'i' && lower(end[1]) == 'b')
			end += 2;
		else if (lower(end[0]) == 'b')
			end++;
	} else if (lower(*end) == 'b') {
		end++;
	}
	if (*end)
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

const char *fmt_size(uint64_t bytes, char *buf, unsigned n)
{
	static const char *const names[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	unsigned i = 0;
	uint64_t unit, tenths;

	if (!buf || !n)
		return buf;
	while (i < 6 && bytes >> (10 * (i + 1)))
		i++;
	unit = 1ull << (10 * i);
	if (bytes % unit == 0) {
		snprintf(buf, n, "%llu %s", (unsigned long long)(bytes / unit), names[i]);
		return buf;
	}
	/* bytes % unit * 10 cannot overflow: unit <= 2^60 */
	tenths = bytes / unit * 10 + (bytes % unit * 10 + unit / 2) / unit;
	if (tenths >= 10240 && i < 6) {	/* 1023.96 MiB rounds to 1.0 GiB */
		i++;
		unit <<= 10;
		tenths = bytes / unit * 10 + (bytes % unit * 10 + unit / 2) / unit;
	}
	snprintf(buf, n, "%llu.%llu %s", (unsigned long long)(tenths / 10),
		 (unsigned long long)(tenths % 10), names[i]);
	return buf;
}
