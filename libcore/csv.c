/* csv.c - a small, strict CSV reader (see lp_csv.h). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lp_csv.h"
#include "lp_error.h"

struct lp_csv {
	char *name;
	char *text; /* whole file, NUL-terminated */
	size_t len, pos;
	int lineno;   /* line of text[pos] */
	int rowline;  /* line where the current row starts */
	char *buf;    /* fields of the current row, each NUL-terminated */
	size_t bufcap, buflen;
	size_t *off;  /* field offsets into buf */
	int nf, offcap;
	char **cols;  /* header names */
	int ncols;
};

static int is_blank(int ch)
{
	return ch == ' ' || ch == '\t';
}

static int buf_put(lp_csv *c, char ch)
{
	if (c->buflen + 1 >= c->bufcap) {
		size_t n = c->bufcap ? 2 * c->bufcap : 256;
		char *p = lp_realloc(c->buf, n);
		if (!p)
			return -1;
		c->buf = p;
		c->bufcap = n;
	}
	c->buf[c->buflen++] = ch;
	return 0;
}

static int field_start(lp_csv *c)
{
	if (c->nf >= c->offcap) {
		int n = c->offcap ? 2 * c->offcap : 16;
		size_t *p = lp_realloc(c->off, (size_t)n * sizeof *p);
		if (!p)
			return -1;
		c->off = p;
		c->offcap = n;
	}
	c->off[c->nf++] = c->buflen;
	return 0;
}

/* Consume an end of line at pos (LF, CRLF or CR); 1 if one was there. */
static int eat_eol(lp_csv *c)
{
	const char *t = c->text;
	if (c->pos >= c->len)
		return 0;
	if (t[c->pos] == '\r') {
		c->pos++;
		if (c->pos < c->len && t[c->pos] == '\n')
			c->pos++;
	} else if (t[c->pos] == '\n') {
		c->pos++;
	} else {
		return 0;
	}
	c->lineno++;
	return 1;
}

static int at_eol(const lp_csv *c)
{
	return c->pos >= c->len || c->text[c->pos] == '\n' ||
	       c->text[c->pos] == '\r';
}

/* Skip to the start of the next line (error recovery). */
static void skip_line(lp_csv *c)
{
	while (!at_eol(c))
		c->pos++;
	eat_eol(c);
}

static int bad(lp_csv *c, const char *what)
{
	lp_seterr(LP_EX_DATAERR, "%s:%d: %s", c->name, c->lineno, what);
	skip_line(c);
	return -1;
}

/* A quoted field; pos is at the opening quote. */
static int quoted_field(lp_csv *c)
{
	int line0 = c->lineno;
	c->pos++;
	for (;;) {
		if (c->pos >= c->len) {
			lp_seterr(LP_EX_DATAERR,
			          "%s:%d: unterminated quoted field", c->name,
			          line0);
			return -1;
		}
		char ch = c->text[c->pos];
		if (ch == '"') {
			if (c->pos + 1 < c->len && c->text[c->pos + 1] == '"') {
				c->pos += 2;
				if (buf_put(c, '"'))
					return -1;
				continue;
			}
			c->pos++;
			break;
		}
		if (ch == 0)
			return bad(c, "NUL byte in a field");
		if (ch == '\n' || (ch == '\r' && !(c->pos + 1 < c->len &&
		                                   c->text[c->pos + 1] == '\n')))
			c->lineno++;
		c->pos++;
		if (buf_put(c, ch))
			return -1;
	}
	while (c->pos < c->len && is_blank(c->text[c->pos]))
		c->pos++;
	if (!at_eol(c) && c->text[c->pos] != ',')
		return bad(c, "text after a closing quote");
	return 0;
}

static int plain_field(lp_csv *c)
{
	while (c->pos < c->len && is_blank(c->text[c->pos]))
		c->pos++;
	size_t start = c->buflen;
	while (!at_eol(c) && c->text[c->pos] != ',') {
		char ch = c->text[c->pos++];
		if (ch == 0)
			return bad(c, "NUL byte in a field");
		if (buf_put(c, ch))
			return -1;
	}
	while (c->buflen > start && is_blank(c->buf[c->buflen - 1]))
		c->buflen--;
	return 0;
}

/* Parse one row into buf/off; 1 row, 0 end, -1 error. */
static int parse_row(lp_csv *c)
{
	/* skip blank lines */
	for (;;) {
		size_t p = c->pos;
		while (p < c->len && is_blank(c->text[p]))
			p++;
		if (p >= c->len)
			return 0;
		if (c->text[p] != '\n' && c->text[p] != '\r')
			break;
		c->pos = p;
		eat_eol(c);
	}
	c->rowline = c->lineno;
	c->nf = 0;
	c->buflen = 0;
	for (;;) {
		if (field_start(c))
			return -1;
		size_t p = c->pos;
		while (p < c->len && is_blank(c->text[p]))
			p++;
		int r;
		if (p < c->len && c->text[p] == '"') {
			c->pos = p;
			r = quoted_field(c);
		} else {
			r = plain_field(c);
		}
		if (r)
			return -1;
		if (buf_put(c, 0))
			return -1;
		if (c->pos < c->len && c->text[c->pos] == ',') {
			c->pos++;
			continue;
		}
		eat_eol(c);
		return 1;
	}
}

static int read_header(lp_csv *c)
{
	if (c->len >= 3 && memcmp(c->text, "\xEF\xBB\xBF", 3) == 0)
		c->pos = 3;
	int r = parse_row(c);
	if (r == 0)
		return lp_seterr(LP_EX_DATAERR, "%s: empty CSV (no header row)",
		                 c->name);
	if (r < 0)
		return -1;
	c->cols = lp_calloc((size_t)c->nf, sizeof *c->cols);
	if (!c->cols)
		return -1;
	c->ncols = c->nf;
	for (int i = 0; i < c->nf; i++)
		if (!(c->cols[i] = lp_strdup(c->buf + c->off[i])))
			return -1;
	c->nf = 0;
	return 0;
}

lp_csv *lp_csv_from_text(const char *text, size_t len, const char *name)
{
	lp_csv *c = lp_calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->name = lp_strdup(name ? name : "csv");
	c->text = lp_malloc(len + 1);
	if (!c->name || !c->text) {
		lp_csv_close(c);
		return NULL;
	}
	memcpy(c->text, text, len);
	c->text[len] = 0;
	c->len = len;
	c->lineno = 1;
	if (read_header(c)) {
		lp_csv_close(c);
		return NULL;
	}
	return c;
}

static char *slurp(FILE *fp, const char *path, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *s = lp_malloc(cap);
	if (!s)
		return NULL;
	for (;;) {
		if (n == cap) {
			char *t = lp_realloc(s, cap *= 2);
			if (!t) {
				free(s);
				return NULL;
			}
			s = t;
		}
		size_t k = fread(s + n, 1, cap - n, fp);
		n += k;
		if (k == 0)
			break;
	}
	if (ferror(fp)) {
		free(s);
		lp_seterr(LP_EX_IOERR, "%s: read error", path);
		return NULL;
	}
	*len = n;
	return s;
}

lp_csv *lp_csv_open(const char *path)
{
	int isstdin = strcmp(path, "-") == 0;
	FILE *fp = isstdin ? stdin : fopen(path, "rb");
	if (!fp) {
		lp_seterr(LP_EX_NOINPUT, "%s: %s", path, strerror(errno));
		return NULL;
	}
	size_t len = 0;
	char *s = slurp(fp, path, &len);
	if (!isstdin)
		fclose(fp);
	if (!s)
		return NULL;
	lp_csv *c = lp_csv_from_text(s, len, isstdin ? "<stdin>" : path);
	free(s);
	return c;
}

void lp_csv_close(lp_csv *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->ncols; i++)
		free(c->cols[i]);
	free(c->cols);
	free(c->name);
	free(c->text);
	free(c->buf);
	free(c->off);
	free(c);
}

int lp_csv_ncols(const lp_csv *c)
{
	return c->ncols;
}

const char *lp_csv_colname(const lp_csv *c, int i)
{
	return i >= 0 && i < c->ncols ? c->cols[i] : "";
}

int lp_csv_col(const lp_csv *c, const char *name)
{
	for (int i = 0; i < c->ncols; i++)
		if (strcasecmp(c->cols[i], name) == 0)
			return i;
	return -1;
}

int lp_csv_next(lp_csv *c)
{
	int r = parse_row(c);
	if (r == 1 && c->nf != c->ncols) {
		lp_seterr(LP_EX_DATAERR, "%s:%d: %d fields, the header has %d",
		          c->name, c->rowline, c->nf, c->ncols);
		c->nf = 0;
		return -1;
	}
	if (r < 0)
		c->nf = 0;
	return r;
}

const char *lp_csv_field(const lp_csv *c, int col)
{
	return col >= 0 && col < c->nf ? c->buf + c->off[col] : "";
}

int lp_csv_nfields(const lp_csv *c)
{
	return c->nf;
}

int lp_csv_line(const lp_csv *c)
{
	return c->rowline;
}

const char *lp_csv_name(const lp_csv *c)
{
	return c->name;
}

int lp_csv_double(const lp_csv *c, int col, double *out)
{
	const char *s = lp_csv_field(c, col);
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (col < 0 || col >= c->ncols)
		return lp_seterr(LP_EX_DATAERR, "%s:%d: no such column",
		                 c->name, c->rowline);
	if (!*s || *end || errno == ERANGE || !isfinite(v))
		return lp_seterr(LP_EX_DATAERR,
		                 "%s:%d: column '%s': bad number '%.40s'",
		                 c->name, c->rowline, c->cols[col], s);
	*out = v;
	return 0;
}
