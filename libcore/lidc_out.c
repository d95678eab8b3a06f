/* lidc_out.c - the results of lidc-annot: the gt channel with per-nodule
 * metadata, and the LUNA16-style CSV. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lp_lidc.h"
#include "lp_ofile.h"

static const char *label_name(int label)
{
	return label == LIDC_BENIGN      ? "benign"
	       : label == LIDC_MALIGNANT ? "malignant"
	                                 : "excluded";
}

static void paint(lp_channel *gt, const lp_frame *f, const lidc_box *b,
                  uint8_t v)
{
	uint8_t *g = gt->data;
	for (int64_t z = 0; z < b->n[2]; z++)
		for (int64_t y = 0; y < b->n[1]; y++)
			for (int64_t x = 0; x < b->n[0]; x++) {
				if (!b->m[(z * b->n[1] + y) * b->n[0] + x])
					continue;
				size_t at = (size_t)(x + b->o[0]) +
				            (size_t)f->dim[0] *
				                    ((size_t)(y + b->o[1]) +
				                     (size_t)f->dim[1] *
				                             (size_t)(z + b->o[2]));
				if (!g[at])
					g[at] = v;
			}
}

/* "a,b,c" of the ratings, or of reader:noduleID pairs */
static void ratings_text(const lidc_cluster *c, char sep, char *buf,
                         size_t cap)
{
	size_t k = 0;
	buf[0] = 0;
	for (int i = 0; i < c->nratings && k + 4 < cap; i++) {
		if (i)
			buf[k++] = sep;
		k += (size_t)snprintf(buf + k, cap - k, "%d", c->ratings[i]);
	}
}

static void readings_text(const lidc_doc *d, const lidc_cluster *c,
                         char *buf, size_t cap)
{
	size_t k = 0;
	buf[0] = 0;
	for (int i = 0; i < c->nann && k + 8 < cap; i++) {
		const lidc_nodule *n = &d->nod[c->ann[i]];
		k += (size_t)snprintf(buf + k, cap - k, "%s%d:%s", i ? ";" : "",
		                      n->reader + 1, n->id);
	}
}

static int nodule_meta(lp_frame *f, const lidc_doc *d, const lidc_cluster *c,
                       int k)
{
	char key[64], buf[2048];
	int r = 0;
#define SETF(name, ...)                                                      \
	(snprintf(key, sizeof key, "nodule.%d." name, k),                    \
	 r |= lp_meta_setf(f, key, __VA_ARGS__))
	SETF("id", "%d", k);
	SETF("readers", "%d", c->nann);
	readings_text(d, c, buf, sizeof buf);
	SETF("readings", "%s", buf);
	SETF("center_world", "%.4f,%.4f,%.4f", c->center_world[0],
	     c->center_world[1], c->center_world[2]);
	SETF("center_voxel", "%.3f,%.3f,%.3f", c->center_vox[0],
	     c->center_vox[1], c->center_vox[2]);
	SETF("diameter_mm", "%.4f", c->diameter_mm);
	SETF("diameter_max_mm", "%.4f", c->diameter_max_mm);
	SETF("diameter_eq_mm", "%.4f", c->diameter_eq_mm);
	SETF("diameter_consensus_mm", "%.4f", c->diameter_cons_mm);
	SETF("volume_mm3", "%.4f", c->volume_mm3);
	SETF("voxels", "%lld", (long long)c->mask.count);
	ratings_text(c, ',', buf, sizeof buf);
	SETF("malignancy_ratings", "%s", buf);
	if (!isnan(c->mal_mean))
		SETF("malignancy_mean", "%.4f", c->mal_mean);
	SETF("label", "%s", label_name(c->label));
	SETF("consensus", "%s", c->fallback ? "union" : "level");
#undef SETF
	return r ? -1 : 0;
}

static int doc_meta(lp_frame *f, const lidc_doc *d, int n,
                    const char *series_uid, int binary)
{
	int r = 0, small = 0;
	for (int i = 0; i < d->nnod; i++)
		small += lidc_nodule_is_small(&d->nod[i]);
	if (series_uid && *series_uid)
		r |= lp_meta_set(f, LP_META_SERIES, series_uid);
	r |= lp_meta_set(f, "lidc_xml", d->path);
	r |= lp_meta_setf(f, "lidc_readers", "%d", d->nreaders);
	r |= lp_meta_setf(f, "lidc_small_nodules", "%d", small);
	r |= lp_meta_setf(f, "lidc_non_nodules", "%d", d->nnon);
	r |= lp_meta_setf(f, "nodules", "%d", n);
	r |= lp_meta_set(f, "gt_values", binary ? "1 = any nodule"
	                                        : "K = nodule K (nodule.K.*)");
	for (int i = 0; i < d->nnon; i++) {
		const lidc_nonnodule *m = &d->non[i];
		if (m->slice < 0)
			continue;
		double ijk[3] = {m->x, m->y, (double)m->slice}, w[3];
		lp_index_to_world(f, ijk, w);
		char key[64];
		snprintf(key, sizeof key, "non_nodule.%d.center_world", i + 1);
		r |= lp_meta_setf(f, key, "%.4f,%.4f,%.4f", w[0], w[1], w[2]);
	}
	return r ? -1 : 0;
}

int lidc_add_gt(lp_frame *f, const lidc_doc *d, const lidc_cluster *c, int n,
                const char *series_uid, int binary)
{
	if (n > 255 && !binary)
		return lp_seterr(LP_EX_UNSUPPORTED,
		                 "%s: %d nodules do not fit a u8 gt channel "
		                 "(use binary values)", d->path, n);
	if (lp_frame_channel(f, LP_CH_GT))
		lp_frame_remove_channel(f, LP_CH_GT);
	lp_channel *gt = lp_frame_add_channel(f, LP_CH_GT, LP_U8,
	                                      LP_UNITS_MASK);
	if (!gt)
		return -1;
	for (int k = 0; k < n; k++)
		if (c[k].mask.n[0])
			paint(gt, f, &c[k].mask, binary ? 1 : (uint8_t)(k + 1));
	if (doc_meta(f, d, n, series_uid, binary) < 0)
		return -1;
	for (int k = 0; k < n; k++)
		if (nodule_meta(f, d, &c[k], k + 1) < 0)
			return -1;
	return 0;
}

/* ---- CSV --------------------------------------------------------------- */

static void csv_rows(FILE *fp, const lidc_cluster *c, int n,
                     const char *uid)
{
	fprintf(fp, "seriesuid,coordX,coordY,coordZ,diameter_mm,nodule_id,"
	            "readers,ratings,malignancy_mean,label\n");
	for (int k = 0; k < n; k++) {
		char rt[512], mean[32] = "";
		ratings_text(&c[k], ';', rt, sizeof rt);
		if (!isnan(c[k].mal_mean))
			snprintf(mean, sizeof mean, "%.4f", c[k].mal_mean);
		fprintf(fp, "%s,%.6f,%.6f,%.6f,%.4f,%d,%d,%s,%s,%d\n", uid,
		        c[k].center_world[0], c[k].center_world[1],
		        c[k].center_world[2], c[k].diameter_mm, k + 1,
		        c[k].nann, rt, mean, c[k].label);
	}
}

int lidc_write_csv(const char *path, const lidc_doc *d, const lidc_cluster *c,
                   int n, const char *series_uid)
{
	const char *uid = series_uid && *series_uid ? series_uid : "";
	(void)d;
	lp_ofile *o = lp_ofile_open(path);
	if (!o)
		return -1;
	csv_rows(o->fp, c, n, uid);
	return lp_ofile_commit(o);
}
