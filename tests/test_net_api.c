/* test_net_api.c - the graph API: shape mismatches name the op and both
 * shapes, NULL propagates through chains, a small GAN-style training loop
 * with every op and loss (segmenter + critic, AdaBelief + RMSProp + weight
 * clipping) runs leak-free (ASan), lowers its loss, and is bit-for-bit
 * identical for 1, 2 and 3 threads; big convolutions match a direct
 * convolution. */
#include "ln.h"
#include "lp_error.h"
#include "lp_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void expect_err(ln_tensor *t, const char *a, const char *b,
                       const char *c)
{
	CHECK(t == NULL);
	CHECK(lp_errcode() == LP_EX_DATAERR);
	CHECK(strstr(lp_errmsg(), a) != NULL);
	CHECK(!b || strstr(lp_errmsg(), b) != NULL);
	CHECK(!c || strstr(lp_errmsg(), c) != NULL);
	fprintf(stderr, "error as expected: %s\n", lp_errmsg());
}

static void shape_errors(void)
{
	ln_ctx *ctx = ln_ctx_new(NULL);
	ln_tensor *x = ln_input(ctx, 2, 3, 8, 8);
	ln_tensor *w = ln_input(ctx, 4, 5, 3, 3);
	ln_tensor *y = ln_input(ctx, 2, 4, 4, 4);
	int lab[2 * 64] = {0};
	expect_err(ln_conv2d(ctx, x, w, NULL, 1, 1), "conv2d", "2x3x8x8",
	           "4x5x3x3");
	expect_err(ln_deconv2d(ctx, x, w, NULL, 2, 1), "deconv2d", "2x3x8x8",
	           "4x5x3x3");
	expect_err(ln_add(ctx, x, y), "add", "2x3x8x8", "2x4x4x4");
	expect_err(ln_concat(ctx, x, y), "concat", "2x3x8x8", "2x4x4x4");
	expect_err(ln_linear(ctx, x, w, NULL), "linear", "2x3x8x8", "4x5x3x3");
	expect_err(ln_loss_boundary(ctx, x, y), "boundary", "2x3x8x8",
	           "2x4x4x4");
	expect_err(ln_dupsample(ctx, x, 2), "dupsample", "3 channels", NULL);
	lab[5] = 3;
	expect_err(ln_loss_ce(ctx, x, lab), "cross-entropy", "label 3", NULL);
	ln_tensor *big = ln_input(ctx, 1, 3, 9, 9);
	expect_err(ln_conv2d(ctx, x, big, NULL, 1, 0), "conv2d", "too small", NULL);
	/* NULL propagates: one check at the end of a chain */
	ln_tensor *z = ln_relu(ctx, ln_upsample(ctx, ln_conv2d(ctx, x, w, NULL,
	                                                         1, 1), 16, 16));
	CHECK(z == NULL);
	CHECK(strstr(lp_errmsg(), "conv2d") != NULL);
	CHECK(ln_backward(ctx, NULL) == -1);
	ln_ctx_free(ctx);
}

typedef struct {
	ln_params P, D; /* segmenter and critic */
	ln_conv s1, s2, s3, head;
	ln_deconv up;
	ln_bn bn1, bn2;
	ln_linear_layer cls;
	ln_conv d1, d2;
	ln_bn dbn;
} gan;

static int build(gan *g)
{
	ln_rng r;
	ln_rng_seed(&r, 42);
	ln_params_init(&g->P);
	ln_params_init(&g->D);
	return ln_conv_init(&g->s1, &g->P, "s1", 1, 8, 3, 1, 1, 0, &r) ||
	       ln_bn_init(&g->bn1, &g->P, "bn1", 8) ||
	       ln_conv_init(&g->s2, &g->P, "s2", 8, 16, 3, 2, 1, 0, &r) ||
	       ln_bn_init(&g->bn2, &g->P, "bn2", 16) ||
	       ln_deconv_init(&g->up, &g->P, "up", 16, 8, 4, 2, 1, 1, &r) ||
	       ln_conv_init(&g->s3, &g->P, "s3", 16, 8, 3, 1, 1, 1, &r) ||
	       ln_conv_init(&g->head, &g->P, "head", 8, 2 * 4, 1, 1, 0, 1, &r) ||
	       ln_linear_init(&g->cls, &g->P, "cls", 8, 2, &r) ||
	       ln_conv_init(&g->d1, &g->D, "d1", 1, 8, 4, 2, 1, 1, &r) ||
	       ln_bn_init(&g->dbn, &g->D, "dbn", 8) ||
	       ln_conv_init(&g->d2, &g->D, "d2", 8, 1, 3, 1, 1, 1, &r);
}

/* segmenter: 1x16x16 -> (logits 2x16x16, class logits 2) */
static ln_tensor *seg(ln_ctx *ctx, gan *g, ln_tensor *x, ln_tensor **cls)
{
	ln_tensor *a = ln_relu(ctx, ln_bn_fwd(ctx, &g->bn1,
	                                      ln_conv_fwd(ctx, &g->s1, x)));
	ln_tensor *b = ln_relu(ctx, ln_bn_fwd(ctx, &g->bn2,
	                                      ln_conv_fwd(ctx, &g->s2, a)));
	ln_tensor *u = ln_relu(ctx, ln_deconv_fwd(ctx, &g->up, b));
	ln_tensor *bu = ln_upsample(ctx, ln_channel(ctx, b, 0), 16, 16);
	ln_tensor *f = ln_conv_fwd(ctx, &g->s3, ln_concat(ctx, a, u));
	f = ln_add(ctx, f, ln_scale(ctx, ln_concat(ctx, bu, ln_concat(ctx, bu,
	           ln_concat(ctx, bu, ln_concat(ctx, bu, ln_concat(ctx, bu,
	           ln_concat(ctx, bu, ln_concat(ctx, bu, bu))))))), 0.1f));
	*cls = ln_linear_fwd(ctx, &g->cls, ln_avgpool(ctx, f));
	/* 1x1 conv to K*s*s = 2*4 channels at 8x8, DUpsampling x2 */
	ln_tensor *h = ln_conv_fwd(ctx, &g->head, ln_upsample(ctx, f, 8, 8));
	return ln_dupsample(ctx, h, 2);
}

static ln_tensor *critic(ln_ctx *ctx, gan *g, ln_tensor *m)
{
	ln_tensor *a = ln_relu(ctx, ln_bn_fwd(ctx, &g->dbn,
	                                      ln_conv_fwd(ctx, &g->d1, m)));
	return ln_upsample(ctx, ln_conv_fwd(ctx, &g->d2, a), 16, 16);
}

static void data(ln_tensor *x, ln_tensor *gt, int *lab, int *cl)
{
	for (int n = 0; n < x->n; n++) {
		int cx = 5 + 2 * n, cy = 6 + n, r = 3 + n % 3;
		cl[n] = n % 2;
		for (int i = 0; i < 256; i++) {
			int y = i / 16, xx = i % 16;
			int in = (y - cy) * (y - cy) + (xx - cx) * (xx - cx) <= r * r;
			x->data[n * 256 + i] = in ? 0.8f : -0.5f + 0.01f * (i % 7);
			gt->data[n * 256 + i] = (float)in;
			lab[n * 256 + i] = in;
		}
	}
}

/* Train a few GAN steps; returns the losses of the first and last step. */
static void train(int threads, int steps, float out[2], float *param0)
{
	gan g;
	int lab[4 * 256], cl[4];
	ln_set_threads(threads);
	CHECK(build(&g) == 0);
	ln_ctx *ctx = ln_ctx_new(NULL);
	ln_optim *os = ln_optim_new(LN_ADABELIEF, &g.P, 2e-3f);
	ln_optim *od = ln_optim_new(LN_RMSPROP, &g.D, 2e-3f);
	os->b1 = 0.5f, os->b2 = 0.999f, os->eps = 1e-6f;
	for (int it = 0; it < steps; it++) {
		ln_tensor *x = ln_input(ctx, 4, 1, 16, 16);
		ln_tensor *gt = ln_input(ctx, 4, 1, 16, 16);
		ln_tensor *cls;
		data(x, gt, lab, cl);
		/* critic step: L_D = -E[D(gt)] + E[D(p)], then clip */
		ln_params_zero_grad(&g.D);
		ln_ctx_grad(ctx, 0);
		ln_tensor *p = ln_channel(ctx, ln_softmax(ctx, seg(ctx, &g, x, &cls)), 1);
		ln_ctx_grad(ctx, 1);
		ln_tensor *ld = ln_loss_wgan_critic(ctx, critic(ctx, &g, gt),
		                                    critic(ctx, &g, p));
		CHECK(ld && ln_backward(ctx, ld) == 0);
		CHECK(ln_optim_step(od) == 0);
		ln_params_clip(&g.D, 0.01f);
		ln_ctx_reset(ctx);
		/* segmenter step: L = CE + 0.1 L_adv + L_b + 0.1 L_cls */
		x = ln_input(ctx, 4, 1, 16, 16);
		gt = ln_input(ctx, 4, 1, 16, 16);
		data(x, gt, lab, cl);
		ln_params_zero_grad(&g.P);
		ln_params_zero_grad(&g.D);
		ln_params_set_grad(&g.D, 0); /* critic frozen */
		ln_tensor *logits = seg(ctx, &g, x, &cls);
		p = ln_channel(ctx, ln_softmax(ctx, logits), 1);
		ln_tensor *l = ln_loss_ce(ctx, logits, lab);
		l = ln_add(ctx, l, ln_scale(ctx, ln_loss_wgan_gen(ctx, critic(ctx, &g, p)), 0.1f));
		l = ln_add(ctx, l, ln_loss_boundary(ctx, p, gt));
		l = ln_add(ctx, l, ln_scale(ctx, ln_loss_ce(ctx, cls, cl), 0.1f));
		CHECK(l != NULL);
		if (!l) {
			fprintf(stderr, "%s\n", lp_errmsg());
			break;
		}
		CHECK(ln_backward(ctx, l) == 0);
		CHECK(ln_optim_step(os) == 0);
		float dsum = 0;
		for (int i = 0; i < g.D.n; i++)
			for (size_t q = 0; g.D.t[i]->grad && q < ln_numel(g.D.t[i]); q++)
				dsum += fabsf(g.D.t[i]->grad[q]);
		CHECK(dsum == 0.f); /* nothing reached the frozen critic */
		ln_params_set_grad(&g.D, 1);
		if (it == 0)
			out[0] = l->data[0];
		out[1] = l->data[0];
		ln_ctx_reset(ctx);
	}
	/* inference: eval mode, no tape */
	ln_ctx_train(ctx, 0);
	ln_ctx_grad(ctx, 0);
	ln_tensor *x = ln_input(ctx, 4, 1, 16, 16), *gt = ln_input(ctx, 4, 1, 16, 16), *cls;
	data(x, gt, lab, cl);
	ln_tensor *y = seg(ctx, &g, x, &cls);
	CHECK(y && y->n == 4 && y->c == 2 && y->h == 16 && y->w == 16);
	CHECK(y && !y->need_grad);
	memcpy(param0, g.s1.w->data, 8 * 9 * sizeof(float));
	ln_optim_free(os);
	ln_optim_free(od);
	ln_ctx_free(ctx);
	ln_params_free(&g.P);
	ln_params_free(&g.D);
}

/* Naive direct convolution in double (reference). */
static double ref_conv(const float *x, const float *w, int cin, int h,
                       int wd, int k, int s, int p, int img, int co, int oy,
                       int ox)
{
	double acc = 0;
	for (int ci = 0; ci < cin; ci++)
		for (int ky = 0; ky < k; ky++)
			for (int kx = 0; kx < k; kx++) {
				int iy = oy * s - p + ky, ix = ox * s - p + kx;
				if (iy >= 0 && iy < h && ix >= 0 && ix < wd)
					acc += (double)x[((size_t)(img * cin + ci) * h + iy) * wd + ix] *
					       w[((size_t)(co * cin + ci) * k + ky) * k + kx];
			}
	return acc;
}

/* Convolutions big enough to run threaded and in several chunks: the
 * result against a direct convolution, and bit-identical for 1 and 2
 * threads (forward, and the gradients of conv and deconv). */
static void threaded_convs(void)
{
	static const int cfg[][6] = {/* n cin hw cout k s, pad k/2 (k=4: 1) */
	                             {8, 16, 16, 24, 3, 1},
	                             {12, 32, 8, 48, 3, 2},
	                             {16, 3, 16, 32, 3, 1}};
	ln_rng r;
	ln_rng_seed(&r, 99);
	for (int c = 0; c < 3; c++) {
		int n = cfg[c][0], ci = cfg[c][1], hw = cfg[c][2], co = cfg[c][3];
		int k = cfg[c][4], s = cfg[c][5], p = k / 2;
		ln_params P;
		ln_params_init(&P);
		ln_tensor *x = ln_param_add(&P, "x", n, ci, hw, hw, 1);
		ln_tensor *w = ln_param_add(&P, "w", co, ci, k, k, 1);
		ln_tensor *wd = ln_param_add(&P, "wd", co, ci, 4, 4, 1);
		for (size_t i = 0; i < ln_numel(x); i++)
			x->data[i] = ln_rng_uniform(&r, -1, 1);
		for (size_t i = 0; i < ln_numel(w); i++)
			w->data[i] = ln_rng_uniform(&r, -1, 1);
		for (size_t i = 0; i < ln_numel(wd); i++)
			wd->data[i] = ln_rng_uniform(&r, -1, 1);
		float *keep[3][4] = {{0}};
		for (int T = 1; T <= 3; T++) { /* 3: more threads than cores */
			ln_set_threads(T);
			ln_ctx *ctx = ln_ctx_new(NULL);
			ln_params_zero_grad(&P);
			ln_tensor *y = ln_conv2d(ctx, x, w, NULL, s, p);
			ln_tensor *z = ln_deconv2d(ctx, y, wd, NULL, 2, 1);
			ln_tensor *l = ln_mean(ctx, ln_relu(ctx, z));
			CHECK(l && ln_backward(ctx, l) == 0);
			if (!l) {
				ln_ctx_free(ctx);
				continue;
			}
			double worst = 0;
			for (int i = 0; i < 200; i++) {
				size_t q = ln_rng_u32(&r) % ln_numel(y);
				int ox = (int)(q % y->w), oy = (int)(q / y->w % y->h);
				int oc = (int)(q / ((size_t)y->w * y->h) % y->c);
				int img = (int)(q / ((size_t)y->w * y->h * y->c));
				double ref = ref_conv(x->data, w->data, ci, hw, hw, k, s, p,
				                      img, oc, oy, ox);
				worst = fmax(worst, fabs(ref - y->data[q]));
			}
			CHECK(worst < 1e-4);
			float *arrs[4] = {z->data, x->grad, w->grad, wd->grad};
			size_t lens[4] = {ln_numel(z), ln_numel(x), ln_numel(w),
			                  ln_numel(wd)};
			for (int a = 0; a < 4; a++) {
				float *cp = malloc(lens[a] * sizeof(float));
				memcpy(cp, arrs[a], lens[a] * sizeof(float));
				keep[T - 1][a] = cp;
				if (T > 1)
					CHECK(memcmp(keep[0][a], cp, lens[a] * sizeof(float)) == 0);
			}
			fprintf(stderr, "conv %dx%dx%dx%d -> %d (k%d s%d), %d "
			        "threads: max |err| vs direct %.2g\n", n, ci, hw, hw,
			        co, k, s, T, worst);
			ln_ctx_free(ctx);
		}
		for (int T = 0; T < 3; T++)
			for (int a = 0; a < 4; a++)
				free(keep[T][a]);
		ln_params_free(&P);
	}
	ln_set_threads(0);
}

int main(void)
{
	threaded_convs();
	shape_errors();
	const char *san = getenv("LP_SAN");
	int steps = san && *san == '1' ? 6 : 15;
	float a[2], b[2], c[2], pa[72], pb[72], pc[72];
	train(2, steps, a, pa);
	fprintf(stderr, "GAN loss %.5f -> %.5f over %d steps\n", a[0], a[1], steps);
	CHECK(isfinite(a[0]) && isfinite(a[1]));
	CHECK(a[1] < a[0]);
	train(2, steps, b, pb);
	CHECK(a[1] == b[1]);
	CHECK(memcmp(pa, pb, sizeof pa) == 0); /* deterministic, 2 threads */
	train(1, steps, c, pc);
	fprintf(stderr, "1 thread %.7f, 2 threads %.7f\n", c[1], a[1]);
	CHECK(c[1] == a[1]); /* the chunk plan ignores the thread count */
	CHECK(memcmp(pa, pc, sizeof pa) == 0);
	ln_set_threads(0);
	return lp_test_result("test_net_api");
}
