/* lp_resample.h - resampling a frame to a new voxel spacing.
 *
 * The output grid keeps the input's origin (the centre of voxel 0,0,0) and
 * direction; only the spacing changes.  Along each axis the output size is
 *
 *     n' = floor((n - 1) * s / s') + 1
 *
 * (plastimatch's rule): every output voxel centre lies inside the extent of
 * the input voxel centres, so no value is extrapolated.  SimpleITK's common
 * recipe round(n * s / s') gives the same size or up to two voxels more at
 * the far end.
 *
 * Interpolation is separable, done in physical space along the voxel axes:
 *   nearest  the input voxel whose centre is nearest (ties go up);
 *   linear   trilinear;
 *   cubic    Catmull-Rom cubic convolution (Keys, a = -0.5), 4x4x4 taps,
 *            interpolating; edge voxels are replicated for taps outside.
 * Channels with units "mask" always use nearest (labels are never invented).
 * Integer outputs are rounded half away from zero and clamped to the dtype;
 * arithmetic is single precision (f64 channels lose precision beyond f32).
 */
#ifndef LP_RESAMPLE_H
#define LP_RESAMPLE_H

#include "lp_frame.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { LP_INTERP_NEAREST, LP_INTERP_LINEAR, LP_INTERP_CUBIC } lp_interp;

/* "nearest", "linear", "cubic" -> 0 and *out, or -1 (LP_EX_USAGE). */
int lp_interp_parse(const char *s, lp_interp *out);
const char *lp_interp_name(lp_interp m);

/* Output dims for resampling dims `dim` with spacing `sp` to `nsp`.
 * Returns 0, or -1 (LP_EX_DATAERR) when the result would be too large. */
int lp_resample_grid(const int64_t dim[3], const double sp[3],
                     const double nsp[3], int64_t odim[3]);

/* Resample one voxel array.  Output voxel (i,j,k) samples the input at
 * continuous index (i*scale[0], j*scale[1], k*scale[2]) (scale = s'/s).
 * src and dst have the same dtype. Multithreaded (OpenMP). */
int lp_resample_array(const void *src, const int64_t idim[3], lp_dtype dt,
                      void *dst, const int64_t odim[3], const double scale[3],
                      lp_interp m);

/* Resample every channel of `in` to spacing nsp into `out` (initialised by
 * the call; geometry and metadata copied, spacing and dims replaced).
 * Mask channels use nearest whatever m is.  Sets metadata
 * "resampled_from_spacing" and "resample_interp". */
int lp_resample(const lp_frame *in, const double nsp[3], lp_interp m,
                lp_frame *out);

#ifdef __cplusplus
}
#endif

#endif
