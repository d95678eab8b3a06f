/* report_html.c - text tables (aligned text, TSV, HTML) and the report's
 * HTML page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lp_error.h"
#include "lp_report.h"

lp_table *lp_table_new(const char *title, int ncol,
                       const char *const *header)
{
	lp_table *t = lp_calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->ncol = ncol;
	t->title = lp_strdup(title ? title : "");
	if (!t->title || lp_table_add(t, header) < 0) {
		lp_table_free(t);
		return NULL;
	}
	return t;
}

int lp_table_add(lp_table *t, const char *const *cells)
{
	if (t->nrow == t->cap) {
		int cap = t->cap ? 2 * t->cap : 16;
		size_t bytes;
		if (lp_mul_size((size_t)cap * (size_t)t->ncol, sizeof(char *),
		                &bytes) < 0)
			return -1;
		char **c = lp_realloc(t->cell, bytes);
		if (!c)
			return -1;
		t->cell = c;
		t->cap = cap;
	}
	char **row = t->cell + (size_t)t->nrow * (size_t)t->ncol;
	for (int j = 0; j < t->ncol; j++) {
		row[j] = lp_strdup(cells[j] ? cells[j] : "");
		if (!row[j]) {
			while (j-- > 0)
				free(row[j]);
			return -1;
		}
	}
	t->nrow++;
	return 0;
}

void lp_table_free(lp_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < (size_t)t->nrow * (size_t)t->ncol; i++)
		free(t->cell[i]);
	free(t->cell);
	free(t->title);
	free(t);
}

static const char *cell(const lp_table *t, int r, int c)
{
	return t->cell[(size_t)r * (size_t)t->ncol + (size_t)c];
}

int lp_table_text(FILE *fp, const lp_table *t)
{
	int *w = lp_calloc((size_t)t->ncol, sizeof *w);
	if (!w)
		return -1;
	for (int r = 0; r < t->nrow; r++)
		for (int c = 0; c < t->ncol; c++) {
			int l = (int)strlen(cell(t, r, c));
			w[c] = l > w[c] ? l : w[c];
		}
	if (t->title[0])
		fprintf(fp, "%s\n", t->title);
	for (int r = 0; r < t->nrow; r++) {
		for (int c = 0; c < t->ncol; c++) {
			/* first column left-aligned, numbers right-aligned */
			if (c == 0)
				fprintf(fp, "  %-*s", w[c], cell(t, r, c));
			else
				fprintf(fp, "  %*s", w[c], cell(t, r, c));
		}
		fputc('\n', fp);
	}
	free(w);
	return ferror(fp) ? -1 : 0;
}

int lp_table_tsv(FILE *fp, const lp_table *t)
{
	if (t->title[0])
		fprintf(fp, "# %s\n", t->title);
	for (int r = 0; r < t->nrow; r++)
		for (int c = 0; c < t->ncol; c++)
			fprintf(fp, "%s%c", cell(t, r, c), c + 1 < t->ncol ? '\t' : '\n');
	return ferror(fp) ? -1 : 0;
}

void lp_html_escape(FILE *fp, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '&': fputs("&amp;", fp); break;
		case '"': fputs("&quot;", fp); break;
		default: fputc(*s, fp);
		}
	}
}

int lp_table_html(FILE *fp, const lp_table *t)
{
	fputs("<table>\n", fp);
	if (t->title[0]) {
		fputs("<caption>", fp);
		lp_html_escape(fp, t->title);
		fputs("</caption>\n", fp);
	}
	for (int r = 0; r < t->nrow; r++) {
		fputs("<tr>", fp);
		for (int c = 0; c < t->ncol; c++) {
			fputs(r == 0 ? "<th>" : "<td>", fp);
			lp_html_escape(fp, cell(t, r, c));
			fputs(r == 0 ? "</th>" : "</td>", fp);
		}
		fputs("</tr>\n", fp);
	}
	fputs("</table>\n", fp);
	return ferror(fp) ? -1 : 0;
}

static const char *css =
	"body{font-family:sans-serif;margin:2em;color:#222}"
	"table{border-collapse:collapse;margin:1em 0}"
	"caption{font-weight:bold;text-align:left;padding:4px 0}"
	"td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
	"td:first-child,th:first-child{text-align:left}"
	"th{background:#f0f0f0}figure{display:inline-block;margin:1em;"
	"vertical-align:top}img{max-width:100%;border:1px solid #ccc}";

int lp_html_page(const char *path, const char *title, const char *intro,
                 const lp_html_image *img, int nimg,
                 const lp_table *const *tables, int ntab, int nbefore)
{
	lp_ofile *a = NULL;
	if (!(a = lp_ofile_open(path)))
		return -1;
	FILE *fp = a->fp;
	fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n<title>", fp);
	lp_html_escape(fp, title);
	fprintf(fp, "</title>\n<style>%s</style></head>\n<body>\n<h1>", css);
	lp_html_escape(fp, title);
	fputs("</h1>\n", fp);
	if (intro) {
		fputs("<p>", fp);
		lp_html_escape(fp, intro);
		fputs("</p>\n", fp);
	}
	for (int k = 0; k < ntab && k < nbefore; k++)
		if (tables[k])
			lp_table_html(fp, tables[k]);
	for (int k = 0; k < nimg; k++) {
		fputs("<figure>", fp);
		if (img[k].link) {
			fputs("<a href=\"", fp);
			lp_html_escape(fp, img[k].link);
			fputs("\">", fp);
		}
		fputs("<img src=\"", fp);
		lp_html_escape(fp, img[k].file);
		fputs("\" alt=\"", fp);
		lp_html_escape(fp, img[k].caption ? img[k].caption : "");
		fputs(img[k].link ? "\"></a>" : "\">", fp);
		fputs("<figcaption>", fp);
		lp_html_escape(fp, img[k].caption ? img[k].caption : "");
		fputs("</figcaption></figure>\n", fp);
	}
	for (int k = nbefore; k < ntab; k++)
		if (tables[k])
			lp_table_html(fp, tables[k]);
	fputs("</body></html>\n", fp);
	return lp_ofile_commit(a);
}
