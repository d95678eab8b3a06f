/* op_batchnorm.c - 2-D batch normalisation, forward (train / eval) and
 * backward (CPU), one channel per pool chunk.  Statistics per channel over
 * N*H*W in double; the running statistics follow PyTorch:
 * r = (1-m)*r + m*batch, with the unbiased batch variance. */
#include "ln_cpu.h"

#include <math.h>

typedef struct {
	int n, c, hw, train;
	float eps, momentum;
	const float *x, *gamma, *beta, *dy;
	float *rmean, *rvar, *mean, *invstd, *y, *dx, *dgamma, *dbeta;
	const float *crmean, *crvar;
} bn_args;

static int threads_for(int n, int c, int hw)
{
	return (double)n * c * hw > LN_PAR_MIN_ELEMS ? ln_pool_size() : 1;
}

/* y = x*a + b over channel ch */
static void affine(const bn_args *A, int ch, float a, float b)
{
	for (int i = 0; i < A->n; i++) {
		const float *p = A->x + ((size_t)i * A->c + ch) * A->hw;
		float *o = A->y + ((size_t)i * A->c + ch) * A->hw;
		for (int q = 0; q < A->hw; q++)
			o[q] = p[q] * a + b;
	}
}

static void train_ch(void *arg, int ch, int tid)
{
	const bn_args *A = arg;
	double cnt = (double)A->n * A->hw, s = 0, ss = 0;
	for (int i = 0; i < A->n; i++) {
		const float *p = A->x + ((size_t)i * A->c + ch) * A->hw;
		for (int q = 0; q < A->hw; q++)
			s += p[q];
	}
	double mu = s / cnt;
	for (int i = 0; i < A->n; i++) {
		const float *p = A->x + ((size_t)i * A->c + ch) * A->hw;
		for (int q = 0; q < A->hw; q++)
			ss += (p[q] - mu) * (p[q] - mu);
	}
	double var = ss / cnt, is = 1.0 / sqrt(var + A->eps);
	A->mean[ch] = (float)mu;
	A->invstd[ch] = (float)is;
	affine(A, ch, (float)(A->gamma[ch] * is),
	       (float)(A->beta[ch] - mu * A->gamma[ch] * is));
	if (A->rmean && A->rvar) {
		double unb = cnt > 1 ? ss / (cnt - 1) : var, m = A->momentum;
		A->rmean[ch] = (float)((1 - m) * A->rmean[ch] + m * mu);
		A->rvar[ch] = (float)((1 - m) * A->rvar[ch] + m * unb);
	}
}

void ln_cpu_bn_fwd_train(int n, int c, int hw, const float *x,
                         const float *gamma, const float *beta, float eps,
                         float momentum, float *rmean, float *rvar,
                         float *mean, float *invstd, float *y)
{
	bn_args A = {.n = n, .c = c, .hw = hw, .eps = eps,
	             .momentum = momentum, .x = x, .gamma = gamma,
	             .beta = beta, .rmean = rmean, .rvar = rvar, .mean = mean,
	             .invstd = invstd, .y = y};
	ln_pool_run(c, train_ch, &A, threads_for(n, c, hw));
}

static void eval_ch(void *arg, int ch, int tid)
{
	const bn_args *A = arg;
	double is = 1.0 / sqrt((double)A->crvar[ch] + A->eps);
	affine(A, ch, (float)(A->gamma[ch] * is),
	       (float)(A->beta[ch] - A->crmean[ch] * A->gamma[ch] * is));
}

void ln_cpu_bn_fwd_eval(int n, int c, int hw, const float *x,
                        const float *gamma, const float *beta, float eps,
                        const float *rmean, const float *rvar, float *y)
{
	bn_args A = {.n = n, .c = c, .hw = hw, .eps = eps, .x = x,
	             .gamma = gamma, .beta = beta, .crmean = rmean,
	             .crvar = rvar, .y = y};
	ln_pool_run(c, eval_ch, &A, threads_for(n, c, hw));
}

static void bwd_ch(void *arg, int ch, int tid)
{
	const bn_args *A = arg;
	double cnt = (double)A->n * A->hw, sdy = 0, sdyx = 0;
	double mu = A->mean[ch], is = A->invstd[ch];
	for (int i = 0; i < A->n; i++) {
		const float *p = A->x + ((size_t)i * A->c + ch) * A->hw;
		const float *g = A->dy + ((size_t)i * A->c + ch) * A->hw;
		for (int q = 0; q < A->hw; q++) {
			sdy += g[q];
			sdyx += g[q] * (p[q] - mu) * is;
		}
	}
	if (A->dgamma)
		A->dgamma[ch] += (float)sdyx;
	if (A->dbeta)
		A->dbeta[ch] += (float)sdy;
	if (!A->dx)
		return;
	double k = A->gamma[ch] * is;
	for (int i = 0; i < A->n; i++) {
		const float *p = A->x + ((size_t)i * A->c + ch) * A->hw;
		const float *g = A->dy + ((size_t)i * A->c + ch) * A->hw;
		float *o = A->dx + ((size_t)i * A->c + ch) * A->hw;
		for (int q = 0; q < A->hw; q++) {
			double v = g[q];
			if (A->train)
				v -= (sdy + (p[q] - mu) * is * sdyx) / cnt;
			o[q] += (float)(k * v);
		}
	}
}

void ln_cpu_bn_bwd(int n, int c, int hw, int train, const float *x,
                   const float *gamma, const float *mean, const float *invstd,
                   const float *dy, float *dx, float *dgamma, float *dbeta)
{
	bn_args A = {.n = n, .c = c, .hw = hw, .train = train, .x = x,
	             .gamma = gamma, .mean = (float *)mean,
	             .invstd = (float *)invstd, .dy = dy, .dx = dx,
	             .dgamma = dgamma, .dbeta = dbeta};
	ln_pool_run(c, bwd_ch, &A, threads_for(n, c, hw));
}
