/* phantom_volume.c - fill the clean (noise-free) HU volume slice by slice:
 * anatomy, lung parenchymal texture (two octaves of smooth value noise, a
 * gravity-dependent density gradient, fissures), then the tubes crossing each
 * slice.  Slices are independent, so the OpenMP loop is deterministic. */
#include <math.h>
#include <stdlib.h>
#include <omp.h>
#include "phantom_int.h"

/* Occupancy of a thin sheet (0.6 mm) at signed distance d (mm) seen by a
 * voxel of extent w across it. */
static double sheet(double d, double w)
{
	return ph_clamp(fmin(0.5 + (0.3 - fabs(d)) / w, 0.6 / w), 0, 1);
}

/* Fissures: in each lung a major fissure rising from the front of the
 * diaphragm to the back of the upper lung, in the right lung also the
 * horizontal minor fissure in front; slightly wavy. */
static float fissures(const ph_anat *a, double u, double v, double z)
{
	double z0 = a->zb + 0.42 * a->H, wob, d, w, o;
	wob = 4 * ph_vnoise(a->tex ^ 0xf1, u / 30, v / 30, z / 30);
	d = ((z - z0) - 0.75 * v + wob) * 0.8; /* distance to z = z0 + 0.75 v */
	w = sqrt(0.36 * a->sp[2] * a->sp[2] + 0.64 * 0.5625 * a->sp[1] * a->sp[1]);
	o = sheet(d, w);
	if (u < 0 && v < 0 && z > z0 + 0.75 * v)
		o = fmax(o, sheet(z - (a->zb + 0.62 * a->H) + wob, a->sp[2]));
	return (float)(220 * o);
}

static float texture(const ph_anat *a, double x, double y, double z, double v)
{
	float n1 = ph_vnoise(a->tex, x / 7.0, y / 7.0, z / 7.0);
	float n2 = ph_vnoise(a->tex ^ 0x55, x / 2.6, y / 2.6, z / 2.6);
	double g = ph_sstep(-0.6 * a->B, 0.9 * a->B, v);
	return (float)(a->hu_grav * g) + 20.0f * n1 + 9.0f * n2 +
	       fissures(a, x - a->cx, v, z);
}

static void fill_slice(const ph_anat *a, int64_t k, float *img, uint8_t *lung)
{
	ph_slice s;
	double z = a->org[2] + (double)k * a->sp[2];
	ph_slice_init(a, z, &s);
	for (int64_t j = 0; j < a->ny; j++) {
		double y = a->org[1] + (double)j * a->sp[1], v = y - a->cy;
		for (int64_t i = 0; i < a->nx; i++) {
			double x = a->org[0] + (double)i * a->sp[0];
			size_t idx = (size_t)(i + a->nx * j);
			uint8_t lab;
			float hu = ph_eval(a, &s, x - a->cx, v, &lab);
			if (lab >= PH_L_RLUNG)
				hu += texture(a, x, y, z, v);
			img[idx] = hu;
			lung[idx] = lab >= PH_L_RLUNG ? (uint8_t)(lab - 1) : 0;
		}
	}
}

int ph_volume(const ph_anat *a, const ph_tubes *ts, float *img, uint8_t *lung)
{
	ph_bucket b;
	size_t nxy = (size_t)(a->nx * a->ny);
	int nt = omp_get_max_threads();
	float *scratch;
	if (ph_bucket_make(a, ts, &b))
		return -1;
	scratch = lp_malloc((size_t)nt * 4 * nxy * sizeof *scratch);
	if (!scratch) {
		ph_bucket_free(&b);
		return -1;
	}
#pragma omp parallel num_threads(nt)
	{
		float *my = scratch + (size_t)omp_get_thread_num() * 4 * nxy;
#pragma omp for schedule(dynamic, 1)
		for (int64_t k = 0; k < a->nz; k++) {
			fill_slice(a, k, img + (size_t)k * nxy, lung + (size_t)k * nxy);
			ph_tubes_slice(a, ts, &b, k, img + (size_t)k * nxy, my);
		}
	}
	free(scratch);
	ph_bucket_free(&b);
	return 0;
}
