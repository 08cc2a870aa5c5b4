/* SVG scales, ticks and plot panels (see svg.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "svg.h"

#define SVG_MAX 1e300		/* beyond it a value is treated as missing */
#define PANEL_L 70		/* px left of the plot area: tick labels */
#define PANEL_R 96		/* px right of it: baseline labels */
#define PANEL_T 22		/* px above it: title and legend */

int svg_ok(double v)
{
	return isfinite(v) && fabs(v) <= SVG_MAX;
}

size_t svg_extent(const double *v, size_t n, double *lo, double *hi)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (!svg_ok(v[i]))
			continue;
		if (!k || v[i] < *lo)
			*lo = v[i];
		if (!k || v[i] > *hi)
			*hi = v[i];
		k++;
	}
	return k;
}

int svg_ticks(double *lo, double *hi, int want, double t[SVG_TICKS_MAX])
{
	double a = *lo, b = *hi, step, mag, f;
	int n = 0;

	if (!svg_ok(a) || !svg_ok(b))
		a = 0, b = 0;
	if (a > b) {
		double x = a;

		a = b, b = x;
	}
	/* flat (or flat within what a double tells apart): a margin around it */
	if (b - a <= fmax(fabs(a), fabs(b)) * 1e-9) {
		double m = fmax(fmax(fabs(a), fabs(b)) * 0.01, 1);

		a -= m, b += m;
	}
	want = want < 2 ? 2 : want > 8 ? 8 : want;
	step = (b - a) / want;
	mag = pow(10, floor(log10(step)));
	f = step / mag;
	step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
	a = floor(a / step) * step;
	b = ceil(b / step) * step;
	for (int i = 0; n < SVG_TICKS_MAX; i++) {
		double v = a + i * step;

		if (v > b + step * 1e-6 || (n && v <= t[n - 1]))
			break;
		t[n++] = fabs(v) < step * 1e-9 ? 0 : v;	/* no "-0" or 1e-17 for zero */
	}
	if (n < 2) {
		t[0] = a, t[1] = a + step > a ? a + step : b;
		n = 2;
	}
	*lo = t[0];
	*hi = t[n - 1];
	return n;
}

void scale_init(struct scale *s, double d0, double d1, double p0, double p1)
{
	s->d0 = d0, s->d1 = d1, s->p0 = p0, s->p1 = p1;
}

double scale_px(const struct scale *s, double v)
{
	double t;

	if (!(s->d1 != s->d0) || !svg_ok(v))
		return (s->p0 + s->p1) / 2;
	t = (v - s->d0) / (s->d1 - s->d0);
	t = t < 0 ? 0 : t > 1 ? 1 : t;
	return s->p0 + t * (s->p1 - s->p0);
}

const char *svg_num(double v, char *buf, size_t n)
{
	static const char suffix[] = "kMGTPEZY";
	double a = fabs(v);
	int k = 0;

	if (!svg_ok(v)) {
		snprintf(buf, n, "-");
		return buf;
	}
	if (a < 1e4) {
		snprintf(buf, n, a == floor(a) ? "%.0f" : "%.5g", v);
		return buf;
	}
	while (a >= 1000 && k < 8)
		a /= 1000, k++;
	if (a >= 1000)
		snprintf(buf, n, "%.3g", v);
	else
		snprintf(buf, n, "%s%.4g%c", v < 0 ? "-" : "", a, suffix[k - 1]);
	return buf;
}

const char *svg_tick(double v, double step, char *buf, size_t n)
{
	static const char suffix[] = "kMGTPEZY";
	double a = fabs(v), st = fabs(step);
	int k = 0, sig;

	if (!svg_ok(v) || !svg_ok(step) || st == 0)
		return svg_num(v, buf, n);
	if (a < 1e7) {
		int dec = st >= 1 ? 0 : (int)ceil(-log10(st) - 1e-9);

		snprintf(buf, n, "%.*f", dec > 12 ? 12 : dec, v);
		return buf;
	}
	while (a >= 1000 && k < 8)
		a /= 1000, k++;
	sig = (int)(floor(log10(fabs(v))) - floor(log10(st))) + 1;
	sig = sig < 3 ? 3 : sig > 15 ? 15 : sig;
	if (a >= 1000)
		snprintf(buf, n, "%.*g", sig, v);
	else
		snprintf(buf, n, "%s%.*g%c", v < 0 ? "-" : "", sig, a, suffix[k - 1]);
	return buf;
}

void svg_open(struct xw *w, double width, double height, const char *label)
{
	xw_open(w, "svg");
	xw_attr(w, "xmlns", "http://www.w3.org/2000/svg");
	xw_attrf(w, "width", "%.0f", width);
	xw_attrf(w, "height", "%.0f", height);
	xw_attrf(w, "viewBox", "0 0 %.0f %.0f", width, height);
	xw_attr(w, "role", "img");
	xw_attr(w, "aria-label", label);
}

void svg_rect(struct xw *w, double x, double y, double wd, double ht, const char *fill,
	      const char *tip)
{
	xw_open(w, "rect");
	xw_attrf(w, "x", "%.1f", x);
	xw_attrf(w, "y", "%.1f", y);
	xw_attrf(w, "width", "%.1f", wd > 0 ? wd : 0);
	xw_attrf(w, "height", "%.1f", ht > 0 ? ht : 0);
	xw_attr(w, "fill", fill);
	if (tip)
		xw_elem(w, "title", tip);
	xw_close(w);
}

void svg_line(struct xw *w, double x1, double y1, double x2, double y2, const char *stroke,
	      double width, int dashed)
{
	xw_open(w, "line");
	xw_attrf(w, "x1", "%.1f", x1);
	xw_attrf(w, "y1", "%.1f", y1);
	xw_attrf(w, "x2", "%.1f", x2);
	xw_attrf(w, "y2", "%.1f", y2);
	xw_attr(w, "stroke", stroke);
	xw_attrf(w, "stroke-width", "%g", width);
	if (dashed) {	/* lighter than the series it belongs to */
		xw_attr(w, "stroke-dasharray", "5 4");
		xw_attr(w, "stroke-opacity", "0.55");
	}
	xw_close(w);
}

void svg_text(struct xw *w, double x, double y, const char *anchor, double rotate,
	      const char *cls, const char *text)
{
	xw_open(w, "text");
	xw_attrf(w, "x", "%.1f", x);
	xw_attrf(w, "y", "%.1f", y);
	if (anchor && strcmp(anchor, "start"))
		xw_attr(w, "text-anchor", anchor);
	if (rotate)
		xw_attrf(w, "transform", "rotate(%g %.1f %.1f)", rotate, x, y);
	xw_attr(w, "class", cls);
	xw_text(w, text);
	xw_close(w);
}

/* y domain of everything the panel draws */
static void panel_domain(const struct svg_panel *p, double *lo, double *hi)
{
	size_t k = 0;

	for (size_t s = 0; s < p->n_series; s++) {
		double l, h;
		double b = p->series[s].base;

		if (svg_extent(p->series[s].y, p->n, &l, &h)) {
			*lo = k ? fmin(*lo, l) : l;
			*hi = k ? fmax(*hi, h) : h;
			k++;
		}
		if (svg_ok(b)) {
			*lo = k ? fmin(*lo, b) : b;
			*hi = k ? fmax(*hi, b) : b;
			k++;
		}
	}
	if (!k)
		*lo = *hi = NAN;
}

/* x of point i */
static double panel_x(const struct scale *sx, double i)
{
	return scale_px(sx, i);
}

static void panel_series(struct xw *w, const struct svg_panel *p, const struct svg_series *s,
			 const struct scale *sx, const struct scale *sy)
{
	struct strbuf pts = STRBUF_INIT;
	char num[32];

	/* the line, broken where a point is missing */
	for (size_t i = 0; i <= p->n; i++) {
		if (i < p->n && svg_ok(s->y[i])) {
			sb_addf(&pts, "%.1f,%.1f ", panel_x(sx, (double)i), scale_px(sy, s->y[i]));
			continue;
		}
		if (pts.len) {
			xw_open(w, "polyline");
			xw_attr(w, "points", sb_str(&pts));
			xw_attr(w, "fill", "none");
			xw_attr(w, "stroke", s->colour);
			xw_attr(w, "stroke-width", "2");
			xw_attr(w, "class", "series");
			xw_close(w);
			sb_reset(&pts);
		}
	}
	for (size_t i = 0; p->n <= 120 && i < p->n; i++) {
		if (!svg_ok(s->y[i]))
			continue;
		xw_open(w, "circle");
		xw_attrf(w, "cx", "%.1f", panel_x(sx, (double)i));
		xw_attrf(w, "cy", "%.1f", scale_px(sy, s->y[i]));
		xw_attr(w, "r", "3");
		xw_attr(w, "fill", s->colour);
		xw_open(w, "title");
		xw_textf(w, "%s%s%s: %s %s", p->xlabels ? p->xlabels[i] : "",
			 p->xlabels ? " — " : "", s->label, svg_num(s->y[i], num, sizeof(num)),
			 p->unit ? p->unit : "");
		if (p->tips && p->tips[i])
			xw_textf(w, "\n%s", p->tips[i]);
		xw_close(w);
		xw_close(w);
	}
	sb_release(&pts);
}

static void panel_fit(struct xw *w, const struct svg_panel *p, const struct scale *sx,
		      const struct scale *sy)
{
	double xm = (double)(p->n - 1) / 2, x1 = (double)(p->n - 1);
	double ym = p->fit_a + p->fit_b * xm, s = fabs(p->band_slope);

	if (p->n < 2 || !svg_ok(p->fit_a) || !svg_ok(p->fit_b))
		return;
	if (svg_ok(s) && s > 0) {	/* the band: slopes fit_b ± s through the mean */
		xw_open(w, "polygon");
		xw_attrf(w, "points", "%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f",
			 panel_x(sx, 0), scale_px(sy, ym - (p->fit_b - s) * xm),
			 panel_x(sx, x1), scale_px(sy, ym + (p->fit_b + s) * xm),
			 panel_x(sx, x1), scale_px(sy, ym + (p->fit_b - s) * xm),
			 panel_x(sx, 0), scale_px(sy, ym - (p->fit_b + s) * xm));
		xw_attr(w, "class", "band");
		xw_close(w);
	}
	svg_line(w, panel_x(sx, 0), scale_px(sy, p->fit_a), panel_x(sx, x1),
		 scale_px(sy, p->fit_a + p->fit_b * x1), "#333333", 1.5, 0);
}

void svg_panel(struct xw *w, const struct svg_panel *p)
{
	double px = p->x + PANEL_L, py = p->y + PANEL_T, pw = p->w - PANEL_L - PANEL_R;
	double ph = p->h - PANEL_T, lo, hi, lo0, t[SVG_TICKS_MAX], lx;
	struct scale sx, sy;
	char num[32], title[160];
	int nt;

	panel_domain(p, &lo, &hi);
	lo0 = lo;
	if (p->fit && p->n >= 2 && svg_ok(p->fit_a) && svg_ok(p->fit_b)) {
		double e = p->fit_a + p->fit_b * (double)(p->n - 1);

		lo = svg_ok(lo) ? fmin(lo, fmin(p->fit_a, e)) : fmin(p->fit_a, e);
		hi = svg_ok(hi) ? fmax(hi, fmax(p->fit_a, e)) : fmax(p->fit_a, e);
	}
	nt = svg_ticks(&lo, &hi, ph > 90 ? 4 : 3, t);
	scale_init(&sx, 0, p->n > 1 ? (double)(p->n - 1) : 1, px + 8, px + pw - 8);
	scale_init(&sy, lo, hi, py + ph, py);
	xw_open(w, "g");
	xw_attr(w, "class", "panel");
	snprintf(title, sizeof(title), "%s%s%s%s", p->title, p->unit ? " (" : "",
		 p->unit ? p->unit : "", p->unit ? ")" : "");
	svg_text(w, px, p->y + 14, "start", 0, "ptitle", title);
	lx = px + 9.0 * (double)strlen(title) + 16;
	for (size_t s = 0; s < p->n_series && p->n_series > 1; s++) {	/* legend */
		svg_line(w, lx, p->y + 10, lx + 14, p->y + 10, p->series[s].colour, 3, 0);
		svg_text(w, lx + 18, p->y + 14, "start", 0, "legend", p->series[s].label);
		lx += 7.0 * (double)strlen(p->series[s].label) + 34;
	}
	svg_rect(w, px, py, pw, ph, p->bg ? p->bg : "#f6f7f9", NULL);
	for (int i = 0; i < nt; i++) {
		double y = scale_px(&sy, t[i]);

		svg_line(w, px, y, px + pw, y, "#d5dce5", 1, 0);
		svg_text(w, px - 6, y + 4, "end", 0, "tick",
			 svg_tick(t[i], nt > 1 ? t[1] - t[0] : 0, num, sizeof(num)));
	}
	for (size_t m = 0; m < p->n_marks; m++) {	/* many marks: ticks at the bottom */
		double x = scale_px(&sx, p->marks[m].x);

		svg_line(w, x, p->n_marks > 40 ? py + ph - 7 : py, x, py + ph, p->marks[m].colour,
			 1.2, 0);
		if (p->mark_labels && p->marks[m].label)
			svg_text(w, x + 2, p->y - 2, "start", -35, "mark", p->marks[m].label);
	}
	if (!svg_ok(lo0))
		svg_text(w, px + pw / 2, py + ph / 2, "middle", 0, "legend", "no data");
	if (p->fit)
		panel_fit(w, p, &sx, &sy);
	for (size_t s = 0; s < p->n_series; s++) {
		const struct svg_series *se = &p->series[s];
		size_t k;

		if (!svg_ok(se->base))
			continue;
		svg_line(w, px, scale_px(&sy, se->base), px + pw, scale_px(&sy, se->base),
			 se->colour, 1.2, 1);
		for (k = 0; k < s && p->series[k].base != se->base; k++)
			;
		if (k < s)
			continue;	/* the same baseline is labelled already */
		snprintf(title, sizeof(title), "baseline %s", svg_num(se->base, num, sizeof(num)));
		svg_text(w, px + pw + 4, scale_px(&sy, se->base) + 4, "start", 0, "tick", title);
	}
	for (size_t s = 0; s < p->n_series; s++)
		panel_series(w, p, &p->series[s], &sx, &sy);
	for (size_t i = 0; p->xaxis && p->xlabels && i < p->n; i += (p->n + 44) / 45)
		svg_text(w, scale_px(&sx, (double)i), py + ph + 12, "end", -55, "tick",
			 p->xlabels[i]);
	xw_close(w);
}
