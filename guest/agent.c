/* hp-agent main: PID 1 set-up, then serve requests on the channel forever. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "agent.h"

struct agent ag = {
	.chan = -1, .sigfd = -1, .uevent = -1, .kmsg_r = -1, .kmsg_w = -1,
};

static void reply(struct agent *a, uint32_t seq, int ret, struct strbuf *out)
{
	struct strbuf err = STRBUF_INIT;

	if (ret >= 0) {
		if (ag_send(a, seq, HPT_MSG_OK, sb_str(out), out->len) == -E2BIG)
			ret = -E2BIG;
		else
			return;
		sb_reset(out);
		sb_adds(out, "reply larger than the payload limit");
	}
	sb_addf(&err, "errno=%d ", -ret);
	sb_add(&err, sb_str(out), out->len);
	ag_send(a, seq, HPT_MSG_ERR, sb_str(&err), err.len);
	sb_release(&err);
}

static void handle_frame(struct agent *a, struct hpt_frame *f)
{
	struct strbuf out = STRBUF_INIT;
	char *argv[HPT_ARGV_MAX + 1];
	uint64_t t0 = ag_now_ms();
	int argc, ret;

	if (f->type == HPT_MSG_HELLO) {
		/* the host (re)connected and asks who we are: it may have reconnected
		 * faster than read() could report the old connection's end */
		ag_send_hello(a);
		return;
	}
	if (f->type != HPT_MSG_REQ || f->seq == 0) {
		ag_log(a, "ignoring %s frame with seq %u from the host", hpt_msg_names[f->type],
		       f->seq);
		return;
	}
	ag_klog(a, "seq %u: %.200s", f->seq, memchr(f->payload, '\0', f->len) ? "?" : f->payload);
	argc = memchr(f->payload, '\0', f->len) ? -EINVAL :
		hpt_split_words(f->payload, argv, HPT_ARGV_MAX);
	if (argc < 0) {
		sb_addf(&out, "malformed request (words separated by single spaces, at most %d)",
			HPT_ARGV_MAX);
		ret = -EINVAL;
	} else {
		argv[argc] = NULL;
		ret = ag_verb_run(a, argc, argv, &out);
	}
	if (ret)
		ag_klog(a, "seq %u: errno=%d (%llu ms)", f->seq, -ret,
			(unsigned long long)(ag_now_ms() - t0));
	else
		ag_klog(a, "seq %u: ok (%llu ms)", f->seq, (unsigned long long)(ag_now_ms() - t0));
	reply(a, f->seq, ret, &out);
	sb_release(&out);
}

/* Feeds what was read to the decoder and serves every complete request. */
static void handle_input(struct agent *a, const char *buf, size_t n)
{
	size_t off = 0, used;
	struct hpt_frame f;

	while (off < n) {
		int r = hpt_decoder_feed(&a->dec, buf + off, n - off, &used, &f);

		off += used;
		if (r == 1) {
			handle_frame(a, &f);
			if (a->poweroff) {
				ag_log(a, "powering off on request");
				ag_power_off(a);
			}
		} else if (r < 0) {
			char msg[200];

			snprintf(msg, sizeof(msg), "errno=%d protocol error: %s", EPROTO,
				 a->dec.err);
			ag_log(a, "%s", msg);
			ag_send(a, 0, HPT_MSG_ERR, msg, strlen(msg));
			hpt_decoder_free(&a->dec);	/* re-arms it; drops the rest of this read */
			return;
		}
	}
}

static void serve(struct agent *a)
{
	static char buf[65536];

	for (;;) {
		struct pollfd p[3] = {
			{ .fd = a->chan, .events = POLLIN },
			{ .fd = a->sigfd, .events = POLLIN },
			{ .fd = a->uevent, .events = POLLIN },	/* the block event journal */
		};
		uint64_t since;
		ssize_t n;

		if (!a->connected) {
			ag_chan_wait_host(a);
			ag_send_hello(a);
			continue;
		}
		since = ag_now_ms() - a->last_beat;
		if (poll(p, 3, since >= AG_BEAT_MS ? 0 : (int)(AG_BEAT_MS - since)) < 0 &&
		    errno != EINTR)
			ag_fatal(a, "poll: %s", strerror(errno));
		if (p[1].revents)
			ag_reap(a);
		if (p[2].revents)
			ag_uevent_drain(a->uevent);
		ag_beat_maybe(a);
		if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		n = read(a->chan, buf, sizeof(buf));
		if (n > 0) {
			handle_input(a, buf, n);
		} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			/* the host closed its side: wait for it to come back */
			if (n < 0)
				ag_log(a, "%s: read: %s", a->chan_dev, strerror(errno));
			a->connected = 0;
		}
	}
}

int main(void)
{
	struct agent *a = &ag;
	int ret;

	ag_init_system(a);
	ret = ag_chan_open(a, AG_CHAN_WAIT_MS);
	if (ret)
		ag_fatal(a, "channel %s: %s", HPT_CHANNEL_NAME,
			 ret == -ETIMEDOUT ? "no such virtio-serial port after 10 s" :
			 strerror(-ret));
	ag_log(a, "serving on %s", a->chan_dev);
	serve(a);
	ag_fatal(a, "main loop ended");
}
