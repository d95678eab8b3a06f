/* test_phantom.c - the chest-CT phantom: reproducibility, masks agree with
 * the nodule list, nodules lie in lung, the malignancy model and readers,
 * label noise, insertion into a background, option checks. */
#include <stdlib.h>
#include <string.h>
#include "lp_phantom.h"
#include "phantom_int.h"
#include "lp_test.h"

static int small(lp_phantom_opts *o, uint64_t seed)
{
	lp_phantom_opts_init(o);
	o->size = getenv("LP_SAN") ? 112 : 128; /* about 3 mm in-plane */
	o->slices = 48;
	o->spacing[2] = 2.5;
	o->dmin = 5;
	o->nod_min = 4;
	o->nod_max = 6;
	o->seed = seed;
	o->want_lung = 1;
	return 0;
}

static int same_channel(const lp_frame *a, const lp_frame *b, const char *ch)
{
	lp_channel *x = lp_frame_channel(a, ch), *y = lp_frame_channel(b, ch);
	if (!x || !y || lp_frame_nvox(a) != lp_frame_nvox(b))
		return 0;
	return memcmp(x->data, y->data, lp_channel_bytes(a, x)) == 0;
}

static void test_repro(void)
{
	lp_phantom_opts o;
	lp_frame a, b, c;
	lp_nodule *na, *nb, *nc;
	int ka, kb, kc;
	small(&o, 11);
	CHECK(lp_phantom_make(&o, 0, &a, &na, &ka) == 0);
	CHECK(lp_phantom_make(&o, 0, &b, &nb, &kb) == 0);
	CHECK(same_channel(&a, &b, "image") && same_channel(&a, &b, "gt"));
	CHECK(ka == kb && ka >= 1 && memcmp(na, nb, ka * sizeof *na) == 0);
	o.seed = 12;
	CHECK(lp_phantom_make(&o, 0, &c, &nc, &kc) == 0);
	CHECK(!same_channel(&a, &c, "image"));
	/* 2.25.<decimal UUID>: version 8, variant 10, at most 64 characters,
	 * a function of seed and index */
	const char *ua = lp_meta_get(&a, LP_META_SERIES);
	const char *uc = lp_meta_get(&c, LP_META_SERIES);
	char want[80];
	lp_phantom_uid(11, 0, want, sizeof want);
	CHECK(ua && uc && strcmp(ua, want) == 0 && strcmp(ua, uc) != 0);
	CHECK(ua && strncmp(ua, "2.25.", 5) == 0 && strlen(ua) <= 64);
	unsigned __int128 v = 0;
	int digits = ua ? (int)strspn(ua + 5, "0123456789") : 0;
	CHECK(ua && digits == (int)strlen(ua + 5) && (ua[5] != '0' || digits == 1));
	for (int i = 0; ua && i < digits; i++)
		v = v * 10 + (unsigned)(ua[5 + i] - '0');
	CHECK((int)((v >> 76) & 0xf) == 8);
	CHECK((int)((v >> 62) & 0x3) == 2);
	lp_frame_free(&a);
	lp_frame_free(&b);
	lp_frame_free(&c);
	free(na);
	free(nb);
	free(nc);
}

static double hu_at(const lp_frame *f, const char *ch, int64_t i, int64_t j,
                    int64_t k)
{
	if (i < 0 || j < 0 || k < 0 || i >= f->dim[0] || j >= f->dim[1] ||
	    k >= f->dim[2])
		return 0;
	return lp_channel_get(lp_frame_channel(f, ch),
	                      (size_t)(i + f->dim[0] * (j + f->dim[1] * k)));
}

/* Each nodule: centre in its own mask, mask size agrees with the
 * diameter, centre in lung, parenchyma around it. */
static void check_nodule(const lp_frame *f, const lp_nodule *n)
{
	int64_t c[3], cnt = 0, par = 0;
	double vv = f->spacing[0] * f->spacing[1] * f->spacing[2], deq, r;
	for (int a = 0; a < 3; a++)
		c[a] = (int64_t)(n->center_voxel[a] + 0.5);
	CHECK(hu_at(f, "gt", c[0], c[1], c[2]) == n->id ||
	      n->shape != LP_SHAPE_SMOOTH);
	CHECK(hu_at(f, "lung", c[0], c[1], c[2]) > 0);
	deq = 2 * cbrt(3 * (double)n->nvox * vv / (4 * M_PI));
	CHECK(n->nvox > 0 && deq > 0.6 * n->diameter_mm &&
	      deq < 1.5 * n->diameter_mm + f->spacing[2]);
	CHECK(n->diameter_mm >= 2 && n->diameter_mm <= 45);
	/* ring 3 mm outside the nodule in its slice: mostly lung-like */
	r = n->diameter_mm / 2 + 3;
	for (int t = 0; t < 32; t++) {
		double x = n->center_voxel[0] + r * cos(t * M_PI / 16) / f->spacing[0];
		double y = n->center_voxel[1] + r * sin(t * M_PI / 16) / f->spacing[1];
		double v = hu_at(f, "image", (int64_t)(x + 0.5), (int64_t)(y + 0.5),
		                 c[2]);
		cnt++;
		par += v < -400 && v > -1100;
	}
	if (n->attach == LP_ATT_ISOLATED)
		CHECK(par >= cnt / 2);
}

static void check_ratings(const lp_nodule *n)
{
	int sum = 0;
	for (int k = 0; k < LP_PHANTOM_READERS; k++) {
		CHECK(n->ratings[k] >= 1 && n->ratings[k] <= 5);
		sum += n->ratings[k];
	}
	CHECK(sum != 12);
	CHECK_NEAR(n->rating_mean, sum / 4.0, 1e-12);
	CHECK(n->malignant == (sum > 12));
}

static void test_nodules(void)
{
	lp_phantom_opts o;
	int tot = 0;
	for (uint64_t s = 1; s <= 3; s++) {
		lp_frame f;
		lp_nodule *n;
		int k;
		small(&o, s);
		CHECK(lp_phantom_make(&o, 0, &f, &n, &k) == 0);
		for (int i = 0; i < k; i++) {
			CHECK(n[i].id == i + 1);
			check_nodule(&f, &n[i]);
			check_ratings(&n[i]);
		}
		tot += k;
		lp_frame_free(&f);
		free(n);
	}
	CHECK(tot >= 9);
}

static void test_label_noise(void)
{
	lp_phantom_opts o;
	lp_frame a, b;
	lp_nodule *na, *nb;
	int ka, kb;
	small(&o, 21);
	CHECK(lp_phantom_make(&o, 0, &a, &na, &ka) == 0);
	o.label_noise = 1;
	CHECK(lp_phantom_make(&o, 0, &b, &nb, &kb) == 0);
	CHECK(ka == kb && same_channel(&a, &b, "image"));
	for (int i = 0; i < ka && i < kb; i++) {
		CHECK(na[i].malignant != nb[i].malignant);
		CHECK(nb[i].flipped && !na[i].flipped);
		CHECK(na[i].ratings[0] == 6 - nb[i].ratings[0]);
		CHECK_NEAR(na[i].p_malignant, nb[i].p_malignant, 0);
	}
	lp_frame_free(&a);
	lp_frame_free(&b);
	free(na);
	free(nb);
}

static double p_of(double d, lp_nod_kind k, lp_nod_shape s)
{
	ph_nod n;
	memset(&n, 0, sizeof n);
	n.info.design_mm = d;
	n.info.kind = k;
	n.info.shape = s;
	return ph_malig_p(&n);
}

static void test_model(void)
{
	ph_rng r;
	int mal_small = 0, mal_big = 0, ties = 0;
	CHECK(p_of(20, LP_NOD_SOLID, 0) > p_of(5, LP_NOD_SOLID, 0));
	CHECK(p_of(10, LP_NOD_SOLID, LP_SHAPE_SPICULATED) >
	      p_of(10, LP_NOD_SOLID, LP_SHAPE_LOBULATED));
	CHECK(p_of(10, LP_NOD_SOLID, LP_SHAPE_LOBULATED) >
	      p_of(10, LP_NOD_SOLID, LP_SHAPE_SMOOTH));
	CHECK(p_of(10, LP_NOD_CALCIFIED, 0) < 0.05);
	CHECK(p_of(10, LP_NOD_PART_SOLID, 0) > p_of(10, LP_NOD_SOLID, 0));
	CHECK(p_of(5, LP_NOD_SOLID, 0) < 0.1);
	CHECK(p_of(25, LP_NOD_SOLID, LP_SHAPE_SPICULATED) > 0.9);
	ph_rng_seed(&r, 5, 1);
	for (int i = 0; i < 2000; i++) {
		int a[4], b[4], sa = 0, sb = 0;
		ph_readers(&r, 0.08, a);
		ph_readers(&r, 0.9, b);
		for (int k = 0; k < 4; k++) {
			sa += a[k];
			sb += b[k];
		}
		mal_small += sa > 12;
		mal_big += sb > 12;
		ties += sa == 12 || sb == 12;
	}
	CHECK(ties == 0);
	CHECK(mal_small < 100);   /* p = 0.08: almost all benign */
	CHECK(mal_big > 1800);    /* p = 0.9: almost all malignant */
}

/* Over many drawn nodules, labels follow morphology as designed. */
static void test_population(void)
{
	lp_phantom_opts o;
	ph_rng r, rr;
	int n[6] = {0}, mal[6] = {0}, kinds[4] = {0};
	lp_phantom_opts_init(&o);
	ph_rng_seed(&r, 77, 1);
	ph_rng_seed(&rr, 77, 2);
	for (int i = 0; i < 4000; i++) {
		ph_nod nd;
		int g;
		ph_nod_draw(&o, &r, 1, &nd);
		nd.info.p_malignant = ph_malig_p(&nd);
		ph_readers(&rr, nd.info.p_malignant, nd.info.ratings);
		ph_rating_summary(&nd.info);
		kinds[nd.info.kind]++;
		/* groups: small smooth, large, spiculated, smooth, calcified, all */
		g = nd.info.design_mm < 6 && nd.info.shape == LP_SHAPE_SMOOTH ? 0
		    : nd.info.design_mm > 15 ? 1 : -1;
		if (g >= 0) {
			n[g]++;
			mal[g] += nd.info.malignant;
		}
		g = nd.info.shape == LP_SHAPE_SPICULATED ? 2
		    : nd.info.shape == LP_SHAPE_SMOOTH ? 3 : -1;
		if (g >= 0) {
			n[g]++;
			mal[g] += nd.info.malignant;
		}
		if (nd.info.kind == LP_NOD_CALCIFIED) {
			n[4]++;
			mal[4] += nd.info.malignant;
		}
		n[5]++;
		mal[5] += nd.info.malignant;
		CHECK(nd.info.design_mm >= 3 && nd.info.design_mm <= 30);
	}
	for (int k = 0; k < 4; k++)
		CHECK(kinds[k] > 200);
	for (int g = 0; g < 6; g++)
		CHECK(n[g] > 50);
	CHECK(mal[0] * 10 < n[0]);                       /* small smooth: < 10 % */
	CHECK(mal[1] * 2 > n[1]);                        /* > 15 mm: > 50 % */
	CHECK(mal[2] * n[3] > 3 * mal[3] * n[2]);        /* spiculated >> smooth */
	CHECK(mal[4] * 20 < n[4]);                       /* calcified: < 5 % */
	CHECK(mal[5] * 10 > n[5] && mal[5] * 2 < n[5]);  /* 10-50 % overall */
	fprintf(stderr, "malignant: small %d/%d large %d/%d spic %d/%d smooth "
	        "%d/%d calc %d/%d all %d/%d\n", mal[0], n[0], mal[1], n[1],
	        mal[2], n[2], mal[3], n[3], mal[4], n[4], mal[5], n[5]);
}

static void test_insert(void)
{
	lp_phantom_opts o;
	lp_frame f, g;
	lp_nodule *n, *m;
	int k, km;
	int64_t changed = 0, far = 0, ingt = 0;
	small(&o, 31);
	o.nod_min = o.nod_max = 0;
	o.want_lung = 0;
	CHECK(lp_phantom_make(&o, 0, &f, &n, &k) == 0 && k == 0);
	CHECK(lp_frame_copy(&g, &f) == 0);
	o.nod_min = o.nod_max = 3;
	CHECK(lp_phantom_insert(&o, 0, &g, &m, &km) == 0);
	CHECK(km >= 1 && lp_frame_channel(&g, "gt") != NULL);
	CHECK(lp_meta_get(&g, "nodule.1.center_world") != NULL || km == 0);
	for (int64_t i = 0; i < lp_frame_nvox(&f); i++) {
		double a = lp_channel_get(lp_frame_channel(&f, "image"), i);
		double b = lp_channel_get(lp_frame_channel(&g, "image"), i);
		changed += a != b;
		far += a != b && lp_channel_get(lp_frame_channel(&g, "gt"), i) == 0;
		ingt += lp_channel_get(lp_frame_channel(&g, "gt"), i) != 0;
	}
	CHECK(changed > 0);
	CHECK(ingt > 0 && far <= 4 * ingt + 100); /* only thin edges outside */
	for (int i = 0; i < km; i++)
		check_ratings(&m[i]);
	lp_frame_free(&f);
	lp_frame_free(&g);
	free(n);
	free(m);
}

static void test_bad_opts(void)
{
	lp_phantom_opts o;
	lp_frame f;
	lp_nodule *n;
	int k;
	small(&o, 1);
	o.size = 5;
	CHECK(lp_phantom_make(&o, 0, &f, &n, &k) == -1);
	CHECK(lp_errcode() == LP_EX_USAGE);
	small(&o, 1);
	o.label_noise = 1.5;
	CHECK(lp_phantom_make(&o, 0, &f, &n, &k) == -1);
	small(&o, 1);
	o.nod_min = 5;
	o.nod_max = 2;
	CHECK(lp_phantom_make(&o, 0, &f, &n, &k) == -1);
	lp_frame_init(&f);
	CHECK(lp_phantom_insert(&o, 0, &f, &n, &k) == -1);
}

int main(void)
{
	test_repro();
	test_nodules();
	test_label_noise();
	test_model();
	test_population();
	test_insert();
	test_bad_opts();
	return lp_test_result("test_phantom");
}
