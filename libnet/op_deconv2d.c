/* op_deconv2d.c - transposed 2-D convolution (PyTorch ConvTranspose2d,
 * weight cin x cout x kh x kw), forward and backward (CPU).
 *
 * It is the adjoint of a convolution from the output (cout channels,
 * oh x ow) to the input (cin, h x w): forward = gemm (W^T x) + col2im,
 * backward = im2col(dy) + gemm.  Columns are the input pixels of the whole
 * batch, cut into chunks of whole images claimed by the pool threads (as
 * op_conv2d.c); dW is summed per chunk in chunk order, so results do not
 * depend on the thread count.  With cout >= 8 the lowering is
 * channels-last (im2row.c): the weight is reordered to
 * wr[ci][(ky*kw + kx)*cout + co] and the scatter / gather moves runs of
 * cout floats in NHWC copies of the chunk's images.
 */
#include "ln_cpu.h"

#include <string.h>

typedef struct {
	const ln_conv_desc *d;
	ln_conv_desc cd; /* the adjoint convolution: y-space -> x-space */
	int T, K, hw, g, nchunk, CH, rows;
	size_t per, dwoff;
	const float *x, *w, *b, *dy;
	float *y, *dx, *dw, *work, *parts, *wr;
} plan;

#define ROWS_MIN_COUT 8

static void make_plan(const ln_conv_desc *d, plan *p)
{
	memset(p, 0, sizeof *p);
	p->d = d;
	ln_conv_desc *c = &p->cd;
	c->n = d->n;
	c->cin = d->cout;
	c->h = d->oh;
	c->w = d->ow;
	c->cout = d->cin;
	c->kh = d->kh;
	c->kw = d->kw;
	c->stride = d->stride;
	c->pad = d->pad;
	c->oh = d->h;
	c->ow = d->w;
	p->T = ln_pool_size();
	p->K = d->cout * d->kh * d->kw;
	p->hw = d->h * d->w;
	p->g = ln_cpu_images(p->K, p->hw, d->n);
	p->nchunk = (d->n + p->g - 1) / p->g;
	p->CH = p->g * p->hw;
	p->per = (size_t)p->K * p->CH + (size_t)d->cin * p->CH;
	p->rows = d->cout >= ROWS_MIN_COUT;
	if (p->rows) /* NHWC copy of the chunk's output images */
		p->per += (size_t)p->g * d->cout * d->oh * d->ow;
	p->dwoff = p->per * (size_t)p->T;
	if ((double)p->K * d->cin * d->n * p->hw < LN_PAR_MIN_FMA)
		p->T = 1; /* too small to pay for waking the pool */
}

size_t ln_cpu_deconv2d_work(const ln_conv_desc *d)
{
	plan p;
	make_plan(d, &p);
	return p.dwoff + (size_t)(p.nchunk + 1) * d->cin * p.K;
}

/* wr[ci][(ky*kw + kx)*cout + co] = w[ci][co][ky][kx] */
static void reorder_weight(const ln_conv_desc *d, const float *w, float *wr)
{
	int kk = d->kh * d->kw;
	for (int ci = 0; ci < d->cin; ci++)
		for (int co = 0; co < d->cout; co++)
			for (int k = 0; k < kk; k++)
				wr[((size_t)ci * kk + k) * d->cout + co] =
				    w[((size_t)ci * d->cout + co) * kk + k];
}

static void chunk_cols(const plan *p, int c, int *j0, int *j1)
{
	int i1 = (c + 1) * p->g < p->d->n ? (c + 1) * p->g : p->d->n;
	*j0 = c * p->g * p->hw;
	*j1 = i1 * p->hw;
}

/* Channels-last forward of one chunk: colT = xt wr, row2im into an NHWC
 * copy of the output images, added to y (which holds the bias). */
static void fwd_rows(const plan *p, int tid, int j0, int j1)
{
	const ln_conv_desc *d = p->d;
	size_t ohw = (size_t)d->oh * d->ow;
	int m = j1 - j0, i0 = j0 / p->hw, ni = m / p->hw;
	float *col = p->work + p->per * (size_t)tid;
	float *xt = col + (size_t)p->K * p->CH;
	float *yt = xt + (size_t)d->cin * p->CH;
	ln_nchw_to_nhwc(0, ni, d->cin, p->hw,
	                p->x + (size_t)i0 * d->cin * p->hw, xt);
	ln_gemm(0, 0, m, p->K, d->cin, 1.f, xt, d->cin, p->wr, p->K, 0.f, col,
	        p->K);
	memset(yt, 0, sizeof(float) * ohw * d->cout * ni);
	ln_row2im(&p->cd, col, i0, j0, j1, yt);
	ln_nhwc_add_to_nchw(ni, d->cout, (int)ohw, yt,
	                    p->y + (size_t)i0 * d->cout * ohw);
}

static void fwd_chunk(void *arg, int c, int tid)
{
	const plan *p = arg;
	const ln_conv_desc *d = p->d;
	size_t ohw = (size_t)d->oh * d->ow;
	int j0, j1;
	chunk_cols(p, c, &j0, &j1);
	int m = j1 - j0, i0 = j0 / p->hw, i1 = j1 / p->hw;
	float *col = p->work + p->per * (size_t)tid;
	float *xs = col + (size_t)p->K * p->CH;
	float *yc = p->y + (size_t)i0 * d->cout * ohw;
	for (size_t q = 0; q < (size_t)(i1 - i0) * d->cout; q++) {
		float bv = p->b ? p->b[q % d->cout] : 0.f;
		for (size_t k = 0; k < ohw; k++)
			yc[q * ohw + k] = bv;
	}
	if (p->rows) {
		fwd_rows(p, tid, j0, j1);
		return;
	}
	ln_gather(p->x, d->cin, p->hw, j0, j1, xs);
	ln_gemm(1, 0, p->K, m, d->cin, 1.f, p->w, p->K, xs, m, 0.f, col, m);
	ln_col2im(&p->cd, col, j0, j1, p->y);
}

void ln_cpu_deconv2d_fwd(const ln_conv_desc *d, const float *x,
                         const float *w, const float *b, float *y,
                         float *work)
{
	plan p;
	make_plan(d, &p);
	p.x = x, p.w = w, p.b = b, p.y = y, p.work = work;
	p.wr = work + p.dwoff;
	if (p.rows)
		reorder_weight(d, w, p.wr);
	ln_pool_run(p.nchunk, fwd_chunk, &p, p.T);
}

/* Channels-last backward of one chunk: colT = im2row(dy), dx rows =
 * colT wr^T, dW_c = xt^T colT (in the wr layout). */
static void bwd_rows(const plan *p, int c, int tid, int j0, int j1)
{
	const ln_conv_desc *d = p->d;
	size_t ohw = (size_t)d->oh * d->ow;
	int m = j1 - j0, i0 = j0 / p->hw, ni = m / p->hw;
	float *col = p->work + p->per * (size_t)tid;
	float *xt = col + (size_t)p->K * p->CH;
	float *yt = xt + (size_t)d->cin * p->CH;
	ln_nchw_to_nhwc(0, ni, d->cout, (int)ohw,
	                p->dy + (size_t)i0 * d->cout * ohw, yt);
	ln_im2row(&p->cd, yt, i0, j0, j1, col);
	if (p->dw) {
		ln_nchw_to_nhwc(0, ni, d->cin, p->hw,
		                p->x + (size_t)i0 * d->cin * p->hw, xt);
		ln_gemm(1, 0, d->cin, p->K, m, 1.f, xt, d->cin, col, p->K, 0.f,
		        p->parts + (size_t)d->cin * p->K * c, p->K);
	}
	if (p->dx) {
		ln_gemm(0, 1, m, d->cin, p->K, 1.f, col, p->K, p->wr, p->K, 0.f,
		        xt, d->cin);
		ln_nhwc_add_to_nchw(ni, d->cin, p->hw, xt,
		                    p->dx + (size_t)i0 * d->cin * p->hw);
	}
}

static void bwd_chunk(void *arg, int c, int tid)
{
	const plan *p = arg;
	const ln_conv_desc *d = p->d;
	int j0, j1;
	chunk_cols(p, c, &j0, &j1);
	if (p->rows) {
		bwd_rows(p, c, tid, j0, j1);
		return;
	}
	int m = j1 - j0;
	float *col = p->work + p->per * (size_t)tid;
	float *xs = col + (size_t)p->K * p->CH;
	ln_im2col(&p->cd, p->dy, j0, j1, col);
	if (p->dw) {
		ln_gather(p->x, d->cin, p->hw, j0, j1, xs);
		ln_gemm(0, 1, d->cin, p->K, m, 1.f, xs, m, col, m, 0.f,
		        p->parts + (size_t)d->cin * p->K * c, p->K);
	}
	if (p->dx) {
		ln_gemm(0, 0, d->cin, m, p->K, 1.f, p->w, p->K, col, m, 0.f, xs,
		        m);
		ln_scatter(xs, d->cin, p->hw, j0, j1, NULL, 1, p->dx);
	}
}

static void reduce_chunk(void *arg, int part, int tid)
{
	const plan *p = arg;
	const ln_conv_desc *d = p->d;
	(void)tid;
	ln_reduce_wgrad(p->parts, p->nchunk, (size_t)d->cin * p->K, p->K,
	                (size_t)d->kh * d->kw, d->cout, p->rows != 0, p->dw, part);
}

void ln_cpu_deconv2d_bwd(const ln_conv_desc *d, const float *x,
                         const float *w, const float *dy, float *dx,
                         float *dw, float *db, float *work)
{
	plan p;
	make_plan(d, &p);
	if (db)
		ln_bias_grad(d->n, d->cout, d->oh * d->ow, dy, db);
	if (!dx && !dw)
		return;
	p.x = x, p.w = w, p.dy = dy, p.dx = dx, p.dw = dw, p.work = work;
	p.wr = work + p.dwoff;
	p.parts = p.wr + (size_t)d->cin * p.K;
	if (p.rows && dx)
		reorder_weight(d, w, p.wr);
	ln_pool_run(p.nchunk, bwd_chunk, &p, p.T);
	if (dw)
		ln_pool_run(8, reduce_chunk, &p, p.T);
}
