/* libFuzzer target: the agent end of the wire protocol. hp-agent decodes host frames with
 * the same decoder (lib/proto.c) bounded to AG_REQ_MAX, splits a request into words and
 * looks the verb up with its argument counts (guest/agent.c handle_frame, guest/verbs.c);
 * the verbs themselves touch /sys and are not run here. The first input byte picks the
 * chunk size, so frames split across reads are covered. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../guest/agent.h"	/* not host/agent.h */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct agent ag;	/* guest/agent.c (with main) is not linked */

static void frame(struct hpt_frame *f)
{
	char *argv[HPT_ARGV_MAX + 1], key[64];
	const struct ag_verb *v;
	int argc;

	hpt_kv_get(f->payload, "proto", key, sizeof(key));
	if (f->type != HPT_MSG_REQ || f->seq == 0 || memchr(f->payload, '\0', f->len))
		return;
	argc = hpt_split_words(f->payload, argv, HPT_ARGV_MAX);
	if (argc <= 0)
		return;
	argv[argc] = NULL;
	v = ag_verb_find(argv[0]);
	if (v && (argc - 1 < v->min_args || argc - 1 > v->max_args))
		v = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hpt_decoder d = { .max_payload = AG_REQ_MAX };
	size_t chunk, off = 1, used;
	struct hpt_frame f;

	if (!size)
		return 0;
	chunk = data[0] ? data[0] : 4096;
	hpt_decoder_init(&d);
	while (off < size) {
		size_t n = size - off < chunk ? size - off : chunk;
		int rc = hpt_decoder_feed(&d, (const char *)data + off, n, &used, &f);

		if (used > n)
			abort();
		off += used;
		if (rc == 1)
			frame(&f);
		else if (rc < 0)
			hpt_decoder_free(&d);	/* the agent re-arms and drops the read */
		else if (used == 0)
			break;
	}
	hpt_decoder_free(&d);
	return 0;
}
