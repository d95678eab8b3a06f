/* op_softmax.c - softmax over channels and softmax cross-entropy (per
 * pixel for N x C x H x W, per sample when H = W = 1), forward and
 * backward (CPU). */
#include "ln_cpu.h"

#include <math.h>

static double softmax_at(int c, int hw, const float *x, float *y)
{
	/* x, y point at channel 0 of one position; stride hw. Returns the
	 * log of the normaliser (log-sum-exp). */
	float mx = x[0];
	for (int k = 1; k < c; k++)
		if (x[(size_t)k * hw] > mx)
			mx = x[(size_t)k * hw];
	double s = 0;
	for (int k = 0; k < c; k++)
		s += exp((double)x[(size_t)k * hw] - mx);
	for (int k = 0; k < c; k++)
		y[(size_t)k * hw] = (float)(exp((double)x[(size_t)k * hw] - mx) / s);
	return mx + log(s);
}

void ln_cpu_softmax_fwd(int n, int c, int hw, const float *x, float *y)
{
	for (int i = 0; i < n; i++)
		for (int p = 0; p < hw; p++) {
			size_t o = (size_t)i * c * hw + p;
			softmax_at(c, hw, x + o, y + o);
		}
}

void ln_cpu_softmax_bwd(int n, int c, int hw, const float *y, const float *dy,
                        float *dx)
{
	for (int i = 0; i < n; i++)
		for (int p = 0; p < hw; p++) {
			size_t o = (size_t)i * c * hw + p;
			double s = 0;
			for (int k = 0; k < c; k++)
				s += (double)dy[o + (size_t)k * hw] * y[o + (size_t)k * hw];
			for (int k = 0; k < c; k++) {
				size_t q = o + (size_t)k * hw;
				dx[q] += (float)(y[q] * (dy[q] - s));
			}
		}
}

double ln_cpu_ce_fwd(int n, int c, int hw, const float *x, const int *lab,
                     float *prob)
{
	double loss = 0;
	for (int i = 0; i < n; i++)
		for (int p = 0; p < hw; p++) {
			size_t o = (size_t)i * c * hw + p;
			double lse = softmax_at(c, hw, x + o, prob + o);
			int l = lab[(size_t)i * hw + p];
			loss += lse - x[o + (size_t)l * hw];
		}
	return loss / ((double)n * hw);
}

void ln_cpu_ce_bwd(int n, int c, int hw, const float *prob, const int *lab,
                   float g, float *dx)
{
	float k = (float)(g / ((double)n * hw));
	for (int i = 0; i < n; i++)
		for (int p = 0; p < hw; p++) {
			size_t o = (size_t)i * c * hw + p;
			int l = lab[(size_t)i * hw + p];
			for (int ch = 0; ch < c; ch++) {
				size_t q = o + (size_t)ch * hw;
				dx[q] += k * (prob[q] - (ch == l ? 1.f : 0.f));
			}
		}
}
