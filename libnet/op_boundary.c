/* op_boundary.c - the boundary-consistency loss L_b, forward and backward
 * (CPU).  See ln_loss_boundary() in ln.h for the definition:
 *   B(p) = p - min(p, 4-neighbours), per sample
 *   L_b = sum|B(p) - B(g)| / (sum B(p) + sum B(g) + 1e-6), batch mean. */
#include "ln_cpu.h"

#include <math.h>

#define BND_EPS 1e-6

/* Index (within the plane) of the smallest of pixel i and its 4
 * neighbours inside the image; the first one wins ties. */
static int argmin5(const float *p, int h, int w, int i)
{
	int y = i / w, x = i % w, best = i;
	int nb[4] = {y > 0 ? i - w : -1, y < h - 1 ? i + w : -1,
	             x > 0 ? i - 1 : -1, x < w - 1 ? i + 1 : -1};
	for (int k = 0; k < 4; k++)
		if (nb[k] >= 0 && p[nb[k]] < p[best])
			best = nb[k];
	return best;
}

double ln_cpu_bnd_fwd(int n, int h, int w, const float *p, const float *g,
                      int *argmin, float *bp, float *bg)
{
	int hw = h * w;
	double total = 0;
	for (int s = 0; s < n; s++) {
		const float *ps = p + (size_t)s * hw, *gs = g + (size_t)s * hw;
		double a = 0, sb = 0;
		for (int i = 0; i < hw; i++) {
			size_t o = (size_t)s * hw + i;
			int m = argmin5(ps, h, w, i);
			argmin[o] = m;
			bp[o] = ps[i] - ps[m];
			bg[o] = gs[i] - gs[argmin5(gs, h, w, i)];
			a += fabs((double)bp[o] - bg[o]);
			sb += (double)bp[o] + bg[o];
		}
		total += a / (sb + BND_EPS);
	}
	return total / n;
}

void ln_cpu_bnd_bwd(int n, int h, int w, const float *bp, const float *bg,
                    const int *argmin, float gout, float *dp)
{
	int hw = h * w;
	for (int s = 0; s < n; s++) {
		const float *b = bp + (size_t)s * hw, *q = bg + (size_t)s * hw;
		double a = 0, sb = 0;
		for (int i = 0; i < hw; i++) {
			a += fabs((double)b[i] - q[i]);
			sb += (double)b[i] + q[i];
		}
		double S = sb + BND_EPS, k = (double)gout / n;
		float *d = dp + (size_t)s * hw;
		const int *am = argmin + (size_t)s * hw;
		for (int i = 0; i < hw; i++) {
			double diff = (double)b[i] - q[i];
			double sg = diff > 0 ? 1.0 : (diff < 0 ? -1.0 : 0.0);
			float gb = (float)(k * (sg / S - a / (S * S)));
			d[i] += gb;
			d[am[i]] -= gb;
		}
	}
}
