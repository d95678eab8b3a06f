/* phantom_organs.c - inside the rib cage: the diaphragm domes and the upper
 * abdomen below them (liver, stomach with its gas, spleen), the mediastinum
 * (fat, heart with epicardial fat, the spaces of the aorta and oesophagus),
 * the thoracic inlet above the lungs, and the two lungs. */
#include <math.h>
#include "phantom_int.h"

double ph_dome(const ph_anat *a, double u, double v)
{
	int side = u < 0 ? 0 : 1;
	double ud = (side ? 0.42 : -0.42) * a->A, vd = -0.05 * a->B;
	double x = (u - ud) / (0.62 * a->A), y = (v - vd) / (0.95 * a->B);
	double q = 1 - x * x - y * y;
	return a->zb + (q > 0 ? a->dome[side] * pow(q, 0.75) : 0);
}

static float abdomen(const ph_anat *a, const ph_slice *s, double u, double v,
                     double zd)
{
	double x, y, z, e;
	if (u < 20)
		return 58.0f; /* liver */
	x = (u - 0.4 * a->A) / (0.32 * a->A);
	y = (v + 0.25 * a->B) / (0.4 * a->B);
	z = (s->z - (zd - 35)) / 40;
	e = x * x + y * y + z * z;
	if (e < 1)
		return z > 0.35 ? -1000.0f : 30.0f; /* stomach: gas over fluid */
	if (e < 1.25)
		return 40.0f;                        /* its wall */
	return v > 0 ? 48.0f : -90.0f;           /* spleen, fat */
}

static int heart(const ph_anat *a, const ph_slice *s, double u, double v,
                 float *hu)
{
	double x = (u - a->heart[0]) / a->heart_ax[0];
	double y = (v - a->heart[1]) / a->heart_ax[1];
	double z = (s->z - a->heart[2]) / a->heart_ax[2];
	double e = x * x + y * y + z * z;
	if (e >= 1)
		return 0;
	*hu = sqrt(e) > 1 - 5.0 / a->heart_ax[1] ? -85.0f : (float)a->hu_heart;
	return 1;
}

/* Half width of the mediastinum at (v, t). */
static double strip(const ph_anat *a, const ph_slice *s, double v)
{
	double mid = 14 + 14 * ph_sstep(0.4, 0.6, s->t), w, b;
	b = 8 * exp(-((v + 0.15 * a->B) / 30) * ((v + 0.15 * a->B) / 30));
	w = mid + b + (8 - mid) * ph_sstep(-0.35 * a->B, -0.75 * a->B, v);
	return w + (34 - w) * ph_sstep(a->v_spine - 50, a->v_spine - 28, v);
}

static int mediastinum(const ph_anat *a, const ph_slice *s, double u,
                       double v, float *hu)
{
	double du, dv;
	if (heart(a, s, u, v, hu))
		return 1;
	du = u - 8;
	dv = v - (a->v_spine - 24);
	if (du * du + dv * dv < 49) {
		*hu = 40.0f; /* oesophagus */
		return 1;
	}
	*hu = -90.0f;
	if (fabs(u) < strip(a, s, v) +
	                  6 * ph_vnoise(a->tex ^ 0x3d, u / 25, v / 25, s->z / 25))
		return 1;
	du = u - 22;
	dv = v - a->v_ao;
	if (s->z < a->z_arch + 10 && du * du + dv * dv < 17 * 17)
		return 1;
	if (fabs(s->z - a->z_arch) < 22) {
		/* around the arch: a capsule from (8, -25) to (22, v_ao) */
		double ex = 14, ey = a->v_ao + 25, px = u - 8, py = v + 25;
		double t = ph_clamp((px * ex + py * ey) / (ex * ex + ey * ey), 0, 1);
		px -= t * ex;
		py -= t * ey;
		if (px * px + py * py < 17 * 17)
			return 1;
	}
	return 0;
}

static float inlet(const ph_anat *a, const ph_slice *s, double u, double v)
{
	float n = ph_vnoise(a->tex ^ 991, u / 14, v / 14, s->z / 14);
	return n > 0.15f ? -90.0f : 40.0f;
}

float ph_cavity(const ph_anat *a, const ph_slice *s, double u, double v,
                uint8_t *label)
{
	double zd = ph_dome(a, u, v), x, y;
	float hu;
	int side = u < 0 ? 0 : 1;
	if (s->z < zd)
		return abdomen(a, s, u, v, zd);
	if (mediastinum(a, s, u, v, &hu))
		return hu;
	if (s->inlet)
		return inlet(a, s, u, v);
	if (s->cap < 1) {
		x = (u - (side ? 0.45 : -0.45) * a->A) / (0.47 * a->A * s->cap);
		y = (v - 0.1 * a->B) / (0.8 * a->B * s->cap);
		if (x * x + y * y >= 1)
			return inlet(a, s, u, v);
	}
	*label = side ? PH_L_LLUNG : PH_L_RLUNG;
	return (float)a->hu_lung;
}
