/* Unit tests for lib/scenario.c: word splitting, quotes, comments, limits, errors. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "scenario.h"
#include "tap.h"

static struct scenario s;
static char err[256];

static int parse(const char *text, size_t len)
{
	err[0] = '\0';
	return scenario_parse(&s, "dir/t.scn", text, len, err, sizeof(err));
}

/* Parses text as a one-step file and compares its words with want (NULL-ended). */
static void words_case(const char *text, const char *const *want, const char *what)
{
	int r = parse(text, strlen(text)), argc = 0, same;

	while (want[argc])
		argc++;
	same = r == 0 && s.n_lines == 1 && s.lines[0].argc == argc &&
	       s.lines[0].argv[argc] == NULL;
	for (int k = 0; same && k < argc; k++)
		same = !strcmp(s.lines[0].argv[k], want[k]);
	ok(same, "%s (r=%d, %s)", what, r, err);
	if (r == 0 && !same)
		for (int k = 0; s.n_lines && k < s.lines[0].argc; k++)
			printf("#   argv[%d] = [%s]\n", k, s.lines[0].argv[k]);
	scenario_free(&s);
}

static void err_case(const char *text, size_t len, int want_r, const char *want_err)
{
	int r = parse(text, len);

	ok(r == want_r && !strcmp(err, want_err) && s.lines == NULL && s.n_lines == 0,
	   "error %d [%s] (got %d [%s])", want_r, want_err, r, err);
	scenario_free(&s);
}

static void example_file(void)
{
	static const char text[] =
		"# scenarios/dimm-memmap-on-memory.scn\n"
		"arch      x86_64 ppc64le\n"
		"boot      memory=512M maxmem=4G slots=8 cmdline=\"memory_hotplug.memmap_on_memory=1\"\n"
		"\n"
		"   \t  # indented comment\n"
		"snapshot  baseline\n"
		"plug      dimm d0 size=block   # trailing comment\n"
		"expect    no-leak since=baseline";
	int r = parse(text, sizeof(text) - 1);

	ok(r == 0 && s.n_lines == 5, "example: 5 steps (r=%d, %zu, %s)", r, s.n_lines, err);
	if (r || s.n_lines != 5)
		goto out;
	ok(!strcmp(s.path, "dir/t.scn") && !strcmp(s.name, "t"), "path and name (%s, %s)",
	   s.path, s.name);
	ok(s.lines[0].lineno == 2 && s.lines[1].lineno == 3 && s.lines[2].lineno == 6 &&
	   s.lines[3].lineno == 7 && s.lines[4].lineno == 8, "line numbers count every line");
	ok(s.lines[1].argc == 5 &&
	   !strcmp(s.lines[1].argv[4], "cmdline=memory_hotplug.memmap_on_memory=1"),
	   "quoted value inside a word");
	ok(s.lines[3].argc == 4 && !strcmp(s.lines[3].argv[3], "size=block"),
	   "trailing comment dropped");
	ok(s.lines[4].argc == 3 && !strcmp(s.lines[4].argv[2], "since=baseline"),
	   "last line without newline");
out:
	scenario_free(&s);
}

static void names(void)
{
	static const struct { const char *path, *name; } t[] = {
		{ "a/b/c.scn", "c" }, { "c.scn", "c" }, { "c", "c" }, { "x.scn.txt", "x.scn.txt" },
		{ ".scn", ".scn" }, { "dir/", "" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int r = scenario_parse(&s, t[i].path, "a\n", 2, err, sizeof(err));

		ok(r == 0 && !strcmp(s.name, t[i].name), "name of %s is [%s] (got [%s])", t[i].path,
		   t[i].name, r ? "?" : s.name);
		scenario_free(&s);
	}
	ok(scenario_parse(&s, NULL, "a", 1, err, sizeof(err)) == 0 && !strcmp(s.path, "<text>"),
	   "NULL path accepted");
	scenario_free(&s);
}

static void limits(void)
{
	size_t big = SCN_FILE_MAX + 1, n;
	char *buf = malloc(big + 1);
	char want[128];
	int r;

	if (!buf) {
		ok(0, "malloc");
		return;
	}
	/* line of exactly SCN_LINE_MAX bytes is fine, one more is not */
	memset(buf, 'a', SCN_LINE_MAX);
	r = parse(buf, SCN_LINE_MAX);
	ok(r == 0 && s.n_lines == 1 && strlen(s.lines[0].argv[0]) == SCN_LINE_MAX,
	   "line of %d bytes accepted", SCN_LINE_MAX);
	scenario_free(&s);
	memcpy(buf, "x\n", 2);
	memset(buf + 2, 'a', SCN_LINE_MAX + 1);
	snprintf(want, sizeof(want), "dir/t.scn:2: line too long (max %d bytes)", SCN_LINE_MAX);
	err_case(buf, SCN_LINE_MAX + 3, -E2BIG, want);

	/* 64 words fine, 65 not */
	for (n = 0; n < SCN_WORDS_MAX; n++)
		memcpy(buf + 2 * n, "w ", 2);
	r = parse(buf, 2 * SCN_WORDS_MAX);
	ok(r == 0 && s.lines[0].argc == SCN_WORDS_MAX, "%d words accepted", SCN_WORDS_MAX);
	scenario_free(&s);
	memcpy(buf + 2 * SCN_WORDS_MAX, "w", 1);
	snprintf(want, sizeof(want), "dir/t.scn:1: too many words (max %d)", SCN_WORDS_MAX);
	err_case(buf, 2 * SCN_WORDS_MAX + 1, -E2BIG, want);

	/* SCN_LINES_MAX steps fine (blank lines don't count), one more is not */
	for (n = 0; n < SCN_LINES_MAX; n++)
		memcpy(buf + 3 * n, "s\n\n", 3);
	r = parse(buf, 3 * SCN_LINES_MAX);
	ok(r == 0 && s.n_lines == SCN_LINES_MAX && s.lines[SCN_LINES_MAX - 1].lineno ==
	   2 * SCN_LINES_MAX - 1, "%d steps accepted (%s)", SCN_LINES_MAX, err);
	scenario_free(&s);
	memcpy(buf + 3 * SCN_LINES_MAX, "s\n", 2);
	snprintf(want, sizeof(want), "dir/t.scn:%d: too many steps (max %d)",
		 2 * SCN_LINES_MAX + 1, SCN_LINES_MAX);
	err_case(buf, 3 * SCN_LINES_MAX + 2, -E2BIG, want);

	/* file size */
	memset(buf, '\n', big);
	r = parse(buf, SCN_FILE_MAX);
	ok(r == 0 && s.n_lines == 0, "file of %u blank lines accepted", SCN_FILE_MAX);
	scenario_free(&s);
	snprintf(want, sizeof(want), "dir/t.scn: file too big (%zu bytes, max %u)", big,
		 SCN_FILE_MAX);
	err_case(buf, big, -EFBIG, want);
	free(buf);
}

static void load(void)
{
	char path[] = "/tmp/test_scenario_XXXXXX";
	int fd = mkstemp(path), r;
	static const char text[] = "plug dimm d0\nunplug d0\n";

	if (fd < 0 || write(fd, text, sizeof(text) - 1) != (ssize_t)sizeof(text) - 1) {
		ok(0, "temp file");
		return;
	}
	close(fd);
	r = scenario_load(&s, path, err, sizeof(err));
	ok(r == 0 && s.n_lines == 2 && !strcmp(s.lines[1].argv[0], "unplug") &&
	   !strcmp(s.path, path), "scenario_load reads a file (r=%d %s)", r, err);
	scenario_free(&s);
	unlink(path);
	r = scenario_load(&s, path, err, sizeof(err));
	ok(r == -ENOENT && strstr(err, path) == err && strstr(err, ": No such file"),
	   "missing file: -ENOENT [%s]", err);
	r = scenario_load(&s, "/tmp", err, sizeof(err));
	ok(r == -EISDIR, "directory: -EISDIR [%s]", err);
	scenario_free(&s);
}

/* Mutated files: every result is either a well-formed scenario or an error naming
 * path:line; never a crash or an overread (run under valgrind). Deterministic. */
static void mutations(void)
{
	static const char base[] = "boot memory=512M cmdline=\"a b \\\" c\" # x\n"
				   "plug dimm d0\n\"\" k=\"v\"\n\t# only\nexpect x\n";
	static const char junk[] = " \t\n\"\\#\0\x01\xff\ra";
	uint32_t seed = 42;
	unsigned i, k, good = 0, bad = 0;
	size_t len, pos, l;
	int r, sane;
	char *buf;

	for (i = 0; i < 3000; i++) {
		len = sizeof(base) - 1;
		buf = malloc(len);
		if (!buf)
			return;
		memcpy(buf, base, len);
		for (k = 0; k < 1 + i % 4; k++) {
			seed = seed * 1103515245u + 12345u;
			pos = (seed >> 8) % len;
			buf[pos] = junk[(seed >> 20) % (sizeof(junk) - 1)];
		}
		seed = seed * 1103515245u + 12345u;
		if (i % 3 == 0)
			len = (seed >> 8) % (len + 1);
		r = parse(buf, len);
		if (r) {
			bad += !strncmp(err, "dir/t.scn:", 10);
		} else {
			for (l = 0, sane = 1; l < s.n_lines; l++)
				sane &= s.lines[l].argc > 0 && s.lines[l].argc <= SCN_WORDS_MAX &&
					s.lines[l].argv[s.lines[l].argc] == NULL;
			good += sane;
		}
		scenario_free(&s);
		free(buf);
	}
	ok(good + bad == 3000, "3000 mutated files: %u parsed, %u errors naming path:line", good,
	   bad);
}

#define W(...) ((const char *const[]){ __VA_ARGS__, NULL })

int main(void)
{
	example_file();
	words_case("a b\tc", W("a", "b", "c"), "blanks split words");
	words_case("  a   b  ", W("a", "b"), "leading/trailing blanks");
	words_case("a b\r", W("a", "b"), "CRLF tolerated");
	words_case("cmdline=\"a b\"", W("cmdline=a b"), "quotes inside a word");
	words_case("\"a b\"c\"d\"", W("a bcd"), "several quoted parts");
	words_case("\"\" x", W("", "x"), "empty quotes make an empty word");
	words_case("k=\"\"", W("k="), "empty quoted value");
	words_case("\"a # b\"#c", W("a # b"), "# inside quotes is literal");
	words_case("a#b c", W("a"), "# outside quotes starts a comment");
	words_case("\"x\\\"y\\\\z\"", W("x\"y\\z"), "escapes in quotes");
	words_case("\"a\\nb\\\\\"", W("a\\nb\\"), "other backslashes kept; \\\\ is one backslash");
	words_case("a\\\"b\"", W("a\\b"), "backslash outside quotes is literal");
	words_case("\"tab\there\"", W("tab\there"), "tab inside quotes kept");
	words_case("caf\xc3\xa9", W("caf\xc3\xa9"), "UTF-8 bytes kept");

	err_case("a\nb \"c\n", 7, -EINVAL, "dir/t.scn:2: unterminated quote");
	err_case("\"abc\\\"", 6, -EINVAL, "dir/t.scn:1: unterminated quote");
	err_case("a\n\nb\0c\n", 7, -EINVAL, "dir/t.scn:3: nul byte");
	err_case("# c\0mment", 9, -EINVAL, "dir/t.scn:1: nul byte");
	err_case("a\x01", 2, -EINVAL, "dir/t.scn:1: control character 0x01");
	err_case("\"a\x1b\"", 4, -EINVAL, "dir/t.scn:1: control character 0x1b");
	err_case("a\x7f", 2, -EINVAL, "dir/t.scn:1: control character 0x7f");
	ok(parse("", 0) == 0 && s.n_lines == 0 && s.lines == NULL, "empty file: no steps");
	scenario_free(&s);
	ok(parse(NULL, 0) == 0 && s.n_lines == 0, "NULL text with len 0");
	scenario_free(&s);
	ok(parse("a\"b\"", 2) == -EINVAL, "text is not read past len");
	scenario_free(&s);
	ok(scenario_parse(&s, "x", "\"", 1, NULL, 0) == -EINVAL, "NULL err buffer tolerated");
	scenario_free(&s);
	scenario_free(&s);
	ok(1, "double scenario_free is harmless");

	names();
	limits();
	load();
	mutations();
	return done();
}
