/* Scenario plan with `repeat N { … }` expanded (see plan.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "plan.h"
#include "size.h"

int plan_is_control(const struct scn_line *l)
{
	return !strcmp(l->argv[0], "repeat") || !strcmp(l->argv[0], "}");
}

/* Finds the `}` closing the repeat at lines[i]; -1 if none. */
static long closing(const struct scenario *s, size_t i)
{
	int depth = 0;

	for (size_t k = i; k < s->n_lines; k++) {
		const struct scn_line *l = &s->lines[k];

		if (!strcmp(l->argv[0], "repeat"))
			depth++;
		else if (!strcmp(l->argv[0], "}") && --depth == 0)
			return (long)k;
	}
	return -1;
}

static int add(struct plan *p, const struct scn_line *l, unsigned it, size_t *alloc)
{
	if (p->n >= PLAN_STEPS_MAX)
		return -E2BIG;
	if (p->n == *alloc) {
		size_t na = *alloc ? *alloc * 2 : 64;
		struct plan_step *n = realloc(p->steps, na * sizeof(*n));

		if (!n)
			return -ENOMEM;
		p->steps = n;
		*alloc = na;
	}
	p->steps[p->n].line = l;
	p->steps[p->n].iteration = it;
	p->n++;
	return 0;
}

static int expand(const struct scenario *s, size_t from, size_t to, unsigned it, int depth,
		  struct plan *p, size_t *alloc, char *err, size_t errlen)
{
	for (size_t i = from; i < to; i++) {
		const struct scn_line *l = &s->lines[i];
		uint64_t n;
		long end;
		int rc;

		if (!strcmp(l->argv[0], "}")) {
			snprintf(err, errlen, "%s:%u: '}' without repeat", s->path, l->lineno);
			return -EINVAL;
		}
		if (strcmp(l->argv[0], "repeat")) {
			rc = add(p, l, it, alloc);
			if (rc < 0) {
				snprintf(err, errlen, "%s:%u: more than %d steps once repeats are "
					 "expanded", s->path, l->lineno, PLAN_STEPS_MAX);
				return rc;
			}
			continue;
		}
		if (l->argc != 3 || strcmp(l->argv[2], "{") ||
		    parse_u64(l->argv[1], 1, PLAN_REPEAT_MAX, &n) < 0) {
			snprintf(err, errlen, "%s:%u: want `repeat N {` with N from 1 to %d", s->path,
				 l->lineno, PLAN_REPEAT_MAX);
			return -EINVAL;
		}
		if (depth >= PLAN_DEPTH_MAX) {
			snprintf(err, errlen, "%s:%u: repeats nested deeper than %d", s->path,
				 l->lineno, PLAN_DEPTH_MAX);
			return -EINVAL;
		}
		end = closing(s, i);
		if (end < 0 || (size_t)end >= to) {
			snprintf(err, errlen, "%s:%u: repeat without its closing '}'", s->path,
				 l->lineno);
			return -EINVAL;
		}
		for (unsigned k = 1; k <= n; k++) {
			rc = expand(s, i + 1, (size_t)end, k, depth + 1, p, alloc, err, errlen);
			if (rc < 0)
				return rc;
		}
		i = (size_t)end;
	}
	return 0;
}

int plan_build(const struct scenario *s, struct plan *p, char *err, size_t errlen)
{
	size_t alloc = 0;
	int rc;

	memset(p, 0, sizeof(*p));
	rc = expand(s, 0, s->n_lines, 0, 0, p, &alloc, err, errlen);
	if (rc < 0)
		plan_free(p);
	return rc;
}

void plan_free(struct plan *p)
{
	free(p->steps);
	memset(p, 0, sizeof(*p));
}
