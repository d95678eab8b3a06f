/* lung-mask - add a lung parenchyma mask channel, blank the rest. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "lp_lungmask.h"
#include "lp_filter.h"

static const char *out = "-";
static const char *series;
static const char *chname = LP_CH_IMAGE;
static const char *outname = LP_CH_LUNG;
static int keep_image, verbose;
static lp_lungmask_opts lo;

static const lp_opt opts[] = {
	LP_OPT_OUTPUT(&out),
	{'c', "channel", LP_OPT_STRING, "NAME", &chname, 0, 0, 0, NULL,
	 "The CT channel (default \"image\"), in HU or windowed."},
	{'n', "name", LP_OPT_STRING, "NAME", &outname, 0, 0, 0, NULL,
	 "Name of the mask channel added (default \"lung\")."},
	{'k', "keep-image", LP_OPT_FLAG, NULL, &keep_image, 0, 0, 0, NULL,
	 "Leave the image untouched; by default every voxel outside the lungs "
	 "is set to the background value, -1000 HU or its windowed "
	 "equivalent, as the paper does."},
	{'t', "threshold", LP_OPT_DOUBLE, "HU", &lo.threshold_hu, -1000, 0, 0,
	 NULL, "Air is below this value (default -320 HU); converted to the "
	 "channel's window for windowed input."},
	{0, "close", LP_OPT_DOUBLE, "MM", &lo.close_mm, 0, 50, 0, NULL,
	 "Radius of the in-plane closing of each lung (default 10 mm; 0 = "
	 "none). Concavities of the lung border narrower than about twice this, "
	 "such as nodules attached to the pleura, are included."},
	{0, "min-ml", LP_OPT_DOUBLE, "ML", &lo.min_ml, 0, 10000, 0, NULL,
	 "Smallest lung component accepted (default 30 ml)."},
	{0, "airway-mm2", LP_OPT_DOUBLE, "MM2", &lo.airway_mm2, 0, 10000, 0,
	 NULL, "Largest cross-section of the trachea and bronchi that are "
	 "followed down from the top slices and removed (default 800 mm2)."},
	{0, "hole-mm2", LP_OPT_DOUBLE, "MM2", &lo.hole_mm2, 0, 1e6, 0, NULL,
	 "Largest hole of a lung's slice that is filled (default 2000 mm2, a "
	 "disk of 50 mm): vessels and nodules inside the lung are filled, the "
	 "dome of the liver ringed by the lung's recesses is not."},
	LP_OPT_SERIES(&series),
	{'v', "verbose", LP_OPT_FLAG, NULL, &verbose, 0, 0, 0, NULL,
	 "Print each frame's lung volumes (ml) and the time taken to standard "
	 "error."},
	{0, NULL, LP_OPT_FLAG, NULL, NULL, 0, 0, 0, NULL, NULL},
};

static const lp_tool tool = {
	"lung-mask", "segment the lungs of chest CT volumes",
	"[options] [INPUT]",
	"Reads INPUT (a lungpipe stream, '-' for standard input (the default), "
	"a .mhd/.mha MetaImage file or a DICOM folder) and adds to every frame "
	"a channel \"lung\" (u8, units \"mask\"): 0 outside the lungs, 1 the "
	"patient's right lung, 2 the left lung (LPS: the right lung is the one "
	"at smaller world x). Input in HU and windowed input (units \"window\", "
	"from ct-hu-window(1)) are both accepted; the units are read from the "
	"channel.\n\n"
	"Method: voxels below the threshold (-320 HU) are air. Air connected "
	"in 3-D to the in-plane border of the volume is outside the body and "
	"dropped; the largest remaining air region is the lungs (a second one "
	"is added when it holds at least 10 % of the first and reaches above "
	"its centre). The trachea and main bronchi are found as a small air "
	"region near the body's midline in the top slices, followed downwards "
	"slice by slice while their cross-section stays below --airway-mm2, "
	"and removed; in a slice where the airway touches a lung, its lumen "
	"(below -950 HU, darker than lung tissue, under the airway of the "
	"slice above) is removed with a 1.5 mm rim. The remaining air is labelled again; each component of "
	"at least 10 % of the largest is a lung, right or left by the side of "
	"its centre relative to the body's midline. Lungs that touch (one "
	"component with at least 15 % on each side) are split in every slice "
	"at the column with the fewest lung voxels within 40 mm of the "
	"midline. Finally each lung is closed slice by slice with a disk of "
	"--close mm and its holes up to --hole-mm2 are filled, so vessels "
	"inside the lung and nodules inside it or attached to the pleura where "
	"the lung wall is straight or concave are part of the mask. A nodule "
	"at a convex corner of the lung (the tip of a costophrenic recess) can "
	"stay outside. Lungs that touch the in-plane border of the volume (a "
	"field of view that cuts them) are taken for outside air.\n\n"
	"Unless --keep-image, every voxel of the CT channel outside the mask is "
	"set to -1000 HU (or the value -1000 HU maps to in the channel's "
	"window). The frame gets metadata lung_volume_ml = \"total,right,left\". "
	"A frame without lungs (no air region of --min-ml inside the body) is an "
	"error (65) and nothing is written; so is a frame that has a lung "
	"channel already.",
	opts,
	"ct-resample scan.mhd | ct-hu-window | lung-mask > lungs.lps\n"
	"lung-mask -v --keep-image LIDC-IDRI-0001/ -o masked.lps",
	"ct-resample(1), ct-hu-window(1), roi-crop(1), lungpipe-stream(5), "
	"lungpipe(7)",
	0, 1,
};

static int mask_frame(lp_filter *flt, lp_frame *f, lp_writer *w)
{
	(void)w;
	lp_lungmask_info info;
	double t0 = lp_now();
	clock_t c0 = clock();
	if (lp_lungmask_frame(f, chname, outname, &lo, keep_image, &info)) {
		const char *uid = lp_meta_get(f, LP_META_SERIES);
		if (uid)
			lp_err_prefix("series %s", uid);
		return -1;
	}
	if (verbose)
		fprintf(stderr,
		        "%s: frame %ld: lungs %.1f ml (right %.1f, left %.1f), "
		        "airways %.1f ml removed%s, %.3f s (cpu %.3f s)\n",
		        tool.name, flt->nframe, info.ml[0], info.ml[1],
		        info.ml[2], info.airway_ml, info.split ? ", split" : "",
		        lp_now() - t0, (double)(clock() - c0) / CLOCKS_PER_SEC);
	return 0;
}

int main(int argc, char **argv)
{
	lp_lungmask_defaults(&lo);
	int i = lp_parse_args(&tool, argc, argv);
	const char *in = i < argc ? argv[i] : "-";
	lp_filter flt = { .in = in, .out = out, .series = series,
	                  .frame = mask_frame };
	if (lp_filter_run(&flt) < 0)
		lp_die_err();
	lp_close_stdout();
	return 0;
}
