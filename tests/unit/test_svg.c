/* The SVG/XHTML writer of the HTML reports: round ticks that cover the data (also empty,
 * flat, one-point and huge series, with no endless loop where a double runs out of
 * digits), scales that clamp, short labels, panels that stay well-formed and finite
 * whatever the values, escaping of every string (markup, quotes, controls, bad UTF-8),
 * polyglot closing of elements, and URLs that cannot become a scheme or a host. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "svg.h"
#include "tap.h"

/* xmllint's XML parser on text; 0 = well-formed and nothing on stderr. */
static int wellformed(const char *text)
{
	char file[] = "/tmp/hpt-svg.XXXXXX", cmd[256], err[64] = "";
	int fd = mkstemp(file), rc;
	FILE *p;

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return -1;
	close(fd);
	snprintf(cmd, sizeof(cmd), "xmllint --noout %s 2>&1", file);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (!fgets(err, sizeof(err), p))
		err[0] = 0;
	rc = pclose(p);
	unlink(file);
	return rc || err[0];
}

/* ticks ascending, round, covering [lo, hi] */
static int ticks_ok(double lo, double hi, const char *what)
{
	double l = lo, h = hi, t[SVG_TICKS_MAX];
	int n = svg_ticks(&l, &h, 4, t), good = n >= 2 && n <= SVG_TICKS_MAX;

	for (int i = 1; i < n; i++)
		good &= t[i] > t[i - 1] && isfinite(t[i]);
	if (svg_ok(lo) && svg_ok(hi))
		good &= l <= lo && h >= hi;
	good &= l == t[0] && h == t[n - 1] && l < h;
	return ok(good, "ticks %s: %d from %g to %g", what, n, l, h);
}

static void ticks(void)
{
	double l = 0, h = 100, t[SVG_TICKS_MAX], step;
	int n = svg_ticks(&l, &h, 4, t);

	step = t[1] - t[0];
	ok(n == 6 && t[0] == 0 && t[5] == 100 && step == 20, "0..100: 0, 20, …, 100 (%d, step %g)",
	   n, step);
	ticks_ok(0, 100, "0..100");
	ticks_ok(371000, 371260, "MemFree in kB");
	ticks_ok(402240, 402240, "a flat series");
	ticks_ok(0, 0, "all zero");
	ticks_ok(NAN, NAN, "an empty series");
	ticks_ok(-5, 3, "negative to positive");
	ticks_ok(0.001, 0.002, "small fractions");
	ticks_ok(4503599627370496.0, 4503599627370497.0, "2^52 and 2^52 + 1 (a double's last digit)");
	ticks_ok(1e299, 1e300, "near the largest usable value");
	ticks_ok(-1e300, 1e300, "the widest usable range");
	l = 7.0, h = 7.15;
	n = svg_ticks(&l, &h, 4, t);
	ok(n >= 3 && fabs(t[1] - t[0] - 0.05) < 1e-12, "7..7.15 MiB: steps of 0.05 (%g)", t[1] - t[0]);
}

static void scales_and_labels(void)
{
	struct scale s;
	double v[] = { NAN, 3, 1e301, -2, INFINITY, 8 }, lo = 0, hi = 0;
	char b[32];

	scale_init(&s, 0, 10, 100, 200);
	ok(scale_px(&s, 5) == 150 && scale_px(&s, -50) == 100 && scale_px(&s, 1e9) == 200,
	   "a scale maps and clamps into its range");
	ok(scale_px(&s, NAN) == 150, "a missing value maps to the middle, never NaN");
	scale_init(&s, 7, 7, 0, 50);
	ok(scale_px(&s, 7) == 25, "a flat domain maps to the middle");
	ok(svg_extent(v, 6, &lo, &hi) == 3 && lo == -2 && hi == 8,
	   "extent skips NaN, infinity and beyond 1e300");
	ok(svg_extent(v, 1, &lo, &hi) == 0, "an all-missing series has no extent");
	ok(!strcmp(svg_num(512, b, sizeof(b)), "512"), "512: %s", b);
	ok(!strcmp(svg_num(0.25, b, sizeof(b)), "0.25"), "0.25: %s", b);
	ok(!strcmp(svg_num(-4, b, sizeof(b)), "-4"), "-4: %s", b);
	ok(!strcmp(svg_num(32768, b, sizeof(b)), "32.77k"), "32768: %s", b);
	ok(!strcmp(svg_num(1.5e6, b, sizeof(b)), "1.5M"), "1.5e6: %s", b);
	ok(!strcmp(svg_num(4503599627370496.0, b, sizeof(b)), "4.504P"), "2^52: %s", b);
	ok(!strcmp(svg_num(-2.5e25, b, sizeof(b)), "-25Y") &&
	   !strcmp(svg_num(-2.5e28, b, sizeof(b)), "-2.5e+28"), "beyond the suffixes: %s", b);
	ok(!strcmp(svg_num(NAN, b, sizeof(b)), "-") && !strcmp(svg_num(1e301, b, sizeof(b)), "-"),
	   "missing and unusable values: \"-\"");
	ok(!strcmp(svg_tick(370950, 50, b, sizeof(b)), "370950"), "tick 370950 (step 50): %s", b);
	ok(!strcmp(svg_tick(7.05, 0.05, b, sizeof(b)), "7.05"), "tick 7.05 (step 0.05): %s", b);
	{
		char a[32];

		svg_tick(4.50001e15, 1e10, a, sizeof(a));
		svg_tick(4.50002e15, 1e10, b, sizeof(b));
		ok(strcmp(a, b) != 0, "ticks 1e10 apart near 4.5e15 read apart: %s, %s", a, b);
	}
}

static void escaping(void)
{
	struct strbuf sb = STRBUF_INIT;
	struct xw w;

	xml_esc(&sb, "<script>&\"'\x01\xff\xc3\xa9\t\n", 0, 0);
	ok(!strcmp(sb_str(&sb), "&lt;script&gt;&amp;&quot;&apos;\\x01\\xffé\t\n"),
	   "text: markup as entities, controls and bad UTF-8 as \\xNN, UTF-8 kept: %s",
	   sb_str(&sb));
	sb_reset(&sb);
	xml_esc(&sb, "a\nb\tc\rd", 1, 0);
	ok(!strcmp(sb_str(&sb), "a&#10;b&#9;c&#13;d"), "attribute: line breaks as references");
	sb_reset(&sb);
	xml_esc(&sb, "\xed\xa0\x80\xef\xbf\xbe\xf4\x90\x80\x80\xc0\xaf", 0, 0);
	ok(!strchr(sb_str(&sb), '\xed') && !strchr(sb_str(&sb), '\xc0') && !strchr(sb_str(&sb), '\xf4'),
	   "surrogates, U+FFFE, beyond U+10FFFF, overlong forms: escaped (%s)", sb_str(&sb));
	sb_reset(&sb);
	xml_escn(&sb, "a\0b", 3, 0, 0);
	ok(!strcmp(sb_str(&sb), "a\\x00b"), "a NUL inside a string: \\x00");
	sb_reset(&sb);
	xml_esc(&sb, "0123456789abcdef", 0, 4);
	ok(!strcmp(sb_str(&sb), "0123 [cut]"), "a cap cuts and says so: %s", sb_str(&sb));

	sb_reset(&sb);
	xw_init(&w, &sb);
	xw_open(&w, "div");
	xw_attr(&w, "title", "\"><script>x</script>");
	xw_open(&w, "br");
	xw_close(&w);
	xw_elem(&w, "p", NULL);
	svg_open(&w, 10, 10, "a<b");
	svg_rect(&w, 0, 0, 1, 1, "#000", NULL);
	xw_close(&w);
	xw_close(&w);
	ok(xw_finish(&w) == 0 && !strcmp(sb_str(&sb),
	   "<div title=\"&quot;&gt;&lt;script&gt;x&lt;/script&gt;\"><br/><p></p>"
	   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\" viewBox=\"0 0 10 10\" "
	   "role=\"img\" aria-label=\"a&lt;b\"><rect x=\"0.0\" y=\"0.0\" width=\"1.0\" height=\"1.0\" "
	   "fill=\"#000\"/></svg></div>"),
	   "polyglot: <br/>, an empty <p></p>, SVG elements self-closed, attributes escaped: %s",
	   sb_str(&sb));
	sb_reset(&sb);
	xw_init(&w, &sb);
	xw_open(&w, "p");
	xw_close(&w);
	xw_close(&w);
	ok(xw_finish(&w) < 0, "a close without an open is refused");
	sb_reset(&sb);
	xw_init(&w, &sb);
	xw_open(&w, "p");
	xw_text(&w, "x");
	xw_attr(&w, "class", "late");
	ok(xw_finish(&w) < 0, "an attribute after content is refused");

	sb_reset(&sb);
	url_path(&sb, "javascript:alert(1)/report.html");
	ok(!strcmp(sb_str(&sb), "./javascript%3Aalert%281%29/report.html"),
	   "a relative path cannot become a scheme: %s", sb_str(&sb));
	sb_reset(&sb);
	url_path(&sb, "//evil.example/x y#z");
	ok(!strcmp(sb_str(&sb), "file:////evil.example/x%20y%23z"),
	   "an absolute path cannot become a host: %s", sb_str(&sb));
	sb_release(&sb);
}

/* A panel into a complete SVG document. */
static const char *panel(struct strbuf *sb, size_t n, const double *y, const char *const *labels)
{
	struct svg_series s = { "s<1>", "#1f6fb2", y, n ? y[0] : NAN };
	struct svg_mark m = { 0.5, "plug \"d0\" <&>", "#2b6cb0" };
	struct svg_panel p = { .title = "t&t", .unit = "kB", .n = n, .series = &s, .n_series = 1,
			       .xlabels = labels, .marks = &m, .n_marks = 1, .mark_labels = 1,
			       .xaxis = 1, .w = 600, .h = 150, .fit = n > 1, .fit_a = y ? y[0] : 0,
			       .fit_b = 1, .band_slope = 0.5 };
	struct xw w;

	sb_reset(sb);
	xw_init(&w, sb);
	svg_open(&w, 600, 300, "test");
	svg_panel(&w, &p);
	return xw_finish(&w) == 0 ? sb_str(sb) : "";
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void panels(void)
{
	static const char *const labels[] = { "00-<baseline>", "01-a&b", "02-\xff", "03", "04" };
	double one[] = { 42 }, gap[] = { 1, 2, NAN, 4, 5 };
	double huge[] = { 4503599627370496.0, 1e300, -1e300, 4503599627370497.0, 0 };
	struct strbuf sb = STRBUF_INIT;
	const char *o;

	o = panel(&sb, 0, NULL, NULL);
	ok(!wellformed(o) && strstr(o, ">no data<") && !count(o, "<circle"),
	   "an empty series: well-formed, says no data, no points");
	o = panel(&sb, 1, one, labels);
	ok(!wellformed(o) && count(o, "<circle") == 1 && !strstr(o, "nan"),
	   "one point: one circle, no NaN coordinate");
	o = panel(&sb, 5, gap, labels);
	ok(!wellformed(o) && count(o, "<polyline") == 2 && count(o, "<circle") == 4,
	   "a missing point breaks the line in two and has no circle");
	ok(strstr(o, "00-&lt;baseline&gt;") && strstr(o, "01-a&amp;b") && strstr(o, "02-\\xff") &&
	   strstr(o, "plug &quot;d0&quot; &lt;&amp;&gt;") && strstr(o, "s&lt;1&gt;") &&
	   strstr(o, "t&amp;t"), "labels, marks, series names and titles escaped");
	o = panel(&sb, 5, huge, labels);
	ok(!wellformed(o) && !strstr(o, "nan") && !strstr(o, "inf") && count(o, "<circle") == 5,
	   "huge values: well-formed, finite coordinates, every point drawn (clamped)");
	sb_release(&sb);
}

int main(void)
{
	ticks();
	scales_and_labels();
	escaping();
	panels();
	return done();
}
