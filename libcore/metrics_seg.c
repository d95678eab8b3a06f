/* metrics_seg.c - pixel and surface metrics of segmentation masks.
 * Definitions and conventions: lp_metrics.h. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "lp_edt.h"
#include "lp_error.h"
#include "lp_metrics.h"

const char *const lp_seg_names[LP_SEG_N] = {
	"Acc", "DSC", "MIoU", "Prec", "SE", "SP", "IoU", "IoU_bg"
};
const char *const lp_surf_names[LP_SURF_N] = { "HD95", "ASSD", "HD" };

/* Blocks small enough for 32-bit lane counters, so the loop vectorises. */
#define COUNT_BLOCK ((size_t)1 << 30)

void lp_seg_count_u8(const uint8_t *gt, const uint8_t *pred, size_t n,
                     lp_counts *c)
{
	int64_t sg = 0, sp = 0, sb = 0;
	for (size_t o = 0; o < n; o += COUNT_BLOCK) {
		size_t m = n - o < COUNT_BLOCK ? n - o : COUNT_BLOCK;
		const uint8_t *g = gt + o, *p = pred + o;
		uint32_t ag = 0, ap = 0, ab = 0;
#pragma omp simd reduction(+ : ag, ap, ab)
		for (size_t i = 0; i < m; i++) {
			uint32_t x = g[i] != 0, y = p[i] != 0;
			ag += x;
			ap += y;
			ab += x & y;
		}
		sg += ag;
		sp += ap;
		sb += ab;
	}
	c->tp += sb;
	c->fp += sp - sb;
	c->fn += sg - sb;
	c->tn += (int64_t)n - sg - sp + sb;
}

void lp_seg_count_prob_f32(const uint8_t *gt, const float *prob, size_t n,
                           double thr, lp_counts *c)
{
	int64_t sg = 0, sp = 0, sb = 0;
	float t = (float)thr;
	/* float(thr) may round below thr; keep prob >= thr exact in double */
	if ((double)t < thr)
		t = nextafterf(t, INFINITY);
	for (size_t i = 0; i < n; i++) {
		int x = gt[i] != 0, y = prob[i] >= t;
		sg += x;
		sp += y;
		sb += x & y;
	}
	c->tp += sb;
	c->fp += sp - sb;
	c->fn += sg - sb;
	c->tn += (int64_t)n - sg - sp + sb;
}

/* num/den, with 0/0 = 1 for an error-free patch and 0 otherwise. */
static double ratio(int64_t num, int64_t den, int perfect)
{
	if (den == 0)
		return perfect ? 1.0 : 0.0;
	return (double)num / (double)den;
}

void lp_seg_scores(const lp_counts *c, double v[LP_SEG_N])
{
	int ok = c->fp == 0 && c->fn == 0;
	v[LP_SEG_ACC] = ratio(c->tp + c->tn, c->tp + c->tn + c->fp + c->fn, ok);
	v[LP_SEG_DSC] = ratio(2 * c->tp, 2 * c->tp + c->fp + c->fn, ok);
	v[LP_SEG_IOU] = ratio(c->tp, c->tp + c->fp + c->fn, ok);
	v[LP_SEG_IOU_BG] = ratio(c->tn, c->tn + c->fp + c->fn, ok);
	v[LP_SEG_MIOU] = (v[LP_SEG_IOU] + v[LP_SEG_IOU_BG]) / 2;
	v[LP_SEG_PREC] = ratio(c->tp, c->tp + c->fp, ok);
	v[LP_SEG_SE] = ratio(c->tp, c->tp + c->fn, ok);
	v[LP_SEG_SP] = ratio(c->tn, c->tn + c->fp, ok);
}

/* ---- surfaces ------------------------------------------------------- */

void lp_mask_surface(const uint8_t *m, const int64_t dim[3], uint8_t *surf)
{
	int64_t nx = dim[0], ny = dim[1], nz = dim[2], sxy = nx * ny;
	for (int64_t z = 0; z < nz; z++)
		for (int64_t y = 0; y < ny; y++)
			for (int64_t x = 0; x < nx; x++) {
				int64_t i = x + nx * y + sxy * z;
				int s = 0;
				if (m[i]) {
					s = (nx > 1 && (x == 0 || x == nx - 1 ||
					                !m[i - 1] || !m[i + 1])) ||
					    (ny > 1 && (y == 0 || y == ny - 1 ||
					                !m[i - nx] || !m[i + nx])) ||
					    (nz > 1 && (z == 0 || z == nz - 1 ||
					                !m[i - sxy] || !m[i + sxy]));
				}
				surf[i] = (uint8_t)s;
			}
}

/* Bounding box [lo, hi] of a OR b; returns 0 if both are empty. */
static int union_bbox(const uint8_t *a, const uint8_t *b, const int64_t dim[3],
                      int64_t lo[3], int64_t hi[3])
{
	int found = 0;
	for (int k = 0; k < 3; k++) {
		lo[k] = dim[k];
		hi[k] = -1;
	}
	int64_t i = 0;
	for (int64_t z = 0; z < dim[2]; z++)
		for (int64_t y = 0; y < dim[1]; y++)
			for (int64_t x = 0; x < dim[0]; x++, i++) {
				if (!a[i] && !b[i])
					continue;
				int64_t p[3] = { x, y, z };
				for (int k = 0; k < 3; k++) {
					if (p[k] < lo[k]) lo[k] = p[k];
					if (p[k] > hi[k]) hi[k] = p[k];
				}
				found = 1;
			}
	return found;
}

/* Copy the box [lo,hi] of src (dims dim) into dst as 0/1. */
static void crop_mask(const uint8_t *src, const int64_t dim[3],
                      const int64_t lo[3], const int64_t cd[3], uint8_t *dst)
{
	int64_t j = 0;
	for (int64_t z = 0; z < cd[2]; z++)
		for (int64_t y = 0; y < cd[1]; y++) {
			const uint8_t *row = src + lo[0] +
			                     dim[0] * (lo[1] + y + dim[1] * (lo[2] + z));
			for (int64_t x = 0; x < cd[0]; x++)
				dst[j++] = row[x] != 0;
		}
}

/* Work buffers for one pair of cropped masks. */
typedef struct {
	int64_t cd[3], n;
	uint8_t *a, *b, *sa, *sb;
	double *dt;
} surf_ws;

static void ws_free(surf_ws *w)
{
	free(w->a);
	free(w->dt);
	memset(w, 0, sizeof *w);
}

/* Crop both masks to their union's box and compute their surfaces.
 * Returns 1 when set up, 0 when both masks are empty, -1 on error. */
static int ws_setup(surf_ws *w, const uint8_t *a, const uint8_t *b,
                    const int64_t dim[3])
{
	int64_t lo[3], hi[3];
	memset(w, 0, sizeof *w);
	if (!union_bbox(a, b, dim, lo, hi))
		return 0;
	w->n = 1;
	for (int k = 0; k < 3; k++) {
		/* a margin of one keeps every axis longer than 1 that was */
		if (lo[k] > 0)
			lo[k]--;
		if (hi[k] < dim[k] - 1)
			hi[k]++;
		w->cd[k] = hi[k] - lo[k] + 1;
		w->n *= w->cd[k];
	}
	w->a = lp_malloc((size_t)w->n * 4);
	w->dt = lp_malloc((size_t)w->n * sizeof(double));
	if (!w->a || !w->dt) {
		ws_free(w);
		return -1;
	}
	w->b = w->a + w->n;
	w->sa = w->b + w->n;
	w->sb = w->sa + w->n;
	crop_mask(a, dim, lo, w->cd, w->a);
	crop_mask(b, dim, lo, w->cd, w->b);
	lp_mask_surface(w->a, w->cd, w->sa);
	lp_mask_surface(w->b, w->cd, w->sb);
	return 1;
}

static int64_t count_nz(const uint8_t *m, int64_t n)
{
	int64_t c = 0;
	for (int64_t i = 0; i < n; i++)
		c += m[i] != 0;
	return c;
}

/* Distances from the voxels of sa to the nearest voxel of sb, into d[]
 * (sa's count of them).  Uses w->dt. */
static int gather_dists(surf_ws *w, const uint8_t *sa, const uint8_t *sb,
                        const double sp[3], double *d)
{
	if (lp_edt(sb, w->cd, sp, w->dt) < 0)
		return -1;
	int64_t k = 0;
	for (int64_t i = 0; i < w->n; i++)
		if (sa[i])
			d[k++] = w->dt[i];
	return 0;
}

int lp_surface_dists(const uint8_t *a, const uint8_t *b, const int64_t dim[3],
                     const double spacing[3], double **out, int64_t *n)
{
	surf_ws w;
	*out = NULL;
	*n = 0;
	int r = ws_setup(&w, a, b, dim);
	if (r <= 0)
		return r;
	int64_t na = count_nz(w.sa, w.n);
	if (na > 0) {
		*out = lp_malloc((size_t)na * sizeof(double));
		if (!*out || gather_dists(&w, w.sa, w.sb, spacing, *out) < 0) {
			free(*out);
			*out = NULL;
			ws_free(&w);
			return -1;
		}
	}
	*n = na;
	ws_free(&w);
	return 0;
}

static void surf_summary(double *d, int64_t na, int64_t nb, double v[])
{
	double sum = 0, mx = 0;
	for (int64_t i = 0; i < na + nb; i++) {
		sum += d[i];
		if (d[i] > mx)
			mx = d[i];
	}
	double p1 = lp_percentile(d, (size_t)na, 95);
	double p2 = lp_percentile(d + na, (size_t)nb, 95);
	v[LP_SURF_HD95] = p1 > p2 ? p1 : p2;
	v[LP_SURF_ASSD] = sum / (double)(na + nb);
	v[LP_SURF_HD] = mx;
}

int lp_surface_metrics(const uint8_t *gt, const uint8_t *pred,
                       const int64_t dim[3], const double spacing[3],
                       double v[LP_SURF_N], int64_t nsurf[2])
{
	surf_ws w;
	int r = ws_setup(&w, gt, pred, dim);
	if (nsurf)
		nsurf[0] = nsurf[1] = 0;
	if (r < 0)
		return -1;
	if (r == 0) { /* both empty: perfect agreement */
		for (int k = 0; k < LP_SURF_N; k++)
			v[k] = 0;
		return 0;
	}
	int64_t na = count_nz(w.sa, w.n), nb = count_nz(w.sb, w.n);
	if (nsurf) {
		nsurf[0] = na;
		nsurf[1] = nb;
	}
	if (na == 0 || nb == 0) {
		for (int k = 0; k < LP_SURF_N; k++)
			v[k] = NAN;
		ws_free(&w);
		return 0;
	}
	double *d = lp_malloc((size_t)(na + nb) * sizeof(double));
	if (!d || gather_dists(&w, w.sa, w.sb, spacing, d) < 0 ||
	    gather_dists(&w, w.sb, w.sa, spacing, d + na) < 0) {
		free(d);
		ws_free(&w);
		return -1;
	}
	surf_summary(d, na, nb, v);
	free(d);
	ws_free(&w);
	return 0;
}

/* ---- statistics ------------------------------------------------------ */

/* Quickselect: put the k-th smallest of v[0..n-1] at v[k], smaller ones
 * before it and larger ones after it. */
static void select_kth(double *v, size_t n, size_t k)
{
	ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;
	while (lo < hi) {
		double piv = v[lo + (hi - lo) / 2];
		ptrdiff_t i = lo, j = hi;
		while (i <= j) {
			while (v[i] < piv)
				i++;
			while (v[j] > piv)
				j--;
			if (i <= j) {
				double t = v[i];
				v[i++] = v[j];
				v[j--] = t;
			}
		}
		if (kk <= j)
			hi = j;
		else if (kk >= i)
			lo = i;
		else
			return;
	}
}

double lp_percentile(double *v, size_t n, double q)
{
	if (n == 0)
		return NAN;
	double qq = q / 100.0;
	/* numpy: virtual index n*q + (1 - q) - 1 (alpha = beta = 1) */
	double pos = (double)n * qq + (1.0 - qq) - 1.0;
	if (pos < 0)
		pos = 0;
	if (pos > (double)(n - 1))
		pos = (double)(n - 1);
	size_t lo = (size_t)floor(pos);
	double t = pos - (double)lo;
	select_kth(v, n, lo);
	double a = v[lo];
	if (lo + 1 >= n)
		return a;
	double b = v[lo + 1];
	for (size_t i = lo + 2; i < n; i++)
		if (v[i] < b)
			b = v[i];
	/* numpy's _lerp: a + (b-a)*t, from the other end when t >= 0.5 */
	double diff = b - a;
	return t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
}

void lp_meansd_add(lp_meansd *s, double x)
{
	if (isnan(x)) {
		s->nnan++;
		return;
	}
	s->n++;
	double d = x - s->mean;
	s->mean += d / (double)s->n;
	s->m2 += d * (x - s->mean);
}

double lp_meansd_sd(const lp_meansd *s)
{
	if (s->n < 2)
		return s->n == 1 ? 0.0 : NAN;
	return sqrt(s->m2 / (double)(s->n - 1));
}
