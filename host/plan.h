/* The plan: a scenario's lines in execution order, with `repeat N { … }` blocks expanded
 * (nestable, bounded). Built, and so checked, before any guest boots. */
#ifndef HPT_PLAN_H
#define HPT_PLAN_H
#include <stddef.h>
#include "scenario.h"

#define PLAN_STEPS_MAX 100000	/* expanded steps per scenario */
#define PLAN_REPEAT_MAX 10000	/* iterations of one repeat */
#define PLAN_DEPTH_MAX 8

struct plan_step {
	const struct scn_line *line;
	unsigned iteration;	/* 1-based iteration of the innermost repeat, 0 outside */
};

struct plan {
	struct plan_step *steps;
	size_t n;
};

/* Expands s into p. 0, or -EINVAL/-E2BIG with err = "file:line: …". */
int plan_build(const struct scenario *s, struct plan *p, char *err, size_t errlen);
void plan_free(struct plan *p);
/* 1 if the line is loop syntax (`repeat N {` or `}`), not a step. */
int plan_is_control(const struct scn_line *l);

#endif
