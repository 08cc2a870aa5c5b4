/* A small SVG plot writer for the HTML reports (no plotting dependency): linear scales
 * with round ticks, short number labels, and a plot panel with series, a baseline per
 * series, a fitted line with a noise band, and event marks. Values are doubles; NaN (or
 * a magnitude beyond 1e300) is a missing point. Writes through xml.h, so every label is
 * escaped. */
#ifndef HPT_SVG_H
#define HPT_SVG_H
#include <stddef.h>
#include "xml.h"

#define SVG_TICKS_MAX 16

/* data [d0, d1] -> pixels [p0, p1] */
struct scale {
	double d0, d1, p0, p1;
};

/* The smallest and largest usable value of v[0..n); returns how many are usable. */
size_t svg_extent(const double *v, size_t n, double *lo, double *hi);
/* Widens [*lo, *hi] to round ticks (1, 2 or 5 × 10^k apart), about `want` intervals; an
 * empty, flat or non-finite range gets a margin first. Fills ticks (at most
 * SVG_TICKS_MAX), returns their number (>= 2). */
int svg_ticks(double *lo, double *hi, int want, double ticks[SVG_TICKS_MAX]);
void scale_init(struct scale *s, double d0, double d1, double p0, double p1);
/* The pixel of v, clamped to the range (a flat domain maps to its middle). */
double scale_px(const struct scale *s, double v);
/* A short label: "512", "-0.25", "32.8k", "1.5M", "4.5P", "1e+300"; "-" when missing. */
const char *svg_num(double v, char *buf, size_t n);
/* A tick label: as many digits as ticks `step` apart need to differ ("370950", "1.5",
 * "4.50001P"). */
const char *svg_tick(double v, double step, char *buf, size_t n);
/* 1 if v is a usable value. */
int svg_ok(double v);

struct svg_series {
	const char *label;
	const char *colour;	/* a CSS colour, e.g. "#1f77b4" */
	const double *y;	/* n values */
	double base;		/* its baseline: a dashed line; NaN = none */
};

struct svg_mark {
	double x;		/* data x (fractions allowed: between two points) */
	const char *label;	/* NULL = a tick without a label */
	const char *colour;
};

struct svg_panel {
	const char *title, *unit;
	size_t n;				/* points, at x = 0 … n-1 */
	const struct svg_series *series;
	size_t n_series;
	const char *const *xlabels;		/* n labels (the point's <title>), or NULL */
	const char *const *tips;		/* n longer tooltips, or NULL */
	const struct svg_mark *marks;
	size_t n_marks;
	int mark_labels;			/* write the marks' labels above the panel
						 * (leave ~70 px free there) */
	int xaxis;				/* write x labels below the panel */
	/* a fitted line y = fit_a + fit_b·x with a band fit_b ± band_slope around the
	 * mean x (drawn when fit is set) */
	int fit;
	double fit_a, fit_b, band_slope;
	double x, y, w, h;			/* where in the parent <svg>, px */
	const char *bg;				/* plot area colour; NULL = light grey */
};

/* Draws the panel as a <g class="panel"> into an open <svg>. */
void svg_panel(struct xw *w, const struct svg_panel *p);
/* Opens <svg> with its size and viewBox (close with xw_close). */
void svg_open(struct xw *w, double width, double height, const char *label);
void svg_rect(struct xw *w, double x, double y, double wd, double ht, const char *fill,
	      const char *tip);
void svg_line(struct xw *w, double x1, double y1, double x2, double y2, const char *stroke,
	      double width, int dashed);
/* anchor "start" | "middle" | "end"; rotate in degrees (0 = none). */
void svg_text(struct xw *w, double x, double y, const char *anchor, double rotate,
	      const char *cls, const char *text);

#endif
