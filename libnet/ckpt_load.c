/* ckpt_load.c - loading a checkpoint (format in ln.h).  The file is read
 * whole, its CRC, magic, version, architecture, names and shapes are
 * checked, the optimizer state is copied into new buffers, and only then
 * are the parameters and the optimizer changed. */
#include "ln.h"
#include "lp_error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define MAGIC "LNCKPT\r\n"

typedef struct {
	const unsigned char *p;
	size_t left;
	const char *path;
} rd;

static int take(rd *r, void *dst, size_t n)
{
	if (r->left < n)
		return lp_seterr(LP_EX_DATAERR, "%s: checkpoint truncated",
		                 r->path);
	if (dst)
		memcpy(dst, r->p, n);
	r->p += n;
	r->left -= n;
	return 0;
}

static int take_u32(rd *r, uint32_t *v)
{
	return take(r, v, 4);
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		lp_seterr(LP_EX_NOINPUT, "%s: cannot open: %s", path,
		          strerror(errno));
		return NULL;
	}
	size_t cap = 1 << 16, n = 0;
	unsigned char *buf = lp_malloc(cap), *q;
	while (buf) {
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
		cap *= 2;
		if (!(q = lp_realloc(buf, cap))) {
			free(buf);
			buf = NULL;
		} else
			buf = q;
	}
	if (buf && ferror(f)) {
		lp_seterr(LP_EX_IOERR, "%s: read error", path);
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

static int check_header(rd *r, const char *arch)
{
	char magic[8];
	uint32_t ver = 0, alen = 0;
	if (take(r, magic, 8) || memcmp(magic, MAGIC, 8))
		return lp_seterr(LP_EX_DATAERR, "%s: not a libnet checkpoint "
		                 "(bad magic)", r->path);
	if (take_u32(r, &ver))
		return -1;
	if (ver != 1)
		return lp_seterr(LP_EX_UNSUPPORTED, "%s: checkpoint version %u "
		                 "not supported (1)", r->path, ver);
	if (take_u32(r, &alen) || r->left < alen)
		return lp_seterr(LP_EX_DATAERR, "%s: checkpoint truncated",
		                 r->path);
	if (arch && (strlen(arch) != alen || memcmp(r->p, arch, alen)))
		return lp_seterr(LP_EX_DATAERR, "%s: architecture \"%.*s\" does "
		                 "not match \"%s\"", r->path, (int)(alen > 200 ? 200 : alen),
		                 (const char *)r->p, arch);
	return take(r, NULL, alen);
}

/* Check every tensor record against P; data[i] points into the file. */
static int check_tensors(rd *r, const ln_params *P, const float **data)
{
	uint32_t count = 0, nlen = 0, nd = 0;
	if (take_u32(r, &count))
		return -1;
	if ((int)count != P->n)
		return lp_seterr(LP_EX_DATAERR, "%s: %u tensors, the model has %d",
		                 r->path, count, P->n);
	for (int i = 0; i < P->n; i++) {
		const ln_tensor *t = P->t[i];
		int32_t d[4] = {0, 0, 0, 0};
		if (take_u32(r, &nlen) || r->left < nlen)
			return lp_seterr(LP_EX_DATAERR, "%s: checkpoint truncated",
			                 r->path);
		if (nlen != strlen(t->name) || memcmp(r->p, t->name, nlen))
			return lp_seterr(LP_EX_DATAERR, "%s: tensor %d is \"%.*s\", "
			                 "expected \"%s\"", r->path, i,
			                 (int)(nlen > 200 ? 200 : nlen),
			                 (const char *)r->p, t->name);
		if (take(r, NULL, nlen) || take_u32(r, &nd) ||
		    (nd == 4 && take(r, d, sizeof d)))
			return -1;
		if (nd != 4 || d[0] != t->n || d[1] != t->c || d[2] != t->h ||
		    d[3] != t->w)
			return lp_seterr(LP_EX_DATAERR, "%s: %s has shape "
			                 "%dx%dx%dx%d in the file, %dx%dx%dx%d in "
			                 "the model", r->path, t->name, nd == 4 ? d[0] : -1,
			                 nd == 4 ? d[1] : -1, nd == 4 ? d[2] : -1,
			                 nd == 4 ? d[3] : -1, t->n, t->c, t->h, t->w);
		data[i] = (const float *)r->p;
		if (take(r, NULL, ln_numel(t) * sizeof(float)))
			return -1;
	}
	return 0;
}

typedef struct {
	int present;
	uint32_t kind, nstate;
	int64_t step;
	float hp[4];
	float **state;
} ostate;

static int read_optim(rd *r, const ln_params *P, const ln_optim *o,
                      ostate *s)
{
	uint32_t has = 0;
	if (take_u32(r, &has))
		return -1;
	if (!has)
		return 0;
	if (take_u32(r, &s->kind) || take(r, &s->step, 8) ||
	    take(r, s->hp, sizeof s->hp) || take_u32(r, &s->nstate))
		return -1;
	if (s->nstate != 0 && (int)s->nstate != P->n)
		return lp_seterr(LP_EX_DATAERR, "%s: optimizer state for %u "
		                 "tensors, the model has %d", r->path, s->nstate,
		                 P->n);
	if (o && s->kind != (uint32_t)o->kind)
		return lp_seterr(LP_EX_DATAERR, "%s: optimizer state is %s, not "
		                 "%s", r->path, ln_optim_name((ln_optim_kind)s->kind),
		                 ln_optim_name(o->kind));
	s->present = 1;
	if (s->nstate && o &&
	    !(s->state = lp_calloc(2 * (size_t)s->nstate, sizeof(float *))))
		return -1;
	for (int i = 0; i < (int)s->nstate; i++) {
		if (!P->t[i]->trainable)
			continue;
		size_t bytes = ln_numel(P->t[i]) * sizeof(float);
		for (int k = 0; k < 2; k++) {
			if (s->state && !(s->state[2 * i + k] = lp_malloc(bytes)))
				return -1;
			if (take(r, s->state ? s->state[2 * i + k] : NULL, bytes))
				return -1;
		}
	}
	return 0;
}

static void free_ostate(ostate *s)
{
	if (!s->state)
		return;
	for (uint32_t i = 0; i < 2 * s->nstate; i++)
		free(s->state[i]);
	free(s->state);
	s->state = NULL;
}

static void commit(ln_params *P, const float **data, ln_optim *o, ostate *s)
{
	for (int i = 0; i < P->n; i++)
		memcpy(P->t[i]->data, data[i], ln_numel(P->t[i]) * sizeof(float));
	if (!o || !s->present)
		return;
	for (int i = 0; o->state && i < 2 * o->nstate; i++)
		free(o->state[i]);
	free(o->state);
	o->state = s->state;
	o->nstate = (int)s->nstate;
	s->state = NULL;
	o->step = s->step;
	o->lr = s->hp[0], o->b1 = s->hp[1], o->b2 = s->hp[2], o->eps = s->hp[3];
}

int ln_ckpt_load(const char *path, const char *arch, ln_params *P,
                 ln_optim *o)
{
	size_t len;
	unsigned char *buf = slurp(path, &len);
	if (!buf)
		return -1;
	const float **data = lp_calloc((size_t)(P->n ? P->n : 1), sizeof *data);
	ostate s = {0};
	rd r = {buf, len >= 4 ? len - 4 : 0, path};
	uint32_t crc;
	int rc = -1;
	if (!data)
		goto out;
	if (len < 4 + 8) {
		lp_seterr(LP_EX_DATAERR, "%s: checkpoint truncated", path);
		goto out;
	}
	memcpy(&crc, buf + len - 4, 4);
	if (crc != (uint32_t)crc32(0L, buf, (uInt)(len - 4))) {
		lp_seterr(LP_EX_DATAERR, "%s: checkpoint CRC mismatch (corrupt "
		          "or truncated)", path);
		goto out;
	}
	if (check_header(&r, arch) || check_tensors(&r, P, data) ||
	    read_optim(&r, P, o, &s))
		goto out;
	if (r.left) {
		lp_seterr(LP_EX_DATAERR, "%s: %zu stray bytes after the data",
		          path, r.left);
		goto out;
	}
	commit(P, data, o, &s);
	rc = 0;
out:
	free_ostate(&s);
	free(data);
	free(buf);
	return rc;
}
