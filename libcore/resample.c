/* resample.c - separable resampling to a new spacing (see lp_resample.h).
 *
 * x first: each input plane a thread needs is resampled along x into a
 * float plane (ny x ox), kept in a small cache of (taps along z + 1)
 * planes per thread; an output plane is then a weighted sum of rows of the
 * cached planes (contiguous, vectorised).  Output planes are shared among
 * OpenMP threads in contiguous blocks, so each input plane is x-resampled
 * about once.  Beyond input and output, memory is the per-axis tables and
 * 3 (linear) or 5 (cubic) float planes of ny x ox per thread (2.2 MB per
 * thread for 512x512 -> 360x360 linear).
 */
#include "lp_resample.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

int lp_interp_parse(const char *s, lp_interp *out)
{
	if (!strcmp(s, "nearest"))
		*out = LP_INTERP_NEAREST;
	else if (!strcmp(s, "linear"))
		*out = LP_INTERP_LINEAR;
	else if (!strcmp(s, "cubic"))
		*out = LP_INTERP_CUBIC;
	else
		return lp_seterr(LP_EX_USAGE, "unknown interpolation '%s' "
		                 "(nearest, linear, cubic)", s);
	return 0;
}

const char *lp_interp_name(lp_interp m)
{
	return m == LP_INTERP_NEAREST ? "nearest"
	       : m == LP_INTERP_LINEAR ? "linear" : "cubic";
}

int lp_resample_grid(const int64_t dim[3], const double sp[3],
                     const double nsp[3], int64_t odim[3])
{
	double tot = 1;
	for (int a = 0; a < 3; a++) {
		if (!(sp[a] > 0) || !(nsp[a] > 0) || !isfinite(sp[a]) ||
		    !isfinite(nsp[a]) || dim[a] < 1)
			return lp_seterr(LP_EX_DATAERR, "bad spacing or size "
			                 "on axis %d", a);
		/* tiny tolerance: (n-1)*s/s' that is an integer up to rounding
		 * errors of decimal spacings counts as that integer */
		double e = (double)(dim[a] - 1) * sp[a] / nsp[a];
		double n = floor(e + 1e-6) + 1;
		if (n > (double)LP_MAX_VOXELS)
			return lp_seterr(LP_EX_DATAERR, "resampled size too "
			                 "large on axis %d", a);
		odim[a] = (int64_t)n;
		tot *= n;
	}
	if (tot > (double)LP_MAX_VOXELS)
		return lp_seterr(LP_EX_DATAERR, "resampled volume too large "
		                 "(%.0f voxels)", tot);
	return 0;
}

/* Per-axis table: for output index o, k input indices and weights. */
typedef struct {
	int k;
	int64_t n;
	int32_t *idx;
	float *w;
	int32_t lo, hi; /* range of indices used */
} axis_tab;

static int32_t clampi(int64_t i, int64_t n)
{
	return (int32_t)(i < 0 ? 0 : i >= n ? n - 1 : i);
}

static void cubic_weights(double t, float w[4])
{
	double t2 = t * t, t3 = t2 * t;
	w[0] = (float)(0.5 * (-t3 + 2 * t2 - t));
	w[1] = (float)(0.5 * (3 * t3 - 5 * t2 + 2));
	w[2] = (float)(0.5 * (-3 * t3 + 4 * t2 + t));
	w[3] = (float)(0.5 * (t3 - t2));
}

static void axis_entry(axis_tab *t, int64_t o, double pos, lp_interp m)
{
	int32_t *ix = t->idx + o * t->k;
	float *w = t->w + o * t->k;
	if (m == LP_INTERP_NEAREST) {
		ix[0] = clampi((int64_t)floor(pos + 0.5), t->n);
		w[0] = 1;
		return;
	}
	double f = floor(pos);
	if (f > (double)(t->n - 1))
		f = (double)(t->n - 1);
	if (f < 0)
		f = 0;
	double tt = pos - f;
	if (tt < 0)
		tt = 0;
	if (tt > 1)
		tt = 1;
	int64_t i0 = (int64_t)f;
	if (m == LP_INTERP_LINEAR) {
		ix[0] = clampi(i0, t->n);
		ix[1] = clampi(i0 + 1, t->n);
		w[0] = (float)(1 - tt);
		w[1] = (float)tt;
		return;
	}
	for (int q = 0; q < 4; q++)
		ix[q] = clampi(i0 - 1 + q, t->n);
	cubic_weights(tt, w);
}

static int axis_build(axis_tab *t, int64_t nin, int64_t nout, double scale,
                      lp_interp m)
{
	t->k = m == LP_INTERP_NEAREST ? 1 : m == LP_INTERP_LINEAR ? 2 : 4;
	t->n = nin;
	t->idx = lp_malloc((size_t)nout * t->k * sizeof *t->idx);
	t->w = lp_malloc((size_t)nout * t->k * sizeof *t->w);
	if (!t->idx || !t->w)
		return -1;
	for (int64_t o = 0; o < nout; o++)
		axis_entry(t, o, (double)o * scale, m);
	t->lo = INT32_MAX;
	t->hi = 0;
	for (int64_t q = 0; q < nout * t->k; q++) {
		if (t->idx[q] < t->lo)
			t->lo = t->idx[q];
		if (t->idx[q] > t->hi)
			t->hi = t->idx[q];
	}
	return 0;
}

static void axis_free(axis_tab *t)
{
	free(t->idx);
	free(t->w);
}

/* row[i] (+)= c * src[i] for i < n, src of dtype dt. */
#define ACC_LOOP(T)                                                         \
	do {                                                                \
		const T *s_ = (const T *)src;                               \
		if (first) {                                                \
			_Pragma("omp simd") for (int64_t i = 0; i < n; i++) \
				row[i] = c * (float)s_[i];                  \
		} else {                                                    \
			_Pragma("omp simd") for (int64_t i = 0; i < n; i++) \
				row[i] += c * (float)s_[i];                 \
		}                                                           \
	} while (0)

static void acc_row(float *row, const void *src, lp_dtype dt, float c,
                    int64_t n, int first)
{
	switch (dt) {
	case LP_U8: ACC_LOOP(uint8_t); break;
	case LP_I8: ACC_LOOP(int8_t); break;
	case LP_U16: ACC_LOOP(uint16_t); break;
	case LP_I16: ACC_LOOP(int16_t); break;
	case LP_U32: ACC_LOOP(uint32_t); break;
	case LP_I32: ACC_LOOP(int32_t); break;
	case LP_F32: ACC_LOOP(float); break;
	case LP_F64: ACC_LOOP(double); break;
	default: break;
	}
}

/* For 8/16-bit types: values are at most ~1.3x the type's range (cubic
 * overshoot), so the int32 conversion cannot overflow; clamp as integers
 * (branch-free, vectorised). */
#define STORE_INT(T, LO, HI)                                                \
	do {                                                                \
		T *d_ = (T *)dst;                                           \
		_Pragma("omp simd") for (int64_t i = 0; i < n; i++) {       \
			/* half away from zero; truncation by the cast */   \
			int32_t t_ = (int32_t)(v[i] + copysignf(0.5f, v[i])); \
			t_ = t_ < (LO) ? (LO) : t_;                         \
			t_ = t_ > (HI) ? (HI) : t_;                         \
			d_[i] = (T)t_;                                      \
		}                                                           \
	} while (0)

/* Convert a float row to dtype dt: round half away, clamp. */
static void store_row(void *dst, lp_dtype dt, const float *v, int64_t n)
{
	switch (dt) {
	case LP_U8: STORE_INT(uint8_t, 0, 255); break;
	case LP_I8: STORE_INT(int8_t, -128, 127); break;
	case LP_U16: STORE_INT(uint16_t, 0, 65535); break;
	case LP_I16: STORE_INT(int16_t, -32768, 32767); break;
	case LP_U32:
		for (int64_t i = 0; i < n; i++) {
			double x = round((double)v[i]);
			((uint32_t *)dst)[i] = x < 0 ? 0 : x > 4294967295.0
			                       ? 4294967295u : (uint32_t)x;
		}
		break;
	case LP_I32:
		for (int64_t i = 0; i < n; i++) {
			double x = round((double)v[i]);
			((int32_t *)dst)[i] = x < -2147483648.0 ? INT32_MIN
			                      : x > 2147483647.0 ? INT32_MAX
			                      : (int32_t)x;
		}
		break;
	case LP_F32: memcpy(dst, v, (size_t)n * sizeof *v); break;
	case LP_F64:
		for (int64_t i = 0; i < n; i++)
			((double *)dst)[i] = v[i];
		break;
	default: break;
	}
}

typedef struct {
	const char *src;
	char *dst;
	lp_dtype dt;
	size_t es;
	int64_t idim[3], odim[3];
	axis_tab ax[3];
	int64_t plane;   /* floats in one x-resampled input plane */
	int nslot;       /* cached x-resampled planes per thread */
	size_t stride;   /* floats of scratch per thread */
} rs_job;

/* Output row along x from a float input row (r0 indexed by input x). */
static void x_interp(const axis_tab *X, const float *r0, float *o, int64_t ox)
{
	const int32_t *xi = X->idx;
	const float *xw = X->w;
	if (X->k == 2) {
#pragma omp simd
		for (int64_t i = 0; i < ox; i++)
			o[i] = xw[2 * i] * r0[xi[2 * i]] +
			       xw[2 * i + 1] * r0[xi[2 * i + 1]];
		return;
	}
	for (int64_t i = 0; i < ox; i++) {
		float acc = 0;
		for (int q = 0; q < X->k; q++)
			acc += xw[i * X->k + q] * r0[xi[i * X->k + q]];
		o[i] = acc;
	}
}

/* Input plane zi resampled along x, rows Y->lo..Y->hi, into xr. */
static void x_plane(const rs_job *J, int64_t zi, float *xr, float *row)
{
	const axis_tab *X = &J->ax[0], *Y = &J->ax[1];
	int64_t nx = J->idim[0], ny = J->idim[1], ox = J->odim[0];
	int64_t len = X->hi - X->lo + 1;
	for (int64_t y = Y->lo; y <= Y->hi; y++) {
		const char *s = J->src + ((zi * ny + y) * nx + X->lo) *
		                (int64_t)J->es;
		acc_row(row, s, J->dt, 1.0f, len, 1);
		x_interp(X, row - X->lo, xr + (y - Y->lo) * ox, ox);
	}
}

/* The cached x-resampled plane zi (computed into a free slot if absent). */
static const float *get_plane(const rs_job *J, float *slots, int64_t *have,
                              const int32_t *need, int nneed, int64_t zi,
                              float *row)
{
	int free_slot = -1;
	for (int q = 0; q < J->nslot; q++) {
		if (have[q] == zi)
			return slots + q * J->plane;
		int used = 0;
		for (int a = 0; a < nneed; a++)
			used |= have[q] == need[a];
		if (!used && free_slot < 0)
			free_slot = q;
	}
	float *p = slots + free_slot * J->plane;
	x_plane(J, zi, p, row);
	have[free_slot] = zi;
	return p;
}

/* Output plane k: combine cached x-resampled planes along y and z. */
static void plane_interp(const rs_job *J, int64_t k, float *scratch,
                         int64_t *have)
{
	const axis_tab *X = &J->ax[0], *Y = &J->ax[1], *Z = &J->ax[2];
	int64_t ox = J->odim[0], oy = J->odim[1];
	float *slots = scratch, *row = slots + J->nslot * J->plane;
	float *orow = row + (X->hi - X->lo + 1);
	const float *pl[4];
	const int32_t *need = Z->idx + k * Z->k;
	for (int a = 0; a < Z->k; a++)
		pl[a] = get_plane(J, slots, have, need, Z->k, need[a], row);
	for (int64_t j = 0; j < oy; j++) {
		int first = 1;
		for (int a = 0; a < Z->k; a++)
			for (int b = 0; b < Y->k; b++) {
				float c = Z->w[k * Z->k + a] * Y->w[j * Y->k + b];
				if (c == 0 && !(first && a == Z->k - 1 &&
				                b == Y->k - 1))
					continue;
				const float *r = pl[a] + (Y->idx[j * Y->k + b] -
				                          Y->lo) * ox;
				if (first) {
#pragma omp simd
					for (int64_t i = 0; i < ox; i++)
						orow[i] = c * r[i];
				} else {
#pragma omp simd
					for (int64_t i = 0; i < ox; i++)
						orow[i] += c * r[i];
				}
				first = 0;
			}
		store_row(J->dst + (k * oy + j) * ox * (int64_t)J->es, J->dt,
		          orow, ox);
	}
}

/* One output row by nearest neighbour: an exact copy of input values. */
static void row_nearest(const rs_job *J, int64_t k, int64_t j)
{
	int64_t nx = J->idim[0], ny = J->idim[1], ox = J->odim[0];
	int64_t zi = J->ax[2].idx[k], yi = J->ax[1].idx[j];
	const char *s = J->src + (zi * ny + yi) * nx * (int64_t)J->es;
	char *d = J->dst + (k * J->odim[1] + j) * ox * (int64_t)J->es;
	const int32_t *xi = J->ax[0].idx;
	switch (J->es) {
	case 1:
		for (int64_t i = 0; i < ox; i++)
			d[i] = s[xi[i]];
		break;
	case 2:
		for (int64_t i = 0; i < ox; i++)
			((uint16_t *)d)[i] = ((const uint16_t *)s)[xi[i]];
		break;
	case 4:
		for (int64_t i = 0; i < ox; i++)
			((uint32_t *)d)[i] = ((const uint32_t *)s)[xi[i]];
		break;
	default:
		for (int64_t i = 0; i < ox; i++)
			((uint64_t *)d)[i] = ((const uint64_t *)s)[xi[i]];
		break;
	}
}

static void run_nearest(const rs_job *J)
{
	int64_t nrows = J->odim[1] * J->odim[2];
#pragma omp parallel for schedule(static)
	for (int64_t r = 0; r < nrows; r++)
		row_nearest(J, r / J->odim[1], r % J->odim[1]);
}

/* Output planes in contiguous blocks per thread, so that each thread
 * x-resamples each input plane it needs about once. */
static void run_planes(const rs_job *J, float *buf, int64_t *have_all)
{
#pragma omp parallel
	{
		int tid = 0;
#ifdef _OPENMP
		tid = omp_get_thread_num();
#endif
		float *scratch = buf + (size_t)tid * J->stride;
		int64_t *have = have_all + (size_t)tid * J->nslot;
		for (int q = 0; q < J->nslot; q++)
			have[q] = -1;
#pragma omp for schedule(static)
		for (int64_t k = 0; k < J->odim[2]; k++)
			plane_interp(J, k, scratch, have);
	}
}

static int run_interp(rs_job *J)
{
	int nt = 1;
#ifdef _OPENMP
	nt = omp_get_max_threads();
#endif
	J->nslot = J->ax[2].k + 1;
	J->plane = (J->ax[1].hi - J->ax[1].lo + 1) * J->odim[0];
	/* slots + one input row + one output row, rounded to 64 bytes */
	J->stride = ((size_t)(J->nslot * J->plane + J->ax[0].hi - J->ax[0].lo +
	                      1 + J->odim[0]) + 15) & ~(size_t)15;
	float *buf = lp_malloc((size_t)nt * J->stride * sizeof *buf);
	int64_t *have = lp_malloc((size_t)nt * J->nslot * sizeof *have);
	if (!buf || !have) {
		free(buf);
		free(have);
		return -1;
	}
	run_planes(J, buf, have);
	free(buf);
	free(have);
	return 0;
}

int lp_resample_array(const void *src, const int64_t idim[3], lp_dtype dt,
                      void *dst, const int64_t odim[3], const double scale[3],
                      lp_interp m)
{
	rs_job J;
	memset(&J, 0, sizeof J);
	J.src = src;
	J.dst = dst;
	J.dt = dt;
	J.es = lp_dtype_size(dt);
	if (!J.es)
		return lp_seterr(LP_EX_UNSUPPORTED, "resample: unknown dtype");
	memcpy(J.idim, idim, sizeof J.idim);
	memcpy(J.odim, odim, sizeof J.odim);
	int rc = -1;
	for (int a = 0; a < 3; a++)
		if (axis_build(&J.ax[a], idim[a], odim[a], scale[a], m) < 0)
			goto out;
	if (m == LP_INTERP_NEAREST) {
		run_nearest(&J);
		rc = 0;
	} else {
		rc = run_interp(&J);
	}
out:
	for (int a = 0; a < 3; a++)
		axis_free(&J.ax[a]);
	return rc;
}

static int resample_channel(const lp_frame *in, const lp_channel *c,
                            const double scale[3], lp_interp m, lp_frame *out)
{
	lp_interp mm = strcmp(c->units, LP_UNITS_MASK) ? m : LP_INTERP_NEAREST;
	size_t n, bytes;
	if (lp_mul_size((size_t)lp_frame_nvox(out), lp_dtype_size(c->dtype),
	                &bytes) < 0)
		return -1;
	n = bytes ? bytes : 1;
	void *dst = lp_malloc(n);
	if (!dst)
		return -1;
	if (lp_resample_array(c->data, in->dim, c->dtype, dst, out->dim, scale,
	                      mm) < 0) {
		free(dst);
		return -1;
	}
	lp_channel *oc = lp_frame_adopt_channel(out, c->name, c->dtype,
	                                        c->units, dst);
	if (!oc) {
		free(dst);
		return -1;
	}
	oc->wmin = c->wmin;
	oc->wmax = c->wmax;
	return 0;
}

int lp_resample(const lp_frame *in, const double nsp[3], lp_interp m,
                lp_frame *out)
{
	int64_t odim[3];
	double scale[3];
	lp_frame_init(out);
	if (lp_frame_check_geometry(in) < 0 ||
	    lp_resample_grid(in->dim, in->spacing, nsp, odim) < 0)
		return -1;
	if (lp_frame_copy_header(out, in) < 0 ||
	    lp_frame_set_dims(out, odim[0], odim[1], odim[2]) < 0)
		goto fail;
	for (int a = 0; a < 3; a++) {
		out->spacing[a] = nsp[a];
		scale[a] = nsp[a] / in->spacing[a];
	}
	for (int i = 0; i < in->nch; i++)
		if (resample_channel(in, &in->ch[i], scale, m, out) < 0)
			goto fail;
	if (lp_meta_setf(out, "resampled_from_spacing", "%.9g,%.9g,%.9g",
	                 in->spacing[0], in->spacing[1], in->spacing[2]) < 0 ||
	    lp_meta_set(out, "resample_interp", lp_interp_name(m)) < 0)
		goto fail;
	return 0;
fail:
	lp_frame_free(out);
	return -1;
}
