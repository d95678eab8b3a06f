/* graph_loss.c - graph layer of the losses: softmax cross-entropy, mean,
 * the WGAN critic and adversarial terms, the boundary loss L_b. */
#include "ln_graph.h"
#include "lp_error.h"

#include <stdlib.h>
#include <string.h>

static int ce_bwd(ln_ctx *ctx, ln_node *nd)
{
	ln_tensor *x = nd->in[0];
	int err = 0;
	float *dx = ln__grad(x, &err);
	if (err)
		return -1;
	if (dx)
		ctx->be->ce_bwd(x->n, x->c, x->h * x->w, nd->saved[0],
		                nd->saved[1], nd->out->grad[0], dx);
	return 0;
}

ln_tensor *ln_loss_ce(ln_ctx *ctx, ln_tensor *x, const int *labels)
{
	int err = 0;
	if (!x)
		return NULL;
	size_t npos = (size_t)x->n * x->h * x->w;
	for (size_t i = 0; i < npos; i++)
		if (labels[i] < 0 || labels[i] >= x->c) {
			lp_seterr(LP_EX_DATAERR, "cross-entropy: label %d at "
			          "position %zu is outside [0, %d)", labels[i], i,
			          x->c);
			return NULL;
		}
	ln_tensor *y = ln__tensor(ctx, 1, 1, 1, 1);
	float *prob = y ? lp_malloc(ln_numel(x) * sizeof(float)) : NULL;
	int *lab = prob ? lp_malloc(npos * sizeof(int)) : NULL;
	if (!lab) {
		free(prob);
		return NULL;
	}
	memcpy(lab, labels, npos * sizeof(int));
	y->data[0] = (float)ctx->be->ce_fwd(x->n, x->c, x->h * x->w, x->data,
	                                     lab, prob);
	ln_node *nd = ln__record(ctx, "cross-entropy", ce_bwd, y, x, NULL,
	                         NULL, &err);
	if (!nd) {
		free(prob);
		free(lab);
		return err ? NULL : y;
	}
	nd->saved[0] = prob;
	nd->saved[1] = lab;
	return y;
}

static int mean_bwd(ln_ctx *ctx, ln_node *nd)
{
	int err = 0;
	float *dx = ln__grad(nd->in[0], &err);
	if (err)
		return -1;
	if (dx) {
		size_t len = ln_numel(nd->in[0]);
		float g = nd->out->grad[0] / (float)len;
		for (size_t i = 0; i < len; i++)
			dx[i] += g;
	}
	return 0;
}

ln_tensor *ln_mean(ln_ctx *ctx, ln_tensor *x)
{
	int err = 0;
	if (!x)
		return NULL;
	ln_tensor *y = ln__tensor(ctx, 1, 1, 1, 1);
	if (!y)
		return NULL;
	double s = 0;
	size_t len = ln_numel(x);
	for (size_t i = 0; i < len; i++)
		s += x->data[i];
	y->data[0] = (float)(s / (double)len);
	ln__record(ctx, "mean", mean_bwd, y, x, NULL, NULL, &err);
	return err ? NULL : y;
}

ln_tensor *ln_loss_wgan_critic(ln_ctx *ctx, ln_tensor *d_real,
                               ln_tensor *d_fake)
{
	ln_tensor *r = ln_mean(ctx, d_real), *f = ln_mean(ctx, d_fake);
	if (!r || !f)
		return NULL;
	return ln_add(ctx, f, ln_scale(ctx, r, -1.f));
}

ln_tensor *ln_loss_wgan_gen(ln_ctx *ctx, ln_tensor *d_fake)
{
	return ln_scale(ctx, ln_mean(ctx, d_fake), -1.f);
}

static int bnd_bwd(ln_ctx *ctx, ln_node *nd)
{
	ln_tensor *p = nd->in[0];
	int err = 0;
	float *dp = ln__grad(p, &err);
	if (err)
		return -1;
	if (dp)
		ctx->be->bnd_bwd(p->n, p->h, p->w, nd->saved[1], nd->saved[2],
		                 nd->saved[0], nd->out->grad[0], dp);
	return 0;
}

ln_tensor *ln_loss_boundary(ln_ctx *ctx, ln_tensor *p, ln_tensor *g)
{
	int err = 0;
	if (!p || !g)
		return NULL;
	if (p->c != 1 || g->n != p->n || g->c != 1 || g->h != p->h ||
	    g->w != p->w)
		return ln__shape_err("boundary loss", "prediction and ground "
		                     "truth must both be N x 1 x H x W", p, g);
	size_t len = ln_numel(p);
	ln_tensor *y = ln__tensor(ctx, 1, 1, 1, 1);
	int *am = y ? lp_malloc(len * sizeof(int)) : NULL;
	float *bp = am ? lp_malloc(len * sizeof(float)) : NULL;
	float *bg = bp ? lp_malloc(len * sizeof(float)) : NULL;
	if (!bg) {
		free(am);
		free(bp);
		return NULL;
	}
	y->data[0] = (float)ctx->be->bnd_fwd(p->n, p->h, p->w, p->data,
	                                      g->data, am, bp, bg);
	ln_node *nd = ln__record(ctx, "boundary loss", bnd_bwd, y, p, NULL,
	                         NULL, &err);
	if (!nd) {
		free(am);
		free(bp);
		free(bg);
		return err ? NULL : y;
	}
	nd->saved[0] = am, nd->saved[1] = bp, nd->saved[2] = bg;
	return y;
}
