/* seg-metrics - segmentation and classification metrics from a lungpipe
 * stream (or two mask files), as tables, TSV, JSON and a visual report. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lp_metrics.h"
#include "lp_report.h"
#include "lp_source.h"
#include "lp_stream.h"
#include "lp_json.h"
#include "lp_tool.h"

static const char *gt_path, *pred_path, *report_dir, *out_path = "-";
static const char *prob_key = LP_META_PROB;
static const char *gt_ch, *pred_ch; /* NULL: the conventional names */
static double thr = 0.5;
static long nboot = 1000, seed = 1, montage_max = 48;
static int no_surface, per_patch, as_tsv, as_json;

static const lp_opt opts[] = {
	{0, "gt", LP_OPT_STRING, "FILE", &gt_path, 0, 0, 0, NULL,
	 "Ground-truth masks from FILE (.mhd/.mha or a stream; channel 'gt' "
	 "or else the first channel), compared with --pred frame by frame, "
	 "instead of reading gt and pred channels from INPUT."},
	{0, "pred", LP_OPT_STRING, "FILE", &pred_path, 0, 0, 0, NULL,
	 "Predicted masks from FILE (channel 'pred', else 'prob' thresholded, "
	 "else the first channel); needs --gt."},
	{'t', "threshold", LP_OPT_DOUBLE, "T", &thr, 0, 1, 0, NULL,
	 "Probability threshold: a pixel of a prob channel, and a case by its "
	 "malignancy probability, count as positive when prob >= T (u8 prob "
	 "channels are read as value/255). Default 0.5."},
	{0, "gt-channel", LP_OPT_STRING, "NAME", &gt_ch, 0, 0, 0, NULL,
	 "Name of the ground-truth mask channel (default gt; e.g. lung to "
	 "compare lung masks)."},
	{0, "pred-channel", LP_OPT_STRING, "NAME", &pred_ch, 0, 0, 0, NULL,
	 "Name of the predicted mask channel (default pred, with prob as the "
	 "fallback)."},
	{0, "prob-key", LP_OPT_STRING, "KEY", &prob_key, 0, 0, 0, NULL,
	 "Metadata key holding the predicted probability of malignancy "
	 "(default malignancy_prob, as written by nodule-cls)."},
	{0, "no-surface", LP_OPT_FLAG, NULL, &no_surface, 0, 0, 0, NULL,
	 "Skip the surface distances (HD95, ASSD, HD); pixel metrics only."},
	{0, "per-patch", LP_OPT_FLAG, NULL, &per_patch, 0, 0, 0, NULL,
	 "Also print one row per patch (per case for classification)."},
	{0, "tsv", LP_OPT_FLAG, NULL, &as_tsv, 0, 0, 0, NULL,
	 "Tab-separated tables, each after a line '# title', full precision."},
	{0, "json", LP_OPT_FLAG, NULL, &as_json, 0, 0, 0, NULL,
	 "One JSON object; undefined values are null."},
	{0, "bootstrap", LP_OPT_INT, "N", &nboot, 0, 1000000, 0, NULL,
	 "Resamples for the 95% percentile bootstrap confidence intervals of "
	 "the classification metrics (default 1000; 0: no intervals)."},
	{0, "seed", LP_OPT_INT, "S", &seed, 0, 9e15, 0, NULL,
	 "Seed of the bootstrap's random draws (default 1); the same seed "
	 "gives the same intervals."},
	{0, "report", LP_OPT_STRING, "DIR", &report_dir, 0, 0, 0, NULL,
	 "Write a visual report into DIR (created if missing): montage.png "
	 "(patches with ground truth in green, prediction in red, both in "
	 "yellow), roc.svg/roc.png, pr.svg/pr.png and index.html."},
	{0, "montage", LP_OPT_INT, "N", &montage_max, 1, 10000, 0, NULL,
	 "At most N patches in the report's montage (the first N; default 48)."},
	{'o', "output", LP_OPT_STRING, "FILE", &out_path, 0, 0, 0, NULL,
	 "Write the tables to FILE (atomically) instead of standard output."},
	{0, NULL, LP_OPT_FLAG, NULL, NULL, 0, 0, 0, NULL, NULL},
};

static const lp_tool tool = {
	"seg-metrics",
	"segmentation and classification metrics, tables and visual reports",
	"[options] [INPUT...]  |  --gt FILE --pred FILE [options]",
	"Reads frames from each INPUT (a lungpipe stream, '-' or none for "
	"standard input) and computes the paper's metrics and more.\n\n"
	"Segmentation: every frame with a 'gt' channel (nonzero = nodule) and "
	"a 'pred' channel (nonzero = nodule) or a 'prob' channel (thresholded "
	"with -t) is one patch. Per patch: Acc, DSC, MIoU (the paper's mean of "
	"nodule IoU and background IoU), Prec, SE, SP, IoU, IoU_bg; summarised "
	"as mean and sample standard deviation (n-1) over patches and pooled "
	"over all pixels (metrics of the summed confusion counts).\n\n"
	" Acc = (TP+TN)/(TP+TN+FP+FN)   DSC = 2TP/(2TP+FP+FN)\n"
	" IoU = TP/(TP+FP+FN)   IoU_bg = TN/(TN+FP+FN)   MIoU = (IoU+IoU_bg)/2\n"
	" Prec = TP/(TP+FP)   SE = TP/(TP+FN)   SP = TN/(TN+FP)\n\n"
	"Empty masks: a ratio with denominator 0 is 1 when the patch has no "
	"error (FP = FN = 0; both masks empty gives DSC = IoU = 1, like MONAI's "
	"ignore_empty=False) and 0 otherwise (gt empty, pred not: DSC = SE = 0, "
	"like sklearn's zero_division=0). Pixel metrics are never nan.\n\n"
	"Surface distances in mm, with the frame's spacing, as MONAI computes "
	"them: the surface of a mask is the mask minus its erosion by the "
	"face-connected cross (4-connected in 2-D, 6 in 3-D; outside the image "
	"is background; axes of length 1 are dropped, so a 64x64x1 patch is "
	"2-D). For each surface voxel of one mask the distance to the nearest "
	"surface voxel of the other comes from an exact Euclidean distance "
	"transform (Felzenszwalb-Huttenlocher), not pairwise. HD95 = max(P95 "
	"gt->pred, P95 pred->gt) with P95 numpy's default percentile (linear "
	"interpolation at position 0.95(n-1) of the sorted distances); ASSD = "
	"mean of both directions' distances pooled; HD = the largest distance. "
	"Both masks empty: 0. Exactly one empty: nan, left out of the means; "
	"the number left out is reported.\n\n"
	"Classification: every frame with metadata 'label' (malignant/1 = "
	"positive, benign/0 = negative; other labels are counted and skipped) "
	"and the probability key (--prob-key, default malignancy_prob, a "
	"number) is one case. Acc, SE, SP, Prec, F1 at the threshold (predicted "
	"malignant when prob >= T), the confusion matrix, ROC AUC (exact "
	"Mann-Whitney statistic, ties count 1/2; equals sklearn's "
	"roc_auc_score), PR AUC as average precision (sklearn's "
	"average_precision_score: sum of (R_k - R_k-1) P_k over the distinct "
	"thresholds), each with a 95% percentile bootstrap interval "
	"(--bootstrap resamples of the cases with replacement, splitmix64 "
	"draws from --seed, percentiles as numpy; resamples where a metric is "
	"undefined are left out and counted). Undefined values (e.g. SP with "
	"no benign case, AUC with one class) are nan.\n\n"
	"Output: aligned tables on standard output (or -o FILE), --tsv or "
	"--json; --per-patch adds a row per patch and per case. The JSON "
	"object has tool, version, frames; segmentation {patches, "
	"pooled_counts {tp, fp, fn, tn}, metrics {NAME {mean, sd, pooled}}, "
	"surface_mm {n, left_out, HD95|ASSD|HD {mean, sd}}, per_patch [...]}; "
	"classification {cases, malignant, benign, threshold, skipped_label, "
	"unlabelled, confusion {tp, fp, fn, tn}, bootstrap {resamples, seed, "
	"level}, metrics {NAME {value, ci_low, ci_high, ci_n}}, per_case "
	"[...]}.\n\n"
	"--report DIR writes montage.png: the first --montage patches (3-D "
	"patches: the slice with the most gt voxels, else pred voxels), the "
	"'image' channel in grey (units 'window' as stored, HU through the "
	"lung window -1350..150), the ground-truth outline green, the "
	"prediction red, both yellow, each captioned with its frame number and "
	"DSC; roc.svg and roc.png, pr.svg and pr.png (the PR curve drawn as "
	"the step curve whose area is the AP) labelled with AUC/AP and their "
	"intervals; index.html with the tables and pictures. Every output "
	"file is written under a temporary name and renamed when complete.\n\n"
	"Patches are computed in batches, the surface distances in parallel "
	"(OpenMP; OMP_NUM_THREADS). A frame with a pred or prob "
	"channel but no gt channel, a gt without pred/prob, masks of different "
	"sizes, or input with nothing to measure are errors (exit 65).",
	opts,
	"seg-metrics pred.lps\n"
	"seg-metrics --json --no-surface pred.lps > metrics.json\n"
	"seg-metrics --gt nodule_gt.mhd --pred nodule_pred.mhd --per-patch\n"
	"nodule-cls < patches.lps | seg-metrics --bootstrap 2000 --seed 7 "
	"--report report/",
	"nodule-seg(1), nodule-cls(1), lungpipe-stream(5), lungpipe(7)",
	0, -1,
};

/* ---- accumulated results ----------------------------------------------- */

typedef struct {
	char *id;
	int64_t frame;
	lp_counts c;
	double v[LP_SEG_N], s[LP_SURF_N];
} patch_row;

typedef struct {
	char *id;
	double score;
	uint8_t label;
} cls_row;

typedef struct {
	patch_row *p;
	size_t np, capp;
	cls_row *c;
	size_t nc, capc;
	lp_counts pooled;
	lp_meansd seg[LP_SEG_N], surf[LP_SURF_N];
	int64_t nframes, skipped_label, unlabelled;
	lp_rgb *tiles;
	char **captions;
	int ntiles;
} results;

static results R;

/* A segmentation frame waiting in a batch: the metrics of a batch are
 * computed in parallel (OpenMP), then added in stream order. */
typedef struct {
	lp_frame f;
	const lp_channel *g, *p;
	int pprob; /* p is a probability channel */
	patch_row row;
	int code;  /* error, set by a worker */
	char msg[200];
} job;

#define BATCH_FRAMES 256
#define BATCH_BYTES ((int64_t)64 << 20)

static job *batch;
static int nbatch;
static int64_t batch_bytes;

/* ---- masks -------------------------------------------------------------- */

/* A channel as 0/nonzero bytes: u8 masks as they are, other masks nonzero,
 * probabilities thresholded (integer dtypes scaled by their maximum).
 * *own receives a malloc'd buffer to free, or NULL. */
static const uint8_t *as_mask(const lp_frame *f, const lp_channel *c,
                              int is_prob, uint8_t **own)
{
	size_t n = (size_t)lp_frame_nvox(f);
	*own = NULL;
	if (!is_prob && c->dtype == LP_U8)
		return c->data;
	uint8_t *buf = *own = lp_malloc(n);
	if (!buf)
		return NULL;
	double scale = 1;
	if (is_prob && (c->dtype == LP_U8 || c->dtype == LP_U16))
		scale = c->dtype == LP_U8 ? 255 : 65535;
	for (size_t i = 0; i < n; i++) {
		double v = lp_channel_get(c, i);
		buf[i] = is_prob ? v / scale >= thr : v != 0;
	}
	return buf;
}

static const char *frame_id(const lp_frame *f)
{
	const char *id = lp_meta_get(f, LP_META_NODULE);
	return id ? id : lp_meta_get(f, LP_META_PATIENT);
}

/* ---- montage tiles ---------------------------------------------------- */

static int64_t best_slice(const lp_frame *f, const uint8_t *gt,
                          const uint8_t *pr)
{
	int64_t nxy = f->dim[0] * f->dim[1], best = f->dim[2] / 2, bc = 0;
	for (int pass = 0; pass < 2 && bc == 0; pass++) {
		const uint8_t *m = pass ? pr : gt;
		for (int64_t z = 0; z < f->dim[2]; z++) {
			int64_t c = 0;
			for (int64_t i = 0; i < nxy; i++)
				c += m[z * nxy + i] != 0;
			if (c > bc) {
				bc = c;
				best = z;
			}
		}
	}
	return best;
}

static int render_tile(const lp_frame *f, const uint8_t *gt, const uint8_t *pr,
                       lp_rgb *tile)
{
	int nx = (int)f->dim[0], ny = (int)f->dim[1];
	int64_t z = best_slice(f, gt, pr), off = z * nx * ny;
	int mx = nx > ny ? nx : ny, scale = mx >= 192 ? 1 : 192 / mx;
	float *grey = NULL;
	const lp_channel *img = lp_frame_channel(f, LP_CH_IMAGE);
	if (img && !(grey = lp_malloc((size_t)nx * ny * sizeof(float))))
		return -1;
	if (img && lp_slice_grey(f, img, z, grey) < 0) {
		free(grey);
		return -1;
	}
	int r = lp_overlay_tile(grey, gt + off, pr + off, nx, ny, scale,
	                        0x00e000, 0xff3030, 0xffff00, tile);
	free(grey);
	return r;
}

static int add_tile(const lp_frame *f, const lp_channel *g,
                    const lp_channel *p, int pprob, const patch_row *row)
{
	if (R.ntiles >= montage_max || f->dim[0] > 4096 || f->dim[1] > 4096)
		return 0;
	if (!R.tiles) {
		R.tiles = lp_calloc((size_t)montage_max, sizeof *R.tiles);
		R.captions = lp_calloc((size_t)montage_max, sizeof(char *));
		if (!R.tiles || !R.captions)
			return -1;
	}
	uint8_t *oa, *ob = NULL;
	const uint8_t *gm = as_mask(f, g, 0, &oa);
	const uint8_t *pm = gm ? as_mask(f, p, pprob, &ob) : NULL;
	int r = pm ? render_tile(f, gm, pm, &R.tiles[R.ntiles]) : -1;
	free(oa);
	free(ob);
	if (r < 0)
		return -1;
	char cap[64];
	snprintf(cap, sizeof cap, "#%lld DSC %.3f", (long long)row->frame,
	         row->v[LP_SEG_DSC]);
	if (!(R.captions[R.ntiles] = lp_strdup(cap)))
		return -1;
	R.ntiles++;
	return 0;
}

/* ---- per patch ------------------------------------------------------- */

/* Metrics of one patch into row (thread-safe). */
static int compute_row(const lp_frame *f, const lp_channel *g,
                       const lp_channel *p, int pprob, patch_row *row)
{
	uint8_t *oa, *ob = NULL;
	const uint8_t *gm = as_mask(f, g, 0, &oa);
	const uint8_t *pm = gm ? as_mask(f, p, pprob, &ob) : NULL;
	int r = pm ? 0 : -1;
	if (pm) {
		lp_seg_count_u8(gm, pm, (size_t)lp_frame_nvox(f), &row->c);
		lp_seg_scores(&row->c, row->v);
		for (int k = 0; k < LP_SURF_N; k++)
			row->s[k] = NAN;
		if (!no_surface)
			r = lp_surface_metrics(gm, pm, f->dim, f->spacing, row->s,
			                       NULL);
	}
	free(oa);
	free(ob);
	return r;
}

/* Append a computed row in stream order: statistics, tile. */
static int add_row(const lp_frame *f, const lp_channel *g, const lp_channel *p,
                   int pprob, const patch_row *row)
{
	if (R.np == R.capp) {
		size_t cap = R.capp ? 2 * R.capp : 256;
		patch_row *n = lp_realloc(R.p, cap * sizeof *n);
		if (!n)
			return -1;
		R.p = n;
		R.capp = cap;
	}
	R.p[R.np] = *row;
	const char *id = frame_id(f);
	R.p[R.np].id = id ? lp_strdup(id) : NULL;
	if (id && !R.p[R.np].id)
		return -1;
	R.np++;
	R.pooled.tp += row->c.tp;
	R.pooled.fp += row->c.fp;
	R.pooled.fn += row->c.fn;
	R.pooled.tn += row->c.tn;
	for (int k = 0; k < LP_SEG_N; k++)
		lp_meansd_add(&R.seg[k], row->v[k]);
	for (int k = 0; k < LP_SURF_N && !no_surface; k++)
		lp_meansd_add(&R.surf[k], row->s[k]);
	return report_dir ? add_tile(f, g, p, pprob, row) : 0;
}

static int flush_batch(void)
{
	int n = nbatch;
#pragma omp parallel for schedule(dynamic, 4) if (n > 1 && !no_surface)
	for (int k = 0; k < n; k++) {
		job *j = &batch[k];
		if (compute_row(&j->f, j->g, j->p, j->pprob, &j->row) < 0) {
			j->code = lp_errcode() ? lp_errcode() : LP_EX_SOFTWARE;
			snprintf(j->msg, sizeof j->msg, "%s", lp_errmsg());
		}
	}
	int rc = 0;
	for (int k = 0; k < n; k++) {
		job *j = &batch[k];
		if (rc == 0 && j->code)
			rc = lp_seterr(j->code, "frame %lld: %s",
			               (long long)j->row.frame, j->msg);
		if (rc == 0 && add_row(&j->f, j->g, j->p, j->pprob, &j->row) < 0)
			rc = -1;
		lp_frame_free(&j->f);
	}
	nbatch = 0;
	batch_bytes = 0;
	return rc;
}

/* Segmentation part of a frame: checked now, queued for computing.
 * Takes the frame's contents when queued (f is re-initialised). */
static int seg_frame(lp_frame *f)
{
	const lp_channel *g = lp_frame_channel(f, gt_ch ? gt_ch : LP_CH_GT);
	const lp_channel *p = lp_frame_channel(f, pred_ch ? pred_ch : LP_CH_PRED);
	const lp_channel *q = pred_ch ? NULL : lp_frame_channel(f, LP_CH_PROB);
	if (!g && !p && !q)
		return 0;
	const char *gn = gt_ch ? gt_ch : LP_CH_GT, *pn = pred_ch ? pred_ch : LP_CH_PRED;
	if (!g)
		return lp_seterr(LP_EX_DATAERR, "frame %lld: has a %s channel but "
		                 "no %s channel", (long long)R.nframes,
		                 p ? pn : LP_CH_PROB, gn);
	if (!p && !q)
		return lp_seterr(LP_EX_DATAERR, "frame %lld: has a %s channel but "
		                 "no %s%s channel", (long long)R.nframes, gn, pn,
		                 pred_ch ? "" : " or prob");
	if (!batch && !(batch = lp_calloc(BATCH_FRAMES, sizeof *batch)))
		return -1;
	job *j = &batch[nbatch++];
	memset(j, 0, sizeof *j);
	j->f = *f; /* the channel pointers stay valid: the array moves along */
	lp_frame_init(f);
	j->g = lp_frame_channel(&j->f, gt_ch ? gt_ch : LP_CH_GT);
	j->p = p ? lp_frame_channel(&j->f, pred_ch ? pred_ch : LP_CH_PRED)
	         : lp_frame_channel(&j->f, LP_CH_PROB);
	j->pprob = !p;
	j->row.frame = R.nframes;
	batch_bytes += lp_frame_nvox(&j->f) * 2;
	if (nbatch == BATCH_FRAMES || batch_bytes >= BATCH_BYTES)
		return flush_batch() < 0 ? -1 : 1;
	return 1;
}

/* 1 malignant, 0 benign, -1 other. */
static int parse_label(const char *s)
{
	if (!strcasecmp(s, "malignant") || !strcmp(s, "1"))
		return 1;
	if (!strcasecmp(s, "benign") || !strcmp(s, "0"))
		return 0;
	return -1;
}

static int cls_frame(const lp_frame *f)
{
	const char *ps = lp_meta_get(f, prob_key), *ls = lp_meta_get(f, LP_META_LABEL);
	if (!ps)
		return 0;
	char *end;
	errno = 0;
	double p = strtod(ps, &end);
	if (end == ps || *end || errno || !isfinite(p))
		return lp_seterr(LP_EX_DATAERR, "frame %lld: %s '%s' is not a "
		                 "number", (long long)R.nframes, prob_key, ps);
	int l = ls ? parse_label(ls) : -1;
	if (l < 0) {
		if (ls)
			R.skipped_label++;
		else
			R.unlabelled++;
		return 1;
	}
	if (R.nc == R.capc) {
		size_t cap = R.capc ? 2 * R.capc : 256;
		cls_row *c = lp_realloc(R.c, cap * sizeof *c);
		if (!c)
			return -1;
		R.c = c;
		R.capc = cap;
	}
	cls_row *row = &R.c[R.nc];
	const char *id = frame_id(f);
	row->id = id ? lp_strdup(id) : NULL;
	if (id && !row->id)
		return -1;
	row->score = p;
	row->label = (uint8_t)l;
	R.nc++;
	return 1;
}

/* ---- reading ------------------------------------------------------------ */

static int read_input(const char *path)
{
	lp_source *s = lp_source_open(path, NULL);
	if (!s)
		return -1;
	lp_frame f;
	lp_frame_init(&f);
	int rc;
	while ((rc = lp_source_next(s, &f)) == 1) {
		/* classification first: seg_frame may take the frame */
		if (cls_frame(&f) < 0 || seg_frame(&f) < 0) {
			rc = -1;
			break;
		}
		R.nframes++;
	}
	if (rc == 0 && flush_batch() < 0)
		rc = -1;
	if (rc < 0 && !strstr(lp_errmsg(), path))
		lp_err_prefix("%s", path);
	lp_frame_free(&f);
	lp_source_close(s);
	return rc;
}

/* The mask channel of a --gt/--pred frame: the named one when given, else
 * the conventional name (pred: then prob), else the first channel. */
static const lp_channel *pick(const lp_frame *f, int is_pred, int *prob)
{
	const char *want = is_pred ? pred_ch : gt_ch;
	const lp_channel *c;
	*prob = 0;
	if (want)
		return lp_frame_channel(f, want);
	if ((c = lp_frame_channel(f, is_pred ? LP_CH_PRED : LP_CH_GT)))
		return c;
	if (is_pred && (c = lp_frame_channel(f, LP_CH_PROB))) {
		*prob = 1;
		return c;
	}
	return f->nch > 0 ? &f->ch[0] : NULL;
}

static int pair_frames(lp_frame *a, lp_frame *b)
{
	int pa, pb;
	const lp_channel *ca = pick(a, 0, &pa), *cb = pick(b, 1, &pb);
	if (!ca || !cb)
		return lp_seterr(LP_EX_DATAERR, "%s: frame %lld: no channel %s",
		                 !ca ? gt_path : pred_path, (long long)R.nframes,
		                 !ca ? (gt_ch ? gt_ch : "") : (pred_ch ? pred_ch : ""));
	for (int k = 0; k < 3; k++)
		if (a->dim[k] != b->dim[k])
			return lp_seterr(LP_EX_DATAERR, "%s and %s: dimensions differ "
			                 "(%lldx%lldx%lld vs %lldx%lldx%lld)", gt_path,
			                 pred_path, (long long)a->dim[0],
			                 (long long)a->dim[1], (long long)a->dim[2],
			                 (long long)b->dim[0], (long long)b->dim[1],
			                 (long long)b->dim[2]);
	for (int k = 0; k < 3; k++)
		if (fabs(a->spacing[k] - b->spacing[k]) > 1e-6 * a->spacing[k])
			return lp_seterr(LP_EX_DATAERR, "%s and %s: voxel spacing "
			                 "differs", gt_path, pred_path);
	patch_row row;
	memset(&row, 0, sizeof row);
	row.frame = R.nframes;
	if (compute_row(a, ca, cb, pb, &row) < 0)
		return -1;
	return add_row(a, ca, cb, pb, &row);
}

static int read_pair(void)
{
	lp_source *sa = lp_source_open(gt_path, NULL), *sb = NULL;
	if (!sa || !(sb = lp_source_open(pred_path, NULL))) {
		lp_source_close(sa);
		return -1;
	}
	lp_frame a, b;
	lp_frame_init(&a);
	lp_frame_init(&b);
	int ra, rb, rc = 0;
	for (;;) {
		ra = lp_source_next(sa, &a);
		rb = ra < 0 ? -1 : lp_source_next(sb, &b);
		if (ra < 0 || rb < 0 || (ra == 0 && rb == 0)) {
			rc = ra < 0 || rb < 0 ? -1 : 0;
			break;
		}
		if (ra != rb) {
			rc = lp_seterr(LP_EX_DATAERR, "%s and %s: different numbers "
			               "of frames", gt_path, pred_path);
			break;
		}
		if (pair_frames(&a, &b) < 0) {
			rc = -1;
			break;
		}
		R.nframes++;
	}
	lp_frame_free(&a);
	lp_frame_free(&b);
	lp_source_close(sa);
	lp_source_close(sb);
	return rc;
}

/* ---- tables --------------------------------------------------------------- */

static lp_cls_result CR;
static lp_cls_ci CI;
static int have_ci;

static const char *num(char *buf, double v, int full)
{
	if (isnan(v))
		return "nan";
	if (isinf(v))
		return v > 0 ? "inf" : "-inf";
	snprintf(buf, 32, full ? "%.10g" : "%.4f", v);
	return buf;
}

static const char *inum(char *buf, int64_t v)
{
	snprintf(buf, 32, "%lld", (long long)v);
	return buf;
}

static lp_table *seg_table(int full)
{
	char t[256], a[32], b[32], c[32];
	const char *hdr[] = { "metric", "mean", "sd", "pooled" };
	snprintf(t, sizeof t, "Segmentation: %zu patches (mean and sd over "
	         "patches; pooled over all pixels)", R.np);
	lp_table *tb = lp_table_new(t, 4, hdr);
	double pv[LP_SEG_N];
	lp_seg_scores(&R.pooled, pv);
	for (int k = 0; tb && k < LP_SEG_N; k++) {
		const char *row[] = { lp_seg_names[k], num(a, R.seg[k].mean, full),
		                      num(b, lp_meansd_sd(&R.seg[k]), full),
		                      num(c, pv[k], full) };
		if (lp_table_add(tb, row) < 0) {
			lp_table_free(tb);
			return NULL;
		}
	}
	return tb;
}

static lp_table *surf_table(int full)
{
	char t[256], a[32], b[32], c[32];
	const char *hdr[] = { "metric (mm)", "mean", "sd", "n" };
	snprintf(t, sizeof t, "Surface distances: %lld patches, %lld left out "
	         "(exactly one mask empty)", (long long)R.surf[0].n,
	         (long long)R.surf[0].nnan);
	lp_table *tb = lp_table_new(t, 4, hdr);
	for (int k = 0; tb && k < LP_SURF_N; k++) {
		const char *row[] = { lp_surf_names[k],
		                      num(a, R.surf[k].n ? R.surf[k].mean : NAN, full),
		                      num(b, lp_meansd_sd(&R.surf[k]), full),
		                      inum(c, R.surf[k].n) };
		if (lp_table_add(tb, row) < 0) {
			lp_table_free(tb);
			return NULL;
		}
	}
	return tb;
}

static lp_table *cls_table(int full)
{
	char t[400], a[32], b[32], c[32], d[32];
	const char *hdr[] = { "metric", "value", "ci_low", "ci_high", "ci_n" };
	int n = snprintf(t, sizeof t, "Classification: %zu cases (%zu malignant, "
	                 "%zu benign), threshold %g", CR.n, CR.npos, CR.nneg, thr);
	if (have_ci)
		snprintf(t + n, sizeof t - (size_t)n, "; 95%% percentile bootstrap "
		         "CI, %ld resamples, seed %ld", nboot, seed);
	lp_table *tb = lp_table_new(t, 5, hdr);
	for (int k = 0; tb && k < LP_CLS_N; k++) {
		const char *row[] = { lp_cls_names[k], num(a, CR.v[k], full),
		                      have_ci ? num(b, CI.lo[k], full) : "-",
		                      have_ci ? num(c, CI.hi[k], full) : "-",
		                      have_ci ? inum(d, CI.nvalid[k]) : "-" };
		if (lp_table_add(tb, row) < 0) {
			lp_table_free(tb);
			return NULL;
		}
	}
	return tb;
}

static lp_table *cm_table(void)
{
	char a[32], b[32];
	const char *hdr[] = { "truth \\ predicted", "benign", "malignant" };
	lp_table *tb = lp_table_new("Confusion matrix (benign negative, "
	                            "malignant positive)", 3, hdr);
	const char *r1[] = { "benign", inum(a, CR.cm.tn), inum(b, CR.cm.fp) };
	if (tb && lp_table_add(tb, r1) == 0) {
		const char *r2[] = { "malignant", inum(a, CR.cm.fn), inum(b, CR.cm.tp) };
		if (lp_table_add(tb, r2) == 0)
			return tb;
	}
	lp_table_free(tb);
	return NULL;
}

static lp_table *patch_table(int full, size_t maxrows)
{
	enum { NC = 6 + LP_SEG_N + LP_SURF_N };
	const char *hdr[NC] = { "frame", "id", "TP", "FP", "FN", "TN" };
	char buf[NC][32];
	for (int k = 0; k < LP_SEG_N; k++)
		hdr[6 + k] = lp_seg_names[k];
	for (int k = 0; k < LP_SURF_N; k++)
		hdr[6 + LP_SEG_N + k] = lp_surf_names[k];
	lp_table *tb = lp_table_new("Per patch", NC, hdr);
	for (size_t i = 0; tb && i < R.np && i < maxrows; i++) {
		const patch_row *p = &R.p[i];
		const char *row[NC] = { inum(buf[0], p->frame), p->id ? p->id : "-",
		                        inum(buf[2], p->c.tp), inum(buf[3], p->c.fp),
		                        inum(buf[4], p->c.fn), inum(buf[5], p->c.tn) };
		for (int k = 0; k < LP_SEG_N; k++)
			row[6 + k] = num(buf[6 + k], p->v[k], full);
		for (int k = 0; k < LP_SURF_N; k++)
			row[6 + LP_SEG_N + k] = no_surface ? "-" :
				num(buf[6 + LP_SEG_N + k], p->s[k], full);
		if (lp_table_add(tb, row) < 0) {
			lp_table_free(tb);
			return NULL;
		}
	}
	return tb;
}

static lp_table *case_table(int full, size_t maxrows)
{
	const char *hdr[] = { "case", "id", "label", "prob", "predicted" };
	char a[32], b[32];
	lp_table *tb = lp_table_new("Per case", 5, hdr);
	for (size_t i = 0; tb && i < R.nc && i < maxrows; i++) {
		const cls_row *c = &R.c[i];
		const char *row[] = { inum(a, (int64_t)i), c->id ? c->id : "-",
		                      c->label ? "malignant" : "benign",
		                      num(b, c->score, full),
		                      c->score >= thr ? "malignant" : "benign" };
		if (lp_table_add(tb, row) < 0) {
			lp_table_free(tb);
			return NULL;
		}
	}
	return tb;
}

enum { T_SEG, T_SURF, T_CLS, T_CM, T_PATCH, T_CASE, T_N };

/* The tables that apply, NULL where not; -1 on allocation failure. */
static int build_tables(lp_table *t[T_N], int full, int rows, size_t maxrows)
{
	memset(t, 0, T_N * sizeof *t);
	int want[T_N] = { R.np > 0, R.np > 0 && !no_surface, R.nc > 0, R.nc > 0,
	                  R.np > 0 && rows, R.nc > 0 && rows };
	for (int k = 0; k < T_N; k++) {
		if (!want[k])
			continue;
		t[k] = k == T_SEG ? seg_table(full) : k == T_SURF ? surf_table(full)
		     : k == T_CLS ? cls_table(full) : k == T_CM ? cm_table()
		     : k == T_PATCH ? patch_table(full, maxrows)
		     : case_table(full, maxrows);
		if (!t[k])
			return -1;
	}
	return 0;
}

static void free_tables(lp_table *t[T_N])
{
	for (int k = 0; k < T_N; k++)
		lp_table_free(t[k]);
}

/* ---- JSON ----------------------------------------------------------------- */

static void json_patch(FILE *fp, const patch_row *p)
{
	fprintf(fp, "{\"frame\": %lld, \"id\": ", (long long)p->frame);
	if (p->id)
		lp_json_str(fp, p->id);
	else
		fputs("null", fp);
	fprintf(fp, ", \"tp\": %lld, \"fp\": %lld, \"fn\": %lld, \"tn\": %lld",
	        (long long)p->c.tp, (long long)p->c.fp, (long long)p->c.fn,
	        (long long)p->c.tn);
	for (int k = 0; k < LP_SEG_N; k++) {
		fprintf(fp, ", \"%s\": ", lp_seg_names[k]);
		lp_json_num(fp, p->v[k]);
	}
	for (int k = 0; k < LP_SURF_N && !no_surface; k++) {
		fprintf(fp, ", \"%s\": ", lp_surf_names[k]);
		lp_json_num(fp, p->s[k]);
	}
	fputc('}', fp);
}

static void json_seg(FILE *fp)
{
	double pv[LP_SEG_N];
	lp_seg_scores(&R.pooled, pv);
	fprintf(fp, "  \"segmentation\": {\"patches\": %zu, \"pooled_counts\": "
	        "{\"tp\": %lld, \"fp\": %lld, \"fn\": %lld, \"tn\": %lld},\n"
	        "    \"metrics\": {", R.np, (long long)R.pooled.tp,
	        (long long)R.pooled.fp, (long long)R.pooled.fn,
	        (long long)R.pooled.tn);
	for (int k = 0; k < LP_SEG_N; k++) {
		fprintf(fp, "%s\n      \"%s\": {\"mean\": ", k ? "," : "",
		        lp_seg_names[k]);
		lp_json_num(fp, R.seg[k].mean);
		fputs(", \"sd\": ", fp);
		lp_json_num(fp, lp_meansd_sd(&R.seg[k]));
		fputs(", \"pooled\": ", fp);
		lp_json_num(fp, pv[k]);
		fputc('}', fp);
	}
	fputs("}", fp);
	if (!no_surface) {
		fprintf(fp, ",\n    \"surface_mm\": {\"n\": %lld, \"left_out\": %lld",
		        (long long)R.surf[0].n, (long long)R.surf[0].nnan);
		for (int k = 0; k < LP_SURF_N; k++) {
			fprintf(fp, ",\n      \"%s\": {\"mean\": ", lp_surf_names[k]);
			lp_json_num(fp, R.surf[k].n ? R.surf[k].mean : NAN);
			fputs(", \"sd\": ", fp);
			lp_json_num(fp, lp_meansd_sd(&R.surf[k]));
			fputc('}', fp);
		}
		fputc('}', fp);
	}
	if (per_patch) {
		fputs(",\n    \"per_patch\": [", fp);
		for (size_t i = 0; i < R.np; i++) {
			fputs(i ? ",\n      " : "\n      ", fp);
			json_patch(fp, &R.p[i]);
		}
		fputs("]", fp);
	}
	fputs("}", fp);
}

static void json_cls(FILE *fp)
{
	fprintf(fp, "  \"classification\": {\"cases\": %zu, \"malignant\": %zu, "
	        "\"benign\": %zu, \"threshold\": %.17g, \"skipped_label\": %lld, "
	        "\"unlabelled\": %lld,\n    \"confusion\": {\"tp\": %lld, "
	        "\"fp\": %lld, \"fn\": %lld, \"tn\": %lld},\n", CR.n, CR.npos,
	        CR.nneg, thr, (long long)R.skipped_label, (long long)R.unlabelled,
	        (long long)CR.cm.tp, (long long)CR.cm.fp, (long long)CR.cm.fn,
	        (long long)CR.cm.tn);
	if (have_ci)
		fprintf(fp, "    \"bootstrap\": {\"resamples\": %ld, \"seed\": %ld, "
		        "\"level\": 0.95},\n", nboot, seed);
	fputs("    \"metrics\": {", fp);
	for (int k = 0; k < LP_CLS_N; k++) {
		fprintf(fp, "%s\n      \"%s\": {\"value\": ", k ? "," : "",
		        lp_cls_names[k]);
		lp_json_num(fp, CR.v[k]);
		if (have_ci) {
			fputs(", \"ci_low\": ", fp);
			lp_json_num(fp, CI.lo[k]);
			fputs(", \"ci_high\": ", fp);
			lp_json_num(fp, CI.hi[k]);
			fprintf(fp, ", \"ci_n\": %d", CI.nvalid[k]);
		}
		fputc('}', fp);
	}
	fputs("}", fp);
	if (per_patch) {
		fputs(",\n    \"per_case\": [", fp);
		for (size_t i = 0; i < R.nc; i++) {
			fputs(i ? ",\n      " : "\n      ", fp);
			fputs("{\"id\": ", fp);
			if (R.c[i].id)
				lp_json_str(fp, R.c[i].id);
			else
				fputs("null", fp);
			fprintf(fp, ", \"label\": %d, \"prob\": %.17g}", R.c[i].label,
			        R.c[i].score);
		}
		fputs("]", fp);
	}
	fputs("}", fp);
}

static int print_json(FILE *fp)
{
	fprintf(fp, "{\n  \"tool\": \"seg-metrics\", \"version\": \"%s\", "
	        "\"frames\": %lld", LP_VERSION, (long long)R.nframes);
	if (R.np) {
		fputs(",\n", fp);
		json_seg(fp);
	}
	if (R.nc) {
		fputs(",\n", fp);
		json_cls(fp);
	}
	fputs("\n}\n", fp);
	return ferror(fp) ? -1 : 0;
}

static int print_tables(FILE *fp)
{
	lp_table *t[T_N];
	int full = as_tsv;
	if (build_tables(t, full, per_patch, (size_t)-1) < 0) {
		free_tables(t);
		return -1;
	}
	int first = 1;
	for (int k = 0; k < T_N; k++) {
		if (!t[k])
			continue;
		if (!first && !as_tsv)
			fputc('\n', fp);
		first = 0;
		if (as_tsv)
			lp_table_tsv(fp, t[k]);
		else
			lp_table_text(fp, t[k]);
	}
	if (R.skipped_label || R.unlabelled)
		fprintf(as_tsv ? fp : stderr, "# %lld cases with a probability "
		        "skipped: %lld with another label, %lld without label\n",
		        (long long)(R.skipped_label + R.unlabelled),
		        (long long)R.skipped_label, (long long)R.unlabelled);
	free_tables(t);
	return ferror(fp) ? -1 : 0;
}

/* ---- report ---------------------------------------------------------------- */

static char *rpath(const char *name)
{
	size_t n = strlen(report_dir) + strlen(name) + 2;
	char *p = lp_malloc(n);
	if (p)
		snprintf(p, n, "%s/%s", report_dir, name);
	return p;
}

/* Write DIR/name.svg and DIR/name.png of one curve. */
static int write_curve(const char *name, const lp_plot *pl)
{
	char svg[64], png[64];
	snprintf(svg, sizeof svg, "%s.svg", name);
	snprintf(png, sizeof png, "%s.png", name);
	char *a = rpath(svg), *b = rpath(png);
	int r = a && b && lp_plot_svg(a, pl) == 0 && lp_plot_png(b, pl, 640, 600) == 0
	        ? 0 : -1;
	free(a);
	free(b);
	return r;
}

static int report_curves(int *nimg, lp_html_image *img)
{
	const uint8_t *lab = NULL;
	double *sc = lp_malloc((R.nc ? R.nc : 1) * sizeof(double));
	uint8_t *lb = lp_malloc(R.nc ? R.nc : 1);
	if (!sc || !lb) {
		free(sc);
		free(lb);
		return -1;
	}
	for (size_t i = 0; i < R.nc; i++) {
		sc[i] = R.c[i].score;
		lb[i] = R.c[i].label;
	}
	lab = lb;
	int rc = 0;
	static char cap[2][160];
	for (int k = 0; k < 2 && rc == 0; k++) {
		int roc = k == 0;
		if ((roc && (CR.npos == 0 || CR.nneg == 0)) || (!roc && CR.npos == 0))
			continue;
		lp_curve cv;
		if ((roc ? lp_roc_curve(sc, lab, R.nc, &cv) : lp_pr_curve(sc, lab, R.nc, &cv)) < 0) {
			rc = -1;
			break;
		}
		int m = roc ? LP_CLS_AUC : LP_CLS_AP;
		int n = snprintf(cap[k], sizeof cap[k], "%s = %.4f", roc ? "AUC" : "AP", CR.v[m]);
		if (have_ci)
			snprintf(cap[k] + n, sizeof cap[k] - (size_t)n, " (95%% CI %.3f-%.3f)",
			         CI.lo[m], CI.hi[m]);
		lp_series s = { cv.x, cv.y, cv.np, roc ? 0x1f5fbf : 0xc0392b, cap[k], !roc };
		lp_plot pl = { roc ? "ROC curve" : "Precision-recall curve",
		               roc ? "False positive rate (1 - SP)" : "Recall (SE)",
		               roc ? "TPR (SE)" : "Precision", roc, &s, 1 };
		rc = write_curve(roc ? "roc" : "pr", &pl);
		lp_curve_free(&cv);
		img[*nimg].file = roc ? "roc.svg" : "pr.svg";
		img[*nimg].link = roc ? "roc.png" : "pr.png";
		img[*nimg].caption = roc ? "ROC curve (click for PNG)"
		                         : "Precision-recall curve, step-wise as "
		                           "average precision (click for PNG)";
		(*nimg)++;
	}
	free(sc);
	free(lb);
	return rc;
}

static int report_montage(int *nimg, lp_html_image *img)
{
	if (R.ntiles == 0)
		return 0;
	lp_rgb m;
	int cols = R.ntiles < 8 ? R.ntiles : 8;
	if (lp_montage(R.tiles, (const char *const *)R.captions, R.ntiles, cols,
	               6, &m) < 0)
		return -1;
	char *p = rpath("montage.png");
	int r = p ? lp_png_write(p, &m) : -1;
	free(p);
	lp_rgb_free(&m);
	img[*nimg].file = "montage.png";
	img[*nimg].link = NULL;
	img[*nimg].caption = "Patches (first ones): ground truth green, "
	                     "prediction red, both yellow; #frame and DSC";
	(*nimg)++;
	return r;
}

static int write_report(void)
{
	if (mkdir(report_dir, 0777) < 0 && errno != EEXIST)
		return lp_seterr(LP_EX_CANTCREAT, "%s: cannot create folder: %s",
		                 report_dir, strerror(errno));
	lp_html_image img[3];
	int nimg = 0;
	if (report_montage(&nimg, img) < 0 || report_curves(&nimg, img) < 0)
		return -1;
	lp_table *t[T_N];
	if (build_tables(t, 0, 1, 5000) < 0) {
		free_tables(t);
		return -1;
	}
	char *page = rpath("index.html");
	char intro[256];
	snprintf(intro, sizeof intro, "%lld frames read; definitions and "
	         "conventions in seg-metrics(1). Per-patch tables show at most "
	         "5000 rows.", (long long)R.nframes);
	int r = page ? lp_html_page(page, "seg-metrics report", intro, img, nimg,
	                            (const lp_table *const *)t, T_N, T_PATCH) : -1;
	free(page);
	free_tables(t);
	return r;
}

/* ---- main ------------------------------------------------------------------ */

static int compute_cls(void)
{
	if (R.nc == 0)
		return 0;
	double *sc = lp_malloc(R.nc * sizeof(double));
	uint8_t *lb = lp_malloc(R.nc);
	int r = -1;
	if (sc && lb) {
		for (size_t i = 0; i < R.nc; i++) {
			sc[i] = R.c[i].score;
			lb[i] = R.c[i].label;
		}
		r = lp_cls_metrics(sc, lb, R.nc, thr, &CR);
		if (r == 0 && nboot > 0) {
			r = lp_cls_bootstrap(sc, lb, R.nc, thr, (int)nboot,
			                     (uint64_t)seed, 0.95, &CI);
			have_ci = r == 0;
		}
	}
	free(sc);
	free(lb);
	return r;
}

static void free_results(void)
{
	for (size_t i = 0; i < R.np; i++)
		free(R.p[i].id);
	for (size_t i = 0; i < R.nc; i++)
		free(R.c[i].id);
	for (int k = 0; k < R.ntiles; k++) {
		lp_rgb_free(&R.tiles[k]);
		free(R.captions[k]);
	}
	free(R.p);
	free(R.c);
	free(R.tiles);
	free(R.captions);
	free(batch);
}

static int emit(void)
{
	lp_ofile *a = lp_ofile_open(out_path);
	if (!a)
		return -1;
	if ((as_json ? print_json(a->fp) : print_tables(a->fp)) < 0) {
		lp_ofile_abort(a);
		return lp_seterr(LP_EX_IOERR, "%s: write error", out_path);
	}
	return lp_ofile_commit(a);
}

int main(int argc, char **argv)
{
	int i = lp_parse_args(&tool, argc, argv);
	if (as_tsv && as_json)
		lp_die(LP_EX_USAGE, "--tsv and --json exclude each other");
	if (!gt_path != !pred_path)
		lp_die(LP_EX_USAGE, "--gt and --pred go together");
	if (gt_path && i < argc)
		lp_die(LP_EX_USAGE, "INPUT and --gt/--pred exclude each other");
	if (gt_path) {
		if (read_pair() < 0)
			lp_die_err();
	} else {
		char *dflt[] = { "-" };
		char **in = i < argc ? argv + i : dflt;
		int nin = i < argc ? argc - i : 1;
		for (int k = 0; k < nin; k++)
			if (read_input(in[k]) < 0)
				lp_die_err();
	}
	if (R.np == 0 && R.nc == 0)
		lp_die(LP_EX_DATAERR, "%s: nothing to measure: no frame with gt "
		       "and pred/prob channels or with '%s' and label metadata",
		       gt_path ? gt_path : i < argc ? argv[i] : "-", prob_key);
	if (compute_cls() < 0 || (report_dir && write_report() < 0) || emit() < 0)
		lp_die_err();
	free_results();
	if (!strcmp(out_path, "-"))
		lp_close_stdout();
	return 0;
}
