/* cpu_util.c - threads, partitions, GEMM and layout helpers of the CPU
 * backend. */
#include "ln.h"
#include "ln_cpu.h"

#include <cblas.h>
#include <omp.h>
#include <pthread.h>
#include <string.h>

static int g_threads;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void blas_single(void)
{
	/* OpenBLAS runs inside our pool threads: one thread each, so the
	 * two thread pools never fight for the cores. */
	openblas_set_num_threads(1);
}

void ln_set_threads(int n)
{
	pthread_once(&g_once, blas_single);
	g_threads = n > 0 ? n : 0;
}

int ln_get_threads(void)
{
	return g_threads > 0 ? g_threads : omp_get_max_threads();
}

int ln_cpu_threads(void)
{
	pthread_once(&g_once, blas_single);
	return ln_get_threads();
}

int ln_cpu_chunk(int K, int cols)
{
	/* Keep a thread's lowered slab near the L2 size (1 MB) so that the
	 * GEMM reads it from cache, but wide enough for an efficient GEMM. */
	long c = (256L << 10) / (K > 0 ? K : 1);
	if (c < 64)
		c = 64;
	if (c > cols)
		c = cols;
	return c > 0 ? (int)c : 1;
}

int ln_cpu_images(int K, int ohw, int n)
{
	int g = ln_cpu_chunk(K, n * ohw) / ohw, bal = n / 4;
	if (g > bal)
		g = bal;
	return g < 1 ? 1 : g;
}

void ln_gemm(int ta, int tb, int M, int N, int K, float alpha,
             const float *A, int lda, const float *B, int ldb, float beta,
             float *C, int ldc)
{
	if (M <= 0 || N <= 0)
		return;
	if (K <= 0) {
		for (int i = 0; i < M; i++)
			for (int j = 0; j < N; j++)
				C[(size_t)i * ldc + j] *= beta;
		return;
	}
	cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
	            tb ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, lda, B,
	            ldb, beta, C, ldc);
}

void ln_gather(const float *x, int c, int ohw, int j0, int j1, float *slab)
{
	int ld = j1 - j0;
	for (int j = j0; j < j1;) {
		int img = j / ohw, p0 = j % ohw;
		int p1 = (j1 - j < ohw - p0) ? p0 + (j1 - j) : ohw;
		for (int ch = 0; ch < c; ch++)
			memcpy(slab + (size_t)ch * ld + (j - j0),
			       x + ((size_t)img * c + ch) * ohw + p0,
			       sizeof(float) * (size_t)(p1 - p0));
		j += p1 - p0;
	}
}

void ln_scatter(const float *slab, int c, int ohw, int j0, int j1,
                const float *bias, int add, float *y)
{
	int ld = j1 - j0;
	for (int j = j0; j < j1;) {
		int img = j / ohw, p0 = j % ohw;
		int p1 = (j1 - j < ohw - p0) ? p0 + (j1 - j) : ohw;
		for (int ch = 0; ch < c; ch++) {
			const float *s = slab + (size_t)ch * ld + (j - j0);
			float *o = y + ((size_t)img * c + ch) * ohw + p0;
			float bv = bias ? bias[ch] : 0.f;
			if (add)
				for (int p = 0; p < p1 - p0; p++)
					o[p] += s[p] + bv;
			else
				for (int p = 0; p < p1 - p0; p++)
					o[p] = s[p] + bv;
		}
		j += p1 - p0;
	}
}

void ln_bias_grad(int n, int c, int hw, const float *dy, float *db)
{
	for (int ch = 0; ch < c; ch++) {
		double s = 0;
		for (int i = 0; i < n; i++) {
			const float *p = dy + ((size_t)i * c + ch) * hw;
			for (int q = 0; q < hw; q++)
				s += p[q];
		}
		db[ch] += (float)s;
	}
}

/* Part `part` of 8 of the weight-gradient reduction shared by conv2d and
 * conv-transpose2d: dw[i] += the sum over chunks of parts[len*c + src(i)],
 * where each row of dw holds K = kk*inner values in (inner, k) order and,
 * when reordered, the partials hold them in (k, inner) order. */
void ln_reduce_wgrad(const float *parts, int nchunk, size_t len, size_t K,
                     size_t kk, size_t inner, int reordered, float *dw,
                     int part)
{
	size_t lo = len * (size_t)part / 8, hi = len * (size_t)(part + 1) / 8;
	for (size_t i = lo; i < hi; i++) {
		size_t src = i;
		if (reordered) {
			size_t o = i / K, r = i % K;
			src = o * K + (r % kk) * inner + r / kk;
		}
		float s = 0.f;
		for (int c = 0; c < nchunk; c++)
			s += parts[len * (size_t)c + src];
		dw[i] += s;
	}
}
