/* mhd.c - MetaImage reading: .mhd + .raw/.zraw, or .mha (LOCAL data).
 * Conventions and error rules: see lp_mhd_ext.h.  Writing: mhd_write.c. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <zlib.h>

#include "lp_mhd.h"
#include "lp_mhd_ext.h"

#define HDR_LINE_MAX 65536
#define HDR_MAX_BYTES (1 << 20)
#define HDR_MAX_KEYS 256

/* ---- element types ---- */

static const struct {
	const char *met;
	lp_dtype dt;
} met_types[] = {
	{"MET_UCHAR", LP_U8},  {"MET_CHAR", LP_I8},   {"MET_USHORT", LP_U16},
	{"MET_SHORT", LP_I16}, {"MET_UINT", LP_U32},  {"MET_INT", LP_I32},
	{"MET_FLOAT", LP_F32}, {"MET_DOUBLE", LP_F64},
};
#define N_MET_TYPES (sizeof met_types / sizeof met_types[0])

const char *lp_mhd_type_name(lp_dtype t)
{
	for (size_t i = 0; i < N_MET_TYPES; i++)
		if (met_types[i].dt == t)
			return met_types[i].met;
	return NULL;
}

lp_dtype lp_mhd_type_parse(const char *s)
{
	for (size_t i = 0; i < N_MET_TYPES; i++)
		if (!strcasecmp(met_types[i].met, s))
			return met_types[i].dt;
	return LP_DT_NONE;
}

int lp_mhd_has_ext(const char *path)
{
	size_t n = strlen(path);
	return n >= 4 && (!strcasecmp(path + n - 4, ".mhd") ||
	                  !strcasecmp(path + n - 4, ".mha"));
}

/* ---- header text: "Key = Value" lines up to ElementDataFile ---- */

typedef struct {
	int n;
	char *key[HDR_MAX_KEYS];
	char *val[HDR_MAX_KEYS];
	int64_t data_offset; /* file offset after the ElementDataFile line */
} kvlist;

static void kv_free(kvlist *kv)
{
	for (int i = 0; i < kv->n; i++) {
		free(kv->key[i]);
		free(kv->val[i]);
	}
	kv->n = 0;
}

static const char *kv_get(const kvlist *kv, const char *key)
{
	for (int i = kv->n - 1; i >= 0; i--)
		if (!strcasecmp(kv->key[i], key))
			return kv->val[i];
	return NULL;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = 0;
	return s;
}

/* Read one line (without the newline) into buf; 1 line, 0 EOF, -1 error. */
static int read_line(FILE *fp, const char *path, char *buf, int64_t *total)
{
	size_t n = 0;
	int c;
	while ((c = getc(fp)) != EOF && c != '\n') {
		if (c == 0)
			return lp_seterr(LP_EX_DATAERR, "%s: malformed header "
			                 "(binary bytes before ElementDataFile)", path);
		if (n + 1 >= HDR_LINE_MAX || ++*total > HDR_MAX_BYTES)
			return lp_seterr(LP_EX_DATAERR, "%s: malformed header "
			                 "(line too long or no ElementDataFile)", path);
		buf[n++] = (char)c;
	}
	if (ferror(fp))
		return lp_seterr(LP_EX_IOERR, "%s: read error: %s", path,
		                 strerror(errno));
	buf[n] = 0;
	if (c == EOF && n == 0)
		return 0;
	++*total;
	return 1;
}

static int add_line(kvlist *kv, const char *path, char *line, int lineno)
{
	char *s = trim(line);
	if (!*s)
		return 0;
	char *eq = strchr(s, '=');
	if (!eq || eq == s)
		return lp_seterr(LP_EX_DATAERR, "%s: malformed header line %d "
		                 "(expected 'Key = Value')", path, lineno);
	*eq = 0;
	char *key = trim(s), *val = trim(eq + 1);
	if (kv->n >= HDR_MAX_KEYS)
		return lp_seterr(LP_EX_DATAERR, "%s: malformed header (more "
		                 "than %d fields)", path, HDR_MAX_KEYS);
	kv->key[kv->n] = lp_strdup(key);
	kv->val[kv->n] = lp_strdup(val);
	if (!kv->key[kv->n] || !kv->val[kv->n]) {
		free(kv->key[kv->n]);
		free(kv->val[kv->n]);
		return -1;
	}
	kv->n++;
	return 0;
}

static int read_header(FILE *fp, const char *path, kvlist *kv)
{
	char *buf = lp_malloc(HDR_LINE_MAX);
	if (!buf)
		return -1;
	int64_t total = 0;
	int rc, lineno = 0;
	while ((rc = read_line(fp, path, buf, &total)) > 0) {
		lineno++;
		if (add_line(kv, path, buf, lineno) < 0) {
			if (feof(fp) && lp_errcode() == LP_EX_DATAERR)
				lp_seterr(LP_EX_DATAERR, "%s: truncated header "
				          "(no ElementDataFile)", path);
			rc = -1;
			break;
		}
		if (kv->n && !strcasecmp(kv->key[kv->n - 1], "ElementDataFile"))
			break;
	}
	free(buf);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return lp_seterr(LP_EX_DATAERR, "%s: truncated header (no "
		                 "ElementDataFile)", path);
	kv->data_offset = ftello(fp);
	return 0;
}

/* ---- value parsing ---- */

/* Parse exactly n numbers (no more, no less); 0 or -1 (no message). */
static int parse_doubles(const char *s, double *out, int n)
{
	char *end;
	for (int i = 0; i < n; i++) {
		errno = 0;
		out[i] = strtod(s, &end);
		if (end == s || errno == ERANGE)
			return -1;
		s = end;
	}
	while (isspace((unsigned char)*s))
		s++;
	return *s ? -1 : 0;
}

static int parse_int64s(const char *s, int64_t *out, int n)
{
	char *end;
	for (int i = 0; i < n; i++) {
		errno = 0;
		long long v = strtoll(s, &end, 10);
		if (end == s || errno == ERANGE)
			return -1;
		out[i] = v;
		s = end;
	}
	while (isspace((unsigned char)*s))
		s++;
	return *s ? -1 : 0;
}

static int parse_bool(const char *s, int *out)
{
	if (!strcasecmp(s, "True") || !strcmp(s, "1")) {
		*out = 1;
		return 0;
	}
	if (!strcasecmp(s, "False") || !strcmp(s, "0")) {
		*out = 0;
		return 0;
	}
	return -1;
}

/* First of several synonymous keys present, or NULL. */
static const char *kv_get_any(const kvlist *kv, const char *const *keys,
                              const char **which)
{
	for (int i = 0; keys[i]; i++) {
		const char *v = kv_get(kv, keys[i]);
		if (v) {
			*which = keys[i];
			return v;
		}
	}
	return NULL;
}

/* ---- header interpretation ---- */

static int get_bool(const kvlist *kv, const char *path, const char *key,
                    int *out)
{
	const char *v = kv_get(kv, key);
	if (v && parse_bool(v, out) < 0)
		return lp_seterr(LP_EX_DATAERR, "%s: bad %s '%s'", path, key, v);
	return 0;
}

static int info_object(const kvlist *kv, const char *path, lp_mhd_info *in)
{
	const char *v = kv_get(kv, "ObjectType");
	if (v && strcasecmp(v, "Image"))
		return lp_seterr(LP_EX_UNSUPPORTED, "%s: ObjectType %s is not "
		                 "supported (only Image)", path, v);
	v = kv_get(kv, "NDims");
	int64_t nd;
	if (!v)
		return lp_seterr(LP_EX_DATAERR, "%s: missing NDims", path);
	if (parse_int64s(v, &nd, 1) < 0 || nd < 1)
		return lp_seterr(LP_EX_DATAERR, "%s: bad NDims '%s'", path, v);
	if (nd != 2 && nd != 3)
		return lp_seterr(LP_EX_UNSUPPORTED, "%s: NDims %lld is not "
		                 "supported (only 2 or 3)", path, (long long)nd);
	in->ndims = (int)nd;
	v = kv_get(kv, "ElementNumberOfChannels");
	int64_t nc = 1;
	if (v && (parse_int64s(v, &nc, 1) < 0 || nc < 1))
		return lp_seterr(LP_EX_DATAERR, "%s: bad ElementNumberOfChannels"
		                 " '%s'", path, v);
	if (nc != 1)
		return lp_seterr(LP_EX_UNSUPPORTED, "%s: ElementNumberOfChannels "
		                 "%lld is not supported (only 1)", path,
		                 (long long)nc);
	int binary = 1;
	if (get_bool(kv, path, "BinaryData", &binary) < 0)
		return -1;
	if (!binary)
		return lp_seterr(LP_EX_UNSUPPORTED, "%s: BinaryData = False "
		                 "(ASCII data) is not supported", path);
	return 0;
}

static int info_dims(const kvlist *kv, const char *path, lp_mhd_info *in)
{
	const char *v = kv_get(kv, "DimSize");
	int64_t d[3] = {1, 1, 1};
	if (!v)
		return lp_seterr(LP_EX_DATAERR, "%s: missing DimSize", path);
	if (parse_int64s(v, d, in->ndims) < 0)
		return lp_seterr(LP_EX_DATAERR, "%s: bad DimSize '%s' (expected "
		                 "%d integers)", path, v, in->ndims);
	for (int a = 0; a < 3; a++)
		if (d[a] < 1)
			return lp_seterr(LP_EX_DATAERR, "%s: bad DimSize '%s' "
			                 "(each must be >= 1)", path, v);
	if (d[0] > LP_MAX_VOXELS || d[1] > LP_MAX_VOXELS / d[0] ||
	    d[2] > LP_MAX_VOXELS / (d[0] * d[1]))
		return lp_seterr(LP_EX_DATAERR, "%s: DimSize '%s' exceeds the "
		                 "limit of 2^31 voxels", path, v);
	memcpy(in->dim, d, sizeof d);
	return 0;
}

static int info_type(const kvlist *kv, const char *path, lp_mhd_info *in)
{
	const char *v = kv_get(kv, "ElementType");
	if (!v)
		return lp_seterr(LP_EX_DATAERR, "%s: missing ElementType", path);
	in->dtype = lp_mhd_type_parse(v);
	if (in->dtype == LP_DT_NONE)
		return lp_seterr(LP_EX_UNSUPPORTED, "%s: ElementType %s is not "
		                 "supported", path, v);
	int msb1 = 0, msb2 = 0;
	if (get_bool(kv, path, "BinaryDataByteOrderMSB", &msb1) < 0 ||
	    get_bool(kv, path, "ElementByteOrderMSB", &msb2) < 0)
		return -1;
	in->msb = msb1 || msb2;
	if (get_bool(kv, path, "CompressedData", &in->compressed) < 0)
		return -1;
	in->compressed_size = -1;
	v = kv_get(kv, "CompressedDataSize");
	if (v && (parse_int64s(v, &in->compressed_size, 1) < 0 ||
	          in->compressed_size < 1))
		return lp_seterr(LP_EX_DATAERR, "%s: bad CompressedDataSize '%s'",
		                 path, v);
	v = kv_get(kv, "HeaderSize");
	if (v && (parse_int64s(v, &in->header_size, 1) < 0 ||
	          in->header_size < -1))
		return lp_seterr(LP_EX_DATAERR, "%s: bad HeaderSize '%s'", path, v);
	return 0;
}

static int info_spacing(const kvlist *kv, const char *path, lp_mhd_info *in)
{
	static const char *const keys[] = {"ElementSpacing", "ElementSize", NULL};
	const char *which = NULL, *v = kv_get_any(kv, keys, &which);
	in->spacing[0] = in->spacing[1] = in->spacing[2] = 1.0;
	if (!v)
		return 0;
	if (parse_doubles(v, in->spacing, in->ndims) < 0)
		return lp_seterr(LP_EX_DATAERR, "%s: bad %s '%s' (expected %d "
		                 "numbers)", path, which, v, in->ndims);
	for (int a = 0; a < 3; a++)
		if (!isfinite(in->spacing[a]) || !(in->spacing[a] > 0))
			return lp_seterr(LP_EX_DATAERR, "%s: bad %s '%s' (must "
			                 "be finite and > 0)", path, which, v);
	return 0;
}

static int info_geometry(const kvlist *kv, const char *path, lp_mhd_info *in)
{
	static const char *const okeys[] = {"Offset", "Origin", "Position", NULL};
	static const char *const dkeys[] = {"TransformMatrix", "Orientation",
	                                    "Rotation", NULL};
	const char *which = NULL, *v = kv_get_any(kv, okeys, &which);
	int nd = in->ndims;
	memset(in->origin, 0, sizeof in->origin);
	if (v && (parse_doubles(v, in->origin, nd) < 0 ||
	          !isfinite(in->origin[0]) || !isfinite(in->origin[1]) ||
	          !isfinite(in->origin[2])))
		return lp_seterr(LP_EX_DATAERR, "%s: bad %s '%s' (expected %d "
		                 "finite numbers)", path, which, v, nd);
	memset(in->dir, 0, sizeof in->dir);
	in->dir[0] = in->dir[4] = in->dir[8] = 1.0;
	v = kv_get_any(kv, dkeys, &which);
	double m[9];
	if (v && parse_doubles(v, m, nd * nd) < 0)
		return lp_seterr(LP_EX_DATAERR, "%s: bad %s '%s' (expected %d "
		                 "numbers)", path, which, v, nd * nd);
	for (int a = 0; v && a < nd; a++)
		for (int k = 0; k < nd; k++)
			in->dir[3 * a + k] = m[a * nd + k];
	v = kv_get(kv, "AnatomicalOrientation");
	if (v)
		snprintf(in->anatomical, sizeof in->anatomical, "%s", v);
	return 0;
}

static int count_tokens(const char *s)
{
	int n = 0;
	while (*s) {
		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		n++;
		while (*s && !isspace((unsigned char)*s))
			s++;
	}
	return n;
}

/* Pattern form: "name%03d.raw first last [step]". */
static int info_datafile(const kvlist *kv, const char *path, lp_mhd_info *in)
{
	const char *v = kv_get(kv, "ElementDataFile");
	if (!*v)
		return lp_seterr(LP_EX_DATAERR, "%s: empty ElementDataFile", path);
	if (!strcasecmp(v, "LOCAL")) {
		in->local = 1;
		in->data_offset = kv->data_offset;
		snprintf(in->datafile, sizeof in->datafile, "%s", path);
		return 0;
	}
	if (!strncasecmp(v, "LIST", 4) && (!v[4] || isspace((unsigned char)v[4])))
		return lp_seterr(LP_EX_UNSUPPORTED, "%s: ElementDataFile = LIST "
		                 "is not supported", path);
	if (strchr(v, '%') && count_tokens(v) >= 3)
		return lp_seterr(LP_EX_UNSUPPORTED, "%s: ElementDataFile pattern "
		                 "'%s' is not supported", path, v);
	const char *slash = strrchr(path, '/');
	int dirlen = (v[0] == '/' || !slash) ? 0 : (int)(slash - path + 1);
	if ((size_t)snprintf(in->datafile, sizeof in->datafile, "%.*s%s",
	                     dirlen, path, v) >= sizeof in->datafile)
		return lp_seterr(LP_EX_DATAERR, "%s: ElementDataFile name too "
		                 "long", path);
	return 0;
}

static int interpret(const kvlist *kv, const char *path, lp_mhd_info *in)
{
	memset(in, 0, sizeof *in);
	if (info_object(kv, path, in) < 0 || info_dims(kv, path, in) < 0 ||
	    info_type(kv, path, in) < 0 || info_spacing(kv, path, in) < 0 ||
	    info_geometry(kv, path, in) < 0 || info_datafile(kv, path, in) < 0)
		return -1;
	lp_frame g;
	lp_frame_init(&g);
	memcpy(g.dir, in->dir, sizeof g.dir);
	if (lp_frame_check_geometry(&g) < 0)
		return lp_seterr(LP_EX_DATAERR, "%s: bad TransformMatrix "
		                 "(singular or not finite)", path);
	return 0;
}

static FILE *open_header(const char *path, kvlist *kv)
{
	kv->n = 0;
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		lp_seterr(LP_EX_NOINPUT, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (read_header(fp, path, kv) < 0) {
		kv_free(kv);
		fclose(fp);
		return NULL;
	}
	return fp;
}

int lp_mhd_read_info(const char *path, lp_mhd_info *info)
{
	kvlist kv;
	FILE *fp = open_header(path, &kv);
	if (!fp)
		return -1;
	fclose(fp);
	int rc = interpret(&kv, path, info);
	kv_free(&kv);
	return rc;
}

/* ---- data ---- */

static void swap_bytes(void *data, size_t n, size_t es)
{
	if (es == 2) {
		uint16_t *p = data;
		for (size_t i = 0; i < n; i++)
			p[i] = __builtin_bswap16(p[i]);
	} else if (es == 4) {
		uint32_t *p = data;
		for (size_t i = 0; i < n; i++)
			p[i] = __builtin_bswap32(p[i]);
	} else if (es == 8) {
		uint64_t *p = data;
		for (size_t i = 0; i < n; i++)
			p[i] = __builtin_bswap64(p[i]);
	}
}

static int host_is_msb(void)
{
	const uint16_t one = 1;
	return *(const unsigned char *)&one == 0;
}

static int read_exact(FILE *fp, const char *name, void *buf, size_t n)
{
	if (fread(buf, 1, n, fp) != n)
		return ferror(fp) ? lp_seterr(LP_EX_IOERR, "%s: read error: %s",
		                              name, strerror(errno))
		                  : lp_seterr(LP_EX_DATAERR, "%s: file too short",
		                              name);
	return 0;
}

static int inflate_data(FILE *fp, const char *name, int64_t csize,
                        unsigned char *out, size_t need)
{
	enum { CHUNK = 1 << 20 };
	unsigned char *in = lp_malloc(CHUNK);
	z_stream z;
	memset(&z, 0, sizeof z);
	if (!in || inflateInit2(&z, 15 + 32) != Z_OK) {
		free(in);
		return in ? lp_seterr(LP_EX_OSERR, "%s: zlib init failed", name) : -1;
	}
	int zr = Z_OK, rc = 0;
	size_t done = 0;
	while (zr != Z_STREAM_END && rc == 0) {
		if (z.avail_in == 0) {
			size_t want = csize > CHUNK ? CHUNK : (size_t)csize;
			if (want == 0 ||
			    read_exact(fp, name, in, want) < 0) {
				rc = lp_seterr(LP_EX_DATAERR, "%s: compressed "
				               "data truncated", name);
				break;
			}
			csize -= (int64_t)want;
			z.next_in = in;
			z.avail_in = (uInt)want;
		}
		size_t room = need - done;
		z.next_out = out + done;
		z.avail_out = room > CHUNK ? CHUNK : (uInt)room;
		uInt before = z.avail_out;
		zr = inflate(&z, Z_NO_FLUSH);
		done += before - z.avail_out;
		if (zr == Z_BUF_ERROR && done == need && z.avail_in > 0)
			rc = lp_seterr(LP_EX_DATAERR, "%s: compressed data hold "
			               "more than the %zu bytes DimSize and "
			               "ElementType give", name, need);
		else if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
			rc = lp_seterr(LP_EX_DATAERR, "%s: bad compressed data "
			               "(zlib: %s)", name, z.msg ? z.msg : "error");
	}
	if (rc == 0 && done != need)
		rc = lp_seterr(LP_EX_DATAERR, "%s: compressed data hold %zu "
		               "bytes, expected %zu", name, done, need);
	if (rc == 0 && (z.avail_in > 0 || csize > 0))
		rc = lp_seterr(LP_EX_DATAERR, "%s: trailing bytes after the "
		               "compressed data", name);
	inflateEnd(&z);
	free(in);
	return rc;
}

/* Where the data start and how many bytes they span in the data file. */
static int locate_data(const lp_mhd_info *in, int64_t fsize, size_t need,
                       int64_t *off, int64_t *len)
{
	const char *name = in->datafile;
	int64_t start = in->local ? in->data_offset : 0;
	if (in->header_size > 0)
		start = in->header_size;
	int64_t want = in->compressed ? in->compressed_size : (int64_t)need;
	if (in->header_size == -1) {
		if (want < 0)
			return lp_seterr(LP_EX_UNSUPPORTED, "%s: HeaderSize = -1 "
			                 "with compressed data needs "
			                 "CompressedDataSize", name);
		start = fsize - want;
		if (start < 0)
			return lp_seterr(LP_EX_DATAERR, "%s: file too short: %lld "
			                 "bytes, expected at least %lld", name,
			                 (long long)fsize, (long long)want);
	}
	int64_t avail = fsize - start;
	if (want < 0)
		want = avail;
	if (avail < want)
		return lp_seterr(LP_EX_DATAERR, "%s: file too short: %lld data "
		                 "bytes, expected %lld", name,
		                 (long long)(avail < 0 ? 0 : avail), (long long)want);
	if (avail > want)
		return lp_seterr(LP_EX_DATAERR, "%s: file too long: %lld data "
		                 "bytes, expected %lld (wrong DimSize, "
		                 "ElementType or HeaderSize?)", name,
		                 (long long)avail, (long long)want);
	*off = start;
	*len = want;
	return 0;
}

static int read_data(const lp_mhd_info *in, const char *path, void *buf,
                     size_t need)
{
	const char *name = in->datafile;
	FILE *fp = fopen(name, "rb");
	if (!fp)
		return lp_seterr(LP_EX_NOINPUT, "%s: data file %s: %s", path,
		                 name, strerror(errno));
	struct stat st;
	int64_t off = 0, len = 0;
	int rc = fstat(fileno(fp), &st);
	if (rc < 0)
		rc = lp_seterr(LP_EX_IOERR, "%s: %s", name, strerror(errno));
	if (rc == 0)
		rc = locate_data(in, (int64_t)st.st_size, need, &off, &len);
	if (rc == 0 && fseeko(fp, (off_t)off, SEEK_SET) != 0)
		rc = lp_seterr(LP_EX_IOERR, "%s: seek: %s", name, strerror(errno));
	if (rc == 0 && in->compressed)
		rc = inflate_data(fp, name, len, buf, need);
	else if (rc == 0)
		rc = read_exact(fp, name, buf, need);
	fclose(fp);
	return rc;
}

static const char *default_units(lp_dtype t)
{
	return (t == LP_I16 || t == LP_I32) ? LP_UNITS_HU : "";
}

/* Header fields not turned into geometry go to metadata "mhd.Key". */
static int copy_meta(lp_frame *f, const kvlist *kv, const lp_mhd_info *in,
                     const char *path)
{
	static const char *const used[] = {
		"ObjectType", "NDims", "DimSize", "ElementType", "ElementDataFile",
		"BinaryData", "BinaryDataByteOrderMSB", "ElementByteOrderMSB",
		"CompressedData", "CompressedDataSize", "HeaderSize",
		"ElementSpacing", "ElementSize", "Offset", "Origin", "Position",
		"TransformMatrix", "Orientation", "Rotation", "CenterOfRotation",
		"AnatomicalOrientation", "ElementNumberOfChannels", NULL};
	if (lp_meta_set(f, LP_META_SOURCE, path) < 0)
		return -1;
	if (in->anatomical[0] &&
	    lp_meta_set(f, "anatomical_orientation", in->anatomical) < 0)
		return -1;
	for (int i = 0; i < kv->n; i++) {
		int skip = 0;
		for (int j = 0; used[j] && !skip; j++)
			skip = !strcasecmp(kv->key[i], used[j]);
		char key[LP_NAME_MAX + 1];
		if (skip || strspn(kv->key[i], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef"
		                   "ghijklmnopqrstuvwxyz0123456789_.-") !=
		                    strlen(kv->key[i]) ||
		    (size_t)snprintf(key, sizeof key, "mhd.%s", kv->key[i]) >=
		            sizeof key)
			continue;
		if (lp_meta_set(f, key, kv->val[i]) < 0)
			lp_errclear(); /* odd values are not worth failing for */
	}
	return 0;
}

static int fill_frame(lp_frame *f, const lp_mhd_info *in, const kvlist *kv,
                      const char *path, const char *chname)
{
	size_t es = lp_dtype_size(in->dtype), nvox, need;
	if (lp_frame_set_dims(f, in->dim[0], in->dim[1], in->dim[2]) < 0 ||
	    lp_mul_size((size_t)in->dim[0] * (size_t)in->dim[1],
	                (size_t)in->dim[2], &nvox) < 0 ||
	    lp_mul_size(nvox, es, &need) < 0) {
		lp_err_prefix("%s", path);
		return -1;
	}
	memcpy(f->spacing, in->spacing, sizeof f->spacing);
	memcpy(f->origin, in->origin, sizeof f->origin);
	memcpy(f->dir, in->dir, sizeof f->dir);
	void *buf = lp_malloc_big(need);
	if (!buf)
		return -1;
	if (read_data(in, path, buf, need) < 0) {
		if (!in->local && lp_errcode() != LP_EX_NOINPUT)
			lp_err_prefix("%s", path);
		free(buf);
		return -1;
	}
	if (in->msb != host_is_msb())
		swap_bytes(buf, nvox, es);
	if (!lp_frame_adopt_channel(f, chname, in->dtype,
	                            default_units(in->dtype), buf)) {
		free(buf);
		lp_err_prefix("%s", path);
		return -1;
	}
	return copy_meta(f, kv, in, path);
}

int lp_mhd_read(const char *path, const char *chname, lp_frame *f)
{
	lp_frame_init(f);
	kvlist kv;
	lp_mhd_info in;
	FILE *fp = open_header(path, &kv);
	if (!fp)
		return -1;
	fclose(fp);
	int rc = interpret(&kv, path, &in);
	if (rc == 0)
		rc = fill_frame(f, &in, &kv, path, chname ? chname : LP_CH_IMAGE);
	kv_free(&kv);
	if (rc < 0)
		lp_frame_free(f);
	return rc;
}
