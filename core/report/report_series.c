/* Signals of a results database for the report: finding them by unit and name, and the distribution of one signal
 * over an arm's patients per output time (see report.h). Trajectories are read through ts_results_each_trajectory,
 * one (patient, arm) at a time. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "results_db.h"
#include "stats.h"
#include "units.h"

const ts_report_signal *ts_report_find_signal(const ts_report *r, const char *name) {
  for (size_t i = 0; i < r->n_signals; i++)
    if (strcmp(r->signals[i].name, name) == 0)
      return &r->signals[i];
  return NULL;
}

static int name_matches(const char *qualified, const char *const *names) {
  if (!names)
    return 1;
  const char *dot = strchr(qualified, '.');
  const char *local = dot ? dot + 1 : qualified;
  for (size_t i = 0; names[i]; i++)
    if (strcmp(local, names[i]) == 0)
      return 1;
  return 0;
}

const ts_report_signal *ts_report_signal_in(const ts_report *r, const char *unit, const char *const *names,
                                            double *factor) {
  for (size_t i = 0; i < r->n_signals; i++) {
    char why[256];
    if (name_matches(r->signals[i].name, names) &&
        ts_unit_factor(r->signals[i].unit, unit, factor, why, sizeof why) == 0)
      return &r->signals[i];
  }
  return NULL;
}

const char *ts_report_signal_label(char *buf, size_t cap, const char *what, const char *unit) {
  snprintf(buf, cap, "%s (%s)", what, unit);
  return buf;
}

/* ---- per-time-point distribution --------------------------------------------------------------------------------- */

typedef struct collect_ctx {
  ts_series *s;
  double **column; /* column[j]: the patients' values at grid time j, capacity `rows` each */
  size_t rows, cap_times;
  double factor;
  int nomem;
} collect_ctx;

static int add_column(collect_ctx *c, double t) {
  ts_series *s = c->s;
  if (s->n_times == c->cap_times) {
    size_t cap = c->cap_times ? 2 * c->cap_times : 512;
    double *time = realloc(s->time, cap * sizeof *time);
    if (time)
      s->time = time;
    double **column = realloc(c->column, cap * sizeof *column);
    if (column)
      c->column = column;
    if (!time || !column)
      return -1;
    c->cap_times = cap;
  }
  double *col = malloc(c->rows * sizeof *col);
  if (!col)
    return -1;
  for (size_t i = 0; i < c->rows; i++)
    col[i] = NAN;
  s->time[s->n_times] = t;
  c->column[s->n_times++] = col;
  return 0;
}

/* The grid index of time t: the grid is the union, in order, of the output times seen (trajectories share the
 * scenario's grid; a failed patient's is a prefix of it). SIZE_MAX when t falls between grid times. */
static size_t grid_index(collect_ctx *c, size_t hint, double t) {
  ts_series *s = c->s;
  double tol = 1e-9 * fmax(1, fabs(t));
  if (hint < s->n_times && fabs(s->time[hint] - t) <= tol)
    return hint;
  if (s->n_times == 0 || t > s->time[s->n_times - 1] + tol)
    return add_column(c, t) == 0 ? s->n_times - 1 : (c->nomem = 1, SIZE_MAX);
  size_t lo = 0, hi = s->n_times;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (s->time[mid] < t - tol)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < s->n_times && fabs(s->time[lo] - t) <= tol ? lo : SIZE_MAX;
}

static int collect_one(void *ctx, int64_t patient_id, const char *arm, const double *time, const double *value,
                       size_t n) {
  (void)arm;
  collect_ctx *c = ctx;
  ts_series *s = c->s;
  if (s->n_patients >= c->rows)
    return 0; /* more trajectories than patients counted: cannot happen in a consistent database */
  size_t row = s->n_patients++;
  double min = NAN, argmin = NAN;
  size_t k = s->n_individual < TS_SERIES_INDIVIDUALS ? s->n_individual++ : SIZE_MAX;
  if (k != SIZE_MAX)
    s->individual_id[k] = patient_id;
  for (size_t i = 0; i < n; i++) {
    size_t j = grid_index(c, i, time[i]);
    if (c->nomem)
      return 1;
    double v = value[i] * c->factor;
    if (j == SIZE_MAX || !isfinite(v))
      continue;
    c->column[j][row] = v;
    if (isnan(min) || v < min)
      min = v, argmin = time[i];
    s->max_value = isnan(s->max_value) ? v : fmax(s->max_value, v);
    s->min_value = isnan(s->min_value) ? v : fmin(s->min_value, v);
  }
  s->minimum[row] = min;
  s->argmin[row] = argmin;
  return 0;
}

void ts_series_free(ts_series *s) {
  free(s->time), free(s->median), free(s->lo), free(s->hi), free(s->minimum), free(s->argmin);
  for (size_t k = 0; k < TS_SERIES_INDIVIDUALS; k++)
    free(s->individual[k]);
  *s = (ts_series){0};
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Median and 5-95% per grid time, and the first patients' curves, from the columns. */
static int summarise_columns(collect_ctx *c) {
  ts_series *s = c->s;
  size_t nt = s->n_times;
  s->median = malloc((nt ? nt : 1) * sizeof(double));
  s->lo = malloc((nt ? nt : 1) * sizeof(double));
  s->hi = malloc((nt ? nt : 1) * sizeof(double));
  double *sorted = malloc((c->rows ? c->rows : 1) * sizeof *sorted);
  int rc = s->median && s->lo && s->hi && sorted ? 0 : -1;
  for (size_t k = 0; rc == 0 && k < s->n_individual; k++)
    if (!(s->individual[k] = malloc((nt ? nt : 1) * sizeof(double))))
      rc = -1;
  for (size_t j = 0; rc == 0 && j < nt; j++) {
    size_t m = 0;
    for (size_t i = 0; i < s->n_patients; i++)
      if (isfinite(c->column[j][i]))
        sorted[m++] = c->column[j][i];
    qsort(sorted, m, sizeof *sorted, compare_doubles);
    s->median[j] = ts_quantile_sorted(sorted, m, 0.5);
    s->lo[j] = ts_quantile_sorted(sorted, m, 0.05);
    s->hi[j] = ts_quantile_sorted(sorted, m, 0.95);
    for (size_t k = 0; k < s->n_individual; k++)
      s->individual[k][j] = c->column[j][k];
  }
  free(sorted);
  return rc;
}

int ts_series_collect(ts_report *r, const char *signal, const char *arm, size_t n_patients, double factor,
                      ts_series *out) {
  *out = (ts_series){.max_value = NAN, .min_value = NAN};
  collect_ctx c = {.s = out, .rows = n_patients ? n_patients : 1, .factor = factor};
  out->minimum = malloc(c.rows * sizeof(double));
  out->argmin = malloc(c.rows * sizeof(double));
  char why[512] = "";
  int rc = -1;
  if (!out->minimum || !out->argmin)
    ts_fail(r->err, TS_E_NOMEM, "out of memory");
  else if ((rc = ts_results_each_trajectory(r->db, signal, arm, collect_one, &c, why, sizeof why)) == -1) {
    /* said in the page: the other sections can still be drawn */
    ts_page_missing(&r->page, "Arm %s: the trajectories of %s cannot be read: %s.", arm, signal, why);
    rc = 0;
    out->unreadable = 1;
    out->n_patients = 0;
  } else if (rc != 0 || summarise_columns(&c) != 0) /* collect_one stops only when out of memory */
    rc = ts_fail(r->err, TS_E_NOMEM, "out of memory");
  for (size_t j = 0; j < out->n_times; j++)
    free(c.column[j]);
  free(c.column);
  if (rc != 0 || out->unreadable) {
    ts_series_free(out);
    out->unreadable = rc == 0;
    return rc == 0 ? 0 : -1;
  }
  return 0;
}
