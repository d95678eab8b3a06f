/* lp_stats.h - summary statistics of a channel's values (one pass).
 *
 * min/max/mean/std are over the finite values; NaNs are counted in nnan and
 * otherwise ignored; infinities are counted in ninf and excluded from the
 * mean/std but included in min/max.  Integer channels are summed exactly
 * (64-bit) per block, so the mean is accurate to double precision. */
#ifndef LP_STATS_H
#define LP_STATS_H

#include "lp_frame.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
	int64_t n;       /* values scanned */
	int64_t nfinite; /* values used for mean/std */
	int64_t nnan;
	int64_t ninf;
	int64_t nonzero; /* values != 0 (NaN counts as nonzero) */
	double min, max; /* NaN when no value is finite or infinite */
	double mean, std; /* population std; NaN when nfinite == 0 */
	double sum;      /* sum of the finite values */
} lp_stats;

/* Statistics of n values of type dt at data.  Returns 0, or -1 for an
 * unknown dtype (LP_EX_UNSUPPORTED). */
int lp_stats_compute(const void *data, lp_dtype dt, size_t n, lp_stats *s);

/* Statistics of one channel of a frame. */
int lp_channel_stats(const lp_frame *f, const lp_channel *c, lp_stats *s);

#ifdef __cplusplus
}
#endif

#endif
