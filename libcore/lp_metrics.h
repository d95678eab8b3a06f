/* lp_metrics.h - segmentation and classification metrics (seg-metrics(1)).
 *
 * Segmentation (per patch; the nodule is positive, background negative):
 *   Acc  = (TP+TN)/(TP+TN+FP+FN)      DSC = 2TP/(2TP+FP+FN)
 *   IoU  = TP/(TP+FP+FN)              IoU_bg = TN/(TN+FP+FN)
 *   MIoU = (IoU + IoU_bg)/2           (the paper's definition)
 *   Prec = TP/(TP+FP)   SE = TP/(TP+FN)   SP = TN/(TN+FP)
 * Empty masks: a ratio whose denominator is 0 is 1 when the patch has no
 * error at all (FP = FN = 0, e.g. both masks empty: DSC = IoU = 1, as
 * MONAI's DiceMetric with ignore_empty=False) and 0 otherwise (e.g. gt empty,
 * pred not: DSC = 0, SE = 0, as sklearn's zero_division=0).  Pixel metrics
 * are therefore never NaN.
 *
 * Surface distances follow MONAI (monai.metrics.compute_hausdorff_distance,
 * compute_average_surface_distance):
 *   surface(M) = M AND NOT erosion(M), the erosion with the face-connected
 *     cross (4-connectivity in 2-D, 6 in 3-D) and everything outside the
 *     image taken as background (scipy.ndimage.binary_erosion defaults);
 *     axes of length 1 are dropped (a 64x64x1 patch is a 2-D image).
 *   d(A->B) = for each surface voxel of A, the Euclidean distance in mm
 *     (frame spacing) to the nearest surface voxel of B, computed with the
 *     exact distance transform of surface(B) (lp_edt.h), not pairwise.
 *   HD95 = max(P95(d(A->B)), P95(d(B->A))), P95 being numpy's default
 *     percentile (linear interpolation between order statistics: position
 *     0.95*(n-1) in the sorted distances, Hyndman-Fan type 7).
 *   HD   = max of all distances (the 100th percentile).
 *   ASSD = mean of the distances of both directions pooled:
 *     (sum d(A->B) + sum d(B->A)) / (|surface A| + |surface B|).
 *   Both masks empty: HD95 = HD = ASSD = 0.  Exactly one empty: NaN
 *   (printed "nan", left out of means; the number left out is reported).
 *
 * Classification (benign negative, malignant positive; predicted malignant
 * when score >= threshold):  Acc, SE, SP, Prec, F1 = 2TP/(2TP+FP+FN) from
 * the confusion matrix; ROC AUC exact (Mann-Whitney U with ties counted 1/2,
 * equal to sklearn.metrics.roc_auc_score); PR AUC as average precision
 * (sklearn.metrics.average_precision_score: sum over distinct thresholds of
 * (R_k - R_{k-1}) * P_k).  A ratio with a zero denominator is NaN; AUC is
 * NaN without both classes, AP is NaN without positives.
 */
#ifndef LP_METRICS_H
#define LP_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "lp_rng.h"

/* Metadata key of the predicted probability that a nodule is malignant, a
 * decimal number in [0,1] (written by nodule-cls, read by seg-metrics). */
#define LP_META_PROB "malignancy_prob"

/* ---- segmentation ---------------------------------------------------- */

typedef struct {
	int64_t tp, fp, fn, tn;
} lp_counts;

enum {
	LP_SEG_ACC, LP_SEG_DSC, LP_SEG_MIOU, LP_SEG_PREC, LP_SEG_SE, LP_SEG_SP,
	LP_SEG_IOU, LP_SEG_IOU_BG, LP_SEG_N
};
/* Short names in the order above: "Acc", "DSC", "MIoU", ... */
extern const char *const lp_seg_names[LP_SEG_N];

/* Confusion counts of two masks of n voxels (nonzero = nodule); adds to *c. */
void lp_seg_count_u8(const uint8_t *gt, const uint8_t *pred, size_t n,
                     lp_counts *c);
/* The same, with pred = (prob >= thr). */
void lp_seg_count_prob_f32(const uint8_t *gt, const float *prob, size_t n,
                           double thr, lp_counts *c);
/* Metric values from counts (the conventions above). */
void lp_seg_scores(const lp_counts *c, double v[LP_SEG_N]);

enum { LP_SURF_HD95, LP_SURF_ASSD, LP_SURF_HD, LP_SURF_N };
extern const char *const lp_surf_names[LP_SURF_N];

/* Surface of a mask (0/nonzero) into surf (0/1), see above. */
void lp_mask_surface(const uint8_t *m, const int64_t dim[3], uint8_t *surf);
/* HD95, ASSD, HD in mm of two masks with the given spacing (mm).  v[] is
 * NaN when exactly one mask is empty.  Returns 0 or -1 (out of memory, bad
 * dims).  nsurf (may be NULL) receives the surface voxel counts. */
int lp_surface_metrics(const uint8_t *gt, const uint8_t *pred,
                       const int64_t dim[3], const double spacing[3],
                       double v[LP_SURF_N], int64_t nsurf[2]);
/* The per-voxel distances d(A->B) of A's surface voxels (nA of them, in
 * index order) into a malloc'd array; for tests and callers that want the
 * distribution.  *out NULL and *n 0 when A's surface is empty; all +inf
 * when B's surface is empty.  Returns 0 or -1. */
int lp_surface_dists(const uint8_t *a, const uint8_t *b, const int64_t dim[3],
                     const double spacing[3], double **out, int64_t *n);

/* numpy.percentile(v, q) with the default linear method, q in [0,100];
 * partially reorders v.  NaN for n == 0. */
double lp_percentile(double *v, size_t n, double q);

/* Running mean / sample standard deviation (Welford), skipping NaN. */
typedef struct {
	int64_t n, nnan;
	double mean, m2;
} lp_meansd;
void lp_meansd_add(lp_meansd *s, double x);
double lp_meansd_sd(const lp_meansd *s); /* n-1 denominator; 0 when n == 1 */

/* ---- classification --------------------------------------------------- */

enum {
	LP_CLS_ACC, LP_CLS_SE, LP_CLS_SP, LP_CLS_PREC, LP_CLS_F1, LP_CLS_AUC,
	LP_CLS_AP, LP_CLS_N
};
extern const char *const lp_cls_names[LP_CLS_N];

typedef struct {
	size_t n, npos, nneg;
	lp_counts cm; /* at the threshold */
	double v[LP_CLS_N];
} lp_cls_result;

/* score[i] in any finite range; label[i] 1 = malignant, 0 = benign. */
int lp_cls_metrics(const double *score, const uint8_t *label, size_t n,
                   double thr, lp_cls_result *r);
double lp_roc_auc(const double *score, const uint8_t *label, size_t n);
double lp_average_precision(const double *score, const uint8_t *label,
                            size_t n);

/* A curve: malloc'd x[], y[], thr[] of np points.
 * ROC: (FPR, TPR) from (0,0) through every distinct threshold (descending)
 * to (1,1), as sklearn.metrics.roc_curve(drop_intermediate=False) with the
 * leading (0,0).  PR: (recall, precision) per distinct threshold, descending
 * threshold, as sklearn's precision_recall_curve reversed, without its
 * final (0,1) point. */
typedef struct {
	double *x, *y, *thr;
	size_t np;
} lp_curve;
int lp_roc_curve(const double *score, const uint8_t *label, size_t n,
                 lp_curve *c);
int lp_pr_curve(const double *score, const uint8_t *label, size_t n,
                lp_curve *c);
void lp_curve_free(lp_curve *c);

/* Percentile bootstrap: nboot resamples of n cases with replacement drawn
 * with lp_rng (seeded with seed); per metric the (1-level)/2 and
 * (1+level)/2 percentiles (numpy linear) over the resamples where the
 * metric is defined (nvalid[k] of them).  Returns 0 or -1. */
typedef struct {
	double lo[LP_CLS_N], hi[LP_CLS_N];
	int nvalid[LP_CLS_N];
	int nboot;
	double level;
} lp_cls_ci;
int lp_cls_bootstrap(const double *score, const uint8_t *label, size_t n,
                     double thr, int nboot, uint64_t seed, double level,
                     lp_cls_ci *ci);

/* (splitmix64 and the bootstrap index draw are in lp_rng.h) */

#endif
