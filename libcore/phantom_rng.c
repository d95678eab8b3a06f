/* phantom_rng.c - the phantom's random numbers: splitmix64 seeding,
 * xoshiro256** streams, counter-based hashes for per-voxel noise (so that
 * OpenMP loops give the same bytes on any number of threads), value noise,
 * and a few vector helpers. */
#include <math.h>
#include "phantom_int.h"

uint64_t ph_scan_seed(uint64_t seed, int64_t index)
{
	return lp_mix64(lp_mix64(seed) ^ lp_mix64((uint64_t)index + 0x5eedULL));
}

void ph_rng_seed(ph_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t s = lp_mix64(seed ^ lp_mix64(stream * 0x632be59bd9b4e019ULL));
	for (int i = 0; i < 4; i++) {
		s += 0x9e3779b97f4a7c15ULL;
		r->s[i] = lp_mix64(s);
	}
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t ph_next(ph_rng *r)
{
	uint64_t *s = r->s;
	uint64_t res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

double ph_unif(ph_rng *r)
{
	return (double)(ph_next(r) >> 11) * 0x1.0p-53;
}

double ph_range(ph_rng *r, double a, double b)
{
	return a + (b - a) * ph_unif(r);
}

double ph_gauss(ph_rng *r)
{
	double u1 = 1.0 - ph_unif(r), u2 = ph_unif(r);
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

int ph_pick(ph_rng *r, const double *w, int n)
{
	double tot = 0, x;
	for (int i = 0; i < n; i++)
		tot += w[i];
	x = ph_unif(r) * tot;
	for (int i = 0; i < n; i++) {
		if (x < w[i])
			return i;
		x -= w[i];
	}
	return n - 1;
}

void ph_unit_vec(ph_rng *r, double d[3])
{
	double z = ph_range(r, -1, 1), a = ph_range(r, 0, 2 * M_PI);
	double s = sqrt(1 - z * z);
	d[0] = s * cos(a);
	d[1] = s * sin(a);
	d[2] = z;
}

/* Sum of four 16-bit uniforms (Irwin-Hall), scaled to unit variance. */
float ph_hash_gauss(uint64_t seed, uint64_t i)
{
	uint64_t h = lp_mix64(seed ^ (i * 0xd1342543de82ef95ULL));
	uint32_t s = (uint32_t)(h & 0xffff) + (uint32_t)((h >> 16) & 0xffff) +
	             (uint32_t)((h >> 32) & 0xffff) + (uint32_t)(h >> 48);
	return ((float)s * (1.0f / 65536.0f) - 2.0f) * 1.7320508f;
}

static inline float lattice(uint64_t seed, int64_t x, int64_t y, int64_t z)
{
	uint64_t h = seed ^ ((uint64_t)x * 0x9e3779b97f4a7c15ULL) ^
	             ((uint64_t)y * 0xc2b2ae3d27d4eb4fULL) ^
	             ((uint64_t)z * 0x165667b19e3779f9ULL);
	h = lp_mix64(h);
	return (float)(h >> 40) * (2.0f / 16777216.0f) - 1.0f;
}

float ph_vnoise(uint64_t seed, double x, double y, double z)
{
	double fx = floor(x), fy = floor(y), fz = floor(z);
	int64_t ix = (int64_t)fx, iy = (int64_t)fy, iz = (int64_t)fz;
	float tx = (float)(x - fx), ty = (float)(y - fy), tz = (float)(z - fz);
	float c[2][2][2];
	tx = tx * tx * (3 - 2 * tx);
	ty = ty * ty * (3 - 2 * ty);
	tz = tz * tz * (3 - 2 * tz);
	for (int k = 0; k < 2; k++)
		for (int j = 0; j < 2; j++)
			for (int i = 0; i < 2; i++)
				c[k][j][i] = lattice(seed, ix + i, iy + j, iz + k);
	float a0 = c[0][0][0] + tx * (c[0][0][1] - c[0][0][0]);
	float a1 = c[0][1][0] + tx * (c[0][1][1] - c[0][1][0]);
	float a2 = c[1][0][0] + tx * (c[1][0][1] - c[1][0][0]);
	float a3 = c[1][1][0] + tx * (c[1][1][1] - c[1][1][0]);
	float b0 = a0 + ty * (a1 - a0), b1 = a2 + ty * (a3 - a2);
	return b0 + tz * (b1 - b0);
}

double ph_dot(const double a[3], const double b[3])
{
	return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

void ph_norm(double a[3])
{
	double n = sqrt(ph_dot(a, a));
	if (n > 0) {
		a[0] /= n;
		a[1] /= n;
		a[2] /= n;
	}
}

/* Two unit vectors perpendicular to d and to each other. */
void ph_perp(const double d[3], double e1[3], double e2[3])
{
	double ax[3] = {0, 0, 0};
	int m = 0;
	for (int i = 1; i < 3; i++)
		if (fabs(d[i]) < fabs(d[m]))
			m = i;
	ax[m] = 1;
	e1[0] = d[1] * ax[2] - d[2] * ax[1];
	e1[1] = d[2] * ax[0] - d[0] * ax[2];
	e1[2] = d[0] * ax[1] - d[1] * ax[0];
	ph_norm(e1);
	e2[0] = d[1] * e1[2] - d[2] * e1[1];
	e2[1] = d[2] * e1[0] - d[0] * e1[2];
	e2[2] = d[0] * e1[1] - d[1] * e1[0];
}
