/* Bytes as hex digits and back (hex.h). */
#include <stdio.h>
#include "hex.h"

void hex_encode(const void *buf, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p = buf;

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = 0;
}

static int nibble(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

long hex_decode(const char *s, void *buf, size_t max)
{
	unsigned char *p = buf;
	size_t i;

	for (i = 0; s[i]; i++) {
		int v = nibble(s[i]);

		if (v < 0 || i / 2 >= max || (i % 2 == 0 && !s[i + 1]))
			return -1 - (long)i;
		p[i / 2] = (unsigned char)(i % 2 ? p[i / 2] | v : v << 4);
	}
	return (long)(i / 2);
}
