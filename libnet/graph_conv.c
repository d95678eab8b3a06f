/* graph_conv.c - graph layer of the parametrised ops: shape checks,
 * allocation and tape records for conv2d, deconv2d, batchnorm and linear.
 * The arithmetic is in the backend (op_*.c). */
#include "ln_graph.h"
#include "lp_error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int ln_conv_desc_set(ln_conv_desc *d, int transposed, int n, int cin, int h,
                     int w, int cout, int kh, int kw, int stride, int pad)
{
	const char *op = transposed ? "deconv2d" : "conv2d";
	memset(d, 0, sizeof *d);
	if (stride < 1 || pad < 0 || kh < 1 || kw < 1)
		return lp_seterr(LP_EX_DATAERR, "%s: bad kernel %dx%d stride %d "
		                 "pad %d", op, kh, kw, stride, pad);
	d->n = n, d->cin = cin, d->h = h, d->w = w, d->cout = cout;
	d->kh = kh, d->kw = kw, d->stride = stride, d->pad = pad;
	if (transposed) {
		d->oh = (h - 1) * stride - 2 * pad + kh;
		d->ow = (w - 1) * stride - 2 * pad + kw;
	} else {
		d->oh = (h + 2 * pad - kh) / stride + 1;
		d->ow = (w + 2 * pad - kw) / stride + 1;
		if (h + 2 * pad < kh || w + 2 * pad < kw)
			d->oh = d->ow = 0;
	}
	if (d->oh < 1 || d->ow < 1)
		return lp_seterr(LP_EX_DATAERR, "%s: input %dx%d too small for "
		                 "kernel %dx%d stride %d pad %d", op, h, w, kh,
		                 kw, stride, pad);
	return 0;
}

static int conv_desc(ln_node *nd, ln_conv_desc *d, int tr)
{
	ln_tensor *x = nd->in[0], *w = nd->in[1];
	return ln_conv_desc_set(d, tr, x->n, x->c, x->h, x->w, tr ? w->c : w->n,
	                        w->h, w->w, nd->iv[0], nd->iv[1]);
}

static int conv_bwd_any(ln_ctx *ctx, ln_node *nd, int tr)
{
	ln_conv_desc d;
	int err = 0;
	if (conv_desc(nd, &d, tr))
		return -1;
	float *dx = ln__grad(nd->in[0], &err), *dw = ln__grad(nd->in[1], &err);
	float *db = ln__grad(nd->in[2], &err);
	float *work = ln__work(ctx, tr ? ctx->be->deconv2d_work(&d)
	                               : ctx->be->conv2d_work(&d));
	if (err || !work)
		return -1;
	(tr ? ctx->be->deconv2d_bwd : ctx->be->conv2d_bwd)(
	    &d, nd->in[0]->data, nd->in[1]->data, nd->out->grad, dx, dw, db,
	    work);
	return 0;
}

static int conv_bwd(ln_ctx *ctx, ln_node *nd)
{
	return conv_bwd_any(ctx, nd, 0);
}

static int deconv_bwd(ln_ctx *ctx, ln_node *nd)
{
	return conv_bwd_any(ctx, nd, 1);
}

static ln_tensor *conv_any(ln_ctx *ctx, ln_tensor *x, ln_tensor *w,
                           ln_tensor *b, int stride, int pad, int tr)
{
	const char *op = tr ? "deconv2d" : "conv2d";
	ln_conv_desc d;
	int err = 0;
	if (!x || !w)
		return NULL;
	if ((tr ? w->n : w->c) != x->c)
		return ln__shape_err(op, "input channels do not match the weight",
		                     x, w);
	if (b && (int)ln_numel(b) != (tr ? w->c : w->n))
		return ln__shape_err(op, "bias does not match the weight", b, w);
	if (ln_conv_desc_set(&d, tr, x->n, x->c, x->h, x->w, tr ? w->c : w->n,
	                     w->h, w->w, stride, pad))
		return NULL;
	ln_tensor *y = ln__tensor(ctx, d.n, d.cout, d.oh, d.ow);
	float *work = y ? ln__work(ctx, tr ? ctx->be->deconv2d_work(&d)
	                                   : ctx->be->conv2d_work(&d))
	                : NULL;
	if (!work)
		return NULL;
	(tr ? ctx->be->deconv2d_fwd : ctx->be->conv2d_fwd)(
	    &d, x->data, w->data, b ? b->data : NULL, y->data, work);
	ln_node *nd = ln__record(ctx, op, tr ? deconv_bwd : conv_bwd, y, x, w,
	                         b, &err);
	if (nd)
		nd->iv[0] = stride, nd->iv[1] = pad;
	return err ? NULL : y;
}

ln_tensor *ln_conv2d(ln_ctx *ctx, ln_tensor *x, ln_tensor *w, ln_tensor *b,
                     int stride, int pad)
{
	return conv_any(ctx, x, w, b, stride, pad, 0);
}

ln_tensor *ln_deconv2d(ln_ctx *ctx, ln_tensor *x, ln_tensor *w, ln_tensor *b,
                       int stride, int pad)
{
	return conv_any(ctx, x, w, b, stride, pad, 1);
}

/* ---- batchnorm ----------------------------------------------------------- */
static int bn_bwd(ln_ctx *ctx, ln_node *nd)
{
	ln_tensor *x = nd->in[0];
	int err = 0;
	float *dx = ln__grad(x, &err), *dg = ln__grad(nd->in[1], &err);
	float *db = ln__grad(nd->in[2], &err);
	if (err)
		return -1;
	const float *st = nd->saved[0];
	ctx->be->bn_bwd(x->n, x->c, x->h * x->w, nd->iv[0], x->data,
	                nd->in[1]->data, st, st + x->c, nd->out->grad, dx, dg,
	                db);
	return 0;
}

ln_tensor *ln_bn_fwd(ln_ctx *ctx, const ln_bn *L, ln_tensor *x)
{
	int err = 0;
	if (!x)
		return NULL;
	if ((int)ln_numel(L->gamma) != x->c)
		return ln__shape_err("batchnorm", "channels do not match gamma",
		                     x, L->gamma);
	ln_tensor *y = ln__tensor(ctx, x->n, x->c, x->h, x->w);
	float *st = y ? lp_malloc(2 * sizeof(float) * (size_t)x->c) : NULL;
	if (!st)
		return NULL;
	int hw = x->h * x->w;
	if (ctx->train) {
		ctx->be->bn_fwd_train(x->n, x->c, hw, x->data, L->gamma->data,
		                      L->beta->data, L->eps, L->momentum,
		                      L->rmean->data, L->rvar->data, st,
		                      st + x->c, y->data);
	} else {
		for (int c = 0; c < x->c; c++) {
			st[c] = L->rmean->data[c];
			st[x->c + c] =
			    (float)(1.0 / sqrt((double)L->rvar->data[c] + L->eps));
		}
		ctx->be->bn_fwd_eval(x->n, x->c, hw, x->data, L->gamma->data,
		                     L->beta->data, L->eps, L->rmean->data,
		                     L->rvar->data, y->data);
	}
	ln_node *nd = ln__record(ctx, "batchnorm", bn_bwd, y, x, L->gamma,
	                         L->beta, &err);
	if (!nd) {
		free(st);
		return err ? NULL : y;
	}
	nd->iv[0] = ctx->train;
	nd->saved[0] = st;
	return y;
}

/* ---- linear -------------------------------------------------------------- */
static int linear_bwd(ln_ctx *ctx, ln_node *nd)
{
	ln_tensor *x = nd->in[0], *w = nd->in[1];
	int err = 0;
	float *dx = ln__grad(x, &err), *dw = ln__grad(w, &err);
	float *db = ln__grad(nd->in[2], &err);
	if (err)
		return -1;
	ctx->be->linear_bwd(x->n, (int)(ln_numel(x) / x->n), w->n, x->data,
	                    w->data, nd->out->grad, dx, dw, db);
	return 0;
}

ln_tensor *ln_linear(ln_ctx *ctx, ln_tensor *x, ln_tensor *w, ln_tensor *b)
{
	int err = 0;
	if (!x || !w)
		return NULL;
	int cin = (int)(ln_numel(x) / x->n);
	if ((size_t)w->c * w->h * w->w != (size_t)cin)
		return ln__shape_err("linear", "input features do not match the "
		                     "weight", x, w);
	if (b && (int)ln_numel(b) != w->n)
		return ln__shape_err("linear", "bias does not match the weight", b,
		                     w);
	ln_tensor *y = ln__tensor(ctx, x->n, w->n, 1, 1);
	if (!y)
		return NULL;
	ctx->be->linear_fwd(x->n, cin, w->n, x->data, w->data,
	                    b ? b->data : NULL, y->data);
	ln__record(ctx, "linear", linear_bwd, y, x, w, b, &err);
	return err ? NULL : y;
}
