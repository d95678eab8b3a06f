/* ops.c - libnet convolution benchmark (built and run by bench/ops.sh).
 * For each conv shape of HR-MPF at batch 16: libnet forward (and backward)
 * GFLOP/s beside OpenBLAS sgemm at the same GEMM shape (M = cout,
 * N = batch*oh*ow, K = cin*k*k, OpenBLAS's own threads), and the overall
 * forward rate against the FMA peak (the 392 GFLOP/s and a
 * measured AVX2 FMA loop). */
#include "ln.h"
#include "ln_backend.h"

#include <cblas.h>
#include <immintrin.h>
#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

static float *buf(size_t n)
{
	float *p = malloc((n ? n : 1) * sizeof(float));
	for (size_t i = 0; i < n; i++)
		p[i] = (float)((i * 2654435761u) % 1000) / 1000.f - 0.5f;
	return p;
}

/* best time of `reps` runs after one warm-up */
#define BEST(reps, stmt)                                    \
	({                                                  \
		double best_ = 1e30;                        \
		stmt;                                       \
		for (int r_ = 0; r_ < (reps); r_++) {       \
			double t0_ = now();                 \
			stmt;                               \
			double dt_ = now() - t0_;           \
			if (dt_ < best_)                    \
				best_ = dt_;                \
		}                                           \
		best_;                                      \
	})

static volatile float seed[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

/* 12 independent FMA chains per thread (latency 4 x 2 pipes < 12). */
static double fma_peak(int threads)
{
	double flops = 0, t0 = now();
	long it = 30000000;
#pragma omp parallel num_threads(threads) reduction(+ : flops)
	{
		__m256 m = _mm256_set1_ps(0.999f), c = _mm256_set1_ps(1e-3f);
		/* distinct starts: equal chains would be merged by the compiler */
		__m256 a0 = _mm256_set1_ps(seed[0]), a1 = _mm256_set1_ps(seed[1]);
		__m256 a2 = _mm256_set1_ps(seed[2]), a3 = _mm256_set1_ps(seed[3]);
		__m256 a4 = _mm256_set1_ps(seed[4]), a5 = _mm256_set1_ps(seed[5]);
		__m256 a6 = _mm256_set1_ps(seed[6]), a7 = _mm256_set1_ps(seed[7]);
		__m256 a8 = _mm256_set1_ps(seed[8]), a9 = _mm256_set1_ps(seed[9]);
		__m256 a10 = _mm256_set1_ps(seed[10]), a11 = _mm256_set1_ps(seed[11]);
		for (long i = 0; i < it; i++) {
			a0 = _mm256_fmadd_ps(a0, m, c);
			a1 = _mm256_fmadd_ps(a1, m, c);
			a2 = _mm256_fmadd_ps(a2, m, c);
			a3 = _mm256_fmadd_ps(a3, m, c);
			a4 = _mm256_fmadd_ps(a4, m, c);
			a5 = _mm256_fmadd_ps(a5, m, c);
			a6 = _mm256_fmadd_ps(a6, m, c);
			a7 = _mm256_fmadd_ps(a7, m, c);
			a8 = _mm256_fmadd_ps(a8, m, c);
			a9 = _mm256_fmadd_ps(a9, m, c);
			a10 = _mm256_fmadd_ps(a10, m, c);
			a11 = _mm256_fmadd_ps(a11, m, c);
		}
		__m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
		                         _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
		s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11)));
		float o[8];
		_mm256_storeu_ps(o, s);
		flops += it * 12.0 * 16 + (o[0] == 12345.f);
	}
	return flops / (now() - t0) / 1e9;
}

typedef struct {
	const char *what;
	int cin, cout, hw, k, s, p, tr;
} shape;

int main(int argc, char **argv)
{
	int N = 16, reps = argc > 1 ? atoi(argv[1]) : 5;
	int T = ln_get_threads();
	static const shape shapes[] = {
	    {"3x3 32->32 @16", 32, 32, 16, 3, 1, 1, 0},
	    {"3x3 64->64 @16", 64, 64, 16, 3, 1, 1, 0},
	    {"3x3 64->64 @8", 64, 64, 8, 3, 1, 1, 0},
	    {"3x3 128->128 @8", 128, 128, 8, 3, 1, 1, 0},
	    {"3x3 128->128 @4", 128, 128, 4, 3, 1, 1, 0},
	    {"3x3 s2 64->128 16->8", 64, 128, 16, 3, 2, 1, 0},
	    {"deconv4 s2 128->64 8->16", 128, 64, 8, 4, 2, 1, 1},
	    {"1x1 64->32 @16 (DUps head)", 64, 32, 16, 1, 1, 0, 0},
	};
	double pk = fma_peak(T);
	printf("libnet conv benchmark, batch %d, %d threads (machine shared with "
	       "other jobs: numbers are noisy)\n", N, T);
	printf("measured AVX2 FMA peak %.0f GFLOP/s; issue's FMA peak 392\n", pk);
	printf("%-28s %9s %9s %9s %7s %9s\n", "shape", "fwd GF/s", "bwd GF/s",
	       "sgemm", "fwd/sg", "fwd ms");
	double tot_f = 0, tot_t = 0, tot_sg = 0;
	for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
		const shape *s = &shapes[i];
		ln_conv_desc d;
		ln_conv_desc_set(&d, s->tr, N, s->cin, s->hw, s->hw, s->cout, s->k,
		                 s->k, s->s, s->p);
		size_t lx = (size_t)N * s->cin * s->hw * s->hw;
		size_t ly = (size_t)N * s->cout * d.oh * d.ow;
		size_t lw = (size_t)s->cin * s->cout * s->k * s->k;
		size_t lwork = s->tr ? ln_cpu_deconv2d_work(&d) : ln_cpu_conv2d_work(&d);
		float *x = buf(lx), *w = buf(lw), *y = buf(ly), *work = buf(lwork);
		float *dx = buf(lx), *dw = buf(lw), *b = buf(s->cout);
		/* flops of the multiply-adds; for deconv the same as the conv
		 * from y to x */
		double pix = s->tr ? (double)N * s->hw * s->hw : (double)N * d.oh * d.ow;
		double fl = 2.0 * pix * s->cin * s->cout * s->k * s->k;
		double tf = BEST(reps, (s->tr ? ln_cpu_deconv2d_fwd : ln_cpu_conv2d_fwd)(
		                           &d, x, w, b, y, work));
		double tb = BEST(reps, (s->tr ? ln_cpu_deconv2d_bwd : ln_cpu_conv2d_bwd)(
		                           &d, x, w, y, dx, dw, NULL, work));
		/* the same GEMM through OpenBLAS with its own threads */
		int M = s->tr ? s->cout * s->k * s->k : s->cout;
		int Kd = s->tr ? s->cin : s->cin * s->k * s->k;
		int Nn = (int)pix;
		float *A = buf((size_t)M * Kd), *B = buf((size_t)Kd * Nn), *C = buf((size_t)M * Nn);
		openblas_set_num_threads(T);
		double ts = BEST(reps, cblas_sgemm(CblasRowMajor, CblasNoTrans,
		                                   CblasNoTrans, M, Nn, Kd, 1.f, A, Kd,
		                                   B, Nn, 0.f, C, Nn));
		openblas_set_num_threads(1);
		printf("%-28s %9.1f %9.1f %9.1f %7.2f %9.3f\n", s->what, fl / tf / 1e9,
		       2 * fl / tb / 1e9, fl / ts / 1e9, ts / tf, tf * 1e3);
		tot_f += fl;
		tot_t += tf;
		tot_sg += ts;
		free(x), free(w), free(y), free(work), free(dx), free(dw), free(b);
		free(A), free(B), free(C);
	}
	printf("overall forward: %.1f GFLOP/s = %.0f%% of 392 (issue), %.0f%% of "
	       "measured FMA peak %.0f, %.2fx of sgemm at the same shapes\n",
	       tot_f / tot_t / 1e9, 100 * tot_f / tot_t / 1e9 / 392,
	       100 * tot_f / tot_t / 1e9 / pk, pk, tot_sg / tot_t);
	return 0;
}
