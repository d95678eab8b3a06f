/* mhd_write.c - MetaImage writing (.mhd + .raw/.zraw, or .mha).
 *
 * The header holds ITK's fields in ITK's order, so ITK (SimpleITK, ITK-SNAP,
 * 3D Slicer) reads it back.  Every file is written under a temporary name in
 * its final folder and renamed when complete; on error the temporaries are
 * removed and nothing is left behind.  Compression: zlib level 1. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>

#include "lp_mhd.h"
#include "lp_ofile.h"
#include "lp_mhd_ext.h"

#define ZLEVEL 1

/* Shortest %g form that reads back to the same double. */
static void fmt_double(char *buf, size_t n, double v)
{
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, n, "%.*g", prec, v == 0 ? 0.0 : v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

static void put_doubles(FILE *fp, const char *key, const double *v, int n)
{
	char b[40];
	fprintf(fp, "%s =", key);
	for (int i = 0; i < n; i++) {
		fmt_double(b, sizeof b, v[i]);
		fprintf(fp, " %s", b);
	}
	fputc('\n', fp);
}

/* ITK's letters: axis along +x 'R', -x 'L', +y 'A', -y 'P', +z 'I', -z 'S'
 * (the LPS identity is "RAI"). */
static void anatomical(const double *dir, char out[4])
{
	static const char pos[] = "RAI", neg[] = "LPS";
	for (int a = 0; a < 3; a++) {
		int best = 0;
		for (int k = 1; k < 3; k++)
			if (fabs(dir[3 * a + k]) > fabs(dir[3 * a + best]))
				best = k;
		out[a] = dir[3 * a + best] < 0 ? neg[best] : pos[best];
	}
	out[3] = 0;
}

static void write_header(FILE *fp, const lp_frame *f, lp_dtype dt,
                         int compress, int64_t csize, const char *datafile)
{
	char ao[4];
	fprintf(fp, "ObjectType = Image\nNDims = 3\nBinaryData = True\n"
	        "BinaryDataByteOrderMSB = False\nCompressedData = %s\n",
	        compress ? "True" : "False");
	if (compress)
		fprintf(fp, "CompressedDataSize = %lld\n", (long long)csize);
	put_doubles(fp, "TransformMatrix", f->dir, 9);
	put_doubles(fp, "Offset", f->origin, 3);
	fprintf(fp, "CenterOfRotation = 0 0 0\n");
	anatomical(f->dir, ao);
	fprintf(fp, "AnatomicalOrientation = %s\n", ao);
	put_doubles(fp, "ElementSpacing", f->spacing, 3);
	fprintf(fp, "DimSize = %lld %lld %lld\nElementType = %s\n"
	        "ElementDataFile = %s\n", (long long)f->dim[0],
	        (long long)f->dim[1], (long long)f->dim[2],
	        lp_mhd_type_name(dt), datafile);
}

/* ---- data ---- */

static int host_is_msb(void)
{
	const uint16_t one = 1;
	return *(const unsigned char *)&one == 0;
}

static void swap_copy(unsigned char *dst, const unsigned char *src, size_t n,
                      size_t es)
{
	for (size_t i = 0; i < n; i += es)
		for (size_t b = 0; b < es; b++)
			dst[i + b] = src[i + es - 1 - b];
}

/* Call fn on the little-endian bytes of the data, in chunks. */
typedef int (*chunk_fn)(void *ctx, const unsigned char *p, size_t n, int last);

static int le_chunks(const void *data, size_t nbytes, size_t es, chunk_fn fn,
                     void *ctx)
{
	enum { CHUNK = 1 << 22 };
	const unsigned char *p = data;
	unsigned char *tmp = NULL;
	if (es > 1 && host_is_msb() && !(tmp = lp_malloc(CHUNK)))
		return -1;
	int rc = 0;
	size_t off = 0;
	do {
		size_t n = nbytes - off > CHUNK ? CHUNK : nbytes - off;
		if (tmp)
			swap_copy(tmp, p + off, n, es);
		off += n;
		rc = fn(ctx, tmp ? tmp : p + off - n, n, off == nbytes);
	} while (rc == 0 && off < nbytes);
	free(tmp);
	return rc;
}

typedef struct {
	FILE *fp;
	const char *name;
	z_stream z;
	int64_t out;
	unsigned char *buf;
} sink;

static int raw_chunk(void *ctx, const unsigned char *p, size_t n, int last)
{
	sink *s = ctx;
	(void)last;
	if (fwrite(p, 1, n, s->fp) != n)
		return lp_seterr(LP_EX_IOERR, "%s: write error: %s", s->name,
		                 strerror(errno));
	s->out += (int64_t)n;
	return 0;
}

static int z_chunk(void *ctx, const unsigned char *p, size_t n, int last)
{
	enum { ZBUF = 1 << 20 };
	sink *s = ctx;
	s->z.next_in = (unsigned char *)p;
	s->z.avail_in = (uInt)n;
	int zr;
	do {
		s->z.next_out = s->buf;
		s->z.avail_out = ZBUF;
		zr = deflate(&s->z, last ? Z_FINISH : Z_NO_FLUSH);
		if (zr == Z_STREAM_ERROR)
			return lp_seterr(LP_EX_SOFTWARE, "%s: zlib error",
			                 s->name);
		size_t have = ZBUF - s->z.avail_out;
		if (have && raw_chunk(s, s->buf, have, 0) < 0)
			return -1;
	} while (s->z.avail_out == 0 || (last && zr != Z_STREAM_END));
	return 0;
}

/* Write the channel's data (compressed or not); *nbytes gets the size. */
static int write_data(FILE *fp, const char *name, const lp_frame *f,
                      const lp_channel *c, int compress, int64_t *nbytes)
{
	sink s;
	memset(&s, 0, sizeof s);
	s.fp = fp;
	s.name = name;
	size_t es = lp_dtype_size(c->dtype), n = lp_channel_bytes(f, c);
	int rc;
	if (!compress) {
		rc = le_chunks(c->data, n, es, raw_chunk, &s);
	} else {
		if (!(s.buf = lp_malloc(1 << 20)))
			return -1;
		if (deflateInit(&s.z, ZLEVEL) != Z_OK) {
			free(s.buf);
			return lp_seterr(LP_EX_OSERR, "%s: zlib init failed", name);
		}
		rc = le_chunks(c->data, n, es, z_chunk, &s);
		deflateEnd(&s.z);
		free(s.buf);
	}
	*nbytes = s.out;
	return rc;
}

/* ---- the two layouts ---- */

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static int write_mhd_pair(const char *path, const lp_frame *f,
                          const lp_channel *c, int compress)
{
	char data[LP_MHD_PATH_MAX];
	size_t n = strlen(path);
	if ((size_t)snprintf(data, sizeof data, "%.*s.%s", (int)(n - 4), path,
	                     compress ? "zraw" : "raw") >= sizeof data)
		return lp_seterr(LP_EX_CANTCREAT, "%s: name too long", path);
	int64_t size = 0;
	lp_ofile *td = lp_ofile_open(data), *th = NULL;
	if (!td)
		return -1;
	int rc = write_data(td->fp, data, f, c, compress, &size);
	if (rc == 0)
		rc = lp_ofile_close(td);
	if (rc == 0 && !(th = lp_ofile_open(path)))
		rc = -1;
	if (rc == 0) {
		write_header(th->fp, f, c->dtype, compress, size, base_name(data));
		rc = lp_ofile_close(th);
	}
	/* both complete: the data file goes first, so a header never names
	 * missing data */
	if (rc == 0) {
		rc = lp_ofile_commit(td);
		td = NULL;
	}
	if (rc == 0) {
		rc = lp_ofile_commit(th);
		th = NULL;
	}
	lp_ofile_abort(td);
	lp_ofile_abort(th);
	return rc;
}

static int copy_file(FILE *src, FILE *dst, const char *name)
{
	char buf[1 << 16];
	size_t n;
	rewind(src);
	while ((n = fread(buf, 1, sizeof buf, src)) > 0)
		if (fwrite(buf, 1, n, dst) != n)
			return lp_seterr(LP_EX_IOERR, "%s: write error: %s", name,
			                 strerror(errno));
	if (ferror(src))
		return lp_seterr(LP_EX_IOERR, "%s: temporary file read error",
		                 name);
	return 0;
}

static int write_mha(const char *path, const lp_frame *f, const lp_channel *c,
                     int compress)
{
	int64_t size = 0;
	FILE *z = NULL;
	lp_ofile *t = NULL;
	int rc = 0;
	if (compress && !(z = tmpfile()))
		return lp_seterr(LP_EX_CANTCREAT, "%s: temporary file: %s", path,
		                 strerror(errno));
	if (z && write_data(z, path, f, c, 1, &size) < 0)
		rc = -1;
	if (z && rc == 0 && fflush(z) != 0)
		rc = lp_seterr(LP_EX_IOERR, "%s: temporary file: %s", path,
		               strerror(errno));
	if (rc == 0 && !(t = lp_ofile_open(path)))
		rc = -1;
	if (rc == 0) {
		write_header(t->fp, f, c->dtype, compress, size, "LOCAL");
		rc = z ? copy_file(z, t->fp, path)
		       : write_data(t->fp, path, f, c, 0, &size);
	}
	if (rc == 0) {
		rc = lp_ofile_commit(t);
		t = NULL;
	}
	lp_ofile_abort(t);
	if (z)
		fclose(z);
	return rc;
}

int lp_mhd_write(const char *path, const lp_frame *f, const char *chname,
                 int compress)
{
	const lp_channel *c = lp_frame_channel(f, chname ? chname : LP_CH_IMAGE);
	if (!c)
		return lp_seterr(LP_EX_USAGE, "%s: the frame has no channel '%s'",
		                 path, chname ? chname : LP_CH_IMAGE);
	if (!lp_mhd_type_name(c->dtype))
		return lp_seterr(LP_EX_UNSUPPORTED, "%s: dtype %s cannot be "
		                 "written as MetaImage", path,
		                 lp_dtype_name(c->dtype));
	if (!lp_mhd_has_ext(path))
		return lp_seterr(LP_EX_USAGE, "%s: MetaImage file names end in "
		                 ".mhd or .mha", path);
	if (strchr(path, '\n'))
		return lp_seterr(LP_EX_USAGE, "%s: newline in file name", path);
	if (lp_frame_check_geometry(f) < 0) {
		lp_err_prefix("%s", path);
		return -1;
	}
	size_t n = strlen(path);
	if (!strcasecmp(path + n - 4, ".mha"))
		return write_mha(path, f, c, compress);
	return write_mhd_pair(path, f, c, compress);
}
