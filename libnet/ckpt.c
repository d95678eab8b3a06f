/* ckpt.c - checkpoint files: parameters (and optimizer state) with the
 * architecture string and a CRC-32; see ln.h for the layout.  Saving
 * writes a temporary file and renames it; loading parses and checks the
 * whole file into temporaries before it changes anything. */
#include "ln.h"
#include "lp_error.h"
#include "lp_ofile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define MAGIC "LNCKPT\r\n"
#define VERSION 1u

typedef struct {
	unsigned char *p;
	size_t len, cap;
	int err;
} wbuf;

static void put(wbuf *b, const void *src, size_t n)
{
	if (b->err)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n)
			cap *= 2;
		unsigned char *q = lp_realloc(b->p, cap);
		if (!q) {
			b->err = 1;
			return;
		}
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, src, n);
	b->len += n;
}

static void put_u32(wbuf *b, uint32_t v)
{
	put(b, &v, 4); /* x86-64: little-endian */
}

static void put_str(wbuf *b, const char *s)
{
	put_u32(b, (uint32_t)strlen(s));
	put(b, s, strlen(s));
}

static void put_optim(wbuf *b, const ln_params *P, const ln_optim *o)
{
	put_u32(b, o != NULL);
	if (!o)
		return;
	int64_t step = o->step;
	float hp[4] = {o->lr, o->b1, o->b2, o->eps};
	put_u32(b, (uint32_t)o->kind);
	put(b, &step, 8);
	put(b, hp, sizeof hp);
	put_u32(b, o->state ? (uint32_t)o->nstate : 0);
	for (int i = 0; o->state && i < o->nstate; i++)
		if (P->t[i]->trainable)
			for (int k = 0; k < 2; k++)
				put(b, o->state[2 * i + k],
				    ln_numel(P->t[i]) * sizeof(float));
}

static int write_file(const char *path, const wbuf *b)
{
	lp_ofile *o = lp_ofile_open(path);
	if (!o)
		return -1;
	if (fwrite(b->p, 1, b->len, o->fp) != b->len) {
		lp_ofile_abort(o);
		return lp_seterr(LP_EX_IOERR, "%s: write failed: %s", path,
		                 strerror(errno));
	}
	return lp_ofile_commit(o);
}

int ln_ckpt_save(const char *path, const char *arch, const ln_params *P,
                 const ln_optim *o)
{
	wbuf b = {0};
	put(&b, MAGIC, 8);
	put_u32(&b, VERSION);
	put_str(&b, arch ? arch : "");
	put_u32(&b, (uint32_t)P->n);
	for (int i = 0; i < P->n; i++) {
		const ln_tensor *t = P->t[i];
		int32_t dims[4] = {t->n, t->c, t->h, t->w};
		put_str(&b, t->name);
		put_u32(&b, 4);
		put(&b, dims, sizeof dims);
		put(&b, t->data, ln_numel(t) * sizeof(float));
	}
	put_optim(&b, P, o);
	uint32_t crc = (uint32_t)crc32(0L, b.p, (uInt)b.len);
	put_u32(&b, crc);
	int rc = b.err ? -1 : write_file(path, &b);
	free(b.p);
	return rc;
}
