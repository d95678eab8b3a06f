/* frame.c - frames: channels, metadata, geometry. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_frame.h"

static const struct {
	lp_dtype t;
	const char *name;
	size_t size;
} dtypes[] = {
	{LP_U8, "u8", 1},   {LP_I8, "i8", 1},   {LP_U16, "u16", 2},
	{LP_I16, "i16", 2}, {LP_U32, "u32", 4}, {LP_I32, "i32", 4},
	{LP_F32, "f32", 4}, {LP_F64, "f64", 8},
};
#define NDTYPES (sizeof dtypes / sizeof dtypes[0])

size_t lp_dtype_size(lp_dtype t)
{
	for (size_t i = 0; i < NDTYPES; i++)
		if (dtypes[i].t == t)
			return dtypes[i].size;
	return 0;
}

const char *lp_dtype_name(lp_dtype t)
{
	for (size_t i = 0; i < NDTYPES; i++)
		if (dtypes[i].t == t)
			return dtypes[i].name;
	return "unknown";
}

lp_dtype lp_dtype_parse(const char *s)
{
	for (size_t i = 0; i < NDTYPES; i++)
		if (!strcmp(dtypes[i].name, s))
			return dtypes[i].t;
	return LP_DT_NONE;
}

void lp_frame_init(lp_frame *f)
{
	memset(f, 0, sizeof *f);
	for (int a = 0; a < 3; a++) {
		f->dim[a] = 1;
		f->spacing[a] = 1.0;
		f->dir[4 * a] = 1.0;
	}
}

int lp_dims_check(int64_t nx, int64_t ny, int64_t nz)
{
	if (nx < 1 || ny < 1 || nz < 1)
		return lp_seterr(LP_EX_DATAERR,
		                 "invalid dimensions %lld x %lld x %lld",
		                 (long long)nx, (long long)ny, (long long)nz);
	if (nx > LP_MAX_VOXELS || ny > LP_MAX_VOXELS / nx ||
	    nz > LP_MAX_VOXELS / (nx * ny))
		return lp_seterr(LP_EX_DATAERR,
		                 "dimensions %lld x %lld x %lld exceed the limit "
		                 "of 2^31 voxels",
		                 (long long)nx, (long long)ny, (long long)nz);
	return 0;
}

int lp_frame_set_dims(lp_frame *f, int64_t nx, int64_t ny, int64_t nz)
{
	if (lp_dims_check(nx, ny, nz) < 0)
		return -1;
	if (f->nch > 0 && (nx != f->dim[0] || ny != f->dim[1] || nz != f->dim[2]))
		return lp_seterr(LP_EX_SOFTWARE,
		                 "cannot change dimensions of a frame with channels");
	f->dim[0] = nx;
	f->dim[1] = ny;
	f->dim[2] = nz;
	return 0;
}

int64_t lp_frame_nvox(const lp_frame *f)
{
	return f->dim[0] * f->dim[1] * f->dim[2];
}

void lp_frame_free(lp_frame *f)
{
	for (int i = 0; i < f->nch; i++)
		free(f->ch[i].data);
	free(f->ch);
	for (int i = 0; i < f->nmeta; i++) {
		free(f->meta[i].key);
		free(f->meta[i].value);
	}
	free(f->meta);
	lp_frame_init(f);
}

size_t lp_channel_bytes(const lp_frame *f, const lp_channel *c)
{
	return (size_t)lp_frame_nvox(f) * lp_dtype_size(c->dtype);
}

static int check_name(const char *what, const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > LP_NAME_MAX)
		return lp_seterr(LP_EX_DATAERR, "%s name '%.70s' is empty or "
		                 "longer than %d bytes", what, s, LP_NAME_MAX);
	return 0;
}

lp_channel *lp_frame_adopt_channel(lp_frame *f, const char *name, lp_dtype dt,
                                   const char *units, void *data)
{
	if (check_name("channel", name) < 0)
		return NULL;
	if (strlen(units ? units : "") > LP_NAME_MAX) {
		lp_seterr(LP_EX_DATAERR, "channel units too long");
		return NULL;
	}
	if (!lp_dtype_size(dt)) {
		lp_seterr(LP_EX_UNSUPPORTED, "channel '%s': unknown dtype %d",
		          name, (int)dt);
		return NULL;
	}
	if (lp_frame_channel(f, name)) {
		lp_seterr(LP_EX_DATAERR, "channel '%s' exists already", name);
		return NULL;
	}
	if (f->nch >= LP_MAX_CHANNELS) {
		lp_seterr(LP_EX_DATAERR, "too many channels (max %d)",
		          LP_MAX_CHANNELS);
		return NULL;
	}
	/* room for all channels at once: pointers returned stay valid while
	 * channels are added */
	if (!f->ch && !(f->ch = lp_calloc(LP_MAX_CHANNELS, sizeof *f->ch)))
		return NULL;
	lp_channel *c = &f->ch[f->nch++];
	memset(c, 0, sizeof *c);
	snprintf(c->name, sizeof c->name, "%s", name);
	snprintf(c->units, sizeof c->units, "%s", units ? units : "");
	c->dtype = dt;
	c->data = data;
	return c;
}

lp_channel *lp_frame_add_channel(lp_frame *f, const char *name, lp_dtype dt,
                                 const char *units)
{
	size_t n = lp_dtype_size(dt);
	if (!n) {
		lp_seterr(LP_EX_UNSUPPORTED, "unknown dtype %d", (int)dt);
		return NULL;
	}
	void *data = lp_calloc_big((size_t)lp_frame_nvox(f), n);
	if (!data)
		return NULL;
	lp_channel *c = lp_frame_adopt_channel(f, name, dt, units, data);
	if (!c)
		free(data);
	return c;
}

lp_channel *lp_frame_channel(const lp_frame *f, const char *name)
{
	for (int i = 0; i < f->nch; i++)
		if (!strcmp(f->ch[i].name, name))
			return &f->ch[i];
	return NULL;
}

int lp_frame_remove_channel(lp_frame *f, const char *name)
{
	for (int i = 0; i < f->nch; i++) {
		if (strcmp(f->ch[i].name, name))
			continue;
		free(f->ch[i].data);
		memmove(&f->ch[i], &f->ch[i + 1],
		        (size_t)(f->nch - i - 1) * sizeof *f->ch);
		f->nch--;
		return 0;
	}
	return lp_seterr(LP_EX_DATAERR, "no channel '%s'", name);
}

static int check_key(const char *key)
{
	if (check_name("metadata key", key) < 0)
		return -1;
	for (const char *p = key; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
			return lp_seterr(LP_EX_DATAERR,
			                 "metadata key '%.70s' has a character "
			                 "outside [A-Za-z0-9_.-]", key);
	return 0;
}

int lp_meta_set(lp_frame *f, const char *key, const char *value)
{
	if (check_key(key) < 0)
		return -1;
	char *v = lp_strdup(value);
	if (!v)
		return -1;
	for (int i = 0; i < f->nmeta; i++) {
		if (!strcmp(f->meta[i].key, key)) {
			free(f->meta[i].value);
			f->meta[i].value = v;
			return 0;
		}
	}
	char *k = lp_strdup(key);
	lp_kv *m = k ? lp_realloc(f->meta, (size_t)(f->nmeta + 1) * sizeof *m)
	             : NULL;
	if (!m) {
		free(k);
		free(v);
		return -1;
	}
	f->meta = m;
	f->meta[f->nmeta].key = k;
	f->meta[f->nmeta].value = v;
	f->nmeta++;
	return 0;
}

int lp_meta_setf(lp_frame *f, const char *key, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof buf)
		return lp_seterr(LP_EX_SOFTWARE, "metadata '%s' too long", key);
	return lp_meta_set(f, key, buf);
}

const char *lp_meta_get(const lp_frame *f, const char *key)
{
	for (int i = 0; i < f->nmeta; i++)
		if (!strcmp(f->meta[i].key, key))
			return f->meta[i].value;
	return NULL;
}

int lp_meta_del(lp_frame *f, const char *key)
{
	for (int i = 0; i < f->nmeta; i++) {
		if (strcmp(f->meta[i].key, key))
			continue;
		free(f->meta[i].key);
		free(f->meta[i].value);
		memmove(&f->meta[i], &f->meta[i + 1],
		        (size_t)(f->nmeta - i - 1) * sizeof *f->meta);
		f->nmeta--;
		return 0;
	}
	return -1;
}

int lp_meta_get_doubles(const lp_frame *f, const char *key, double *out,
                        int max)
{
	const char *s = lp_meta_get(f, key);
	if (!s)
		return lp_seterr(LP_EX_DATAERR, "no metadata '%s'", key);
	int n = 0;
	while (*s && n < max) {
		char *end;
		double v = strtod(s, &end);
		if (end == s || !isfinite(v))
			return lp_seterr(LP_EX_DATAERR,
			                 "metadata '%s': bad number in '%s'", key,
			                 lp_meta_get(f, key));
		out[n++] = v;
		s = end;
		while (*s == ',' || *s == ';' || isspace((unsigned char)*s))
			s++;
	}
	return n;
}

int lp_frame_copy_header(lp_frame *dst, const lp_frame *src)
{
	lp_frame_init(dst);
	memcpy(dst->dim, src->dim, sizeof dst->dim);
	memcpy(dst->spacing, src->spacing, sizeof dst->spacing);
	memcpy(dst->origin, src->origin, sizeof dst->origin);
	memcpy(dst->dir, src->dir, sizeof dst->dir);
	for (int i = 0; i < src->nmeta; i++) {
		if (lp_meta_set(dst, src->meta[i].key, src->meta[i].value) < 0) {
			lp_frame_free(dst);
			return -1;
		}
	}
	return 0;
}

int lp_frame_copy(lp_frame *dst, const lp_frame *src)
{
	if (lp_frame_copy_header(dst, src) < 0)
		return -1;
	for (int i = 0; i < src->nch; i++) {
		const lp_channel *s = &src->ch[i];
		size_t n = lp_channel_bytes(src, s);
		void *d = lp_malloc_big(n);
		lp_channel *c = d ? lp_frame_adopt_channel(dst, s->name, s->dtype,
		                                           s->units, d)
		                  : NULL;
		if (!c) {
			free(d);
			lp_frame_free(dst);
			return -1;
		}
		memcpy(d, s->data, n);
		c->wmin = s->wmin;
		c->wmax = s->wmax;
	}
	return 0;
}

void lp_index_to_world(const lp_frame *f, const double ijk[3], double xyz[3])
{
	for (int k = 0; k < 3; k++) {
		double v = f->origin[k];
		for (int a = 0; a < 3; a++)
			v += f->dir[3 * a + k] * f->spacing[a] * ijk[a];
		xyz[k] = v;
	}
}

/* M[k][a] = dir[3a+k]*spacing[a]; solve M ijk = xyz - origin. */
int lp_world_to_index(const lp_frame *f, const double xyz[3], double ijk[3])
{
	double m[3][3], b[3];
	for (int k = 0; k < 3; k++) {
		for (int a = 0; a < 3; a++)
			m[k][a] = f->dir[3 * a + k] * f->spacing[a];
		b[k] = xyz[k] - f->origin[k];
	}
	double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
	             m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
	             m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
	if (!(fabs(det) > 1e-12))
		return lp_seterr(LP_EX_DATAERR, "singular direction matrix");
	/* Cramer's rule */
	for (int a = 0; a < 3; a++) {
		double t[3][3];
		memcpy(t, m, sizeof t);
		for (int k = 0; k < 3; k++)
			t[k][a] = b[k];
		ijk[a] = (t[0][0] * (t[1][1] * t[2][2] - t[1][2] * t[2][1]) -
		          t[0][1] * (t[1][0] * t[2][2] - t[1][2] * t[2][0]) +
		          t[0][2] * (t[1][0] * t[2][1] - t[1][1] * t[2][0])) /
		         det;
	}
	return 0;
}

int lp_frame_check_geometry(const lp_frame *f)
{
	for (int a = 0; a < 3; a++) {
		if (!isfinite(f->spacing[a]) || f->spacing[a] <= 0)
			return lp_seterr(LP_EX_DATAERR,
			                 "spacing %g on axis %d is not a positive "
			                 "finite number", f->spacing[a], a);
		if (!isfinite(f->origin[a]))
			return lp_seterr(LP_EX_DATAERR, "origin is not finite");
	}
	for (int i = 0; i < 9; i++)
		if (!isfinite(f->dir[i]))
			return lp_seterr(LP_EX_DATAERR, "direction is not finite");
	double r[3];
	return lp_world_to_index(f, f->origin, r);
}

double lp_channel_get(const lp_channel *c, size_t i)
{
	switch (c->dtype) {
	case LP_U8: return ((const uint8_t *)c->data)[i];
	case LP_I8: return ((const int8_t *)c->data)[i];
	case LP_U16: return ((const uint16_t *)c->data)[i];
	case LP_I16: return ((const int16_t *)c->data)[i];
	case LP_U32: return ((const uint32_t *)c->data)[i];
	case LP_I32: return ((const int32_t *)c->data)[i];
	case LP_F32: return ((const float *)c->data)[i];
	case LP_F64: return ((const double *)c->data)[i];
	default: return NAN;
	}
}
