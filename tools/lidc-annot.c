/* lidc-annot - LIDC-IDRI XML readings to a ground-truth mask channel and a
 * LUNA16-style nodule list. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_dicom.h"
#include "lp_lidc.h"
#include "lp_source.h"
#include "lp_stream.h"
#include "lp_filter.h"
#include "lp_tool.h"

static const char *out = "-", *csv;
static const char *label_rule = "paper", *edge = "outside", *metric = "min";
static const char *diam = "equiv";
static double level = 0.5, tol = 0;
static long min_readers = 1;
static int csv_only, binary, strict, no_sop, quiet;

static const lp_opt opts[] = {
	LP_OPT_OUTPUT(&out),
	{0, "csv", LP_OPT_STRING, "FILE", &csv, 0, 0, 0, NULL,
	 "Also write the nodule list as CSV to FILE ('-' = standard output, "
	 "then the stream needs -o FILE or --csv-only)."},
	{0, "csv-only", LP_OPT_FLAG, NULL, &csv_only, 0, 0, 0, NULL,
	 "Write only the CSV (needs --csv); SERIES is still read for its "
	 "geometry."},
	{0, "level", LP_OPT_DOUBLE, "F", &level, 1e-6, 1, 0, NULL,
	 "Consensus agreement level: a voxel is in a nodule's mask when at "
	 "least F of the nodule's readings cover it (default 0.5, as pylidc)."},
	{0, "label-rule", LP_OPT_CHOICE, "RULE", &label_rule, 0, 0, 0,
	 "paper|strict|median",
	 "Malignancy label from the readers' ratings (1-5): 'paper' (default) "
	 "mean < 3 benign (0), mean > 3 malignant (1), mean = 3 excluded (-1), "
	 "so a mean of 2.5 is benign and 3.5 malignant; 'strict' mean <= 2 "
	 "benign, mean >= 4 malignant, else excluded; 'median' the paper rule "
	 "on the median rating."},
	{0, "edge", LP_OPT_CHOICE, "RULE", &edge, 0, 0, 0, "outside|inside",
	 "How edgeMap points count: 'outside' (default, pylidc's rule) they "
	 "are the boundary just outside the nodule and not part of it; "
	 "'inside' they are the nodule's outermost pixels."},
	{0, "cluster", LP_OPT_CHOICE, "METRIC", &metric, 0, 0, 0,
	 "min|centroid",
	 "Distance used to group readings into nodules: 'min' (default, "
	 "pylidc's) the smallest distance between their contour points, "
	 "'centroid' the distance between their mask centroids."},
	{0, "cluster-tol", LP_OPT_DOUBLE, "MM", &tol, 0, 100, 0, NULL,
	 "Readings closer than MM belong to the same nodule (default 0: the "
	 "slice spacing, as pylidc)."},
	{0, "diameter", LP_OPT_CHOICE, "HOW", &diam, 0, 0, 0,
	 "equiv|max|consensus",
	 "diameter_mm of a nodule: 'equiv' (default) the mean over its "
	 "readings of the diameter of the sphere with the reading's mask "
	 "volume; 'max' the mean of the readings' greatest axial diameters "
	 "(pylidc's Annotation.diameter); 'consensus' the volume-equivalent "
	 "diameter of the consensus mask. All three are in the metadata."},
	{0, "min-readers", LP_OPT_INT, "N", &min_readers, 1, 16, 0, NULL,
	 "Keep only nodules marked by at least N readers (default 1; LUNA16 "
	 "used 3)."},
	{0, "binary", LP_OPT_FLAG, NULL, &binary, 0, 0, 0, NULL,
	 "gt voxels are 1 for every nodule instead of the nodule's index."},
	{0, "strict", LP_OPT_FLAG, NULL, &strict, 0, 0, 0, NULL,
	 "Any problem in the XML that would be skipped with a warning (a bad "
	 "ROI, a bad rating, a ROI that matches no slice) is an error "
	 "(exit 65)."},
	{0, "no-sop", LP_OPT_FLAG, NULL, &no_sop, 0, 0, 0, NULL,
	 "Match ROIs to slices by imageZposition only, even for DICOM input."},
	{'q', "quiet", LP_OPT_FLAG, NULL, &quiet, 0, 0, 0, NULL,
	 "Do not print warnings."},
	{0, NULL, LP_OPT_FLAG, NULL, NULL, 0, 0, 0, NULL, NULL},
};

static const lp_tool tool = {
	"lidc-annot",
	"LIDC-IDRI XML readings to a ground-truth mask and a nodule list",
	"[options] XML SERIES",
	"Reads XML, a LIDC-IDRI reading (LidcReadMessage or IdriReadMessage, "
	"with or without the http://www.nih.gov namespace or a prefix for "
	"it), and SERIES, the CT it belongs to: a DICOM folder, a .mhd/.mha "
	"file (e.g. a LUNA16 scan) or a lungpipe stream on the original "
	"acquisition grid (the XML's pixel coordinates refer to it). Writes "
	"one frame with the CT image and a u8 'gt' channel (units 'mask') on "
	"the same grid, so that later tools resample and crop both together.\n"
	"\n"
	"Readings. Every readingSession is one reader. Each unblindedReadNodule "
	"with a contour (the nodules of 3 mm or more) is one reading: its ROIs "
	"(one per slice; inclusion FALSE marks a hole), its characteristics "
	"and the malignancy rating. Nodules under 3 mm (a single point, no "
	"contour) and nonNodules are counted in the metadata but give no mask "
	"and no CSV row.\n"
	"\n"
	"Slices. A ROI is put on the slice whose SOP Instance UID equals its "
	"imageSOP_UID when SERIES is a DICOM folder (the UIDs are read from "
	"the files' headers); otherwise - .mhd scans, streams, unknown UIDs - "
	"on the slice whose z position (world z of voxel (0,0,k)) is nearest "
	"its imageZposition, within half a slice spacing. A ROI that matches "
	"no slice or lies outside the image is skipped with a warning.\n"
	"\n"
	"Edge rule. LIDC edgeMap points trace the boundary just outside the "
	"nodule. As pylidc's Annotation.boolean_mask (matplotlib "
	"contains_points on pixel centres, then the contour points removed), "
	"a pixel belongs to a ROI when its centre lies strictly inside the "
	"closed polygon through the points (even-odd rule); pixels whose "
	"centre lies on the polygon, the edgeMap points included, do not. A "
	"hole removes its interior and its boundary. --edge inside counts the "
	"polygon's pixels as nodule instead (a hole then removes its interior "
	"only).\n"
	"\n"
	"Nodules. Readings are grouped as pylidc's Scan.cluster_annotations "
	"does: two readings are linked when the smallest distance between "
	"their contour points (mm, world coordinates) is at most the slice "
	"spacing (--cluster, --cluster-tol); groups are the connected "
	"components, and while a group has more readings than the XML has "
	"readers the distance shrinks by 0.9. A nodule's consensus mask holds "
	"the voxels covered by at least --level of its readings (50 %: 2 of "
	"4, 2 of 3, 1 of 2); if no voxel reaches the level the union is used "
	"(warned; metadata consensus=union). Nodules are numbered 1..N by "
	"the z, y, x of their centres.\n"
	"\n"
	"Values. gt is 0 outside nodules and K inside nodule K (a voxel in "
	"two consensus masks gets the lower K); with --binary every nodule "
	"is 1. centre = centroid of the consensus mask (voxel index and world "
	"LPS mm through the full direction matrix). diameter_mm (--diameter) "
	"= by default the mean, over the nodule's readings, of the diameter "
	"of the sphere with the volume of the reading's mask: that is what "
	"LUNA16's diameters match (LIDC-IDRI-0001: 23.11 mm here, 23.35 mm in "
	"LUNA16's annotations.csv), while the mean of pylidc's "
	"Annotation.diameter (the largest distance between two points of one "
	"contour) is 32.76 mm there. volume_mm3 = consensus voxels times the "
	"voxel volume.\n"
	"\n"
	"Metadata of the frame: series_uid, lidc_xml, lidc_readers, "
	"lidc_small_nodules, lidc_non_nodules, nodules (N), gt_values, "
	"non_nodule.J.center_world, lidc_label_rule, lidc_edge_rule, "
	"lidc_level, and for K = 1..N: nodule.K.id, .readers (number of "
	"readings), .readings (reader:noduleID;...), .center_world, "
	".center_voxel, .diameter_mm, .diameter_eq_mm, .diameter_max_mm, "
	".diameter_consensus_mm, .volume_mm3, .voxels, .malignancy_ratings "
	"(comma-separated), .malignancy_mean, .label (benign, malignant, "
	"excluded), .consensus (level or union).\n"
	"\n"
	"CSV (--csv): a header and one row per nodule with LUNA16's columns "
	"seriesuid,coordX,coordY,coordZ,diameter_mm (world mm) followed by "
	"nodule_id (K),readers (number of readings),ratings (';'-separated, "
	"one per reading that has a rating),malignancy_mean (empty "
	"without ratings),label (0 benign, 1 malignant, -1 excluded).\n"
	"\n"
	"Errors. Malformed XML (truncated, not well-formed), a document that "
	"is not a LIDC-IDRI reading, or one without a CT readingSession: a "
	"one-line message naming the file, exit 65. An XML whose "
	"SeriesInstanceUid differs from the series of SERIES (the DICOM "
	"folder's series, the frame's series_uid or a .mhd named after its "
	"UID): exit 65. A bad ROI (no points, an edgeMap without xCoord or "
	"yCoord, a bad number, a bad inclusion) or a bad rating is skipped "
	"with a warning naming file and line, and everything else is kept; "
	"--strict makes these errors. Nothing is written on error.",
	opts,
	"d=$(echo LIDC-IDRI-0001/*/*)   # the series folder; 069.xml is in it\n"
	"lidc-annot --csv nodules.csv $d/069.xml $d | ct-info -\n"
	"lidc-annot --csv-only --csv - --min-readers 3 069.xml 1.3.6.1.4.1.14519.5.2.1.6279.6001.179049373636438705059720603192.mhd\n"
	"lidc-annot $d/069.xml $d | ct-resample | ct-hu-window | lung-mask | roi-crop > patches.lps",
	"ct-info(1), roi-crop(1), lung-mask(1), ct-resample(1), lungpipe(7)",
	2, 2,
};

/* ---- warnings ---------------------------------------------------------- */

static void flush_warnings(const lidc_doc *d, int *shown)
{
	if (strict && d->nwarn > *shown)
		lp_die(LP_EX_DATAERR, "%s (--strict)", d->warn[*shown]);
	for (int i = *shown; i < d->nwarn; i++)
		if (!quiet)
			lp_warn("%s", d->warn[i]);
	*shown = d->nwarn;
}

/* ---- the series -------------------------------------------------------- */

static const char *basename_of(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

/* The UID a .mhd/.mha is named after ("" if the name is not a UID). */
static void uid_from_name(const char *path, char *uid, size_t cap)
{
	const char *b = basename_of(path);
	size_t n = strlen(b);
	uid[0] = 0;
	if (n < 5 || n - 4 >= cap || !strchr(b, '.'))
		return;
	n -= 4;
	for (size_t i = 0; i < n; i++)
		if (!((b[i] >= '0' && b[i] <= '9') || b[i] == '.'))
			return;
	memcpy(uid, b, n);
	uid[n] = 0;
}

static void mismatch(const lidc_doc *d, const char *series, const char *what)
{
	lp_die(LP_EX_DATAERR, "%s: the reading is for series %s, but %s is "
	       "series %s", d->path, d->series_uid, series, what);
}

/* For a DICOM folder: the XML's series must be there. */
static void check_dicom_series(const lidc_doc *d, const char *dir)
{
	lp_dicom_series_info *info;
	int n;
	if (lp_dicom_scan(dir, &info, &n) < 0)
		lp_die_err();
	int found = !d->series_uid[0];
	for (int i = 0; i < n && !found; i++)
		found = !strcmp(info[i].uid, d->series_uid);
	char first[LIDC_UID_MAX + 16];
	snprintf(first, sizeof first, "%s%s", n ? info[0].uid : "(none)",
	         n > 1 ? ", ..." : "");
	free(info);
	if (!found)
		mismatch(d, dir, first);
}

static void read_series(const lidc_doc *d, const char *path, lp_frame *f,
                        char **prov)
{
	int dir = lp_is_dir(path);
	char uid[LIDC_UID_MAX];
	if (dir)
		check_dicom_series(d, path);
	uid_from_name(path, uid, sizeof uid);
	if (!dir && uid[0] && d->series_uid[0] && strcmp(uid, d->series_uid))
		mismatch(d, path, uid);
	lp_source_opts so = {dir && d->series_uid[0] ? d->series_uid : NULL};
	lp_source *s = lp_source_open(path, &so);
	if (!s)
		lp_die_err();
	int rc = lp_source_next(s, f);
	if (rc < 0)
		lp_die_err();
	if (rc == 0)
		lp_die(LP_EX_DATAERR, "%s: no frame", path);
	const char *p = lp_source_provenance(s);
	*prov = p ? strdup(p) : NULL;
	lp_source_close(s);
	const char *fu = lp_meta_get(f, LP_META_SERIES);
	if (fu && *fu && d->series_uid[0] && strcmp(fu, d->series_uid))
		mismatch(d, path, fu);
}

static const char *series_uid_of(const lidc_doc *d, const lp_frame *f,
                                 const char *path, char *buf, size_t cap)
{
	if (d->series_uid[0])
		return d->series_uid;
	const char *fu = lp_meta_get(f, LP_META_SERIES);
	if (fu && *fu)
		return fu;
	uid_from_name(path, buf, cap);
	return buf;
}

/* ---- steps ------------------------------------------------------------- */

static void match(lidc_doc *d, const char *path, const lp_frame *f,
                  int *shown)
{
	lidc_sop_map m;
	memset(&m, 0, sizeof m);
	if (lp_is_dir(path) && !no_sop && lidc_sop_scan(path, d->series_uid,
	                                                 &m) < 0) {
		if (!quiet)
			lp_warn("%s (matching by z)", lp_errmsg());
	}
	int nsop = lidc_match_slices(d, f, m.n ? &m : NULL);
	lidc_sop_free(&m);
	if (nsop < 0)
		lp_die_err();
	if (lp_verbose > 0)
		fprintf(stderr, "%s: %d ROIs matched by SOP UID\n", tool.name,
		        nsop);
	flush_warnings(d, shown);
}

static int parse_choice(const char *v, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(v, names[i]))
			return i;
	return 0;
}

static lidc_opts make_opts(void)
{
	static const char *const rules[] = {"paper", "strict", "median"};
	static const char *const edges[] = {"outside", "inside"};
	static const char *const metrics[] = {"min", "centroid"};
	static const char *const diams[] = {"equiv", "max", "consensus"};
	lidc_opts o;
	o.metric = parse_choice(metric, metrics, 2);
	o.tol_mm = tol;
	o.level = level;
	o.label_rule = parse_choice(label_rule, rules, 3);
	o.edge_rule = parse_choice(edge, edges, 2);
	o.diameter = parse_choice(diam, diams, 3);
	return o;
}

/* Drop clusters with fewer than min_readers readings, keeping order. */
static int filter(lidc_cluster *c, int n)
{
	int k = 0;
	for (int i = 0; i < n; i++) {
		if (c[i].nann >= min_readers) {
			c[k++] = c[i];
			continue;
		}
		free(c[i].ann);
		free(c[i].ratings);
		lidc_box_free(&c[i].mask);
	}
	return k;
}

static void write_outputs(lp_frame *f, const lidc_doc *d, lidc_cluster *c,
                          int n, const char *uid, const char *prov)
{
	lp_writer *w = NULL;
	if (!csv_only) {
		w = lp_writer_open(out, prov, tool.name, lp_saved_argc(),
		                   lp_saved_argv());
		if (!w || lp_writer_put(w, f) < 0) {
			lp_writer_abort(w);
			lp_die_err();
		}
	}
	if (csv && lidc_write_csv(csv, d, c, n, uid) < 0) {
		lp_writer_abort(w);
		lp_die_err();
	}
	if (w && lp_writer_close(w) < 0) {
		if (csv && strcmp(csv, "-"))
			remove(csv);
		lp_die_err();
	}
}

static void check_usage(void)
{
	if (csv_only && !csv)
		lp_die(LP_EX_USAGE, "--csv-only needs --csv FILE");
	if (!csv_only && csv && !strcmp(csv, "-") && !strcmp(out, "-"))
		lp_die(LP_EX_USAGE, "--csv - and the stream cannot both go to "
		       "standard output (use -o FILE or --csv-only)");
	if (!csv_only && lp_output_check(out) < 0)
		lp_die_err();
}

int main(int argc, char **argv)
{
	int i = lp_parse_args(&tool, argc, argv);
	const char *xml = argv[i], *series = argv[i + 1];
	check_usage();
	lidc_doc d;
	int shown = 0;
	if (lidc_parse_file(xml, &d) < 0)
		lp_die_err();
	flush_warnings(&d, &shown);
	lp_frame f;
	char *prov = NULL, ubuf[LIDC_UID_MAX];
	lp_frame_init(&f);
	read_series(&d, series, &f, &prov);
	match(&d, series, &f, &shown);
	lidc_opts o = make_opts();
	lidc_cluster *c;
	int n;
	if (lidc_cluster_doc(&d, &f, &o, &c, &n) < 0)
		lp_die_err();
	flush_warnings(&d, &shown);
	n = filter(c, n);
	const char *uid = series_uid_of(&d, &f, series, ubuf, sizeof ubuf);
	if (lidc_add_gt(&f, &d, c, n, uid, binary) < 0)
		lp_die_err();
	lp_meta_set(&f, "lidc_label_rule", label_rule);
	lp_meta_set(&f, "lidc_edge_rule", edge);
	lp_meta_setf(&f, "lidc_level", "%g", level);
	write_outputs(&f, &d, c, n, uid, prov);
	if (lp_verbose > 0)
		fprintf(stderr, "%s: %d nodules (%d readings, %d readers)\n",
		        tool.name, n, d.nnod, d.nreaders);
	lidc_clusters_free(c, n);
	lp_frame_free(&f);
	lidc_doc_free(&d);
	free(prov);
	if (!csv_only || (csv && !strcmp(csv, "-")))
		lp_close_stdout();
	return 0;
}
