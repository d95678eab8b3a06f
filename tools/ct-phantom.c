/* ct-phantom - synthetic LUNA16-like chest CT scans with labelled nodules,
 * or synthetic nodules inserted into a real scan. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lp_mhd.h"
#include "lp_ofile.h"
#include "lp_phantom.h"
#include "lp_source.h"
#include "lp_stream.h"
#include "lp_tool.h"

static const char *out;
static const char *background, *series;
static long count = 1, seed = 1, size = 512, slices = 0;
static double spacing[3] = {0, 0, 0}, nodules[2] = {1, 6};
static double diam[2] = {3, 30}, label_noise = 0;
static int stream, quiet, want_lung, compress;

static const lp_opt opts[] = {
	{'o', "output", LP_OPT_STRING, "DIR", &out, 0, 0, 0, NULL,
	 "Write the scans into folder DIR (created if missing): "
	 "UID.mhd/.raw (int16 HU), UID_gt.mhd (uint8 nodule masks, value = "
	 "nodule_id) and annotations.csv. With --stream, or when DIR is '-', "
	 "write a lungpipe stream instead (a file, or standard output). "
	 "Required."},
	{'n', "count", LP_OPT_INT, "N", &count, 1, 10000, 0, NULL,
	 "Make N scans (default 1). Scan i is the same whatever N is."},
	{0, "seed", LP_OPT_INT, "S", &seed, 0, 9007199254740991.0, 0, NULL,
	 "Seed of everything (default 1): the same seed gives the same bytes."},
	{0, "size", LP_OPT_INT, "N", &size, 32, 1024, 0, NULL,
	 "In-plane voxels (default 512). The field of view stays anatomical: "
	 "the in-plane spacing is scaled by 512/N."},
	{0, "slices", LP_OPT_INT, "N", &slices, 8, 2000, 0, NULL,
	 "Number of slices (default: the scan's z extent, 280-330 mm, over the "
	 "slice spacing). Without a z spacing, the spacing becomes extent/N."},
	{0, "spacing", LP_OPT_DOUBLES, "X,Y,Z", spacing, 0, 20, 3, NULL,
	 "Fix the voxel spacing in mm; 0 for an axis keeps it random "
	 "(in-plane 0.6-0.9 mm at 512, slices 1, 1.25, 1.5, 2 or 2.5 mm)."},
	{0, "nodules", LP_OPT_DOUBLES, "MIN,MAX", nodules, 0, 50, 2, NULL,
	 "Nodules per scan, uniform in MIN..MAX (default 1,6). A nodule that "
	 "cannot be placed is dropped."},
	{0, "diameter", LP_OPT_DOUBLES, "MIN,MAX", diam, 3, 30, 2, NULL,
	 "Nodule diameters in mm (default 3,30; log-normal around 8 mm)."},
	{0, "label-noise", LP_OPT_DOUBLE, "P", &label_noise, 0, 1, 0, NULL,
	 "Reverse each nodule's ratings (r -> 6-r, so its label flips) with "
	 "probability P (default 0). Nothing else changes."},
	{0, "background", LP_OPT_STRING, "SCAN", &background, 0, 0, 0, NULL,
	 "Insert the nodules into this real scan (.mhd/.mha, DICOM folder or "
	 "stream; its first frame) instead of making a synthetic one."},
	{0, "series", LP_OPT_STRING, "UID", &series, 0, 0, 0, NULL,
	 "With a DICOM --background: the series to read."},
	{0, "stream", LP_OPT_FLAG, NULL, &stream, 0, 0, 0, NULL,
	 "Write a stream to -o (one frame per scan, channels image and gt)."},
	{0, "lung", LP_OPT_FLAG, NULL, &want_lung, 0, 0, 0, NULL,
	 "Also write the lung masks (UID_lung.mhd, or a \"lung\" channel: "
	 "1 right, 2 left; synthetic scans only)."},
	{0, "compress", LP_OPT_FLAG, NULL, &compress, 0, 0, 0, NULL,
	 "Write MetaImage data zlib-compressed (.zraw)."},
	{'q', "quiet", LP_OPT_FLAG, NULL, &quiet, 0, 0, 0, NULL,
	 "No progress lines on standard error."},
	{0, NULL, LP_OPT_FLAG, NULL, NULL, 0, 0, 0, NULL, NULL},
};

static const lp_tool tool = {
	"ct-phantom", "synthetic chest CT scans with labelled lung nodules",
	"-o DIR|- [-n N] [--seed S] [--size N] [--slices N] [options]",
	"Makes N synthetic chest CT scans like LUNA16's: a torso with skin, "
	"fat, muscle, ribs, spine, sternum, mediastinum, heart, aorta, liver "
	"and stomach; two lungs near -850 HU with parenchymal texture and a "
	"gravity gradient; pulmonary artery trees with bronchi alongside, vein "
	"trees, trachea and main bronchi; partial volume, a slight blur, "
	"correlated noise of 10-30 HU, sometimes contrast and a padded region "
	"outside the circular field of view. Geometry is LPS with identity "
	"direction, origin like LUNA16's, slice index growing towards the "
	"head.\n\n"
	"Nodules lie in the lungs: solid (-10..60 HU), part-solid (a solid "
	"core in a ground-glass halo), ground-glass (-650..-350 HU) or "
	"calcified (central, diffuse or popcorn); isolated, juxtavascular "
	"(touching a vessel) or juxtapleural (touching the lung wall); smooth "
	"ellipsoids, lobulated, or spiculated. Malignancy follows morphology: "
	"logit p = -1.8 + 0.2 (d - 8) + 1.2 lobulated + 2.4 spiculated + 1.3 "
	"part-solid + 0.3 ground-glass - 3.5 calcified - 0.8 (juxtapleural and "
	"smooth), d the drawn diameter in mm. Four simulated readers rate "
	"round(1 + 4p + N(0,0.35) + N(0,0.55)) clamped to 1..5; a mean of "
	"exactly 3 is never produced (ratings are drawn again), so every "
	"nodule is benign (mean < 3) or malignant (mean > 3), as in the HR-MPF "
	"paper's use of LUNA16.\n\n"
	"annotations.csv has LUNA16's columns seriesuid, coordX, coordY, "
	"coordZ (the mask's centroid, world mm), diameter_mm (of the sphere "
	"with the nodule's rendered volume), then malignancy_ratings (four "
	"ratings separated by ';'), malignancy_mean, label (benign or "
	"malignant), kind, attachment, nodule_id (its value in UID_gt.mhd), "
	"shape, p_malignant (the model's probability) and label_flipped (1 "
	"when --label-noise reversed it). In a stream the same facts are "
	"metadata keys nodule.K.center_world, .center_voxel, .diameter_mm, "
	".malignancy_ratings, .malignancy_mean, .label, .kind, .attachment, "
	".shape, .p_malignant, .voxels, with series_uid, nodules and "
	"synthetic=1.\n\n"
	"Series UIDs are 2.25.N UIDs (ISO/IEC 9834-8: N is a 128-bit UUID in "
	"decimal, here a version-8 UUID hashed from the seed and the scan's "
	"index, so it is deterministic and marks the series as synthetic). Everything is a function of the seed and "
	"the scan's index: the same command gives the same bytes, on any "
	"number of threads.\n\n"
	"With --background, lungs are found in the real scan (threshold, "
	"components, airways removed), the nodules are blended into it with "
	"partial volume and the scan's own noise, and the output is as above "
	"with the scan's geometry; series_uid is synthetic, the original is "
	"kept as background_series_uid.",
	opts,
	"ct-phantom -o data -n 20 --seed 7\n"
	"ct-phantom -o - --size 256 --slices 80 | ct-info -\n"
	"ct-phantom -o ins --background ../shared/data/ct/cptac-C3N-00247-chest",
	"ct-info(1), ct-resample(1), lungpipe-stream(5), lungpipe(7)",
	0, 0,
};

static void set_opts(lp_phantom_opts *o)
{
	lp_phantom_opts_init(o);
	o->size = size;
	o->slices = slices;
	for (int i = 0; i < 3; i++)
		o->spacing[i] = spacing[i];
	o->nod_min = (int)nodules[0];
	o->nod_max = (int)nodules[1];
	o->dmin = diam[0];
	o->dmax = diam[1];
	o->label_noise = label_noise;
	o->seed = (uint64_t)seed;
	o->want_lung = want_lung && !background;
	if (o->nod_min > o->nod_max || o->dmin > o->dmax)
		lp_die(LP_EX_USAGE, "MIN must not exceed MAX in --nodules and "
		                    "--diameter");
	for (int i = 0; i < 3; i++)
		if (spacing[i] > 0 && spacing[i] < 0.1)
			lp_die(LP_EX_USAGE, "--spacing: 0 or 0.1..20 mm");
}

static int read_background(lp_frame *bg)
{
	lp_source_opts so = {series};
	lp_source *s = lp_source_open(background, &so);
	int rc;
	if (!s)
		return -1;
	rc = lp_source_next(s, bg);
	lp_source_close(s);
	if (rc == 0)
		return lp_seterr(LP_EX_DATAERR, "%s: no volume", background);
	return rc < 0 ? -1 : 0;
}

static int make_scan(const lp_phantom_opts *o, const lp_frame *bg, long i,
                     lp_frame *f, lp_nodule **nod, int *n)
{
	if (!bg)
		return lp_phantom_make(o, i, f, nod, n);
	if (lp_frame_copy(f, bg))
		return -1;
	if (lp_phantom_insert(o, i, f, nod, n)) {
		lp_err_prefix("%s", background);
		lp_frame_free(f);
		return -1;
	}
	return 0;
}

static int write_files(const lp_frame *f, const char *uid)
{
	static const char *ch[3] = {"image", "gt", "lung"};
	static const char *suf[3] = {"", "_gt", "_lung"};
	char path[4096];
	for (int k = 0; k < 3; k++) {
		if (!lp_frame_channel(f, ch[k]))
			continue;
		snprintf(path, sizeof path, "%s/%s%s.mhd", out, uid, suf[k]);
		if (lp_mhd_write(path, f, ch[k], compress))
			return -1;
	}
	return 0;
}

static void progress(long i, const char *uid, int n, double t0)
{
	if (!quiet)
		fprintf(stderr, "ct-phantom: %ld/%ld %s: %d nodule%s, %.1f s\n",
		        i + 1, count, uid, n, n == 1 ? "" : "s", lp_now() - t0);
}

typedef struct {
	lp_ofile *csv;
	lp_writer *w;
} sink;

static int sink_open(sink *s)
{
	memset(s, 0, sizeof *s);
	if (stream || strcmp(out, "-") == 0) {
		s->w = lp_writer_open(out, NULL, tool.name, lp_saved_argc(),
		                      lp_saved_argv());
		return s->w ? 0 : -1;
	}
	if (mkdir(out, 0777) && errno != EEXIST)
		return lp_seterr(LP_EX_CANTCREAT, "%s: %s", out, strerror(errno));
	char path[4096];
	if ((size_t)snprintf(path, sizeof path, "%s/annotations.csv", out) >=
	    sizeof path)
		return lp_seterr(LP_EX_CANTCREAT, "%s: name too long", out);
	if (!(s->csv = lp_ofile_open(path)))
		return -1;
	return lp_phantom_csv_header(s->csv->fp);
}

static int sink_put(sink *s, const lp_frame *f, const char *uid,
                    const lp_nodule *nod, int n)
{
	if (s->w)
		return lp_writer_put(s->w, f) < 0 ? -1 : 0;
	if (write_files(f, uid))
		return -1;
	return lp_phantom_csv_rows(s->csv->fp, uid, nod, n);
}

static int sink_close(sink *s)
{
	if (s->w)
		return lp_writer_close(s->w) < 0 ? -1 : 0;
	int rc = lp_ofile_commit(s->csv);
	s->csv = NULL;
	return rc;
}

static void sink_abort(sink *s)
{
	if (s->w)
		lp_writer_abort(s->w);
	lp_ofile_abort(s->csv);
}

static int run(const lp_phantom_opts *o, const lp_frame *bg, sink *s)
{
	for (long i = 0; i < count; i++) {
		lp_frame f;
		lp_nodule *nod = NULL;
		int n = 0, rc;
		double t0 = lp_now();
		char uid[96];
		if (make_scan(o, bg, i, &f, &nod, &n))
			return -1;
		lp_phantom_uid(o->seed, i, uid, sizeof uid);
		rc = sink_put(s, &f, uid, nod, n);
		lp_frame_free(&f);
		free(nod);
		if (rc)
			return -1;
		progress(i, uid, n, t0);
	}
	return 0;
}

int main(int argc, char **argv)
{
	lp_phantom_opts o;
	lp_frame bg;
	sink s;
	int rc;
	lp_parse_args(&tool, argc, argv);
	if (!out)
		lp_die(LP_EX_USAGE, "-o DIR (or -o -) is required");
	set_opts(&o);
	if ((stream || strcmp(out, "-") == 0) && lp_output_check(out) < 0)
		lp_die_err();
	lp_frame_init(&bg);
	if (background && read_background(&bg))
		lp_die_err();
	if (sink_open(&s)) {
		sink_abort(&s);
		lp_die_err();
	}
	rc = run(&o, background ? &bg : NULL, &s);
	lp_frame_free(&bg);
	if (rc) {
		sink_abort(&s);
		lp_die_err();
	}
	if (sink_close(&s))
		lp_die_err();
	lp_close_stdout();
	return 0;
}
