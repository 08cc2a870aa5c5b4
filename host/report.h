/* Reporters render finished runs and matrices. One file each (report_<name>.c; HTML
 * spans report_html*.c), registered in registry.c. Results are built once as data
 * (struct run, results.json) and rendered by each. */
#ifndef HPT_REPORT_H
#define HPT_REPORT_H
#include <stdio.h>

struct run;
struct matrix;

/* A reporter may stream runs (KTAP on stdout), leave files in each run dir when the run
 * is done (results.json, report.html) and in a matrix's output dir when the matrix is
 * done (junit.xml, results.json, index.html). Hooks it does not have are NULL. */
struct reporter {
	const char *name;
	const char *writes;	/* what it makes, for people */
	/* Called once before the first run (n = number of runs), per run, and at the end. */
	void (*begin)(FILE *f, int n);
	void (*one)(FILE *f, int index, const struct run *r);
	void (*end)(FILE *f);
	/* Files into r->dir. Called in table order: a later reporter may read what an
	 * earlier one wrote (report.html reads results.json). 0 or -errno. */
	int (*run_files)(const struct run *r);
	/* Files into m->out, in table order. 0 or -errno. */
	int (*matrix_files)(const struct matrix *m, int exit_code);
};

/* Every reporter, NULL-terminated (registry.c). */
extern const struct reporter *const reporters[];
/* Each reporter's run_files for a finished run (report.c); a failure is logged with the
 * run dir and the reporter. 0 or the first -errno. */
int report_run_files(const struct run *r);
/* Each reporter's matrix_files for a finished matrix; 0 or the first -errno. */
int report_matrix_files(const struct matrix *m, int exit_code);

extern const struct reporter report_ktap;
/* Writes <run dir>/results.json. 0 or -errno. */
int report_json_write(const struct run *r);
/* Renders results.json for one run into sb (used by the writer and by tests). */
struct strbuf;
void report_json_render(struct strbuf *sb, const struct run *r);

/* A finished job of a matrix (one scenario on one arch), as read back from its run dir:
 * what the JUnit writer renders. */
#include <stddef.h>
#include "result.h"
struct job_report {
	const char *scenario, *file, *arch;
	const char *kernel, *run_dir;	/* may be NULL */
	enum verdict v;
	double seconds;			/* wall time of the job */
	const struct results *res;	/* its checks (may be empty) */
	const char *note;		/* why it has no checks (died, not started), or NULL */
};
/* JUnit XML (the elements GitLab and Jenkins read): <testsuites> with one <testsuite> per
 * arch in order of appearance (properties: its kernel, checks_run and checks_skipped),
 * one <testcase name=scenario classname=arch assertions=CHECKS-THAT-RAN> per job, a
 * <failure>/<error> holding every non-passing check with its evidence, <skipped> with the
 * reason, <system-out> listing all checks. timestamp: ISO 8601 local time, no zone. */
void report_junit_render(struct strbuf *sb, const char *name, const struct job_report *jobs,
			 size_t n, const char *hostname, const char *timestamp);
/* Renders into path (written to path.tmp, then renamed). 0 or -errno. */
int report_junit_write(const char *path, const char *name, const struct job_report *jobs,
		       size_t n, const char *hostname, const char *timestamp);

#endif
