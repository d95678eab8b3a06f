/* lp_phantom.h - synthetic chest CT scans with labelled lung nodules.
 *
 * The generator behind ct-phantom(1): LUNA16-like int16 HU volumes of a
 * chest (body, fat, muscle, ribs, spine, mediastinum, heart, two lungs with
 * parenchymal texture, branching vessels and airways, blur and correlated
 * noise) with nodules of several kinds, each with a ground-truth mask and
 * four simulated readers' malignancy ratings.  The same nodule model can be
 * inserted into a real scan (lp_phantom_insert).
 *
 * Everything is a function of (seed, scan index): scan i is the same bytes
 * whatever the number of scans made and whatever the number of threads.
 *
 * Conventions:
 *  - geometry LPS, identity direction, x fastest (lp_frame.h); slice index
 *    grows towards the head (superior), as in LUNA16;
 *  - channel "image" i16 HU, channel "gt" u8 (0 background, k = the voxels
 *    of nodule k, k = 1..n), optional channel "lung" u8 (1 right lung,
 *    2 left lung; only for synthetic scans);
 *  - a nodule's label comes from the mean of its four ratings: below 3
 *    benign, above 3 malignant; the generator never produces a mean of
 *    exactly 3 (the paper's "ignored" class) - see phantom_malig.c.
 */
#ifndef LP_PHANTOM_H
#define LP_PHANTOM_H

#include <stdint.h>
#include <stdio.h>
#include "lp_frame.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Synthetic series UIDs are ROOT.<decimal 128-bit version-8 UUID hashed
 * from seed and index> (ISO/IEC 9834-8 UUID-derived UIDs). */
#define LP_PHANTOM_UID_ROOT "2.25"
#define LP_PHANTOM_MAX_NODULES 50
#define LP_PHANTOM_READERS 4

typedef enum {
	LP_NOD_SOLID = 0,
	LP_NOD_PART_SOLID,
	LP_NOD_GGO,
	LP_NOD_CALCIFIED
} lp_nod_kind;

typedef enum {
	LP_ATT_ISOLATED = 0,
	LP_ATT_VASCULAR,
	LP_ATT_PLEURAL
} lp_nod_attach;

typedef enum {
	LP_SHAPE_SMOOTH = 0,
	LP_SHAPE_LOBULATED,
	LP_SHAPE_SPICULATED
} lp_nod_shape;

typedef struct {
	int id;                  /* 1..n, the nodule's value in "gt" */
	lp_nod_kind kind;
	lp_nod_attach attach;
	lp_nod_shape shape;
	double design_mm;        /* diameter drawn from the size model */
	double diameter_mm;      /* volume-equivalent diameter as rendered */
	double center_world[3];  /* centroid of the mask, mm */
	double center_voxel[3];  /* the same in voxel indices */
	int64_t nvox;            /* voxels in the mask */
	double p_malignant;      /* the morphology model's probability */
	int ratings[LP_PHANTOM_READERS]; /* 1..5 */
	double rating_mean;
	int malignant;           /* 1 malignant, 0 benign (from rating_mean) */
	int flipped;             /* 1 if label noise reversed the ratings */
} lp_nodule;

typedef struct {
	int64_t size;       /* in-plane voxels (nx = ny), 32..1024 */
	int64_t slices;     /* 0 = from the scan's z extent and spacing */
	double spacing[3];  /* 0 = drawn per scan (see lp_phantom_make) */
	int nod_min, nod_max;   /* nodules per scan */
	double dmin, dmax;      /* nodule diameters, mm (3..30) */
	double label_noise;     /* probability of reversing a nodule's ratings */
	uint64_t seed;
	int want_lung;          /* add the "lung" channel (synthetic only) */
} lp_phantom_opts;

void lp_phantom_opts_init(lp_phantom_opts *o);

/* Make synthetic scan number `index` (0-based): f (initialised by the call)
 * gets dims, geometry, channels image and gt (and lung) and the metadata of
 * lp_phantom_meta; *nod (malloc'd, may be NULL when *nnod == 0) the nodules.
 * Spacing when not fixed: in-plane U(0.6, 0.9) mm * 512/size, slices one of
 * 1, 1.25, 1.5, 2, 2.5 mm; the z extent is 280-330 mm (with o->slices set
 * and no z spacing, the slice spacing is extent/slices).
 * Returns 0 or -1 (LP_EX_USAGE for bad options, LP_EX_OSERR). */
int lp_phantom_make(const lp_phantom_opts *o, int64_t index, lp_frame *f,
                    lp_nodule **nod, int *nnod);

/* Insert nodules into a real scan: f holds an "image" channel (any dtype,
 * HU); it is converted to i16 and a "gt" channel is added.  Lungs are found
 * by threshold (< -400 HU inside the body, 2-D border air removed, largest
 * components, holes filled); nodules are blended with the scan's noise.
 * Metadata as lp_phantom_meta plus background_* keys.  Returns 0 or -1
 * (LP_EX_DATAERR when no lung is found). */
int lp_phantom_insert(const lp_phantom_opts *o, int64_t index, lp_frame *f,
                      lp_nodule **nod, int *nnod);

/* The synthetic series UID of scan `index`. */
void lp_phantom_uid(uint64_t seed, int64_t index, char *buf, size_t n);

/* Metadata: series_uid, patient_id, source, synthetic, nodules, and per
 * nodule k: nodule.k.center_world, .center_voxel, .diameter_mm,
 * .malignancy_ratings ("4,5,4,5"), .malignancy_mean, .label, .kind,
 * .attachment, .shape, .p_malignant. */
int lp_phantom_meta(lp_frame *f, const char *uid, const lp_nodule *nod,
                    int n);

/* annotations.csv: LUNA16's columns plus ours (see ct-phantom(1)). */
int lp_phantom_csv_header(FILE *fp);
int lp_phantom_csv_rows(FILE *fp, const char *uid, const lp_nodule *nod,
                        int n);

const char *lp_nod_kind_name(lp_nod_kind k);
const char *lp_nod_attach_name(lp_nod_attach a);
const char *lp_nod_shape_name(lp_nod_shape s);

#ifdef __cplusplus
}
#endif

#endif
