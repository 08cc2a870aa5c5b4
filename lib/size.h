/* Parsing of sizes ("128M", "4G", "512K", "4096") and bounded integers. */
#ifndef HPT_SIZE_H
#define HPT_SIZE_H
#include <stdint.h>

/* Parses a byte size with an optional K/M/G/T suffix (binary, case-insensitive,
 * optional "iB"/"B"); a bare number is bytes. Returns 0 or -EINVAL/-ERANGE. */
int parse_size(const char *s, uint64_t *out);
/* Parses an unsigned decimal (or 0x hex) integer in [min, max]. */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* Formats bytes as "128 MiB" / "1.5 GiB" / "4096 B" into buf. */
const char *fmt_size(uint64_t bytes, char *buf, unsigned n);

#endif
