/* The baseline's domain reader, QMP client and agent client (see bare.h). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bare.h"

/* Text of the first <tag…>text</tag> (attributes skipped), XML-unescaped, or "". */
static void elem(const char *xml, const char *tag, char *out, size_t n)
{
	char open[64], close[64];
	const char *p, *e;
	size_t o = 0;

	snprintf(open, sizeof(open), "<%s", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	out[0] = 0;
	for (p = strstr(xml, open); p && p[strlen(open)] != '>' && p[strlen(open)] != ' ';)
		p = strstr(p + 1, open);
	if (!p || !(p = strchr(p, '>')) || !(e = strstr(++p, close)))
		return;
	while (p < e && o + 1 < n) {
		static const struct { const char *ent; char c; } ents[] = {
			{ "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' }, { "&apos;", '\'' },
			{ "&quot;", '"' } };
		int hit = 0;

		for (size_t i = 0; i < sizeof(ents) / sizeof(ents[0]); i++)
			if (!strncmp(p, ents[i].ent, strlen(ents[i].ent))) {
				out[o++] = ents[i].c;
				p += strlen(ents[i].ent);
				hit = 1;
				break;
			}
		if (!hit)
			out[o++] = *p++;
	}
	out[o] = 0;
}

void bare_read_domain(const char *run_dir, struct bare_dom *d)
{
	struct strbuf sb = STRBUF_INIT;
	char path[PATH_MAX + 16], num[64];
	const char *x, *p;

	memset(d, 0, sizeof(*d));
	snprintf(path, sizeof(path), "%s/domain.xml", run_dir);
	if (sb_read_file(&sb, path, 1 << 20) < 0)
		bare_die("%s: cannot read", path);
	x = sb_str(&sb);
	if (!strstr(x, "arch='x86_64'"))
		bare_die("%s: only x86_64 domains have a bare baseline", path);
	for (const char *no = "<disk\0model='nvdimm'\0model='virtio-mem'\0"; *no; no += strlen(no) + 1)
		if (strstr(x, no))
			bare_die("%s: %s has no bare baseline (DIMMs only)", path, no);
	elem(x, "emulator", d->emulator, sizeof(d->emulator));
	elem(x, "loader", d->loader, sizeof(d->loader));
	elem(x, "kernel", d->kernel, sizeof(d->kernel));
	elem(x, "initrd", d->initrd, sizeof(d->initrd));
	elem(x, "cmdline", d->cmdline, sizeof(d->cmdline));
	elem(x, "memory", num, sizeof(num));
	d->mem_kib = strtoull(num, NULL, 10);
	elem(x, "vcpu", num, sizeof(num));
	d->cpus = strtoull(num, NULL, 10);
	elem(x, "maxMemory", num, sizeof(num));
	d->maxmem_kib = strtoull(num, NULL, 10);
	p = strstr(x, "<maxMemory slots='");
	d->slots = p ? strtoull(p + 18, NULL, 10) : 0;
	for (p = strstr(x, "<cell "); p && d->n_cells < 8; p = strstr(p + 1, "<cell ")) {
		const char *m = strstr(p, "memory='");

		d->cell_kib[d->n_cells++] = m ? strtoull(m + 8, NULL, 10) : 0;
	}
	if (!d->n_cells)
		d->cell_kib[d->n_cells++] = d->mem_kib;
	if (!d->emulator[0] || !d->kernel[0] || !d->initrd[0] || !d->mem_kib || !d->cpus ||
	    !d->slots)
		bare_die("%s: no emulator, kernel, initrd, memory, vcpu or maxMemory slots", path);
	sb_release(&sb);
}

/* ---- QMP: one JSON object a line ---------------------------------------------------- */

static void qmp_send(struct bare_qmp *q, const char *json)
{
	size_t n = strlen(json);

	if (write(q->fd, json, n) != (ssize_t)n || write(q->fd, "\n", 1) != 1)
		bare_die("qmp: write: %s", strerror(errno));
}

/* The next line from QEMU into line (NUL-terminated), waiting until deadline. */
static void qmp_line(struct bare_qmp *q, char *line, size_t n, uint64_t deadline_ms)
{
	for (;;) {
		char *nl = q->in.len ? memchr(q->in.buf, '\n', q->in.len) : NULL;
		char buf[4096];
		struct pollfd p = { .fd = q->fd, .events = POLLIN };
		uint64_t now = bare_now_ms();
		ssize_t r;

		if (nl) {
			size_t len = (size_t)(nl - q->in.buf);

			snprintf(line, n, "%.*s", (int)len, q->in.buf);
			memmove(q->in.buf, nl + 1, q->in.len - len - 1);
			sb_setlen(&q->in, q->in.len - len - 1);
			return;
		}
		if (now >= deadline_ms)
			bare_die("qmp: no answer in time");
		if (poll(&p, 1, (int)(deadline_ms - now)) < 0 && errno != EINTR)
			bare_die("qmp: poll: %s", strerror(errno));
		r = read(q->fd, buf, sizeof(buf));
		if (r == 0)
			bare_die("qmp: QEMU closed the monitor");
		if (r > 0)
			sb_add(&q->in, buf, (size_t)r);
	}
}

/* Remembers a DEVICE_DELETED of one of our DIMMs in q->deleted. */
static void qmp_event(struct bare_qmp *q, const char *line)
{
	const char *p = strstr(line, "\"device\": \"dimm");

	if (strstr(line, "\"DEVICE_DELETED\"") && p)
		q->deleted |= 1ull << (atoi(p + strlen("\"device\": \"dimm")) & 63);
}

/* Sends a command and waits for its return (events meanwhile: qmp_event). */
static void qmp_cmd(struct bare_qmp *q, const char *json)
{
	char line[8192];

	qmp_send(q, json);
	for (;;) {
		qmp_line(q, line, sizeof(line), bare_now_ms() + 600000);
		if (strstr(line, "\"error\""))
			bare_die("qmp: %s: %s", json, line);
		if (strstr(line, "\"return\""))
			return;
		qmp_event(q, line);
	}
}

void bare_qmp_open(struct bare_qmp *q, int fd)
{
	char line[8192];

	q->fd = fd;
	q->deleted = 0;
	memset(&q->in, 0, sizeof(q->in));
	qmp_line(q, line, sizeof(line), bare_now_ms() + 600000);	/* greeting */
	qmp_cmd(q, "{\"execute\":\"qmp_capabilities\"}");
}

void bare_qmp_plug(struct bare_qmp *q, int i, uint64_t size, int node)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":"
		 "\"memory-backend-ram\",\"id\":\"mem%d\",\"size\":%llu}}", i,
		 (unsigned long long)size);
	qmp_cmd(q, cmd);
	snprintf(cmd, sizeof(cmd), "{\"execute\":\"device_add\",\"arguments\":{\"driver\":"
		 "\"pc-dimm\",\"id\":\"dimm%d\",\"memdev\":\"mem%d\",\"node\":%d}}", i, i, node);
	qmp_cmd(q, cmd);
}

void bare_qmp_unplug(struct bare_qmp *q, int i, uint64_t deadline_ms)
{
	char cmd[512], line[8192];

	snprintf(cmd, sizeof(cmd), "{\"execute\":\"device_del\",\"arguments\":{\"id\":\"dimm%d\"}}",
		 i);
	qmp_cmd(q, cmd);
	while (!(q->deleted & (1ull << i))) {
		qmp_line(q, line, sizeof(line), deadline_ms);
		qmp_event(q, line);
	}
	q->deleted &= ~(1ull << i);
	snprintf(cmd, sizeof(cmd), "{\"execute\":\"object-del\",\"arguments\":{\"id\":\"mem%d\"}}", i);
	qmp_cmd(q, cmd);
}

void bare_qmp_close(struct bare_qmp *q)
{
	close(q->fd);
	sb_release(&q->in);
}

/* ---- the agent: lib/proto.c frames ----------------------------------------------- */

void bare_agent_open(struct bare_agent *a, int fd)
{
	memset(a, 0, sizeof(*a));
	a->fd = fd;
	hpt_decoder_init(&a->dec);
}

/* The next frame, waiting until deadline. */
static void agent_frame(struct bare_agent *a, struct hpt_frame *f, uint64_t deadline_ms)
{
	for (;;) {
		struct pollfd p = { .fd = a->fd, .events = POLLIN };
		uint64_t now = bare_now_ms();
		size_t used;
		ssize_t r;

		while (a->off < a->len) {
			int rc = hpt_decoder_feed(&a->dec, a->buf + a->off, a->len - a->off, &used, f);

			a->off += used;
			if (rc < 0)
				bare_die("agent: %s", a->dec.err);
			if (rc == 1)
				return;
		}
		a->off = a->len = 0;
		if (now >= deadline_ms)
			bare_die("agent: no frame in time");
		if (poll(&p, 1, (int)(deadline_ms - now)) < 0 && errno != EINTR)
			bare_die("agent: poll: %s", strerror(errno));
		r = read(a->fd, a->buf, sizeof(a->buf));
		if (r == 0)
			bare_die("agent: channel closed (QEMU exited?)");
		if (r > 0)
			a->len = (size_t)r;
	}
}

void bare_agent_hello(struct bare_agent *a, uint64_t deadline_ms)
{
	struct hpt_frame f;
	char bs[32];

	do
		agent_frame(a, &f, deadline_ms);
	while (f.type != HPT_MSG_HELLO);
	if (hpt_kv_get(f.payload, "block", bs, sizeof(bs)) < 0)
		bare_die("agent: hello without block=: %s", f.payload);
	a->block_size = strtoull(bs, NULL, 10);
}

void bare_agent_call(struct bare_agent *a, const char *words, uint64_t deadline_ms)
{
	struct strbuf out = STRBUF_INIT;
	struct hpt_frame f;
	uint32_t seq = ++a->seq;

	if (hpt_encode(&out, seq, HPT_MSG_REQ, words, strlen(words)) < 0 ||
	    write(a->fd, out.buf, out.len) != (ssize_t)out.len)
		bare_die("agent: cannot send '%s'", words);
	sb_release(&out);
	do
		agent_frame(a, &f, deadline_ms);
	while (!((f.type == HPT_MSG_OK || f.type == HPT_MSG_ERR) && f.seq == seq));
}

void bare_agent_close(struct bare_agent *a)
{
	close(a->fd);
	hpt_decoder_free(&a->dec);
}
