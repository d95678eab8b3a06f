/* im2col.c - im2col / col2im over a column range of the batched matrix.
 *
 * The whole batch is one matrix: row r = (ci*kh + ky)*kw + kx, column
 * j = img*oh*ow + oy*ow + ox, so a convolution of the batch is one GEMM
 * W[cout][K] * col[K][J] (the win for small spatial sizes).  Callers work
 * on column ranges [j0, j1) so that threads can each take a slab.
 */
#include "ln_backend.h"

#include <string.h>

/* Valid output columns [lo, hi) of kernel column kx: 0 <= ox*s-pad+kx < w. */
static void valid_cols(const ln_conv_desc *d, int kx, int *lo, int *hi)
{
	int s = d->stride, a = d->pad - kx;
	int l = a > 0 ? (a + s - 1) / s : 0;
	int h = (d->w - 1 + a) >= 0 ? (d->w - 1 + a) / s + 1 : 0;
	if (h > d->ow)
		h = d->ow;
	if (l > h)
		l = h;
	*lo = l;
	*hi = h;
}

/* One row segment: columns of one image, output pixels [p0, p1). */
static void seg_fill(const ln_conv_desc *d, const float *plane, int ky,
                     int kx, int p0, int p1, float *dst)
{
	int s = d->stride, ow = d->ow, lo, hi;
	valid_cols(d, kx, &lo, &hi);
	for (int p = p0; p < p1;) {
		int oy = p / ow, ox0 = p % ow;
		int ox1 = (p1 - p < ow - ox0) ? ox0 + (p1 - p) : ow;
		int iy = oy * s - d->pad + ky;
		float *o = dst + (p - p0) - ox0;
		if (iy < 0 || iy >= d->h) {
			for (int ox = ox0; ox < ox1; ox++)
				o[ox] = 0.f;
		} else {
			const float *row = plane + (size_t)iy * d->w;
			int off = kx - d->pad;
			int a = lo > ox0 ? lo : ox0, b = hi < ox1 ? hi : ox1;
			for (int ox = ox0; ox < a && ox < ox1; ox++)
				o[ox] = 0.f;
			if (s == 1)
				for (int ox = a; ox < b; ox++)
					o[ox] = row[ox + off];
			else
				for (int ox = a; ox < b; ox++)
					o[ox] = row[ox * s + off];
			for (int ox = b > ox0 ? b : ox0; ox < ox1; ox++)
				o[ox] = 0.f;
		}
		p += ox1 - ox0;
	}
}

static void seg_add(const ln_conv_desc *d, float *plane, int ky, int kx,
                    int p0, int p1, const float *src)
{
	int s = d->stride, ow = d->ow, lo, hi;
	valid_cols(d, kx, &lo, &hi);
	for (int p = p0; p < p1;) {
		int oy = p / ow, ox0 = p % ow;
		int ox1 = (p1 - p < ow - ox0) ? ox0 + (p1 - p) : ow;
		int iy = oy * s - d->pad + ky;
		const float *o = src + (p - p0) - ox0;
		if (iy >= 0 && iy < d->h) {
			float *row = plane + (size_t)iy * d->w;
			int off = kx - d->pad;
			int a = lo > ox0 ? lo : ox0, b = hi < ox1 ? hi : ox1;
			if (s == 1)
				for (int ox = a; ox < b; ox++)
					row[ox + off] += o[ox];
			else
				for (int ox = a; ox < b; ox++)
					row[ox * s + off] += o[ox];
		}
		p += ox1 - ox0;
	}
}

void ln_im2col(const ln_conv_desc *d, const float *x, int j0, int j1,
               float *col)
{
	int ohw = d->oh * d->ow, kk = d->kh * d->kw, ld = j1 - j0;
	size_t hw = (size_t)d->h * d->w;
	for (int r = 0; r < d->cin * kk; r++) {
		int ci = r / kk, ky = (r % kk) / d->kw, kx = r % d->kw;
		float *dst = col + (size_t)r * ld;
		for (int j = j0; j < j1;) {
			int img = j / ohw, p0 = j % ohw;
			int p1 = (j1 - j < ohw - p0) ? p0 + (j1 - j) : ohw;
			const float *plane = x + ((size_t)img * d->cin + ci) * hw;
			seg_fill(d, plane, ky, kx, p0, p1, dst + (j - j0));
			j += p1 - p0;
		}
	}
}

void ln_col2im(const ln_conv_desc *d, const float *col, int j0, int j1,
               float *dx)
{
	int ohw = d->oh * d->ow, kk = d->kh * d->kw, ld = j1 - j0;
	size_t hw = (size_t)d->h * d->w;
	for (int r = 0; r < d->cin * kk; r++) {
		int ci = r / kk, ky = (r % kk) / d->kw, kx = r % d->kw;
		const float *src = col + (size_t)r * ld;
		for (int j = j0; j < j1;) {
			int img = j / ohw, p0 = j % ohw;
			int p1 = (j1 - j < ohw - p0) ? p0 + (j1 - j) : ohw;
			float *plane = dx + ((size_t)img * d->cin + ci) * hw;
			seg_add(d, plane, ky, kx, p0, p1, src + (j - j0));
			j += p1 - p0;
		}
	}
}
