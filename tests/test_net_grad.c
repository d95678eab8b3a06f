/* test_net_grad.c - finite-difference gradient checks of every libnet op
 * and loss.  Each case builds a scalar from leaf tensors (registered as
 * parameters so that they keep their values across ctx resets); non-loss
 * ops are reduced by a fixed random projection (linear + mean).  Central
 * differences in float32 with h = 1e-3 (x max(1,|v|)) are compared with the
 * analytic gradient of ln_backward. */
#include "ln.h"
#include "lp_error.h"
#include "lp_test.h"

#include <stdio.h>
#include <string.h>

typedef ln_tensor *(*build_fn)(ln_ctx *ctx, ln_params *P);

static ln_rng rng;
static int labels[4096];

static ln_tensor *leaf(ln_params *P, const char *name, int n, int c, int h,
                       int w, float lo, float hi)
{
	ln_tensor *t = ln_param_find(P, name);
	if (t)
		return t;
	t = ln_param_add(P, name, n, c, h, w, 1);
	for (size_t i = 0; t && i < ln_numel(t); i++)
		t->data[i] = ln_rng_uniform(&rng, lo, hi);
	return t;
}

/* sum_i r_i * y_i / N through a fixed (non-trainable) random weight. */
static ln_tensor *project(ln_ctx *ctx, ln_params *P, ln_tensor *y)
{
	if (!y)
		return NULL;
	int cin = (int)(ln_numel(y) / y->n);
	char name[32];
	snprintf(name, sizeof name, "proj%d", cin);
	ln_tensor *r = ln_param_find(P, name);
	if (!r) {
		r = ln_param_add(P, name, 1, cin, 1, 1, 0);
		for (int i = 0; r && i < cin; i++)
			r->data[i] = ln_rng_uniform(&rng, -1.f, 1.f);
	}
	return ln_mean(ctx, ln_linear(ctx, y, r, NULL));
}

static double eval(ln_ctx *ctx, ln_params *P, build_fn fn)
{
	ln_ctx_reset(ctx);
	ln_tensor *l = fn(ctx, P);
	return l ? l->data[0] : NAN;
}

static void gradcheck(const char *name, build_fn fn)
{
	ln_params P;
	ln_params_init(&P);
	ln_ctx *ctx = ln_ctx_new(NULL);
	ln_tensor *l = fn(ctx, &P); /* creates the leaves */
	CHECK(l != NULL);
	if (!l) {
		fprintf(stderr, "%s: %s\n", name, lp_errmsg());
		goto out;
	}
	ln_params_zero_grad(&P);
	ln_ctx_reset(ctx);
	l = fn(ctx, &P);
	CHECK(ln_backward(ctx, l) == 0);
	int bad = 0, n = 0;
	for (int i = 0; i < P.n; i++) {
		ln_tensor *t = P.t[i];
		if (!t->trainable)
			continue;
		size_t len = ln_numel(t), step = len > 12 ? len / 12 : 1;
		for (size_t k = 0; k < len; k += step) {
			float v = t->data[k];
			float h = 1e-3f * (fabsf(v) > 1.f ? fabsf(v) : 1.f);
			t->data[k] = v + h;
			double lp = eval(ctx, &P, fn);
			t->data[k] = v - h;
			double lm = eval(ctx, &P, fn);
			t->data[k] = v;
			double num = (lp - lm) / (2.0 * h), ana = t->grad[k];
			double tol = 2e-2 * fmax(fabs(num), fabs(ana)) + 3e-4;
			n++;
			if (fabs(num - ana) > tol) {
				bad++;
				fprintf(stderr, "%s: %s[%zu] numeric %.6g analytic "
				        "%.6g\n", name, t->name, k, num, ana);
			}
		}
	}
	fprintf(stderr, "%s: %d gradient entries checked, %d bad\n", name, n,
	        bad);
	CHECK(bad == 0 && n > 0);
out:
	ln_ctx_free(ctx);
	ln_params_free(&P);
}

static ln_tensor *b_conv3(ln_ctx *ctx, ln_params *P)
{
	ln_tensor *x = leaf(P, "x", 2, 3, 6, 5, -1, 1);
	ln_tensor *w = leaf(P, "w", 4, 3, 3, 3, -.5f, .5f);
	ln_tensor *b = leaf(P, "b", 1, 4, 1, 1, -.5f, .5f);
	return project(ctx, P, ln_conv2d(ctx, x, w, b, 1, 1));
}

static ln_tensor *b_conv_s2(ln_ctx *ctx, ln_params *P)
{
	ln_tensor *x = leaf(P, "x", 3, 2, 7, 6, -1, 1);
	ln_tensor *w = leaf(P, "w", 3, 2, 4, 4, -.5f, .5f);
	return project(ctx, P, ln_conv2d(ctx, x, w, NULL, 2, 1));
}

static ln_tensor *b_conv1(ln_ctx *ctx, ln_params *P)
{
	ln_tensor *x = leaf(P, "x", 2, 5, 3, 4, -1, 1);
	ln_tensor *w = leaf(P, "w", 6, 5, 1, 1, -.5f, .5f);
	ln_tensor *b = leaf(P, "b", 1, 6, 1, 1, -.5f, .5f);
	return project(ctx, P, ln_conv2d(ctx, x, w, b, 1, 0));
}

static ln_tensor *b_deconv(ln_ctx *ctx, ln_params *P)
{
	ln_tensor *x = leaf(P, "x", 2, 3, 4, 3, -1, 1);
	ln_tensor *w = leaf(P, "w", 3, 2, 4, 4, -.5f, .5f);
	ln_tensor *b = leaf(P, "b", 1, 2, 1, 1, -.5f, .5f);
	return project(ctx, P, ln_deconv2d(ctx, x, w, b, 2, 1));
}

static ln_tensor *b_deconv8(ln_ctx *ctx, ln_params *P)
{
	ln_tensor *x = leaf(P, "x", 2, 3, 3, 2, -1, 1);
	ln_tensor *w = leaf(P, "w", 3, 9, 4, 4, -.5f, .5f);
	return project(ctx, P, ln_deconv2d(ctx, x, w, NULL, 2, 1));
}

static ln_tensor *b_conv16(ln_ctx *ctx, ln_params *P)
{
	ln_tensor *x = leaf(P, "x", 2, 9, 5, 4, -1, 1);
	ln_tensor *w = leaf(P, "w", 3, 9, 3, 3, -.5f, .5f);
	return project(ctx, P, ln_conv2d(ctx, x, w, NULL, 1, 1));
}

static ln_tensor *bn_common(ln_ctx *ctx, ln_params *P, int train)
{
	ln_tensor *x = leaf(P, "x", 3, 2, 3, 3, -1, 2);
	ln_bn L;
	L.gamma = leaf(P, "g", 1, 2, 1, 1, .5f, 1.5f);
	L.beta = leaf(P, "be", 1, 2, 1, 1, -.5f, .5f);
	if (!ln_param_find(P, "rm")) {
		ln_tensor *rm = ln_param_add(P, "rm", 1, 2, 1, 1, 0);
		ln_tensor *rv = ln_param_add(P, "rv", 1, 2, 1, 1, 0);
		rm->data[0] = .3f, rm->data[1] = -.2f;
		rv->data[0] = 1.5f, rv->data[1] = .7f;
	}
	L.rmean = ln_param_find(P, "rm");
	L.rvar = ln_param_find(P, "rv");
	/* the running stats must not drift between evaluations */
	float save[4] = {L.rmean->data[0], L.rmean->data[1], L.rvar->data[0],
	                 L.rvar->data[1]};
	L.momentum = 0.1f;
	L.eps = 1e-5f;
	ln_ctx_train(ctx, train);
	ln_tensor *y = ln_bn_fwd(ctx, &L, x);
	ln_ctx_train(ctx, 1);
	L.rmean->data[0] = save[0], L.rmean->data[1] = save[1];
	L.rvar->data[0] = save[2], L.rvar->data[1] = save[3];
	return project(ctx, P, y);
}

static ln_tensor *b_bn_train(ln_ctx *ctx, ln_params *P)
{
	return bn_common(ctx, P, 1);
}

static ln_tensor *b_bn_eval(ln_ctx *ctx, ln_params *P)
{
	return bn_common(ctx, P, 0);
}

static ln_tensor *b_relu(ln_ctx *ctx, ln_params *P)
{
	return project(ctx, P, ln_relu(ctx, leaf(P, "x", 2, 3, 4, 4, -1, 1)));
}

static ln_tensor *b_up2(ln_ctx *ctx, ln_params *P)
{
	return project(ctx, P,
	               ln_upsample(ctx, leaf(P, "x", 2, 2, 3, 4, -1, 1), 6, 8));
}

static ln_tensor *b_up_any(ln_ctx *ctx, ln_params *P)
{
	return project(ctx, P,
	               ln_upsample(ctx, leaf(P, "x", 1, 2, 5, 7, -1, 1), 9, 4));
}

static ln_tensor *b_concat_add(ln_ctx *ctx, ln_params *P)
{
	ln_tensor *a = leaf(P, "a", 2, 2, 3, 3, -1, 1);
	ln_tensor *b = leaf(P, "b", 2, 3, 3, 3, -1, 1);
	ln_tensor *c = leaf(P, "c", 2, 5, 3, 3, -1, 1);
	ln_tensor *y = ln_add(ctx, ln_concat(ctx, a, b), ln_scale(ctx, c, -.7f));
	return project(ctx, P, y);
}

static ln_tensor *b_pool_linear(ln_ctx *ctx, ln_params *P)
{
	ln_tensor *x = leaf(P, "x", 3, 4, 3, 2, -1, 1);
	ln_tensor *w = leaf(P, "w", 5, 4, 1, 1, -.5f, .5f);
	ln_tensor *b = leaf(P, "b", 1, 5, 1, 1, -.5f, .5f);
	return project(ctx, P, ln_linear(ctx, ln_avgpool(ctx, x), w, b));
}

static ln_tensor *b_dups(ln_ctx *ctx, ln_params *P)
{
	ln_tensor *x = leaf(P, "x", 2, 2 * 9, 2, 3, -1, 1);
	return project(ctx, P, ln_dupsample(ctx, x, 3));
}

static ln_tensor *b_softmax(ln_ctx *ctx, ln_params *P)
{
	ln_tensor *x = leaf(P, "x", 2, 3, 2, 3, -2, 2);
	return project(ctx, P, ln_channel(ctx, ln_softmax(ctx, x), 1));
}

static ln_tensor *b_ce_pixel(ln_ctx *ctx, ln_params *P)
{
	ln_tensor *x = leaf(P, "x", 2, 3, 4, 5, -2, 2);
	return ln_loss_ce(ctx, x, labels);
}

static ln_tensor *b_ce_sample(ln_ctx *ctx, ln_params *P)
{
	ln_tensor *x = leaf(P, "x", 5, 2, 1, 1, -2, 2);
	return ln_loss_ce(ctx, x, labels);
}

static ln_tensor *b_wgan(ln_ctx *ctx, ln_params *P)
{
	ln_tensor *r = leaf(P, "r", 2, 1, 3, 3, -1, 1);
	ln_tensor *f = leaf(P, "f", 2, 1, 3, 3, -1, 1);
	ln_tensor *c = ln_loss_wgan_critic(ctx, r, f);
	ln_tensor *g = ln_loss_wgan_gen(ctx, ln_relu(ctx, f));
	return ln_add(ctx, c, ln_scale(ctx, g, 0.3f));
}

static ln_tensor *b_boundary(ln_ctx *ctx, ln_params *P)
{
	ln_tensor *p = leaf(P, "p", 2, 1, 6, 6, 0.02f, 0.98f);
	ln_tensor *g = ln_param_find(P, "gt");
	if (!g) {
		g = ln_param_add(P, "gt", 2, 1, 6, 6, 0);
		for (int i = 0; i < 72; i++) {
			int y = (i % 36) / 6, x = i % 6;
			g->data[i] = (y >= 1 && y <= 3 + i / 36 && x >= 2) ? 1.f : 0.f;
		}
	}
	return ln_loss_boundary(ctx, p, g);
}

int main(void)
{
	ln_rng_seed(&rng, 1234);
	for (int i = 0; i < 4096; i++)
		labels[i] = (int)(ln_rng_u32(&rng) % 2);
	labels[3] = 2; /* class 2 exists in the 3-class cases */
	labels[7] = 2;
	gradcheck("conv2d 3x3 s1 p1 bias", b_conv3);
	gradcheck("conv2d 4x4 s2 p1", b_conv_s2);
	gradcheck("conv2d 1x1 bias", b_conv1);
	gradcheck("deconv2d 4x4 s2 p1 bias", b_deconv);
	gradcheck("deconv2d cout 9 (channels-last)", b_deconv8);
	gradcheck("conv2d cin 9 (channels-last)", b_conv16);
	gradcheck("batchnorm train", b_bn_train);
	gradcheck("batchnorm eval", b_bn_eval);
	gradcheck("relu", b_relu);
	gradcheck("upsample x2", b_up2);
	gradcheck("upsample 5x7->9x4", b_up_any);
	gradcheck("concat+add+scale", b_concat_add);
	gradcheck("avgpool+linear", b_pool_linear);
	gradcheck("dupsample s3", b_dups);
	gradcheck("softmax+channel", b_softmax);
	labels[7] = 1; /* per-sample case has 2 classes */
	labels[3] = 1;
	gradcheck("cross-entropy per sample", b_ce_sample);
	labels[3] = 2;
	gradcheck("cross-entropy per pixel", b_ce_pixel);
	gradcheck("wgan critic+gen", b_wgan);
	gradcheck("boundary loss", b_boundary);
	return lp_test_result("test_net_grad");
}
