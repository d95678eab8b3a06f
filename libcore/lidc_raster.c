/* lidc_raster.c - LIDC ROIs onto the CT grid: matching each ROI to a slice
 * (SOP Instance UID, else imageZposition) and filling the contours.
 *
 * Edge rule (see lp_lidc.h): by default the edgeMap points are taken as the
 * boundary just outside the nodule, as pylidc's Annotation.boolean_mask does
 * (matplotlib Path.contains_points on pixel centres, then the contour points
 * themselves removed).  Here a pixel is inside iff its centre lies strictly
 * inside the polygon (even-odd rule), and every pixel whose centre lies on
 * the polygon - each edgeMap point and any grid point on a segment - is a
 * boundary pixel, which keeps the result independent of how a point-in-
 * polygon test breaks ties on the boundary. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lp_lidc.h"

#define ON_EPS 1e-9

void lidc_box_free(lidc_box *b)
{
	if (!b)
		return;
	free(b->m);
	memset(b, 0, sizeof *b);
}

/* Mark the grid points lying on segment a-b in flag (nx*ny, offset ox,oy). */
static void mark_segment(lidc_pt a, lidc_pt b, uint8_t *flag, int nx, int ny,
                         int ox, int oy)
{
	double dx = b.x - a.x, dy = b.y - a.y;
	int alongx = fabs(dx) >= fabs(dy);
	double lo = alongx ? fmin(a.x, b.x) : fmin(a.y, b.y);
	double hi = alongx ? fmax(a.x, b.x) : fmax(a.y, b.y);
	for (double t = ceil(lo - ON_EPS); t <= hi + ON_EPS; t += 1) {
		double u;
		if (alongx)
			u = dx == 0 ? a.y : a.y + (t - a.x) * dy / dx;
		else
			u = a.x + (t - a.y) * dx / dy;
		double r = floor(u + 0.5);
		if (fabs(u - r) > ON_EPS)
			continue;
		double px = alongx ? t : r, py = alongx ? r : t;
		double i = px - ox, j = py - oy;
		if (i >= 0 && j >= 0 && i < nx && j < ny)
			flag[(size_t)j * (size_t)nx + (size_t)i] = 1;
	}
}

static void sort_doubles(double *v, int n)
{
	for (int i = 1; i < n; i++) {
		double x = v[i];
		int j = i - 1;
		while (j >= 0 && v[j] > x) {
			v[j + 1] = v[j];
			j--;
		}
		v[j + 1] = x;
	}
}

/* Crossings of row py with the polygon (half-open rule), sorted. */
static int row_crossings(const lidc_pt *p, int n, double py, double *xs)
{
	int k = 0;
	for (int i = 0; i < n; i++) {
		lidc_pt a = p[i], b = p[(i + 1) % n];
		if ((a.y > py) == (b.y > py))
			continue;
		xs[k++] = a.x + (py - a.y) * (b.x - a.x) / (b.y - a.y);
	}
	sort_doubles(xs, k);
	return k;
}

static void fill_rows(const lidc_pt *p, int n, uint8_t *img,
                      const uint8_t *flag, int nx, int ny, int ox, int oy,
                      int inside, double *xs)
{
	for (int j = 0; j < ny; j++) {
		int k = row_crossings(p, n, (double)(oy + j), xs);
		for (int c = 0; c + 1 < k; c += 2) {
			/* centres strictly between the two crossings */
			double lo = floor(xs[c]) + 1 - ox;
			double hi = ceil(xs[c + 1]) - 1 - ox;
			if (lo < 0)
				lo = 0;
			if (hi > nx - 1)
				hi = nx - 1;
			for (int i = (int)lo; i <= (int)hi; i++) {
				size_t at = (size_t)j * (size_t)nx + (size_t)i;
				if (!flag[at])
					img[at] = (uint8_t)inside;
			}
		}
	}
}

int lidc_fill_polygon(const lidc_pt *p, int n, uint8_t *img, int nx, int ny,
                      int ox, int oy, int inside, int edge)
{
	if (n <= 0 || nx <= 0 || ny <= 0)
		return 0;
	uint8_t *flag = lp_calloc((size_t)nx * (size_t)ny, 1);
	double *xs = lp_malloc(((size_t)n + 1) * sizeof *xs);
	if (!flag || !xs) {
		free(flag);
		free(xs);
		return -1;
	}
	for (int i = 0; i < n; i++)
		mark_segment(p[i], p[(i + 1) % n], flag, nx, ny, ox, oy);
	if (n >= 3)
		fill_rows(p, n, img, flag, nx, ny, ox, oy, inside, xs);
	if (edge >= 0)
		for (size_t i = 0; i < (size_t)nx * (size_t)ny; i++)
			if (flag[i])
				img[i] = (uint8_t)edge;
	free(flag);
	free(xs);
	return 0;
}

/* ---- one reading's mask ------------------------------------------------ */

static int roi_usable(const lidc_roi *r, const int64_t dim[3])
{
	return r->slice >= 0 && r->slice < dim[2] && r->npts > 0;
}

/* Bounding box of the usable ROIs, clipped to the image. 0 if none. */
static int nodule_bbox(const lidc_nodule *nod, const int64_t dim[3],
                       int64_t lo[3], int64_t hi[3])
{
	int any = 0;
	for (int a = 0; a < 3; a++) {
		lo[a] = INT64_MAX;
		hi[a] = INT64_MIN;
	}
	for (int i = 0; i < nod->nroi; i++) {
		const lidc_roi *r = &nod->roi[i];
		if (!roi_usable(r, dim) || !r->inclusion)
			continue;
		for (int k = 0; k < r->npts; k++) {
			double c[2] = {r->pts[k].x, r->pts[k].y};
			for (int a = 0; a < 2; a++) {
				int64_t f = (int64_t)floor(c[a]);
				int64_t g = (int64_t)ceil(c[a]);
				lo[a] = f < lo[a] ? f : lo[a];
				hi[a] = g > hi[a] ? g : hi[a];
			}
		}
		lo[2] = r->slice < lo[2] ? r->slice : lo[2];
		hi[2] = r->slice > hi[2] ? r->slice : hi[2];
		any = 1;
	}
	if (!any)
		return 0;
	for (int a = 0; a < 3; a++) {
		lo[a] = lo[a] < 0 ? 0 : lo[a];
		hi[a] = hi[a] > dim[a] - 1 ? dim[a] - 1 : hi[a];
		if (lo[a] > hi[a])
			return 0;
	}
	return 1;
}

static int raster_pass(const lidc_nodule *nod, const int64_t dim[3],
                       lidc_box *b, int holes, int edge_rule)
{
	size_t plane = (size_t)(b->n[0] * b->n[1]);
	for (int i = 0; i < nod->nroi; i++) {
		const lidc_roi *r = &nod->roi[i];
		if (!roi_usable(r, dim) || r->inclusion == holes)
			continue;
		if (r->slice < b->o[2] || r->slice >= b->o[2] + b->n[2])
			continue;
		uint8_t *img = b->m + plane * (size_t)(r->slice - b->o[2]);
		int inside = holes ? 0 : 1, edge;
		if (edge_rule == LIDC_EDGE_INSIDE)
			edge = holes ? -1 : 1;
		else
			edge = holes ? 0 : -1;
		if (lidc_fill_polygon(r->pts, r->npts, img, (int)b->n[0],
		                      (int)b->n[1], (int)b->o[0], (int)b->o[1],
		                      inside, edge) < 0)
			return -1;
	}
	return 0;
}

int lidc_raster_nodule(const lidc_nodule *nod, const int64_t dim[3],
                       int edge_rule, lidc_box *out)
{
	int64_t lo[3], hi[3];
	memset(out, 0, sizeof *out);
	if (!nodule_bbox(nod, dim, lo, hi))
		return 0;
	for (int a = 0; a < 3; a++) {
		out->o[a] = lo[a];
		out->n[a] = hi[a] - lo[a] + 1;
	}
	size_t nv = (size_t)(out->n[0] * out->n[1] * out->n[2]);
	if (!(out->m = lp_calloc(nv, 1)))
		return -1;
	if (raster_pass(nod, dim, out, 0, edge_rule) < 0 ||
	    raster_pass(nod, dim, out, 1, edge_rule) < 0) {
		lidc_box_free(out);
		return -1;
	}
	for (size_t i = 0; i < nv; i++)
		out->count += out->m[i] != 0;
	if (out->count == 0)
		lidc_box_free(out);
	return 0;
}

/* ---- slice matching ---------------------------------------------------- */

typedef struct {
	int64_t nz;
	double *z;  /* world z of voxel (0,0,k) */
	double tol; /* half the smallest slice step */
} slice_table;

static int slice_table_make(const lp_frame *f, slice_table *t)
{
	t->nz = f->dim[2];
	if (!(t->z = lp_malloc((size_t)t->nz * sizeof *t->z)))
		return -1;
	double step = INFINITY;
	for (int64_t k = 0; k < t->nz; k++) {
		double ijk[3] = {0, 0, (double)k}, w[3];
		lp_index_to_world(f, ijk, w);
		t->z[k] = w[2];
		if (k > 0 && fabs(t->z[k] - t->z[k - 1]) < step)
			step = fabs(t->z[k] - t->z[k - 1]);
	}
	if (!isfinite(step) || step <= 0)
		step = f->spacing[2];
	t->tol = 0.5 * step + 1e-6;
	return 0;
}

static int slice_by_z(const slice_table *t, double z)
{
	int best = -1;
	double bd = INFINITY;
	if (isnan(z))
		return -1;
	for (int64_t k = 0; k < t->nz; k++) {
		double d = fabs(t->z[k] - z);
		if (d < bd) {
			bd = d;
			best = (int)k;
		}
	}
	return bd <= t->tol ? best : -1;
}

/* Slice of a SOP UID through the map: -2 UID unknown, -1 off the grid. */
static int slice_by_sop(const lidc_sop_map *m, const lp_frame *f,
                        const char *uid)
{
	if (!m || !uid[0])
		return -2;
	for (int i = 0; i < m->n; i++) {
		if (strcmp(m->uid[i], uid))
			continue;
		double ijk[3];
		if (lp_world_to_index(f, m->ipp[i], ijk) < 0)
			return -1;
		double k = floor(ijk[2] + 0.5);
		if (fabs(ijk[2] - k) > 0.25 || k < 0 || k >= f->dim[2])
			return -1;
		return (int)k;
	}
	return -2;
}

/* 1 if some point of the ROI lies within the image plane. */
static int roi_in_plane(const lidc_roi *r, const lp_frame *f)
{
	for (int k = 0; k < r->npts; k++)
		if (r->pts[k].x > -0.5 && r->pts[k].y > -0.5 &&
		    r->pts[k].x < f->dim[0] - 0.5 &&
		    r->pts[k].y < f->dim[1] - 0.5)
			return 1;
	return 0;
}

static int match_one(const slice_table *t, const lidc_sop_map *sop,
                     const lp_frame *f, const char *uid, double z, int *bysop)
{
	int k = slice_by_sop(sop, f, uid);
	if (k >= 0) {
		*bysop = 1;
		return k;
	}
	*bysop = 0;
	return slice_by_z(t, z);
}

static void match_nodule(lidc_doc *d, lidc_nodule *n, const slice_table *t,
                         const lidc_sop_map *sop, const lp_frame *f,
                         int *nsop)
{
	for (int i = 0; i < n->nroi; i++) {
		lidc_roi *r = &n->roi[i];
		int bysop;
		r->slice = match_one(t, sop, f, r->sop_uid, r->z, &bysop);
		*nsop += bysop;
		if (r->slice < 0)
			lidc_doc_warn(d, "%s:%ld: nodule '%s' of reader %d: ROI "
			              "at z=%g (SOP %s) matches no slice, "
			              "skipped", d->path, r->line, n->id,
			              n->reader + 1, r->z,
			              r->sop_uid[0] ? r->sop_uid : "-");
		else if (!roi_in_plane(r, f)) {
			lidc_doc_warn(d, "%s:%ld: nodule '%s' of reader %d: ROI "
			              "lies outside the %lldx%lld image, "
			              "skipped", d->path, r->line, n->id,
			              n->reader + 1, (long long)f->dim[0],
			              (long long)f->dim[1]);
			r->slice = -1;
		}
	}
}

int lidc_match_slices(lidc_doc *d, const lp_frame *f, const lidc_sop_map *sop)
{
	slice_table t;
	if (slice_table_make(f, &t) < 0)
		return -1;
	int nsop = 0, dummy;
	for (int i = 0; i < d->nnod; i++)
		match_nodule(d, &d->nod[i], &t, sop, f, &nsop);
	for (int i = 0; i < d->nnon; i++) {
		lidc_nonnodule *n = &d->non[i];
		n->slice = match_one(&t, sop, f, n->sop_uid, n->z, &dummy);
	}
	free(t.z);
	return nsop;
}
