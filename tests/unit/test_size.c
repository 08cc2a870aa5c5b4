/* Unit tests for lib/size.c: parse_size, parse_u64, fmt_size. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include "size.h"
#include "tap.h"

static void size_ok(const char *s, uint64_t want)
{
	uint64_t v = 12345;
	int r = parse_size(s, &v);

	ok(r == 0 && v == want, "parse_size(\"%s\") = %llu (r=%d, got %llu)", s,
	   (unsigned long long)want, r, (unsigned long long)v);
}

static void size_bad(const char *s, int want)
{
	uint64_t v = 777;
	int r = parse_size(s, &v);

	ok(r == want && v == 777, "parse_size(\"%s\") fails with %d (got %d)", s, want, r);
}

static void u64_case(const char *s, uint64_t min, uint64_t max, int want_r, uint64_t want)
{
	uint64_t v = 777;
	int r = parse_u64(s, min, max, &v);

	ok(r == want_r && v == (want_r ? 777 : want), "parse_u64(\"%s\", %llu, %llu) r=%d v=%llu",
	   s ? s : "(null)", (unsigned long long)min, (unsigned long long)max, r,
	   (unsigned long long)v);
}

static void fmt_case(uint64_t bytes, const char *want)
{
	char buf[32];
	const char *got = fmt_size(bytes, buf, sizeof(buf));

	ok(got == buf && !strcmp(buf, want), "fmt_size(%llu) = \"%s\" (got \"%s\")",
	   (unsigned long long)bytes, want, buf);
}

int main(void)
{
	char small[6];

	size_ok("128M", 128ull << 20);
	size_ok("128MiB", 128ull << 20);
	size_ok("128mib", 128ull << 20);
	size_ok("128MB", 128ull << 20);
	size_ok("4G", 4ull << 30);
	size_ok("1t", 1ull << 40);
	size_ok("1TiB", 1ull << 40);
	size_ok("512k", 512ull << 10);
	size_ok("512K", 512ull << 10);
	size_ok("4096", 4096);
	size_ok("4096B", 4096);
	size_ok("0", 0);
	size_ok("0M", 0);
	size_ok("0x1000", 4096);
	size_ok("0X1000", 4096);
	size_ok("0x10M", 16ull << 20);
	size_ok("0x1B", 0x1b);	/* 'B' is a hex digit here, not a unit */
	size_ok("007", 7);
	size_ok("18446744073709551615", UINT64_MAX);
	size_ok("0xffffffffffffffff", UINT64_MAX);
	size_ok("16777215T", 16777215ull << 40);

	size_bad("", -EINVAL);
	size_bad(NULL, -EINVAL);
	size_bad("-1", -EINVAL);
	size_bad("-128M", -EINVAL);
	size_bad("+1", -EINVAL);
	size_bad(" 1", -EINVAL);
	size_bad("1 ", -EINVAL);
	size_bad("1 M", -EINVAL);
	size_bad("M", -EINVAL);
	size_bad("0x", -EINVAL);
	size_bad("0xM", -EINVAL);
	size_bad("12X", -EINVAL);
	size_bad("128Mx", -EINVAL);
	size_bad("128MiBs", -EINVAL);
	size_bad("128Mi", -EINVAL);
	size_bad("1.5G", -EINVAL);
	size_bad("4GG", -EINVAL);
	size_bad("1P", -EINVAL);
	size_bad("18446744073709551616", -ERANGE);
	size_bad("99999999999999999999999", -ERANGE);
	size_bad("0x10000000000000000", -ERANGE);
	size_bad("16777216T", -ERANGE);
	size_bad("17179869184G", -ERANGE);
	size_bad("18014398509481984K", -ERANGE);

	u64_case("0", 0, 10, 0, 0);
	u64_case("10", 0, 10, 0, 10);
	u64_case("11", 0, 10, -ERANGE, 0);
	u64_case("4", 5, 10, -ERANGE, 0);
	u64_case("0x10", 0, 100, 0, 16);
	u64_case("18446744073709551615", 0, UINT64_MAX, 0, UINT64_MAX);
	u64_case("18446744073709551616", 0, UINT64_MAX, -ERANGE, 0);
	u64_case("", 0, 10, -EINVAL, 0);
	u64_case(NULL, 0, 10, -EINVAL, 0);
	u64_case("-1", 0, 10, -EINVAL, 0);
	u64_case("1k", 0, 10000, -EINVAL, 0);
	u64_case("1 ", 0, 10, -EINVAL, 0);
	u64_case(" 1", 0, 10, -EINVAL, 0);
	u64_case("0x", 0, 10, -EINVAL, 0);
	u64_case("abc", 0, 10, -EINVAL, 0);

	fmt_case(0, "0 B");
	fmt_case(1, "1 B");
	fmt_case(1023, "1023 B");
	fmt_case(1024, "1 KiB");
	fmt_case(1536, "1.5 KiB");
	fmt_case(4096, "4 KiB");
	fmt_case(128ull << 20, "128 MiB");
	fmt_case(126ull << 20, "126 MiB");
	fmt_case(3ull << 29, "1.5 GiB");
	fmt_case(4ull << 30, "4 GiB");
	fmt_case((128ull << 20) + 1, "128.0 MiB");
	fmt_case((1ull << 30) - 1, "1.0 GiB");	/* rounds up into the next unit */
	fmt_case((1ull << 20) - 100, "1023.9 KiB");
	fmt_case((1ull << 20) - 40, "1.0 MiB");
	fmt_case(1ull << 40, "1 TiB");
	fmt_case(1ull << 60, "1 EiB");
	fmt_case(UINT64_MAX, "16.0 EiB");
	fmt_case(1288490189, "1.2 GiB");	/* 1.2000000002 GiB */

	fmt_size(128ull << 20, small, sizeof(small));
	ok(!strcmp(small, "128 M"), "fmt_size truncates to the buffer (\"%s\")", small);
	ok(fmt_size(1, NULL, 0) == NULL, "fmt_size with no buffer returns NULL");
	return done();
}
