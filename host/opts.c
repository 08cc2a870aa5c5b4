/* Options table parsing (see opts.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "opts.h"
#include "size.h"

/* The option named key (in tab or a table it includes) and the offset of the struct its
 * field is relative to. */
static const struct opt *find_in(const struct opt *tab, const char *key, size_t klen,
				 size_t *base)
{
	for (; tab->name; tab++) {
		if (tab->type == OPT_TABLE) {
			size_t b = *base + tab->off;
			const struct opt *o = find_in(tab->sub, key, klen, &b);

			if (o) {
				*base = b;
				return o;
			}
		} else if (strlen(tab->name) == klen && !strncmp(tab->name, key, klen)) {
			return tab;
		}
	}
	return NULL;
}

static int set(const struct opt *o, void *dst, const char *val, char *err, size_t errlen)
{
	char *field = (char *)dst + o->off;
	uint64_t v;
	int rc;

	switch (o->type) {
	case OPT_SIZE:
	case OPT_UINT:
		rc = o->type == OPT_SIZE ? parse_size(val, &v) : parse_u64(val, 0, UINT64_MAX, &v);
		if (rc < 0 || v < o->min || (o->max && v > o->max)) {
			char a[32], b[32];

			if (o->type == OPT_SIZE)
				snprintf(err, errlen, "%s=%s: want a size from %s to %s", o->name, val,
					 fmt_size(o->min, a, sizeof(a)), fmt_size(o->max, b, sizeof(b)));
			else
				snprintf(err, errlen, "%s=%s: want a number from %llu to %llu", o->name,
					 val, (unsigned long long)o->min, (unsigned long long)o->max);
			return -EINVAL;
		}
		memcpy(field, &v, sizeof(v));
		return 0;
	case OPT_STR:
		if (o->len) {
			if (strlen(val) >= o->len) {
				snprintf(err, errlen, "%s: value longer than %zu bytes", o->name,
					 o->len - 1);
				return -EINVAL;
			}
			memcpy(field, val, strlen(val) + 1);
		} else {
			memcpy(field, &val, sizeof(val));
		}
		return 0;
	case OPT_LIST:
		if (strlen(field) + strlen(val) + 2 > o->len) {
			snprintf(err, errlen, "%s: values longer than %zu bytes", o->name, o->len - 1);
			return -EINVAL;
		}
		if (field[0])
			strcat(field, ",");
		strcat(field, val);
		return 0;
	case OPT_FLAG:
		if (!strcmp(val, "1") || !strcmp(val, "yes") || !strcmp(val, "on"))
			*(int *)field = 1;
		else if (!strcmp(val, "0") || !strcmp(val, "no") || !strcmp(val, "off"))
			*(int *)field = 0;
		else {
			snprintf(err, errlen, "%s=%s: want yes or no", o->name, val);
			return -EINVAL;
		}
		return 0;
	case OPT_TABLE:
		break;
	case OPT_ENUM:
		for (int i = 0; o->choices[i]; i++)
			if (!strcmp(o->choices[i], val)) {
				*(int *)field = i;
				return 0;
			}
		snprintf(err, errlen, "%s=%s: want one of", o->name, val);
		for (int i = 0; o->choices[i]; i++) {
			size_t l = strlen(err);

			snprintf(err + l, errlen - l, "%s%s", i ? ", " : " ", o->choices[i]);
		}
		return -EINVAL;
	}
	return -EINVAL;
}

int opts_kv(const struct opt *tab, void *dst, const char *word, char *err, size_t errlen)
{
	const char *eq = strchr(word, '=');
	const struct opt *o;
	size_t base = 0;

	if (!eq)
		return -ENOENT;
	o = find_in(tab, word, (size_t)(eq - word), &base);
	if (!o)
		return -ENOENT;
	return set(o, (char *)dst + base, eq + 1, err, errlen);
}

int opts_cli(const struct opt *tab, void *dst, int argc, char **argv, char *err, size_t errlen)
{
	const struct opt *seen[64];	/* options of one value given so far */
	int i, nseen = 0;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *eq;
		const struct opt *o;
		size_t base = 0;

		if (!strcmp(a, "--"))
			return i + 1;
		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			return -EAGAIN;
		if (!strcmp(a, "-v") && (o = find_in(tab, "verbose", 7, &base))) {
			set(o, (char *)dst + base, "1", err, errlen);
			continue;
		}
		if (a[0] != '-' || a[1] != '-') {
			if (a[0] == '-' && a[1]) {
				snprintf(err, errlen, "unknown option %s", a);
				return -EINVAL;
			}
			return i;
		}
		a += 2;
		eq = strchr(a, '=');
		o = find_in(tab, a, eq ? (size_t)(eq - a) : strlen(a), &base);
		if (!o) {
			snprintf(err, errlen, "unknown option --%.*s", (int)(eq ? eq - a : (long)strlen(a)), a);
			return -EINVAL;
		}
		if (o->type != OPT_LIST && o->type != OPT_FLAG) {
			/* a second value would silently replace the first */
			for (int k = 0; k < nseen; k++)
				if (seen[k] == o) {
					snprintf(err, errlen, "option --%s given twice (it takes one "
						 "value)", o->name);
					return -EINVAL;
				}
			if (nseen < (int)(sizeof(seen) / sizeof(seen[0])))
				seen[nseen++] = o;
		}
		if (o->type == OPT_FLAG && !eq) {
			if (set(o, (char *)dst + base, "1", err, errlen) < 0)
				return -EINVAL;
			continue;
		}
		if (!eq && i + 1 >= argc) {
			snprintf(err, errlen, "option --%s needs a value", o->name);
			return -EINVAL;
		}
		if (set(o, (char *)dst + base, eq ? eq + 1 : argv[++i], err, errlen) < 0)
			return -EINVAL;
	}
	return i;
}

const char *opts_value(const struct opt *o, char *buf, size_t n)
{
	static const char *const meta[] = {
		[OPT_SIZE] = "SIZE", [OPT_UINT] = "N", [OPT_STR] = "S", [OPT_FLAG] = "",
		[OPT_ENUM] = "", [OPT_LIST] = "S", [OPT_TABLE] = "",
	};
	size_t len = 0;

	buf[0] = 0;
	if (o->type != OPT_ENUM)
		snprintf(buf, n, "%s", meta[o->type]);
	for (int i = 0; o->type == OPT_ENUM && o->choices[i] && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? "|" : "", o->choices[i]);
	return buf;
}

/* Prints tab's options; one that an earlier option of root hides (a verb's own list in
 * place of a shared option, see find_in) is not printed. */
static void usage_of(FILE *f, const struct opt *root, const struct opt *tab, int cli)
{
	for (; tab->name; tab++) {
		char lhs[96], val[80];
		size_t base = 0;

		if (tab->type == OPT_TABLE) {
			usage_of(f, root, tab->sub, cli);
			continue;
		}
		if (find_in(root, tab->name, strlen(tab->name), &base) != tab)
			continue;
		opts_value(tab, val, sizeof(val));
		snprintf(lhs, sizeof(lhs), "%s%s%s%s", cli ? "--" : "", tab->name, val[0] ? "=" : "",
			 val);
		if (tab->def)
			fprintf(f, "  %-28s %s (default %s)\n", lhs, tab->help, tab->def);
		else
			fprintf(f, "  %-28s %s\n", lhs, tab->help);
	}
}

void opts_usage(FILE *f, const struct opt *tab, int cli)
{
	usage_of(f, tab, tab, cli);
}

int opts_defaults(const struct opt *tab, void *dst, char *err, size_t errlen)
{
	for (; tab->name; tab++) {
		if (tab->type == OPT_TABLE) {
			if (opts_defaults(tab->sub, (char *)dst + tab->off, err, errlen) < 0)
				return -EINVAL;
		} else if (tab->def && set(tab, dst, tab->def, err, errlen) < 0) {
			return -EINVAL;
		}
	}
	return 0;
}

/* The value of o in src as text into buf; 0 if it is unset (zero or its default). */
static int opt_text(const struct opt *o, const char *field, char *buf, size_t n)
{
	uint64_t v;
	const char *s;

	switch (o->type) {
	case OPT_SIZE:
	case OPT_UINT:
		memcpy(&v, field, sizeof(v));
		if (!v)
			return 0;
		if (o->def) {	/* the default, compared as a value ("64M" is 67108864) */
			uint64_t d;

			if ((o->type == OPT_SIZE ? parse_size(o->def, &d) :
			     parse_u64(o->def, 0, UINT64_MAX, &d)) == 0 && d == v)
				return 0;
		}
		snprintf(buf, n, "%llu", (unsigned long long)v);
		return 1;
	case OPT_STR:
		if (o->len)
			s = field;
		else
			memcpy(&s, field, sizeof(s));
		if (!s || !s[0])
			return 0;
		snprintf(buf, n, "%s", s);
		break;
	case OPT_LIST:
		return 0;	/* the caller writes each value (see opts_argv) */
	case OPT_FLAG:
		if (!*(const int *)field)
			return 0;
		snprintf(buf, n, "yes");
		break;
	case OPT_ENUM:
		snprintf(buf, n, "%s", o->choices[*(const int *)field]);
		break;
	case OPT_TABLE:
		return 0;
	}
	return !o->def || strcmp(buf, o->def);
}

/* Appends "--name=value" to argv, its text in *buf. */
static int argv_add(char **argv, int *argc, int max, char **buf, size_t *n, const char *name,
		    const char *val, int vlen)
{
	int len = snprintf(*buf, *n, "--%s=%.*s", name, vlen, val);

	if (*argc >= max || len < 0 || (size_t)len >= *n)
		return -E2BIG;
	argv[(*argc)++] = *buf;
	*buf += len + 1;
	*n -= (size_t)len + 1;
	return 0;
}

static int argv_of(const struct opt *tab, const char *src, char **argv, int *argc, int max,
		   char **buf, size_t *n)
{
	for (; tab->name; tab++) {
		const char *field = src + tab->off;
		char val[4096];

		if (tab->type == OPT_TABLE) {
			if (argv_of(tab->sub, field, argv, argc, max, buf, n) < 0)
				return -E2BIG;
		} else if (tab->type == OPT_LIST) {	/* each value on its own */
			for (const char *p = field; *p;) {
				size_t len = strcspn(p, ",");

				if (argv_add(argv, argc, max, buf, n, tab->name, p, (int)len) < 0)
					return -E2BIG;
				p += len + (p[len] == ',');
			}
		} else if (opt_text(tab, field, val, sizeof(val)) &&
			   argv_add(argv, argc, max, buf, n, tab->name, val, (int)strlen(val)) < 0) {
			return -E2BIG;
		}
	}
	return 0;
}

int opts_argv(const struct opt *tab, const void *src, char **argv, int max, char *buf, size_t n)
{
	int argc = 0;

	return argv_of(tab, src, argv, &argc, max, &buf, &n) < 0 ? -E2BIG : argc;
}
