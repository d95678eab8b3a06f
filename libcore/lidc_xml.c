/* lidc_xml.c - expat parser of LIDC-IDRI XML readings (LidcReadMessage,
 * IdriReadMessage).  Element names are matched on their local part, so the
 * documents parse with the default namespace "http://www.nih.gov", with a
 * prefix bound to it, or with no namespace at all. */
#include <ctype.h>
#include <errno.h>
#include <expat.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lp_lidc.h"

const char *const lidc_char_names[LIDC_NCHAR] = {
	"subtlety", "internalStructure", "calcification", "sphericity",
	"margin", "lobulation", "spiculation", "texture", "malignancy"};

#define LX_DEPTH 64
#define LX_NAME 40
#define LX_TEXT 4096
#define LX_COORD_MAX 1e5 /* pixel coordinates beyond this are nonsense */

typedef struct {
	lidc_doc *d;
	XML_Parser p;
	const char *name;
	int depth;
	char stack[LX_DEPTH][LX_NAME];
	char text[LX_TEXT + 1];
	size_t tlen;
	int toolong;
	int in_session, in_nod, in_roi, in_non, in_edge;
	lidc_nodule nod;
	lidc_roi roi;
	lidc_nonnodule non;
	char bad[200];    /* first problem of the current ROI / non-nodule */
	int has_x, has_y; /* of the current edgeMap / locus */
	double px, py;
	int sessions;
	int fail; /* LP_EX_* of a fatal error set with lp_seterr */
} lx_state;

void lidc_doc_warn(lidc_doc *d, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	char **w = realloc(d->warn, (size_t)(d->nwarn + 1) * sizeof *w);
	if (!w)
		return;
	d->warn = w;
	if ((w[d->nwarn] = strdup(buf)))
		d->nwarn++;
}

int lidc_nodule_is_small(const lidc_nodule *n)
{
	for (int i = 0; i < n->nroi; i++)
		if (n->roi[i].npts >= 2)
			return 0;
	return 1;
}

static void roi_free(lidc_roi *r)
{
	free(r->pts);
	r->pts = NULL;
	r->npts = 0;
}

static void nodule_free(lidc_nodule *n)
{
	for (int i = 0; i < n->nroi; i++)
		roi_free(&n->roi[i]);
	free(n->roi);
	n->roi = NULL;
	n->nroi = 0;
}

void lidc_doc_free(lidc_doc *d)
{
	if (!d)
		return;
	for (int i = 0; i < d->nnod; i++)
		nodule_free(&d->nod[i]);
	free(d->nod);
	free(d->non);
	free(d->readers);
	for (int i = 0; i < d->nwarn; i++)
		free(d->warn[i]);
	free(d->warn);
	free(d->path);
	memset(d, 0, sizeof *d);
}

/* ---- small helpers ---------------------------------------------------- */

static const char *local_name(const char *n)
{
	const char *s = strrchr(n, '|'); /* expat NS separator */
	if (s)
		return s + 1;
	s = strrchr(n, ':');
	return s ? s + 1 : n;
}

static const char *parent(const lx_state *s, int up)
{
	int i = s->depth - 1 - up;
	return i >= 0 ? s->stack[i] : "";
}

static void trim(char *t)
{
	size_t n = strlen(t);
	while (n && isspace((unsigned char)t[n - 1]))
		t[--n] = 0;
	size_t i = 0;
	while (isspace((unsigned char)t[i]))
		i++;
	if (i)
		memmove(t, t + i, n - i + 1);
}

/* A finite decimal number, nothing but blanks around it. */
static int parse_num(const char *t, double *v)
{
	char *end;
	if (!*t)
		return -1;
	errno = 0;
	*v = strtod(t, &end);
	if (end == t || *end || errno == ERANGE || !isfinite(*v))
		return -1;
	return 0;
}

static int parse_int(const char *t, int lo, int hi, int *v)
{
	double x;
	if (parse_num(t, &x) < 0 || x != floor(x) || x < lo || x > hi)
		return -1;
	*v = (int)x;
	return 0;
}

/* Copy, truncating to cap - 1 bytes. */
static void copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

static long line_of(const lx_state *s)
{
	return (long)XML_GetCurrentLineNumber(s->p);
}

static void fatal(lx_state *s, int code, const char *fmt, const char *arg)
{
	if (s->fail)
		return;
	char msg[300];
	snprintf(msg, sizeof msg, fmt, arg);
	lp_seterr(code, "%s:%ld: %s", s->name, line_of(s), msg);
	s->fail = code;
	XML_StopParser(s->p, XML_FALSE);
}

static void mark_bad(lx_state *s, const char *what, const char *text)
{
	if (!s->bad[0])
		snprintf(s->bad, sizeof s->bad, "line %ld: %s '%.40s'",
		         line_of(s), what, text);
}

static int grow(void **p, int n, size_t elem)
{
	/* capacity is implicit: 4, then doubled whenever n reaches a power
	 * of two >= 4; make room for element n */
	size_t cap;
	if (n == 0)
		cap = 4;
	else if (n >= 4 && (n & (n - 1)) == 0)
		cap = (size_t)n * 2;
	else
		return 0;
	void *q = realloc(*p, cap * elem);
	if (!q)
		return -1;
	*p = q;
	return 0;
}

/* ---- element starts ---------------------------------------------------- */

static void start_root(lx_state *s, const char *ln)
{
	if (strcmp(ln, "LidcReadMessage") && strcmp(ln, "IdriReadMessage"))
		fatal(s, LP_EX_DATAERR,
		      "not a LIDC-IDRI reading (root element <%s>)", ln);
}

static void start_session(lx_state *s)
{
	lidc_doc *d = s->d;
	if (grow((void **)&d->readers, d->nreaders, sizeof *d->readers) < 0) {
		fatal(s, LP_EX_OSERR, "out of memory%s", "");
		return;
	}
	memset(&d->readers[d->nreaders], 0, sizeof *d->readers);
	snprintf(d->readers[d->nreaders].id, LIDC_ID_MAX, "reader%d",
	         d->nreaders + 1);
	d->nreaders++;
	s->in_session = 1;
	s->sessions++;
}

static void start_nodule(lx_state *s)
{
	memset(&s->nod, 0, sizeof s->nod);
	s->nod.reader = s->d->nreaders - 1;
	s->nod.line = line_of(s);
	s->in_nod = 1;
}

static void start_roi(lx_state *s)
{
	memset(&s->roi, 0, sizeof s->roi);
	s->roi.z = NAN;
	s->roi.inclusion = 1;
	s->roi.slice = -1;
	s->roi.line = line_of(s);
	s->bad[0] = 0;
	s->in_roi = 1;
}

static void start_non(lx_state *s)
{
	memset(&s->non, 0, sizeof s->non);
	s->non.reader = s->d->nreaders - 1;
	s->non.z = s->non.x = s->non.y = NAN;
	s->non.slice = -1;
	s->non.line = line_of(s);
	s->bad[0] = 0;
	s->in_non = 1;
}

static void XMLCALL on_start(void *ud, const XML_Char *name,
                             const XML_Char **atts)
{
	lx_state *s = ud;
	const char *ln = local_name(name);
	(void)atts;
	if (s->fail)
		return;
	if (s->depth == 0)
		start_root(s, ln);
	if (s->depth >= LX_DEPTH) {
		fatal(s, LP_EX_DATAERR, "elements nested too deeply%s", "");
		return;
	}
	copy_str(s->stack[s->depth++], LX_NAME, ln);
	s->tlen = 0;
	s->toolong = 0;
	if (s->depth == 2 && !strcmp(ln, "readingSession"))
		start_session(s);
	else if (s->in_session && !strcmp(ln, "unblindedReadNodule"))
		start_nodule(s);
	else if (s->in_nod && !strcmp(ln, "roi"))
		start_roi(s);
	else if (s->in_session && !strcmp(ln, "nonNodule"))
		start_non(s);
	else if ((s->in_roi && !strcmp(ln, "edgeMap")) ||
	         (s->in_non && !strcmp(ln, "locus"))) {
		s->has_x = s->has_y = 0;
		s->in_edge = 1;
	}
}

static void XMLCALL on_text(void *ud, const XML_Char *t, int len)
{
	lx_state *s = ud;
	if (s->fail)
		return;
	if (s->tlen + (size_t)len > LX_TEXT) {
		s->toolong = 1;
		len = (int)(LX_TEXT - s->tlen);
	}
	memcpy(s->text + s->tlen, t, (size_t)len);
	s->tlen += (size_t)len;
}

/* ---- element ends ------------------------------------------------------ */

static void end_coord(lx_state *s, const char *ln, const char *t)
{
	double v;
	if (parse_num(t, &v) < 0 || fabs(v) > LX_COORD_MAX) {
		mark_bad(s, ln[0] == 'x' ? "bad xCoord" : "bad yCoord", t);
		return;
	}
	if (ln[0] == 'x') {
		s->px = v;
		s->has_x = 1;
	} else {
		s->py = v;
		s->has_y = 1;
	}
}

static void end_edge(lx_state *s)
{
	s->in_edge = 0;
	if (!s->has_x || !s->has_y) {
		mark_bad(s, "edgeMap/locus without xCoord or yCoord", "");
		return;
	}
	if (s->in_non) {
		s->non.x = s->px;
		s->non.y = s->py;
		return;
	}
	lidc_roi *r = &s->roi;
	if (grow((void **)&r->pts, r->npts, sizeof *r->pts) < 0) {
		fatal(s, LP_EX_OSERR, "out of memory%s", "");
		return;
	}
	r->pts[r->npts].x = s->px;
	r->pts[r->npts].y = s->py;
	r->npts++;
}

static void end_roi_field(lx_state *s, const char *ln, const char *t)
{
	if (!strcmp(ln, "imageZposition")) {
		if (parse_num(t, &s->roi.z) < 0) {
			s->roi.z = NAN;
			mark_bad(s, "bad imageZposition", t);
		}
	} else if (!strcmp(ln, "imageSOP_UID")) {
		copy_str(s->roi.sop_uid, LIDC_UID_MAX, t);
	} else if (!strcmp(ln, "inclusion")) {
		if (!strcasecmp(t, "TRUE"))
			s->roi.inclusion = 1;
		else if (!strcasecmp(t, "FALSE"))
			s->roi.inclusion = 0;
		else
			mark_bad(s, "bad inclusion", t);
	}
}

static void end_roi(lx_state *s)
{
	lidc_roi *r = &s->roi;
	s->in_roi = 0;
	if (!s->bad[0] && r->npts == 0)
		mark_bad(s, "ROI without edgeMap points", "");
	if (!s->bad[0] && isnan(r->z) && !r->sop_uid[0])
		mark_bad(s, "ROI without imageZposition and imageSOP_UID", "");
	if (s->bad[0]) {
		lidc_doc_warn(s->d, "%s:%ld: nodule '%s' of reader %d: ROI "
		              "skipped (%s)", s->name, r->line, s->nod.id,
		              s->nod.reader + 1, s->bad);
		roi_free(r);
		return;
	}
	lidc_nodule *n = &s->nod;
	if (grow((void **)&n->roi, n->nroi, sizeof *n->roi) < 0) {
		roi_free(r);
		fatal(s, LP_EX_OSERR, "out of memory%s", "");
		return;
	}
	n->roi[n->nroi++] = *r;
	memset(r, 0, sizeof *r);
}

static void end_char(lx_state *s, const char *ln, const char *t)
{
	for (int i = 0; i < LIDC_NCHAR; i++) {
		if (strcmp(ln, lidc_char_names[i]))
			continue;
		int hi = i == LIDC_MALIGNANCY ? 5 : 6, v;
		if (parse_int(t, 1, hi, &v) < 0) {
			lidc_doc_warn(s->d, "%s:%ld: nodule '%s' of reader %d: "
			              "bad %s '%.40s' ignored", s->name,
			              line_of(s), s->nod.id, s->nod.reader + 1,
			              ln, t);
			return;
		}
		s->nod.chars[i] = v;
	}
}

static void end_nodule(lx_state *s)
{
	lidc_doc *d = s->d;
	s->in_nod = 0;
	if (s->nod.nroi == 0) {
		lidc_doc_warn(d, "%s:%ld: nodule '%s' of reader %d has no valid "
		              "ROI, skipped", s->name, s->nod.line, s->nod.id,
		              s->nod.reader + 1);
		nodule_free(&s->nod);
		return;
	}
	if (grow((void **)&d->nod, d->nnod, sizeof *d->nod) < 0) {
		nodule_free(&s->nod);
		fatal(s, LP_EX_OSERR, "out of memory%s", "");
		return;
	}
	d->nod[d->nnod++] = s->nod;
	memset(&s->nod, 0, sizeof s->nod);
}

static void end_non(lx_state *s)
{
	lidc_doc *d = s->d;
	lidc_nonnodule *n = &s->non;
	s->in_non = 0;
	if (!s->bad[0] && (isnan(n->x) || isnan(n->y)))
		mark_bad(s, "nonNodule without locus", "");
	if (!s->bad[0] && isnan(n->z) && !n->sop_uid[0])
		mark_bad(s, "nonNodule without imageZposition", "");
	if (s->bad[0]) {
		lidc_doc_warn(d, "%s:%ld: non-nodule '%s' skipped (%s)",
		              s->name, n->line, n->id, s->bad);
		return;
	}
	if (grow((void **)&d->non, d->nnon, sizeof *d->non) < 0) {
		fatal(s, LP_EX_OSERR, "out of memory%s", "");
		return;
	}
	d->non[d->nnon++] = *n;
}

static void end_non_field(lx_state *s, const char *ln, const char *t)
{
	if (!strcmp(ln, "nonNoduleID"))
		copy_str(s->non.id, LIDC_ID_MAX, t);
	else if (!strcmp(ln, "imageSOP_UID"))
		copy_str(s->non.sop_uid, LIDC_UID_MAX, t);
	else if (!strcmp(ln, "imageZposition") &&
	         parse_num(t, &s->non.z) < 0) {
		s->non.z = NAN;
		mark_bad(s, "bad imageZposition", t);
	}
}

static void end_header_field(lx_state *s, const char *ln, const char *t)
{
	if (!strcasecmp(ln, "SeriesInstanceUid"))
		copy_str(s->d->series_uid, LIDC_UID_MAX, t);
	else if (!strcasecmp(ln, "StudyInstanceUID"))
		copy_str(s->d->study_uid, LIDC_UID_MAX, t);
}

static void end_leaf(lx_state *s, const char *ln, char *t)
{
	const char *up = parent(s, 1);
	if (s->in_edge && (!strcmp(ln, "xCoord") || !strcmp(ln, "yCoord")))
		end_coord(s, ln, t);
	else if (s->in_roi)
		end_roi_field(s, ln, t);
	else if (s->in_non)
		end_non_field(s, ln, t);
	else if (s->in_nod && !strcmp(up, "characteristics"))
		end_char(s, ln, t);
	else if (s->in_nod && !strcmp(ln, "noduleID"))
		copy_str(s->nod.id, LIDC_ID_MAX, t);
	else if (s->in_session && !strcmp(ln, "servicingRadiologistID") &&
	         *t)
		copy_str(s->d->readers[s->d->nreaders - 1].id, LIDC_ID_MAX, t);
	else if (!strcmp(up, "ResponseHeader"))
		end_header_field(s, ln, t);
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	lx_state *s = ud;
	const char *ln = local_name(name);
	if (s->fail)
		return;
	s->text[s->tlen] = 0;
	trim(s->text);
	if (s->toolong)
		mark_bad(s, "text too long in", ln);
	if (s->in_edge && (!strcmp(ln, "edgeMap") || !strcmp(ln, "locus")))
		end_edge(s);
	else if (s->in_roi && !strcmp(ln, "roi"))
		end_roi(s);
	else if (s->in_nod && !s->in_roi && !strcmp(ln, "unblindedReadNodule"))
		end_nodule(s);
	else if (s->in_non && !strcmp(ln, "nonNodule"))
		end_non(s);
	else if (s->depth == 2 && !strcmp(ln, "readingSession"))
		s->in_session = 0;
	else
		end_leaf(s, ln, s->text);
	s->tlen = 0;
	s->depth--;
}

/* ---- driver ------------------------------------------------------------ */

static int finish(lx_state *s)
{
	if (!s->sessions)
		return lp_seterr(LP_EX_DATAERR,
		                 "%s: not a CT reading (no readingSession)",
		                 s->name);
	if (!s->d->series_uid[0])
		lidc_doc_warn(s->d, "%s: no SeriesInstanceUid in the header",
		              s->name);
	return 0;
}

static int parse_error(lx_state *s)
{
	if (s->fail)
		return -1;
	enum XML_Error e = XML_GetErrorCode(s->p);
	return lp_seterr(LP_EX_DATAERR, "%s:%lu: malformed XML: %s", s->name,
	                 (unsigned long)XML_GetCurrentLineNumber(s->p),
	                 XML_ErrorString(e));
}

static lx_state *state_new(lidc_doc *d, const char *name)
{
	memset(d, 0, sizeof *d);
	lx_state *s = lp_calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->d = d;
	s->name = name;
	d->path = lp_strdup(name);
	s->p = XML_ParserCreateNS(NULL, '|');
	if (!s->p || !d->path) {
		if (s->p)
			XML_ParserFree(s->p);
		free(s);
		lp_seterr(LP_EX_OSERR, "out of memory");
		return NULL;
	}
	XML_SetUserData(s->p, s);
	XML_SetElementHandler(s->p, on_start, on_end);
	XML_SetCharacterDataHandler(s->p, on_text);
	return s;
}

static void state_free(lx_state *s)
{
	nodule_free(&s->nod);
	roi_free(&s->roi);
	XML_ParserFree(s->p);
	free(s);
}

static int state_done(lx_state *s, int rc)
{
	lidc_doc *d = s->d;
	state_free(s);
	if (rc < 0)
		lidc_doc_free(d);
	return rc;
}

int lidc_parse_buffer(const char *buf, size_t n, const char *name,
                      lidc_doc *d)
{
	lx_state *s = state_new(d, name);
	if (!s)
		return -1;
	int rc = 0;
	if (n > (size_t)1 << 30)
		rc = lp_seterr(LP_EX_DATAERR, "%s: too large", name);
	else if (XML_Parse(s->p, buf, (int)n, 1) != XML_STATUS_OK)
		rc = parse_error(s);
	else
		rc = finish(s);
	return state_done(s, rc);
}

int lidc_parse_file(const char *path, lidc_doc *d)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		memset(d, 0, sizeof *d);
		return lp_seterr(LP_EX_NOINPUT, "%s: %s", path, strerror(errno));
	}
	lx_state *s = state_new(d, path);
	if (!s) {
		fclose(fp);
		return -1;
	}
	int rc = 0, last = 0;
	char buf[65536];
	while (!last && rc == 0) {
		size_t k = fread(buf, 1, sizeof buf, fp);
		if (ferror(fp)) {
			rc = lp_seterr(LP_EX_IOERR, "%s: read error", path);
			break;
		}
		last = feof(fp) != 0;
		if (XML_Parse(s->p, buf, (int)k, last) != XML_STATUS_OK)
			rc = parse_error(s);
	}
	fclose(fp);
	if (rc == 0)
		rc = finish(s);
	return state_done(s, rc);
}
