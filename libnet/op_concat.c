/* op_concat.c - concatenation along channels, addition/scaling (axpby);
 * forward and backward (CPU). */
#include "ln_cpu.h"

#include <string.h>

void ln_cpu_concat_fwd(int n, int ca, int cb, int hw, const float *a,
                       const float *b, float *y)
{
	size_t la = (size_t)ca * hw, lb = (size_t)cb * hw;
	for (int i = 0; i < n; i++) {
		memcpy(y + i * (la + lb), a + i * la, sizeof(float) * la);
		memcpy(y + i * (la + lb) + la, b + i * lb, sizeof(float) * lb);
	}
}

void ln_cpu_concat_bwd(int n, int ca, int cb, int hw, const float *dy,
                       float *da, float *db)
{
	size_t la = (size_t)ca * hw, lb = (size_t)cb * hw;
	for (int i = 0; i < n; i++) {
		const float *g = dy + i * (la + lb);
		if (da)
			for (size_t q = 0; q < la; q++)
				da[i * la + q] += g[q];
		if (db)
			for (size_t q = 0; q < lb; q++)
				db[i * lb + q] += g[la + q];
	}
}

/* y = alpha*a + beta*b (b may be NULL); y may alias a or b. */
void ln_cpu_axpby(size_t len, float alpha, const float *a, float beta,
                  const float *b, float *y)
{
	if (b)
		for (size_t i = 0; i < len; i++)
			y[i] = alpha * a[i] + beta * b[i];
	else
		for (size_t i = 0; i < len; i++)
			y[i] = alpha * a[i];
}
