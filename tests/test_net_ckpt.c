/* test_net_ckpt.c - checkpoint files: a round trip restores parameters,
 * BN running statistics and optimizer state exactly (training continues
 * identically); corrupt, truncated, mismatched (architecture, names,
 * shapes, optimizer kind) and missing files are refused with a message and
 * leave the model untouched. */
#include "ln.h"
#include "lp_error.h"
#include "lp_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static char dir[512];

static const char *tmp(const char *name)
{
	static char buf[4][600];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
	return buf[k];
}

typedef struct {
	ln_params P;
	ln_conv c1, c2;
	ln_bn b1;
} model;

static int build(model *m, int c2out, const char *c2name)
{
	ln_rng r;
	ln_rng_seed(&r, 7);
	ln_params_init(&m->P);
	return ln_conv_init(&m->c1, &m->P, "c1", 1, 4, 3, 1, 1, 0, &r) ||
	       ln_bn_init(&m->b1, &m->P, "b1", 4) ||
	       ln_conv_init(&m->c2, &m->P, c2name, 4, c2out, 1, 1, 0, 1, &r);
}

static float step(model *m, ln_ctx *ctx, ln_optim *o)
{
	static int lab[2 * 6 * 6];
	ln_tensor *x = ln_input(ctx, 2, 1, 6, 6);
	for (int i = 0; i < 72; i++) {
		x->data[i] = (float)((i * 37) % 11) / 11.f - 0.4f;
		lab[i] = (i / 3) % 2;
	}
	ln_params_zero_grad(&m->P);
	ln_tensor *y = ln_relu(ctx, ln_bn_fwd(ctx, &m->b1,
	                                      ln_conv_fwd(ctx, &m->c1, x)));
	ln_tensor *l = ln_loss_ce(ctx, ln_conv_fwd(ctx, &m->c2, y), lab);
	if (!l || ln_backward(ctx, l) || ln_optim_step(o))
		return NAN;
	float v = l->data[0];
	ln_ctx_reset(ctx);
	return v;
}

static int same_params(const ln_params *a, const ln_params *b)
{
	if (a->n != b->n)
		return 0;
	for (int i = 0; i < a->n; i++)
		if (memcmp(a->t[i]->data, b->t[i]->data,
		           ln_numel(a->t[i]) * sizeof(float)))
			return 0;
	return 1;
}

static void write_bytes(const char *path, const unsigned char *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (f) {
		fwrite(p, 1, n, f);
		fclose(f);
	}
}

/* Make the CRC right again so that the inner checks are reached. */
static void fix_crc(unsigned char *p, size_t n)
{
	uint32_t c = (uint32_t)crc32(0L, p, (uInt)(n - 4));
	memcpy(p + n - 4, &c, 4);
}

static unsigned char *read_all(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p = malloc(1 << 20);
	*n = f && p ? fread(p, 1, 1 << 20, f) : 0;
	if (f)
		fclose(f);
	return p;
}

/* A refused load: error code, message containing `want`, model intact. */
static void refused(const char *path, const char *arch, model *m,
                    ln_optim *o, int code, const char *want)
{
	model ref;
	build(&ref, 2, "c2");
	for (int i = 0; i < ref.P.n; i++)
		memcpy(ref.P.t[i]->data, m->P.t[i]->data,
		       ln_numel(m->P.t[i]) * sizeof(float));
	long st = o ? o->step : 0;
	lp_errclear();
	CHECK(ln_ckpt_load(path, arch, &m->P, o) == -1);
	CHECK(lp_errcode() == code);
	CHECK(strstr(lp_errmsg(), want) != NULL);
	fprintf(stderr, "refused as expected: %s\n", lp_errmsg());
	CHECK(same_params(&ref.P, &m->P));
	CHECK(!o || o->step == st);
	ln_params_free(&ref.P);
}

int main(void)
{
	const char *t = getenv("LP_TMP");
	snprintf(dir, sizeof dir, "%s", t ? t : "/tmp");
	const char *arch = "test-net v1: c1 3x3 1->4, bn, c2 1x1 4->2";
	model a, b;
	CHECK(build(&a, 2, "c2") == 0 && build(&b, 2, "c2") == 0);
	ln_ctx *ctx = ln_ctx_new(NULL);
	ln_optim *oa = ln_optim_new(LN_ADABELIEF, &a.P, 1e-2f);
	ln_optim *ob = ln_optim_new(LN_ADABELIEF, &b.P, 1e-2f);
	for (int i = 0; i < 3; i++)
		CHECK(isfinite(step(&a, ctx, oa)));
	CHECK(ln_ckpt_save(tmp("a.ckpt"), arch, &a.P, oa) == 0);
	/* round trip: b becomes a, and both continue identically */
	CHECK(ln_ckpt_load(tmp("a.ckpt"), arch, &b.P, ob) == 0);
	CHECK(same_params(&a.P, &b.P));
	CHECK(ob->step == 3);
	float la = step(&a, ctx, oa), lb = step(&b, ctx, ob);
	CHECK(la == lb);
	CHECK(same_params(&a.P, &b.P));
	CHECK(ln_ckpt_save(tmp("a.ckpt"), arch, &a.P, oa) == 0);

	size_t n;
	unsigned char *buf = read_all(tmp("a.ckpt"), &n);
	CHECK(n > 100);
	/* corrupt one byte of the data */
	buf[n / 2] ^= 0x40;
	write_bytes(tmp("bad.ckpt"), buf, n);
	refused(tmp("bad.ckpt"), arch, &b, ob, LP_EX_DATAERR, "CRC");
	buf[n / 2] ^= 0x40;
	/* truncated */
	write_bytes(tmp("short.ckpt"), buf, n - 9);
	refused(tmp("short.ckpt"), arch, &b, ob, LP_EX_DATAERR, "CRC");
	write_bytes(tmp("tiny.ckpt"), buf, 5);
	refused(tmp("tiny.ckpt"), arch, &b, ob, LP_EX_DATAERR, "truncated");
	/* not a checkpoint */
	write_bytes(tmp("text.ckpt"), (const unsigned char *)"hello world, "
	            "this is not a checkpoint at all", 40);
	refused(tmp("text.ckpt"), arch, &b, ob, LP_EX_DATAERR, "CRC");
	refused(tmp("missing.ckpt"), arch, &b, ob, LP_EX_NOINPUT, "cannot open");
	/* wrong architecture string */
	refused(tmp("a.ckpt"), "other-net", &b, ob, LP_EX_DATAERR,
	        "architecture");
	/* wrong optimizer kind */
	ln_optim *orms = ln_optim_new(LN_RMSPROP, &b.P, 1e-3f);
	refused(tmp("a.ckpt"), arch, &b, orms, LP_EX_DATAERR, "adabelief");
	ln_optim_free(orms);
	/* a model with another shape / another name */
	model c;
	CHECK(build(&c, 3, "c2") == 0);
	CHECK(ln_ckpt_load(tmp("a.ckpt"), arch, &c.P, NULL) == -1);
	CHECK(strstr(lp_errmsg(), "c2.weight") && strstr(lp_errmsg(), "4x2x1x1") == NULL &&
	      strstr(lp_errmsg(), "2x4x1x1") && strstr(lp_errmsg(), "3x4x1x1"));
	fprintf(stderr, "refused as expected: %s\n", lp_errmsg());
	ln_params_free(&c.P);
	CHECK(build(&c, 2, "head") == 0);
	CHECK(ln_ckpt_load(tmp("a.ckpt"), arch, &c.P, NULL) == -1);
	CHECK(strstr(lp_errmsg(), "head.weight") != NULL);
	fprintf(stderr, "refused as expected: %s\n", lp_errmsg());
	ln_params_free(&c.P);
	/* a version from the future, a bad magic, stray bytes (valid CRCs) */
	buf[8] = 2;
	fix_crc(buf, n);
	write_bytes(tmp("v2.ckpt"), buf, n);
	refused(tmp("v2.ckpt"), arch, &b, ob, LP_EX_UNSUPPORTED, "version 2");
	buf[8] = 1;
	buf[0] = 'X';
	fix_crc(buf, n);
	write_bytes(tmp("magic.ckpt"), buf, n);
	refused(tmp("magic.ckpt"), arch, &b, ob, LP_EX_DATAERR, "bad magic");
	buf[0] = 'L';
	unsigned char *big = malloc(n + 4);
	memcpy(big, buf, n - 4);
	memset(big + n - 4, 0, 4);
	fix_crc(big, n + 4);
	write_bytes(tmp("stray.ckpt"), big, n + 4);
	refused(tmp("stray.ckpt"), arch, &b, ob, LP_EX_DATAERR, "stray");
	/* a truncated body with a valid CRC */
	memcpy(big, buf, n - 40);
	fix_crc(big, n - 36);
	write_bytes(tmp("cut.ckpt"), big, n - 36);
	refused(tmp("cut.ckpt"), arch, &b, ob, LP_EX_DATAERR, "truncated");
	free(big);
	fix_crc(buf, n);
	CHECK(ln_ckpt_load(tmp("a.ckpt"), arch, &b.P, ob) == 0);
	/* parameters only (inference): NULL optimizer is fine */
	CHECK(build(&c, 2, "c2") == 0);
	CHECK(ln_ckpt_load(tmp("a.ckpt"), arch, &c.P, NULL) == 0);
	CHECK(same_params(&a.P, &c.P));
	ln_params_free(&c.P);
	/* saving into a folder that does not exist fails cleanly */
	CHECK(ln_ckpt_save(tmp("nodir/x.ckpt"), arch, &a.P, oa) == -1);
	CHECK(lp_errcode() == LP_EX_CANTCREAT);
	free(buf);
	ln_optim_free(oa);
	ln_optim_free(ob);
	ln_ctx_free(ctx);
	ln_params_free(&a.P);
	ln_params_free(&b.P);
	return lp_test_result("test_net_ckpt");
}
