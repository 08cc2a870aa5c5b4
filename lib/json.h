/* Minimal streaming JSON writer (results.json, evidence). Output is always valid JSON
 * as long as begin/end calls pair up; strings are escaped (control chars, quotes,
 * invalid UTF-8 bytes as \u00XX). Pass key = NULL inside arrays. */
#ifndef HPT_JSON_H
#define HPT_JSON_H
#include <stdint.h>
#include "strbuf.h"

#define JSON_DEPTH_MAX 32

struct json {
	struct strbuf *sb;
	int depth;
	int pretty;
	unsigned char first[JSON_DEPTH_MAX];
};

void json_init(struct json *j, struct strbuf *sb, int pretty);
void json_obj_begin(struct json *j, const char *key);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j, const char *key);
void json_arr_end(struct json *j);
void json_str(struct json *j, const char *key, const char *val);	/* NULL -> null */
void json_strn(struct json *j, const char *key, const char *val, size_t n);
void json_u64(struct json *j, const char *key, uint64_t v);
void json_i64(struct json *j, const char *key, int64_t v);
void json_double(struct json *j, const char *key, double v);
void json_bool(struct json *j, const char *key, int v);
void json_null(struct json *j, const char *key);
/* Inserts pre-rendered JSON text as a value (caller guarantees validity). */
void json_raw(struct json *j, const char *key, const char *json_text);

#endif
