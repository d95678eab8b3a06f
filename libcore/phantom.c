/* phantom.c - lp_phantom_make: one synthetic chest CT with its nodules.
 * Steps: draw the patient and the grid (phantom_geom.c), build the tubes
 * (phantom_vessels.c, phantom_tree.c), fill the clean volume
 * (phantom_volume.c), add the nodules (phantom_nodule.c), then blur, add
 * noise and round (phantom_noise.c). */
#include <stdlib.h>
#include "lp_phantom.h"
#include "phantom_int.h"

static int frame_setup(const ph_anat *a, lp_frame *f)
{
	lp_frame_init(f);
	if (lp_frame_set_dims(f, a->nx, a->ny, a->nz))
		return -1;
	for (int i = 0; i < 3; i++) {
		f->spacing[i] = a->sp[i];
		f->origin[i] = a->org[i];
	}
	if (!lp_frame_add_channel(f, LP_CH_IMAGE, LP_I16, LP_UNITS_HU) ||
	    !lp_frame_add_channel(f, LP_CH_GT, LP_U8, LP_UNITS_MASK))
		return -1;
	return 0;
}

static int build(const lp_phantom_opts *o, int64_t index, const ph_anat *a,
                 lp_frame *f, float *img, uint8_t *lung, lp_nodule **nod,
                 int *nnod)
{
	ph_tubes ts = {NULL, 0, 0};
	ph_scene sc;
	ph_rng rt;
	uint64_t ss = ph_scan_seed(o->seed, index);
	int rc;
	ph_rng_seed(&rt, ss, PH_S_TREE);
	rc = ph_tubes_mediastinum(a, &ts);
	if (!rc)
		rc = ph_trees(a, &rt, &ts);
	if (!rc)
		rc = ph_volume(a, &ts, img, lung);
	ph_tubes_free(&ts);
	if (rc)
		return -1;
	if (ph_scene_init(&sc, f, img, lung,
	                  lp_frame_channel(f, LP_CH_GT)->data) ||
	    ph_nodules(o, ss, &sc, nod, nnod))
		return -1;
	return ph_finish(a, img, lp_frame_channel(f, LP_CH_IMAGE)->data);
}

int lp_phantom_make(const lp_phantom_opts *o, int64_t index, lp_frame *f,
                    lp_nodule **nod, int *nnod)
{
	ph_anat a;
	float *img = NULL;
	uint8_t *lung = NULL;
	char uid[96];
	size_t nvox;
	*nod = NULL;
	*nnod = 0;
	lp_frame_init(f);
	if (ph_anat_draw(o, index, &a) || frame_setup(&a, f))
		goto fail;
	nvox = (size_t)lp_frame_nvox(f);
	img = lp_malloc(nvox * sizeof *img);
	if (o->want_lung) {
		lp_channel *c = lp_frame_add_channel(f, LP_CH_LUNG, LP_U8,
		                                     LP_UNITS_MASK);
		lung = c ? c->data : NULL;
	} else {
		lung = lp_malloc(nvox);
	}
	if (!img || !lung || build(o, index, &a, f, img, lung, nod, nnod))
		goto fail;
	free(img);
	if (!o->want_lung)
		free(lung);
	lp_phantom_uid(o->seed, index, uid, sizeof uid);
	if (lp_phantom_meta(f, uid, *nod, *nnod) ||
	    lp_meta_set(f, "source", "ct-phantom") ||
	    lp_meta_setf(f, "phantom.seed", "%llu", (unsigned long long)o->seed) ||
	    lp_meta_setf(f, "phantom.index", "%lld", (long long)index))
		goto fail2;
	return 0;
fail:
	free(img);
	if (!o->want_lung)
		free(lung);
fail2:
	free(*nod);
	*nod = NULL;
	*nnod = 0;
	lp_frame_free(f);
	return -1;
}
