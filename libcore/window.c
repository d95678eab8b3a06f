/* window.c - HU windowing (see lp_window.h). */
#include "lp_window.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double lp_window_t(double hu, double wmin, double wmax)
{
	double t = (hu - wmin) / (wmax - wmin);
	return t < 0 ? 0 : t > 1 ? 1 : t;
}

uint8_t lp_window_u8(double hu, double wmin, double wmax)
{
	return (uint8_t)floor(255.0 * lp_window_t(hu, wmin, wmax) + 0.5);
}

/* The HU a channel value stands for (window channels mapped back). */
static double value_hu(const lp_channel *c, size_t i)
{
	double v = lp_channel_get(c, i);
	if (strcmp(c->units, LP_UNITS_WINDOW))
		return v;
	double t = c->dtype == LP_U8 ? v / 255.0 : v;
	return c->wmin + t * (c->wmax - c->wmin);
}

/* 16-bit integer inputs through a lookup table; others voxel by voxel. */
static void window_u8(const lp_channel *c, size_t n, uint8_t *d, double lo,
                      double hi)
{
	if (c->dtype == LP_I16 && strcmp(c->units, LP_UNITS_WINDOW)) {
		uint8_t *lut = malloc(65536);
		if (lut) {
			for (int v = -32768; v < 32768; v++)
				lut[v + 32768] = lp_window_u8(v, lo, hi);
			const int16_t *s = c->data;
#pragma omp parallel for schedule(static)
			for (size_t i = 0; i < n; i++)
				d[i] = lut[s[i] + 32768];
			free(lut);
			return;
		}
	}
#pragma omp parallel for schedule(static)
	for (size_t i = 0; i < n; i++)
		d[i] = lp_window_u8(value_hu(c, i), lo, hi);
}

static void window_f32(const lp_channel *c, size_t n, float *d, double lo,
                       double hi)
{
#pragma omp parallel for schedule(static)
	for (size_t i = 0; i < n; i++)
		d[i] = (float)lp_window_t(value_hu(c, i), lo, hi);
}

static int window_channel(lp_frame *f, lp_channel *c, double lo, double hi,
                          lp_dtype dt)
{
	size_t n = (size_t)lp_frame_nvox(f);
	void *d = lp_malloc(n * lp_dtype_size(dt));
	if (!d)
		return -1;
	if (dt == LP_U8)
		window_u8(c, n, d, lo, hi);
	else
		window_f32(c, n, d, lo, hi);
	free(c->data);
	c->data = d;
	c->dtype = dt;
	snprintf(c->units, sizeof c->units, "%s", LP_UNITS_WINDOW);
	c->wmin = lo;
	c->wmax = hi;
	return 0;
}

int lp_hu_window(lp_frame *f, double wmin, double wmax, lp_dtype dt,
                 int force)
{
	if (!(wmin < wmax) || !isfinite(wmin) || !isfinite(wmax))
		return lp_seterr(LP_EX_USAGE, "window min %g must be below "
		                 "max %g", wmin, wmax);
	if (dt != LP_U8 && dt != LP_F32)
		return lp_seterr(LP_EX_USAGE, "window output must be u8 or f32");
	int todo = 0;
	for (int i = 0; i < f->nch; i++) {
		lp_channel *c = &f->ch[i];
		if (!strcmp(c->units, LP_UNITS_WINDOW) && !force)
			return lp_seterr(LP_EX_DATAERR, "channel '%s' is already "
			                 "windowed [%g, %g] HU (force to "
			                 "window again)", c->name, c->wmin,
			                 c->wmax);
		if (!strcmp(c->units, LP_UNITS_WINDOW) &&
		    !(c->wmin < c->wmax))
			return lp_seterr(LP_EX_DATAERR, "channel '%s': invalid "
			                 "recorded window", c->name);
		if (!strcmp(c->units, LP_UNITS_HU) ||
		    !strcmp(c->units, LP_UNITS_WINDOW))
			todo++;
	}
	if (!todo)
		return lp_seterr(LP_EX_DATAERR, "no channel in HU to window");
	for (int i = 0; i < f->nch; i++) {
		lp_channel *c = &f->ch[i];
		if ((!strcmp(c->units, LP_UNITS_HU) ||
		     !strcmp(c->units, LP_UNITS_WINDOW)) &&
		    window_channel(f, c, wmin, wmax, dt) < 0)
			return -1;
	}
	return lp_meta_setf(f, "hu_window", "%g,%g", wmin, wmax);
}
