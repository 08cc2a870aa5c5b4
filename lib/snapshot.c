/*
 * The snapshot model: loaders (bundle, directory), the table of known files, lookups.
 * The per-file text parsers are in snapshot_parse.c.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bundle.h"
#include "snapshot.h"
#include "snapshot_int.h"
#include "strbuf.h"

static void reset_meminfo(struct snapshot *s)
{
	free(s->meminfo);
	s->meminfo = NULL;
	s->n_meminfo = 0;
}

static void reset_vmstat(struct snapshot *s)
{
	free(s->vmstat);
	s->vmstat = NULL;
	s->n_vmstat = 0;
}

static void reset_mm(struct snapshot *s)
{
	free(s->mm);
	s->mm = NULL;
	s->n_mm = 0;
}

static void reset_zones(struct snapshot *s)
{
	free(s->zones);
	s->zones = NULL;
	s->n_zones = 0;
}

static void reset_blocks(struct snapshot *s)
{
	free(s->blocks);
	s->blocks = NULL;
	s->n_blocks = 0;
	s->block_size = 0;
}

static void reset_iomem(struct snapshot *s)
{
	free(s->iomem);
	s->iomem = NULL;
	s->n_iomem = 0;
}

static void reset_kpage(struct snapshot *s)
{
	free(s->kpage);
	s->kpage = NULL;
	s->n_kpage = 0;
}

static void reset_params(struct snapshot *s)
{
	free(s->params_num);
	s->params_num = NULL;
	s->n_params_num = 0;
	free(s->params);
	s->params = NULL;
}

static void reset_dmesg(struct snapshot *s)
{
	free(s->dmesg);
	s->dmesg = NULL;
}

/* The one table of snapshot files: bundle name, parser, and how to empty its part. */
static const struct snap_file {
	const char *name;
	int (*parse)(struct snapshot *s, struct snap_cur *c, const char *data, size_t len);
	void (*reset)(struct snapshot *s);
} snap_files[] = {
	{ "meminfo", snap_parse_meminfo, reset_meminfo },
	{ "vmstat", snap_parse_vmstat, reset_vmstat },
	{ "mm", snap_parse_mm, reset_mm },
	{ "zoneinfo", snap_parse_zoneinfo, reset_zones },
	{ "iomem", snap_parse_iomem, reset_iomem },
	{ "blocks", snap_parse_blocks, reset_blocks },
	{ "kpage", snap_parse_kpage, reset_kpage },
	{ "params", snap_parse_params, reset_params },
	{ "dmesg", snap_parse_dmesg, reset_dmesg },
};
#define N_FILES (sizeof(snap_files) / sizeof(snap_files[0]))

static const struct snap_file *find_file(const char *name)
{
	size_t i;

	for (i = 0; i < N_FILES; i++)
		if (!strcmp(snap_files[i].name, name))
			return &snap_files[i];
	return NULL;
}

/* Parses one known file, naming it `label` in messages; the part is empty on error. */
static int parse_labelled(struct snapshot *s, const struct snap_file *f, const char *label,
			  const char *data, size_t len, char *err, size_t errlen)
{
	struct snap_cur c = { .file = label, .line = 0, .err = err, .errlen = errlen };
	int r;

	f->reset(s);
	if (!data)
		len = 0;
	if (len > SNAP_FILE_MAX)
		return snap_fail(&c, -EFBIG, "file too big (%zu bytes, max %u)", len,
				 SNAP_FILE_MAX);
	r = f->parse(s, &c, data ? data : "", len);
	if (r)
		f->reset(s);
	return r;
}

int snapshot_parse_file(struct snapshot *s, const char *name, const char *data, size_t len,
			char *err, size_t errlen)
{
	const struct snap_file *f = find_file(name);

	if (!f)
		return 0;	/* unknown files are ignored */
	return parse_labelled(s, f, name, data, len, err, errlen);
}

/* Absent params/dmesg read as "" (see snapshot.h). */
static int finish(struct snapshot *s)
{
	if (!s->params && !(s->params = strdup("")))
		return -ENOMEM;
	if (!s->dmesg && !(s->dmesg = strdup("")))
		return -ENOMEM;
	return 0;
}

__attribute__((format(printf, 3, 4)))
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int snapshot_parse_bundle(struct snapshot *s, const char *payload, size_t len,
			  char *err, size_t errlen)
{
	struct bundle_iter it;
	struct bundle_file f;
	int r;

	memset(s, 0, sizeof(*s));
	bundle_iter_init(&it, payload ? payload : "", payload ? len : 0);
	while ((r = bundle_next(&it, &f)) == 1) {
		r = snapshot_parse_file(s, f.name, f.data, f.len, err, errlen);
		if (r)
			goto cleanup;
	}
	if (r < 0) {
		set_err(err, errlen, "bundle: %s", it.err);
		r = -EPROTO;
		goto cleanup;
	}
	r = finish(s);
	if (r)
		set_err(err, errlen, "bundle: %s", strerror(-r));
cleanup:
	if (r)
		snapshot_free(s);
	return r;
}

int snapshot_load_dir(struct snapshot *s, const char *dir, char *err, size_t errlen)
{
	struct strbuf sb = STRBUF_INIT;
	char path[4096];
	const char *base;
	size_t i, dlen;
	DIR *d;
	int r = 0;

	memset(s, 0, sizeof(*s));
	d = opendir(dir);
	if (!d) {
		r = -errno;
		set_err(err, errlen, "%s: %s", dir, strerror(-r));
		return r;
	}
	closedir(d);
	dlen = strlen(dir);
	while (dlen > 1 && dir[dlen - 1] == '/')
		dlen--;
	for (base = dir + dlen; base > dir && base[-1] != '/'; base--)
		;
	snprintf(s->name, sizeof(s->name), "%.*s", (int)(dir + dlen - base), base);
	for (i = 0; i < N_FILES; i++) {
		const struct snap_file *f = &snap_files[i];

		if ((size_t)snprintf(path, sizeof(path), "%.*s/%s", (int)dlen, dir, f->name) >=
		    sizeof(path)) {
			r = -ENAMETOOLONG;
			set_err(err, errlen, "%s: %s", dir, strerror(-r));
			goto cleanup;
		}
		sb_reset(&sb);
		r = sb_read_file(&sb, path, SNAP_FILE_MAX);
		if (r == -ENOENT) {
			r = 0;
			continue;
		}
		if (r) {
			set_err(err, errlen, "%s: %s", path, strerror(-r));
			goto cleanup;
		}
		r = parse_labelled(s, f, path, sb.buf, sb.len, err, errlen);
		if (r)
			goto cleanup;
	}
	r = finish(s);
	if (r)
		set_err(err, errlen, "%s: %s", dir, strerror(-r));
cleanup:
	sb_release(&sb);
	if (r)
		snapshot_free(s);
	return r;
}

void snapshot_free(struct snapshot *s)
{
	size_t i;

	for (i = 0; i < N_FILES; i++)
		snap_files[i].reset(s);
	memset(s, 0, sizeof(*s));
}

static int kv_find(const struct kv *kv, size_t n, const char *key, uint64_t *v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(kv[i].key, key)) {
			*v = kv[i].val;
			return 0;
		}
	return -ENOENT;
}

int snap_meminfo(const struct snapshot *s, const char *key, uint64_t *kb)
{
	return kv_find(s->meminfo, s->n_meminfo, key, kb);
}

int snap_free_kb(const struct snapshot *s, uint64_t *kb, uint64_t *pcp_kb)
{
	uint64_t free = 0, page_size, pcp = 0;

	if (snap_param_num(s, "page_size", &page_size) < 0 || page_size < 1024)
		return -ENOENT;
	/* the zones' "pages free", read with their per-cpu lists in the one pass of
	 * /proc/zoneinfo: MemFree comes from /proc/meminfo, read before it, and a per-cpu
	 * list refilled in between (the zoneinfo read's own buffer can do it) is counted
	 * twice, once in each (a batch: ~300 kB on 7.2's x86_64 guests) */
	for (size_t i = 0; i < s->n_zones; i++) {
		free += s->zones[i].free;
		pcp += s->zones[i].pcp;
	}
	free *= page_size >> 10;
	pcp *= page_size >> 10;
	if (!s->n_zones && snap_meminfo(s, "MemFree", &free) < 0)
		return -ENOENT;
	*kb = free + pcp;
	if (pcp_kb)
		*pcp_kb = pcp;
	return 0;
}

int snap_vmstat(const struct snapshot *s, const char *key, uint64_t *v)
{
	return kv_find(s->vmstat, s->n_vmstat, key, v);
}

int snap_mm(const struct snapshot *s, const char *key, uint64_t *v)
{
	return kv_find(s->mm, s->n_mm, key, v);
}

int snap_param_num(const struct snapshot *s, const char *key, uint64_t *v)
{
	return kv_find(s->params_num, s->n_params_num, key, v);
}

const struct zone_stat *snap_zone(const struct snapshot *s, int node, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_zones; i++)
		if (s->zones[i].node == node && !strcmp(s->zones[i].name, name))
			return &s->zones[i];
	return NULL;
}

const struct mem_block *snap_block(const struct snapshot *s, uint32_t index)
{
	size_t i;

	for (i = 0; i < s->n_blocks; i++)
		if (s->blocks[i].index == index)
			return &s->blocks[i];
	return NULL;
}

int snap_param(const struct snapshot *s, const char *key, char *out, size_t outlen)
{
	const char *p = s->params, *nl;
	size_t klen = strlen(key), vlen;

	for (; p && *p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (strncmp(p, key, klen) || p[klen] != '=')
			continue;
		p += klen + 1;
		vlen = nl ? (size_t)(nl - p) : strlen(p);
		if (!out || !outlen)
			return vlen ? -ERANGE : 0;
		snprintf(out, outlen, "%.*s", (int)vlen, p);
		return vlen < outlen ? 0 : -ERANGE;
	}
	return -ENOENT;
}

static int run_has(const struct kpage_run *k, uint64_t pfn)
{
	return pfn >= k->pfn && pfn - k->pfn < k->count;
}

/* Binary search over the sorted runs; overlapping runs (ranges requested twice) fall
 * back to a scan. */
int snap_kpage(const struct snapshot *s, uint64_t pfn, uint64_t *flags, uint64_t *mapcount)
{
	const struct kpage_run *k = NULL;
	size_t lo = 0, hi = s->n_kpage, i;

	while (lo < hi) {	/* first run starting above pfn */
		size_t mid = lo + (hi - lo) / 2;

		if (s->kpage[mid].pfn <= pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && run_has(&s->kpage[lo - 1], pfn))
		k = &s->kpage[lo - 1];
	for (i = 0; !k && i < lo; i++)
		if (run_has(&s->kpage[i], pfn))
			k = &s->kpage[i];
	if (!k)
		return -ENOENT;
	if (flags)
		*flags = k->flags;
	if (mapcount)
		*mapcount = k->mapcount;
	return 0;
}

uint64_t snap_iomem_bytes(const struct snapshot *s, const char *name, uint64_t start,
			  uint64_t end)
{
	uint64_t sum = 0, lo, hi;
	size_t i;

	for (i = 0; i < s->n_iomem; i++) {
		const struct iomem_range *r = &s->iomem[i];

		if (r->depth || strcmp(r->name, name) || r->end < start || r->start > end)
			continue;
		lo = r->start > start ? r->start : start;
		hi = r->end < end ? r->end : end;
		if (hi - lo >= UINT64_MAX - sum)
			return UINT64_MAX;
		sum += hi - lo + 1;
	}
	return sum;
}
