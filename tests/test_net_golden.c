/* test_net_golden.c - libnet against PyTorch: every CPU kernel on the
 * golden inputs of tests/golden/net/ops.bin (made by gen_golden_net.py)
 * must reproduce the output and every gradient; a small conv/BN/deconv
 * network trained 5 steps with AdaBelief, RMSProp, Adam and SGD must give
 * PyTorch's losses and final parameters (train.bin).  Tolerance: 1e-4
 * relative to the largest magnitude of the reference tensor. */
#include "ln.h"
#include "ln_backend.h"
#include "lp_error.h"
#include "lp_test.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	char name[96];
	int ndim, dims[4];
	size_t len;
	float *data;
} rec;

static rec recs[512];
static int nrecs;
static double worst;

static int load(const char *file)
{
	const char *src = getenv("LP_SRC");
	char path[1024];
	snprintf(path, sizeof path, "%s/tests/golden/net/%s", src ? src : ".",
	         file);
	FILE *f = fopen(path, "rb");
	char magic[8];
	if (!f || fread(magic, 1, 8, f) != 8 || memcmp(magic, "LNGOLD01", 8)) {
		fprintf(stderr, "cannot read %s\n", path);
		if (f)
			fclose(f);
		return -1;
	}
	uint32_t nl, nd;
	while (nrecs < 512 && fread(&nl, 4, 1, f) == 1) {
		rec *r = &recs[nrecs];
		if (nl >= sizeof r->name || fread(r->name, 1, nl, f) != nl ||
		    fread(&nd, 4, 1, f) != 1 || nd > 4 ||
		    fread(r->dims, 4, nd, f) != nd)
			break;
		r->name[nl] = 0;
		r->ndim = (int)nd;
		r->len = 1;
		for (uint32_t k = 0; k < nd; k++)
			r->len *= (size_t)r->dims[k];
		r->data = malloc(r->len * sizeof(float));
		if (!r->data || fread(r->data, 4, r->len, f) != r->len) {
			free(r->data);
			break;
		}
		nrecs++;
	}
	fclose(f);
	return 0;
}

static const float *G(const char *name, size_t len)
{
	for (int i = 0; i < nrecs; i++)
		if (strcmp(recs[i].name, name) == 0) {
			if (len && recs[i].len != len) {
				fprintf(stderr, "%s: %zu values, expected %zu\n",
				        name, recs[i].len, len);
				return NULL;
			}
			return recs[i].data;
		}
	fprintf(stderr, "golden tensor %s missing\n", name);
	return NULL;
}

/* got vs golden[name]; 1e-4 relative to the reference's largest value */
static void cmp(const char *name, const float *got, size_t len)
{
	const float *ref = G(name, len);
	CHECK(ref != NULL);
	if (!ref)
		return;
	double mx = 1e-6, diff = 0;
	for (size_t i = 0; i < len; i++) {
		mx = fmax(mx, fabs(ref[i]));
		diff = fmax(diff, fabs((double)got[i] - ref[i]));
	}
	double rel = diff / mx;
	worst = fmax(worst, rel);
	if (rel > 1e-4)
		fprintf(stderr, "%s: max diff %.3g (relative %.3g)\n", name, diff,
		        rel);
	CHECK(rel <= 1e-4);
}

static float *zeros(size_t n)
{
	return calloc(n ? n : 1, sizeof(float));
}

static void conv_case(const char *nm, int n, int ci, int h, int w, int co,
                      int k, int s, int p, int bias, int tr)
{
	ln_conv_desc d;
	char key[128];
	CHECK(ln_conv_desc_set(&d, tr, n, ci, h, w, co, k, k, s, p) == 0);
	size_t lx = (size_t)n * ci * h * w, lw = (size_t)ci * co * k * k;
	size_t ly = (size_t)n * co * d.oh * d.ow;
	size_t lwork = tr ? ln_cpu_deconv2d_work(&d) : ln_cpu_conv2d_work(&d);
	float *y = zeros(ly), *dx = zeros(lx), *dw = zeros(lw), *db = zeros(co);
	float *work = zeros(lwork);
#define K(s) (snprintf(key, sizeof key, "%s/%s", nm, s), key)
	const float *x = G(K("x"), lx), *wt = G(K("wt"), lw);
	const float *b = bias ? G(K("b"), co) : NULL, *dy = G(K("dy"), ly);
	if (x && wt && dy && (b || !bias)) {
		(tr ? ln_cpu_deconv2d_fwd : ln_cpu_conv2d_fwd)(&d, x, wt, b, y,
		                                              work);
		cmp(K("y"), y, ly);
		(tr ? ln_cpu_deconv2d_bwd : ln_cpu_conv2d_bwd)(
		    &d, x, wt, dy, dx, dw, bias ? db : NULL, work);
		cmp(K("dx"), dx, lx);
		cmp(K("dwt"), dw, lw);
		if (bias)
			cmp(K("db"), db, co);
	} else
		CHECK(0);
#undef K
	free(y), free(dx), free(dw), free(db), free(work);
}

static void bn_case(void)
{
	int n = 4, c = 3, hw = 25;
	size_t len = (size_t)n * c * hw;
	float rm[3], rv[3], mean[3], istd[3], dg[3] = {0}, dbe[3] = {0};
	float *y = zeros(len), *dx = zeros(len);
	const float *x = G("bn/x", len), *g = G("bn/g", 3), *b = G("bn/b", 3);
	const float *dy = G("bn/dy", len), *r0 = G("bn/rm0", 3), *v0 = G("bn/rv0", 3);
	CHECK(x && g && b && dy && r0 && v0);
	if (!(x && g && b && dy && r0 && v0))
		return;
	memcpy(rm, r0, sizeof rm);
	memcpy(rv, v0, sizeof rv);
	ln_cpu_bn_fwd_train(n, c, hw, x, g, b, 1e-5f, 0.1f, rm, rv, mean, istd, y);
	cmp("bn/y", y, len);
	cmp("bn/rm1", rm, 3);
	cmp("bn/rv1", rv, 3);
	ln_cpu_bn_bwd(n, c, hw, 1, x, g, mean, istd, dy, dx, dg, dbe);
	cmp("bn/dx", dx, len);
	cmp("bn/dg", dg, 3);
	cmp("bn/db", dbe, 3);
	/* eval mode: running statistics are constants */
	x = G("bneval/x", len), g = G("bneval/g", 3), b = G("bneval/b", 3);
	dy = G("bneval/dy", len);
	const float *erm = G("bneval/rm", 3), *erv = G("bneval/rv", 3);
	CHECK(x && g && b && dy && erm && erv);
	if (!(x && g && b && dy && erm && erv))
		return;
	ln_cpu_bn_fwd_eval(n, c, hw, x, g, b, 1e-5f, erm, erv, y);
	cmp("bneval/y", y, len);
	for (int i = 0; i < 3; i++) {
		istd[i] = 1.f / sqrtf(erv[i] + 1e-5f);
		dg[i] = dbe[i] = 0;
	}
	memset(dx, 0, len * sizeof(float));
	ln_cpu_bn_bwd(n, c, hw, 0, x, g, erm, istd, dy, dx, dg, dbe);
	cmp("bneval/dx", dx, len);
	cmp("bneval/dg", dg, 3);
	cmp("bneval/db", dbe, 3);
	free(y), free(dx);
}

static void simple_cases(void)
{
	float y[4096], dx[4096], da[4096];
	const float *x, *dy, *b;
	/* relu */
	x = G("relu/x", 120), dy = G("relu/dy", 120);
	if (x && dy) {
		ln_cpu_relu_fwd(120, x, y);
		cmp("relu/y", y, 120);
		memset(dx, 0, sizeof dx);
		ln_cpu_relu_bwd(120, y, dy, dx);
		cmp("relu/dx", dx, 120);
	} else
		CHECK(0);
	/* upsample x2 and to 7x3 */
	x = G("up2/x", 120), dy = G("up2/dy", 480);
	if (x && dy) {
		ln_cpu_upsample_fwd(6, 4, 5, 8, 10, x, y);
		cmp("up2/y", y, 480);
		memset(dx, 0, sizeof dx);
		ln_cpu_upsample_bwd(6, 4, 5, 8, 10, dy, dx);
		cmp("up2/dx", dx, 120);
	} else
		CHECK(0);
	x = G("upsz/x", 120), dy = G("upsz/dy", 84);
	if (x && dy) {
		ln_cpu_upsample_fwd(4, 5, 6, 7, 3, x, y);
		cmp("upsz/y", y, 84);
		memset(dx, 0, sizeof dx);
		ln_cpu_upsample_bwd(4, 5, 6, 7, 3, dy, dx);
		cmp("upsz/dx", dx, 120);
	} else
		CHECK(0);
	/* concat */
	x = G("concat/a", 36), b = G("concat/b", 54), dy = G("concat/dy", 90);
	if (x && b && dy) {
		ln_cpu_concat_fwd(2, 2, 3, 9, x, b, y);
		cmp("concat/y", y, 90);
		memset(da, 0, sizeof da);
		memset(dx, 0, sizeof dx);
		ln_cpu_concat_bwd(2, 2, 3, 9, dy, da, dx);
		cmp("concat/da", da, 36);
		cmp("concat/db", dx, 54);
	} else
		CHECK(0);
	/* avgpool */
	x = G("avgpool/x", 120), dy = G("avgpool/dy", 6);
	if (x && dy) {
		ln_cpu_avgpool_fwd(6, 20, x, y);
		cmp("avgpool/y", y, 6);
		memset(dx, 0, sizeof dx);
		ln_cpu_avgpool_bwd(6, 20, dy, dx);
		cmp("avgpool/dx", dx, 120);
	} else
		CHECK(0);
	/* dupsample */
	x = G("dups/x", 768), dy = G("dups/dy", 768);
	if (x && dy) {
		ln_cpu_dups_fwd(2, 2, 3, 4, 4, x, y);
		cmp("dups/y", y, 768);
		memset(dx, 0, sizeof dx);
		ln_cpu_dups_bwd(2, 2, 3, 4, 4, dy, dx);
		cmp("dups/dx", dx, 768);
	} else
		CHECK(0);
	/* softmax */
	x = G("softmax/x", 96), dy = G("softmax/dy", 96);
	if (x && dy) {
		ln_cpu_softmax_fwd(2, 3, 16, x, y);
		cmp("softmax/y", y, 96);
		memset(dx, 0, sizeof dx);
		ln_cpu_softmax_bwd(2, 3, 16, y, dy, dx);
		cmp("softmax/dx", dx, 96);
	} else
		CHECK(0);
}

static void linear_case(void)
{
	float y[12], dx[24] = {0}, dw[18] = {0}, db[3] = {0};
	const float *x = G("linear/x", 24), *w = G("linear/wt", 18);
	const float *b = G("linear/b", 3), *dy = G("linear/dy", 12);
	CHECK(x && w && b && dy);
	if (!(x && w && b && dy))
		return;
	ln_cpu_linear_fwd(4, 6, 3, x, w, b, y);
	cmp("linear/y", y, 12);
	ln_cpu_linear_bwd(4, 6, 3, x, w, dy, dx, dw, db);
	cmp("linear/dx", dx, 24);
	cmp("linear/dwt", dw, 18);
	cmp("linear/db", db, 3);
}

static void loss_cases(void)
{
	float prob[256], dx[256], l;
	int lab[64];
	const float *x = G("cepix/x", 120), *fl = G("cepix/lab", 40);
	const float *dy = G("cepix/dy", 1);
	if (x && fl && dy) {
		for (int i = 0; i < 40; i++)
			lab[i] = (int)fl[i];
		l = (float)ln_cpu_ce_fwd(2, 3, 20, x, lab, prob);
		cmp("cepix/y", &l, 1);
		memset(dx, 0, sizeof dx);
		ln_cpu_ce_bwd(2, 3, 20, prob, lab, dy[0], dx);
		cmp("cepix/dx", dx, 120);
	} else
		CHECK(0);
	x = G("cesamp/x", 12), fl = G("cesamp/lab", 6), dy = G("cesamp/dy", 1);
	if (x && fl && dy) {
		for (int i = 0; i < 6; i++)
			lab[i] = (int)fl[i];
		l = (float)ln_cpu_ce_fwd(6, 2, 1, x, lab, prob);
		cmp("cesamp/y", &l, 1);
		memset(dx, 0, sizeof dx);
		ln_cpu_ce_bwd(6, 2, 1, prob, lab, dy[0], dx);
		cmp("cesamp/dx", dx, 12);
	} else
		CHECK(0);
	float bp[128], bg[128];
	int am[128];
	const float *p = G("bnd/p", 128), *g = G("bnd/g", 128);
	dy = G("bnd/dy", 1);
	if (p && g && dy) {
		l = (float)ln_cpu_bnd_fwd(2, 8, 8, p, g, am, bp, bg);
		cmp("bnd/y", &l, 1);
		memset(dx, 0, sizeof dx);
		ln_cpu_bnd_bwd(2, 8, 8, bp, bg, am, dy[0], dx);
		cmp("bnd/dp", dx, 128);
	} else
		CHECK(0);
}

/* WGAN critic through the graph layer (mean, scale, add). */
static void wgan_case(void)
{
	ln_params P;
	ln_params_init(&P);
	ln_ctx *ctx = ln_ctx_new(NULL);
	ln_tensor *r = ln_param_add(&P, "r", 4, 1, 4, 4, 1);
	ln_tensor *f = ln_param_add(&P, "f", 4, 1, 4, 4, 1);
	const float *gr = G("wgan/r", 64), *gf = G("wgan/f", 64);
	const float *dy = G("wgan/dy", 1);
	CHECK(r && f && gr && gf && dy);
	if (r && f && gr && gf && dy) {
		memcpy(r->data, gr, 64 * sizeof(float));
		memcpy(f->data, gf, 64 * sizeof(float));
		ln_tensor *l = ln_loss_wgan_critic(ctx, r, f);
		CHECK(l != NULL);
		cmp("wgan/y", l->data, 1);
		l = ln_scale(ctx, l, dy[0]);
		CHECK(ln_backward(ctx, l) == 0);
		cmp("wgan/dr", r->grad, 64);
		cmp("wgan/df", f->grad, 64);
	}
	ln_ctx_free(ctx);
	ln_params_free(&P);
}

typedef struct {
	ln_conv c1, c2, c3;
	ln_deconv d1;
	ln_bn b1, b2;
} net;

static ln_tensor *forward(ln_ctx *ctx, net *m, ln_tensor *x)
{
	x = ln_relu(ctx, ln_bn_fwd(ctx, &m->b1, ln_conv_fwd(ctx, &m->c1, x)));
	x = ln_relu(ctx, ln_bn_fwd(ctx, &m->b2, ln_conv_fwd(ctx, &m->c2, x)));
	x = ln_relu(ctx, ln_deconv_fwd(ctx, &m->d1, x));
	return ln_conv_fwd(ctx, &m->c3, x);
}

static void train_case(const char *opt, ln_optim_kind kind, float lr,
                       float b1, float b2, float eps)
{
	ln_params P;
	net m;
	char key[160];
	ln_params_init(&P);
	int ok = !ln_conv_init(&m.c1, &P, "c1", 1, 4, 3, 1, 1, 0, NULL) &&
	         !ln_bn_init(&m.b1, &P, "b1", 4) &&
	         !ln_conv_init(&m.c2, &P, "c2", 4, 8, 4, 2, 1, 0, NULL) &&
	         !ln_bn_init(&m.b2, &P, "b2", 8) &&
	         !ln_deconv_init(&m.d1, &P, "d1", 8, 4, 4, 2, 1, 1, NULL) &&
	         !ln_conv_init(&m.c3, &P, "c3", 4, 2, 1, 1, 0, 1, NULL);
	CHECK(ok);
	for (int i = 0; ok && i < P.n; i++) {
		snprintf(key, sizeof key, "train/init/%s", P.t[i]->name);
		const float *v = G(key, ln_numel(P.t[i]));
		CHECK(v != NULL);
		if (v)
			memcpy(P.t[i]->data, v, ln_numel(P.t[i]) * sizeof(float));
	}
	const float *gx = G("train/x", 256), *gl = G("train/lab", 256);
	snprintf(key, sizeof key, "train/%s/loss", opt);
	const float *gloss = G(key, 5);
	ln_ctx *ctx = ln_ctx_new(NULL);
	ln_optim *o = ln_optim_new(kind, &P, lr);
	int lab[256];
	CHECK(gx && gl && gloss && o);
	if (!(gx && gl && gloss && o && ok))
		goto out;
	o->b1 = b1, o->b2 = b2, o->eps = eps;
	for (int i = 0; i < 256; i++)
		lab[i] = (int)gl[i];
	for (int step = 0; step < 5; step++) {
		ln_params_zero_grad(&P);
		ln_tensor *x = ln_input(ctx, 4, 1, 8, 8);
		memcpy(x->data, gx, 256 * sizeof(float));
		ln_tensor *loss = ln_loss_ce(ctx, forward(ctx, &m, x), lab);
		CHECK(loss && ln_backward(ctx, loss) == 0);
		if (!loss)
			break;
		snprintf(key, sizeof key, "%s loss step %d", opt, step);
		double rel = fabs(loss->data[0] - gloss[step]) / fabs(gloss[step]);
		fprintf(stderr, "%s: %.7f (torch %.7f)\n", key, loss->data[0],
		        gloss[step]);
		worst = fmax(worst, rel);
		CHECK(rel <= 1e-4);
		CHECK(ln_optim_step(o) == 0);
		ln_ctx_reset(ctx);
	}
	for (int i = 0; i < P.n; i++) {
		snprintf(key, sizeof key, "train/%s/final/%s", opt, P.t[i]->name);
		cmp(key, P.t[i]->data, ln_numel(P.t[i]));
	}
out:
	ln_optim_free(o);
	ln_ctx_free(ctx);
	ln_params_free(&P);
}

int main(void)
{
	if (load("ops.bin") || load("train.bin")) {
		CHECK(0);
		return lp_test_result("test_net_golden");
	}
	conv_case("conv3", 2, 3, 7, 6, 4, 3, 1, 1, 1, 0);
	conv_case("conv4s2", 2, 3, 8, 8, 5, 4, 2, 1, 0, 0);
	conv_case("conv3s2p0", 2, 2, 7, 9, 3, 3, 2, 0, 1, 0);
	conv_case("conv1", 3, 8, 4, 4, 6, 1, 1, 0, 1, 0);
	conv_case("conv3c16", 2, 16, 6, 5, 8, 3, 1, 1, 1, 0);
	conv_case("conv3c12s2", 3, 12, 7, 7, 6, 3, 2, 1, 0, 0);
	conv_case("deconv", 2, 4, 4, 5, 3, 4, 2, 1, 1, 1);
	conv_case("deconv8", 3, 5, 3, 4, 8, 4, 2, 1, 1, 1);
	bn_case();
	simple_cases();
	linear_case();
	loss_cases();
	wgan_case();
	train_case("adabelief", LN_ADABELIEF, 1e-2f, 0.5f, 0.999f, 1e-6f);
	train_case("rmsprop", LN_RMSPROP, 5e-4f, 0.f, 0.99f, 1e-8f);
	train_case("adam", LN_ADAM, 0.01f, 0.9f, 0.999f, 1e-8f);
	train_case("sgd", LN_SGD, 0.05f, 0.9f, 0.f, 0.f);
	fprintf(stderr, "worst relative difference to PyTorch: %.3g\n", worst);
	for (int i = 0; i < nrecs; i++)
		free(recs[i].data);
	return lp_test_result("test_net_golden");
}
