/* lp_frame.h - a frame: one volume or one patch with named channels,
 * geometry and key-value metadata.  This is the in-memory form of a frame of
 * the lungpipe stream (see man/lungpipe-stream.5).
 *
 * Geometry follows ITK/DICOM in LPS world coordinates (mm):
 *   world = origin + sum_a dir[3*a + k] * spacing[a] * index[a]      (k = x,y,z)
 * i.e. dir[3*a .. 3*a+2] is the unit direction of voxel axis a (a = 0 x/column,
 * 1 y/row, 2 z/slice), the same order as MetaImage's TransformMatrix.
 * Voxel data is x fastest: index = x + dim[0]*(y + dim[1]*z).
 */
#ifndef LP_FRAME_H
#define LP_FRAME_H

#include <stdint.h>
#include <stddef.h>
#include "lp_error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
	LP_DT_NONE = 0,
	LP_U8 = 1,
	LP_I8 = 2,
	LP_U16 = 3,
	LP_I16 = 4,
	LP_U32 = 5,
	LP_I32 = 6,
	LP_F32 = 7,
	LP_F64 = 8
} lp_dtype;

size_t lp_dtype_size(lp_dtype t);       /* 0 for an unknown dtype */
const char *lp_dtype_name(lp_dtype t);  /* "u8", "i16", "f32", ... */
lp_dtype lp_dtype_parse(const char *s); /* LP_DT_NONE if unknown */

/* What the values of a channel mean (free text in the stream, these are the
 * conventional values). */
#define LP_UNITS_HU "HU"         /* Hounsfield units */
#define LP_UNITS_WINDOW "window" /* HU window [wmin,wmax] mapped to dtype range
                                    (u8: 0..255, f32: 0..1) */
#define LP_UNITS_MASK "mask"     /* 0 = background, nonzero = label */
#define LP_UNITS_PROB "prob"     /* probability in [0,1] */
#define LP_UNITS_FEATURE "feature"

/* Conventional channel names. */
#define LP_CH_IMAGE "image"
#define LP_CH_LUNG "lung"
#define LP_CH_GT "gt"
#define LP_CH_PROB "prob"
#define LP_CH_PRED "pred"

#define LP_NAME_MAX 63

typedef struct {
	char name[LP_NAME_MAX + 1];
	char units[LP_NAME_MAX + 1];
	lp_dtype dtype;
	double wmin, wmax; /* the HU window when units == "window" */
	void *data;        /* dim[0]*dim[1]*dim[2] values, owned by the frame */
} lp_channel;

typedef struct {
	char *key;
	char *value;
} lp_kv;

typedef struct {
	int64_t dim[3];
	double spacing[3];
	double origin[3];
	double dir[9];
	int nch;
	lp_channel *ch;
	int nmeta;
	lp_kv *meta;
} lp_frame;

/* Largest accepted frame: 2^31 voxels per channel, 64 channels. */
#define LP_MAX_VOXELS ((int64_t)1 << 31)
#define LP_MAX_CHANNELS 64

/* Initialise an empty frame with identity geometry (spacing 1, origin 0). */
void lp_frame_init(lp_frame *f);
/* Set dims after checking them (each >= 1, product <= LP_MAX_VOXELS). */
int lp_frame_set_dims(lp_frame *f, int64_t nx, int64_t ny, int64_t nz);
/* The same check without a frame: 0, or -1 (LP_EX_DATAERR). */
int lp_dims_check(int64_t nx, int64_t ny, int64_t nz);
void lp_frame_free(lp_frame *f); /* frees everything, re-inits */
int64_t lp_frame_nvox(const lp_frame *f);

/* Add a channel of the frame's dims, zero-filled; returns it or NULL.
 * Fails if the name exists already.  Returned pointers stay valid while
 * more channels are added (not across lp_frame_remove_channel). */
lp_channel *lp_frame_add_channel(lp_frame *f, const char *name, lp_dtype dt,
                                 const char *units);
/* Add a channel taking ownership of data (malloc'd, right size). */
lp_channel *lp_frame_adopt_channel(lp_frame *f, const char *name, lp_dtype dt,
                                   const char *units, void *data);
lp_channel *lp_frame_channel(const lp_frame *f, const char *name); /* or NULL */
int lp_frame_remove_channel(lp_frame *f, const char *name);
size_t lp_channel_bytes(const lp_frame *f, const lp_channel *c);

/* Metadata: keys are [A-Za-z0-9_.-]+, values any UTF-8 text without NUL.
 * set replaces an existing key, keeps insertion order otherwise. */
int lp_meta_set(lp_frame *f, const char *key, const char *value);
int lp_meta_setf(lp_frame *f, const char *key, const char *fmt, ...)
	LP_PRINTF(3, 4);
const char *lp_meta_get(const lp_frame *f, const char *key); /* or NULL */
int lp_meta_del(lp_frame *f, const char *key);
/* Parse "a,b,c" numeric lists from a key; returns count parsed or -1. */
int lp_meta_get_doubles(const lp_frame *f, const char *key, double *out, int max);

/* Deep copy (dst is initialised by the call). */
int lp_frame_copy(lp_frame *dst, const lp_frame *src);
/* Copy geometry and metadata but no channels; dims are set to nx,ny,nz. */
int lp_frame_copy_header(lp_frame *dst, const lp_frame *src);

/* Geometry helpers. */
void lp_index_to_world(const lp_frame *f, const double ijk[3], double xyz[3]);
/* Inverse with the full direction matrix; returns -1 if singular. */
int lp_world_to_index(const lp_frame *f, const double xyz[3], double ijk[3]);
/* Check geometry is finite, spacing > 0, direction non-singular. */
int lp_frame_check_geometry(const lp_frame *f);

/* Convert a channel value at linear index i to double. */
double lp_channel_get(const lp_channel *c, size_t i);

/* Conventional metadata keys (values are text; lists comma-separated). */
#define LP_META_SERIES "series_uid"
#define LP_META_PATIENT "patient_id"
#define LP_META_NODULE "nodule_id"
#define LP_META_CENTER_WORLD "center_world" /* "x,y,z" mm (LPS) */
#define LP_META_CENTER_VOXEL "center_voxel" /* "i,j,k" of the source volume */
#define LP_META_DIAMETER "diameter_mm"
#define LP_META_RATINGS "malignancy_ratings" /* "5,5,5,4" */
#define LP_META_LABEL "label"                /* "benign"/"malignant"/... */
#define LP_META_SOURCE "source_file"
#define LP_META_SLICE "source_slice"
#define LP_META_KIND "kind" /* "volume" or "patch" */

#ifdef __cplusplus
}
#endif

#endif
