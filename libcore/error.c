/* error.c - per-thread error message and exit class; checked allocation. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/mman.h>
#include <unistd.h>

#include "lp_error.h"

#define LP_ERRMAX 1024

static _Thread_local char errbuf[LP_ERRMAX];
static _Thread_local int errcode;

int lp_seterr(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof errbuf, fmt, ap);
	va_end(ap);
	/* one line: newlines would break the one-line-error promise */
	for (char *p = errbuf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	errcode = code;
	return -1;
}

void lp_err_prefix(const char *fmt, ...)
{
	char pre[LP_ERRMAX], old[LP_ERRMAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof pre, fmt, ap);
	va_end(ap);
	memcpy(old, errbuf, sizeof old);
	size_t n = strlen(pre);
	if (n > LP_ERRMAX - 3)
		n = LP_ERRMAX - 3;
	memcpy(errbuf, pre, n);
	memcpy(errbuf + n, ": ", 2);
	size_t m = strlen(old);
	if (m > LP_ERRMAX - n - 3)
		m = LP_ERRMAX - n - 3;
	memcpy(errbuf + n + 2, old, m);
	errbuf[n + 2 + m] = 0;
}

const char *lp_errmsg(void)
{
	return errbuf[0] ? errbuf : "unknown error";
}

int lp_errcode(void)
{
	return errcode ? errcode : LP_EX_FAIL;
}

void lp_errclear(void)
{
	errbuf[0] = 0;
	errcode = 0;
}

void *lp_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		lp_seterr(LP_EX_OSERR, "out of memory (%zu bytes)", n);
	return p;
}

void *lp_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		lp_seterr(LP_EX_OSERR, "out of memory (%zu x %zu bytes)", n, size);
	return p;
}

void *lp_realloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		lp_seterr(LP_EX_OSERR, "out of memory (%zu bytes)", n);
	return q;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define BIG ((size_t)4 << 20)
#define HUGE_PAGE ((size_t)2 << 20)

/* Page faults are costly (especially in virtual machines): a large buffer
 * that is about to be filled is aligned to huge pages, asked to use them,
 * and faulted in with one madvise call (4x faster than MADV_POPULATE_WRITE
 * on small pages here, 30x faster than faulting page by page).  The hints
 * failing (older kernels, THP off) is harmless. */
static void prefault(void *p, size_t n)
{
	uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t a = ((uintptr_t)p + pg - 1) & ~(pg - 1);
	uintptr_t e = ((uintptr_t)p + n) & ~(pg - 1);
	if (e <= a)
		return;
	(void)madvise((void *)a, e - a, MADV_HUGEPAGE);
	(void)madvise((void *)a, e - a, MADV_POPULATE_WRITE);
}

void *lp_malloc_big(size_t n)
{
	if (n < BIG)
		return lp_malloc(n);
	void *p = NULL;
	if (posix_memalign(&p, HUGE_PAGE, n) != 0) {
		lp_seterr(LP_EX_OSERR, "out of memory (%zu bytes)", n);
		return NULL;
	}
	prefault(p, n);
	return p;
}

void *lp_calloc_big(size_t n, size_t size)
{
	size_t total = 0;
	if (lp_mul_size(n, size, &total) < 0)
		return NULL;
	if (total < BIG)
		return lp_calloc(n, size);
	void *p = lp_malloc_big(total);
	if (p)
		memset(p, 0, total);
	return p;
}

char *lp_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = lp_malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

int lp_mul_size(size_t a, size_t b, size_t *out)
{
	if (a && b > SIZE_MAX / a)
		return lp_seterr(LP_EX_DATAERR, "size overflow (%zu x %zu)", a, b);
	*out = a * b;
	return 0;
}
