/* metrics_cls.c - classification metrics: confusion matrix, ROC AUC
 * (Mann-Whitney, ties 1/2), average precision, curves and the percentile
 * bootstrap.  Definitions: lp_metrics.h.
 *
 * Everything works on "tie groups": the distinct scores in ascending order
 * with the (possibly weighted) number of positives and negatives at each.
 * A bootstrap resample only changes the weights, so a resample costs O(n).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "lp_error.h"
#include "lp_metrics.h"

const char *const lp_cls_names[LP_CLS_N] = {
	"Acc", "SE", "SP", "Prec", "F1", "AUC", "AP"
};

typedef struct {
	size_t n, ng;
	size_t *grp;     /* case -> group */
	double *gscore;  /* group -> score, ascending */
	double *gp, *gn; /* group -> positives, negatives (weights) */
} groups;

static void groups_free(groups *g)
{
	free(g->grp);
	free(g->gscore);
	free(g->gp);
	free(g->gn);
	memset(g, 0, sizeof *g);
}

typedef struct {
	double s;
	size_t i;
} keyed;

static int cmp_keyed(const void *a, const void *b)
{
	const keyed *x = a, *y = b;
	if (x->s != y->s)
		return x->s < y->s ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

static int check_input(const double *score, const uint8_t *label, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(score[i]))
			return lp_seterr(LP_EX_DATAERR,
			                 "case %zu: score is not a finite number", i);
		if (label[i] > 1)
			return lp_seterr(LP_EX_DATAERR,
			                 "case %zu: label must be 0 or 1", i);
	}
	return 0;
}

/* Sort the cases and build the tie groups with unit weights. */
static int groups_build(groups *g, const double *score, const uint8_t *label,
                        size_t n)
{
	memset(g, 0, sizeof *g);
	if (check_input(score, label, n) < 0)
		return -1;
	size_t m = n ? n : 1;
	keyed *ord = lp_malloc(m * sizeof *ord);
	g->grp = lp_malloc(m * sizeof *g->grp);
	g->gscore = lp_malloc(m * sizeof(double));
	g->gp = lp_calloc(m, sizeof(double));
	g->gn = lp_calloc(m, sizeof(double));
	if (!ord || !g->grp || !g->gscore || !g->gp || !g->gn) {
		free(ord);
		groups_free(g);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		ord[i].s = score[i];
		ord[i].i = i;
	}
	qsort(ord, n, sizeof *ord, cmp_keyed);
	for (size_t k = 0; k < n; k++) {
		size_t i = ord[k].i;
		if (k == 0 || score[i] != g->gscore[g->ng - 1])
			g->gscore[g->ng++] = score[i];
		g->grp[i] = g->ng - 1;
		if (label[i])
			g->gp[g->ng - 1] += 1;
		else
			g->gn[g->ng - 1] += 1;
	}
	g->n = n;
	free(ord);
	return 0;
}

static double auc_groups(const groups *g)
{
	double P = 0, N = 0, acc = 0, below = 0;
	for (size_t k = 0; k < g->ng; k++) {
		P += g->gp[k];
		N += g->gn[k];
	}
	if (P == 0 || N == 0)
		return NAN;
	for (size_t k = 0; k < g->ng; k++) {
		acc += g->gp[k] * (below + 0.5 * g->gn[k]);
		below += g->gn[k];
	}
	return acc / (P * N);
}

static double ap_groups(const groups *g)
{
	double P = 0, tp = 0, fp = 0, ap = 0;
	for (size_t k = 0; k < g->ng; k++)
		P += g->gp[k];
	if (P == 0)
		return NAN;
	for (size_t k = g->ng; k-- > 0;) {
		tp += g->gp[k];
		fp += g->gn[k];
		if (g->gp[k] > 0)
			ap += g->gp[k] / P * (tp / (tp + fp));
	}
	return ap;
}

static double div0(double a, double b)
{
	return b == 0 ? NAN : a / b;
}

/* Threshold metrics from a confusion matrix. */
static void cm_metrics(const lp_counts *c, double v[LP_CLS_N])
{
	double tp = (double)c->tp, fp = (double)c->fp, fn = (double)c->fn,
	       tn = (double)c->tn;
	v[LP_CLS_ACC] = div0(tp + tn, tp + tn + fp + fn);
	v[LP_CLS_SE] = div0(tp, tp + fn);
	v[LP_CLS_SP] = div0(tn, tn + fp);
	v[LP_CLS_PREC] = div0(tp, tp + fp);
	v[LP_CLS_F1] = div0(2 * tp, 2 * tp + fp + fn);
}

static void cm_add(lp_counts *c, int pos, int predpos)
{
	if (pos)
		*(predpos ? &c->tp : &c->fn) += 1;
	else
		*(predpos ? &c->fp : &c->tn) += 1;
}

int lp_cls_metrics(const double *score, const uint8_t *label, size_t n,
                   double thr, lp_cls_result *r)
{
	groups g;
	memset(r, 0, sizeof *r);
	if (groups_build(&g, score, label, n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		cm_add(&r->cm, label[i], score[i] >= thr);
		r->npos += label[i] != 0;
	}
	r->n = n;
	r->nneg = n - r->npos;
	cm_metrics(&r->cm, r->v);
	r->v[LP_CLS_AUC] = auc_groups(&g);
	r->v[LP_CLS_AP] = ap_groups(&g);
	groups_free(&g);
	return 0;
}

double lp_roc_auc(const double *score, const uint8_t *label, size_t n)
{
	groups g;
	if (groups_build(&g, score, label, n) < 0)
		return NAN;
	double a = auc_groups(&g);
	groups_free(&g);
	return a;
}

double lp_average_precision(const double *score, const uint8_t *label,
                            size_t n)
{
	groups g;
	if (groups_build(&g, score, label, n) < 0)
		return NAN;
	double a = ap_groups(&g);
	groups_free(&g);
	return a;
}

/* ---- curves ----------------------------------------------------------- */

void lp_curve_free(lp_curve *c)
{
	free(c->x);
	free(c->y);
	free(c->thr);
	memset(c, 0, sizeof *c);
}

static int curve_alloc(lp_curve *c, size_t np)
{
	memset(c, 0, sizeof *c);
	c->x = lp_malloc(np * sizeof(double));
	c->y = lp_malloc(np * sizeof(double));
	c->thr = lp_malloc(np * sizeof(double));
	if (!c->x || !c->y || !c->thr) {
		lp_curve_free(c);
		return -1;
	}
	return 0;
}

/* is_roc: ROC points, else PR points. */
static int make_curve(const double *score, const uint8_t *label, size_t n,
                      lp_curve *c, int is_roc)
{
	groups g;
	double P = 0, N = 0, tp = 0, fp = 0;
	memset(c, 0, sizeof *c);
	if (groups_build(&g, score, label, n) < 0)
		return -1;
	for (size_t k = 0; k < g.ng; k++) {
		P += g.gp[k];
		N += g.gn[k];
	}
	if (P == 0 || (is_roc && N == 0)) {
		groups_free(&g);
		return lp_seterr(LP_EX_DATAERR, "%s curve needs %s",
		                 is_roc ? "ROC" : "PR",
		                 is_roc ? "both classes" : "a positive case");
	}
	if (curve_alloc(c, g.ng + 1) < 0) {
		groups_free(&g);
		return -1;
	}
	if (is_roc) {
		c->x[0] = c->y[0] = 0;
		c->thr[0] = INFINITY;
		c->np = 1;
	}
	for (size_t k = g.ng; k-- > 0; c->np++) {
		tp += g.gp[k];
		fp += g.gn[k];
		c->x[c->np] = is_roc ? fp / N : tp / P;
		c->y[c->np] = is_roc ? tp / P : tp / (tp + fp);
		c->thr[c->np] = g.gscore[k];
	}
	groups_free(&g);
	return 0;
}

int lp_roc_curve(const double *score, const uint8_t *label, size_t n,
                 lp_curve *c)
{
	return make_curve(score, label, n, c, 1);
}

int lp_pr_curve(const double *score, const uint8_t *label, size_t n,
                lp_curve *c)
{
	return make_curve(score, label, n, c, 0);
}

/* ---- bootstrap ------------------------------------------------------------ */

/* One resample: weights into g->gp/gn, metrics into v. */
static void resample(groups *g, const double *score, const uint8_t *label,
                     double thr, uint64_t *rng, double v[LP_CLS_N])
{
	lp_counts cm = { 0, 0, 0, 0 };
	memset(g->gp, 0, g->ng * sizeof(double));
	memset(g->gn, 0, g->ng * sizeof(double));
	for (size_t j = 0; j < g->n; j++) {
		size_t i = lp_rng_index(rng, g->n);
		if (label[i])
			g->gp[g->grp[i]] += 1;
		else
			g->gn[g->grp[i]] += 1;
		cm_add(&cm, label[i], score[i] >= thr);
	}
	cm_metrics(&cm, v);
	v[LP_CLS_AUC] = auc_groups(g);
	v[LP_CLS_AP] = ap_groups(g);
}

int lp_cls_bootstrap(const double *score, const uint8_t *label, size_t n,
                     double thr, int nboot, uint64_t seed, double level,
                     lp_cls_ci *ci)
{
	groups g;
	memset(ci, 0, sizeof *ci);
	ci->nboot = nboot;
	ci->level = level;
	if (nboot < 1 || !(level > 0 && level < 1) || n == 0 || n >= (1ULL << 32))
		return lp_seterr(LP_EX_USAGE, "bootstrap: bad arguments");
	if (groups_build(&g, score, label, n) < 0)
		return -1;
	double *vals = lp_malloc((size_t)nboot * LP_CLS_N * sizeof(double));
	if (!vals) {
		groups_free(&g);
		return -1;
	}
	uint64_t rng = seed;
	for (int b = 0; b < nboot; b++) {
		double v[LP_CLS_N];
		resample(&g, score, label, thr, &rng, v);
		for (int k = 0; k < LP_CLS_N; k++)
			if (!isnan(v[k]))
				vals[(size_t)k * nboot + ci->nvalid[k]++] = v[k];
	}
	for (int k = 0; k < LP_CLS_N; k++) {
		double *x = vals + (size_t)k * nboot;
		ci->lo[k] = lp_percentile(x, (size_t)ci->nvalid[k],
		                          100 * (1 - level) / 2);
		ci->hi[k] = lp_percentile(x, (size_t)ci->nvalid[k],
		                          100 * (1 + level) / 2);
	}
	free(vals);
	groups_free(&g);
	return 0;
}
