/* phantom_noise.c - from the clean volume to the scan: an in-plane PSF
 * (separable [p, 1-2p, p] blur), correlated Gaussian noise (white noise
 * from a counter-based hash, smoothed in-plane by [c, 1-2c, c] and scaled
 * back to the drawn sigma), the region outside the circular field of view
 * (-2000 or -3024 in some scans, as in LUNA16), and rounding to int16.
 * Also the noise estimate used when inserting nodules into a real scan. */
#include <math.h>
#include <stdlib.h>
#include <omp.h>
#include "phantom_int.h"

static void smooth3(const float *in, float *out, int64_t nx, int64_t ny,
                    double p)
{
	float a = (float)p, b = (float)(1 - 2 * p);
	for (int64_t j = 0; j < ny; j++)
		for (int64_t i = 0; i < nx; i++) {
			const float *r = in + j * nx;
			float l = r[i > 0 ? i - 1 : i], c = r[i];
			float rr = r[i < nx - 1 ? i + 1 : i];
			out[j * nx + i] = a * (l + rr) + b * c;
		}
}

/* Transpose-free y pass: out(i,j) from in(i,j-1..j+1). */
static void smooth3y(const float *in, float *out, int64_t nx, int64_t ny,
                     double p)
{
	float a = (float)p, b = (float)(1 - 2 * p);
	for (int64_t j = 0; j < ny; j++) {
		const float *u = in + (j > 0 ? j - 1 : j) * nx, *c = in + j * nx;
		const float *d = in + (j < ny - 1 ? j + 1 : j) * nx;
		for (int64_t i = 0; i < nx; i++)
			out[j * nx + i] = a * (u[i] + d[i]) + b * c[i];
	}
}

static void noise_slice(const ph_anat *a, int64_t k, float *n, float *tmp)
{
	int64_t nx = a->nx, ny = a->ny;
	double c = a->noise_corr, g = c * c * 2 + (1 - 2 * c) * (1 - 2 * c);
	float scale = (float)(a->noise_sigma / g); /* 1/sqrt(g^2) */
	uint64_t base = (uint64_t)k * (uint64_t)(nx * ny);
	for (int64_t i = 0; i < nx * ny; i++)
		n[i] = ph_hash_gauss(a->noise_seed, base + (uint64_t)i);
	smooth3(n, tmp, nx, ny, c);
	smooth3y(tmp, n, nx, ny, c);
	for (int64_t i = 0; i < nx * ny; i++)
		n[i] *= scale;
}

static int16_t to_i16(double v)
{
	v = floor(v + 0.5);
	return (int16_t)(v < -3024 ? -3024 : v > 3071 ? 3071 : v);
}

static void finish_slice(const ph_anat *a, int64_t k, const float *img,
                         int16_t *out, float *buf)
{
	int64_t nx = a->nx, ny = a->ny;
	float *b1 = buf, *b2 = buf + nx * ny, *n = buf + 2 * nx * ny;
	double r2 = 0.25 * fmin(nx * a->sp[0], ny * a->sp[1]) *
	            fmin(nx * a->sp[0], ny * a->sp[1]);
	smooth3(img, b1, nx, ny, a->psf);
	smooth3y(b1, b2, nx, ny, a->psf);
	noise_slice(a, k, n, b1);
	for (int64_t j = 0; j < ny; j++) {
		double dy = (j - 0.5 * (ny - 1)) * a->sp[1];
		for (int64_t i = 0; i < nx; i++) {
			double dx = (i - 0.5 * (nx - 1)) * a->sp[0];
			int64_t q = j * nx + i;
			if (a->pad_value && dx * dx + dy * dy > r2)
				out[q] = (int16_t)a->pad_value;
			else
				out[q] = to_i16(b2[q] + n[q]);
		}
	}
}

int ph_finish(const ph_anat *a, const float *img, int16_t *out)
{
	size_t nxy = (size_t)(a->nx * a->ny);
	int nt = omp_get_max_threads();
	float *all = lp_malloc((size_t)nt * 3 * nxy * sizeof *all);
	if (!all)
		return -1;
#pragma omp parallel num_threads(nt)
	{
		float *buf = all + (size_t)omp_get_thread_num() * 3 * nxy;
#pragma omp for schedule(dynamic, 1)
		for (int64_t k = 0; k < a->nz; k++)
			finish_slice(a, k, img + k * nxy, out + k * nxy, buf);
	}
	free(all);
	return 0;
}

/* Median absolute second difference along x over lung voxels: for white
 * noise of sigma s, the difference x[i] - (x[i-1] + x[i+1])/2 has sigma
 * s*sqrt(1.5). */
double ph_noise_estimate(const float *img, const uint8_t *lung,
                         const int64_t dim[3])
{
	enum { NB = 4096 };
	int64_t hist[NB] = {0}, tot = 0, acc = 0, n = dim[0] * dim[1] * dim[2];
	for (int64_t i = 1; i + 1 < n; i += 7) {
		double d;
		int b;
		if (!lung[i] || !lung[i - 1] || !lung[i + 1])
			continue;
		d = fabs(img[i] - 0.5 * (img[i - 1] + img[i + 1]));
		b = d >= NB / 8.0 ? NB - 1 : (int)(d * 8);
		hist[b]++;
		tot++;
	}
	if (tot < 100)
		return 20;
	for (int b = 0; b < NB; b++) {
		acc += hist[b];
		if (2 * acc >= tot)
			return 1.4826 * (b + 0.5) / 8.0 / sqrt(1.5);
	}
	return 20;
}
