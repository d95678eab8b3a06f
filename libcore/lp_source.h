/* lp_source.h - one input, whatever it is: a lungpipe stream ("-" or a
 * file), a MetaImage file (.mhd/.mha), or a DICOM folder.  Yields frames. */
#ifndef LP_SOURCE_H
#define LP_SOURCE_H

#include "lp_frame.h"

typedef enum { LP_SRC_STREAM, LP_SRC_MHD, LP_SRC_DICOM } lp_source_kind;

typedef struct lp_source lp_source;

typedef struct {
	const char *series_uid; /* DICOM: pick this series (NULL = largest CT) */
} lp_source_opts;

lp_source *lp_source_open(const char *path, const lp_source_opts *o);
/* 1 frame, 0 end, -1 error (message names the file). */
int lp_source_next(lp_source *s, lp_frame *f);
/* Provenance of the input (stream's, or NULL for files). */
const char *lp_source_provenance(const lp_source *s);
lp_source_kind lp_source_kind_of(const lp_source *s);
void lp_source_close(lp_source *s);

#endif
