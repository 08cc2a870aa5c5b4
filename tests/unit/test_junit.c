/* The JUnit writer: its output validates against tests/unit/junit.xsd (the elements GitLab
 * and Jenkins read) with xmllint, counts and classnames are right, the evidence of a
 * failure is in it, and guest text that would break XML (markup, controls, bad UTF-8) is
 * escaped. The validator itself must fire: a testcase without classname and the same
 * text written unescaped are both rejected. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "report.h"
#include "strbuf.h"
#include "tap.h"
#include "xpath.h"

static char xsd[4096], file[64];

/* xmllint --schema on text; returns its exit code (0 = valid). */
static int validate(const char *text)
{
	char cmd[8400];
	FILE *f;

	snprintf(file, sizeof(file), "/tmp/hpt-junit.XXXXXX");
	close(mkstemp(file));
	f = fopen(file, "w");
	if (!f)
		return -1;
	fputs(text, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "xmllint --noout --schema %s %s 2>/dev/null", xsd, file);
	return system(cmd);
}

/* An XPath number over the last validated file. */
static double xpath(const char *expr)
{
	return xpath_num(expr, file);
}

int main(void)
{
	struct results pass = { 0 }, fail = { 0 }, skip = { 0 };
	struct strbuf sb = STRBUF_INIT;
	struct job_report jobs[4];
	const char *nasty = "dmesg: <b>&\"quoted\"</b> ctrl\x01\x1b[0m bad\xff\xfe utf8 \xc3\xa9 ]]> end";
	char *here = strdup(__FILE__), *slash = strrchr(here, '/');

	*(slash ? slash + 1 : here) = 0;
	snprintf(xsd, sizeof(xsd), "%s%sjunit.xsd", slash ? "" : "./", here);
	result_add(&pass, V_PASS, "no-leak zones", 11, NULL, "zones back");
	result_add(&fail, V_PASS, "placement d0", 7, NULL, "memmap elsewhere as expected");
	result_add(&fail, V_FAIL, "no-leak MemTotal", 12, "{\"memtotal_kb\":402240,\"baseline_kb\":"
		   "532480}", "MemTotal 402240 kB, baseline 532480 kB (%s)", nasty);
	result_add(&skip, V_SKIP, "line 5: plug", 5, NULL, "QEMU 7.2 offers no memory device on "
		   "s390x");
	jobs[0] = (struct job_report){ .scenario = "dimm-memmap-off", .file = "scenarios/d.scn",
		.arch = "x86_64", .kernel = "6.1.0-56-amd64", .run_dir = "/tmp/r/d.x86_64",
		.v = V_PASS, .seconds = 4.5, .res = &pass };
	jobs[1] = (struct job_report){ .scenario = "dimm-memmap-off", .file = "scenarios/d.scn",
		.arch = "ppc64le", .v = V_FAIL, .seconds = 3.25, .res = &fail,
		.run_dir = "/tmp/r/d.ppc64le" };
	jobs[2] = (struct job_report){ .scenario = "dimm-memmap-off", .file = "scenarios/d.scn",
		.arch = "s390x", .v = V_SKIP, .seconds = 0.1, .res = &skip };
	jobs[3] = (struct job_report){ .scenario = "logical-offline-online", .arch = "x86_64",
		.v = V_ERROR, .seconds = 0, .res = NULL,
		.note = "the job died of signal 11 (Segmentation fault) without results" };

	report_junit_render(&sb, "hotplug-test matrix", jobs, 4, "ci-host", "2026-11-21T23:28:09");
	ok(validate(sb_str(&sb)) == 0, "junit.xml validates against %s", xsd);
	ok(xpath("count(/testsuites/testsuite)") == 3, "one testsuite per arch");
	ok(xpath("string(/testsuites/@tests)") == 4 && xpath("string(/testsuites/@failures)") == 1 &&
	   xpath("string(/testsuites/@errors)") == 1 && xpath("string(/testsuites/@skipped)") == 1,
	   "totals: 4 tests, 1 failure, 1 error, 1 skipped");
	ok(xpath("string(//testsuite[@name=\"x86_64\"]/@tests)") == 2 &&
	   xpath("count(//testsuite[@name=\"x86_64\"]/testcase[@classname=\"x86_64\"])") == 2,
	   "x86_64 suite: both x86_64 jobs, classname = arch");
	ok(xpath("count(//testcase[@classname=\"ppc64le\"]/failure[@type=\"FAIL\"])") == 1,
	   "the FAIL is a <failure>");
	ok(xpath("count(//testcase[@name=\"logical-offline-online\"]/error)") == 1,
	   "the dead job is an <error>");
	ok(xpath("count(//testcase[@classname=\"s390x\"]/skipped[contains(@message,\"QEMU 7.2\")])")
	   == 1, "the SKIP says why");
	ok(xpath("count(//failure[contains(.,\"baseline_kb\") and contains(.,\"/tmp/r/d.ppc64le\")])")
	   == 1, "the failure text has the evidence and the run dir");
	ok(xpath("count(//failure[contains(@message,\"<b>&\")])") == 1,
	   "markup in a summary survives as text");
	ok(xpath("string(//testcase[@classname=\"ppc64le\"]/@time)") == 3.25, "time in seconds");
	ok(strstr(sb_str(&sb), "\\x01") && strstr(sb_str(&sb), "\\xff") &&
	   strstr(sb_str(&sb), "\xc3\xa9"), "controls and bad UTF-8 become \\xNN, good UTF-8 stays");
	unlink(file);

	/* the validator fires */
	ok(validate("<testsuites><testsuite name=\"a\" tests=\"1\" failures=\"0\" errors=\"0\">"
		    "<testcase name=\"x\" time=\"1\"/></testsuite></testsuites>") != 0,
	   "a testcase without classname is rejected");
	unlink(file);
	{
		char raw[512];

		snprintf(raw, sizeof(raw), "<testsuites><testsuite name=\"a\" tests=\"1\" failures=\"1\" "
			 "errors=\"0\"><testcase name=\"x\" classname=\"a\" time=\"1\"><failure>%s"
			 "</failure></testcase></testsuite></testsuites>", nasty);
		ok(validate(raw) != 0, "the same text unescaped is not even XML");
		unlink(file);
	}
	sb_release(&sb);
	results_free(&pass);
	results_free(&fail);
	results_free(&skip);
	free(here);
	return done();
}
