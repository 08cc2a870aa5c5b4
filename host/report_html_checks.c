/* The checks of a run's report: evidence (JSON) as nested tables, every check that did
 * not pass first, all checks, and the links to the run dir's files and raw snapshots. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "report_html.h"

uint64_t html_u64(double v)
{
	if (!(v > 0))
		return 0;
	return v >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)v;
}

static void json_num(struct xw *w, const char *key, double v)
{
	size_t kl = key ? strlen(key) : 0;

	if (v == floor(v) && fabs(v) < 9007199254740992.0) {
		xw_textf(w, "%.0f", v);
		/* addresses and frame numbers read better in hex too */
		if (v >= 4096 && kl >= 3 && (!strcmp(key + kl - 3, "pfn") || !strcmp(key, "base")))
			xw_textf(w, " (0x%llx)", (unsigned long long)html_u64(v));
	} else {
		xw_textf(w, "%.6g", v);
	}
}

static void json_val(struct xw *w, const char *key, const struct jr_val *v, int depth)
{
	switch (v->type) {
	case JR_NULL:
		xw_elemc(w, "span", "note", "null");
		break;
	case JR_BOOL:
		xw_text(w, v->num ? "true" : "false");
		break;
	case JR_NUM:
		json_num(w, key, v->num);
		break;
	case JR_STR:
		xw_textn(w, v->str, v->len, HTML_TEXT_MAX);
		break;
	default:
		html_json(w, v, depth + 1);
	}
}

void html_json(struct xw *w, const struct jr_val *v, int depth)
{
	int scalars = 1;

	if (depth > 8) {
		xw_text(w, "…");
		return;
	}
	if (v->type == JR_OBJ) {	/* key, value pairs: two pairs a row at the top */
		xw_open(w, "dl");
		xw_attr(w, "class", depth ? "ev" : "ev ev2");
		for (size_t i = 0; i < v->len; i++) {
			xw_open(w, "dt");
			xw_text(w, v->keys[i]);
			xw_close(w);
			xw_open(w, "dd");
			json_val(w, v->keys[i], &v->items[i], depth);
			xw_close(w);
		}
		xw_close(w);
		return;
	}
	if (v->type != JR_ARR) {
		json_val(w, NULL, v, depth);
		return;
	}
	for (size_t i = 0; i < v->len; i++)
		scalars &= v->items[i].type != JR_OBJ && v->items[i].type != JR_ARR;
	if (scalars) {	/* one line: "a, b, c … (N more)" */
		for (size_t i = 0; i < v->len && i < 400; i++) {
			if (i)
				xw_text(w, ", ");
			json_val(w, NULL, &v->items[i], depth);
		}
		if (v->len > 400)
			xw_textf(w, " … (%zu more)", v->len - 400);
		return;
	}
	xw_open(w, "ol");
	for (size_t i = 0; i < v->len && i < 200; i++) {
		xw_open(w, "li");
		json_val(w, NULL, &v->items[i], depth);
		xw_close(w);
	}
	xw_close(w);
}

/* One row of the facts table; a NULL value reads "not recorded". */
static void check_line(struct xw *w, const struct rundoc *d, const struct jr_val *c)
{
	if (jr_get(c, "line"))
		xw_textf(w, "%s:%.0f", jr_str(&d->res, "file", "scenario"), jr_num(c, "line", 0));
}

/* Every check that did not pass, FAIL and ERROR first, with its evidence. */
void html_problems(struct xw *w, const struct rundoc *d)
{
	static const char *const order[] = { "FAIL", "ERROR", "SKIP", NULL };
	const struct jr_val *cs = rd_checks(d);
	size_t shown = 0;

	html_section(w, "problems", "Checks that did not pass");
	for (int o = 0; order[o]; o++)
		for (size_t i = 0; i < cs->len; i++) {
			const struct jr_val *c = &cs->items[i], *ev = jr_get(c, "evidence");
			char cls[32];

			if (strcmp(jr_str(c, "verdict", ""), order[o]))
				continue;
			snprintf(cls, sizeof(cls), "problem p-%s", order[o]);
			xw_open(w, "div");
			xw_attr(w, "class", cls);
			xw_open(w, "h3");
			html_chip(w, order[o]);
			xw_textf(w, " %s ", jr_str(c, "name", "?"));
			xw_open(w, "span");
			xw_attr(w, "class", "note");
			check_line(w, d, c);
			xw_close(w);
			xw_close(w);
			xw_elem(w, "p", jr_str(c, "summary", ""));
			if (ev)
				html_json(w, ev, 0);
			xw_close(w);
			shown++;
		}
	if (!shown)
		html_note(w, "Every one of the %zu checks passed.", cs->len);
	xw_close(w);
}

void html_checks(struct xw *w, const struct rundoc *d)
{
	const struct jr_val *cs = rd_checks(d);

	html_section(w, "checks", "All checks");
	xw_open(w, "table");
	xw_raw(w, "<tr><th>verdict</th><th>check</th><th>line</th><th>summary</th></tr>");
	for (size_t i = 0; i < cs->len; i++) {
		const struct jr_val *c = &cs->items[i], *ev = jr_get(c, "evidence");

		xw_open(w, "tr");
		xw_open(w, "td");
		html_chip(w, jr_str(c, "verdict", "?"));
		xw_close(w);
		xw_elem(w, "td", jr_str(c, "name", "?"));
		xw_open(w, "td");
		if (jr_get(c, "line"))
			xw_textf(w, "%.0f", jr_num(c, "line", 0));
		xw_close(w);
		xw_open(w, "td");
		xw_text(w, jr_str(c, "summary", ""));
		if (ev) {
			xw_open(w, "details");
			xw_elem(w, "summary", "evidence");
			html_json(w, ev, 0);
			xw_close(w);
		}
		xw_close(w);
		xw_close(w);
	}
	xw_close(w);
	xw_close(w);
}

/* A link to a file of the run dir (path relative to it), or why there is none. */
static void file_link(struct xw *w, const struct rundoc *d, const char *rel, const char *text)
{
	char path[PATH_MAX + 256];
	struct strbuf url = STRBUF_INIT;
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", d->dir, rel);
	if (stat(path, &st) < 0) {
		xw_elemc(w, "span", "missing", text);
		xw_text(w, " (not in this run dir)");
		return;
	}
	url_path(&url, rel);
	xw_open(w, "a");
	xw_attr(w, "href", sb_str(&url));
	xw_text(w, text);
	xw_close(w);
	xw_textf(w, " (%lld bytes)", (long long)st.st_size);
	sb_release(&url);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files of dir (sorted, at most max); returns how many. */
static size_t list_files(const char *dir, char **names, size_t max)
{
	DIR *dd = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	while (dd && n < max && (e = readdir(dd)))
		if (e->d_name[0] != '.' && e->d_type != DT_DIR && !strstr(e->d_name, ".tmp"))
			names[n++] = strdup(e->d_name);
	if (dd)
		closedir(dd);
	for (size_t i = 0; i < n; i++)
		if (!names[i]) {
			names[i--] = names[--n];
		}
	qsort(names, n, sizeof(*names), name_cmp);
	return n;
}

void html_files(struct xw *w, const struct rundoc *d)
{
	static const char *const logs[] = { "console.log", "dmesg.log", "agent.log",
					    "results.json", NULL };
	char *names[64], path[PATH_MAX + 128];
	size_t n;

	html_section(w, "files", "Files of this run");
	xw_open(w, "ul");
	for (int i = 0; logs[i]; i++) {
		xw_open(w, "li");
		file_link(w, d, logs[i], logs[i]);
		xw_close(w);
	}
	n = list_files(d->dir, names, 64);
	for (size_t i = 0; i < n; i++) {
		int known = !strcmp(names[i], "report.html");

		for (int k = 0; logs[k]; k++)
			known |= !strcmp(names[i], logs[k]);
		if (!known) {
			xw_open(w, "li");
			file_link(w, d, names[i], names[i]);
			xw_close(w);
		}
		free(names[i]);
	}
	xw_close(w);
	if (!d->n_snaps) {
		html_note(w, "No snapshot files.");
		xw_close(w);
		return;
	}
	xw_open(w, "details");
	xw_open(w, "summary");
	xw_textf(w, "the raw files of the %zu snapshots", d->n_snaps);
	xw_close(w);
	xw_open(w, "table");
	for (size_t i = 0; i < d->n_snaps; i++) {
		xw_open(w, "tr");
		xw_elem(w, "td", d->snaps[i].dir);
		xw_open(w, "td");
		snprintf(path, sizeof(path), "%s/snapshots/%s", d->dir, d->snaps[i].dir);
		n = list_files(path, names, 64);
		for (size_t k = 0; k < n; k++) {
			struct strbuf url = STRBUF_INIT;

			sb_addf(&url, "snapshots/%s/%s", d->snaps[i].dir, names[k]);
			snprintf(path, sizeof(path), "%s", sb_str(&url));
			sb_reset(&url);
			url_path(&url, path);
			xw_open(w, "a");
			xw_attr(w, "href", sb_str(&url));
			xw_text(w, names[k]);
			xw_close(w);
			xw_text(w, " ");
			sb_release(&url);
			free(names[k]);
		}
		if (!d->snaps[i].loaded)
			xw_elemc(w, "span", "missing", d->snaps[i].err);
		xw_close(w);
		xw_close(w);
	}
	xw_close(w);
	xw_close(w);
	xw_close(w);
}

