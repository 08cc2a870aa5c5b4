/* libFuzzer target: the host end of the agent channel as the untrusted guest sees it.
 * The input is what the guest "sends": it is written into a socketpair whose other end
 * is a real struct chan (host/chan.c), which then waits for the hello, makes requests and
 * parses their replies with the wrappers steps use (host/agent.c). Nothing the guest
 * sends may overflow a buffer, allocate without bound or make the host wait: the
 * socket is closed after the input, so every wait ends at EOF. chan_pump (the read
 * between libvirt waits) gets what is left. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "agent.h"
#include "hpt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct run *r;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf reply = STRBUF_INIT;
	uint32_t order[64];
	char err[512];
	int sv[2], rc, n;
	size_t off = 0;

	if (size > 60000)	/* below the socket buffer: the write below never blocks */
		return 0;
	if (!r && !(r = calloc(1, sizeof(*r))))
		abort();
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	{
		int big = 1 << 20;

		setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
		setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	}
	while (off < size) {
		ssize_t w = write(sv[1], data + off, size - off);

		if (w <= 0)
			abort();
		off += (size_t)w;
	}
	shutdown(sv[1], SHUT_WR);
	chan_init(&r->chan);
	r->chan.fd = sv[0];
	r->chan.last_frame_ms = now_ms();
	rc = chan_wait_hello(&r->chan, now_ms() + 2000);
	for (int i = 0; i < 4 && rc >= 0; i++)
		rc = chan_call(&r->chan, 2000, &reply, "info");
	if (rc >= 0)
		rc = agent_block_events(r, "remove", 0, 1u << 20, order, 64, err, sizeof(err));
	if (rc >= 0)
		rc = agent_wait_blocks(r, 0, 64, "present", 0, order, &n, err, sizeof(err));
	if (rc >= 0)
		rc = chan_pump(&r->chan);	/* what arrives while the host waits for libvirt */
	chan_close(&r->chan);
	close(sv[1]);
	sb_release(&reply);
	return 0;
}
