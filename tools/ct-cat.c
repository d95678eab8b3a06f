/* ct-cat - concatenate inputs (streams, MetaImage files, DICOM folders)
 * into one lungpipe stream. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_source.h"
#include "lp_stream.h"
#include "lp_filter.h"

static const char *out = "-";
static const char *series;
static long first = 1, count = -1;

static const lp_opt opts[] = {
	LP_OPT_OUTPUT(&out),
	LP_OPT_SERIES(&series),
	{0, "first", LP_OPT_INT, "N", &first, 1, 1e15, 0, NULL,
	 "Skip frames before the N-th (counted over all inputs, from 1)."},
	{'n', "count", LP_OPT_INT, "N", &count, 0, 1e15, 0, NULL,
	 "Copy at most N frames (default: all)."},
	{0, NULL, LP_OPT_FLAG, NULL, NULL, 0, 0, 0, NULL, NULL},
};

static const lp_tool tool = {
	"ct-cat", "concatenate volumes and streams into one lungpipe stream",
	"[-o FILE] [--series UID] [--first N] [-n N] [INPUT...]",
	"Reads each INPUT in turn (a lungpipe stream, '-' for standard input, "
	"a .mhd/.mha MetaImage file or a DICOM folder) and writes every frame "
	"to one stream. Without INPUT it reads standard input. Frames pass "
	"through unchanged, one at a time, so memory is bounded by the largest "
	"frame. The output's provenance is that of the first stream input "
	"followed by this command line.",
	opts,
	"ct-cat scan.mhd | ct-info -\n"
	"ct-cat a.lps b.lps -o both.lps\n"
	"ct-cat --first 3 -n 1 patches.lps > third.lps",
	"ct-info(1), lungpipe-stream(5), lungpipe(7)",
	0, -1,
};

static int copy_input(const char *path, lp_writer **w, long *seen)
{
	lp_source_opts so = {series};
	lp_source *s = lp_source_open(path, &so);
	if (!s)
		return -1;
	if (!*w) {
		*w = lp_writer_open(out, lp_source_provenance(s), tool.name,
		                    lp_saved_argc(), lp_saved_argv());
		if (!*w) {
			lp_source_close(s);
			return -1;
		}
	}
	lp_frame f;
	lp_frame_init(&f);
	int rc;
	while ((rc = lp_source_next(s, &f)) == 1) {
		++*seen;
		if (*seen < first || (count >= 0 && *seen >= first + count))
			continue;
		if (lp_writer_put(*w, &f) < 0) {
			rc = -1;
			break;
		}
	}
	lp_frame_free(&f);
	lp_source_close(s);
	return rc;
}

int main(int argc, char **argv)
{
	int i = lp_parse_args(&tool, argc, argv);
	char *dflt[] = {"-"};
	char **in = i < argc ? argv + i : dflt;
	int nin = i < argc ? argc - i : 1;
	lp_writer *w = NULL;
	long seen = 0;
	if (lp_output_check(out) < 0)
		lp_die_err();
	for (int k = 0; k < nin; k++) {
		if (copy_input(in[k], &w, &seen) < 0) {
			lp_writer_abort(w);
			lp_die_err();
		}
	}
	if (lp_writer_close(w) < 0)
		lp_die_err();
	lp_close_stdout();
	return 0;
}
