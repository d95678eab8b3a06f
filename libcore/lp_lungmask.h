/* lp_lungmask.h - lung parenchyma mask of a chest CT volume.
 *
 * Steps (all on the voxel grid of the frame, axial slices = index axis 2):
 *  1. air = value < threshold (default -320 HU; converted to the channel's
 *     units when it holds a window, units "window").
 *  2. 3-D connected components of the air (6-neighbourhood); components
 *     touching the in-plane border of the volume (x or y faces) are the air
 *     outside the body.  The largest remaining component is the lungs (or
 *     one lung); the second largest is added when it holds >= 10 % of the
 *     first and reaches above the first's centroid (a second lung, not
 *     bowel gas).
 *  3. Trachea and main bronchi: a small (<= airway_mm2) air region near the
 *     body's midline in the top slices is followed downwards slice by
 *     slice (2-D components overlapping the airway of the slice above and
 *     still small) and removed.  Where the airway touches a lung in a
 *     slice, its lumen (below -950 HU, darker than parenchyma) under the
 *     airway above is removed with a 1.5 mm rim.
 *  4. The rest is labelled in 3-D again; components of >= 10 % of the
 *     largest are lungs.  A lung whose centroid lies on the patient's right
 *     (smaller LPS x than the body's midline) gets label 1, on the left 2.
 *     When both lungs form one component (touching at the anterior
 *     junction), each slice is cut at the column of fewest lung voxels
 *     within 40 mm of the midline.
 *  5. Each lung, slice by slice: closing with a disk of close_mm (so
 *     juxtapleural nodules and vessels at the border are inside), then
 *     filling of holes up to hole_mm2 (vessels and nodules inside the
 *     lung; not the liver or heart when the lung rings them in a slice).
 */
#ifndef LP_LUNGMASK_H
#define LP_LUNGMASK_H

#include "lp_frame.h"

#define LP_LUNG_RIGHT 1
#define LP_LUNG_LEFT 2

typedef struct {
	double threshold_hu; /* -320 */
	double close_mm;     /* 10; 0 = no closing */
	double min_ml;       /* smallest accepted lung component, 30 ml */
	double airway_mm2;   /* largest airway cross-section followed, 800 */
	double hole_mm2;     /* largest hole filled per slice, 2000 (a 50 mm
	                        disk: vessels and nodules, not the liver dome
	                        ringed by the lung's recesses) */
} lp_lungmask_opts;

typedef struct {
	double ml[3];          /* lungs total, right, left (ml) */
	double airway_ml;      /* removed trachea/bronchi */
	int nlungs;            /* lung components found (1 or 2, more rare) */
	int split;             /* lungs were one component, split per slice */
} lp_lungmask_info;

void lp_lungmask_defaults(lp_lungmask_opts *o);

/* Convert a HU value to the units of channel c: itself for units "HU",
 * the window mapping for units "window" (u8: 255 t, f32/f64: t, without
 * rounding or clamping when exact is set).  -1 (LP_EX_UNSUPPORTED) for
 * other units or dtypes. */
int lp_hu_to_channel(const lp_channel *c, double hu, int exact, double *v);

/* Compute the mask of channel c of f into out (lp_frame_nvox bytes):
 * 0 outside, LP_LUNG_RIGHT, LP_LUNG_LEFT.  Fails with LP_EX_DATAERR when
 * no lung is found, LP_EX_UNSUPPORTED for a channel that is neither HU nor
 * a window. */
int lp_lungmask(const lp_frame *f, const lp_channel *c,
                const lp_lungmask_opts *o, uint8_t *out,
                lp_lungmask_info *info);

/* Add a channel outname (NULL: "lung"; u8, units "mask") computed from
 * channel chname, record metadata lung_volume_ml = "total,right,left", and
 * unless keep_image set every voxel of chname outside the lungs to the
 * value of -1000 HU in its units.  A frame that already has a channel
 * outname is an error (LP_EX_DATAERR). */
int lp_lungmask_frame(lp_frame *f, const char *chname, const char *outname,
                      const lp_lungmask_opts *o, int keep_image,
                      lp_lungmask_info *info);

#endif
