/* The HTML reporter's parts (report_html*.c): a run's report.html is rendered from what
 * its run dir holds (results.json, snapshots/NN-NAME/, the logs), so the report of an
 * old run dir can be made again; a matrix's index.html from its results.json.
 *   report_html.c        the page: style, verdict, facts; the reporter's hooks
 *   report_html_checks.c evidence, failing checks, all checks, links to the files
 *   report_html_load.c   reading a run dir; snapshots, checks and events looked up
 *   report_html_mem.c    the memory timeline and the per-cycle trend plots
 *   report_html_dev.c    per device: block map, where the memmap lives, teardown
 *   report_html_index.c  a matrix's index */
#ifndef HPT_REPORT_HTML_H
#define HPT_REPORT_HTML_H
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include "jsonr.h"
#include "snapshot.h"
#include "strbuf.h"
#include "xml.h"

/* Verdict colours; tests/integration/report.sh looks for them in screenshots. */
#define HTML_PASS "#1e8e3e"
#define HTML_FAIL "#c8102e"
#define HTML_ERROR "#7b1fa2"
#define HTML_SKIP "#80868b"
#define HTML_TEXT_MAX 4096	/* bytes of one guest string shown in a table cell */
#define HTML_PLOT_BG "#eef5fc"	/* the memory timeline's plot area, and only it */

/* One snapshot directory of a run (snapshots/NN-NAME/). */
struct rsnap {
	int nn;
	char dir[96];		/* "05-no-leak-final" */
	const char *name;	/* into dir, after "NN-" */
	struct snapshot s;
	int loaded;		/* 0: unreadable, err says why */
	char err[256];
};

/* An event of the run placed between two snapshots (x = k - 0.5: before snapshot k). */
enum rev_kind { REV_PLUG, REV_ONLINE, REV_OFFLINE, REV_UNPLUG, REV__COUNT };
struct rev {
	enum rev_kind kind;
	double x;
	char dev[32];
};
extern const char *const rev_names[REV__COUNT];	/* "plug", "online", … */
extern const char *const rev_colours[REV__COUNT];

struct rundoc {
	char dir[PATH_MAX];
	struct jr_val res;	/* results.json (JR_NULL if it could not be read) */
	struct rsnap *snaps;	/* in the order taken */
	size_t n_snaps;
	int baseline;		/* index of the baseline snapshot, -1 = none */
	struct rev *events;
	size_t n_events;
	struct strbuf missing;	/* what this run dir lacks, "; "-separated */
};

/* Reads dir/results.json (required: -ENOENT/-EINVAL with err) and every snapshot. What is
 * absent (snapshots, logs) is listed in d->missing, not an error. */
int rundoc_load(struct rundoc *d, const char *dir, char *err, size_t errlen);
void rundoc_free(struct rundoc *d);
/* results.json's checks (an array, never NULL: an empty one when absent). */
const struct jr_val *rd_checks(const struct rundoc *d);
/* The first check named name, or NULL. */
const struct jr_val *rd_check(const struct rundoc *d, const char *name);
/* 1 if dir/file exists. */
int rd_has(const struct rundoc *d, const char *file);
/* The snapshot name with a device suffix ("online-d0" with prefix "online-"): the device
 * name, or NULL. */
const char *rd_dev_of(const char *snap, const char *prefix);

/* report_html_checks.c: a JSON number as an unsigned integer (NaN, negative: 0; too big: the
 * largest), so no cast of a double read from a file is undefined */
uint64_t html_u64(double v);
/* JSON evidence as nested tables */
void html_json(struct xw *w, const struct jr_val *v, int depth);
/* A verdict chip: <span class="chip v-FAIL">FAIL</span>. */
void html_chip(struct xw *w, const char *verdict);
/* <section id=id><h2>title</h2> … (close with xw_close). */
void html_section(struct xw *w, const char *id, const char *title);
/* <p class="note">text</p> */
void html_note(struct xw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The shared <head> with the style sheet; opens <body>. */
void html_head(struct xw *w, const char *title);

/* report_html_checks.c: the sections */
void html_problems(struct xw *w, const struct rundoc *d);
void html_checks(struct xw *w, const struct rundoc *d);
void html_files(struct xw *w, const struct rundoc *d);
/* report_html_mem.c */
void html_timeline(struct xw *w, const struct rundoc *d);
void html_trends(struct xw *w, const struct rundoc *d);
/* report_html_dev.c */
void html_devices(struct xw *w, const struct rundoc *d);

/* Renders a run dir's report into sb; what the run dir lacks is appended to notes (if
 * not NULL). 0 or -errno with err. */
int report_html_render_run(struct strbuf *sb, const char *dir, struct strbuf *notes, char *err,
			   size_t errlen);
/* Writes dir/report.html (notes as above). 0 or -errno with err. */
int report_html_write_run(const char *dir, struct strbuf *notes, char *err, size_t errlen);
/* report_html_index.c: a matrix dir's index.html from its results.json; the run dirs it
 * names are looked for under dir first (a moved matrix keeps its links). */
int report_html_render_index(struct strbuf *sb, const char *dir, char *err, size_t errlen);
int report_html_write_index(const char *dir, char *err, size_t errlen);
/* 1 if dir/results.json is a matrix's (has "matrix"), 0 a run's, -errno unreadable. */
int report_html_is_matrix(const char *dir);

#endif
