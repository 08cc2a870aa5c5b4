/* jget: one value out of a results.json, for the integration tests (lib.sh's verdict,
 * evidence, result). Built by the Makefile as build/tests/jget; reads with host/jsonr.c.
 *
 *   jget [-j] FILE [POINTER]          the value at POINTER (RFC 6901: /checks/0/name)
 *   jget [-j] -c CHECK [-L LINE] FILE [POINTER]   the same inside the one check named
 *                                     CHECK (from scenario line LINE, where a name repeats)
 *   jget -n CHECK [-L LINE] FILE      how many checks are named CHECK (from line LINE)
 *   jget -l FILE                      the checks, one a line: NAME@LINE (NAME without a
 *                                     scenario line)
 *
 * Strings are printed as they are (-j: as JSON), numbers as integers when they are whole,
 * true/false/null as such, objects and arrays as compact JSON. Exit 0 with the value, 1
 * when it is not there (stderr says what is missing and what is there instead), 2 on
 * bad usage, an unreadable file or text that is not JSON. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "json.h"
#include "jsonr.h"
#include "strbuf.h"

#define JGET_FILE_MAX (256u << 20)

static const char *usage =
	"usage: jget [-j] [-c CHECK [-L LINE]] FILE [POINTER] | jget -n CHECK [-L LINE] FILE |"
	" jget -l FILE\n";

/* What an object or array holds, for the message when a pointer misses. */
static void jget_there(struct strbuf *sb, const struct jr_val *v)
{
	if (v->type == JR_ARR) {
		sb_addf(sb, "an array of %zu", v->len);
		return;
	}
	if (v->type != JR_OBJ) {
		sb_adds(sb, "not an object or array");
		return;
	}
	sb_adds(sb, "members:");
	for (size_t i = 0; i < v->len && i < 40; i++)
		sb_addf(sb, " %s", v->keys[i]);
	if (v->len > 40)
		sb_addf(sb, " … (%zu in all)", v->len);
	if (!v->len)
		sb_adds(sb, " none");
}

/* Follows an RFC 6901 pointer from v. 0, or -ENOENT with a message in sb. */
static int jget_follow(const struct jr_val *v, const char *ptr, const struct jr_val **out,
		       struct strbuf *sb)
{
	struct strbuf tok = STRBUF_INIT;
	const char *p = ptr;
	int rc = 0;

	if (*p && *p != '/') {
		sb_addf(sb, "pointer '%s' does not start with /", ptr);
		return -EINVAL;
	}
	while (*p) {
		const struct jr_val *next = NULL;
		const char *start = p;

		sb_reset(&tok);
		for (p++; *p && *p != '/'; p++) {
			if (*p == '~' && (p[1] == '0' || p[1] == '1')) {
				sb_add(&tok, p[1] == '0' ? "~" : "/", 1);
				p++;
			} else {
				sb_add(&tok, p, 1);
			}
		}
		if (v->type == JR_OBJ) {
			next = jr_get(v, sb_str(&tok));
		} else if (v->type == JR_ARR) {
			const char *t = sb_str(&tok);
			char *end;
			unsigned long i = strtoul(t, &end, 10);

			if (*t >= '0' && *t <= '9' && !*end && (t[0] != '0' || !t[1]) && i < v->len)
				next = &v->items[i];
		}
		if (!next) {
			sb_addf(sb, "no '%s' in '%.*s' (", sb_str(&tok), (int)(start - ptr), ptr);
			jget_there(sb, v);
			sb_adds(sb, ")");
			rc = -ENOENT;
			break;
		}
		v = next;
	}
	sb_release(&tok);
	*out = v;
	return rc;
}

/* c is named name (and comes from scenario line `line`, if not 0) */
static int jget_named(const struct jr_val *c, const char *name, long line)
{
	const struct jr_val *n = jr_get(c, "name");

	return n && n->type == JR_STR && n->len == strlen(name) && !memcmp(n->str, name, n->len) &&
	       (!line || jr_num(c, "line", 0) == line);
}

/* The checks named name: how many, and the first in *out. */
static size_t jget_check(const struct jr_val *root, const char *name, long line,
			 const struct jr_val **out)
{
	const struct jr_val *checks = jr_get(root, "checks");
	size_t n = 0;

	*out = NULL;
	for (size_t i = 0; checks && checks->type == JR_ARR && i < checks->len; i++)
		if (jget_named(&checks->items[i], name, line) && !n++)
			*out = &checks->items[i];
	return n;
}

static void jget_print(const struct jr_val *v, int as_json)
{
	struct strbuf sb = STRBUF_INIT;
	struct json j;

	if (v->type == JR_STR && !as_json) {
		sb_add(&sb, v->str, v->len);
	} else if (v->type == JR_NUM && v->num == floor(v->num) && fabs(v->num) < 9.2e18) {
		sb_addf(&sb, "%.0f", v->num);
	} else {
		json_init(&j, &sb, 0);
		jr_write(&j, NULL, v);
	}
	sb_adds(&sb, "\n");
	fwrite(sb.buf, 1, sb.len, stdout);
	sb_release(&sb);
}

int main(int argc, char **argv)
{
	const char *check = NULL, *count = NULL, *file, *ptr;
	struct strbuf text = STRBUF_INIT, msg = STRBUF_INIT;
	const struct jr_val *at = NULL, *c;
	int opt, as_json = 0, list = 0, rc;
	long line = 0;
	char *end;
	struct jr_val root;
	char err[160];
	size_t n;

	while ((opt = getopt(argc, argv, "jc:n:lL:")) != -1) {
		switch (opt) {
		case 'j': as_json = 1; break;
		case 'c': check = optarg; break;
		case 'n': count = optarg; break;
		case 'l': list = 1; break;
		case 'L':
			line = strtol(optarg, &end, 10);
			if (*end || line <= 0) {
				fprintf(stderr, "jget: -L %s: want a line number\n", optarg);
				return 2;
			}
			break;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (optind >= argc || argc - optind > 2 || (count && (check || list)) || (list && check) ||
	    (line && !check && !count)) {
		fputs(usage, stderr);
		return 2;
	}
	file = argv[optind];
	ptr = optind + 1 < argc ? argv[optind + 1] : "";
	rc = sb_read_file(&text, file, JGET_FILE_MAX);
	if (rc < 0) {
		fprintf(stderr, "jget: %s: %s\n", file, strerror(-rc));
		return 2;
	}
	if (jr_parse(&root, text.buf ? text.buf : "", text.len, err, sizeof(err)) < 0) {
		fprintf(stderr, "jget: %s: not JSON: %s\n", file, err);
		sb_release(&text);
		return 2;
	}
	sb_release(&text);
	rc = 0;
	if (list || count) {
		const struct jr_val *checks = jr_get(&root, "checks");

		if (!checks || checks->type != JR_ARR) {
			fprintf(stderr, "jget: %s: no \"checks\" array\n", file);
			rc = 1;
		} else if (count) {
			printf("%zu\n", jget_check(&root, count, line, &c));
		} else {
			for (size_t i = 0; i < checks->len; i++) {
				const struct jr_val *ln = jr_get(&checks->items[i], "line");

				printf("%s", jr_str(&checks->items[i], "name", "(no name)"));
				if (ln && ln->type == JR_NUM)
					printf("@%.0f", ln->num);
				putchar('\n');
			}
		}
		goto out;
	}
	at = &root;
	if (check) {
		n = jget_check(&root, check, line, &c);
		if (n != 1) {
			fprintf(stderr, "jget: %s: %zu checks named '%s'%s%.0ld%s\n", file, n, check,
				line ? " from line " : "", line,
				n ? " (want exactly one: name its scenario line, NAME@LINE)" : "");
			rc = 1;
			goto out;
		}
		at = c;
	}
	rc = jget_follow(at, ptr, &at, &msg);
	if (rc < 0) {
		fprintf(stderr, "jget: %s%s%s: %s\n", file, check ? ", check " : "",
			check ? check : "", sb_str(&msg));
		rc = rc == -ENOENT ? 1 : 2;
		goto out;
	}
	jget_print(at, as_json);
out:
	sb_release(&msg);
	jr_free(&root);
	return rc;
}
