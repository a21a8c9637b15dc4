/* What-if planning (one twin, several plans as arms): every recorded signal with the plans' trajectories overlaid,
 * and a table of each plan's endpoints. Population figures (survival curves, bands) mean nothing for one patient
 * and are left out. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "report.h"
#include "results_db.h"

#define FIG_W   640
#define PANEL_H 290 /* the plotting area; the legend goes under it */

typedef struct plan_curve {
  double *time, *value;
  size_t n;
} plan_curve;

typedef struct overlay_ctx {
  const ts_summary *s;
  plan_curve *curves; /* one per arm, in the summary's arm order */
  int nomem;
} overlay_ctx;

static int keep_curve(void *ctx, int64_t patient_id, const char *arm, const double *time, const double *value,
                      size_t n) {
  (void)patient_id;
  overlay_ctx *c = ctx;
  for (size_t i = 0; i < c->s->n_arms; i++) {
    if (strcmp(c->s->arms[i].name, arm) != 0 || c->curves[i].time)
      continue;
    plan_curve *pc = &c->curves[i];
    pc->time = malloc((n ? n : 1) * sizeof(double));
    pc->value = malloc((n ? n : 1) * sizeof(double));
    if (!pc->time || !pc->value)
      return c->nomem = 1;
    memcpy(pc->time, time, n * sizeof(double));
    memcpy(pc->value, value, n * sizeof(double));
    pc->n = n;
  }
  return 0;
}

static int overlay(ts_report *r, const ts_report_signal *sig, size_t index) {
  const ts_summary *s = r->summary;
  overlay_ctx c = {.s = s, .curves = calloc(s->n_arms, sizeof(plan_curve))};
  if (!c.curves)
    return ts_fail(r->err, TS_E_NOMEM, "out of memory");
  char why[512] = "";
  int unreadable = 0;
  int rc = ts_results_each_trajectory(r->db, sig->name, NULL, keep_curve, &c, why, sizeof why);
  if (rc == -1) { /* said in the page: the other signals can still be drawn */
    ts_page_missing(&r->page, "%s: the trajectories cannot be read: %s.", sig->name, why);
    rc = 0;
    unreadable = 1;
  } else if (rc != 0)
    rc = ts_fail(r->err, TS_E_NOMEM, "out of memory");
  double t_lo = INFINITY, t_hi = -INFINITY, lo = INFINITY, hi = -INFINITY, lo_pos = INFINITY;
  for (size_t i = 0; i < s->n_arms; i++)
    for (size_t k = 0; k < c.curves[i].n; k++) {
      double t = c.curves[i].time[k], v = c.curves[i].value[k];
      if (!isfinite(v))
        continue;
      t_lo = fmin(t_lo, t), t_hi = fmax(t_hi, t), lo = fmin(lo, v), hi = fmax(hi, v);
      if (v > 0)
        lo_pos = fmin(lo_pos, v);
    }
  if (rc == 0 && unreadable) {
    /* said above */
  } else if (rc == 0 && !isfinite(lo)) {
    ts_page_missing(&r->page, "%s: no values stored.", sig->name);
  } else if (rc == 0) {
    /* cell counts that span decades (a tumor shrinking and regrowing) read better on a log axis */
    int ylog = strstr(sig->unit, "cells") && lo > 0 && hi / lo_pos > 1e2;
    if (ylog) {
      lo = pow(10, floor(log10(lo_pos))), hi = pow(10, ceil(log10(hi)));
    } else {
      lo = fmin(lo, 0);
      if (lo > -1e-3 * fabs(hi)) /* solver round-off below 0 */
        lo = 0;
      ts_axes_nice(&lo, &hi);
    }
    ts_axes_nice(&t_lo, &t_hi);
    ts_axes ax = {.left = 80,
                  .top = 36,
                  .width = FIG_W - 100,
                  .height = PANEL_H,
                  .xmin = t_lo,
                  .xmax = t_hi,
                  .ymin = lo,
                  .ymax = hi,
                  .ylog = ylog};
    ts_plot p;
    int height = (int)(36 + PANEL_H + TS_LEGEND_BELOW_OFFSET + 18 * (double)s->n_arms + 16);
    rc = ts_plot_open(&p, FIG_W, height, r->err);
    if (rc == 0) {
      char title[160], ylabel[200], name[64], caption[512];
      snprintf(title, sizeof title, "%s under each plan", sig->name);
      ts_plot_axes(&p, &ax, "time since start (d)", ts_report_signal_label(ylabel, sizeof ylabel, sig->name, sig->unit),
                   title);
      ts_legend_entry e[16];
      const int dashes[3] = {TS_SOLID, TS_DASHED, TS_DOTTED}; /* told apart without colour too */
      for (size_t i = 0; i < s->n_arms; i++) {
        ts_plot_line(&p, &ax, c.curves[i].time, c.curves[i].value, c.curves[i].n, ts_plot_series_color(i), 1, 2,
                     dashes[i % 3]);
        if (i < 16)
          e[i] = (ts_legend_entry){s->arms[i].name, ts_plot_series_color(i), 0, dashes[i % 3]};
      }
      ts_plot_legend(&p, &ax, e, s->n_arms < 16 ? s->n_arms : 16, TS_LEGEND_BELOW);
      snprintf(name, sizeof name, "whatif_%zu", index + 1);
      rc = ts_plot_save(&p, r->dir, name, r->err);
      ts_plot_close(&p);
      if (rc == 0) {
        snprintf(caption, sizeof caption, "%s (%s) of the twin under each plan%s.", sig->name, sig->unit,
                 ylog ? ", on a log scale" : "");
        ts_page_figure(&r->page, name, FIG_W, height, caption);
      }
    }
  }
  for (size_t i = 0; i < s->n_arms; i++)
    free(c.curves[i].time), free(c.curves[i].value);
  free(c.curves);
  return rc;
}

static void cell_number(ts_page *pg, sqlite3_stmt *st, int col, double scale) {
  char buf[32];
  ts_page_add(pg, "<td class=\"num\">%s</td>",
              sqlite3_column_type(st, col) == SQLITE_NULL
                  ? "NA"
                  : ts_summary_num(buf, sizeof buf, scale * sqlite3_column_double(st, col)));
}

static void cell_text(ts_page *pg, sqlite3_stmt *st, int col) {
  const unsigned char *v = sqlite3_column_text(st, col);
  ts_page_add(pg, "<td>");
  ts_page_text(pg, v ? (const char *)v : "NA");
  ts_page_add(pg, "</td>");
}

/* One row per plan: the patient's status and endpoints. */
static void endpoint_table(ts_report *r) {
  ts_page *pg = &r->page;
  int has_endpoints = r->summary->has_endpoints;
  /* exposure: the highest Cmax of the cycles and the AUC over all of them, in the exposure signal's unit */
  const char *sql = has_endpoints
                        ? "SELECT p.arm, p.status, e.best_response, e.best_change, e.progression_time, e.pfs_time, "
                          "e.pfs_event, e.os_time, e.os_event, e.worst_grade, e.cumulative_dose, e.dose_unit, "
                          "(SELECT max(x.cmax) FROM exposure x WHERE x.patient_id = p.patient_id AND x.arm = p.arm), "
                          "(SELECT sum(x.auc) FROM exposure x WHERE x.patient_id = p.patient_id AND x.arm = p.arm) "
                          "FROM patients p LEFT JOIN endpoints e ON e.patient_id = p.patient_id AND e.arm = p.arm "
                          "WHERE p.arm = ?1"
                        : "SELECT arm, status FROM patients WHERE arm = ?1";
  const ts_report_signal *exposure = NULL;
  for (size_t i = 0; i < r->n_signals && r->exposure_signal[0]; i++)
    if (strcmp(r->signals[i].name, r->exposure_signal) == 0)
      exposure = &r->signals[i];
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK) {
    ts_page_missing(pg, "The plans' endpoints cannot be read: %s.", sqlite3_errmsg(r->db));
    return;
  }
  if (!has_endpoints)
    ts_page_missing(pg, "The scenario defines no endpoints: the table shows each plan's status only.");
  ts_page_add(pg, "<table class=\"whatif\">\n<tr><th>plan</th><th>status</th>%s",
              has_endpoints ? "<th>best response</th><th>best change (%)</th><th>progression (d)</th><th>PFS (d)</th>"
                              "<th>PFS event</th><th>OS (d)</th><th>death</th><th>worst grade</th>"
                              "<th>cumulative dose</th>"
                            : "");
  if (has_endpoints && exposure) {
    ts_page_add(pg, "<th>highest Cmax of %s (", exposure->name);
    ts_page_text(pg, exposure->unit);
    ts_page_add(pg, ")</th><th>AUC of %s, all cycles (", exposure->name);
    ts_page_text(pg, exposure->unit);
    ts_page_add(pg, " d)</th>");
  }
  ts_page_add(pg, "</tr>\n");
  for (size_t a = 0; a < r->summary->n_arms; a++) { /* the plans in the scenario's order, as in the figures */
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, r->summary->arms[a].name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW)
      continue;
    ts_page_add(pg, "<tr>");
    cell_text(pg, st, 0);
    cell_text(pg, st, 1);
    if (has_endpoints) {
      cell_text(pg, st, 2);
      cell_number(pg, st, 3, 100);
      cell_number(pg, st, 4, 1);
      cell_number(pg, st, 5, 1);
      cell_text(pg, st, 6);
      cell_number(pg, st, 7, 1);
      cell_text(pg, st, 8);
      cell_text(pg, st, 9);
      char buf[32];
      ts_page_add(pg, "<td class=\"num\">");
      if (sqlite3_column_type(st, 10) == SQLITE_NULL) {
        ts_page_add(pg, "NA");
      } else {
        ts_page_add(pg, "%s ", ts_summary_num(buf, sizeof buf, sqlite3_column_double(st, 10)));
        ts_page_text(pg, sqlite3_column_text(st, 11) ? (const char *)sqlite3_column_text(st, 11) : "");
      }
      ts_page_add(pg, "</td>");
      if (exposure) {
        cell_number(pg, st, 12, 1);
        cell_number(pg, st, 13, 1);
      }
    }
    ts_page_add(pg, "</tr>\n");
  }
  sqlite3_finalize(st);
  ts_page_add(pg, "</table>\n");
}

int ts_report_whatif(ts_report *r) {
  ts_page *pg = &r->page;
  ts_page_add(pg, "<h2>What-if: %zu plans for one twin</h2>\n", r->summary->n_arms);
  ts_page_add(pg, "<p class=\"note\">One patient simulated under each plan (arm): the same parameters and random "
                  "streams, so the differences are the plans'. Survival curves, bands and waterfall plots need a "
                  "population and are not drawn.</p>\n");
  endpoint_table(r);
  if (r->n_signals == 0)
    ts_page_missing(pg, "No trajectories: the run recorded no signal (output.signals).");
  for (size_t i = 0; i < r->n_signals; i++)
    if (overlay(r, &r->signals[i], i) != 0)
      return -1;
  return 0;
}
