/*
 * Busy-guest workloads: what runs in the guest while its memory goes offline (zram,
 * zswap, THP, long-term pins). This table names them and their options; it is shared by
 * the host (scenario lines are checked before any guest boots) and hp-agent, which
 * implements each one in guest/w_<name>.c. A scenario line
 *     workload start zram size=96M compact-ms=20
 * reaches the agent as "workload-start zram size=96M compact-ms=20" and both sides parse
 * the options with wl_parse().
 */
#ifndef HPT_WORKLOAD_H
#define HPT_WORKLOAD_H
#include <stddef.h>
#include <stdint.h>

#define WL_OPTS_MAX 8

enum wl_opt_type { WL_SIZE, WL_UINT, WL_ENUM };

struct wl_opt {
	const char *key;
	enum wl_opt_type type;
	uint64_t def, min, max;		/* WL_ENUM: def is an index into choices */
	const char *const *choices;	/* WL_ENUM: NULL-terminated */
	const char *help;
};

struct wl_def {
	const char *name;		/* "zram" */
	const char *help;		/* one line */
	const char *config[4];		/* kernel options it needs ("CONFIG_ZRAM"), NULL-ended */
	struct wl_opt opts[WL_OPTS_MAX];	/* ends at the first without a key */
};

extern const struct wl_def wl_defs[];	/* ends with a NULL name */

const struct wl_def *wl_def_find(const char *name);
/* Index of opt key in d, or -1. */
int wl_opt_index(const struct wl_def *d, const char *key);
/* Parses "key=value" words into v[] (v[i] = value of d->opts[i]; defaults first; enums
 * give the choice's index). 0 or -EINVAL with err naming the word. */
int wl_parse(const struct wl_def *d, int argc, char *const *argv, uint64_t *v, char *err,
	     size_t errlen);
/* o's default as a scenario would write it ("96M", "25", "disk"); "" when no value
 * names it (pins node=: no binding). */
const char *wl_opt_default(const struct wl_opt *o, char *buf, size_t len);
/* "zram [size=SIZE] [disksize=SIZE] …" into buf. */
const char *wl_usage(const struct wl_def *d, char *buf, size_t len);

#endif
