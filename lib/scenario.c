/* Scenario files: lines split into argv words (see scenario.h for the rules). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "scenario.h"

/* One tokenised line: words back to back in text, each NUL-terminated. */
struct words {
	int argc;
	size_t len;
	unsigned start[SCN_WORDS_MAX];
	char text[SCN_LINE_MAX + SCN_WORDS_MAX];
};

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int bad_char(unsigned char c, char *msg, size_t msglen)
{
	if (c >= 0x20 && c != 0x7f)
		return 0;
	snprintf(msg, msglen, "control character 0x%02x", c);
	return 1;
}

/* Splits one line (no '\n', at most SCN_LINE_MAX bytes) into w. */
static int tokenize(const char *p, size_t n, struct words *w, char *msg, size_t msglen)
{
	size_t i = 0, o = 0;

	w->argc = 0;
	for (;;) {
		while (i < n && is_blank(p[i]))
			i++;
		if (i == n || p[i] == '#')
			break;
		if (w->argc == SCN_WORDS_MAX) {
			snprintf(msg, msglen, "too many words (max %d)", SCN_WORDS_MAX);
			return -E2BIG;
		}
		w->start[w->argc++] = (unsigned)o;
		while (i < n && !is_blank(p[i]) && p[i] != '#') {
			if (p[i] != '"') {
				if (bad_char((unsigned char)p[i], msg, msglen))
					return -EINVAL;
				w->text[o++] = p[i++];
				continue;
			}
			for (i++;; i++) {
				if (i == n) {
					snprintf(msg, msglen, "unterminated quote");
					return -EINVAL;
				}
				if (p[i] == '"')
					break;
				if (p[i] == '\\' && i + 1 < n && (p[i + 1] == '"' || p[i + 1] == '\\'))
					i++;
				else if (p[i] != '\t' && bad_char((unsigned char)p[i], msg, msglen))
					return -EINVAL;
				w->text[o++] = p[i];
			}
			i++;
		}
		w->text[o++] = '\0';
	}
	w->len = o;
	return 0;
}

/* Appends the tokenised line as one allocation: argv[argc + 1] followed by the text. */
static int add_line(struct scenario *s, size_t *alloc, unsigned lineno, const struct words *w)
{
	size_t ptrs = ((size_t)w->argc + 1) * sizeof(char *);
	struct scn_line *l;
	char **argv, *text;
	int k;

	if (s->n_lines == *alloc) {
		size_t na = *alloc ? *alloc * 2 : 16;

		if (na > SCN_LINES_MAX)
			na = SCN_LINES_MAX;
		l = realloc(s->lines, na * sizeof(*l));
		if (!l)
			return -ENOMEM;
		s->lines = l;
		*alloc = na;
	}
	argv = malloc(ptrs + w->len);
	if (!argv)
		return -ENOMEM;
	text = (char *)argv + ptrs;
	memcpy(text, w->text, w->len);
	for (k = 0; k < w->argc; k++)
		argv[k] = text + w->start[k];
	argv[w->argc] = NULL;
	l = &s->lines[s->n_lines++];
	l->lineno = lineno;
	l->argc = w->argc;
	l->argv = argv;
	return 0;
}

static char *name_of(const char *path)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b ? b + 1 : path;
	n = strlen(b);
	if (n > 4 && !strcmp(b + n - 4, ".scn"))
		n -= 4;
	return strndup(b, n);
}

int scenario_parse(struct scenario *s, const char *path, const char *text, size_t len,
		   char *err, size_t errlen)
{
	char msg[96];
	struct words *w = NULL;
	size_t pos = 0, alloc = 0;
	unsigned lineno = 0;
	int r = 0;

	memset(s, 0, sizeof(*s));
	msg[0] = '\0';
	if (!path)
		path = "<text>";
	if (len > SCN_FILE_MAX) {
		if (err && errlen)
			snprintf(err, errlen, "%s: file too big (%zu bytes, max %u)", path, len,
				 SCN_FILE_MAX);
		return -EFBIG;
	}
	s->path = strdup(path);
	s->name = name_of(path);
	w = malloc(sizeof(*w));
	if (!s->path || !s->name || !w) {
		r = -ENOMEM;
		snprintf(msg, sizeof(msg), "out of memory");
		goto cleanup;
	}
	while (pos < len) {
		const char *p = text + pos, *nl = memchr(p, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - p) : len - pos;

		lineno++;
		pos += n + (nl != NULL);
		if (n > SCN_LINE_MAX) {
			snprintf(msg, sizeof(msg), "line too long (max %d bytes)", SCN_LINE_MAX);
			r = -E2BIG;
			goto cleanup;
		}
		if (memchr(p, '\0', n)) {
			snprintf(msg, sizeof(msg), "nul byte");
			r = -EINVAL;
			goto cleanup;
		}
		r = tokenize(p, n, w, msg, sizeof(msg));
		if (r)
			goto cleanup;
		if (!w->argc)
			continue;
		if (s->n_lines == SCN_LINES_MAX) {
			snprintf(msg, sizeof(msg), "too many steps (max %d)", SCN_LINES_MAX);
			r = -E2BIG;
			goto cleanup;
		}
		r = add_line(s, &alloc, lineno, w);
		if (r) {
			snprintf(msg, sizeof(msg), "out of memory");
			goto cleanup;
		}
	}
cleanup:
	free(w);
	if (r) {
		if (err && errlen)
			snprintf(err, errlen, "%s:%u: %s", path, lineno, msg);
		scenario_free(s);
	}
	return r;
}

/* Reads at most max + 1 bytes so that an oversized file is detected, not truncated. */
static int read_bounded(const char *path, char **out, size_t *outlen, size_t max)
{
	size_t len = 0, alloc = 0;
	char *buf = NULL, *nb;
	ssize_t n;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (len == alloc) {
			alloc = alloc ? alloc * 2 : 4096;
			if (alloc > max + 1)
				alloc = max + 1;
			if (len == alloc)
				break;
			nb = realloc(buf, alloc);
			if (!nb) {
				r = -ENOMEM;
				goto cleanup;
			}
			buf = nb;
		}
		n = read(fd, buf + len, alloc - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto cleanup;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*out = buf;
	*outlen = len;
	buf = NULL;
cleanup:
	free(buf);
	close(fd);
	return r;
}

int scenario_load(struct scenario *s, const char *path, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	int r;

	memset(s, 0, sizeof(*s));
	r = read_bounded(path, &text, &len, SCN_FILE_MAX);
	if (r) {
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	r = scenario_parse(s, path, text, len, err, errlen);
	free(text);
	return r;
}

void scenario_free(struct scenario *s)
{
	size_t i;

	for (i = 0; i < s->n_lines; i++)
		free(s->lines[i].argv);
	free(s->lines);
	free(s->path);
	free(s->name);
	memset(s, 0, sizeof(*s));
}
