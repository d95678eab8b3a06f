/* test_window.c - HU window mapping: end points, rounding, clamping, u8 and
 * f32, masks untouched, refusal of windowed input and --force, errors. */
#include <string.h>

#include "lp_test.h"
#include "lp_window.h"

static void make(lp_frame *f)
{
	lp_frame_init(f);
	lp_frame_set_dims(f, 7, 1, 1);
	lp_channel *c = lp_frame_add_channel(f, "image", LP_I16, LP_UNITS_HU);
	lp_channel *m = lp_frame_add_channel(f, "lung", LP_U8, LP_UNITS_MASK);
	int16_t hu[7] = {-3000, -1000, -999, -300, 0, 400, 3000};
	memcpy(c->data, hu, sizeof hu);
	for (int i = 0; i < 7; i++)
		((uint8_t *)m->data)[i] = (uint8_t)(i % 2);
}

int main(void)
{
	CHECK(lp_window_u8(-1000, -1000, 400) == 0);
	CHECK(lp_window_u8(400, -1000, 400) == 255);
	CHECK(lp_window_u8(-300, -1000, 400) == 128); /* 127.5 rounds up */
	CHECK(lp_window_u8(-5000, -1000, 400) == 0);
	CHECK(lp_window_u8(5000, -1000, 400) == 255);
	CHECK_NEAR(lp_window_t(-650, -1000, 400), 0.25, 1e-12);

	lp_frame f;
	make(&f);
	CHECK(lp_hu_window(&f, LP_WINDOW_MIN, LP_WINDOW_MAX, LP_U8, 0) == 0);
	lp_channel *c = lp_frame_channel(&f, "image");
	const uint8_t want[7] = {0, 0, 0, 128, 182, 255, 255};
	CHECK(c->dtype == LP_U8 && !strcmp(c->units, LP_UNITS_WINDOW));
	CHECK(!memcmp(c->data, want, 7));
	CHECK(c->wmin == -1000 && c->wmax == 400);
	lp_channel *m = lp_frame_channel(&f, "lung");
	CHECK(m->dtype == LP_U8 && !strcmp(m->units, LP_UNITS_MASK));
	CHECK(((uint8_t *)m->data)[1] == 1 && ((uint8_t *)m->data)[2] == 0);
	CHECK(lp_meta_get(&f, "hu_window") &&
	      !strcmp(lp_meta_get(&f, "hu_window"), "-1000,400"));
	/* already windowed: refused unless forced */
	CHECK(lp_hu_window(&f, -1000, 400, LP_U8, 0) == -1);
	CHECK(lp_errcode() == LP_EX_DATAERR);
	CHECK(strstr(lp_errmsg(), "already windowed") != NULL);
	CHECK(lp_hu_window(&f, -1000, 400, LP_F32, 1) == 0);
	c = lp_frame_channel(&f, "image");
	CHECK(c->dtype == LP_F32);
	CHECK_NEAR(((float *)c->data)[3], 128 / 255.0, 1e-6);
	lp_frame_free(&f);

	make(&f);
	CHECK(lp_hu_window(&f, -1350, 150, LP_F32, 0) == 0);
	c = lp_frame_channel(&f, "image");
	const float *v = c->data;
	CHECK(v[0] == 0 && v[6] == 1);
	CHECK_NEAR(v[3], 1050.0 / 1500.0, 1e-6);
	CHECK(c->wmin == -1350 && c->wmax == 150);
	lp_frame_free(&f);

	make(&f);
	CHECK(lp_hu_window(&f, 400, -1000, LP_U8, 0) == -1);
	CHECK(lp_errcode() == LP_EX_USAGE);
	CHECK(lp_frame_remove_channel(&f, "image") == 0);
	CHECK(lp_hu_window(&f, -1000, 400, LP_U8, 0) == -1);
	CHECK(lp_errcode() == LP_EX_DATAERR); /* no HU channel */
	lp_frame_free(&f);
	return lp_test_result("test_window");
}
