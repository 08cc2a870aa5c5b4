/* A run's report.html (see report_html.h): one self-contained XHTML file — inline CSS and
 * SVG, no script, nothing fetched — that reads the same through an XML and an HTML parser.
 * Order: the verdict and what ran (kernel, arch, host stack), every check that did not
 * pass with its evidence, the memory timeline, the devices (block map, memmap, teardown),
 * the trend plots, all checks, and links to the logs and raw snapshot files. This file:
 * the page, its style sheet, the verdict and the facts; the reporter's hooks. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hpt.h"
#include "matrix.h"
#include "report.h"
#include "report_html.h"
#include "svg.h"

static const char css[] =
	"body{font:14px/1.45 'DejaVu Sans',Verdana,sans-serif;margin:0;color:#1d2733;"
	"background:#fff}"
	"header.verdict{padding:14px 24px 12px;color:#fff}"
	"header.verdict h1{margin:0;font-size:30px;letter-spacing:1px}"
	"header.verdict p{margin:4px 0 0}"
	".v-PASS{background:" HTML_PASS "}.v-FAIL{background:" HTML_FAIL "}"
	".v-ERROR{background:" HTML_ERROR "}.v-SKIP{background:" HTML_SKIP "}"
	".v-NONE{background:#b0b7c0}"
	"main{padding:4px 24px 24px;max-width:1240px}"
	"h2{font-size:19px;border-bottom:2px solid #d5dce5;padding-bottom:3px;margin-top:26px}"
	"h3{font-size:15px;margin:16px 0 6px}"
	"table{border-collapse:collapse;margin:4px 0}"
	"td,th{border:1px solid #d5dce5;padding:3px 8px;text-align:left;vertical-align:top}"
	"th{background:#eef2f6;font-weight:600}"
	"dl.ev{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:1px 10px;"
	"font-size:12px;margin:4px 0;background:#fff;padding:4px 6px;border:1px solid #e3e8ee}"
	"dl.ev2{grid-template-columns:max-content minmax(0,1fr) max-content minmax(0,1fr)}"
	"dl.ev dt{color:#5b6673}dl.ev dd{margin:0;overflow-wrap:anywhere}"
	".chip{display:inline-block;color:#fff;border-radius:3px;padding:0 6px;font-size:12px;"
	"font-weight:bold;min-width:40px;text-align:center}"
	".problem{border-left:6px solid #b0b7c0;padding:4px 12px;margin:10px 0;background:#fafbfc}"
	".problem.p-FAIL{border-color:" HTML_FAIL "}.problem.p-ERROR{border-color:" HTML_ERROR "}"
	".problem.p-SKIP{border-color:" HTML_SKIP "}"
	".problem h3{margin:4px 0}"
	".note{color:#5b6673;font-style:italic}"
	".missing{color:#8a5a00}"
	"code,pre{font-family:'DejaVu Sans Mono',monospace;font-size:12px}"
	"pre{white-space:pre-wrap;background:#f5f7fa;padding:6px}"
	"svg{display:block;margin:6px 0}"
	"svg text{font-family:'DejaVu Sans',Verdana,sans-serif}"
	"svg text.tick{font-size:10px;fill:#4a5563}svg text.legend{font-size:11px;fill:#1d2733}"
	"svg text.ptitle{font-size:13px;font-weight:bold;fill:#1d2733}"
	"svg text.mark{font-size:10px;fill:#1d2733}svg text.cell{font-size:10px;fill:#fff}"
	"svg text.dark{font-size:10px;fill:#1d2733}"
	"svg .band{fill:#1f6fb2;fill-opacity:0.14}.trend{width:590px}"
	".seq{display:flex;flex-wrap:wrap;gap:4px;margin:4px 0}"
	".seq span{border:1px solid #c9d1db;border-radius:10px;padding:0 8px;font-size:12px;"
	"background:#f5f7fa}"
	".grid td{text-align:center}.grid td.sc{text-align:left;font-weight:600}"
	".grid td a{color:#fff;text-decoration:none;display:block}"
	"footer{color:#5b6673;font-size:12px;margin-top:30px}";

void html_head(struct xw *w, const char *title)
{
	xw_raw(w, "<!DOCTYPE html>\n");
	xw_open(w, "html");
	xw_attr(w, "xmlns", "http://www.w3.org/1999/xhtml");
	xw_attr(w, "lang", "en");
	xw_open(w, "head");
	xw_open(w, "meta");
	xw_attr(w, "charset", "utf-8");
	xw_close(w);
	/* nothing runs and nothing is fetched, whatever a guest string might hold */
	xw_open(w, "meta");
	xw_attr(w, "http-equiv", "Content-Security-Policy");
	xw_attr(w, "content", "default-src 'none'; style-src 'unsafe-inline'");
	xw_close(w);
	xw_elem(w, "title", title);
	xw_open(w, "style");
	xw_raw(w, css);
	xw_close(w);
	xw_close(w);
	xw_open(w, "body");
}

void html_chip(struct xw *w, const char *verdict)
{
	char cls[32];
	const char *v = verdict && (!strcmp(verdict, "PASS") || !strcmp(verdict, "FAIL") ||
				    !strcmp(verdict, "ERROR") || !strcmp(verdict, "SKIP"))
			? verdict : "NONE";

	snprintf(cls, sizeof(cls), "chip v-%s", v);
	xw_elemc(w, "span", cls, verdict ? verdict : "?");
}

void html_section(struct xw *w, const char *id, const char *title)
{
	xw_open(w, "section");
	xw_attr(w, "id", id);
	xw_elem(w, "h2", title);
}

void html_note(struct xw *w, const char *fmt, ...)
{
	struct strbuf t = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	sb_vaddf(&t, fmt, ap);
	va_end(ap);
	xw_elemc(w, "p", "note", sb_str(&t));
	sb_release(&t);
}

static void fact(struct xw *w, const char *key, const char *val, const char *why_absent)
{
	xw_open(w, "tr");
	xw_elem(w, "th", key);
	xw_open(w, "td");
	if (val)
		xw_textn(w, val, strlen(val), HTML_TEXT_MAX);
	else
		xw_elemc(w, "span", "missing", why_absent ? why_absent : "not recorded");
	xw_close(w);
	xw_close(w);
}

/* A field that is a string, or an object whose scalar members are listed "k v, …". */
static const char *flat(const struct jr_val *v, struct strbuf *sb)
{
	sb_reset(sb);
	if (!v || v->type == JR_NULL)
		return NULL;
	if (v->type == JR_STR)
		return v->str;
	if (v->type == JR_NUM) {
		sb_addf(sb, "%g", v->num);
		return sb_str(sb);
	}
	for (size_t i = 0; v->type == JR_OBJ && i < v->len; i++)
		if (v->items[i].type == JR_STR)
			sb_addf(sb, "%s%s %s", sb->len ? ", " : "", v->keys[i], v->items[i].str);
		else if (v->items[i].type == JR_NUM)
			sb_addf(sb, "%s%s %g", sb->len ? ", " : "", v->keys[i], v->items[i].num);
	return sb->len ? sb_str(sb) : NULL;
}

/* The first of several possible fields (newer versions of results.json add some). */
static const struct jr_val *field(const struct jr_val *o, const char *const *keys)
{
	for (int i = 0; keys[i]; i++) {
		const char *dot = strchr(keys[i], '.');
		const struct jr_val *v;

		if (dot) {
			char head[64];

			snprintf(head, sizeof(head), "%.*s", (int)(dot - keys[i]), keys[i]);
			v = jr_get(jr_get(o, head), dot + 1);
		} else {
			v = jr_get(o, keys[i]);
		}
		if (v && v->type != JR_NULL && (v->type != JR_OBJ || v->len))
			return v;
	}
	return NULL;
}

static void facts(struct xw *w, const struct rundoc *d)
{
	static const char *const k_rel[] = { "kernel.release", "kernel", "kernel_release", NULL };
	static const char *const k_pkg[] = { "kernel_package", "kernel.package", "kernel.deb",
					     NULL };
	static const char *const k_ver[] = { "kernel_version", "kernel.version", NULL };
	static const char *const k_stack[] = { "stack", "host_stack", "host", NULL };
	const struct jr_val *r = &d->res, *kr = field(r, k_rel);
	struct strbuf t = STRBUF_INIT, ph = STRBUF_INIT;
	const struct jr_val *phases = jr_get(r, "phases_ms");
	char line[64];

	html_section(w, "run", "What ran");
	xw_open(w, "table");
	xw_attr(w, "class", "facts");
	sb_addf(&t, "%s (%s)", jr_str(r, "scenario", "?"), jr_str(r, "file", "?"));
	fact(w, "scenario", sb_str(&t), NULL);
	snprintf(line, sizeof(line), "%s (exit code %.0f)", jr_str(r, "verdict", "?"),
		 jr_num(r, "exit_code", -1));
	fact(w, "verdict", line, NULL);
	fact(w, "arch", jr_str(r, "arch", NULL), NULL);
	fact(w, "kernel", flat(kr, &t),
	     "not recorded (no guest booted)");
	fact(w, "kernel package", flat(field(r, k_pkg), &t),
	     "not recorded by this version of hotplug-test");
	fact(w, "kernel version", flat(field(r, k_ver), &t),
	     "not recorded by this version of hotplug-test");
	fact(w, "host stack", flat(field(r, k_stack), &t),
	     "not recorded by this version of hotplug-test");
	fact(w, "accelerator", jr_str(r, "accel", NULL), NULL);
	fact(w, "run dir", jr_str(r, "run_dir", d->dir), NULL);
	for (size_t i = 0; phases && phases->type == JR_OBJ && i < phases->len; i++)
		sb_addf(&ph, "%s%s %.1f s", i ? ", " : "", phases->keys[i],
			phases->items[i].num / 1000.0);
	sb_reset(&t);
	sb_addf(&t, "%.1f s%s%s%s", jr_num(r, "total_ms", NAN) / 1000.0, ph.len ? " (" : "",
		sb_str(&ph), ph.len ? ")" : "");
	fact(w, "time", jr_get(r, "total_ms") ? sb_str(&t) : NULL, NULL);
	xw_close(w);
	if (d->missing.len) {
		xw_open(w, "p");
		xw_attr(w, "class", "missing");
		xw_textf(w, "This run dir lacks: %s.", sb_str(&d->missing));
		xw_close(w);
	}
	xw_close(w);
	sb_release(&t);
	sb_release(&ph);
}

static void banner(struct xw *w, const struct rundoc *d)
{
	const struct jr_val *cs = rd_checks(d);
	const char *v = jr_str(&d->res, "verdict", "?");
	size_t bad = 0;
	char cls[40];

	snprintf(cls, sizeof(cls), "verdict v-%s", !strcmp(v, "PASS") || !strcmp(v, "FAIL") ||
		 !strcmp(v, "ERROR") || !strcmp(v, "SKIP") ? v : "NONE");
	xw_open(w, "header");
	xw_attr(w, "class", cls);
	xw_elem(w, "h1", v);
	xw_open(w, "p");
	xw_textf(w, "%s on %s, kernel %s", jr_str(&d->res, "scenario", "?"),
		 jr_str(&d->res, "arch", "?"), jr_str(&d->res, "kernel", "not recorded"));
	xw_close(w);
	for (size_t i = 0; i < cs->len; i++)
		bad += strcmp(jr_str(&cs->items[i], "verdict", ""), "PASS") != 0;
	xw_open(w, "p");
	xw_textf(w, "%zu of %zu checks did not pass", bad, cs->len);
	for (size_t i = 0, k = 0; i < cs->len && k < 4; i++)
		if (!strcmp(jr_str(&cs->items[i], "verdict", ""), v) && strcmp(v, "PASS"))
			xw_textf(w, "%s%s", k++ ? ", " : ": ", jr_str(&cs->items[i], "name", "?"));
	xw_close(w);
	xw_close(w);
}

int report_html_render_run(struct strbuf *sb, const char *dir, struct strbuf *notes, char *err,
			   size_t errlen)
{
	struct rundoc d;
	struct xw w;
	char title[256];
	int rc = rundoc_load(&d, dir, err, errlen);

	if (rc < 0)
		return rc;
	xw_init(&w, sb);
	snprintf(title, sizeof(title), "%s: %s on %s", jr_str(&d.res, "verdict", "?"),
		 jr_str(&d.res, "scenario", "?"), jr_str(&d.res, "arch", "?"));
	html_head(&w, title);
	banner(&w, &d);
	xw_open(&w, "main");
	facts(&w, &d);
	html_problems(&w, &d);
	html_timeline(&w, &d);
	html_devices(&w, &d);
	html_trends(&w, &d);
	html_checks(&w, &d);
	html_files(&w, &d);
	xw_open(&w, "footer");
	xw_text(&w, "Made by hotplug-test from results.json and snapshots/ of this run dir; "
		"`hotplug-test report DIR` makes it again.");
	xw_close(&w);
	rc = xw_finish(&w);
	sb_adds(sb, "\n");
	if (rc < 0)
		snprintf(err, errlen, "%s: the report's markup did not pair up (a bug)", dir);
	if (notes)
		sb_adds(notes, sb_str(&d.missing));
	rundoc_free(&d);
	return rc;
}

int report_html_write_run(const char *dir, struct strbuf *notes, char *err, size_t errlen)
{
	struct strbuf sb = STRBUF_INIT;
	char path[PATH_MAX + 16];
	int rc = report_html_render_run(&sb, dir, notes, err, errlen);

	if (rc == 0) {
		snprintf(path, sizeof(path), "%s/report.html", dir);
		rc = xml_write_file(path, &sb);
		if (rc < 0)
			snprintf(err, errlen, "%s: %s", path, strerror(-rc));
	}
	sb_release(&sb);
	return rc;
}

/* The reporter: report.html once a run's results.json is written, index.html once a
 * matrix's is. */
static int html_run_files(const struct run *r)
{
	char err[512];
	int rc;

	if (!r->dir[0])
		return 0;
	rc = report_html_write_run(r->dir, NULL, err, sizeof(err));
	if (rc < 0)
		hpt_log("%s", err);
	return rc;
}

static int html_matrix_files(const struct matrix *m, int exit_code)
{
	char err[512];
	int rc = report_html_write_index(m->out, err, sizeof(err));

	(void)exit_code;
	if (rc < 0)
		hpt_log("%s", err);
	return rc;
}

const struct reporter report_html = { .name = "html", .writes = "report.html, index.html",
				      .run_files = html_run_files,
				      .matrix_files = html_matrix_files };
