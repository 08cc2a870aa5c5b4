/* The JSON reader the matrix reads results.json with: what our writer writes comes back
 * unchanged, escapes decode, and malformed text is refused with the offset. */
#include <stdlib.h>
#include <string.h>
#include "json.h"
#include "jsonr.h"
#include "tap.h"

static int bad(const char *text, const char *what)
{
	struct jr_val v;
	char err[128];
	int rc = jr_parse(&v, text, strlen(text), err, sizeof(err));

	ok(rc < 0 && strstr(err, "offset"), "refused: %s (%s)", what, err);
	return rc;
}

int main(void)
{
	const char *esc = "\"\\u00e9\\ud83d\\ude00\\ud800x\"";
	const char *weird = "tab\there \"q\" back\\slash \x01 \xc3\xa9 \xff end";
	struct strbuf sb = STRBUF_INIT;
	struct jr_val v;
	const struct jr_val *arr, *ev;
	char err[128], deep[300];
	struct json j;

	/* what lib/json.c writes, read back */
	json_init(&j, &sb, 1);
	json_obj_begin(&j, NULL);
	json_str(&j, "verdict", "FAIL");
	json_str(&j, "kernel", NULL);
	json_str(&j, "summary", weird);
	json_i64(&j, "exit_code", -1);
	json_double(&j, "seconds", 3.25);
	json_bool(&j, "ok", 1);
	json_arr_begin(&j, "checks");
	json_obj_begin(&j, NULL);
	json_str(&j, "name", "no-leak zones");
	json_raw(&j, "evidence", "[{\"node\":0,\"zone\":\"Movable\"}]");
	json_obj_end(&j);
	json_arr_end(&j);
	json_obj_end(&j);
	ok(jr_parse(&v, sb.buf, sb.len, err, sizeof(err)) == 0, "our writer's output parses (%s)",
	   err);
	ok(!strcmp(jr_str(&v, "verdict", ""), "FAIL"), "strings");
	ok(jr_get(&v, "kernel") && jr_get(&v, "kernel")->type == JR_NULL &&
	   !strcmp(jr_str(&v, "kernel", "dflt"), "dflt"), "null, and defaults for non-strings");
	ok(jr_num(&v, "exit_code", 0) == -1 && jr_num(&v, "seconds", 0) == 3.25, "numbers");
	ok(jr_get(&v, "ok")->type == JR_BOOL && jr_get(&v, "ok")->num == 1, "booleans");
	ok(jr_str(&v, "summary", NULL) && !strncmp(jr_str(&v, "summary", ""), weird, 28),
	   "escapes and UTF-8 come back as written: %s", jr_str(&v, "summary", ""));
	arr = jr_get(&v, "checks");
	ev = arr && arr->len == 1 ? jr_get(&arr->items[0], "evidence") : NULL;
	ok(ev && ev->type == JR_ARR && !strcmp(jr_str(&ev->items[0], "zone", ""), "Movable"),
	   "nested arrays and objects");
	ok(!jr_get(&v, "absent") && !jr_get(arr, "x"), "missing members and non-objects: NULL");
	jr_free(&v);

	ok(jr_parse(&v, esc, strlen(esc), err, sizeof(err)) == 0 &&
	   !strcmp(v.str, "\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbdx"),
	   "\\u escapes: BMP, surrogate pair, lone surrogate -> U+FFFD");
	jr_free(&v);

	bad("{\"a\":1,}", "trailing comma");
	bad("{\"a\" 1}", "missing colon");
	bad("\"open", "unterminated string");
	bad("\"ctl\x01\"", "raw control character in a string");
	bad("[1] [2]", "trailing text");
	bad("tru", "cut literal");
	bad("\"\\x\"", "unknown escape");
	bad("-", "lone minus");
	memset(deep, '[', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = 0;
	bad(deep, "nesting deeper than JSONR_DEPTH_MAX");
	sb_release(&sb);
	return done();
}
