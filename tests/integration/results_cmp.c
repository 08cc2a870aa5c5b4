/* results-cmp A.json B.json: do two runs of a scenario agree? Used by restore.sh to hold a
 * restored guest to what a booted one gives. Compares, check by check in order: the
 * name and the verdict; every number and string of the evidence of placement, vmemmap,
 * virtio-mem and no-leak checks (timings excepted: keys "ms" and "*_ms"; the layout of
 * a memmap outside its device; the vmemmap pressure's numbers, "pressure_*", within 2%;
 * "free_now", how many of the memmap's freed frames the allocator has not handed out
 * again by the end, which differs between two boots as much as between boot and restore:
 * 512 and 1024 of 1024 in two booted ppc64le runs); and the numbers in the summaries of
 * no-leak checks — except "no-leak MemFree", whose evidence and summary are
 * per-cpu-list and slab noise between any two boots, judged against a tolerance from the
 * run's own noise samples (its verdict is compared), and "no-leak memmap frames", whose
 * summary restates its evidence, free_now included; and the flags of ordinary pages in a
 * placement's evidence ("first_ordinary_pfn_flags", and "first_pfn_flags" with the flags
 * "observed_why" quotes when the memmap is elsewhere, so that the device's first pfn is an
 * ordinary page): whether some process holds that page at the snapshot is timing (seen:
 * 0x400 free booted, 0x400005808 anonymous restored, ppc64le 6.1); a memmap page's flags
 * are compared.
 * Prints each difference and a count line; exit 0 same, 1 different, 2 unreadable. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jsonr.h"
#include "strbuf.h"

static int n_values, n_diffs;
/* the check being compared is a placement whose device's first pfn is an ordinary page */
static int first_ordinary;

static void diff(const char *check, const char *path, const char *a, const char *b)
{
	n_diffs++;
	printf("differs: %s: %s: %s vs %s\n", check, path, a, b);
}

static int is_timing(const char *key)
{
	size_t n = strlen(key);

	return !strcmp(key, "ms") || (n > 3 && !strcmp(key + n - 3, "_ms"));
}

/* The vmemmap oracle's pressure, sized from the zone's free pages and measured by its
 * allocation counter (pressure_mib, pressure_zone_*): a few pages apart between any two
 * runs; within 2% they agree. */
static int is_workload(const char *path)
{
	const char *k = strrchr(path, '.');

	return k && !strncmp(k + 1, "pressure_", 9);
}

static void leaf_text(const struct jr_val *v, char *buf, size_t n)
{
	switch (v->type) {
	case JR_NULL: snprintf(buf, n, "null"); break;
	case JR_BOOL: snprintf(buf, n, "%s", v->num ? "true" : "false"); break;
	case JR_NUM: snprintf(buf, n, "%.17g", v->num); break;
	case JR_STR: snprintf(buf, n, "\"%.200s\"", v->str); break;
	case JR_ARR: snprintf(buf, n, "[%zu items]", v->len); break;
	case JR_OBJ: snprintf(buf, n, "{%zu keys}", v->len); break;
	}
}

/* Where the kernel put a memmap outside its device ("no-leak memmap frames": the frames'
 * pfns and how many contiguous runs they make) is the page allocator's choice, different
 * between any two boots (seen: one run of 1024 frames restored, two of 512 booted); the
 * counts of frames freed, held or in use are compared. */
static int is_layout(const char *check, const char *key)
{
	return !strcmp(check, "no-leak memmap frames") &&
	       (!strcmp(key, "runs") || !strcmp(key, "recorded"));
}

/* An ordinary page's flags in a placement's evidence (see the top): skipped. */
static int is_ordinary_flags(const char *check, const char *key)
{
	if (strncmp(check, "placement", 9))
		return 0;
	return !strcmp(key, "first_ordinary_pfn_flags") ||
	       (first_ordinary && !strcmp(key, "first_pfn_flags"));
}

/* s with the hex number after each "flags " made "0x?": observed_why quoting an ordinary
 * page's flags */
static void mask_flags(const char *s, char *out, size_t n)
{
	size_t o = 0;

	while (*s && o + 10 < n) {
		if (!strncmp(s, "flags 0x", 8)) {
			o += (size_t)snprintf(out + o, n - o, "flags 0x?");
			for (s += 8; (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f'); s++)
				;
			continue;
		}
		out[o++] = *s++;
	}
	out[o] = 0;
}

/* Walks a and b together; path names where we are. */
static void cmp_tree(const char *check, const char *path, const struct jr_val *a,
		     const struct jr_val *b)
{
	char ta[256], tb[256], sub[512];

	if (a->type != b->type || ((a->type == JR_ARR || a->type == JR_OBJ) && a->len != b->len)) {
		leaf_text(a, ta, sizeof(ta));
		leaf_text(b, tb, sizeof(tb));
		diff(check, path, ta, tb);
		return;
	}
	if (a->type == JR_OBJ) {
		for (size_t i = 0; i < a->len; i++) {
			const struct jr_val *bv = jr_get(b, a->keys[i]);

			snprintf(sub, sizeof(sub), "%s.%s", path, a->keys[i]);
			if (is_timing(a->keys[i]) || is_layout(check, a->keys[i]) ||
			    is_ordinary_flags(check, a->keys[i]) || !strcmp(a->keys[i], "free_now"))
				continue;
			if (!bv) {
				diff(check, sub, "present", "absent");
			} else if (first_ordinary && !strcmp(a->keys[i], "observed_why") &&
				   a->items[i].type == JR_STR && bv->type == JR_STR) {
				char ma[512], mb[512];

				n_values++;
				mask_flags(a->items[i].str, ma, sizeof(ma));
				mask_flags(bv->str, mb, sizeof(mb));
				if (strcmp(ma, mb))
					diff(check, sub, ma, mb);
			} else {
				cmp_tree(check, sub, &a->items[i], bv);
			}
		}
		return;
	}
	if (a->type == JR_ARR) {
		for (size_t i = 0; i < a->len; i++) {
			snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
			cmp_tree(check, sub, &a->items[i], &b->items[i]);
		}
		return;
	}
	n_values++;
	leaf_text(a, ta, sizeof(ta));
	leaf_text(b, tb, sizeof(tb));
	if (a->type == JR_NUM && is_workload(path)) {
		double lo = a->num < b->num ? a->num : b->num, hi = a->num < b->num ? b->num : a->num;

		if (hi - lo > hi * 0.02)
			diff(check, path, ta, tb);
	} else if (strcmp(ta, tb)) {
		diff(check, path, ta, tb);
	}
}

/* The numbers of a summary line, in order, space-separated. */
static void numbers(const char *s, char *out, size_t n, int *count)
{
	size_t o = 0;

	*count = 0;
	out[0] = 0;
	for (const char *p = s; *p && o + 32 < n;) {
		if ((*p >= '0' && *p <= '9') || (*p == '-' && p[1] >= '0' && p[1] <= '9')) {
			char *end;
			long long v = strtoll(p, &end, 10);

			o += (size_t)snprintf(out + o, n - o, "%lld ", v);
			(*count)++;
			p = end;
		} else {
			p++;
		}
	}
}

static int starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static int load(const char *path, struct jr_val *v)
{
	struct strbuf sb = STRBUF_INIT;
	char err[256];
	int rc = sb_read_file(&sb, path, 64u << 20);

	if (rc < 0) {
		fprintf(stderr, "results-cmp: %s: %s\n", path, strerror(-rc));
		return rc;
	}
	rc = jr_parse(v, sb.buf, sb.len, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "results-cmp: %s: %s\n", path, err);
	sb_release(&sb);
	return rc;
}

int main(int argc, char **argv)
{
	struct jr_val a, b;
	const struct jr_val *ca, *cb;
	size_t n;

	if (argc != 3) {
		fprintf(stderr, "usage: results-cmp A/results.json B/results.json\n");
		return 2;
	}
	if (load(argv[1], &a) < 0 || load(argv[2], &b) < 0)
		return 2;
	ca = jr_get(&a, "checks");
	cb = jr_get(&b, "checks");
	if (!ca || !cb || ca->type != JR_ARR || cb->type != JR_ARR) {
		fprintf(stderr, "results-cmp: no checks array\n");
		return 2;
	}
	if (ca->len != cb->len) {
		char x[32], y[32];

		snprintf(x, sizeof(x), "%zu", ca->len);
		snprintf(y, sizeof(y), "%zu", cb->len);
		diff("(all)", "number of checks", x, y);
	}
	n = ca->len < cb->len ? ca->len : cb->len;
	for (size_t i = 0; i < n; i++) {
		const struct jr_val *x = &ca->items[i], *y = &cb->items[i];
		const char *name = jr_str(x, "name", "?"), *nb = jr_str(y, "name", "?");
		const struct jr_val *ea = jr_get(x, "evidence"), *eb = jr_get(y, "evidence");

		if (strcmp(name, nb)) {
			diff(name, "name", name, nb);
			continue;
		}
		n_values++;
		if (strcmp(jr_str(x, "verdict", "?"), jr_str(y, "verdict", "?")))
			diff(name, "verdict", jr_str(x, "verdict", "?"), jr_str(y, "verdict", "?"));
		if (!starts(name, "placement") && !starts(name, "vmemmap") &&
		    !starts(name, "virtio-mem") && !starts(name, "no-leak"))
			continue;
		if (!strcmp(name, "no-leak MemFree"))
			continue;	/* per-cpu lists and slab: noise between any two boots */
		first_ordinary = ea && eb && !strcmp(jr_str(ea, "observed", ""), "elsewhere") &&
				 !strcmp(jr_str(eb, "observed", ""), "elsewhere");
		if (ea || eb) {
			if (!ea || !eb)
				diff(name, "evidence", ea ? "present" : "absent", eb ? "present" : "absent");
			else
				cmp_tree(name, "evidence", ea, eb);
		}
		if (starts(name, "no-leak") && strcmp(name, "no-leak memmap frames")) {
			char na[1024], nb2[1024];
			int k1, k2;

			numbers(jr_str(x, "summary", ""), na, sizeof(na), &k1);
			numbers(jr_str(y, "summary", ""), nb2, sizeof(nb2), &k2);
			n_values += k1;
			if (strcmp(na, nb2))
				diff(name, "summary numbers", na, nb2);
		}
	}
	printf("results-cmp: %zu checks, %d values compared, %d differ\n", n, n_values, n_diffs);
	jr_free(&a);
	jr_free(&b);
	return n_diffs ? 1 : 0;
}
