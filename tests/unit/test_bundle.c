/* Unit tests of lib/bundle.c: round trips, unsafe names, malformed and truncated input. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bundle.h"
#include "tap.h"

static const char bin[] = "line1\nF 3 x\n\0tail";

static void make_bundle(struct strbuf *sb)
{
	ok(bundle_add(sb, "meminfo", "MemTotal: 1 kB\n", 15) == 0, "add meminfo");
	ok(bundle_add(sb, "empty", "", 0) == 0, "add empty file");
	ok(bundle_add(sb, "dir/sub/bin.dat", bin, sizeof(bin)) == 0, "add binary in subdir");
	ok(bundle_add(sb, "kpage", "1 2 0x400 0\n", 12) == 0, "add kpage");
}

static void test_roundtrip(void)
{
	struct strbuf sb = STRBUF_INIT;
	struct bundle_iter it;
	struct bundle_file f;
	int n = 0, r;

	make_bundle(&sb);
	ok(!strncmp(sb.buf, "F 15 meminfo\nMemTotal: 1 kB\n\nF 0 empty\n\n", 40),
	   "encoding of the first files");
	bundle_iter_init(&it, sb.buf, sb.len);
	while ((r = bundle_next(&it, &f)) == 1) {
		n++;
		if (n == 1)
			ok(!strcmp(f.name, "meminfo") && f.len == 15 &&
			   !memcmp(f.data, "MemTotal: 1 kB\n", 15), "meminfo back");
		if (n == 2)
			ok(!strcmp(f.name, "empty") && f.len == 0, "empty back");
		if (n == 3)
			ok(!strcmp(f.name, "dir/sub/bin.dat") && f.len == sizeof(bin) &&
			   !memcmp(f.data, bin, sizeof(bin)), "binary back");
	}
	ok(r == 0 && n == 4, "4 files then end (r=%d n=%d)", r, n);
	ok(bundle_next(&it, &f) == 0, "end stays end");
	ok(bundle_find(sb.buf, sb.len, "kpage", &f) == 0 && f.len == 12, "find kpage");
	ok(bundle_find(sb.buf, sb.len, "nope", &f) == -ENOENT, "find missing: -ENOENT");
	bundle_iter_init(&it, "", 0);
	ok(bundle_next(&it, &f) == 0, "empty payload: no files");
	sb_release(&sb);
}

/* Printable form of a test name for TAP lines. */
static const char *esc(const char *s)
{
	static char buf[64];
	size_t n = 0;

	for (; *s && n < sizeof(buf) - 5; s++)
		n += snprintf(buf + n, sizeof(buf) - n,
			      (unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f ? "\\x%02x" : "%c",
			      (unsigned char)*s);
	buf[n] = '\0';
	return buf;
}

static void test_names(void)
{
	static const char *const bad[] = {
		"../x", "/abs", "a//b", ".", "..", "a/..", "a/./b", "a/", "", "a b", "a\nb",
		"a\\b", "x:y", "caf\xc3\xa9", "a*",
	};
	static const char *const good[] = {
		"a", "a/b", "x.y-z_+1", ".hidden", "..x", "x..", "a/b/c/d", "123",
	};
	struct strbuf sb = STRBUF_INIT;
	char name[BUNDLE_NAME_MAX + 2];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ok(!bundle_name_ok(bad[i]), "unsafe name '%s' refused", esc(bad[i]));
		ok(bundle_add(&sb, bad[i], "x", 1) == -EINVAL && sb.len == 0,
		   "bundle_add('%s') -EINVAL, nothing appended", esc(bad[i]));
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(bundle_name_ok(good[i]), "safe name '%s' accepted", good[i]);
	memset(name, 'n', sizeof(name));
	name[BUNDLE_NAME_MAX] = '\0';
	ok(bundle_name_ok(name), "%d-byte name accepted", BUNDLE_NAME_MAX);
	name[BUNDLE_NAME_MAX] = 'n';
	name[BUNDLE_NAME_MAX + 1] = '\0';
	ok(!bundle_name_ok(name), "%d-byte name refused", BUNDLE_NAME_MAX + 1);
	sb_release(&sb);
}

/* Parses an exact-size heap copy so that any over-read is an ASan error. */
static int parse_copy(const char *data, size_t len, int *files, char *err, size_t errlen)
{
	char *copy = malloc(len ? len : 1);
	struct bundle_iter it;
	struct bundle_file f;
	int r;

	memcpy(copy, data, len);
	*files = 0;
	bundle_iter_init(&it, copy, len);
	while ((r = bundle_next(&it, &f)) == 1) {
		if (f.data < copy || f.data + f.len > copy + len)
			r = -999;
		(*files)++;
	}
	snprintf(err, errlen, "%s", it.err);
	free(copy);
	return r;
}

static void test_truncated(void)
{
	struct strbuf sb = STRBUF_INIT;
	size_t cut, bounds[5], nb = 0;
	int files, r, bad = 0;
	char err[96];

	bounds[nb++] = 0;
	bundle_add(&sb, "a", "0123456789", 10);
	bounds[nb++] = sb.len;
	bundle_add(&sb, "dir/b", "x\ny\n", 4);
	bounds[nb++] = sb.len;
	bundle_add(&sb, "c", "", 0);
	bounds[nb++] = sb.len;
	for (cut = 0; cut <= sb.len; cut++) {
		size_t k;
		int at_boundary = 0, want_files = 0;

		for (k = 0; k < nb; k++)
			if (bounds[k] == cut) {
				at_boundary = 1;
				want_files = (int)k;
			} else if (bounds[k] < cut) {
				want_files = (int)k;
			}
		r = parse_copy(sb.buf, cut, &files, err, sizeof(err));
		if (at_boundary ? (r != 0 || files != want_files) :
				  (r != -EPROTO || files != want_files || !err[0])) {
			bad++;
			printf("# cut %zu: r=%d files=%d err=%s\n", cut, r, files, err);
		}
	}
	ok(bad == 0, "every truncation of a %zu-byte bundle: whole files, then -EPROTO", sb.len);
	sb_release(&sb);
}

static void expect_bad(const char *what, const char *in, size_t len, int want_files)
{
	int files, r;
	char err[96];
	struct bundle_file f;

	r = parse_copy(in, len, &files, err, sizeof(err));
	ok(r == -EPROTO && files == want_files && err[0], "%s: -EPROTO after %d files (%s)", what,
	   files, err);
	ok(bundle_find(in, len, "zzz", &f) == -EPROTO, "%s: bundle_find says -EPROTO", what);
}

#define BAD(what, s, files) expect_bad(what, s, sizeof(s) - 1, files)

static void test_malformed(void)
{
	struct strbuf sb = STRBUF_INIT;
	int i;

	BAD("wrong tag", "X 1 a\nx\n", 0);
	BAD("no space after tag", "F1 a\nx\n", 0);
	BAD("non-digit length", "F a b\nx\n", 0);
	BAD("negative length", "F -1 a\nx\n", 0);
	BAD("empty length", "F  a\nx\n", 0);
	BAD("huge length", "F 99999999999999999999 a\nx\n", 0);
	BAD("length beyond payload", "F 5 a\nx\n", 0);
	BAD("name unterminated", "F 1 abc", 0);
	BAD("missing newline after data", "F 1 a\nxy", 0);
	BAD("unsafe name ../x", "F 1 ../x\nx\n", 0);
	BAD("unsafe name /abs", "F 1 /abs\nx\n", 0);
	BAD("unsafe name a//b", "F 1 a//b\nx\n", 0);
	BAD("unsafe name .", "F 1 .\nx\n", 0);
	BAD("empty name", "F 1 \nx\n", 0);
	BAD("garbage after good file", "F 1 a\nx\nzz", 1);
	BAD("NUL in header", "F 1 a\0b\nx\n", 0);
	for (i = 0; i < BUNDLE_FILES_MAX + 1; i++)
		bundle_add(&sb, "f", "", 0);
	expect_bad("more than BUNDLE_FILES_MAX files", sb.buf, sb.len, BUNDLE_FILES_MAX);
	sb_release(&sb);
}

int main(void)
{
	test_roundtrip();
	test_names();
	test_truncated();
	test_malformed();
	return done();
}
