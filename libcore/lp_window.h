/* lp_window.h - mapping HU to a display/network window.
 *
 * A HU value h is mapped linearly: t = (h - wmin) / (wmax - wmin), clamped to
 * [0, 1]; u8 output is round(255 t) (half away from zero), f32 output is t.
 * The paper's window is [-1000, 400] HU.  Channels with units "HU" are
 * converted and get units "window" with wmin/wmax recorded; mask and other
 * channels are left untouched.
 */
#ifndef LP_WINDOW_H
#define LP_WINDOW_H

#include "lp_frame.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LP_WINDOW_MIN (-1000.0)
#define LP_WINDOW_MAX 400.0

/* One value: t in [0, 1]. */
double lp_window_t(double hu, double wmin, double wmax);
/* One value to u8: round(255 t). */
uint8_t lp_window_u8(double hu, double wmin, double wmax);

/* Window every HU channel of f in place, to dt (LP_U8 or LP_F32).
 * A channel already windowed (units "window") is an error (LP_EX_DATAERR)
 * unless force: then its values are first mapped back to HU with its
 * recorded window (lossy for u8) and windowed again.  Fails with
 * LP_EX_DATAERR when f has no HU or window channel, LP_EX_USAGE when
 * wmin >= wmax.  Sets metadata "hu_window" = "wmin,wmax". */
int lp_hu_window(lp_frame *f, double wmin, double wmax, lp_dtype dt,
                 int force);

#ifdef __cplusplus
}
#endif

#endif
