/* Host end of the agent channel (see chan.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "chan.h"
#include "clock.h"
#include "size.h"

void chan_init(struct chan *c)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->wake_fd = -1;
	c->log_fd = -1;
	c->console_fd = -1;
	c->next_seq = 1;
	hpt_decoder_init(&c->dec);
}

int chan_connect(struct chan *c, const char *path, int wake_fd, int log_fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(c->err, sizeof(c->err), "socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		snprintf(c->err, sizeof(c->err), "connect %s: %s", path, strerror(e));
		if (c->fd >= 0)
			close(c->fd);
		c->fd = -1;
		return -e;
	}
	c->wake_fd = wake_fd;
	c->log_fd = log_fd;
	c->last_frame_ms = now_ms();
	return 0;
}

static void log_agent(struct chan *c, const char *what, const char *msg, size_t len)
{
	static const char cut[] = "agent.log reached its size limit: nothing more is logged\n";
	char hdr[64];
	int n;

	if (c->log_fd < 0 || c->log_bytes > CHAN_LOG_MAX)
		return;
	n = snprintf(hdr, sizeof(hdr), "%llu %s ", (unsigned long long)now_ms(), what);
	c->log_bytes += (uint64_t)n + len + 1;
	if (c->log_bytes > CHAN_LOG_MAX) {
		if (write(c->log_fd, cut, sizeof(cut) - 1) < 0)
			c->log_fd = -1;
		return;
	}
	if (write(c->log_fd, hdr, n) < 0 || write(c->log_fd, msg, len) < 0 ||
	    write(c->log_fd, "\n", 1) < 0)
		c->log_fd = -1;
}

/* Keeps the bytes around a decoding error, C-escaped, as evidence. */
static void keep_bad(struct chan *c, const char *p, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 5 < sizeof(c->bad); i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '\\')
			c->bad[o++] = (char)ch;
		else
			o += (size_t)snprintf(c->bad + o, sizeof(c->bad) - o, "\\x%02x", ch);
	}
	c->bad[o] = 0;
}

/* Records how the channel failed; returns rc. */
static int failed(struct chan *c, enum chan_state st, int rc)
{
	c->state = st;
	c->fail_ms = now_ms();
	return rc;
}

int chan_watch_console(struct chan *c, const char *path, uint64_t max)
{
	if (c->console_fd >= 0)
		close(c->console_fd);
	c->console_fd = open(path, O_RDONLY | O_CLOEXEC);
	c->console_max = max;
	return c->console_fd < 0 ? -errno : 0;
}

/* Has the guest written more than console_max bytes to its console? */
static int console_flooded(struct chan *c)
{
	struct stat st;
	char sz[32];

	if (c->console_fd < 0 || fstat(c->console_fd, &st) < 0 ||
	    (uint64_t)st.st_size <= c->console_max)
		return 0;
	snprintf(c->err, sizeof(c->err), "guest flooded its console: console.log over %s",
		 fmt_size(c->console_max, sz, sizeof(sz)));
	return 1;
}

/* Reads the next frame of any type, honouring deadline, silence and wake fd. */
static int next_frame(struct chan *c, uint64_t deadline_ms, struct hpt_frame *f)
{
	int pump = deadline_ms == 0;	/* chan_pump: only what is there, -EAGAIN then */

	for (;;) {
		struct pollfd p[2] = { { .fd = c->fd, .events = POLLIN },
				       { .fd = c->wake_fd, .events = POLLIN } };
		uint64_t now = now_ms(), until = deadline_ms;
		ssize_t n;
		size_t used;
		int rc;

		while (c->roff < c->rlen) {
			size_t at = c->roff;

			rc = hpt_decoder_feed(&c->dec, c->rbuf + c->roff, c->rlen - c->roff,
					      &used, f);
			c->roff += used;
			if (rc < 0) {
				/* up to 32 bytes before the offending one and 16 after */
				size_t from = c->roff > at + 32 ? c->roff - 32 : at;
				size_t to = c->roff + 16 < c->rlen ? c->roff + 16 : c->rlen;

				keep_bad(c, c->rbuf + from, to - from);
				snprintf(c->err, sizeof(c->err), "garbled message from agent: %s",
					 c->dec.err);
				return failed(c, CHAN_GARBLED, -EPROTO);
			}
			if (rc == 1) {
				c->last_frame_ms = now_ms();
				return 0;
			}
		}
		c->roff = c->rlen = 0;
		if (console_flooded(c))
			return failed(c, CHAN_FLOOD, -EFBIG);
		/* the agent beats once it has said hello; before, the kernel is booting */
		if (c->hello[0] && c->last_frame_ms + CHAN_SILENCE_MS < until)
			until = c->last_frame_ms + CHAN_SILENCE_MS;
		if (pump)
			until = now;
		if (now >= until && !pump) {
			if (now >= deadline_ms)
				snprintf(c->err, sizeof(c->err), "no reply from agent within deadline");
			else
				snprintf(c->err, sizeof(c->err),
					 "agent silent for %u s (no heartbeat): guest hung?",
					 (unsigned)(CHAN_SILENCE_MS / 1000));
			return failed(c, now >= deadline_ms ? CHAN_DEADLINE : CHAN_SILENT,
				      -ETIMEDOUT);
		}
		if (c->console_fd >= 0 && until - now > CHAN_CONSOLE_POLL_MS)
			rc = poll(p, c->wake_fd >= 0 ? 2 : 1, CHAN_CONSOLE_POLL_MS);
		else
			rc = poll(p, c->wake_fd >= 0 ? 2 : 1, (int)(until - now));
		if (rc < 0 && errno != EINTR) {
			snprintf(c->err, sizeof(c->err), "poll: %s", strerror(errno));
			return -errno;
		}
		if (rc > 0 && (p[1].revents & POLLIN)) {
			snprintf(c->err, sizeof(c->err), "interrupted (domain stopped or signal)");
			return failed(c, CHAN_STOPPED, -EINTR);
		}
		if (rc <= 0 || !(p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			if (!pump)
				continue;
			if (c->hello[0] && now_ms() > c->last_frame_ms + CHAN_SILENCE_MS) {
				snprintf(c->err, sizeof(c->err),
					 "agent silent for %u s (no heartbeat): guest hung?",
					 (unsigned)(CHAN_SILENCE_MS / 1000));
				return failed(c, CHAN_SILENT, -ETIMEDOUT);
			}
			return -EAGAIN;
		}
		n = read(c->fd, c->rbuf, sizeof(c->rbuf));
		if (n == 0) {
			snprintf(c->err, sizeof(c->err), "channel closed (QEMU exited?)");
			return failed(c, CHAN_EOF, -EPIPE);
		}
		if (n < 0) {
			int e = errno;

			if (e == EINTR || e == EAGAIN)
				continue;
			snprintf(c->err, sizeof(c->err), "read: %s", strerror(e));
			return failed(c, CHAN_EOF, -e);
		}
		c->rlen = (size_t)n;
	}
}

/* Handles unsolicited frames; returns 1 if f was consumed. */
static int unsolicited(struct chan *c, const struct hpt_frame *f)
{
	switch (f->type) {
	case HPT_MSG_BEAT:
		return 1;
	case HPT_MSG_LOG:
		log_agent(c, "log", f->payload, f->len);
		return 1;
	case HPT_MSG_HELLO:
		snprintf(c->hello, sizeof(c->hello), "%.*s", (int)f->len, f->payload);
		log_agent(c, "hello", f->payload, f->len);
		return 1;
	default:
		return 0;
	}
}

int chan_wait_hello(struct chan *c, uint64_t deadline_ms)
{
	struct hpt_frame f;
	char proto[16];
	int rc;

	while (!c->hello[0]) {
		/* before hello the kernel is still booting: no heartbeat expected */
		c->last_frame_ms = now_ms();
		rc = next_frame(c, deadline_ms, &f);
		if (rc == -ETIMEDOUT)
			snprintf(c->err, sizeof(c->err), "no hello from agent within boot deadline");
		if (rc < 0)
			return rc;
		/* anything else before hello is left over from an earlier connection */
		unsolicited(c, &f);
	}
	if (hpt_kv_get(c->hello, "proto", proto, sizeof(proto)) < 0 ||
	    strcmp(proto, "1") != 0) {
		snprintf(c->err, sizeof(c->err), "agent speaks another protocol: %.80s", c->hello);
		keep_bad(c, c->hello, strlen(c->hello));
		return failed(c, CHAN_GARBLED, -EPROTO);
	}
	return 0;
}

void chan_note(struct chan *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n > 0)
		log_agent(c, "note", msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
}

int chan_ask_hello(struct chan *c)
{
	struct strbuf out = STRBUF_INIT;
	int rc = hpt_encode(&out, 0, HPT_MSG_HELLO, "", 0);

	for (size_t off = 0; rc == 0 && off < out.len;) {
		ssize_t n = write(c->fd, out.buf + off, out.len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			snprintf(c->err, sizeof(c->err), "write to agent: %s", strerror(errno));
			break;
		}
		off += (size_t)n;
	}
	c->hello[0] = 0;	/* the next chan_wait_hello waits for the answer */
	sb_release(&out);
	return rc;
}

int chan_call(struct chan *c, uint64_t timeout_ms, struct strbuf *reply, const char *fmt, ...)
{
	struct strbuf req = STRBUF_INIT, out = STRBUF_INIT;
	uint64_t deadline = now_ms() + timeout_ms;
	uint32_t seq = c->next_seq++;
	struct hpt_frame f;
	const char *p;
	size_t left;
	va_list ap;
	int rc;

	if (c->fd < 0) {
		snprintf(c->err, sizeof(c->err), "channel not connected");
		return -ENOTCONN;
	}
	c->state = CHAN_OK;	/* describes the last call */
	va_start(ap, fmt);
	rc = sb_vaddf(&req, fmt, ap);
	va_end(ap);
	if (rc < 0 || (rc = hpt_encode(&out, seq, HPT_MSG_REQ, req.buf, req.len)) < 0) {
		snprintf(c->err, sizeof(c->err), "cannot encode request");
		goto cleanup;
	}
	log_agent(c, "req", req.buf, req.len);
	for (p = out.buf, left = out.len; left;) {
		ssize_t n = write(c->fd, p, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			snprintf(c->err, sizeof(c->err), "write to agent: %s", strerror(errno));
			goto cleanup;
		}
		p += n;
		left -= (size_t)n;
	}
	for (;;) {
		rc = next_frame(c, deadline, &f);
		if (rc < 0)
			goto cleanup;
		if (unsolicited(c, &f))
			continue;
		if (f.type != HPT_MSG_OK && f.type != HPT_MSG_ERR) {
			snprintf(c->err, sizeof(c->err), "unexpected %s from agent",
				 hpt_msg_names[f.type]);
			keep_bad(c, f.payload, f.len < 64 ? f.len : 64);
			rc = failed(c, CHAN_GARBLED, -EPROTO);
			goto cleanup;
		}
		if (f.seq != seq) {
			snprintf(c->err, sizeof(c->err), "reply for request %u while waiting for %u",
				 f.seq, seq);
			keep_bad(c, f.payload, f.len < 64 ? f.len : 64);
			rc = failed(c, CHAN_GARBLED, -EPROTO);
			goto cleanup;
		}
		break;
	}
	sb_reset(reply);
	if (sb_add(reply, f.payload, f.len) < 0) {
		rc = -ENOMEM;
		goto cleanup;
	}
	if (f.type == HPT_MSG_ERR)
		log_agent(c, "err", f.payload, f.len < 400 ? f.len : 400);
	rc = f.type == HPT_MSG_ERR;
cleanup:
	sb_release(&req);
	sb_release(&out);
	return rc;
}

int chan_pump(struct chan *c)
{
	struct hpt_frame f;
	int rc;

	if (c->fd < 0) {
		snprintf(c->err, sizeof(c->err), "channel not connected");
		return -ENOTCONN;
	}
	c->state = CHAN_OK;
	while ((rc = next_frame(c, 0, &f)) == 0) {
		if (unsolicited(c, &f))
			continue;
		snprintf(c->err, sizeof(c->err), "unexpected %s from agent while no request was "
			 "pending", hpt_msg_names[f.type]);
		keep_bad(c, f.payload, f.len < 64 ? f.len : 64);
		return failed(c, CHAN_GARBLED, -EPROTO);
	}
	return rc == -EAGAIN ? 0 : rc;
}

void chan_close(struct chan *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	if (c->console_fd >= 0)
		close(c->console_fd);
	c->console_fd = -1;
	hpt_decoder_free(&c->dec);
}
