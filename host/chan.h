/* Host end of the agent channel: a unix socket that QEMU binds for the virtio-serial
 * port. Every wait has a deadline and is cut short by the wake fd (domain stopped,
 * signal) or by the agent falling silent (no frame, not even a beat, for too long). */
#ifndef HPT_CHAN_H
#define HPT_CHAN_H
#include <stdint.h>
#include "proto.h"
#include "strbuf.h"

#define CHAN_SILENCE_MS 15000	/* agent beats every 2 s; this much silence = hang */

struct chan {
	int fd;
	int wake_fd;		/* readable = stop waiting (not owned) */
	int log_fd;		/* agent.log in the run dir (not owned), -1 = none */
	struct hpt_decoder dec;
	char rbuf[65536];
	size_t rlen, roff;
	uint32_t next_seq;
	uint64_t last_frame_ms;
	char hello[256];
	char err[256];		/* why the last call failed */
};

void chan_init(struct chan *c);
/* Connects to the socket QEMU listens on. */
int chan_connect(struct chan *c, const char *path, int wake_fd, int log_fd);
/* Waits for the agent's HELLO until deadline (absolute now_ms()). */
int chan_wait_hello(struct chan *c, uint64_t deadline_ms);
/*
 * Sends one request (words joined by spaces) and waits for its reply.
 * Returns 0 = OK reply, 1 = ERR reply (the guest refused: payload says why), or a
 * negative errno when the channel failed (-ETIMEDOUT, -EPIPE, -EPROTO, -EINTR);
 * c->err then says what happened. The reply payload is left in *reply.
 */
int chan_call(struct chan *c, uint64_t timeout_ms, struct strbuf *reply, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void chan_close(struct chan *c);

#endif
