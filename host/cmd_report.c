/* `hotplug-test report DIR…`: makes a run dir's report.html, or a matrix dir's index.html
 * and the report of each of its runs, again from what the dirs hold (also dirs made by
 * older versions: what they lack is said, not guessed). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cmd.h"
#include "jsonr.h"
#include "report_html.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: hotplug-test report DIR…\n\n"
		"makes DIR/report.html from a run dir's results.json and snapshots/, or, for a "
		"matrix's\noutput dir, each run's report.html and DIR/index.html. Self-contained "
		"XHTML (inline\nSVG and CSS, no script): open it from a file:// URL.\n"
		"exit status: 0 if every report was made, 2 if one could not be\n");
}

static int one_run(const char *dir)
{
	struct strbuf notes = STRBUF_INIT;
	char err[600];
	int rc = report_html_write_run(dir, &notes, err, sizeof(err));

	if (rc < 0)
		fprintf(stderr, "hotplug-test report: %s\n", err);
	else if (notes.len)
		printf("%s/report.html (without what the run dir lacks: %s)\n", dir,
		       sb_str(&notes));
	else
		printf("%s/report.html\n", dir);
	sb_release(&notes);
	return rc;
}

/* Each run the matrix's results.json names (under dir first: a moved matrix), then the
 * index that links them. */
static int one_matrix(const char *dir)
{
	struct strbuf text = STRBUF_INIT;
	char path[PATH_MAX + 32], err[600];
	const struct jr_val *runs;
	struct jr_val v = { 0 };
	int rc, worst = 0;

	snprintf(path, sizeof(path), "%s/results.json", dir);
	rc = sb_read_file(&text, path, 256u << 20);
	if (rc == 0)
		rc = jr_parse(&v, text.buf, text.len, err, sizeof(err));
	runs = rc == 0 ? jr_get(&v, "runs") : NULL;
	for (size_t i = 0; runs && runs->type == JR_ARR && i < runs->len; i++) {
		const char *rd = jr_str(&runs->items[i], "run_dir", NULL), *base;
		char run[PATH_MAX + 64], res[PATH_MAX + 96];

		if (!rd || !rd[0])
			continue;
		base = strrchr(rd, '/') ? strrchr(rd, '/') + 1 : rd;
		snprintf(run, sizeof(run), "%s/%s", dir, base);
		snprintf(res, sizeof(res), "%s/results.json", run);
		if (!base[0] || access(res, R_OK) < 0)
			snprintf(run, sizeof(run), "%s", rd);
		snprintf(res, sizeof(res), "%s/results.json", run);
		if (access(res, R_OK) < 0) {
			printf("%s.%s: no run dir with a results.json (%s), no report\n",
			       jr_str(&runs->items[i], "scenario", "?"),
			       jr_str(&runs->items[i], "arch", "?"),
			       jr_str(&runs->items[i], "note", "the job never wrote one"));
			continue;
		}
		if (one_run(run) < 0)
			worst = -EINVAL;
	}
	jr_free(&v);
	sb_release(&text);
	rc = report_html_write_index(dir, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "hotplug-test report: %s\n", err);
	else
		printf("%s/index.html\n", dir);
	return rc < 0 ? rc : worst;
}

static int cmd(int argc, char **argv)
{
	int code = 0;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (int i = 1; i < argc; i++) {
		int m = report_html_is_matrix(argv[i]);

		if (m < 0) {
			fprintf(stderr, "hotplug-test report: %s/results.json: %s%s\n", argv[i],
				m == -ENOENT ? strerror(-m) : "unreadable or not JSON",
				m == -ENOENT ? " (not a run or matrix dir)" : "");
			code = 2;
			continue;
		}
		if ((m ? one_matrix(argv[i]) : one_run(argv[i])) < 0)
			code = 2;
	}
	return code;
}

const struct command cmd_report = { "report", cmd,
	"make a run dir's report.html or a matrix dir's index.html again" };
