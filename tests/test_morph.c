/* test_morph.c - connected components, distance transform, dilation,
 * erosion, closing and hole filling against brute-force references. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lp_morph.h"
#include "lp_test.h"

static uint64_t rng = 88172645463325252ull;
static unsigned rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng >> 11);
}

static void random_mask(uint8_t *m, int64_t n, int pct)
{
	for (int64_t i = 0; i < n; i++)
		m[i] = (int)(rnd() % 100) < pct;
}

#define IDX(x, y, z) ((x) + dim[0] * ((y) + dim[1] * (z)))

/* Brute-force labelling: flood fill in memory order. */
static int32_t ref_label(const uint8_t *m, const int64_t dim[3], int conn,
                         int32_t *lab)
{
	int64_t n = dim[0] * dim[1] * dim[2];
	int64_t *stack = malloc((size_t)n * sizeof *stack);
	int32_t nl = 0;
	memset(lab, 0, (size_t)n * sizeof *lab);
	for (int64_t i = 0; i < n; i++) {
		if (!m[i] || lab[i])
			continue;
		lab[i] = ++nl;
		int64_t sp = 0;
		stack[sp++] = i;
		while (sp) {
			int64_t j = stack[--sp];
			int64_t x = j % dim[0], y = j / dim[0] % dim[1],
			        z = j / (dim[0] * dim[1]);
			for (int dz = -1; dz <= 1; dz++)
			for (int dy = -1; dy <= 1; dy++)
			for (int dx = -1; dx <= 1; dx++) {
				int nz = (dx != 0) + (dy != 0) + (dz != 0);
				if (nz == 0 || (conn == 6 && nz > 1))
					continue;
				int64_t a = x + dx, b = y + dy, c = z + dz;
				if (a < 0 || b < 0 || c < 0 || a >= dim[0] ||
				    b >= dim[1] || c >= dim[2])
					continue;
				int64_t k = IDX(a, b, c);
				if (m[k] && !lab[k]) {
					lab[k] = nl;
					stack[sp++] = k;
				}
			}
		}
	}
	free(stack);
	return nl;
}

static void test_cc(void)
{
	const int64_t dims[][3] = { { 17, 13, 11 }, { 40, 1, 1 }, { 1, 30, 7 },
	                            { 23, 19, 1 } };
	const int pcts[] = { 20, 45, 60 };
	for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++)
		for (int pi = 0; pi < 3; pi++)
			for (int conn = 6; conn <= 26; conn += 20) {
				const int64_t *dim = dims[d];
				int64_t n = dim[0] * dim[1] * dim[2];
				uint8_t *m = malloc((size_t)n);
				int32_t *a = malloc((size_t)n * 4),
				        *b = malloc((size_t)n * 4);
				random_mask(m, n, pcts[pi]);
				int32_t nr = ref_label(m, dim, conn, a);
				lp_cc *cc = lp_cc_compute(m, dim, conn);
				CHECK(cc != NULL);
				if (!cc)
					continue;
				CHECK(lp_cc_count(cc) == nr);
				lp_cc_labels(cc, b);
				CHECK(memcmp(a, b, (size_t)n * 4) == 0);
				/* stats of every component */
				int ok = 1;
				for (int32_t l = 1; l <= nr; l++) {
					const lp_cc_stats *s = lp_cc_stat(cc, l);
					int64_t cnt = 0, first = -1;
					double sx = 0;
					int64_t lox = dim[0], hiz = -1;
					for (int64_t i = 0; i < n; i++) {
						if (a[i] != l)
							continue;
						if (first < 0)
							first = i;
						cnt++;
						sx += (double)(i % dim[0]);
						if (i % dim[0] < lox)
							lox = i % dim[0];
						if (i / (dim[0] * dim[1]) > hiz)
							hiz = i / (dim[0] * dim[1]);
					}
					ok &= s->count == cnt && s->sum[0] == sx &&
					      s->first == first &&
					      s->lo[0] == lox && s->hi[2] == hiz;
				}
				CHECK(ok);
				/* paint a subset */
				uint8_t *val = calloc((size_t)nr + 1, 1);
				for (int32_t l = 1; l <= nr; l += 2)
					val[l] = 7;
				uint8_t *o = calloc((size_t)n, 1);
				lp_cc_paint(cc, val, o);
				int pok = 1;
				for (int64_t i = 0; i < n; i++)
					pok &= o[i] == (a[i] && a[i] % 2 ? 7 : 0);
				CHECK(pok);
				CHECK(lp_cc_stat(cc, 0) == NULL);
				CHECK(lp_cc_stat(cc, nr + 1) == NULL);
				free(val);
				free(o);
				lp_cc_free(cc);
				free(m);
				free(a);
				free(b);
			}
	/* bad connectivity */
	int64_t dim[3] = { 2, 2, 2 };
	uint8_t m[8] = { 0 };
	CHECK(lp_cc_compute(m, dim, 8) == NULL);
	/* diagonal voxels: one component with 26, two with 6 */
	m[IDX(0, 0, 0)] = m[IDX(1, 1, 1)] = 1;
	lp_cc *cc = lp_cc_compute(m, dim, 26);
	CHECK(lp_cc_count(cc) == 1);
	CHECK(lp_cc_touches(cc, 1, 2, 0) && lp_cc_touches(cc, 1, 2, 1));
	lp_cc_free(cc);
	cc = lp_cc_compute(m, dim, 6);
	CHECK(lp_cc_count(cc) == 2);
	lp_cc_free(cc);
}

/* Brute-force dilation by a ball (or disk); outside: border voxels beyond
 * the volume are on. */
static void ref_dilate(const uint8_t *in, uint8_t *out, const int64_t dim[3],
                       const double sp[3], double r, int flags)
{
	int is2d = flags & LP_MORPH_2D, outside = flags & LP_MORPH_OUTSIDE;
	int R[3];
	for (int a = 0; a < 3; a++)
		R[a] = (int)(r / sp[a]) + 2;
	if (is2d)
		R[2] = 0;
	for (int64_t z = 0; z < dim[2]; z++)
	for (int64_t y = 0; y < dim[1]; y++)
	for (int64_t x = 0; x < dim[0]; x++) {
		int on = 0;
		for (int dz = -R[2]; dz <= R[2] && !on; dz++)
		for (int dy = -R[1]; dy <= R[1] && !on; dy++)
		for (int dx = -R[0]; dx <= R[0] && !on; dx++) {
			double d2 = dx * sp[0] * dx * sp[0] +
			            dy * sp[1] * dy * sp[1] +
			            dz * sp[2] * dz * sp[2];
			if (d2 > r * r * (1 + 1e-9))
				continue;
			int64_t a = x + dx, b = y + dy, c = z + dz;
			int in_vol = a >= 0 && b >= 0 && c >= 0 &&
			             a < dim[0] && b < dim[1] && c < dim[2];
			if (in_vol)
				on = in[IDX(a, b, c)] != 0;
			else
				on = outside != 0;
		}
		out[IDX(x, y, z)] = (uint8_t)on;
	}
}

static void test_morph(int method)
{
	lp_morph_method = method;
	const int64_t dim[3] = { 19, 16, 9 };
	const double sps[][3] = { { 1, 1, 1 }, { 0.7, 0.7, 2.5 },
	                          { 1.3, 0.6, 0.9 } };
	const double radii[] = { 0, 1, 2.2, 3.5 };
	int64_t n = dim[0] * dim[1] * dim[2];
	uint8_t *m = malloc((size_t)n), *a = malloc((size_t)n),
	        *b = malloc((size_t)n), *inv = malloc((size_t)n),
	        *t = malloc((size_t)n);
	int bad_dil = 0, bad_ero = 0, bad_close = 0;
	for (size_t s = 0; s < 3; s++)
		for (int ri = 0; ri < 4; ri++)
			for (int flags = 0; flags < 4; flags++) {
				random_mask(m, n, 8 + 30 * (ri % 2));
				double r = radii[ri];
				ref_dilate(m, a, dim, sps[s], r, flags);
				CHECK(lp_dilate(m, b, dim, sps[s], r, flags) == 0);
				bad_dil += memcmp(a, b, (size_t)n) != 0;
				/* erosion = complement of the complement's
				 * dilation, outside flag flipped */
				for (int64_t i = 0; i < n; i++)
					inv[i] = !m[i];
				ref_dilate(inv, a, dim, sps[s], r,
				           flags ^ LP_MORPH_OUTSIDE);
				for (int64_t i = 0; i < n; i++)
					a[i] = !a[i];
				CHECK(lp_erode(m, b, dim, sps[s], r, flags) == 0);
				bad_ero += memcmp(a, b, (size_t)n) != 0;
				/* closing: reference dilate then erode */
				int f2 = flags & LP_MORPH_2D;
				ref_dilate(m, t, dim, sps[s], r, f2);
				for (int64_t i = 0; i < n; i++)
					inv[i] = !t[i];
				ref_dilate(inv, a, dim, sps[s], r, f2);
				for (int64_t i = 0; i < n; i++)
					a[i] = !a[i];
				CHECK(lp_close(m, b, dim, sps[s], r, flags) == 0);
				bad_close += memcmp(a, b, (size_t)n) != 0;
				/* closing is extensive */
				int ext = 1;
				for (int64_t i = 0; i < n; i++)
					ext &= !m[i] || b[i];
				CHECK(ext);
			}
	CHECK(bad_dil == 0);
	CHECK(bad_ero == 0);
	CHECK(bad_close == 0);
	/* in place, and a dilation that really grows */
	memset(m, 0, (size_t)n);
	m[IDX(9, 8, 4)] = 1;
	const double one[3] = { 1, 1, 1 };
	CHECK(lp_dilate(m, m, dim, one, 1.0, 0) == 0);
	int cnt = 0;
	for (int64_t i = 0; i < n; i++)
		cnt += m[i];
	CHECK(cnt == 7);
	CHECK(lp_dilate(m, m, dim, one, -1, 0) == -1);
	const double badsp[3] = { 1, 0, 1 };
	CHECK(lp_dilate(m, m, dim, badsp, 1, 0) == -1);
	/* opening removes a speck, keeps a big block */
	memset(m, 0, (size_t)n);
	m[IDX(1, 1, 1)] = 1;
	for (int z = 2; z < 8; z++)
		for (int y = 5; y < 13; y++)
			for (int x = 5; x < 15; x++)
				m[IDX(x, y, z)] = 1;
	CHECK(lp_open(m, b, dim, one, 1.5, 0) == 0);
	CHECK(b[IDX(1, 1, 1)] == 0 && b[IDX(9, 9, 5)] == 1);
	free(m);
	free(a);
	free(b);
	free(inv);
	free(t);
}

static void test_edt(void)
{
	const int64_t dim[3] = { 12, 9, 7 };
	const double sp[3] = { 0.8, 1.1, 2.0 };
	int64_t n = dim[0] * dim[1] * dim[2];
	uint8_t *m = malloc((size_t)n);
	float *d = malloc((size_t)n * sizeof *d);
	random_mask(m, n, 3);
	m[0] = 1;
	CHECK(lp_edt_sqf(m, d, dim, sp, 0) == 0);
	double maxerr = 0;
	for (int64_t i = 0; i < n; i++) {
		double best = INFINITY;
		for (int64_t j = 0; j < n; j++) {
			if (!m[j])
				continue;
			double dx = (double)(i % dim[0] - j % dim[0]) * sp[0];
			double dy = (double)(i / dim[0] % dim[1] -
			                     j / dim[0] % dim[1]) * sp[1];
			double dz = (double)(i / (dim[0] * dim[1]) -
			                     j / (dim[0] * dim[1])) * sp[2];
			double e = dx * dx + dy * dy + dz * dz;
			if (e < best)
				best = e;
		}
		double err = fabs(best - d[i]);
		if (err > maxerr)
			maxerr = err;
	}
	CHECK(maxerr < 1e-4);
	memset(m, 0, (size_t)n);
	CHECK(lp_edt_sqf(m, d, dim, sp, 0) == 0);
	CHECK(isinf(d[5]));
	free(m);
	free(d);
}

static void test_fill(void)
{
	const int64_t dim[3] = { 10, 10, 10 };
	int64_t n = 1000;
	uint8_t *m = calloc((size_t)n, 1), *c = malloc((size_t)n);
	/* a hollow box */
	for (int z = 2; z <= 7; z++)
		for (int y = 2; y <= 7; y++)
			for (int x = 2; x <= 7; x++)
				m[IDX(x, y, z)] = x == 2 || x == 7 || y == 2 ||
				                  y == 7 || z == 2 || z == 7;
	memcpy(c, m, (size_t)n);
	CHECK(lp_fill_holes(c, dim, 0) == 0);
	CHECK(c[IDX(4, 4, 4)] == 1 && c[IDX(0, 0, 0)] == 0);
	/* open the lid: no longer a 3-D hole, but each middle slice has a
	 * 2-D hole */
	for (int y = 2; y <= 7; y++)
		for (int x = 2; x <= 7; x++)
			m[IDX(x, y, 7)] = 0;
	memcpy(c, m, (size_t)n);
	CHECK(lp_fill_holes(c, dim, 0) == 0);
	CHECK(c[IDX(4, 4, 4)] == 0);
	memcpy(c, m, (size_t)n);
	CHECK(lp_fill_holes(c, dim, LP_MORPH_2D) == 0);
	CHECK(c[IDX(4, 4, 4)] == 1 && c[IDX(4, 4, 7)] == 0);
	/* holes of 16 pixels per slice: kept with a 15-pixel limit */
	memcpy(c, m, (size_t)n);
	CHECK(lp_fill_holes_max(c, dim, LP_MORPH_2D, 15) == 0);
	CHECK(c[IDX(4, 4, 4)] == 0);
	CHECK(lp_fill_holes_max(c, dim, LP_MORPH_2D, 16) == 0);
	CHECK(c[IDX(4, 4, 4)] == 1);
	CHECK(c[IDX(4, 4, 8)] == 0 && c[IDX(0, 4, 4)] == 0);
	/* a ring touching the slice border is not closed */
	memset(m, 0, (size_t)n);
	for (int y = 0; y <= 4; y++)
		for (int x = 0; x <= 4; x++)
			m[IDX(x, y, 0)] = x == 4 || y == 4;
	CHECK(lp_fill_holes(m, dim, LP_MORPH_2D) == 0);
	CHECK(m[IDX(1, 1, 0)] == 0);
	free(m);
	free(c);
}

int main(void)
{
	test_cc();
	test_edt();
	test_morph(0);
	test_morph(2);
	lp_morph_method = 0;
	test_fill();
	return lp_test_result("test_morph");
}
