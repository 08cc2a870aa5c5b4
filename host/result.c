/* Check list and verdict arithmetic. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "result.h"

const char *const verdict_names[V__COUNT] = {
	[V_PASS] = "PASS", [V_SKIP] = "SKIP", [V_FAIL] = "FAIL", [V_ERROR] = "ERROR",
};

struct check *result_add(struct results *res, enum verdict v, const char *name,
			 unsigned lineno, const char *evidence, const char *fmt, ...)
{
	struct check *c;
	va_list ap;

	if (res->n == res->alloc) {
		size_t na = res->alloc ? res->alloc * 2 : 16;
		struct check *p = realloc(res->checks, na * sizeof(*p));

		if (!p)
			return NULL;
		res->checks = p;
		res->alloc = na;
	}
	c = &res->checks[res->n++];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->v = v;
	c->lineno = lineno;
	va_start(ap, fmt);
	if (vasprintf(&c->summary, fmt, ap) < 0)
		c->summary = NULL;
	va_end(ap);
	c->evidence = evidence ? strdup(evidence) : NULL;
	return c;
}

enum verdict result_overall(const struct results *res)
{
	int seen[V__COUNT] = { 0 };

	for (size_t i = 0; i < res->n; i++)
		seen[res->checks[i].v]++;
	if (seen[V_FAIL])
		return V_FAIL;
	if (seen[V_ERROR] || !res->n)
		return V_ERROR;
	if (seen[V_SKIP])
		return V_SKIP;
	return V_PASS;
}

int verdict_exit_code(enum verdict v)
{
	static const int code[V__COUNT] = {
		[V_PASS] = 0, [V_FAIL] = 1, [V_ERROR] = 2, [V_SKIP] = 4,
	};
	return code[v];
}

size_t result_count(const struct results *res, enum verdict v)
{
	size_t n = 0;

	for (size_t i = 0; i < res->n; i++)
		n += res->checks[i].v == v;
	return n;
}

void results_free(struct results *res)
{
	for (size_t i = 0; i < res->n; i++) {
		free(res->checks[i].summary);
		free(res->checks[i].evidence);
	}
	free(res->checks);
	memset(res, 0, sizeof(*res));
}
