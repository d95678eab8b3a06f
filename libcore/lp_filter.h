/* lp_filter.h - the frame loop that every stream filter shares: read the
 * input frame by frame (stream, MetaImage or DICOM folder), let the tool
 * work on each frame, write the result as a stream carrying the input's
 * provenance with the tool's command line appended.  Memory is bounded by
 * one frame; an error leaves no partial output file. */
#ifndef LP_FILTER_H
#define LP_FILTER_H

#include "lp_stream.h"
#include "lp_tool.h"

typedef struct lp_filter lp_filter;

struct lp_filter {
	const char *in;     /* input path, "-" = stdin */
	const char *out;    /* output path, "-" = stdout */
	const char *series; /* DICOM series UID, NULL = CT series with most slices */
	int quiet;          /* do not print the DICOM reader's warnings */
	/* Called for every input frame: return 0 to have the (possibly
	 * changed) frame written, 1 when it wrote its output itself through w
	 * (or drops the frame), -1 on error (lp_seterr). */
	int (*frame)(lp_filter *flt, lp_frame *f, lp_writer *w);
	/* Optional: after the last frame, before the stream is closed;
	 * -1 abandons the output. */
	int (*done)(lp_filter *flt, lp_writer *w);
	void *ctx;          /* the tool's own state */
	long nframe;        /* set by the loop: number of the current frame */
};

/* Errors of the callbacks are prefixed with "INPUT: frame N". */
int lp_filter_run(lp_filter *flt);

/* Print the warnings a reader left in metadata "warnings" ("; "-separated,
 * e.g. the DICOM reader's uneven spacing) on stderr.  The loop does this
 * for DICOM input unless quiet. */
void lp_filter_warnings(const lp_frame *f);

/* Option declarations that several tools share. */
#define LP_OPT_OUTPUT(dest)                                                   \
	{'o', "output", LP_OPT_STRING, "FILE", dest, 0, 0, 0, NULL,           \
	 "Write the stream to FILE (written under a temporary name, renamed " \
	 "when complete); '-' (the default) is standard output."}
#define LP_OPT_SERIES(dest)                                                   \
	{0, "series", LP_OPT_STRING, "UID", dest, 0, 0, 0, NULL,              \
	 "For a DICOM folder: read the series with this SeriesInstanceUID "   \
	 "(default: the CT series with the most slices)."}

#endif
