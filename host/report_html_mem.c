/* The memory timeline (one point per snapshot, stacked panels sharing the x axis, events
 * marked, each series' baseline as a dashed line) and the per-cycle trend plots (the
 * series, the fitted line, its noise band, bytes per cycle) of a run's report. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report_html.h"
#include "svg.h"

#define TL_WIDTH 1180
#define TL_PANEL 128		/* px per panel, title included */
#define TL_GAP 16
#define TL_ZONES_MAX 16
#define TL_PANELS_MAX (4 + TL_ZONES_MAX)
#define MIB(kb) ((double)(kb) / 1024.0)

static const char *const palette[] = { "#1f6fb2", "#d9480f", "#2b8a3e", "#862e9c",
				       "#0b7285", "#e67700" };

struct tl_zone {
	int node;
	char name[16];
	double *present, *managed;
	int moves;
};

struct timeline {
	size_t n;
	double *memtotal, *memfree, *sunreclaim, *memmap;
	int have_memmap;
	struct tl_zone zones[TL_ZONES_MAX];
	size_t n_zones;
	const char **labels;
};

static double *nan_array(size_t n)
{
	double *a = malloc((n ? n : 1) * sizeof(*a));

	for (size_t i = 0; a && i < n; i++)
		a[i] = NAN;
	return a;
}

static struct tl_zone *tl_zone(struct timeline *t, const struct zone_stat *z)
{
	for (size_t i = 0; i < t->n_zones; i++)
		if (t->zones[i].node == z->node && !strcmp(t->zones[i].name, z->name))
			return &t->zones[i];
	if (t->n_zones == TL_ZONES_MAX)
		return NULL;
	t->zones[t->n_zones].node = z->node;
	snprintf(t->zones[t->n_zones].name, sizeof(t->zones[0].name), "%s", z->name);
	t->zones[t->n_zones].present = nan_array(t->n);
	t->zones[t->n_zones].managed = nan_array(t->n);
	return &t->zones[t->n_zones++];
}

static int tl_fill(struct timeline *t, const struct rundoc *d)
{
	t->n = d->n_snaps;
	t->memtotal = nan_array(t->n);
	t->memfree = nan_array(t->n);
	t->sunreclaim = nan_array(t->n);
	t->memmap = nan_array(t->n);
	t->labels = calloc(t->n ? t->n : 1, sizeof(*t->labels));
	if (!t->memtotal || !t->memfree || !t->sunreclaim || !t->memmap || !t->labels)
		return -1;
	for (size_t i = 0; i < t->n; i++) {
		const struct snapshot *s = &d->snaps[i].s;
		uint64_t v;

		t->labels[i] = d->snaps[i].dir;
		if (!d->snaps[i].loaded)
			continue;
		if (snap_meminfo(s, "MemTotal", &v) == 0)
			t->memtotal[i] = MIB(v);
		if (snap_free_kb(s, &v, NULL) == 0)
			t->memfree[i] = MIB(v);
		if (snap_meminfo(s, "SUnreclaim", &v) == 0)
			t->sunreclaim[i] = MIB(v);
		/* the kernel's own memmap counter, where it has one (6.11 on) */
		if (snap_vmstat(s, "nr_memmap_pages", &v) == 0 ||
		    snap_vmstat(s, "nr_memmap", &v) == 0) {
			t->memmap[i] = (double)v;
			t->have_memmap = 1;
		}
		for (size_t z = 0; z < s->n_zones; z++) {
			struct tl_zone *tz = tl_zone(t, &s->zones[z]);

			if (!tz || !tz->present || !tz->managed)
				continue;
			tz->present[i] = (double)s->zones[z].present;
			tz->managed[i] = (double)s->zones[z].managed;
		}
	}
	for (size_t z = 0; z < t->n_zones; z++) {
		struct tl_zone *tz = &t->zones[z];
		double lp, hp, lm, hm;

		if (!tz->present || !tz->managed)
			continue;
		if (svg_extent(tz->present, t->n, &lp, &hp) &&
		    svg_extent(tz->managed, t->n, &lm, &hm))
			tz->moves = lp != hp || lm != hm;
		for (size_t i = 0; i < t->n && !tz->moves; i++)	/* appears or vanishes */
			tz->moves = isnan(tz->present[i]) != isnan(tz->present[0]);
	}
	return 0;
}

static void tl_free(struct timeline *t)
{
	free(t->memtotal);
	free(t->memfree);
	free(t->sunreclaim);
	free(t->memmap);
	free(t->labels);
	for (size_t z = 0; z < t->n_zones; z++) {
		free(t->zones[z].present);
		free(t->zones[z].managed);
	}
}

static double at(const double *y, int i)
{
	return i >= 0 ? y[i] : NAN;
}

/* A row of the "baseline → last" table under the plot. */
/* A row of the "baseline → last" table under the plot, in the kernel's units (the plot's
 * values times mul). An exact counter that moved is shown in the FAIL colour. */
static void delta_row(struct xw *w, const char *what, const char *unit, double mul,
		      const double *y, size_t n, int base, int exact)
{
	double b = at(y, base) * mul, l = NAN;

	for (size_t i = n; i-- > 0 && !svg_ok(l);)
		l = y[i] * mul;
	xw_open(w, "tr");
	xw_elem(w, "td", what);
	xw_open(w, "td");
	if (svg_ok(b))
		xw_textf(w, "%.0f %s", b, unit);
	xw_close(w);
	xw_open(w, "td");
	if (svg_ok(l))
		xw_textf(w, "%.0f %s", l, unit);
	xw_close(w);
	xw_open(w, "td");
	if (svg_ok(b) && svg_ok(l)) {
		if (exact && l != b)
			xw_attr(w, "style", "color:" HTML_FAIL ";font-weight:bold");
		xw_textf(w, "%+.0f %s", l - b, unit);
	}
	xw_close(w);
	xw_close(w);
}

void html_timeline(struct xw *w, const struct rundoc *d)
{
	struct svg_panel panels[TL_PANELS_MAX];
	struct svg_series ser[TL_PANELS_MAX][2];
	struct svg_mark *marks = calloc(d->n_events ? d->n_events : 1, sizeof(*marks));
	char (*text)[48] = calloc(d->n_events ? d->n_events : 1, sizeof(*text));
	struct timeline t = { 0 };
	char titles[TL_ZONES_MAX][48], labels[TL_ZONES_MAX][2][48];
	size_t np = 0, nz = 0;
	int b = d->baseline, top;

	html_section(w, "timeline", "Memory timeline");
	if (!d->n_snaps || !marks || !text || tl_fill(&t, d) < 0) {
		html_note(w, "No snapshots in this run dir: nothing to plot.");
		goto cleanup;
	}
#define PANEL(t_, u_)  do { memset(&panels[np], 0, sizeof(panels[np])); \
	panels[np].title = (t_); panels[np].unit = (u_); panels[np].series = ser[np]; } while (0)
#define SERIES(k_, l_, y_) do { ser[np][k_] = (struct svg_series){ (l_), palette[k_], (y_), \
	at((y_), b) }; panels[np].n_series = (k_) + 1; } while (0)
	PANEL("MemTotal", "MiB");
	SERIES(0, "MemTotal", t.memtotal);
	np++;
	PANEL("MemFree + per-cpu lists", "MiB");
	SERIES(0, "MemFree+pcp", t.memfree);
	np++;
	for (size_t z = 0; z < t.n_zones; z++) {
		if (!t.zones[z].moves)
			continue;
		snprintf(titles[nz], sizeof(titles[nz]), "zone %s (node %d)", t.zones[z].name,
			 t.zones[z].node);
		snprintf(labels[nz][0], sizeof(labels[nz][0]), "present");
		snprintf(labels[nz][1], sizeof(labels[nz][1]), "managed");
		PANEL(titles[nz], "pages");
		SERIES(0, labels[nz][0], t.zones[z].present);
		SERIES(1, labels[nz][1], t.zones[z].managed);
		np++;
		nz++;
	}
	if (t.have_memmap) {
		PANEL("nr_memmap_pages (vmstat)", "pages");
		SERIES(0, "nr_memmap_pages", t.memmap);
		np++;
	}
	PANEL("SUnreclaim", "MiB");
	SERIES(0, "SUnreclaim", t.sunreclaim);
	np++;
	for (size_t e = 0; e < d->n_events; e++) {
		marks[e].x = d->events[e].x;
		marks[e].colour = rev_colours[d->events[e].kind];
		if (d->n_events <= 30) {	/* more would overlap: see the legend */
			snprintf(text[e], sizeof(text[e]), "%s %s", rev_names[d->events[e].kind],
				 d->events[e].dev);
			marks[e].label = text[e];
		}
	}
	top = d->n_events && d->n_events <= 30 ? 74 : 10;
	svg_open(w, TL_WIDTH, top + (double)np * (TL_PANEL + TL_GAP) + 150, "memory timeline");
	for (size_t p = 0; p < np; p++) {
		panels[p].n = t.n;
		panels[p].xlabels = t.labels;
		panels[p].marks = marks;
		panels[p].n_marks = d->n_events;
		panels[p].mark_labels = p == 0;
		panels[p].xaxis = p == np - 1;
		panels[p].x = 0;
		panels[p].y = top + (double)p * (TL_PANEL + TL_GAP);
		panels[p].w = TL_WIDTH;
		panels[p].h = TL_PANEL;
		panels[p].bg = HTML_PLOT_BG;
		svg_panel(w, &panels[p]);
	}
	{	/* the legend of the event marks */
		double y = top + (double)np * (TL_PANEL + TL_GAP) + 138, x = 70;

		for (int k = 0; k < REV__COUNT; k++, x += 110) {
			svg_line(w, x, y - 4, x + 20, y - 4, rev_colours[k], 3, 0);
			svg_text(w, x + 26, y, "start", 0, "legend", rev_names[k]);
		}
		svg_text(w, x + 10, y, "start", 0, "legend",
			 "- - - the value at the baseline snapshot");
	}
	xw_close(w);
	html_note(w, "x: the %zu snapshots in the order they were taken; a vertical line is an "
		  "event between two snapshots%s; the dashed line is each series' value at the "
		  "baseline snapshot (%s). Hover a point for its value.", t.n,
		  d->n_events ? "" : " (none found in the snapshot names)",
		  b >= 0 ? d->snaps[b].dir : "none");
	if (t.n_zones > nz) {
		struct strbuf c = STRBUF_INIT;

		for (size_t z = 0; z < t.n_zones; z++)
			if (!t.zones[z].moves)
				sb_addf(&c, "%s%s (node %d) present %.0f managed %.0f",
					c.len ? "; " : "", t.zones[z].name, t.zones[z].node,
					t.zones[z].present[0], t.zones[z].managed[0]);
		html_note(w, "Zones that never moved (pages): %s.", sb_str(&c));
		sb_release(&c);
	}
	xw_open(w, "table");
	xw_raw(w, "<tr><th>series</th><th>baseline</th><th>last snapshot</th><th>change</th></tr>");
	delta_row(w, "MemTotal", "kB", 1024, t.memtotal, t.n, b, 1);
	delta_row(w, "MemFree + per-cpu lists", "kB", 1024, t.memfree, t.n, b, 0);
	for (size_t z = 0; z < t.n_zones; z++) {
		char what[64];

		if (!t.zones[z].moves)
			continue;	/* listed above */
		snprintf(what, sizeof(what), "%s present", t.zones[z].name);
		delta_row(w, what, "pages", 1, t.zones[z].present, t.n, b, 1);
		snprintf(what, sizeof(what), "%s managed", t.zones[z].name);
		delta_row(w, what, "pages", 1, t.zones[z].managed, t.n, b, 1);
	}
	if (t.have_memmap)
		delta_row(w, "nr_memmap_pages", "pages", 1, t.memmap, t.n, b, 1);
	delta_row(w, "SUnreclaim", "kB", 1024, t.sunreclaim, t.n, b, 0);
	xw_close(w);
cleanup:
	xw_close(w);
	tl_free(&t);
	free(marks);
	free(text);
#undef PANEL
#undef SERIES
}

/* One per-cycle sample as the trend oracle takes it (oracle_trend.c: MemFree with the
 * per-cpu lists, "managed" summed over zones, the rest from meminfo). */
static double trend_sample(const struct snapshot *s, const char *metric)
{
	uint64_t x = 0;

	if (!strcmp(metric, "managed")) {
		for (size_t i = 0; i < s->n_zones; i++)
			x += s->zones[i].managed;
		return s->n_zones ? (double)x : NAN;
	}
	if (!strcmp(metric, "MemFree"))
		return snap_free_kb(s, &x, NULL) == 0 ? (double)x : NAN;
	return snap_meminfo(s, metric, &x) == 0 ? (double)x : NAN;
}

/* The snapshots the oracle fitted: the evidence's "of" when it has one, else, of the
 * names taken exactly `samples` times, the one whose first and last samples agree with
 * the evidence of the most trend checks (several names may fit one metric alone). */
static const char *trend_of(const struct rundoc *d, const struct jr_val *ev)
{
	const struct jr_val *cs = rd_checks(d);
	size_t want = (size_t)html_u64(jr_num(ev, "samples", 0));
	const char *best = NULL;
	int best_score = -1;

	if (jr_str(ev, "of", NULL))
		return jr_str(ev, "of", NULL);
	for (size_t i = 0; i < d->n_snaps; i++) {
		const char *nm = d->snaps[i].name;
		size_t n = 0, first = i, last = i;
		int score = 0;

		for (size_t k = 0; k < i; k++)
			if (!strcmp(d->snaps[k].name, nm))
				goto next;	/* judged already */
		for (size_t k = i; k < d->n_snaps; k++)
			if (!strcmp(d->snaps[k].name, nm)) {
				last = k;
				n++;
			}
		if (n != want || !d->snaps[first].loaded || !d->snaps[last].loaded)
			continue;
		for (size_t c = 0; c < cs->len; c++) {
			const char *cn = jr_str(&cs->items[c], "name", "");
			const struct jr_val *e = jr_get(&cs->items[c], "evidence");

			if (strncmp(cn, "trend ", 6) || !e)
				continue;
			score += trend_sample(&d->snaps[first].s, cn + 6) ==
					 jr_num(e, "first", NAN) &&
				 trend_sample(&d->snaps[last].s, cn + 6) == jr_num(e, "last", NAN);
		}
		if (score > best_score) {
			best = nm;
			best_score = score;
		}
next:;
	}
	return best;
}

static void trend_one(struct xw *w, const struct rundoc *d, const struct jr_val *c)
{
	const char *metric = jr_str(c, "name", "trend ?") + 6;
	const struct jr_val *ev = jr_get(c, "evidence");
	const char *of = ev ? trend_of(d, ev) : NULL, *unit = jr_str(ev, "unit", "");
	double slope = jr_num(ev, "slope_per_cycle", NAN), se = jr_num(ev, "slope_se", NAN);
	double *y = nan_array(d->n_snaps), sy = 0, a;
	const char **lab = calloc(d->n_snaps ? d->n_snaps : 1, sizeof(*lab));
	char (*names)[16] = calloc(d->n_snaps ? d->n_snaps : 1, sizeof(*names));
	struct svg_series s = { metric, palette[0], y, NAN };
	struct svg_panel p = { 0 };
	size_t n = 0;
	char n1[32], n2[32], n3[32];

	xw_open(w, "div");
	xw_attr(w, "class", "trend");
	xw_open(w, "h3");
	html_chip(w, jr_str(c, "verdict", "?"));
	xw_textf(w, " %s", jr_str(c, "name", "?"));
	xw_close(w);
	for (size_t i = 0; y && lab && names && of && i < d->n_snaps; i++)
		if (!strcmp(d->snaps[i].name, of) && d->snaps[i].loaded) {
			y[n] = trend_sample(&d->snaps[i].s, metric);
			snprintf(names[n], sizeof(names[n]), "cycle %zu", n + 1);
			lab[n] = names[n];
			sy += svg_ok(y[n]) ? y[n] : 0;
			n++;
		}
	if (!n) {
		html_note(w, "The per-cycle snapshots of this check were not found%s.",
			  ev ? "" : " (its evidence is not recorded)");
	} else {
		/* the oracle's line: its intercept if it says, else least squares' */
		a = jr_get(ev, "intercept") ? jr_num(ev, "intercept", NAN)
					    : sy / (double)n - slope * (double)(n - 1) / 2;
		p = (struct svg_panel){ .title = metric, .unit = unit, .n = n, .series = &s,
			.n_series = 1, .xlabels = lab, .xaxis = 1, .fit = svg_ok(slope),
			.fit_a = a, .fit_b = slope, .band_slope = 3 * se, .w = 580, .h = 190 };
		svg_open(w, 580, 250, "per-cycle trend");
		svg_panel(w, &p);
		xw_close(w);
	}
	xw_open(w, "p");
	xw_textf(w, "%s. Fitted over %zu snapshots named “%s”: %s %s per cycle (± %s standard "
		 "error), %s bytes per cycle; the shaded band is the fitted slope ± 3 standard "
		 "errors through the mean.", jr_str(c, "summary", ""), n, of ? of : "?",
		 svg_num(slope, n1, sizeof(n1)), unit, svg_num(se, n2, sizeof(n2)),
		 svg_num(jr_num(ev, "bytes_per_cycle", NAN), n3, sizeof(n3)));
	xw_close(w);
	xw_close(w);
	free(y);
	free(lab);
	free(names);
}

void html_trends(struct xw *w, const struct rundoc *d)
{
	const struct jr_val *cs = rd_checks(d);
	int any = 0;

	for (size_t i = 0; i < cs->len; i++) {
		if (strncmp(jr_str(&cs->items[i], "name", ""), "trend ", 6))
			continue;
		if (!any++) {
			html_section(w, "trend", "Per-cycle trend");
			xw_open(w, "div");
			xw_attr(w, "style", "display:flex;flex-wrap:wrap;gap:0 24px");
		}
		trend_one(w, d, &cs->items[i]);
	}
	if (any) {
		xw_close(w);
		xw_close(w);
	}
}
