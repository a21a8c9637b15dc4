/* Read-only queries on a results database (see results_db.h). */
#include "results_db.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store.h"
#include "store_vec.h"
#include "strutil.h"

#define RESULTS_BUSY_TIMEOUT_MS 5000 /* another process may be writing the database (a run, summary) */

sqlite3 *ts_results_open(const char *path, int writable, ts_error *err) {
  struct stat sb;
  if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
    ts_fail(err, TS_E_IO, "%s: no such database file", path);
    return NULL;
  }
  sqlite3 *db = NULL;
  if (sqlite3_open_v2(path, &db, writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    ts_fail(err, TS_E_IO, "%s: cannot open: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return NULL;
  }
  sqlite3_busy_timeout(db, RESULTS_BUSY_TIMEOUT_MS);
  return db;
}

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

/* "SELECT patient_id, arm, n_times, time, "s1", ... FROM trajectory [WHERE arm = ?1] ORDER BY patient_id, arm", with
 * each name as a quoted identifier, or NULL when out of memory. */
static char *trajectory_sql(const char *const *signals, size_t n_signals, int one_arm) {
  size_t cap = 160;
  for (size_t j = 0; j < n_signals; j++)
    cap += 2 * strlen(signals[j]) + 4;
  char *sql = malloc(cap), *p = sql;
  if (!sql)
    return NULL;
  p += sprintf(p, "SELECT patient_id, arm, n_times, time");
  for (size_t j = 0; j < n_signals; j++) {
    *p++ = ',', *p++ = ' ', *p++ = '"';
    for (const char *s = signals[j]; *s; s++) {
      if (*s == '"')
        *p++ = '"';
      *p++ = *s;
    }
    *p++ = '"';
  }
  sprintf(p, " FROM trajectory%s ORDER BY patient_id, arm", one_arm ? " WHERE arm = ?1" : "");
  return sql;
}

/* Refuses what is not a results database of the schema this reader knows, or lacks one of the signals. */
static int check_database(sqlite3 *db, const char *const *signals, size_t n_signals, char *err, size_t err_cap) {
  char *version = ts_results_run_value(db, "schema_version");
  int rc = 0;
  if (!version)
    rc = fail(err, err_cap, "not a twinsim results database (no schema_version in a table run)");
  else if (strcmp(version, TS_STORE_SCHEMA_VERSION) != 0)
    rc = fail(err, err_cap,
              "results schema %s: written by another version of twinsim; this one reads schema %s (trajectories "
              "as vectors)",
              version, TS_STORE_SCHEMA_VERSION);
  free(version);
  sqlite3_stmt *known = NULL;
  if (rc == 0 && sqlite3_prepare_v2(db, "SELECT 1 FROM signals WHERE name = ?1", -1, &known, NULL) != SQLITE_OK)
    rc = fail(err, err_cap, "cannot read the recorded signals: %s", sqlite3_errmsg(db));
  for (size_t j = 0; rc == 0 && j < n_signals; j++) {
    sqlite3_bind_text(known, 1, signals[j], -1, SQLITE_STATIC);
    if (sqlite3_step(known) != SQLITE_ROW)
      rc = fail(err, err_cap, "signal '%s' is not recorded in this database (see its table signals)", signals[j]);
    sqlite3_reset(known);
  }
  sqlite3_finalize(known);
  return rc;
}

/* Room for n values of the time and of each signal: one block, time first. */
typedef struct vectors {
  size_t n_signals, cap;
  double *block;
  const double **value; /* n_signals pointers into block */
} vectors;

static int reserve(vectors *v, size_t n) {
  if (n <= v->cap && v->block)
    return 0;
  double *block = realloc(v->block, (n + 1) * (v->n_signals + 1) * sizeof *block);
  if (!block)
    return -1;
  v->block = block;
  v->cap = n;
  for (size_t j = 0; j < v->n_signals; j++)
    v->value[j] = block + (j + 1) * (n + 1);
  return 0;
}

int ts_results_each_simulation(sqlite3 *db, const char *const *signals, size_t n_signals, const char *arm,
                               ts_results_simulation_fn each, void *ctx, char *err, size_t err_cap) {
  if (err && err_cap)
    err[0] = '\0';
  if (check_database(db, signals, n_signals, err, err_cap) != 0)
    return -1;
  vectors v = {.n_signals = n_signals, .value = calloc(n_signals + 1, sizeof *v.value)};
  char *sql = trajectory_sql(signals, n_signals, arm != NULL);
  sqlite3_stmt *st = NULL;
  int rc = 0, step = SQLITE_DONE;
  if (!v.value || !sql) {
    rc = fail(err, err_cap, "out of memory");
    goto done;
  }
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
    rc = fail(err, err_cap, "cannot read the trajectory: %s", sqlite3_errmsg(db));
    goto done;
  }
  if (arm)
    sqlite3_bind_text(st, 1, arm, -1, SQLITE_STATIC);
  while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t id = sqlite3_column_int64(st, 0), n = sqlite3_column_int64(st, 2);
    const char *row_arm = (const char *)sqlite3_column_text(st, 1);
    if (n < 0 || (uint64_t)n > SIZE_MAX / TS_VEC_BYTES / (n_signals + 2)) {
      rc = fail(err, err_cap, "trajectory of patient %lld, arm %s: n_times %lld is not a count", (long long)id,
                row_arm ? row_arm : "(null)", (long long)n);
      break;
    }
    if (reserve(&v, (size_t)n) != 0) {
      rc = fail(err, err_cap, "out of memory");
      break;
    }
    /* column 3 is the time, 4 + j signal j; each must hold n values */
    for (size_t j = 0; rc == 0 && j <= n_signals; j++) {
      int col = 3 + (int)j;
      const void *bytes = sqlite3_column_blob(st, col);
      size_t len = (size_t)sqlite3_column_bytes(st, col);
      if (len != (size_t)n * TS_VEC_BYTES || (n > 0 && !bytes))
        rc = fail(err, err_cap, "trajectory of patient %lld, arm %s: %s holds %zu bytes, not %lld values of 8",
                  (long long)id, row_arm ? row_arm : "(null)", j ? signals[j - 1] : "time", len, (long long)n);
      else
        ts_vec_decode(j ? v.block + j * (v.cap + 1) : v.block, bytes, (size_t)n);
    }
    if (rc == 0)
      rc = each(ctx, id, row_arm ? row_arm : "", v.block, v.value, n_signals, (size_t)n);
  }
  if (rc == 0 && step != SQLITE_DONE)
    rc = fail(err, err_cap, "cannot read the trajectory: %s", sqlite3_errmsg(db));
done:
  sqlite3_finalize(st);
  free(sql);
  free(v.value);
  free(v.block);
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
