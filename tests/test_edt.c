/* test_edt.c - the exact Euclidean distance transform against hand-computed
 * cases, a brute-force search, and scipy.ndimage.distance_transform_edt
 * (tests/metrics_oracle.py). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lp_edt.h"
#include "lp_test.h"

static uint64_t rng_state = 12345;
static double urand(void)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(rng_state >> 11) * (1.0 / 9007199254740992.0);
}

static void hand_cases(void)
{
	double out[27];
	/* 1-D, spacing 2: seed at 0 */
	{
		uint8_t s[5] = { 1, 0, 0, 0, 0 };
		int64_t d[3] = { 5, 1, 1 };
		double sp[3] = { 2, 1, 1 };
		CHECK(lp_edt(s, d, sp, out) == 0);
		for (int i = 0; i < 5; i++)
			CHECK_NEAR(out[i], 2.0 * i, 1e-12);
	}
	/* 2-D 3x3, seed in the centre, spacing x 1, y 2 */
	{
		uint8_t s[9] = { 0, 0, 0, 0, 1, 0, 0, 0, 0 };
		int64_t d[3] = { 3, 3, 1 };
		double sp[3] = { 1, 2, 7 };
		CHECK(lp_edt_sq(s, d, sp, out) == 0);
		double want[9] = { 5, 4, 5, 1, 0, 1, 5, 4, 5 };
		for (int i = 0; i < 9; i++)
			CHECK_NEAR(out[i], want[i], 1e-12);
	}
	/* 3-D 3x3x3, seed at a corner, spacing (1,1,3): far corner 1+1+9 */
	{
		uint8_t s[27] = { 0 };
		s[0] = 1;
		int64_t d[3] = { 3, 3, 3 };
		double sp[3] = { 1, 1, 3 };
		CHECK(lp_edt_sq(s, d, sp, out) == 0);
		CHECK_NEAR(out[26], 4 + 4 + 36, 1e-12);
		CHECK_NEAR(out[13], 1 + 1 + 9, 1e-12);
	}
	/* two seeds, midpoint tie */
	{
		uint8_t s[5] = { 1, 0, 0, 0, 1 };
		int64_t d[3] = { 5, 1, 1 };
		double sp[3] = { 1, 1, 1 };
		CHECK(lp_edt(s, d, sp, out) == 0);
		CHECK_NEAR(out[2], 2, 1e-12);
		CHECK_NEAR(out[1], 1, 1e-12);
	}
	/* no seed: all +inf; all seeds: all 0 */
	{
		uint8_t z[8] = { 0 }, o[8] = { 1, 1, 1, 1, 1, 1, 1, 1 };
		int64_t d[3] = { 2, 2, 2 };
		double sp[3] = { 1, 1, 1 };
		CHECK(lp_edt(z, d, sp, out) == 0);
		for (int i = 0; i < 8; i++)
			CHECK(isinf(out[i]) && out[i] > 0);
		CHECK(lp_edt(o, d, sp, out) == 0);
		for (int i = 0; i < 8; i++)
			CHECK(out[i] == 0);
	}
	/* bad arguments */
	{
		uint8_t s[1] = { 1 };
		int64_t d[3] = { 1, 0, 1 };
		double sp[3] = { 1, 1, 1 }, bad[3] = { 1, -1, 1 };
		int64_t d1[3] = { 1, 1, 1 };
		CHECK(lp_edt(s, d, sp, out) == -1);
		CHECK(lp_edt(s, d1, bad, out) == -1);
	}
}

static void random_mask(uint8_t *m, int64_t n, double density)
{
	for (int64_t i = 0; i < n; i++)
		m[i] = urand() < density;
}

/* Brute force: min over all seeds of the squared distance. */
static void brute(const uint8_t *s, const int64_t d[3], const double sp[3],
                  double *out)
{
	int64_t n = d[0] * d[1] * d[2];
	for (int64_t i = 0; i < n; i++) {
		double best = INFINITY;
		int64_t x = i % d[0], y = i / d[0] % d[1], z = i / d[0] / d[1];
		for (int64_t j = 0; j < n; j++) {
			if (!s[j])
				continue;
			double dx = sp[0] * (double)(x - j % d[0]);
			double dy = sp[1] * (double)(y - j / d[0] % d[1]);
			double dz = sp[2] * (double)(z - j / d[0] / d[1]);
			double q = dx * dx + dy * dy + dz * dz;
			if (q < best)
				best = q;
		}
		out[i] = best;
	}
}

static void brute_cases(void)
{
	for (int t = 0; t < 40; t++) {
		int64_t d[3] = { 1 + (int64_t)(urand() * 12),
		                 1 + (int64_t)(urand() * 12),
		                 1 + (int64_t)(urand() * 6) };
		double sp[3] = { 0.3 + urand() * 2, 0.3 + urand() * 2,
		                 0.3 + urand() * 3 };
		int64_t n = d[0] * d[1] * d[2];
		uint8_t *s = malloc((size_t)n);
		double *a = malloc((size_t)n * sizeof(double));
		double *b = malloc((size_t)n * sizeof(double));
		random_mask(s, n, t % 5 == 0 ? 0.01 : 0.15);
		CHECK(lp_edt_sq(s, d, sp, a) == 0);
		brute(s, d, sp, b);
		double err = 0;
		for (int64_t i = 0; i < n; i++) {
			if (isinf(a[i]) || isinf(b[i])) {
				if (a[i] != b[i])
					err = INFINITY;
				continue;
			}
			double e = fabs(a[i] - b[i]) / (1 + b[i]);
			if (e > err)
				err = e;
		}
		CHECK(err < 1e-12);
		free(s);
		free(a);
		free(b);
	}
}

/* ---- scipy oracle ---- */

typedef struct {
	int64_t d[3];
	double sp[3];
	uint8_t *seed;
} ecase;

static int oracle_available(void)
{
	return system("/usr/bin/python3 -c 'import numpy, scipy.ndimage' "
	              ">/dev/null 2>&1") == 0;
}

static void oracle_cases(int *skipped)
{
	static const int64_t dims[][3] = {
		{ 64, 64, 1 }, { 17, 9, 5 }, { 1, 40, 1 }, { 33, 1, 7 },
		{ 40, 30, 20 }, { 96, 96, 32 }, { 5, 64, 64 }, { 64, 64, 1 },
	};
	enum { NC = sizeof dims / sizeof dims[0] };
	ecase c[NC];
	const char *tmp = getenv("LP_TMP") ? getenv("LP_TMP") : "/tmp";
	const char *src = getenv("LP_SRC") ? getenv("LP_SRC") : ".";
	char in[512], outp[512], cmd[1600];
	snprintf(in, sizeof in, "%s/edt_in.bin", tmp);
	snprintf(outp, sizeof outp, "%s/edt_out.bin", tmp);
	if (!oracle_available()) {
		fprintf(stderr, "scipy oracle not available (python3-scipy)\n");
		*skipped = 1;
		return;
	}
	FILE *f = fopen(in, "wb");
	CHECK(f != NULL);
	if (!f)
		return;
	for (int k = 0; k < NC; k++) {
		int32_t di[3];
		int64_t n = 1;
		for (int a = 0; a < 3; a++) {
			c[k].d[a] = dims[k][a];
			c[k].sp[a] = k % 3 == 0 ? 1.0 : 0.4 + urand() * 2.5;
			di[a] = (int32_t)dims[k][a];
			n *= dims[k][a];
		}
		c[k].seed = malloc((size_t)n);
		random_mask(c[k].seed, n, k == 5 ? 0.0005 : 0.02 + 0.05 * (k % 4));
		c[k].seed[n / 2] = 1; /* at least one seed */
		fwrite(di, 4, 3, f);
		fwrite(c[k].sp, 8, 3, f);
		fwrite(c[k].seed, 1, (size_t)n, f);
	}
	CHECK(fclose(f) == 0);
	snprintf(cmd, sizeof cmd,
	         "/usr/bin/python3 '%s/tests/metrics_oracle.py' edt '%s' '%s'",
	         src, in, outp);
	CHECK(system(cmd) == 0);
	f = fopen(outp, "rb");
	CHECK(f != NULL);
	for (int k = 0; k < NC; k++) {
		int64_t n = c[k].d[0] * c[k].d[1] * c[k].d[2];
		double *a = malloc((size_t)n * sizeof(double));
		double *b = malloc((size_t)n * sizeof(double));
		CHECK(lp_edt(c[k].seed, c[k].d, c[k].sp, a) == 0);
		size_t got = f ? fread(b, sizeof(double), (size_t)n, f) : 0;
		CHECK(got == (size_t)n);
		double err = 0;
		for (int64_t i = 0; got == (size_t)n && i < n; i++) {
			double e = fabs(a[i] - b[i]);
			if (!(e <= err))
				err = e;
		}
		fprintf(stderr, "edt case %d (%lldx%lldx%lld): max |diff| %.3g\n",
		        k, (long long)c[k].d[0], (long long)c[k].d[1],
		        (long long)c[k].d[2], err);
		CHECK(err < 1e-9);
		free(a);
		free(b);
		free(c[k].seed);
	}
	if (f)
		fclose(f);
}

int main(void)
{
	int skipped = 0;
	hand_cases();
	brute_cases();
	oracle_cases(&skipped);
	int r = lp_test_result("test_edt");
	if (r == 0 && skipped) {
		fprintf(stderr, "hand/brute-force cases passed; scipy oracle "
		        "missing (install python3-scipy)\n");
		return 77;
	}
	return r;
}
