/* libFuzzer target: the placement probe's report as the guest returns it for `probe`
 * (host/probe.c probe_parse, probe_placement; format in guest/probe/hpt_probe.c), and the
 * same text as the probe's `frames mark` and `frames check` reports
 * (host/memmap_frames.c frames_parse_mark, frames_parse_check, frames_judge). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "oracles.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Is there a line starting with word in text? (what sets "unsupported") */
static int has_line(const char *text, const char *word)
{
	size_t n = strlen(word);
	const char *p;

	if (!strncmp(text, word, n))
		return 1;
	for (p = text; (p = strchr(p, '\n')); p++)
		if (!strncmp(p + 1, word, n))
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct probe_result a, b;
	enum placement pl;
	char *text = malloc(size + 1);
	int rc;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';	/* the host parses sb_str(&reply): NUL-terminated */
	rc = probe_parse(text, &a);
	if (rc != 0 && rc != -EPROTO)
		abort();
	if (!memchr(a.level, '\0', sizeof(a.level)))
		abort();
	if (a.unsupported != has_line(text, "unsupported"))
		abort();
	if (a.unsupported && rc != 0)
		abort();
	/* same text, same result: nothing read uninitialised or left from before */
	memset(&b, 0xa5, sizeof(b));
	if (probe_parse(text, &b) != rc || memcmp(&a, &b, sizeof(a)))
		abort();
	pl = probe_placement(&a);
	switch (pl) {
	case PLACE_ON_BLOCK:
		if (!a.memmap_pages || a.inside != a.memmap_pages)
			abort();
		/* fall through */
	case PLACE_ELSEWHERE:
		if (a.unsupported || a.unmapped || !a.memmap_pages)
			abort();
		if (pl == PLACE_ELSEWHERE && a.outside != a.memmap_pages)
			abort();
		break;
	case PLACE_UNKNOWN:
		break;
	default:
		abort();
	}
	{
		struct frame_run *runs = NULL;
		size_t n = 0, alloc = 0;
		struct frames_tally t;
		char why[600];

		rc = frames_parse_mark(text, 0, 1, &runs, &n, &alloc);
		if ((rc != 0 && rc != -EPROTO && rc != -ENOMEM) || n > alloc)
			abort();
		free(runs);
		memset(&t, 0, sizeof(t));
		rc = frames_parse_check(text, &t);
		if ((rc != 0 && rc != -EPROTO) || t.n_shown < 0 || t.n_shown > FRAMES_SHOWN)
			abort();
		if (frames_judge(&t, "d0", why, sizeof(why)) == V_PASS && (t.held || t.stale))
			abort();
	}
	free(text);
	return 0;
}
