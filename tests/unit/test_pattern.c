/* The workloads' page patterns (lib/pattern.c), shared with hp-agent: a filled page checks
 * and any changed byte fails the check, and what a wrong page holds reads apart by cause —
 * zeroed (a lost swap entry), an older generation of itself (a lost write or a stale
 * copy), another page (a misdirected copy), or some bytes (a torn copy), for both 4 KiB
 * and 64 KiB pages and the incompressible pattern. The wrong pages are made here from the
 * patterns; the messages they give in a guest are the workloads' FAIL texts. */
#include <stdlib.h>
#include <string.h>
#include "pattern.h"
#include "tap.h"

static void sizes(long ps)
{
	char *a = malloc((size_t)ps), *b = malloc((size_t)ps), what[200];

	wl_fill(a, 7, 3, ps);
	ok(wl_check(a, 7, 3, ps) == 0, "%ld: a filled page checks", ps);
	ok(wl_check(a, 7, 4, ps) && wl_check(a, 8, 3, ps), "%ld: not as another generation or "
	   "page", ps);
	memcpy(b, a, (size_t)ps);
	b[ps - 1] ^= 1;
	ok(wl_check(b, 7, 3, ps) != 0, "%ld: one bit flipped in the last byte fails", ps);
	wl_describe(b, 7, 3, 0, ps, what, sizeof(what));
	ok(strstr(what, "1 of ") && strstr(what, "bytes wrong at offsets") &&
	   !strstr(what, "all of them zero"), "%ld: it says so: %s", ps, what);

	memset(b, 0, (size_t)ps);
	ok(!strcmp(wl_describe(b, 7, 3, 0, ps, what, sizeof(what)), "all zero"),
	   "%ld: a zeroed page: %s", ps, what);

	wl_fill(b, 7, 2, ps);
	wl_describe(b, 7, 3, 0, ps, what, sizeof(what));
	ok(!strcmp(what, "the data of its generation 2"), "%ld: a stale copy: %s", ps, what);

	wl_fill(b, 1234, 5, ps);
	wl_describe(b, 7, 3, 0, ps, what, sizeof(what));
	ok(!strcmp(what, "page 1234's data (generation 5)"), "%ld: another page's: %s", ps, what);

	memcpy(b, a, (size_t)ps);
	memset(b + ps / 2, 0, 4096 < ps / 2 ? 4096 : (size_t)ps / 2);
	wl_describe(b, 7, 3, 0, ps, what, sizeof(what));
	ok(strstr(what, "all of them zero") != NULL, "%ld: a zeroed part: %s", ps, what);

	wl_fill(b, 1234, 5, ps);
	b[100] ^= 0x40;	/* another page's data, itself torn: not named as that page */
	wl_describe(b, 7, 3, 0, ps, what, sizeof(what));
	ok(strstr(what, "bytes wrong") && !strstr(what, "page 1234"),
	   "%ld: a torn copy of another page is counted, not named: %s", ps, what);

	wl_fill(b, 7, 1, ps);
	ok(wl_older(b, 7, 3, 0, ps) == 1, "%ld: an older copy of itself: its generation", ps);
	wl_fill(b, 7, 4, ps);
	ok(wl_older(b, 7, 3, 0, ps) == -1 && wl_older(a, 7, 3, 0, ps) == -1,
	   "%ld: a newer generation, or this one, is not an older copy", ps);
	wl_fill(b, 8, 1, ps);
	ok(wl_older(b, 7, 3, 0, ps) == -1, "%ld: another page's older data is not", ps);
	wl_fill(b, 7, 1, ps);
	b[ps - 1] ^= 1;
	ok(wl_older(b, 7, 3, 0, ps) == -1, "%ld: a torn older copy is not", ps);
	memset(b, 0, (size_t)ps);
	ok(wl_older(b, 7, 0, 0, ps) == -1 && wl_older(b, 7, 0, 1, ps) == -1,
	   "%ld: generation 0 has no older one", ps);

	wl_describe(a, 7, 3, 0, ps, what, sizeof(what));
	ok(strstr(what, "what was written") != NULL,
	   "%ld: a page right again when described says so: %s", ps, what);

	wl_fill_dense(a, 7, 3, ps);
	ok(wl_check_dense(a, 7, 3, ps) == 0 && wl_check_dense(a, 7, 4, ps),
	   "%ld: dense: checks, and not as another generation", ps);
	memcpy(b, a, (size_t)ps);
	b[8] = 0;
	b[9] = 0;
	wl_describe(b, 7, 3, 1, ps, what, sizeof(what));
	ok(wl_check_dense(b, 7, 3, ps) && strstr(what, "bytes wrong at offsets 8-9"),
	   "%ld: dense: the wrong bytes' offsets: %s", ps, what);
	/* as 6.12's swapped-in pages on QEMU 10.0's pseries (doc/arches.md) */
	wl_fill_dense(b, 7, 0, ps);
	wl_describe(b, 7, 3, 1, ps, what, sizeof(what));
	ok(!strcmp(what, "the data of its generation 0") && wl_older(b, 7, 3, 1, ps) == 0,
	   "%ld: dense: a stale copy: %s", ps, what);
	ok(wl_older(b, 8, 3, 1, ps) == -1, "%ld: dense: not as another page's", ps);
	wl_fill_dense(b, 7, 4, ps);
	wl_describe(b, 7, 3, 1, ps, what, sizeof(what));
	ok(strstr(what, "bytes wrong") != NULL, "%ld: dense: a newer generation is not taken "
	   "for an older one: %s", ps, what);
	wl_fill_dense(b, 7, 2, ps);
	b[ps - 1] ^= 1;
	wl_describe(b, 7, 3, 1, ps, what, sizeof(what));
	ok(strstr(what, "bytes wrong") && !strstr(what, "generation"),
	   "%ld: dense: an older copy, torn, is counted against this generation: %s", ps, what);
	free(a);
	free(b);
}

int main(void)
{
	sizes(4096);
	sizes(65536);
	return done();
}
