/* graph_misc.c - graph layer of the parameter-free ops: relu, upsample,
 * concat, add, scale, avgpool, dupsample, softmax, channel. */
#include "ln_graph.h"
#include "lp_error.h"

#include <string.h>

#define GRAD1(nd, dx)                                  \
	int err_ = 0;                                  \
	float *dx = ln__grad((nd)->in[0], &err_);      \
	if (err_)                                      \
		return -1;                             \
	if (!dx)                                       \
		return 0

static int same_shape(const ln_tensor *a, const ln_tensor *b)
{
	return a->n == b->n && a->c == b->c && a->h == b->h && a->w == b->w;
}

static ln_tensor *finish(ln_ctx *ctx, const char *op, ln_bwd_fn bwd,
                         ln_tensor *y, ln_tensor *a, ln_tensor *b, int iv0,
                         int iv1, float fv0)
{
	int err = 0;
	ln_node *nd = ln__record(ctx, op, bwd, y, a, b, NULL, &err);
	if (nd)
		nd->iv[0] = iv0, nd->iv[1] = iv1, nd->fv[0] = fv0;
	return err ? NULL : y;
}

static int relu_bwd(ln_ctx *ctx, ln_node *nd)
{
	GRAD1(nd, dx);
	ctx->be->relu_bwd(ln_numel(nd->out), nd->out->data, nd->out->grad, dx);
	return 0;
}

ln_tensor *ln_relu(ln_ctx *ctx, ln_tensor *x)
{
	if (!x)
		return NULL;
	ln_tensor *y = ln__tensor(ctx, x->n, x->c, x->h, x->w);
	if (!y)
		return NULL;
	ctx->be->relu_fwd(ln_numel(x), x->data, y->data);
	return finish(ctx, "relu", relu_bwd, y, x, NULL, 0, 0, 0);
}

static int ups_bwd(ln_ctx *ctx, ln_node *nd)
{
	ln_tensor *x = nd->in[0];
	GRAD1(nd, dx);
	ctx->be->upsample_bwd(x->n * x->c, x->h, x->w, nd->out->h, nd->out->w,
	                      nd->out->grad, dx);
	return 0;
}

ln_tensor *ln_upsample(ln_ctx *ctx, ln_tensor *x, int oh, int ow)
{
	if (!x)
		return NULL;
	if (oh < 1 || ow < 1) {
		lp_seterr(LP_EX_DATAERR, "upsample: bad output size %dx%d", oh,
		          ow);
		return NULL;
	}
	ln_tensor *y = ln__tensor(ctx, x->n, x->c, oh, ow);
	if (!y)
		return NULL;
	ctx->be->upsample_fwd(x->n * x->c, x->h, x->w, oh, ow, x->data,
	                      y->data);
	return finish(ctx, "upsample", ups_bwd, y, x, NULL, 0, 0, 0);
}

static int concat_bwd(ln_ctx *ctx, ln_node *nd)
{
	ln_tensor *a = nd->in[0], *b = nd->in[1];
	int err = 0;
	float *da = ln__grad(a, &err), *db = ln__grad(b, &err);
	if (err)
		return -1;
	ctx->be->concat_bwd(a->n, a->c, b->c, a->h * a->w, nd->out->grad, da,
	                    db);
	return 0;
}

ln_tensor *ln_concat(ln_ctx *ctx, ln_tensor *a, ln_tensor *b)
{
	if (!a || !b)
		return NULL;
	if (a->n != b->n || a->h != b->h || a->w != b->w)
		return ln__shape_err("concat", "batch or spatial sizes differ", a,
		                     b);
	ln_tensor *y = ln__tensor(ctx, a->n, a->c + b->c, a->h, a->w);
	if (!y)
		return NULL;
	ctx->be->concat_fwd(a->n, a->c, b->c, a->h * a->w, a->data, b->data,
	                    y->data);
	return finish(ctx, "concat", concat_bwd, y, a, b, 0, 0, 0);
}

/* dst += alpha * g */
static void acc(ln_ctx *ctx, size_t len, float alpha, const float *g,
                float *dst)
{
	ctx->be->axpby(len, alpha, g, 1.f, dst, dst);
}

static int add_bwd(ln_ctx *ctx, ln_node *nd)
{
	int err = 0;
	size_t len = ln_numel(nd->out);
	for (int k = 0; k < 2; k++) {
		float *d = ln__grad(nd->in[k], &err);
		if (err)
			return -1;
		if (d)
			acc(ctx, len, k ? nd->fv[0] : 1.f, nd->out->grad, d);
	}
	return 0;
}

static ln_tensor *add_scaled(ln_ctx *ctx, ln_tensor *a, ln_tensor *b,
                             float beta, const char *op)
{
	if (!a || !b)
		return NULL;
	if (!same_shape(a, b))
		return ln__shape_err(op, "shapes differ", a, b);
	ln_tensor *y = ln__tensor(ctx, a->n, a->c, a->h, a->w);
	if (!y)
		return NULL;
	ctx->be->axpby(ln_numel(a), 1.f, a->data, beta, b->data, y->data);
	return finish(ctx, op, add_bwd, y, a, b, 0, 0, beta);
}

ln_tensor *ln_add(ln_ctx *ctx, ln_tensor *a, ln_tensor *b)
{
	return add_scaled(ctx, a, b, 1.f, "add");
}

static int scale_bwd(ln_ctx *ctx, ln_node *nd)
{
	GRAD1(nd, dx);
	acc(ctx, ln_numel(nd->out), nd->fv[0], nd->out->grad, dx);
	return 0;
}

ln_tensor *ln_scale(ln_ctx *ctx, ln_tensor *x, float alpha)
{
	if (!x)
		return NULL;
	ln_tensor *y = ln__tensor(ctx, x->n, x->c, x->h, x->w);
	if (!y)
		return NULL;
	ctx->be->axpby(ln_numel(x), alpha, x->data, 0.f, NULL, y->data);
	return finish(ctx, "scale", scale_bwd, y, x, NULL, 0, 0, alpha);
}

static int pool_bwd(ln_ctx *ctx, ln_node *nd)
{
	ln_tensor *x = nd->in[0];
	GRAD1(nd, dx);
	ctx->be->avgpool_bwd(x->n * x->c, x->h * x->w, nd->out->grad, dx);
	return 0;
}

ln_tensor *ln_avgpool(ln_ctx *ctx, ln_tensor *x)
{
	if (!x)
		return NULL;
	ln_tensor *y = ln__tensor(ctx, x->n, x->c, 1, 1);
	if (!y)
		return NULL;
	ctx->be->avgpool_fwd(x->n * x->c, x->h * x->w, x->data, y->data);
	return finish(ctx, "avgpool", pool_bwd, y, x, NULL, 0, 0, 0);
}

static int dups_bwd(ln_ctx *ctx, ln_node *nd)
{
	ln_tensor *x = nd->in[0];
	int s = nd->iv[0];
	GRAD1(nd, dx);
	ctx->be->dups_bwd(x->n, x->c / (s * s), x->h, x->w, s, nd->out->grad,
	                  dx);
	return 0;
}

ln_tensor *ln_dupsample(ln_ctx *ctx, ln_tensor *x, int s)
{
	if (!x)
		return NULL;
	if (s < 1 || x->c % (s * s)) {
		lp_seterr(LP_EX_DATAERR, "dupsample: %d channels are not a "
		          "multiple of scale %d squared", x->c, s);
		return NULL;
	}
	int k = x->c / (s * s);
	ln_tensor *y = ln__tensor(ctx, x->n, k, x->h * s, x->w * s);
	if (!y)
		return NULL;
	ctx->be->dups_fwd(x->n, k, x->h, x->w, s, x->data, y->data);
	return finish(ctx, "dupsample", dups_bwd, y, x, NULL, s, 0, 0);
}

static int softmax_bwd(ln_ctx *ctx, ln_node *nd)
{
	ln_tensor *y = nd->out;
	GRAD1(nd, dx);
	ctx->be->softmax_bwd(y->n, y->c, y->h * y->w, y->data, y->grad, dx);
	return 0;
}

ln_tensor *ln_softmax(ln_ctx *ctx, ln_tensor *x)
{
	if (!x)
		return NULL;
	ln_tensor *y = ln__tensor(ctx, x->n, x->c, x->h, x->w);
	if (!y)
		return NULL;
	ctx->be->softmax_fwd(x->n, x->c, x->h * x->w, x->data, y->data);
	return finish(ctx, "softmax", softmax_bwd, y, x, NULL, 0, 0, 0);
}

static int channel_bwd(ln_ctx *ctx, ln_node *nd)
{
	ln_tensor *x = nd->in[0];
	size_t hw = (size_t)x->h * x->w;
	GRAD1(nd, dx);
	for (int i = 0; i < x->n; i++)
		acc(ctx, hw, 1.f, nd->out->grad + i * hw,
		    dx + ((size_t)i * x->c + nd->iv[0]) * hw);
	return 0;
}

ln_tensor *ln_channel(ln_ctx *ctx, ln_tensor *x, int c)
{
	if (!x)
		return NULL;
	if (c < 0 || c >= x->c) {
		lp_seterr(LP_EX_DATAERR, "channel: index %d out of range for %d "
		          "channels", c, x->c);
		return NULL;
	}
	ln_tensor *y = ln__tensor(ctx, x->n, 1, x->h, x->w);
	if (!y)
		return NULL;
	size_t hw = (size_t)x->h * x->w;
	for (int i = 0; i < x->n; i++)
		memcpy(y->data + i * hw, x->data + ((size_t)i * x->c + c) * hw,
		       hw * sizeof(float));
	return finish(ctx, "channel", channel_bwd, y, x, NULL, c, 0, 0);
}
