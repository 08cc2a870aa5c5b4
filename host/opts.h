/* One options table serves the command line (--key=value, --key value, --flag) and
 * scenario lines (key=value), and prints the usage of both. */
#ifndef HPT_OPTS_H
#define HPT_OPTS_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* OPT_LIST: may be given several times; each value is appended, comma-separated, to a
 * char[len] field. OPT_TABLE: no option of its own: the options of `sub` (a table shared
 * by several commands) parse into the struct at `off`. */
enum opt_type { OPT_SIZE, OPT_UINT, OPT_STR, OPT_FLAG, OPT_ENUM, OPT_LIST, OPT_TABLE };

struct opt {
	const char *name;
	enum opt_type type;
	size_t off;		/* offsetof the field in the target struct */
	size_t len;		/* OPT_STR: buffer size (char[]) or 0 for a const char * */
	uint64_t min, max;	/* OPT_SIZE/OPT_UINT bounds (max 0 = none) */
	const char *const *choices;	/* OPT_ENUM: NULL-terminated; field is int */
	const char *help;
	const char *def;	/* the default, as it would be written (opts_defaults(); help) */
	const struct opt *sub;	/* OPT_TABLE */
};

/* Parses one "key=value" word into dst. -ENOENT if key is not in the table, -EINVAL with
 * err filled for a bad value. */
int opts_kv(const struct opt *tab, void *dst, const char *word, char *err, size_t errlen);
/* Parses leading --options of argv (stops at the first non-option or "--"); returns the
 * index of the first positional argument, or -EINVAL with err filled. "-h"/"--help" make it
 * return -EAGAIN. */
int opts_cli(const struct opt *tab, void *dst, int argc, char **argv, char *err, size_t errlen);
/* One line per option: --name=VALUE (cli) or name=VALUE, its help and default. */
void opts_usage(FILE *f, const struct opt *tab, int cli);
/* What o's value looks like: "SIZE", "N", "S", "a|b|c" (OPT_ENUM), "" (OPT_FLAG). */
const char *opts_value(const struct opt *o, char *buf, size_t n);
/* Sets every option of tab that has a default to it (before parsing). 0 or -EINVAL. */
int opts_defaults(const struct opt *tab, void *dst, char *err, size_t errlen);
/* Writes the options of tab set in src (not zero, not the default) as --name=value words
 * into argv (at most max; their strings in buf); returns the count or -E2BIG. For a
 * command that runs another one with the same options. */
int opts_argv(const struct opt *tab, const void *src, char **argv, int max, char *buf,
	      size_t n);

#endif
