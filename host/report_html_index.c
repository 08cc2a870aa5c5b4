/* A matrix's index.html: a grid scenario × (arch, kernel, host stack), each cell coloured
 * by its verdict and linking to that run's report.html, with per-column totals of jobs
 * and of the checks that really ran; then why each job that did not pass did not. Read
 * from the matrix's results.json only, so `hotplug-test report DIR` can make it again. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "report_html.h"

#define COLS_MAX 64

struct col {
	char arch[32], kernel[128], stack[128];
	size_t jobs[5];		/* PASS FAIL ERROR SKIP other */
	size_t ran, pass, fail, error, skipped;	/* checks */
};

static const char *const vnames[] = { "PASS", "FAIL", "ERROR", "SKIP", NULL };

static int vindex(const char *v)
{
	for (int i = 0; vnames[i]; i++)
		if (!strcmp(vnames[i], v))
			return i;
	return 4;
}

/* A string field, or an object's scalar members joined; "" if absent. */
static void flat(const struct jr_val *v, char *out, size_t n)
{
	size_t len = 0;

	out[0] = 0;
	if (v && v->type == JR_STR)
		snprintf(out, n, "%s", v->str);
	for (size_t i = 0; v && v->type == JR_OBJ && i < v->len && len < n; i++)
		if (v->items[i].type == JR_STR)
			len += (size_t)snprintf(out + len, n - len, "%s%s", len ? " " : "",
						v->items[i].str);
}

static void run_key(const struct jr_val *run, char *kernel, size_t kn, char *stack, size_t sn)
{
	const struct jr_val *res = jr_get(run, "results");
	const struct jr_val *k = jr_get(run, "kernel");

	if (!k || k->type == JR_NULL)
		k = jr_get(res, "kernel");
	flat(k, kernel, kn);
	flat(jr_get(run, "stack") ? jr_get(run, "stack") : jr_get(res, "stack"), stack, sn);
}

/* Columns in order of the matrix's arches, then of appearance. A run with no kernel
 * recorded (skipped before booting) joins its arch's column when the arch has one. */
static size_t columns(const struct jr_val *runs, struct col *cols, int *of)
{
	size_t n = 0;

	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < runs->len; i++) {
			const struct jr_val *r = &runs->items[i];
			const char *arch = jr_str(r, "arch", "?");
			char kernel[128], stack[128];
			size_t c, same = 0, match = 0;

			run_key(r, kernel, sizeof(kernel), stack, sizeof(stack));
			if (pass == 0 && !kernel[0])
				continue;	/* placed once the kernels are known */
			if (pass == 1 && kernel[0])
				continue;
			for (c = 0; c < n; c++)
				if (!strcmp(cols[c].arch, arch)) {
					same++;
					match = c;
				}
			for (c = 0; c < n; c++)
				if (!strcmp(cols[c].arch, arch) &&
				    !strcmp(cols[c].kernel, kernel) &&
				    !strcmp(cols[c].stack, stack))
					break;
			if (c == n && !kernel[0] && same == 1)
				c = match;
			if (c == n) {
				if (n == COLS_MAX)
					continue;
				memset(&cols[n], 0, sizeof(cols[n]));
				snprintf(cols[n].arch, sizeof(cols[n].arch), "%s", arch);
				snprintf(cols[n].kernel, sizeof(cols[n].kernel), "%s", kernel);
				snprintf(cols[n].stack, sizeof(cols[n].stack), "%s", stack);
				n++;
			}
			of[i] = (int)c;
		}
	return n;
}

/* Where a run's report is, as a URL from the index: under the matrix dir first. */
static int report_url(const char *dir, const struct jr_val *run, struct strbuf *url)
{
	const char *rd = jr_str(run, "run_dir", NULL), *base;
	char path[PATH_MAX + 64];

	if (!rd || !rd[0])
		return 0;
	base = strrchr(rd, '/') ? strrchr(rd, '/') + 1 : rd;
	snprintf(path, sizeof(path), "%s/%s/report.html", dir, base);
	if (base[0] && strcmp(base, ".") && strcmp(base, "..") && access(path, R_OK) == 0) {
		snprintf(path, sizeof(path), "%s/report.html", base);
		url_path(url, path);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/report.html", rd);
	if (rd[0] == '/' && access(path, R_OK) == 0) {
		url_path(url, path);
		return 1;
	}
	return 0;
}

static void count_checks(struct col *c, const struct jr_val *run)
{
	const struct jr_val *cs = jr_get(jr_get(run, "results"), "checks");

	for (size_t i = 0; cs && cs->type == JR_ARR && i < cs->len; i++) {
		const char *v = jr_str(&cs->items[i], "verdict", "");

		c->pass += !strcmp(v, "PASS");
		c->fail += !strcmp(v, "FAIL");
		c->error += !strcmp(v, "ERROR");
		c->skipped += !strcmp(v, "SKIP");
		c->ran += !strcmp(v, "PASS") || !strcmp(v, "FAIL");
	}
}

static void cell(struct xw *w, const char *dir, const struct jr_val *run)
{
	const char *v = jr_str(run, "verdict", "?");
	struct strbuf url = STRBUF_INIT;
	char cls[32];

	snprintf(cls, sizeof(cls), "v-%s", vindex(v) < 4 ? v : "NONE");
	xw_open(w, "td");
	xw_attr(w, "class", cls);
	xw_attr(w, "title", jr_str(run, "note", NULL));
	if (report_url(dir, run, &url)) {
		xw_open(w, "a");
		xw_attr(w, "href", sb_str(&url));
	}
	xw_elem(w, "b", v);
	xw_open(w, "br");
	xw_close(w);
	xw_textf(w, "%.1f s", jr_num(run, "seconds", 0));
	if (url.len)
		xw_close(w);
	xw_close(w);
	sb_release(&url);
}

static void grid(struct xw *w, const char *dir, const struct jr_val *runs)
{
	struct col *cols = calloc(COLS_MAX, sizeof(*cols));
	int *of = calloc(runs->len + 1, sizeof(*of));
	size_t nc = cols && of ? columns(runs, cols, of) : 0;

	html_section(w, "grid", "Scenario × arch × kernel");
	xw_open(w, "table");
	xw_attr(w, "class", "grid");
	xw_open(w, "tr");
	xw_elem(w, "th", "scenario");
	for (size_t c = 0; c < nc; c++) {
		xw_open(w, "th");
		xw_text(w, cols[c].arch);
		xw_open(w, "br");
		xw_close(w);
		xw_elemc(w, "span", cols[c].kernel[0] ? NULL : "missing",
			 cols[c].kernel[0] ? cols[c].kernel : "kernel not recorded");
		if (cols[c].stack[0]) {
			xw_open(w, "br");
			xw_close(w);
			xw_text(w, cols[c].stack);
		}
		xw_close(w);
	}
	xw_close(w);
	for (size_t i = 0; i < runs->len; i++) {
		const char *sc = jr_str(&runs->items[i], "scenario", "?");
		size_t k;

		for (k = 0; k < i && strcmp(jr_str(&runs->items[k], "scenario", "?"), sc); k++)
			;
		if (k < i)
			continue;	/* this scenario's row is written */
		xw_open(w, "tr");
		xw_elemc(w, "td", "sc", sc);
		for (size_t c = 0; c < nc; c++) {
			for (k = i; k < runs->len; k++)
				if (of[k] == (int)c &&
				    !strcmp(jr_str(&runs->items[k], "scenario", "?"), sc))
					break;
			if (k < runs->len)
				cell(w, dir, &runs->items[k]);
			else
				xw_elem(w, "td", "");
		}
		xw_close(w);
	}
	for (size_t i = 0; i < runs->len; i++) {
		cols[of[i]].jobs[vindex(jr_str(&runs->items[i], "verdict", "?"))]++;
		count_checks(&cols[of[i]], &runs->items[i]);
	}
	xw_open(w, "tr");
	xw_elem(w, "th", "jobs");
	for (size_t c = 0; c < nc; c++) {
		xw_open(w, "td");
		for (int v = 0; vnames[v]; v++)
			if (cols[c].jobs[v])
				xw_textf(w, "%zu %s ", cols[c].jobs[v], vnames[v]);
		xw_close(w);
	}
	xw_close(w);
	xw_open(w, "tr");
	xw_elem(w, "th", "checks that ran");
	for (size_t c = 0; c < nc; c++) {
		xw_open(w, "td");
		xw_open(w, "b");
		xw_textf(w, "%zu", cols[c].ran);
		xw_close(w);
		xw_textf(w, " (%zu pass, %zu fail)", cols[c].pass, cols[c].fail);
		if (cols[c].error || cols[c].skipped) {
			xw_open(w, "br");
			xw_close(w);
			xw_textf(w, "%zu error, %zu skipped", cols[c].error, cols[c].skipped);
		}
		xw_close(w);
	}
	xw_close(w);
	xw_close(w);
	html_note(w, "A cell links to its run's report. Checks that ran: those that reached a "
		  "PASS or FAIL; an ERROR is the testbed failing, a SKIP an unmet need.");
	xw_close(w);
	free(cols);
	free(of);
}

/* Why each job that did not pass did not: its first such check, or the matrix's note. */
static void why(struct xw *w, const struct jr_val *runs)
{
	int any = 0;

	for (size_t i = 0; i < runs->len; i++) {
		const struct jr_val *r = &runs->items[i];
		const struct jr_val *cs = jr_get(jr_get(r, "results"), "checks");
		const char *v = jr_str(r, "verdict", "?"), *what = jr_str(r, "note", NULL);

		if (!strcmp(v, "PASS"))
			continue;
		if (!any++) {
			html_section(w, "why", "Jobs that did not pass");
			xw_open(w, "ul");
		}
		for (size_t k = 0; cs && cs->type == JR_ARR && k < cs->len && !what; k++)
			if (!strcmp(jr_str(&cs->items[k], "verdict", ""), v))
				what = jr_str(&cs->items[k], "summary", NULL);
		xw_open(w, "li");
		html_chip(w, v);
		xw_textf(w, " %s.%s: %s", jr_str(r, "scenario", "?"), jr_str(r, "arch", "?"),
			 what ? what : "no reason recorded");
		xw_close(w);
	}
	if (any) {
		xw_close(w);
		xw_close(w);
	}
}

int report_html_render_index(struct strbuf *sb, const char *dir, char *err, size_t errlen)
{
	struct strbuf text = STRBUF_INIT;
	char path[PATH_MAX + 32], jerr[128], cls[32];
	const struct jr_val *m, *runs;
	size_t count[5] = { 0 };
	struct jr_val v = { 0 };
	struct xw w;
	int rc;

	snprintf(path, sizeof(path), "%s/results.json", dir);
	rc = sb_read_file(&text, path, 256u << 20);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		goto cleanup;
	}
	rc = jr_parse(&v, text.buf, text.len, jerr, sizeof(jerr));
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", path, jerr);
		goto cleanup;
	}
	m = jr_get(&v, "matrix");
	runs = jr_get(&v, "runs");
	if (!m || !runs || runs->type != JR_ARR) {
		snprintf(err, errlen, "%s: not a matrix's results (no \"matrix\" and \"runs\")",
			 path);
		rc = -EINVAL;
		goto cleanup;
	}
	for (size_t i = 0; i < runs->len; i++)
		count[vindex(jr_str(&runs->items[i], "verdict", "?"))]++;
	xw_init(&w, sb);
	html_head(&w, "hotplug-test matrix");
	snprintf(cls, sizeof(cls), "verdict v-%s", count[1] ? "FAIL" : count[2] ? "ERROR" :
		 count[4] ? "NONE" : "PASS");
	xw_open(&w, "header");
	xw_attr(&w, "class", cls);
	xw_elem(&w, "h1", count[1] ? "matrix: FAIL" : count[2] ? "matrix: ERROR" : "matrix: PASS");
	xw_open(&w, "p");
	xw_textf(&w, "%zu jobs: %zu PASS, %zu FAIL, %zu ERROR, %zu SKIP; started %s, %.0f s "
		 "wall, -j %.0f, exit code %.0f", runs->len, count[0], count[1], count[2],
		 count[3], jr_str(m, "started", "?"), jr_num(m, "wall_ms", 0) / 1000.0,
		 jr_num(m, "parallel", 0), jr_num(m, "exit_code", -1));
	xw_close(&w);
	xw_close(&w);
	xw_open(&w, "main");
	grid(&w, dir, runs);
	why(&w, runs);
	xw_open(&w, "footer");
	xw_text(&w, "Made by hotplug-test from this matrix's results.json; `hotplug-test report "
		"DIR` makes it again.");
	xw_close(&w);
	rc = xw_finish(&w);
	sb_adds(sb, "\n");
	if (rc < 0)
		snprintf(err, errlen, "%s: the index's markup did not pair up (a bug)", dir);
cleanup:
	jr_free(&v);
	sb_release(&text);
	return rc;
}

int report_html_write_index(const char *dir, char *err, size_t errlen)
{
	struct strbuf sb = STRBUF_INIT;
	char path[PATH_MAX + 16];
	int rc = report_html_render_index(&sb, dir, err, errlen);

	if (rc == 0) {
		snprintf(path, sizeof(path), "%s/index.html", dir);
		rc = xml_write_file(path, &sb);
		if (rc < 0)
			snprintf(err, errlen, "%s: %s", path, strerror(-rc));
	}
	sb_release(&sb);
	return rc;
}

int report_html_is_matrix(const char *dir)
{
	struct strbuf text = STRBUF_INIT;
	char path[PATH_MAX + 32], jerr[128];
	struct jr_val v = { 0 };
	int rc;

	snprintf(path, sizeof(path), "%s/results.json", dir);
	rc = sb_read_file(&text, path, 256u << 20);
	if (rc == 0)
		rc = jr_parse(&v, text.buf, text.len, jerr, sizeof(jerr));
	if (rc == 0)
		rc = jr_get(&v, "matrix") != NULL;
	jr_free(&v);
	sb_release(&text);
	return rc;
}
