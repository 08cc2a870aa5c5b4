/* `hotplug-test matrix`: every scenario on every arch, in parallel. Each job is its own
 * process (`hotplug-test run` with its own embedded libvirt root), so a crash or a hang
 * in one cannot take the others down; the parent reads each job's results.json back and
 * renders the table, junit.xml and a combined results.json.
 *   cmd_matrix.c     options, the scheduler loop
 *   matrix_prep.c    kernels, agents and initramfs of every arch, before any job
 *   matrix_job.c     starting, stopping and collecting one job
 *   matrix_report.c  progress line, final table, junit.xml, results.json */
#ifndef HPT_MATRIX_H
#define HPT_MATRIX_H
#include <limits.h>
#include <stdint.h>
#include <sys/types.h>
#include "cmd.h"
#include "kernels.h"
#include "result.h"

struct arch;

enum job_state { JOB_WAITING, JOB_RUNNING, JOB_DONE };

struct job {
	const char *path, *name;	/* scenario file and name */
	const struct arch *arch;
	char dir[PATH_MAX];		/* run dir: OUT/<scenario>.<arch> */
	enum job_state state;
	pid_t pid;
	uint64_t t_start, t_end;	/* now_ms() */
	/* outcome, from the run dir's results.json (or why there is none) */
	enum verdict v;
	struct results res;
	char kernel[96];
	char note[512];
	char *json;			/* the results.json text, NULL if unusable */
};

#define MATRIX_ARCHES_MAX 8

struct matrix {
	struct job *jobs;
	size_t n;
	int parallel;			/* -j */
	char out[PATH_MAX];
	const struct job_cli *job;	/* the options every job's run gets (cli_job.c) */
	int verbose;
	int tty;			/* stdout is a terminal: live progress line */
	const struct arch *arches[MATRIX_ARCHES_MAX];
	int n_arches;
	struct kernel_list kernels;	/* --kernel/--modules */
	struct prepared_kernel own[MATRIX_ARCHES_MAX];	/* per arch: prepared kernels[] */
	char arch_err[MATRIX_ARCHES_MAX][512];	/* the arch's guest could not be prepared */
	uint64_t t0;
	char started[32];		/* ISO 8601 local time */
};

/* matrix_prep.c */
/* Builds what every arch's jobs boot; an arch that cannot be prepared gets arch_err. */
void matrix_prepare(struct matrix *m);

/* matrix_job.c */
/* Forks `hotplug-test run` for j (stdout/stderr into the run dir's run.ktap/run.log). */
int job_start(struct matrix *m, struct job *j);
/* Reads j's outcome once its process has exited with wait status `status`. */
void job_collect(struct matrix *m, struct job *j, int status);
/* Marks j as never run, with why. */
void job_not_run(struct job *j, enum verdict v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void job_free(struct job *j);
/* The prepared kernel arch a's jobs boot, NULL = Debian's. */
const struct prepared_kernel *matrix_own(const struct matrix *m, const struct arch *a);

/* matrix_report.c */
void matrix_progress(const struct matrix *m, int final);
void matrix_job_done(const struct matrix *m, const struct job *j);
void matrix_table(FILE *f, const struct matrix *m);
int matrix_write_junit(const struct matrix *m);
int matrix_write_json(const struct matrix *m, int exit_code);
/* 1 FAIL > 2 ERROR > 0 (PASS and SKIP; with --strict a SKIP check anywhere is 1). */
int matrix_exit_code(const struct matrix *m);

#endif
