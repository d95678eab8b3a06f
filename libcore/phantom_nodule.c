/* phantom_nodule.c - draw a nodule's kind, attachment, shape, size and
 * intensities, and make all nodules of a scan (draw, place, render, rate).
 *
 * Size: log-normal around 8 mm (sd 0.55 in log), cut to [dmin, dmax];
 * part-solid and ground-glass nodules at least 6 mm.  Kinds: solid 58 %,
 * part-solid 12 %, ground-glass 15 %, calcified 15 %.  Attachment:
 * isolated 50 %, juxtavascular 25 %, juxtapleural 25 %.  Spiculation and
 * lobulation grow likelier with size and are rare in calcified nodules. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "phantom_int.h"

static double draw_diameter(ph_rng *r, const lp_phantom_opts *o, double lo)
{
	double dmin = fmax(o->dmin, fmin(lo, o->dmax));
	for (int i = 0; i < 100; i++) {
		double d = exp(log(8.0) + 0.55 * ph_gauss(r));
		if (d >= dmin && d <= o->dmax)
			return d;
	}
	return ph_range(r, dmin, o->dmax);
}

static lp_nod_shape draw_shape(ph_rng *r, lp_nod_kind k, double d)
{
	double ps = ph_clamp(0.04 + 0.025 * (d - 5), 0.02, 0.55);
	double pl = ph_clamp(0.2 + 0.015 * (d - 5), 0.2, 0.4);
	double u = ph_unif(r);
	if (k == LP_NOD_CALCIFIED) {
		ps = 0.02;
		pl = 0.12;
	} else if (k == LP_NOD_GGO) {
		ps *= 0.3;
	}
	return u < ps ? LP_SHAPE_SPICULATED
	              : u < ps + pl ? LP_SHAPE_LOBULATED : LP_SHAPE_SMOOTH;
}

void ph_nod_draw(const lp_phantom_opts *o, ph_rng *r, int id, ph_nod *n)
{
	static const double wk[4] = {0.58, 0.12, 0.15, 0.15};
	static const double wa[3] = {0.5, 0.25, 0.25};
	lp_nodule *i = &n->info;
	memset(n, 0, sizeof *n);
	i->id = id;
	i->kind = (lp_nod_kind)ph_pick(r, wk, 4);
	i->attach = (lp_nod_attach)ph_pick(r, wa, 3);
	i->design_mm = draw_diameter(r, o,
	                             i->kind == LP_NOD_PART_SOLID ||
	                                     i->kind == LP_NOD_GGO
	                                 ? 6
	                                 : 0);
	i->shape = draw_shape(r, i->kind, i->design_mm);
	n->r = i->design_mm / 2;
	n->hu_solid = ph_range(r, -10, 60);
	n->hu_ggo = ph_range(r, -650, -350);
	n->core = ph_range(r, 0.3, 0.6);
	n->tex = ph_next(r);
	ph_shape_draw(r, n);
}

static int finish(ph_rng *rr, ph_rng *rf, double pflip, ph_nod *n)
{
	n->info.p_malignant = ph_malig_p(n);
	ph_readers(rr, n->info.p_malignant, n->info.ratings);
	ph_label_noise(rf, pflip, &n->info);
	ph_rating_summary(&n->info);
	return 0;
}

int ph_nodules(const lp_phantom_opts *o, uint64_t sseed, const ph_scene *s,
               lp_nodule **nod, int *nnod)
{
	ph_rng rn, rr, rf;
	ph_nod *all;
	int count, placed = 0;
	*nod = NULL;
	*nnod = 0;
	ph_rng_seed(&rn, sseed, PH_S_NOD);
	ph_rng_seed(&rr, sseed, PH_S_READ);
	ph_rng_seed(&rf, sseed, PH_S_FLIP);
	count = o->nod_min + (int)(ph_unif(&rn) * (o->nod_max - o->nod_min + 1));
	if (count > o->nod_max)
		count = o->nod_max;
	if (count == 0)
		return 0;
	all = lp_calloc((size_t)count, sizeof *all);
	*nod = lp_calloc((size_t)count, sizeof **nod);
	if (!all || !*nod) {
		free(all);
		free(*nod);
		*nod = NULL;
		return -1;
	}
	for (int k = 0; k < count; k++) {
		ph_nod *n = &all[placed];
		ph_nod_draw(o, &rn, placed + 1, n);
		if (ph_place(s, &rn, n, all, placed) || ph_render(s, n))
			continue;
		finish(&rr, &rf, o->label_noise, n);
		(*nod)[placed++] = n->info;
	}
	free(all);
	*nnod = placed;
	return 0;
}
