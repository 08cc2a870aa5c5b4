/* Unit tests for lib/hex.c: hex_encode, hex_decode. */
#include <string.h>
#include "hex.h"
#include "tap.h"

int main(void)
{
	unsigned char in[4] = { 0x00, 0x7f, 0xa5, 0xff }, out[8];
	char s[9];

	hex_encode(in, sizeof(in), s);
	ok(!strcmp(s, "007fa5ff"), "encode: %s", s);
	ok(hex_decode(s, out, sizeof(out)) == 4 && !memcmp(in, out, 4), "decode: round trip");
	ok(hex_decode("A5fF", out, sizeof(out)) == 2 && out[0] == 0xa5 && out[1] == 0xff,
	   "decode: either case");
	ok(hex_decode("", out, sizeof(out)) == 0, "decode: empty is 0 bytes");
	ok(hex_decode("00g0", out, sizeof(out)) == -3, "decode: a bad digit's offset (2)");
	ok(hex_decode("0x00", out, sizeof(out)) == -2, "decode: no 0x prefix");
	ok(hex_decode("abc", out, sizeof(out)) == -3, "decode: a lone last digit is bad");
	ok(hex_decode("0011", out, 1) == -3, "decode: more than max bytes");
	hex_encode(in, 0, s);
	ok(!s[0], "encode: 0 bytes is an empty string");
	return done();
}
