/* What a matrix shows and writes (see matrix.h): a live progress line on a terminal, one
 * line per finished job otherwise, the final scenarios × arches table, junit.xml and the
 * combined results.json. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "arch.h"
#include "hpt.h"
#include "json.h"
#include "matrix.h"
#include "report.h"

static double job_seconds(const struct job *j)
{
	uint64_t end = j->state == JOB_DONE ? j->t_end : now_ms();

	return j->t_start ? (double)(end - j->t_start) / 1000.0 : 0;
}

/* The check that best explains a verdict: the first with that verdict. */
static const struct check *why(const struct job *j)
{
	for (size_t i = 0; i < j->res.n; i++)
		if (j->res.checks[i].v == j->v)
			return &j->res.checks[i];
	return NULL;
}

void matrix_progress(const struct matrix *m, int final)
{
	size_t done = 0, count[V__COUNT] = { 0 };
	static char last[512];
	char line[512];
	int len;

	if (!m->tty)
		return;
	for (size_t i = 0; i < m->n; i++)
		if (m->jobs[i].state == JOB_DONE) {
			done++;
			count[m->jobs[i].v]++;
		}
	len = snprintf(line, sizeof(line), "[%zu/%zu] %.0f s  PASS %zu FAIL %zu ERROR %zu SKIP %zu",
		       done, m->n, (double)(now_ms() - m->t0) / 1000.0, count[V_PASS],
		       count[V_FAIL], count[V_ERROR], count[V_SKIP]);
	for (size_t i = 0, k = 0; i < m->n && len < 100; i++)
		if (m->jobs[i].state == JOB_RUNNING)
			len += snprintf(line + len, sizeof(line) - (size_t)len, "%s %s.%s %.0fs",
					k++ ? "," : "  running:", m->jobs[i].name,
					m->jobs[i].arch->name, job_seconds(&m->jobs[i]));
	if (!final && !strcmp(line, last))
		return;	/* redraw only when something changed: at most once a second */
	snprintf(last, sizeof(last), "%s", line);
	printf("\r\033[K%.*s%s", 120, line, final ? "\n" : "");
	fflush(stdout);
}

void matrix_job_done(const struct matrix *m, const struct job *j)
{
	const struct check *c = why(j);

	if (m->tty)
		printf("\r\033[K");
	printf("%-5s %s.%s in %.1f s", verdict_names[j->v], j->name, j->arch->name,
	       job_seconds(j));
	if (j->v != V_PASS)
		printf(": %s%s%s", c ? c->name : "", c ? ": " : "",
		       c && c->summary ? c->summary : j->note);
	printf("\n");
	fflush(stdout);
}

/* How many checks really ran (PASS, FAIL, ERROR) and how many SKIPped, per (arch,
 * kernel): a column of green jobs whose checks all SKIPped proved nothing. */
static void matrix_checks(FILE *f, const struct matrix *m)
{
	fprintf(f, "\nchecks per arch and kernel (ran = PASS + FAIL + ERROR):\n");
	for (size_t i = 0; i < m->n; i++) {
		const struct job *j = &m->jobs[i];
		size_t count[V__COUNT] = { 0 }, k;

		for (k = 0; k < i; k++)
			if (m->jobs[k].arch == j->arch && !strcmp(m->jobs[k].kernel, j->kernel))
				break;
		if (k < i)
			continue;	/* this (arch, kernel) is counted already */
		for (k = i; k < m->n; k++)
			if (m->jobs[k].arch == j->arch && !strcmp(m->jobs[k].kernel, j->kernel))
				for (int v = 0; v < V__COUNT; v++)
					count[v] += result_count(&m->jobs[k].res, (enum verdict)v);
		fprintf(f, "  %-8s %-28s %4zu ran (%zu PASS, %zu FAIL, %zu ERROR), %zu SKIP%s\n",
			j->arch->name, j->kernel[0] ? j->kernel : "(no guest booted)",
			count[V_PASS] + count[V_FAIL] + count[V_ERROR], count[V_PASS],
			count[V_FAIL], count[V_ERROR], count[V_SKIP],
			m->job->strict && count[V_SKIP] ? " (--strict: failures)" : "");
	}
}

void matrix_table(FILE *f, const struct matrix *m)
{
	size_t w = 8, count[V__COUNT] = { 0 };
	int shown = 0;

	for (size_t i = 0; i < m->n; i++)
		if (strlen(m->jobs[i].name) > w)
			w = strlen(m->jobs[i].name);
	fprintf(f, "\n%-*s", (int)w, "scenario");
	for (int a = 0; a < m->n_arches; a++)
		fprintf(f, "  %-14s", m->arches[a]->name);
	fputc('\n', f);
	for (size_t i = 0; i < m->n; i++) {
		const struct job *j = &m->jobs[i];

		if (i && !strcmp(m->jobs[i - 1].path, j->path))
			continue;	/* one row per scenario: its jobs are consecutive */
		fprintf(f, "%-*s", (int)w, j->name);
		for (int a = 0; a < m->n_arches; a++) {
			const struct job *c = NULL;

			for (size_t k = i; k < m->n && !strcmp(m->jobs[k].path, j->path); k++)
				if (m->jobs[k].arch == m->arches[a])
					c = &m->jobs[k];
			if (c && c->state == JOB_DONE)
				fprintf(f, "  %-5s %6.1f s", verdict_names[c->v], job_seconds(c));
			else
				fprintf(f, "  %-14s", c ? "-" : "");
		}
		fputc('\n', f);
	}
	fputc('\n', f);
	for (size_t i = 0; i < m->n; i++) {
		const struct job *j = &m->jobs[i];
		const struct check *c = why(j);

		count[j->v]++;
		if (j->v == V_PASS)
			continue;
		fprintf(f, "%-5s %s.%s: %s%s%s%s%s\n", verdict_names[j->v], j->name, j->arch->name,
			c ? c->name : "", c ? ": " : "", c && c->summary ? c->summary : "",
			c && j->note[0] ? "; " : "", j->note);
		if ((j->v == V_FAIL || j->v == V_ERROR) && j->pid)
			fprintf(f, "      run dir %s\n", j->dir);
		shown++;
	}
	matrix_checks(f, m);
	fprintf(f, "%smatrix: %zu jobs: %zu PASS, %zu FAIL, %zu ERROR, %zu SKIP in %.1f s (-j %d); "
		"junit.xml, results.json and index.html in %s\n", shown ? "\n" : "", m->n,
		count[V_PASS], count[V_FAIL], count[V_ERROR], count[V_SKIP],
		(double)(now_ms() - m->t0) / 1000.0, m->parallel, m->out);
}

int matrix_exit_code(const struct matrix *m)
{
	int fail = 0, error = 0;

	for (size_t i = 0; i < m->n; i++) {
		fail |= m->jobs[i].v == V_FAIL;
		error |= m->jobs[i].v == V_ERROR;
		fail |= m->job->strict && (m->jobs[i].v == V_SKIP ||
				      result_count(&m->jobs[i].res, V_SKIP));
	}
	return fail ? 1 : error ? 2 : 0;
}

int matrix_write_junit(const struct matrix *m)
{
	struct job_report *jr = calloc(m->n ? m->n : 1, sizeof(*jr));
	char path[PATH_MAX + 16], host[256] = "localhost";
	int rc;

	if (!jr)
		return -ENOMEM;
	gethostname(host, sizeof(host) - 1);
	for (size_t i = 0; i < m->n; i++) {
		const struct job *j = &m->jobs[i];

		jr[i] = (struct job_report){
			.scenario = j->name, .file = j->path, .arch = j->arch->name,
			.kernel = j->kernel[0] ? j->kernel : NULL, .run_dir = j->dir, .v = j->v,
			.seconds = job_seconds(j), .res = &j->res, .note = j->note[0] ? j->note : NULL,
		};
	}
	snprintf(path, sizeof(path), "%s/junit.xml", m->out);
	rc = report_junit_write(path, "hotplug-test matrix", jr, m->n, host, m->started);
	free(jr);
	return rc;
}

int matrix_write_json(const struct matrix *m, int exit_code)
{
	struct strbuf sb = STRBUF_INIT;
	char path[PATH_MAX + 16];
	struct json j;
	int fd, rc = 0;

	json_init(&j, &sb, 1);
	json_obj_begin(&j, NULL);
	json_obj_begin(&j, "matrix");
	json_str(&j, "started", m->started);
	json_u64(&j, "wall_ms", now_ms() - m->t0);
	json_i64(&j, "parallel", m->parallel);
	json_i64(&j, "exit_code", exit_code);
	json_arr_begin(&j, "arches");
	for (int a = 0; a < m->n_arches; a++)
		json_str(&j, NULL, m->arches[a]->name);
	json_arr_end(&j);
	json_arr_begin(&j, "kernels");
	for (int k = 0; k < m->kernels.n; k++) {
		const struct kernel_sel *ks = &m->kernels.k[k];
		const struct prepared_kernel *p = matrix_own(m, ks->arch);

		json_obj_begin(&j, NULL);
		json_str(&j, "arch", ks->arch->name);
		json_str(&j, "image", ks->image);
		json_str(&j, "release", p && p->release[0] ? p->release : NULL);
		json_str(&j, "modules", ks->modules[0] ? ks->modules : NULL);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	json_arr_begin(&j, "runs");
	for (size_t i = 0; i < m->n; i++) {
		const struct job *jb = &m->jobs[i];

		json_obj_begin(&j, NULL);
		json_str(&j, "scenario", jb->name);
		json_str(&j, "file", jb->path);
		json_str(&j, "arch", jb->arch->name);
		json_str(&j, "verdict", verdict_names[jb->v]);
		json_double(&j, "seconds", job_seconds(jb));
		json_str(&j, "kernel", jb->kernel[0] ? jb->kernel : NULL);
		json_str(&j, "run_dir", jb->dir);
		json_str(&j, "note", jb->note[0] ? jb->note : NULL);
		if (jb->json)
			json_raw(&j, "results", jb->json);
		else
			json_null(&j, "results");
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	sb_adds(&sb, "\n");
	snprintf(path, sizeof(path), "%s/results.json", m->out);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, sb.buf, sb.len) != (ssize_t)sb.len)
		rc = errno ? -errno : -EIO;
	if (fd >= 0)
		close(fd);
	sb_release(&sb);
	return rc;
}
