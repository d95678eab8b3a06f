/* test_stream.c - stream round trips and every malformed case. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "lp_crc.h"
#include "lp_stream.h"
#include "lp_test.h"

static char dir[512];

static void make_frame(lp_frame *f, int nx, int ny, int nz, unsigned seed)
{
	lp_frame_init(f);
	CHECK(lp_frame_set_dims(f, nx, ny, nz) == 0);
	f->spacing[0] = 0.7;
	f->spacing[1] = 0.75;
	f->spacing[2] = 2.5;
	f->origin[0] = -170.5;
	f->origin[1] = -180.25;
	f->origin[2] = -310.0;
	/* a rotation about z by 30 degrees */
	double c = cos(M_PI / 6), s = sin(M_PI / 6);
	double d[9] = {c, s, 0, -s, c, 0, 0, 0, 1};
	memcpy(f->dir, d, sizeof d);
	lp_channel *im = lp_frame_add_channel(f, "image", LP_I16, "HU");
	lp_channel *gt = lp_frame_add_channel(f, "gt", LP_U8, "mask");
	lp_channel *pr = lp_frame_add_channel(f, "prob", LP_F32, "prob");
	CHECK(im && gt && pr);
	int64_t n = lp_frame_nvox(f);
	for (int64_t i = 0; i < n; i++) {
		((int16_t *)im->data)[i] = (int16_t)((i * 7919 + seed) % 4000 - 2000);
		((uint8_t *)gt->data)[i] = (uint8_t)((i + seed) % 3 == 0);
		((float *)pr->data)[i] = (float)((i + seed) % 101) / 100.0f;
	}
	pr->wmin = -1000;
	pr->wmax = 400;
	CHECK(lp_meta_set(f, "series_uid", "1.2.3.4") == 0);
	CHECK(lp_meta_set(f, "x-future-key.unknown", "carried through") == 0);
	CHECK(lp_meta_setf(f, "nodule_id", "%d", (int)seed) == 0);
}

static int frames_equal(const lp_frame *a, const lp_frame *b)
{
	if (memcmp(a->dim, b->dim, sizeof a->dim) ||
	    memcmp(a->spacing, b->spacing, sizeof a->spacing) ||
	    memcmp(a->origin, b->origin, sizeof a->origin) ||
	    memcmp(a->dir, b->dir, sizeof a->dir) || a->nch != b->nch ||
	    a->nmeta != b->nmeta)
		return 0;
	for (int i = 0; i < a->nch; i++) {
		const lp_channel *x = &a->ch[i], *y = &b->ch[i];
		if (strcmp(x->name, y->name) || strcmp(x->units, y->units) ||
		    x->dtype != y->dtype || x->wmin != y->wmin ||
		    x->wmax != y->wmax ||
		    memcmp(x->data, y->data, lp_channel_bytes(a, x)))
			return 0;
	}
	for (int i = 0; i < a->nmeta; i++)
		if (strcmp(a->meta[i].key, b->meta[i].key) ||
		    strcmp(a->meta[i].value, b->meta[i].value))
			return 0;
	return 1;
}

static char *slurp(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	*n = (size_t)ftell(fp);
	rewind(fp);
	char *p = malloc(*n + 1);
	if (p && fread(p, 1, *n, fp) != *n) {
		free(p);
		p = NULL;
	}
	fclose(fp);
	return p;
}

static void spit(const char *path, const char *p, size_t n)
{
	FILE *fp = fopen(path, "wb");
	CHECK(fp != NULL);
	if (!fp)
		return;
	CHECK(fwrite(p, 1, n, fp) == n);
	fclose(fp);
}

/* Read all frames; returns frames read or -1 with the error code in *code. */
static int read_all(const char *path, int *code)
{
	lp_reader *r = lp_reader_open(path);
	if (!r) {
		*code = lp_errcode();
		return -1;
	}
	lp_frame f;
	lp_frame_init(&f);
	int n = 0, rc;
	while ((rc = lp_reader_next(r, &f)) == 1)
		n++;
	lp_frame_free(&f);
	lp_reader_close(r);
	*code = rc < 0 ? lp_errcode() : 0;
	return rc < 0 ? -1 : n;
}

static void test_roundtrip(const char *path)
{
	lp_frame a, b, c;
	make_frame(&a, 13, 7, 5, 1);
	make_frame(&b, 64, 64, 1, 2);
	char *argv[] = {"test_stream", "--opt", "with space"};
	lp_writer *w = lp_writer_open(path, "ct-phantom 0.1.0: ct-phantom\n",
	                              "test_stream", 3, argv);
	CHECK(w != NULL);
	CHECK(lp_writer_put(w, &a) == 0);
	CHECK(lp_writer_put(w, &b) == 0);
	CHECK(lp_writer_close(w) == 0);

	lp_reader *r = lp_reader_open(path);
	CHECK(r != NULL);
	if (!r)
		return;
	const char *prov = lp_reader_provenance(r);
	CHECK(strstr(prov, "ct-phantom 0.1.0: ct-phantom\n") == prov);
	CHECK(strstr(prov, "test_stream 0.1.0: test_stream --opt 'with space'\n") != NULL);
	lp_frame_init(&c);
	CHECK(lp_reader_next(r, &c) == 1);
	CHECK(frames_equal(&a, &c));
	CHECK(strcmp(lp_meta_get(&c, "x-future-key.unknown"), "carried through") == 0);
	CHECK(lp_reader_next(r, &c) == 1);
	CHECK(frames_equal(&b, &c));
	CHECK(lp_reader_next(r, &c) == 0);
	CHECK(lp_reader_next(r, &c) == 0);
	lp_reader_close(r);
	lp_frame_free(&a);
	lp_frame_free(&b);
	lp_frame_free(&c);
}

static void expect_fail(const char *what, const char *path, const char *p,
                        size_t n, int code, const char *msgpart)
{
	spit(path, p, n);
	int got;
	int rc = read_all(path, &got);
	if (rc != -1 || got != code || !strstr(lp_errmsg(), msgpart) ||
	    !strstr(lp_errmsg(), path))
		fprintf(stderr, "case %s: rc %d code %d msg '%s'\n", what, rc,
		        got, lp_errmsg());
	CHECK(rc == -1);
	CHECK(got == code);
	CHECK(strstr(lp_errmsg(), msgpart) != NULL);
	CHECK(strstr(lp_errmsg(), path) != NULL); /* names the file */
}

static void put32(char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (char)(v >> (8 * i));
}

static void test_malformed(const char *good)
{
	size_t n;
	char *s = slurp(good, &n);
	CHECK(s != NULL);
	if (!s)
		return;
	char bad[600], *t = malloc(n);
	snprintf(bad, sizeof bad, "%s/bad.lps", dir);

	/* truncated at every interesting length: never a crash, always 65 */
	size_t cuts[] = {0, 4, 8, 15, 20, 40, 60, 100, 200, 500, n / 2, n - 13,
	                 n - 1};
	for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++)
		expect_fail("truncated", bad, s, cuts[k], 65,
		            cuts[k] == 0 ? "empty" : cuts[k] < 8 ? "magic"
		                                                 : "trunc");
	/* a stream cut exactly after the first frame: no end marker */
	memcpy(t, s, n);
	memcpy(t, "LUNGPIPX", 8);
	expect_fail("magic", bad, t, n, 65, "bad magic");
	/* flipped payload byte -> CRC */
	memcpy(t, s, n);
	t[n / 3] ^= 0x40;
	expect_fail("crc", bad, t, n, 65, "CRC");
	/* unknown major version -> 69 with a hint */
	memcpy(t, s, n);
	t[8] = 2;
	expect_fail("major", bad, t, n, 69, "upgrade lungpipe");
	/* absurd dims: patch dim[0] of frame 1 (after header) to 2^40 */
	{
		size_t plen = (unsigned char)s[12] | (unsigned char)s[13] << 8;
		size_t h = 16 + plen + 4; /* start of "FRAM" */
		memcpy(t, s, n);
		t[h + 8 + 5] = 1; /* dim[0] |= 2^40 */
		expect_fail("dims", bad, t, n, 65, "exceed");
		memcpy(t, s, n);
		t[h + 8 + 7] = (char)0x80; /* negative dim */
		expect_fail("negdims", bad, t, n, 65, "invalid dimensions");
		/* NaN spacing */
		memcpy(t, s, n);
		for (int i = 0; i < 8; i++)
			t[h + 8 + 24 + i] = (char)0xff;
		expect_fail("nan", bad, t, n, 65, "spacing");
		/* absurd header length */
		memcpy(t, s, n);
		put32(t + h + 4, 0xfffffff0u);
		expect_fail("hlen", bad, t, n, 65, "absurd header length");
		/* bad record tag */
		memcpy(t, s, n);
		t[h] = 'X';
		expect_fail("tag", bad, t, n, 65, "bad record tag");
	}
	/* end marker that counts a different number of frames */
	memcpy(t, s, n);
	t[n - 12] = 5;
	expect_fail("endcrc", bad, t, n, 65, "end marker");
	free(t);
	free(s);
}

static void test_writer_abort(void)
{
	char path[600];
	snprintf(path, sizeof path, "%s/aborted.lps", dir);
	char *argv[] = {"x"};
	lp_writer *w = lp_writer_open(path, NULL, "t", 1, argv);
	CHECK(w != NULL);
	lp_writer_abort(w);
	CHECK(access(path, F_OK) != 0); /* no partial output file */
	/* a writer to a folder that does not exist fails with 73 */
	snprintf(path, sizeof path, "%s/no/such/dir/x.lps", dir);
	CHECK(lp_writer_open(path, NULL, "t", 1, argv) == NULL);
	CHECK(lp_errcode() == 73);
	/* the end-of-stream rule: a stream without frames is valid */
	snprintf(path, sizeof path, "%s/empty.lps", dir);
	w = lp_writer_open(path, NULL, "t", 1, argv);
	CHECK(w && lp_writer_close(w) == 0);
	int code;
	CHECK(read_all(path, &code) == 0);
}

static void test_geometry(void)
{
	lp_frame f;
	make_frame(&f, 4, 5, 6, 3);
	double ijk[3] = {1.5, -2, 3.25}, xyz[3], back[3];
	lp_index_to_world(&f, ijk, xyz);
	CHECK(lp_world_to_index(&f, xyz, back) == 0);
	for (int a = 0; a < 3; a++)
		CHECK_NEAR(back[a], ijk[a], 1e-9);
	/* axis 0 moves along dir row 0 scaled by spacing */
	double o[3] = {0, 0, 0}, x1[3] = {1, 0, 0}, w0[3], w1[3];
	lp_index_to_world(&f, o, w0);
	lp_index_to_world(&f, x1, w1);
	CHECK_NEAR(w1[0] - w0[0], 0.7 * cos(M_PI / 6), 1e-12);
	CHECK_NEAR(w1[1] - w0[1], 0.7 * sin(M_PI / 6), 1e-12);
	double v[3];
	CHECK(lp_meta_get_doubles(&f, "nodule_id", v, 3) == 1);
	CHECK(lp_meta_set(&f, "bad key", "x") == -1);
	f.spacing[1] = NAN;
	CHECK(lp_frame_check_geometry(&f) == -1);
	lp_frame_free(&f);
}

/* the folded CRC equals zlib's for every length and alignment */
static void test_crc(void)
{
	unsigned char *b = malloc(70000);
	uint32_t x = 12345;
	for (int i = 0; i < 70000; i++) {
		x = x * 1103515245u + 12345u;
		b[i] = (unsigned char)(x >> 16);
	}
	int bad = 0;
	for (size_t n = 0; n < 70000; n += n < 300 ? 1 : 997)
		for (size_t off = 0; off < 4; off++)
			if (lp_crc32((uint32_t)n, b + off, n - (n ? off : 0) / 2) !=
			    (uint32_t)crc32((uint32_t)n, b + off, n - (n ? off : 0) / 2))
				bad++;
	CHECK(bad == 0);
	free(b);
}

int main(void)
{
	test_crc();
	const char *tmp = getenv("LP_TMP");
	snprintf(dir, sizeof dir, "%s", tmp ? tmp : "/tmp");
	char path[600];
	snprintf(path, sizeof path, "%s/good.lps", dir);
	test_roundtrip(path);
	test_malformed(path);
	test_writer_abort();
	test_geometry();
	return lp_test_result("test_stream");
}
