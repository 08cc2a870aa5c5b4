/* Unit tests for lib/json.c: exact output in compact and pretty mode, escaping. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "json.h"
#include "strbuf.h"
#include "tap.h"

static struct strbuf sb = STRBUF_INIT;
static struct json j;

static void start(int pretty)
{
	sb_reset(&sb);
	json_init(&j, &sb, pretty);
}

static void expect(const char *want, const char *what)
{
	ok(!strcmp(sb_str(&sb), want), "%s: want [%s] got [%s]", what, want, sb_str(&sb));
}

/* One string value inside an array, compared with the expected JSON text. */
static void str_case(const char *in, size_t n, const char *want, const char *what)
{
	start(0);
	json_arr_begin(&j, NULL);
	json_strn(&j, NULL, in, n);
	json_arr_end(&j);
	expect(want, what);
}

static void dbl_case(double v, const char *want)
{
	start(0);
	json_double(&j, NULL, v);
	ok(!strcmp(sb_str(&sb), want), "double %s: got [%s]", want, sb_str(&sb));
}

static void nested(void)
{
	json_obj_begin(&j, NULL);
	json_str(&j, "name", "x86_64-dimm");
	json_u64(&j, "size", 134217728);
	json_i64(&j, "delta", -2048);
	json_bool(&j, "ok", 1);
	json_bool(&j, "skip", 0);
	json_null(&j, "why");
	json_arr_begin(&j, "list");
	json_u64(&j, NULL, 1);
	json_str(&j, NULL, NULL);
	json_obj_begin(&j, NULL);
	json_obj_end(&j);
	json_arr_begin(&j, NULL);
	json_arr_end(&j);
	json_arr_end(&j);
	json_raw(&j, "raw", "{\"a\":[1,2]}");
	json_double(&j, "ratio", 0.5);
	json_obj_end(&j);
}

static void depth_limit(void)
{
	int i;
	char want[512];
	size_t n = 0;

	start(0);
	for (i = 0; i < JSON_DEPTH_MAX + 5; i++)
		json_arr_begin(&j, NULL);
	json_u64(&j, NULL, 7);
	json_str(&j, "k", "dropped");
	for (i = 0; i < JSON_DEPTH_MAX + 5; i++)
		json_arr_end(&j);
	json_u64(&j, NULL, 8);
	/* JSON_DEPTH_MAX - 1 real arrays, the innermost holding null */
	for (i = 0; i < JSON_DEPTH_MAX - 1; i++)
		want[n++] = '[';
	memcpy(want + n, "null", 4);
	n += 4;
	for (i = 0; i < JSON_DEPTH_MAX - 1; i++)
		want[n++] = ']';
	memcpy(want + n, "\n8", 3);
	expect(want, "too deep nesting becomes null and stays balanced");
	ok(j.depth == 0, "depth back to 0 (%d)", j.depth);
}

int main(void)
{
	start(0);
	nested();
	expect("{\"name\":\"x86_64-dimm\",\"size\":134217728,\"delta\":-2048,\"ok\":true,"
	       "\"skip\":false,\"why\":null,\"list\":[1,null,{},[]],\"raw\":{\"a\":[1,2]},"
	       "\"ratio\":0.5}", "compact object");

	start(1);
	nested();
	expect("{\n"
	       "  \"name\": \"x86_64-dimm\",\n"
	       "  \"size\": 134217728,\n"
	       "  \"delta\": -2048,\n"
	       "  \"ok\": true,\n"
	       "  \"skip\": false,\n"
	       "  \"why\": null,\n"
	       "  \"list\": [\n"
	       "    1,\n"
	       "    null,\n"
	       "    {},\n"
	       "    []\n"
	       "  ],\n"
	       "  \"raw\": {\"a\":[1,2]},\n"
	       "  \"ratio\": 0.5\n"
	       "}", "pretty object");

	start(1);
	json_obj_begin(&j, NULL);
	json_obj_end(&j);
	expect("{}", "pretty empty object");

	start(0);
	json_u64(&j, NULL, UINT64_MAX);
	expect("18446744073709551615", "u64 max at top level");
	start(0);
	json_i64(&j, NULL, INT64_MIN);
	expect("-9223372036854775808", "i64 min at top level");

	str_case("plain", 5, "[\"plain\"]", "plain string");
	str_case("a\"b\\c/d", 7, "[\"a\\\"b\\\\c/d\"]", "quote and backslash");
	str_case("\n\r\t\b\f", 5, "[\"\\n\\r\\t\\b\\f\"]", "short escapes");
	str_case("\x01\x1f\x7f", 3, "[\"\\u0001\\u001f\\u007f\"]", "other control chars");
	str_case("a\0b", 3, "[\"a\\u0000b\"]", "NUL inside json_strn");
	str_case("abc", 2, "[\"ab\"]", "json_strn stops at n");
	str_case("", 0, "[\"\"]", "empty string");
	str_case("\xc3\xa9t\xc3\xa9", 5, "[\"\xc3\xa9t\xc3\xa9\"]", "valid 2-byte UTF-8 kept");
	str_case("\xe2\x82\xac", 3, "[\"\xe2\x82\xac\"]", "valid 3-byte UTF-8 kept");
	str_case("\xf0\x9f\x98\x80", 4, "[\"\xf0\x9f\x98\x80\"]", "valid 4-byte UTF-8 kept");
	str_case("\xff", 1, "[\"\\u00ff\"]", "0xff escaped");
	str_case("\x80x", 2, "[\"\\u0080x\"]", "lone continuation escaped");
	str_case("\xc3", 1, "[\"\\u00c3\"]", "truncated sequence at end");
	str_case("\xc3(", 2, "[\"\\u00c3(\"]", "bad continuation");
	str_case("\xc0\xaf", 2, "[\"\\u00c0\\u00af\"]", "overlong 2-byte");
	str_case("\xe0\x80\xaf", 3, "[\"\\u00e0\\u0080\\u00af\"]", "overlong 3-byte");
	str_case("\xed\xa0\x80", 3, "[\"\\u00ed\\u00a0\\u0080\"]", "UTF-16 surrogate");
	str_case("\xf4\x90\x80\x80", 4, "[\"\\u00f4\\u0090\\u0080\\u0080\"]", "above U+10FFFF");
	str_case("\xe2\x82", 2, "[\"\\u00e2\\u0082\"]", "3-byte sequence cut short");

	start(0);
	json_obj_begin(&j, NULL);
	json_str(&j, "k\"\n", "v");
	json_u64(&j, NULL, 1);
	json_obj_end(&j);
	expect("{\"k\\\"\\n\":\"v\",\"\":1}", "keys escaped; NULL key in object becomes \"\"");

	start(0);
	json_arr_begin(&j, "ignored");
	json_u64(&j, "ignored", 1);
	json_obj_end(&j);
	json_obj_end(&j);
	expect("[1]", "keys ignored in arrays; mismatched and extra ends stay valid");

	dbl_case(0.1, "0.1");
	dbl_case(0.1 + 0.2, "0.30000000000000004");
	dbl_case(1.0 / 3, "0.3333333333333333");
	dbl_case(-2.5, "-2.5");
	dbl_case(3, "3");
	dbl_case(1e300, "1e+300");
	dbl_case(-0.0, "-0");
	dbl_case(5e-324, "4.94065645841247e-324");
	dbl_case(1e21, "1e+21");
	dbl_case(NAN, "null");
	dbl_case(INFINITY, "null");
	dbl_case(-INFINITY, "null");

	start(0);
	json_raw(&j, NULL, NULL);
	expect("null", "json_raw(NULL) writes null");

	depth_limit();

	sb_release(&sb);
	return done();
}
