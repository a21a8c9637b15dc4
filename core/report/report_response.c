/* Tumor response per arm: the waterfall plot of each patient's best change from baseline (endpoints.best_change,
 * the RECIST number of docs/endpoints.md), coloured by best overall response, and the spider plot of the change
 * from baseline at every assessment (table observations, the measurements RECIST read) for a sample of patients. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "report.h"
#include "results_db.h"

#define FIG_W           640
#define FIG_H           400
#define SPIDER_PATIENTS 30
#define CLIP_PERCENT    100.0 /* bars above are cut here, so that a few large growths do not flatten the rest */

static const char *const categories[] = {"CR", "PR", "SD", "PD", "NE"};

static ts_rgb response_color(const char *best) {
  const ts_rgb colors[] = {ts_oi_blue, ts_oi_green, ts_oi_sky, ts_oi_vermillion, {0.45, 0.45, 0.45}};
  for (int i = 0; i < 5; i++)
    if (best && strcmp(best, categories[i]) == 0)
      return colors[i];
  return colors[4];
}

static void response_legend(ts_plot *p, const ts_axes *a, const size_t *counts, int corner) {
  ts_legend_entry e[5];
  char labels[5][48];
  size_t n = 0;
  for (int i = 0; i < 5; i++) {
    if (counts[i] == 0)
      continue;
    snprintf(labels[n], sizeof labels[n], "%s (%zu)", categories[i], counts[i]);
    e[n] = (ts_legend_entry){labels[n], response_color(categories[i]), 1, TS_SOLID};
    n++;
  }
  ts_plot_legend(p, a, e, n, corner);
}

static int category_of(const char *best) {
  for (int i = 0; i < 4; i++)
    if (best && strcmp(best, categories[i]) == 0)
      return i;
  return 4;
}

typedef struct bar {
  double change; /* percent */
  char best[4];
} bar;

static int waterfall(ts_report *r, size_t arm_index) {
  const ts_summary_arm *arm = &r->summary->arms[arm_index];
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(r->db,
                         "SELECT best_change, best_response FROM endpoints WHERE arm = ?1 AND best_change IS NOT NULL "
                         "ORDER BY best_change DESC, patient_id",
                         -1, &st, NULL) != SQLITE_OK)
    return ts_fail(r->err, TS_E_IO, "%s: reading endpoints: %s", r->db_path, sqlite3_errmsg(r->db));
  sqlite3_bind_text(st, 1, arm->name, -1, SQLITE_STATIC);
  bar *bars = NULL;
  size_t n = 0, cap = 0;
  int rc = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    if (n == cap) {
      cap = cap ? 2 * cap : 256;
      bar *b = realloc(bars, cap * sizeof *b);
      if (!b) {
        rc = ts_fail(r->err, TS_E_NOMEM, "out of memory");
        break;
      }
      bars = b;
    }
    const char *best = (const char *)sqlite3_column_text(st, 1);
    bars[n].change = 100 * sqlite3_column_double(st, 0);
    snprintf(bars[n].best, sizeof bars[n].best, "%s", best ? best : "NE");
    n++;
  }
  sqlite3_finalize(st);
  if (rc != 0 || n == 0) {
    free(bars);
    if (rc == 0)
      ts_page_missing(&r->page, "Arm %s: no waterfall plot, no patient has a best change from baseline (%s).",
                      arm->name,
                      arm->n_patients > 0 && arm->n_failed == arm->n_patients
                          ? "every patient of the arm failed"
                          : "RECIST needs endpoints.recist and a post-baseline assessment");
    return rc;
  }
  size_t counts[5] = {0}, clipped = 0;
  double lowest = 0;
  for (size_t i = 0; i < n; i++) {
    counts[category_of(bars[i].best)]++;
    clipped += bars[i].change > CLIP_PERCENT;
    lowest = fmin(lowest, bars[i].change);
  }
  double top = fmin(fmax(bars[0].change, 30), CLIP_PERCENT), bottom = fmin(lowest, -40);
  ts_axes_nice(&bottom, &top);
  ts_axes ax = {.left = 70,
                .top = 36,
                .width = FIG_W - 90,
                .height = FIG_H - 90,
                .xmin = 0,
                .xmax = (double)n,
                .ymin = bottom,
                .ymax = top};
  ts_plot p;
  if (ts_plot_open(&p, FIG_W, FIG_H, r->err) != 0) {
    free(bars);
    return -1;
  }
  char title[160];
  snprintf(title, sizeof title, "Best change in tumor size, arm %s (%zu patients)", arm->name, n);
  ts_plot_axes(&p, &ax, "patients, ordered by best change", "best change from baseline (%)", title);
  double gap = n < 150 ? 0.15 : 0; /* thin bars touch */
  for (size_t i = 0; i < n; i++)
    ts_plot_rect(&p, &ax, i + gap, 0, i + 1 - gap, fmin(bars[i].change, top), response_color(bars[i].best), 1);
  ts_plot_hline(&p, &ax, 0, (ts_rgb){0.3, 0.3, 0.3}, TS_SOLID, NULL);
  ts_plot_hline(&p, &ax, 20, ts_oi_black, TS_DASHED, "+20%");
  ts_plot_hline(&p, &ax, -30, ts_oi_black, TS_DASHED, "-30%");
  response_legend(&p, &ax, counts, 0);
  free(bars);
  char name[64], caption[640];
  snprintf(name, sizeof name, "waterfall_%zu", arm_index + 1);
  rc = ts_plot_save(&p, r->dir, name, r->err);
  ts_plot_close(&p);
  if (rc == 0) {
    char clipped_text[96] = "";
    if (clipped > 0)
      snprintf(clipped_text, sizeof clipped_text, " %zu bar%s above +%.0f%% %s cut at the top.", clipped,
               clipped == 1 ? "" : "s", CLIP_PERCENT, clipped == 1 ? "is" : "are");
    snprintf(caption, sizeof caption,
             "Arm %s: each bar is one patient's best (most negative) change of the RECIST sum of diameters from "
             "baseline, up to the first progression, coloured by best overall response (count in the legend). "
             "Dashed lines: -30%% (partial response) and +20%% (progression is +20%% over the nadir, so a bar can be "
             "PD below it).%s",
             arm->name, clipped_text);
    ts_page_figure(&r->page, name, FIG_W, FIG_H, caption);
  }
  return rc;
}

/* ---- spider plot ------------------------------------------------------------------------------------------------- */

static int spider(ts_report *r, size_t arm_index) {
  const ts_summary_arm *arm = &r->summary->arms[arm_index];
  sqlite3_stmt *st;
  size_t n_patients = 0;
  if (sqlite3_prepare_v2(
          r->db, "SELECT count(DISTINCT patient_id), max(time) FROM observations WHERE arm = ?1 AND signal = ?2", -1,
          &st, NULL) != SQLITE_OK)
    return ts_fail(r->err, TS_E_IO, "%s: reading observations: %s", r->db_path, sqlite3_errmsg(r->db));
  sqlite3_bind_text(st, 1, arm->name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, r->recist_signal, -1, SQLITE_STATIC);
  double t_max = 0;
  if (sqlite3_step(st) == SQLITE_ROW) {
    n_patients = (size_t)sqlite3_column_int64(st, 0);
    t_max = sqlite3_column_double(st, 1);
  }
  sqlite3_finalize(st);
  if (n_patients == 0) {
    ts_page_missing(&r->page, "Arm %s: no spider plot, no assessments of %s recorded.", arm->name, r->recist_signal);
    return 0;
  }
  size_t every = (n_patients + SPIDER_PATIENTS - 1) / SPIDER_PATIENTS;
  double lo = -100, hi = 100, t_lo = 0, t_hi = t_max > 0 ? t_max : 1;
  ts_axes_nice(&t_lo, &t_hi);
  ts_axes ax = {.left = 70,
                .top = 36,
                .width = FIG_W - 90,
                .height = FIG_H - 90,
                .xmin = t_lo,
                .xmax = t_hi,
                .ymin = lo,
                .ymax = hi};
  ts_plot p;
  if (ts_plot_open(&p, FIG_W, FIG_H, r->err) != 0)
    return -1;
  if (sqlite3_prepare_v2(
          r->db,
          "SELECT o.patient_id, o.time, o.value, e.best_response FROM observations o LEFT JOIN endpoints "
          "e ON e.patient_id = o.patient_id AND e.arm = o.arm WHERE o.arm = ?1 AND o.signal = ?2 "
          "ORDER BY o.patient_id, o.time",
          -1, &st, NULL) != SQLITE_OK) {
    /* without an endpoints table, colour nothing */
    if (sqlite3_prepare_v2(r->db,
                           "SELECT patient_id, time, value, NULL FROM observations WHERE arm = ?1 AND signal = ?2 "
                           "ORDER BY patient_id, time",
                           -1, &st, NULL) != SQLITE_OK) {
      ts_plot_close(&p);
      return ts_fail(r->err, TS_E_IO, "%s: reading observations: %s", r->db_path, sqlite3_errmsg(r->db));
    }
  }
  sqlite3_bind_text(st, 1, arm->name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, r->recist_signal, -1, SQLITE_STATIC);
  char title[160];
  snprintf(title, sizeof title, "Change in tumor size over time, arm %s", arm->name);
  ts_plot_axes(&p, &ax, "time since start (d)", "change from baseline (%)", title);
  ts_plot_hline(&p, &ax, 20, ts_oi_black, TS_DASHED, "+20%");
  ts_plot_hline(&p, &ax, -30, ts_oi_black, TS_DASHED, "-30%");
  double t[512], y[512], baseline = NAN; /* a patient's assessments; more than 512 are not drawn */
  size_t m = 0, ordinal = 0, shown = 0, shown_by[5] = {0};
  int64_t current = INT64_MIN;
  char best[4] = "";
  int step;
  for (;;) {
    step = sqlite3_step(st);
    int64_t id = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : INT64_MAX;
    if (id != current) { /* draw the patient just read */
      if (current != INT64_MIN && m > 1 && (ordinal - 1) % every == 0) {
        ts_plot_line(&p, &ax, t, y, m, response_color(best), 0.85, 1.4, TS_SOLID);
        shown++;
        shown_by[category_of(best)]++;
      }
      current = id;
      ordinal++;
      m = 0;
      baseline = NAN;
      const char *b = step == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 3) : NULL;
      snprintf(best, sizeof best, "%s", b ? b : "NE");
    }
    if (step != SQLITE_ROW)
      break;
    double v = fmax(sqlite3_column_double(st, 2), 0); /* as RECIST reads it: a measurement is not negative */
    if (m == 0 && sqlite3_column_type(st, 2) != SQLITE_NULL)
      baseline = v;
    if (m < 512 && isfinite(baseline) && baseline > 0 && sqlite3_column_type(st, 2) != SQLITE_NULL) {
      t[m] = sqlite3_column_double(st, 1);
      y[m] = fmin(100 * (v - baseline) / baseline, hi);
      m++;
    }
  }
  sqlite3_finalize(st);
  response_legend(&p, &ax, shown_by, 1);
  char name[64], caption[512];
  snprintf(name, sizeof name, "spider_%zu", arm_index + 1);
  if (step == SQLITE_DONE && shown == 0) {
    ts_plot_close(&p);
    ts_page_missing(&r->page, "Arm %s: no spider plot, no patient has an assessment after the baseline.", arm->name);
    return 0;
  }
  int rc = step == SQLITE_DONE ? ts_plot_save(&p, r->dir, name, r->err)
                               : ts_fail(r->err, TS_E_IO, "%s: reading observations", r->db_path);
  ts_plot_close(&p);
  if (rc == 0) {
    char sample[96] = ""; /* patients 1, 1 + every, 1 + 2 every, ... in patient_id order */
    if (every > 1)
      snprintf(sample, sizeof sample, " (one in %zu, in the order of patient numbers)", every);
    snprintf(caption, sizeof caption,
             "Arm %s: change of the observed %s from each patient's baseline at every assessment, for %zu of %zu "
             "patients%s, coloured by best overall response; values above +100%% are drawn at +100%%.",
             arm->name, r->recist_signal, shown, n_patients, sample);
    ts_page_figure(&r->page, name, FIG_W, FIG_H, caption);
  }
  return rc;
}

int ts_report_response(ts_report *r) {
  const ts_summary *s = r->summary;
  ts_page_add(&r->page, "<h2>Tumor response</h2>\n");
  if (!s->has_endpoints) {
    ts_page_missing(&r->page, "No waterfall plot: the database has no endpoints table.");
  } else {
    size_t with_endpoints = 0;
    for (size_t i = 0; i < s->n_arms; i++)
      with_endpoints += s->arms[i].n;
    if (with_endpoints == 0)
      ts_page_missing(&r->page, "No waterfall plot: %s.", ts_report_no_endpoints_why(s));
    for (size_t i = 0; with_endpoints > 0 && i < s->n_arms; i++)
      if (waterfall(r, i) != 0)
        return -1;
  }
  if (!r->recist_signal[0] || !ts_results_table_exists(r->db, "observations")) {
    ts_page_missing(&r->page, "No spider plot: the scenario observes no RECIST signal (endpoints.recist).");
    return 0;
  }
  for (size_t i = 0; i < s->n_arms; i++)
    if (spider(r, i) != 0)
      return -1;
  return 0;
}
