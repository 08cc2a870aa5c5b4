/* `hotplug-test matrix [options] SCENARIO…`: every scenario on every arch, up to -j
 * guests at a time, each job its own `hotplug-test run` process (see matrix.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "arch.h"
#include "caps.h"
#include "cmd.h"
#include "guest.h"
#include "hpt.h"
#include "matrix.h"
#include "opts.h"
#include "report.h"
#include "runner.h"
#include "size.h"
#include "virt.h"

#define JOB_GIB 3		/* host memory a TCG guest of ours may take, with QEMU */
#define STOP_GRACE_MS 60000	/* after SIGTERM, how long a job may take to clean up */

struct matrix_cli {
	struct job_cli job;	/* what run and matrix share (cli_job.c) */
	const char *arch, *out;
	uint64_t jobs;
	int verbose;
};

static const struct opt matrix_opts[] = {
	{ "arch", OPT_STR, offsetof(struct matrix_cli, arch), 0, 0, 0, NULL,
	  "comma-separated arches (default: all of them)" },
	{ "jobs", OPT_UINT, offsetof(struct matrix_cli, jobs), 0, 1, 64, NULL,
	  "guests at a time (-j N; default: what the host's cores and memory allow)" },
	{ "out", OPT_STR, offsetof(struct matrix_cli, out), 0, 0, 0, NULL,
	  "output dir: a run dir per job, junit.xml, results.json (default runs/matrix-<time>)" },
	{ "", OPT_TABLE, offsetof(struct matrix_cli, job), .sub = job_opts },
	{ "verbose", OPT_FLAG, offsetof(struct matrix_cli, verbose), 0, 0, 0, NULL,
	  "log each step into the jobs' run.log (-v)" },
	{ 0 }
};

static void matrix_usage(FILE *f)
{
	fprintf(f, "usage: hotplug-test matrix [options] SCENARIO.scn…\n\noptions:\n");
	opts_usage(f, matrix_opts, 1);
	fprintf(f, "\nruns each scenario on each arch (a process and a libvirt root per job), prints "
		   "a table\n(PASS/FAIL/ERROR/SKIP and time), writes junit.xml and results.json.\n"
		   "exit status: 1 if a job failed (or, with --strict, any check SKIPped), else 2 "
		   "if one errored, else 0\n");
}

/* -j N / -jN become --jobs N (the options table speaks long options). */
static char **long_jobs(int argc, char **argv, char *buf, size_t n)
{
	char **out = calloc((size_t)argc + 1, sizeof(*out));

	for (int i = 0; out && i < argc; i++) {
		out[i] = argv[i];
		if (!strcmp(argv[i], "-j"))
			out[i] = "--jobs";
		else if (!strncmp(argv[i], "-j", 2) && argv[i][2] >= '0' && argv[i][2] <= '9') {
			snprintf(buf, n, "--jobs=%s", argv[i] + 2);
			out[i] = buf;
		}
	}
	return out;
}

/* As many guests as cores, and as host memory allows (JOB_GIB each, 2 GiB spare). */
static int default_parallel(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned long long avail_kb = 0;
	char line[128];
	FILE *f = fopen("/proc/meminfo", "r");
	long by_mem;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &avail_kb) == 1)
			break;
	if (f)
		fclose(f);
	by_mem = avail_kb ? (long)(avail_kb >> 20) / JOB_GIB - 1 : cpus;
	if (cpus > by_mem)
		cpus = by_mem;
	return cpus < 1 ? 1 : (int)cpus;
}

static int out_dir(struct matrix *m, const char *out)
{
	char stamp[32], path[PATH_MAX];
	time_t t = time(NULL);
	struct stat st;

	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", localtime(&t));
	strftime(m->started, sizeof(m->started), "%Y-%m-%dT%H:%M:%S", localtime(&t));
	if (out)
		snprintf(path, sizeof(path), "%s", out);
	else
		snprintf(path, sizeof(path), "runs/matrix-%s", stamp);
	if (!out)
		mkdir("runs", 0755);
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "hotplug-test matrix: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode) || !realpath(path, m->out)) {
		fprintf(stderr, "hotplug-test matrix: %s: not a directory\n", path);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/results.json", m->out);
	if (!access(path, F_OK)) {
		fprintf(stderr, "hotplug-test matrix: %s holds a matrix already (choose another "
			"--out)\n", m->out);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/.jobs", m->out);
	mkdir(path, 0700);
	return 0;
}

static struct job *by_pid(struct matrix *m, pid_t pid)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->jobs[i].state == JOB_RUNNING && m->jobs[i].pid == pid)
			return &m->jobs[i];
	return NULL;
}

/* The scheduler: start jobs while fewer than -j run, collect the ones that end. */
static void run_jobs(struct matrix *m)
{
	size_t next = 0, done = 0, running = 0;
	uint64_t stop_at = 0;
	int killed = 0;

	for (size_t i = 0; i < m->n; i++)
		done += m->jobs[i].state == JOB_DONE;
	while (done < m->n) {
		struct pollfd p = { .fd = hpt_stop_fd, .events = POLLIN };
		int status;
		pid_t pid;

		if (hpt_stop && !stop_at) {	/* forward the stop; jobs clean up and report */
			stop_at = now_ms();
			for (size_t i = 0; i < m->n; i++) {
				if (m->jobs[i].state == JOB_RUNNING)
					kill(m->jobs[i].pid, SIGTERM);
				else if (m->jobs[i].state == JOB_WAITING) {
					job_not_run(&m->jobs[i], V_ERROR, "not started: interrupted");
					done++;
				}
			}
		}
		if (stop_at && !killed && now_ms() - stop_at > STOP_GRACE_MS) {
			for (size_t i = 0; i < m->n; i++)
				if (m->jobs[i].state == JOB_RUNNING)
					kill(m->jobs[i].pid, SIGKILL);
			killed = 1;
		}
		while (!hpt_stop && running < (size_t)m->parallel && next < m->n) {
			struct job *j = &m->jobs[next++];
			int rc;

			if (j->state != JOB_WAITING)
				continue;
			rc = job_start(m, j);
			if (rc < 0) {
				job_not_run(j, V_ERROR, "could not start: %s", strerror(-rc));
				done++;
			} else {
				running++;
			}
		}
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			struct job *j = by_pid(m, pid);

			if (!j)
				continue;	/* an orphaned QEMU of a dead job: reaped */
			job_collect(m, j, status);
			running--;
			done++;
			matrix_job_done(m, j);
		}
		matrix_progress(m, 0);
		if (done < m->n && poll(&p, hpt_stop ? 0 : 1, 250) != 0 && hpt_stop)
			usleep(100000);
	}
	if (m->tty)
		printf("\r\033[K");
}

static int matrix_cmd(int argc, char **argv)
{
	struct matrix_cli cli = { 0 };
	struct matrix m = { 0 };
	struct scenario *scns = NULL;
	char err[1024], jbuf[32], **args;
	int first, n_scn, code = 2;

	args = long_jobs(argc, argv, jbuf, sizeof(jbuf));
	if (!args)
		return 2;
	first = job_cli_parse("matrix", matrix_opts, &cli, argc, args, matrix_usage, &code);
	free(args);
	if (first < 0)
		return code;
	n_scn = argc - first;
	hpt_verbosity = 0;
	m.verbose = cli.verbose;
	m.job = &cli.job;
	m.tty = isatty(1);
	m.t0 = now_ms();
	if (job_cli_check(&cli.job, err, sizeof(err)) < 0) {
		fprintf(stderr, "hotplug-test matrix: %s\n", err);
		return 2;
	}
	if (!cli.arch)	/* all of them */
		for (int i = 0; arches[i] && m.n_arches < MATRIX_ARCHES_MAX; i++)
			m.arches[m.n_arches++] = arches[i];
	else if ((m.n_arches = job_cli_arches("matrix", cli.arch, m.arches,
					       MATRIX_ARCHES_MAX)) < 0)
		return 2;
	if (kernels_parse(&m.kernels, cli.job.kernel, cli.job.modules, m.arches, m.n_arches, err,
			  sizeof(err)) < 0 || kernels_absolute(&m.kernels, err, sizeof(err)) < 0) {
		fprintf(stderr, "hotplug-test matrix: %s\n", err);
		return 2;
	}
	scns = calloc((size_t)n_scn, sizeof(*scns));
	m.jobs = calloc((size_t)n_scn * (size_t)m.n_arches, sizeof(*m.jobs));
	if (!scns || !m.jobs)
		goto cleanup;
	/* every file is read and checked before anything is built or booted */
	for (int i = 0; i < n_scn; i++)
		if (scenario_load(&scns[i], argv[first + i], err, sizeof(err)) < 0 ||
		    runner_validate(&scns[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", err);
			goto cleanup;
		}
	if (out_dir(&m, cli.out) < 0)
		goto cleanup;
	matrix_prepare(&m);
	for (int i = 0; i < n_scn; i++)
		for (int a = 0; a < m.n_arches; a++) {
			struct job *j = &m.jobs[m.n++];

			j->path = argv[first + i];
			j->name = scns[i].name;
			j->arch = m.arches[a];
			snprintf(j->dir, sizeof(j->dir), "%s/%s.%s", m.out, j->name, j->arch->name);
			if (m.arch_err[a][0])
				job_not_run(j, V_ERROR, "%s", m.arch_err[a]);
		}
	m.parallel = cli.jobs ? (int)cli.jobs : default_parallel();
	if ((size_t)m.parallel > m.n)
		m.parallel = (int)m.n;
	fprintf(stderr, "hotplug-test matrix: %zu jobs (%d scenario%s x %d arch%s), %d at a time, "
		"into %s\n", m.n, n_scn, n_scn == 1 ? "" : "s", m.n_arches,
		m.n_arches == 1 ? "" : "es", m.parallel, m.out);
	run_jobs(&m);
	code = matrix_exit_code(&m);
	matrix_table(stdout, &m);
	if (report_matrix_files(&m, code) < 0) {
		fprintf(stderr, "hotplug-test matrix: cannot write the reports into %s\n", m.out);
		code = 2;
	}
	snprintf(err, sizeof(err), "%s/.jobs", m.out);
	rmdir(err);
cleanup:
	for (size_t i = 0; i < m.n; i++)
		job_free(&m.jobs[i]);
	for (int i = 0; scns && i < n_scn; i++)
		scenario_free(&scns[i]);
	free(scns);
	free(m.jobs);
	return code;
}

const struct command cmd_matrix = { "matrix", matrix_cmd,
	"every scenario on every arch in parallel: table, junit.xml, results.json" };
