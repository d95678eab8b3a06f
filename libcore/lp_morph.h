/* lp_morph.h - binary morphology on u8 masks (0 = off, nonzero = on):
 * 3-D connected components, dilation / erosion / closing / opening with a
 * ball (or an in-plane disk) of a radius in mm, and hole filling.
 *
 * Volumes are x fastest: i = x + dim[0]*(y + dim[1]*z).  Everything is
 * OpenMP-parallel.  Morphology uses an exact squared Euclidean distance
 * transform (separable, Felzenszwalb & Huttenlocher), so the structuring
 * element is the exact ball {d : |d * spacing| <= r} at any anisotropy and
 * radius, in O(n) per axis.
 */
#ifndef LP_MORPH_H
#define LP_MORPH_H

#include <stdint.h>

/* Work below this many voxels runs on one thread: on a busy machine every
 * parallel region costs a scheduler tick when a thread is descheduled. */
#define LP_PAR_MIN ((int64_t)1 << 18)

/* ---- connected components (run-length based union-find) ---- */

typedef struct {
	int64_t count;       /* voxels */
	int64_t lo[3], hi[3]; /* bounding box, inclusive */
	double sum[3];       /* sum of voxel indices (centroid = sum/count) */
	int64_t first;       /* linear index of its first voxel */
} lp_cc_stats;

typedef struct lp_cc lp_cc;

/* Label the connected components of mask != 0.  conn is 6 (faces) or 26
 * (faces, edges, corners); on a single slice (dim[2] == 1) these are the 4-
 * and 8-neighbourhoods.  Labels are 1..n in order of each component's first
 * voxel in memory order.  NULL on error (LP_EX_USAGE, LP_EX_OSERR). */
lp_cc *lp_cc_compute(const uint8_t *mask, const int64_t dim[3], int conn);
void lp_cc_free(lp_cc *cc);
int32_t lp_cc_count(const lp_cc *cc);
/* Statistics of component `label` (1..n); NULL if out of range. */
const lp_cc_stats *lp_cc_stat(const lp_cc *cc, int32_t label);
/* Write value[label] into out for every voxel of every component whose
 * value is nonzero; other voxels of out are left as they are.  value has
 * lp_cc_count()+1 entries (value[0] is ignored). */
void lp_cc_paint(const lp_cc *cc, const uint8_t *value, uint8_t *out);
/* The full label image (0 = background), dim[0]*dim[1]*dim[2] int32. */
void lp_cc_labels(const lp_cc *cc, int32_t *out);
/* True if the component touches the face of the volume: axis a, side 0
 * (index 0) or 1 (index dim[a]-1). */
int lp_cc_touches(const lp_cc *cc, int32_t label, int axis, int side);

/* ---- morphology ---- */

/* Flags. */
#define LP_MORPH_2D 1      /* work slice by slice (in-plane disk, not ball) */
#define LP_MORPH_OUTSIDE 2 /* voxels beyond the volume count as "on" */

/* out = mask dilated by the ball of radius r mm (spacing in mm).  in and
 * out may be the same buffer.  With LP_MORPH_OUTSIDE the (infinite)
 * outside is on, so everything within r of the border gets on too. */
int lp_dilate(const uint8_t *in, uint8_t *out, const int64_t dim[3],
              const double spacing[3], double r, int flags);
/* Erosion = not dilate(not in).  Without LP_MORPH_OUTSIDE the outside is
 * off, so objects touching the border are eroded from it (scipy's default
 * border_value=0); with it, they are not. */
int lp_erode(const uint8_t *in, uint8_t *out, const int64_t dim[3],
             const double spacing[3], double r, int flags);
/* Closing = erode(dilate(in)).  The erosion treats the outside as on, so
 * closing never removes voxels (closing is extensive). */
int lp_close(const uint8_t *in, uint8_t *out, const int64_t dim[3],
             const double spacing[3], double r, int flags);
/* Opening = dilate(erode(in)), outside off. */
int lp_open(const uint8_t *in, uint8_t *out, const int64_t dim[3],
            const double spacing[3], double r, int flags);

/* How dilation works: 0 = automatic (chords along x when the ball spans at
 * most a few hundred rows, else the distance transform), 2 = always the
 * distance transform.  Both give the same result; for tests/benchmarks. */
extern int lp_morph_method;

/* Squared distance (mm^2, float) from every voxel to the nearest "on"
 * voxel (+inf if none).  With LP_MORPH_OUTSIDE the outside counts as on.
 * With LP_MORPH_2D distances are in-plane only. */
int lp_edt_sqf(const uint8_t *in, float *d2, const int64_t dim[3],
               const double spacing[3], int flags);

/* Fill holes in place: off voxels not connected (6-neighbourhood, or 4
 * in-plane with LP_MORPH_2D) to the volume's border (slice border with
 * LP_MORPH_2D) are set to 1. */
int lp_fill_holes(uint8_t *mask, const int64_t dim[3], int flags);
/* The same for holes of at most maxvox voxels (per slice with
 * LP_MORPH_2D); maxvox <= 0 fills every hole. */
int lp_fill_holes_max(uint8_t *mask, const int64_t dim[3], int flags,
                      int64_t maxvox);

#endif
