/* morph.c - connected components, distance-based binary morphology and
 * hole filling on u8 masks (see lp_morph.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lp_error.h"
#include "lp_morph.h"

/* ------------------------------------------------------------------ */
/* connected components                                                */

struct lp_cc {
	int64_t dim[3];
	int64_t nrows;
	int64_t *rowstart; /* nrows+1: runs of row r are rowstart[r]..[r+1]-1 */
	int32_t *rs, *re;  /* run x start, x end (inclusive) */
	int32_t *rlab;     /* label of each run */
	int32_t n;
	lp_cc_stats *st;   /* n+1 */
};

static int check_dims(const int64_t dim[3])
{
	for (int a = 0; a < 3; a++)
		if (dim[a] < 1 || dim[a] > ((int64_t)1 << 31))
			return lp_seterr(LP_EX_USAGE, "bad volume dimensions");
	if (dim[0] * dim[1] > ((int64_t)1 << 40) / dim[2])
		return lp_seterr(LP_EX_USAGE, "volume too large");
	return 0;
}

static int64_t count_runs(const uint8_t *row, int64_t nx)
{
	int64_t n = 0;
	for (int64_t x = 0; x < nx; x++)
		if (row[x] && (x == 0 || !row[x - 1]))
			n++;
	return n;
}

static int cc_runs(lp_cc *cc, const uint8_t *mask)
{
	int64_t nx = cc->dim[0], nrows = cc->nrows;
	cc->rowstart = lp_malloc((size_t)(nrows + 1) * sizeof(int64_t));
	if (!cc->rowstart)
		return -1;
#pragma omp parallel for schedule(dynamic, 256) if (nrows * nx > LP_PAR_MIN)
	for (int64_t r = 0; r < nrows; r++)
		cc->rowstart[r + 1] = count_runs(mask + r * nx, nx);
	cc->rowstart[0] = 0;
	for (int64_t r = 0; r < nrows; r++)
		cc->rowstart[r + 1] += cc->rowstart[r];
	int64_t nruns = cc->rowstart[nrows];
	if (nruns >= INT32_MAX)
		return lp_seterr(LP_EX_UNSUPPORTED, "too many runs in a mask");
	cc->rs = lp_malloc((size_t)(nruns + 1) * sizeof(int32_t));
	cc->re = lp_malloc((size_t)(nruns + 1) * sizeof(int32_t));
	cc->rlab = lp_malloc((size_t)(nruns + 1) * sizeof(int32_t));
	if (!cc->rs || !cc->re || !cc->rlab)
		return -1;
#pragma omp parallel for schedule(dynamic, 256) if (nrows * nx > LP_PAR_MIN)
	for (int64_t r = 0; r < nrows; r++) {
		const uint8_t *row = mask + r * nx;
		int64_t k = cc->rowstart[r];
		for (int64_t x = 0; x < nx; x++) {
			if (!row[x])
				continue;
			int64_t s = x;
			while (x + 1 < nx && row[x + 1])
				x++;
			cc->rs[k] = (int32_t)s;
			cc->re[k] = (int32_t)x;
			k++;
		}
	}
	return 0;
}

static int32_t uf_find(int32_t *p, int32_t a)
{
	while (p[a] != a) {
		p[a] = p[p[a]];
		a = p[a];
	}
	return a;
}

static void uf_union(int32_t *p, int32_t a, int32_t b)
{
	a = uf_find(p, a);
	b = uf_find(p, b);
	if (a < b)
		p[b] = a;
	else if (b < a)
		p[a] = b;
}

/* Union the overlapping runs of rows ra and rb; diag: 8-neighbour touch. */
static void merge_rows(const lp_cc *cc, int32_t *p, int64_t ra, int64_t rb,
                       int diag)
{
	int64_t i = cc->rowstart[ra], ie = cc->rowstart[ra + 1];
	int64_t j = cc->rowstart[rb], je = cc->rowstart[rb + 1];
	while (i < ie && j < je) {
		if (cc->rs[i] <= cc->re[j] + diag && cc->rs[j] <= cc->re[i] + diag)
			uf_union(p, (int32_t)i, (int32_t)j);
		if (cc->re[i] < cc->re[j])
			i++;
		else
			j++;
	}
}

static void cc_union_all(const lp_cc *cc, int32_t *p, int conn)
{
	int64_t ny = cc->dim[1], nz = cc->dim[2];
	int diag = conn == 26;
	/* within slices: disjoint run sets, so slices run in parallel */
#pragma omp parallel for schedule(dynamic, 4) if (cc->dim[0] * ny * nz > LP_PAR_MIN)
	for (int64_t z = 0; z < nz; z++)
		for (int64_t y = 1; y < ny; y++)
			merge_rows(cc, p, z * ny + y - 1, z * ny + y, diag);
	for (int64_t z = 1; z < nz; z++)
		for (int64_t y = 0; y < ny; y++) {
			int64_t r = z * ny + y, q = (z - 1) * ny + y;
			merge_rows(cc, p, q, r, diag);
			if (diag && y > 0)
				merge_rows(cc, p, q - 1, r, 1);
			if (diag && y + 1 < ny)
				merge_rows(cc, p, q + 1, r, 1);
		}
}

static int cc_stats(lp_cc *cc)
{
	cc->st = lp_calloc((size_t)cc->n + 1, sizeof *cc->st);
	if (!cc->st)
		return -1;
	for (int32_t l = 1; l <= cc->n; l++)
		for (int a = 0; a < 3; a++) {
			cc->st[l].lo[a] = INT64_MAX;
			cc->st[l].hi[a] = -1;
		}
	int64_t ny = cc->dim[1];
	for (int64_t r = 0; r < cc->nrows; r++) {
		int64_t y = r % ny, z = r / ny;
		for (int64_t k = cc->rowstart[r]; k < cc->rowstart[r + 1]; k++) {
			lp_cc_stats *s = &cc->st[cc->rlab[k]];
			int64_t a = cc->rs[k], b = cc->re[k], len = b - a + 1;
			if (s->count == 0)
				s->first = r * cc->dim[0] + a;
			s->count += len;
			s->sum[0] += (double)(a + b) * (double)len / 2;
			s->sum[1] += (double)y * (double)len;
			s->sum[2] += (double)z * (double)len;
			if (a < s->lo[0]) s->lo[0] = a;
			if (b > s->hi[0]) s->hi[0] = b;
			if (y < s->lo[1]) s->lo[1] = y;
			if (y > s->hi[1]) s->hi[1] = y;
			if (z < s->lo[2]) s->lo[2] = z;
			if (z > s->hi[2]) s->hi[2] = z;
		}
	}
	return 0;
}

static int cc_label_runs(lp_cc *cc, int conn)
{
	int64_t nruns = cc->rowstart[cc->nrows];
	int32_t *p = lp_malloc((size_t)(nruns + 1) * sizeof *p);
	if (!p)
		return -1;
	for (int64_t i = 0; i < nruns; i++)
		p[i] = (int32_t)i;
	cc_union_all(cc, p, conn);
	/* roots have the smallest run index of their component, and runs are
	 * in memory order: number components by their root. */
	int32_t n = 0;
	for (int64_t i = 0; i < nruns; i++) {
		int32_t root = uf_find(p, (int32_t)i);
		if (root == i)
			cc->rlab[i] = ++n;
		else
			cc->rlab[i] = cc->rlab[root];
	}
	free(p);
	cc->n = n;
	return cc_stats(cc);
}

lp_cc *lp_cc_compute(const uint8_t *mask, const int64_t dim[3], int conn)
{
	if (check_dims(dim))
		return NULL;
	if (conn != 6 && conn != 26) {
		lp_seterr(LP_EX_USAGE, "connectivity must be 6 or 26");
		return NULL;
	}
	lp_cc *cc = lp_calloc(1, sizeof *cc);
	if (!cc)
		return NULL;
	memcpy(cc->dim, dim, sizeof cc->dim);
	cc->nrows = dim[1] * dim[2];
	if (cc_runs(cc, mask) || cc_label_runs(cc, conn)) {
		lp_cc_free(cc);
		return NULL;
	}
	return cc;
}

void lp_cc_free(lp_cc *cc)
{
	if (!cc)
		return;
	free(cc->rowstart);
	free(cc->rs);
	free(cc->re);
	free(cc->rlab);
	free(cc->st);
	free(cc);
}

int32_t lp_cc_count(const lp_cc *cc)
{
	return cc->n;
}

const lp_cc_stats *lp_cc_stat(const lp_cc *cc, int32_t label)
{
	return label >= 1 && label <= cc->n ? &cc->st[label] : NULL;
}

void lp_cc_paint(const lp_cc *cc, const uint8_t *value, uint8_t *out)
{
	int64_t nx = cc->dim[0];
#pragma omp parallel for schedule(dynamic, 256) if (cc->nrows * nx > LP_PAR_MIN)
	for (int64_t r = 0; r < cc->nrows; r++)
		for (int64_t k = cc->rowstart[r]; k < cc->rowstart[r + 1]; k++) {
			uint8_t v = value[cc->rlab[k]];
			if (v)
				memset(out + r * nx + cc->rs[k], v,
				       (size_t)(cc->re[k] - cc->rs[k] + 1));
		}
}

void lp_cc_labels(const lp_cc *cc, int32_t *out)
{
	int64_t nx = cc->dim[0];
#pragma omp parallel for schedule(dynamic, 256) if (cc->nrows * nx > LP_PAR_MIN)
	for (int64_t r = 0; r < cc->nrows; r++) {
		int32_t *row = out + r * nx;
		memset(row, 0, (size_t)nx * sizeof *row);
		for (int64_t k = cc->rowstart[r]; k < cc->rowstart[r + 1]; k++)
			for (int32_t x = cc->rs[k]; x <= cc->re[k]; x++)
				row[x] = cc->rlab[k];
	}
}

int lp_cc_touches(const lp_cc *cc, int32_t label, int axis, int side)
{
	const lp_cc_stats *s = lp_cc_stat(cc, label);
	if (!s || axis < 0 || axis > 2)
		return 0;
	return side ? s->hi[axis] == cc->dim[axis] - 1 : s->lo[axis] == 0;
}

/* ------------------------------------------------------------------ */
/* squared Euclidean distance transform                                */

#define BLK 16 /* lines processed together in the strided passes */

/* Lower envelope of parabolas (Felzenszwalb & Huttenlocher): f in, d out
 * (must not alias), n samples spaced s apart.  v, zb: scratch of n, n+1. */
static void edt1d(const double *f, double *d, int64_t n, double s,
                  int64_t *v, double *zb)
{
	int64_t k = -1;
	for (int64_t q = 0; q < n; q++) {
		if (isinf(f[q]))
			continue;
		double fq = f[q] + (double)(q * q) * s * s, sq = -INFINITY;
		while (k >= 0) {
			int64_t p = v[k];
			sq = (fq - (f[p] + (double)(p * p) * s * s)) /
			     (2 * s * (double)(q - p));
			if (sq > zb[k])
				break;
			k--;
		}
		k++;
		v[k] = q;
		zb[k] = k ? sq : -INFINITY;
	}
	if (k < 0) {
		for (int64_t q = 0; q < n; q++)
			d[q] = INFINITY;
		return;
	}
	zb[k + 1] = INFINITY;
	int64_t j = 0;
	for (int64_t q = 0; q < n; q++) {
		while (zb[j + 1] < (double)q * s)
			j++;
		double t = (double)(q - v[j]) * s;
		d[q] = t * t + f[v[j]];
	}
}

/* Pass along x: 1-D distance to the nearest on voxel of the row. */
static void edt_rows(const uint8_t *in, float *d2, int64_t nx, int64_t nrows,
                     double sx, int outside)
{
#pragma omp parallel for schedule(dynamic, 256) if (nrows * nx > LP_PAR_MIN)
	for (int64_t r = 0; r < nrows; r++) {
		const uint8_t *row = in + r * nx;
		float *o = d2 + r * nx;
		int64_t last = outside ? -1 : INT64_MIN / 4;
		for (int64_t x = 0; x < nx; x++) {
			if (row[x])
				last = x;
			double t = (double)(x - last) * sx;
			o[x] = last == INT64_MIN / 4 ? INFINITY : (float)(t * t);
		}
		last = outside ? nx : INT64_MAX / 4;
		for (int64_t x = nx - 1; x >= 0; x--) {
			if (row[x])
				last = x;
			if (last == INT64_MAX / 4)
				continue;
			double t = (double)(last - x) * sx;
			if ((float)(t * t) < o[x])
				o[x] = (float)(t * t);
		}
	}
}

/* One strided pass: lines of n samples, `stride` apart, starting at
 * base + x for x in [x0, x0+nb). */
static void edt_block(float *base, int64_t nb, int64_t n, int64_t stride,
                      double s, int outside, double *buf, int64_t *v,
                      double *zb)
{
	double *tmp = zb + n + 1;
	for (int64_t b = 0; b < nb; b++) {
		double *f = buf + b * n;
		for (int64_t q = 0; q < n; q++)
			f[q] = base[q * stride + b];
	}
	for (int64_t b = 0; b < nb; b++) {
		double *f = buf + b * n;
		edt1d(f, tmp, n, s, v, zb);
		memcpy(f, tmp, (size_t)n * sizeof *f);
		if (outside)
			for (int64_t q = 0; q < n; q++) {
				double t = (double)(q + 1 < n - q ? q + 1 : n - q) * s;
				if (t * t < f[q])
					f[q] = t * t;
			}
	}
	for (int64_t b = 0; b < nb; b++) {
		const double *f = buf + b * n;
		for (int64_t q = 0; q < n; q++)
			base[q * stride + b] = (float)f[q];
	}
}

/* Pass along axis 1 (y) or 2 (z). */
static int edt_axis(float *d2, const int64_t dim[3], double s, int axis,
                    int outside)
{
	int64_t nx = dim[0], ny = dim[1], nz = dim[2];
	int64_t n = axis == 1 ? ny : nz;
	int64_t stride = axis == 1 ? nx : nx * ny;
	int64_t nouter = axis == 1 ? nz : ny; /* the other axis */
	int64_t nblk = (nx + BLK - 1) / BLK;
	int err = 0;
#pragma omp parallel if (nx * ny * nz > LP_PAR_MIN)
	{
		double *buf = malloc((size_t)(BLK * n + 2 * n + 1) * sizeof(double));
		int64_t *v = malloc((size_t)n * sizeof(int64_t));
		if (!buf || !v) {
#pragma omp atomic write
			err = 1;
		}
#pragma omp for schedule(dynamic, 1) collapse(2)
		for (int64_t o = 0; o < nouter; o++)
			for (int64_t b = 0; b < nblk; b++) {
				if (!buf || !v)
					continue;
				int64_t x0 = b * BLK;
				int64_t nb = nx - x0 < BLK ? nx - x0 : BLK;
				float *base = d2 + x0 +
				              (axis == 1 ? o * nx * ny : o * nx);
				edt_block(base, nb, n, stride, s, outside, buf,
				          v, buf + BLK * n);
			}
		free(buf);
		free(v);
	}
	if (err)
		return lp_seterr(LP_EX_OSERR, "out of memory");
	return 0;
}

static int check_spacing(const double spacing[3])
{
	for (int a = 0; a < 3; a++)
		if (!(spacing[a] > 0) || !isfinite(spacing[a]))
			return lp_seterr(LP_EX_USAGE, "bad voxel spacing");
	return 0;
}

int lp_edt_sqf(const uint8_t *in, float *d2, const int64_t dim[3],
               const double spacing[3], int flags)
{
	if (check_dims(dim) || check_spacing(spacing))
		return -1;
	int outside = (flags & LP_MORPH_OUTSIDE) != 0;
	edt_rows(in, d2, dim[0], dim[1] * dim[2], spacing[0], outside);
	if (dim[1] > 1 && edt_axis(d2, dim, spacing[1], 1, outside))
		return -1;
	if (!(flags & LP_MORPH_2D) && dim[2] > 1 &&
	    edt_axis(d2, dim, spacing[2], 2, outside))
		return -1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* dilation, erosion, closing, opening                                 */

static int check_radius(double r)
{
	if (!(r >= 0) || !isfinite(r))
		return lp_seterr(LP_EX_USAGE, "bad structuring element radius");
	return 0;
}

int lp_morph_method = 0;

/* Dilation via the exact distance transform: out = (dist(src) <= r), src
 * inverted first when invert (and the result inverted back). */
static int dilate_edt(const uint8_t *in, uint8_t *out, const int64_t dim[3],
                      const double spacing[3], double r, int flags,
                      int invert)
{
	int64_t n = dim[0] * dim[1] * dim[2];
	float *d2 = lp_malloc((size_t)n * sizeof *d2);
	uint8_t *src = NULL;
	if (!d2)
		return -1;
	if (invert) {
		if (!(src = lp_malloc((size_t)n))) {
			free(d2);
			return -1;
		}
#pragma omp parallel for schedule(dynamic, 65536) if (n > LP_PAR_MIN)
		for (int64_t i = 0; i < n; i++)
			src[i] = !in[i];
	}
	int rc = lp_edt_sqf(invert ? src : in, d2, dim, spacing, flags);
	free(src);
	if (rc == 0) {
		float lim = (float)(r * r * (1 + 1e-6) + 1e-9);
#pragma omp parallel for schedule(dynamic, 65536) if (n > LP_PAR_MIN)
		for (int64_t i = 0; i < n; i++)
			out[i] = (uint8_t)((d2[i] <= lim) != invert);
	}
	free(d2);
	return rc;
}

/* The ball as chords along x: for row offset (dy, dz), all dx with
 * |dx| <= w are inside. */
typedef struct {
	int dy, dz;
	uint16_t w;
} chord;

#define MAX_CHORDS 400

static int make_chords(const double sp[3], double r, int is2d, chord *c)
{
	double lim = r * r * (1 + 1e-6) + 1e-9;
	int64_t ry = (int64_t)(r / sp[1]) + 1, rz = is2d ? 0 : (int64_t)(r / sp[2]) + 1;
	if ((2 * ry + 1) * (2 * rz + 1) > 4 * MAX_CHORDS || r / sp[0] > 60000)
		return -1;
	int n = 0;
	for (int64_t dz = -rz; dz <= rz; dz++)
		for (int64_t dy = -ry; dy <= ry; dy++) {
			double rem = lim - (double)(dy * dy) * sp[1] * sp[1] -
			             (double)(dz * dz) * sp[2] * sp[2];
			if (rem < 0)
				continue;
			int64_t w = (int64_t)(sqrt(rem) / sp[0]);
			while ((double)((w + 1) * (w + 1)) * sp[0] * sp[0] <= rem)
				w++;
			while (w > 0 && (double)(w * w) * sp[0] * sp[0] > rem)
				w--;
			if (n == MAX_CHORDS)
				return -1;
			c[n++] = (chord){ (int)dy, (int)dz, (uint16_t)w };
		}
	return n;
}

/* g = distance along x (voxels, capped) to the nearest on voxel of src,
 * src = (in != 0) xor invert. */
static void chord_rows(const uint8_t *in, uint16_t *g, int64_t nx,
                       int64_t nrows, int outside, int invert)
{
#pragma omp parallel for schedule(dynamic, 256) if (nrows * nx > LP_PAR_MIN)
	for (int64_t r = 0; r < nrows; r++) {
		const uint8_t *row = in + r * nx;
		uint16_t *o = g + r * nx;
		int64_t last = outside ? -1 : -70000;
		for (int64_t x = 0; x < nx; x++) {
			if ((row[x] != 0) != invert)
				last = x;
			int64_t d = x - last;
			o[x] = (uint16_t)(d > 65535 ? 65535 : d);
		}
		last = outside ? nx : nx + 70000;
		for (int64_t x = nx - 1; x >= 0; x--) {
			if ((row[x] != 0) != invert)
				last = x;
			int64_t d = last - x;
			if (d < o[x])
				o[x] = (uint16_t)d;
		}
	}
}

static void or_le(uint8_t *restrict o, const uint16_t *restrict g, int64_t n,
                  uint16_t w)
{
#pragma omp simd
	for (int64_t x = 0; x < n; x++)
		o[x] |= (uint8_t)(g[x] <= w);
}

static void chord_row_out(const uint16_t *g, uint8_t *o, const int64_t dim[3],
                          int64_t y, int64_t z, const chord *c, int nc,
                          int outside, int invert)
{
	int64_t nx = dim[0];
	memset(o, 0, (size_t)nx);
	for (int k = 0; k < nc; k++) {
		int64_t yy = y + c[k].dy, zz = z + c[k].dz;
		if (yy < 0 || zz < 0 || yy >= dim[1] || zz >= dim[2]) {
			if (!outside)
				continue;
			memset(o, 1, (size_t)nx);
			break;
		}
		or_le(o, g + (zz * dim[1] + yy) * nx, nx, c[k].w);
	}
	if (invert)
		for (int64_t x = 0; x < nx; x++)
			o[x] ^= 1;
}

/* Dilation by chords: exact for the same ball as dilate_edt, cheaper when
 * the ball spans few rows. */
static int dilate_chord(const uint8_t *in, uint8_t *out, const int64_t dim[3],
                        const chord *c, int nc, int flags, int invert)
{
	int64_t nrows = dim[1] * dim[2];
	uint16_t *g = lp_malloc((size_t)(nrows * dim[0]) * sizeof *g);
	if (!g)
		return -1;
	int outside = (flags & LP_MORPH_OUTSIDE) != 0;
	chord_rows(in, g, dim[0], nrows, outside, invert);
#pragma omp parallel for schedule(dynamic, 256) if (nrows * dim[0] > LP_PAR_MIN)
	for (int64_t r = 0; r < nrows; r++)
		chord_row_out(g, out + r * dim[0], dim, r % dim[1], r / dim[1],
		              c, nc, outside, invert);
	free(g);
	return 0;
}

static int dilate_impl(const uint8_t *in, uint8_t *out, const int64_t dim[3],
                       const double spacing[3], double r, int flags,
                       int invert)
{
	if (check_dims(dim) || check_spacing(spacing) || check_radius(r))
		return -1;
	chord c[MAX_CHORDS];
	int nc = lp_morph_method == 2
	                 ? -1
	                 : make_chords(spacing, r, flags & LP_MORPH_2D, c);
	if (nc >= 0)
		return dilate_chord(in, out, dim, c, nc, flags, invert);
	return dilate_edt(in, out, dim, spacing, r, flags, invert);
}

int lp_dilate(const uint8_t *in, uint8_t *out, const int64_t dim[3],
              const double spacing[3], double r, int flags)
{
	return dilate_impl(in, out, dim, spacing, r, flags, 0);
}

int lp_erode(const uint8_t *in, uint8_t *out, const int64_t dim[3],
             const double spacing[3], double r, int flags)
{
	/* outside on for the mask = outside off for its complement */
	return dilate_impl(in, out, dim, spacing, r, flags ^ LP_MORPH_OUTSIDE,
	                   1);
}

int lp_close(const uint8_t *in, uint8_t *out, const int64_t dim[3],
             const double spacing[3], double r, int flags)
{
	flags &= ~LP_MORPH_OUTSIDE;
	if (lp_dilate(in, out, dim, spacing, r, flags))
		return -1;
	return lp_erode(out, out, dim, spacing, r, flags | LP_MORPH_OUTSIDE);
}

int lp_open(const uint8_t *in, uint8_t *out, const int64_t dim[3],
            const double spacing[3], double r, int flags)
{
	flags &= ~LP_MORPH_OUTSIDE;
	if (lp_erode(in, out, dim, spacing, r, flags))
		return -1;
	return lp_dilate(out, out, dim, spacing, r, flags);
}

/* ------------------------------------------------------------------ */
/* hole filling                                                        */

static int touches_border(const lp_cc *cc, int32_t l, int naxes)
{
	for (int a = 0; a < naxes; a++)
		if (lp_cc_touches(cc, l, a, 0) || lp_cc_touches(cc, l, a, 1))
			return 1;
	return 0;
}

/* Fill holes (of at most maxvox voxels, 0 = any) of one (sub)volume in
 * place. */
static int fill_one(uint8_t *m, const int64_t dim[3], int naxes,
                    int64_t maxvox)
{
	int64_t n = dim[0] * dim[1] * dim[2];
	uint8_t *inv = lp_malloc((size_t)n);
	if (!inv)
		return -1;
	for (int64_t i = 0; i < n; i++)
		inv[i] = !m[i];
	lp_cc *cc = lp_cc_compute(inv, dim, 6);
	free(inv);
	if (!cc)
		return -1;
	int32_t nc = lp_cc_count(cc);
	uint8_t *val = lp_calloc((size_t)nc + 1, 1);
	if (!val) {
		lp_cc_free(cc);
		return -1;
	}
	for (int32_t l = 1; l <= nc; l++)
		val[l] = !touches_border(cc, l, naxes) &&
		         (maxvox <= 0 || lp_cc_stat(cc, l)->count <= maxvox);
	lp_cc_paint(cc, val, m);
	free(val);
	lp_cc_free(cc);
	return 0;
}

int lp_fill_holes(uint8_t *mask, const int64_t dim[3], int flags)
{
	return lp_fill_holes_max(mask, dim, flags, 0);
}

int lp_fill_holes_max(uint8_t *mask, const int64_t dim[3], int flags,
                      int64_t maxvox)
{
	if (check_dims(dim))
		return -1;
	if (!(flags & LP_MORPH_2D))
		return fill_one(mask, dim, 3, maxvox);
	int64_t plane = dim[0] * dim[1], sdim[3] = { dim[0], dim[1], 1 };
	int err = 0;
#pragma omp parallel for schedule(dynamic, 1) if (dim[0] * dim[1] * dim[2] > LP_PAR_MIN)
	for (int64_t z = 0; z < dim[2]; z++)
		if (fill_one(mask + z * plane, sdim, 2, maxvox)) {
#pragma omp atomic write
			err = 1;
		}
	if (err)
		return lp_seterr(LP_EX_OSERR, "out of memory filling holes");
	return 0;
}
