/* ofile.c - output files written under a temporary name, then renamed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lp_error.h"
#include "lp_ofile.h"

static int open_tmp(lp_ofile *o, const char *path)
{
	size_t n = strlen(path) + 16;
	if (!(o->tmp = lp_malloc(n)))
		return -1;
	snprintf(o->tmp, n, "%s.tmpXXXXXX", path);
	int fd = mkstemp(o->tmp);
	if (fd >= 0) {
		/* mkstemp makes 0600; an output file gets the usual mode */
		mode_t mask = umask(0);
		umask(mask);
		(void)fchmod(fd, 0666 & ~mask);
	}
	if (fd >= 0 && (o->fp = fdopen(fd, "wb")))
		return 0;
	int e = errno;
	if (fd >= 0) {
		close(fd);
		unlink(o->tmp);
	}
	free(o->tmp);
	o->tmp = NULL;
	return lp_seterr(LP_EX_CANTCREAT, "%s: cannot create: %s", path,
	                 strerror(e));
}

lp_ofile *lp_ofile_open(const char *path)
{
	lp_ofile *o = lp_calloc(1, sizeof *o);
	if (!o)
		return NULL;
	o->is_stdout = !strcmp(path, "-");
	o->path = lp_strdup(o->is_stdout ? "<stdout>" : path);
	if (!o->path)
		goto fail;
	if (o->is_stdout) {
		o->fp = stdout;
		return o;
	}
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode)) {
			lp_seterr(LP_EX_CANTCREAT, "%s: is a folder", path);
			goto fail;
		}
		if (!(o->fp = fopen(path, "wb"))) {
			lp_seterr(LP_EX_CANTCREAT, "%s: cannot open: %s", path,
			          strerror(errno));
			goto fail;
		}
		return o;
	}
	if (open_tmp(o, path) == 0)
		return o;
fail:
	free(o->path);
	free(o);
	return NULL;
}

int lp_ofile_close(lp_ofile *o)
{
	if (!o->fp)
		return 0;
	int rc = 0;
	if (fflush(o->fp) != 0 || ferror(o->fp))
		rc = lp_seterr(LP_EX_IOERR, "%s: write error: %s", o->path,
		               strerror(errno));
	if (!o->is_stdout) {
		if (fclose(o->fp) != 0 && rc == 0)
			rc = lp_seterr(LP_EX_IOERR, "%s: write error: %s", o->path,
			               strerror(errno));
		o->fp = NULL;
	}
	return rc;
}

int lp_ofile_commit(lp_ofile *o)
{
	int rc = lp_ofile_close(o);
	if (rc == 0 && o->tmp && rename(o->tmp, o->path) != 0)
		rc = lp_seterr(LP_EX_CANTCREAT, "%s: cannot rename from %s: %s",
		               o->path, o->tmp, strerror(errno));
	if (rc < 0 && o->tmp)
		unlink(o->tmp);
	free(o->tmp);
	free(o->path);
	free(o);
	return rc;
}

void lp_ofile_abort(lp_ofile *o)
{
	if (!o)
		return;
	if (o->is_stdout)
		fflush(o->fp);
	else if (o->fp)
		fclose(o->fp);
	o->fp = NULL;
	if (o->tmp)
		unlink(o->tmp);
	free(o->tmp);
	free(o->path);
	free(o);
}
