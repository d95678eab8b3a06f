/* lp_roi.h - nodule lists (LUNA16-style CSV or a gt channel) and axial
 * patches around them, with the paper's six-fold augmentation.
 *
 * A patch of size n x n x depth centred on voxel c of a volume covers the
 * voxels c[0]-n/2 .. c[0]-n/2+n-1 (same in y) and c[2]-depth/2 ..
 * c[2]-depth/2+depth-1, so the centre lies at patch voxel
 * (n/2, n/2, depth/2).  Voxels outside the volume are padded: -1000 HU
 * for channels in HU, the value -1000 HU maps to for windowed channels,
 * 0 for everything else (masks).  Every channel is cropped the same way.
 *
 * Augmentations are six distinct elements of the symmetry group of the
 * square (in-plane, applied to every slice of the patch), each invertible.
 * With h = n/2 (integer division) and the offsets (du, dv) = (u-h, v-h) of
 * patch voxel (u, v) from the patch centre, the patch voxel takes the
 * voxel at offset (da, db) from the nodule's centre voxel:
 *   identity   (da, db) = (du, dv)
 *   flip_x     (da, db) = (-du, dv)
 *   flip_y     (da, db) = (du, -dv)
 *   rot90      (da, db) = (dv, -du)     (a quarter turn)
 *   rot180     (da, db) = (-du, -dv)
 *   transpose  (da, db) = (dv, du)
 * So the centre voxel stays at (h, h) under every augmentation (for even n
 * a flipped patch covers a window shifted by one voxel).  The patch's
 * geometry (origin, spacing, direction) is transformed with it, so the
 * world position of every patch voxel stays exact.
 */
#ifndef LP_ROI_H
#define LP_ROI_H

#include "lp_frame.h"

enum {
	LP_AUG_IDENTITY, LP_AUG_FLIP_X, LP_AUG_FLIP_Y, LP_AUG_ROT90,
	LP_AUG_ROT180, LP_AUG_TRANSPOSE, LP_AUG_N
};

const char *lp_aug_name(int aug);
/* Source voxel (a, b) of patch voxel (u, v) for a patch of side n, both
 * relative to the unaugmented window (a = u for the identity). */
void lp_aug_map(int aug, int64_t n, int64_t u, int64_t v, int64_t *a,
                int64_t *b);
/* The inverse: patch voxel (u, v) holding source voxel (a, b). */
void lp_aug_unmap(int aug, int64_t n, int64_t a, int64_t b, int64_t *u,
                  int64_t *v);

typedef struct {
	char series[128];  /* seriesuid ("" for gt nodules) */
	char id[64];       /* nodule id */
	double world[3];   /* centre, LPS mm */
	double diameter;   /* mm, NAN if unknown */
	char ratings[64];  /* malignancy ratings "5,5,5,4", "" if unknown */
	double mal_mean;   /* NAN if unknown */
	char label[32];    /* "benign", "malignant", "excluded", "nodule",
	                      "non-nodule", ... or "" */
	int line;          /* CSV line (0 for gt nodules) */
	int64_t zlo, zhi;  /* slices of its gt mask, -1 if unknown */
	int used;          /* matched a frame (set by the caller) */
} lp_nodule;

typedef struct {
	lp_nodule *v;
	int n;
	int nwarn;
	char **warn;       /* "file:line: problem" for each skipped row */
} lp_nodules;

void lp_nodules_free(lp_nodules *l);

/* Read a LUNA16-style CSV: columns seriesuid, coordX, coordY, coordZ
 * (required), diameter_mm, nodule_id, ratings / malignancy_ratings /
 * mal_details, malignancy_mean, label, class (optional, by name).  Rows
 * with bad numbers or the wrong number of fields are skipped and recorded
 * in l->warn.  Fails (LP_EX_DATAERR) when the file cannot be parsed at
 * all or a required column is missing. */
int lp_nodules_read_csv(const char *path, lp_nodules *l);

/* True if nodule n belongs to frame f: its seriesuid equals the frame's
 * series_uid metadata, or the stem of its source_file (LUNA16's
 * SERIESUID.mhd). */
int lp_nodule_matches(const lp_nodule *n, const lp_frame *f);

/* One nodule per connected component (26-neighbourhood) of gt != 0;
 * components with the same gt value K are one nodule when the frame has
 * metadata nodule.K.id or nodule.K.center_world (the labelled gt of
 * lidc-annot and ct-phantom); its id is then nodule.K.id, or K.  Centre: the frame's
 * nodule.K.center_world if present, else the component's centroid;
 * diameter, ratings, label from nodule.K.* when present, else the
 * volume-equivalent sphere diameter.  zlo/zhi: slices of the component.
 * Appends to l. */
int lp_nodules_from_gt(const lp_frame *f, const lp_channel *gt,
                       lp_nodules *l);

/* Slices of the gt component under (or nearest to, within the nodule's
 * radius) the centre voxel c, into n->zlo/zhi; 0 found, 1 none. */
int lp_nodule_gt_slices(const lp_frame *f, const lp_channel *gt,
                        const double c[3], lp_nodule *n);

/* Crop every channel of f around integer voxel c (size x size x depth),
 * apply augmentation aug; patch is initialised by the call and gets f's
 * metadata, kind=patch, augment=NAME and the transformed geometry. */
int lp_roi_crop(const lp_frame *f, const int64_t c[3], int64_t size,
                int64_t depth, int aug, lp_frame *patch);

/* The padding value of a channel (see above). */
double lp_roi_pad_value(const lp_channel *c);

#endif
