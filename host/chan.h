/* Host end of the agent channel: a unix socket that QEMU binds for the virtio-serial
 * port. Every wait has a deadline and is cut short by the wake fd (domain stopped,
 * signal) or by the agent falling silent (no frame, not even a beat, for too long). */
#ifndef HPT_CHAN_H
#define HPT_CHAN_H
#include <stdint.h>
#include "proto.h"
#include "strbuf.h"

#define CHAN_SILENCE_MS 15000	/* agent beats every 2 s; this much silence = hang */
#define CHAN_LOG_MAX (64u << 20)	/* agent.log bytes; a chatty guest cannot fill the disk */
#define CHAN_CONSOLE_MAX (64ull << 20)	/* console.log bytes (QEMU writes it): more = flood */
#define CHAN_CONSOLE_POLL_MS 1000	/* how often a wait looks at the console's size */

/* How the channel failed (the guest is untrusted: each is a typed fault, see fault.c). */
enum chan_state {
	CHAN_OK,
	CHAN_DEADLINE,		/* the agent beats but did not answer in time */
	CHAN_SILENT,		/* no frame, not even a beat, for CHAN_SILENCE_MS: hang */
	CHAN_EOF,		/* the socket closed: QEMU exited */
	CHAN_GARBLED,		/* a malformed frame: bad[] holds the bytes around it */
	CHAN_STOPPED,		/* the wake fd fired (signal) */
	CHAN_FLOOD,		/* console.log outgrew console_max: the guest floods its console */
};

struct chan {
	int fd;
	int wake_fd;		/* readable = stop waiting (not owned) */
	int log_fd;		/* agent.log in the run dir (not owned), -1 = none */
	int console_fd;		/* console.log, read only, to watch its size (owned), -1 = none */
	uint64_t console_max;	/* bytes console.log may reach (CHAN_CONSOLE_MAX) */
	struct hpt_decoder dec;
	char rbuf[65536];
	size_t rlen, roff;
	uint32_t next_seq;
	uint64_t last_frame_ms;
	char hello[256];
	char err[256];		/* why the last call failed */
	enum chan_state state;	/* of the last failure (CHAN_OK until one) */
	uint64_t fail_ms;	/* now_ms() of that failure */
	char bad[160];		/* CHAN_GARBLED: the offending bytes, C-escaped */
	uint64_t log_bytes;	/* written to log_fd so far */
};

void chan_init(struct chan *c);
/* Connects to the socket QEMU listens on. */
int chan_connect(struct chan *c, const char *path, int wake_fd, int log_fd);
/* Waits for the agent's HELLO until deadline (absolute now_ms()). */
int chan_wait_hello(struct chan *c, uint64_t deadline_ms);
/* Writes a line of the host's own into agent.log ("<ms> note <text>"): which step sent
 * the requests that follow (a transcript tests/bench/bare.c replays). */
void chan_note(struct chan *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Asks the agent to say hello again (a HELLO frame): a restored guest said its hello to
 * a host long gone. chan_wait_hello() then waits for the answer. 0 or -errno. */
int chan_ask_hello(struct chan *c);
/*
 * Sends one request (words joined by spaces) and waits for its reply.
 * Returns 0 = OK reply, 1 = ERR reply (the guest refused: payload says why), or a
 * negative errno when the channel failed (-ETIMEDOUT, -EPIPE, -EPROTO, -EINTR);
 * c->err then says what happened. The reply payload is left in *reply.
 */
int chan_call(struct chan *c, uint64_t timeout_ms, struct strbuf *reply, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* While the host waits for something else (a libvirt event): reads what the agent sent
 * meanwhile (beats, log lines) without blocking. 0, or -ETIMEDOUT when it has been silent
 * for CHAN_SILENCE_MS (hang), -EPIPE (QEMU gone), -EPROTO (garbage or an unasked reply);
 * c->state and c->err as for chan_call. */
int chan_pump(struct chan *c);
/* Watches the console file QEMU writes: every wait fails with CHAN_FLOOD once it holds
 * more than max bytes (checked at least every CHAN_CONSOLE_POLL_MS). 0 or -errno. */
int chan_watch_console(struct chan *c, const char *path, uint64_t max);
void chan_close(struct chan *c);

#endif
