/* lidc_cluster.c - grouping the readers' marks into physical nodules, the
 * consensus mask, the diameter and the malignancy label.
 *
 * Grouping follows pylidc's Scan.cluster_annotations: readings are linked
 * when their distance is <= tol (default: the slice spacing), groups are the
 * connected components, and while a group has more readings than there are
 * readers tol shrinks by 0.9.  The default distance ("min") is the smallest
 * distance in mm between the contour points of two readings; "centroid" uses
 * the distance between the centroids of their masks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lp_lidc.h"

/* ---- grouping ---------------------------------------------------------- */

static int uf_find(int *par, int i)
{
	while (par[i] != i) {
		par[i] = par[par[i]];
		i = par[i];
	}
	return i;
}

/* Group numbers in order of each group's first member; map has n slots. */
static int renumber(int *cid, int n, int *map)
{
	for (int i = 0; i < n; i++)
		map[i] = -1;
	int k = 0;
	for (int i = 0; i < n; i++) {
		if (map[cid[i]] < 0)
			map[cid[i]] = k++;
		cid[i] = map[cid[i]];
	}
	return k;
}

/* Components of dist <= tol into cid; returns the largest group size. */
static int components(const double *dist, int n, double tol, int *par,
                      int *cid, int *size)
{
	for (int i = 0; i < n; i++)
		par[i] = i;
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (dist[(size_t)i * n + j] <= tol)
				par[uf_find(par, i)] = uf_find(par, j);
	for (int i = 0; i < n; i++)
		cid[i] = uf_find(par, i);
	int k = renumber(cid, n, size);
	for (int g = 0; g < k; g++)
		size[g] = 0;
	for (int i = 0; i < n; i++)
		size[cid[i]]++;
	int big = 0;
	for (int g = 0; g < k; g++)
		big = size[g] > big ? size[g] : big;
	return big;
}

int lidc_group(const double *dist, int n, double tol, int cap, int *cid)
{
	if (n <= 0)
		return 0;
	int *par = lp_malloc((size_t)n * 2 * sizeof *par);
	if (!par)
		return -1;
	int *size = par + n;
	int big = components(dist, n, tol, par, cid, size);
	while (cap > 0 && big > cap && tol * 0.9 >= 0.1) {
		tol *= 0.9;
		big = components(dist, n, tol, par, cid, size);
	}
	int k = 0;
	for (int i = 0; i < n; i++)
		k = cid[i] + 1 > k ? cid[i] + 1 : k;
	free(par);
	return k;
}

/* ---- labels ------------------------------------------------------------ */

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static int by_three(double v, double lo, double hi)
{
	if (v < lo - 1e-9)
		return LIDC_BENIGN;
	if (v > hi + 1e-9)
		return LIDC_MALIGNANT;
	return LIDC_EXCLUDED;
}

int lidc_label(const int *ratings, int n, int rule, double *mean)
{
	double s = 0;
	*mean = NAN;
	if (n <= 0)
		return LIDC_EXCLUDED;
	for (int i = 0; i < n; i++)
		s += ratings[i];
	*mean = s / n;
	if (rule == LIDC_RULE_STRICT) {
		if (*mean <= 2 + 1e-9)
			return LIDC_BENIGN;
		return *mean >= 4 - 1e-9 ? LIDC_MALIGNANT : LIDC_EXCLUDED;
	}
	if (rule == LIDC_RULE_MEDIAN) {
		int v[64], m = n < 64 ? n : 64;
		memcpy(v, ratings, (size_t)m * sizeof *v);
		qsort(v, (size_t)m, sizeof *v, cmp_int);
		double med = m % 2 ? v[m / 2] : 0.5 * (v[m / 2 - 1] + v[m / 2]);
		return by_three(med, 3, 3);
	}
	return by_three(*mean, 3, 3);
}

/* ---- consensus --------------------------------------------------------- */

static void union_bbox(const lidc_box *const *m, int n, int64_t lo[3],
                       int64_t hi[3])
{
	for (int a = 0; a < 3; a++) {
		lo[a] = INT64_MAX;
		hi[a] = INT64_MIN;
	}
	for (int i = 0; i < n; i++) {
		if (!m[i]->n[0])
			continue;
		for (int a = 0; a < 3; a++) {
			int64_t e = m[i]->o[a] + m[i]->n[a] - 1;
			lo[a] = m[i]->o[a] < lo[a] ? m[i]->o[a] : lo[a];
			hi[a] = e > hi[a] ? e : hi[a];
		}
	}
}

static void add_votes(const lidc_box *b, const lidc_box *u, uint16_t *votes)
{
	for (int64_t z = 0; z < b->n[2]; z++)
		for (int64_t y = 0; y < b->n[1]; y++) {
			const uint8_t *src = b->m + (z * b->n[1] + y) * b->n[0];
			int64_t uz = z + b->o[2] - u->o[2];
			int64_t uy = y + b->o[1] - u->o[1];
			uint16_t *dst = votes + (uz * u->n[1] + uy) * u->n[0] +
			                (b->o[0] - u->o[0]);
			for (int64_t x = 0; x < b->n[0]; x++)
				dst[x] += src[x] != 0;
		}
}

int lidc_consensus(const lidc_box *const *m, int n, double level,
                   lidc_box *out)
{
	int64_t lo[3], hi[3];
	memset(out, 0, sizeof *out);
	union_bbox(m, n, lo, hi);
	if (n <= 0 || lo[0] > hi[0])
		return 0;
	for (int a = 0; a < 3; a++) {
		out->o[a] = lo[a];
		out->n[a] = hi[a] - lo[a] + 1;
	}
	size_t nv = (size_t)(out->n[0] * out->n[1] * out->n[2]);
	uint16_t *votes = lp_calloc(nv, sizeof *votes);
	out->m = lp_calloc(nv, 1);
	if (!votes || !out->m) {
		free(votes);
		lidc_box_free(out);
		return -1;
	}
	for (int i = 0; i < n; i++)
		if (m[i]->n[0])
			add_votes(m[i], out, votes);
	double need = level * n - 1e-9;
	for (size_t i = 0; i < nv; i++)
		if (votes[i] >= 1 && votes[i] >= need) {
			out->m[i] = 1;
			out->count++;
		}
	free(votes);
	if (!out->count)
		lidc_box_free(out);
	return 0;
}

/* ---- geometry of readings ---------------------------------------------- */

static void roi_world(const lp_frame *f, const lidc_roi *r, int k,
                      double w[3])
{
	double ijk[3] = {r->pts[k].x, r->pts[k].y, (double)r->slice};
	lp_index_to_world(f, ijk, w);
}

static double dist3(const double *a, const double *b)
{
	double dx = a[0] - b[0], dy = a[1] - b[1], dz = a[2] - b[2];
	return sqrt(dx * dx + dy * dy + dz * dz);
}

double lidc_reading_diameter(const lidc_nodule *nod, const lp_frame *f)
{
	double best = 0;
	for (int i = 0; i < nod->nroi; i++) {
		const lidc_roi *r = &nod->roi[i];
		if (r->slice < 0 || r->npts < 2)
			continue;
		for (int a = 0; a < r->npts; a++) {
			double wa[3];
			roi_world(f, r, a, wa);
			for (int b = a + 1; b < r->npts; b++) {
				double wb[3];
				roi_world(f, r, b, wb);
				double dd = dist3(wa, wb);
				best = dd > best ? dd : best;
			}
		}
	}
	return best;
}

/* Contour points of a reading in world mm, with their bounding box. */
typedef struct {
	int n;
	double (*w)[3];
	double lo[3], hi[3];
	double centroid[3]; /* of the mask */
} reading_pts;

static int reading_points(const lidc_nodule *nod, const lp_frame *f,
                          reading_pts *p)
{
	int total = 0;
	for (int i = 0; i < nod->nroi; i++)
		if (nod->roi[i].slice >= 0)
			total += nod->roi[i].npts;
	p->n = 0;
	if (!(p->w = lp_malloc((size_t)(total ? total : 1) * sizeof *p->w)))
		return -1;
	for (int a = 0; a < 3; a++) {
		p->lo[a] = INFINITY;
		p->hi[a] = -INFINITY;
	}
	for (int i = 0; i < nod->nroi; i++) {
		const lidc_roi *r = &nod->roi[i];
		if (r->slice < 0)
			continue;
		for (int k = 0; k < r->npts; k++, p->n++) {
			roi_world(f, r, k, p->w[p->n]);
			for (int a = 0; a < 3; a++) {
				p->lo[a] = fmin(p->lo[a], p->w[p->n][a]);
				p->hi[a] = fmax(p->hi[a], p->w[p->n][a]);
			}
		}
	}
	return 0;
}

static void box_centroid(const lidc_box *b, const lp_frame *f, double vox[3],
                         double world[3])
{
	double s[3] = {0, 0, 0};
	int64_t c = 0;
	for (int64_t z = 0; z < b->n[2]; z++)
		for (int64_t y = 0; y < b->n[1]; y++)
			for (int64_t x = 0; x < b->n[0]; x++)
				if (b->m[(z * b->n[1] + y) * b->n[0] + x]) {
					s[0] += (double)x;
					s[1] += (double)y;
					s[2] += (double)z;
					c++;
				}
	for (int a = 0; a < 3; a++)
		vox[a] = c ? b->o[a] + s[a] / (double)c : NAN;
	lp_index_to_world(f, vox, world);
}

/* Smallest distance between the points of a and b; when the bounding boxes
 * are already more than far apart, that lower bound is returned instead. */
static double min_point_dist(const reading_pts *a, const reading_pts *b,
                             double far)
{
	double gap = 0; /* lower bound from the bounding boxes */
	for (int k = 0; k < 3; k++) {
		double g = fmax(a->lo[k] - b->hi[k], b->lo[k] - a->hi[k]);
		if (g > 0)
			gap += g * g;
	}
	if (sqrt(gap) > far)
		return sqrt(gap);
	double best = INFINITY;
	for (int i = 0; i < a->n; i++)
		for (int j = 0; j < b->n; j++) {
			double d = dist3(a->w[i], b->w[j]);
			best = d < best ? d : best;
		}
	return best;
}

/* ---- the whole document ------------------------------------------------ */

typedef struct {
	int n;          /* usable readings */
	int *nod;       /* their indices in doc->nod */
	lidc_box *box;  /* their masks */
	reading_pts *pts;
} readings;

static void readings_free(readings *r)
{
	for (int i = 0; i < r->n; i++) {
		lidc_box_free(&r->box[i]);
		free(r->pts[i].w);
	}
	free(r->nod);
	free(r->box);
	free(r->pts);
	memset(r, 0, sizeof *r);
}

static int readings_add(readings *r, lidc_doc *d, int i, const lp_frame *f,
                        const lidc_opts *o)
{
	lidc_box b;
	if (lidc_raster_nodule(&d->nod[i], f->dim, o->edge_rule, &b) < 0)
		return -1;
	if (!b.count) {
		lidc_doc_warn(d, "%s:%ld: nodule '%s' of reader %d covers no "
		              "voxel of the image, left out", d->path,
		              d->nod[i].line, d->nod[i].id,
		              d->nod[i].reader + 1);
		return 0;
	}
	int k = r->n;
	r->nod[k] = i;
	r->box[k] = b;
	if (reading_points(&d->nod[i], f, &r->pts[k]) < 0) {
		lidc_box_free(&r->box[k]);
		return -1;
	}
	double v[3];
	box_centroid(&b, f, v, r->pts[k].centroid);
	r->n++;
	return 0;
}

static int readings_make(lidc_doc *d, const lp_frame *f, const lidc_opts *o,
                         readings *r)
{
	memset(r, 0, sizeof *r);
	size_t m = (size_t)(d->nnod ? d->nnod : 1);
	r->nod = lp_calloc(m, sizeof *r->nod);
	r->box = lp_calloc(m, sizeof *r->box);
	r->pts = lp_calloc(m, sizeof *r->pts);
	if (!r->nod || !r->box || !r->pts) {
		readings_free(r);
		return -1;
	}
	for (int i = 0; i < d->nnod; i++)
		if (!lidc_nodule_is_small(&d->nod[i]) &&
		    readings_add(r, d, i, f, o) < 0) {
			readings_free(r);
			return -1;
		}
	return 0;
}

/* far: distances beyond it need not be exact (the grouping tolerance only
 * shrinks from there). */
static double *distances(const readings *r, int metric, double far)
{
	double *D = lp_calloc((size_t)r->n * (size_t)(r->n ? r->n : 1),
	                      sizeof *D);
	if (!D)
		return NULL;
	for (int i = 0; i < r->n; i++)
		for (int j = i + 1; j < r->n; j++) {
			double v = metric == LIDC_METRIC_CENTROID
			                   ? dist3(r->pts[i].centroid,
			                           r->pts[j].centroid)
			                   : min_point_dist(&r->pts[i],
			                                    &r->pts[j], far);
			D[(size_t)i * r->n + j] = D[(size_t)j * r->n + i] = v;
		}
	return D;
}

static double slice_spacing(const lp_frame *f)
{
	double a[3] = {0, 0, 0}, b[3] = {0, 0, 1}, wa[3], wb[3];
	lp_index_to_world(f, a, wa);
	lp_index_to_world(f, b, wb);
	return dist3(wa, wb);
}

static void cluster_ratings(lidc_cluster *c, const lidc_doc *d,
                            const lidc_opts *o)
{
	c->nratings = 0;
	for (int i = 0; i < c->nann; i++) {
		int v = d->nod[c->ann[i]].chars[LIDC_MALIGNANCY];
		if (v)
			c->ratings[c->nratings++] = v;
	}
	c->label = lidc_label(c->ratings, c->nratings, o->label_rule,
	                      &c->mal_mean);
}

static double voxel_mm3(const lp_frame *f)
{
	return f->spacing[0] * f->spacing[1] * f->spacing[2];
}

static double eq_diameter(double volume)
{
	return cbrt(6.0 * volume / M_PI);
}

static int cluster_build(lidc_cluster *c, lidc_doc *d, const readings *r,
                         const int *members, int nm, const lp_frame *f,
                         const lidc_opts *o)
{
	const lidc_box **boxes = lp_malloc((size_t)nm * sizeof *boxes);
	c->ann = lp_malloc((size_t)nm * sizeof *c->ann);
	c->ratings = lp_malloc((size_t)nm * sizeof *c->ratings);
	if (!boxes || !c->ann || !c->ratings) {
		free(boxes);
		return -1;
	}
	c->nann = nm;
	double dmax = 0, deq = 0, vox = voxel_mm3(f);
	for (int i = 0; i < nm; i++) {
		c->ann[i] = r->nod[members[i]];
		boxes[i] = &r->box[members[i]];
		dmax += lidc_reading_diameter(&d->nod[c->ann[i]], f);
		deq += eq_diameter((double)boxes[i]->count * vox);
	}
	c->diameter_max_mm = dmax / nm;
	c->diameter_eq_mm = deq / nm;
	int rc = lidc_consensus(boxes, nm, o->level, &c->mask);
	if (rc == 0 && !c->mask.count) {
		c->fallback = 1; /* no voxel reaches the level: use the union */
		rc = lidc_consensus(boxes, nm, 1e-6, &c->mask);
	}
	free(boxes);
	if (rc < 0)
		return -1;
	box_centroid(&c->mask, f, c->center_vox, c->center_world);
	c->volume_mm3 = (double)c->mask.count * vox;
	c->diameter_cons_mm = eq_diameter(c->volume_mm3);
	c->diameter_mm = o->diameter == LIDC_DIAM_MAX ? c->diameter_max_mm
	                 : o->diameter == LIDC_DIAM_CONSENSUS
	                         ? c->diameter_cons_mm
	                         : c->diameter_eq_mm;
	cluster_ratings(c, d, o);
	return 0;
}

static int cmp_cluster(const void *pa, const void *pb)
{
	const lidc_cluster *a = pa, *b = pb;
	for (int k = 2; k >= 0; k--) {
		if (a->center_world[k] < b->center_world[k])
			return -1;
		if (a->center_world[k] > b->center_world[k])
			return 1;
	}
	return 0;
}

void lidc_clusters_free(lidc_cluster *c, int n)
{
	if (!c)
		return;
	for (int i = 0; i < n; i++) {
		free(c[i].ann);
		free(c[i].ratings);
		lidc_box_free(&c[i].mask);
	}
	free(c);
}

static int build_all(lidc_doc *d, const readings *r, const int *cid, int k,
                     const lp_frame *f, const lidc_opts *o,
                     lidc_cluster *c)
{
	int *members = lp_malloc((size_t)(r->n ? r->n : 1) * sizeof *members);
	if (!members)
		return -1;
	for (int g = 0; g < k; g++) {
		int nm = 0;
		for (int i = 0; i < r->n; i++)
			if (cid[i] == g)
				members[nm++] = i;
		if (cluster_build(&c[g], d, r, members, nm, f, o) < 0) {
			free(members);
			return -1;
		}
		if (c[g].fallback)
			lidc_doc_warn(d, "%s: nodule near (%.1f, %.1f, %.1f) mm: "
			              "no voxel reaches %.0f%% agreement of %d "
			              "readings, the union is used", d->path,
			              c[g].center_world[0], c[g].center_world[1],
			              c[g].center_world[2], o->level * 100, nm);
	}
	free(members);
	return 0;
}

int lidc_cluster_doc(lidc_doc *d, const lp_frame *f, const lidc_opts *o,
                     lidc_cluster **out, int *n)
{
	readings r;
	*out = NULL;
	*n = 0;
	if (readings_make(d, f, o, &r) < 0)
		return -1;
	int *cid = lp_malloc((size_t)(r.n ? r.n : 1) * sizeof *cid);
	double tol = o->tol_mm > 0 ? o->tol_mm : slice_spacing(f);
	double *D = distances(&r, o->metric, tol);
	int k = (cid && D) ? lidc_group(D, r.n, tol, d->nreaders, cid) : -1;
	lidc_cluster *c = k >= 0 ? lp_calloc((size_t)(k ? k : 1), sizeof *c)
	                         : NULL;
	int rc = -1;
	if (c && build_all(d, &r, cid, k, f, o, c) == 0) {
		qsort(c, (size_t)k, sizeof *c, cmp_cluster);
		*out = c;
		*n = k;
		rc = 0;
	} else if (c) {
		lidc_clusters_free(c, k);
	}
	free(cid);
	free(D);
	readings_free(&r);
	return rc;
}
