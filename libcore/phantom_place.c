/* phantom_place.c - where a nodule goes.
 *
 * Candidates come from random lung voxels (isolated), from random vessel
 * voxels (lung and HU > -500) moved one radius away (juxtavascular), or
 * from walking from a random lung voxel in a random direction to the lung
 * wall and stepping back 0.9 radius (juxtapleural).  Probes classify by
 * the 3x3 in-plane mean.  A candidate is checked
 * with probes on spheres around it (48 directions): inside 0.8 r only
 * parenchyma (no wall, no airway, at most a few vessel hits); on the shell
 * at r + 0.7 mm wall for juxtapleural; at r + 1.5 mm vessel for
 * juxtavascular, neither
 * for isolated (which also needs no wall within r + 5 mm); and it keeps
 * away from nodules already placed.  If the drawn attachment cannot be
 * placed in 3000 tries the nodule is made isolated; if that fails too it
 * is dropped. */
#include <math.h>
#include "phantom_int.h"

#define NDIR 48
enum { P_PAR, P_WALL, P_VESSEL, P_AIRWAY };

static void dirs(double d[NDIR][3])
{
	double ga = M_PI * (3 - sqrt(5.0));
	for (int i = 0; i < NDIR; i++) {
		double z = 1 - (2 * i + 1) / (double)NDIR, r = sqrt(1 - z * z);
		d[i][0] = r * cos(ga * i);
		d[i][1] = r * sin(ga * i);
		d[i][2] = z;
	}
}

static int64_t voxel_of(const ph_scene *s, const double p[3])
{
	int64_t ijk[3];
	for (int a = 0; a < 3; a++) {
		double x = 0;
		for (int b = 0; b < 3; b++)
			x += s->minv[3 * a + b] * (p[b] - s->org[b]);
		x = floor(x + 0.5);
		if (x < 0 || x >= (double)s->dim[a])
			return -1;
		ijk[a] = (int64_t)x;
	}
	return ijk[0] + s->dim[0] * (ijk[1] + s->dim[1] * ijk[2]);
}

/* Classify a point by the 3x3 in-plane mean around its voxel (real scans
 * with sharp kernels are too noisy for single voxels). */
static int probe(const ph_scene *s, const double p[3])
{
	int64_t i = voxel_of(s, p), x, y, nx = s->dim[0], ny = s->dim[1];
	double sum = 0, v;
	int n = 0;
	if (i < 0 || !s->lung[i])
		return P_WALL;
	x = i % nx;
	y = (i / nx) % ny;
	for (int64_t dy = -1; dy <= 1; dy++)
		for (int64_t dx = -1; dx <= 1; dx++)
			if (x + dx >= 0 && x + dx < nx && y + dy >= 0 && y + dy < ny) {
				sum += s->img[i + dx + dy * nx];
				n++;
			}
	v = sum / n;
	return v > -500 ? P_VESSEL : v < -960 ? P_AIRWAY : P_PAR;
}

static void sphere(const ph_scene *s, const double c[3], double rad,
                   double d[NDIR][3], int cnt[4])
{
	cnt[0] = cnt[1] = cnt[2] = cnt[3] = 0;
	for (int i = 0; i < NDIR; i++) {
		double p[3] = {c[0] + rad * d[i][0], c[1] + rad * d[i][1],
		               c[2] + rad * d[i][2]};
		cnt[probe(s, p)]++;
	}
}

static int valid(const ph_scene *s, const ph_nod *n, int att,
                 double d[NDIR][3], const ph_nod *done, int ndone)
{
	int in[4], sh[4], out[4], mid[4];
	double r = n->r;
	for (int j = 0; j < ndone; j++) {
		double e[3] = {n->c[0] - done[j].c[0], n->c[1] - done[j].c[1],
		               n->c[2] - done[j].c[2]};
		if (sqrt(ph_dot(e, e)) < n->rmax + done[j].rmax + 3)
			return 0;
	}
	if (probe(s, n->c) != P_PAR)
		return 0;
	sphere(s, n->c, 0.5 * r, d, mid);
	sphere(s, n->c, 0.8 * r, d, in);
	if (mid[P_WALL] || in[P_WALL] || mid[P_AIRWAY] || in[P_AIRWAY] ||
	    mid[P_VESSEL] + in[P_VESSEL] > 4)
		return 0;
	if (att == LP_ATT_PLEURAL) {
		sphere(s, n->c, r + 0.7, d, sh);
		return sh[P_WALL] >= 2;
	}
	sphere(s, n->c, r + 1.5, d, sh);
	if (sh[P_WALL] || sh[P_AIRWAY])
		return 0;
	if (att == LP_ATT_VASCULAR)
		return sh[P_VESSEL] >= 2;
	sphere(s, n->c, r + 5, d, out);
	return out[P_WALL] == 0 && sh[P_VESSEL] <= 3;
}

static int64_t random_lung(const ph_scene *s, ph_rng *r, int vessel)
{
	int64_t n = s->dim[0] * s->dim[1] * s->dim[2];
	for (int t = 0; t < 4000; t++) {
		int64_t i = (int64_t)(ph_unif(r) * (double)n);
		if (s->lung[i] && (!vessel || s->img[i] > -500))
			return i;
	}
	return -1;
}

static void world_of(const ph_scene *s, int64_t i, double p[3])
{
	double ijk[3] = {(double)(i % s->dim[0]),
	                 (double)((i / s->dim[0]) % s->dim[1]),
	                 (double)(i / (s->dim[0] * s->dim[1]))};
	for (int a = 0; a < 3; a++)
		p[a] = s->org[a] + s->m[3 * a] * ijk[0] + s->m[3 * a + 1] * ijk[1] +
		       s->m[3 * a + 2] * ijk[2];
}

static int candidate(const ph_scene *s, ph_rng *r, ph_nod *n, int att)
{
	int64_t i = random_lung(s, r, att == LP_ATT_VASCULAR);
	double p[3], dir[3], step = 1.0;
	if (i < 0)
		return -1;
	world_of(s, i, p);
	ph_unit_vec(r, dir);
	if (att == LP_ATT_PLEURAL) {
		int k;
		for (k = 0; k < 80 && probe(s, p) != P_WALL; k++)
			for (int a = 0; a < 3; a++)
				p[a] += step * dir[a];
		if (k == 80)
			return -1;
		for (int a = 0; a < 3; a++)
			p[a] -= 0.9 * n->r * dir[a];
	} else if (att == LP_ATT_VASCULAR) {
		for (int a = 0; a < 3; a++)
			p[a] += (n->r + 0.8) * dir[a];
	}
	for (int a = 0; a < 3; a++)
		n->c[a] = p[a];
	return 0;
}

int ph_place(const ph_scene *s, ph_rng *r, ph_nod *n, const ph_nod *done,
             int ndone)
{
	double d[NDIR][3];
	int att = n->info.attach;
	dirs(d);
	for (int pass = 0; pass < 2; pass++) {
		for (int t = 0; t < 3000; t++)
			if (candidate(s, r, n, att) == 0 &&
			    valid(s, n, att, d, done, ndone)) {
				n->info.attach = (lp_nod_attach)att;
				return 0;
			}
		if (att == LP_ATT_ISOLATED)
			break;
		att = LP_ATT_ISOLATED;
	}
	return -1;
}
