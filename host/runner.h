/* Runs one scenario on one arch, step by step, into its run dir. */
#ifndef HPT_RUNNER_H
#define HPT_RUNNER_H
#include "hpt.h"

/* Checks every line of s against the step table: err = "file:line: msg". */
int runner_validate(const struct scenario *s, char *err, size_t errlen);
/* 1 if the scenario's `arch` line (if any) includes arch. */
int runner_wants_arch(const struct scenario *s, const char *arch);
/* The `describe` text or "". */
const char *runner_description(const struct scenario *s);
/* Creates r->dir (0700): dir as given, or <parent>/<time>-<scenario>-<arch>. */
int runner_mkdir(struct run *r, const char *dir, const char *parent);
/* Executes the run; results end up in r->res and the run dir. */
void runner_run(struct run *r);

#endif
