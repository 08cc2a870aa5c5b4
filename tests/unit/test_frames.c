/* `no-leak memmap frames` on the probe's reports recorded from a real 6.1 x86_64 guest
 * (tests/fixtures/x86_64-deb6.1-noleak-hold): the frames a DIMM's memmap lived in while
 * it was plugged (marked), and what became of them after its removal while the probe held
 * one of them on purpose: 511 freed, 1 held, FAIL naming it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "hpt.h"
#include "oracles.h"
#include "tap.h"

#define SET "tests/fixtures/x86_64-deb6.1-noleak-hold/"

static char *slurp(const char *path)
{
	struct strbuf sb = STRBUF_INIT;

	if (sb_read_file(&sb, path, 1 << 20) < 0 || !sb.len) {
		printf("Bail out! %s: cannot read\n", path);
		exit(1);
	}
	return sb.buf;
}

int main(void)
{
	char *mark = slurp(SET "frames-mark-d0-1.txt"), *check = slurp(SET "frames-check.txt");
	struct frame_run *runs = NULL;
	size_t n = 0, alloc = 0;
	struct frames_tally t = { 0 };
	char why[600];
	int rm = frames_parse_mark(mark, 0, 1, &runs, &n, &alloc), rc = frames_parse_check(check, &t);

	ok(rm == 0 && n == 1 && runs[0].n == 512,
	   "plugged: the memmap of 128 MiB lies in one run of 512 frames outside the DIMM "
	   "(%zu runs, first pfn %llu)", n, n ? (unsigned long long)runs[0].pfn : 0ull);
	ok(rc == 0 && t.frames == 512 && t.freed == 511 &&
	   t.held == 1, "after removal: 511 freed, 1 held (%llu, %llu)",
	   (unsigned long long)t.freed, (unsigned long long)t.held);
	ok(t.n_shown == 1 && t.shown_pfn[0] == runs[0].pfn && t.shown_ref[0] == 1,
	   "the held frame is the head of the memmap's allocation, refcount 1 (pfn %llu)",
	   (unsigned long long)t.shown_pfn[0]);
	ok(frames_judge(&t, "d0", why, sizeof(why)) == V_FAIL && strstr(why, "1 of the 512"),
	   "one frame held FAILs: %s", why);
	t.held = 0;
	t.freed = 512;
	ok(frames_judge(&t, "d0", why, sizeof(why)) == V_PASS, "all freed passes: %s", why);
	t.freed = 0;
	t.stale = 512;
	ok(frames_judge(&t, "d0", why, sizeof(why)) == V_FAIL, "memmap still mapped for memory "
	   "that is gone FAILs: %s", why);
	t.stale = 0;
	t.inuse = 4;
	ok(frames_judge(&t, "d0", why, sizeof(why)) == V_PASS && strstr(why, "shared"),
	   "frames shared with present memory's memmap (ppc64le) pass, and say so: %s", why);
	ok(frames_parse_check("frames 1 2\nsummary runs=0 frames=0\n", &t) == -EPROTO,
	   "a report without check lines is refused");
	free(runs);
	free(mark);
	free(check);
	return done();
}
