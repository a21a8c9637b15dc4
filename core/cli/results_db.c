/* Read-only queries on a results database (see results_db.h). */
#include "results_db.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strutil.h"

int ts_results_table_exists(sqlite3 *db, const char *name) {
  sqlite3_stmt *st;
  int found = 0;
  if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", -1, &st, NULL) ==
      SQLITE_OK) {
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    found = sqlite3_step(st) == SQLITE_ROW;
  }
  sqlite3_finalize(st);
  return found;
}

char *ts_results_run_value(sqlite3 *db, const char *key) {
  sqlite3_stmt *st;
  char *v = NULL;
  if (sqlite3_prepare_v2(db, "SELECT value FROM run WHERE key = ?1", -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
      v = ts_strdup((const char *)sqlite3_column_text(st, 0));
  }
  sqlite3_finalize(st);
  return v;
}

/* ---- trajectories ----------------------------------------------------------------------------------------------- */

static int fail(char *err, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t cap, const char *fmt, ...) {
  if (err && cap) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
  }
  return -1;
}

/* "SELECT patient_id, arm, time, "s1", ... FROM trajectory [WHERE arm = ?1] ORDER BY patient_id, arm, time", with
 * each name as a quoted identifier, or NULL when out of memory. */
static char *trajectory_sql(const char *const *signals, size_t n_signals, int one_arm) {
  size_t cap = 160;
  for (size_t j = 0; j < n_signals; j++)
    cap += 2 * strlen(signals[j]) + 4;
  char *sql = malloc(cap), *p = sql;
  if (!sql)
    return NULL;
  p += sprintf(p, "SELECT patient_id, arm, time");
  for (size_t j = 0; j < n_signals; j++) {
    *p++ = ',', *p++ = ' ', *p++ = '"';
    for (const char *s = signals[j]; *s; s++) {
      if (*s == '"')
        *p++ = '"';
      *p++ = *s;
    }
    *p++ = '"';
  }
  sprintf(p, " FROM trajectory%s ORDER BY patient_id, arm, time", one_arm ? " WHERE arm = ?1" : "");
  return sql;
}

/* The values of one (patient, arm) being gathered: n of cap entries per column. */
typedef struct gathered {
  size_t n_signals, n, cap;
  double *time;
  double **value;
  int64_t patient_id;
  char *arm;
} gathered;

static int grow(gathered *g) {
  size_t cap = g->cap ? 2 * g->cap : 512;
  double *time = realloc(g->time, cap * sizeof *time);
  if (!time)
    return -1;
  g->time = time;
  for (size_t j = 0; j < g->n_signals; j++) {
    double *v = realloc(g->value[j], cap * sizeof *v);
    if (!v)
      return -1;
    g->value[j] = v;
  }
  g->cap = cap;
  return 0;
}

int ts_results_each_simulation(sqlite3 *db, const char *const *signals, size_t n_signals, const char *arm,
                               ts_results_simulation_fn each, void *ctx, char *err, size_t err_cap) {
  if (err && err_cap)
    err[0] = '\0';
  sqlite3_stmt *known = NULL, *st = NULL;
  if (sqlite3_prepare_v2(db, "SELECT 1 FROM signals WHERE name = ?1", -1, &known, NULL) != SQLITE_OK)
    return fail(err, err_cap, "cannot read the recorded signals: %s", sqlite3_errmsg(db));
  for (size_t j = 0; j < n_signals; j++) {
    sqlite3_bind_text(known, 1, signals[j], -1, SQLITE_STATIC);
    int found = sqlite3_step(known) == SQLITE_ROW;
    sqlite3_reset(known);
    if (!found) {
      sqlite3_finalize(known);
      return fail(err, err_cap, "signal '%s' is not recorded in this database (see its table signals)", signals[j]);
    }
  }
  sqlite3_finalize(known);
  gathered g = {.n_signals = n_signals, .value = calloc(n_signals + 1, sizeof *g.value)};
  char *sql = trajectory_sql(signals, n_signals, arm != NULL);
  int rc = 0, step;
  if (!g.value || !sql) {
    rc = fail(err, err_cap, "out of memory");
    goto done;
  }
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
    rc = fail(err, err_cap, "cannot read the trajectory: %s", sqlite3_errmsg(db));
    goto done;
  }
  if (arm)
    sqlite3_bind_text(st, 1, arm, -1, SQLITE_STATIC);
  while ((step = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t id = sqlite3_column_int64(st, 0);
    const char *row_arm = (const char *)sqlite3_column_text(st, 1);
    if (!row_arm)
      row_arm = "";
    if (g.n > 0 && (id != g.patient_id || strcmp(row_arm, g.arm) != 0)) {
      if ((rc = each(ctx, g.patient_id, g.arm, g.time, (const double *const *)g.value, n_signals, g.n)) != 0)
        goto done;
      g.n = 0;
    }
    if (g.n == 0) {
      free(g.arm);
      g.patient_id = id;
      if (!(g.arm = ts_strdup(row_arm))) {
        rc = fail(err, err_cap, "out of memory");
        goto done;
      }
    }
    if (g.n == g.cap && grow(&g) != 0) {
      rc = fail(err, err_cap, "out of memory");
      goto done;
    }
    g.time[g.n] = sqlite3_column_double(st, 2);
    for (size_t j = 0; j < n_signals; j++)
      g.value[j][g.n] =
          sqlite3_column_type(st, 3 + (int)j) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 3 + (int)j);
    g.n++;
  }
  if (step != SQLITE_DONE)
    rc = fail(err, err_cap, "cannot read the trajectory: %s", sqlite3_errmsg(db));
  else if (g.n > 0)
    rc = each(ctx, g.patient_id, g.arm, g.time, (const double *const *)g.value, n_signals, g.n);
done:
  sqlite3_finalize(st);
  free(sql);
  for (size_t j = 0; g.value && j < n_signals; j++)
    free(g.value[j]);
  free(g.value);
  free(g.time);
  free(g.arm);
  return rc;
}

/* Adapts the one-signal callback to the many-signal walk. */
typedef struct one_signal {
  ts_results_trajectory_fn each;
  void *ctx;
} one_signal;

static int call_one(void *ctx, int64_t patient_id, const char *arm, const double *time, const double *const *value,
                    size_t n_signals, size_t n) {
  (void)n_signals;
  one_signal *o = ctx;
  return o->each(o->ctx, patient_id, arm, time, value[0], n);
}

int ts_results_each_trajectory(sqlite3 *db, const char *signal, const char *arm, ts_results_trajectory_fn each,
                               void *ctx, char *err, size_t err_cap) {
  one_signal o = {each, ctx};
  return ts_results_each_simulation(db, &signal, 1, arm, call_one, &o, err, err_cap);
}
