/* report_png.c - RGB raster, 5x7 font, antialiased lines, PNG output
 * (libpng), patch overlays and montages; output files through lp_ofile. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lp_error.h"
#include "lp_report.h"


/* ---- raster ---------------------------------------------------------- */

int lp_rgb_alloc(lp_rgb *im, int w, int h, uint32_t bg)
{
	memset(im, 0, sizeof *im);
	if (w < 1 || h < 1 || w > 30000 || h > 30000)
		return lp_seterr(LP_EX_SOFTWARE, "image size %dx%d", w, h);
	im->px = lp_malloc((size_t)w * (size_t)h * 3);
	if (!im->px)
		return -1;
	im->w = w;
	im->h = h;
	lp_rgb_fill(im, 0, 0, w, h, bg);
	return 0;
}

void lp_rgb_free(lp_rgb *im)
{
	free(im->px);
	memset(im, 0, sizeof *im);
}

void lp_rgb_set(lp_rgb *im, int x, int y, uint32_t c)
{
	if (x < 0 || y < 0 || x >= im->w || y >= im->h)
		return;
	uint8_t *p = im->px + 3 * ((size_t)y * (size_t)im->w + (size_t)x);
	p[0] = (uint8_t)(c >> 16);
	p[1] = (uint8_t)(c >> 8);
	p[2] = (uint8_t)c;
}

void lp_rgb_blend(lp_rgb *im, int x, int y, uint32_t c, double a)
{
	if (x < 0 || y < 0 || x >= im->w || y >= im->h || !(a > 0))
		return;
	if (a > 1)
		a = 1;
	uint8_t *p = im->px + 3 * ((size_t)y * (size_t)im->w + (size_t)x);
	for (int k = 0; k < 3; k++) {
		double v = (double)((c >> (16 - 8 * k)) & 255);
		p[k] = (uint8_t)lround(p[k] + a * (v - p[k]));
	}
}

void lp_rgb_fill(lp_rgb *im, int x, int y, int w, int h, uint32_t c)
{
	for (int j = y; j < y + h; j++)
		for (int i = x; i < x + w; i++)
			lp_rgb_set(im, i, j, c);
}

/* Distance from point p to the segment a-b. */
static double seg_dist(double px, double py, double ax, double ay, double bx,
                       double by)
{
	double dx = bx - ax, dy = by - ay, l2 = dx * dx + dy * dy, t = 0;
	if (l2 > 0) {
		t = ((px - ax) * dx + (py - ay) * dy) / l2;
		t = t < 0 ? 0 : t > 1 ? 1 : t;
	}
	double qx = ax + t * dx - px, qy = ay + t * dy - py;
	return sqrt(qx * qx + qy * qy);
}

void lp_rgb_line(lp_rgb *im, double x0, double y0, double x1, double y1,
                 uint32_t c, double width)
{
	double r = width / 2;
	int xa = (int)floor(fmin(x0, x1) - r - 1), xb = (int)ceil(fmax(x0, x1) + r + 1);
	int ya = (int)floor(fmin(y0, y1) - r - 1), yb = (int)ceil(fmax(y0, y1) + r + 1);
	xa = xa < 0 ? 0 : xa;
	ya = ya < 0 ? 0 : ya;
	xb = xb >= im->w ? im->w - 1 : xb;
	yb = yb >= im->h ? im->h - 1 : yb;
	for (int y = ya; y <= yb; y++)
		for (int x = xa; x <= xb; x++) {
			double d = seg_dist(x + 0.5, y + 0.5, x0, y0, x1, y1);
			double a = r + 0.5 - d;
			if (a > 0)
				lp_rgb_blend(im, x, y, c, a);
		}
}

static const char font_chars[] =
	"#%()+,-./0123456789:<=>ABCDEFGHIJKLMNOPQRSTUVWXYZ[]_";
static const uint8_t font_rows[][7] = {
	{ 0x0a, 0x0a, 0x1f, 0x0a, 0x1f, 0x0a, 0x0a }, /* # */
	{ 0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03 }, /* % */
	{ 0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02 }, /* ( */
	{ 0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08 }, /* ) */
	{ 0x00, 0x04, 0x04, 0x1f, 0x04, 0x04, 0x00 }, /* + */
	{ 0x00, 0x00, 0x00, 0x00, 0x0c, 0x04, 0x08 }, /* , */
	{ 0x00, 0x00, 0x00, 0x1f, 0x00, 0x00, 0x00 }, /* - */
	{ 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x0c }, /* . */
	{ 0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00 }, /* / */
	{ 0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e }, /* 0 */
	{ 0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e }, /* 1 */
	{ 0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f }, /* 2 */
	{ 0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e }, /* 3 */
	{ 0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02 }, /* 4 */
	{ 0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e }, /* 5 */
	{ 0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e }, /* 6 */
	{ 0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08 }, /* 7 */
	{ 0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e }, /* 8 */
	{ 0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c }, /* 9 */
	{ 0x00, 0x0c, 0x0c, 0x00, 0x0c, 0x0c, 0x00 }, /* : */
	{ 0x02, 0x04, 0x08, 0x10, 0x08, 0x04, 0x02 }, /* < */
	{ 0x00, 0x00, 0x1f, 0x00, 0x1f, 0x00, 0x00 }, /* = */
	{ 0x08, 0x04, 0x02, 0x01, 0x02, 0x04, 0x08 }, /* > */
	{ 0x0e, 0x11, 0x11, 0x11, 0x1f, 0x11, 0x11 }, /* A */
	{ 0x1e, 0x11, 0x11, 0x1e, 0x11, 0x11, 0x1e }, /* B */
	{ 0x0e, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0e }, /* C */
	{ 0x1c, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1c }, /* D */
	{ 0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x1f }, /* E */
	{ 0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x10 }, /* F */
	{ 0x0e, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0f }, /* G */
	{ 0x11, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11 }, /* H */
	{ 0x0e, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e }, /* I */
	{ 0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0c }, /* J */
	{ 0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11 }, /* K */
	{ 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1f }, /* L */
	{ 0x11, 0x1b, 0x15, 0x15, 0x11, 0x11, 0x11 }, /* M */
	{ 0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11 }, /* N */
	{ 0x0e, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e }, /* O */
	{ 0x1e, 0x11, 0x11, 0x1e, 0x10, 0x10, 0x10 }, /* P */
	{ 0x0e, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0d }, /* Q */
	{ 0x1e, 0x11, 0x11, 0x1e, 0x14, 0x12, 0x11 }, /* R */
	{ 0x0f, 0x10, 0x10, 0x0e, 0x01, 0x01, 0x1e }, /* S */
	{ 0x1f, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04 }, /* T */
	{ 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e }, /* U */
	{ 0x11, 0x11, 0x11, 0x11, 0x11, 0x0a, 0x04 }, /* V */
	{ 0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0a }, /* W */
	{ 0x11, 0x11, 0x0a, 0x04, 0x0a, 0x11, 0x11 }, /* X */
	{ 0x11, 0x11, 0x11, 0x0a, 0x04, 0x04, 0x04 }, /* Y */
	{ 0x1f, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1f }, /* Z */
	{ 0x0e, 0x08, 0x08, 0x08, 0x08, 0x08, 0x0e }, /* [ */
	{ 0x0e, 0x02, 0x02, 0x02, 0x02, 0x02, 0x0e }, /* ] */
	{ 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1f }, /* _ */
};

int lp_rgb_text_width(const char *s, int scale)
{
	int n = (int)strlen(s);
	return n ? (6 * n - 1) * scale : 0;
}

void lp_rgb_text(lp_rgb *im, int x, int y, const char *s, uint32_t c,
                 int scale)
{
	for (; *s; s++, x += 6 * scale) {
		int ch = toupper((unsigned char)*s);
		const char *g = ch ? strchr(font_chars, ch) : NULL;
		if (!g)
			continue;
		const uint8_t *rows = font_rows[g - font_chars];
		for (int r = 0; r < 7; r++)
			for (int b = 0; b < 5; b++)
				if (rows[r] & (0x10 >> b))
					lp_rgb_fill(im, x + b * scale, y + r * scale,
					            scale, scale, c);
	}
}

void lp_rgb_blit(lp_rgb *dst, const lp_rgb *src, int x, int y)
{
	for (int j = 0; j < src->h; j++) {
		int yy = y + j;
		if (yy < 0 || yy >= dst->h)
			continue;
		for (int i = 0; i < src->w; i++) {
			int xx = x + i;
			if (xx < 0 || xx >= dst->w)
				continue;
			memcpy(dst->px + 3 * ((size_t)yy * dst->w + xx),
			       src->px + 3 * ((size_t)j * src->w + i), 3);
		}
	}
}

/* ---- PNG --------------------------------------------------------------- */

static void png_err(png_structp png, png_const_charp msg)
{
	lp_seterr(LP_EX_IOERR, "libpng: %s", msg);
	png_longjmp(png, 1);
}

static void png_warn(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

static int png_to_fp(FILE *fp, const lp_rgb *im)
{
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL,
	                                          png_err, png_warn);
	if (!png)
		return lp_seterr(LP_EX_OSERR, "libpng: cannot initialise");
	png_infop info = png_create_info_struct(png);
	if (!info) {
		png_destroy_write_struct(&png, NULL);
		return lp_seterr(LP_EX_OSERR, "libpng: cannot initialise");
	}
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		return -1;
	}
	png_init_io(png, fp);
	png_set_IHDR(png, info, (png_uint_32)im->w, (png_uint_32)im->h, 8,
	             PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
	             PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (int y = 0; y < im->h; y++)
		png_write_row(png, im->px + 3 * (size_t)y * (size_t)im->w);
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	return 0;
}

int lp_png_write(const char *path, const lp_rgb *im)
{
	lp_ofile *a = NULL;
	if (!(a = lp_ofile_open(path)))
		return -1;
	if (png_to_fp(a->fp, im) < 0) {
		lp_err_prefix("%s", path);
		lp_ofile_abort(a);
		return -1;
	}
	return lp_ofile_commit(a);
}

/* ---- overlays and montages ------------------------------------------- */

int lp_slice_grey(const lp_frame *f, const lp_channel *c, int64_t z,
                  float *out)
{
	int64_t n = f->dim[0] * f->dim[1];
	if (z < 0 || z >= f->dim[2])
		return lp_seterr(LP_EX_SOFTWARE, "slice %lld out of range",
		                 (long long)z);
	int win = strcmp(c->units, LP_UNITS_WINDOW) == 0;
	double scale = 1, off = 0;
	if (win && (c->dtype == LP_U8 || c->dtype == LP_U16))
		scale = c->dtype == LP_U8 ? 255 : 65535;
	else if (!win) {
		off = -1350;
		scale = 1500;
	}
	for (int64_t i = 0; i < n; i++) {
		double v = (lp_channel_get(c, (size_t)(z * n + i)) - off) / scale;
		out[i] = (float)(v < 0 ? 0 : v > 1 ? 1 : isnan(v) ? 0 : v);
	}
	return 0;
}

/* Outline bits (1 gt, 2 pred) of the tile's pixels. */
static void mark_edges(uint8_t *bits, const uint8_t *m, int bit, int nx,
                       int ny, int s)
{
	int t = s >= 3 ? s / 3 : 1, W = nx * s;
	for (int y = 0; y < ny; y++)
		for (int x = 0; x < nx; x++) {
			if (!m[x + nx * y])
				continue;
			int l = x == 0 || !m[x - 1 + nx * y];
			int r = x == nx - 1 || !m[x + 1 + nx * y];
			int u = y == 0 || !m[x + nx * (y - 1)];
			int d = y == ny - 1 || !m[x + nx * (y + 1)];
			for (int j = 0; j < s; j++)
				for (int i = 0; i < s; i++)
					if ((l && i < t) || (r && i >= s - t) ||
					    (u && j < t) || (d && j >= s - t))
						bits[(y * s + j) * W + x * s + i] |=
							(uint8_t)bit;
		}
}

int lp_overlay_tile(const float *grey, const uint8_t *gt, const uint8_t *pred,
                    int nx, int ny, int scale, uint32_t cgt, uint32_t cpred,
                    uint32_t cboth, lp_rgb *out)
{
	if (lp_rgb_alloc(out, nx * scale, ny * scale, 0x282828) < 0)
		return -1;
	uint8_t *bits = lp_calloc((size_t)out->w * (size_t)out->h, 1);
	if (!bits) {
		lp_rgb_free(out);
		return -1;
	}
	for (int y = 0; grey && y < out->h; y++)
		for (int x = 0; x < out->w; x++) {
			int g = (int)lroundf(grey[x / scale + nx * (y / scale)] * 255);
			lp_rgb_set(out, x, y, (uint32_t)(g * 0x010101));
		}
	if (gt)
		mark_edges(bits, gt, 1, nx, ny, scale);
	if (pred)
		mark_edges(bits, pred, 2, nx, ny, scale);
	for (int y = 0; y < out->h; y++)
		for (int x = 0; x < out->w; x++) {
			int b = bits[y * out->w + x];
			if (b)
				lp_rgb_set(out, x, y, b == 1 ? cgt : b == 2 ? cpred : cboth);
		}
	free(bits);
	return 0;
}

int lp_montage(const lp_rgb *tiles, const char *const *captions, int n,
               int cols, int pad, lp_rgb *out)
{
	int cw = 1, ch = 1, caph = captions ? 12 : 0;
	for (int k = 0; k < n; k++) {
		cw = tiles[k].w > cw ? tiles[k].w : cw;
		ch = tiles[k].h > ch ? tiles[k].h : ch;
	}
	if (n < 1 || cols < 1)
		return lp_seterr(LP_EX_SOFTWARE, "montage: nothing to draw");
	if (cols > n)
		cols = n;
	int rows = (n + cols - 1) / cols;
	if (lp_rgb_alloc(out, pad + cols * (cw + pad),
	                 pad + rows * (ch + caph + pad), 0x101010) < 0)
		return -1;
	for (int k = 0; k < n; k++) {
		int x = pad + (k % cols) * (cw + pad);
		int y = pad + (k / cols) * (ch + caph + pad);
		lp_rgb_blit(out, &tiles[k], x, y);
		if (captions && captions[k])
			lp_rgb_text(out, x + 1, y + ch + 3, captions[k], 0xe0e0e0, 1);
	}
	return 0;
}
