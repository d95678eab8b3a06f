/* op_dupsample.c - the DUpsampling rearrangement (Tian et al. 2019):
 * N x (K*s*s) x H x W -> N x K x (H*s) x (W*s) with
 *   out[n][k][h*s+b][w*s+a] = in[n][(a*s + b)*K + k][h][w],
 * a the column offset and b the row offset inside the s x s cell - the
 * channel order of the reference PyTorch code (permute(0,2,3,1), view,
 * permute(0,2,1,3), view, permute(0,3,2,1)).  Forward and backward. */
#include "ln_cpu.h"

static size_t src_index(int K, int h, int w, int s, int n, int k, int y,
                        int x)
{
	int hh = y / s, bb = y % s, ww = x / s, aa = x % s;
	int ch = (aa * s + bb) * K + k;
	return (((size_t)n * K * s * s + ch) * h + hh) * w + ww;
}

void ln_cpu_dups_fwd(int n, int k, int h, int w, int s, const float *x,
                     float *y)
{
	int oh = h * s, ow = w * s;
	for (int i = 0; i < n; i++)
		for (int c = 0; c < k; c++)
			for (int oy = 0; oy < oh; oy++)
				for (int ox = 0; ox < ow; ox++)
					*y++ = x[src_index(k, h, w, s, i, c, oy, ox)];
}

void ln_cpu_dups_bwd(int n, int k, int h, int w, int s, const float *dy,
                     float *dx)
{
	int oh = h * s, ow = w * s;
	for (int i = 0; i < n; i++)
		for (int c = 0; c < k; c++)
			for (int oy = 0; oy < oh; oy++)
				for (int ox = 0; ox < ow; ox++)
					dx[src_index(k, h, w, s, i, c, oy, ox)] += *dy++;
}
