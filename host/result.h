/* Checks and verdicts. FAIL = the kernel did something wrong; ERROR = the testbed or
 * host could not do its job; SKIP = a need is unmet (with the reason). */
#ifndef HPT_RESULT_H
#define HPT_RESULT_H
#include <stddef.h>

enum verdict { V_PASS, V_SKIP, V_FAIL, V_ERROR, V__COUNT };
extern const char *const verdict_names[V__COUNT];	/* "PASS", "SKIP", ... */

struct check {
	char name[96];		/* "placement d0", "step 12 unplug" */
	enum verdict v;
	char *summary;		/* one line for people */
	char *evidence;		/* a JSON object (text), or NULL */
	unsigned lineno;	/* scenario line that made it, 0 = none */
};

struct results {
	struct check *checks;
	size_t n, alloc;
};

/* Adds a check; summary is printf-formatted; evidence (JSON text) is copied. */
struct check *result_add(struct results *res, enum verdict v, const char *name,
			 unsigned lineno, const char *evidence, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* Overall verdict: FAIL if any FAIL, else ERROR if any, else SKIP if any, else PASS
 * (an empty list is ERROR: a run that checked nothing proved nothing). */
enum verdict result_overall(const struct results *res);
int verdict_exit_code(enum verdict v);	/* 0 pass, 1 fail, 2 error, 4 skip */
size_t result_count(const struct results *res, enum verdict v);	/* checks with verdict v */
void results_free(struct results *res);

#endif
