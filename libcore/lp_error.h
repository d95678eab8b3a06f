/* lp_error.h - error reporting and the exit-code table.
 *
 * Library functions return 0 (or a valid pointer) on success and -1 (or
 * NULL) on failure, after setting a one-line message and an exit class with
 * lp_seterr().  Only tools print and exit (see lp_tool.h).
 *
 * Exit codes (documented in lungpipe(7) and every man page):
 *   0  LP_EX_OK        success
 *   1  LP_EX_FAIL      generic failure (e.g. a check found differences)
 *   64 LP_EX_USAGE     bad command-line usage, or a binary stream to a terminal
 *   65 LP_EX_DATAERR   malformed input data (bad magic, CRC, header, dims, ...)
 *   66 LP_EX_NOINPUT   an input file or folder cannot be opened / does not exist
 *   69 LP_EX_UNSUPPORTED input is valid but not supported (e.g. MR series,
 *                      unknown major stream version, unsupported dtype)
 *   70 LP_EX_SOFTWARE  internal error (a bug)
 *   71 LP_EX_OSERR     out of memory or other system error
 *   73 LP_EX_CANTCREAT an output file cannot be created
 *   74 LP_EX_IOERR     read or write error (disk full, closed pipe, ...)
 */
#ifndef LP_ERROR_H
#define LP_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
	LP_EX_OK = 0,
	LP_EX_FAIL = 1,
	LP_EX_USAGE = 64,
	LP_EX_DATAERR = 65,
	LP_EX_NOINPUT = 66,
	LP_EX_UNSUPPORTED = 69,
	LP_EX_SOFTWARE = 70,
	LP_EX_OSERR = 71,
	LP_EX_CANTCREAT = 73,
	LP_EX_IOERR = 74
};

#if defined(__GNUC__)
#define LP_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define LP_PRINTF(a, b)
#endif

/* Set the thread's error: an exit class (LP_EX_*) and a one-line message.
 * Always returns -1 so that `return lp_seterr(...)` reads naturally. */
int lp_seterr(int code, const char *fmt, ...) LP_PRINTF(2, 3);
/* Prefix the current message with "prefix: " (e.g. a file name). */
void lp_err_prefix(const char *fmt, ...) LP_PRINTF(1, 2);
const char *lp_errmsg(void);
int lp_errcode(void);
void lp_errclear(void);

/* Checked allocation helpers: on failure set LP_EX_OSERR and return NULL. */
void *lp_malloc(size_t n);
void *lp_calloc(size_t n, size_t size);
void *lp_realloc(void *p, size_t n);
char *lp_strdup(const char *s);
/* The same for large buffers about to be filled: the memory is faulted in
 * at once (much cheaper than page by page).  Free with free(). */
void *lp_malloc_big(size_t n);
void *lp_calloc_big(size_t n, size_t size);
/* a*b with overflow check; returns 0 and sets *out, or -1 with an error. */
int lp_mul_size(size_t a, size_t b, size_t *out);

#ifdef __cplusplus
}
#endif

#endif
