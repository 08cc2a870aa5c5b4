/* What a matrix shows and writes (see matrix.h): a live progress line on a terminal, one
 * line per finished job otherwise, the final scenarios × arches table, junit.xml and the
 * combined results.json. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "arch.h"
#include "hpt.h"
#include "json.h"
#include "matrix.h"
#include "report.h"
#include "virt.h"

static double job_seconds(const struct job *j)
{
	uint64_t end = j->state == JOB_DONE ? j->t_end : now_ms();

	return j->t_start ? (double)(end - j->t_start) / 1000.0 : 0;
}

/* The job's name in lines and tables: its run dir's, <scenario>.<arch>[.<kernel label>]. */
static const char *job_id(const struct job *j)
{
	const char *base = strrchr(j->dir, '/');

	return base ? base + 1 : j->dir;
}

/* A column's kernel: the label of the spec asked for, "default" for Debian's bookworm. */
static const char *kernel_label(const struct matrix_kernel *mk)
{
	return mk->sel ? mk->sel->label : "default";
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
			len += snprintf(line + len, sizeof(line) - (size_t)len, "%s %s %.0fs",
					k++ ? "," : "  running:", job_id(&m->jobs[i]),
					job_seconds(&m->jobs[i]));
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
	printf("%-5s %s in %.1f s", verdict_names[j->v], job_id(j), job_seconds(j));
	if (m->axis && j->package[0])
		printf(" (%s)", j->package);
	if (m->n_hosts > 1 && j->pid)	/* which host it ran on */
		printf(" on %s", m->hosts[j->host].uri[0] ? m->hosts[j->host].uri : VIRT_EMBED_URI);
	if (j->v != V_PASS)
		printf(": %s%s%s", c ? c->name : "", c ? ": " : "",
		       c && c->summary ? c->summary : j->note);
	printf("\n");
	fflush(stdout);
}

/* How many checks really ran (PASS, FAIL, ERROR) and how many SKIPped, per (arch,
 * kernel) column, named by the release its guests booted: a column of green jobs whose
 * checks all SKIPped proved nothing. */
static void matrix_checks(FILE *f, const struct matrix *m)
{
	fprintf(f, "\nchecks per arch and kernel (ran = PASS + FAIL + ERROR):\n");
	for (int c = 0; c < m->n_mks; c++) {
		size_t count[V__COUNT] = { 0 }, jobs = 0;
		const char *booted = NULL;
		char label[160];

		for (size_t k = 0; k < m->n; k++) {
			const struct job *j = &m->jobs[k];

			if (j->mk != &m->mks[c])
				continue;
			jobs++;
			if (j->kernel[0] && !booted)
				booted = j->kernel;
			for (int v = 0; v < V__COUNT; v++)
				count[v] += result_count(&j->res, (enum verdict)v);
		}
		if (!jobs)
			continue;
		if (booted)
			snprintf(label, sizeof(label), "%s", booted);
		else
			snprintf(label, sizeof(label), "%s (no guest booted)",
				 kernel_label(&m->mks[c]));
		fprintf(f, "  %-8s %-28s %4zu ran (%zu PASS, %zu FAIL, %zu ERROR), %zu SKIP%s\n",
			m->mks[c].arch->name, label,
			count[V_PASS] + count[V_FAIL] + count[V_ERROR], count[V_PASS],
			count[V_FAIL], count[V_ERROR], count[V_SKIP],
			m->job->strict && count[V_SKIP] ? " (--strict: failures)" : "");
	}
}

void matrix_table(FILE *f, const struct matrix *m)
{
	size_t w = 8, count[V__COUNT] = { 0 };
	int shown = 0, cw[MATRIX_ARCHES_MAX * KERNELS_MAX];

	for (size_t i = 0; i < m->n; i++)
		if (strlen(m->jobs[i].name) > w)
			w = strlen(m->jobs[i].name);
	fprintf(f, "\n%-*s", (int)w, "scenario");
	/* a column per (arch, kernel); with --kernel its header names the kernel */
	for (int c = 0; c < m->n_mks; c++) {
		char head[128];

		snprintf(head, sizeof(head), "%s%s%s", m->mks[c].arch->name, m->axis ? " " : "",
			 m->axis ? kernel_label(&m->mks[c]) : "");
		cw[c] = strlen(head) > 14 ? (int)strlen(head) : 14;
		fprintf(f, "  %-*s", cw[c], head);
	}
	fputc('\n', f);
	for (size_t i = 0; i < m->n; i++) {
		const struct job *j = &m->jobs[i];

		if (i && !strcmp(m->jobs[i - 1].path, j->path))
			continue;	/* one row per scenario: its jobs are consecutive */
		fprintf(f, "%-*s", (int)w, j->name);
		for (int a = 0; a < m->n_mks; a++) {
			const struct job *c = NULL;

			for (size_t k = i; k < m->n && !strcmp(m->jobs[k].path, j->path); k++)
				if (m->jobs[k].mk == &m->mks[a])
					c = &m->jobs[k];
			if (c && c->state == JOB_DONE)
				fprintf(f, "  %-5s %6.1f s%*s", verdict_names[c->v], job_seconds(c),
					cw[a] - 14, "");
			else
				fprintf(f, "  %-*s", cw[a], c ? "-" : "");
		}
		fputc('\n', f);
	}
	if (m->axis) {	/* what each kernel column booted, exactly */
		fputc('\n', f);
		for (int c = 0; c < m->n_mks; c++) {
			const char *pkg = m->mks[c].p.package;

			for (size_t i = 0; !pkg[0] && i < m->n; i++)
				if (m->jobs[i].mk == &m->mks[c] && m->jobs[i].package[0])
					pkg = m->jobs[i].package;
			fprintf(f, "%s %s: %s%s%s\n", m->mks[c].arch->name, kernel_label(&m->mks[c]),
				m->mks[c].sel ? m->mks[c].sel->spec : "debian:bookworm",
				pkg[0] ? " = " : "", pkg[0] ? pkg : m->mks[c].err[0] ? " (not prepared)" :
				" (package not recorded)");
		}
	}
	fputc('\n', f);
	for (size_t i = 0; i < m->n; i++) {
		const struct job *j = &m->jobs[i];
		const struct check *c = why(j);

		count[j->v]++;
		if (j->v == V_PASS)
			continue;
		fprintf(f, "%-5s %s: %s%s%s%s%s\n", verdict_names[j->v], job_id(j),
			c ? c->name : "", c ? ": " : "", c && c->summary ? c->summary : "",
			c && j->note[0] ? "; " : "", j->note);
		if ((j->v == V_FAIL || j->v == V_ERROR) && !access(j->dir, F_OK))
			fprintf(f, "      run dir %s\n", j->dir);
		shown++;
	}
	matrix_checks(f, m);
	fprintf(f, "%smatrix: %zu jobs: %zu PASS, %zu FAIL, %zu ERROR, %zu SKIP in %.1f s (-j %d%s); "
		"junit.xml, results.json and index.html in %s\n", shown ? "\n" : "", m->n,
		count[V_PASS], count[V_FAIL], count[V_ERROR], count[V_SKIP],
		(double)matrix_wall_ms(m) / 1000.0, m->parallel, m->n_hosts > 1 ?
		" per host" : "", m->out);
	for (int h = 0; m->n_hosts > 1 && h < m->n_hosts; h++) {
		size_t ran = 0;

		for (size_t i = 0; i < m->n; i++)
			ran += m->jobs[i].host == h && (m->jobs[i].pid || m->jobs[i].json);
		fprintf(f, "host %s: %zu job(s)%s%s\n", m->hosts[h].uri[0] ? m->hosts[h].uri :
			VIRT_EMBED_URI, ran, m->hosts[h].state == MHOST_DOWN ? ", down: " : "",
			m->hosts[h].why);
	}
	if (m->shard.n)
		fprintf(f, "shard %d/%d: %zu of the matrix's %zu jobs; `hotplug-test merge` joins "
			"the shards' output dirs\n", m->shard.k, m->shard.n, m->n, m->shard.total);
}

uint64_t matrix_wall_ms(const struct matrix *m)
{
	return m->wall_ms ? m->wall_ms : now_ms() - m->t0;
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
			.kernel_spec = m->axis ? (j->mk->sel ? j->mk->sel->spec : "debian:bookworm") :
				       NULL,
			.kernel_package = j->package[0] ? j->package : NULL,
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
	json_u64(&j, "wall_ms", matrix_wall_ms(m));
	json_i64(&j, "parallel", m->parallel);
	json_i64(&j, "exit_code", exit_code);
	json_arr_begin(&j, "arches");
	for (int a = 0; a < m->n_arches; a++)
		json_str(&j, NULL, m->arches[a]->name);
	json_arr_end(&j);
	json_arr_begin(&j, "kernels");
	for (int k = 0; k < m->n_mks; k++) {
		const struct matrix_kernel *mk = &m->mks[k];
		const struct kernel_sel *ks = mk->sel;

		if (!ks)
			continue;	/* Debian's default kernel: in each run's results */
		json_obj_begin(&j, NULL);
		json_str(&j, "arch", mk->arch->name);
		json_str(&j, "spec", ks->spec);
		json_str(&j, "label", ks->label);
		json_str(&j, "image", mk->p.image[0] ? mk->p.image : ks->image[0] ? ks->image : NULL);
		json_str(&j, "release", mk->p.release[0] ? mk->p.release : NULL);
		json_str(&j, "package", mk->p.package[0] ? mk->p.package : NULL);
		json_str(&j, "modules", ks->modules[0] ? ks->modules : NULL);
		json_str(&j, "error", mk->err[0] ? mk->err : NULL);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_arr_begin(&j, "hosts");	/* the libvirt hosts jobs ran on */
	for (int h = 0; h < m->n_hosts; h++)
		json_str(&j, NULL, m->hosts[h].uri[0] ? m->hosts[h].uri : VIRT_EMBED_URI);
	json_arr_end(&j);
	if (m->shard.n) {	/* what `merge` checks: one plan, every part once */
		char plan[20];

		snprintf(plan, sizeof(plan), "%016llx", (unsigned long long)m->shard.plan);
		json_obj_begin(&j, "shard");
		json_i64(&j, "index", m->shard.k);
		json_i64(&j, "count", m->shard.n);
		json_u64(&j, "jobs_total", m->shard.total);
		json_str(&j, "plan", plan);
		json_str(&j, "by", m->shard.by);
		json_double(&j, "estimated_s", m->shard.load_ms / 1000.0);
		json_arr_begin(&j, "order");	/* every shard's jobs, in the whole matrix's order */
		for (const char *p = m->shard.order; p && *p; p += strcspn(p, "\n") + 1)
			json_strn(&j, NULL, p, strcspn(p, "\n"));
		json_arr_end(&j);
		json_obj_end(&j);
	}
	if (m->merged_json)
		json_raw(&j, "merged", m->merged_json);
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
		if (!jb->untimed && jb->t_end > jb->t_start) {	/* it ran: when, from the start */
			json_u64(&j, "started_ms", jb->t_start - m->t0);
			json_u64(&j, "ended_ms", jb->t_end - m->t0);
		}
		json_str(&j, "kernel", jb->kernel[0] ? jb->kernel : NULL);
		json_str(&j, "kernel_spec", jb->mk->sel ? jb->mk->sel->spec : "debian:bookworm");
		json_str(&j, "kernel_package", jb->package[0] ? jb->package : NULL);
		json_str(&j, "run_dir", jb->dir);
		json_str(&j, "note", jb->note[0] ? jb->note : NULL);
		json_u64(&j, "index", jb->index);
		json_str(&j, "host", m->n_hosts && m->hosts[jb->host].uri[0] ?
			 m->hosts[jb->host].uri : NULL);
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

int matrix_out_dir(struct matrix *m, const char *out, const char *verb)
{
	char stamp[32], path[PATH_MAX];
	time_t t = time(NULL);
	struct stat st;

	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", localtime(&t));
	if (!out) {
		mkdir("runs", 0755);
		snprintf(path, sizeof(path), "runs/matrix-%s", stamp);
	} else {
		snprintf(path, sizeof(path), "%s", out);
	}
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "hotplug-test %s: %s: %s\n", verb, path, strerror(errno));
		return -1;
	}
	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode) || !realpath(path, m->out)) {
		fprintf(stderr, "hotplug-test %s: %s: not a directory\n", verb, path);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/results.json", m->out);
	if (!access(path, F_OK)) {
		fprintf(stderr, "hotplug-test %s: %s holds a matrix already (choose another "
			"--out)\n", verb, m->out);
		return -1;
	}
	return 0;
}
