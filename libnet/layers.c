/* layers.c - layers that own parameters: conv, deconv, batchnorm, linear.
 * Parameters are registered as NAME.weight, NAME.bias (and for batchnorm
 * NAME.running_mean, NAME.running_var, not trainable) - PyTorch's names. */
#include "ln_graph.h"
#include "lp_error.h"

#include <math.h>
#include <stdio.h>

static ln_tensor *add(ln_params *P, const char *name, const char *suffix,
                      int n, int c, int h, int w, int trainable)
{
	char buf[256];
	if ((size_t)snprintf(buf, sizeof buf, "%s.%s", name, suffix) >= sizeof buf) {
		lp_seterr(LP_EX_SOFTWARE, "param %s: name too long", name);
		return NULL;
	}
	return ln_param_add(P, buf, n, c, h, w, trainable);
}

static void fill_uniform(ln_tensor *t, float bound, ln_rng *rng)
{
	for (size_t i = 0; i < ln_numel(t); i++)
		t->data[i] = ln_rng_uniform(rng, -bound, bound);
}

static int conv_like(ln_conv *L, ln_params *P, const char *name, int wn,
                     int wc, int k, int nb, int fan_in, int stride, int pad,
                     int bias, ln_rng *rng)
{
	L->stride = stride;
	L->pad = pad;
	L->b = NULL;
	L->w = add(P, name, "weight", wn, wc, k, k, 1);
	if (!L->w)
		return -1;
	if (bias && !(L->b = add(P, name, "bias", 1, nb, 1, 1, 1)))
		return -1;
	float bound = 1.f / sqrtf((float)fan_in);
	if (rng) {
		fill_uniform(L->w, bound, rng);
		if (L->b)
			fill_uniform(L->b, bound, rng);
	}
	return 0;
}

int ln_conv_init(ln_conv *L, ln_params *P, const char *name, int cin,
                 int cout, int k, int stride, int pad, int bias, ln_rng *rng)
{
	return conv_like(L, P, name, cout, cin, k, cout, cin * k * k, stride,
	                 pad, bias, rng);
}

ln_tensor *ln_conv_fwd(ln_ctx *ctx, const ln_conv *L, ln_tensor *x)
{
	return ln_conv2d(ctx, x, L->w, L->b, L->stride, L->pad);
}

int ln_deconv_init(ln_deconv *L, ln_params *P, const char *name, int cin,
                   int cout, int k, int stride, int pad, int bias,
                   ln_rng *rng)
{
	/* PyTorch's fan_in for ConvTranspose2d weight (cin, cout, k, k) is
	 * cout * k * k. */
	return conv_like(L, P, name, cin, cout, k, cout, cout * k * k, stride,
	                 pad, bias, rng);
}

ln_tensor *ln_deconv_fwd(ln_ctx *ctx, const ln_deconv *L, ln_tensor *x)
{
	return ln_deconv2d(ctx, x, L->w, L->b, L->stride, L->pad);
}

int ln_bn_init(ln_bn *L, ln_params *P, const char *name, int c)
{
	L->momentum = 0.1f;
	L->eps = 1e-5f;
	L->gamma = add(P, name, "weight", 1, c, 1, 1, 1);
	L->beta = L->gamma ? add(P, name, "bias", 1, c, 1, 1, 1) : NULL;
	L->rmean = L->beta ? add(P, name, "running_mean", 1, c, 1, 1, 0) : NULL;
	L->rvar = L->rmean ? add(P, name, "running_var", 1, c, 1, 1, 0) : NULL;
	if (!L->rvar)
		return -1;
	for (int i = 0; i < c; i++)
		L->gamma->data[i] = 1.f, L->rvar->data[i] = 1.f;
	return 0;
}

int ln_linear_init(ln_linear_layer *L, ln_params *P, const char *name,
                   int cin, int cout, ln_rng *rng)
{
	L->stride = 1;
	L->pad = 0;
	L->w = add(P, name, "weight", cout, cin, 1, 1, 1);
	L->b = L->w ? add(P, name, "bias", 1, cout, 1, 1, 1) : NULL;
	if (!L->b)
		return -1;
	if (rng) {
		fill_uniform(L->w, 1.f / sqrtf((float)cin), rng);
		fill_uniform(L->b, 1.f / sqrtf((float)cin), rng);
	}
	return 0;
}

ln_tensor *ln_linear_fwd(ln_ctx *ctx, const ln_linear_layer *L, ln_tensor *x)
{
	return ln_linear(ctx, x, L->w, L->b);
}
