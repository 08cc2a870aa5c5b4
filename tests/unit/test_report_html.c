/* The HTML reports. A real run dir (a FAIL recorded from a Debian 6.1 x86_64 guest:
 * tests/fixtures/x86_64-deb6.1-rundir-wrong-placement) renders into well-formed XHTML
 * (xmllint's XML parser, nothing on stderr) with the failing check first, the timeline,
 * the block map, the memmap's frames and the teardown; the same check rejects a broken
 * copy. A hostile guest (markup, script, event handlers, quotes, controls and bad UTF-8
 * in every string it can reach: kernel, summaries, evidence keys and values, snapshot
 * names, file names) gets no element or attribute in. A run dir of an older version says
 * what it lacks; a missing results.json is an error naming it. A matrix index puts each
 * run in its (arch, kernel) column, links its report and counts the checks that ran. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "json.h"
#include "report_html.h"
#include "strbuf.h"
#include "tap.h"

#define FIXDIR "tests/fixtures/x86_64-deb6.1-rundir-wrong-placement"
#define HOSTILE "</title><script>alert(1)</script><img src=x onerror=alert(2)>\"'&\x01\xff]]>"

static char tmp[64];

__attribute__((format(printf, 1, 2)))
static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* xmllint's XML parser: 0 if well-formed and it printed nothing */
static int wellformed(const char *file)
{
	char cmd[512], out[256] = "";
	FILE *p;
	int rc;

	snprintf(cmd, sizeof(cmd), "xmllint --noout '%s' 2>&1", file);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (!fgets(out, sizeof(out), p))
		out[0] = 0;
	rc = pclose(p);
	if (rc || out[0])
		printf("# xmllint: %s", out);
	return rc || out[0];
}

/* An XPath expression's value over file, as text ("" on error). */
static const char *xpath(const char *file, const char *expr)
{
	static char out[4096];
	char cmd[2048];
	size_t n;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "xmllint --xpath '%s' '%s' 2>/dev/null", expr, file);
	p = popen(cmd, "r");
	if (!p)
		return "";
	n = fread(out, 1, sizeof(out) - 1, p);
	while (n && (out[n - 1] == '\n' || out[n - 1] == ' '))
		n--;
	out[n] = 0;
	pclose(p);
	return out;
}

#define E(name) "*[local-name()=\"" name "\"]"

static void real_run(void)
{
	char dir[128], file[160], err[600];
	struct strbuf notes = STRBUF_INIT;
	const char *v;

	snprintf(dir, sizeof(dir), "%s/run", tmp);
	sh("cp -r %s %s", FIXDIR, dir);
	ok(report_html_write_run(dir, &notes, err, sizeof(err)) == 0, "a real FAIL run dir renders (%s)",
	   notes.len ? sb_str(&notes) : "nothing lacking");
	snprintf(file, sizeof(file), "%s/report.html", dir);
	ok(wellformed(file) == 0, "report.html is well-formed XML (xmllint, stderr empty)");
	ok(!strcmp(xpath(file, "count(//" E("header") "[contains(@class,\"v-FAIL\")])"), "1"),
	   "the verdict comes first, in the FAIL colour's class");
	v = xpath(file, "string((//" E("section") "[@id=\"problems\"]//" E("h3") ")[1])");
	ok(strstr(v, "placement d0") != NULL, "the first problem is the failing check: %s", v);
	ok(strstr(xpath(file, "string(//" E("section") "[@id=\"problems\"])"), "expected_from") != NULL,
	   "with its evidence");
	ok(atoi(xpath(file, "count(//" E("section") "[@id=\"timeline\"]//" E("polyline") ")")) >= 5,
	   "the timeline draws its series");
	v = xpath(file, "string(//" E("section") "[@id=\"timeline\"])");
	ok(strstr(v, "plug d0") && strstr(v, "online d0") && strstr(v, "offline d0") &&
	   strstr(v, "unplug d0") && strstr(v, "baseline"), "events and baselines marked");
	v = xpath(file, "string(//" E("section") "[@id=\"devices\"])");
	ok(strstr(v, "memory32") && strstr(v, "Movable") && strstr(v, "absent") != NULL,
	   "the block map shows memory32 through its states");
	ok(strstr(v, "memmap on the block (its leading frames), proven") &&
	   strstr(v, "512 backed inside the device") != NULL, "where the memmap lives, proven");
	ok(strstr(v, "pfn 0x100000-0x1001ff (512 frames): flags 0x2100000000, reserved") != NULL,
	   "the leading 512 frames read as the memmap's");
	ok(strstr(v, "removed d0") && strstr(v, "teardown order (rule: reverse)") != NULL,
	   "the teardown sequence and its order check");
	ok(!strcmp(xpath(file, "count(//" E("a") "[@href=\"./dmesg.log\"])"), "1") &&
	   !strcmp(xpath(file, "count(//" E("a") "[@href=\"./snapshots/02-online-d0/kpage\"])"), "1"),
	   "links to the logs and the raw snapshot files");
	ok(!strcmp(xpath(file, "count(//" E("script") ")"), "0") &&
	   strstr(xpath(file, "string(//" E("meta") "[@http-equiv]/@content)"), "default-src 'none'"),
	   "no script, and a policy that would block one");
	/* the same check must fire: a report with one tag lost is rejected */
	ok(sh("sed -i '0,/<\\/td>/s///' %s/report.html", dir) == 0 && wellformed(file) != 0,
	   "a broken copy (one </td> lost) is rejected by the same check");
	sb_release(&notes);
}

static void hostile_results(const char *dir)
{
	struct strbuf sb = STRBUF_INIT;
	char path[256];
	struct json j;

	json_init(&j, &sb, 1);
	json_obj_begin(&j, NULL);
	json_str(&j, "scenario", HOSTILE);
	json_str(&j, "file", HOSTILE);
	json_str(&j, "arch", HOSTILE);
	json_str(&j, "kernel", HOSTILE);
	json_str(&j, "stack", HOSTILE);
	json_str(&j, "verdict", "FAIL");
	json_str(&j, "run_dir", HOSTILE);
	json_arr_begin(&j, "checks");
	json_obj_begin(&j, NULL);
	json_str(&j, "name", "placement d0");
	json_str(&j, "verdict", "FAIL");
	json_str(&j, "summary", HOSTILE);
	json_obj_begin(&j, "evidence");
	json_str(&j, HOSTILE, HOSTILE);
	json_str(&j, "device", "d0");
	json_str(&j, "observed", HOSTILE);
	json_str(&j, "size", HOSTILE);
	json_obj_begin(&j, "probe");
	json_str(&j, "placement", HOSTILE);
	json_str(&j, "mapping", HOSTILE);
	json_obj_end(&j);
	json_obj_end(&j);
	json_obj_end(&j);
	json_obj_begin(&j, NULL);
	json_str(&j, "name", HOSTILE);
	json_str(&j, "verdict", HOSTILE);
	json_str(&j, "summary", HOSTILE);
	json_obj_end(&j);
	json_obj_begin(&j, NULL);
	json_str(&j, "name", "teardown order");
	json_str(&j, "verdict", "PASS");
	json_obj_begin(&j, "evidence");
	json_str(&j, "rule", HOSTILE);
	json_arr_begin(&j, "sequence");
	json_str(&j, NULL, "plug d0");
	json_str(&j, NULL, HOSTILE);
	json_str(&j, NULL, "gone memory32 (" HOSTILE ")");
	json_str(&j, NULL, "removed d0");
	json_arr_end(&j);
	json_obj_end(&j);
	json_obj_end(&j);
	json_obj_begin(&j, NULL);
	json_str(&j, "name", "trend " HOSTILE);
	json_str(&j, "verdict", "PASS");
	json_obj_begin(&j, "evidence");
	json_u64(&j, "samples", 1);
	json_str(&j, "of", "<svg onload=alert(3)>");
	json_str(&j, "unit", HOSTILE);
	json_obj_end(&j);
	json_obj_end(&j);
	json_arr_end(&j);
	json_obj_end(&j);
	snprintf(path, sizeof(path), "%s/results.json", dir);
	if (file_write_atomic(path, sb_str(&sb), sb.len, 0644) < 0)
		fprintf(stderr, "cannot write %s\n", path);
	sb_release(&sb);
}

static void hostile(void)
{
	char dir[128], file[160], err[600], hs[256];
	const char *hrefs;
	int bad = 0;

	snprintf(dir, sizeof(dir), "%s/hostile", tmp);
	sh("cp -r %s %s", FIXDIR, dir);
	hostile_results(dir);
	/* a snapshot and a file whose names carry markup (a name cannot hold '/') */
	snprintf(hs, sizeof(hs), "%s/snapshots/06-<svg onload=alert(3)>\xff-d0", dir);
	sh("cp -r %s/snapshots/02-online-d0 '%s'", dir, hs);
	sh("touch '%s/x\"><script>alert(4)<\\script>.log'", dir);
	ok(report_html_write_run(dir, NULL, err, sizeof(err)) == 0, "a hostile run dir renders (%s)",
	   err);
	snprintf(file, sizeof(file), "%s/report.html", dir);
	ok(wellformed(file) == 0, "well-formed whatever the guest said");
	ok(!strcmp(xpath(file, "count(//" E("script") "|//" E("img") ")"), "0"),
	   "no <script> or <img> got in");
	ok(!strcmp(xpath(file, "count(//@*[starts-with(local-name(),\"on\")])"), "0"),
	   "no event handler attribute got in");
	hrefs = xpath(file, "//@href");
	for (const char *p = hrefs; (p = strstr(p, "href=\"")); p += 6)
		bad += strncmp(p + 6, "./", 2) && strncmp(p + 6, "file://", 7);
	ok(!bad && strstr(hrefs, "svg%20onload%3Dalert%283%29%3E%FF-d0"),
	   "every link is a relative or file path, percent-encoded (%d bad)", bad);
	ok(atoi(xpath(file, "count(//text()[contains(.,\"<script>alert(1)</script>\")])")) >= 5,
	   "the guest's strings are shown as text");
	ok(atoi(xpath(file, "count(//text()[contains(.,\"alert(3)>\\xff-d0\")])")) >= 3,
	   "a byte that is not UTF-8 in a snapshot's name as \\xff");
	/* results.json carries the byte 0xff as \u00ff (lib/json.c), read back as U+00FF */
	ok(atoi(xpath(file, "count(//text()[contains(.,\"\\x01\xc3\xbf]]>\")])")) >= 5,
	   "a control character as \\x01, ]]> harmless");
}

static void older_and_missing(void)
{
	char dir[128], file[160], err[600];
	struct strbuf notes = STRBUF_INIT, sb = STRBUF_INIT;

	snprintf(dir, sizeof(dir), "%s/old", tmp);
	sh("cp -r %s %s", FIXDIR, dir);
	sh("rm -r %s/snapshots %s/dmesg.log", dir, dir);
	ok(report_html_write_run(dir, &notes, err, sizeof(err)) == 0 &&
	   strstr(sb_str(&notes), "no snapshots/ directory") && strstr(sb_str(&notes), "no dmesg.log") &&
	   strstr(sb_str(&notes), "results.json names 6 snapshots, snapshots/ holds 0"),
	   "a run dir without snapshots and dmesg.log renders and says so: %s", sb_str(&notes));
	snprintf(file, sizeof(file), "%s/report.html", dir);
	ok(wellformed(file) == 0 && strstr(xpath(file, "string(//" E("main") ")"), "This run dir lacks"),
	   "…in the report too");
	snprintf(dir, sizeof(dir), "%s/empty", tmp);
	mkdir(dir, 0700);
	ok(report_html_render_run(&sb, dir, NULL, err, sizeof(err)) == -ENOENT &&
	   strstr(err, "empty/results.json") && strstr(err, "not a run dir"),
	   "no results.json: an error naming it (%s)", err);
	sb_release(&notes);
	sb_release(&sb);
}

static void run_entry(struct json *j, const char *sc, const char *arch, const char *v,
		      const char *kernel, const char *dir, const char *results)
{
	json_obj_begin(j, NULL);
	json_str(j, "scenario", sc);
	json_str(j, "arch", arch);
	json_str(j, "verdict", v);
	json_double(j, "seconds", 8.5);
	json_str(j, "kernel", kernel);
	json_str(j, "run_dir", dir);
	json_str(j, "note", NULL);
	if (results)
		json_raw(j, "results", results);
	else
		json_null(j, "results");
	json_obj_end(j);
}

static void matrix(void)
{
	struct strbuf sb = STRBUF_INIT, fix = STRBUF_INIT;
	char dir[128], run[160], path[200], err[600];
	struct json j;
	const char *v;

	snprintf(dir, sizeof(dir), "%s/m", tmp);
	mkdir(dir, 0700);
	snprintf(run, sizeof(run), "%s/expect-wrong-placement.x86_64", dir);
	sh("cp -r %s %s", FIXDIR, run);
	report_html_write_run(run, NULL, err, sizeof(err));
	sb_read_file(&fix, FIXDIR "/results.json", 1 << 20);
	json_init(&j, &sb, 1);
	json_obj_begin(&j, NULL);
	json_obj_begin(&j, "matrix");
	json_str(&j, "started", "2026-12-05T05:00:00");
	json_i64(&j, "exit_code", 1);
	json_obj_end(&j);
	json_arr_begin(&j, "runs");
	run_entry(&j, "expect-wrong-placement", "x86_64", "FAIL", "6.1.0-57-amd64",
		  "/gone/elsewhere/expect-wrong-placement.x86_64", sb_str(&fix));
	run_entry(&j, "expect-wrong-placement", "ppc64le", "SKIP", NULL, "/nonexistent",
		  "{\"checks\":[{\"name\":\"arch\",\"verdict\":\"SKIP\",\"summary\":\"not here\"}]}");
	run_entry(&j, "dimm-memmap-off", "x86_64", "PASS", "6.1.0-57-amd64", NULL,
		  "{\"checks\":[{\"name\":\"a\",\"verdict\":\"PASS\"},"
		  "{\"name\":\"b\",\"verdict\":\"SKIP\"}]}");
	run_entry(&j, "dimm-memmap-off", "ppc64le", "PASS", "6.1.0-57-powerpc64le", NULL,
		  "{\"checks\":[{\"name\":\"a\",\"verdict\":\"PASS\"}]}");
	run_entry(&j, HOSTILE, "x86_64", "ERROR", NULL, "javascript:alert(5)", NULL);
	json_arr_end(&j);
	json_obj_end(&j);
	snprintf(path, sizeof(path), "%s/results.json", dir);
	if (file_write_atomic(path, sb_str(&sb), sb.len, 0644) < 0)
		fprintf(stderr, "cannot write %s\n", path);
	ok(report_html_is_matrix(dir) == 1 && report_html_is_matrix(run) == 0,
	   "a matrix dir and a run dir are told apart");
	ok(report_html_write_index(dir, err, sizeof(err)) == 0, "the index renders");
	snprintf(path, sizeof(path), "%s/index.html", dir);
	ok(wellformed(path) == 0, "index.html is well-formed XML");
	v = xpath(path, "count(//" E("table") "[@class=\"grid\"]/" E("tr") "[1]/" E("th") ")");
	ok(!strcmp(v, "3"), "two columns (x86_64, ppc64le): the skipped run joins its arch's "
	   "kernel (%s header cells)", v);
	ok(!strcmp(xpath(path, "string(//" E("td") "[@class=\"v-FAIL\"]/" E("a") "/@href)"),
		   "./expect-wrong-placement.x86_64/report.html"),
	   "the FAIL cell links its report, found under the matrix dir though it moved");
	v = xpath(path, "string(//" E("table") "[@class=\"grid\"]/" E("tr") "[last()])");
	ok(strstr(v, "10 (9 pass, 1 fail)") && strstr(v, "1 (1 pass, 0 fail)"),
	   "checks that ran, per column: %s", v);
	ok(!strcmp(xpath(path, "count(//" E("script") "|//" E("img") "|"
			       "//@*[starts-with(local-name(),\"on\")])"), "0"),
	   "a hostile scenario name gets nothing in");
	ok(!strcmp(xpath(path, "count(//" E("header") "[contains(@class,\"v-FAIL\")])"), "1"),
	   "a matrix with a FAIL says so first");
	sb_release(&sb);
	sb_release(&fix);
}

int main(void)
{
	snprintf(tmp, sizeof(tmp), "/tmp/hpt-html.XXXXXX");
	if (!mkdtemp(tmp)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	real_run();
	hostile();
	older_and_missing();
	matrix();
	if (!getenv("KEEP")) sh("rm -rf %s", tmp);
	return done();
}
