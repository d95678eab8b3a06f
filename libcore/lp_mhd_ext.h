/* lp_mhd_ext.h - MetaImage extras: header-only inspection and the
 * MetaImage element-type names (see lp_mhd.h for reading and writing).
 *
 * Conventions of lungpipe's MetaImage reader (libcore/mhd.c):
 *  - NDims 2 or 3 (2D gives nz = 1); ElementNumberOfChannels 1 only.
 *  - TransformMatrix (or Orientation/Rotation) triple a is the direction of
 *    voxel axis a, as ITK's MetaImageIO reads it (lp_frame.h's dir[]).
 *  - Offset, Origin and Position are synonyms; ElementSize is used when
 *    ElementSpacing is absent; CenterOfRotation is ignored.
 *  - HeaderSize N skips N bytes at the start of the data file (for LOCAL,
 *    of the .mha itself); -1 means the data are the last bytes of the file.
 *  - The data file must hold exactly the bytes the header describes: a
 *    shorter file, and also a longer one, is an error (LP_EX_DATAERR),
 *    unless HeaderSize = -1 is given.  CompressedDataSize, when present,
 *    must match the compressed bytes available.
 *  - ElementDataFile = LIST or a file-name pattern is LP_EX_UNSUPPORTED.
 */
#ifndef LP_MHD_EXT_H
#define LP_MHD_EXT_H

#include "lp_frame.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LP_MHD_PATH_MAX 4096

/* What a MetaImage header says, without reading its data. */
typedef struct {
	int ndims;
	int64_t dim[3];
	double spacing[3];
	double origin[3];
	double dir[9];
	lp_dtype dtype;
	int msb;                 /* data are big-endian */
	int compressed;          /* CompressedData = True */
	int64_t compressed_size; /* CompressedDataSize, -1 if absent */
	int64_t header_size;     /* HeaderSize, 0 if absent, -1 = at end */
	int local;               /* ElementDataFile = LOCAL (.mha) */
	int64_t data_offset;     /* LOCAL: where the data start in the file */
	char anatomical[8];      /* AnatomicalOrientation, "" if absent */
	char datafile[LP_MHD_PATH_MAX]; /* resolved path of the data file */
} lp_mhd_info;

/* Parse and check a header (.mhd or .mha); reads no data.
 * Returns 0 or -1 (LP_EX_NOINPUT, LP_EX_DATAERR, LP_EX_UNSUPPORTED). */
int lp_mhd_read_info(const char *path, lp_mhd_info *info);

/* "MET_SHORT" for LP_I16 etc.; NULL for an unknown dtype. */
const char *lp_mhd_type_name(lp_dtype t);
/* LP_DT_NONE if the MetaImage element type is unknown/unsupported. */
lp_dtype lp_mhd_type_parse(const char *s);

/* True if path ends in .mhd or .mha (case-insensitive). */
int lp_mhd_has_ext(const char *path);

#ifdef __cplusplus
}
#endif

#endif
