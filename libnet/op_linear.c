/* op_linear.c - fully connected layer y = x W^T + b (W: cout x cin, as
 * PyTorch's nn.Linear), forward and backward (CPU, OpenBLAS). */
#include "ln_cpu.h"

void ln_cpu_linear_fwd(int n, int cin, int cout, const float *x,
                       const float *w, const float *b, float *y)
{
	ln_cpu_threads();
	ln_gemm(0, 1, n, cout, cin, 1.f, x, cin, w, cin, 0.f, y, cout);
	if (b)
		for (int i = 0; i < n; i++)
			for (int o = 0; o < cout; o++)
				y[(size_t)i * cout + o] += b[o];
}

void ln_cpu_linear_bwd(int n, int cin, int cout, const float *x,
                       const float *w, const float *dy, float *dx, float *dw,
                       float *db)
{
	ln_cpu_threads();
	if (dx)
		ln_gemm(0, 0, n, cin, cout, 1.f, dy, cout, w, cin, 1.f, dx, cin);
	if (dw)
		ln_gemm(1, 0, cout, cin, n, 1.f, dy, cout, x, cin, 1.f, dw, cin);
	if (db)
		ln_bias_grad(n, cout, 1, dy, db);
}
