/* lp_mhd.h - MetaImage (.mhd + .raw/.zraw, or .mha) reading and writing. */
#ifndef LP_MHD_H
#define LP_MHD_H

#include "lp_frame.h"

/* Read a MetaImage file into a fresh frame with one channel named
 * `chname` (usually "image"; units "HU" for integer CT data unless the
 * header says otherwise).  The frame's geometry comes from Offset/Origin/
 * Position, ElementSpacing and TransformMatrix/Orientation/Rotation.
 * Sets metadata source_file. Returns 0 or -1 (LP_EX_NOINPUT, LP_EX_DATAERR,
 * LP_EX_UNSUPPORTED). */
int lp_mhd_read(const char *path, const char *chname, lp_frame *f);

/* Write one channel of a frame as MetaImage.  path ends in .mhd (header +
 * .raw, or .zraw when compress) or .mha (one file).  Files are written to
 * temporary names and renamed.  Returns 0 or -1. */
int lp_mhd_write(const char *path, const lp_frame *f, const char *chname,
                 int compress);

#endif
