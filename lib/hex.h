/* Bytes as hex digits and back: how the host hands the agent binary data (its entropy
 * seed, agent verb `seed`) in one word of a request. */
#ifndef HPT_HEX_H
#define HPT_HEX_H
#include <stddef.h>

/* Writes 2 * n lowercase hex digits and a NUL to out (2 * n + 1 bytes). */
void hex_encode(const void *buf, size_t n, char *out);
/* Decodes s (an even number of hex digits, either case) into at most max bytes.
 * Returns the byte count, or -1 - i where i is the offset of the first bad digit (a
 * digit past max bytes, or a lone last digit, is bad too). */
long hex_decode(const char *s, void *buf, size_t max);

#endif
