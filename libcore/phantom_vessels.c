/* phantom_vessels.c - the large tubes of the mediastinum: trachea and main
 * bronchi (wall and air), ascending aorta, arch and descending aorta,
 * superior vena cava, pulmonary trunk and the two pulmonary arteries that
 * feed the lung trees at the hila. */
#include <math.h>
#include "phantom_int.h"

static void wpt(const ph_anat *a, double u, double v, double z, double p[3])
{
	p[0] = a->cx + u;
	p[1] = a->cy + v;
	p[2] = z;
}

static int airway(ph_tubes *ts, const double p[3], const double q[3],
                  double r0, double r1)
{
	double w0 = 0.15 * r0 + 0.4, w1 = 0.15 * r1 + 0.4;
	if (ph_tubes_add(ts, p, q, r0 + w0, r1 + w1, 0, PH_T_WALL) ||
	    ph_tubes_add(ts, p, q, r0, r1, 0, PH_T_LUMEN))
		return -1;
	return 0;
}

static int airways(const ph_anat *a, ph_tubes *ts)
{
	double top[3], car[3], hb[3];
	double vtr = a->v_spine - 40;
	double ztop = a->org[2] + (double)a->nz * a->sp[2] + 20;
	wpt(a, 0, vtr - 8, ztop, top);
	wpt(a, 0, vtr, a->z_car, car);
	if (airway(ts, top, car, 8.5, 8.0))
		return -1;
	for (int s = 0; s < 2; s++) {
		/* ends where the artery roots' bronchi start (9.5 mm behind) */
		wpt(a, a->hil[s][0], a->hil[s][1] + 9.5, a->hil[s][2], hb);
		if (airway(ts, car, hb, s ? 6.0 : 6.8, s ? 3.8 : 4.0))
			return -1;
	}
	return 0;
}

static int aorta(const ph_anat *a, ph_tubes *ts)
{
	double p[3], q[3], hu = a->hu_art * 0.9 + 5;
	double za = a->z_arch, zlo = a->org[2] - 20;
	double vasc = a->heart[1] - 5;
	wpt(a, 8, vasc, a->heart[2] + 0.5 * a->heart_ax[2], p);
	wpt(a, 8, -25, za, q);
	if (ph_tubes_add(ts, p, q, 14, 14, hu, PH_T_VESSEL))
		return -1;
	for (int i = 0; i < 8; i++) {
		double f0 = i / 8.0, f1 = (i + 1) / 8.0;
		wpt(a, 8 + 14 * f0, -25 + (a->v_ao + 25) * f0,
		    za + 18 * sin(M_PI * f0), p);
		wpt(a, 8 + 14 * f1, -25 + (a->v_ao + 25) * f1,
		    za + 18 * sin(M_PI * f1), q);
		if (ph_tubes_add(ts, p, q, 13, 13, hu, PH_T_VESSEL))
			return -1;
	}
	wpt(a, 22, a->v_ao, za, p);
	wpt(a, 22, a->v_ao, zlo, q);
	return ph_tubes_add(ts, p, q, 12, 11, hu, PH_T_VESSEL);
}

static int veins_arteries(const ph_anat *a, ph_tubes *ts)
{
	double p[3], q[3], b[3], h[3];
	double ztop = a->heart[2] + 0.6 * a->heart_ax[2];
	wpt(a, -26, -30, a->z_arch + 30, p);
	wpt(a, -24, -24, ztop, q);
	if (ph_tubes_add(ts, p, q, 9, 9.5, a->hu_vein, PH_T_VESSEL))
		return -1;
	wpt(a, 12, a->heart[1] - 15, a->heart[2] + 0.4 * a->heart_ax[2], p);
	wpt(a, 6, -12, a->hil[1][2] + 4, b);
	if (ph_tubes_add(ts, p, b, 13, 12, a->hu_art, PH_T_VESSEL))
		return -1;
	for (int s = 0; s < 2; s++) {
		wpt(a, a->hil[s][0], a->hil[s][1], a->hil[s][2], h);
		if (ph_tubes_add(ts, b, h, 10, 7, a->hu_art, PH_T_VESSEL))
			return -1;
	}
	return 0;
}

int ph_tubes_mediastinum(const ph_anat *a, ph_tubes *ts)
{
	if (airways(a, ts) || aorta(a, ts) || veins_arteries(a, ts))
		return -1;
	return 0;
}
