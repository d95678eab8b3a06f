/* lp_lidc.h - LIDC-IDRI XML readings: parsing, rasterizing the readers'
 * contours on the CT grid, grouping them into physical nodules, consensus
 * masks and malignancy labels (the native counterpart of pylidc).
 *
 *   lidc_xml.c      lidc_parse_file(): expat parser of LidcReadMessage /
 *                   IdriReadMessage documents (namespace-agnostic)
 *   lidc_raster.c   slice matching (SOP UID or z) and polygon filling
 *   lidc_cluster.c  distances, grouping, consensus, diameter, label rule
 *   lidc_sop.cpp    SOP Instance UID -> slice position from DICOM headers
 *   lidc_out.c      gt channel, frame metadata and the LUNA16-style CSV
 *
 * Pixel coordinates: an edgeMap point (xCoord, yCoord) is (column, row) of
 * the DICOM image, i.e. voxel index (x, y) of an lp_frame read from it.
 */
#ifndef LP_LIDC_H
#define LP_LIDC_H

#include <stdint.h>
#include "lp_frame.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LIDC_UID_MAX 128
#define LIDC_ID_MAX 64

typedef struct {
	double x, y; /* column, row */
} lidc_pt;

typedef struct {
	double z;                     /* imageZposition (NAN if absent) */
	char sop_uid[LIDC_UID_MAX];   /* imageSOP_UID ("" if absent) */
	int inclusion;                /* 1 nodule (TRUE), 0 hole (FALSE) */
	int npts;
	lidc_pt *pts;                 /* edgeMap points in file order */
	int slice;                    /* matched slice index, -1 = none */
	long line;                    /* line of <roi> in the XML */
} lidc_roi;

enum {
	LIDC_SUBTLETY, LIDC_INTERNAL, LIDC_CALCIFICATION, LIDC_SPHERICITY,
	LIDC_MARGIN, LIDC_LOBULATION, LIDC_SPICULATION, LIDC_TEXTURE,
	LIDC_MALIGNANCY, LIDC_NCHAR
};
extern const char *const lidc_char_names[LIDC_NCHAR];

typedef struct {
	char id[LIDC_ID_MAX]; /* noduleID */
	int reader;           /* index into lidc_doc.readers */
	int chars[LIDC_NCHAR];/* characteristics, 0 = absent */
	int nroi;
	lidc_roi *roi;
	long line;
} lidc_nodule;

typedef struct {
	char id[LIDC_ID_MAX];
	int reader;
	double z;
	char sop_uid[LIDC_UID_MAX];
	double x, y;
	int slice;
	long line;
} lidc_nonnodule;

typedef struct {
	char id[LIDC_ID_MAX]; /* servicingRadiologistID */
} lidc_reader;

typedef struct {
	char *path;
	char series_uid[LIDC_UID_MAX]; /* ResponseHeader/SeriesInstanceUid */
	char study_uid[LIDC_UID_MAX];
	int nreaders;
	lidc_reader *readers;
	int nnod;
	lidc_nodule *nod;
	int nnon;
	lidc_nonnodule *non;
	int nwarn;
	char **warn; /* "file:line: problem", for the tool to print */
} lidc_doc;

/* Parse a LIDC-IDRI XML reading.  Malformed XML, a document that is not a
 * LIDC/IDRI read message or one without a CT readingSession fail with
 * LP_EX_DATAERR ("file:line: problem"); a missing file LP_EX_NOINPUT.  Bad
 * ROIs (no points, an edgeMap without coordinates, bad numbers) and bad
 * characteristics do not fail: they are skipped and recorded in d->warn. */
int lidc_parse_file(const char *path, lidc_doc *d);
int lidc_parse_buffer(const char *buf, size_t n, const char *name, lidc_doc *d);
void lidc_doc_free(lidc_doc *d);
/* Record a warning in d->warn (printf-style). */
void lidc_doc_warn(lidc_doc *d, const char *fmt, ...) LP_PRINTF(2, 3);
/* True if the nodule has no ROI of 2 or more points (the "< 3 mm" marks). */
int lidc_nodule_is_small(const lidc_nodule *n);

/* ---- slice matching ---------------------------------------------------- */

/* SOP Instance UIDs of a series and the ImagePositionPatient of each. */
typedef struct {
	int n;
	char (*uid)[LIDC_UID_MAX];
	double (*ipp)[3];
} lidc_sop_map;

/* Read the headers of the DICOM files under dir (2 levels) that belong to
 * series_uid (NULL = any).  Returns 0 (m->n may be 0) or -1. */
int lidc_sop_scan(const char *dir, const char *series_uid, lidc_sop_map *m);
void lidc_sop_free(lidc_sop_map *m);

/* Set roi->slice (and nonnodule->slice) for every ROI: by SOP UID through
 * sop when given and the UID is found, else by imageZposition against the
 * world z of each slice (nearest slice, within half a slice spacing).
 * Unmatched ROIs get slice -1 and a warning in d->warn.  Returns the number
 * of ROIs matched through SOP UIDs, or -1 on error. */
int lidc_match_slices(lidc_doc *d, const lp_frame *f, const lidc_sop_map *sop);

/* ---- rasterizing ------------------------------------------------------- */

/* Edge rule.  OUTSIDE (default, pylidc's boolean_mask): the edgeMap points
 * are the boundary just outside the nodule; a pixel belongs to an inclusion
 * ROI iff its centre lies strictly inside the closed polygon through the
 * points, so every pixel on the polygon (incl. the points) is left out; a
 * hole (inclusion FALSE) removes its interior and its boundary.  INSIDE: the
 * polygon's pixels belong to the nodule (a hole removes its interior only).*/
enum { LIDC_EDGE_OUTSIDE = 0, LIDC_EDGE_INSIDE = 1 };

/* Fill polygon p[0..n-1] (closed implicitly) into img (nx*ny, row-major,
 * pixel (i,j) = polygon point (ox+i, oy+j)).  Pixels whose centre lies
 * strictly inside (even-odd rule) get `inside`; pixels on the polygon get
 * `edge` unless edge < 0 (left as they are); a pixel on the polygon never
 * gets `inside`.  Returns 0, or -1 when out of memory. */
int lidc_fill_polygon(const lidc_pt *p, int n, uint8_t *img, int nx, int ny,
                      int ox, int oy, int inside, int edge);

/* A sub-box of the frame's voxel grid with a u8 mask. */
typedef struct {
	int64_t o[3]; /* origin (voxel index) */
	int64_t n[3]; /* size; n[0] == 0 means empty */
	uint8_t *m;   /* n[0]*n[1]*n[2], x fastest */
	int64_t count;/* voxels set */
} lidc_box;

void lidc_box_free(lidc_box *b);
/* One reader's nodule mask on the frame grid (dim), from the ROIs with a
 * matched slice; inclusion ROIs first, then holes.  Points outside the image
 * are clipped.  An empty box (n[0]==0) when nothing is set. */
int lidc_raster_nodule(const lidc_nodule *nod, const int64_t dim[3],
                       int edge_rule, lidc_box *out);

/* ---- grouping, consensus, labels -------------------------------------- */

enum { LIDC_METRIC_MIN = 0, LIDC_METRIC_CENTROID = 1 };
enum { LIDC_RULE_PAPER = 0, LIDC_RULE_STRICT = 1, LIDC_RULE_MEDIAN = 2 };
enum { LIDC_DIAM_EQUIV = 0, LIDC_DIAM_MAX = 1, LIDC_DIAM_CONSENSUS = 2 };
enum { LIDC_BENIGN = 0, LIDC_MALIGNANT = 1, LIDC_EXCLUDED = -1 };

/* Connected components of the graph d[i*n+j] <= tol; while a group has more
 * than cap members, tol is multiplied by 0.9 (pylidc's rule; it stops below
 * 0.1 mm).  cid[i] gets the group (0..k-1, in order of first member).
 * Returns k. */
int lidc_group(const double *dist, int n, double tol, int cap, int *cid);

/* Malignancy label from ratings (1..5).  PAPER: mean < 3 benign, > 3
 * malignant, == 3 excluded (so 2.5 benign, 3.5 malignant).  STRICT: mean <= 2
 * benign, >= 4 malignant, else excluded.  MEDIAN: the PAPER rule on the
 * median.  No ratings: excluded, *mean NAN. */
int lidc_label(const int *ratings, int n, int rule, double *mean);

/* Voxels covered by at least level*n of the n masks (level in (0,1]). */
int lidc_consensus(const lidc_box *const *m, int n, double level,
                   lidc_box *out);

/* Greatest axial diameter of one reading in mm (pylidc's Annotation.diameter:
 * largest distance between two points of one ROI contour), 0 if none. */
double lidc_reading_diameter(const lidc_nodule *nod, const lp_frame *f);

typedef struct {
	int metric;       /* LIDC_METRIC_* */
	double tol_mm;    /* link distance; <= 0: the slice spacing (pylidc) */
	double level;     /* consensus agreement level, default 0.5 */
	int label_rule;   /* LIDC_RULE_* */
	int edge_rule;    /* LIDC_EDGE_* */
	int diameter;     /* LIDC_DIAM_* */
} lidc_opts;

typedef struct {
	int nann;
	int *ann;            /* indices into doc->nod */
	lidc_box mask;       /* consensus mask */
	int fallback;        /* consensus was empty: the union is used */
	double center_vox[3], center_world[3];
	double diameter_mm;  /* the one chosen by lidc_opts.diameter */
	double diameter_max_mm; /* mean of the readings' greatest axial
	                           diameters (pylidc's Annotation.diameter) */
	double diameter_eq_mm;  /* mean of the readings' volume-equivalent
	                           sphere diameters (mask volume) */
	double diameter_cons_mm;/* volume-equivalent diameter of the consensus */
	double volume_mm3;   /* consensus volume */
	int nratings;
	int *ratings;        /* malignancy of each reading that has one */
	double mal_mean;     /* NAN if no rating */
	int label;           /* LIDC_BENIGN, LIDC_MALIGNANT, LIDC_EXCLUDED */
} lidc_cluster;

/* Rasterize every reading that is not small, group them into physical
 * nodules and build each one's consensus.  Clusters are sorted by centre z
 * (then y, x).  Returns 0 with *out (n clusters) or -1. */
int lidc_cluster_doc(lidc_doc *d, const lp_frame *f, const lidc_opts *o,
                     lidc_cluster **out, int *n);
void lidc_clusters_free(lidc_cluster *c, int n);

/* ---- output ------------------------------------------------------------ */

/* Add (or replace) the u8 "gt" channel (units "mask"): voxel = index k
 * (1-based, in cluster order) of the nodule whose consensus covers it, the
 * lower index where two overlap; or 1 for every nodule when binary.  Adds the
 * per-nodule metadata (nodules, nodule.K.*). */
int lidc_add_gt(lp_frame *f, const lidc_doc *d, const lidc_cluster *c, int n,
                const char *series_uid, int binary);
/* Write the CSV (header + one row per cluster) to path ("-" = stdout),
 * through a temporary file renamed into place. */
int lidc_write_csv(const char *path, const lidc_doc *d, const lidc_cluster *c,
                   int n, const char *series_uid);

#ifdef __cplusplus
}
#endif

#endif
