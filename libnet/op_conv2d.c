/* op_conv2d.c - 2-D convolution, forward and backward (CPU).
 *
 * The batch is lowered to one matrix and cut into chunks of whole images
 * (ln_cpu_images: as many images as keep a chunk's lowered slab near the
 * L2 size, at most a quarter of the batch for balance).  The pool threads
 * (cpu_pool.c) claim chunks and run the lowering + a single-threaded
 * OpenBLAS sgemm on each.
 *  - cin >= 8: channels-last lowering (im2row.c): each chunk's images are
 *    copied to NHWC and every output pixel gathers kh*kw runs of cin
 *    floats; otherwise im2col (im2col.c) with short rows.
 *  - backward, the same lowering: dW as one partial per chunk, summed in
 *    chunk order; dx by row2im / col2im (chunks are whole images: no
 *    races).
 * The chunk plan does not depend on the thread count and every output
 * depends only on it, so results are bit-identical for any thread count.
 */
#include "ln_cpu.h"

#include <string.h>

#define ROWS_MIN_CIN 8

typedef struct {
	const ln_conv_desc *d;
	int T, K, ohw;
	int g, nchunk, CH; /* images per chunk, chunks, columns per chunk */
	size_t per;        /* floats per thread: slab K*CH + out cout*CH
	                      (+ NHWC copy of the chunk's images) */
	size_t pre;        /* channels-last: the reordered weight */
	size_t dwoff;      /* shared scratch (weight, dW partials) from here */
	const float *x, *w, *b, *dy;
	float *y, *dx, *dw, *work, *wr, *parts;
} plan;

static void make_plan(const ln_conv_desc *d, plan *p)
{
	memset(p, 0, sizeof *p);
	p->d = d;
	p->T = ln_pool_size();
	p->K = d->cin * d->kh * d->kw;
	p->ohw = d->oh * d->ow;
	p->g = ln_cpu_images(p->K, p->ohw, d->n);
	p->nchunk = (d->n + p->g - 1) / p->g;
	p->CH = p->g * p->ohw;
	p->per = (size_t)p->K * p->CH + (size_t)d->cout * p->CH;
	if (d->cin >= ROWS_MIN_CIN) {
		p->pre = (size_t)d->cout * p->K;
		p->per += (size_t)p->g * d->cin * d->h * d->w;
	}
	p->dwoff = p->per * (size_t)p->T;
	if ((double)p->K * d->cout * d->n * p->ohw < LN_PAR_MIN_FMA)
		p->T = 1; /* too small to pay for waking the pool */
}

size_t ln_cpu_conv2d_work(const ln_conv_desc *d)
{
	plan p;
	make_plan(d, &p);
	return p.dwoff + p.pre + (size_t)p.nchunk * d->cout * p.K;
}

static void chunk_cols(const plan *p, int c, int *j0, int *j1)
{
	int i1 = (c + 1) * p->g < p->d->n ? (c + 1) * p->g : p->d->n;
	*j0 = c * p->g * p->ohw;
	*j1 = i1 * p->ohw;
}

/* wr[co][(ky*kw + kx)*cin + ci] = w[co][ci][ky][kx] */
static void reorder_weight(const ln_conv_desc *d, const float *w, float *wr)
{
	int kk = d->kh * d->kw;
	for (int co = 0; co < d->cout; co++)
		for (int ci = 0; ci < d->cin; ci++)
			for (int k = 0; k < kk; k++)
				wr[((size_t)co * kk + k) * d->cin + ci] =
				    w[((size_t)co * d->cin + ci) * kk + k];
}

static int pointwise(const ln_conv_desc *d)
{
	return d->kh == 1 && d->kw == 1 && d->stride == 1 && d->pad == 0;
}

static void fwd_chunk(void *arg, int c, int tid)
{
	const plan *p = arg;
	const ln_conv_desc *d = p->d;
	int j0, j1;
	chunk_cols(p, c, &j0, &j1);
	int m = j1 - j0, i0 = j0 / p->ohw;
	float *col = p->work + p->per * (size_t)tid;
	float *out = col + (size_t)p->K * p->CH;
	if (p->pre) {
		float *xt = out + (size_t)d->cout * p->CH;
		size_t img = (size_t)d->cin * d->h * d->w;
		ln_nchw_to_nhwc(0, m / p->ohw, d->cin, d->h * d->w,
		                p->x + i0 * img, xt);
		if (pointwise(d))
			col = xt; /* 1x1, stride 1, no padding: rows = pixels */
		else
			ln_im2row(d, xt, i0, j0, j1, col);
		ln_gemm(0, 1, m, d->cout, p->K, 1.f, col, p->K, p->wr, p->K,
		        0.f, out, d->cout);
		ln_rows_to_nchw(out, d->cout, p->ohw, j0, j1, p->b, p->y);
	} else {
		ln_im2col(d, p->x, j0, j1, col);
		ln_gemm(0, 0, d->cout, m, p->K, 1.f, p->w, p->K, col, m, 0.f,
		        out, m);
		ln_scatter(out, d->cout, p->ohw, j0, j1, p->b, 0, p->y);
	}
}

void ln_cpu_conv2d_fwd(const ln_conv_desc *d, const float *x, const float *w,
                       const float *b, float *y, float *work)
{
	plan p;
	make_plan(d, &p);
	p.x = x, p.w = w, p.b = b, p.y = y, p.work = work;
	p.wr = work + p.dwoff;
	if (p.pre)
		reorder_weight(d, w, p.wr);
	ln_pool_run(p.nchunk, fwd_chunk, &p, p.T);
}

/* Channels-last backward of one chunk: dW_c = dYt^T colT, dcolT = dYt W',
 * row2im into an NHWC scratch, added back to dx. */
static void bwd_chunk_rows(const plan *p, int c, int tid, int j0, int j1)
{
	const ln_conv_desc *d = p->d;
	int i0 = j0 / p->ohw, ni = (j1 - j0) / p->ohw, m = j1 - j0;
	size_t img = (size_t)d->cin * d->h * d->w;
	float *col = p->work + p->per * (size_t)tid;
	float *dyt = col + (size_t)p->K * p->CH;
	float *xt = dyt + (size_t)d->cout * p->CH;
	ln_nchw_to_nhwc(0, ni, d->cout, p->ohw,
	                p->dy + (size_t)i0 * d->cout * p->ohw, dyt);
	if (p->dw) {
		ln_nchw_to_nhwc(0, ni, d->cin, d->h * d->w, p->x + i0 * img, xt);
		ln_im2row(d, xt, i0, j0, j1, col);
		ln_gemm(1, 0, d->cout, p->K, m, 1.f, dyt, d->cout, col, p->K,
		        0.f, p->parts + (size_t)d->cout * p->K * c, p->K);
	}
	if (p->dx) {
		ln_gemm(0, 0, m, p->K, d->cout, 1.f, dyt, d->cout, p->wr, p->K,
		        0.f, col, p->K);
		memset(xt, 0, sizeof(float) * img * ni);
		ln_row2im(d, col, i0, j0, j1, xt);
		ln_nhwc_add_to_nchw(ni, d->cin, d->h * d->w, xt, p->dx + i0 * img);
	}
}

static void bwd_chunk(void *arg, int c, int tid)
{
	const plan *p = arg;
	const ln_conv_desc *d = p->d;
	int j0, j1;
	chunk_cols(p, c, &j0, &j1);
	if (p->pre) {
		bwd_chunk_rows(p, c, tid, j0, j1);
		return;
	}
	int m = j1 - j0;
	float *col = p->work + p->per * (size_t)tid;
	float *slab = col + (size_t)p->K * p->CH;
	ln_gather(p->dy, d->cout, p->ohw, j0, j1, slab);
	if (p->dw) {
		ln_im2col(d, p->x, j0, j1, col);
		ln_gemm(0, 1, d->cout, p->K, m, 1.f, slab, m, col, m, 0.f,
		        p->parts + (size_t)d->cout * p->K * c, p->K);
	}
	if (p->dx) {
		ln_gemm(1, 0, p->K, m, d->cout, 1.f, p->w, p->K, slab, m, 0.f,
		        col, m);
		ln_col2im(d, col, j0, j1, p->dx);
	}
}

/* dw += the per-chunk partials, in chunk order; channels-last partials
 * are in the (ky, kx, ci) order of the reordered weight. */
static void reduce_chunk(void *arg, int part, int tid)
{
	const plan *p = arg;
	const ln_conv_desc *d = p->d;
	(void)tid;
	ln_reduce_wgrad(p->parts, p->nchunk, (size_t)d->cout * p->K, p->K,
	                (size_t)d->kh * d->kw, d->cin, p->pre != 0, p->dw, part);
}

void ln_cpu_conv2d_bwd(const ln_conv_desc *d, const float *x, const float *w,
                       const float *dy, float *dx, float *dw, float *db,
                       float *work)
{
	plan p;
	make_plan(d, &p);
	if (db)
		ln_bias_grad(d->n, d->cout, p.ohw, dy, db);
	if (!dx && !dw)
		return;
	p.x = x, p.w = w, p.dy = dy, p.dx = dx, p.dw = dw, p.work = work;
	p.wr = work + p.dwoff;
	p.parts = p.wr + p.pre;
	if (p.pre && dx)
		reorder_weight(d, w, p.wr);
	ln_pool_run(p.nchunk, bwd_chunk, &p, p.T);
	if (dw)
		ln_pool_run(8, reduce_chunk, &p, p.T);
}
