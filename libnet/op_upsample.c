/* op_upsample.c - bilinear resize, PyTorch's align_corners=False:
 * src = (dst + 0.5) * in/out - 0.5, clamped at 0; forward and backward. */
#include "ln_cpu.h"

typedef struct {
	int i0, i1;
	float l0, l1;
} tap;

static tap source(int dst, int in, int out)
{
	tap t;
	float scale = (float)in / (float)out;
	float src = scale * ((float)dst + 0.5f) - 0.5f;
	if (src < 0.f)
		src = 0.f;
	t.i0 = (int)src;
	if (t.i0 > in - 1)
		t.i0 = in - 1;
	t.i1 = t.i0 + (t.i0 < in - 1 ? 1 : 0);
	t.l1 = src - (float)t.i0;
	t.l0 = 1.f - t.l1;
	return t;
}

typedef struct {
	int nc, h, w, oh, ow;
	const float *src;
	float *dst;
} up_args;

#define UP_CHUNKS 16

static int up_threads(int nc, int oh, int ow)
{
	return (double)nc * oh * ow > LN_PAR_MIN_ELEMS ? ln_pool_size() : 1;
}

static void fwd_planes(int h, int w, int oh, int ow, int p0, int p1,
                       const float *x, float *y)
{
	for (int pl = p0; pl < p1; pl++) {
		const float *src = x + (size_t)pl * h * w;
		float *dst = y + (size_t)pl * oh * ow;
		for (int oy = 0; oy < oh; oy++) {
			tap ty = source(oy, h, oh);
			const float *r0 = src + (size_t)ty.i0 * w;
			const float *r1 = src + (size_t)ty.i1 * w;
			for (int ox = 0; ox < ow; ox++) {
				tap tx = source(ox, w, ow);
				dst[(size_t)oy * ow + ox] =
				    ty.l0 * (tx.l0 * r0[tx.i0] + tx.l1 * r0[tx.i1]) +
				    ty.l1 * (tx.l0 * r1[tx.i0] + tx.l1 * r1[tx.i1]);
			}
		}
	}
}

static void bwd_planes(int h, int w, int oh, int ow, int p0, int p1,
                       const float *dy, float *dx)
{
	for (int pl = p0; pl < p1; pl++) {
		const float *g = dy + (size_t)pl * oh * ow;
		float *d = dx + (size_t)pl * h * w;
		for (int oy = 0; oy < oh; oy++) {
			tap ty = source(oy, h, oh);
			float *r0 = d + (size_t)ty.i0 * w;
			float *r1 = d + (size_t)ty.i1 * w;
			for (int ox = 0; ox < ow; ox++) {
				tap tx = source(ox, w, ow);
				float v = g[(size_t)oy * ow + ox];
				r0[tx.i0] += ty.l0 * tx.l0 * v;
				r0[tx.i1] += ty.l0 * tx.l1 * v;
				r1[tx.i0] += ty.l1 * tx.l0 * v;
				r1[tx.i1] += ty.l1 * tx.l1 * v;
			}
		}
	}
}

static void up_chunk(void *arg, int c, int tid)
{
	const up_args *A = arg;
	int p0 = (int)((long)A->nc * c / UP_CHUNKS);
	int p1 = (int)((long)A->nc * (c + 1) / UP_CHUNKS);
	fwd_planes(A->h, A->w, A->oh, A->ow, p0, p1, A->src, A->dst);
}

static void down_chunk(void *arg, int c, int tid)
{
	const up_args *A = arg;
	int p0 = (int)((long)A->nc * c / UP_CHUNKS);
	int p1 = (int)((long)A->nc * (c + 1) / UP_CHUNKS);
	bwd_planes(A->h, A->w, A->oh, A->ow, p0, p1, A->src, A->dst);
}

void ln_cpu_upsample_fwd(int nc, int h, int w, int oh, int ow, const float *x,
                         float *y)
{
	up_args A = {nc, h, w, oh, ow, x, y};
	ln_pool_run(UP_CHUNKS, up_chunk, &A, up_threads(nc, oh, ow));
}

void ln_cpu_upsample_bwd(int nc, int h, int w, int oh, int ow,
                         const float *dy, float *dx)
{
	up_args A = {nc, h, w, oh, ow, dy, dx};
	ln_pool_run(UP_CHUNKS, down_chunk, &A, up_threads(nc, oh, ow));
}
