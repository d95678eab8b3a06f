/* source.c - any input as a sequence of frames. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lp_dicom.h"
#include "lp_mhd.h"
#include "lp_source.h"
#include "lp_stream.h"

struct lp_source {
	lp_source_kind kind;
	lp_reader *rd;
	char *path;
	char *series;
	int done;
};

static int has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && !strcasecmp(s + n - m, suf);
}

lp_source *lp_source_open(const char *path, const lp_source_opts *o)
{
	lp_source *s = lp_calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->path = lp_strdup(path);
	if (o && o->series_uid)
		s->series = lp_strdup(o->series_uid);
	if (!s->path || (o && o->series_uid && !s->series))
		goto fail;
	struct stat st;
	if (strcmp(path, "-") && stat(path, &st) != 0) {
		lp_seterr(LP_EX_NOINPUT, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!strcmp(path, "-") || (S_ISREG(st.st_mode) && lp_is_stream_file(path))) {
		s->kind = LP_SRC_STREAM;
		if (!(s->rd = lp_reader_open(path)))
			goto fail;
	} else if (S_ISDIR(st.st_mode)) {
		s->kind = LP_SRC_DICOM;
	} else if (has_suffix(path, ".mhd") || has_suffix(path, ".mha")) {
		s->kind = LP_SRC_MHD;
	} else {
		lp_seterr(LP_EX_DATAERR, "%s: unknown input format (expected a "
		          "lungpipe stream, .mhd/.mha or a DICOM folder)", path);
		goto fail;
	}
	return s;
fail:
	lp_source_close(s);
	return NULL;
}

int lp_source_next(lp_source *s, lp_frame *f)
{
	if (s->kind == LP_SRC_STREAM)
		return lp_reader_next(s->rd, f);
	lp_frame_free(f);
	if (s->done)
		return 0;
	s->done = 1;
	int rc = s->kind == LP_SRC_MHD ? lp_mhd_read(s->path, LP_CH_IMAGE, f)
	                               : lp_dicom_read(s->path, s->series, f);
	if (rc < 0) {
		lp_frame_free(f);
		return -1;
	}
	return 1;
}

const char *lp_source_provenance(const lp_source *s)
{
	return s->kind == LP_SRC_STREAM ? lp_reader_provenance(s->rd) : NULL;
}

lp_source_kind lp_source_kind_of(const lp_source *s)
{
	return s->kind;
}

void lp_source_close(lp_source *s)
{
	if (!s)
		return;
	lp_reader_close(s->rd);
	free(s->path);
	free(s->series);
	free(s);
}
