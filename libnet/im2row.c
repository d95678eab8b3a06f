/* im2row.c - the channels-last lowering used by the convolution forward
 * pass when the input has enough channels: the batch is transposed to NHWC
 * once, then each output pixel j (row of the matrix) gathers kh*kw runs of
 * cin contiguous floats, colT[j][(ky*kw + kx)*cin + ci].  Long contiguous
 * copies instead of im2col's short rows make the lowering cheap at the
 * small spatial sizes (4x4 .. 16x16) of HR-MPF. */
#include "ln_backend.h"

#include <string.h>

/* xt[img][p][c] = x[img][c][p] for images [i0, i1). */
void ln_nchw_to_nhwc(int i0, int i1, int c, int hw, const float *x,
                     float *xt)
{
	for (int i = i0; i < i1; i++) {
		const float *s = x + (size_t)i * c * hw;
		float *d = xt + (size_t)i * c * hw;
		for (int ch = 0; ch < c; ch++)
			for (int p = 0; p < hw; p++)
				d[(size_t)p * c + ch] = s[(size_t)ch * hw + p];
	}
}

void ln_im2row(const ln_conv_desc *d, const float *xt, int i0, int j0,
               int j1, float *colT)
{
	int ohw = d->oh * d->ow, cin = d->cin;
	size_t K = (size_t)d->kh * d->kw * cin, run = sizeof(float) * cin;
	for (int j = j0; j < j1; j++) {
		int img = j / ohw, p = j % ohw, oy = p / d->ow, ox = p % d->ow;
		float *dst = colT + (size_t)(j - j0) * K;
		const float *base = xt + (size_t)(img - i0) * d->h * d->w * cin;
		for (int ky = 0; ky < d->kh; ky++) {
			int iy = oy * d->stride - d->pad + ky;
			for (int kx = 0; kx < d->kw; kx++, dst += cin) {
				int ix = ox * d->stride - d->pad + kx;
				if (iy < 0 || iy >= d->h || ix < 0 || ix >= d->w)
					memset(dst, 0, run);
				else
					memcpy(dst, base + ((size_t)iy * d->w + ix) * cin,
					       run);
			}
		}
	}
}

/* y (NCHW, c channels) for rows [j0, j1) = Yt[j - j0][c] (+ bias). */
void ln_rows_to_nchw(const float *Yt, int c, int ohw, int j0, int j1,
                     const float *bias, float *y)
{
	for (int j = j0; j < j1;) {
		int img = j / ohw, p0 = j % ohw;
		int p1 = (j1 - j < ohw - p0) ? p0 + (j1 - j) : ohw;
		const float *src = Yt + (size_t)(j - j0) * c;
		for (int ch = 0; ch < c; ch++) {
			float *o = y + ((size_t)img * c + ch) * ohw;
			float bv = bias ? bias[ch] : 0.f;
			for (int p = p0; p < p1; p++)
				o[p] = src[(size_t)(p - p0) * c + ch] + bv;
		}
		j += p1 - p0;
	}
}

/* The adjoint of ln_im2row: dxt (NHWC, images from i0) += rows. */
void ln_row2im(const ln_conv_desc *d, const float *colT, int i0, int j0,
               int j1, float *dxt)
{
	int ohw = d->oh * d->ow, cin = d->cin;
	size_t K = (size_t)d->kh * d->kw * cin;
	for (int j = j0; j < j1; j++) {
		int img = j / ohw, p = j % ohw, oy = p / d->ow, ox = p % d->ow;
		const float *src = colT + (size_t)(j - j0) * K;
		float *base = dxt + (size_t)(img - i0) * d->h * d->w * cin;
		for (int ky = 0; ky < d->kh; ky++) {
			int iy = oy * d->stride - d->pad + ky;
			for (int kx = 0; kx < d->kw; kx++, src += cin) {
				int ix = ox * d->stride - d->pad + kx;
				if (iy < 0 || iy >= d->h || ix < 0 || ix >= d->w)
					continue;
				float *o = base + ((size_t)iy * d->w + ix) * cin;
				for (int c = 0; c < cin; c++)
					o[c] += src[c];
			}
		}
	}
}

/* x[img][c][p] += xt[img][p][c] for images [0, nimg). */
void ln_nhwc_add_to_nchw(int nimg, int c, int hw, const float *xt, float *x)
{
	for (int i = 0; i < nimg; i++) {
		const float *s = xt + (size_t)i * c * hw;
		float *d = x + (size_t)i * c * hw;
		for (int ch = 0; ch < c; ch++)
			for (int p = 0; p < hw; p++)
				d[(size_t)ch * hw + p] += s[(size_t)p * c + ch];
	}
}
