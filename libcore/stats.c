/* stats.c - one-pass summary statistics of a channel (see lp_stats.h). */
#include <math.h>
#include <string.h>

#include "lp_stats.h"

#define BLOCK 65536

typedef struct {
	double sum, sumsq, shift;
	double min, max;
	int64_t nfinite, nnan, ninf, nonzero;
} acc;

static void acc_init(acc *a)
{
	memset(a, 0, sizeof *a);
	a->min = INFINITY;
	a->max = -INFINITY;
}

/* Integer types: exact 64-bit sums per block.  SQ is the type the squares
 * are summed in (int64_t for 8/16-bit values, double for 32-bit ones). */
#define INT_STATS(NAME, T, SQ)                                              \
	static void NAME(const T *p, size_t n, acc *a)                      \
	{                                                                   \
		for (size_t b = 0; b < n; b += BLOCK) {                     \
			size_t e = n - b > BLOCK ? b + BLOCK : n;           \
			T lo = p[b], hi = p[b];                             \
			int64_t s = 0, nz = 0;                              \
			SQ q = 0;                                           \
			for (size_t i = b; i < e; i++) {                    \
				T v = p[i];                                 \
				lo = v < lo ? v : lo;                       \
				hi = v > hi ? v : hi;                       \
				s += v;                                     \
				q += (SQ)v * (SQ)v;                         \
				nz += v != 0;                               \
			}                                                   \
			a->sum += (double)s;                                \
			a->sumsq += (double)q;                              \
			a->nonzero += nz;                                   \
			if (lo < a->min)                                    \
				a->min = lo;                                \
			if (hi > a->max)                                    \
				a->max = hi;                                \
		}                                                           \
		a->nfinite = (int64_t)n;                                    \
	}

INT_STATS(stats_u8, uint8_t, int64_t)
INT_STATS(stats_i8, int8_t, int64_t)
INT_STATS(stats_u16, uint16_t, int64_t)
INT_STATS(stats_i16, int16_t, int64_t)
INT_STATS(stats_u32, uint32_t, double)
INT_STATS(stats_i32, int32_t, double)

/* Floating types: sums of (v - shift) in double, shift = first finite. */
#define FLT_STATS(NAME, T)                                                  \
	static void NAME(const T *p, size_t n, acc *a)                      \
	{                                                                   \
		int have = 0;                                               \
		for (size_t i = 0; i < n; i++) {                            \
			double v = p[i];                                    \
			if (isnan(v)) {                                     \
				a->nnan++;                                  \
				a->nonzero++;                               \
				continue;                                   \
			}                                                   \
			a->nonzero += v != 0;                               \
			if (v < a->min)                                     \
				a->min = v;                                 \
			if (v > a->max)                                     \
				a->max = v;                                 \
			if (isinf(v)) {                                     \
				a->ninf++;                                  \
				continue;                                   \
			}                                                   \
			if (!have) {                                        \
				a->shift = v;                               \
				have = 1;                                   \
			}                                                   \
			double d = v - a->shift;                            \
			a->sum += d;                                        \
			a->sumsq += d * d;                                  \
			a->nfinite++;                                       \
		}                                                           \
	}

FLT_STATS(stats_f32, float)
FLT_STATS(stats_f64, double)

static void finish(const acc *a, size_t n, lp_stats *s)
{
	memset(s, 0, sizeof *s);
	s->n = (int64_t)n;
	s->nfinite = a->nfinite;
	s->nnan = a->nnan;
	s->ninf = a->ninf;
	s->nonzero = a->nonzero;
	int any = a->nfinite + a->ninf > 0;
	s->min = any ? a->min : NAN;
	s->max = any ? a->max : NAN;
	if (a->nfinite == 0) {
		s->mean = s->std = NAN;
		return;
	}
	double m = a->sum / (double)a->nfinite;
	double var = a->sumsq / (double)a->nfinite - m * m;
	s->mean = m + a->shift;
	s->std = isnan(var) ? NAN : var > 0 ? sqrt(var) : 0.0;
	s->sum = a->sum + a->shift * (double)a->nfinite;
}

int lp_stats_compute(const void *data, lp_dtype dt, size_t n, lp_stats *s)
{
	acc a;
	acc_init(&a);
	switch (dt) {
	case LP_U8: stats_u8(data, n, &a); break;
	case LP_I8: stats_i8(data, n, &a); break;
	case LP_U16: stats_u16(data, n, &a); break;
	case LP_I16: stats_i16(data, n, &a); break;
	case LP_U32: stats_u32(data, n, &a); break;
	case LP_I32: stats_i32(data, n, &a); break;
	case LP_F32: stats_f32(data, n, &a); break;
	case LP_F64: stats_f64(data, n, &a); break;
	default:
		memset(s, 0, sizeof *s);
		return lp_seterr(LP_EX_UNSUPPORTED, "statistics: unknown dtype %d",
		                 (int)dt);
	}
	finish(&a, n, s);
	return 0;
}

int lp_channel_stats(const lp_frame *f, const lp_channel *c, lp_stats *s)
{
	return lp_stats_compute(c->data, c->dtype, (size_t)lp_frame_nvox(f), s);
}
