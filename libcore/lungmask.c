/* lungmask.c - lung parenchyma mask (see lp_lungmask.h for the method). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lp_lungmask.h"
#include "lp_morph.h"
#include "lp_window.h"

#define SECOND_FRAC 0.10   /* a second lung holds >= 10 % of the first */
#define SEED_MID_MM 30.0   /* trachea seed: centroid within 30 mm of midline */
#define SEED_DEPTH_MM 40.0 /* look for the trachea in the top 40 mm */
#define AIRWAY_DEPTH_MM 250.0
#define SPLIT_BAND_MM 40.0
#define DARK_HU (-950.0) /* airway lumen joined to a lung: darker than this */
#define RIM_MM 1.5        /* removed around a dark lumen */
#define LUMEN_MIN_MM2 10.0
#define LUMEN_OVERLAP 0.3 /* a lumen lies >= 30 % under the lumen above */
#define JOINED_FRAC 0.15   /* one component with >= 15 % on each side */

typedef struct {
	int64_t dim[3], plane, n;
	double sp[3], vox_ml, mid;
	int sup;           /* +1: larger slice index is superior (head) */
	int right_low;     /* patient's right has the smaller x index */
	const lp_frame *f;
	const lp_lungmask_opts *o;
	const lp_channel *c;
	double dark;       /* DARK_HU in channel units */
	int64_t zlo, zhi;  /* slices holding candidates */
	int64_t blo[3], bhi[3]; /* bounding box of the candidates */
	int64_t off[3], fdim[3]; /* this (sub)volume in the frame */
} ctx;

/* Index into the frame's channel of voxel g of slice k of the
 * (sub)volume. */
static int64_t frame_index(const ctx *x, int64_t k, int64_t g)
{
	int64_t y = g / x->dim[0] + x->off[1], i = g % x->dim[0] + x->off[0];
	return ((k + x->off[2]) * x->fdim[1] + y) * x->fdim[0] + i;
}

void lp_lungmask_defaults(lp_lungmask_opts *o)
{
	o->threshold_hu = -320;
	o->close_mm = 10;
	o->min_ml = 30;
	o->airway_mm2 = 800;
	o->hole_mm2 = 2000;
}

int lp_hu_to_channel(const lp_channel *c, double hu, int exact, double *v)
{
	if (strcmp(c->units, LP_UNITS_HU) == 0 && lp_dtype_size(c->dtype)) {
		*v = hu;
		return 0;
	}
	if (strcmp(c->units, LP_UNITS_WINDOW) == 0 && c->wmax > c->wmin) {
		double t = exact ? (hu - c->wmin) / (c->wmax - c->wmin)
		                 : lp_window_t(hu, c->wmin, c->wmax);
		if (c->dtype == LP_U8) {
			*v = exact ? 255 * t : lp_window_u8(hu, c->wmin, c->wmax);
			return 0;
		}
		if (c->dtype == LP_F32 || c->dtype == LP_F64) {
			*v = t;
			return 0;
		}
	}
	return lp_seterr(LP_EX_UNSUPPORTED,
	                 "channel '%s' (%s, units '%s'): need HU values or a "
	                 "u8/f32 window",
	                 c->name, lp_dtype_name(c->dtype), c->units);
}

/* air[i] = value < thr, for every dtype. */
#define THR_LOOP(T)                                                        \
	do {                                                               \
		const T *p = (const T *)c->data;                           \
		_Pragma("omp parallel for schedule(dynamic, 65536)")               \
		for (int64_t i = 0; i < n; i++)                            \
			air[i] = (uint8_t)(p[i] < thr);                    \
	} while (0)

static int threshold(const lp_channel *c, int64_t n, double thr,
                     uint8_t *air)
{
	switch (c->dtype) {
	case LP_U8: THR_LOOP(uint8_t); break;
	case LP_I8: THR_LOOP(int8_t); break;
	case LP_U16: THR_LOOP(uint16_t); break;
	case LP_I16: THR_LOOP(int16_t); break;
	case LP_U32: THR_LOOP(uint32_t); break;
	case LP_I32: THR_LOOP(int32_t); break;
	case LP_F32: THR_LOOP(float); break;
	case LP_F64: THR_LOOP(double); break;
	default:
		return lp_seterr(LP_EX_UNSUPPORTED, "channel '%s': bad dtype",
		                 c->name);
	}
	return 0;
}

static int in_plane_border(const lp_cc *cc, int32_t l)
{
	return lp_cc_touches(cc, l, 0, 0) || lp_cc_touches(cc, l, 0, 1) ||
	       lp_cc_touches(cc, l, 1, 0) || lp_cc_touches(cc, l, 1, 1);
}

/* Body midline (x index): centroid of everything but the outside air. */
static void midline(ctx *x, const lp_cc *cc)
{
	double nx = (double)x->dim[0];
	double cnt = (double)x->n;
	double sx = (double)(x->dim[1] * x->dim[2]) * nx * (nx - 1) / 2;
	for (int32_t l = 1; l <= lp_cc_count(cc); l++)
		if (in_plane_border(cc, l)) {
			cnt -= (double)lp_cc_stat(cc, l)->count;
			sx -= lp_cc_stat(cc, l)->sum[0];
		}
	x->mid = cnt > 0 ? sx / cnt : (nx - 1) / 2;
}

/* Does component b reach above (superior to) the centroid of a? */
static int reaches_above(const ctx *x, const lp_cc_stats *a,
                         const lp_cc_stats *b)
{
	double cz = a->sum[2] / (double)a->count;
	return x->sup > 0 ? (double)b->hi[2] > cz : (double)b->lo[2] < cz;
}

static int pick_candidates(ctx *x, const lp_cc *cc, uint8_t *val)
{
	int32_t best = 0, second = 0;
	for (int32_t l = 1; l <= lp_cc_count(cc); l++) {
		if (in_plane_border(cc, l))
			continue;
		int64_t c = lp_cc_stat(cc, l)->count;
		if (!best || c > lp_cc_stat(cc, best)->count) {
			second = best;
			best = l;
		} else if (!second || c > lp_cc_stat(cc, second)->count) {
			second = l;
		}
	}
	double ml = best ? (double)lp_cc_stat(cc, best)->count * x->vox_ml : 0;
	if (!best || ml < x->o->min_ml)
		return lp_seterr(LP_EX_DATAERR,
		                 "no lungs found (largest air region inside the "
		                 "body: %.0f ml)", ml);
	const lp_cc_stats *a = lp_cc_stat(cc, best);
	val[best] = 1;
	memcpy(x->blo, a->lo, sizeof x->blo);
	memcpy(x->bhi, a->hi, sizeof x->bhi);
	if (second) {
		const lp_cc_stats *b = lp_cc_stat(cc, second);
		if ((double)b->count >= SECOND_FRAC * (double)a->count &&
		    reaches_above(x, a, b)) {
			val[second] = 1;
			for (int k = 0; k < 3; k++) {
				x->blo[k] = b->lo[k] < x->blo[k] ? b->lo[k] : x->blo[k];
				x->bhi[k] = b->hi[k] > x->bhi[k] ? b->hi[k] : x->bhi[k];
			}
		}
	}
	x->zlo = x->blo[2];
	x->zhi = x->bhi[2];
	return 0;
}

/* M = air components that may be lungs (with the airways). */
static int candidates(ctx *x, const uint8_t *air, uint8_t *m)
{
	lp_cc *cc = lp_cc_compute(air, x->dim, 6);
	if (!cc)
		return -1;
	uint8_t *val = lp_calloc((size_t)lp_cc_count(cc) + 1, 1);
	int rc = -1;
	if (val) {
		midline(x, cc);
		rc = pick_candidates(x, cc, val);
	}
	if (rc == 0) {
		memset(m, 0, (size_t)x->n);
		lp_cc_paint(cc, val, m);
	}
	free(val);
	lp_cc_free(cc);
	return rc;
}

/* ---- airways ---- */

typedef struct {
	uint8_t *prev, *cur; /* airway lumen: slice above, this slice */
	uint8_t *rm;         /* pixels removed from this slice */
	int32_t *lab;        /* 2-D labels of this slice */
	int found;
	int64_t removed;
} airway;

static int64_t gidx(const ctx *x, const int64_t lo[2], const int64_t bd[3],
                    int64_t i)
{
	return (i / bd[0] + lo[1]) * x->dim[0] + i % bd[0] + lo[0];
}

/* Keep the parts of the dark box e that lie mostly under the airway lumen
 * of the slice above and have an airway's size; others are cleared. */
static int keep_lumen(const ctx *x, const airway *a, uint8_t *e,
                      const int64_t lo[2], const int64_t bd[3])
{
	int64_t nb = bd[0] * bd[1];
	lp_cc *cc = lp_cc_compute(e, bd, 6);
	if (!cc)
		return -1;
	int32_t n = lp_cc_count(cc);
	int64_t *ov = lp_calloc((size_t)n + 1, sizeof *ov);
	uint8_t *val = lp_calloc((size_t)n + 1, 1);
	int32_t *lab = lp_malloc((size_t)nb * sizeof *lab);
	if (ov && val && lab) {
		lp_cc_labels(cc, lab);
		for (int64_t i = 0; i < nb; i++)
			if (lab[i] && a->prev[gidx(x, lo, bd, i)])
				ov[lab[i]]++;
		double px = x->sp[0] * x->sp[1];
		for (int32_t l = 1; l <= n; l++) {
			double c = (double)lp_cc_stat(cc, l)->count;
			val[l] = c * px >= LUMEN_MIN_MM2 &&
			         c * px <= x->o->airway_mm2 &&
			         (double)ov[l] >= LUMEN_OVERLAP * c;
		}
		memset(e, 0, (size_t)nb);
		lp_cc_paint(cc, val, e);
	}
	int rc = ov && val && lab ? 0 : -1;
	free(ov);
	free(val);
	free(lab);
	lp_cc_free(cc);
	return rc;
}

/* A large component under the airway of the slice above: the airway is
 * joined to a lung.  Its lumen is darker than lung parenchyma: take the
 * component's voxels below DARK_HU, keep the parts under the lumen above
 * (a->cur), and remove them with a rim of RIM_MM inside the component
 * (a->rm). */
static int carve(const ctx *x, airway *a, int64_t k, int32_t l,
                 const lp_cc_stats *st)
{
	int64_t lo[2] = { st->lo[0], st->lo[1] };
	int64_t bd[3] = { st->hi[0] - lo[0] + 1, st->hi[1] - lo[1] + 1, 1 };
	int64_t nb = bd[0] * bd[1];
	uint8_t *b = lp_malloc((size_t)nb), *e = lp_malloc((size_t)nb);
	int rc = b && e ? 0 : -1;
	for (int64_t i = 0; rc == 0 && i < nb; i++) {
		int64_t g = gidx(x, lo, bd, i);
		b[i] = a->lab[g] == l;
		e[i] = b[i] && lp_channel_get(x->c, (size_t)frame_index(x, k, g)) <
		                       x->dark;
	}
	if (rc == 0)
		rc = keep_lumen(x, a, e, lo, bd);
	for (int64_t i = 0; rc == 0 && i < nb; i++)
		if (e[i])
			a->cur[gidx(x, lo, bd, i)] = 1;
	if (rc == 0)
		rc = lp_dilate(e, e, bd, x->sp, RIM_MM, LP_MORPH_2D);
	for (int64_t i = 0; rc == 0 && i < nb; i++)
		if (e[i] && b[i])
			a->rm[gidx(x, lo, bd, i)] = 1;
	free(b);
	free(e);
	return rc;
}

/* Small components: the trachea seed (near the midline) or airway pieces
 * under the airway above.  val[l] set for them. */
static void small_airways(const ctx *x, const airway *a, const lp_cc *cc,
                          const uint8_t *ov, uint8_t *val)
{
	for (int32_t l = 1; l <= lp_cc_count(cc); l++) {
		const lp_cc_stats *st = lp_cc_stat(cc, l);
		double area = (double)st->count * x->sp[0] * x->sp[1];
		double off = fabs(st->sum[0] / (double)st->count - x->mid) *
		             x->sp[0];
		int small = area <= x->o->airway_mm2;
		val[l] = a->found ? (uint8_t)(ov[l] && small)
		                  : (uint8_t)(small && off <= SEED_MID_MM);
	}
}

/* Find the airway of slice k (a->cur, a->rm); returns the lumen's pixel
 * count or -1. */
static int64_t airway_slice(const ctx *x, airway *a, const uint8_t *s,
                            int64_t k)
{
	int64_t sdim[3] = { x->dim[0], x->dim[1], 1 };
	lp_cc *cc = lp_cc_compute(s, sdim, 6);
	if (!cc)
		return -1;
	int32_t n = lp_cc_count(cc);
	uint8_t *ov = lp_calloc((size_t)n + 1, 1), *val = lp_calloc((size_t)n + 1, 1);
	int rc = ov && val ? 0 : -1;
	if (rc == 0) {
		lp_cc_labels(cc, a->lab);
		for (int64_t i = 0; i < x->plane; i++)
			if (a->prev[i] && a->lab[i])
				ov[a->lab[i]] = 1;
		small_airways(x, a, cc, ov, val);
		memset(a->cur, 0, (size_t)x->plane);
		memset(a->rm, 0, (size_t)x->plane);
		lp_cc_paint(cc, val, a->cur);
		lp_cc_paint(cc, val, a->rm);
	}
	for (int32_t l = 1; rc == 0 && a->found && l <= n; l++)
		if (ov[l] && !val[l])
			rc = carve(x, a, k, l, lp_cc_stat(cc, l));
	free(ov);
	free(val);
	lp_cc_free(cc);
	if (rc)
		return -1;
	int64_t got = 0;
	for (int64_t i = 0; i < x->plane; i++)
		got += a->cur[i];
	return got;
}

static int airway_walk(const ctx *x, airway *a, uint8_t *m)
{
	double depth = 0;
	for (int64_t k = x->sup > 0 ? x->zhi : x->zlo; k >= x->zlo && k <= x->zhi;
	     k -= x->sup, depth += x->sp[2]) {
		uint8_t *s = m + k * x->plane;
		int64_t got = airway_slice(x, a, s, k);
		if (got < 0)
			return -1;
		if (got == 0 && (a->found || depth > SEED_DEPTH_MM))
			break;
		if (got > 0)
			a->found = 1;
		for (int64_t i = 0; i < x->plane; i++)
			if (a->rm[i] && s[i]) {
				s[i] = 0;
				a->removed++;
			}
		uint8_t *t = a->prev;
		a->prev = a->cur;
		a->cur = t;
		if (depth > AIRWAY_DEPTH_MM)
			break;
	}
	return 0;
}

static int remove_airways(const ctx *x, uint8_t *m, lp_lungmask_info *info)
{
	airway a = { 0 };
	a.prev = lp_calloc((size_t)x->plane, 1);
	a.cur = lp_calloc((size_t)x->plane, 1);
	a.rm = lp_calloc((size_t)x->plane, 1);
	a.lab = lp_malloc((size_t)x->plane * sizeof *a.lab);
	int rc = -1;
	if (a.prev && a.cur && a.rm && a.lab)
		rc = airway_walk(x, &a, m);
	info->airway_ml = (double)a.removed * x->vox_ml;
	free(a.prev);
	free(a.cur);
	free(a.rm);
	free(a.lab);
	return rc;
}

/* ---- left and right ---- */

/* Lung label of a voxel position (index x) relative to a cut at xc. */
static uint8_t side_of(const ctx *x, double xi, double xc)
{
	return (uint8_t)(((xi <= xc) == x->right_low) ? LP_LUNG_RIGHT
	                                              : LP_LUNG_LEFT);
}

/* One component holding both lungs: cut each slice at the column with the
 * fewest voxels (value 3 in out) near the midline. */
static void split_joined(const ctx *x, uint8_t *out)
{
	int64_t nx = x->dim[0], ny = x->dim[1];
	int64_t band = (int64_t)(SPLIT_BAND_MM / x->sp[0]);
	int64_t c0 = (int64_t)x->mid - band, c1 = (int64_t)x->mid + band;
	c0 = c0 < 0 ? 0 : c0;
	c1 = c1 > nx - 1 ? nx - 1 : c1;
#pragma omp parallel for schedule(dynamic, 4) if (x->n > LP_PAR_MIN)
	for (int64_t z = x->zlo; z <= x->zhi; z++) {
		uint8_t *s = out + z * x->plane;
		int64_t best = -1, bestc = INT64_MAX, cnt[c1 - c0 + 2];
		memset(cnt, 0, sizeof cnt);
		for (int64_t y = 0; y < ny; y++)
			for (int64_t c = c0; c <= c1; c++)
				cnt[c - c0] += s[y * nx + c] == 3;
		for (int64_t c = c0; c <= c1; c++) {
			double d = fabs((double)c - x->mid);
			if (cnt[c - c0] < bestc ||
			    (cnt[c - c0] == bestc && d < fabs((double)best - x->mid))) {
				bestc = cnt[c - c0];
				best = c;
			}
		}
		for (int64_t i = 0; i < x->plane; i++)
			if (s[i] == 3)
				s[i] = side_of(x, (double)(i % nx), (double)best);
	}
}

/* Voxels with value v on each side of the midline. */
static void count_sides(const ctx *x, const uint8_t *out, uint8_t v,
                        int64_t *lo, int64_t *hi)
{
	int64_t a = 0, b = 0, nx = x->dim[0];
#pragma omp parallel for reduction(+ : a, b) schedule(dynamic, 65536) if (x->n > LP_PAR_MIN)
	for (int64_t i = 0; i < x->n; i++)
		if (out[i] == v) {
			if ((double)(i % nx) <= x->mid)
				a++;
			else
				b++;
		}
	*lo = a;
	*hi = b;
}

static int32_t big_components(const ctx *x, const lp_cc *cc, uint8_t *val)
{
	int64_t largest = 0;
	for (int32_t l = 1; l <= lp_cc_count(cc); l++)
		if (lp_cc_stat(cc, l)->count > largest)
			largest = lp_cc_stat(cc, l)->count;
	int32_t nbig = 0;
	for (int32_t l = 1; l <= lp_cc_count(cc); l++) {
		int64_t c = lp_cc_stat(cc, l)->count;
		if ((double)c >= SECOND_FRAC * (double)largest &&
		    (double)c * x->vox_ml >= x->o->min_ml) {
			val[l] = 3;
			nbig++;
		}
	}
	return nbig;
}

static int label_lungs(ctx *x, const uint8_t *m, uint8_t *out,
                       lp_lungmask_info *info)
{
	lp_cc *cc = lp_cc_compute(m, x->dim, 6);
	if (!cc)
		return -1;
	uint8_t *val = lp_calloc((size_t)lp_cc_count(cc) + 1, 1);
	if (!val) {
		lp_cc_free(cc);
		return -1;
	}
	int32_t nbig = big_components(x, cc, val);
	info->nlungs = nbig;
	memset(out, 0, (size_t)x->n);
	if (nbig == 0) {
		free(val);
		lp_cc_free(cc);
		return lp_seterr(LP_EX_DATAERR, "no lungs found after removing "
		                                "the airways");
	}
	lp_cc_paint(cc, val, out);
	int64_t lo, hi;
	count_sides(x, out, 3, &lo, &hi);
	if (nbig == 1 && (double)(lo < hi ? lo : hi) >=
	                         JOINED_FRAC * (double)(lo + hi)) {
		info->split = 1;
		split_joined(x, out);
	} else {
		for (int32_t l = 1; l <= lp_cc_count(cc); l++)
			if (val[l]) {
				const lp_cc_stats *st = lp_cc_stat(cc, l);
				val[l] = side_of(x, st->sum[0] / (double)st->count,
				                 x->mid);
			}
		lp_cc_paint(cc, val, out);
	}
	free(val);
	lp_cc_free(cc);
	return 0;
}

/* ---- closing and hole filling, one lung at a time ---- */

/* Bounding boxes of the right (b[0]) and left (b[1]) lung:
 * b[l] = { xlo, xhi, ylo, yhi, zlo, zhi }. */
static void lung_bboxes(const ctx *x, const uint8_t *out, int64_t b[2][6])
{
	int64_t nx = x->dim[0], ny = x->dim[1];
	for (int l = 0; l < 2; l++) {
		b[l][0] = b[l][2] = b[l][4] = INT64_MAX;
		b[l][1] = b[l][3] = b[l][5] = -1;
	}
#pragma omp parallel if (x->n > LP_PAR_MIN)
	{
		int64_t t[2][6];
		memcpy(t, b, sizeof t);
#pragma omp for schedule(dynamic, 1)
		for (int64_t z = x->zlo; z <= x->zhi; z++)
			for (int64_t y = 0; y < ny; y++) {
				const uint8_t *r = out + z * x->plane + y * nx;
				for (int64_t i = 0; i < nx; i++) {
					if (r[i] != LP_LUNG_RIGHT && r[i] != LP_LUNG_LEFT)
						continue;
					int64_t *q = t[r[i] - 1];
					if (i < q[0]) q[0] = i;
					if (i > q[1]) q[1] = i;
					if (y < q[2]) q[2] = y;
					if (y > q[3]) q[3] = y;
					if (z < q[4]) q[4] = z;
					if (z > q[5]) q[5] = z;
				}
			}
#pragma omp critical
		for (int l = 0; l < 2; l++)
			for (int k = 0; k < 6; k += 2) {
				if (t[l][k] < b[l][k]) b[l][k] = t[l][k];
				if (t[l][k + 1] > b[l][k + 1]) b[l][k + 1] = t[l][k + 1];
			}
	}
}

static void copy_box(const ctx *x, uint8_t *out, uint8_t *sub,
                     const int64_t lo[3], const int64_t sd[3], uint8_t v,
                     int back)
{
#pragma omp parallel for schedule(dynamic, 1) if (sd[0] * sd[1] * sd[2] > LP_PAR_MIN)
	for (int64_t z = 0; z < sd[2]; z++)
		for (int64_t y = 0; y < sd[1]; y++) {
			uint8_t *r = out + (z + lo[2]) * x->plane +
			             (y + lo[1]) * x->dim[0] + lo[0];
			uint8_t *s = sub + (z * sd[1] + y) * sd[0];
			for (int64_t i = 0; i < sd[0]; i++) {
				if (!back)
					s[i] = r[i] == v;
				else if (s[i] && !r[i])
					r[i] = v;
			}
		}
}

static int close_fill(const ctx *x, uint8_t *out, uint8_t v,
                      const int64_t bb[6])
{
	int64_t lo[3] = { bb[0], bb[2], bb[4] }, hi[3] = { bb[1], bb[3], bb[5] };
	int64_t sd[3];
	if (hi[0] < 0)
		return 0;
	for (int a = 0; a < 2; a++) {
		int64_t m = (int64_t)ceil(x->o->close_mm / x->sp[a]) + 2;
		lo[a] = lo[a] - m < 0 ? 0 : lo[a] - m;
		hi[a] = hi[a] + m >= x->dim[a] ? x->dim[a] - 1 : hi[a] + m;
	}
	for (int a = 0; a < 3; a++)
		sd[a] = hi[a] - lo[a] + 1;
	uint8_t *sub = lp_malloc((size_t)(sd[0] * sd[1] * sd[2]));
	if (!sub)
		return -1;
	copy_box(x, out, sub, lo, sd, v, 0);
	int rc = 0;
	if (x->o->close_mm > 0)
		rc = lp_close(sub, sub, sd, x->sp, x->o->close_mm, LP_MORPH_2D);
	if (rc == 0)
		rc = lp_fill_holes_max(sub, sd, LP_MORPH_2D,
		                       (int64_t)(x->o->hole_mm2 /
		                                 (x->sp[0] * x->sp[1])));
	if (rc == 0)
		copy_box(x, out, sub, lo, sd, v, 1);
	free(sub);
	return rc;
}

/* ---- driver ---- */

static int setup(ctx *x, const lp_frame *f, const lp_lungmask_opts *o)
{
	memset(x, 0, sizeof *x);
	if (lp_frame_check_geometry(f))
		return -1;
	memcpy(x->dim, f->dim, sizeof x->dim);
	memcpy(x->sp, f->spacing, sizeof x->sp);
	x->plane = f->dim[0] * f->dim[1];
	x->n = x->plane * f->dim[2];
	x->vox_ml = f->spacing[0] * f->spacing[1] * f->spacing[2] / 1000;
	memcpy(x->fdim, f->dim, sizeof x->fdim);
	x->sup = f->dir[8] >= 0 ? 1 : -1;
	x->right_low = f->dir[0] >= 0; /* LPS: +x is the patient's left */
	x->f = f;
	x->o = o;
	return 0;
}

static void volumes(const ctx *x, const uint8_t *out, lp_lungmask_info *info)
{
	int64_t r = 0, l = 0;
#pragma omp parallel for reduction(+ : r, l) schedule(dynamic, 65536) if (x->n > LP_PAR_MIN)
	for (int64_t i = 0; i < x->n; i++) {
		r += out[i] == LP_LUNG_RIGHT;
		l += out[i] == LP_LUNG_LEFT;
	}
	info->ml[1] = (double)r * x->vox_ml;
	info->ml[2] = (double)l * x->vox_ml;
	info->ml[0] = info->ml[1] + info->ml[2];
}

/* The candidates' bounding box (with room for the closing in-plane) as a
 * sub-volume context s; everything after the first labelling works there. */
static void sub_ctx(const ctx *x, ctx *s)
{
	*s = *x;
	for (int a = 0; a < 3; a++) {
		int64_t m = a < 2 ? (int64_t)ceil(x->o->close_mm / x->sp[a]) + 2 : 0;
		int64_t lo = x->blo[a] - m, hi = x->bhi[a] + m;
		s->off[a] = lo < 0 ? 0 : lo;
		s->dim[a] = (hi > x->dim[a] - 1 ? x->dim[a] - 1 : hi) - s->off[a] + 1;
	}
	s->plane = s->dim[0] * s->dim[1];
	s->n = s->plane * s->dim[2];
	s->mid = x->mid - (double)s->off[0];
	s->zlo = 0;
	s->zhi = s->dim[2] - 1;
}

/* Copy the sub-volume of s out of (back = 0) or into (back = 1) full. */
static void sub_copy(const ctx *s, uint8_t *full, uint8_t *sub, int back)
{
#pragma omp parallel for schedule(dynamic, 1) if (s->n > LP_PAR_MIN)
	for (int64_t z = 0; z < s->dim[2]; z++)
		for (int64_t y = 0; y < s->dim[1]; y++) {
			uint8_t *f = full + frame_index(s, z, y * s->dim[0]);
			uint8_t *b = sub + (z * s->dim[1] + y) * s->dim[0];
			if (back)
				memcpy(f, b, (size_t)s->dim[0]);
			else
				memcpy(b, f, (size_t)s->dim[0]);
		}
}

static int lungs_in_box(ctx *s, uint8_t *m, lp_lungmask_info *info)
{
	if (remove_airways(s, m, info) || label_lungs(s, m, m, info))
		return -1;
	int64_t bb[2][6];
	lung_bboxes(s, m, bb);
	if (close_fill(s, m, LP_LUNG_RIGHT, bb[0]) ||
	    close_fill(s, m, LP_LUNG_LEFT, bb[1]))
		return -1;
	volumes(s, m, info);
	return 0;
}

static int lungmask_run(ctx *x, const lp_channel *c, uint8_t *out,
                        uint8_t *m, lp_lungmask_info *info)
{
	double thr;
	x->c = c;
	if (lp_hu_to_channel(c, DARK_HU, 1, &x->dark) ||
	    lp_hu_to_channel(c, x->o->threshold_hu, 1, &thr) ||
	    threshold(c, x->n, thr, m) || candidates(x, m, out))
		return -1;
	/* out holds the candidates; the rest works in their box, in m */
	ctx s;
	sub_ctx(x, &s);
	sub_copy(&s, out, m, 0);
	if (lungs_in_box(&s, m, info))
		return -1;
	memset(out, 0, (size_t)x->n);
	sub_copy(&s, out, m, 1);
	return 0;
}

int lp_lungmask(const lp_frame *f, const lp_channel *c,
                const lp_lungmask_opts *o, uint8_t *out,
                lp_lungmask_info *info)
{
	ctx x;
	lp_lungmask_info dummy;
	info = info ? info : &dummy;
	memset(info, 0, sizeof *info);
	if (setup(&x, f, o))
		return -1;
	uint8_t *m = lp_malloc((size_t)x.n);
	if (!m)
		return -1;
	int rc = lungmask_run(&x, c, out, m, info);
	free(m);
	return rc;
}

/* ---- frame level ---- */

#define BG_LOOP(T)                                                         \
	do {                                                               \
		T *p = (T *)c->data, b = (T)bg;                            \
		_Pragma("omp parallel for schedule(dynamic, 65536)")               \
		for (int64_t i = 0; i < n; i++)                            \
			if (!mask[i])                                      \
				p[i] = b;                                  \
	} while (0)

static void set_background(lp_channel *c, const uint8_t *mask, int64_t n,
                           double bg)
{
	switch (c->dtype) {
	case LP_U8: BG_LOOP(uint8_t); break;
	case LP_I8: BG_LOOP(int8_t); break;
	case LP_U16: BG_LOOP(uint16_t); break;
	case LP_I16: BG_LOOP(int16_t); break;
	case LP_U32: BG_LOOP(uint32_t); break;
	case LP_I32: BG_LOOP(int32_t); break;
	case LP_F32: BG_LOOP(float); break;
	case LP_F64: BG_LOOP(double); break;
	default: break;
	}
}

/* -1000 HU in the channel's units, clamped to what its dtype holds. */
static double background(const lp_channel *c, double v)
{
	static const double lim[][2] = {
		[LP_U8] = { 0, 255 },           [LP_I8] = { -128, 127 },
		[LP_U16] = { 0, 65535 },        [LP_I16] = { -32768, 32767 },
		[LP_U32] = { 0, 4294967295.0 }, [LP_I32] = { -2147483648.0, 2147483647.0 },
	};
	if (c->dtype >= LP_U8 && c->dtype <= LP_I32) {
		v = round(v);
		v = v < lim[c->dtype][0] ? lim[c->dtype][0] : v;
		v = v > lim[c->dtype][1] ? lim[c->dtype][1] : v;
	}
	return v;
}

int lp_lungmask_frame(lp_frame *f, const char *chname, const char *outname,
                      const lp_lungmask_opts *o, int keep_image,
                      lp_lungmask_info *info)
{
	outname = outname ? outname : LP_CH_LUNG;
	lp_channel *c = lp_frame_channel(f, chname);
	if (!c)
		return lp_seterr(LP_EX_DATAERR, "no channel '%s'", chname);
	if (lp_frame_channel(f, outname))
		return lp_seterr(LP_EX_DATAERR, "the frame has a '%s' channel "
		                                "already", outname);
	double bg;
	if (lp_hu_to_channel(c, -1000, 0, &bg))
		return -1;
	int64_t n = lp_frame_nvox(f);
	uint8_t *mask = lp_malloc((size_t)n);
	lp_lungmask_info inf;
	if (!mask || lp_lungmask(f, c, o, mask, &inf)) {
		free(mask);
		return -1;
	}
	if (!keep_image)
		set_background(c, mask, n, background(c, bg));
	if (!lp_frame_adopt_channel(f, outname, LP_U8, LP_UNITS_MASK, mask)) {
		free(mask);
		return -1;
	}
	if (lp_meta_setf(f, "lung_volume_ml", "%.1f,%.1f,%.1f", inf.ml[0],
	                 inf.ml[1], inf.ml[2]))
		return -1;
	if (info)
		*info = inf;
	return 0;
}
