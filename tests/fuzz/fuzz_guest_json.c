/* libFuzzer target: what the guest returns for ndctl/daxctl (agent verb `tool`): the
 * reply's stdout section (dax_tool_stdout), the JSON reader (host/jsonr.c) with a round
 * trip through our writer (lib/json.c), and what `dax create|kmem|devdax` read of the
 * JSON (dax_ndctl_ns, dax_daxctl_mode, then altmap_judge on the usable size). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"
#include "jsonr.h"
#include "oracles.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int valid_utf8(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < n;) {
		unsigned c = p[i], len, u;

		if (c < 0x80) {
			i++;
			continue;
		}
		len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
		if (!len || c > 0xf4 || i + len > n)
			return 0;
		u = c & (0x3f >> (len - 1));
		for (unsigned k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			u = u << 6 | (p[i + k] & 0x3f);
		}
		if ((len == 2 && u < 0x80) || (len == 3 && u < 0x800) ||
		    (len == 4 && u < 0x10000) || u > 0x10ffff || (u >= 0xd800 && u < 0xe000))
			return 0;
		i += len;
	}
	return 1;
}

/* Shape of a parsed tree: what jr_parse promises (jsonr.h). */
static void check_tree(const struct jr_val *v, int depth)
{
	if (depth > JSONR_DEPTH_MAX + 1)
		abort();
	switch (v->type) {
	case JR_NULL:
		break;
	case JR_BOOL:
		if (v->num != 0 && v->num != 1)
			abort();
		break;
	case JR_NUM:
		if (isnan(v->num))
			abort();
		break;
	case JR_STR:
		if (!v->str || v->str[v->len] != '\0')
			abort();
		break;
	case JR_OBJ:
	case JR_ARR:
		if (v->len && !v->items)
			abort();
		for (size_t i = 0; i < v->len; i++) {
			if (v->type == JR_OBJ && (!v->keys || !v->keys[i]))
				abort();
			check_tree(&v->items[i], depth + 1);
		}
		break;
	default:
		abort();
	}
}

/* b is a written-and-read-back a: equal where the writer keeps values exactly (not
 * beyond its depth, infinities become null, bytes that are not UTF-8 get escaped). */
static void same_tree(const struct jr_val *a, const struct jr_val *b, int depth)
{
	if (depth >= JSON_DEPTH_MAX - 1 && (a->type == JR_OBJ || a->type == JR_ARR)) {
		if (b->type != JR_NULL)
			abort();
		return;
	}
	if (a->type == JR_NUM && isinf(a->num)) {
		if (b->type != JR_NULL)
			abort();
		return;
	}
	if (a->type != b->type)
		abort();
	switch (a->type) {
	case JR_NUM:
	case JR_BOOL:
		if (a->num != b->num)
			abort();
		break;
	case JR_STR:
		if (valid_utf8(a->str, a->len) &&
		    (a->len != b->len || memcmp(a->str, b->str, a->len)))
			abort();
		break;
	case JR_OBJ:
	case JR_ARR:
		if (a->len != b->len)
			abort();
		for (size_t i = 0; i < a->len; i++) {
			if (a->type == JR_OBJ && valid_utf8(a->keys[i], strlen(a->keys[i])) &&
			    strcmp(a->keys[i], b->keys[i]))
				abort();
			same_tree(&a->items[i], &b->items[i], depth + 1);
		}
		break;
	default:
		break;
	}
}

static void reader(const char *text, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	struct jr_val v, w;
	struct json j;
	char err[128];

	memset(err, 'x', sizeof(err));
	if (jr_parse(&v, text, len, err, sizeof(err)) < 0) {
		if (!memchr(err, '\0', sizeof(err)) || !err[0])
			abort();	/* an error always says where */
		if (v.type != JR_NULL || v.items || v.keys || v.str)
			abort();	/* freed and empty */
		return;
	}
	check_tree(&v, 0);
	json_init(&j, &sb, 0);
	jr_write(&j, NULL, &v);
	if (jr_parse(&w, sb.buf ? sb.buf : "", sb.len, err, sizeof(err)) < 0)
		abort();	/* our writer's output is JSON whatever it was given */
	same_tree(&v, &w, 0);
	jr_free(&w);
	jr_free(&v);
	sb_release(&sb);
}

/* What `dax create` and `dax kmem|devdax` read of the tool's stdout. */
static void dax(const char *out)
{
	static const char *const maps[] = { "dev", "mem" };
	static const char *const modes[] = { "system-ram", "devdax" };
	struct dax_ns_info ns;
	unsigned long online;
	char err[600], why[400];
	enum verdict v;
	int has;

	for (int m = 0; m < 2; m++) {
		memset(&ns, 0xa5, sizeof(ns));
		if (dax_ndctl_ns(out, maps[m], &ns, err, sizeof(err)) < 0) {
			if (!memchr(err, '\0', sizeof(err)))
				abort();
			continue;
		}
		if (!memchr(ns.dev, '\0', sizeof(ns.dev)) ||
		    !memchr(ns.chardev, '\0', sizeof(ns.chardev)))
			abort();
		if (ns.ok && (!ns.dev[0] || !ns.chardev[0] || !strstr(out, "devdax")))
			abort();
		/* a 1 GiB namespace at 4 GiB, as the sysfs reads of `dax create` give */
		v = altmap_judge(4ull << 30, 1ull << 30, ns.usable, 2ull << 20, 4096, m == 0, why,
				 sizeof(why));
		if ((v != V_PASS && v != V_FAIL) || !memchr(why, '\0', sizeof(why)))
			abort();
	}
	for (int m = 0; m < 2; m++) {
		int rc = dax_daxctl_mode(out, modes[m], &has, &online);

		if ((rc != 0 && rc != 1) || (rc && !strstr(out, modes[m])) ||
		    (has && !strstr(out, "\"online_memblocks\":")))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *out;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	reader((const char *)data, size);	/* jr_parse takes a length: NULs and all */
	out = dax_tool_stdout(text);
	if (out) {
		const char *so = strstr(text, "--- stdout\n");
		size_t n = strlen(out);

		/* the stdout section: right after its marker, up to "\n--- stderr\n" */
		if (strncmp(text, "exit 0\n", 7) || !so || strncmp(so + 11, out, n) ||
		    strncmp(so + 11 + n, "\n--- stderr\n", 12))
			abort();
		dax(out);
		free(out);
	}
	dax(text);	/* the JSON alone, so that mutations reach it without the framing */
	free(text);
	return 0;
}
