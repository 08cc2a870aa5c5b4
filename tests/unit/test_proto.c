/* Unit tests of lib/proto.c (frames) and lib/strbuf.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "proto.h"
#include "strbuf.h"
#include "tap.h"

/* Feeds buf in pieces of `step` bytes (0 = all at once); collects up to max frames.
 * Returns the number of frames, or the negative error of the feed that failed. */
struct got {
	uint32_t seq;
	enum hpt_msg type;
	char payload[256];
	size_t len;
};

static int decode_all(struct hpt_decoder *d, const char *buf, size_t n, size_t step,
		      struct got *g, int max, size_t *consumed)
{
	size_t off = 0;
	int frames = 0;

	while (off < n) {
		size_t chunk = step && step < n - off ? step : n - off, used = 0;
		struct hpt_frame f;
		int r = hpt_decoder_feed(d, buf + off, chunk, &used, &f);

		if (used > chunk)
			return -999;	/* over-read */
		off += used;
		if (r < 0) {
			if (consumed)
				*consumed = off;
			return r;
		}
		if (r == 1 && frames < max) {
			g[frames].seq = f.seq;
			g[frames].type = f.type;
			g[frames].len = f.len;
			memcpy(g[frames].payload, f.payload, f.len < 255 ? f.len : 255);
			g[frames].payload[f.len < 255 ? f.len : 255] = '\0';
			if (f.payload[f.len] != '\0')
				return -998;	/* not NUL-terminated */
			frames++;
		}
	}
	if (consumed)
		*consumed = off;
	return frames;
}

static void test_roundtrip(void)
{
	static const char bin[] = "a\nb\0c HPT1 0 ok 3\n";
	struct strbuf sb = STRBUF_INIT;
	struct hpt_decoder d = { 0 };
	struct got g[16];
	size_t step;
	int t, n;

	ok(hpt_encode(&sb, 1, HPT_MSG_REQ, "info", 4) == 0, "encode req");
	ok(!strcmp(sb_str(&sb), "HPT1 1 req 4\ninfo\n"), "req encoding");
	ok(hpt_encode(&sb, 0, HPT_MSG_BEAT, "", 0) == 0, "encode empty beat");
	ok(hpt_encode(&sb, HPT_SEQ_MAX, HPT_MSG_OK, bin, sizeof(bin)) == 0, "encode binary ok");
	for (t = 0; t < HPT_MSG__COUNT; t++)
		hpt_encode(&sb, (uint32_t)t, (enum hpt_msg)t, hpt_msg_names[t],
			   strlen(hpt_msg_names[t]));

	for (step = 0; step <= 7; step++) {
		hpt_decoder_init(&d);
		n = decode_all(&d, sb.buf, sb.len, step, g, 16, NULL);
		ok(n == 3 + HPT_MSG__COUNT, "step %zu: %d frames", step, n);
		ok(n >= 3 && g[0].seq == 1 && g[0].type == HPT_MSG_REQ && !strcmp(g[0].payload, "info"),
		   "step %zu: first frame", step);
		ok(n >= 3 && g[1].type == HPT_MSG_BEAT && g[1].len == 0 && g[1].payload[0] == '\0',
		   "step %zu: empty payload", step);
		ok(n >= 3 && g[2].seq == HPT_SEQ_MAX && g[2].len == sizeof(bin) &&
		   !memcmp(g[2].payload, bin, sizeof(bin)), "step %zu: binary payload intact", step);
		for (t = 0; n == 3 + HPT_MSG__COUNT && t < HPT_MSG__COUNT; t++)
			if (g[3 + t].type != (enum hpt_msg)t || strcmp(g[3 + t].payload, hpt_msg_names[t]))
				break;
		ok(t == HPT_MSG__COUNT, "step %zu: every type name round-trips", step);
		hpt_decoder_free(&d);
	}
	sb_release(&sb);
}

/* One frame per call: used stops right after the frame. */
static void test_one_frame_per_call(void)
{
	const char two[] = "HPT1 3 ok 1\nx\nHPT1 4 err 1\ny\n";
	struct hpt_decoder d = { 0 };
	struct hpt_frame f;
	size_t used;
	int r;

	hpt_decoder_init(&d);
	r = hpt_decoder_feed(&d, two, sizeof(two) - 1, &used, &f);
	ok(r == 1 && used == 14 && f.seq == 3, "first of two frames, used %zu", used);
	r = hpt_decoder_feed(&d, two + used, sizeof(two) - 1 - used, &used, &f);
	ok(r == 1 && used == 15 && f.seq == 4 && f.type == HPT_MSG_ERR, "second frame");
	r = hpt_decoder_feed(&d, "", 0, &used, &f);
	ok(r == 0 && used == 0, "empty feed consumes nothing");
	hpt_decoder_free(&d);
}

static void expect_bad(const char *what, const char *in, size_t max_payload)
{
	struct hpt_decoder d = { 0 };
	struct got g[2];
	size_t step, consumed;
	int r;

	for (step = 0; step <= 1; step++) {
		d.max_payload = max_payload;
		hpt_decoder_init(&d);
		r = decode_all(&d, in, strlen(in), step, g, 2, &consumed);
		ok(r == -EPROTO && d.err[0], "%s (step %zu): -EPROTO '%s'", what, step, d.err);
		ok(consumed <= strlen(in), "%s: consumed %zu within input", what, consumed);
		/* a broken decoder stays broken until re-initialised */
		ok(hpt_decoder_feed(&d, "HPT1 1 ok 0\n\n", 13, &consumed, NULL) == -EPROTO &&
		   consumed == 0, "%s: stays broken", what);
		hpt_decoder_free(&d);
	}
}

static void test_malformed(void)
{
	char longhdr[200];

	expect_bad("bad magic", "HPT2 1 req 4\ninfo\n", 0);
	expect_bad("garbage first byte", "XPT1 1 req 4\ninfo\n", 0);
	expect_bad("lowercase magic", "hpt1 1 req 4\ninfo\n", 0);
	expect_bad("no space after magic", "HPT11 req 4\ninfo\n", 0);
	expect_bad("short header", "HPT\n", 0);
	expect_bad("empty line", "\n", 0);
	expect_bad("oversized len", "HPT1 1 req 16777217\n", 0);
	expect_bad("len over max_payload", "HPT1 1 req 100\n", 64);
	expect_bad("len 11 digits", "HPT1 1 req 00000000001\nx\n", 0);
	expect_bad("huge len", "HPT1 1 req 99999999999999999999\n", 0);
	expect_bad("bad type", "HPT1 1 frob 0\n\n", 0);
	expect_bad("uppercase type", "HPT1 1 REQ 0\n\n", 0);
	expect_bad("long type", "HPT1 1 requestxyz 0\n\n", 0);
	expect_bad("empty type", "HPT1 1  0\n\n", 0);
	expect_bad("non-digit seq", "HPT1 1a req 4\ninfo\n", 0);
	expect_bad("negative seq", "HPT1 -1 req 4\ninfo\n", 0);
	expect_bad("seq over max", "HPT1 2147483648 req 4\ninfo\n", 0);
	expect_bad("empty seq", "HPT1  req 4\ninfo\n", 0);
	expect_bad("hex len", "HPT1 1 req 0x4\ninfo\n", 0);
	expect_bad("signed len", "HPT1 1 req +4\ninfo\n", 0);
	expect_bad("too few fields", "HPT1 1 req\n", 0);
	expect_bad("too many fields", "HPT1 1 req 4 5\ninfo\n", 0);
	expect_bad("trailing space", "HPT1 1 req 4 \ninfo\n", 0);
	expect_bad("tab in header", "HPT1 1\treq 4\ninfo\n", 0);
	expect_bad("cr in header", "HPT1 1 req 4\r\ninfo\n", 0);
	memset(longhdr, '1', sizeof(longhdr));
	memcpy(longhdr, "HPT1 ", 5);
	longhdr[sizeof(longhdr) - 1] = '\0';
	expect_bad("header too long without newline", longhdr, 0);
	expect_bad("missing newline after payload", "HPT1 1 req 4\ninfoX", 0);
	expect_bad("payload longer than len", "HPT1 1 req 3\ninfo\n", 0);
	expect_bad("second frame bad", "HPT1 1 req 4\ninfo\nHPT1 2 req 4\ninfoo", 0);
}

/* The longest valid header passes; HPT_HEADER_MAX bytes without '\n' are refused. */
static void test_header_limit(void)
{
	const char longest[] = "HPT1 2147483647 hello 0000000001\nx\n";
	char hdr[HPT_HEADER_MAX + 8];
	struct hpt_decoder d = { 0 };
	struct hpt_frame f;
	size_t used;
	int r;

	hpt_decoder_init(&d);
	r = hpt_decoder_feed(&d, longest, sizeof(longest) - 1, &used, &f);
	ok(r == 1 && f.len == 1 && f.seq == HPT_SEQ_MAX && used == sizeof(longest) - 1,
	   "longest valid header accepted");
	hpt_decoder_free(&d);
	memset(hdr, '1', sizeof(hdr));
	memcpy(hdr, "HPT1 ", 5);
	hpt_decoder_init(&d);
	r = hpt_decoder_feed(&d, hdr, sizeof(hdr), &used, &f);
	ok(r == -EPROTO && used <= HPT_HEADER_MAX, "no newline in %d bytes: -EPROTO after %zu",
	   HPT_HEADER_MAX, used);
	hpt_decoder_free(&d);
}

static void test_encode_errors(void)
{
	struct strbuf sb = STRBUF_INIT;

	ok(hpt_encode(&sb, HPT_SEQ_MAX + 1u, HPT_MSG_OK, "", 0) == -EINVAL, "seq over max");
	ok(hpt_encode(&sb, 1, HPT_MSG__COUNT, "", 0) == -EINVAL, "bad type");
	ok(hpt_encode(&sb, 1, HPT_MSG_OK, "", HPT_PAYLOAD_MAX + 1u) == -E2BIG, "payload too long");
	ok(sb.len == 0, "nothing appended on error");
	sb.cap = 20;
	ok(hpt_encode(&sb, 1, HPT_MSG_OK, "0123456789", 10) == -E2BIG && sb.len == 0,
	   "cap hit: -E2BIG and rolled back");
	sb_release(&sb);
}

static void test_split(void)
{
	char *argv[4], buf[128];

	strcpy(buf, "online 32 1 online_movable");
	ok(hpt_split_words(buf, argv, 4) == 4 && !strcmp(argv[3], "online_movable") &&
	   !strcmp(argv[1], "32"), "four words");
	strcpy(buf, "info");
	ok(hpt_split_words(buf, argv, 4) == 1 && !strcmp(argv[0], "info") && !argv[1],
	   "one word, NULL after");
	strcpy(buf, "");
	ok(hpt_split_words(buf, argv, 4) == 0 && !argv[0], "empty payload: no words");
	strcpy(buf, "a b c d e");
	ok(hpt_split_words(buf, argv, 4) == -EINVAL, "too many words");
	strcpy(buf, "a  b");
	ok(hpt_split_words(buf, argv, 4) == -EINVAL, "double space");
	strcpy(buf, " a");
	ok(hpt_split_words(buf, argv, 4) == -EINVAL, "leading space");
	strcpy(buf, "a ");
	ok(hpt_split_words(buf, argv, 4) == -EINVAL, "trailing space");
	strcpy(buf, "a\tb");
	ok(hpt_split_words(buf, argv, 4) == -EINVAL, "tab");
	strcpy(buf, "a\nb");
	ok(hpt_split_words(buf, argv, 4) == -EINVAL, "newline");
}

static void test_kv(void)
{
	const char *hello = "proto=1 kernel=6.1.0-56-amd64 arch=x86_64 blocks=9 block=134217728";
	char v[32], small[4];

	ok(hpt_kv_get(hello, "kernel", v, sizeof(v)) == 0 && !strcmp(v, "6.1.0-56-amd64"),
	   "kernel=%s", v);
	ok(hpt_kv_get(hello, "block", v, sizeof(v)) == 0 && !strcmp(v, "134217728"),
	   "block is not blocks");
	ok(hpt_kv_get(hello, "proto", v, sizeof(v)) == 0 && !strcmp(v, "1"), "first key");
	ok(hpt_kv_get(hello, "page", v, sizeof(v)) == -ENOENT, "missing key");
	ok(hpt_kv_get(hello, "arch", small, sizeof(small)) == -ERANGE, "value too long");
	ok(hpt_kv_get("", "a", v, sizeof(v)) == -ENOENT, "empty payload");
	ok(hpt_kv_get("a= b=2", "a", v, sizeof(v)) == 0 && v[0] == '\0', "empty value");
}

static void test_strbuf(void)
{
	struct strbuf sb = STRBUF_INIT;
	char path[] = "/tmp/hpt-test-XXXXXX", big[1000];
	int fd, i;

	ok(!strcmp(sb_str(&sb), ""), "empty strbuf reads as \"\"");
	for (i = 0; i < 1000; i++)
		sb_addf(&sb, "%d,", i);
	ok(sb.len == strlen(sb.buf) && !strncmp(sb.buf, "0,1,2,", 6) &&
	   !strcmp(sb.buf + sb.len - 4, "999,"), "many appends, %zu bytes", sb.len);
	memset(big, 'z', sizeof(big));
	sb_reset(&sb);
	ok(sb.len == 0 && sb.buf[0] == '\0', "reset");
	ok(sb_addf(&sb, "%.*s", 999, big) == 0 && sb.len == 999, "long formatted append");
	sb.cap = 1000;
	ok(sb_add(&sb, "ab", 2) == -E2BIG && sb.len == 999, "cap enforced");
	ok(sb_add(&sb, "a", 1) == 0 && sb.len == 1000, "up to the cap");
	sb_release(&sb);
	sb.cap = 0;

	fd = mkstemp(path);
	ok(fd >= 0, "temp file");
	for (i = 0; i < 200; i++)
		if (write(fd, big, sizeof(big)) != (ssize_t)sizeof(big))
			break;
	close(fd);
	sb_adds(&sb, "head:");
	ok(sb_read_file(&sb, path, 200000) == 0 && sb.len == 5 + 200000 &&
	   sb.buf[sb.len] == '\0', "read file appends %zu bytes", sb.len);
	sb_reset(&sb);
	ok(sb_read_file(&sb, path, 199999) == -EFBIG && sb.len == 0, "max exceeded: -EFBIG");
	sb.cap = 100000;
	sb_adds(&sb, "x");
	ok(sb_read_file(&sb, path, 200000) == -E2BIG && sb.len == 1 && !strcmp(sb.buf, "x"),
	   "cap hit while reading: -E2BIG, rolled back");
	sb.cap = 0;
	unlink(path);
	ok(sb_read_file(&sb, path, 10) == -ENOENT, "missing file: -ENOENT");
	sb_release(&sb);
}

int main(void)
{
	test_roundtrip();
	test_one_frame_per_call();
	test_malformed();
	test_header_limit();
	test_encode_errors();
	test_split();
	test_kv();
	test_strbuf();
	return done();
}
