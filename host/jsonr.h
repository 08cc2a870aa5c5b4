/* Minimal JSON reader: parses a whole text into a tree of values (for reading back the
 * results.json files that runs write). Strict RFC 8259 syntax, bounded depth; strings are
 * decoded to UTF-8 (\u escapes included; a lone surrogate becomes U+FFFD). */
#ifndef HPT_JSONR_H
#define HPT_JSONR_H
#include <stddef.h>
#include "json.h"

#define JSONR_DEPTH_MAX 64

enum jr_type { JR_NULL, JR_BOOL, JR_NUM, JR_STR, JR_ARR, JR_OBJ };

struct jr_val {
	enum jr_type type;
	double num;		/* JR_NUM, JR_BOOL (0/1) */
	char *str;		/* JR_STR (NUL-terminated; may hold NULs if \u0000 was used) */
	size_t len;		/* JR_STR bytes; JR_ARR/JR_OBJ members */
	char **keys;		/* JR_OBJ: member names */
	struct jr_val *items;	/* JR_ARR/JR_OBJ members */
};

/* Parses text[0..len) into *v. 0, or -EINVAL/-ENOMEM with err = "offset N: …". */
int jr_parse(struct jr_val *v, const char *text, size_t len, char *err, size_t errlen);
void jr_free(struct jr_val *v);
/* Member `key` of an object (NULL if v is not an object or lacks it). */
const struct jr_val *jr_get(const struct jr_val *v, const char *key);
/* The string value of member key, or def when absent or not a string. */
const char *jr_str(const struct jr_val *v, const char *key, const char *def);
/* The number value of member key, or def. */
double jr_num(const struct jr_val *v, const char *key, double def);
/* Writes v back as JSON through j (member `key` inside an object, NULL in an array). */
void jr_write(struct json *j, const char *key, const struct jr_val *v);

#endif
