/* op_avgpool.c - global average pooling, forward and backward (CPU). */
#include "ln_cpu.h"

void ln_cpu_avgpool_fwd(int nc, int hw, const float *x, float *y)
{
	for (int i = 0; i < nc; i++) {
		double s = 0;
		for (int q = 0; q < hw; q++)
			s += x[(size_t)i * hw + q];
		y[i] = (float)(s / hw);
	}
}

void ln_cpu_avgpool_bwd(int nc, int hw, const float *dy, float *dx)
{
	for (int i = 0; i < nc; i++) {
		float g = dy[i] / (float)hw;
		for (int q = 0; q < hw; q++)
			dx[(size_t)i * hw + q] += g;
	}
}
