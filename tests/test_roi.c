/* test_roi.c - world-to-voxel with a non-identity direction, patch
 * geometry, the six augmentations, padding, the nodule CSV reader on
 * malformed rows and nodules from gt components. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lp_roi.h"
#include "lp_test.h"

/* A frame with a rotated, flipped direction and anisotropic spacing whose
 * image holds i16 values 1 + linear index (unique), plus a u8 mask. */
static void make_frame(lp_frame *f, int64_t nx, int64_t ny, int64_t nz)
{
	lp_frame_init(f);
	lp_frame_set_dims(f, nx, ny, nz);
	double c = cos(0.5), s = sin(0.5);
	double dir[9] = { c, s, 0, -s, c, 0, 0, 0, -1 }; /* z axis flipped */
	memcpy(f->dir, dir, sizeof dir);
	f->spacing[0] = 0.7;
	f->spacing[1] = 0.8;
	f->spacing[2] = 2.5;
	f->origin[0] = -100;
	f->origin[1] = 50;
	f->origin[2] = 300;
	lp_channel *im = lp_frame_add_channel(f, "image", LP_I16, "HU");
	lp_channel *m = lp_frame_add_channel(f, "lung", LP_U8, "mask");
	int16_t *p = im->data;
	uint8_t *q = m->data;
	for (int64_t i = 0; i < nx * ny * nz; i++) {
		p[i] = (int16_t)(1 + i);
		q[i] = (uint8_t)(1 + i % 7);
	}
	lp_meta_set(f, "series_uid", "1.2.3");
	lp_meta_set(f, "source_file", "/data/4.5.6.mhd");
}

static void test_world_to_voxel(void)
{
	lp_frame f;
	make_frame(&f, 20, 18, 9);
	double maxerr = 0;
	for (int k = 0; k < 50; k++) {
		double ijk[3] = { k * 0.37, 17 - k * 0.3, k % 9 + 0.25 }, w[3],
		       back[3];
		lp_index_to_world(&f, ijk, w);
		CHECK(lp_world_to_index(&f, w, back) == 0);
		for (int a = 0; a < 3; a++)
			maxerr = fmax(maxerr, fabs(back[a] - ijk[a]));
	}
	CHECK(maxerr < 1e-9);
	/* a known point: index (1,0,0) is origin + 0.7*(cos, sin, 0) */
	double one[3] = { 1, 0, 0 }, w[3];
	lp_index_to_world(&f, one, w);
	CHECK_NEAR(w[0], -100 + 0.7 * cos(0.5), 1e-12);
	CHECK_NEAR(w[1], 50 + 0.7 * sin(0.5), 1e-12);
	/* index (0,0,2) is 5 mm below the origin (flipped z) */
	double two[3] = { 0, 0, 2 };
	lp_index_to_world(&f, two, w);
	CHECK_NEAR(w[2], 295, 1e-12);
	lp_frame_free(&f);
}

static void test_aug(void)
{
	const int64_t n = 5;
	int64_t maps[LP_AUG_N][25][2];
	for (int g = 0; g < LP_AUG_N; g++) {
		int seen[25] = { 0 }, inv_ok = 1;
		for (int64_t v = 0; v < n; v++)
			for (int64_t u = 0; u < n; u++) {
				int64_t a, b, uu, vv;
				lp_aug_map(g, n, u, v, &a, &b);
				CHECK(a >= 0 && a < n && b >= 0 && b < n);
				if (a < 0 || a >= n || b < 0 || b >= n)
					continue;
				seen[a + n * b]++;
				lp_aug_unmap(g, n, a, b, &uu, &vv);
				inv_ok &= uu == u && vv == v;
				maps[g][u + n * v][0] = a;
				maps[g][u + n * v][1] = b;
			}
		int bij = 1;
		for (int i = 0; i < 25; i++)
			bij &= seen[i] == 1;
		CHECK(bij);    /* a permutation of the pixels */
		CHECK(inv_ok); /* unmap inverts map */
	}
	/* six distinct transforms */
	for (int g = 0; g < LP_AUG_N; g++)
		for (int h = g + 1; h < LP_AUG_N; h++)
			CHECK(memcmp(maps[g], maps[h], sizeof maps[g]) != 0);
	CHECK(strcmp(lp_aug_name(LP_AUG_ROT90), "rot90") == 0);
	CHECK(strcmp(lp_aug_name(LP_AUG_TRANSPOSE), "transpose") == 0);
	/* known values: rot90 takes (0, 0) from (0, n-1) */
	int64_t a, b;
	lp_aug_map(LP_AUG_ROT90, n, 0, 0, &a, &b);
	CHECK(a == 0 && b == n - 1);
	lp_aug_map(LP_AUG_FLIP_X, n, 0, 3, &a, &b);
	CHECK(a == n - 1 && b == 3);
	/* even sizes: the centre stays, every transform is invertible */
	for (int g = 0; g < LP_AUG_N; g++) {
		lp_aug_map(g, 64, 32, 32, &a, &b);
		CHECK(a == 32 && b == 32);
		int ok = 1;
		for (int64_t v = 0; v < 64; v++)
			for (int64_t u = 0; u < 64; u++) {
				int64_t uu, vv;
				lp_aug_map(g, 64, u, v, &a, &b);
				lp_aug_unmap(g, 64, a, b, &uu, &vv);
				ok &= uu == u && vv == v && a >= -1 && a <= 64;
			}
		CHECK(ok);
	}
}

/* Every patch voxel holds the source voxel at the same world position,
 * for every augmentation, and the centre sits at (n/2, n/2, d/2). */
static void test_crop_geometry(void)
{
	lp_frame f, p;
	make_frame(&f, 20, 18, 9);
	const int64_t c[3] = { 9, 8, 4 }, d = 3;
	for (int g = 0; g < 2 * LP_AUG_N; g++) {
		int64_t n = g < LP_AUG_N ? 6 : 5;
		CHECK(lp_roi_crop(&f, c, n, d, g % LP_AUG_N, &p) == 0);
		CHECK(p.dim[0] == n && p.dim[1] == n && p.dim[2] == d);
		CHECK(strcmp(lp_meta_get(&p, "augment"),
		             lp_aug_name(g % LP_AUG_N)) == 0);
		CHECK(strcmp(lp_meta_get(&p, "kind"), "patch") == 0);
		CHECK(strcmp(lp_meta_get(&p, "series_uid"), "1.2.3") == 0);
		const int16_t *pv = lp_frame_channel(&p, "image")->data;
		const uint8_t *pm = lp_frame_channel(&p, "lung")->data;
		const uint8_t *fm = lp_frame_channel(&f, "lung")->data;
		int ok = 1;
		double maxerr = 0;
		for (int64_t w = 0; w < d; w++)
			for (int64_t v = 0; v < n; v++)
				for (int64_t u = 0; u < n; u++) {
					int64_t i = u + n * (v + n * w);
					int64_t src = pv[i] - 1; /* unique value */
					double pi[3] = { (double)u, (double)v, (double)w },
					       si[3] = { (double)(src % 20),
					                 (double)(src / 20 % 18),
					                 (double)(src / 360) },
					       pw[3], sw[3];
					lp_index_to_world(&p, pi, pw);
					lp_index_to_world(&f, si, sw);
					for (int k = 0; k < 3; k++)
						maxerr = fmax(maxerr, fabs(pw[k] - sw[k]));
					ok &= pm[i] == fm[src];
				}
		CHECK(maxerr < 1e-9);
		CHECK(ok);
		/* the centre voxel */
		int64_t mid = n / 2 + n * (n / 2 + n * (d / 2));
		CHECK(pv[mid] == 1 + c[0] + 20 * (c[1] + 18 * c[2]));
		lp_frame_free(&p);
	}
	CHECK(lp_roi_crop(&f, c, 0, 1, 0, &p) == -1);
	CHECK(lp_roi_crop(&f, c, 4, 1, 6, &p) == -1);
	lp_frame_free(&f);
}

static void test_padding(void)
{
	lp_frame f, p;
	make_frame(&f, 10, 10, 4);
	lp_channel *w8 = lp_frame_add_channel(&f, "w8", LP_U8, "window");
	w8->wmin = -1200;
	w8->wmax = 400;
	memset(w8->data, 200, 400);
	lp_channel *wf = lp_frame_add_channel(&f, "wf", LP_F32, "window");
	wf->wmin = -1200;
	wf->wmax = 400;
	lp_frame_add_channel(&f, "prob", LP_F32, "prob");
	/* a corner: 8x8 patch at (0,0,0) with depth 3 */
	const int64_t c[3] = { 0, 0, 0 };
	CHECK(lp_roi_crop(&f, c, 8, 3, LP_AUG_IDENTITY, &p) == 0);
	const int16_t *im = lp_frame_channel(&p, "image")->data;
	const uint8_t *m = lp_frame_channel(&p, "lung")->data;
	const uint8_t *b = lp_frame_channel(&p, "w8")->data;
	const float *fl = lp_frame_channel(&p, "wf")->data;
	const float *pr = lp_frame_channel(&p, "prob")->data;
	/* patch voxel (0,0,0) is source (-4,-4,-1): outside */
	CHECK(im[0] == -1000 && m[0] == 0);
	CHECK(b[0] == 32); /* round(255 * 200 / 1600) */
	CHECK_NEAR(fl[0], 0.125, 1e-7);
	CHECK(pr[0] == 0);
	/* patch voxel (4,4,1) is source (0,0,0): inside */
	int64_t i = 4 + 8 * (4 + 8 * 1);
	CHECK(im[i] == 1 && m[i] == 1 && b[i] == 200);
	/* count of padded voxels in the image: all but 4x4x2 */
	int npad = 0;
	for (int k = 0; k < 8 * 8 * 3; k++)
		npad += im[k] == -1000;
	CHECK(npad == 8 * 8 * 3 - 4 * 4 * 2);
	lp_frame_free(&p);
	lp_frame_free(&f);
}

static const char *write_tmp(const char *name, const char *text)
{
	static char path[512];
	const char *dir = getenv("LP_TMP") ? getenv("LP_TMP") : "/tmp";
	snprintf(path, sizeof path, "%s/%s.%d", dir, name, (int)getpid());
	FILE *fp = fopen(path, "w");
	fputs(text, fp);
	fclose(fp);
	return path;
}

static void test_csv(void)
{
	const char *p = write_tmp(
	        "nod.csv",
	        "seriesuid,coordX,coordY,coordZ,diameter_mm,mal_details,label\n"
	        "1.2.3,1,2,3,5.5,\"[4, 2, 4, 2]\",1\n"
	        "1.2.3,abc,2,3,5,,0\n"      /* bad number: line 3 */
	        "1.2.3,1,2\n"               /* short row: line 4 */
	        ",1,2,3,4,,\n"              /* empty series: line 5 */
	        "4.5.6,-1e1,2.5,3,,,-1\n"   /* empty diameter: ok */
	        "7.8.9,1,2,3,x,,\n");       /* bad diameter: line 7 */
	lp_nodules l = { 0 };
	CHECK(lp_nodules_read_csv(p, &l) == 0);
	CHECK(l.n == 2);
	CHECK(l.nwarn == 4);
	if (l.n == 2 && l.nwarn == 4) {
		CHECK(strcmp(l.v[0].series, "1.2.3") == 0);
		CHECK(l.v[0].world[2] == 3 && l.v[0].diameter == 5.5);
		CHECK(strcmp(l.v[0].ratings, "4,2,4,2") == 0);
		CHECK(strcmp(l.v[0].label, "malignant") == 0);
		CHECK(strcmp(l.v[0].id, "line2") == 0);
		CHECK(l.v[0].line == 2);
		CHECK(l.v[1].world[0] == -10 && isnan(l.v[1].diameter));
		CHECK(strcmp(l.v[1].label, "excluded") == 0);
		CHECK(strstr(l.warn[0], ":3: column 'coordX': bad number") != NULL);
		CHECK(strstr(l.warn[1], ":4: 3 fields") != NULL);
		CHECK(strstr(l.warn[2], ":5: empty seriesuid") != NULL);
		CHECK(strstr(l.warn[3], ":7: column 'diameter_mm'") != NULL);
	}
	lp_nodules_free(&l);
	unlink(p);
	/* candidates.csv style and lidc-annot style */
	p = write_tmp("cand.csv", "seriesuid,coordX,coordY,coordZ,class\n"
	                          "1.2.3,1,2,3,1\n1.2.3,1,2,3,0\n");
	CHECK(lp_nodules_read_csv(p, &l) == 0 && l.n == 2);
	if (l.n == 2)
		CHECK(!strcmp(l.v[0].label, "nodule") &&
		      !strcmp(l.v[1].label, "non-nodule"));
	lp_nodules_free(&l);
	unlink(p);
	p = write_tmp("lidc.csv",
	              "seriesuid,coordX,coordY,coordZ,diameter_mm,nodule_id,"
	              "readers,ratings,malignancy_mean,label\n"
	              "1.2.3,1,2,3,20,1,4,5;5;5;4,4.75,1\n");
	CHECK(lp_nodules_read_csv(p, &l) == 0 && l.n == 1);
	if (l.n == 1) {
		CHECK(strcmp(l.v[0].ratings, "5,5,5,4") == 0);
		CHECK(strcmp(l.v[0].id, "1") == 0);
		CHECK(l.v[0].mal_mean == 4.75);
	}
	lp_nodules_free(&l);
	unlink(p);
	/* a required column missing; a missing file */
	p = write_tmp("bad.csv", "seriesuid,coordX,coordY\n1,2,3\n");
	CHECK(lp_nodules_read_csv(p, &l) == -1);
	CHECK(strstr(lp_errmsg(), "no column 'coordZ'") != NULL);
	lp_nodules_free(&l);
	unlink(p);
	CHECK(lp_nodules_read_csv("/nonexistent.csv", &l) == -1);
	/* matching by series or file stem */
	lp_frame f;
	make_frame(&f, 2, 2, 2);
	lp_nodule n = { 0 };
	strcpy(n.series, "1.2.3");
	CHECK(lp_nodule_matches(&n, &f));
	strcpy(n.series, "4.5.6");
	CHECK(lp_nodule_matches(&n, &f));
	strcpy(n.series, "4.5");
	CHECK(!lp_nodule_matches(&n, &f));
	lp_frame_free(&f);
}

static void box(uint8_t *g, const int64_t dim[3], int x0, int x1, int y0,
                int y1, int z0, int z1, uint8_t v)
{
	for (int z = z0; z <= z1; z++)
		for (int y = y0; y <= y1; y++)
			for (int x = x0; x <= x1; x++)
				g[x + dim[0] * (y + dim[1] * z)] = v;
}

static void test_gt(void)
{
	lp_frame f;
	lp_frame_init(&f);
	lp_frame_set_dims(&f, 30, 30, 20);
	lp_channel *gt = lp_frame_add_channel(&f, "gt", LP_U8, "mask");
	uint8_t *g = gt->data;
	box(g, f.dim, 2, 4, 2, 4, 1, 3, 1);      /* 27 voxels, label 1 */
	box(g, f.dim, 20, 21, 20, 21, 10, 11, 2); /* two pieces of nodule 2 */
	box(g, f.dim, 24, 25, 20, 21, 10, 17, 2);
	box(g, f.dim, 10, 10, 25, 25, 5, 5, 3);   /* single voxel, no meta */
	lp_meta_set(&f, "nodule.2.id", "2");
	lp_meta_set(&f, "nodule.2.center_world", "22,20.5,13");
	lp_meta_set(&f, "nodule.2.malignancy_ratings", "5,5,5,4");
	lp_meta_set(&f, "nodule.2.label", "malignant");
	lp_meta_set(&f, "nodule.2.diameter_mm", "7.5");
	lp_nodules l = { 0 };
	CHECK(lp_nodules_from_gt(&f, gt, &l) == 0);
	CHECK(l.n == 3);
	if (l.n == 3) {
		CHECK_NEAR(l.v[0].world[0], 3, 1e-12);
		CHECK_NEAR(l.v[0].world[2], 2, 1e-12);
		CHECK_NEAR(l.v[0].diameter, cbrt(6 * 27 / M_PI), 1e-9);
		CHECK(l.v[0].zlo == 1 && l.v[0].zhi == 3);
		CHECK(strcmp(l.v[0].id, "gt1") == 0);
		/* in order of first voxel: the single voxel (z 5) */
		CHECK(l.v[1].zlo == 5 && l.v[1].zhi == 5);
		CHECK(strcmp(l.v[1].id, "gt2") == 0);
		/* the two pieces of nodule 2 are one nodule */
		CHECK(strcmp(l.v[2].id, "2") == 0);
		CHECK(l.v[2].zlo == 10 && l.v[2].zhi == 17);
		CHECK(l.v[2].world[2] == 13 && l.v[2].diameter == 7.5);
		CHECK(strcmp(l.v[2].ratings, "5,5,5,4") == 0);
		CHECK(strcmp(l.v[2].label, "malignant") == 0);
	}
	lp_nodules_free(&l);
	/* gt slices of a CSV nodule: nearest component within its radius */
	lp_nodule n = { 0 };
	n.diameter = 4;
	double c[3] = { 3.4, 3, 2.2 };
	CHECK(lp_nodule_gt_slices(&f, gt, c, &n) == 0);
	CHECK(n.zlo == 1 && n.zhi == 3);
	double far[3] = { 15, 15, 15 };
	n.zlo = n.zhi = -1;
	CHECK(lp_nodule_gt_slices(&f, gt, far, &n) == 1);
	CHECK(n.zlo == -1);
	double edge[3] = { 24.5, 20.5, 16 }; /* the tall piece */
	n.diameter = 2;
	CHECK(lp_nodule_gt_slices(&f, gt, edge, &n) == 0);
	CHECK(n.zlo == 10 && n.zhi == 17);
	lp_frame_free(&f);
}

int main(void)
{
	test_world_to_voxel();
	test_aug();
	test_crop_geometry();
	test_padding();
	test_csv();
	test_gt();
	return lp_test_result("test_roi");
}
