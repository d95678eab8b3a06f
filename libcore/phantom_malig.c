/* phantom_malig.c - malignancy as a function of morphology, four simulated
 * readers, and label noise.
 *
 * Model (documented in ct-phantom(1)):
 *   logit p = -1.8 + 0.2 (d - 8) + 1.2 lobulated + 2.4 spiculated
 *             + 1.3 part-solid + 0.3 ground-glass - 3.5 calcified
 *             - 0.8 (juxtapleural and smooth)
 * with d the design diameter in mm.  Each reader rates
 *   round(1 + 4 p + b + e),  b ~ N(0, 0.35) (the reader's bias for this
 *   nodule), e ~ N(0, 0.55), clamped to 1..5.
 * A mean of exactly 3 (which the paper ignores) is never produced: such a
 * set of ratings is drawn again (up to 50 times, then one rating is moved
 * one step towards p).  Label: mean < 3 benign, > 3 malignant.
 * Label noise P: with probability P the ratings r become 6 - r, which
 * reverses the label; the draw uses its own stream, so P changes nothing
 * else in the output. */
#include <math.h>
#include "phantom_int.h"

double ph_malig_p(const ph_nod *n)
{
	const lp_nodule *i = &n->info;
	double l = -1.8 + 0.2 * (i->design_mm - 8);
	l += i->shape == LP_SHAPE_LOBULATED ? 1.2 : 0;
	l += i->shape == LP_SHAPE_SPICULATED ? 2.4 : 0;
	l += i->kind == LP_NOD_PART_SOLID ? 1.3 : 0;
	l += i->kind == LP_NOD_GGO ? 0.3 : 0;
	l += i->kind == LP_NOD_CALCIFIED ? -3.5 : 0;
	if (i->attach == LP_ATT_PLEURAL && i->shape == LP_SHAPE_SMOOTH)
		l -= 0.8;
	return 1 / (1 + exp(-l));
}

static int rating(ph_rng *r, double p)
{
	double x = 1 + 4 * p + 0.35 * ph_gauss(r) + 0.55 * ph_gauss(r);
	int k = (int)floor(x + 0.5);
	return k < 1 ? 1 : k > 5 ? 5 : k;
}

void ph_readers(ph_rng *r, double p, int ratings[LP_PHANTOM_READERS])
{
	for (int tries = 0; tries < 50; tries++) {
		int sum = 0;
		for (int k = 0; k < LP_PHANTOM_READERS; k++)
			sum += ratings[k] = rating(r, p);
		if (sum != 3 * LP_PHANTOM_READERS)
			return;
	}
	/* still a tie: move one reader towards the model */
	for (int k = 0; k < LP_PHANTOM_READERS; k++) {
		int to = ratings[k] + (p >= 0.5 ? 1 : -1);
		if (to >= 1 && to <= 5) {
			ratings[k] = to;
			return;
		}
	}
}

void ph_rating_summary(lp_nodule *info)
{
	int sum = 0;
	for (int k = 0; k < LP_PHANTOM_READERS; k++)
		sum += info->ratings[k];
	info->rating_mean = (double)sum / LP_PHANTOM_READERS;
	info->malignant = sum > 3 * LP_PHANTOM_READERS;
}

void ph_label_noise(ph_rng *r, double pflip, lp_nodule *info)
{
	double u = ph_unif(r);
	info->flipped = u < pflip;
	if (info->flipped)
		for (int k = 0; k < LP_PHANTOM_READERS; k++)
			info->ratings[k] = 6 - info->ratings[k];
}
