/* pngjudge: reads a screenshot (PNG, 8-bit gray/RGB/RGBA/palette, not interlaced) and
 * judges what a browser drew, for tests/integration/report.sh:
 *   pngjudge FILE size                          prints "W H"
 *   pngjudge FILE count RRGGBB X0 Y0 X1 Y1      prints how many pixels of the box (clipped,
 *                                               X1/Y1 exclusive, -1 = edge) are that colour
 *   pngjudge FILE colour RRGGBB X0 Y0 X1 Y1 MIN exit 0 if at least MIN are, else 1
 *   pngjudge FILE plot BG C1[,C2…] NCOL MINPX   the plot area is the bounding box of the
 *                                               pixels of colour BG; exit 0 if at least NCOL
 *                                               of the series colours C1… cover MINPX pixels
 *                                               each inside it, else 1 (blank plot)
 *   pngjudge FILE crop X0 Y0 X1 Y1 OUT.png      writes that part as a PNG
 * A colour matches within 6 per channel (antialiasing). Exit 2 on a bad file or usage. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define TOL 6
#define DIM_MAX 32768

struct img {
	uint32_t w, h;
	unsigned char *rgb;	/* w*h*3 */
};

static int die(const char *what, const char *file)
{
	fprintf(stderr, "pngjudge: %s: %s\n", file, what);
	return 2;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int paeth(int a, int b, int c)
{
	int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);

	return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Undoes the row filters in place; raw holds h rows of 1 + stride bytes. */
static int unfilter(unsigned char *raw, uint32_t h, size_t stride, int bpp)
{
	for (uint32_t y = 0; y < h; y++) {
		unsigned char *row = raw + y * (stride + 1), *cur = row + 1;
		unsigned char *prev = y ? raw + (y - 1) * (stride + 1) + 1 : NULL;

		for (size_t x = 0; x < stride; x++) {
			int a = x >= (size_t)bpp ? cur[x - bpp] : 0, b = prev ? prev[x] : 0;
			int c = prev && x >= (size_t)bpp ? prev[x - bpp] : 0;

			switch (row[0]) {
			case 0: break;
			case 1: cur[x] = (unsigned char)(cur[x] + a); break;
			case 2: cur[x] = (unsigned char)(cur[x] + b); break;
			case 3: cur[x] = (unsigned char)(cur[x] + (a + b) / 2); break;
			case 4: cur[x] = (unsigned char)(cur[x] + paeth(a, b, c)); break;
			default: return -1;
			}
		}
	}
	return 0;
}

static int load(const char *file, struct img *im)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	unsigned char *buf = NULL, *idat = NULL, *raw = NULL, pal[768] = { 0 }, hdr[13] = { 0 };
	size_t n = 0, ni = 0, stride, rawlen;
	int bpp = 0, ctype, rc = 2;
	uLongf got;
	FILE *f = fopen(file, "rb");
	long len;

	if (!f || fseek(f, 0, SEEK_END) < 0 || (len = ftell(f)) < 8 || len > (256L << 20))
		goto out;
	rewind(f);
	buf = malloc((size_t)len);
	idat = malloc((size_t)len);
	if (!buf || !idat || fread(buf, 1, (size_t)len, f) != (size_t)len ||
	    memcmp(buf, sig, 8))
		goto out;
	for (n = 8; n + 12 <= (size_t)len;) {
		uint32_t cl = be32(buf + n);
		const unsigned char *type = buf + n + 4, *data = buf + n + 8;

		if (cl > (size_t)len - n - 12)
			goto out;
		if (!memcmp(type, "IHDR", 4) && cl == 13)
			memcpy(hdr, data, 13);
		else if (!memcmp(type, "PLTE", 4) && cl <= 768)
			memcpy(pal, data, cl);
		else if (!memcmp(type, "IDAT", 4)) {
			memcpy(idat + ni, data, cl);
			ni += cl;
		} else if (!memcmp(type, "IEND", 4))
			break;
		n += 12 + cl;
	}
	im->w = be32(hdr);
	im->h = be32(hdr + 4);
	ctype = hdr[9];
	bpp = ctype == 0 ? 1 : ctype == 2 ? 3 : ctype == 3 ? 1 : ctype == 4 ? 2 : ctype == 6 ? 4 : 0;
	if (!im->w || !im->h || im->w > DIM_MAX || im->h > DIM_MAX || hdr[8] != 8 || !bpp ||
	    hdr[12] != 0)
		goto out;	/* only 8-bit, non-interlaced (what Chromium writes) */
	stride = (size_t)im->w * (size_t)bpp;
	rawlen = (stride + 1) * im->h;
	raw = malloc(rawlen);
	im->rgb = malloc((size_t)im->w * im->h * 3);
	got = rawlen;
	if (!raw || !im->rgb || uncompress(raw, &got, idat, ni) != Z_OK || got != rawlen ||
	    unfilter(raw, im->h, stride, bpp) < 0)
		goto out;
	for (uint32_t y = 0; y < im->h; y++)
		for (uint32_t x = 0; x < im->w; x++) {
			const unsigned char *p = raw + y * (stride + 1) + 1 + (size_t)x * (size_t)bpp;
			unsigned char *o = im->rgb + ((size_t)y * im->w + x) * 3;

			if (ctype == 3)
				memcpy(o, pal + 3 * p[0], 3);
			else if (ctype == 0 || ctype == 4)
				o[0] = o[1] = o[2] = p[0];
			else
				memcpy(o, p, 3);	/* alpha ignored: screenshots are opaque */
		}
	rc = 0;
out:
	if (f)
		fclose(f);
	free(buf);
	free(idat);
	free(raw);
	return rc;
}

static int parse_colour(const char *s, unsigned char c[3])
{
	unsigned v;

	if (*s == '#')
		s++;
	if (strlen(s) != 6 || sscanf(s, "%6x", &v) != 1)
		return -1;
	c[0] = (unsigned char)(v >> 16), c[1] = (unsigned char)(v >> 8), c[2] = (unsigned char)v;
	return 0;
}

static int near(const unsigned char *p, const unsigned char c[3], int tol)
{
	return abs(p[0] - c[0]) <= tol && abs(p[1] - c[1]) <= tol && abs(p[2] - c[2]) <= tol;
}

/* Clips [x0,x1) × [y0,y1) to the image (-1 = the edge). */
static void clip(const struct img *im, long *x0, long *y0, long *x1, long *y1)
{
	*x1 = *x1 < 0 || *x1 > (long)im->w ? (long)im->w : *x1;
	*y1 = *y1 < 0 || *y1 > (long)im->h ? (long)im->h : *y1;
	*x0 = *x0 < 0 ? 0 : *x0;
	*y0 = *y0 < 0 ? 0 : *y0;
}

static long count(const struct img *im, const unsigned char c[3], long x0, long y0, long x1,
		  long y1, int tol)
{
	long n = 0;

	clip(im, &x0, &y0, &x1, &y1);
	for (long y = y0; y < y1; y++)
		for (long x = x0; x < x1; x++)
			n += near(im->rgb + ((size_t)y * im->w + (size_t)x) * 3, c, tol);
	return n;
}

static int plot(const struct img *im, const char *bg, char *series, long ncol, long minpx)
{
	unsigned char b[3], c[3];
	long x0 = im->w, y0 = im->h, x1 = -1, y1 = -1, good = 0;

	if (parse_colour(bg, b) < 0)
		return 2;
	for (long y = 0; y < (long)im->h; y++)
		for (long x = 0; x < (long)im->w; x++)
			if (near(im->rgb + ((size_t)y * im->w + (size_t)x) * 3, b, 0)) {
				x0 = x < x0 ? x : x0, y0 = y < y0 ? y : y0;
				x1 = x > x1 ? x : x1, y1 = y > y1 ? y : y1;
			}
	if (x1 < 0) {
		printf("no plot area: no pixel of %s\n", bg);
		return 1;
	}
	printf("plot area %ld,%ld-%ld,%ld:", x0, y0, x1, y1);
	for (char *s = strtok(series, ","); s; s = strtok(NULL, ",")) {
		long n;

		if (parse_colour(s, c) < 0)
			return 2;
		n = count(im, c, x0, y0, x1 + 1, y1 + 1, TOL);
		printf(" %s=%ld", s, n);
		good += n >= minpx;
	}
	printf("; %ld series colour(s) with at least %ld pixels, want %ld\n", good, minpx, ncol);
	return good >= ncol ? 0 : 1;
}

/* Writes a crop as an RGB PNG (filter 0 rows, zlib). */
static int crop(const struct img *im, long x0, long y0, long x1, long y1, const char *out)
{
	unsigned char ihdr[13], *raw, *z;
	size_t stride, rawlen;
	uLongf zl;
	FILE *f;
	int rc = 2;

	clip(im, &x0, &y0, &x1, &y1);
	if (x1 <= x0 || y1 <= y0)
		return 2;
	stride = (size_t)(x1 - x0) * 3;
	rawlen = (stride + 1) * (size_t)(y1 - y0);
	raw = malloc(rawlen);
	zl = compressBound(rawlen);
	z = malloc(zl);
	if (!raw || !z)
		goto out;
	for (long y = y0; y < y1; y++) {
		raw[(size_t)(y - y0) * (stride + 1)] = 0;
		memcpy(raw + (size_t)(y - y0) * (stride + 1) + 1,
		       im->rgb + ((size_t)y * im->w + (size_t)x0) * 3, stride);
	}
	if (compress2(z, &zl, raw, rawlen, 9) != Z_OK || !(f = fopen(out, "wb")))
		goto out;
	{
		uint32_t w = htonl((uint32_t)(x1 - x0)), h = htonl((uint32_t)(y1 - y0));
		const struct { const char *type; const unsigned char *d; size_t n; } ch[] = {
			{ "IHDR", ihdr, 13 }, { "IDAT", z, zl }, { "IEND", NULL, 0 } };

		memcpy(ihdr, &w, 4);
		memcpy(ihdr + 4, &h, 4);
		memcpy(ihdr + 8, "\x08\x02\x00\x00\x00", 5);
		fwrite("\x89PNG\r\n\x1a\n", 1, 8, f);
		for (int i = 0; i < 3; i++) {
			uint32_t len = htonl((uint32_t)ch[i].n), crc;

			crc = (uint32_t)crc32(0, (const Bytef *)ch[i].type, 4);
			crc = (uint32_t)crc32(crc, ch[i].d, (uInt)ch[i].n);
			crc = htonl(crc);
			fwrite(&len, 4, 1, f);
			fwrite(ch[i].type, 1, 4, f);
			if (ch[i].n)
				fwrite(ch[i].d, 1, ch[i].n, f);
			fwrite(&crc, 4, 1, f);
		}
	}
	rc = fclose(f) == 0 ? 0 : 2;
out:
	free(raw);
	free(z);
	return rc;
}

int main(int argc, char **argv)
{
	struct img im = { 0 };
	unsigned char c[3];
	int rc;

	if (argc < 3)
		return die("usage: pngjudge FILE size|count|colour|plot|crop …", "-");
	if (load(argv[1], &im))
		return die("not a PNG this tool reads (8-bit, not interlaced)", argv[1]);
	if (!strcmp(argv[2], "size")) {
		printf("%u %u\n", im.w, im.h);
		rc = 0;
	} else if ((!strcmp(argv[2], "count") && argc == 8) ||
		   (!strcmp(argv[2], "colour") && argc == 9)) {
		long n;

		if (parse_colour(argv[3], c) < 0)
			return die("bad colour", argv[3]);
		n = count(&im, c, atol(argv[4]), atol(argv[5]), atol(argv[6]), atol(argv[7]), TOL);
		printf("%ld\n", n);
		rc = argc == 9 && n < atol(argv[8]) ? 1 : 0;
	} else if (!strcmp(argv[2], "plot") && argc == 7) {
		rc = plot(&im, argv[3], argv[4], atol(argv[5]), atol(argv[6]));
	} else if (!strcmp(argv[2], "crop") && argc == 8) {
		rc = crop(&im, atol(argv[3]), atol(argv[4]), atol(argv[5]), atol(argv[6]), argv[7]);
	} else {
		rc = die("unknown command or wrong arguments", argv[2]);
	}
	free(im.rgb);
	return rc;
}
