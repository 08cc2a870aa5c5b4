/* Wire protocol frames: bounded incremental decoder and encoder (see proto.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "proto.h"

const char *const hpt_msg_names[HPT_MSG__COUNT] = {
	[HPT_MSG_HELLO] = "hello",
	[HPT_MSG_REQ] = "req",
	[HPT_MSG_OK] = "ok",
	[HPT_MSG_ERR] = "err",
	[HPT_MSG_LOG] = "log",
	[HPT_MSG_BEAT] = "beat",
};

enum { ST_HEADER, ST_PAYLOAD, ST_TRAILER, ST_DELIVERED, ST_BROKEN };

#define MAGIC_SP HPT_MAGIC " "

void hpt_decoder_init(struct hpt_decoder *d)
{
	size_t max = d->max_payload;

	memset(d, 0, sizeof(*d));
	d->max_payload = max;
	d->state = ST_HEADER;
}

void hpt_decoder_free(struct hpt_decoder *d)
{
	free(d->cur.payload);
	d->cur.payload = NULL;
	hpt_decoder_init(d);
}

__attribute__((format(printf, 2, 3)))
static int fail(struct hpt_decoder *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->err, sizeof(d->err), fmt, ap);
	va_end(ap);
	d->state = ST_BROKEN;
	return -EPROTO;
}

/* Parses a decimal field of 1..10 digits without sign; -1 if malformed or > max. */
static int parse_dec(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 10)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* Validates the complete header line in d->hdr (without its '\n') and starts a frame. */
static int parse_header(struct hpt_decoder *d)
{
	size_t max = d->max_payload ? d->max_payload : HPT_PAYLOAD_MAX;
	const char *f[3], *p, *end = d->hdr + d->hdr_len;
	size_t flen[3];
	uint64_t seq, len;
	int i, t;

	p = d->hdr + strlen(MAGIC_SP);
	for (i = 0; i < 3; i++) {
		const char *sp = memchr(p, ' ', end - p);

		if (i < 2 && !sp)
			return fail(d, "header has %d fields, want 4", i + 2);
		if (i == 2 && sp)
			return fail(d, "header has more than 4 fields");
		f[i] = p;
		flen[i] = (sp ? sp : end) - p;
		p = sp ? sp + 1 : end;
	}
	if (parse_dec(f[0], flen[0], HPT_SEQ_MAX, &seq))
		return fail(d, "bad seq '%.*s'", (int)flen[0], f[0]);
	for (t = 0; t < HPT_MSG__COUNT; t++)
		if (strlen(hpt_msg_names[t]) == flen[1] &&
		    !memcmp(hpt_msg_names[t], f[1], flen[1]))
			break;
	if (t == HPT_MSG__COUNT)
		return fail(d, "bad type '%.*s'", (int)(flen[1] > HPT_TYPE_MAX ? HPT_TYPE_MAX : flen[1]),
			    f[1]);
	if (parse_dec(f[2], flen[2], (uint64_t)-1, &len))
		return fail(d, "bad length '%.*s'", (int)flen[2], f[2]);
	if (len > max)
		return fail(d, "payload length %llu exceeds %zu", (unsigned long long)len, max);
	d->cur.payload = malloc(len + 1);
	if (!d->cur.payload)
		return fail(d, "out of memory for a %llu byte payload", (unsigned long long)len);
	d->cur.payload[len] = '\0';
	d->cur.seq = (uint32_t)seq;
	d->cur.type = (enum hpt_msg)t;
	d->cur.len = len;
	d->got = 0;
	d->state = len ? ST_PAYLOAD : ST_TRAILER;
	return 0;
}

int hpt_decoder_feed(struct hpt_decoder *d, const char *buf, size_t n, size_t *used,
		     struct hpt_frame *out)
{
	size_t i = 0;
	int ret = 0;

	if (d->state == ST_DELIVERED) {
		free(d->cur.payload);
		d->cur.payload = NULL;
		d->hdr_len = 0;
		d->state = ST_HEADER;
	}
	if (d->state == ST_BROKEN) {
		*used = 0;
		return -EPROTO;
	}
	while (i < n && ret == 0) {
		switch (d->state) {
		case ST_HEADER: {
			char c = buf[i++];
			size_t m = strlen(MAGIC_SP);

			if (c == '\n') {
				d->hdr[d->hdr_len] = '\0';
				if (d->hdr_len < m)
					ret = fail(d, "short header '%s'", d->hdr);
				else
					ret = parse_header(d);
				break;
			}
			if (d->hdr_len < m && c != MAGIC_SP[d->hdr_len]) {
				ret = fail(d, "bad magic (byte %zu is 0x%02x)", d->hdr_len,
					   (unsigned char)c);
				break;
			}
			if (d->hdr_len + 1 >= HPT_HEADER_MAX) {
				ret = fail(d, "header longer than %d bytes", HPT_HEADER_MAX - 1);
				break;
			}
			if ((unsigned char)c < 0x20 || c == 0x7f) {
				ret = fail(d, "control byte 0x%02x in header", (unsigned char)c);
				break;
			}
			d->hdr[d->hdr_len++] = c;
			break;
		}
		case ST_PAYLOAD: {
			size_t k = d->cur.len - d->got;

			if (k > n - i)
				k = n - i;
			memcpy(d->cur.payload + d->got, buf + i, k);
			d->got += k;
			i += k;
			if (d->got == d->cur.len)
				d->state = ST_TRAILER;
			break;
		}
		case ST_TRAILER:
			if (buf[i] != '\n') {
				ret = fail(d, "missing newline after %zu byte payload (got 0x%02x)",
					   d->cur.len, (unsigned char)buf[i]);
				break;
			}
			i++;
			d->state = ST_DELIVERED;
			*out = d->cur;
			ret = 1;
			break;
		default:
			ret = fail(d, "decoder in bad state %d", d->state);
			break;
		}
	}
	*used = i;
	return ret;
}

int hpt_encode(struct strbuf *sb, uint32_t seq, enum hpt_msg type, const void *payload,
	       size_t len)
{
	size_t start = sb->len;
	int ret;

	if (seq > HPT_SEQ_MAX || (unsigned)type >= HPT_MSG__COUNT)
		return -EINVAL;
	if (len > HPT_PAYLOAD_MAX)
		return -E2BIG;
	ret = sb_addf(sb, "%s %u %s %zu\n", HPT_MAGIC, seq, hpt_msg_names[type], len);
	if (!ret)
		ret = sb_add(sb, payload, len);
	if (!ret)
		ret = sb_add(sb, "\n", 1);
	if (ret)
		sb_setlen(sb, start);
	return ret;
}

/* Fills argv[0..n-1] and, when n < max, argv[n] = NULL. */
int hpt_split_words(char *payload, char **argv, int max)
{
	char *p = payload;
	int n = 0;

	if (!*p)
		goto end;
	for (;;) {
		char *w = p;

		while (*p && *p != ' ') {
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return -EINVAL;
			p++;
		}
		if (p == w || n >= max)
			return -EINVAL;
		argv[n++] = w;
		if (!*p)
			break;
		*p++ = '\0';
		if (!*p)
			return -EINVAL;	/* trailing space: empty last word */
	}
end:
	if (n < max)
		argv[n] = NULL;
	return n;
}

/* -ERANGE if the value does not fit in out (including its NUL). */
int hpt_kv_get(const char *payload, const char *key, char *out, size_t outlen)
{
	size_t klen = strlen(key);
	const char *p = payload;

	while (*p) {
		const char *end = strchr(p, ' ');

		if (!end)
			end = p + strlen(p);
		if ((size_t)(end - p) > klen && !strncmp(p, key, klen) && p[klen] == '=') {
			size_t vlen = end - p - klen - 1;

			if (vlen + 1 > outlen)
				return -ERANGE;
			memcpy(out, p + klen + 1, vlen);
			out[vlen] = '\0';
			return 0;
		}
		p = *end ? end + 1 : end;
	}
	return -ENOENT;
}
