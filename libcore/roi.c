/* roi.c - nodule lists and axial patches (see lp_roi.h). */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_csv.h"
#include "lp_lungmask.h"
#include "lp_morph.h"
#include "lp_roi.h"

/* ---- augmentation ---- */

/* Offsets from the centre h = n/2: da = m[0] du + m[1] dv,
 * db = m[2] du + m[3] dv. */
static const int augm[LP_AUG_N][4] = {
	[LP_AUG_IDENTITY] = { 1, 0, 0, 1 },
	[LP_AUG_FLIP_X] = { -1, 0, 0, 1 },
	[LP_AUG_FLIP_Y] = { 1, 0, 0, -1 },
	[LP_AUG_ROT90] = { 0, 1, -1, 0 },
	[LP_AUG_ROT180] = { -1, 0, 0, -1 },
	[LP_AUG_TRANSPOSE] = { 0, 1, 1, 0 },
};

static const char *const augnames[LP_AUG_N] = {
	"identity", "flip_x", "flip_y", "rot90", "rot180", "transpose"
};

const char *lp_aug_name(int aug)
{
	return aug >= 0 && aug < LP_AUG_N ? augnames[aug] : "?";
}

void lp_aug_map(int aug, int64_t n, int64_t u, int64_t v, int64_t *a,
                int64_t *b)
{
	const int *m = augm[aug];
	int64_t h = n / 2;
	*a = h + m[0] * (u - h) + m[1] * (v - h);
	*b = h + m[2] * (u - h) + m[3] * (v - h);
}

void lp_aug_unmap(int aug, int64_t n, int64_t a, int64_t b, int64_t *u,
                  int64_t *v)
{
	/* the linear part is a signed permutation: its inverse is its
	 * transpose */
	const int *m = augm[aug];
	int64_t h = n / 2;
	*u = h + m[0] * (a - h) + m[2] * (b - h);
	*v = h + m[1] * (a - h) + m[3] * (b - h);
}

/* ---- padding ---- */

double lp_roi_pad_value(const lp_channel *c)
{
	double v = 0;
	if (strcmp(c->units, LP_UNITS_HU) != 0 &&
	    strcmp(c->units, LP_UNITS_WINDOW) != 0)
		return 0;
	if (lp_hu_to_channel(c, -1000, 0, &v))
		return 0;
	switch (c->dtype) {
	case LP_U8: return v < 0 ? 0 : v > 255 ? 255 : round(v);
	case LP_I8: return v < -128 ? -128 : v > 127 ? 127 : round(v);
	case LP_U16: return v < 0 ? 0 : v > 65535 ? 65535 : round(v);
	case LP_I16: return v < -32768 ? -32768 : v > 32767 ? 32767 : round(v);
	case LP_U32: return v < 0 ? 0 : round(v);
	case LP_I32: return round(v);
	default: return v;
	}
}

static void put_value(lp_dtype t, double v, void *out)
{
	switch (t) {
	case LP_U8: *(uint8_t *)out = (uint8_t)v; break;
	case LP_I8: *(int8_t *)out = (int8_t)v; break;
	case LP_U16: *(uint16_t *)out = (uint16_t)v; break;
	case LP_I16: *(int16_t *)out = (int16_t)v; break;
	case LP_U32: *(uint32_t *)out = (uint32_t)v; break;
	case LP_I32: *(int32_t *)out = (int32_t)v; break;
	case LP_F32: *(float *)out = (float)v; break;
	case LP_F64: *(double *)out = v; break;
	default: break;
	}
}

/* ---- cropping ---- */

static void crop_channel(const lp_frame *f, const lp_channel *c,
                         const int64_t x0[3], int64_t size, int64_t depth,
                         int aug, uint8_t *out)
{
	size_t es = lp_dtype_size(c->dtype);
	unsigned char pad[8] = { 0 };
	put_value(c->dtype, lp_roi_pad_value(c), pad);
	const unsigned char *src = c->data;
	for (int64_t w = 0; w < depth; w++)
		for (int64_t v = 0; v < size; v++)
			for (int64_t u = 0; u < size; u++) {
				int64_t a, b;
				lp_aug_map(aug, size, u, v, &a, &b);
				int64_t x = x0[0] + a, y = x0[1] + b, z = x0[2] + w;
				unsigned char *o =
				        out + es * (size_t)(u + size * (v + size * w));
				if (x < 0 || y < 0 || z < 0 || x >= f->dim[0] ||
				    y >= f->dim[1] || z >= f->dim[2])
					memcpy(o, pad, es);
				else
					memcpy(o, src + es * (size_t)(x + f->dim[0] *
					                     (y + f->dim[1] * z)), es);
			}
}

static void patch_geometry(const lp_frame *f, const int64_t x0[3],
                           int64_t size, int aug, lp_frame *p)
{
	int64_t a, b;
	lp_aug_map(aug, size, 0, 0, &a, &b);
	double ijk[3] = { (double)(x0[0] + a), (double)(x0[1] + b),
	                  (double)x0[2] };
	lp_index_to_world(f, ijk, p->origin);
	const int *m = augm[aug];
	for (int ax = 0; ax < 2; ax++) {
		/* d(a, b)/d(u or v) */
		double da = m[ax], db = m[2 + ax], vec[3], len = 0;
		for (int k = 0; k < 3; k++) {
			vec[k] = da * f->spacing[0] * f->dir[k] +
			         db * f->spacing[1] * f->dir[3 + k];
			len += vec[k] * vec[k];
		}
		len = sqrt(len);
		p->spacing[ax] = len;
		for (int k = 0; k < 3; k++)
			p->dir[3 * ax + k] = vec[k] / len;
	}
	p->spacing[2] = f->spacing[2];
	for (int k = 0; k < 3; k++)
		p->dir[6 + k] = f->dir[6 + k];
}

int lp_roi_crop(const lp_frame *f, const int64_t c[3], int64_t size,
                int64_t depth, int aug, lp_frame *p)
{
	lp_frame_init(p);
	if (size < 1 || depth < 1 || aug < 0 || aug >= LP_AUG_N)
		return lp_seterr(LP_EX_USAGE, "bad patch size or augmentation");
	if (lp_frame_copy_header(p, f) || lp_frame_set_dims(p, size, size, depth))
		goto fail;
	int64_t x0[3] = { c[0] - size / 2, c[1] - size / 2, c[2] - depth / 2 };
	patch_geometry(f, x0, size, aug, p);
	for (int i = 0; i < f->nch; i++) {
		const lp_channel *sc = &f->ch[i];
		lp_channel *dc = lp_frame_add_channel(p, sc->name, sc->dtype,
		                                      sc->units);
		if (!dc)
			goto fail;
		dc->wmin = sc->wmin;
		dc->wmax = sc->wmax;
		crop_channel(f, sc, x0, size, depth, aug, dc->data);
	}
	if (lp_meta_set(p, LP_META_KIND, "patch") ||
	    lp_meta_set(p, "augment", lp_aug_name(aug)))
		goto fail;
	return 0;
fail:
	lp_frame_free(p);
	return -1;
}

/* ---- nodule lists ---- */

void lp_nodules_free(lp_nodules *l)
{
	for (int i = 0; i < l->nwarn; i++)
		free(l->warn[i]);
	free(l->warn);
	free(l->v);
	memset(l, 0, sizeof *l);
}

static void add_warn(lp_nodules *l, const char *msg)
{
	char **w = realloc(l->warn, (size_t)(l->nwarn + 1) * sizeof *w);
	if (!w)
		return;
	l->warn = w;
	if ((w[l->nwarn] = strdup(msg)))
		l->nwarn++;
}

static lp_nodule *add_nodule(lp_nodules *l)
{
	lp_nodule *v = lp_realloc(l->v, (size_t)(l->n + 1) * sizeof *v);
	if (!v)
		return NULL;
	l->v = v;
	memset(&v[l->n], 0, sizeof *v);
	v[l->n].diameter = NAN;
	v[l->n].mal_mean = NAN;
	v[l->n].zlo = v[l->n].zhi = -1;
	return &v[l->n++];
}

static void copy_str(char *dst, size_t cap, const char *s)
{
	snprintf(dst, cap, "%s", s ? s : "");
}

/* "[4, 2, 4, 2]" or "5;5;5;4" -> "4,2,4,2" */
static void ratings_list(const char *s, char *out, size_t cap)
{
	size_t k = 0;
	out[0] = 0;
	for (const char *p = s; *p && k + 3 < cap; p++) {
		if (!isdigit((unsigned char)*p))
			continue;
		if (k)
			out[k++] = ',';
		while (isdigit((unsigned char)*p) && k + 2 < cap)
			out[k++] = *p++;
		out[k] = 0;
		p--;
	}
}

static void label_text(const char *s, int is_class, char *out, size_t cap)
{
	char *end;
	long v = strtol(s, &end, 10);
	int num = *s && !*end;
	if (is_class && num)
		copy_str(out, cap, v ? "nodule" : "non-nodule");
	else if (num && (v == 0 || v == 1 || v == -1))
		copy_str(out, cap, v == 0 ? "benign" : v == 1 ? "malignant"
		                                             : "excluded");
	else
		copy_str(out, cap, s);
}

typedef struct {
	int uid, xyz[3], diam, id, rat, mean, label, cls;
} csv_cols;

static int find_cols(lp_csv *c, csv_cols *k)
{
	k->uid = lp_csv_col(c, "seriesuid");
	k->xyz[0] = lp_csv_col(c, "coordX");
	k->xyz[1] = lp_csv_col(c, "coordY");
	k->xyz[2] = lp_csv_col(c, "coordZ");
	k->diam = lp_csv_col(c, "diameter_mm");
	k->id = lp_csv_col(c, "nodule_id");
	k->rat = lp_csv_col(c, "ratings");
	if (k->rat < 0)
		k->rat = lp_csv_col(c, "malignancy_ratings");
	if (k->rat < 0)
		k->rat = lp_csv_col(c, "mal_details");
	k->mean = lp_csv_col(c, "malignancy_mean");
	k->label = lp_csv_col(c, "label");
	k->cls = lp_csv_col(c, "class");
	const char *miss = k->uid < 0 ? "seriesuid" : k->xyz[0] < 0 ? "coordX"
	                 : k->xyz[1] < 0 ? "coordY" : k->xyz[2] < 0 ? "coordZ"
	                                                            : NULL;
	if (miss)
		return lp_seterr(LP_EX_DATAERR, "%s: no column '%s'",
		                 lp_csv_name(c), miss);
	return 0;
}

/* An optional numeric column: empty = unknown (NAN). */
static int opt_number(lp_csv *c, int col, double *v)
{
	*v = NAN;
	if (col < 0 || !*lp_csv_field(c, col))
		return 0;
	return lp_csv_double(c, col, v);
}

static int csv_row(lp_csv *c, const csv_cols *k, lp_nodule *n)
{
	for (int a = 0; a < 3; a++)
		if (lp_csv_double(c, k->xyz[a], &n->world[a]))
			return -1;
	if (opt_number(c, k->diam, &n->diameter) ||
	    opt_number(c, k->mean, &n->mal_mean))
		return -1;
	if (!*lp_csv_field(c, k->uid))
		return lp_seterr(LP_EX_DATAERR, "%s:%d: empty seriesuid",
		                 lp_csv_name(c), lp_csv_line(c));
	copy_str(n->series, sizeof n->series, lp_csv_field(c, k->uid));
	if (k->id >= 0 && *lp_csv_field(c, k->id))
		copy_str(n->id, sizeof n->id, lp_csv_field(c, k->id));
	else
		snprintf(n->id, sizeof n->id, "line%d", lp_csv_line(c));
	if (k->rat >= 0)
		ratings_list(lp_csv_field(c, k->rat), n->ratings,
		             sizeof n->ratings);
	if (k->label >= 0)
		label_text(lp_csv_field(c, k->label), 0, n->label,
		           sizeof n->label);
	else if (k->cls >= 0)
		label_text(lp_csv_field(c, k->cls), 1, n->label,
		           sizeof n->label);
	n->line = lp_csv_line(c);
	return 0;
}

int lp_nodules_read_csv(const char *path, lp_nodules *l)
{
	lp_csv *c = lp_csv_open(path);
	csv_cols k;
	if (!c)
		return -1;
	if (find_cols(c, &k)) {
		lp_csv_close(c);
		return -1;
	}
	int r;
	lp_nodule tmp;
	while ((r = lp_csv_next(c)) != 0) {
		memset(&tmp, 0, sizeof tmp);
		tmp.zlo = tmp.zhi = -1;
		if (r < 0 || csv_row(c, &k, &tmp) < 0) {
			add_warn(l, lp_errmsg());
			continue;
		}
		lp_nodule *n = add_nodule(l);
		if (!n) {
			lp_csv_close(c);
			return -1;
		}
		*n = tmp;
	}
	lp_csv_close(c);
	return 0;
}

int lp_nodule_matches(const lp_nodule *n, const lp_frame *f)
{
	const char *uid = lp_meta_get(f, LP_META_SERIES);
	if (uid && !strcmp(uid, n->series))
		return 1;
	const char *src = lp_meta_get(f, LP_META_SOURCE);
	if (!src)
		return 0;
	const char *base = strrchr(src, '/');
	base = base ? base + 1 : src;
	const char *dot = strrchr(base, '.');
	size_t len = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	return len == strlen(n->series) && !strncmp(base, n->series, len);
}

/* ---- nodules from a gt channel ---- */

static const char *nod_meta(const lp_frame *f, long k, const char *what)
{
	char key[96];
	snprintf(key, sizeof key, "nodule.%ld.%s", k, what);
	return lp_meta_get(f, key);
}

/* Does the frame describe nodule K (lidc-annot's or ct-phantom's gt)? */
static int has_nodule_meta(const lp_frame *f, long k)
{
	return k > 0 && (nod_meta(f, k, "id") || nod_meta(f, k, "center_world"));
}

static void merge_stats(lp_cc_stats *a, const lp_cc_stats *b)
{
	for (int i = 0; i < 3; i++) {
		a->sum[i] += b->sum[i];
		if (b->lo[i] < a->lo[i])
			a->lo[i] = b->lo[i];
		if (b->hi[i] > a->hi[i])
			a->hi[i] = b->hi[i];
	}
	a->count += b->count;
}

static void gt_nodule(const lp_frame *f, const lp_cc_stats *s, long k,
                      int idx, lp_nodule *n)
{
	const char *uid = lp_meta_get(f, LP_META_SERIES);
	copy_str(n->series, sizeof n->series, uid);
	double ijk[3];
	for (int a = 0; a < 3; a++)
		ijk[a] = s->sum[a] / (double)s->count;
	lp_index_to_world(f, ijk, n->world);
	double vol = (double)s->count * f->spacing[0] * f->spacing[1] *
	             f->spacing[2];
	n->diameter = cbrt(6 * vol / M_PI);
	snprintf(n->id, sizeof n->id, "gt%d", idx);
	n->zlo = s->lo[2];
	n->zhi = s->hi[2];
	if (!has_nodule_meta(f, k))
		return;
	const char *v;
	double w[3];
	if ((v = nod_meta(f, k, "id")))
		copy_str(n->id, sizeof n->id, v);
	else
		snprintf(n->id, sizeof n->id, "%ld", k);
	if ((v = nod_meta(f, k, "center_world")) &&
	    sscanf(v, "%lf,%lf,%lf", &w[0], &w[1], &w[2]) == 3)
		memcpy(n->world, w, sizeof w);
	if ((v = nod_meta(f, k, "diameter_mm")))
		n->diameter = atof(v);
	if ((v = nod_meta(f, k, "malignancy_ratings")))
		copy_str(n->ratings, sizeof n->ratings, v);
	if ((v = nod_meta(f, k, "malignancy_mean")))
		n->mal_mean = atof(v);
	if ((v = nod_meta(f, k, "label")))
		copy_str(n->label, sizeof n->label, v);
}

/* Group components by gt value K when the frame describes nodule K. */
static int gt_groups(const lp_frame *f, const lp_channel *gt, const lp_cc *cc,
                     int32_t *grp, long *key)
{
	int32_t n = lp_cc_count(cc), ng = 0;
	for (int32_t l = 1; l <= n; l++) {
		long k = (long)lp_channel_get(gt, (size_t)lp_cc_stat(cc, l)->first);
		grp[l] = -1;
		if (has_nodule_meta(f, k))
			for (int32_t m = 1; m < l; m++)
				if (key[m] == k) {
					grp[l] = grp[m];
					break;
				}
		key[l] = k;
		if (grp[l] < 0)
			grp[l] = ng++;
	}
	return ng;
}

int lp_nodules_from_gt(const lp_frame *f, const lp_channel *gt, lp_nodules *l)
{
	int64_t n = lp_frame_nvox(f);
	uint8_t *m = lp_malloc((size_t)n);
	if (!m)
		return -1;
	if (gt->dtype == LP_U8) {
		const uint8_t *g = gt->data;
		for (int64_t i = 0; i < n; i++)
			m[i] = g[i] != 0;
	} else {
		for (int64_t i = 0; i < n; i++)
			m[i] = lp_channel_get(gt, (size_t)i) != 0;
	}
	lp_cc *cc = lp_cc_compute(m, f->dim, 26);
	free(m);
	if (!cc)
		return -1;
	int32_t nc = lp_cc_count(cc);
	int32_t *grp = lp_calloc((size_t)nc + 1, sizeof *grp);
	long *key = lp_calloc((size_t)nc + 1, sizeof *key);
	lp_cc_stats *st = lp_calloc((size_t)nc + 1, sizeof *st);
	int rc = grp && key && st ? 0 : -1;
	int ng = rc ? 0 : gt_groups(f, gt, cc, grp, key);
	long *gkey = rc ? NULL : lp_calloc((size_t)ng + 1, sizeof *gkey);
	for (int32_t c = 1; gkey && c <= nc; c++) {
		lp_cc_stats *g = &st[grp[c]];
		if (g->count == 0)
			*g = *lp_cc_stat(cc, c);
		else
			merge_stats(g, lp_cc_stat(cc, c));
		gkey[grp[c]] = key[c];
	}
	for (int g = 0; gkey && g < ng; g++) {
		lp_nodule *nod = add_nodule(l);
		if (!nod) {
			rc = -1;
			break;
		}
		gt_nodule(f, &st[g], gkey[g], g + 1, nod);
	}
	rc = gkey ? rc : -1;
	free(gkey);
	free(grp);
	free(key);
	free(st);
	lp_cc_free(cc);
	return rc;
}

/* ---- slices of a CSV nodule's gt mask ---- */

static int64_t clampi(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Nearest gt voxel to c within r mm: linear index or -1. */
static int64_t nearest_gt(const lp_frame *f, const lp_channel *gt,
                          const double c[3], double r)
{
	int64_t lo[3], hi[3], best = -1;
	double bd = INFINITY;
	for (int a = 0; a < 3; a++) {
		lo[a] = clampi((int64_t)floor(c[a] - r / f->spacing[a]), 0, f->dim[a] - 1);
		hi[a] = clampi((int64_t)ceil(c[a] + r / f->spacing[a]), 0, f->dim[a] - 1);
	}
	for (int64_t z = lo[2]; z <= hi[2]; z++)
		for (int64_t y = lo[1]; y <= hi[1]; y++)
			for (int64_t x = lo[0]; x <= hi[0]; x++) {
				int64_t i = x + f->dim[0] * (y + f->dim[1] * z);
				if (lp_channel_get(gt, (size_t)i) == 0)
					continue;
				double dx = ((double)x - c[0]) * f->spacing[0],
				       dy = ((double)y - c[1]) * f->spacing[1],
				       dz = ((double)z - c[2]) * f->spacing[2];
				double d = dx * dx + dy * dy + dz * dz;
				if (d < bd && d <= r * r) {
					bd = d;
					best = i;
				}
			}
	return best;
}

/* z range of the 26-connected gt region holding voxel seed, flooded within
 * a box of +-FLOOD_MM around it. */
#define FLOOD_MM 60.0
static int flood_z(const lp_frame *f, const lp_channel *gt, int64_t seed,
                   int64_t *zlo, int64_t *zhi)
{
	int64_t s[3] = { seed % f->dim[0], seed / f->dim[0] % f->dim[1],
	                 seed / (f->dim[0] * f->dim[1]) }, lo[3], bd[3];
	for (int a = 0; a < 3; a++) {
		int64_t r = (int64_t)(FLOOD_MM / f->spacing[a]) + 1;
		lo[a] = clampi(s[a] - r, 0, f->dim[a] - 1);
		bd[a] = clampi(s[a] + r, 0, f->dim[a] - 1) - lo[a] + 1;
	}
	int64_t nb = bd[0] * bd[1] * bd[2], sp = 0;
	uint8_t *seen = lp_calloc((size_t)nb, 1);
	int64_t *stack = lp_malloc((size_t)nb * sizeof *stack);
	if (!seen || !stack) {
		free(seen);
		free(stack);
		return -1;
	}
	*zlo = *zhi = s[2];
	int64_t b0 = (s[0] - lo[0]) + bd[0] * ((s[1] - lo[1]) + bd[1] * (s[2] - lo[2]));
	seen[b0] = 1;
	stack[sp++] = b0;
	while (sp) {
		int64_t b = stack[--sp];
		int64_t p[3] = { b % bd[0], b / bd[0] % bd[1], b / (bd[0] * bd[1]) };
		int64_t z = p[2] + lo[2];
		*zlo = z < *zlo ? z : *zlo;
		*zhi = z > *zhi ? z : *zhi;
		for (int d = 0; d < 27; d++) {
			int64_t q[3] = { p[0] + d % 3 - 1, p[1] + d / 3 % 3 - 1,
			                 p[2] + d / 9 - 1 };
			if (q[0] < 0 || q[1] < 0 || q[2] < 0 || q[0] >= bd[0] ||
			    q[1] >= bd[1] || q[2] >= bd[2])
				continue;
			int64_t nbi = q[0] + bd[0] * (q[1] + bd[1] * q[2]);
			int64_t g = (q[0] + lo[0]) + f->dim[0] * ((q[1] + lo[1]) +
			                                f->dim[1] * (q[2] + lo[2]));
			if (seen[nbi] || lp_channel_get(gt, (size_t)g) == 0)
				continue;
			seen[nbi] = 1;
			stack[sp++] = nbi;
		}
	}
	free(seen);
	free(stack);
	return 0;
}

int lp_nodule_gt_slices(const lp_frame *f, const lp_channel *gt,
                        const double c[3], lp_nodule *n)
{
	double r = isnan(n->diameter) || n->diameter < 6 ? 3 : n->diameter / 2;
	int64_t seed = nearest_gt(f, gt, c, r);
	if (seed < 0)
		return 1;
	if (flood_z(f, gt, seed, &n->zlo, &n->zhi))
		return -1;
	return 0;
}
