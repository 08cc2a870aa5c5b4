/* Options table parsing (see opts.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "opts.h"
#include "size.h"

static const struct opt *find(const struct opt *tab, const char *key, size_t klen)
{
	for (; tab->name; tab++)
		if (strlen(tab->name) == klen && !strncmp(tab->name, key, klen))
			return tab;
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

	if (!eq)
		return -ENOENT;
	o = find(tab, word, (size_t)(eq - word));
	if (!o)
		return -ENOENT;
	return set(o, dst, eq + 1, err, errlen);
}

int opts_cli(const struct opt *tab, void *dst, int argc, char **argv, char *err, size_t errlen)
{
	int i;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *eq;
		const struct opt *o;

		if (!strcmp(a, "--"))
			return i + 1;
		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			return -EAGAIN;
		if (!strcmp(a, "-v") && find(tab, "verbose", 7)) {
			set(find(tab, "verbose", 7), dst, "1", err, errlen);
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
		o = find(tab, a, eq ? (size_t)(eq - a) : strlen(a));
		if (!o) {
			snprintf(err, errlen, "unknown option --%.*s", (int)(eq ? eq - a : (long)strlen(a)), a);
			return -EINVAL;
		}
		if (o->type == OPT_FLAG && !eq) {
			if (set(o, dst, "1", err, errlen) < 0)
				return -EINVAL;
			continue;
		}
		if (!eq && i + 1 >= argc) {
			snprintf(err, errlen, "option --%s needs a value", o->name);
			return -EINVAL;
		}
		if (set(o, dst, eq ? eq + 1 : argv[++i], err, errlen) < 0)
			return -EINVAL;
	}
	return i;
}

void opts_usage(FILE *f, const struct opt *tab, int cli)
{
	static const char *const meta[] = {
		[OPT_SIZE] = "SIZE", [OPT_UINT] = "N", [OPT_STR] = "S", [OPT_FLAG] = "",
		[OPT_ENUM] = "", [OPT_LIST] = "S",
	};

	for (; tab->name; tab++) {
		char lhs[96];
		int n = snprintf(lhs, sizeof(lhs), "%s%s", cli ? "--" : "", tab->name);

		if (tab->type == OPT_ENUM) {
			n += snprintf(lhs + n, sizeof(lhs) - (size_t)n, "=");
			for (int i = 0; tab->choices[i] && n < (int)sizeof(lhs); i++)
				n += snprintf(lhs + n, sizeof(lhs) - (size_t)n, "%s%s", i ? "|" : "",
					      tab->choices[i]);
		} else if (tab->type != OPT_FLAG) {
			snprintf(lhs + n, sizeof(lhs) - (size_t)n, "=%s", meta[tab->type]);
		}
		fprintf(f, "  %-28s %s\n", lhs, tab->help);
	}
}
