/* ct-resample - resample volumes or patches to a new voxel spacing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_mhd.h"
#include "lp_mhd_ext.h"
#include "lp_resample.h"
#include "lp_source.h"
#include "lp_stream.h"
#include "lp_filter.h"
#include "lp_tool.h"

static const char *out = "-";
static const char *series;
static const char *interp = "linear";
static const char *chname;
static double spacing[3] = {1, 1, 1};
static int quiet;

static const lp_opt opts[] = {
	{'o', "output", LP_OPT_STRING, "FILE", &out, 0, 0, 0, NULL,
	 "Write to FILE: a MetaImage file when FILE ends in .mhd or .mha (one "
	 "frame, one channel), otherwise a lungpipe stream; '-' (the default) "
	 "is a stream on standard output. Files are written under a temporary "
	 "name and renamed when complete."},
	{'s', "spacing", LP_OPT_DOUBLES, "X,Y,Z", spacing, 0.01, 100, 3, NULL,
	 "Output voxel spacing in mm along the voxel axes x, y, z, or one value "
	 "for all three (default 1,1,1: isotropic 1 mm, as the paper)."},
	{'i', "interp", LP_OPT_CHOICE, "METHOD", &interp, 0, 0, 0,
	 "linear|nearest|cubic",
	 "Interpolation of non-mask channels: linear (trilinear, the default), "
	 "nearest, or cubic (Catmull-Rom cubic convolution, Keys a = -0.5, "
	 "4x4x4 taps; it may overshoot at edges, values are clamped to the "
	 "channel's dtype). Mask channels (units \"mask\") always use nearest."},
	LP_OPT_SERIES(&series),
	{'c', "channel", LP_OPT_STRING, "NAME", &chname, 0, 0, 0, NULL,
	 "With MetaImage output: the channel to write (default \"image\", or "
	 "the frame's only channel)."},
	{'q', "quiet", LP_OPT_FLAG, NULL, &quiet, 0, 0, 0, NULL,
	 "Do not print the DICOM reader's warnings (they stay in the frame's "
	 "\"warnings\" metadata)."},
	{0, NULL, LP_OPT_FLAG, NULL, NULL, 0, 0, 0, NULL, NULL},
};

static const lp_tool tool = {
	"ct-resample", "resample CT volumes and patches to a new voxel spacing",
	"[options] [INPUT]",
	"Reads INPUT (a lungpipe stream, '-' for standard input (the default), "
	"a .mhd/.mha MetaImage file or a DICOM folder) and resamples every "
	"frame to the requested spacing, all channels together.\n\n"
	"Output grid: the same origin (centre of the first voxel) and "
	"direction as the input; along each axis the size is "
	"floor((n - 1) * s / s') + 1 for n voxels at spacing s resampled to "
	"s', so that every output voxel centre lies within the input's voxel "
	"centres and nothing is extrapolated. This is plastimatch's rule for "
	"'plastimatch resample --spacing'; SimpleITK's common recipe "
	"round(n * s / s') with ResampleImageFilter gives the same voxels plus "
	"up to two more at the far end of an axis. Interpolation happens along "
	"the voxel axes in physical space (mm), so oblique directions are "
	"kept.\n\n"
	"Integer channels are rounded half away from zero and clamped to their "
	"dtype; the output dtype is the input's. Computation is single "
	"precision, multithreaded with OpenMP (OMP_NUM_THREADS); peak memory "
	"is one input frame plus one output frame plus a few kB per thread.\n\n"
	"Metadata resampled_from_spacing and resample_interp are added.\n\n"
	"DICOM folders (read through DCMTK; JPEG lossless and baseline, "
	"JPEG-LS and RLE are decoded) are scanned recursively; files that "
	"are not DICOM are ignored, a DICOM file that cannot be parsed or "
	"decoded is an error (65) naming it. Files are grouped by "
	"SeriesInstanceUID; without --series the CT series with the most "
	"slices is read (two CT series tied for the most: exit 64, listing "
	"them; no CT series, or a chosen series that is not CT: exit 69; no "
	"DICOM file: exit 66). Slices are sorted by ImagePositionPatient "
	"along the slice normal. Geometry is LPS as ITK gives it: origin = "
	"first slice's position, directions = row, column and normal, x/y "
	"spacing from PixelSpacing, z spacing = the median slice distance. "
	"HU = stored value x RescaleSlope + RescaleIntercept (int16, rounded "
	"half away from zero); PixelPaddingValue voxels and HU <= -2048 "
	"(out-of-field) become -1000 HU, counted in metadata \"padding\". "
	"Uneven spacing or missing slices are resampled linearly along the "
	"normal to the median spacing; duplicate positions keep the first "
	"file; gantry tilt is reported and not corrected; each of these is "
	"a warning (metadata \"warnings\", printed unless -q). Missing "
	"PixelData or mixed image sizes, spacings or orientations: exit 65; "
	"multi-frame or colour images: exit 69.",
	opts,
	"ct-resample scan.mhd -o scan1mm.mhd\n"
	"ct-resample LIDC-IDRI-0001/ --spacing 1,1,1 | ct-hu-window | ct-info -\n"
	"ct-resample --interp nearest --spacing 0.5 patches.lps -o p05.lps",
	"ct-hu-window(1), ct-info(1), ct-cat(1), plastimatch(1), "
	"lungpipe-stream(5), lungpipe(7)",
	0, 1,
};

/* The first frame of in resampled into *o; 1, 0 if none, -1 on error. */
static int first_resampled(lp_source *s, lp_interp m, lp_frame *o)
{
	lp_frame f;
	lp_frame_init(&f);
	int rc = lp_source_next(s, &f);
	if (rc == 1) {
		if (!quiet && lp_source_kind_of(s) == LP_SRC_DICOM)
			lp_filter_warnings(&f);
		if (lp_resample(&f, spacing, m, o) < 0)
			rc = -1;
	}
	lp_frame_free(&f);
	return rc;
}

static const char *mhd_channel(const lp_frame *f)
{
	if (chname)
		return chname;
	if (f->nch == 1 || !lp_frame_channel(f, LP_CH_IMAGE))
		return f->nch ? f->ch[0].name : LP_CH_IMAGE;
	return LP_CH_IMAGE;
}

static int write_mhd(lp_source *s, const char *in, lp_interp m)
{
	lp_frame o, extra;
	lp_frame_init(&extra);
	int rc = first_resampled(s, m, &o);
	if (rc == 0)
		return lp_seterr(LP_EX_DATAERR, "%s: no frame", in);
	if (rc < 0)
		return -1;
	rc = lp_source_next(s, &extra);
	lp_frame_free(&extra);
	if (rc == 1)
		rc = lp_seterr(LP_EX_DATAERR, "%s: more than one frame; a "
		               "MetaImage file holds one (write a stream)", in);
	const char *ch = mhd_channel(&o);
	if (rc == 0 && !lp_frame_channel(&o, ch))
		rc = lp_seterr(LP_EX_USAGE, "%s: no channel '%s'", in, ch);
	if (rc == 0)
		rc = lp_mhd_write(out, &o, ch, 0);
	lp_frame_free(&o);
	return rc;
}

static int to_mhd(const char *in, lp_interp m)
{
	lp_source_opts so = {series};
	lp_source *s = lp_source_open(in, &so);
	if (!s)
		return -1;
	int rc = write_mhd(s, in, m);
	lp_source_close(s);
	return rc;
}

static int resample_frame(lp_filter *flt, lp_frame *f, lp_writer *w)
{
	lp_frame o;
	if (lp_resample(f, spacing, *(const lp_interp *)flt->ctx, &o) < 0)
		return -1;
	int rc = lp_writer_put(w, &o);
	lp_frame_free(&o);
	return rc < 0 ? -1 : 1;
}

int main(int argc, char **argv)
{
	int i = lp_parse_args(&tool, argc, argv);
	const char *in = i < argc ? argv[i] : "-";
	lp_interp m;
	if (lp_interp_parse(interp, &m) < 0)
		lp_die_err();
	lp_filter flt = {.in = in, .out = out, .series = series, .quiet = quiet,
	                 .frame = resample_frame, .ctx = &m};
	if (lp_mhd_has_ext(out) ? to_mhd(in, m) < 0 : lp_filter_run(&flt) < 0)
		lp_die_err();
	lp_close_stdout();
	return 0;
}
