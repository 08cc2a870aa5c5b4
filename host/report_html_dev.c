/* Per device of a run's report: its memory blocks as cells (zone or state) through its
 * first plug-to-removal, where its memmap lives (the leading frames of the device as
 * /proc/kpageflags read them, the placement check's verdict, proven by the probe or
 * inferred), and its teardown sequence as the guest saw it with the order check. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report_html.h"
#include "size.h"
#include "svg.h"

#define DEVS_MAX 32
#define DEV_BLOCKS_MAX 64	/* cells drawn per device */
#define DEV_ROWS_MAX 12

struct rdev {
	char name[32];
	const struct jr_val *place;	/* evidence of "placement NAME", or NULL */
	uint32_t blocks[DEV_BLOCKS_MAX];
	size_t n_blocks;
	const char *blocks_from;	/* how the blocks were found */
};

static struct rdev *dev_get(struct rdev *devs, size_t *n, const char *name, size_t len)
{
	for (size_t i = 0; i < *n; i++)
		if (strlen(devs[i].name) == len && !strncmp(devs[i].name, name, len))
			return &devs[i];
	if (*n == DEVS_MAX || !len || len >= sizeof(devs[0].name))
		return NULL;
	memset(&devs[*n], 0, sizeof(devs[0]));
	memcpy(devs[*n].name, name, len);
	return &devs[(*n)++];
}

static void add_block(struct rdev *v, uint32_t b)
{
	for (size_t i = 0; i < v->n_blocks; i++)
		if (v->blocks[i] == b)
			return;
	if (v->n_blocks < DEV_BLOCKS_MAX)
		v->blocks[v->n_blocks++] = b;
}

static const struct jr_val *sequence(const struct rundoc *d)
{
	const struct jr_val *c = rd_check(d, "teardown order");
	const struct jr_val *s = c ? jr_get(jr_get(c, "evidence"), "sequence") : NULL;

	return s && s->type == JR_ARR ? s : NULL;
}

/* "offline memory32 (d0)", "gone memory32 (d0)": the block and the device. */
static int seq_block(const char *e, uint32_t *block, const char **dev, size_t *len)
{
	const char *m = strstr(e, " memory"), *o = strrchr(e, '(');
	char *end;
	unsigned long b;

	if (!m || !o || !strchr(o, ')'))
		return -1;
	b = strtoul(m + 7, &end, 10);
	if (end == m + 7 || b > UINT32_MAX)
		return -1;
	*block = (uint32_t)b;
	*dev = o + 1;
	*len = (size_t)(strchr(o, ')') - o - 1);
	return 0;
}

/* The devices of the run: from the events, the placement checks and the teardown
 * sequence; their blocks from the placement evidence, else the sequence. */
static size_t find_devs(const struct rundoc *d, struct rdev *devs)
{
	const struct jr_val *cs = rd_checks(d), *seq = sequence(d);
	size_t n = 0;

	for (size_t e = 0; e < d->n_events; e++)
		dev_get(devs, &n, d->events[e].dev, strlen(d->events[e].dev));
	for (size_t i = 0; i < cs->len; i++) {
		const char *nm = jr_str(&cs->items[i], "name", "");
		struct rdev *v;

		if (strncmp(nm, "placement ", 10) ||
		    !(v = dev_get(devs, &n, nm + 10, strlen(nm + 10))))
			continue;
		v->place = jr_get(&cs->items[i], "evidence");
	}
	for (size_t i = 0; seq && i < seq->len; i++) {
		const char *e = seq->items[i].type == JR_STR ? seq->items[i].str : "", *dv;
		struct rdev *v;
		uint32_t b;
		size_t len;

		if (seq_block(e, &b, &dv, &len) == 0) {
			if ((v = dev_get(devs, &n, dv, len)))
				add_block(v, b);
		} else if (strchr(e, ' ')) {
			dev_get(devs, &n, strchr(e, ' ') + 1, strlen(strchr(e, ' ') + 1));
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct rdev *v = &devs[i];
		double base = jr_num(v->place, "base", NAN);
		double bs = jr_num(v->place, "block_size", NAN);
		char sz[32], *o = sz;
		uint64_t size;

		v->blocks_from = v->n_blocks ? "the teardown sequence" : NULL;
		for (const char *p = jr_str(v->place, "size", ""); *p && o < sz + 31; p++)
			if (!isspace((unsigned char)*p))
				*o++ = *p;
		*o = 0;
		if (svg_ok(base) && base >= 0 && bs >= 4096 && parse_size(sz, &size) == 0 &&
		    size >= bs && (base + (double)size) / bs < UINT32_MAX) {
			uint32_t b0 = (uint32_t)(base / bs), nb = (uint32_t)((double)size / bs);

			v->n_blocks = 0;
			for (uint32_t b = 0; b < nb && b < DEV_BLOCKS_MAX; b++)
				add_block(v, b0 + b);
			v->blocks_from = "the placement check (base and size)";
		}
	}
	return n;
}

/* A snapshot about dev: its name ends in "-dev". */
static int about(const char *snap, const char *dev)
{
	size_t a = strlen(snap), b = strlen(dev);

	return a > b + 1 && snap[a - b - 1] == '-' && !strcmp(snap + a - b, dev);
}

/* The snapshots of the device's first plug-to-removal, with one before and one after. */
static size_t lifecycle(const struct rundoc *d, const char *dev, size_t *rows)
{
	double plug = -1, unplug = -1, plug2 = -1;
	size_t n = 0, first = d->n_snaps, last = 0;

	for (size_t e = 0; e < d->n_events; e++) {
		const struct rev *ev = &d->events[e];

		if (strcmp(ev->dev, dev))
			continue;
		if (ev->kind == REV_PLUG && plug < 0)
			plug = ev->x;
		else if (ev->kind == REV_PLUG && plug2 < 0)
			plug2 = ev->x;
		if (ev->kind == REV_UNPLUG && unplug < 0)
			unplug = ev->x;
	}
	for (size_t i = 0; i < d->n_snaps; i++)
		if (about(d->snaps[i].name, dev) && (plug2 < 0 || (double)i < plug2)) {
			first = i < first ? i : first;
			last = i;
		}
	if (first == d->n_snaps)
		return 0;
	if (plug >= 0 && plug + 0.5 < (double)first)
		first = (size_t)(plug + 0.5);
	if (unplug >= 0 && (plug2 < 0 || unplug < plug2) && unplug + 0.5 > (double)last)
		last = (size_t)(unplug + 0.5) < d->n_snaps ? (size_t)(unplug + 0.5) : last;
	else if (last + 1 < d->n_snaps)
		last++;
	if (first > 0)
		first--;
	for (size_t i = first; i <= last && n < DEV_ROWS_MAX; i++)
		if (i == first || i == last || about(d->snaps[i].name, dev))
			rows[n++] = i;
	return n;
}

static const char *cell_colour(const struct mem_block *b)
{
	if (!b)
		return "#ffffff";
	if (b->state == BLOCK_OFFLINE)
		return "#868e96";
	if (b->state == BLOCK_GOING_OFFLINE)
		return "#e67700";
	if (!strcmp(b->zone, "Movable"))
		return "#2b8a3e";
	if (!strcmp(b->zone, "Normal"))
		return "#1f6fb2";
	return "#0b7285";
}

static void block_map(struct xw *w, const struct rundoc *d, const struct rdev *v)
{
	size_t rows[DEV_ROWS_MAX], nr = lifecycle(d, v->name, rows), nb = v->n_blocks;
	double cw = nb > 16 ? 56 : 90, x0 = 190, width;

	if (!nr || !nb) {
		html_note(w, "No block map: %s.", !nb ? "its memory blocks are not recorded"
						       : "no snapshot names this device");
		return;
	}
	width = x0 + cw * (double)nb + 20;
	svg_open(w, width < 600 ? 600 : width, 36 + 24 * (double)nr, "block map");
	for (size_t b = 0; b < nb; b++) {
		char t[32];

		snprintf(t, sizeof(t), "memory%u", v->blocks[b]);
		svg_text(w, x0 + cw * (double)b + cw / 2, 14, "middle", 0, "dark", t);
	}
	for (size_t r = 0; r < nr; r++) {
		const struct rsnap *s = &d->snaps[rows[r]];
		double y = 22 + 24 * (double)r;

		svg_text(w, x0 - 8, y + 15, "end", 0, "dark", s->dir);
		for (size_t b = 0; b < nb; b++) {
			const struct mem_block *mb = s->loaded ? snap_block(&s->s, v->blocks[b])
							       : NULL;
			const char *what = !s->loaded ? "not read" : !mb ? "absent" :
				mb->state == BLOCK_OFFLINE ? "offline" :
				mb->state == BLOCK_GOING_OFFLINE ? "going-offline" : mb->zone;
			char tip[160];

			snprintf(tip, sizeof(tip), "%s: memory%u %s", s->dir, v->blocks[b], what);
			svg_rect(w, x0 + cw * (double)b + 1, y, cw - 2, 20, cell_colour(mb), tip);
			svg_text(w, x0 + cw * (double)b + cw / 2, y + 14, "middle", 0,
				 mb ? "cell" : "dark", what);
		}
	}
	xw_close(w);
	html_note(w, "Rows: the snapshots around its first plug and removal; cells: each block's "
		  "zone when online, else its state (white: absent). Blocks from %s.",
		  v->blocks_from ? v->blocks_from : "?");
}

/* How a frame's flags read: the memmap's own (reserved/owner-private), free, in use, or
 * not backed by a page. */
static const char *frame_class(uint64_t f, const char **colour)
{
	if (f & (KPF_BIT(KPF_NOPAGE) | KPF_BIT(KPF_OFFLINE)))
		return *colour = "#adb5bd", "no page / offline";
	if (f & KPF_BIT(KPF_BUDDY))
		return *colour = "#74c0fc", "free (buddy)";
	if ((f & (KPF_BIT(KPF_RESERVED) | KPF_BIT(KPF_OWNER_PRIVATE))) &&
	    !(f & (KPF_BIT(KPF_LRU) | KPF_BIT(KPF_SLAB))))
		return *colour = "#e8590c", "reserved / owner-private (memmap)";
	return *colour = "#495057", "in use";
}

/* The device's first block as /proc/kpageflags read it while online. */
static void frame_strip(struct xw *w, const struct rundoc *d, const struct rdev *v,
			uint64_t first_pfn, uint64_t pages)
{
	const struct rsnap *s = NULL;
	double width = 1000, x0 = 20;
	uint64_t end = first_pfn + pages, covered = 0, flags, mapcount;

	/* onlined (the memmap's frames read as such), else just plugged */
	for (int pass = 0; pass < 2 && !s; pass++)
		for (size_t i = 0; i < d->n_snaps && !s; i++)
			if (rd_dev_of(d->snaps[i].name, pass ? "pre-online-" : "online-") &&
			    about(d->snaps[i].name, v->name) && d->snaps[i].loaded &&
			    snap_kpage(&d->snaps[i].s, first_pfn, &flags, &mapcount) == 0)
				s = &d->snaps[i];
	if (!s || !pages || end < first_pfn)
		return;
	svg_open(w, width + 2 * x0, 58, "frames of the first block");
	for (size_t i = 0; i < s->s.n_kpage; i++) {
		const struct kpage_run *k = &s->s.kpage[i];
		uint64_t a = k->pfn > first_pfn ? k->pfn : first_pfn;
		uint64_t b = k->pfn + k->count < end ? k->pfn + k->count : end;
		const char *colour, *cls;
		char tip[200];
		double px, pw;

		if (b <= a)
			continue;
		cls = frame_class(k->flags, &colour);
		px = x0 + width * (double)(a - first_pfn) / (double)pages;
		pw = width * (double)(b - a) / (double)pages;
		snprintf(tip, sizeof(tip), "pfn 0x%llx-0x%llx (%llu frames): flags 0x%llx, %s",
			 (unsigned long long)a, (unsigned long long)(b - 1),
			 (unsigned long long)(b - a), (unsigned long long)k->flags, cls);
		svg_rect(w, px, 18, pw < 1.5 ? 1.5 : pw, 22, colour, tip);
		covered += b - a;
	}
	{
		char t[160];

		snprintf(t, sizeof(t), "%s: frames of the first block, pfn 0x%llx + %llu "
			 "(%llu read)",
			 s->dir, (unsigned long long)first_pfn, (unsigned long long)pages,
			 (unsigned long long)covered);
		svg_text(w, x0, 12, "start", 0, "dark", t);
		svg_text(w, x0, 54, "start", 0, "dark", "orange: reserved/owner-private (memmap), "
			 "blue: free, dark: in use, grey: no page");
	}
	xw_close(w);
}

static void memmap(struct xw *w, const struct rundoc *d, const struct rdev *v)
{
	const struct jr_val *p = v->place, *probe = jr_get(p, "probe");
	const char *obs = jr_str(p, "observed", NULL), *method = jr_str(p, "method", "inferred");
	double on = jr_num(p, "memmap_pages_on_device", NAN), bs = jr_num(p, "block_size", NAN);
	double pfn = jr_num(p, "first_pfn", NAN), page = NAN;
	uint64_t ps = 0;

	for (size_t i = 0; i < d->n_snaps && !svg_ok(page); i++)
		if (d->snaps[i].loaded && snap_param_num(&d->snaps[i].s, "page_size", &ps) == 0 &&
		    ps)
			page = (double)ps;
	for (size_t i = 0; i < d->n_snaps && !svg_ok(bs); i++)
		if (d->snaps[i].loaded && d->snaps[i].s.block_size)
			bs = (double)d->snaps[i].s.block_size;
	if (!svg_ok(pfn) && v->n_blocks && svg_ok(page) && svg_ok(bs)) {	/* its blocks' */
		uint32_t b0 = v->blocks[0];

		for (size_t i = 1; i < v->n_blocks; i++)
			b0 = v->blocks[i] < b0 ? v->blocks[i] : b0;
		pfn = (double)b0 * bs / page;
	}
	xw_open(w, "p");
	if (!p || !obs) {
		xw_text(w, "Where its memmap lives: not judged in this run (no placement check); "
			"the frames of its first block as the guest read them:");
		xw_close(w);
		if (svg_ok(pfn) && svg_ok(bs) && svg_ok(page))
			frame_strip(w, d, v, html_u64(pfn), html_u64(bs / page));
		return;
	}
	xw_open(w, "b");
	xw_textf(w, "memmap %s, %s",
		 !strcmp(obs, "on-block") ? "on the block (its leading frames)" :
		 !strcmp(obs, "elsewhere") ? "elsewhere (not on the device)" : obs, method);
	xw_close(w);
	if (!strcmp(obs, "on-block") && svg_ok(on))
		xw_textf(w, ": the first %.0f frames of the device (pfn 0x%llx on) hold it", on,
			 (unsigned long long)html_u64(pfn));
	if (jr_str(probe, "placement", NULL))
		xw_textf(w, "; the probe walked its page tables: %.0f memmap pages, %.0f backed "
			 "inside the device, %.0f outside, first backing pfn 0x%llx (%s mapping)",
			 jr_num(probe, "memmap_pages", NAN), jr_num(probe, "backed_inside", NAN),
			 jr_num(probe, "backed_outside", NAN),
			 (unsigned long long)html_u64(jr_num(probe, "first_backing_pfn", 0)),
			 jr_str(probe, "mapping", "?"));
	else if (jr_str(probe, "unavailable", NULL))
		xw_textf(w, "; no proof: %s", jr_str(probe, "unavailable", ""));
	xw_textf(w, ". Expected %s (from the %s: %s).", jr_str(p, "expected", "?"),
		 jr_str(p, "expected_from", "?"), jr_str(p, "model_says", "?"));
	xw_close(w);
	if (svg_ok(pfn) && svg_ok(bs) && svg_ok(page))
		frame_strip(w, d, v, html_u64(pfn), html_u64(bs / page));
}

/* Its part of the teardown sequence; a sequence repeated over cycles is shown once. */
static void teardown(struct xw *w, const struct rundoc *d, const struct rdev *v)
{
	const struct jr_val *seq = sequence(d);
	const char *mine[512];
	size_t n = 0, cycle = 0, reps = 0;

	for (size_t i = 0; seq && i < seq->len && n < 512; i++) {
		const char *e = seq->items[i].type == JR_STR ? seq->items[i].str : "";
		size_t el = strlen(e), vl = strlen(v->name);
		char paren[48];

		snprintf(paren, sizeof(paren), "(%s)", v->name);
		if ((el > vl && e[el - vl - 1] == ' ' && !strcmp(e + el - vl, v->name)) ||
		    strstr(e, paren))
			mine[n++] = e;
	}
	if (!n) {
		html_note(w, "Teardown: not recorded (no teardown order check in this run).");
		return;
	}
	/* the length of the first cycle (up to the second plug), and how often it repeats */
	for (cycle = 1; cycle < n && strncmp(mine[cycle], "plug ", 5); cycle++)
		;
	for (reps = 1; (reps + 1) * cycle <= n; reps++)
		for (size_t k = 0; k < cycle; k++)
			if (strcmp(mine[k], mine[reps * cycle + k]))
				goto differ;
differ:
	if (reps * cycle != n)
		reps = 1, cycle = n;
	xw_open(w, "div");
	xw_attr(w, "class", "seq");
	xw_text(w, "teardown as the guest saw it: ");
	for (size_t k = 0; k < cycle; k++) {
		if (k)
			xw_text(w, "→");
		xw_elem(w, "span", mine[k]);
	}
	if (reps > 1)
		xw_textf(w, " × %zu (every cycle the same)", reps);
	xw_close(w);
	html_note(w, "plug: attached by the host; online/offline memoryN: done by the testbed "
		  "and seen by the guest; unplug: removal requested; gone: the guest reported the "
		  "block removed; removed: libvirt's DEVICE_REMOVED.");
}

static void order_check(struct xw *w, const struct rundoc *d)
{
	const struct jr_val *c = rd_check(d, "teardown order");

	xw_open(w, "p");
	if (c) {
		html_chip(w, jr_str(c, "verdict", "?"));
		xw_textf(w, " teardown order (rule: %s): %s",
			 jr_str(jr_get(c, "evidence"), "rule", "reverse"),
			 jr_str(c, "summary", ""));
	} else {
		xw_text(w, "No teardown order check in this run.");
	}
	xw_close(w);
}

void html_devices(struct xw *w, const struct rundoc *d)
{
	struct rdev *devs = calloc(DEVS_MAX, sizeof(*devs));
	size_t n = devs ? find_devs(d, devs) : 0;

	html_section(w, "devices", "Devices: blocks, memmap, teardown");
	if (!n)
		html_note(w, "No hot-plugged device in this run.");
	for (size_t i = 0; i < n; i++) {
		const struct rdev *v = &devs[i];

		xw_open(w, "h3");
		xw_textf(w, "%s", v->name);
		if (v->place)
			xw_textf(w, " — %s, %s at 0x%llx, zone %s", jr_str(v->place, "kind", "?"),
				 jr_str(v->place, "size", "?"),
				 (unsigned long long)html_u64(jr_num(v->place, "base", 0)),
				 jr_str(v->place, "zone", "?"));
		xw_close(w);
		block_map(w, d, v);
		memmap(w, d, v);
		teardown(w, d, v);
	}
	if (n)
		order_check(w, d);
	xw_close(w);
	free(devs);
}
