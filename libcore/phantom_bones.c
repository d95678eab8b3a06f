/* phantom_bones.c - spine (vertebral bodies with discs, canal, arch,
 * spinous and transverse processes), ribs sloping down from back to front
 * with cortex and marrow, costal cartilage, sternum. */
#include <math.h>
#include "phantom_int.h"

#define HU_CORTEX 800.0f
#define HU_MARROW 230.0f

int ph_spine(const ph_anat *a, const ph_slice *s, double u, double v,
             float *hu)
{
	double vb = v - a->v_spine, cc = 27, e, ph = s->vphase;
	double au = fabs(u);
	if (au > 45 || vb < -20 || vb > 70)
		return 0;
	e = (u / 19) * (u / 19) + (vb / 16) * (vb / 16);
	if (e < 1) {
		*hu = ph < 5 ? 85.0f : e > 0.7 ? HU_CORTEX : HU_MARROW;
		return 1;
	}
	e = (u / 9) * (u / 9) + ((vb - cc) / 8) * ((vb - cc) / 8);
	if (e < 1) {
		*hu = 15.0f; /* cord and CSF */
		return 1;
	}
	e = (u / 15) * (u / 15) + ((vb - cc) / 14) * ((vb - cc) / 14);
	if (e < 1 && (vb > cc || (ph > 7 && ph < 22))) {
		*hu = e > 0.8 ? HU_CORTEX : 450.0f; /* pedicles and laminae */
		return 1;
	}
	if (au < 4.5 && vb > cc + 10 && vb < cc + 38 && ph > 3 && ph < 20) {
		*hu = 500.0f; /* spinous process */
		return 1;
	}
	if (fabs(vb - cc + 4 - 0.35 * au) < 5 && au < 34 && ph > 9 && ph < 20) {
		*hu = au > 28 ? 300.0f : 550.0f; /* transverse processes */
		return 1;
	}
	return 0;
}

/* How far towards the front (0 posterior .. 1 anterior) rib k's bone goes. */
static double rib_end(int k)
{
	if (k < 7)
		return 0.83;
	if (k < 10)
		return 0.8 - 0.06 * (k - 7);
	return 0.55;
}

int ph_ribs(const ph_anat *a, const ph_slice *s, double v, double r,
            double din, float *hu)
{
	double c = r > 1e-9 ? v / r : 0, f = (1 - c) / 2, kf, dz, dr, e;
	double hr = a->cage * 0.36, hz = 5.5;
	int k;
	kf = (a->rib_top - a->rib_drop * pow(f, 1.3) - s->z) / a->rib_dz;
	k = (int)lround(kf);
	if (k < 0 || k >= a->nrib)
		return 0;
	dz = (kf - k) * a->rib_dz;
	dr = din - a->cage / 2;
	if (f > rib_end(k)) {
		/* costal cartilage towards the sternum, thinner */
		if (k >= 10 || f > 0.95)
			return 0;
		e = (dr / (hr * 0.8)) * (dr / (hr * 0.8)) + (dz / 4.5) * (dz / 4.5);
		if (e >= 1)
			return 0;
		*hu = 110.0f;
		return 1;
	}
	e = (dr / hr) * (dr / hr) + (dz / hz) * (dz / hz);
	if (e >= 1)
		return 0;
	*hu = e > 0.45 ? HU_CORTEX : HU_MARROW;
	return 1;
}

int ph_sternum(const ph_anat *a, const ph_slice *s, double u, double v,
               double din, float *hu)
{
	double au = fabs(u);
	double x = au / 15, y = (din - 0.5 * a->cage) / (0.4 * a->cage), e;
	if (v > 0 || au > 15 || s->t < 0.32 || s->t > 0.97 || -v < a->B * 0.5)
		return 0;
	e = x * x + y * y;
	if (e >= 1)
		return 0;
	*hu = e > 0.6 ? HU_CORTEX : HU_MARROW;
	return 1;
}
