/* filter.c - the shared frame loop of stream filters. */
#include <stdlib.h>
#include <string.h>

#include "lp_filter.h"
#include "lp_source.h"

/* The DICOM reader leaves its warnings in metadata "warnings", separated
 * by "; "; a filter reading DICOM shows them once. */
void lp_filter_warnings(const lp_frame *f)
{
	const char *w = lp_meta_get(f, "warnings");
	char *s = w ? lp_strdup(w) : NULL;
	for (char *p = s, *q; p; p = q) {
		if ((q = strstr(p, "; "))) {
			*q = 0;
			q += 2;
		}
		lp_warn("%s", p);
	}
	free(s);
}

static int loop(lp_filter *flt, lp_source *s, lp_writer *w, const char *in)
{
	lp_frame f;
	lp_frame_init(&f);
	int rc;
	flt->nframe = 0;
	while ((rc = lp_source_next(s, &f)) == 1) {
		flt->nframe++;
		if (!flt->quiet && lp_source_kind_of(s) == LP_SRC_DICOM)
			lp_filter_warnings(&f);
		int r = flt->frame(flt, &f, w);
		if (r < 0) {
			lp_err_prefix("%s: frame %ld", in, flt->nframe);
			rc = -1;
			break;
		}
		if (r == 0 && lp_writer_put(w, &f) < 0) {
			rc = -1;
			break;
		}
	}
	lp_frame_free(&f);
	if (rc == 0 && flt->done && flt->done(flt, w) < 0)
		rc = -1;
	return rc;
}

int lp_filter_run(lp_filter *flt)
{
	if (lp_output_check(flt->out) < 0)
		return -1;
	lp_source_opts so = {flt->series};
	lp_source *s = lp_source_open(flt->in, &so);
	if (!s)
		return -1;
	lp_writer *w = lp_writer_open(flt->out, lp_source_provenance(s),
	                              lp_progname(), lp_saved_argc(),
	                              lp_saved_argv());
	const char *in = strcmp(flt->in, "-") ? flt->in : "<stdin>";
	int rc = w ? loop(flt, s, w, in) : -1;
	lp_source_close(s);
	if (!w)
		return -1;
	if (rc < 0) {
		lp_writer_abort(w);
		return -1;
	}
	return lp_writer_close(w);
}
