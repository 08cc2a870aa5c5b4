/* Writing XML that is always well-formed: escaping of untrusted text (whatever a guest
 * sent) and a streaming element writer for the XHTML/SVG reports. Everything the caller
 * passes as text or attribute value is escaped; only element and attribute names (code
 * constants) and xw_raw() go out as given. */
#ifndef HPT_XML_H
#define HPT_XML_H
#include <stddef.h>
#include "strbuf.h"

/* Appends s escaped for XML 1.0: markup characters become entities; bytes that are not
 * valid UTF-8 and characters XML forbids (controls other than tab/newline/CR) become
 * "\xNN" text. attr = 1: also line breaks and tabs as character references (for a
 * quoted attribute value). At most about max output bytes, then " [cut]" (0 = no cap). */
void xml_esc(struct strbuf *sb, const char *s, int attr, size_t max);
/* The same for n bytes of s (which may hold NULs: they become "\x00"). */
void xml_escn(struct strbuf *sb, const char *s, size_t n, int attr, size_t max);
/* Writes sb to path through path.tmp and a rename: a reader never sees half a file.
 * 0 or -errno. */
int xml_write_file(const char *path, const struct strbuf *sb);

#define XW_DEPTH_MAX 64

/* Streaming writer. Elements are closed in order by xw_close(); an element that gets no
 * content is closed as <x/> inside SVG and for HTML's void elements, else as <x></x>, so
 * the output reads the same through an XML and an HTML parser (polyglot markup). */
struct xw {
	struct strbuf *sb;
	const char *open[XW_DEPTH_MAX];	/* element names, innermost last */
	int depth;
	int svg_depth;		/* depth of the outermost <svg>, 0 = not inside one */
	int in_tag;		/* a start tag is still open for attributes */
	int err;		/* nesting misuse: -EPROTO (the output is then not used) */
};

void xw_init(struct xw *w, struct strbuf *sb);
/* <name …: attributes may follow until the next content, child or close. */
void xw_open(struct xw *w, const char *name);
void xw_attr(struct xw *w, const char *key, const char *val);	/* NULL val: omitted */
void xw_attrf(struct xw *w, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void xw_close(struct xw *w);
void xw_text(struct xw *w, const char *s);
void xw_textn(struct xw *w, const char *s, size_t n, size_t max);
void xw_textf(struct xw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* <name>text</name> (text escaped; NULL = empty). */
void xw_elem(struct xw *w, const char *name, const char *text);
/* <name class="cls">text</name>. */
void xw_elemc(struct xw *w, const char *name, const char *cls, const char *text);
/* Trusted constant markup or CSS, written as given. */
void xw_raw(struct xw *w, const char *s);
/* Closes what is still open; 0, or -EPROTO if the calls did not pair up. */
int xw_finish(struct xw *w);

/* Appends a file path to sb as a URL: "./" before a relative one, "file://" before an
 * absolute one (so no part of it reads as a scheme such as javascript: or as a host),
 * every byte outside [A-Za-z0-9._~/-] percent-encoded. */
void url_path(struct strbuf *sb, const char *path);

#endif
