/* One matrix job: a `hotplug-test run` child process and what it left (see matrix.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "arch.h"
#include "hpt.h"
#include "json.h"
#include "jsonr.h"
#include "matrix.h"
#include "reaper.h"
#include "virt.h"

#define RESULTS_MAX (64u << 20)

static void log_path(const struct matrix *m, const struct job *j, const char *ext, char *buf,
		     size_t n)
{
	const char *base = strrchr(j->dir, '/');

	snprintf(buf, n, "%s/.jobs/%s.%s", m->out, base ? base + 1 : j->dir, ext);
}

int job_start(struct matrix *m, struct job *j)
{
	const struct matrix_kernel *mk = j->mk;
	const char *spec = mk->sel ? mk->sel->spec : NULL;
	char ktap[PATH_MAX + 64], log[PATH_MAX + 64], words[16384];
	struct job_cli opts = *m->job;
	char *argv[48];
	int argc = 0, n;
	pid_t pid;

	log_path(m, j, "ktap", ktap, sizeof(ktap));
	log_path(m, j, "log", log, sizeof(log));
	argv[argc++] = "hotplug-test";
	argv[argc++] = "run";
	argv[argc++] = "--arch";
	argv[argc++] = (char *)j->arch->name;
	argv[argc++] = "--out";
	argv[argc++] = j->dir;
	/* the shared options as given, but the kernel the matrix prepared for the job */
	opts.kernel[0] = opts.modules[0] = 0;
	opts.connect = matrix_host_uri(&m->hosts[j->host]);	/* the host it was given */
	if (mk->sel) {
		snprintf(opts.kernel, sizeof(opts.kernel), "%s=%s", j->arch->name, mk->p.image);
		if (!mk->sel->debian || !opts.initrd)
			opts.initrd = j->tools ? mk->p.initrd_tools : mk->p.initrd;
	}
	n = opts_argv(job_opts, &opts, argv + argc, 40, words, sizeof(words));
	if (n < 0)
		return -E2BIG;
	argc += n;
	if (m->verbose)
		argv[argc++] = "-v";
	argv[argc++] = "--";
	argv[argc++] = (char *)j->path;
	argv[argc] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY), out = open(ktap, O_WRONLY | O_CREAT | O_TRUNC, 0600),
		    err = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (in < 0 || out < 0 || err < 0)
			_exit(127);
		child_exec_prepare(in, out, err);
		/* the job records the spec the matrix was asked for, not the prepared path */
		if (spec)
			setenv("HPT_KERNEL_SPEC", spec, 1);
		else
			unsetenv("HPT_KERNEL_SPEC");
		execv("/proc/self/exe", argv);
		dprintf(2, "hotplug-test matrix: exec /proc/self/exe: %s\n", strerror(errno));
		_exit(127);
	}
	j->pid = pid;
	j->state = JOB_RUNNING;
	j->t_start = now_ms();
	return 0;
}

void job_not_run(struct job *j, enum verdict v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(j->note, sizeof(j->note), fmt, ap);
	va_end(ap);
	j->v = v;
	j->state = JOB_DONE;
	j->t_start = j->t_end = now_ms();
}

/* Re-renders a parsed JSON value as text (evidence travels as JSON text). */
static void dump(struct json *w, const char *key, const struct jr_val *v)
{
	switch (v->type) {
	case JR_NULL: json_null(w, key); break;
	case JR_BOOL: json_bool(w, key, v->num != 0); break;
	case JR_NUM:
		if (v->num == (double)(int64_t)v->num)
			json_i64(w, key, (int64_t)v->num);
		else
			json_double(w, key, v->num);
		break;
	case JR_STR: json_strn(w, key, v->str, v->len); break;
	case JR_ARR:
		json_arr_begin(w, key);
		for (size_t i = 0; i < v->len; i++)
			dump(w, NULL, &v->items[i]);
		json_arr_end(w);
		break;
	case JR_OBJ:
		json_obj_begin(w, key);
		for (size_t i = 0; i < v->len; i++)
			dump(w, v->keys[i], &v->items[i]);
		json_obj_end(w);
		break;
	}
}

static int verdict_parse(const char *s)
{
	for (int v = 0; s && v < V__COUNT; v++)
		if (!strcmp(verdict_names[v], s))
			return v;
	return -1;
}

int job_from_results(struct job *j, const struct jr_val *root)
{
	const struct jr_val *checks = jr_get(root, "checks");
	int v = verdict_parse(jr_str(root, "verdict", NULL));

	if (v < 0 || !checks || checks->type != JR_ARR)
		return -EPROTO;
	j->v = (enum verdict)v;
	snprintf(j->kernel, sizeof(j->kernel), "%s", jr_str(root, "kernel", ""));
	snprintf(j->package, sizeof(j->package), "%s", jr_str(root, "kernel_package", ""));
	for (size_t i = 0; i < checks->len; i++) {
		const struct jr_val *c = &checks->items[i], *ev = jr_get(c, "evidence");
		int cv = verdict_parse(jr_str(c, "verdict", NULL));
		struct strbuf text = STRBUF_INIT;
		struct json w;

		if (ev) {
			json_init(&w, &text, 0);
			dump(&w, NULL, ev);
		}
		result_add(&j->res, cv < 0 ? V_ERROR : (enum verdict)cv, jr_str(c, "name", "?"),
			   (unsigned)jr_num(c, "line", 0), ev ? sb_str(&text) : NULL, "%s",
			   jr_str(c, "summary", ""));
		sb_release(&text);
	}
	return 0;
}

/* The last line of a log file, for a note. */
static void last_line(const char *path, char *out, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	const char *s, *nl;
	size_t len;

	out[0] = 0;
	if (sb_read_file(&sb, path, 1 << 20) < 0 || !sb.len)
		goto cleanup;
	len = sb.len;
	while (len && sb.buf[len - 1] == '\n')
		len--;
	sb.buf[len] = 0;
	s = sb.buf;
	while ((nl = strchr(s, '\n')))
		s = nl + 1;
	snprintf(out, n, "%s", s);
cleanup:
	sb_release(&sb);
}

void job_collect(struct matrix *m, struct job *j, int status)
{
	char path[PATH_MAX + 64], dst[PATH_MAX + 64], err[256], last[256];
	struct strbuf text = STRBUF_INIT;
	struct jr_val root = { 0 };
	int died = WIFSIGNALED(status), code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;

	j->t_end = now_ms();
	j->state = JOB_DONE;
	mkdir(j->dir, 0700);	/* a job that died early has none yet */
	log_path(m, j, "ktap", path, sizeof(path));
	snprintf(dst, sizeof(dst), "%s/run.ktap", j->dir);
	rename(path, dst);
	log_path(m, j, "log", path, sizeof(path));
	snprintf(dst, sizeof(dst), "%s/run.log", j->dir);
	rename(path, dst);
	last_line(dst, last, sizeof(last));
	snprintf(path, sizeof(path), "%s/results.json", j->dir);
	if (sb_read_file(&text, path, RESULTS_MAX) == 0 &&
	    jr_parse(&root, text.buf, text.len, err, sizeof(err)) == 0 &&
	    job_from_results(j, &root) == 0) {
		j->json = text.buf;	/* kept for the combined results.json */
		text.buf = NULL;
		if (died)
			snprintf(j->note, sizeof(j->note), "the job was killed by signal %d after "
				 "writing its results", WTERMSIG(status));
	} else {
		j->v = V_ERROR;
		if (died)
			snprintf(j->note, sizeof(j->note), "the job died of signal %d (%s) without "
				 "results; last log line: %s", WTERMSIG(status),
				 strsignal(WTERMSIG(status)), last[0] ? last : "(none)");
		else
			snprintf(j->note, sizeof(j->note), "the job exited %d without usable "
				 "results.json; last log line: %s", code, last[0] ? last : "(none)");
	}
	if (died || !j->json)	/* its guest may outlive it: kill what no live run owns */
		stale_clean();
	jr_free(&root);
	sb_release(&text);
}

void job_free(struct job *j)
{
	results_free(&j->res);
	free(j->json);
	j->json = NULL;
}
