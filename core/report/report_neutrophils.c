/* Neutrophils: the count over time per arm (median, 5-95% band, a few patients) with the CTCAE v5 thresholds of
 * "neutrophil count decreased", and the distribution of each patient's nadir (lowest recorded count) per arm. The
 * signal is a recorded ANC or circulating-neutrophil output (tox.ANC in 1e9 cells/L, tox.Circ in cells/L), shown
 * in 1e9 cells/L whatever its stored unit. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "report.h"

#define FIG_W 640

#define ANC_UNIT  "1e9 cells/L"
#define NADIR_H   400
#define BIN_WIDTH 0.25 /* 1e9 cells/L per bar of the nadir histogram */

/* CTCAE v5: grade 1 below the lower limit of normal, 2 below 1.5, 3 below 1.0, 4 below 0.5 (1e9 cells/L). */
static const double grade_below[4] = {2.0, 1.5, 1.0, 0.5};

/* The LLN of the toxicity model when its instance has one (a parameter LLN, the same for every patient), else the
 * usual 2.0. */
static double lower_limit_of_normal(ts_report *r, const char *signal) {
  char instance[128];
  snprintf(instance, sizeof instance, "%s", signal);
  char *dot = strchr(instance, '.');
  if (dot)
    *dot = '\0';
  sqlite3_stmt *st;
  double lln = 2.0;
  if (sqlite3_prepare_v2(r->db,
                         "SELECT min(value), max(value), min(unit) FROM parameters WHERE instance = ?1 AND "
                         "name = 'LLN'",
                         -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_text(st, 1, instance, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL &&
        sqlite3_column_double(st, 0) == sqlite3_column_double(st, 1) && sqlite3_column_text(st, 2) &&
        strcmp((const char *)sqlite3_column_text(st, 2), ANC_UNIT) == 0)
      lln = sqlite3_column_double(st, 0);
  }
  sqlite3_finalize(st);
  return lln;
}

static void thresholds(ts_plot *p, const ts_axes *a, double lln, int vertical) {
  const char *labels[4] = {"< LLN: grade 1", "< 1.5: grade 2", "< 1.0: grade 3", "< 0.5: grade 4"};
  for (int g = 0; g < 4; g++) {
    double v = g == 0 ? lln : grade_below[g];
    ts_rgb c = g < 2 ? ts_oi_orange : ts_oi_vermillion;
    if (vertical)
      ts_plot_vline(p, a, v, c, TS_DASHED, NULL);
    else
      ts_plot_hline(p, a, v, c, TS_DASHED, labels[g]);
  }
}

static int over_time(ts_report *r, const ts_report_signal *sig, size_t arm_index, const ts_series *s, double lln) {
  const ts_summary_arm *arm = &r->summary->arms[arm_index];
  char title[160], name[64], caption[640];
  snprintf(title, sizeof title, "Neutrophils, arm %s (%zu patients)", arm->name, s->n_patients);
  ts_plot p;
  ts_axes ax;
  if (ts_report_series_figure(&p, &ax, s, fmax(ts_report_series_top(s), lln), "neutrophil count (1e9 cells/L)", title,
                              r->err))
    return -1;
  thresholds(&p, &ax, lln, 0);
  ts_rgb c = ts_plot_series_color(arm_index);
  ts_report_draw_series(&p, &ax, s, c);
  ts_report_series_legend(&p, &ax, s, c, TS_LEGEND_BELOW);
  snprintf(name, sizeof name, "neutrophils_%zu", arm_index + 1);
  int rc = ts_plot_save(&p, r->dir, name, r->err);
  ts_plot_close(&p);
  if (rc == 0) {
    snprintf(caption, sizeof caption,
             "Arm %s: %s (stored in %s, shown in 1e9 cells/L): median, 5th-95th percentiles over the arm's patients "
             "and the first %zu patients. Dashed: CTCAE v5 thresholds of neutrophil count decreased, grade 1 below "
             "the lower limit of normal (%g), grade 2 below 1.5, grade 3 below 1.0, grade 4 below 0.5.",
             arm->name, sig->name, sig->unit, s->n_individual, lln);
    ts_page_figure(&r->page, name, TS_SERIES_FIG_W, TS_SERIES_FIG_H, caption);
  }
  return rc;
}

/* The nadirs of every arm as a histogram (percent of the arm's patients per bin), bars of the arms side by side. */
static int nadirs(ts_report *r, const ts_series *series, size_t n_arms, double lln) {
  double top = lln;
  for (size_t i = 0; i < n_arms; i++)
    for (size_t k = 0; k < series[i].n_patients; k++)
      if (isfinite(series[i].minimum[k]))
        top = fmax(top, series[i].minimum[k]);
  size_t n_bins = (size_t)ceil(top / BIN_WIDTH + 1e-9);
  if (n_bins < 1)
    n_bins = 1;
  double *percent = calloc(n_arms * n_bins, sizeof *percent), ymax = 0;
  if (!percent)
    return ts_fail(r->err, TS_E_NOMEM, "out of memory");
  for (size_t i = 0; i < n_arms; i++) {
    size_t used = 0;
    for (size_t k = 0; k < series[i].n_patients; k++)
      used += isfinite(series[i].minimum[k]);
    for (size_t k = 0; k < series[i].n_patients; k++) {
      double v = series[i].minimum[k];
      if (!isfinite(v))
        continue;
      size_t b = v <= 0 ? 0 : (size_t)(v / BIN_WIDTH);
      percent[i * n_bins + (b < n_bins ? b : n_bins - 1)] += 100.0 / (double)used;
    }
    for (size_t b = 0; b < n_bins; b++)
      ymax = fmax(ymax, percent[i * n_bins + b]);
  }
  double x_lo = 0, x_hi = n_bins * BIN_WIDTH, y_lo = 0, y_hi = ymax > 0 ? ymax : 1;
  ts_axes_nice(&x_lo, &x_hi);
  ts_axes_nice(&y_lo, &y_hi);
  ts_axes ax = {.left = 75,
                .top = 36,
                .width = FIG_W - 95,
                .height = NADIR_H - 90,
                .xmin = x_lo,
                .xmax = x_hi,
                .ymin = y_lo,
                .ymax = y_hi};
  ts_plot p;
  if (ts_plot_open(&p, FIG_W, NADIR_H, r->err) != 0) {
    free(percent);
    return -1;
  }
  ts_plot_axes(&p, &ax, "nadir: lowest neutrophil count (1e9 cells/L)", "patients of the arm (%)",
               "Neutrophil nadir per patient");
  ts_legend_entry e[16];
  for (size_t i = 0; i < n_arms; i++) {
    double w = BIN_WIDTH / (double)n_arms;
    for (size_t b = 0; b < n_bins; b++)
      if (percent[i * n_bins + b] > 0)
        ts_plot_rect(&p, &ax, b * BIN_WIDTH + i * w, 0, b * BIN_WIDTH + (i + 1) * w, percent[i * n_bins + b],
                     ts_plot_series_color(i), 0.9);
    if (i < 16)
      e[i] = (ts_legend_entry){r->summary->arms[i].name, ts_plot_series_color(i), 1, TS_SOLID};
  }
  thresholds(&p, &ax, lln, 1);
  const char *marks[4] = {"G1", "G2", "G3", "G4"};
  for (int g = 0; g < 4; g++) { /* the grade reached left of each line */
    double v = g == 0 ? lln : grade_below[g];
    if (v > ax.xmin && v <= ax.xmax)
      ts_plot_text(&p, ts_axes_x(&ax, v) - 3, ax.top + 14, 1, 11, g < 2 ? ts_oi_orange : ts_oi_vermillion, marks[g]);
  }
  ts_plot_legend(&p, &ax, e, n_arms < 16 ? n_arms : 16, 0);
  free(percent);
  int rc = ts_plot_save(&p, r->dir, "neutrophil_nadirs", r->err);
  ts_plot_close(&p);
  if (rc == 0) {
    char caption[512];
    snprintf(caption, sizeof caption,
             "Distribution of each patient's lowest recorded neutrophil count, per arm (bars %g x 1e9 cells/L wide, "
             "in percent of the arm's patients with a count). Dashed lines: the CTCAE grade thresholds; a nadir left "
             "of a line reached that grade (G1: below the LLN %g).",
             BIN_WIDTH, lln);
    ts_page_figure(&r->page, "neutrophil_nadirs", FIG_W, NADIR_H, caption);
  }
  return rc;
}

int ts_report_neutrophils(ts_report *r) {
  const ts_summary *s = r->summary;
  ts_page_add(&r->page, "<h2>Neutrophils</h2>\n");
  static const char *const names[] = {"ANC", "Circ", "neutrophils", NULL};
  double factor;
  const ts_report_signal *sig = ts_report_signal_in(r, ANC_UNIT, names, &factor);
  if (!sig) {
    ts_page_missing(&r->page, "No neutrophil figures: no recorded signal is a neutrophil count (an output named ANC "
                              "or Circ in cells per volume, e.g. tox.ANC of toxicity/friberg); add it to "
                              "output.signals.");
    return 0;
  }
  double lln = lower_limit_of_normal(r, sig->name);
  ts_series *series = calloc(s->n_arms, sizeof *series);
  if (!series)
    return ts_fail(r->err, TS_E_NOMEM, "out of memory");
  int rc = 0;
  size_t with_data = 0;
  for (size_t i = 0; rc == 0 && i < s->n_arms; i++) {
    rc = ts_series_collect(r, sig->name, s->arms[i].name, s->arms[i].n_patients, factor, &series[i]);
    if (rc == 0 && series[i].n_times > 0 && series[i].n_patients > 0) {
      with_data++;
      rc = over_time(r, sig, i, &series[i], lln);
    } else if (rc == 0 && !series[i].unreadable) {
      ts_page_missing(&r->page, "Arm %s: no trajectory of %s stored.", s->arms[i].name, sig->name);
    }
  }
  if (rc == 0 && with_data > 0)
    rc = nadirs(r, series, s->n_arms, lln);
  for (size_t i = 0; i < s->n_arms; i++)
    ts_series_free(&series[i]);
  free(series);
  return rc;
}
