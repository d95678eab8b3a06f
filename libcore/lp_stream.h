/* lp_stream.h - reading and writing lungpipe streams (man/lungpipe-stream.5).
 *
 * A stream is a header (magic, version, provenance text) followed by
 * independent, CRC-checked frames and an end-of-stream marker.  Readers keep
 * one frame in memory at a time.
 */
#ifndef LP_STREAM_H
#define LP_STREAM_H

#include <stdio.h>
#include "lp_frame.h"

#define LP_STREAM_MAJOR 1
#define LP_STREAM_MINOR 0

typedef struct lp_reader lp_reader;
typedef struct lp_writer lp_writer;

/* Open a stream file, or stdin for "-".  Reads and checks the header. */
lp_reader *lp_reader_open(const char *path);
/* Open on an already open FILE (not closed by lp_reader_close). */
lp_reader *lp_reader_fopen(FILE *fp, const char *name);
/* Next frame into *f (which is freed first, then filled).
 * Returns 1 when a frame was read, 0 at a clean end of stream, -1 on error. */
int lp_reader_next(lp_reader *r, lp_frame *f);
/* Provenance text of the stream: lines "tool version: command line". */
const char *lp_reader_provenance(const lp_reader *r);
int lp_reader_version(const lp_reader *r, int *minor);
void lp_reader_close(lp_reader *r);

/* True if the first bytes of the file look like a lungpipe stream. */
int lp_is_stream_file(const char *path);

/* Open for writing: a file (written to a temporary name, renamed by
 * lp_writer_close) or stdout for "-".  Refuses to write to a terminal.
 * provenance: the input's provenance (may be NULL); the new line is built
 * from tool name/version and argv. */
lp_writer *lp_writer_open(const char *path, const char *provenance,
                          const char *tool, int argc, char **argv);
/* Fails (LP_EX_USAGE, with the reason) if path is "-" and stdout is a
 * terminal; tools call it before doing any work. */
int lp_output_check(const char *path);
int lp_writer_put(lp_writer *w, const lp_frame *f);
/* Write the end marker, flush, close (checked), rename into place. */
int lp_writer_close(lp_writer *w);
/* Abandon: close and remove the temporary file.  Safe on NULL. */
void lp_writer_abort(lp_writer *w);

/* Build a provenance line "tool version: arg0 arg1 ..." (malloc'd). */
char *lp_provenance_line(const char *tool, int argc, char **argv);

#endif
