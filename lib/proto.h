/*
 * Wire protocol between the host controller and hp-agent (virtio-serial).
 *
 * Every message in both directions is one frame:
 *     "HPT1 <seq> <type> <len>\n" <len bytes of payload> "\n"
 * seq:  decimal, 0..HPT_SEQ_MAX; requests carry seq >= 1 and the reply repeats it;
 *       unsolicited guest messages (hello, log, beat) carry 0.
 * type: one of the names in hpt_msg_names[] (lowercase, <= HPT_TYPE_MAX chars).
 * len:  decimal, 0..HPT_PAYLOAD_MAX.
 * A request payload is argv words separated by single spaces (words have no spaces).
 * Anything else is a protocol error: the decoder reports it and never over-reads.
 */
#ifndef HPT_PROTO_H
#define HPT_PROTO_H
#include <stddef.h>
#include <stdint.h>
#include "strbuf.h"

#define HPT_PROTO_VERSION 1
#define HPT_MAGIC "HPT1"
#define HPT_SEQ_MAX 2147483647u
#define HPT_TYPE_MAX 8
#define HPT_HEADER_MAX 64		/* bytes of the header line, '\n' included */
#define HPT_PAYLOAD_MAX (16u << 20)	/* 16 MiB */
#define HPT_ARGV_MAX 32			/* words in a request */
#define HPT_CHANNEL_NAME "org.hotplug-test.agent.0"
/* Starts the agent's line in a kernel log it read with records missing (overwritten). */
#define KMSG_GAP_MARK "[hpt] kmsg:"

enum hpt_msg {
	HPT_MSG_HELLO,	/* guest: "proto=1 kernel=<release> arch=<machine> block=<bytes> page=<bytes>",
			 * sent when the host connects; host: empty, asks for a HELLO (the guest
			 * cannot always see a quick close + reopen, so a connecting host sends
			 * one and ignores every frame before the HELLO) */
	HPT_MSG_REQ,	/* host: request words */
	HPT_MSG_OK,	/* guest: success reply, payload is the result */
	HPT_MSG_ERR,	/* guest: failure reply, payload "errno=<n> <message>" */
	HPT_MSG_LOG,	/* guest: one agent log line */
	HPT_MSG_BEAT,	/* guest: heartbeat, empty payload */
	HPT_MSG__COUNT
};

extern const char *const hpt_msg_names[HPT_MSG__COUNT];

struct hpt_frame {
	uint32_t seq;
	enum hpt_msg type;
	char *payload;	/* NUL-terminated copy owned by the decoder until the next feed */
	size_t len;
};

struct hpt_decoder {
	char hdr[HPT_HEADER_MAX];
	size_t hdr_len;
	int state;		/* internal */
	struct hpt_frame cur;
	size_t got;		/* payload bytes received so far */
	size_t max_payload;	/* 0 = HPT_PAYLOAD_MAX; lower it to bound memory */
	char err[128];		/* why the last feed returned -EPROTO */
};

void hpt_decoder_init(struct hpt_decoder *d);
void hpt_decoder_free(struct hpt_decoder *d);
/*
 * Consumes bytes from buf. Returns 1 when a complete frame is in *out (valid until the
 * next call), 0 when all n bytes were consumed without completing a frame, -EPROTO on
 * malformed input (d->err says why; the decoder must then be re-initialised).
 * *used is set to the number of bytes consumed in every case.
 */
int hpt_decoder_feed(struct hpt_decoder *d, const char *buf, size_t n, size_t *used,
		     struct hpt_frame *out);

/* Appends one encoded frame to sb. -EINVAL for a bad seq/type, -E2BIG for a long payload. */
int hpt_encode(struct strbuf *sb, uint32_t seq, enum hpt_msg type, const void *payload,
	       size_t len);

/*
 * Splits a request payload into words in place (payload is modified).
 * Returns the number of words or -EINVAL (empty word, too many words, control chars).
 */
int hpt_split_words(char *payload, char **argv, int max);

/* Finds "key=value" in a space-separated payload; copies value into out. 0 or -ENOENT. */
int hpt_kv_get(const char *payload, const char *key, char *out, size_t outlen);

#endif
