/* phantom_int.h - internals of the chest-CT phantom (lp_phantom.h).
 * Not a public header: only libcore/phantom*.c include it.
 *
 * Body coordinates: u = x - cx (mm, + towards the patient's left),
 * v = y - cy (mm, + posterior), z world mm (+ superior). */
#ifndef PHANTOM_INT_H
#define PHANTOM_INT_H

#include <stdint.h>
#include "lp_phantom.h"
#include "lp_rng.h"

/* ---- random numbers (phantom_rng.c) ---- */
typedef struct {
	uint64_t s[4];
} ph_rng;

void ph_rng_seed(ph_rng *r, uint64_t seed, uint64_t stream);
uint64_t ph_next(ph_rng *r);
double ph_unif(ph_rng *r);                 /* [0, 1) */
double ph_range(ph_rng *r, double a, double b);
double ph_gauss(ph_rng *r);
int ph_pick(ph_rng *r, const double *w, int n);
void ph_unit_vec(ph_rng *r, double d[3]);
/* Counter-based: the same (seed, i) gives the same value on any thread. */
float ph_hash_gauss(uint64_t seed, uint64_t i);
/* Smooth value noise in about [-1, 1], lattice spacing 1. */
float ph_vnoise(uint64_t seed, double x, double y, double z);

/* Streams of one scan's generator. */
enum { PH_S_ANAT = 1, PH_S_TREE, PH_S_NOD, PH_S_READ, PH_S_FLIP, PH_S_TEX,
       PH_S_NOISE };
uint64_t ph_scan_seed(uint64_t seed, int64_t index);

/* ---- small vector helpers (phantom_rng.c) ---- */
double ph_dot(const double a[3], const double b[3]);
void ph_norm(double a[3]);
void ph_perp(const double d[3], double e1[3], double e2[3]);
static inline double ph_clamp(double x, double a, double b)
{
	return x < a ? a : x > b ? b : x;
}
static inline double ph_sstep(double e0, double e1, double x)
{
	double t = ph_clamp((x - e0) / (e1 - e0), 0, 1);
	return t * t * (3 - 2 * t);
}

/* ---- anatomy (phantom_geom.c, phantom_anatomy.c, phantom_bones.c,
 *      phantom_organs.c) ---- */
typedef struct {
	int64_t nx, ny, nz;
	double sp[3], org[3];
	double cx, cy;           /* body centre line, world x,y */
	double A, B;             /* torso half width / half depth, mm */
	double skin, fat[3], mus[3], cage; /* layers: [anterior, lateral, post.] */
	double zb, H;            /* lung base (lowest recess) world z, height */
	double dome[2];          /* diaphragm dome height above zb: right, left */
	double v_spine;          /* vertebral body centre (v) */
	double z_car;            /* carina (world z) */
	double hil[2][3];        /* hila (u, v, z): right, left */
	double heart[3], heart_ax[3];
	double v_ao;             /* descending aorta (v), u = 22 */
	double z_arch;
	double rib_top, rib_dz, rib_drop;
	int nrib;
	double hu_lung, hu_grav, hu_art, hu_vein, hu_heart;
	int female;
	double breast_r;
	double psf, noise_sigma, noise_corr;
	int pad_value;           /* 0, or the value outside the FOV circle */
	double table_v;          /* table top (v) */
	uint64_t tex;            /* texture seed */
	uint64_t noise_seed;
} ph_anat;

/* Per-slice constants. */
typedef struct {
	double z, t;             /* world z, (z - zb) / H */
	double vphase;           /* position in the vertebra cycle, mm */
	double cap;              /* apex cap scale (1 = no limit, 0 = none) */
	double extra;            /* extra chest-wall muscle at the top, mm */
	int inlet;               /* above the lungs */
} ph_slice;

enum { PH_L_AIR = 0, PH_L_BODY = 1, PH_L_RLUNG = 2, PH_L_LLUNG = 3 };

int ph_anat_draw(const lp_phantom_opts *o, int64_t index, ph_anat *a);
void ph_slice_init(const ph_anat *a, double z, ph_slice *s);
/* HU of the background anatomy (no vessels, no texture) and its label. */
float ph_eval(const ph_anat *a, const ph_slice *s, double u, double v,
              uint8_t *label);
int ph_label_at(const ph_anat *a, double u, double v, double z);
/* pieces of ph_eval */
int ph_spine(const ph_anat *a, const ph_slice *s, double u, double v,
             float *hu);
int ph_ribs(const ph_anat *a, const ph_slice *s, double v, double r,
            double din, float *hu);
int ph_sternum(const ph_anat *a, const ph_slice *s, double u, double v,
               double din, float *hu);
float ph_cavity(const ph_anat *a, const ph_slice *s, double u, double v,
                uint8_t *label);
float ph_outside(const ph_anat *a, double u, double v);
double ph_dome(const ph_anat *a, double u, double v);

/* ---- tubes: vessels and airways (phantom_tree.c, phantom_tubes.c) ---- */
enum { PH_T_VESSEL = 0, PH_T_WALL = 1, PH_T_LUMEN = 2 };
typedef struct {
	float a[3], b[3];        /* world mm */
	float ra, rb;            /* radius at a, b */
	float hu;
	int layer;
} ph_tube;

typedef struct {
	ph_tube *t;
	int64_t n, cap;
} ph_tubes;

int ph_tubes_add(ph_tubes *ts, const double a[3], const double b[3],
                 double ra, double rb, double hu, int layer);
void ph_tubes_free(ph_tubes *ts);
/* Mediastinal vessels, trachea, main bronchi; then the lung trees. */
int ph_tubes_mediastinum(const ph_anat *a, ph_tubes *ts);
int ph_trees(const ph_anat *a, ph_rng *rng, ph_tubes *ts);

/* Tubes bucketed by slice. */
typedef struct {
	int64_t *start;          /* nz + 1 */
	int32_t *idx;
} ph_bucket;
int ph_bucket_make(const ph_anat *a, const ph_tubes *ts, ph_bucket *b);
void ph_bucket_free(ph_bucket *b);
/* Composite the tubes crossing slice k into img (nx*ny floats); scratch
 * holds 4*nx*ny floats. */
void ph_tubes_slice(const ph_anat *a, const ph_tubes *ts, const ph_bucket *b,
                    int64_t k, float *img, float *scratch);

/* ---- the scan volume (phantom_volume.c, phantom_noise.c) ---- */
int ph_volume(const ph_anat *a, const ph_tubes *ts, float *img,
              uint8_t *lung);
/* PSF blur, correlated noise, FOV padding, rounding into out. */
int ph_finish(const ph_anat *a, const float *img, int16_t *out);
/* Estimate the white noise sigma of a real scan in its lung voxels. */
double ph_noise_estimate(const float *img, const uint8_t *lung,
                         const int64_t dim[3]);

/* ---- nodules (phantom_nodule.c, phantom_shape.c, phantom_place.c,
 *      phantom_malig.c, phantom_render.c) ---- */
#define PH_MAX_LOBES 6
#define PH_MAX_SPIKES 40
typedef struct {
	lp_nodule info;
	double c[3];             /* centre, world mm */
	double rot[9];           /* rows: local axes */
	double ax[3];            /* semi-axes, mm */
	double r;                /* design radius */
	int nlobe;
	double lobe_u[PH_MAX_LOBES][3], lobe_amp[PH_MAX_LOBES];
	double lobe_w[PH_MAX_LOBES];
	int nspike;
	double spike_u[PH_MAX_SPIKES][3], spike_len[PH_MAX_SPIKES];
	double spike_w[PH_MAX_SPIKES];
	double hu_solid, hu_ggo, core;  /* core: solid fraction of the radius */
	int calc;                /* 0 none, 1 central, 2 diffuse, 3 popcorn */
	double calc_hu;
	double pop[4][3];        /* popcorn blobs, local mm */
	double rmax;             /* bounding radius, mm */
	uint64_t tex;
} ph_nod;

/* What the nodule code needs to know about the scan. */
typedef struct {
	int64_t dim[3];
	double sp[3];
	double m[9];             /* index -> world: world = org + m * ijk */
	double org[3];
	double minv[9];          /* world -> index */
	float *img;              /* HU, float, modified in place */
	const uint8_t *lung;     /* nonzero = lung */
	uint8_t *gt;
	double noise;            /* > 0: add the scan's own noise (real scans) */
	double edge;             /* extra edge blur, mm */
} ph_scene;

int ph_scene_init(ph_scene *s, const lp_frame *f, float *img,
                  const uint8_t *lung, uint8_t *gt);
void ph_nod_draw(const lp_phantom_opts *o, ph_rng *r, int id, ph_nod *n);
void ph_shape_draw(ph_rng *r, ph_nod *n);
/* Occupancy in [0, 1] of the nodule at world point p with edge width w mm,
 * and the nodule's HU there. */
double ph_nod_occ(const ph_nod *n, const double p[3], double w, float *hu);
int ph_place(const ph_scene *s, ph_rng *r, ph_nod *n, const ph_nod *done,
             int ndone);
int ph_render(const ph_scene *s, ph_nod *n);
double ph_malig_p(const ph_nod *n);
void ph_readers(ph_rng *r, double p, int ratings[LP_PHANTOM_READERS]);
void ph_rating_summary(lp_nodule *info);
void ph_label_noise(ph_rng *r, double pflip, lp_nodule *info);
/* Draw, place, render, rate all nodules of a scan. */
int ph_nodules(const lp_phantom_opts *o, uint64_t sseed, const ph_scene *s,
               lp_nodule **nod, int *nnod);

#endif
