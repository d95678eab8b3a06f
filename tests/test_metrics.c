/* test_metrics.c - segmentation and classification metrics against
 * hand-computed cases and an independent oracle (tests/metrics_oracle.py:
 * numpy + scipy.ndimage for the pixel and surface metrics, sklearn.metrics
 * for classification, the bootstrap replayed with the same draws). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lp_metrics.h"
#include "lp_mhd.h"
#include "lp_report.h"
#include "lp_stream.h"
#include "lp_test.h"

static uint64_t rs = 99;
static double urand(void)
{
	rs = rs * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(rs >> 11) * (1.0 / 9007199254740992.0);
}

/* NaN-aware closeness */
static int near(double a, double b, double tol)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	if (isinf(a) || isinf(b))
		return a == b;
	return fabs(a - b) <= tol * (1 + fabs(b));
}
#define CHECK_SAME(a, b, tol)                                                \
	do {                                                                 \
		double x_ = (a), y_ = (b);                                   \
		lp_test_checks++;                                            \
		if (!near(x_, y_, tol)) {                                    \
			lp_test_failures++;                                  \
			fprintf(stderr, "%s:%d: %s = %.17g, want %.17g\n",   \
			        __FILE__, __LINE__, #a, x_, y_);             \
		}                                                            \
	} while (0)

static void hand_seg(void)
{
	/* 4x4: gt square x,y in 1..2; pred the same shifted right by one */
	uint8_t gt[16] = { 0 }, pr[16] = { 0 };
	gt[5] = gt[6] = gt[9] = gt[10] = 1;
	pr[6] = pr[7] = pr[10] = pr[11] = 255;
	lp_counts c = { 0, 0, 0, 0 };
	double v[LP_SEG_N], s[LP_SURF_N];
	lp_seg_count_u8(gt, pr, 16, &c);
	CHECK(c.tp == 2 && c.fp == 2 && c.fn == 2 && c.tn == 10);
	lp_seg_scores(&c, v);
	CHECK_NEAR(v[LP_SEG_ACC], 0.75, 1e-15);
	CHECK_NEAR(v[LP_SEG_DSC], 0.5, 1e-15);
	CHECK_NEAR(v[LP_SEG_IOU], 1.0 / 3, 1e-15);
	CHECK_NEAR(v[LP_SEG_IOU_BG], 10.0 / 14, 1e-15);
	CHECK_NEAR(v[LP_SEG_MIOU], (1.0 / 3 + 10.0 / 14) / 2, 1e-15);
	CHECK_NEAR(v[LP_SEG_PREC], 0.5, 1e-15);
	CHECK_NEAR(v[LP_SEG_SE], 0.5, 1e-15);
	CHECK_NEAR(v[LP_SEG_SP], 10.0 / 12, 1e-15);
	/* surfaces: every pixel of both squares; d = {1,0,1,0} each way */
	int64_t dim[3] = { 4, 4, 1 };
	double sp[3] = { 0.5, 3, 9 }, sp1[3] = { 1, 1, 1 };
	int64_t ns[2];
	CHECK(lp_surface_metrics(gt, pr, dim, sp1, s, ns) == 0);
	CHECK(ns[0] == 4 && ns[1] == 4);
	CHECK_NEAR(s[LP_SURF_HD95], 1, 1e-15);
	CHECK_NEAR(s[LP_SURF_ASSD], 0.5, 1e-15);
	CHECK_NEAR(s[LP_SURF_HD], 1, 1e-15);
	CHECK(lp_surface_metrics(gt, pr, dim, sp, s, ns) == 0);
	CHECK_NEAR(s[LP_SURF_HD95], 0.5, 1e-15);
	CHECK_NEAR(s[LP_SURF_ASSD], 0.25, 1e-15);
	/* the prob path agrees with the mask path */
	float prob[16];
	for (int i = 0; i < 16; i++)
		prob[i] = pr[i] ? 0.5f : 0.49f;
	lp_counts c2 = { 0, 0, 0, 0 };
	lp_seg_count_prob_f32(gt, prob, 16, 0.5, &c2);
	CHECK(c2.tp == 2 && c2.fp == 2 && c2.fn == 2 && c2.tn == 10);
	/* a 3x3 filled square: the centre is interior, 8 surface pixels */
	uint8_t sq[25] = { 0 }, su[25];
	int64_t d5[3] = { 5, 5, 1 };
	for (int y = 1; y < 4; y++)
		for (int x = 1; x < 4; x++)
			sq[x + 5 * y] = 1;
	lp_mask_surface(sq, d5, su);
	int nsu = 0;
	for (int i = 0; i < 25; i++)
		nsu += su[i];
	CHECK(nsu == 8 && su[12] == 0 && su[6] == 1);
}

static void hand_empty(void)
{
	uint8_t z[16] = { 0 }, one[16] = { 0 };
	int64_t dim[3] = { 4, 4, 1 };
	double sp[3] = { 1, 1, 1 }, v[LP_SEG_N], s[LP_SURF_N];
	lp_counts c = { 0, 0, 0, 0 };
	one[5] = 1;
	lp_seg_count_u8(z, z, 16, &c);
	lp_seg_scores(&c, v);
	for (int k = 0; k < LP_SEG_N; k++)
		CHECK(v[k] == 1.0);
	CHECK(lp_surface_metrics(z, z, dim, sp, s, NULL) == 0);
	CHECK(s[0] == 0 && s[1] == 0 && s[2] == 0);
	memset(&c, 0, sizeof c);
	lp_seg_count_u8(z, one, 16, &c); /* gt empty, one false positive */
	lp_seg_scores(&c, v);
	CHECK(v[LP_SEG_DSC] == 0 && v[LP_SEG_SE] == 0 && v[LP_SEG_PREC] == 0);
	CHECK_NEAR(v[LP_SEG_SP], 15.0 / 16, 1e-15);
	CHECK(lp_surface_metrics(z, one, dim, sp, s, NULL) == 0);
	CHECK(isnan(s[0]) && isnan(s[1]) && isnan(s[2]));
	CHECK(lp_surface_metrics(one, z, dim, sp, s, NULL) == 0);
	CHECK(isnan(s[0]));
	/* identical single pixels: distance 0 */
	CHECK(lp_surface_metrics(one, one, dim, sp, s, NULL) == 0);
	CHECK(s[0] == 0 && s[1] == 0);
}

static void hand_stats(void)
{
	double a[4] = { 4, 1, 3, 2 };
	CHECK_NEAR(lp_percentile(a, 4, 50), 2.5, 1e-15);
	CHECK_NEAR(lp_percentile(a, 4, 95), 3.85, 1e-14);
	CHECK_NEAR(lp_percentile(a, 4, 0), 1, 1e-15);
	CHECK_NEAR(lp_percentile(a, 4, 100), 4, 1e-15);
	CHECK(isnan(lp_percentile(a, 0, 50)));
	double b[7] = { 5, 5, 5, 1, 9, 5, 5 };
	CHECK_NEAR(lp_percentile(b, 7, 50), 5, 1e-15);
	lp_meansd st = { 0, 0, 0, 0 };
	lp_meansd_add(&st, 1);
	lp_meansd_add(&st, NAN);
	lp_meansd_add(&st, 2);
	lp_meansd_add(&st, 3);
	CHECK(st.n == 3 && st.nnan == 1);
	CHECK_NEAR(st.mean, 2, 1e-15);
	CHECK_NEAR(lp_meansd_sd(&st), 1, 1e-15);
}

static void hand_cls(void)
{
	/* sklearn's documented example: AUC 0.75, AP 0.8333 */
	double s1[4] = { 0.1, 0.4, 0.35, 0.8 };
	uint8_t l1[4] = { 0, 0, 1, 1 };
	CHECK_NEAR(lp_roc_auc(s1, l1, 4), 0.75, 1e-15);
	CHECK_NEAR(lp_average_precision(s1, l1, 4), 0.5 * 1 + 0.5 * (2.0 / 3),
	           1e-15);
	/* a tie between a positive and a negative counts 1/2 */
	double s2[4] = { 0.5, 0.5, 0.2, 0.9 };
	uint8_t l2[4] = { 0, 1, 0, 1 };
	lp_cls_result r;
	CHECK(lp_cls_metrics(s2, l2, 4, 0.5, &r) == 0);
	CHECK_NEAR(r.v[LP_CLS_AUC], 3.5 / 4, 1e-15);
	CHECK(r.cm.tp == 2 && r.cm.fp == 1 && r.cm.fn == 0 && r.cm.tn == 1);
	CHECK(r.npos == 2 && r.nneg == 2);
	CHECK_NEAR(r.v[LP_CLS_ACC], 0.75, 1e-15);
	CHECK_NEAR(r.v[LP_CLS_SE], 1, 1e-15);
	CHECK_NEAR(r.v[LP_CLS_SP], 0.5, 1e-15);
	CHECK_NEAR(r.v[LP_CLS_PREC], 2.0 / 3, 1e-15);
	CHECK_NEAR(r.v[LP_CLS_F1], 0.8, 1e-15);
	/* one class only: AUC undefined, SP undefined */
	uint8_t l3[4] = { 1, 1, 1, 1 };
	CHECK(lp_cls_metrics(s2, l3, 4, 0.5, &r) == 0);
	CHECK(isnan(r.v[LP_CLS_AUC]) && isnan(r.v[LP_CLS_SP]));
	CHECK_NEAR(r.v[LP_CLS_AP], 1, 1e-15);
	/* malformed input */
	double s4[2] = { 0.5, NAN };
	uint8_t l4[2] = { 0, 1 }, l5[2] = { 0, 2 };
	CHECK(lp_cls_metrics(s4, l4, 2, 0.5, &r) == -1);
	CHECK(lp_cls_metrics(s1, l5, 2, 0.5, &r) == -1);
	lp_curve cv;
	CHECK(lp_roc_curve(s2, l3, 4, &cv) == -1);
	CHECK(lp_roc_curve(s2, l2, 4, &cv) == 0);
	CHECK(cv.np == 4 && cv.x[0] == 0 && cv.y[0] == 0);
	CHECK(cv.x[cv.np - 1] == 1 && cv.y[cv.np - 1] == 1);
	lp_curve_free(&cv);
	/* bootstrap: reproducible with a seed, CI brackets the estimate */
	lp_cls_ci a, b;
	double s6[40];
	uint8_t l6[40];
	for (int i = 0; i < 40; i++) {
		l6[i] = i % 3 == 0;
		s6[i] = 0.3 * l6[i] + 0.7 * urand();
	}
	CHECK(lp_cls_bootstrap(s6, l6, 40, 0.5, 300, 7, 0.95, &a) == 0);
	CHECK(lp_cls_bootstrap(s6, l6, 40, 0.5, 300, 7, 0.95, &b) == 0);
	CHECK(memcmp(a.lo, b.lo, sizeof a.lo) == 0);
	CHECK(lp_cls_metrics(s6, l6, 40, 0.5, &r) == 0);
	CHECK(a.lo[LP_CLS_AUC] < r.v[LP_CLS_AUC] &&
	      r.v[LP_CLS_AUC] < a.hi[LP_CLS_AUC]);
	CHECK(a.nvalid[LP_CLS_AUC] == 300);
	CHECK(lp_cls_bootstrap(s6, l6, 40, 0.5, 0, 7, 0.95, &a) == -1);
}

/* ---- oracle ------------------------------------------------------------- */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = malloc((size_t)n + 1);
	if (fread(s, 1, (size_t)n, f) != (size_t)n)
		n = 0;
	s[n] = 0;
	fclose(f);
	return s;
}

/* Values of line "name ..." within case k of oracle output; count or -1. */
static int get_vals(const char *txt, int k, const char *name, double *out,
                    int max)
{
	char hdr[32];
	snprintf(hdr, sizeof hdr, "case %d\n", k);
	const char *p = strstr(txt, hdr);
	if (!p)
		return -1;
	p += strlen(hdr);
	size_t nl = strlen(name);
	while (*p && strncmp(p, "case ", 5) != 0) {
		const char *e = strchr(p, '\n');
		if (!e)
			e = p + strlen(p);
		if (strncmp(p, name, nl) == 0 && p[nl] == ' ') {
			int n = 0;
			char *q = (char *)p + nl;
			while (n < max && q < e) {
				char *r;
				double v = strtod(q, &r);
				if (r == q)
					break;
				out[n++] = v;
				q = r;
			}
			return n;
		}
		p = *e ? e + 1 : e;
	}
	return -1;
}

static int run_oracle(const char *kind, const char *in, const char *out)
{
	char cmd[2048];
	const char *src = getenv("LP_SRC") ? getenv("LP_SRC") : ".";
	snprintf(cmd, sizeof cmd,
	         "/usr/bin/python3 '%s/tests/metrics_oracle.py' %s '%s' '%s'",
	         src, kind, in, out);
	return system(cmd);
}

static void tmp_path(char *buf, size_t n, const char *name)
{
	const char *tmp = getenv("LP_TMP") ? getenv("LP_TMP") : "/tmp";
	snprintf(buf, n, "%s/%s", tmp, name);
}

/* The report helpers: raster, font, PNG, tables, atomic files. */
static void report_checks(void)
{
	lp_rgb im;
	CHECK(lp_rgb_alloc(&im, 20, 10, 0xffffff) == 0);
	lp_rgb_line(&im, 2, 5.5, 18, 5.5, 0x000000, 1); /* through row 5's centres */
	CHECK(im.px[3 * (5 * 20 + 10)] == 0 && im.px[3 * (4 * 20 + 10)] == 255);
	CHECK(im.px[3 * (0 * 20 + 10)] == 255);
	lp_rgb_text(&im, 0, 0, "a", 0xff0000, 1); /* 'A' row 1 = 10001 */
	CHECK(im.px[3 * 20] == 255 && im.px[3 * 20 + 1] == 0);
	CHECK(lp_rgb_text_width("abc", 2) == 34);
	char path[512];
	tmp_path(path, sizeof path, "t.png");
	CHECK(lp_png_write(path, &im) == 0);
	unsigned char hdr[24] = { 0 };
	FILE *f = fopen(path, "rb");
	CHECK(f && fread(hdr, 1, 24, f) == 24);
	if (f)
		fclose(f);
	CHECK(memcmp(hdr, "\x89PNG\r\n\x1a\n", 8) == 0);
	CHECK(hdr[19] == 20 && hdr[23] == 10); /* IHDR width, height */
	lp_rgb_free(&im);
	/* an abandoned atomic file leaves nothing */
	tmp_path(path, sizeof path, "gone.txt");
	lp_ofile *a = lp_ofile_open(path);
	CHECK(a != NULL);
	if (a) {
		fputs("x", a->fp);
		lp_ofile_abort(a);
	}
	CHECK(fopen(path, "r") == NULL);
	CHECK(lp_ofile_open("/nonexistent-dir/x.txt") == NULL);
	/* tables */
	const char *h[] = { "metric", "value" }, *r1[] = { "DSC", "0.5" },
	           *r2[] = { "<b>", "12.25" };
	lp_table *t = lp_table_new("T", 2, h);
	CHECK(t && lp_table_add(t, r1) == 0 && lp_table_add(t, r2) == 0);
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	lp_table_text(m, t);
	lp_table_tsv(m, t);
	lp_table_html(m, t);
	fclose(m);
	CHECK(buf && strstr(buf, "  DSC       0.5\n") != NULL);
	CHECK(buf && strstr(buf, "<b>\t12.25\n") != NULL);
	CHECK(buf && strstr(buf, "<td>&lt;b&gt;</td>") != NULL);
	free(buf);
	lp_table_free(t);
}

typedef struct {
	int64_t d[3];
	double sp[3];
	uint8_t *gt, *pr;
} scase;

/* An ellipsoid of radii r around c (voxel units), value 1. */
static void blob(uint8_t *m, const int64_t d[3], const double c[3],
                 const double r[3])
{
	int64_t i = 0;
	for (int64_t z = 0; z < d[2]; z++)
		for (int64_t y = 0; y < d[1]; y++)
			for (int64_t x = 0; x < d[0]; x++, i++) {
				double p[3] = { (double)x, (double)y, (double)z };
				double q = 0;
				for (int a = 0; a < 3; a++) {
					double t = (p[a] - c[a]) / r[a];
					q += t * t;
				}
				if (q <= 1)
					m[i] = 1;
			}
}

static void make_scase(scase *c, int k)
{
	static const int64_t dims[][3] = { { 64, 64, 1 }, { 32, 24, 12 },
	                                   { 20, 1, 30 }, { 48, 48, 1 } };
	const int64_t *d = dims[k % 4];
	int64_t n = d[0] * d[1] * d[2];
	for (int a = 0; a < 3; a++) {
		c->d[a] = d[a];
		c->sp[a] = k % 5 == 0 ? 1 : 0.5 + urand() * 2;
	}
	c->gt = calloc((size_t)n, 1);
	c->pr = calloc((size_t)n, 1);
	int mode = k % 7; /* 0: both empty, 1: gt empty, 2: pred empty */
	for (int b = 0; b < 1 + k % 3; b++) {
		double ce[3], r[3], ce2[3], r2[3];
		for (int a = 0; a < 3; a++) {
			ce[a] = urand() * (double)d[a];
			r[a] = d[a] == 1 ? 1 : 1 + urand() * (double)d[a] / 3;
			ce2[a] = ce[a] + (d[a] == 1 ? 0 : (urand() - 0.5) * 4);
			r2[a] = d[a] == 1 ? 1 : r[a] * (0.7 + urand() * 0.6);
		}
		if (mode != 0 && mode != 1)
			blob(c->gt, c->d, ce, r);
		if (mode != 0 && mode != 2)
			blob(c->pr, c->d, ce2, r2);
	}
	for (int64_t i = 0; mode >= 3 && i < n; i++) /* speckle */
		if (urand() < 0.01)
			c->pr[i] ^= 1;
}

static void oracle_seg(void)
{
	enum { NC = 28 };
	scase c[NC];
	char in[512], out[512];
	tmp_path(in, sizeof in, "seg_in.bin");
	tmp_path(out, sizeof out, "seg_out.txt");
	FILE *f = fopen(in, "wb");
	CHECK(f != NULL);
	if (!f)
		return;
	for (int k = 0; k < NC; k++) {
		make_scase(&c[k], k);
		int32_t di[3] = { (int32_t)c[k].d[0], (int32_t)c[k].d[1],
		                  (int32_t)c[k].d[2] };
		size_t n = (size_t)(c[k].d[0] * c[k].d[1] * c[k].d[2]);
		fwrite(di, 4, 3, f);
		fwrite(c[k].sp, 8, 3, f);
		fwrite(c[k].gt, 1, n, f);
		fwrite(c[k].pr, 1, n, f);
	}
	CHECK(fclose(f) == 0);
	CHECK(run_oracle("seg", in, out) == 0);
	char *txt = slurp(out);
	CHECK(txt != NULL);
	for (int k = 0; txt && k < NC; k++) {
		size_t n = (size_t)(c[k].d[0] * c[k].d[1] * c[k].d[2]);
		lp_counts cnt = { 0, 0, 0, 0 };
		double v[LP_SEG_N], s[LP_SURF_N], w[16];
		lp_seg_count_u8(c[k].gt, c[k].pr, n, &cnt);
		lp_seg_scores(&cnt, v);
		CHECK(lp_surface_metrics(c[k].gt, c[k].pr, c[k].d, c[k].sp, s,
		                         NULL) == 0);
		CHECK(get_vals(txt, k, "counts", w, 4) == 4);
		CHECK(w[0] == cnt.tp && w[1] == cnt.fp && w[2] == cnt.fn &&
		      w[3] == cnt.tn);
		CHECK(get_vals(txt, k, "pixel", w, LP_SEG_N) == LP_SEG_N);
		for (int j = 0; j < LP_SEG_N; j++)
			CHECK_SAME(v[j], w[j], 1e-12);
		CHECK(get_vals(txt, k, "surface", w, 3) == 3);
		for (int j = 0; j < LP_SURF_N; j++)
			CHECK_SAME(s[j], w[j], 1e-9);
		fprintf(stderr, "seg case %2d: DSC %.4f HD95 %.4f (oracle %.4f) "
		        "ASSD %.4f (oracle %.4f)\n", k, v[LP_SEG_DSC],
		        s[0], w[0], s[1], w[1]);
		free(c[k].gt);
		free(c[k].pr);
	}
	free(txt);
}

typedef struct {
	int n, nboot;
	double thr;
	uint64_t seed;
	double *s;
	uint8_t *l;
} ccase;

static void make_ccase(ccase *c, int k)
{
	static const int ns[] = { 5, 50, 300, 40, 1000, 12, 60 };
	c->n = ns[k % 7];
	c->thr = k == 3 ? 0.3 : 0.5;
	c->nboot = (k == 1 || k == 3 || k == 6) ? 200 : 0;
	c->seed = 1000 + (uint64_t)k;
	c->s = malloc((size_t)c->n * sizeof(double));
	c->l = malloc((size_t)c->n);
	for (int i = 0; i < c->n; i++) {
		c->l[i] = urand() < (k == 5 ? 0.0 : 0.35);
		double x = 0.25 * c->l[i] + 0.75 * urand();
		/* coarse scores make many ties */
		c->s[i] = k % 2 ? floor(x * 20) / 20 : x;
	}
	if (k == 6)
		for (int i = 0; i < c->n; i++)
			c->l[i] = 1; /* one class */
}

static void compare_curve(const char *txt, int k, const char *xn,
                          const char *yn, const lp_curve *cv)
{
	double *w = malloc(2000 * sizeof(double));
	int n = get_vals(txt, k, xn, w, 2000);
	CHECK(n == (int)cv->np);
	for (int i = 0; i < n && i < (int)cv->np; i++)
		CHECK_SAME(cv->x[i], w[i], 1e-12);
	n = get_vals(txt, k, yn, w, 2000);
	CHECK(n == (int)cv->np);
	for (int i = 0; i < n && i < (int)cv->np; i++)
		CHECK_SAME(cv->y[i], w[i], 1e-12);
	free(w);
}

static void check_ccase(const char *txt, int k, const ccase *c)
{
	lp_cls_result r;
	lp_curve cv;
	double w[16];
	CHECK(lp_cls_metrics(c->s, c->l, (size_t)c->n, c->thr, &r) == 0);
	CHECK(get_vals(txt, k, "cm", w, 4) == 4);
	CHECK(w[0] == r.cm.tp && w[1] == r.cm.fp && w[2] == r.cm.fn &&
	      w[3] == r.cm.tn);
	CHECK(get_vals(txt, k, "point", w, LP_CLS_N) == LP_CLS_N);
	for (int j = 0; j < LP_CLS_N; j++)
		CHECK_SAME(r.v[j], w[j], 1e-12);
	fprintf(stderr, "cls case %d (n %d): AUC %.6f (sklearn %.6f) AP %.6f "
	        "(sklearn %.6f)\n", k, c->n, r.v[LP_CLS_AUC], w[LP_CLS_AUC],
	        r.v[LP_CLS_AP], w[LP_CLS_AP]);
	if (r.npos > 0 && r.nneg > 0) {
		CHECK(lp_roc_curve(c->s, c->l, (size_t)c->n, &cv) == 0);
		compare_curve(txt, k, "roc_x", "roc_y", &cv);
		lp_curve_free(&cv);
	}
	if (r.npos > 0) {
		CHECK(lp_pr_curve(c->s, c->l, (size_t)c->n, &cv) == 0);
		compare_curve(txt, k, "pr_x", "pr_y", &cv);
		lp_curve_free(&cv);
	}
	if (c->nboot > 0) {
		lp_cls_ci ci;
		CHECK(lp_cls_bootstrap(c->s, c->l, (size_t)c->n, c->thr,
		                       c->nboot, c->seed, 0.95, &ci) == 0);
		double lo[LP_CLS_N], hi[LP_CLS_N], nv[LP_CLS_N];
		CHECK(get_vals(txt, k, "ci_lo", lo, LP_CLS_N) == LP_CLS_N);
		CHECK(get_vals(txt, k, "ci_hi", hi, LP_CLS_N) == LP_CLS_N);
		CHECK(get_vals(txt, k, "ci_n", nv, LP_CLS_N) == LP_CLS_N);
		for (int j = 0; j < LP_CLS_N; j++) {
			CHECK(ci.nvalid[j] == (int)nv[j]);
			CHECK_SAME(ci.lo[j], lo[j], 1e-12);
			CHECK_SAME(ci.hi[j], hi[j], 1e-12);
		}
		fprintf(stderr, "  bootstrap AUC CI [%.6f, %.6f] (oracle [%.6f, "
		        "%.6f])\n", ci.lo[LP_CLS_AUC], ci.hi[LP_CLS_AUC],
		        lo[LP_CLS_AUC], hi[LP_CLS_AUC]);
	}
}

static void oracle_cls(void)
{
	enum { NC = 7 };
	ccase c[NC];
	char in[512], out[512];
	tmp_path(in, sizeof in, "cls_in.bin");
	tmp_path(out, sizeof out, "cls_out.txt");
	FILE *f = fopen(in, "wb");
	CHECK(f != NULL);
	if (!f)
		return;
	for (int k = 0; k < NC; k++) {
		make_ccase(&c[k], k);
		int32_t n = c[k].n, nb = c[k].nboot;
		fwrite(&n, 4, 1, f);
		fwrite(&c[k].thr, 8, 1, f);
		fwrite(&nb, 4, 1, f);
		fwrite(&c[k].seed, 8, 1, f);
		fwrite(c[k].s, 8, (size_t)n, f);
		fwrite(c[k].l, 1, (size_t)n, f);
	}
	CHECK(fclose(f) == 0);
	CHECK(run_oracle("cls", in, out) == 0);
	char *txt = slurp(out);
	CHECK(txt != NULL);
	for (int k = 0; txt && k < NC; k++)
		check_ccase(txt, k, &c[k]);
	for (int k = 0; k < NC; k++) {
		free(c[k].s);
		free(c[k].l);
	}
	free(txt);
}

/* ---- helper modes for tests/t_seg_metrics.sh and bench/metrics.sh ---- */

/* Frame k of a generated stream: image (HU), gt, pred (or prob), metadata. */
static int make_frame(lp_frame *f, int k, const int64_t d[3], int use_prob,
                      int fast)
{
	lp_frame_init(f);
	if (lp_frame_set_dims(f, d[0], d[1], d[2]) < 0)
		return -1;
	f->spacing[0] = f->spacing[1] = fast ? 0.7 : 0.5 + urand() * 0.5;
	f->spacing[2] = fast ? 1.25 : 0.7 + urand() * 2;
	lp_channel *im = lp_frame_add_channel(f, "image", LP_I16, "HU");
	lp_channel *g = lp_frame_add_channel(f, "gt", LP_U8, "mask");
	lp_channel *p = lp_frame_add_channel(f, use_prob ? "prob" : "pred",
	                                     use_prob ? LP_F32 : LP_U8,
	                                     use_prob ? "prob" : "mask");
	if (!im || !g || !p)
		return -1;
	int64_t n = d[0] * d[1] * d[2];
	uint8_t *gt = g->data;
	double c[3], r[3], c2[3], r2[3];
	for (int a = 0; a < 3; a++) {
		c[a] = d[a] / 2.0 + (urand() - 0.5) * (double)d[a] / 4;
		r[a] = d[a] == 1 ? 1 : 2 + urand() * (double)d[a] / 5;
		c2[a] = c[a] + (d[a] == 1 ? 0 : (urand() - 0.5) * 3);
		r2[a] = d[a] == 1 ? 1 : r[a] * (0.75 + urand() * 0.5);
	}
	if (k % 17 != 5) /* some patches without nodule */
		blob(gt, d, c, r);
	uint8_t *pm = use_prob ? calloc((size_t)n, 1) : p->data;
	if (!pm)
		return -1;
	if (k % 13 != 7) /* some empty predictions */
		blob(pm, d, c2, r2);
	int16_t *hu = im->data;
	for (int64_t i = 0; i < n; i++) {
		hu[i] = (int16_t)(gt[i] ? 30 : -800 + (int)(fast ? 0 : urand() * 200));
		if (use_prob)
			((float *)p->data)[i] = pm[i] ? 0.5f + 0.5f * (float)urand()
			                               : 0.5f * (float)urand();
	}
	if (use_prob)
		free(pm);
	int mal = urand() < 0.35;
	double prob = fmin(1, fmax(0, 0.35 * mal + 0.65 * urand()));
	prob = floor(prob * 50) / 50; /* ties */
	if (lp_meta_setf(f, "nodule_id", "n%05d", k) < 0 ||
	    lp_meta_set(f, "label", k % 23 == 3 ? "uncertain"
	                : mal ? "malignant" : "benign") < 0 ||
	    lp_meta_setf(f, LP_META_PROB, "%.17g", prob) < 0)
		return -1;
	return 0;
}

/* Append the frame to the oracle files (formats: metrics_oracle.py). */
static void oracle_append(FILE *fs, const lp_frame *f, int use_prob,
                          double thr, double *scores, uint8_t *labels,
                          int *ncls)
{
	int32_t di[3] = { (int32_t)f->dim[0], (int32_t)f->dim[1],
	                  (int32_t)f->dim[2] };
	size_t n = (size_t)lp_frame_nvox(f);
	fwrite(di, 4, 3, fs);
	fwrite(f->spacing, 8, 3, fs);
	fwrite(lp_frame_channel(f, "gt")->data, 1, n, fs);
	if (use_prob) {
		const float *pr = lp_frame_channel(f, "prob")->data;
		for (size_t i = 0; i < n; i++)
			fputc(pr[i] >= (float)thr, fs);
	} else {
		fwrite(lp_frame_channel(f, "pred")->data, 1, n, fs);
	}
	const char *l = lp_meta_get(f, "label");
	if (strcmp(l, "uncertain")) {
		scores[*ncls] = strtod(lp_meta_get(f, LP_META_PROB), NULL);
		labels[(*ncls)++] = !strcmp(l, "malignant");
	}
}

/* mkstream OUT N NX NY NZ [prob|fast] [ORACLE_SEG ORACLE_CLS NBOOT SEED] */
static int mode_mkstream(int argc, char **argv)
{
	if (argc < 7)
		return 64;
	int n = atoi(argv[3]), use_prob = argc > 7 && !strcmp(argv[7], "prob");
	int fast = argc > 7 && !strcmp(argv[7], "fast");
	int64_t d[3] = { atoi(argv[4]), atoi(argv[5]), atoi(argv[6]) };
	FILE *fs = argc > 9 ? fopen(argv[8], "wb") : NULL;
	double *sc = malloc((size_t)n * sizeof(double));
	uint8_t *lb = malloc((size_t)n);
	int ncls = 0;
	lp_writer *w = lp_writer_open(argv[2], NULL, "test_metrics", argc, argv);
	if (!w || !sc || !lb) {
		fprintf(stderr, "test_metrics: %s\n", lp_errmsg());
		return 1;
	}
	lp_frame f;
	for (int k = 0; k < n; k++) {
		if (make_frame(&f, k, d, use_prob, fast) < 0 || lp_writer_put(w, &f) < 0) {
			fprintf(stderr, "test_metrics: %s\n", lp_errmsg());
			lp_writer_abort(w);
			return 1;
		}
		if (fs)
			oracle_append(fs, &f, use_prob, 0.5, sc, lb, &ncls);
		lp_frame_free(&f);
	}
	if (lp_writer_close(w) < 0)
		return 1;
	if (fs) {
		fclose(fs);
		FILE *fc = fopen(argv[9], "wb");
		int32_t nn = ncls, nb = argc > 10 ? atoi(argv[10]) : 0;
		uint64_t seed = argc > 11 ? strtoull(argv[11], NULL, 10) : 1;
		double thr = 0.5;
		fwrite(&nn, 4, 1, fc);
		fwrite(&thr, 8, 1, fc);
		fwrite(&nb, 4, 1, fc);
		fwrite(&seed, 8, 1, fc);
		fwrite(sc, 8, (size_t)ncls, fc);
		fwrite(lb, 1, (size_t)ncls, fc);
		fclose(fc);
	}
	free(sc);
	free(lb);
	return 0;
}

/* mkbad KIND OUT: streams that seg-metrics must refuse. */
static int mode_mkbad(int argc, char **argv)
{
	if (argc < 4)
		return 64;
	const char *kind = argv[2];
	lp_writer *w = lp_writer_open(argv[3], NULL, "test_metrics", argc, argv);
	lp_frame f;
	lp_frame_init(&f);
	int64_t d[3] = { 8, 8, 1 };
	if (!w || lp_frame_set_dims(&f, d[0], d[1], d[2]) < 0)
		return 1;
	lp_frame_add_channel(&f, "image", LP_I16, "HU");
	if (!strcmp(kind, "nogt") || !strcmp(kind, "probonly"))
		lp_frame_add_channel(&f, !strcmp(kind, "nogt") ? "pred" : "prob",
		                     !strcmp(kind, "nogt") ? LP_U8 : LP_F32, "mask");
	if (!strcmp(kind, "gtonly"))
		lp_frame_add_channel(&f, "gt", LP_U8, "mask");
	if (!strcmp(kind, "badprob"))
		lp_meta_set(&f, LP_META_PROB, "0.3x");
	/* clsonly: valid, classification metadata only (as nodule-cls) */
	for (int k = 0; !strcmp(kind, "clsonly") && k < 29; k++) {
		lp_meta_set(&f, "label", k % 3 ? "benign" : "malignant");
		lp_meta_setf(&f, LP_META_PROB, "%g", k % 3 ? 0.1 * (k % 7) : 0.55);
		if (lp_writer_put(w, &f) < 0)
			return 1;
	}
	if (lp_writer_put(w, &f) < 0 || lp_writer_close(w) < 0)
		return 1;
	lp_frame_free(&f);
	return 0;
}

/* mkmhd OUT.mhd NX NY NZ SHIFT: a box mask, shifted by SHIFT in x. */
static int mode_mkmhd(int argc, char **argv)
{
	if (argc < 7)
		return 64;
	lp_frame f;
	lp_frame_init(&f);
	int64_t d[3] = { atoi(argv[3]), atoi(argv[4]), atoi(argv[5]) };
	int sh = atoi(argv[6]);
	if (lp_frame_set_dims(&f, d[0], d[1], d[2]) < 0)
		return 1;
	f.spacing[0] = f.spacing[1] = 0.5;
	f.spacing[2] = 2;
	lp_channel *c = lp_frame_add_channel(&f, "image", LP_U8, "mask");
	uint8_t *m = c->data;
	for (int64_t z = 0; z < d[2]; z++)
		for (int64_t y = 0; y < d[1]; y++)
			for (int64_t x = 0; x < d[0]; x++)
				m[x + d[0] * (y + d[1] * z)] =
					x >= 2 + sh && x < 6 + sh && y >= 2 && y < 6;
	int r = lp_mhd_write(argv[2], &f, "image", 0);
	if (r < 0)
		fprintf(stderr, "test_metrics: %s\n", lp_errmsg());
	lp_frame_free(&f);
	return r < 0 ? 1 : 0;
}

/* mkbench OUT.lps OUT.raw N: N 64x64 patches with gt and pred (u8) only,
 * and the same masks raw (gt then pred per patch) for the numpy peer. */
static int mode_mkbench(int argc, char **argv)
{
	if (argc < 5)
		return 64;
	int n = atoi(argv[4]);
	lp_writer *w = lp_writer_open(argv[2], NULL, "test_metrics", argc, argv);
	FILE *raw = fopen(argv[3], "wb");
	if (!w || !raw) {
		fprintf(stderr, "test_metrics: cannot create outputs\n");
		return 1;
	}
	lp_frame f;
	lp_frame_init(&f);
	lp_frame_set_dims(&f, 64, 64, 1);
	f.spacing[0] = f.spacing[1] = 0.7;
	lp_channel *g = lp_frame_add_channel(&f, "gt", LP_U8, "mask");
	lp_channel *p = lp_frame_add_channel(&f, "pred", LP_U8, "mask");
	int64_t d[3] = { 64, 64, 1 };
	for (int k = 0; k < n; k++) {
		double c[3] = { 24 + (k % 16), 40 - (k % 11), 0 },
		       r[3] = { 4 + (k % 9), 5 + (k % 7), 1 },
		       c2[3] = { c[0] + 1, c[1] - 1, 0 },
		       r2[3] = { r[0] + 1, r[1] - 1, 1 };
		memset(g->data, 0, 4096);
		memset(p->data, 0, 4096);
		blob(g->data, d, c, r);
		blob(p->data, d, c2, r2);
		if (lp_writer_put(w, &f) < 0) {
			lp_writer_abort(w);
			return 1;
		}
		fwrite(g->data, 1, 4096, raw);
		fwrite(p->data, 1, 4096, raw);
	}
	lp_frame_free(&f);
	return lp_writer_close(w) < 0 || fclose(raw) != 0;
}

/* bench RAW N: the pixel-metric kernel (counts + 8 metrics) on the first N
 * patch pairs of a mkbench raw file, in memory, OpenMP over patches;
 * prints the rate and the mean DSC (a cross-check with the peer). */
static int mode_bench(int argc, char **argv)
{
	if (argc < 4)
		return 64;
	long n = atol(argv[3]), m = 4096;
	uint8_t *buf = malloc((size_t)(n * 2 * m));
	FILE *f = fopen(argv[2], "rb");
	if (!buf || !f || fread(buf, (size_t)(2 * m), (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "test_metrics: cannot read %s\n", argv[2]);
		return 1;
	}
	fclose(f);
	double *out = malloc((size_t)n * LP_SEG_N * sizeof(double));
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
#pragma omp parallel for schedule(static)
	for (long k = 0; k < n; k++) {
		lp_counts c = { 0, 0, 0, 0 };
		lp_seg_count_u8(buf + 2 * k * m, buf + (2 * k + 1) * m, (size_t)m, &c);
		lp_seg_scores(&c, out + k * LP_SEG_N);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double dt = (double)(t1.tv_sec - t0.tv_sec) +
	            1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
	double dsc = 0;
	for (long k = 0; k < n; k++)
		dsc += out[k * LP_SEG_N + LP_SEG_DSC];
	printf("%.6f %.0f %.9f\n", dt, (double)n / dt, dsc / (double)n);
	free(buf);
	free(out);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		if (!strcmp(argv[1], "mkstream"))
			return mode_mkstream(argc, argv);
		if (!strcmp(argv[1], "mkbad"))
			return mode_mkbad(argc, argv);
		if (!strcmp(argv[1], "mkmhd"))
			return mode_mkmhd(argc, argv);
		if (!strcmp(argv[1], "mkbench"))
			return mode_mkbench(argc, argv);
		if (!strcmp(argv[1], "bench"))
			return mode_bench(argc, argv);
		fprintf(stderr, "usage: test_metrics [mkstream|mkbad|mkmhd|bench ...]\n");
		return 64;
	}
	hand_seg();
	hand_empty();
	hand_stats();
	hand_cls();
	report_checks();
	int have = system("/usr/bin/python3 -c 'import numpy, scipy.ndimage, "
	                  "sklearn.metrics' >/dev/null 2>&1") == 0;
	if (have) {
		oracle_seg();
		oracle_cls();
	}
	int r = lp_test_result("test_metrics");
	if (r == 0 && !have) {
		fprintf(stderr, "hand cases passed; oracle missing (python3 with "
		        "numpy, scipy, sklearn)\n");
		return 77;
	}
	return r;
}
