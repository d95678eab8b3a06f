/* phantom_anatomy.c - the torso: body outline, skin, subcutaneous fat,
 * muscle, the rib-cage band, and what lies outside (breasts, table, air).
 * The thoracic cavity is in phantom_organs.c, the bones in phantom_bones.c.
 *
 * The outline is an ellipse anteriorly and, posteriorly, a blend of an
 * ellipse with a flatter superellipse (power 4); "depth" below the skin is measured along the ray from the
 * body centre, which keeps every layer one norm and one division away. */
#include <math.h>
#include "phantom_int.h"

static double body_norm(const ph_anat *a, double u, double v)
{
	double x = u / a->A, y = v / a->B, n2 = sqrt(x * x + y * y);
	if (v < 0)
		return n2;
	x *= x;
	y *= y;
	return 0.7 * n2 + 0.3 * sqrt(sqrt(x * x + y * y));
}

/* Layer thickness at c = cos(angle from the posterior midline). */
static double thick(double c, const double t[3])
{
	if (c > 0) {
		double c2 = c * c, c4 = c2 * c2;
		return t[1] + (t[2] - t[1]) * c4 * c4;
	}
	return t[1] + (t[0] - t[1]) * c * c;
}

static int breast(const ph_anat *a, const ph_slice *s, double u, double v,
                  float *hu)
{
	double zc = a->zb + 0.4 * a->H, rz = a->breast_r * 0.9;
	double dz = (s->z - zc) / rz, du, dv, e;
	if (!a->female || fabs(dz) >= 1 || v > 0)
		return 0;
	du = (fabs(u) - 0.52 * a->A) / (a->breast_r * 1.1);
	dv = (v + 0.85 * a->B) / (a->breast_r * 0.42);
	e = du * du + dv * dv + dz * dz;
	if (e >= 1)
		return 0;
	/* fat with glandular tissue towards the nipple */
	*hu = e < 0.35 ? -20.0f + 30.0f * (float)ph_vnoise(a->tex ^ 77, u / 6,
	                                                      v / 6, s->z / 6)
	               : -95.0f;
	return 1;
}

float ph_outside(const ph_anat *a, double u, double v)
{
	double vt = a->table_v - u * u / 2500.0;
	if (fabs(u) < a->A + 40 && v >= vt) {
		double d = v - vt;
		if (d < 2 || (d >= 26 && d < 28))
			return 120.0f;
		if (d < 26)
			return -870.0f;
	}
	return -1000.0f;
}

static float wall(const ph_anat *a, const ph_slice *s, double u, double v,
                  double r, double depth)
{
	double c = r > 1e-9 ? v / r : 0, d = depth - a->skin, t;
	float hu;
	if (d < 0)
		return 25.0f;
	t = thick(c, a->fat);
	if (d < t)
		return -100.0f;
	d -= t;
	t = thick(c, a->mus) + s->extra;
	if (d < t)
		return 45.0f;
	d -= t;
	if (ph_sternum(a, s, u, v, d, &hu) || ph_ribs(a, s, v, r, d, &hu))
		return hu;
	return 40.0f; /* intercostal muscle */
}

float ph_eval(const ph_anat *a, const ph_slice *s, double u, double v,
              uint8_t *label)
{
	double n = body_norm(a, u, v), r, depth, c, inner;
	float hu;
	*label = PH_L_BODY;
	if (n >= 1) {
		if (breast(a, s, u, v, &hu))
			return hu;
		*label = PH_L_AIR;
		return ph_outside(a, u, v);
	}
	if (ph_spine(a, s, u, v, &hu))
		return hu;
	r = sqrt(u * u + v * v);
	depth = r > 1e-9 ? r * (1 / n - 1) : 1e9;
	c = r > 1e-9 ? v / r : 0;
	inner = a->skin + thick(c, a->fat) + thick(c, a->mus) + s->extra + a->cage;
	if (depth < inner)
		return wall(a, s, u, v, r, depth);
	return ph_cavity(a, s, u, v, label);
}

int ph_label_at(const ph_anat *a, double u, double v, double z)
{
	ph_slice s;
	uint8_t lab;
	ph_slice_init(a, z, &s);
	ph_eval(a, &s, u, v, &lab);
	return lab;
}
