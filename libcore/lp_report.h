/* lp_report.h - pictures and pages for reports (seg-metrics --report):
 * an RGB raster with antialiased lines and a 5x7 bitmap font, PNG output
 * through libpng, line plots as SVG and PNG, patch overlays (grey image
 * with ground-truth and prediction contours), montages, text tables
 * rendered as aligned text, TSV or HTML.  Files go through lp_ofile.h.
 * Colours are 0xRRGGBB. */
#ifndef LP_REPORT_H
#define LP_REPORT_H

#include <stdint.h>
#include <stdio.h>
#include "lp_frame.h"
#include "lp_ofile.h"

/* ---- raster ----------------------------------------------------------- */
typedef struct {
	int w, h;
	uint8_t *px; /* 3*w*h bytes, rows top to bottom */
} lp_rgb;

int lp_rgb_alloc(lp_rgb *im, int w, int h, uint32_t bg);
void lp_rgb_free(lp_rgb *im);
void lp_rgb_set(lp_rgb *im, int x, int y, uint32_t c); /* clipped */
/* Mix colour c into pixel (x,y) with opacity a in [0,1]. */
void lp_rgb_blend(lp_rgb *im, int x, int y, uint32_t c, double a);
void lp_rgb_fill(lp_rgb *im, int x, int y, int w, int h, uint32_t c);
/* Antialiased line of the given width (pixels), pixel centres at +0.5. */
void lp_rgb_line(lp_rgb *im, double x0, double y0, double x1, double y1,
                 uint32_t c, double width);
/* Text in the built-in 5x7 font (upper case; lower case letters are drawn
 * as capitals, unknown characters as blanks); cell 6x9 pixels times scale.
 * (x,y) is the top left corner. */
void lp_rgb_text(lp_rgb *im, int x, int y, const char *s, uint32_t c,
                 int scale);
int lp_rgb_text_width(const char *s, int scale);
/* Copy src into dst at (x,y), clipped. */
void lp_rgb_blit(lp_rgb *dst, const lp_rgb *src, int x, int y);
/* Write an 8-bit RGB PNG (atomically).  0 or -1 (73/74). */
int lp_png_write(const char *path, const lp_rgb *im);

/* ---- patch overlays ----------------------------------------------------- */
/* Grey values in [0,1] of slice z of a channel: units "window" are mapped
 * from the dtype's range (u8 0..255, float 0..1), anything else (HU) with
 * the lung window [-1350, 150].  out holds dim[0]*dim[1] floats. */
int lp_slice_grey(const lp_frame *f, const lp_channel *c, int64_t z,
                  float *out);
/* A tile of nx*scale by ny*scale pixels: the grey image (NULL: dark grey)
 * with the outlines of gt and pred (0/nonzero, may be NULL) drawn along
 * pixel edges in colours cgt and cpred (overlapping edges in cboth). */
int lp_overlay_tile(const float *grey, const uint8_t *gt, const uint8_t *pred,
                    int nx, int ny, int scale, uint32_t cgt, uint32_t cpred,
                    uint32_t cboth, lp_rgb *out);
/* Montage of n tiles, cols per row, pad pixels between, each tile with an
 * optional caption line under it (captions may be NULL). */
int lp_montage(const lp_rgb *tiles, const char *const *captions, int n,
               int cols, int pad, lp_rgb *out);

/* ---- plots ------------------------------------------------------------ */
typedef struct {
	const double *x, *y;
	size_t n;
	uint32_t color;
	const char *label; /* legend text, may be NULL */
	int step;          /* 1: draw as a step curve (x_{k-1},y_k)-(x_k,y_k) */
} lp_series;

typedef struct {
	const char *title, *xlabel, *ylabel;
	int diagonal; /* draw the chance diagonal (ROC) */
	const lp_series *s;
	int ns;
} lp_plot; /* both axes span [0,1] */

int lp_plot_svg(const char *path, const lp_plot *p);
int lp_plot_png(const char *path, const lp_plot *p, int w, int h);

/* ---- tables ------------------------------------------------------------ */
typedef struct {
	char *title;
	int ncol, nrow, cap;
	char **cell; /* row-major; row 0 is the header */
} lp_table;

lp_table *lp_table_new(const char *title, int ncol,
                       const char *const *header);
/* Append a row of ncol cells (copied). */
int lp_table_add(lp_table *t, const char *const *cells);
void lp_table_free(lp_table *t);
/* Renderers; return 0, or -1 when the stream has an error. */
int lp_table_text(FILE *fp, const lp_table *t);  /* aligned columns */
int lp_table_tsv(FILE *fp, const lp_table *t);   /* "# title" + rows */
int lp_table_html(FILE *fp, const lp_table *t);  /* escaped <table> */
void lp_html_escape(FILE *fp, const char *s);

/* One HTML page: title, intro, the first nbefore tables, the images (file
 * names relative to the page) with captions, then the other tables.
 * Written atomically. */
typedef struct {
	const char *file, *caption, *link; /* link may be NULL */
} lp_html_image;
int lp_html_page(const char *path, const char *title, const char *intro,
                 const lp_html_image *img, int nimg,
                 const lp_table *const *tables, int ntab, int nbefore);

#endif
