/* test_mhd - MetaImage reading and writing: bit-exact round trips for every
 * element type and layout, hand-written headers (MSB, 2D, HeaderSize,
 * synonyms, LUNA16), the written header's key order, an independent numpy
 * reader, malformed files, and lp_stats. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "lp_mhd.h"
#include "lp_mhd_ext.h"
#include "lp_stats.h"
#include "lp_test.h"

static char tmp[1024];

static const char *tpath(const char *name)
{
	static char buf[8][1200];
	static int k;
	k = (k + 1) % 8;
	snprintf(buf[k], sizeof buf[k], "%s/%s", tmp, name);
	return buf[k];
}

static void put_file(const char *name, const void *data, size_t n)
{
	FILE *fp = fopen(tpath(name), "wb");
	if (!fp || fwrite(data, 1, n, fp) != n) {
		perror(name);
		exit(2);
	}
	fclose(fp);
}

static void put_text(const char *name, const char *text)
{
	put_file(name, text, strlen(text));
}

static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* A frame with random bytes (floats: random finite values, plus NaN/inf
 * bit patterns which must survive bit-exactly too). */
static void make_frame(lp_frame *f, lp_dtype dt, int nx, int ny, int nz)
{
	lp_frame_init(f);
	lp_frame_set_dims(f, nx, ny, nz);
	lp_channel *c = lp_frame_add_channel(f, "image", dt, "HU");
	unsigned char *p = c->data;
	size_t n = lp_channel_bytes(f, c);
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)next_rand();
	if (dt == LP_F32)
		((float *)p)[0] = 1.5f;
	/* rotated about z by 30 degrees and flipped in z */
	const double cs = 0.8660254037844387, sn = 0.5;
	double dir[9] = {cs, sn, 0, -sn, cs, 0, 0, 0, -1};
	memcpy(f->dir, dir, sizeof dir);
	f->spacing[0] = 0.703125;
	f->spacing[1] = 0.7;
	f->spacing[2] = 2.5;
	f->origin[0] = -172.30000305175781;
	f->origin[1] = 1e-7;
	f->origin[2] = -312.5;
}

static int same_frame(const lp_frame *a, const lp_frame *b)
{
	const lp_channel *ca = lp_frame_channel(a, "image");
	const lp_channel *cb = lp_frame_channel(b, "image");
	if (!ca || !cb || ca->dtype != cb->dtype)
		return 0;
	for (int k = 0; k < 3; k++)
		if (a->dim[k] != b->dim[k] || a->spacing[k] != b->spacing[k] ||
		    a->origin[k] != b->origin[k])
			return 0;
	if (memcmp(a->dir, b->dir, sizeof a->dir))
		return 0;
	return !memcmp(ca->data, cb->data, lp_channel_bytes(a, ca));
}

static int count_files(void)
{
	DIR *d = opendir(tmp);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_round_trips(void)
{
	static const lp_dtype types[] = {LP_U8, LP_I8, LP_U16, LP_I16,
	                                 LP_U32, LP_I32, LP_F32, LP_F64};
	static const char *const names[] = {"rt.mhd", "rt.mha"};
	for (size_t t = 0; t < sizeof types / sizeof types[0]; t++)
		for (int layout = 0; layout < 2; layout++)
			for (int z = 0; z < 2; z++) {
				lp_frame a, b;
				make_frame(&a, types[t], 17, 9, 5);
				const char *p = tpath(names[layout]);
				int w = lp_mhd_write(p, &a, "image", z);
				CHECK(w == 0);
				if (w)
					fprintf(stderr, "write: %s\n", lp_errmsg());
				int r = lp_mhd_read(p, "image", &b);
				CHECK(r == 0);
				if (r)
					fprintf(stderr, "read: %s\n", lp_errmsg());
				CHECK(r == 0 && same_frame(&a, &b));
				CHECK(r == 0 && !strcmp(lp_meta_get(&b,
				      LP_META_SOURCE), p));
				lp_frame_free(&a);
				lp_frame_free(&b);
			}
	/* rt.mhd, rt.raw, rt.zraw, rt.mha and no temporaries */
	CHECK(count_files() == 4);
	lp_mhd_info in;
	CHECK(lp_mhd_read_info(tpath("rt.mha"), &in) == 0 && in.local &&
	      in.compressed && in.dtype == LP_F64 && in.dim[0] == 17);
}

static char *slurp(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	long len = ftell(fp);
	rewind(fp);
	char *s = malloc((size_t)len + 1);
	if (fread(s, 1, (size_t)len, fp) != (size_t)len)
		len = 0;
	s[len] = 0;
	fclose(fp);
	if (n)
		*n = (size_t)len;
	return s;
}

static void test_header_text(void)
{
	lp_frame f;
	lp_frame_init(&f);
	lp_frame_set_dims(&f, 4, 3, 2);
	lp_frame_add_channel(&f, "image", LP_I16, "HU");
	f.spacing[0] = f.spacing[1] = 0.7;
	f.spacing[2] = 2.5;
	f.origin[0] = -180;
	f.origin[1] = -175.5;
	f.origin[2] = -300.25;
	CHECK(lp_mhd_write(tpath("h.mhd"), &f, "image", 0) == 0);
	char *s = slurp(tpath("h.mhd"), NULL);
	const char *want =
		"ObjectType = Image\nNDims = 3\nBinaryData = True\n"
		"BinaryDataByteOrderMSB = False\nCompressedData = False\n"
		"TransformMatrix = 1 0 0 0 1 0 0 0 1\n"
		"Offset = -180 -175.5 -300.25\nCenterOfRotation = 0 0 0\n"
		"AnatomicalOrientation = RAI\nElementSpacing = 0.7 0.7 2.5\n"
		"DimSize = 4 3 2\nElementType = MET_SHORT\n"
		"ElementDataFile = h.raw\n";
	CHECK(s && !strcmp(s, want));
	if (s && strcmp(s, want))
		fprintf(stderr, "header:\n%s", s);
	free(s);
	struct stat st;
	CHECK(stat(tpath("h.raw"), &st) == 0 && st.st_size == 4 * 3 * 2 * 2);
	CHECK(lp_mhd_write(tpath("h.mhd"), &f, "image", 1) == 0);
	s = slurp(tpath("h.mhd"), NULL);
	CHECK(s && strstr(s, "CompressedData = True\nCompressedDataSize = ") &&
	      strstr(s, "ElementDataFile = h.zraw\n"));
	free(s);
	/* writer errors: no channel, bad extension, missing folder */
	CHECK(lp_mhd_write(tpath("h.mhd"), &f, "lung", 0) < 0);
	CHECK(lp_mhd_write(tpath("h.nii"), &f, "image", 0) < 0);
	CHECK(lp_mhd_write(tpath("nodir/h.mhd"), &f, "image", 0) < 0 &&
	      lp_errcode() == LP_EX_CANTCREAT);
	f.spacing[1] = 0;
	CHECK(lp_mhd_write(tpath("bad.mhd"), &f, "image", 0) < 0);
	CHECK(access(tpath("bad.mhd"), F_OK) != 0 &&
	      access(tpath("bad.raw"), F_OK) != 0);
	lp_frame_free(&f);
}

#define LUNA_HDR                                                            \
	"ObjectType = Image\nNDims = 3\nBinaryData = True\n"                \
	"BinaryDataByteOrderMSB = False\nCompressedData = False\n"          \
	"TransformMatrix = 1 0 0 0 1 0 0 0 1\n"                             \
	"Offset = -195.60000610351562 -191.80000305175781 -335.75\n"        \
	"CenterOfRotation = 0 0 0\nAnatomicalOrientation = RAI\n"           \
	"ElementSpacing = 0.76171875 0.76171875 2.5\n"                      \
	"DimSize = 3 2 2\nElementType = MET_SHORT\n"

static void test_luna_like(void)
{
	int16_t v[12] = {-1024, -1000, 0, 1, 3071, -3024, 7, 8, 9, 10, 11, 12};
	put_file("luna.raw", v, sizeof v);
	put_text("luna.mhd", LUNA_HDR "ElementDataFile = luna.raw\n");
	lp_frame f;
	CHECK(lp_mhd_read(tpath("luna.mhd"), "image", &f) == 0);
	CHECK(f.dim[0] == 3 && f.dim[1] == 2 && f.dim[2] == 2);
	CHECK(f.spacing[0] == 0.76171875 && f.spacing[2] == 2.5);
	CHECK(f.origin[0] == -195.60000610351562 && f.origin[2] == -335.75);
	CHECK(f.dir[0] == 1 && f.dir[4] == 1 && f.dir[8] == 1 && f.dir[1] == 0);
	lp_channel *c = lp_frame_channel(&f, "image");
	CHECK(c && c->dtype == LP_I16 && !strcmp(c->units, "HU") &&
	      !memcmp(c->data, v, sizeof v));
	CHECK(lp_meta_get(&f, "anatomical_orientation") &&
	      !strcmp(lp_meta_get(&f, "anatomical_orientation"), "RAI"));
	lp_frame_free(&f);
	/* CRLF line ends, extra keys kept as metadata, absolute data path */
	char hdr[2048];
	snprintf(hdr, sizeof hdr, "ObjectType = Image\r\nNDims = 3\r\n"
	         "Modality = MET_MOD_CT\r\nDimSize = 3 2 2\r\n"
	         "ElementType = MET_SHORT\r\nElementDataFile = %s\r\n",
	         tpath("luna.raw"));
	put_text("crlf.mhd", hdr);
	CHECK(lp_mhd_read(tpath("crlf.mhd"), "image", &f) == 0 &&
	      lp_meta_get(&f, "mhd.Modality") &&
	      !strcmp(lp_meta_get(&f, "mhd.Modality"), "MET_MOD_CT") &&
	      f.spacing[1] == 1.0 && f.origin[0] == 0.0);
	lp_frame_free(&f);
}

static void test_msb_2d_headersize(void)
{
	/* big-endian u16 and f64, with synonyms Position/Orientation/ElementSize */
	unsigned char be[8] = {0x01, 0x02, 0xff, 0x00, 0x00, 0x01, 0x80, 0x00};
	put_file("msb.raw", be, sizeof be);
	put_text("msb.mhd", "NDims = 2\nDimSize = 2 2\nElementSize = 0.5 2\n"
	         "Position = 10 -20\nOrientation = 0 1 -1 0\n"
	         "ElementByteOrderMSB = True\nElementType = MET_USHORT\n"
	         "ElementDataFile = msb.raw\n");
	lp_frame f;
	CHECK(lp_mhd_read(tpath("msb.mhd"), "image", &f) == 0);
	const uint16_t *u = f.nch ? f.ch[0].data : NULL;
	CHECK(u && u[0] == 0x0102 && u[1] == 0xff00 && u[2] == 1 &&
	      u[3] == 0x8000);
	CHECK(f.dim[2] == 1 && f.spacing[0] == 0.5 && f.spacing[1] == 2 &&
	      f.spacing[2] == 1 && f.origin[0] == 10 && f.origin[1] == -20);
	CHECK(f.dir[0] == 0 && f.dir[1] == 1 && f.dir[3] == -1 &&
	      f.dir[4] == 0 && f.dir[8] == 1);
	CHECK(f.nch && !strcmp(f.ch[0].units, ""));
	lp_frame_free(&f);
	double d = -2.75;
	unsigned char db[8 + 5], *src = (unsigned char *)&d;
	memcpy(db, "JUNK!", 5); /* HeaderSize = 5 skips it */
	for (int i = 0; i < 8; i++)
		db[5 + i] = src[7 - i];
	put_file("d.raw", db, sizeof db);
	put_text("d.mhd", "NDims = 3\nDimSize = 1 1 1\nHeaderSize = 5\n"
	         "BinaryDataByteOrderMSB = True\nElementType = MET_DOUBLE\n"
	         "ElementDataFile = d.raw\n");
	CHECK(lp_mhd_read(tpath("d.mhd"), "image", &f) == 0 && f.nch &&
	      *(double *)f.ch[0].data == -2.75);
	lp_frame_free(&f);
	put_text("d1.mhd", "NDims = 3\nDimSize = 1 1 1\nHeaderSize = -1\n"
	         "BinaryDataByteOrderMSB = True\nElementType = MET_DOUBLE\n"
	         "ElementDataFile = d.raw\n");
	CHECK(lp_mhd_read(tpath("d1.mhd"), "image", &f) == 0 && f.nch &&
	      *(double *)f.ch[0].data == -2.75);
	lp_frame_free(&f);
	/* .mha with gzip-wrapped data (zlib auto-detects) and no size key */
	int8_t vals[6] = {-128, -1, 0, 1, 2, 127};
	unsigned char comp[256];
	z_stream z;
	memset(&z, 0, sizeof z);
	deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (unsigned char *)vals;
	z.avail_in = sizeof vals;
	z.next_out = comp;
	z.avail_out = sizeof comp;
	deflate(&z, Z_FINISH);
	size_t clen = sizeof comp - z.avail_out;
	deflateEnd(&z);
	const char *h = "NDims = 3\nDimSize = 3 2 1\nCompressedData = True\n"
	                "ElementType = MET_CHAR\nElementDataFile = LOCAL\n";
	char buf[512];
	memcpy(buf, h, strlen(h));
	memcpy(buf + strlen(h), comp, clen);
	put_file("g.mha", buf, strlen(h) + clen);
	CHECK(lp_mhd_read(tpath("g.mha"), "image", &f) == 0 && f.nch &&
	      f.ch[0].dtype == LP_I8 && !memcmp(f.ch[0].data, vals, 6));
	lp_frame_free(&f);
}

/* An independent reader (numpy + zlib) checks what the writer made. */
static void test_numpy_oracle(void)
{
	if (access("/usr/bin/python3", X_OK) != 0 ||
	    system("/usr/bin/python3 -c 'import numpy' 2>/dev/null") != 0) {
		fprintf(stderr, "numpy oracle skipped: no python3/numpy\n");
		return;
	}
	lp_frame f;
	lp_frame_init(&f);
	lp_frame_set_dims(&f, 5, 4, 3);
	lp_channel *c = lp_frame_add_channel(&f, "image", LP_I16, "HU");
	int16_t *v = c->data;
	for (int i = 0; i < 60; i++)
		v[i] = (int16_t)(i * 37 - 1000);
	f.origin[2] = -12.5;
	CHECK(lp_mhd_write(tpath("py.mhd"), &f, "image", 1) == 0);
	CHECK(lp_mhd_write(tpath("py2.mha"), &f, "image", 0) == 0);
	lp_frame_free(&f);
	char cmd[4096];
	snprintf(cmd, sizeof cmd,
	         "/usr/bin/python3 - '%s' <<'EOF'\n"
	         "import sys, os, zlib, numpy as np\n"
	         "d = sys.argv[1]\n"
	         "def hdr(b):\n"
	         "    h = {}\n"
	         "    pos = 0\n"
	         "    while True:\n"
	         "        e = b.index(b'\\n', pos)\n"
	         "        k, v = b[pos:e].decode().split(' = ')\n"
	         "        h[k] = v; pos = e + 1\n"
	         "        if k == 'ElementDataFile': return h, pos\n"
	         "want = (np.arange(60) * 37 - 1000).astype('<i2')\n"
	         "h, _ = hdr(open(d + '/py.mhd', 'rb').read())\n"
	         "z = open(d + '/' + h['ElementDataFile'], 'rb').read()\n"
	         "assert int(h['CompressedDataSize']) == len(z)\n"
	         "a = np.frombuffer(zlib.decompress(z), '<i2')\n"
	         "assert h['DimSize'] == '5 4 3' and h['Offset'] == '0 0 -12.5'\n"
	         "assert (a == want).all()\n"
	         "b = open(d + '/py2.mha', 'rb').read()\n"
	         "h, pos = hdr(b)\n"
	         "assert h['ElementDataFile'] == 'LOCAL'\n"
	         "assert (np.frombuffer(b[pos:], '<i2') == want).all()\n"
	         "EOF", tmp);
	CHECK(system(cmd) == 0);
}

/* Malformed headers and data: expected exit class and file named. */
static void expect_fail(const char *name, int code, const char *what)
{
	lp_frame f;
	lp_frame_init(&f);
	int r = lp_mhd_read(tpath(name), "image", &f);
	CHECK(r < 0);
	if (r == 0) {
		fprintf(stderr, "%s: accepted\n", name);
		lp_frame_free(&f);
		return;
	}
	CHECK(lp_errcode() == code);
	CHECK(strstr(lp_errmsg(), name) != NULL);
	CHECK(strchr(lp_errmsg(), '\n') == NULL);
	CHECK(f.nch == 0);
	if (lp_errcode() != code || !strstr(lp_errmsg(), what))
		fprintf(stderr, "%s: code %d '%s' (want %d, '%s')\n", name,
		        lp_errcode(), lp_errmsg(), code, what);
	CHECK(strstr(lp_errmsg(), what) != NULL);
}

#define H3 "NDims = 3\nElementType = MET_SHORT\n"

static void malformed(const char *name, const char *hdr, int code,
                      const char *what)
{
	put_text(name, hdr);
	expect_fail(name, code, what);
}

static void test_malformed(void)
{
	int16_t v[8] = {0};
	put_file("m.raw", v, sizeof v);
	put_file("long.raw", v, sizeof v); /* 16 bytes */
	expect_fail("nothere.mhd", LP_EX_NOINPUT, "No such file");
	malformed("noraw.mhd", H3 "DimSize = 2 2 2\nElementDataFile = x.raw\n",
	          LP_EX_NOINPUT, "x.raw");
	malformed("nodim.mhd", H3 "ElementDataFile = m.raw\n", LP_EX_DATAERR,
	          "missing DimSize");
	malformed("baddim.mhd", H3 "DimSize = 2 two 2\nElementDataFile = m.raw\n",
	          LP_EX_DATAERR, "bad DimSize");
	malformed("dim2.mhd", H3 "DimSize = 2 2\nElementDataFile = m.raw\n",
	          LP_EX_DATAERR, "bad DimSize");
	malformed("dim4.mhd", H3 "DimSize = 2 2 2 2\nElementDataFile = m.raw\n",
	          LP_EX_DATAERR, "bad DimSize");
	malformed("dim0.mhd", H3 "DimSize = 2 0 2\nElementDataFile = m.raw\n",
	          LP_EX_DATAERR, "bad DimSize");
	malformed("dimneg.mhd", H3 "DimSize = 2 -2 2\nElementDataFile = m.raw\n",
	          LP_EX_DATAERR, "bad DimSize");
	malformed("dimbig.mhd", H3 "DimSize = 100000 100000 100000\n"
	          "ElementDataFile = m.raw\n", LP_EX_DATAERR, "2^31");
	malformed("dimovf.mhd", H3 "DimSize = 4294967296 4294967296 4294967296"
	          "\nElementDataFile = m.raw\n", LP_EX_DATAERR, "2^31");
	malformed("dimhuge.mhd", H3 "DimSize = 99999999999999999999 1 1\n"
	          "ElementDataFile = m.raw\n", LP_EX_DATAERR, "bad DimSize");
	malformed("spnan.mhd", H3 "DimSize = 2 2 2\nElementSpacing = 1 nan 1\n"
	          "ElementDataFile = m.raw\n", LP_EX_DATAERR, "ElementSpacing");
	malformed("spzero.mhd", H3 "DimSize = 2 2 2\nElementSpacing = 1 1 0\n"
	          "ElementDataFile = m.raw\n", LP_EX_DATAERR, "ElementSpacing");
	malformed("spneg.mhd", H3 "DimSize = 2 2 2\nElementSpacing = -1 1 1\n"
	          "ElementDataFile = m.raw\n", LP_EX_DATAERR, "ElementSpacing");
	malformed("spinf.mhd", H3 "DimSize = 2 2 2\nElementSize = 1 inf 1\n"
	          "ElementDataFile = m.raw\n", LP_EX_DATAERR, "ElementSize");
	malformed("offnan.mhd", H3 "DimSize = 2 2 2\nOffset = 0 NaN 0\n"
	          "ElementDataFile = m.raw\n", LP_EX_DATAERR, "Offset");
	malformed("tmsing.mhd", H3 "DimSize = 2 2 2\n"
	          "TransformMatrix = 1 0 0 1 0 0 0 0 1\n"
	          "ElementDataFile = m.raw\n", LP_EX_DATAERR, "TransformMatrix");
	malformed("tmshort.mhd", H3 "DimSize = 2 2 2\n"
	          "TransformMatrix = 1 0 0 0 1 0\nElementDataFile = m.raw\n",
	          LP_EX_DATAERR, "TransformMatrix");
	malformed("short.mhd", H3 "DimSize = 2 2 3\nElementDataFile = m.raw\n",
	          LP_EX_DATAERR, "too short");
	malformed("long.mhd", H3 "DimSize = 2 2 1\nElementDataFile = long.raw\n",
	          LP_EX_DATAERR, "too long");
	malformed("hsbig.mhd", H3 "DimSize = 2 2 2\nHeaderSize = 4\n"
	          "ElementDataFile = m.raw\n", LP_EX_DATAERR, "too short");
	malformed("hsbad.mhd", H3 "DimSize = 2 2 2\nHeaderSize = -7\n"
	          "ElementDataFile = m.raw\n", LP_EX_DATAERR, "HeaderSize");
	malformed("type.mhd", "NDims = 3\nDimSize = 2 2 2\n"
	          "ElementType = MET_LONG_LONG\nElementDataFile = m.raw\n",
	          LP_EX_UNSUPPORTED, "ElementType");
	malformed("notype.mhd", "NDims = 3\nDimSize = 2 2 2\n"
	          "ElementDataFile = m.raw\n", LP_EX_DATAERR, "ElementType");
	malformed("nondims.mhd", "DimSize = 2 2 2\nElementType = MET_SHORT\n"
	          "ElementDataFile = m.raw\n", LP_EX_DATAERR, "NDims");
	malformed("ndims4.mhd", "NDims = 4\nDimSize = 2 2 2 1\n"
	          "ElementType = MET_SHORT\nElementDataFile = m.raw\n",
	          LP_EX_UNSUPPORTED, "NDims");
	malformed("chan.mhd", H3 "DimSize = 2 2 1\nElementNumberOfChannels = 2"
	          "\nElementDataFile = m.raw\n", LP_EX_UNSUPPORTED,
	          "ElementNumberOfChannels");
	malformed("ascii.mhd", H3 "DimSize = 2 2 2\nBinaryData = False\n"
	          "ElementDataFile = m.raw\n", LP_EX_UNSUPPORTED, "BinaryData");
	malformed("msbbad.mhd", H3 "DimSize = 2 2 2\nBinaryDataByteOrderMSB = "
	          "maybe\nElementDataFile = m.raw\n", LP_EX_DATAERR, "MSB");
	malformed("list.mhd", H3 "DimSize = 2 2 2\nElementDataFile = LIST\n"
	          "a.raw\nb.raw\n", LP_EX_UNSUPPORTED, "LIST");
	malformed("pat.mhd", H3 "DimSize = 2 2 2\nElementDataFile = s%03d.raw "
	          "1 2 1\n", LP_EX_UNSUPPORTED, "pattern");
	malformed("obj.mhd", "ObjectType = Tube\n" H3 "DimSize = 2 2 2\n"
	          "ElementDataFile = m.raw\n", LP_EX_UNSUPPORTED, "ObjectType");
	malformed("trunc.mhd", H3 "DimSize = 2 2 2\nElementSpa",
	          LP_EX_DATAERR, "truncated header");
	malformed("empty.mhd", "", LP_EX_DATAERR, "truncated header");
	malformed("noeq.mhd", H3 "DimSize 2 2 2\nElementDataFile = m.raw\n",
	          LP_EX_DATAERR, "line 3");
	malformed("csize.mhd", H3 "DimSize = 2 2 2\nCompressedData = True\n"
	          "CompressedDataSize = 0\nElementDataFile = m.raw\n",
	          LP_EX_DATAERR, "CompressedDataSize");
	/* a binary file that is not a header at all */
	unsigned char junk[64];
	for (int i = 0; i < 64; i++)
		junk[i] = (unsigned char)(i * 7);
	put_file("junk.mhd", junk, sizeof junk);
	expect_fail("junk.mhd", LP_EX_DATAERR, "header");
	/* bad zlib data, truncated and overlong compressed data */
	put_file("bad.zraw", junk, sizeof junk);
	malformed("badz.mhd", H3 "DimSize = 2 2 2\nCompressedData = True\n"
	          "ElementDataFile = bad.zraw\n", LP_EX_DATAERR, "compressed");
	unsigned char comp[128];
	uLongf clen = sizeof comp;
	compress(comp, &clen, (unsigned char *)v, sizeof v);
	put_file("t.zraw", comp, clen - 3);
	malformed("ztrunc.mhd", H3 "DimSize = 2 2 2\nCompressedData = True\n"
	          "ElementDataFile = t.zraw\n", LP_EX_DATAERR, "truncated");
	put_file("t.zraw", comp, clen);
	malformed("zmore.mhd", H3 "DimSize = 2 2 1\nCompressedData = True\n"
	          "ElementDataFile = t.zraw\n", LP_EX_DATAERR, "more than");
	malformed("zless.mhd", H3 "DimSize = 2 2 4\nCompressedData = True\n"
	          "ElementDataFile = t.zraw\n", LP_EX_DATAERR, "expected");
	char hdr[256];
	snprintf(hdr, sizeof hdr, H3 "DimSize = 2 2 2\nCompressedData = True\n"
	         "CompressedDataSize = %lu\nElementDataFile = t.zraw\n",
	         (unsigned long)clen + 5);
	malformed("zsize.mhd", hdr, LP_EX_DATAERR, "too short");
	/* the well-formed control reads */
	put_text("ok.mhd", H3 "DimSize = 2 2 2\nCompressedData = True\n"
	         "ElementDataFile = t.zraw\n");
	lp_frame f;
	CHECK(lp_mhd_read(tpath("ok.mhd"), "image", &f) == 0);
	lp_frame_free(&f);
	/* .mha truncated in its data */
	malformed("trunc.mha", H3 "DimSize = 2 2 2\nElementDataFile = LOCAL\n"
	          "0123456789", LP_EX_DATAERR, "too short");
}

/* Truncations and random byte changes of a valid .mha: never a crash, and
 * every failure a one-line message with a data-error class. */
static void test_mutations(void)
{
	lp_frame f;
	make_frame(&f, LP_I16, 3, 2, 2);
	CHECK(lp_mhd_write(tpath("mut.mha"), &f, "image", 0) == 0);
	lp_frame_free(&f);
	size_t n;
	char *orig = slurp(tpath("mut.mha"), &n);
	char *buf = malloc(n);
	int bad = 0, ok = 0;
	for (int it = 0; orig && it < 400; it++) {
		memcpy(buf, orig, n);
		size_t len = n;
		if (it < 100) {
			len = (size_t)it * n / 100; /* truncation */
		} else {
			for (int k = 0; k < 1 + it % 3; k++)
				buf[next_rand() % n] = "0 =\n-9.eZ\x80"[next_rand() % 10];
		}
		put_file("mut2.mha", buf, len);
		if (lp_mhd_read(tpath("mut2.mha"), "image", &f) == 0) {
			ok++;
			lp_frame_free(&f);
			continue;
		}
		int c = lp_errcode();
		if ((c != LP_EX_DATAERR && c != LP_EX_UNSUPPORTED &&
		     c != LP_EX_NOINPUT) || strchr(lp_errmsg(), '\n') ||
		    !strstr(lp_errmsg(), "mut2.mha") || f.nch) {
			bad++;
			fprintf(stderr, "mutation %d: %d '%s'\n", it, c,
			        lp_errmsg());
		}
	}
	CHECK(bad == 0);
	CHECK(ok < 400); /* the mutations did break something */
	free(buf);
	free(orig);
}

static void test_stats(void)
{
	int16_t a[5] = {-1024, 0, 0, 10, 3071};
	lp_stats s;
	CHECK(lp_stats_compute(a, LP_I16, 5, &s) == 0);
	CHECK(s.min == -1024 && s.max == 3071 && s.nonzero == 3 && s.n == 5);
	CHECK_NEAR(s.mean, 411.4, 1e-12);
	CHECK_NEAR(s.std, 1388.0538318, 1e-6);
	float fl[6] = {1.0f, NAN, 3.0f, INFINITY, 0.0f, -2.0f};
	CHECK(lp_stats_compute(fl, LP_F32, 6, &s) == 0);
	CHECK(s.nnan == 1 && s.ninf == 1 && s.nfinite == 4);
	CHECK(s.min == -2 && isinf(s.max) && s.nonzero == 5);
	CHECK_NEAR(s.mean, 0.5, 1e-12);
	uint32_t big[3] = {4294967295u, 4294967295u, 0};
	CHECK(lp_stats_compute(big, LP_U32, 3, &s) == 0);
	CHECK(s.max == 4294967295.0 && s.min == 0);
	CHECK_NEAR(s.mean, 2863311530.0, 1e-3);
	double dd[2] = {1e10 + 1, 1e10 - 1};
	CHECK(lp_stats_compute(dd, LP_F64, 2, &s) == 0);
	CHECK_NEAR(s.std, 1.0, 1e-9);
	CHECK(lp_stats_compute(a, LP_I16, 0, &s) == 0 && isnan(s.mean));
	CHECK(lp_stats_compute(a, (lp_dtype)42, 5, &s) < 0);
	/* a larger block-crossing case against a direct sum */
	size_t n = 200003;
	uint8_t *m = malloc(n);
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += (m[i] = (uint8_t)(next_rand() & 0xff));
	CHECK(lp_stats_compute(m, LP_U8, n, &s) == 0);
	CHECK_NEAR(s.mean, sum / (double)n, 1e-9);
	free(m);
}

int main(void)
{
	const char *t = getenv("LP_TMP");
	snprintf(tmp, sizeof tmp, "%s", t ? t : "/tmp");
	if (!t) {
		snprintf(tmp, sizeof tmp, "/tmp/test_mhd.%d", (int)getpid());
		mkdir(tmp, 0755);
	}
	test_round_trips();
	test_header_text();
	test_luna_like();
	test_msb_2d_headersize();
	test_numpy_oracle();
	test_malformed();
	test_mutations();
	test_stats();
	return lp_test_result("test_mhd");
}
