/* op_relu.c - ReLU forward and backward (CPU). */
#include "ln_cpu.h"

void ln_cpu_relu_fwd(size_t len, const float *x, float *y)
{
	for (size_t i = 0; i < len; i++)
		y[i] = x[i] > 0.f ? x[i] : 0.f;
}

/* Uses the output: dx += dy where y > 0. */
void ln_cpu_relu_bwd(size_t len, const float *y, const float *dy, float *dx)
{
	for (size_t i = 0; i < len; i++)
		if (y[i] > 0.f)
			dx[i] += dy[i];
}
