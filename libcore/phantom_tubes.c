/* phantom_tubes.c - tapered tubes (vessels, airway walls and lumens):
 * storage, bucketing by slice, and rasterisation with partial volume.
 *
 * A voxel at distance d from a tube's axis, radius r, gets the occupancy
 * min(0.5 + (r - d)/w, 2r/w) clamped to [0, 1], where w is the voxel's
 * extent along the radial direction (so thin vessels in thick slices fade
 * as they do in real scans).  Each layer keeps the maximum occupancy over
 * its tubes, so the result does not depend on the order of the tubes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "phantom_int.h"

#define PH_MAX_TUBES 400000
#define HU_WALL -20.0f
#define HU_LUMEN -1000.0f

int ph_tubes_add(ph_tubes *ts, const double a[3], const double b[3],
                 double ra, double rb, double hu, int layer)
{
	ph_tube *t;
	if (ts->n == ts->cap) {
		int64_t cap = ts->cap ? ts->cap * 2 : 4096;
		void *p;
		if (cap > PH_MAX_TUBES)
			return lp_seterr(LP_EX_SOFTWARE, "phantom: too many tubes");
		p = lp_realloc(ts->t, (size_t)cap * sizeof *ts->t);
		if (!p)
			return -1;
		ts->t = p;
		ts->cap = cap;
	}
	t = &ts->t[ts->n++];
	for (int i = 0; i < 3; i++) {
		t->a[i] = (float)a[i];
		t->b[i] = (float)b[i];
	}
	t->ra = (float)ra;
	t->rb = (float)rb;
	t->hu = (float)hu;
	t->layer = layer;
	return 0;
}

void ph_tubes_free(ph_tubes *ts)
{
	free(ts->t);
	ts->t = NULL;
	ts->n = ts->cap = 0;
}

static double reach(const ph_anat *a, const ph_tube *t)
{
	double w = fmax(a->sp[0], fmax(a->sp[1], a->sp[2]));
	return fmax(t->ra, t->rb) + w;
}

static void zrange(const ph_anat *a, const ph_tube *t, int64_t *k0,
                   int64_t *k1)
{
	double R = reach(a, t);
	double lo = fmin(t->a[2], t->b[2]) - R, hi = fmax(t->a[2], t->b[2]) + R;
	double f0 = ceil((lo - a->org[2]) / a->sp[2]);
	double f1 = floor((hi - a->org[2]) / a->sp[2]);
	*k0 = f0 < 0 ? 0 : (int64_t)f0;
	*k1 = f1 > (double)(a->nz - 1) ? a->nz - 1 : (int64_t)f1;
}

int ph_bucket_make(const ph_anat *a, const ph_tubes *ts, ph_bucket *b)
{
	int64_t *fill, k0, k1, tot = 0;
	b->idx = NULL;
	b->start = lp_calloc((size_t)a->nz + 1, sizeof *b->start);
	if (!b->start)
		return -1;
	for (int64_t i = 0; i < ts->n; i++) {
		zrange(a, &ts->t[i], &k0, &k1);
		for (int64_t k = k0; k <= k1; k++)
			b->start[k + 1]++;
	}
	for (int64_t k = 0; k < a->nz; k++)
		b->start[k + 1] += b->start[k];
	tot = b->start[a->nz];
	b->idx = lp_malloc((size_t)(tot ? tot : 1) * sizeof *b->idx);
	fill = lp_malloc(((size_t)a->nz + 1) * sizeof *fill);
	if (!b->idx || !fill) {
		free(fill);
		ph_bucket_free(b);
		return -1;
	}
	memcpy(fill, b->start, ((size_t)a->nz + 1) * sizeof *fill);
	for (int64_t i = 0; i < ts->n; i++) {
		zrange(a, &ts->t[i], &k0, &k1);
		for (int64_t k = k0; k <= k1; k++)
			b->idx[fill[k]++] = (int32_t)i;
	}
	free(fill);
	return 0;
}

void ph_bucket_free(ph_bucket *b)
{
	free(b->start);
	free(b->idx);
	b->start = NULL;
	b->idx = NULL;
}

static double occupancy(const ph_anat *a, const double diff[3], double d,
                        double r)
{
	double w, o;
	if (d > 1e-6) {
		double x = a->sp[0] * diff[0] / d, y = a->sp[1] * diff[1] / d;
		double z = a->sp[2] * diff[2] / d;
		w = sqrt(x * x + y * y + z * z);
	} else {
		w = a->sp[0];
	}
	o = fmin(0.5 + (r - d) / w, 2 * r / w);
	return ph_clamp(o, 0, 1);
}

/* In-plane index range of the part of tube t near the plane z. */
static int xyrange(const ph_anat *a, const ph_tube *t, double z, int64_t r[4])
{
	double R = reach(a, t), dz = t->b[2] - t->a[2], t0 = 0, t1 = 1;
	double lo[2], hi[2];
	if (fabs(dz) > 1e-9) {
		t0 = (z - R - t->a[2]) / dz;
		t1 = (z + R - t->a[2]) / dz;
		if (t0 > t1) {
			double s = t0;
			t0 = t1;
			t1 = s;
		}
		t0 = fmax(t0, 0);
		t1 = fmin(t1, 1);
		if (t0 > t1)
			return 0;
	} else if (fabs(z - t->a[2]) > R) {
		return 0;
	}
	for (int i = 0; i < 2; i++) {
		double p0 = t->a[i] + t0 * (t->b[i] - t->a[i]);
		double p1 = t->a[i] + t1 * (t->b[i] - t->a[i]);
		int64_t n = i ? a->ny : a->nx;
		lo[i] = ceil((fmin(p0, p1) - R - a->org[i]) / a->sp[i]);
		hi[i] = floor((fmax(p0, p1) + R - a->org[i]) / a->sp[i]);
		r[2 * i] = lo[i] < 0 ? 0 : (int64_t)lo[i];
		r[2 * i + 1] = hi[i] > (double)(n - 1) ? n - 1 : (int64_t)hi[i];
		if (r[2 * i] > r[2 * i + 1])
			return 0;
	}
	return 1;
}

static void raster(const ph_anat *a, const ph_tube *t, double z, float *occ,
                   float *hu)
{
	int64_t r[4];
	double d[3], L2, p[3], ap[3], diff[3];
	if (!xyrange(a, t, z, r))
		return;
	for (int i = 0; i < 3; i++)
		d[i] = t->b[i] - t->a[i];
	L2 = ph_dot(d, d);
	p[2] = z;
	for (int64_t j = r[2]; j <= r[3]; j++) {
		p[1] = a->org[1] + (double)j * a->sp[1];
		for (int64_t i = r[0]; i <= r[1]; i++) {
			double s, dist, rad, o;
			size_t idx = (size_t)(i + a->nx * j);
			p[0] = a->org[0] + (double)i * a->sp[0];
			for (int c = 0; c < 3; c++)
				ap[c] = p[c] - t->a[c];
			s = L2 > 0 ? ph_clamp(ph_dot(ap, d) / L2, 0, 1) : 0;
			for (int c = 0; c < 3; c++)
				diff[c] = ap[c] - s * d[c];
			dist = sqrt(ph_dot(diff, diff));
			rad = t->ra + s * (t->rb - t->ra);
			o = occupancy(a, diff, dist, rad);
			if (o > occ[idx]) {
				occ[idx] = (float)o;
				if (hu)
					hu[idx] = t->hu;
			}
		}
	}
}

void ph_tubes_slice(const ph_anat *a, const ph_tubes *ts, const ph_bucket *b,
                    int64_t k, float *img, float *scratch)
{
	size_t nxy = (size_t)(a->nx * a->ny);
	float *ov = scratch, *hv = scratch + nxy, *ow = scratch + 2 * nxy;
	float *ol = scratch + 3 * nxy;
	double z = a->org[2] + (double)k * a->sp[2];
	memset(ov, 0, nxy * sizeof *ov);
	memset(ow, 0, 2 * nxy * sizeof *ow);
	for (int64_t q = b->start[k]; q < b->start[k + 1]; q++) {
		const ph_tube *t = &ts->t[b->idx[q]];
		if (t->layer == PH_T_VESSEL)
			raster(a, t, z, ov, hv);
		else
			raster(a, t, z, t->layer == PH_T_WALL ? ow : ol, NULL);
	}
	for (size_t i = 0; i < nxy; i++) {
		float v = img[i];
		if (ov[i] > 0)
			v += ov[i] * (hv[i] - v);
		if (ow[i] > 0)
			v += ow[i] * (HU_WALL - v);
		if (ol[i] > 0)
			v += ol[i] * (HU_LUMEN - v);
		img[i] = v;
	}
}
