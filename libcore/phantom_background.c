/* phantom_background.c - lp_phantom_insert: synthetic nodules in a real
 * scan.  The lungs come from lp_lungmask (threshold, components, airways
 * removed, closing, holes filled); the scan's noise is kept on the nodules
 * (phantom_render.c) and their edges get an extra 0.6 mm of blur, close to
 * a clinical PSF. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "lp_lungmask.h"
#include "phantom_int.h"

static float *to_float(const lp_frame *f, const lp_channel *c)
{
	size_t n = (size_t)lp_frame_nvox(f);
	float *img = lp_malloc(n * sizeof *img);
	if (!img)
		return NULL;
	if (c->dtype == LP_I16) {
		const int16_t *s = c->data;
		for (size_t i = 0; i < n; i++)
			img[i] = s[i];
	} else {
		for (size_t i = 0; i < n; i++)
			img[i] = (float)lp_channel_get(c, i);
	}
	return img;
}

/* Replace the image channel by img rounded to int16. */
static int store_i16(lp_frame *f, const float *img)
{
	size_t n = (size_t)lp_frame_nvox(f);
	int16_t *d = lp_malloc(n * sizeof *d);
	if (!d)
		return -1;
	for (size_t i = 0; i < n; i++) {
		float v = floorf(img[i] + 0.5f);
		d[i] = (int16_t)(v < -32768 ? -32768 : v > 32767 ? 32767 : v);
	}
	if (lp_frame_remove_channel(f, LP_CH_IMAGE) ||
	    !lp_frame_adopt_channel(f, LP_CH_IMAGE, LP_I16, LP_UNITS_HU, d)) {
		free(d);
		return -1;
	}
	return 0;
}

static int keep_meta(lp_frame *f, const char *key, const char *as)
{
	const char *v = lp_meta_get(f, key);
	return v ? lp_meta_set(f, as, v) : 0;
}

static int lungs(const lp_frame *f, const lp_channel *c, uint8_t **out)
{
	lp_lungmask_opts lo;
	lp_lungmask_info info;
	*out = lp_malloc((size_t)lp_frame_nvox(f));
	if (!*out)
		return -1;
	lp_lungmask_defaults(&lo);
	if (lp_lungmask(f, c, &lo, *out, &info)) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

static int insert(const lp_phantom_opts *o, int64_t index, lp_frame *f,
                  float *img, const uint8_t *lung, lp_nodule **nod, int *nnod)
{
	ph_scene sc;
	lp_channel *gt;
	if (lp_frame_channel(f, LP_CH_GT))
		lp_frame_remove_channel(f, LP_CH_GT);
	gt = lp_frame_add_channel(f, LP_CH_GT, LP_U8, LP_UNITS_MASK);
	if (!gt || ph_scene_init(&sc, f, img, lung, gt->data))
		return -1;
	sc.noise = ph_noise_estimate(img, lung, f->dim);
	sc.edge = 0.6;
	return ph_nodules(o, ph_scan_seed(o->seed, index), &sc, nod, nnod);
}

int lp_phantom_insert(const lp_phantom_opts *o, int64_t index, lp_frame *f,
                      lp_nodule **nod, int *nnod)
{
	lp_channel *c = lp_frame_channel(f, LP_CH_IMAGE);
	float *img = NULL;
	uint8_t *lung = NULL;
	char uid[96];
	int rc = -1;
	*nod = NULL;
	*nnod = 0;
	if (!c)
		return lp_seterr(LP_EX_DATAERR, "background has no image channel");
	if (lp_frame_check_geometry(f) || lungs(f, c, &lung) ||
	    !(img = to_float(f, c)))
		goto out;
	if (insert(o, index, f, img, lung, nod, nnod) || store_i16(f, img))
		goto out;
	lp_phantom_uid(o->seed, index, uid, sizeof uid);
	if (keep_meta(f, LP_META_SERIES, "background_series_uid") ||
	    keep_meta(f, LP_META_SOURCE, "background_source") ||
	    lp_meta_set(f, "source", "ct-phantom --background") ||
	    lp_phantom_meta(f, uid, *nod, *nnod))
		goto out;
	rc = 0;
out:
	free(img);
	free(lung);
	if (rc) {
		free(*nod);
		*nod = NULL;
		*nnod = 0;
	}
	return rc;
}
