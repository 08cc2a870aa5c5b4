/* `hotplug-test matrix`: every scenario on every arch, in parallel. Each job is its own
 * process (`hotplug-test run` with its own embedded libvirt root), so a crash or a hang
 * in one cannot take the others down; the parent reads each job's results.json back and
 * renders the table, junit.xml and a combined results.json.
 *   cmd_matrix.c     options, the scheduler loop
 *   matrix_prep.c    kernels, agents and initramfs of every arch, before any job
 *   matrix_job.c     starting, stopping and collecting one job
 *   matrix_report.c  progress line, final table, junit.xml, results.json
 *   matrix_shard.c   --shard K/N: this machine's slice of the jobs (shard.h)
 *   matrix_hosts.c   --connect URI…: the libvirt hosts jobs are spread over */
#ifndef HPT_MATRIX_H
#define HPT_MATRIX_H
#include <limits.h>
#include <stdint.h>
#include <sys/types.h>
#include "cmd.h"
#include "kernels.h"
#include "result.h"

struct arch;
struct jr_val;

enum job_state { JOB_WAITING, JOB_RUNNING, JOB_DONE };

/* One (arch, kernel) of the matrix, prepared once before any job starts: jobs of one
 * kernel would otherwise race on the same files. */
struct matrix_kernel {
	const struct arch *arch;
	const struct kernel_sel *sel;	/* NULL: Debian's default kernel (make guest-ARCH) */
	int many;			/* the arch has several kernels: labels in dir names */
	int plain, tools;		/* its jobs need an initramfs without / with ndctl, daxctl */
	struct prepared_kernel p;	/* for sel (the default one is the run's to make) */
	char err[1024];			/* could not be prepared: its jobs are ERRORs saying so */
};

struct job {
	const char *path, *name;	/* scenario file and name */
	const struct arch *arch;
	size_t index;			/* its place in the whole matrix (before --shard) */
	int host;			/* index into matrix.hosts */
	const struct matrix_kernel *mk;	/* the kernel it boots */
	int tools;			/* its scenario needs ndctl/daxctl in the guest */
	char dir[PATH_MAX];		/* run dir: OUT/<scenario>.<arch>[.<kernel label>] */
	enum job_state state;
	pid_t pid;
	uint64_t t_start, t_end;	/* now_ms() */
	int untimed;			/* merged from a shard: only t_end - t_start is known */
	/* outcome, from the run dir's results.json (or why there is none) */
	enum verdict v;
	struct results res;
	char kernel[96];		/* the release it booted */
	char package[160];		/* the package "NAME VERSION" it booted, "" if none */
	char note[512];
	char *json;			/* the results.json text, NULL if unusable */
};

#define MATRIX_ARCHES_MAX 8
#define MATRIX_HOSTS_MAX 32

/* A libvirt host jobs run on (matrix_hosts.c). */
enum mhost_state { MHOST_UP, MHOST_CHECKING, MHOST_DOWN };
struct mhost {
	char uri[1024];			/* "" = the embedded driver, a root per job */
	enum mhost_state state;
	int running;			/* jobs on it now */
	size_t jobs;			/* jobs started on it */
	pid_t check_pid;		/* MHOST_CHECKING: the child asking it */
	uint64_t check_deadline;	/* now_ms() by which the check must answer */
	char why[512];			/* MHOST_DOWN: why */
};

/* --shard K/N (matrix_shard.c); n = 0: the whole matrix. */
struct mshard {
	int k, n;
	size_t total;			/* jobs of the whole matrix */
	uint64_t plan;			/* shard_split()'s fingerprint */
	double load_ms;			/* this shard's estimated work */
	char by[PATH_MAX + 32];		/* "count", or "times FILE" */
	char *order;			/* every job's key in the whole matrix's order, '\n'-ended */
};

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
	struct matrix_kernel *mks;	/* every (arch, kernel), in order of arches, then kernels */
	int n_mks;
	int axis;			/* --kernel was given: jobs are named by kernel too */
	uint64_t t0;
	char started[32];		/* ISO 8601 local time */
	struct mhost hosts[MATRIX_HOSTS_MAX];
	int n_hosts;
	struct mshard shard;
	/* set by `merge` (cmd_merge.c): the joined shards' wall time and what was joined */
	uint64_t wall_ms;		/* 0: now_ms() - t0 */
	const char *merged_json;	/* raw JSON array, or NULL */
};

/* matrix_prep.c */
/* The (arch, kernel) pairs of the matrix's arches into m->mks; -ENOMEM. */
int matrix_kernels(struct matrix *m);
/* Builds what every (arch, kernel)'s jobs boot; one that cannot be prepared gets err. */
void matrix_prepare(struct matrix *m);
/* What a job's kernel is called in tables and reports: the spec asked for ("" = the
 * default kernel of a matrix without --kernel). */
const char *matrix_kernel_name(const struct matrix_kernel *mk);

/* matrix_job.c */
/* Forks `hotplug-test run` for j (stdout/stderr into the run dir's run.ktap/run.log). */
int job_start(struct matrix *m, struct job *j);
/* Fills j's verdict, kernel and checks from a run's parsed results.json; -EPROTO if it
 * is not one. */
int job_from_results(struct job *j, const struct jr_val *root);
/* Reads j's outcome once its process has exited with wait status `status`. */
void job_collect(struct matrix *m, struct job *j, int status);
/* Marks j as never run, with why. */
void job_not_run(struct job *j, enum verdict v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void job_free(struct job *j);

/* matrix_shard.c */
/* Keeps only shard K of N of m->jobs (spec "K/N"), balanced by the times recorded in
 * times_file (a results.json; NULL = by count). 0, or -EINVAL with err. */
int matrix_shard(struct matrix *m, const char *spec, const char *times_file, char *err,
		 size_t errlen);

/* matrix_hosts.c */
/* Parses the comma-joined --connect values ("" = one host, the embedded driver;
 * "qemu:///embed" names it in a list). 0, or -EINVAL with err. */
int matrix_hosts_parse(struct matrix *m, const char *list, char *err, size_t errlen);
/* An up host with a free slot (fewer than m->parallel jobs on it), the least busy; NULL
 * if none now. */
struct mhost *matrix_host_pick(struct matrix *m);
/* The URI a job on h passes to its run (NULL: the embedded driver). */
const char *matrix_host_uri(const struct mhost *h);
/* A job on h ended: frees its slot, names the host in an ERROR's note and, for a remote
 * host, starts a check of it (is it up? destroys the job's leftovers there). */
void matrix_host_job_end(struct matrix *m, struct job *j);
/* The scheduler's wait (cmd_matrix.c): until a running job or a host check ends (a pidfd
 * each: SIGCHLD is the QEMU reaper's, reaper.c), a stop is asked, or timeout_ms pass.
 * Returns poll()'s count (0: nothing came). Without pidfd_open (Linux < 5.3, a seccomp
 * filter) only the stop and the timeout wake it: slots then stay idle up to timeout_ms. */
int matrix_wait(struct matrix *m, int timeout_ms);

/* A child process ended: 1 if it was a host check (the host is then up or down). */
int matrix_host_reaped(struct matrix *m, pid_t pid, int status);
/* Ends checks past their deadline; 1 if no host is up or being checked. */
int matrix_hosts_all_down(struct matrix *m);
/* Every host's state, for a note: "URI: why; …". */
void matrix_hosts_why(const struct matrix *m, char *buf, size_t n);

/* matrix_report.c */
void matrix_progress(const struct matrix *m, int final);
void matrix_job_done(const struct matrix *m, const struct job *j);
void matrix_table(FILE *f, const struct matrix *m);
/* The output dir: out (made if missing), or runs/matrix-<time>; its absolute path into
 * m->out. -1 with a message naming verb when it cannot be made or holds a matrix. */
int matrix_out_dir(struct matrix *m, const char *out, const char *verb);
int matrix_write_junit(const struct matrix *m);
int matrix_write_json(const struct matrix *m, int exit_code);
/* 1 FAIL > 2 ERROR > 0 (PASS and SKIP; with --strict a SKIP check anywhere is 1). */
int matrix_exit_code(const struct matrix *m);
/* The matrix's wall time so far (or the joined shards', see wall_ms). */
uint64_t matrix_wall_ms(const struct matrix *m);

#endif
