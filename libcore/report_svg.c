/* report_svg.c - line plots on [0,1]x[0,1] (ROC, PR) as SVG and as PNG
 * (rasterised with lp_rgb_line), from one layout. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lp_error.h"
#include "lp_report.h"

typedef struct {
	double L, T, PW, PH; /* plot area */
	int w, h, fs;        /* image size, font scale (PNG) */
	double lh;           /* legend line height */
} layout;

static layout make_layout(const lp_plot *p, int w, int h, int fs)
{
	layout l;
	l.w = w;
	l.h = h;
	l.fs = fs;
	l.lh = 11.0 * fs + 4;
	l.L = 14.0 * fs + 40;
	l.T = 16.0 * fs + 14 + l.lh * p->ns;
	l.PW = w - l.L - 20;
	l.PH = h - l.T - 14.0 * fs - 34;
	return l;
}

static double px(const layout *l, double x) { return l->L + x * l->PW; }
static double py(const layout *l, double y) { return l->T + (1 - y) * l->PH; }

/* Vertices of a series (steps expanded) into malloc'd xs/ys. */
static int series_points(const lp_series *s, double **xs, double **ys,
                         size_t *n)
{
	size_t m = s->step ? 2 * s->n + 1 : s->n;
	*xs = lp_malloc((m ? m : 1) * sizeof(double));
	*ys = lp_malloc((m ? m : 1) * sizeof(double));
	if (!*xs || !*ys) {
		free(*xs);
		free(*ys);
		return -1;
	}
	size_t k = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (s->step) { /* from the previous x at this y */
			(*xs)[k] = i ? s->x[i - 1] : 0;
			(*ys)[k++] = s->y[i];
		}
		(*xs)[k] = s->x[i];
		(*ys)[k++] = s->y[i];
	}
	*n = k;
	return 0;
}

static void svg_text(FILE *fp, double x, double y, const char *anchor,
                     const char *extra, const char *s)
{
	fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s>", x, y,
	        anchor, extra);
	lp_html_escape(fp, s);
	fputs("</text>\n", fp);
}

static void svg_axes(FILE *fp, const layout *l, const lp_plot *p)
{
	for (int t = 0; t <= 5; t++) {
		double v = t / 5.0;
		char lab[16];
		snprintf(lab, sizeof lab, "%.1f", v);
		fprintf(fp, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		        "stroke=\"#ddd\"/>\n", px(l, v), py(l, 0), px(l, v), py(l, 1));
		fprintf(fp, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		        "stroke=\"#ddd\"/>\n", px(l, 0), py(l, v), px(l, 1), py(l, v));
		svg_text(fp, px(l, v), py(l, 0) + 16, "middle", "", lab);
		svg_text(fp, px(l, 0) - 6, py(l, v) + 4, "end", "", lab);
	}
	fprintf(fp, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
	        "fill=\"none\" stroke=\"#333\"/>\n", l->L, l->T, l->PW, l->PH);
	if (p->diagonal)
		fprintf(fp, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		        "stroke=\"#999\" stroke-dasharray=\"5,4\"/>\n",
		        px(l, 0), py(l, 0), px(l, 1), py(l, 1));
	if (p->title)
		svg_text(fp, l->w / 2.0, 20, "middle", " font-weight=\"bold\"",
		         p->title);
	if (p->xlabel)
		svg_text(fp, l->L + l->PW / 2, l->h - 10, "middle", "", p->xlabel);
	if (p->ylabel) {
		char tr[96];
		snprintf(tr, sizeof tr, " transform=\"rotate(-90 14 %.1f)\"",
		         l->T + l->PH / 2);
		svg_text(fp, 14, l->T + l->PH / 2, "middle", tr, p->ylabel);
	}
}

static int svg_series(FILE *fp, const layout *l, const lp_series *s, int k)
{
	double *xs, *ys;
	size_t n;
	if (series_points(s, &xs, &ys, &n) < 0)
		return -1;
	fprintf(fp, "<polyline fill=\"none\" stroke=\"#%06x\" stroke-width=\"2\" "
	        "points=\"", s->color & 0xffffff);
	for (size_t i = 0; i < n; i++)
		fprintf(fp, "%s%.2f,%.2f", i ? " " : "", px(l, xs[i]), py(l, ys[i]));
	fputs("\"/>\n", fp);
	free(xs);
	free(ys);
	if (s->label) {
		double y = 30 + l->lh * k;
		fprintf(fp, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		        "stroke=\"#%06x\" stroke-width=\"3\"/>\n", l->L, y,
		        l->L + 24, y, s->color & 0xffffff);
		svg_text(fp, l->L + 30, y + 4, "start", "", s->label);
	}
	return 0;
}

int lp_plot_svg(const char *path, const lp_plot *p)
{
	lp_ofile *a = NULL;
	layout l = make_layout(p, 480, 460, 1);
	if (!(a = lp_ofile_open(path)))
		return -1;
	fprintf(a->fp, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	        "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" "
	        "font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" "
	        "fill=\"white\"/>\n", l.w, l.h, l.w, l.h);
	svg_axes(a->fp, &l, p);
	for (int k = 0; k < p->ns; k++)
		if (svg_series(a->fp, &l, &p->s[k], k) < 0) {
			lp_ofile_abort(a);
			return -1;
		}
	fputs("</svg>\n", a->fp);
	return lp_ofile_commit(a);
}

/* ---- PNG ------------------------------------------------------------ */

static void png_axes(lp_rgb *im, const layout *l, const lp_plot *p)
{
	int fs = l->fs;
	for (int t = 0; t <= 5; t++) {
		double v = t / 5.0;
		char lab[16];
		snprintf(lab, sizeof lab, "%.1f", v);
		lp_rgb_line(im, px(l, v), py(l, 0), px(l, v), py(l, 1), 0xdddddd, 1);
		lp_rgb_line(im, px(l, 0), py(l, v), px(l, 1), py(l, v), 0xdddddd, 1);
		int tw = lp_rgb_text_width(lab, fs);
		lp_rgb_text(im, (int)px(l, v) - tw / 2, (int)py(l, 0) + 6, lab,
		            0x333333, fs);
		lp_rgb_text(im, (int)px(l, 0) - tw - 6, (int)py(l, v) - 7 * fs / 2,
		            lab, 0x333333, fs);
	}
	lp_rgb_line(im, l->L, l->T, l->L + l->PW, l->T, 0x333333, 1.2);
	lp_rgb_line(im, l->L, l->T + l->PH, l->L + l->PW, l->T + l->PH, 0x333333, 1.2);
	lp_rgb_line(im, l->L, l->T, l->L, l->T + l->PH, 0x333333, 1.2);
	lp_rgb_line(im, l->L + l->PW, l->T, l->L + l->PW, l->T + l->PH, 0x333333, 1.2);
	if (p->diagonal) /* dashed */
		for (int k = 0; k < 40; k += 2)
			lp_rgb_line(im, px(l, k / 40.0), py(l, k / 40.0),
			            px(l, (k + 1) / 40.0), py(l, (k + 1) / 40.0),
			            0x999999, 1);
	if (p->title)
		lp_rgb_text(im, (l->w - lp_rgb_text_width(p->title, fs)) / 2, 8,
		            p->title, 0x000000, fs);
	if (p->xlabel)
		lp_rgb_text(im, (int)(l->L + l->PW / 2) -
		            lp_rgb_text_width(p->xlabel, fs) / 2,
		            l->h - 10 * fs - 4, p->xlabel, 0x000000, fs);
	if (p->ylabel) /* vertical: one character per line */
		for (int i = 0; p->ylabel[i]; i++) {
			char c[2] = { p->ylabel[i], 0 };
			lp_rgb_text(im, 6, (int)(l->T + l->PH / 2) +
			            (i - (int)strlen(p->ylabel) / 2) * 9 * fs, c,
			            0x000000, fs);
		}
}

int lp_plot_png(const char *path, const lp_plot *p, int w, int h)
{
	lp_rgb im;
	int fs = w >= 560 ? 2 : 1;
	layout l = make_layout(p, w, h, fs);
	if (lp_rgb_alloc(&im, w, h, 0xffffff) < 0)
		return -1;
	png_axes(&im, &l, p);
	for (int k = 0; k < p->ns; k++) {
		const lp_series *s = &p->s[k];
		double *xs, *ys;
		size_t n;
		if (series_points(s, &xs, &ys, &n) < 0) {
			lp_rgb_free(&im);
			return -1;
		}
		for (size_t i = 1; i < n; i++)
			lp_rgb_line(&im, px(&l, xs[i - 1]), py(&l, ys[i - 1]),
			            px(&l, xs[i]), py(&l, ys[i]), s->color, 2.5);
		free(xs);
		free(ys);
		if (s->label) {
			int y = (int)(16 * fs + 10 + l.lh * k);
			lp_rgb_line(&im, l.L, y + 3.5 * fs, l.L + 24, y + 3.5 * fs,
			            s->color, 3);
			lp_rgb_text(&im, (int)l.L + 30, y, s->label, 0x000000, fs);
		}
	}
	int r = lp_png_write(path, &im);
	lp_rgb_free(&im);
	return r;
}
