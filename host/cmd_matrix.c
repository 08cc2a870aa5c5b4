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
#include <sys/syscall.h>
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
#include "shard.h"
#include "size.h"
#include "virt.h"

#define JOB_GIB 3		/* host memory a TCG guest of ours may take, with QEMU */
#define STOP_GRACE_MS 60000	/* after SIGTERM, how long a job may take to clean up */
#define WAIT_MS 250		/* the scheduler's longest wait for an event: the deadlines
				 * (a host check's, the stop's grace, the progress line) */

struct matrix_cli {
	struct job_cli job;	/* what run and matrix share (cli_job.c) */
	char arch[256];		/* comma-joined: --arch repeats */
	const char *out;
	uint64_t jobs;
	int verbose;
	char connect[8192];	/* comma-joined: the shared --connect takes one */
	const char *shard, *shard_times;
};

static const struct opt matrix_opts[] = {
	{ "arch", OPT_LIST, offsetof(struct matrix_cli, arch),
	  sizeof(((struct matrix_cli *)0)->arch), 0, 0, NULL,
	  "comma-separated arches, repeatable (default: all of them)" },
	{ "jobs", OPT_UINT, offsetof(struct matrix_cli, jobs), 0, 1, 64, NULL,
	  "guests at a time on each host (-j N; default: what this machine's cores and memory "
	  "allow)" },
	{ "out", OPT_STR, offsetof(struct matrix_cli, out), 0, 0, 0, NULL,
	  "output dir: a run dir per job, junit.xml, results.json (default runs/matrix-<time>)" },
	/* before the shared table: matrix's --connect (a list) hides run's (one URI) */
	{ "connect", OPT_LIST, offsetof(struct matrix_cli, connect),
	  sizeof(((struct matrix_cli *)0)->connect), 0, 0, NULL,
	  "libvirt URI of a host to run jobs on (repeatable: jobs are spread over the hosts; "
	  VIRT_EMBED_URI " = the embedded driver, the default)" },
	{ "shard", OPT_STR, offsetof(struct matrix_cli, shard), 0, 0, 0, NULL,
	  "K/N: run only part K of N of the jobs (N machines, one part each; `hotplug-test "
	  "merge` joins their output dirs)" },
	{ "shard-times", OPT_STR, offsetof(struct matrix_cli, shard_times), 0, 0, 0, NULL,
	  "a previous matrix's results.json: balance the shards by its job times (default: "
	  "by count)" },
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
	char path[PATH_MAX];
	time_t t = time(NULL);

	strftime(m->started, sizeof(m->started), "%Y-%m-%dT%H:%M:%S", localtime(&t));
	if (matrix_out_dir(m, out, "matrix") < 0)
		return -1;
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

/* Every host is down: the jobs that wait will not start. How many. */
static size_t not_started(struct matrix *m, size_t from)
{
	char why[1024];
	size_t n = 0;

	matrix_hosts_why(m, why, sizeof(why));
	for (size_t i = from; i < m->n; i++)
		if (m->jobs[i].state == JOB_WAITING) {
			job_not_run(&m->jobs[i], V_ERROR, "not started: every libvirt host is down "
				    "(%s)", why);
			n++;
		}
	return n;
}

/* A process's end as a readable descriptor (pidfd_open, Linux 5.3), -1 where there is none:
 * SIGCHLD is the reaper's (reaper.c), so the scheduler waits on these instead. */
static int pid_fd(pid_t pid)
{
#ifdef SYS_pidfd_open
	return pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
#else
	(void)pid;
	return -1;
#endif
}

int matrix_wait(struct matrix *m, int timeout_ms)
{
	struct pollfd *p = calloc(1 + m->n + (size_t)m->n_hosts, sizeof(*p));
	int stopping = hpt_stop;	/* a signal may set it meanwhile */
	size_t n = 0;
	int rc;

	if (!p)
		return poll(NULL, 0, timeout_ms);
	if (!stopping)	/* once asked, the stop pipe stays readable */
		p[n++] = (struct pollfd){ .fd = hpt_stop_fd, .events = POLLIN };
	for (size_t i = 0; i < m->n; i++)
		if (m->jobs[i].state == JOB_RUNNING && (p[n].fd = pid_fd(m->jobs[i].pid)) >= 0)
			p[n++].events = POLLIN;
	for (int i = 0; i < m->n_hosts; i++)
		if (m->hosts[i].state == MHOST_CHECKING &&
		    (p[n].fd = pid_fd(m->hosts[i].check_pid)) >= 0)
			p[n++].events = POLLIN;
	while ((rc = poll(p, n, timeout_ms)) < 0 && errno == EINTR && !hpt_stop)
		;
	for (size_t i = stopping ? 0 : 1; i < n; i++)
		close(p[i].fd);
	free(p);
	return rc;
}

/* The scheduler: start jobs while a host has a free slot (-j per host), collect the ones
 * that end. */
static void run_jobs(struct matrix *m)
{
	size_t next = 0, done = 0, running = 0;
	uint64_t stop_at = 0;
	int killed = 0;

	for (size_t i = 0; i < m->n; i++)
		done += m->jobs[i].state == JOB_DONE;
	while (done < m->n) {
		size_t collected;
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
		while (!hpt_stop && next < m->n) {
			struct job *j = &m->jobs[next];
			struct mhost *h = j->state == JOB_WAITING ? matrix_host_pick(m) : NULL;
			int rc;

			if (j->state == JOB_WAITING && !h)
				break;	/* every host is busy (or being checked) */
			next++;
			if (j->state != JOB_WAITING)
				continue;
			j->host = (int)(h - m->hosts);
			rc = job_start(m, j);
			if (rc < 0) {
				job_not_run(j, V_ERROR, "could not start: %s", strerror(-rc));
				done++;
			} else {
				running++;
				h->running++;
				h->jobs++;
			}
		}
		if (!hpt_stop && matrix_hosts_all_down(m))
			done += not_started(m, next);
		collected = 0;
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			struct job *j = by_pid(m, pid);

			if (!j) {	/* a host check, or an orphaned QEMU of a dead job */
				matrix_host_reaped(m, pid, status);
				continue;
			}
			job_collect(m, j, status);
			running--;
			done++;
			collected++;
			matrix_host_job_end(m, j);
			matrix_job_done(m, j);
		}
		matrix_progress(m, 0);
		if (done < m->n && !collected)	/* a slot came free: fill it before waiting */
			matrix_wait(m, WAIT_MS);
	}
	if (m->tty)
		printf("\r\033[K");
}

static int matrix_cmd(int argc, char **argv)
{
	struct matrix_cli cli = { 0 };
	struct matrix m = { 0 };
	struct scenario *scns = NULL;
	char err[1024], jbuf[32], estimate[48], **args;
	int first, n_scn, code = 2;

	args = long_jobs(argc, argv, jbuf, sizeof(jbuf));
	if (!args)
		return 2;
	first = job_cli_parse("matrix", matrix_opts, &cli, argc, args, matrix_usage, &code);
	free(args);
	if (first < 0)
		return code;
	if (stack_enter(&cli.job, "matrix", argc, argv) < 0)
		return 2;
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
	if (!cli.arch[0])	/* all of them */
		for (int i = 0; arches[i] && m.n_arches < MATRIX_ARCHES_MAX; i++)
			m.arches[m.n_arches++] = arches[i];
	else if ((m.n_arches = job_cli_arches("matrix", cli.arch, m.arches,
					       MATRIX_ARCHES_MAX)) < 0)
		return 2;
	if (matrix_hosts_parse(&m, cli.connect, err, sizeof(err)) < 0 ||
	    (cli.shard && shard_parse(cli.shard, &m.shard.k, &m.shard.n, err, sizeof(err)) < 0) ||
	    (cli.shard_times && !cli.shard && snprintf(err, sizeof(err), "--shard-times needs "
						       "--shard K/N") > 0)) {
		fprintf(stderr, "hotplug-test matrix: %s\n", err);
		return 2;
	}
	if (kernels_parse(&m.kernels, cli.job.kernel, cli.job.modules, m.arches, m.n_arches, err,
			  sizeof(err)) < 0 || kernels_absolute(&m.kernels, err, sizeof(err)) < 0) {
		fprintf(stderr, "hotplug-test matrix: %s\n", err);
		return 2;
	}
	scns = calloc((size_t)n_scn, sizeof(*scns));
	if (!scns || matrix_kernels(&m) < 0)
		goto cleanup;
	m.jobs = calloc((size_t)n_scn * (size_t)m.n_mks, sizeof(*m.jobs));
	if (!m.jobs)
		goto cleanup;
	/* every file is read and checked before anything is built or booted */
	for (int i = 0; i < n_scn; i++)
		if (scenario_load(&scns[i], argv[first + i], err, sizeof(err)) < 0 ||
		    runner_validate(&scns[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", err);
			goto cleanup;
		}
	/* jobs: scenario × arch × kernel */
	for (int i = 0; i < n_scn; i++)
		for (int k = 0; k < m.n_mks; k++) {
			struct matrix_kernel *mk = &m.mks[k];
			struct job *j = &m.jobs[m.n];

			j->index = m.n++;
			j->path = argv[first + i];
			j->name = scns[i].name;
			j->arch = mk->arch;
			j->mk = mk;
			j->tools = guest_scenario_tools(&scns[i]);
			/* the job's key: its run dir's name, whatever axes make a job (--shard
			 * splits and `merge` joins by it) */
			snprintf(j->dir, sizeof(j->dir), "%s.%s%s%s", j->name, j->arch->name,
				 mk->many ? "." : "", mk->many ? mk->sel->label : "");
		}
	if (cli.shard && matrix_shard(&m, cli.shard, cli.shard_times, err, sizeof(err)) < 0) {
		fprintf(stderr, "hotplug-test matrix: %s\n", err);
		goto cleanup;
	}
	if (out_dir(&m, cli.out) < 0)
		goto cleanup;
	for (size_t i = 0; i < m.n; i++) {	/* the run dirs: <out>/<key> */
		struct job *j = &m.jobs[i];
		struct matrix_kernel *mk = &m.mks[j->mk - m.mks];
		char key[sizeof(j->dir)];

		snprintf(key, sizeof(key), "%s", j->dir);
		snprintf(j->dir, sizeof(j->dir), "%s/%s", m.out, key);
		/* each (arch, kernel) this machine's jobs boot learns which initramfs they need */
		*(j->tools ? &mk->tools : &mk->plain) = 1;
	}
	m.parallel = cli.jobs ? (int)cli.jobs : default_parallel();
	if (m.n && (size_t)m.parallel > m.n)
		m.parallel = (int)m.n;
	matrix_prepare(&m);	/* -j at a time, too */
	for (size_t i = 0; i < m.n; i++)
		if (m.jobs[i].mk->err[0])
			job_not_run(&m.jobs[i], V_ERROR, "%s", m.jobs[i].mk->err);
	fprintf(stderr, "hotplug-test matrix: %zu jobs (%d scenario%s x %d arch%s%s), %d at a "
		"time%s, into %s\n", m.n, n_scn, n_scn == 1 ? "" : "s", m.n_arches,
		m.n_arches == 1 ? "" : "es", m.n_mks > m.n_arches ? " x kernels" : "", m.parallel,
		m.n_hosts > 1 ? " per host" : "", m.out);
	snprintf(estimate, sizeof(estimate), ", ~%.0f s of work", m.shard.load_ms / 1000.0);
	if (m.shard.n)
		fprintf(stderr, "hotplug-test matrix: shard %d/%d: %zu of %zu jobs%s (split by %s; "
			"plan %016llx)\n", m.shard.k, m.shard.n, m.n, m.shard.total,
			cli.shard_times ? estimate : "", m.shard.by,
			(unsigned long long)m.shard.plan);
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
	free(m.shard.order);
	free(m.mks);
	return code;
}

const struct command cmd_matrix = { "matrix", matrix_cmd,
	"every scenario on every arch in parallel: table, junit.xml, results.json" };
