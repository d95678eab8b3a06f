/* test_resample.c - the output grid rule, linear ramps reproduced exactly
 * (linear everywhere, cubic in the interior), nearest never inventing
 * labels, mask channels forced to nearest, identity resampling, clamping of
 * cubic overshoot, and bad input. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lp_resample.h"
#include "lp_test.h"

static void test_grid(void)
{
	int64_t d1[3] = {512, 512, 300}, o[3];
	double s1[3] = {0.703125, 0.703125, 2.5}, one[3] = {1, 1, 1};
	CHECK(lp_resample_grid(d1, s1, one, o) == 0);
	CHECK(o[0] == 360 && o[1] == 360 && o[2] == 748);
	/* plastimatch gave 14 7 16 for this one */
	int64_t d2[3] = {20, 10, 7};
	double s2[3] = {0.7, 0.7, 2.5};
	CHECK(lp_resample_grid(d2, s2, one, o) == 0);
	CHECK(o[0] == 14 && o[1] == 7 && o[2] == 16);
	/* (n-1)*s/s' integral up to decimal rounding: 0.1*30/0.3 = 10 */
	int64_t d3[3] = {31, 1, 1};
	double s3[3] = {0.1, 1, 1}, n3[3] = {0.3, 1, 1};
	CHECK(lp_resample_grid(d3, s3, n3, o) == 0);
	CHECK(o[0] == 11 && o[1] == 1 && o[2] == 1);
	double bad[3] = {1, 0, 1};
	CHECK(lp_resample_grid(d1, s1, bad, o) == -1);
	CHECK(lp_errcode() == LP_EX_DATAERR);
	double tiny[3] = {1e-4, 1e-4, 1e-4};
	CHECK(lp_resample_grid(d1, s1, tiny, o) == -1);
}

/* f = a ramp in physical coordinates (mm along the voxel axes). */
static double ramp(const double p[3])
{
	return 3.0 * p[0] - 2.0 * p[1] + 5.0 * p[2] + 7.0;
}

static void make_ramp(lp_frame *f, lp_dtype dt, const char *units)
{
	lp_frame_init(f);
	lp_frame_set_dims(f, 23, 17, 9);
	f->spacing[0] = 0.7;
	f->spacing[1] = 0.9;
	f->spacing[2] = 2.5;
	f->origin[0] = -5;
	f->origin[2] = 12;
	lp_channel *c = lp_frame_add_channel(f, "image", dt, units);
	for (int64_t z = 0; z < f->dim[2]; z++)
		for (int64_t y = 0; y < f->dim[1]; y++)
			for (int64_t x = 0; x < f->dim[0]; x++) {
				double p[3] = {x * f->spacing[0], y * f->spacing[1],
				               z * f->spacing[2]};
				size_t i = (size_t)(x + f->dim[0] *
				                    (y + f->dim[1] * z));
				if (dt == LP_F32)
					((float *)c->data)[i] = (float)ramp(p);
				else
					((int16_t *)c->data)[i] =
					        (int16_t)lround(ramp(p) * 4);
			}
}

/* max |out - ramp| over output voxels; with edge, only those at least one
 * input voxel inside the input's extent on every axis (cubic taps) */
static double ramp_err(const lp_frame *o, int edge, double mul)
{
	double worst = 0, ext[3] = {22 * 0.7, 16 * 0.9, 8 * 2.5};
	double in[3] = {0.7, 0.9, 2.5};
	const lp_channel *c = &o->ch[0];
	for (int64_t z = 0; z < o->dim[2]; z++)
		for (int64_t y = 0; y < o->dim[1]; y++)
			for (int64_t x = 0; x < o->dim[0]; x++) {
				double p[3] = {x * o->spacing[0], y * o->spacing[1],
				               z * o->spacing[2]};
				int out = 0;
				for (int a = 0; a < 3; a++)
					out |= edge && (p[a] < in[a] ||
					                p[a] > ext[a] - in[a]);
				if (out)
					continue;
				size_t i = (size_t)(x + o->dim[0] *
				                    (y + o->dim[1] * z));
				double e = fabs(lp_channel_get(c, i) -
				                ramp(p) * mul);
				if (e > worst)
					worst = e;
			}
	return worst;
}

static void test_linear_ramp(void)
{
	lp_frame f, o;
	double sp[3] = {1, 1, 1}, sp2[3] = {0.33, 1.7, 0.6};
	make_ramp(&f, LP_F32, "HU");
	CHECK(lp_resample(&f, sp, LP_INTERP_LINEAR, &o) == 0);
	CHECK(o.dim[0] == 16 && o.dim[1] == 15 && o.dim[2] == 21);
	CHECK_NEAR(ramp_err(&o, 0, 1), 0, 2e-4);
	CHECK(o.origin[0] == -5 && o.origin[2] == 12 && o.spacing[2] == 1);
	CHECK(lp_meta_get(&o, "resampled_from_spacing") != NULL);
	CHECK(lp_meta_get(&o, "resample_interp") &&
	      !strcmp(lp_meta_get(&o, "resample_interp"), "linear"));
	lp_frame_free(&o);
	CHECK(lp_resample(&f, sp2, LP_INTERP_LINEAR, &o) == 0);
	CHECK_NEAR(ramp_err(&o, 0, 1), 0, 2e-4);
	lp_frame_free(&o);
	/* cubic (Catmull-Rom) reproduces linear functions away from edges */
	CHECK(lp_resample(&f, sp2, LP_INTERP_CUBIC, &o) == 0);
	CHECK_NEAR(ramp_err(&o, 4, 1), 0, 5e-4);
	lp_frame_free(&o);
	lp_frame_free(&f);
	/* i16: the rounded ramp exactly (values 4x the ramp, step <= 0.5) */
	make_ramp(&f, LP_I16, "HU");
	CHECK(lp_resample(&f, sp, LP_INTERP_LINEAR, &o) == 0);
	CHECK(ramp_err(&o, 0, 4) <= 0.5 + 1e-3);
	lp_frame_free(&o);
	lp_frame_free(&f);
}

static void test_identity(void)
{
	lp_frame f, o;
	make_ramp(&f, LP_I16, "HU");
	for (int m = 0; m < 3; m++) {
		CHECK(lp_resample(&f, f.spacing, (lp_interp)m, &o) == 0);
		CHECK(o.dim[0] == f.dim[0] && o.dim[1] == f.dim[1] &&
		      o.dim[2] == f.dim[2]);
		CHECK(!memcmp(o.ch[0].data, f.ch[0].data,
		              lp_channel_bytes(&f, &f.ch[0])));
		lp_frame_free(&o);
	}
	lp_frame_free(&f);
}

/* labels 0, 3, 200 in blocks; a mask channel and a nearest image */
static void test_nearest(void)
{
	lp_frame f, o;
	lp_frame_init(&f);
	lp_frame_set_dims(&f, 19, 13, 11);
	f.spacing[2] = 2.3;
	lp_channel *m = lp_frame_add_channel(&f, "gt", LP_U8, LP_UNITS_MASK);
	lp_channel *g = lp_frame_add_channel(&f, "image", LP_U8, "HU");
	uint8_t *md = m->data, *gd = g->data;
	for (int64_t i = 0; i < lp_frame_nvox(&f); i++) {
		int64_t x = i % 19, z = i / (19 * 13);
		md[i] = x < 6 ? 0 : (x + z) % 3 ? 3 : 200;
		gd[i] = md[i];
	}
	double sp[3] = {0.37, 0.81, 0.9};
	CHECK(lp_resample(&f, sp, LP_INTERP_LINEAR, &o) == 0);
	const uint8_t *om = lp_frame_channel(&o, "gt")->data;
	const uint8_t *og = lp_frame_channel(&o, "image")->data;
	int invented = 0, blended = 0, seen200 = 0;
	for (int64_t i = 0; i < lp_frame_nvox(&o); i++) {
		invented += om[i] != 0 && om[i] != 3 && om[i] != 200;
		blended += og[i] != 0 && og[i] != 3 && og[i] != 200;
		seen200 += om[i] == 200;
	}
	CHECK(invented == 0); /* mask: nearest although linear was asked */
	CHECK(blended > 0);   /* the non-mask channel was interpolated */
	CHECK(seen200 > 0);
	CHECK(!strcmp(lp_frame_channel(&o, "gt")->units, LP_UNITS_MASK));
	lp_frame_free(&o);
	CHECK(lp_resample(&f, sp, LP_INTERP_NEAREST, &o) == 0);
	og = lp_frame_channel(&o, "image")->data;
	om = lp_frame_channel(&o, "gt")->data;
	CHECK(!memcmp(og, om, (size_t)lp_frame_nvox(&o)));
	/* nearest picks the voxel whose centre is nearest */
	int64_t x = 5, y = 7, z = 3; /* output voxel */
	int64_t ix = lround(x * 0.37), iy = lround(y * 0.81 / 1.0),
	        iz = lround(z * 0.9 / 2.3);
	CHECK(om[x + o.dim[0] * (y + o.dim[1] * z)] ==
	      md[ix + 19 * (iy + 13 * iz)]);
	lp_frame_free(&o);
	lp_frame_free(&f);
}

/* cubic overshoot on a 0/255 step is clamped, not wrapped */
static void test_clamp(void)
{
	int64_t idim[3] = {8, 1, 1}, odim[3] = {29, 1, 1};
	uint8_t src[8] = {0, 0, 0, 0, 255, 255, 255, 255}, dst[29];
	double sc[3] = {0.25, 1, 1};
	CHECK(lp_resample_array(src, idim, LP_U8, dst, odim, sc,
	                        LP_INTERP_CUBIC) == 0);
	int ok = 1;
	for (int i = 0; i < 29; i++) {
		if (i * 0.25 < 3 && dst[i] > 10)
			ok = 0; /* undershoot below 0 must clamp to 0, not 255 */
		if (i * 0.25 > 4 && dst[i] < 245)
			ok = 0;
	}
	CHECK(ok);
	int16_t s16[4] = {-32768, -32768, 32767, 32767}, d16[13];
	int64_t i4[3] = {4, 1, 1}, o13[3] = {13, 1, 1};
	CHECK(lp_resample_array(s16, i4, LP_I16, d16, o13, sc,
	                        LP_INTERP_CUBIC) == 0);
	CHECK(d16[0] == -32768 && d16[12] == 32767);
	CHECK(d16[5] < d16[7]); /* monotone through the middle */
}

static void test_rounding(void)
{
	/* i16 halfway values round away from zero: -1,-2 -> -1.5 -> -2 */
	int16_t src[2] = {-1, -2}, dst[3];
	int64_t idim[3] = {2, 1, 1}, odim[3] = {3, 1, 1};
	double sc[3] = {0.5, 1, 1};
	CHECK(lp_resample_array(src, idim, LP_I16, dst, odim, sc,
	                        LP_INTERP_LINEAR) == 0);
	CHECK(dst[0] == -1 && dst[1] == -2 && dst[2] == -2);
	int16_t s2[2] = {1, 2};
	CHECK(lp_resample_array(s2, idim, LP_I16, dst, odim, sc,
	                        LP_INTERP_LINEAR) == 0);
	CHECK(dst[1] == 2);
	lp_interp m;
	CHECK(lp_interp_parse("cubic", &m) == 0 && m == LP_INTERP_CUBIC);
	CHECK(lp_interp_parse("bspline", &m) == -1);
	CHECK(lp_errcode() == LP_EX_USAGE);
}

int main(void)
{
	test_grid();
	test_linear_ramp();
	test_identity();
	test_nearest();
	test_clamp();
	test_rounding();
	return lp_test_result("test_resample");
}
