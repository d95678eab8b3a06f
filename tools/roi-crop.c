/* roi-crop - crop the paper's 64x64 axial ROIs around nodules. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_rng.h"
#include "lp_roi.h"
#include "lp_filter.h"

static const char *out = "-";
static const char *series;
static const char *csvpath;
static long size = 64, depth = 1, seed = 1;
static double jitter;
static int all_slices, augment, strict, quiet, verbose;

static const lp_opt opts[] = {
	LP_OPT_OUTPUT(&out),
	{'a', "annotations", LP_OPT_STRING, "CSV", &csvpath, 0, 0, 0, NULL,
	 "Nodules from a LUNA16-style CSV in world coordinates (see "
	 "NODULES). Without it, nodules come from the frames' gt channel."},
	{0, "all-slices", LP_OPT_FLAG, NULL, &all_slices, 0, 0, 0, NULL,
	 "One patch per slice of the nodule (for training): every slice its gt "
	 "mask touches; without a gt channel, every slice within half the "
	 "diameter of its centre. Default: the centre slice only."},
	{'s', "size", LP_OPT_INT, "N", &size, 1, 1024, 0, NULL,
	 "Patch side in voxels (default 64, the paper's)."},
	{'d', "depth", LP_OPT_INT, "D", &depth, 1, 256, 0, NULL,
	 "Slices per patch (default 1): D adjacent slices around each "
	 "patch's slice, the patch's slice at index D/2."},
	{0, "augment", LP_OPT_FLAG, NULL, &augment, 0, 0, 0, NULL,
	 "Write each patch six times (the paper's six-fold flips, rotations "
	 "and transposes). With (du, dv) the offset of a patch voxel from the "
	 "patch centre, it shows the voxel at offset (da, db) from the nodule's "
	 "centre: identity (du, dv), flip_x (-du, dv), flip_y (du, -dv), rot90 "
	 "(dv, -du), rot180 (-du, -dv), transpose (dv, du). Six distinct, "
	 "invertible elements of the square's symmetry group; the nodule's "
	 "centre voxel stays at the patch centre (for an even size a flipped "
	 "patch covers a window shifted by one voxel). Metadata augment names "
	 "the transform."},
	{0, "jitter", LP_OPT_DOUBLE, "MM", &jitter, 0, 100, 0, NULL,
	 "Move each patch's centre by a random in-plane offset, uniform in "
	 "[-MM, MM] on x and y (rounded to voxels); the augmented copies of a "
	 "patch share it. Default 0."},
	{0, "seed", LP_OPT_INT, "N", &seed, 0, 1e15, 0, NULL,
	 "Seed of the --jitter random numbers (default 1); the same seed gives "
	 "the same patches."},
	{0, "strict", LP_OPT_FLAG, NULL, &strict, 0, 0, 0, NULL,
	 "Treat every warning (bad CSV row, nodule outside the volume, CSV "
	 "series matching no frame) as an error: exit 65, no output."},
	LP_OPT_SERIES(&series),
	{'q', "quiet", LP_OPT_FLAG, NULL, &quiet, 0, 0, 0, NULL,
	 "Do not print warnings."},
	{'v', "verbose", LP_OPT_FLAG, NULL, &verbose, 0, 0, 0, NULL,
	 "Print the number of nodules and patches of every frame to standard "
	 "error."},
	{0, NULL, LP_OPT_FLAG, NULL, NULL, 0, 0, 0, NULL, NULL},
};

static const lp_tool tool = {
	"roi-crop", "crop axial patches (ROIs) around nodules",
	"[options] [INPUT]",
	"Reads volumes from INPUT (a lungpipe stream, '-' for standard input "
	"(the default), a .mhd/.mha MetaImage file or a DICOM folder) and "
	"writes, for every nodule, N x N x D patches centred on it (the paper "
	"crops 64 x 64 regions of interest). Every channel of the volume "
	"(image, lung, gt, ...) is cropped the same way. Near the volume's "
	"border the patch is padded: -1000 HU for HU channels, the value -1000 "
	"HU maps to for windowed channels, 0 for masks and anything else.\n\n"
	"NODULES. With -a CSV, nodules are the CSV rows whose seriesuid equals "
	"the frame's series_uid metadata, or the name of its source file "
	"without extension (LUNA16's SERIESUID.mhd). Columns are found by name: "
	"seriesuid, coordX, coordY, coordZ (world mm, LPS) are required; "
	"diameter_mm, nodule_id, ratings (or malignancy_ratings, mal_details), "
	"malignancy_mean, label and class are used when present. This reads "
	"LUNA16's annotations.csv and candidates.csv, lidc-annot(1)'s CSV and "
	"ct-phantom(1)'s. A numeric label 0/1/-1 means benign/malignant/"
	"excluded (lidc-annot); class 1/0 gives label nodule/non-nodule. Rows "
	"without nodule_id get id \"lineN\" (their CSV line). World centres are "
	"converted with the volume's full direction matrix and rounded to the "
	"nearest voxel.\n\n"
	"Without -a, nodules are the connected components (26-neighbourhood) "
	"of the frame's gt channel; components with the same value K are one "
	"nodule when the frame carries nodule.K.* metadata (lidc-annot(1), "
	"ct-phantom(1)), whose id (or K), centre, diameter, ratings and label "
	"are then used. Otherwise the "
	"centre is the component's centroid and the diameter that of the "
	"sphere of the same volume.\n\n"
	"PATCHES. Each patch is a frame with kind=patch and metadata "
	"series_uid, nodule_id, center_world (x,y,z mm), center_voxel (i,j,k "
	"in the volume, unrounded), patch_center_voxel (the voxel at patch "
	"index N/2, N/2, D/2), source_slice, diameter_mm, malignancy_ratings, "
	"malignancy_mean, label (when known), augment and jitter_mm (with "
	"--jitter); the volume's other metadata is kept, except its nodule.* "
	"and non_nodule.* keys. Geometry: the volume's spacing and direction, "
	"origin at patch voxel (0,0,0); augmented patches get the flipped, "
	"rotated or transposed direction so that every voxel keeps its world "
	"position.\n\n"
	"ERRORS. A CSV row with a bad number or the wrong number of fields, a "
	"nodule whose centre lies outside the volume, a frame without nodules "
	"and CSV series that match no frame each give a one-line warning "
	"(file:line for CSV rows) and are skipped; the other nodules are still "
	"written and the exit status is 0, unless --strict. A CSV without the "
	"required columns is an error (65).",
	opts,
	"roi-crop -a annotations.csv scan.lps > patches.lps\n"
	"lidc-annot ... | ct-resample | ct-hu-window | lung-mask | "
	"roi-crop --all-slices --augment > train.lps\n"
	"roi-crop -s 1 -a annotations.csv masked.lps | ct-info -",
	"lidc-annot(1), lung-mask(1), ct-info(1), lungpipe-stream(5), "
	"lungpipe(7)",
	0, 1,
};

static int nwarn;

static void warn(const char *fmt, ...) LP_PRINTF(1, 2);
static void warn(const char *fmt, ...)
{
	nwarn++;
	if (quiet)
		return;
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	lp_warn("%s", buf);
}

static uint64_t rng_state; /* --jitter, from --seed */

static double urand(void)
{
	return lp_rng_uniform(&rng_state);
}

typedef struct {
	lp_writer *w;
	long frame;
	long patches;
} job;

static int strip_meta(lp_frame *p)
{
	for (int i = p->nmeta - 1; i >= 0; i--) {
		const char *k = p->meta[i].key;
		if ((!strncmp(k, "nodule.", 7) || !strncmp(k, "non_nodule.", 11) ||
		     !strcmp(k, "nodules")) && lp_meta_del(p, k))
			return -1;
	}
	return 0;
}

static int nodule_meta(lp_frame *p, const lp_nodule *n, const double c[3],
                       const int64_t pc[3], const double jmm[2])
{
	int r = strip_meta(p);
	if (n->series[0])
		r |= lp_meta_set(p, LP_META_SERIES, n->series);
	r |= lp_meta_set(p, LP_META_NODULE, n->id);
	r |= lp_meta_setf(p, LP_META_CENTER_WORLD, "%.4f,%.4f,%.4f",
	                  n->world[0], n->world[1], n->world[2]);
	r |= lp_meta_setf(p, LP_META_CENTER_VOXEL, "%.3f,%.3f,%.3f", c[0], c[1],
	                  c[2]);
	r |= lp_meta_setf(p, "patch_center_voxel", "%lld,%lld,%lld",
	                  (long long)pc[0], (long long)pc[1], (long long)pc[2]);
	r |= lp_meta_setf(p, LP_META_SLICE, "%lld", (long long)pc[2]);
	if (!isnan(n->diameter))
		r |= lp_meta_setf(p, LP_META_DIAMETER, "%.4f", n->diameter);
	if (n->ratings[0])
		r |= lp_meta_set(p, LP_META_RATINGS, n->ratings);
	if (!isnan(n->mal_mean))
		r |= lp_meta_setf(p, "malignancy_mean", "%.4f", n->mal_mean);
	if (n->label[0])
		r |= lp_meta_set(p, LP_META_LABEL, n->label);
	if (jitter > 0)
		r |= lp_meta_setf(p, "jitter_mm", "%.3f,%.3f", jmm[0], jmm[1]);
	return r ? -1 : 0;
}

/* The patches of one nodule at one slice z. */
static int slice_patches(job *j, const lp_frame *f, const lp_nodule *n,
                         const double c[3], int64_t z)
{
	double jmm[2] = { 0, 0 };
	int64_t pc[3] = { llround(c[0]), llround(c[1]), z };
	for (int a = 0; a < 2 && jitter > 0; a++) {
		jmm[a] = (2 * urand() - 1) * jitter;
		pc[a] += llround(jmm[a] / f->spacing[a]);
	}
	for (int aug = 0; aug < (augment ? LP_AUG_N : 1); aug++) {
		lp_frame p;
		if (lp_roi_crop(f, pc, size, depth, aug, &p))
			return -1;
		int rc = nodule_meta(&p, n, c, pc, jmm);
		if (rc == 0)
			rc = lp_writer_put(j->w, &p);
		lp_frame_free(&p);
		if (rc < 0)
			return -1;
		j->patches++;
	}
	return 0;
}

static void slice_range(const lp_frame *f, const lp_nodule *n,
                        const double c[3], int64_t *z0, int64_t *z1)
{
	*z0 = *z1 = llround(c[2]);
	if (!all_slices)
		return;
	if (n->zlo >= 0) {
		*z0 = n->zlo;
		*z1 = n->zhi;
	} else if (!isnan(n->diameter)) {
		double r = n->diameter / 2 / f->spacing[2];
		int64_t a = (int64_t)ceil(c[2] - r), b = (int64_t)floor(c[2] + r);
		*z0 = a < *z0 ? a : *z0;
		*z1 = b > *z1 ? b : *z1;
	}
	*z0 = *z0 < 0 ? 0 : *z0;
	*z1 = *z1 > f->dim[2] - 1 ? f->dim[2] - 1 : *z1;
}

static int do_nodule(job *j, const lp_frame *f, lp_nodule *n)
{
	double c[3];
	if (lp_world_to_index(f, n->world, c))
		return -1;
	for (int a = 0; a < 3; a++)
		if (!(c[a] >= -0.5 && c[a] < (double)f->dim[a] - 0.5)) {
			char where[64] = "";
			if (n->line)
				snprintf(where, sizeof where, " (%s:%d)", csvpath,
				         n->line);
			warn("frame %ld: nodule %s%s at (%.1f, %.1f, %.1f) mm "
			     "lies outside the volume (voxel %.1f, %.1f, %.1f); "
			     "skipped",
			     j->frame, n->id, where, n->world[0], n->world[1],
			     n->world[2], c[0], c[1], c[2]);
			return 0;
		}
	const lp_channel *gt = lp_frame_channel(f, LP_CH_GT);
	if (all_slices && gt && n->zlo < 0 && lp_nodule_gt_slices(f, gt, c, n) < 0)
		return -1;
	int64_t z0, z1;
	slice_range(f, n, c, &z0, &z1);
	for (int64_t z = z0; z <= z1; z++)
		if (slice_patches(j, f, n, c, z))
			return -1;
	return 0;
}

static int do_frame(job *j, const lp_frame *f, lp_nodules *csv)
{
	lp_nodules gtl = { 0 };
	lp_nodules *l = csv;
	if (!csv) {
		const lp_channel *gt = lp_frame_channel(f, LP_CH_GT);
		if (!gt) {
			warn("frame %ld: no gt channel (and no -a CSV); skipped",
			     j->frame);
			return 0;
		}
		if (lp_nodules_from_gt(f, gt, &gtl)) {
			lp_nodules_free(&gtl);
			return -1;
		}
		l = &gtl;
	}
	long before = j->patches;
	int found = 0, rc = 0;
	for (int i = 0; i < l->n && rc == 0; i++) {
		if (csv && !lp_nodule_matches(&l->v[i], f))
			continue;
		l->v[i].used = 1;
		found++;
		lp_nodule n = l->v[i]; /* gt slices are per frame */
		rc = do_nodule(j, f, &n);
	}
	lp_nodules_free(&gtl);
	if (rc == 0 && !found) {
		const char *uid = lp_meta_get(f, LP_META_SERIES);
		warn("frame %ld%s%s: no nodules", j->frame,
		     uid ? " series " : "", uid ? uid : "");
	}
	if (verbose)
		fprintf(stderr, "%s: frame %ld: %d nodules, %ld patches\n",
		        tool.name, j->frame, found, j->patches - before);
	return rc;
}

static void report_unused(const lp_nodules *csv)
{
	int unused = 0, nser = 0;
	for (int i = 0; i < csv->n; i++) {
		if (csv->v[i].used)
			continue;
		unused++;
		int seen = 0;
		for (int k = 0; k < i && !seen; k++)
			seen = !csv->v[k].used &&
			       !strcmp(csv->v[k].series, csv->v[i].series);
		nser += !seen;
	}
	if (unused)
		warn("%s: %d of %d rows (%d series) name a series that is not "
		     "in the input", csvpath, unused, csv->n, nser);
}

typedef struct {
	lp_nodules *csv; /* NULL: nodules from the gt channel */
	job j;
} crop_ctx;

static int crop_frame(lp_filter *flt, lp_frame *f, lp_writer *w)
{
	crop_ctx *c = flt->ctx;
	c->j.w = w;
	c->j.frame = flt->nframe;
	return do_frame(&c->j, f, c->csv) ? -1 : 1;
}

static int crop_done(lp_filter *flt, lp_writer *w)
{
	crop_ctx *c = flt->ctx;
	(void)w;
	if (c->csv)
		report_unused(c->csv);
	if (strict && nwarn)
		return lp_seterr(LP_EX_DATAERR, "%d warnings (--strict); no "
		                 "output", nwarn);
	return 0;
}

static void read_csv(lp_nodules *csv)
{
	if (lp_nodules_read_csv(csvpath, csv))
		lp_die_err();
	for (int i = 0; i < csv->nwarn; i++)
		warn("%s (row skipped)", csv->warn[i]);
	if (strict && nwarn)
		lp_die(LP_EX_DATAERR, "%s: %d bad rows (--strict)", csvpath,
		       nwarn);
}

int main(int argc, char **argv)
{
	int i = lp_parse_args(&tool, argc, argv);
	const char *in = i < argc ? argv[i] : "-";
	lp_nodules csv = { 0 };
	rng_state = (uint64_t)seed;
	if (csvpath)
		read_csv(&csv);
	crop_ctx c = { csvpath ? &csv : NULL, { NULL, 0, 0 } };
	lp_filter flt = { .in = in, .out = out, .series = series,
	                  .quiet = quiet, .frame = crop_frame,
	                  .done = crop_done, .ctx = &c };
	int rc = lp_filter_run(&flt);
	lp_nodules_free(&csv);
	if (rc < 0)
		lp_die_err();
	lp_close_stdout();
	return 0;
}
