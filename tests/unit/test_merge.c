/* `hotplug-test merge` (host/cmd_merge.c) on the results.json of a matrix's two shards
 * recorded on real guests (tests/fixtures/all-deb6.1-shards): the joined results.json has
 * every run once in the whole matrix's order, whatever order the dirs are named in, the
 * worst exit code, a junit.xml that validates, an index.html linking the run dirs, which
 * are hard-linked in; and every way the dirs do not join is refused, naming why and
 * writing nothing: a shard missing or given twice, shards of different plans, a shard
 * with a non-shard, a job in two dirs, a run's results.json, --out among the inputs. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cmd.h"
#include "jsonr.h"
#include "strbuf.h"
#include "tap.h"
#include "xpath.h"

#define FIX "tests/fixtures/all-deb6.1-shards"
#define RUN "tests/fixtures/x86_64-deb6.1-results/mom/results.json"

static char tmp[64], errs[4096];

static int copy(const char *from, const char *to)
{
	struct strbuf sb = STRBUF_INIT;
	FILE *f;
	int rc = sb_read_file(&sb, from, 64u << 20);

	f = rc == 0 ? fopen(to, "w") : NULL;
	if (f) {
		fwrite(sb.buf, 1, sb.len, f);
		rc = fclose(f);
	}
	sb_release(&sb);
	return f ? rc : -1;
}

/* tmp/NAME/results.json from a file, with every `from` replaced by `to` (if given). */
static void make_dir(const char *name, const char *src, const char *from, const char *to)
{
	struct strbuf sb = STRBUF_INIT, out = STRBUF_INIT;
	char path[256];
	const char *p, *hit;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/results.json", tmp, name);
	if (!from) {
		copy(src, path);
		return;
	}
	sb_read_file(&sb, src, 64u << 20);
	for (p = sb_str(&sb); (hit = strstr(p, from)); p = hit + strlen(from)) {
		sb_add(&out, p, (size_t)(hit - p));
		sb_adds(&out, to);
	}
	sb_adds(&out, p);
	f = fopen(path, "w");
	if (f) {
		fwrite(out.buf, 1, out.len, f);
		fclose(f);
	}
	sb_release(&sb);
	sb_release(&out);
}

/* merge --out tmp/OUT DIR… (dirs under tmp); its stderr in errs; the exit code. */
static int merge(const char *out, const char *d1, const char *d2, const char *d3)
{
	char o[256], a[256], b[256], c[256], ef[256];
	char *argv[8] = { "merge", "--out", o, a, b, c, NULL };
	int argc = 4 + !!d2 + !!d3, save_out = dup(1), save_err = dup(2), fd, rc;
	struct strbuf sb = STRBUF_INIT;

	snprintf(o, sizeof(o), "%s/%s", tmp, out);
	snprintf(a, sizeof(a), "%s/%s", tmp, d1);
	snprintf(b, sizeof(b), "%s/%s", tmp, d2 ? d2 : "");
	snprintf(c, sizeof(c), "%s/%s", tmp, d3 ? d3 : "");
	if (d1[0] == '/')
		snprintf(a, sizeof(a), "%s", d1);
	argv[argc] = NULL;
	snprintf(ef, sizeof(ef), "%s/%s.err", tmp, out);
	fflush(NULL);
	fd = open(ef, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 2);
	snprintf(ef, sizeof(ef), "%s/%s.out", tmp, out);
	close(fd);
	fd = open(ef, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 1);
	close(fd);
	rc = command_find("merge")->fn(argc, argv);
	fflush(NULL);
	dup2(save_out, 1);
	dup2(save_err, 2);
	close(save_out);
	close(save_err);
	snprintf(ef, sizeof(ef), "%s/%s.err", tmp, out);
	sb_read_file(&sb, ef, sizeof(errs) - 1);
	snprintf(errs, sizeof(errs), "%s", sb_str(&sb));
	errs[strcspn(errs, "\n")] = 0;
	sb_release(&sb);
	return rc;
}

static int exists(const char *rel)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", tmp, rel);
	return access(p, F_OK) == 0;
}

static int load(const char *rel, struct strbuf *sb, struct jr_val *v)
{
	char p[512], err[128];

	snprintf(p, sizeof(p), "%s/%s", tmp, rel);
	return sb_read_file(sb, p, 64u << 20) == 0 &&
	       jr_parse(v, sb->buf, sb->len, err, sizeof(err)) == 0;
}

/* "scenario.arch" of every run of results.json, in order. */
static void order(const struct jr_val *v, char *out, size_t n)
{
	const struct jr_val *runs = jr_get(v, "runs");
	size_t len = 0;

	out[0] = 0;
	for (size_t i = 0; runs && i < runs->len && len < n; i++)
		len += (size_t)snprintf(out + len, n - len, "%s.%s ",
					jr_str(&runs->items[i], "scenario", "?"),
					jr_str(&runs->items[i], "arch", "?"));
}

static double xpath(const char *expr, const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	return xpath_num(expr, path);
}

int main(void)
{
	struct strbuf t1 = STRBUF_INIT, t2 = STRBUF_INIT, t3 = STRBUF_INIT;
	struct jr_val v1 = { 0 }, v2 = { 0 }, v3 = { 0 };
	const struct jr_val *runs, *m;
	char o1[2048], o2[2048], key[256], plan[64], path[512], cmd[600];
	struct stat a, b;
	int rc, in_order = 1;

	snprintf(tmp, sizeof(tmp), "/tmp/hpt-merge.XXXXXX");
	if (!mkdtemp(tmp))
		return 1;
	/* the run dirs recorded are not there (the recording machine's /tmp): only the one
	 * made below is found */
	make_dir("s1", FIX "/shard-1/results.json", "\"run_dir\": \"/tmp/", "\"run_dir\": \"/nonexistent/");
	make_dir("s2", FIX "/shard-2/results.json", "\"run_dir\": \"/tmp/", "\"run_dir\": \"/nonexistent/");
	if (!ok(load("s1/results.json", &t3, &v3), "the recorded shard 1/2 loads"))
		return done();
	runs = jr_get(&v3, "runs");
	snprintf(plan, sizeof(plan), "%s", jr_str(jr_get(jr_get(&v3, "matrix"), "shard"), "plan",
						  "?"));
	/* one run dir of shard 1 is there, as its machine left it */
	snprintf(key, sizeof(key), "%s", strrchr(jr_str(&runs->items[0], "run_dir", "/x"), '/') + 1);
	snprintf(path, sizeof(path), "%s/s1/%s", tmp, key);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/s1/%s/report.html", tmp, key);
	copy(FIX "/shard-1/results.json", path);	/* any file: it is linked, not read */
	jr_free(&v3);
	sb_release(&t3);

	rc = merge("m", "s1", "s2", NULL);
	ok(rc == 1, "shards 1/2 and 2/2 join; exit 1: a job FAILed in one (got %d: %s)", rc, errs);
	ok(load("m/results.json", &t1, &v1), "the joined results.json parses");
	runs = jr_get(&v1, "runs");
	m = jr_get(&v1, "matrix");
	{
		struct strbuf out = STRBUF_INIT;
		const char *t;
		char row[160];
		int rows = 0;

		snprintf(path, sizeof(path), "%s/m.out", tmp);
		sb_read_file(&out, path, 1 << 20);
		t = strstr(sb_str(&out), "checks per arch and kernel");
		for (const char *p = t; p && (p = strstr(p, " ran (")); p++)
			rows++;
		/* the release the x86_64 runs booted, as recorded */
		snprintf(row, sizeof(row), "  x86_64   ?");
		for (size_t i = 0; runs && i < runs->len; i++)
			if (!strcmp(jr_str(&runs->items[i], "arch", ""), "x86_64"))
				snprintf(row, sizeof(row), "  x86_64   %s ",
					 jr_str(&runs->items[i], "kernel", "?"));
		ok(t && rows == 2 && strstr(t, "  s390x    default (no guest booted)") &&
		   strstr(t, row), "the checks table: one row per (arch, kernel) column, a column "
		   "that booted nothing named by its kernel (%d rows)", rows);
		sb_release(&out);
	}
	ok(runs && runs->len == 6, "it has all 6 runs (%zu)", runs ? runs->len : 0);
	for (size_t i = 0; runs && i < runs->len; i++)
		in_order &= jr_num(&runs->items[i], "index", -1) == (double)i;
	ok(in_order, "in the whole matrix's order (index 0..5)");
	ok(jr_num(m, "exit_code", -1) == 1 && !jr_get(m, "shard"),
	   "exit code 1 recorded; the joined matrix is no shard");
	ok(jr_get(m, "merged") && jr_get(m, "merged")->len == 2 &&
	   !strcmp(jr_str(&jr_get(m, "merged")->items[0], "shard", ""), "1/2"),
	   "\"merged\" says which shard came from where");
	ok(jr_get(m, "arches") && jr_get(m, "arches")->len == 2, "both shards' arches");
	snprintf(path, sizeof(path), "%s/m/junit.xml", tmp);
	snprintf(cmd, sizeof(cmd), "xmllint --noout --schema tests/unit/junit.xsd %s 2>/dev/null",
		 path);
	ok(system(cmd) == 0, "its junit.xml validates against the JUnit schema");
	ok(xpath("count(//testcase)", "m/junit.xml") == 6 &&
	   xpath("count(//failure)", "m/junit.xml") == 1, "junit: 6 testcases, 1 failure");
	snprintf(path, sizeof(path), "m/%s/report.html", key);
	ok(exists(path), "the run dir found in shard 1 is in the joined dir");
	snprintf(path, sizeof(path), "%s/s1/%s/report.html", tmp, key);
	stat(path, &a);
	snprintf(path, sizeof(path), "%s/m/%s/report.html", tmp, key);
	ok(stat(path, &b) == 0 && a.st_ino == b.st_ino, "hard-linked, not copied");
	{
		struct strbuf html = STRBUF_INIT;

		snprintf(path, sizeof(path), "%s/m/index.html", tmp);
		sb_read_file(&html, path, 1 << 20);
		snprintf(path, sizeof(path), "%s/report.html\"", key);
		ok(strstr(sb_str(&html), path) && strstr(sb_str(&html), "expect-wrong-placement"),
		   "index.html links the run's report and lists every scenario");
		sb_release(&html);
	}
	ok(strstr(errs, "5 run dir(s) not found") != NULL, "the run dirs not found are counted (%s)", errs);

	rc = merge("m2", "s2", "s1", NULL);
	load("m2/results.json", &t2, &v2);
	order(&v1, o1, sizeof(o1));
	order(&v2, o2, sizeof(o2));
	ok(rc == 1 && !strcmp(o1, o2), "named the other way round: the same runs, same order");

	ok(merge("x1", "s1", NULL, NULL) == 2 && strstr(errs, "missing: 2/2") &&
	   !exists("x1/results.json"), "a shard missing: refused, named, nothing written (%s)",
	   errs);
	ok(merge("x2", "s1", "s1", "s2") == 2 && strstr(errs, "given twice") &&
	   !exists("x2/results.json"), "a shard twice: refused (%s)", errs);
	make_dir("s3", FIX "/shard-2/results.json", plan, "0123456789abcdef");
	ok(merge("x3", "s1", "s3", NULL) == 2 && strstr(errs, "split different matrices"),
	   "shards of different plans: refused (%s)", errs);
	ok(merge("x4", "s1", "m", NULL) == 2 && strstr(errs, "a shard but"),
	   "a shard with a matrix that is none: refused (%s)", errs);
	make_dir("r", RUN, NULL, NULL);
	ok(merge("x5", "r", NULL, NULL) == 2 && strstr(errs, "not a matrix's results"),
	   "a run's results.json: refused (%s)", errs);
	ok(merge("x6", "m", "m2", NULL) == 2 && strstr(errs, "in two of the dirs"),
	   "two matrices with the same job: refused (%s)", errs);
	ok(merge("s2", "s1", "s2", NULL) == 2 && strstr(errs, "one of the dirs to join"),
	   "--out among the inputs: refused (%s)", errs);
	make_dir("s4", FIX "/shard-1/results.json", "\"exit_code\": 0", "\"exit_code\": 2");
	ok(merge("m3", "s4", "s2", NULL) == 1, "a FAIL in one shard outweighs an ERROR in another");
	jr_free(&v1);
	jr_free(&v2);
	sb_release(&t1);
	sb_release(&t2);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmp);
	return done();
}
