/* ln_cpu.h - helpers shared by the CPU kernels (internal). */
#ifndef LN_CPU_H
#define LN_CPU_H

#include "ln_backend.h"

#include <stddef.h>

/* Below this many multiply-adds (or elements, for the cheap ops) a kernel
 * runs on the calling thread alone. */
#define LN_PAR_MIN_FMA 2e6
#define LN_PAR_MIN_ELEMS 65536

/* Threads for the CPU backend (the pool); OpenBLAS is kept at 1 thread. */
int ln_cpu_threads(void);
/* cpu_pool.c: run fn(arg, chunk, tid) for chunks [0, n) on up to T threads
 * (tid in [0, T) indexes per-thread scratch); returns when all are done. */
typedef void (*ln_pool_fn)(void *arg, int chunk, int tid);
void ln_pool_run(int n, ln_pool_fn fn, void *arg, int T);
int ln_pool_size(void);

/* Largest column chunk a thread processes at once for K rows. */
int ln_cpu_chunk(int K, int cols);
/* Images per chunk for the lowered conv matrices (K rows, ohw columns per
 * image, n images); independent of the thread count. */
int ln_cpu_images(int K, int ohw, int n);
/* Row-major C = alpha*op(A)*op(B) + beta*C through OpenBLAS. */
void ln_gemm(int ta, int tb, int M, int N, int K, float alpha,
             const float *A, int lda, const float *B, int ldb, float beta,
             float *C, int ldc);
/* NCHW (c channels, ohw pixels) columns [j0,j1) -> slab[c][j1-j0]. */
void ln_gather(const float *x, int c, int ohw, int j0, int j1, float *slab);
/* y (NCHW) columns [j0,j1) = slab (+ bias[c] if bias); add: += instead. */
void ln_scatter(const float *slab, int c, int ohw, int j0, int j1,
                const float *bias, int add, float *y);
/* db[c] += sum over n, pixels of dy. */
void ln_bias_grad(int n, int c, int hw, const float *dy, float *db);
/* Part `part` (of 8) of summing per-chunk weight-gradient partials into
 * dw; see cpu_util.c. */
void ln_reduce_wgrad(const float *parts, int nchunk, size_t len, size_t K,
                     size_t kk, size_t inner, int reordered, float *dw,
                     int part);

/* im2row.c: channels-last lowering for the forward convolution. */
void ln_nchw_to_nhwc(int i0, int i1, int c, int hw, const float *x,
                     float *xt);
/* xt holds images i0.. (NHWC); rows [j0, j1) of the batch matrix. */
void ln_im2row(const ln_conv_desc *d, const float *xt, int i0, int j0,
               int j1, float *colT);
void ln_row2im(const ln_conv_desc *d, const float *colT, int i0, int j0,
               int j1, float *dxt);
void ln_nhwc_add_to_nchw(int nimg, int c, int hw, const float *xt, float *x);
void ln_rows_to_nchw(const float *Yt, int c, int ohw, int j0, int j1,
                     const float *bias, float *y);

#endif
