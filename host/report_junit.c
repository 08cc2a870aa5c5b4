/* junit.xml for CI (see report.h). Everything that comes from a guest is escaped for XML
 * 1.0: markup characters become entities, bytes that are not valid UTF-8 and characters
 * XML forbids (controls other than tab/newline/CR) become "\xNN" text, so the file is
 * always well-formed whatever the kernel logged (xml.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "matrix.h"
#include "report.h"
#include "strbuf.h"
#include "xml.h"

#define TEXT_MAX (64u << 10)	/* per failure/system-out: CI front ends truncate anyway */

struct counts {
	size_t tests, fail, error, skip;
	size_t checks_run, checks_skip;	/* checks that ran (PASS/FAIL/ERROR), SKIPped */
	double time;
};

static void count(struct counts *c, const struct job_report *j)
{
	size_t skip = j->res ? result_count(j->res, V_SKIP) : 0;

	c->tests++;
	c->fail += j->v == V_FAIL;
	c->error += j->v == V_ERROR;
	c->skip += j->v == V_SKIP;
	c->time += j->seconds;
	c->checks_skip += skip;
	c->checks_run += (j->res ? j->res->n : 0) - skip;
}

static void counts_attrs(struct strbuf *sb, const struct counts *c)
{
	sb_addf(sb, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\"",
		c->tests, c->fail, c->error, c->skip, c->time);
}

/* The first check with verdict v, for a message attribute. */
static const struct check *first(const struct job_report *j, enum verdict v)
{
	for (size_t i = 0; j->res && i < j->res->n; i++)
		if (j->res->checks[i].v == v)
			return &j->res->checks[i];
	return NULL;
}

/* Every check that did not pass, with its evidence: the failure's text. */
static void problems(struct strbuf *sb, const struct job_report *j)
{
	struct strbuf t = STRBUF_INIT;

	if (j->note)
		sb_addf(&t, "%s\n", j->note);
	for (size_t i = 0; j->res && i < j->res->n; i++) {
		const struct check *c = &j->res->checks[i];

		if (c->v == V_PASS)
			continue;
		sb_addf(&t, "[%s] %s", verdict_names[c->v], c->name);
		if (c->lineno)
			sb_addf(&t, " (%s:%u)", j->file ? j->file : "", c->lineno);
		sb_addf(&t, ": %s\n", c->summary ? c->summary : "");
		if (c->evidence)
			sb_addf(&t, "  evidence: %s\n", c->evidence);
	}
	if (j->run_dir)
		sb_addf(&t, "run dir: %s\n", j->run_dir);
	xml_esc(sb, sb_str(&t), 0, TEXT_MAX);
	sb_release(&t);
}

static void testcase(struct strbuf *sb, const struct job_report *j)
{
	const struct check *c;
	struct strbuf out = STRBUF_INIT;

	sb_adds(sb, "    <testcase name=\"");
	xml_esc(sb, j->scenario, 1, 256);
	sb_adds(sb, "\" classname=\"");
	xml_esc(sb, j->arch, 1, 64);
	sb_addf(sb, "\" time=\"%.3f\" assertions=\"%zu\"", j->seconds,
		(j->res ? j->res->n - result_count(j->res, V_SKIP) : 0));
	if (j->file) {
		sb_adds(sb, " file=\"");
		xml_esc(sb, j->file, 1, 1024);
		sb_adds(sb, "\"");
	}
	sb_adds(sb, ">\n");
	if (j->v == V_FAIL || j->v == V_ERROR) {
		const char *tag = j->v == V_FAIL ? "failure" : "error";

		c = first(j, j->v);
		sb_addf(sb, "      <%s type=\"%s\" message=\"", tag, verdict_names[j->v]);
		if (c) {
			xml_esc(sb, c->name, 1, 256);
			sb_adds(sb, ": ");
			xml_esc(sb, c->summary, 1, 1024);
		} else {
			xml_esc(sb, j->note ? j->note : "no result", 1, 1024);
		}
		sb_adds(sb, "\">");
		problems(sb, j);
		sb_addf(sb, "</%s>\n", tag);
	} else if (j->v == V_SKIP) {
		c = first(j, V_SKIP);
		sb_adds(sb, "      <skipped message=\"");
		xml_esc(sb, c && c->summary ? c->summary : j->note ? j->note : "skipped", 1, 1024);
		sb_adds(sb, "\"/>\n");
	}
	/* every check, as the KTAP report lists them */
	sb_addf(&out, "%s.%s: %s in %.1f s", j->scenario, j->arch, verdict_names[j->v],
		j->seconds);
	if (j->kernel)
		sb_addf(&out, ", kernel %s", j->kernel);
	if (j->run_dir)
		sb_addf(&out, ", run dir %s", j->run_dir);
	sb_adds(&out, "\n");
	for (size_t i = 0; j->res && i < j->res->n; i++)
		sb_addf(&out, "%s %s: %s\n", verdict_names[j->res->checks[i].v],
			j->res->checks[i].name, j->res->checks[i].summary ?
			j->res->checks[i].summary : "");
	sb_adds(sb, "      <system-out>");
	xml_esc(sb, sb_str(&out), 0, TEXT_MAX);
	sb_adds(sb, "</system-out>\n    </testcase>\n");
	sb_release(&out);
}

void report_junit_render(struct strbuf *sb, const char *name, const struct job_report *jobs,
			 size_t n, const char *hostname, const char *timestamp)
{
	struct counts all = { 0 };

	for (size_t i = 0; i < n; i++)
		count(&all, &jobs[i]);
	sb_adds(sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"");
	xml_esc(sb, name, 1, 256);
	sb_adds(sb, "\"");
	counts_attrs(sb, &all);
	sb_adds(sb, ">\n");
	for (size_t i = 0; i < n; i++) {
		struct counts c = { 0 };
		const char *kernel = NULL;
		size_t k;

		for (k = 0; k < i && strcmp(jobs[k].arch, jobs[i].arch); k++)
			;
		if (k < i)
			continue;	/* this arch's suite is written already */
		for (k = i; k < n; k++)
			if (!strcmp(jobs[k].arch, jobs[i].arch)) {
				count(&c, &jobs[k]);
				kernel = kernel ? kernel : jobs[k].kernel;
			}
		sb_adds(sb, "  <testsuite name=\"");
		xml_esc(sb, jobs[i].arch, 1, 64);
		sb_adds(sb, "\"");
		counts_attrs(sb, &c);
		sb_adds(sb, " timestamp=\"");
		xml_esc(sb, timestamp, 1, 64);
		sb_adds(sb, "\" hostname=\"");
		xml_esc(sb, hostname, 1, 256);
		sb_adds(sb, "\">\n    <properties>\n      <property name=\"arch\" value=\"");
		xml_esc(sb, jobs[i].arch, 1, 64);
		sb_adds(sb, "\"/>\n");
		if (kernel) {
			sb_adds(sb, "      <property name=\"kernel\" value=\"");
			xml_esc(sb, kernel, 1, 256);
			sb_adds(sb, "\"/>\n");
		}
		/* a suite of green testcases whose checks all SKIPped ran nothing: say so */
		sb_addf(sb, "      <property name=\"checks_run\" value=\"%zu\"/>\n"
			"      <property name=\"checks_skipped\" value=\"%zu\"/>\n",
			c.checks_run, c.checks_skip);
		sb_adds(sb, "    </properties>\n");
		for (k = i; k < n; k++)
			if (!strcmp(jobs[k].arch, jobs[i].arch))
				testcase(sb, &jobs[k]);
		sb_adds(sb, "  </testsuite>\n");
	}
	sb_adds(sb, "</testsuites>\n");
}

int report_junit_write(const char *path, const char *name, const struct job_report *jobs,
		       size_t n, const char *hostname, const char *timestamp)
{
	struct strbuf sb = STRBUF_INIT;
	char tmp[4096];
	int fd, rc = 0;

	report_junit_render(&sb, name, jobs, n, hostname, timestamp);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, sb.buf, sb.len) != (ssize_t)sb.len)
		rc = errno ? -errno : -EIO;
	if (fd >= 0 && close(fd) < 0 && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path) < 0)
		rc = -errno;
	sb_release(&sb);
	return rc;
}

static int junit_matrix(const struct matrix *m, int exit_code)
{
	(void)exit_code;
	return matrix_write_junit(m);
}

const struct reporter report_junit = { .name = "junit", .writes = "junit.xml",
				       .matrix_files = junit_matrix };
