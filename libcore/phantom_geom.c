/* phantom_geom.c - draw one scan's geometry (spacing, dims, origin) and its
 * patient (torso size, layers, organ positions, contrast, noise). */
#include <math.h>
#include "phantom_int.h"

void lp_phantom_opts_init(lp_phantom_opts *o)
{
	o->size = 512;
	o->slices = 0;
	o->spacing[0] = o->spacing[1] = o->spacing[2] = 0;
	o->nod_min = 1;
	o->nod_max = 6;
	o->dmin = 3;
	o->dmax = 30;
	o->label_noise = 0;
	o->seed = 1;
	o->want_lung = 0;
}

static int check_opts(const lp_phantom_opts *o)
{
	if (o->size < 32 || o->size > 1024)
		return lp_seterr(LP_EX_USAGE, "phantom: size %lld out of 32..1024",
		                 (long long)o->size);
	if (o->slices != 0 && (o->slices < 8 || o->slices > 2000))
		return lp_seterr(LP_EX_USAGE, "phantom: slices out of 8..2000");
	for (int i = 0; i < 3; i++)
		if (!(o->spacing[i] == 0 ||
		      (o->spacing[i] >= 0.1 && o->spacing[i] <= 20)))
			return lp_seterr(LP_EX_USAGE,
			                 "phantom: spacing out of 0.1..20 mm");
	if (o->nod_min < 0 || o->nod_max < o->nod_min ||
	    o->nod_max > LP_PHANTOM_MAX_NODULES)
		return lp_seterr(LP_EX_USAGE, "phantom: nodules %d..%d invalid",
		                 o->nod_min, o->nod_max);
	if (!(o->dmin >= 3 && o->dmax <= 30 && o->dmin <= o->dmax))
		return lp_seterr(LP_EX_USAGE, "phantom: diameters out of 3..30");
	if (!(o->label_noise >= 0 && o->label_noise <= 1))
		return lp_seterr(LP_EX_USAGE, "phantom: label noise out of 0..1");
	return 0;
}

static double draw_slice_spacing(ph_rng *r)
{
	static const double sz[5] = {1.0, 1.25, 1.5, 2.0, 2.5};
	static const double w[5] = {0.15, 0.25, 0.15, 0.2, 0.25};
	return sz[ph_pick(r, w, 5)];
}

static void draw_grid(const lp_phantom_opts *o, ph_rng *r, ph_anat *a)
{
	double ext = ph_range(r, 280, 330), fov;
	double sxy = ph_range(r, 0.6, 0.9) * 512.0 / (double)o->size;
	double sz = draw_slice_spacing(r);
	a->nx = a->ny = o->size;
	a->sp[0] = o->spacing[0] > 0 ? o->spacing[0] : sxy;
	a->sp[1] = o->spacing[1] > 0 ? o->spacing[1] : a->sp[0];
	if (o->spacing[2] > 0)
		a->sp[2] = o->spacing[2];
	else if (o->slices > 0)
		a->sp[2] = ext / (double)o->slices;
	else
		a->sp[2] = sz;
	a->nz = o->slices > 0 ? o->slices : (int64_t)lround(ext / a->sp[2]);
	if (a->nz < 8)
		a->nz = 8;
	fov = (double)a->nx * a->sp[0];
	a->org[0] = -fov / 2 + ph_range(r, -15, 15);
	a->org[1] = -(double)a->ny * a->sp[1] / 2 + ph_range(r, -25, 10);
	a->org[2] = ph_range(r, -380, -90);
}

static void draw_body(ph_rng *r, ph_anat *a)
{
	double fovx = (double)a->nx * a->sp[0], fovy = (double)a->ny * a->sp[1];
	double lim = 0.5 * fmin(fovx, fovy * 1.45) - 8;
	a->A = fmin(ph_range(r, 148, 185), lim);
	a->B = a->A * ph_range(r, 0.62, 0.74);
	a->cx = a->org[0] + fovx / 2 + ph_range(r, -10, 10);
	a->cy = a->org[1] + fovy / 2 + ph_range(r, -8, 12);
	if (a->cy + a->B > a->org[1] + fovy - 6)
		a->cy = a->org[1] + fovy - 6 - a->B;
	a->skin = ph_range(r, 1.5, 2.5);
	a->fat[0] = ph_range(r, 4, 20);
	a->fat[1] = a->fat[0] * ph_range(r, 0.7, 1.2);
	a->fat[2] = ph_range(r, 4, 14);
	a->mus[0] = ph_range(r, 6, 12);
	a->mus[1] = ph_range(r, 4, 9);
	a->mus[2] = ph_range(r, 32, 44);
	a->cage = ph_range(r, 9, 11);
	a->v_spine = a->B - a->fat[2] - a->mus[2] - a->skin - 24;
	a->female = ph_unif(r) < 0.5;
	a->breast_r = a->female ? ph_range(r, 30, 55) : 0;
	a->table_v = a->B + ph_range(r, 1, 8);
}

static void draw_organs(ph_rng *r, ph_anat *a)
{
	double zc = a->org[2] + (double)a->nz * a->sp[2] / 2;
	a->H = ph_range(r, 215, 262);
	a->zb = zc - a->H / 2 - ph_range(r, 0, 25);
	a->dome[0] = a->H * ph_range(r, 0.24, 0.32);
	a->dome[1] = a->dome[0] - ph_range(r, 8, 20);
	a->z_car = a->zb + a->H * ph_range(r, 0.6, 0.66);
	for (int s = 0; s < 2; s++) {
		a->hil[s][0] = (s ? 1 : -1) * ph_range(r, 52, 60);
		a->hil[s][1] = ph_range(r, -12, 0);
		a->hil[s][2] = a->zb + a->H * ph_range(r, 0.5, 0.57) + (s ? 0 : 8);
	}
	a->heart[0] = ph_range(r, 28, 42);
	a->heart[1] = -a->B * 0.25 - ph_range(r, 5, 15);
	a->heart[2] = a->zb + a->dome[1] + ph_range(r, 25, 40);
	a->heart_ax[0] = ph_range(r, 66, 80);
	a->heart_ax[1] = ph_range(r, 45, 55);
	a->heart_ax[2] = ph_range(r, 55, 68);
	a->v_ao = a->v_spine - ph_range(r, 6, 12);
	a->z_arch = a->zb + a->H * ph_range(r, 0.7, 0.76);
	a->nrib = 12;
	a->rib_top = a->zb + a->H + ph_range(r, 5, 15);
	a->rib_dz = (a->H + 35) / 11.5;
	a->rib_drop = ph_range(r, 55, 85);
}

static void draw_contrast(ph_rng *r, ph_anat *a)
{
	int contrast = ph_unif(r) < 0.3;
	a->hu_lung = ph_range(r, -880, -820);
	a->hu_grav = ph_range(r, 15, 55);
	a->hu_art = contrast ? ph_range(r, 150, 300) : ph_range(r, 30, 50);
	a->hu_vein = contrast ? a->hu_art * ph_range(r, 0.6, 0.9) : a->hu_art;
	a->hu_heart = contrast ? a->hu_vein : ph_range(r, 35, 50);
	a->psf = ph_range(r, 0.12, 0.22);
	a->noise_sigma = ph_range(r, 10, 30);
	a->noise_corr = ph_range(r, 0.1, 0.3);
	{
		double u = ph_unif(r);
		a->pad_value = u < 0.2 ? -2000 : u < 0.35 ? -3024 : 0;
	}
}

int ph_anat_draw(const lp_phantom_opts *o, int64_t index, ph_anat *a)
{
	ph_rng r;
	uint64_t ss;
	if (check_opts(o))
		return -1;
	ss = ph_scan_seed(o->seed, index);
	ph_rng_seed(&r, ss, PH_S_ANAT);
	draw_grid(o, &r, a);
	draw_body(&r, a);
	draw_organs(&r, a);
	draw_contrast(&r, a);
	a->tex = lp_mix64(ss ^ PH_S_TEX);
	a->noise_seed = lp_mix64(ss ^ (PH_S_NOISE * 0x51ed27ULL));
	return 0;
}

void ph_slice_init(const ph_anat *a, double z, ph_slice *s)
{
	double t = (z - a->zb) / a->H, q;
	s->z = z;
	s->t = t;
	s->vphase = fmod(z - a->zb + 1000 * 27.0, 27.0);
	s->inlet = t >= 1;
	q = (t - 0.6) / 0.4;
	s->cap = t <= 0.6 ? 1 : t >= 1 ? 0 : sqrt(1 - q * q);
	s->extra = 0.1 * a->A * ph_sstep(0.55, 1.05, t);
}
