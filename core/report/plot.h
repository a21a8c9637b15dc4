/* A small plotting layer on cairo for the figures of `twinsim report`: a figure is drawn once onto a cairo recording
 * surface and saved as SVG and PNG of the same size in pixels. Axes map data to pixels (linear or log10) and draw
 * ticks with numbers and labels with units; lines, step curves, bands, bars, markers, reference lines and legends
 * draw inside them. Colours come from the Okabe-Ito palette, which stays distinguishable with the common forms of
 * colour blindness (M. Okabe and K. Ito, "Color Universal Design", 2008). Text is DejaVu Sans through cairo. */
#ifndef TWINSIM_REPORT_PLOT_H
#define TWINSIM_REPORT_PLOT_H

#include <stddef.h>

#include <cairo.h>

#include "error.h"

typedef struct ts_rgb {
  double r, g, b;
} ts_rgb;

/* The Okabe-Ito colours, and the order in which arms get them (blue, vermillion, green, orange, purple, sky, yellow,
 * black). */
extern const ts_rgb ts_oi_black, ts_oi_orange, ts_oi_sky, ts_oi_green, ts_oi_yellow, ts_oi_blue, ts_oi_vermillion,
    ts_oi_purple;
ts_rgb ts_plot_series_color(size_t i);

typedef struct ts_plot {
  cairo_surface_t *surface; /* recording */
  cairo_t *cr;
  double width, height; /* pixels */
} ts_plot;

/* Data range and pixel rectangle of one panel. */
typedef struct ts_axes {
  double left, top, width, height; /* the plotting area in pixels */
  double xmin, xmax, ymin, ymax;
  int ylog; /* log10 y axis (ymin > 0) */
} ts_axes;

enum { TS_SOLID = 0, TS_DASHED = 1, TS_DOTTED = 2 };

/* A white figure of width x height pixels. Returns 0, or -1 with err set when cairo cannot make it. */
int ts_plot_open(ts_plot *p, double width, double height, ts_error *err);
void ts_plot_close(ts_plot *p);

/* Writes dir/name.svg and dir/name.png (the same size, in pixels). Returns 0, or -1 with err set. */
int ts_plot_save(ts_plot *p, const char *dir, const char *name, ts_error *err);

double ts_axes_x(const ts_axes *a, double x);
double ts_axes_y(const ts_axes *a, double y);

/* Rounds [*lo, *hi] outwards to "nice" tick steps (1, 2, 2.5, 5 x 10^k) for a linear axis; an empty or
 * degenerate range becomes a small one around its value. */
void ts_axes_nice(double *lo, double *hi);

/* The panel's frame, grid, ticks with numbers, axis labels (with units, e.g. "time (d)") and a title above. */
void ts_plot_axes(ts_plot *p, const ts_axes *a, const char *xlabel, const char *ylabel, const char *title);

/* The x positions of the ticks ts_plot_axes draws (at most cap); returns their number. */
size_t ts_axes_xticks(const ts_axes *a, double *ticks, size_t cap);

/* A polyline through the finite points (a NaN breaks it), clipped to the panel. */
void ts_plot_line(ts_plot *p, const ts_axes *a, const double *x, const double *y, size_t n, ts_rgb c, double alpha,
                  double width, int dash);
/* A right-continuous step curve from (x[0], y[0]) holding each y until the next x, ended at x_end. */
void ts_plot_step(ts_plot *p, const ts_axes *a, const double *x, const double *y, size_t n, double x_end, ts_rgb c,
                  double width);
/* The area between lo and hi over x (NaN points are skipped). */
void ts_plot_band(ts_plot *p, const ts_axes *a, const double *x, const double *lo, const double *hi, size_t n, ts_rgb c,
                  double alpha);
/* A filled rectangle from (x0, y0) to (x1, y1) in data units. */
void ts_plot_rect(ts_plot *p, const ts_axes *a, double x0, double y0, double x1, double y1, ts_rgb c, double alpha);
/* A horizontal (or vertical) reference line across the panel, with an optional label at its right (top) end. */
void ts_plot_hline(ts_plot *p, const ts_axes *a, double y, ts_rgb c, int dash, const char *label);
void ts_plot_vline(ts_plot *p, const ts_axes *a, double x, ts_rgb c, int dash, const char *label);
/* A small vertical tick (censoring mark) centred on (x, y). */
void ts_plot_tick_mark(ts_plot *p, const ts_axes *a, double x, double y, ts_rgb c);
/* A filled circle of radius r pixels at (x, y). */
void ts_plot_dot(ts_plot *p, const ts_axes *a, double x, double y, double r, ts_rgb c);

/* Text at pixel (x, y): align 0 left, 0.5 centre, 1 right of x; y is the baseline. size in pixels. */
void ts_plot_text(ts_plot *p, double x, double y, double align, double size, ts_rgb c, const char *text);
/* The width in pixels of text at that size. */
double ts_plot_text_width(ts_plot *p, double size, const char *text);

/* A legend box of n entries (a line or a square swatch of colour c[i] and label[i]) at the panel's top right
 * (corner 0), top left (1), bottom left (2) or bottom right (3), or under the panel's x-axis label
 * (TS_LEGEND_BELOW: the figure needs TS_LEGEND_BELOW_OFFSET + the legend's height below the panel). */
#define TS_LEGEND_BELOW        4
#define TS_LEGEND_BELOW_OFFSET 52.0
typedef struct ts_legend_entry {
  const char *label;
  ts_rgb color;
  int swatch; /* 1 a filled square, 0 a line */
  int dash;   /* of the line: TS_SOLID, TS_DASHED or TS_DOTTED */
} ts_legend_entry;
void ts_plot_legend(ts_plot *p, const ts_axes *a, const ts_legend_entry *e, size_t n, int corner);
/* The same box with its top left corner at pixel (x, y); returns its height. */
double ts_plot_legend_at(ts_plot *p, double x, double y, const ts_legend_entry *e, size_t n);
/* The size in pixels of that box. */
void ts_plot_legend_size(ts_plot *p, const ts_legend_entry *e, size_t n, double *w, double *h);

#endif
