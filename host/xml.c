/* Well-formed XML out of untrusted text (see xml.h): the escaper junit.xml and the HTML
 * reports share, and the element writer of the HTML reports. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "xml.h"

/* Length of the valid UTF-8 sequence at s (of at most n bytes) that XML allows, or 0. */
static size_t xml_char(const unsigned char *s, size_t n)
{
	unsigned u;
	size_t len;

	if (s[0] < 0x80)
		return s[0] >= 0x20 || s[0] == '\t' || s[0] == '\n' || s[0] == '\r';
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, u = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, u = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, u = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		u = u << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && u < 0x800) || (len == 4 && (u < 0x10000 || u > 0x10ffff)) ||
	    (u >= 0xd800 && u < 0xe000) || u == 0xfffe || u == 0xffff)
		return 0;
	return len;
}

void xml_escn(struct strbuf *sb, const char *s, size_t n, int attr, size_t max)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t start = sb->len;

	if (!s)
		n = 0;
	for (size_t i = 0; i < n;) {
		size_t l = xml_char(p + i, n - i);

		if (max && sb->len - start >= max) {
			sb_adds(sb, " [cut]");
			return;
		}
		if (!l) {
			sb_addf(sb, "\\x%02x", p[i]);
			i++;
			continue;
		}
		switch (p[i]) {
		case '&': sb_adds(sb, "&amp;"); break;
		case '<': sb_adds(sb, "&lt;"); break;
		case '>': sb_adds(sb, "&gt;"); break;
		case '"': sb_adds(sb, "&quot;"); break;
		case '\'': sb_adds(sb, "&apos;"); break;
		case '\n': sb_adds(sb, attr ? "&#10;" : "\n"); break;
		case '\r': sb_adds(sb, "&#13;"); break;
		case '\t': sb_adds(sb, attr ? "&#9;" : "\t"); break;
		default: sb_add(sb, p + i, l);
		}
		i += l;
	}
}

void xml_esc(struct strbuf *sb, const char *s, int attr, size_t max)
{
	xml_escn(sb, s, s ? strlen(s) : 0, attr, max);
}

int xml_write_file(const char *path, const struct strbuf *sb)
{
	char tmp[4096];
	int fd, rc = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, sb_str(sb), sb->len) != (ssize_t)sb->len)
		rc = errno ? -errno : -EIO;
	if (close(fd) < 0 && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path) < 0)
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}

void xw_init(struct xw *w, struct strbuf *sb)
{
	memset(w, 0, sizeof(*w));
	w->sb = sb;
}

/* Ends an open start tag before content. */
static void xw_content(struct xw *w)
{
	if (w->in_tag) {
		sb_adds(w->sb, ">");
		w->in_tag = 0;
	}
}

void xw_open(struct xw *w, const char *name)
{
	xw_content(w);
	if (w->depth >= XW_DEPTH_MAX) {
		w->err = -EPROTO;
		return;
	}
	w->open[w->depth++] = name;
	if (!w->svg_depth && !strcmp(name, "svg"))
		w->svg_depth = w->depth;
	sb_addf(w->sb, "<%s", name);
	w->in_tag = 1;
}

void xw_attr(struct xw *w, const char *key, const char *val)
{
	if (!w->in_tag) {
		w->err = -EPROTO;
		return;
	}
	if (!val)
		return;
	sb_addf(w->sb, " %s=\"", key);
	xml_esc(w->sb, val, 1, 0);
	sb_adds(w->sb, "\"");
}

void xw_attrf(struct xw *w, const char *key, const char *fmt, ...)
{
	struct strbuf v = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	sb_vaddf(&v, fmt, ap);
	va_end(ap);
	xw_attr(w, key, sb_str(&v));
	sb_release(&v);
}

static int xw_void(const char *name)
{
	static const char *const v[] = { "br", "hr", "meta", "img", "col", "wbr", "link", NULL };

	for (int i = 0; v[i]; i++)
		if (!strcmp(v[i], name))
			return 1;
	return 0;
}

void xw_close(struct xw *w)
{
	const char *name;

	if (!w->depth) {
		w->err = -EPROTO;
		return;
	}
	name = w->open[--w->depth];
	if (w->in_tag && (w->svg_depth || xw_void(name)))
		sb_adds(w->sb, "/>");
	else if (xw_void(name))
		w->err = -EPROTO;	/* a void element cannot have content */
	else {
		xw_content(w);
		sb_addf(w->sb, "</%s>", name);
	}
	w->in_tag = 0;
	if (w->svg_depth > w->depth)
		w->svg_depth = 0;
}

void xw_textn(struct xw *w, const char *s, size_t n, size_t max)
{
	if (!w->depth) {
		w->err = -EPROTO;
		return;
	}
	xw_content(w);
	xml_escn(w->sb, s, n, 0, max);
}

void xw_text(struct xw *w, const char *s)
{
	xw_textn(w, s, s ? strlen(s) : 0, 0);
}

void xw_textf(struct xw *w, const char *fmt, ...)
{
	struct strbuf v = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	sb_vaddf(&v, fmt, ap);
	va_end(ap);
	xw_textn(w, sb_str(&v), v.len, 0);
	sb_release(&v);
}

void xw_elem(struct xw *w, const char *name, const char *text)
{
	xw_open(w, name);
	if (text)
		xw_text(w, text);
	xw_close(w);
}

void xw_elemc(struct xw *w, const char *name, const char *cls, const char *text)
{
	xw_open(w, name);
	xw_attr(w, "class", cls);
	if (text)
		xw_text(w, text);
	xw_close(w);
}

void xw_raw(struct xw *w, const char *s)
{
	xw_content(w);
	sb_adds(w->sb, s);
}

int xw_finish(struct xw *w)
{
	int rc = w->err;

	while (w->depth)
		xw_close(w);
	return rc ? rc : w->err;
}

void url_path(struct strbuf *sb, const char *path)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "0123456789._~/-";

	sb_adds(sb, path[0] == '/' ? "file://" : "./");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		if (strchr(ok, *p))
			sb_add(sb, p, 1);
		else
			sb_addf(sb, "%%%02X", *p);
}
