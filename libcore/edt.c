/* edt.c - exact squared Euclidean distance transform (Felzenszwalb &
 * Huttenlocher 2012), separable over the axes, anisotropic spacing.
 *
 * Pass 0 turns the seed mask into 0 / +inf; each later pass replaces every
 * line along one axis by its 1-D transform
 *     d(p) = min_q ( (s*(p - q))^2 + f(q) )
 * computed as the lower envelope of the parabolas rooted at the finite f(q).
 */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include "lp_edt.h"
#include "lp_error.h"

/* Work space for one line of length n. */
typedef struct {
	double *f, *d, *z;
	int64_t *v;
} edt_line;

/* 1-D transform of f[0..n-1] (values finite or +inf) into d, spacing s. */
static void edt_1d(const double *f, double *d, int64_t n, double s,
                   int64_t *v, double *z)
{
	int64_t k = -1, q;
	for (q = 0; q < n; q++) {
		if (!isfinite(f[q]))
			continue;
		double fq = f[q] + (s * q) * (s * q);
		double x = -INFINITY;
		while (k >= 0) {
			int64_t p = v[k];
			double fp = f[p] + (s * p) * (s * p);
			x = (fq - fp) / (2.0 * s * (double)(q - p));
			if (x > z[k])
				break;
			k--;
		}
		if (k < 0)
			x = -INFINITY;
		k++;
		v[k] = q;
		z[k] = x;
		z[k + 1] = INFINITY;
	}
	if (k < 0) {
		for (q = 0; q < n; q++)
			d[q] = INFINITY;
		return;
	}
	k = 0;
	for (q = 0; q < n; q++) {
		while (z[k + 1] < s * q)
			k++;
		double t = s * (double)(q - v[k]);
		d[q] = t * t + f[v[k]];
	}
}

/* Transform every line along one axis of out in place. */
static void edt_pass(double *out, const int64_t dim[3], int axis, double s,
                     edt_line *ws, int par)
{
	int64_t n = dim[axis];
	int64_t stride = axis == 0 ? 1 : axis == 1 ? dim[0] : dim[0] * dim[1];
	int64_t nlines = dim[0] * dim[1] * dim[2] / n;
	int64_t inner = stride; /* lines are (outer, inner) around the axis */
#pragma omp parallel for if (par) schedule(static)
	for (int64_t l = 0; l < nlines; l++) {
		edt_line *w = &ws[omp_get_thread_num()];
		int64_t base = (l / inner) * inner * n + (l % inner);
		for (int64_t q = 0; q < n; q++)
			w->f[q] = out[base + q * stride];
		edt_1d(w->f, w->d, n, s, w->v, w->z);
		for (int64_t q = 0; q < n; q++)
			out[base + q * stride] = w->d[q];
	}
}

static void free_lines(edt_line *ws, int nt)
{
	if (!ws)
		return;
	for (int t = 0; t < nt; t++) {
		free(ws[t].f);
		free(ws[t].d);
		free(ws[t].z);
		free(ws[t].v);
	}
	free(ws);
}

static edt_line *alloc_lines(int nt, int64_t n)
{
	edt_line *ws = lp_calloc((size_t)nt, sizeof *ws);
	if (!ws)
		return NULL;
	for (int t = 0; t < nt; t++) {
		ws[t].f = lp_malloc((size_t)n * sizeof(double));
		ws[t].d = lp_malloc((size_t)n * sizeof(double));
		ws[t].z = lp_malloc((size_t)(n + 1) * sizeof(double));
		ws[t].v = lp_malloc((size_t)n * sizeof(int64_t));
		if (!ws[t].f || !ws[t].d || !ws[t].z || !ws[t].v) {
			free_lines(ws, nt);
			return NULL;
		}
	}
	return ws;
}

static int check_args(const int64_t dim[3], const double spacing[3])
{
	int64_t total = 1;
	for (int a = 0; a < 3; a++) {
		if (dim[a] < 1 || dim[a] > ((int64_t)1 << 31))
			return lp_seterr(LP_EX_USAGE, "edt: bad dimension %lld",
			                 (long long)dim[a]);
		if (!(spacing[a] > 0) || !isfinite(spacing[a]))
			return lp_seterr(LP_EX_USAGE, "edt: bad spacing %g",
			                 spacing[a]);
		total *= dim[a];
		if (total > ((int64_t)1 << 34))
			return lp_seterr(LP_EX_USAGE, "edt: volume too large");
	}
	return 0;
}

int lp_edt_sq(const uint8_t *seed, const int64_t dim[3],
              const double spacing[3], double *out)
{
	if (check_args(dim, spacing) < 0)
		return -1;
	int64_t nvox = dim[0] * dim[1] * dim[2], nmax = 1;
	for (int64_t i = 0; i < nvox; i++)
		out[i] = seed[i] ? 0.0 : INFINITY;
	for (int a = 0; a < 3; a++)
		if (dim[a] > nmax)
			nmax = dim[a];
	if (nmax == 1)
		return 0;
	int par = nvox >= (1 << 16);
	int nt = par ? omp_get_max_threads() : 1;
	edt_line *ws = alloc_lines(nt, nmax);
	if (!ws)
		return -1;
	for (int a = 0; a < 3; a++)
		if (dim[a] > 1)
			edt_pass(out, dim, a, spacing[a], ws, par);
	free_lines(ws, nt);
	return 0;
}

int lp_edt(const uint8_t *seed, const int64_t dim[3], const double spacing[3],
           double *out)
{
	if (lp_edt_sq(seed, dim, spacing, out) < 0)
		return -1;
	int64_t nvox = dim[0] * dim[1] * dim[2];
	for (int64_t i = 0; i < nvox; i++)
		out[i] = sqrt(out[i]);
	return 0;
}
