/* phantom_render.c - blend a placed nodule into the volume and its mask.
 *
 * Occupancy o (partial volume over the voxel's extent along the radial
 * direction, widened by the scene's extra edge blur) is clipped to the lung
 * mask.  The new value is v = bg + o * max(0, hu - ref), where ref is the
 * background itself for a clean synthetic volume (noise comes later) and
 * its 3x3 in-plane mean for a real scan, so that the scan's own noise stays
 * on the nodule.  Vessels brighter than the nodule stay visible through
 * ground-glass.  The mask holds voxels with o >= 0.5; the reported
 * diameter is that of the sphere with the volume sum(o) * voxel volume,
 * the centre the centroid of the mask. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "phantom_int.h"

static int inv3(const double m[9], double out[9])
{
	double det = m[0] * (m[4] * m[8] - m[5] * m[7]) -
	             m[1] * (m[3] * m[8] - m[5] * m[6]) +
	             m[2] * (m[3] * m[7] - m[4] * m[6]);
	if (!(fabs(det) > 1e-12))
		return -1;
	out[0] = (m[4] * m[8] - m[5] * m[7]) / det;
	out[1] = (m[2] * m[7] - m[1] * m[8]) / det;
	out[2] = (m[1] * m[5] - m[2] * m[4]) / det;
	out[3] = (m[5] * m[6] - m[3] * m[8]) / det;
	out[4] = (m[0] * m[8] - m[2] * m[6]) / det;
	out[5] = (m[2] * m[3] - m[0] * m[5]) / det;
	out[6] = (m[3] * m[7] - m[4] * m[6]) / det;
	out[7] = (m[1] * m[6] - m[0] * m[7]) / det;
	out[8] = (m[0] * m[4] - m[1] * m[3]) / det;
	return 0;
}

int ph_scene_init(ph_scene *s, const lp_frame *f, float *img,
                  const uint8_t *lung, uint8_t *gt)
{
	memset(s, 0, sizeof *s);
	for (int a = 0; a < 3; a++) {
		s->dim[a] = f->dim[a];
		s->sp[a] = f->spacing[a];
		s->org[a] = f->origin[a];
		for (int b = 0; b < 3; b++) /* world axis a, voxel axis b */
			s->m[3 * a + b] = f->dir[3 * b + a] * f->spacing[b];
	}
	if (inv3(s->m, s->minv))
		return lp_seterr(LP_EX_DATAERR, "phantom: singular geometry");
	s->img = img;
	s->lung = lung;
	s->gt = gt;
	return 0;
}

/* Index bounding box of the sphere (c, R). */
static void bbox(const ph_scene *s, const double c[3], double R, int64_t lo[3],
                 int64_t hi[3])
{
	for (int a = 0; a < 3; a++) {
		double x = 0, ext = 0;
		for (int b = 0; b < 3; b++) {
			x += s->minv[3 * a + b] * (c[b] - s->org[b]);
			ext += fabs(s->minv[3 * a + b]) * R;
		}
		lo[a] = (int64_t)fmax(0, ceil(x - ext));
		hi[a] = (int64_t)fmin((double)s->dim[a] - 1, floor(x + ext));
	}
}

/* Extent of a voxel along world direction d, widened by the scene's edge. */
static double edge_width(const ph_scene *s, const double d[3])
{
	double len = sqrt(ph_dot(d, d)), w2 = 0;
	if (len < 1e-9)
		return sqrt(s->sp[0] * s->sp[0] + s->edge * s->edge);
	for (int b = 0; b < 3; b++) { /* voxel axis b, as a world vector */
		double k = 0;
		for (int a = 0; a < 3; a++)
			k += s->m[3 * a + b] * d[a] / len;
		w2 += k * k;
	}
	return sqrt(w2 + s->edge * s->edge);
}

static float ref_value(const float *copy, const int64_t lo[3],
                       const int64_t hi[3], int64_t i, int64_t j, int64_t k)
{
	int64_t nx = hi[0] - lo[0] + 1, ny = hi[1] - lo[1] + 1;
	const float *pl = copy + (k - lo[2]) * nx * ny;
	double sum = 0;
	int cnt = 0;
	for (int64_t y = j - 1; y <= j + 1; y++)
		for (int64_t x = i - 1; x <= i + 1; x++)
			if (x >= lo[0] && x <= hi[0] && y >= lo[1] && y <= hi[1]) {
				sum += pl[(y - lo[1]) * nx + (x - lo[0])];
				cnt++;
			}
	return (float)(sum / cnt);
}

static float *copy_box(const ph_scene *s, const int64_t lo[3],
                       const int64_t hi[3])
{
	int64_t nx = hi[0] - lo[0] + 1, ny = hi[1] - lo[1] + 1;
	int64_t nz = hi[2] - lo[2] + 1;
	float *c = lp_malloc((size_t)(nx * ny * nz) * sizeof *c);
	if (!c)
		return NULL;
	for (int64_t k = 0; k < nz; k++)
		for (int64_t j = 0; j < ny; j++)
			memcpy(c + (k * ny + j) * nx,
			       s->img + lo[0] +
			           s->dim[0] * (lo[1] + j + s->dim[1] * (lo[2] + k)),
			       (size_t)nx * sizeof *c);
	return c;
}

typedef struct {
	double vol;
	int64_t n, sum[3];
} ph_acc;

static void voxel(const ph_scene *s, ph_nod *n, const float *copy,
                  const int64_t lo[3], const int64_t hi[3],
                  const int64_t ijk[3], ph_acc *acc)
{
	int64_t idx = ijk[0] + s->dim[0] * (ijk[1] + s->dim[1] * ijk[2]);
	double p[3], d[3], o;
	float hu = 0, bg, ref;
	if (!s->lung[idx])
		return;
	for (int a = 0; a < 3; a++)
		p[a] = s->org[a] + s->m[3 * a] * ijk[0] + s->m[3 * a + 1] * ijk[1] +
		       s->m[3 * a + 2] * ijk[2];
	for (int a = 0; a < 3; a++)
		d[a] = p[a] - n->c[a];
	o = ph_nod_occ(n, p, edge_width(s, d), &hu);
	if (o <= 0)
		return;
	bg = s->img[idx];
	ref = copy ? ref_value(copy, lo, hi, ijk[0], ijk[1], ijk[2]) : bg;
	s->img[idx] = bg + (float)o * fmaxf(0.0f, hu - ref);
	acc->vol += o;
	if (o >= 0.5 && !s->gt[idx]) {
		s->gt[idx] = (uint8_t)n->info.id;
		acc->n++;
		for (int a = 0; a < 3; a++)
			acc->sum[a] += ijk[a];
	}
}

int ph_render(const ph_scene *s, ph_nod *n)
{
	int64_t lo[3], hi[3], ijk[3];
	ph_acc acc = {0, 0, {0, 0, 0}};
	float *copy = NULL;
	double vv = fabs(s->m[0] * (s->m[4] * s->m[8] - s->m[5] * s->m[7]) -
	                 s->m[1] * (s->m[3] * s->m[8] - s->m[5] * s->m[6]) +
	                 s->m[2] * (s->m[3] * s->m[7] - s->m[4] * s->m[6]));
	bbox(s, n->c, n->rmax + 2 * fmax(s->sp[0], s->sp[2]), lo, hi);
	if (lo[0] > hi[0] || lo[1] > hi[1] || lo[2] > hi[2])
		return -1;
	if (s->noise > 0 && !(copy = copy_box(s, lo, hi)))
		return -1;
	for (ijk[2] = lo[2]; ijk[2] <= hi[2]; ijk[2]++)
		for (ijk[1] = lo[1]; ijk[1] <= hi[1]; ijk[1]++)
			for (ijk[0] = lo[0]; ijk[0] <= hi[0]; ijk[0]++)
				voxel(s, n, copy, lo, hi, ijk, &acc);
	free(copy);
	if (acc.n == 0)
		return -1;
	n->info.nvox = acc.n;
	n->info.diameter_mm = cbrt(6 * acc.vol * vv / M_PI);
	for (int a = 0; a < 3; a++)
		n->info.center_voxel[a] = (double)acc.sum[a] / (double)acc.n;
	for (int a = 0; a < 3; a++)
		n->info.center_world[a] = s->org[a] +
		                          s->m[3 * a] * n->info.center_voxel[0] +
		                          s->m[3 * a + 1] * n->info.center_voxel[1] +
		                          s->m[3 * a + 2] * n->info.center_voxel[2];
	return 0;
}
