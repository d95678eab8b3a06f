/* lp_ofile.h - output files that appear complete or not at all.
 *
 * A regular file is written under a temporary name in its folder and
 * renamed into place by lp_ofile_commit(); lp_ofile_abort() removes the
 * temporary.  "-" is standard output.  An existing device or FIFO (for
 * example /dev/null) is written in place and never replaced. */
#ifndef LP_OFILE_H
#define LP_OFILE_H

#include <stdio.h>

typedef struct lp_ofile {
	FILE *fp;
	char *path; /* the final name ("<stdout>" for "-") */
	char *tmp;  /* the temporary name, or NULL when written in place */
	int is_stdout;
} lp_ofile;

lp_ofile *lp_ofile_open(const char *path);
/* Flush and close (checked), keeping the temporary name; for outputs of
 * several files that are renamed only when all are complete.  0 or -1. */
int lp_ofile_close(lp_ofile *o);
/* Close if still open, then rename into place; frees o.  0 or -1 (the
 * temporary is removed on failure). */
int lp_ofile_commit(lp_ofile *o);
/* Close and remove the temporary; frees o.  Safe on NULL. */
void lp_ofile_abort(lp_ofile *o);

#endif
