/* phantom_shape.c - a nodule's geometry and intensity.
 *
 * Body: an ellipsoid (random axes ratio 0.7-1, volume of the design
 * sphere, random orientation) whose radius in direction n is scaled by
 * 1 + sum_k amp_k exp((n.u_k - 1)/w_k): lobulated nodules get 3-6 such
 * bumps.  Spiculated nodules get 16-40 thin tapering spikes from inside
 * the body out to 0.4-1.0 radii (at most 12 mm) beyond it.  Inside: solid,
 * ground-glass, a solid core in a ground-glass halo (part-solid), or
 * calcification (central, diffuse or popcorn), with a little smooth
 * texture. */
#include <math.h>
#include "phantom_int.h"

static void rotation(ph_rng *r, double rot[9])
{
	double e0[3], e1[3], e2[3], a = ph_range(r, 0, 2 * M_PI);
	ph_unit_vec(r, e0);
	ph_perp(e0, e1, e2);
	for (int i = 0; i < 3; i++) {
		rot[i] = e0[i];
		rot[3 + i] = cos(a) * e1[i] + sin(a) * e2[i];
		rot[6 + i] = -sin(a) * e1[i] + cos(a) * e2[i];
	}
}

static void lobes(ph_rng *r, ph_nod *n, int count, double amp)
{
	n->nlobe = count;
	for (int k = 0; k < count; k++) {
		ph_unit_vec(r, n->lobe_u[k]);
		n->lobe_amp[k] = amp * ph_range(r, 0.6, 1.2);
		n->lobe_w[k] = ph_range(r, 0.08, 0.2);
	}
}

static void spikes(ph_rng *r, ph_nod *n)
{
	n->nspike = 16 + (int)(ph_unif(r) * (6 + 2.5 * n->r));
	if (n->nspike > PH_MAX_SPIKES)
		n->nspike = PH_MAX_SPIKES;
	for (int k = 0; k < n->nspike; k++) {
		ph_unit_vec(r, n->spike_u[k]);
		n->spike_len[k] = fmin(n->r * ph_range(r, 0.4, 1.0), 12);
		n->spike_w[k] = ph_range(r, 0.4, 0.75) + 0.03 * n->r;
	}
}

static void calcification(ph_rng *r, ph_nod *n)
{
	static const double w[3] = {0.5, 0.3, 0.2};
	n->calc = 1 + ph_pick(r, w, 3);
	n->calc_hu = n->calc == 2 ? ph_range(r, 220, 500) : ph_range(r, 350, 900);
	for (int k = 0; k < 4; k++) {
		double d[3], s = ph_range(r, 0.1, 0.55) * n->r;
		ph_unit_vec(r, d);
		for (int i = 0; i < 3; i++)
			n->pop[k][i] = s * d[i];
	}
}

void ph_shape_draw(ph_rng *r, ph_nod *n)
{
	double f[3] = {1, ph_range(r, 0.72, 1), ph_range(r, 0.7, 1)};
	double g = cbrt(f[0] * f[1] * f[2]), amp = 0, sl = 0;
	rotation(r, n->rot);
	for (int i = 0; i < 3; i++)
		n->ax[i] = n->r * f[i] / g;
	n->nlobe = n->nspike = 0;
	if (n->info.shape == LP_SHAPE_LOBULATED)
		lobes(r, n, 3 + (int)(ph_unif(r) * 4), ph_range(r, 0.22, 0.4));
	else if (n->info.shape == LP_SHAPE_SPICULATED) {
		lobes(r, n, 2, 0.1);
		spikes(r, n);
	}
	n->calc = 0;
	if (n->info.kind == LP_NOD_CALCIFIED)
		calcification(r, n);
	for (int k = 0; k < n->nlobe; k++)
		amp += n->lobe_amp[k];
	for (int k = 0; k < n->nspike; k++)
		sl = fmax(sl, n->spike_len[k]);
	n->rmax = n->ax[0] * (1 + amp) + sl + 1;
}

static double body_dist(const ph_nod *n, const double q[3], double *rho_n)
{
	double s[3], rho, len = sqrt(ph_dot(q, q)), R = 1;
	for (int i = 0; i < 3; i++)
		s[i] = q[i] / n->ax[i];
	rho = sqrt(ph_dot(s, s));
	if (len > 1e-9)
		for (int k = 0; k < n->nlobe; k++)
			R += n->lobe_amp[k] *
			     exp((ph_dot(q, n->lobe_u[k]) / len - 1) / n->lobe_w[k]);
	*rho_n = rho / R;
	return (rho - R) * n->r;
}

static double spike_occ(const ph_nod *n, const double q[3], double w)
{
	double best = 0;
	for (int k = 0; k < n->nspike; k++) {
		double t = ph_dot(q, n->spike_u[k]), t0 = 0.5 * n->r, p[3], d, wd;
		double tl = n->r + n->spike_len[k];
		if (t < t0 || t > tl)
			continue;
		for (int i = 0; i < 3; i++)
			p[i] = q[i] - t * n->spike_u[k][i];
		d = sqrt(ph_dot(p, p));
		wd = n->spike_w[k] * (t < n->r ? 1 : 1 - (t - n->r) / (tl - n->r));
		best = fmax(best, fmin(0.5 + (wd - d) / w, 2 * wd / w));
	}
	return ph_clamp(best, 0, 1);
}

static float inner_hu(const ph_nod *n, const double q[3], double rho_n)
{
	float tex = ph_vnoise(n->tex, q[0] / 1.5, q[1] / 1.5, q[2] / 1.5);
	double mix;
	switch (n->info.kind) {
	case LP_NOD_GGO:
		return (float)n->hu_ggo + 45 * tex;
	case LP_NOD_PART_SOLID:
		mix = ph_sstep(n->core + 0.12, n->core - 0.12, rho_n);
		return (float)(n->hu_ggo + 40 * tex +
		               mix * (n->hu_solid - n->hu_ggo - 40 * tex));
	case LP_NOD_CALCIFIED:
		if (n->calc == 2)
			return (float)n->calc_hu + 60 * tex;
		if (n->calc == 1)
			return (float)(n->hu_solid + ph_sstep(0.55, 0.35, rho_n) *
			                                  (n->calc_hu - n->hu_solid));
		for (int k = 0; k < 4; k++) {
			double d[3];
			for (int i = 0; i < 3; i++)
				d[i] = q[i] - n->pop[k][i];
			if (ph_dot(d, d) < 0.07 * n->r * n->r)
				return (float)n->calc_hu;
		}
		return (float)n->hu_solid + 12 * tex;
	default:
		return (float)n->hu_solid + 12 * tex;
	}
}

double ph_nod_occ(const ph_nod *n, const double p[3], double w, float *hu)
{
	double d[3], q[3], rho_n, occ, so;
	for (int i = 0; i < 3; i++)
		d[i] = p[i] - n->c[i];
	for (int i = 0; i < 3; i++)
		q[i] = ph_dot(&n->rot[3 * i], d);
	occ = ph_clamp(0.5 - body_dist(n, q, &rho_n) / w, 0, 1);
	so = n->nspike ? spike_occ(n, q, w) : 0;
	if (occ <= 0 && so <= 0)
		return 0;
	if (so > occ) {
		*hu = (float)(n->info.kind == LP_NOD_GGO ? n->hu_ggo + 150
		                                         : n->hu_solid);
		return so;
	}
	*hu = inner_hu(n, q, rho_n);
	return occ;
}
