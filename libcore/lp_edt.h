/* lp_edt.h - exact Euclidean distance transform (Felzenszwalb & Huttenlocher,
 * "Distance Transforms of Sampled Functions", 2012): separable lower envelope
 * of parabolas, one pass per axis, O(n) per line.  Anisotropic voxel spacing,
 * 1-D, 2-D and 3-D (an axis of length 1 costs nothing).
 *
 * The result is exact (up to floating point rounding of the squared
 * distances, which are sums of squared multiples of the spacings): the same
 * as scipy.ndimage.distance_transform_edt(seed == 0, sampling=spacing).
 */
#ifndef LP_EDT_H
#define LP_EDT_H

#include <stdint.h>

/* For every voxel, the squared distance (in spacing units, e.g. mm^2) to the
 * nearest voxel with seed[i] != 0.  Voxels are x fastest:
 * i = x + dim[0]*(y + dim[1]*z).  spacing[a] > 0.  If there is no seed at all
 * every output is +INFINITY.  out must hold dim[0]*dim[1]*dim[2] doubles.
 * Returns 0, or -1 (LP_EX_USAGE for bad dims/spacing, LP_EX_OSERR). */
int lp_edt_sq(const uint8_t *seed, const int64_t dim[3],
              const double spacing[3], double *out);

/* The same followed by a square root: Euclidean distance. */
int lp_edt(const uint8_t *seed, const int64_t dim[3], const double spacing[3],
           double *out);

#endif
