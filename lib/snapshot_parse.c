/*
 * Parsers for the snapshot files (formats in snapshot.h). They work on spans of the
 * input, never read past it, bound every array, and name "file:line" in every error.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "size.h"
#include "snapshot_int.h"

/* "Key:   123 kB" or "Key:   123" */
int snap_parse_meminfo(struct snapshot *s, struct snap_cur *c, const char *data, size_t len)
{
	struct lines it = { data, data + len };
	struct tok l, w[4], key;
	const char *colon;
	size_t nw, alloc = 0;
	uint64_t v;
	char sb[32];
	int r;

	while (snap_next_line(c, &it, &l)) {
		if (snap_empty(l))
			continue;
		colon = memchr(l.p, ':', l.n);
		if (!colon)
			return snap_fail(c, -EPROTO, "missing ':'");
		key = (struct tok){ l.p, (size_t)(colon - l.p) };
		nw = snap_split((struct tok){ colon + 1, l.n - key.n - 1 }, w, 3);
		if (nw == 0)
			return snap_fail(c, -EPROTO, "missing value");
		if (nw > 2 || (nw == 2 && !snap_tok_is(w[1], "kB")))
			return snap_fail(c, -EPROTO, "unexpected %s after the value",
					 snap_show(w[nw > 2 ? 2 : 1], sb, sizeof(sb)));
		r = snap_tok_u64(c, w[0], SNAP_MEM_MAX, &v, "value");
		if (!r)
			r = snap_kv_add(c, &s->meminfo, &s->n_meminfo, &alloc, key, v,
					SNAP_KV_MAX, "meminfo keys");
		if (r)
			return r;
	}
	return 0;
}

/* "key value" lines into *kv (vmstat, mm) */
static int parse_kv_lines(struct snap_cur *c, const char *data, size_t len, struct kv **kv,
			  size_t *n, const char *what)
{
	struct lines it = { data, data + len };
	struct tok l, w[3];
	size_t nw, alloc = 0;
	uint64_t v;
	char sb[32];
	int r;

	while (snap_next_line(c, &it, &l)) {
		nw = snap_split(l, w, 2);
		if (nw == 0)
			continue;
		if (nw == 1)
			return snap_fail(c, -EPROTO, "missing value");
		if (nw > 2)
			return snap_fail(c, -EPROTO, "unexpected %s after the value",
					 snap_show(w[2], sb, sizeof(sb)));
		r = snap_tok_u64(c, w[1], INT64_MAX, &v, "value");
		if (!r)
			r = snap_kv_add(c, kv, n, &alloc, w[0], v, SNAP_KV_MAX, what);
		if (r)
			return r;
	}
	return 0;
}

int snap_parse_vmstat(struct snapshot *s, struct snap_cur *c, const char *data, size_t len)
{
	return parse_kv_lines(c, data, len, &s->vmstat, &s->n_vmstat, "vmstat keys");
}

int snap_parse_mm(struct snapshot *s, struct snap_cur *c, const char *data, size_t len)
{
	return parse_kv_lines(c, data, len, &s->mm, &s->n_mm, "mm keys");
}

enum { Z_FREE = 1, Z_SPANNED = 2, Z_PRESENT = 4, Z_MANAGED = 8, Z_ALL = 15 };

/* The zone counters we keep, in bit order. */
static const struct { const char *key; unsigned bit; size_t off; } zone_fields[] = {
	{ "pages free", Z_FREE, offsetof(struct zone_stat, free) },
	{ "spanned", Z_SPANNED, offsetof(struct zone_stat, spanned) },
	{ "present", Z_PRESENT, offsetof(struct zone_stat, present) },
	{ "managed", Z_MANAGED, offsetof(struct zone_stat, managed) },
};

/* A populated zone must have shown all four counters. */
static int zone_done(struct snap_cur *c, const struct zone_stat *z, unsigned seen,
		     unsigned hdr_line)
{
	unsigned line = c->line, i;

	if (!z || !seen || seen == Z_ALL || ((seen & Z_PRESENT) && !z->present))
		return 0;	/* complete, or unpopulated and printed short */
	for (i = 0; seen & (1u << i); i++)
		;
	c->line = hdr_line;
	snap_fail(c, -EPROTO, "node %d zone %s: missing %s", z->node, z->name,
		  zone_fields[i].key);
	c->line = line;
	return -EPROTO;
}

/* "Node N, zone NAME" */
static int zone_header(struct snapshot *s, struct snap_cur *c, const struct tok *w, size_t nw,
		       size_t *alloc)
{
	struct zone_stat z = { 0 };
	uint64_t node;
	size_t i;
	int r;

	if (nw != 4 || !snap_tok_is(w[0], "Node") || !snap_tok_is(w[2], "zone") || w[1].n < 2 ||
	    w[1].p[w[1].n - 1] != ',')
		return snap_fail(c, -EPROTO, "expected \"Node N, zone NAME\"");
	r = snap_tok_u64(c, (struct tok){ w[1].p, w[1].n - 1 }, 65535, &node, "node");
	if (!r)
		r = snap_tok_name(c, w[3], z.name, sizeof(z.name), "zone name");
	if (r)
		return r;
	z.node = (int)node;
	for (i = 0; i < s->n_zones; i++)
		if (s->zones[i].node == z.node && !strcmp(s->zones[i].name, z.name))
			return snap_fail(c, -EPROTO, "duplicate zone %s of node %d", z.name,
					 z.node);
	r = snap_grow(c, &s->zones, alloc, s->n_zones, sizeof(z), SNAP_ZONES_MAX, "zones");
	if (r)
		return r;
	s->zones[s->n_zones++] = z;
	return 0;
}

int snap_parse_zoneinfo(struct snapshot *s, struct snap_cur *c, const char *data, size_t len)
{
	struct lines it = { data, data + len };
	struct zone_stat *z = NULL;
	struct tok l, w[5];
	size_t nw, alloc = 0, f, vi;
	unsigned seen = 0, hdr_line = 0;
	uint64_t v;
	int r;

	while (snap_next_line(c, &it, &l)) {
		nw = snap_split(l, w, 4);
		if (nw == 0)
			continue;
		if (!z || snap_tok_is(w[0], "Node")) {
			r = zone_done(c, z, seen, hdr_line);
			if (!r)
				r = zone_header(s, c, w, nw, &alloc);
			if (r)
				return r;
			z = &s->zones[s->n_zones - 1];
			seen = 0;
			hdr_line = c->line;
			continue;
		}
		if (snap_tok_is(w[0], "count:")) {	/* a pageset's pages, one per cpu */
			if (nw != 2)
				return snap_fail(c, -EPROTO, "count: expected one number");
			r = snap_tok_u64(c, w[1], UINT32_MAX, &v, "count");
			if (r)
				return r;
			z->pcp += v;
			continue;
		}
		if (snap_tok_is(w[0], "pages") && nw >= 2 && snap_tok_is(w[1], "free")) {
			f = 0;
			vi = 2;
		} else {
			for (f = 1; f < 4 && !snap_tok_is(w[0], zone_fields[f].key); f++)
				;
			if (f == 4)
				continue;	/* not a counter we use */
			vi = 1;
		}
		if (nw != vi + 1)
			return snap_fail(c, -EPROTO, "%s: expected one number", zone_fields[f].key);
		if (seen & zone_fields[f].bit)
			return snap_fail(c, -EPROTO, "duplicate %s", zone_fields[f].key);
		r = snap_tok_u64(c, w[vi], SNAP_MEM_MAX, &v, zone_fields[f].key);
		if (r)
			return r;
		seen |= zone_fields[f].bit;
		*(uint64_t *)((char *)z + zone_fields[f].off) = v;
	}
	return zone_done(c, z, seen, hdr_line);
}

/* "  00000000-00000fff : Reserved", two spaces of indentation per level */
int snap_parse_iomem(struct snapshot *s, struct snap_cur *c, const char *data, size_t len)
{
	struct lines it = { data, data + len };
	struct iomem_range *e;
	struct tok l, a, b;
	const char *p, *end, *dash, *sep;
	size_t sp, alloc = 0, n;
	int prev = -1, r;

	while (snap_next_line(c, &it, &l)) {
		if (snap_empty(l))
			continue;
		for (sp = 0; sp < l.n && l.p[sp] == ' '; sp++)
			;
		if (sp % 2 || (int)(sp / 2) > prev + 1 || sp / 2 > 16)
			return snap_fail(c, -EPROTO, "bad indentation (%zu spaces)", sp);
		p = l.p + sp;
		end = l.p + l.n;
		dash = memchr(p, '-', (size_t)(end - p));
		sep = dash ? memchr(dash, ' ', (size_t)(end - dash)) : NULL;
		if (!dash || !sep || end - sep < 3 || memcmp(sep, " : ", 3))
			return snap_fail(c, -EPROTO, "expected \"start-end : name\"");
		a = (struct tok){ p, (size_t)(dash - p) };
		b = (struct tok){ dash + 1, (size_t)(sep - dash - 1) };
		r = snap_grow(c, &s->iomem, &alloc, s->n_iomem, sizeof(*e), SNAP_IOMEM_MAX,
			      "iomem ranges");
		if (r)
			return r;
		e = &s->iomem[s->n_iomem];
		r = snap_tok_hex(c, a, &e->start, "start address");
		if (!r)
			r = snap_tok_hex(c, b, &e->end, "end address");
		if (r)
			return r;
		if (e->start > e->end)
			return snap_fail(c, -EPROTO, "start above end");
		e->depth = (int)(sp / 2);
		n = (size_t)(end - sep - 3);
		if (n >= sizeof(e->name))
			n = sizeof(e->name) - 1;	/* long device names are cut */
		memcpy(e->name, sep + 3, n);
		e->name[n] = '\0';
		if (memchr(e->name, '\0', n))
			return snap_fail(c, -EPROTO, "nul byte in name");
		prev = e->depth;
		s->n_iomem++;
	}
	return 0;
}

/* "block_size <bytes>" then "<index> <state> <zone>" */
int snap_parse_blocks(struct snapshot *s, struct snap_cur *c, const char *data, size_t len)
{
	static const char *const states[] = { "offline", "online", "going-offline" };
	struct lines it = { data, data + len };
	struct mem_block *b;
	struct tok l, w[4];
	size_t nw, alloc = 0, i;
	uint64_t v;
	char sb[32];
	int r;

	while (snap_next_line(c, &it, &l)) {
		nw = snap_split(l, w, 3);
		if (nw == 0)
			continue;
		if (!s->block_size) {
			if (nw != 2 || !snap_tok_is(w[0], "block_size"))
				return snap_fail(c, -EPROTO, "expected \"block_size <bytes>\"");
			r = snap_tok_u64(c, w[1], UINT64_MAX, &s->block_size, "block size");
			if (!r && !s->block_size)
				r = snap_fail(c, -EPROTO, "block size is 0");
			if (r)
				return r;
			continue;
		}
		if (nw != 3)
			return snap_fail(c, -EPROTO, "expected \"<index> <state> <zone>\"");
		if (snap_tok_is(w[1], "absent"))
			continue;	/* removed while the agent listed the blocks */
		r = snap_grow(c, &s->blocks, &alloc, s->n_blocks, sizeof(*b), SNAP_BLOCKS_MAX,
			      "memory blocks");
		if (r)
			return r;
		b = &s->blocks[s->n_blocks];
		r = snap_tok_u64(c, w[0], UINT32_MAX, &v, "block index");
		if (!r)
			r = snap_tok_name(c, w[2], b->zone, sizeof(b->zone), "zone");
		if (r)
			return r;
		b->index = (uint32_t)v;
		for (i = 0; i < 3 && !snap_tok_is(w[1], states[i]); i++)
			;
		if (i == 3)
			return snap_fail(c, -EPROTO, "bad state: %s", snap_show(w[1], sb, sizeof(sb)));
		b->state = (enum block_state)i;
		for (i = 0; i < s->n_blocks; i++)
			if (s->blocks[i].index == b->index)
				return snap_fail(c, -EPROTO, "duplicate block %u", b->index);
		s->n_blocks++;
	}
	return 0;
}

static int run_cmp(const void *a, const void *b)
{
	const struct kpage_run *x = a, *y = b;

	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

/* "<pfn> <count> <flags-hex> <mapcount>"; runs are kept sorted by pfn for lookups */
int snap_parse_kpage(struct snapshot *s, struct snap_cur *c, const char *data, size_t len)
{
	struct lines it = { data, data + len };
	struct kpage_run *k;
	struct tok l, w[5];
	size_t nw, alloc = 0;
	int r, sorted = 1;

	while (snap_next_line(c, &it, &l)) {
		nw = snap_split(l, w, 4);
		if (nw == 0)
			continue;
		if (nw != 4)
			return snap_fail(c, -EPROTO, "expected \"<pfn> <count> <flags> <mapcount>\"");
		r = snap_grow(c, &s->kpage, &alloc, s->n_kpage, sizeof(*k), SNAP_KPAGE_MAX,
			      "kpage runs");
		if (r)
			return r;
		k = &s->kpage[s->n_kpage];
		r = snap_tok_u64(c, w[0], UINT64_MAX, &k->pfn, "pfn");
		if (!r)
			r = snap_tok_u64(c, w[1], UINT64_MAX - k->pfn, &k->count, "count");
		if (!r)
			r = snap_tok_hex(c, w[2], &k->flags, "flags");
		if (!r)
			r = snap_tok_u64(c, w[3], UINT64_MAX, &k->mapcount, "mapcount");
		if (!r && !k->count)
			r = snap_fail(c, -EPROTO, "count is 0");
		if (r)
			return r;
		if (s->n_kpage && k->pfn < k[-1].pfn)
			sorted = 0;
		s->n_kpage++;
	}
	if (!sorted)
		qsort(s->kpage, s->n_kpage, sizeof(*s->kpage), run_cmp);
	return 0;
}

/* "key=value"; numeric values also go to params_num */
int snap_parse_params(struct snapshot *s, struct snap_cur *c, const char *data, size_t len)
{
	struct lines it = { data, data + len };
	struct tok l, key;
	const char *eq;
	char (*keys)[sizeof(s->params_num->key)], val[24];
	size_t alloc = 0, n = 0, i, vlen;
	uint64_t v;
	int r = 0;

	keys = malloc(SNAP_PARAMS_MAX * sizeof(*keys));
	if (!keys)
		return snap_fail(c, -ENOMEM, "out of memory");
	while (snap_next_line(c, &it, &l)) {
		if (memchr(l.p, '\0', l.n)) {
			r = snap_fail(c, -EPROTO, "nul byte");
			goto cleanup;
		}
		if (snap_empty(l))
			continue;
		if (n == SNAP_PARAMS_MAX) {
			r = snap_fail(c, -E2BIG, "more than %d params", SNAP_PARAMS_MAX);
			goto cleanup;
		}
		eq = memchr(l.p, '=', l.n);
		if (!eq) {
			r = snap_fail(c, -EPROTO, "expected \"key=value\"");
			goto cleanup;
		}
		key = (struct tok){ l.p, (size_t)(eq - l.p) };
		r = snap_tok_name(c, key, keys[n], sizeof(keys[n]), "key");
		if (r)
			goto cleanup;
		for (i = 0; i < n; i++)
			if (!strcmp(keys[i], keys[n])) {
				r = snap_fail(c, -EPROTO, "duplicate key %s", keys[n]);
				goto cleanup;
			}
		n++;
		vlen = (size_t)(l.p + l.n - eq - 1);
		if (vlen >= sizeof(val))
			continue;
		memcpy(val, eq + 1, vlen);
		val[vlen] = '\0';
		if (parse_u64(val, 0, UINT64_MAX, &v))
			continue;
		r = snap_kv_add(c, &s->params_num, &s->n_params_num, &alloc, key, v,
				SNAP_PARAMS_MAX, "numeric params");
		if (r)
			goto cleanup;
	}
	s->params = strndup(data, len);
	if (!s->params)
		r = snap_fail(c, -ENOMEM, "out of memory");
cleanup:
	free(keys);
	return r;
}

int snap_parse_dmesg(struct snapshot *s, struct snap_cur *c, const char *data, size_t len)
{
	s->dmesg = malloc(len + 1);
	if (!s->dmesg)
		return snap_fail(c, -ENOMEM, "out of memory");
	memcpy(s->dmesg, data, len);
	s->dmesg[len] = '\0';
	return 0;
}
