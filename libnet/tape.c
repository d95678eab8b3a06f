/* tape.c - the context: activations, scratch, the tape and backward. */
#include "ln_graph.h"
#include "ln_cpu.h"
#include "lp_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t ln_numel(const ln_tensor *t)
{
	return (size_t)t->n * t->c * t->h * t->w;
}

const char *ln_shape_str(const ln_tensor *t, char *buf, size_t len)
{
	if (!t)
		snprintf(buf, len, "(none)");
	else
		snprintf(buf, len, "%dx%dx%dx%d", t->n, t->c, t->h, t->w);
	return buf;
}

ln_tensor *ln__shape_err(const char *op, const char *what,
                         const ln_tensor *a, const ln_tensor *b)
{
	char sa[64], sb[64];
	lp_seterr(LP_EX_DATAERR, "%s: %s (%s and %s)", op, what,
	          ln_shape_str(a, sa, sizeof sa), ln_shape_str(b, sb, sizeof sb));
	return NULL;
}

ln_ctx *ln_ctx_new(const ln_backend *be)
{
	ln_ctx *ctx = lp_calloc(1, sizeof *ctx);
	if (!ctx)
		return NULL;
	ctx->be = be ? be : ln_backend_cpu();
	ctx->train = 1;
	ctx->grad = 1;
	ln_cpu_threads(); /* OpenBLAS to 1 thread, once */
	return ctx;
}

static void free_tensor(ln_tensor *t)
{
	if (t->owned)
		free(t->data);
	free(t->grad);
	free(t->name);
	free(t);
}

void ln_ctx_reset(ln_ctx *ctx)
{
	if (!ctx)
		return;
	for (size_t i = 0; i < ctx->nnodes; i++)
		for (int k = 0; k < 3; k++)
			free(ctx->tape[i].saved[k]);
	ctx->nnodes = 0;
	for (size_t i = 0; i < ctx->nacts; i++)
		free_tensor(ctx->acts[i]);
	ctx->nacts = 0;
}

void ln_ctx_free(ln_ctx *ctx)
{
	if (!ctx)
		return;
	ln_ctx_reset(ctx);
	free(ctx->acts);
	free(ctx->tape);
	free(ctx->work);
	free(ctx);
}

void ln_ctx_train(ln_ctx *ctx, int train)
{
	ctx->train = train != 0;
}

int ln_ctx_is_train(const ln_ctx *ctx)
{
	return ctx->train;
}

void ln_ctx_grad(ln_ctx *ctx, int enable)
{
	ctx->grad = enable != 0;
}

static int push_act(ln_ctx *ctx, ln_tensor *t)
{
	if (ctx->nacts == ctx->capacts) {
		size_t cap = ctx->capacts ? 2 * ctx->capacts : 64;
		ln_tensor **a = lp_realloc(ctx->acts, cap * sizeof *a);
		if (!a)
			return -1;
		ctx->acts = a;
		ctx->capacts = cap;
	}
	ctx->acts[ctx->nacts++] = t;
	return 0;
}

static ln_tensor *new_tensor(ln_ctx *ctx, float *data, int n, int c, int h,
                             int w)
{
	if (n <= 0 || c <= 0 || h <= 0 || w <= 0) {
		lp_seterr(LP_EX_DATAERR, "tensor: bad shape %dx%dx%dx%d", n, c,
		          h, w);
		return NULL;
	}
	ln_tensor *t = lp_calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->n = n, t->c = c, t->h = h, t->w = w;
	t->owned = data == NULL;
	t->data = data ? data : lp_calloc(ln_numel(t), sizeof(float));
	if (!t->data || push_act(ctx, t)) {
		if (!data)
			free(t->data);
		free(t);
		return NULL;
	}
	return t;
}

ln_tensor *ln__tensor(ln_ctx *ctx, int n, int c, int h, int w)
{
	return new_tensor(ctx, NULL, n, c, h, w);
}

ln_tensor *ln_input(ln_ctx *ctx, int n, int c, int h, int w)
{
	return new_tensor(ctx, NULL, n, c, h, w);
}

ln_tensor *ln_wrap(ln_ctx *ctx, float *data, int n, int c, int h, int w)
{
	if (!data) {
		lp_seterr(LP_EX_SOFTWARE, "ln_wrap: no data");
		return NULL;
	}
	return new_tensor(ctx, data, n, c, h, w);
}

float *ln__grad(ln_tensor *t, int *err)
{
	if (!t || !t->need_grad)
		return NULL;
	if (!t->grad) {
		t->grad = lp_calloc(ln_numel(t), sizeof(float));
		if (!t->grad)
			*err = -1;
	}
	return t->grad;
}

float *ln__work(ln_ctx *ctx, size_t n)
{
	if (n == 0)
		n = 1;
	if (n > ctx->worklen) {
		float *w = lp_realloc(ctx->work, n * sizeof(float));
		if (!w)
			return NULL;
		ctx->work = w;
		ctx->worklen = n;
	}
	return ctx->work;
}

ln_node *ln__record(ln_ctx *ctx, const char *op, ln_bwd_fn bwd,
                    ln_tensor *out, ln_tensor *a, ln_tensor *b,
                    ln_tensor *c, int *err)
{
	if (!ctx->grad || !((a && a->need_grad) || (b && b->need_grad) ||
	                    (c && c->need_grad)))
		return NULL;
	if (ctx->nnodes == ctx->capnodes) {
		size_t cap = ctx->capnodes ? 2 * ctx->capnodes : 64;
		ln_node *t = lp_realloc(ctx->tape, cap * sizeof *t);
		if (!t) {
			*err = -1;
			return NULL;
		}
		ctx->tape = t;
		ctx->capnodes = cap;
	}
	ln_node *nd = &ctx->tape[ctx->nnodes++];
	memset(nd, 0, sizeof *nd);
	nd->op = op;
	nd->bwd = bwd;
	nd->in[0] = a, nd->in[1] = b, nd->in[2] = c;
	nd->out = out;
	out->need_grad = 1;
	return nd;
}

int ln_backward(ln_ctx *ctx, ln_tensor *loss)
{
	int err = 0;
	if (!loss)
		return -1;
	if (ln_numel(loss) != 1)
		return lp_seterr(LP_EX_SOFTWARE, "backward: the loss has %zu "
		                 "elements, not 1", ln_numel(loss));
	if (!loss->need_grad)
		return lp_seterr(LP_EX_SOFTWARE, "backward: nothing to "
		                 "differentiate (no parameter reaches the loss)");
	float *g = ln__grad(loss, &err);
	if (!g)
		return -1;
	g[0] += 1.f;
	for (size_t i = ctx->nnodes; i-- > 0;) {
		ln_node *nd = &ctx->tape[i];
		if (!nd->out->grad)
			continue;
		if (nd->bwd(ctx, nd))
			return -1;
	}
	return 0;
}
