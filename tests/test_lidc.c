/* test_lidc.c - LIDC XML parser, rasterizer, grouping, consensus, labels. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_lidc.h"
#include "lp_test.h"

/* ---- rasterizer -------------------------------------------------------- */

/* Independent oracle: per-pixel on-segment test and crossing count. */
static int on_seg(lidc_pt a, lidc_pt b, double x, double y)
{
	double cr = (b.x - a.x) * (y - a.y) - (b.y - a.y) * (x - a.x);
	if (fabs(cr) > 1e-9)
		return 0;
	return x >= fmin(a.x, b.x) - 1e-9 && x <= fmax(a.x, b.x) + 1e-9 &&
	       y >= fmin(a.y, b.y) - 1e-9 && y <= fmax(a.y, b.y) + 1e-9;
}

static int oracle(const lidc_pt *p, int n, double x, double y)
{
	int in = 0;
	for (int i = 0; i < n; i++) {
		lidc_pt a = p[i], b = p[(i + 1) % n];
		if (on_seg(a, b, x, y))
			return 2;
		if ((a.y > y) != (b.y > y) &&
		    x < a.x + (y - a.y) * (b.x - a.x) / (b.y - a.y))
			in = !in;
	}
	return in;
}

static int count(const uint8_t *m, int n, int v)
{
	int c = 0;
	for (int i = 0; i < n; i++)
		c += m[i] == v;
	return c;
}

static void test_square(void)
{
	/* the 8-connected boundary chain of the square [2,6]^2 */
	lidc_pt sq[16];
	int n = 0;
	for (int x = 2; x < 6; x++)
		sq[n++] = (lidc_pt){x, 2};
	for (int y = 2; y < 6; y++)
		sq[n++] = (lidc_pt){6, y};
	for (int x = 6; x > 2; x--)
		sq[n++] = (lidc_pt){x, 6};
	for (int y = 6; y > 2; y--)
		sq[n++] = (lidc_pt){2, y};
	uint8_t img[10 * 10];
	memset(img, 0, sizeof img);
	CHECK(lidc_fill_polygon(sq, n, img, 10, 10, 0, 0, 1, -1) == 0);
	CHECK(count(img, 100, 1) == 9); /* [3,5]^2: edge pixels outside */
	for (int y = 0; y < 10; y++)
		for (int x = 0; x < 10; x++)
			CHECK(img[y * 10 + x] ==
			      (x >= 3 && x <= 5 && y >= 3 && y <= 5));
	memset(img, 0, sizeof img);
	lidc_fill_polygon(sq, n, img, 10, 10, 0, 0, 1, 1);
	CHECK(count(img, 100, 1) == 25); /* edge rule INSIDE: [2,6]^2 */
	/* the same square given by its 4 corners only: same pixels */
	lidc_pt c4[4] = {{2, 2}, {6, 2}, {6, 6}, {2, 6}};
	memset(img, 0, sizeof img);
	lidc_fill_polygon(c4, 4, img, 10, 10, 0, 0, 1, -1);
	CHECK(count(img, 100, 1) == 9 && img[4 * 10 + 4] == 1 &&
	      img[2 * 10 + 4] == 0);
	/* offset: pixel (0,0) of img is polygon point (2,2) */
	uint8_t sub[3 * 3];
	memset(sub, 0, sizeof sub);
	lidc_fill_polygon(c4, 4, sub, 3, 3, 2, 2, 1, -1);
	CHECK(count(sub, 9, 1) == 4 && sub[0] == 0 && sub[4] == 1);
}

static void test_triangle_and_oracle(void)
{
	lidc_pt tri[3] = {{0, 0}, {8, 0}, {0, 8}};
	uint8_t img[12 * 12];
	memset(img, 0, sizeof img);
	lidc_fill_polygon(tri, 3, img, 12, 12, 0, 0, 1, -1);
	CHECK(count(img, 144, 1) == 21); /* x,y >= 1, x + y <= 7 */
	/* a non-convex polygon with non-integer vertices vs the oracle */
	lidc_pt p[7] = {{1.5, 1},  {14, 2.5}, {9, 7},   {15, 14},
	                {7.5, 11}, {2, 15},   {5, 6.5}};
	uint8_t a[17 * 17], b[17 * 17];
	memset(a, 0, sizeof a);
	memset(b, 0, sizeof b);
	lidc_fill_polygon(p, 7, a, 17, 17, 0, 0, 1, -1);
	lidc_fill_polygon(p, 7, b, 17, 17, 0, 0, 1, 2);
	int bad = 0, in = 0;
	for (int y = 0; y < 17; y++)
		for (int x = 0; x < 17; x++) {
			int o = oracle(p, 7, x, y);
			bad += a[y * 17 + x] != (o == 1);
			bad += b[y * 17 + x] != o;
			in += o == 1;
		}
	CHECK(bad == 0);
	CHECK(in > 60);
}

static lidc_roi mk_roi(const lidc_pt *p, int n, int slice, int inclusion)
{
	lidc_roi r;
	memset(&r, 0, sizeof r);
	r.pts = malloc((size_t)n * sizeof *r.pts);
	memcpy(r.pts, p, (size_t)n * sizeof *p);
	r.npts = n;
	r.slice = slice;
	r.inclusion = inclusion;
	r.z = NAN;
	return r;
}

static void test_holes(void)
{
	lidc_pt big[4] = {{0, 0}, {10, 0}, {10, 10}, {0, 10}};
	lidc_pt hole[4] = {{3, 3}, {7, 3}, {7, 7}, {3, 7}};
	lidc_nodule nod;
	memset(&nod, 0, sizeof nod);
	lidc_roi r[3] = {mk_roi(big, 4, 1, 1), mk_roi(hole, 4, 1, 0),
	                 mk_roi(big, 4, 2, 1)};
	nod.roi = r;
	nod.nroi = 3;
	int64_t dim[3] = {16, 16, 4};
	lidc_box b;
	CHECK(lidc_raster_nodule(&nod, dim, LIDC_EDGE_OUTSIDE, &b) == 0);
	/* slice 1: 81 - 25 (hole interior and its edge); slice 2: 81 */
	CHECK(b.count == 56 + 81);
	CHECK(b.o[2] == 1 && b.n[2] == 2 && b.o[0] == 0 && b.n[0] == 11);
	CHECK(b.m[5 * b.n[0] + 5] == 0 && b.m[1 * b.n[0] + 1] == 1);
	lidc_box_free(&b);
	CHECK(lidc_raster_nodule(&nod, dim, LIDC_EDGE_INSIDE, &b) == 0);
	CHECK(b.count == (121 - 9) + 121); /* hole removes its interior */
	lidc_box_free(&b);
	/* clipped at the image border: only [0,5]^2 of the image */
	int64_t small[3] = {6, 6, 4};
	CHECK(lidc_raster_nodule(&nod, small, LIDC_EDGE_OUTSIDE, &b) == 0);
	CHECK(b.n[0] == 6 && b.count == (25 - 9) + 25);
	lidc_box_free(&b);
	for (int i = 0; i < 3; i++)
		free(r[i].pts);
}

/* ---- parser ------------------------------------------------------------ */

static const char *XML_NS =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<LidcReadMessage xmlns=\"http://www.nih.gov\">\n"
	"<ResponseHeader><SeriesInstanceUid> 1.2.3 </SeriesInstanceUid>"
	"<StudyInstanceUID>9.8</StudyInstanceUID></ResponseHeader>\n"
	"<readingSession><servicingRadiologistID>R1</servicingRadiologistID>\n"
	"<unblindedReadNodule><noduleID>N1</noduleID>\n"
	"<characteristics><subtlety>5</subtlety><malignancy>4</malignancy>"
	"</characteristics>\n"
	"<roi><imageZposition>-125.000000 </imageZposition>"
	"<imageSOP_UID>1.2.3.4</imageSOP_UID><inclusion>TRUE</inclusion>\n"
	"<edgeMap><xCoord>10</xCoord><yCoord>11</yCoord></edgeMap>"
	"<edgeMap><xCoord>12</xCoord><yCoord>11</yCoord></edgeMap>"
	"<edgeMap><xCoord>12</xCoord><yCoord>13</yCoord></edgeMap></roi>\n"
	"<roi><imageZposition>-127.5</imageZposition>"
	"<imageSOP_UID>1.2.3.5</imageSOP_UID><inclusion>FALSE</inclusion>"
	"<edgeMap><xCoord>1</xCoord><yCoord>2</yCoord></edgeMap></roi>\n"
	"</unblindedReadNodule>\n"
	"<unblindedReadNodule><noduleID>N2</noduleID><roi>"
	"<imageZposition>-150</imageZposition><inclusion>TRUE</inclusion>"
	"<edgeMap><xCoord>187</xCoord><yCoord>166</yCoord></edgeMap>"
	"</roi></unblindedReadNodule>\n"
	"<nonNodule><nonNoduleID>NN1</nonNoduleID>"
	"<imageZposition>-185</imageZposition>"
	"<imageSOP_UID>5.5</imageSOP_UID>"
	"<locus><xCoord>396</xCoord><yCoord>216</yCoord></locus></nonNodule>\n"
	"</readingSession>\n"
	"<readingSession><servicingRadiologistID>R2</servicingRadiologistID>"
	"</readingSession>\n"
	"</LidcReadMessage>\n";

static char *replace(const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from);
	if (!at)
		return strdup(s);
	size_t n = strlen(s) - strlen(from) + strlen(to) + 1;
	char *r = malloc(n);
	snprintf(r, n, "%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
	return r;
}

static void check_doc(const lidc_doc *d)
{
	CHECK(!strcmp(d->series_uid, "1.2.3"));
	CHECK(!strcmp(d->study_uid, "9.8"));
	CHECK(d->nreaders == 2 && !strcmp(d->readers[0].id, "R1") &&
	      !strcmp(d->readers[1].id, "R2"));
	CHECK(d->nnod == 2);
	if (d->nnod != 2)
		return;
	const lidc_nodule *n = &d->nod[0];
	CHECK(!strcmp(n->id, "N1") && n->reader == 0);
	CHECK(n->chars[LIDC_MALIGNANCY] == 4 && n->chars[LIDC_SUBTLETY] == 5 &&
	      n->chars[LIDC_TEXTURE] == 0);
	CHECK(n->nroi == 2);
	if (n->nroi == 2) {
		CHECK(n->roi[0].npts == 3 && n->roi[0].pts[2].x == 12 &&
		      n->roi[0].pts[2].y == 13);
		CHECK(n->roi[0].z == -125.0 && n->roi[0].inclusion == 1);
		CHECK(!strcmp(n->roi[0].sop_uid, "1.2.3.4"));
		CHECK(n->roi[1].inclusion == 0 && n->roi[1].z == -127.5);
	}
	CHECK(!lidc_nodule_is_small(n) && lidc_nodule_is_small(&d->nod[1]));
	CHECK(d->nnon == 1 && d->non[0].x == 396 && d->non[0].y == 216 &&
	      d->non[0].z == -185 && !strcmp(d->non[0].id, "NN1"));
}

static void test_parse_ok(void)
{
	lidc_doc d;
	CHECK(lidc_parse_buffer(XML_NS, strlen(XML_NS), "ns.xml", &d) == 0);
	check_doc(&d);
	CHECK(d.nwarn == 0);
	lidc_doc_free(&d);
	/* no namespace at all */
	char *plain = replace(XML_NS, " xmlns=\"http://www.nih.gov\"", "");
	CHECK(lidc_parse_buffer(plain, strlen(plain), "plain.xml", &d) == 0);
	check_doc(&d);
	lidc_doc_free(&d);
	free(plain);
}

/* Put a prefix on every element name. */
static char *prefixed(const char *s)
{
	size_t n = strlen(s);
	char *r = malloc(n * 3 + 100);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		r[k++] = s[i];
		if (s[i] == '<' && s[i + 1] != '?') {
			if (s[i + 1] == '/')
				r[k++] = s[++i];
			memcpy(r + k, "nih:", 4);
			k += 4;
		}
	}
	r[k] = 0;
	char *t = replace(r, "xmlns=", "xmlns:nih=");
	free(r);
	return t;
}

static void test_parse_prefix(void)
{
	char *x = prefixed(XML_NS);
	lidc_doc d;
	CHECK(strstr(x, "<nih:roi>") != NULL);
	CHECK(lidc_parse_buffer(x, strlen(x), "pre.xml", &d) == 0);
	check_doc(&d);
	lidc_doc_free(&d);
	free(x);
}

static void expect_fail(const char *xml, const char *name, const char *what)
{
	lidc_doc d;
	lp_errclear();
	int rc = lidc_parse_buffer(xml, strlen(xml), name, &d);
	CHECK(rc == -1);
	CHECK(lp_errcode() == LP_EX_DATAERR);
	CHECK(strstr(lp_errmsg(), name) == lp_errmsg());
	CHECK(strchr(lp_errmsg(), '\n') == NULL);
	if (!strstr(lp_errmsg(), what)) {
		fprintf(stderr, "message '%s' lacks '%s'\n", lp_errmsg(), what);
		CHECK(0);
	}
	CHECK(d.nnod == 0 && d.nod == NULL);
}

static void test_parse_malformed(void)
{
	char *trunc = strdup(XML_NS);
	trunc[strlen(trunc) / 2] = 0;
	expect_fail(trunc, "trunc.xml", "malformed XML");
	free(trunc);
	expect_fail("", "empty.xml", "malformed XML");
	expect_fail("<?xml version=\"1.0\"?><html><body/></html>", "x.xml",
	            "not a LIDC-IDRI reading");
	expect_fail("<LidcReadMessage><ResponseHeader/></LidcReadMessage>",
	            "cxr.xml", "no readingSession");
	expect_fail("<LidcReadMessage><a></b></LidcReadMessage>", "tag.xml",
	            "malformed XML");
	/* a prefix bound to nothing is malformed */
	expect_fail("<nih:LidcReadMessage/>", "unbound.xml", "malformed XML");
}

/* One bad ROI (or value) does not lose anything else. */
static void expect_skip(const char *from, const char *to, int nroi0,
                        const char *what)
{
	char *x = replace(XML_NS, from, to);
	lidc_doc d;
	CHECK(strcmp(x, XML_NS) != 0);
	CHECK(lidc_parse_buffer(x, strlen(x), "skip.xml", &d) == 0);
	CHECK(d.nnod == 2 && d.nnon == 1);
	if (d.nnod == 2)
		CHECK(d.nod[0].nroi == nroi0 && d.nod[1].nroi == 1);
	CHECK(d.nwarn == 1);
	if (d.nwarn == 1 && (!strstr(d.warn[0], what) ||
	                     strstr(d.warn[0], "skip.xml:") != d.warn[0])) {
		fprintf(stderr, "warning '%s' lacks '%s'\n", d.warn[0], what);
		CHECK(0);
	}
	lidc_doc_free(&d);
	free(x);
}

static void test_parse_bad_roi(void)
{
	expect_skip("<yCoord>11</yCoord></edgeMap><edgeMap><xCoord>12",
	            "</edgeMap><edgeMap><xCoord>12", 1,
	            "without xCoord or yCoord");
	expect_skip("<xCoord>10</xCoord>", "<xCoord>1O</xCoord>", 1,
	            "bad xCoord '1O'");
	expect_skip("<xCoord>10</xCoord>", "<xCoord>nan</xCoord>", 1,
	            "bad xCoord");
	expect_skip("<xCoord>10</xCoord>", "<xCoord>1e300</xCoord>", 1,
	            "bad xCoord");
	expect_skip("-125.000000 ", "-12.5.0", 1, "bad imageZposition");
	expect_skip("<inclusion>TRUE</inclusion>\n",
	            "<inclusion>maybe</inclusion>\n", 1, "bad inclusion");
	expect_skip("<malignancy>4</malignancy>", "<malignancy>7</malignancy>",
	            2, "bad malignancy");
	/* a ROI without any edgeMap */
	expect_skip("<edgeMap><xCoord>1</xCoord><yCoord>2</yCoord></edgeMap>",
	            "", 1, "without edgeMap");
}

/* Every prefix and many byte corruptions of a good document either parse
 * or fail with LP_EX_DATAERR; never anything else (ASan watches memory). */
static void test_parse_fuzz(void)
{
	size_t n = strlen(XML_NS);
	char *buf = malloc(n + 1);
	int bad = 0, ok = 0;
	for (size_t k = 0; k <= n; k++) {
		memcpy(buf, XML_NS, k);
		buf[k] = 0;
		lidc_doc d;
		int rc = lidc_parse_buffer(buf, k, "fuzz.xml", &d);
		bad += rc != 0 && lp_errcode() != LP_EX_DATAERR;
		ok += rc == 0;
		lidc_doc_free(&d);
	}
	CHECK(bad == 0);
	CHECK(ok == 2); /* the whole text, and without its final newline */
	const char junk[] = "<>&\"'0-9x. \n\x01\xff";
	unsigned seed = 7;
	for (int t = 0; t < 2000; t++) {
		memcpy(buf, XML_NS, n + 1);
		for (int j = 0; j < 3; j++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = (seed >> 8) % n;
			buf[at] = junk[(seed >> 20) % (sizeof junk - 1)];
		}
		lidc_doc d;
		int rc = lidc_parse_buffer(buf, n, "fuzz.xml", &d);
		bad += rc != 0 && lp_errcode() != LP_EX_DATAERR;
		ok += rc == 0;
		lidc_doc_free(&d);
	}
	CHECK(bad == 0);
	CHECK(ok > 0);
	free(buf);
}

/* ---- grouping, labels, consensus ---------------------------------------- */

static void test_group(void)
{
	/* points on a line at 0, 1, 2, 10, 11, 30 */
	double x[6] = {0, 1, 2, 10, 11, 30}, D[36];
	int cid[6];
	for (int i = 0; i < 6; i++)
		for (int j = 0; j < 6; j++)
			D[i * 6 + j] = fabs(x[i] - x[j]);
	CHECK(lidc_group(D, 6, 1.5, 4, cid) == 3);
	CHECK(cid[0] == 0 && cid[1] == 0 && cid[2] == 0 && cid[3] == 1 &&
	      cid[4] == 1 && cid[5] == 2);
	CHECK(lidc_group(D, 6, 0.5, 4, cid) == 6);
	/* a chain of 5 within tol 1.5 but cap 4: tol shrinks below 1 */
	double y[5] = {0, 1, 2, 3, 4}, E[25];
	for (int i = 0; i < 5; i++)
		for (int j = 0; j < 5; j++)
			E[i * 5 + j] = fabs(y[i] - y[j]);
	CHECK(lidc_group(E, 5, 1.5, 4, cid) == 5);
	CHECK(lidc_group(E, 5, 1.5, 5, cid) == 1);
	CHECK(lidc_group(E, 0, 1.5, 4, cid) == 0);
}

static void test_label(void)
{
	double m;
	int r1[4] = {5, 5, 5, 4};
	CHECK(lidc_label(r1, 4, LIDC_RULE_PAPER, &m) == LIDC_MALIGNANT);
	CHECK_NEAR(m, 4.75, 1e-12);
	int r2[2] = {2, 3}, r3[2] = {3, 4}, r4[2] = {2, 4}, r5[3] = {1, 2, 2};
	CHECK(lidc_label(r2, 2, LIDC_RULE_PAPER, &m) == LIDC_BENIGN);
	CHECK_NEAR(m, 2.5, 1e-12);
	CHECK(lidc_label(r3, 2, LIDC_RULE_PAPER, &m) == LIDC_MALIGNANT);
	CHECK(lidc_label(r4, 2, LIDC_RULE_PAPER, &m) == LIDC_EXCLUDED);
	CHECK(lidc_label(r2, 2, LIDC_RULE_STRICT, &m) == LIDC_EXCLUDED);
	CHECK(lidc_label(r3, 2, LIDC_RULE_STRICT, &m) == LIDC_EXCLUDED);
	CHECK(lidc_label(r5, 3, LIDC_RULE_STRICT, &m) == LIDC_BENIGN);
	CHECK(lidc_label(r1, 4, LIDC_RULE_STRICT, &m) == LIDC_MALIGNANT);
	int r6[3] = {1, 5, 5}, r7[4] = {1, 1, 5, 5}, r8[3] = {1, 1, 5};
	CHECK(lidc_label(r6, 3, LIDC_RULE_MEDIAN, &m) == LIDC_MALIGNANT);
	CHECK(lidc_label(r7, 4, LIDC_RULE_MEDIAN, &m) == LIDC_EXCLUDED);
	CHECK(lidc_label(r8, 3, LIDC_RULE_MEDIAN, &m) == LIDC_BENIGN);
	CHECK(lidc_label(r8, 3, LIDC_RULE_PAPER, &m) == LIDC_BENIGN);
	CHECK(lidc_label(NULL, 0, LIDC_RULE_PAPER, &m) == LIDC_EXCLUDED);
	CHECK(isnan(m));
}

static lidc_box mk_box(int64_t ox, int64_t n)
{
	lidc_box b;
	memset(&b, 0, sizeof b);
	b.o[0] = ox;
	b.n[0] = n;
	b.n[1] = b.n[2] = 1;
	b.m = calloc((size_t)n, 1);
	for (int64_t i = 0; i < n; i++)
		b.m[i] = 1;
	b.count = n;
	return b;
}

static void test_consensus(void)
{
	/* 1-D runs [0,5], [3,8], [4,12] */
	lidc_box a = mk_box(0, 6), b = mk_box(3, 6), c = mk_box(4, 9), out;
	const lidc_box *m[3] = {&a, &b, &c};
	CHECK(lidc_consensus(m, 3, 0.5, &out) == 0);
	/* >= 1.5 votes: x in [3,8] */
	CHECK(out.count == 6 && out.o[0] == 0 && out.n[0] == 13);
	CHECK(out.m[3] == 1 && out.m[8] == 1 && out.m[2] == 0 &&
	      out.m[9] == 0);
	lidc_box_free(&out);
	CHECK(lidc_consensus(m, 3, 1.0, &out) == 0);
	CHECK(out.count == 2); /* 4, 5 */
	lidc_box_free(&out);
	CHECK(lidc_consensus(m, 3, 1e-6, &out) == 0);
	CHECK(out.count == 13);
	lidc_box_free(&out);
	lidc_box_free(&a);
	lidc_box_free(&b);
	lidc_box_free(&c);
}

/* ---- the whole document on a synthetic grid ----------------------------- */

static void add_square(char *buf, size_t cap, double z, int x0, int y0, int s,
                       const char *sop)
{
	size_t k = strlen(buf);
	k += (size_t)snprintf(buf + k, cap - k,
	                      "<roi><imageZposition>%g</imageZposition>"
	                      "<imageSOP_UID>%s</imageSOP_UID>"
	                      "<inclusion>TRUE</inclusion>", z, sop);
	int pts[4][2] = {{x0, y0}, {x0 + s, y0}, {x0 + s, y0 + s},
	                 {x0, y0 + s}};
	for (int i = 0; i < 4; i++)
		k += (size_t)snprintf(buf + k, cap - k,
		                      "<edgeMap><xCoord>%d</xCoord><yCoord>%d"
		                      "</yCoord></edgeMap>", pts[i][0],
		                      pts[i][1]);
	snprintf(buf + k, cap - k, "</roi>");
}

static void add_nodule(char *buf, size_t cap, const char *id, int mal,
                       int x0, int y0, int s, const double *zs, int nz)
{
	size_t k = strlen(buf);
	snprintf(buf + k, cap - k, "<unblindedReadNodule><noduleID>%s"
	         "</noduleID><characteristics><malignancy>%d</malignancy>"
	         "</characteristics>", id, mal);
	for (int i = 0; i < nz; i++)
		add_square(buf, cap, zs[i], x0, y0, s, "");
	k = strlen(buf);
	snprintf(buf + k, cap - k, "</unblindedReadNodule>");
}

static void make_frame(lp_frame *f)
{
	lp_frame_init(f);
	lp_frame_set_dims(f, 64, 64, 16);
	f->spacing[0] = f->spacing[1] = 0.5;
	f->spacing[2] = 2.5;
	f->origin[0] = -100;
	f->origin[1] = -50;
	f->origin[2] = -150; /* slice k at z = -150 + 2.5 k */
}

static void test_doc_pipeline(void)
{
	static char xml[65536];
	double z3[3] = {-140, -137.5, -135}, z1[1] = {-120};
	snprintf(xml, sizeof xml, "<LidcReadMessage><ResponseHeader>"
	         "<SeriesInstanceUid>1.2.3</SeriesInstanceUid>"
	         "</ResponseHeader>");
	const int mal[3] = {5, 4, 2};
	for (int r = 0; r < 3; r++) {
		size_t k = strlen(xml);
		snprintf(xml + k, sizeof xml - k, "<readingSession>");
		/* one nodule seen by all three, slightly shifted squares */
		add_nodule(xml, sizeof xml, "A", mal[r], 20 + r, 20, 10, z3, 3);
		if (r == 0) /* a second nodule seen by reader 1 only */
			add_nodule(xml, sizeof xml, "B", 3, 40, 40, 6, z1, 1);
		k = strlen(xml);
		snprintf(xml + k, sizeof xml - k, "</readingSession>");
	}
	strcat(xml, "</LidcReadMessage>");
	lidc_doc d;
	CHECK(lidc_parse_buffer(xml, strlen(xml), "syn.xml", &d) == 0);
	CHECK(d.nreaders == 3 && d.nnod == 4);
	lp_frame f;
	make_frame(&f);
	CHECK(lidc_match_slices(&d, &f, NULL) == 0);
	CHECK(d.nod[0].roi[0].slice == 4 && d.nod[0].roi[2].slice == 6);
	CHECK(d.nod[1].roi[0].slice == 12);
	lidc_opts o = {LIDC_METRIC_MIN, 0, 0.5, LIDC_RULE_PAPER,
	               LIDC_EDGE_OUTSIDE, LIDC_DIAM_EQUIV};
	lidc_cluster *c;
	int n;
	CHECK(lidc_cluster_doc(&d, &f, &o, &c, &n) == 0);
	CHECK(n == 2);
	if (n == 2) {
		/* sorted by z: A (z -137.5) before B (z -120) */
		CHECK(c[0].nann == 3 && c[1].nann == 1);
		CHECK(c[0].nratings == 3 && c[0].label == LIDC_MALIGNANT);
		CHECK_NEAR(c[0].mal_mean, 11.0 / 3, 1e-9);
		CHECK(c[1].label == LIDC_EXCLUDED);
		/* consensus (>= 2 of 3): x 22..29 (pixels 21..29 / 22..30 /
		 * 23..31 inside; >=2 votes: 22..30), y 21..29, z slices 4-6 */
		CHECK_NEAR(c[0].center_vox[0], 26.0, 1e-9);
		CHECK_NEAR(c[0].center_vox[1], 25.0, 1e-9);
		CHECK_NEAR(c[0].center_vox[2], 5.0, 1e-9);
		CHECK_NEAR(c[0].center_world[0], -100 + 26 * 0.5, 1e-9);
		CHECK_NEAR(c[0].center_world[2], -137.5, 1e-9);
		CHECK(c[0].mask.count == 9 * 9 * 3);
		/* diameter: the square's diagonal 10*sqrt(2) px * 0.5 mm */
		CHECK_NEAR(c[0].diameter_max_mm, 5 * sqrt(2), 1e-9);
		/* each reading: 9 x 9 x 3 voxels of 0.625 mm3 */
		double eq = cbrt(6 * 243 * 0.625 / M_PI);
		CHECK_NEAR(c[0].diameter_eq_mm, eq, 1e-9);
		CHECK_NEAR(c[0].diameter_mm, eq, 1e-9);
		CHECK_NEAR(c[0].volume_mm3, 243 * 0.625, 1e-9);
		CHECK_NEAR(c[1].center_world[2], -120, 1e-9);
		CHECK(lidc_add_gt(&f, &d, c, n, "1.2.3", 0) == 0);
		lp_channel *gt = lp_frame_channel(&f, "gt");
		CHECK(gt && gt->dtype == LP_U8);
		if (gt) {
			uint8_t *g = gt->data;
			CHECK(g[26 + 64 * (25 + 64 * 5)] == 1);
			CHECK(g[43 + 64 * (43 + 64 * 12)] == 2);
			CHECK(g[40 + 64 * (43 + 64 * 12)] == 0);
			int ones = 0, twos = 0;
			for (int64_t i = 0; i < lp_frame_nvox(&f); i++) {
				ones += g[i] == 1;
				twos += g[i] == 2;
			}
			CHECK(ones == 243 && twos == 25);
		}
		CHECK(lp_meta_get(&f, "nodule.1.malignancy_ratings") &&
		      !strcmp(lp_meta_get(&f, "nodule.1.malignancy_ratings"),
		              "5,4,2"));
		CHECK(lp_meta_get(&f, "nodules") &&
		      !strcmp(lp_meta_get(&f, "nodules"), "2"));
		CHECK(lp_meta_get(&f, "nodule.2.label") &&
		      !strcmp(lp_meta_get(&f, "nodule.2.label"), "excluded"));
	}
	lidc_clusters_free(c, n);
	/* centroid distance groups the same way; a tiny tolerance does not */
	o.metric = LIDC_METRIC_CENTROID;
	CHECK(lidc_cluster_doc(&d, &f, &o, &c, &n) == 0 && n == 2);
	lidc_clusters_free(c, n);
	o.metric = LIDC_METRIC_MIN;
	o.tol_mm = 0.2; /* the squares are 0.5 mm apart */
	CHECK(lidc_cluster_doc(&d, &f, &o, &c, &n) == 0 && n == 4);
	lidc_clusters_free(c, n);
	/* level 1: only voxels all three readings cover (x 23..29) */
	o.tol_mm = 0;
	o.level = 1;
	CHECK(lidc_cluster_doc(&d, &f, &o, &c, &n) == 0 && n == 2);
	if (n == 2)
		CHECK(c[0].mask.count == 7 * 9 * 3 && !c[0].fallback);
	lidc_clusters_free(c, n);
	lp_frame_free(&f);
	lidc_doc_free(&d);
}

/* ROIs matched by SOP UID override a wrong imageZposition. */
static void test_match_sop(void)
{
	static char xml[8192];
	snprintf(xml, sizeof xml, "<LidcReadMessage><readingSession>"
	         "<unblindedReadNodule><noduleID>A</noduleID>");
	add_square(xml, sizeof xml, -999, 10, 10, 6, "9.9.7");
	add_square(xml, sizeof xml, -145, 10, 10, 6, "9.9.unknown");
	add_square(xml, sizeof xml, -146.5, 10, 10, 6, "");
	add_square(xml, sizeof xml, -999, 10, 10, 6, "");
	strcat(xml, "</unblindedReadNodule></readingSession>"
	            "</LidcReadMessage>");
	lidc_doc d;
	CHECK(lidc_parse_buffer(xml, strlen(xml), "sop.xml", &d) == 0);
	lp_frame f;
	make_frame(&f);
	lidc_sop_map m;
	char uids[2][LIDC_UID_MAX] = {"9.9.7", "9.9.8"};
	double ipp[2][3] = {{-100, -50, -150 + 2.5 * 7}, {-100, -50, -130}};
	m.n = 2;
	m.uid = uids;
	m.ipp = ipp;
	CHECK(lidc_match_slices(&d, &f, &m) == 1);
	if (d.nnod == 1 && d.nod[0].nroi == 4) {
		CHECK(d.nod[0].roi[0].slice == 7); /* by SOP */
		CHECK(d.nod[0].roi[1].slice == 2); /* unknown UID: by z */
		CHECK(d.nod[0].roi[2].slice == 1); /* -146.5: within 1.25 */
		CHECK(d.nod[0].roi[3].slice == -1);
	}
	/* no SeriesInstanceUid; the unmatched ROI */
	CHECK(d.nwarn == 2 && strstr(d.warn[1], "matches no slice"));
	lp_frame_free(&f);
	lidc_doc_free(&d);
}

int main(void)
{
	test_square();
	test_triangle_and_oracle();
	test_holes();
	test_parse_ok();
	test_parse_prefix();
	test_parse_malformed();
	test_parse_bad_roi();
	test_parse_fuzz();
	test_group();
	test_label();
	test_consensus();
	test_doc_pipeline();
	test_match_sop();
	return lp_test_result("test_lidc");
}
