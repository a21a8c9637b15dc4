/* Kaplan-Meier curves of PFS and OS per arm (core/stats.h's estimator, on the endpoints `twinsim summary` reads),
 * with censoring marks, the number at risk under the axis, and in the legend each arm's median with its 95% CI and
 * its hazard ratio against the reference, as the summary gives them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "report.h"

#define WIDTH      820
#define PLOT_H     300
#define TOP        40
#define RISK_ROW_H 18

static const char *const endpoint_name[2] = {"PFS", "OS"};
static const char *const endpoint_key[2] = {"pfs", "os"};

static const ts_summary_row *find_row(const ts_summary *s, const char *arm, const char *statistic) {
  for (size_t i = 0; i < s->n_rows; i++)
    if (strcmp(s->rows[i].arm, arm) == 0 && strcmp(s->rows[i].statistic, statistic) == 0)
      return &s->rows[i];
  return NULL;
}

/* "name: median 120 d (95% CI 100 to 150); HR 0.5 (0.4 to 0.6)", the numbers as summary prints them. */
static void legend_label(const ts_summary *s, size_t arm, int e, char *buf, size_t cap) {
  const char *name = s->arms[arm].name;
  char stat[32], m[32], lo[32], hi[32];
  snprintf(stat, sizeof stat, "%s_median", endpoint_key[e]);
  const ts_summary_row *med = find_row(s, name, stat);
  size_t used;
  if (!med || isnan(med->value))
    used = (size_t)snprintf(buf, cap, "%s: median not reached", name);
  else
    used =
        (size_t)snprintf(buf, cap, "%s: median %s d (95%% CI %s to %s)", name, ts_summary_num(m, sizeof m, med->value),
                         ts_summary_num(lo, sizeof lo, med->lower), ts_summary_num(hi, sizeof hi, med->upper));
  if (arm == 0 || used >= cap)
    return;
  snprintf(stat, sizeof stat, "%s_hr", endpoint_key[e]);
  const ts_summary_row *hr = find_row(s, name, stat);
  if (hr && !isnan(hr->value))
    snprintf(buf + used, cap - used, "; HR %s (95%% CI %s to %s)", ts_summary_num(m, sizeof m, hr->value),
             ts_summary_num(lo, sizeof lo, hr->lower), ts_summary_num(hi, sizeof hi, hr->upper));
  else
    snprintf(buf + used, cap - used, "; HR not available");
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

typedef struct km_curve {
  ts_km_step *steps;
  ts_km_result res;
  double *x, *y; /* the step curve from (0, 1) */
  size_t n_points;
  double t_end;
} km_curve;

static int km_of(const ts_summary_arm *a, int e, km_curve *k) {
  *k = (km_curve){0};
  size_t n = a->n ? a->n : 1;
  ts_surv_obs *work = malloc(n * sizeof *work);
  k->steps = malloc(n * sizeof *k->steps);
  k->x = malloc((n + 1) * sizeof(double));
  k->y = malloc((n + 1) * sizeof(double));
  if (!work || !k->steps || !k->x || !k->y) {
    free(work);
    return -1;
  }
  size_t m = ts_km(a->time[e], a->event[e], a->n, work, k->steps, &k->res);
  free(work);
  k->x[0] = 0, k->y[0] = 1;
  for (size_t i = 0; i < m; i++)
    k->x[i + 1] = k->steps[i].time, k->y[i + 1] = k->steps[i].surv;
  k->n_points = m + 1;
  k->t_end = 0;
  for (size_t i = 0; i < a->n; i++)
    if (isfinite(a->time[e][i]) && (a->event[e][i] == 0 || a->event[e][i] == 1))
      k->t_end = fmax(k->t_end, a->time[e][i]);
  return 0;
}

static void km_free(km_curve *k) {
  free(k->steps), free(k->x), free(k->y);
}

static size_t at_risk(const ts_summary_arm *a, int e, double t) {
  size_t n = 0;
  for (size_t i = 0; i < a->n; i++)
    n += isfinite(a->time[e][i]) && (a->event[e][i] == 0 || a->event[e][i] == 1) && a->time[e][i] >= t;
  return n;
}

static int draw(ts_report *r, int e, km_curve *curves) {
  const ts_summary *s = r->summary;
  ts_plot p;
  double t_max = 0;
  for (size_t i = 0; i < s->n_arms; i++)
    t_max = fmax(t_max, curves[i].t_end);
  double lo = 0, hi = t_max > 0 ? t_max : 1;
  ts_axes_nice(&lo, &hi);
  double name_w = 0;
  ts_plot probe;
  if (ts_plot_open(&probe, 10, 10, r->err) != 0)
    return -1;
  for (size_t i = 0; i < s->n_arms; i++)
    name_w = fmax(name_w, ts_plot_text_width(&probe, 12, s->arms[i].name));
  ts_legend_entry entries[64];
  char labels[64][256];
  size_t n_entries = s->n_arms < 64 ? s->n_arms : 64;
  for (size_t i = 0; i < n_entries; i++) {
    legend_label(s, i, e, labels[i], sizeof labels[i]);
    entries[i] = (ts_legend_entry){labels[i], ts_plot_series_color(i), 0, TS_SOLID};
  }
  double legend_w, legend_h;
  ts_plot_legend_size(&probe, entries, n_entries, &legend_w, &legend_h);
  ts_plot_close(&probe);
  double left = fmax(80, name_w + 44); /* arm names left of the first at-risk column */
  ts_axes ax = {.left = left,
                .top = TOP,
                .width = WIDTH - left - 30,
                .height = PLOT_H,
                .xmin = lo,
                .xmax = hi,
                .ymin = 0,
                .ymax = 1.0};
  double risk_top = TOP + PLOT_H + 72;
  int height = (int)(risk_top + RISK_ROW_H * (s->n_arms + 1) + legend_h + 20);
  if (ts_plot_open(&p, WIDTH, height, r->err) != 0)
    return -1;
  char title[128], ylabel[64];
  snprintf(title, sizeof title, "%s by arm (Kaplan-Meier)", endpoint_name[e]);
  snprintf(ylabel, sizeof ylabel, "%s probability", endpoint_name[e]);
  ts_plot_axes(&p, &ax, "time since start (d)", ylabel, title);
  ts_plot_hline(&p, &ax, 0.5, (ts_rgb){0.6, 0.6, 0.6}, TS_DOTTED, NULL);
  for (size_t i = 0; i < s->n_arms; i++) {
    const km_curve *k = &curves[i];
    ts_rgb c = ts_plot_series_color(i);
    if (k->res.n == 0)
      continue;
    ts_plot_step(&p, &ax, k->x, k->y, k->n_points, k->t_end, c, 2.2);
    const ts_summary_arm *a = &s->arms[i];
    double *sorted = malloc((a->n ? a->n : 1) * sizeof *sorted);
    size_t m = 0;
    for (size_t j = 0; sorted && j < a->n; j++)
      if (a->event[e][j] == 0 && isfinite(a->time[e][j]))
        sorted[m++] = a->time[e][j];
    qsort(sorted, m, sizeof *sorted, compare_doubles);
    for (size_t j = 0; j < m; j++) /* one mark per distinct censoring time */
      if (j == 0 || sorted[j] != sorted[j - 1])
        ts_plot_tick_mark(&p, &ax, sorted[j], ts_km_surv_at(k->steps, k->res.n_steps, sorted[j]), c);
    free(sorted);
  }
  /* the number at risk at each x tick */
  const ts_rgb ink = {0.15, 0.15, 0.15};
  ts_plot_text(&p, 8, risk_top - 6, 0, 12, ink, "Number at risk");
  double ticks[16];
  size_t nt = ts_axes_xticks(&ax, ticks, 16);
  for (size_t i = 0; i < s->n_arms; i++) {
    double y = risk_top + RISK_ROW_H * (i + 1) - 4;
    ts_plot_text(&p, left - 30, y, 1, 12, ts_plot_series_color(i), s->arms[i].name);
    for (size_t j = 0; j < nt; j++) {
      char buf[32];
      snprintf(buf, sizeof buf, "%zu", at_risk(&s->arms[i], e, ticks[j]));
      ts_plot_text(&p, ts_axes_x(&ax, ticks[j]), y, 0.5, 12, ink, buf);
    }
  }
  ts_plot_legend_at(&p, left, risk_top + RISK_ROW_H * (s->n_arms + 1) + 4, entries, n_entries);
  char name[32];
  snprintf(name, sizeof name, "km_%s", endpoint_key[e]);
  int rc = ts_plot_save(&p, r->dir, name, r->err);
  ts_plot_close(&p);
  if (rc == 0) {
    char caption[4096];
    size_t used = (size_t)snprintf(
        caption, sizeof caption,
        "Kaplan-Meier estimate of %s per arm; vertical ticks mark censored patients (one per distinct time), the "
        "dotted line S = 0.5. Medians with Brookmeyer-Crowley 95%% CIs and Cox hazard ratios against %s (%s ties) as "
        "twinsim summary gives them. Legend:",
        e == 0 ? "progression-free survival" : "overall survival", s->arms[0].name,
        s->ties == TS_COX_EFRON ? "Efron" : "Breslow");
    for (size_t i = 0; i < n_entries && used < sizeof caption; i++) /* the legend's text, searchable and testable */
      used += (size_t)snprintf(caption + used, sizeof caption - used, " %.255s%s", labels[i],
                               i + 1 < n_entries ? ";" : ".");
    ts_page_figure(&r->page, name, WIDTH, height, caption);
  }
  return rc;
}

const char *ts_report_no_endpoints_why(const ts_summary *s) {
  for (size_t i = 0; i < s->n_arms; i++)
    if (s->arms[i].n_failed < s->arms[i].n_patients)
      return "no endpoints recorded (the scenario defines none)";
  return "every patient failed";
}

int ts_report_km(ts_report *r) {
  const ts_summary *s = r->summary;
  ts_page_add(&r->page, "<h2>Survival</h2>\n");
  if (!s->has_endpoints) {
    ts_page_missing(&r->page, "No Kaplan-Meier curves: the database has no endpoints table (the scenario defines no "
                              "endpoints).");
    return 0;
  }
  size_t with_endpoints = 0;
  for (size_t i = 0; i < s->n_arms; i++)
    with_endpoints += s->arms[i].n;
  if (with_endpoints == 0) {
    ts_page_missing(&r->page, "No Kaplan-Meier curves: %s.", ts_report_no_endpoints_why(s));
    return 0;
  }
  for (int e = 0; e < 2; e++) {
    km_curve *curves = calloc(s->n_arms, sizeof *curves);
    if (!curves)
      return ts_fail(r->err, TS_E_NOMEM, "out of memory");
    int rc = 0;
    size_t used = 0, events = 0;
    for (size_t i = 0; rc == 0 && i < s->n_arms; i++) {
      if (km_of(&s->arms[i], e, &curves[i]) != 0)
        rc = ts_fail(r->err, TS_E_NOMEM, "out of memory");
      used += curves[i].res.n;
      events += curves[i].res.n_events;
    }
    if (rc == 0 && used == 0)
      ts_page_missing(&r->page, "No %s curve: no patient has %s recorded (%s).", endpoint_name[e], endpoint_name[e],
                      e == 0 ? "it needs endpoints.recist or endpoints.death" : "it needs endpoints.death");
    else if (rc == 0) {
      if (events == 0)
        ts_page_missing(&r->page,
                        "No %s events in any arm: every patient is censored, the curves stay at 1 and there "
                        "is no median, log-rank test or hazard ratio.",
                        endpoint_name[e]);
      for (size_t i = 0; i < s->n_arms; i++)
        if (curves[i].res.n == 0)
          ts_page_missing(&r->page, "Arm %s has no %s curve: %s.", s->arms[i].name, endpoint_name[e],
                          s->arms[i].n_patients > 0 && s->arms[i].n_failed == s->arms[i].n_patients
                              ? "every patient of the arm failed"
                              : "no patient of the arm has it recorded");
      if (s->n_arms == 1)
        ts_page_missing(&r->page, "One arm only: no hazard ratio or log-rank test.");
      rc = draw(r, e, curves);
    }
    for (size_t i = 0; i < s->n_arms; i++)
      km_free(&curves[i]);
    free(curves);
    if (rc != 0)
      return -1;
  }
  size_t failed = 0;
  for (size_t i = 0; i < s->n_arms; i++)
    failed += s->arms[i].n_failed;
  if (failed > 0)
    ts_page_missing(&r->page,
                    "%zu simulation%s failed (integration failure): %s no endpoints and enter%s no curve or "
                    "statistic (table patients names them).",
                    failed, failed == 1 ? "" : "s", failed == 1 ? "it has" : "they have", failed == 1 ? "s" : "");
  return 0;
}
