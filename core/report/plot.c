/* The plotting layer of the report on cairo (see plot.h). */
#include "plot.h"

#include <cairo-svg.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define FONT        "DejaVu Sans"
#define TICK_SIZE   12.0
#define LABEL_SIZE  13.0
#define TITLE_SIZE  14.0
#define MAX_TICKS   16
#define GRID_GREY   0.90
#define FRAME_WIDTH 1.0
#define TS_PI       3.14159265358979323846

const ts_rgb ts_oi_black = {0, 0, 0}, ts_oi_orange = {0.902, 0.624, 0}, ts_oi_sky = {0.337, 0.706, 0.914},
             ts_oi_green = {0, 0.620, 0.451}, ts_oi_yellow = {0.941, 0.894, 0.259}, ts_oi_blue = {0, 0.447, 0.698},
             ts_oi_vermillion = {0.835, 0.369, 0}, ts_oi_purple = {0.800, 0.475, 0.655};

ts_rgb ts_plot_series_color(size_t i) {
  const ts_rgb order[] = {ts_oi_blue,   ts_oi_vermillion, ts_oi_green,  ts_oi_orange,
                          ts_oi_purple, ts_oi_sky,        ts_oi_yellow, ts_oi_black};
  return order[i % (sizeof order / sizeof order[0])];
}

int ts_plot_open(ts_plot *p, double width, double height, ts_error *err) {
  *p = (ts_plot){.width = width, .height = height};
  cairo_rectangle_t extents = {0, 0, width, height};
  p->surface = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &extents);
  p->cr = cairo_create(p->surface);
  if (cairo_status(p->cr) != CAIRO_STATUS_SUCCESS) {
    ts_fail(err, TS_E_NOMEM, "cairo: %s", cairo_status_to_string(cairo_status(p->cr)));
    ts_plot_close(p);
    return -1;
  }
  cairo_set_source_rgb(p->cr, 1, 1, 1);
  cairo_paint(p->cr);
  cairo_select_font_face(p->cr, FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  return 0;
}

void ts_plot_close(ts_plot *p) {
  if (p->cr)
    cairo_destroy(p->cr);
  if (p->surface)
    cairo_surface_destroy(p->surface);
  p->cr = NULL;
  p->surface = NULL;
}

/* Replays the recording onto a target surface and finishes it. */
static cairo_status_t replay(ts_plot *p, cairo_surface_t *target) {
  cairo_t *cr = cairo_create(target);
  cairo_set_source_surface(cr, p->surface, 0, 0);
  cairo_paint(cr);
  cairo_status_t st = cairo_status(cr);
  cairo_destroy(cr);
  cairo_surface_flush(target);
  return st != CAIRO_STATUS_SUCCESS ? st : cairo_surface_status(target);
}

int ts_plot_save(ts_plot *p, const char *dir, const char *name, ts_error *err) {
  char path[4096];
  cairo_surface_flush(p->surface);
  snprintf(path, sizeof path, "%s/%s.svg", dir, name);
  cairo_surface_t *svg = cairo_svg_surface_create(path, p->width, p->height);
  cairo_svg_surface_set_document_unit(svg, CAIRO_SVG_UNIT_PX);
  cairo_status_t st = replay(p, svg);
  cairo_surface_finish(svg);
  if (st == CAIRO_STATUS_SUCCESS)
    st = cairo_surface_status(svg);
  cairo_surface_destroy(svg);
  if (st != CAIRO_STATUS_SUCCESS)
    return ts_fail(err, TS_E_IO, "%s: %s", path, cairo_status_to_string(st));
  snprintf(path, sizeof path, "%s/%s.png", dir, name);
  cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)p->width, (int)p->height);
  st = replay(p, img);
  if (st == CAIRO_STATUS_SUCCESS)
    st = cairo_surface_write_to_png(img, path);
  cairo_surface_destroy(img);
  if (st != CAIRO_STATUS_SUCCESS)
    return ts_fail(err, TS_E_IO, "%s: %s", path, cairo_status_to_string(st));
  return 0;
}

/* ---- axes -------------------------------------------------------------------------------------------------------- */

double ts_axes_x(const ts_axes *a, double x) {
  return a->left + (x - a->xmin) / (a->xmax - a->xmin) * a->width;
}

double ts_axes_y(const ts_axes *a, double y) {
  if (a->ylog) {
    double f = (log10(y) - log10(a->ymin)) / (log10(a->ymax) - log10(a->ymin));
    return a->top + a->height - f * a->height;
  }
  return a->top + a->height - (y - a->ymin) / (a->ymax - a->ymin) * a->height;
}

/* A tick step of 1, 2, 2.5 or 5 x 10^k giving about 5 intervals over span. */
static double nice_step(double span) {
  double raw = span / 5, mag = pow(10, floor(log10(raw))), f = raw / mag;
  double m = f < 1.5 ? 1 : f < 2.25 ? 2 : f < 3.5 ? 2.5 : f < 7.5 ? 5 : 10;
  return m * mag;
}

void ts_axes_nice(double *lo, double *hi) {
  if (!isfinite(*lo) || !isfinite(*hi)) {
    *lo = 0, *hi = 1;
    return;
  }
  if (*hi - *lo <= 1e-12 * fmax(1, fabs(*hi))) {
    double d = *hi == 0 ? 1 : fabs(*hi) * 0.1;
    *lo -= d, *hi += d;
  }
  double step = nice_step(*hi - *lo);
  *lo = floor(*lo / step + 1e-9) * step;
  *hi = ceil(*hi / step - 1e-9) * step;
}

/* Ticks of a linear range, or the powers of ten of a log range; returns their number. */
static size_t ticks_of(double lo, double hi, int logscale, double *t, size_t cap) {
  size_t n = 0;
  if (logscale) {
    int a = (int)ceil(log10(lo) - 1e-9), b = (int)floor(log10(hi) + 1e-9), every = 1;
    while ((b - a) / every + 1 > 8)
      every++;
    for (int k = a; k <= b && n < cap; k += every)
      t[n++] = pow(10, k);
    return n;
  }
  double step = nice_step(hi - lo);
  for (double v = ceil(lo / step - 1e-9) * step; v <= hi + 1e-9 * step && n < cap; v += step)
    t[n++] = fabs(v) < 1e-9 * step ? 0 : v;
  return n;
}

size_t ts_axes_xticks(const ts_axes *a, double *ticks, size_t cap) {
  return ticks_of(a->xmin, a->xmax, 0, ticks, cap);
}

static void tick_text(char *buf, size_t cap, double v, int logscale) {
  if (logscale && (v >= 1e4 || v < 1e-3))
    snprintf(buf, cap, "1e%d", (int)lround(log10(v)));
  else
    snprintf(buf, cap, "%g", v);
}

static void set_color(cairo_t *cr, ts_rgb c, double alpha) {
  cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha);
}

static void set_dash(cairo_t *cr, int dash) {
  const double dashed[] = {6, 4}, dotted[] = {1.5, 3};
  if (dash == TS_DASHED)
    cairo_set_dash(cr, dashed, 2, 0);
  else if (dash == TS_DOTTED)
    cairo_set_dash(cr, dotted, 2, 0);
  else
    cairo_set_dash(cr, NULL, 0, 0);
}

double ts_plot_text_width(ts_plot *p, double size, const char *text) {
  cairo_text_extents_t ext;
  cairo_set_font_size(p->cr, size);
  cairo_text_extents(p->cr, text, &ext);
  return ext.x_advance;
}

void ts_plot_text(ts_plot *p, double x, double y, double align, double size, ts_rgb c, const char *text) {
  double w = ts_plot_text_width(p, size, text);
  set_color(p->cr, c, 1);
  cairo_move_to(p->cr, x - align * w, y);
  cairo_show_text(p->cr, text);
  cairo_new_path(p->cr);
}

void ts_plot_axes(ts_plot *p, const ts_axes *a, const char *xlabel, const char *ylabel, const char *title) {
  cairo_t *cr = p->cr;
  const ts_rgb ink = {0.15, 0.15, 0.15}, grey = {GRID_GREY, GRID_GREY, GRID_GREY};
  double t[MAX_TICKS];
  char buf[32];
  size_t nx = ticks_of(a->xmin, a->xmax, 0, t, MAX_TICKS);
  cairo_set_line_width(cr, 1);
  set_dash(cr, TS_SOLID);
  for (size_t i = 0; i < nx; i++) { /* grid and ticks of x */
    double x = round(ts_axes_x(a, t[i])) + 0.5;
    set_color(cr, grey, 1);
    cairo_move_to(cr, x, a->top), cairo_line_to(cr, x, a->top + a->height), cairo_stroke(cr);
    set_color(cr, ink, 1);
    cairo_move_to(cr, x, a->top + a->height), cairo_line_to(cr, x, a->top + a->height + 5), cairo_stroke(cr);
    tick_text(buf, sizeof buf, t[i], 0);
    ts_plot_text(p, x, a->top + a->height + 8 + TICK_SIZE, 0.5, TICK_SIZE, ink, buf);
  }
  size_t ny = ticks_of(a->ymin, a->ymax, a->ylog, t, MAX_TICKS);
  double widest = 0;
  for (size_t i = 0; i < ny; i++) {
    double y = round(ts_axes_y(a, t[i])) + 0.5;
    set_color(cr, grey, 1);
    cairo_move_to(cr, a->left, y), cairo_line_to(cr, a->left + a->width, y), cairo_stroke(cr);
    set_color(cr, ink, 1);
    cairo_move_to(cr, a->left - 5, y), cairo_line_to(cr, a->left, y), cairo_stroke(cr);
    tick_text(buf, sizeof buf, t[i], a->ylog);
    ts_plot_text(p, a->left - 8, y + TICK_SIZE * 0.35, 1, TICK_SIZE, ink, buf);
    widest = fmax(widest, ts_plot_text_width(p, TICK_SIZE, buf));
  }
  set_color(cr, ink, 1);
  cairo_set_line_width(cr, FRAME_WIDTH);
  cairo_rectangle(cr, round(a->left) + 0.5, round(a->top) + 0.5, round(a->width), round(a->height));
  cairo_stroke(cr);
  if (xlabel && *xlabel)
    ts_plot_text(p, a->left + a->width / 2, a->top + a->height + 16 + 2 * TICK_SIZE, 0.5, LABEL_SIZE, ink, xlabel);
  if (ylabel && *ylabel) {
    cairo_save(cr);
    cairo_translate(cr, fmax(LABEL_SIZE + 2, a->left - 16 - widest), a->top + a->height / 2);
    cairo_rotate(cr, -TS_PI / 2);
    ts_plot_text(p, 0, 0, 0.5, LABEL_SIZE, ink, ylabel);
    cairo_restore(cr);
  }
  if (title && *title) {
    cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    ts_plot_text(p, a->left, a->top - 10, 0, TITLE_SIZE, ink, title);
    cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  }
}

/* ---- marks ------------------------------------------------------------------------------------------------------- */

static void clip_to(ts_plot *p, const ts_axes *a) {
  cairo_save(p->cr);
  cairo_rectangle(p->cr, a->left, a->top, a->width, a->height);
  cairo_clip(p->cr);
}

static int usable(const ts_axes *a, double x, double y) {
  return isfinite(x) && isfinite(y) && (!a->ylog || y > 0);
}

void ts_plot_line(ts_plot *p, const ts_axes *a, const double *x, const double *y, size_t n, ts_rgb c, double alpha,
                  double width, int dash) {
  cairo_t *cr = p->cr;
  clip_to(p, a);
  int drawing = 0;
  for (size_t i = 0; i < n; i++) {
    if (!usable(a, x[i], y[i])) {
      drawing = 0;
      continue;
    }
    double px = ts_axes_x(a, x[i]), py = ts_axes_y(a, y[i]);
    if (drawing)
      cairo_line_to(cr, px, py);
    else
      cairo_move_to(cr, px, py);
    drawing = 1;
  }
  set_color(cr, c, alpha);
  set_dash(cr, dash);
  cairo_set_line_width(cr, width);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  cairo_stroke(cr);
  set_dash(cr, TS_SOLID);
  cairo_restore(cr);
}

void ts_plot_step(ts_plot *p, const ts_axes *a, const double *x, const double *y, size_t n, double x_end, ts_rgb c,
                  double width) {
  if (n == 0)
    return;
  cairo_t *cr = p->cr;
  clip_to(p, a);
  cairo_move_to(cr, ts_axes_x(a, x[0]), ts_axes_y(a, y[0]));
  for (size_t i = 1; i < n; i++) {
    cairo_line_to(cr, ts_axes_x(a, x[i]), ts_axes_y(a, y[i - 1]));
    cairo_line_to(cr, ts_axes_x(a, x[i]), ts_axes_y(a, y[i]));
  }
  cairo_line_to(cr, ts_axes_x(a, x_end), ts_axes_y(a, y[n - 1]));
  set_color(cr, c, 1);
  cairo_set_line_width(cr, width);
  cairo_stroke(cr);
  cairo_restore(cr);
}

void ts_plot_band(ts_plot *p, const ts_axes *a, const double *x, const double *lo, const double *hi, size_t n, ts_rgb c,
                  double alpha) {
  cairo_t *cr = p->cr;
  clip_to(p, a);
  size_t i = 0;
  while (i < n) { /* one polygon per run of usable points */
    while (i < n && !(usable(a, x[i], lo[i]) && usable(a, x[i], hi[i])))
      i++;
    size_t start = i;
    while (i < n && usable(a, x[i], lo[i]) && usable(a, x[i], hi[i]))
      i++;
    if (i - start < 2)
      continue;
    cairo_move_to(cr, ts_axes_x(a, x[start]), ts_axes_y(a, hi[start]));
    for (size_t k = start + 1; k < i; k++)
      cairo_line_to(cr, ts_axes_x(a, x[k]), ts_axes_y(a, hi[k]));
    for (size_t k = i; k-- > start;)
      cairo_line_to(cr, ts_axes_x(a, x[k]), ts_axes_y(a, lo[k]));
    cairo_close_path(cr);
  }
  set_color(cr, c, alpha);
  cairo_fill(cr);
  cairo_restore(cr);
}

void ts_plot_rect(ts_plot *p, const ts_axes *a, double x0, double y0, double x1, double y1, ts_rgb c, double alpha) {
  clip_to(p, a);
  double px0 = ts_axes_x(a, x0), px1 = ts_axes_x(a, x1), py0 = ts_axes_y(a, y0), py1 = ts_axes_y(a, y1);
  cairo_rectangle(p->cr, fmin(px0, px1), fmin(py0, py1), fabs(px1 - px0), fabs(py1 - py0));
  set_color(p->cr, c, alpha);
  cairo_fill(p->cr);
  cairo_restore(p->cr);
}

void ts_plot_hline(ts_plot *p, const ts_axes *a, double y, ts_rgb c, int dash, const char *label) {
  if (!usable(a, a->xmin, y) || y < fmin(a->ymin, a->ymax) || y > fmax(a->ymin, a->ymax))
    return;
  double py = ts_axes_y(a, y);
  cairo_t *cr = p->cr;
  set_color(cr, c, 1);
  set_dash(cr, dash);
  cairo_set_line_width(cr, 1.2);
  cairo_move_to(cr, a->left, py), cairo_line_to(cr, a->left + a->width, py), cairo_stroke(cr);
  set_dash(cr, TS_SOLID);
  if (label)
    ts_plot_text(p, a->left + a->width - 4, py - 4, 1, TICK_SIZE - 1, c, label);
}

void ts_plot_vline(ts_plot *p, const ts_axes *a, double x, ts_rgb c, int dash, const char *label) {
  if (!isfinite(x) || x < a->xmin || x > a->xmax)
    return;
  double px = ts_axes_x(a, x);
  cairo_t *cr = p->cr;
  set_color(cr, c, 1);
  set_dash(cr, dash);
  cairo_set_line_width(cr, 1.2);
  cairo_move_to(cr, px, a->top), cairo_line_to(cr, px, a->top + a->height), cairo_stroke(cr);
  set_dash(cr, TS_SOLID);
  if (label)
    ts_plot_text(p, px + 3, a->top + TICK_SIZE + 2, 0, TICK_SIZE - 1, c, label);
}

void ts_plot_tick_mark(ts_plot *p, const ts_axes *a, double x, double y, ts_rgb c) {
  if (!usable(a, x, y))
    return;
  double px = ts_axes_x(a, x), py = ts_axes_y(a, y);
  set_color(p->cr, c, 1);
  cairo_set_line_width(p->cr, 1.2);
  cairo_move_to(p->cr, px, py - 4), cairo_line_to(p->cr, px, py + 4), cairo_stroke(p->cr);
}

void ts_plot_dot(ts_plot *p, const ts_axes *a, double x, double y, double r, ts_rgb c) {
  if (!usable(a, x, y))
    return;
  clip_to(p, a);
  cairo_arc(p->cr, ts_axes_x(a, x), ts_axes_y(a, y), r, 0, 2 * TS_PI);
  set_color(p->cr, c, 1);
  cairo_fill(p->cr);
  cairo_restore(p->cr);
}

#define LEGEND_PAD 6.0
#define LEGEND_KEY 22.0

void ts_plot_legend_size(ts_plot *p, const ts_legend_entry *e, size_t n, double *w, double *h) {
  *w = 0;
  for (size_t i = 0; i < n; i++)
    *w = fmax(*w, ts_plot_text_width(p, TICK_SIZE, e[i].label));
  *w += LEGEND_KEY + 3 * LEGEND_PAD;
  *h = n * (TICK_SIZE + 6) + LEGEND_PAD;
}

double ts_plot_legend_at(ts_plot *p, double x, double y, const ts_legend_entry *e, size_t n) {
  const double size = TICK_SIZE, line_h = size + 6, pad = LEGEND_PAD, key = LEGEND_KEY;
  double w, h;
  ts_plot_legend_size(p, e, n, &w, &h);
  cairo_t *cr = p->cr;
  cairo_rectangle(cr, x, y, w, h);
  cairo_set_source_rgba(cr, 1, 1, 1, 0.9);
  cairo_fill_preserve(cr);
  cairo_set_source_rgb(cr, 0.7, 0.7, 0.7);
  cairo_set_line_width(cr, 1);
  cairo_stroke(cr);
  for (size_t i = 0; i < n; i++) {
    double cy = y + pad + i * line_h + line_h / 2 - 2;
    set_color(cr, e[i].color, 1);
    if (e[i].swatch) {
      cairo_rectangle(cr, x + pad + key / 2 - 5, cy - 5, 10, 10);
      cairo_fill(cr);
    } else {
      cairo_set_line_width(cr, 2.5);
      set_dash(cr, e[i].dash);
      cairo_move_to(cr, x + pad, cy), cairo_line_to(cr, x + pad + key, cy), cairo_stroke(cr);
      set_dash(cr, TS_SOLID);
    }
    ts_plot_text(p, x + 2 * pad + key, cy + size * 0.35, 0, size, (ts_rgb){0.1, 0.1, 0.1}, e[i].label);
  }
  return h;
}

void ts_plot_legend(ts_plot *p, const ts_axes *a, const ts_legend_entry *e, size_t n, int corner) {
  if (n == 0)
    return;
  double w, h;
  ts_plot_legend_size(p, e, n, &w, &h);
  double x = corner == 1 || corner == 2 ? a->left + 8 : a->left + a->width - 8 - w;
  double y = corner <= 1 ? a->top + 8 : a->top + a->height - 8 - h;
  if (corner == TS_LEGEND_BELOW)
    x = a->left, y = a->top + a->height + TS_LEGEND_BELOW_OFFSET;
  ts_plot_legend_at(p, x, y, e, n);
}
