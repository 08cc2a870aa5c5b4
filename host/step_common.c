/* Helpers shared by step kinds. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "agent.h"
#include "step.h"

enum step_rc step_stop(struct run *r, const struct scn_line *l, enum verdict v,
		       const char *evidence, const char *fmt, ...)
{
	char name[96], *msg = NULL;
	va_list ap;

	snprintf(name, sizeof(name), "line %u: %s", l ? l->lineno : 0, l ? l->argv[0] : "run");
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	result_add(&r->res, v, name, l ? l->lineno : 0, evidence, "%s", msg ? msg : fmt);
	free(msg);
	return STEP_STOP;
}

int step_opts(const struct opt *tab, void *dst, const struct scn_line *l, int from,
	      char *err, size_t errlen)
{
	for (int i = from; i < l->argc; i++) {
		int rc = opts_kv(tab, dst, l->argv[i], err, errlen);

		if (rc == -ENOENT) {
			snprintf(err, errlen, "%s: unknown option '%s' (try: hotplug-test help %s)",
				 l->argv[0], l->argv[i], l->argv[0]);
			return -EINVAL;
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

int step_argc(const struct scn_line *l, int min, int max, char *err, size_t errlen)
{
	int pos = 0;

	for (int i = 1; i < l->argc && !strchr(l->argv[i], '='); i++)
		pos++;
	if (pos < min || pos > max) {
		snprintf(err, errlen, "%s: want %d to %d arguments before options, got %d",
			 l->argv[0], min, max, pos);
		return -EINVAL;
	}
	return pos;
}

int step_no_args(const struct scn_line *l, char *err, size_t errlen)
{
	if (l->argc != 1) {
		snprintf(err, errlen, "%s: takes no arguments", l->argv[0]);
		return -1;
	}
	return 0;
}

enum step_rc step_agent_verb(struct run *r, const struct scn_line *l, const char *verb,
			     uint64_t timeout_ms)
{
	char err[300];

	if (agent_simple(r, run_timeout(r, timeout_ms), verb, err, sizeof(err)) < 0)
		return step_stop(r, l, V_ERROR, NULL, "%s", err);
	return STEP_OK;
}
