/* The results database of one run: see store.h; the schema and the guarantees are in docs/storage.md.
 *
 * The database is written in WAL mode with synchronous=NORMAL: a committed patient survives the death of the
 * process (SIGKILL) because its WAL frames are in the operating system's cache, and a commit costs no fsync, which
 * matters with one transaction per patient in a trial of thousands. On power loss the last few commits may be lost,
 * never half a patient. When the store is finished or closed the WAL is folded back into the main file and the
 * file returns to the rollback journal, so a run that ended normally is one self-contained file.
 *
 * Every statement of the per-patient path is prepared once, in ts_store_create, and only bound and reset after. */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "store_vec.h"

#define STORE_SCHEMA_VERSION  TS_STORE_SCHEMA_VERSION
#define STORE_BUSY_TIMEOUT_MS 5000

/* The files SQLite may keep beside the database. */
static const char *const sidecar_suffixes[] = {"-wal", "-shm", "-journal"};
#define N_SIDECARS (sizeof sidecar_suffixes / sizeof sidecar_suffixes[0])

struct ts_store {
  sqlite3 *db;
  char *path;
  size_t n_signals;
  unsigned char *vectors; /* one trajectory's time and signal vectors, encoded (vectors_cap bytes) */
  size_t vectors_cap;
  int in_batch;   /* between ts_store_batch_begin and _commit */
  int batch_lost; /* a failure ended the open batch: its patients are not stored (ts_store_batch_commit says so) */
  sqlite3_stmt *begin, *commit, *rollback;         /* a transaction: a batch, or one patient outside batches */
  sqlite3_stmt *savepoint, *release, *rollback_to; /* one patient inside a batch */
  sqlite3_stmt *put_patient, *put_param, *put_row, *put_event;
  sqlite3_stmt *put_covariate, *put_observation, *put_endpoints, *put_exposure;
};

/* The tables whose shape does not depend on the run; `trajectory` is built from the signals. Every per-patient
 * table is keyed by (patient_id, arm): in a paired design each virtual patient is simulated in every arm. Their rows
 * are small, so they are WITHOUT ROWID: one B-tree each, not a table and its primary-key index. */
#define PATIENT_KEY "patient_id INTEGER NOT NULL, arm TEXT NOT NULL, "
static const char schema_sql[] =
    "CREATE TABLE run (key TEXT PRIMARY KEY NOT NULL, value TEXT);\n"
    "CREATE TABLE models (instance TEXT PRIMARY KEY NOT NULL, plugin TEXT, plugin_version TEXT, plugin_file TEXT,\n"
    "  model TEXT, model_version TEXT);\n"
    "CREATE TABLE signals (column_index INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, unit TEXT, kind TEXT);\n"
    "CREATE TABLE patients (" PATIENT_KEY "label TEXT,\n"
    "  status TEXT NOT NULL CHECK (status IN ('ok', 'failed')), failure_time REAL, failure_message TEXT,\n"
    "  CHECK (patient_id >= 1), PRIMARY KEY (patient_id, arm)) WITHOUT ROWID;\n"
    "CREATE TABLE covariates (" PATIENT_KEY "name TEXT NOT NULL, value REAL, unit TEXT,\n"
    "  PRIMARY KEY (patient_id, arm, name)) WITHOUT ROWID;\n"
    "CREATE TABLE parameters (" PATIENT_KEY "instance TEXT NOT NULL, name TEXT NOT NULL, value REAL, unit TEXT,\n"
    "  PRIMARY KEY (patient_id, arm, instance, name)) WITHOUT ROWID;\n"
    "CREATE TABLE events (" PATIENT_KEY "seq INTEGER NOT NULL, time REAL NOT NULL, kind TEXT NOT NULL,\n"
    "  instance TEXT, target TEXT, amount REAL, rate REAL, unit TEXT, detail TEXT, PRIMARY KEY (patient_id, arm, "
    "seq)) WITHOUT ROWID;\n"
    "CREATE TABLE observations (" PATIENT_KEY "signal TEXT NOT NULL, time REAL NOT NULL, value REAL,\n"
    "  true_value REAL, PRIMARY KEY (patient_id, arm, signal, time)) WITHOUT ROWID;\n"
    "CREATE TABLE endpoints (" PATIENT_KEY "best_response TEXT, progression_time REAL, pfs_time REAL,\n"
    "  pfs_event INTEGER, os_time REAL, os_event INTEGER, worst_grade INTEGER, cumulative_dose REAL, dose_unit TEXT,\n"
    "  baseline_mm REAL, nadir_mm REAL, best_change REAL, PRIMARY KEY (patient_id, arm)) WITHOUT ROWID;\n"
    "CREATE TABLE exposure (" PATIENT_KEY "cycle INTEGER NOT NULL, cycle_start REAL, cycle_end REAL, cmax REAL,\n"
    "  tmax REAL, cmin REAL, auc REAL, PRIMARY KEY (patient_id, arm, cycle)) WITHOUT ROWID;\n";

/* ---- errors ---------------------------------------------------------------------------------------------------- */

/* The failure class of an SQLite result code. */
static ts_code code_of(int rc) {
  switch (rc & 0xff) {
  case SQLITE_NOMEM: return TS_E_NOMEM;
  case SQLITE_CONSTRAINT:
  case SQLITE_TOOBIG:
  case SQLITE_MISMATCH: return TS_E_INPUT;
  case SQLITE_MISUSE:
  case SQLITE_RANGE:
  case SQLITE_INTERNAL: return TS_E_INTERNAL;
  default: return TS_E_IO;
  }
}

/* Fails with "<path>: <what>: <SQLite's message>"; what is printf-style. */
static int fail_db(ts_error *err, sqlite3 *db, int rc, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int fail_db(ts_error *err, sqlite3 *db, int rc, const char *path, const char *fmt, ...) {
  char what[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return ts_fail(err, code_of(rc), "%s: %s: %s", path, what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

/* ---- files ----------------------------------------------------------------------------------------------------- */

/* path + suffix, newly allocated, or NULL when out of memory. */
static char *path_with(const char *path, const char *suffix) {
  size_t a = strlen(path), b = strlen(suffix);
  char *s = malloc(a + b + 1);
  if (s) {
    memcpy(s, path, a);
    memcpy(s + a, suffix, b + 1);
  }
  return s;
}

/* Removes the database and its sidecars; a missing file is fine. Only for replace: fails on the first file that
 * exists but cannot be removed (a directory, a read-only directory). */
static int remove_database(const char *path, ts_error *err) {
  if (unlink(path) != 0 && errno != ENOENT)
    return ts_fail(err, TS_E_IO, "%s: cannot remove it to replace it: %s", path, strerror(errno));
  for (size_t i = 0; i < N_SIDECARS; i++) {
    char *side = path_with(path, sidecar_suffixes[i]);
    if (!side)
      return ts_fail(err, TS_E_NOMEM, "%s: out of memory", path);
    int rc = 0;
    if (unlink(side) != 0 && errno != ENOENT)
      rc = ts_fail(err, TS_E_IO, "%s: cannot remove it to replace %s: %s", side, path, strerror(errno));
    free(side);
    if (rc != 0)
      return rc;
  }
  return 0;
}

/* Refuses a path where a file exists. Sidecars left by an earlier, deleted database need no check: SQLite
 * deletes a -wal or -journal found beside a zero-length database instead of replaying it. */
static int refuse_existing(const char *path, ts_error *err) {
  struct stat sb;
  if (lstat(path, &sb) == 0)
    return ts_fail(err, TS_E_INPUT, "%s: file exists; refusing to overwrite it (choose another path or replace it)",
                   path);
  return 0;
}

/* ---- SQL text -------------------------------------------------------------------------------------------------- */

typedef struct sql_buf {
  char *s;
  size_t len, cap;
  int nomem;
} sql_buf;

static void buf_add(sql_buf *b, const char *text, size_t n) {
  if (b->nomem)
    return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = (b->len + n + 1) * 2;
    char *s = realloc(b->s, cap);
    if (!s) {
      b->nomem = 1;
      return;
    }
    b->s = s;
    b->cap = cap;
  }
  memcpy(b->s + b->len, text, n);
  b->len += n;
  b->s[b->len] = '\0';
}

static void buf_str(sql_buf *b, const char *text) {
  buf_add(b, text, strlen(text));
}

/* Appends name as a quoted SQL identifier: "name", with every embedded double quote doubled. */
static void buf_ident(sql_buf *b, const char *name) {
  buf_add(b, "\"", 1);
  for (const char *q; (q = strchr(name, '"')) != NULL; name = q + 1)
    buf_add(b, name, (size_t)(q - name + 1)), buf_add(b, "\"", 1);
  buf_str(b, name);
  buf_add(b, "\"", 1);
}

/* ---- ts_store_create ------------------------------------------------------------------------------------------- */

/* Checks what SQLite would refuse with a less helpful message, or what would crash. Column names are compared
 * ignoring ASCII case, as SQLite does. */
static int check_run(const char *path, const ts_store_run *run, ts_error *err) {
  if ((run->n_meta && !run->meta) || (run->n_models && !run->models) || (run->n_signals && !run->signals) ||
      (run->scenario_len && !run->scenario_text))
    return ts_fail(err, TS_E_INTERNAL, "%s: ts_store_run has a NULL array with a non-zero count", path);
  for (size_t i = 0; i < run->n_meta; i++)
    if (!run->meta[i].key)
      return ts_fail(err, TS_E_INTERNAL, "%s: run metadata entry %zu has no key", path, i);
  for (size_t i = 0; i < run->n_models; i++)
    if (!run->models[i].instance)
      return ts_fail(err, TS_E_INTERNAL, "%s: model entry %zu has no instance name", path, i);
  for (size_t i = 0; i < run->n_signals; i++) {
    const char *name = run->signals[i].name;
    if (!name || !*name)
      return ts_fail(err, TS_E_INTERNAL, "%s: recorded signal %zu has no name", path, i);
    if (sqlite3_stricmp(name, "patient_id") == 0 || sqlite3_stricmp(name, "arm") == 0 ||
        sqlite3_stricmp(name, "n_times") == 0 || sqlite3_stricmp(name, "time") == 0)
      return ts_fail(err, TS_E_INPUT,
                     "%s: a recorded signal may not be called '%s': the trajectory table has that "
                     "column already",
                     path, name);
    for (size_t k = 0; k < i; k++)
      if (sqlite3_stricmp(name, run->signals[k].name) == 0)
        return ts_fail(err, TS_E_INPUT,
                       "%s: recorded signals '%s' and '%s' would be the same trajectory column (SQLite column names "
                       "ignore case)",
                       path, run->signals[k].name, name);
  }
  return 0;
}

static int bind_text(sqlite3_stmt *s, int i, const char *text) {
  return text ? sqlite3_bind_text(s, i, text, -1, SQLITE_STATIC) : sqlite3_bind_null(s, i);
}

/* NAN is stored as NULL. */
static int bind_real(sqlite3_stmt *s, int i, double v) {
  return isnan(v) ? sqlite3_bind_null(s, i) : sqlite3_bind_double(s, i, v);
}

/* Steps a statement that returns no rows; resets it when it succeeded (a failed one is reset by the caller, after
 * it has read SQLite's message). Returns SQLITE_OK or the failure. */
static int run_stmt(sqlite3_stmt *s) {
  int rc = sqlite3_step(s);
  if (rc != SQLITE_DONE)
    return rc == SQLITE_ROW ? SQLITE_MISUSE : rc;
  sqlite3_reset(s);
  return SQLITE_OK;
}

/* One row of `run`; text of len bytes, or NUL-terminated when len is (size_t)-1; NULL text stores NULL. */
static int put_kv(sqlite3_stmt *s, const char *key, const char *text, size_t len) {
  int rc = sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK)
    rc = !text               ? sqlite3_bind_null(s, 2)
         : len == (size_t)-1 ? sqlite3_bind_text(s, 2, text, -1, SQLITE_STATIC)
                             : sqlite3_bind_text64(s, 2, text, len, SQLITE_STATIC, SQLITE_UTF8);
  if (rc == SQLITE_OK)
    rc = run_stmt(s);
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return rc;
}

static int write_run_table(ts_store *st, const ts_store_run *run, ts_error *err) {
  sqlite3_stmt *s = NULL;
  int rc = sqlite3_prepare_v2(st->db, "INSERT INTO run (key, value) VALUES (?1, ?2)", -1, &s, NULL);
  if (rc != SQLITE_OK)
    return fail_db(err, st->db, rc, st->path, "cannot prepare the run table's insert");
  char sha[65] = "";
  if (run->scenario_text) {
    ts_sha256_hex(run->scenario_text, run->scenario_len, sha);
    if (!sha[0]) {
      sqlite3_finalize(s);
      return ts_fail(err, TS_E_NOMEM, "%s: cannot compute the scenario's SHA-256 (OpenSSL failed)", st->path);
    }
  }
  const char *failed_key = NULL;
  if ((rc = put_kv(s, failed_key = "schema_version", STORE_SCHEMA_VERSION, (size_t)-1)) == SQLITE_OK &&
      (rc = put_kv(s, failed_key = "status", "running", (size_t)-1)) == SQLITE_OK &&
      (rc = put_kv(s, failed_key = "time_unit", "d", (size_t)-1)) == SQLITE_OK &&
      (rc = put_kv(s, failed_key = "scenario_path", run->scenario_path, (size_t)-1)) == SQLITE_OK &&
      (rc = put_kv(s, failed_key = "scenario_sha256", run->scenario_text ? sha : NULL, (size_t)-1)) == SQLITE_OK &&
      (rc = put_kv(s, failed_key = "scenario_text", run->scenario_text, run->scenario_len)) == SQLITE_OK) {
    for (size_t i = 0; i < run->n_meta && rc == SQLITE_OK; i++)
      rc = put_kv(s, failed_key = run->meta[i].key, run->meta[i].value, (size_t)-1);
  }
  if (rc != SQLITE_OK) {
    fail_db(err, st->db, rc, st->path, "cannot store run metadata '%s' (a reserved or repeated key?)", failed_key);
    sqlite3_finalize(s);
    return -1;
  }
  sqlite3_finalize(s);
  /* SQLite's clock, in UTC. */
  rc = sqlite3_exec(st->db, "INSERT INTO run (key, value) VALUES ('created_at', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
                    NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    return fail_db(err, st->db, rc, st->path, "cannot store run metadata 'created_at'");
  return 0;
}

static int write_models(ts_store *st, const ts_store_run *run, ts_error *err) {
  sqlite3_stmt *s = NULL;
  int rc = sqlite3_prepare_v2(st->db,
                              "INSERT INTO models (instance, plugin, plugin_version, plugin_file, model, model_version)"
                              " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                              -1, &s, NULL);
  for (size_t i = 0; i < run->n_models && rc == SQLITE_OK; i++) {
    const ts_store_model *m = &run->models[i];
    if ((rc = bind_text(s, 1, m->instance)) == SQLITE_OK && (rc = bind_text(s, 2, m->plugin)) == SQLITE_OK &&
        (rc = bind_text(s, 3, m->plugin_version)) == SQLITE_OK && (rc = bind_text(s, 4, m->plugin_file)) == SQLITE_OK &&
        (rc = bind_text(s, 5, m->model)) == SQLITE_OK && (rc = bind_text(s, 6, m->model_version)) == SQLITE_OK)
      rc = run_stmt(s);
    if (rc != SQLITE_OK)
      fail_db(err, st->db, rc, st->path, "cannot store model instance '%s'", m->instance);
  }
  if (rc != SQLITE_OK && !s)
    fail_db(err, st->db, rc, st->path, "cannot prepare the models table's insert");
  sqlite3_finalize(s);
  return rc == SQLITE_OK ? 0 : -1;
}

static int write_signals(ts_store *st, const ts_store_run *run, ts_error *err) {
  sqlite3_stmt *s = NULL;
  int rc = sqlite3_prepare_v2(st->db, "INSERT INTO signals (column_index, name, unit, kind) VALUES (?1, ?2, ?3, ?4)",
                              -1, &s, NULL);
  for (size_t i = 0; i < run->n_signals && rc == SQLITE_OK; i++) {
    const ts_store_signal *sig = &run->signals[i];
    if ((rc = sqlite3_bind_int64(s, 1, (sqlite3_int64)i)) == SQLITE_OK &&
        (rc = bind_text(s, 2, sig->name)) == SQLITE_OK && (rc = bind_text(s, 3, sig->unit)) == SQLITE_OK &&
        (rc = bind_text(s, 4, sig->kind)) == SQLITE_OK)
      rc = run_stmt(s);
    if (rc != SQLITE_OK)
      fail_db(err, st->db, rc, st->path, "cannot store recorded signal '%s'", sig->name);
  }
  if (rc != SQLITE_OK && !s)
    fail_db(err, st->db, rc, st->path, "cannot prepare the signals table's insert");
  sqlite3_finalize(s);
  return rc == SQLITE_OK ? 0 : -1;
}

/* Creates `trajectory` (as create is 1) or prepares its insert (as create is 0): one row per (patient, arm), its
 * times and each signal's values as vectors (store_vec.h). A rowid table, unlike the others: its rows are large. */
static int trajectory_sql(ts_store *st, const ts_store_run *run, int create, ts_error *err) {
  sql_buf b = {0};
  if (create) {
    buf_str(&b, "CREATE TABLE trajectory (" PATIENT_KEY "n_times INTEGER NOT NULL CHECK (n_times >= 0), "
                "time BLOB NOT NULL CHECK (length(time) = 8 * n_times)");
    for (size_t j = 0; j < run->n_signals; j++) {
      buf_str(&b, ", ");
      buf_ident(&b, run->signals[j].name);
      buf_str(&b, " BLOB");
    }
    buf_str(&b, ", PRIMARY KEY (patient_id, arm))");
  } else {
    buf_str(&b, "INSERT INTO trajectory VALUES (?, ?, ?, ?");
    for (size_t j = 0; j < run->n_signals; j++)
      buf_str(&b, ", ?");
    buf_str(&b, ")");
  }
  if (b.nomem) {
    free(b.s);
    return ts_fail(err, TS_E_NOMEM, "%s: out of memory", st->path);
  }
  int rc = create ? sqlite3_exec(st->db, b.s, NULL, NULL, NULL)
                  : sqlite3_prepare_v2(st->db, b.s, (int)b.len + 1, &st->put_row, NULL);
  free(b.s);
  if (rc != SQLITE_OK)
    return fail_db(err, st->db, rc, st->path, "cannot %s the trajectory table",
                   create ? "create" : "prepare inserts into");
  return 0;
}

static int prepare_writes(ts_store *st, const ts_store_run *run, ts_error *err) {
  const struct {
    sqlite3_stmt **slot;
    const char *sql;
  } stmts[] = {
      {&st->begin, "BEGIN IMMEDIATE"},
      {&st->commit, "COMMIT"},
      {&st->rollback, "ROLLBACK"},
      {&st->savepoint, "SAVEPOINT patient"},
      {&st->release, "RELEASE patient"},
      {&st->rollback_to, "ROLLBACK TO patient"},
      /* every per-patient statement binds patient_id to ?1 and arm to ?2 */
      {&st->put_patient, "INSERT INTO patients (patient_id, arm, label, status, failure_time, failure_message) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
      {&st->put_param, "INSERT INTO parameters (patient_id, arm, instance, name, value, unit) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
      {&st->put_event, "INSERT INTO events (patient_id, arm, seq, time, kind, instance, target, amount, rate, unit, "
                       "detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"},
      {&st->put_covariate, "INSERT INTO covariates (patient_id, arm, name, value, unit) VALUES (?1, ?2, ?3, ?4, ?5)"},
      {&st->put_observation, "INSERT INTO observations (patient_id, arm, signal, time, value, true_value) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
      {&st->put_endpoints,
       "INSERT INTO endpoints (patient_id, arm, best_response, progression_time, pfs_time, "
       "pfs_event, os_time, os_event, worst_grade, cumulative_dose, dose_unit, baseline_mm, "
       "nadir_mm, best_change) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"},
      {&st->put_exposure,
       "INSERT INTO exposure (patient_id, arm, cycle, cycle_start, cycle_end, cmax, tmax, cmin, auc) "
       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"},
  };
  for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++) {
    int rc = sqlite3_prepare_v3(st->db, stmts[i].sql, -1, SQLITE_PREPARE_PERSISTENT, stmts[i].slot, NULL);
    if (rc != SQLITE_OK)
      return fail_db(err, st->db, rc, st->path, "cannot prepare \"%s\"", stmts[i].sql);
  }
  return trajectory_sql(st, run, 0, err);
}

/* Opens the (empty) file st->path and writes the schema and the run's metadata in one transaction. */
/* Refuses a run whose trajectory rows could not be stored: one row holds the times and every recorded signal as
 * vectors, which together must fit in SQLite's largest record (SQLITE_LIMIT_LENGTH, 1e9 bytes by default). */
static int check_row_size(ts_store *st, const ts_store_run *run, ts_error *err) {
  double bytes = (double)TS_VEC_BYTES * (double)(run->n_signals + 1) * (double)run->n_times_max;
  double limit = (double)sqlite3_limit(st->db, SQLITE_LIMIT_LENGTH, -1) - 4096.0; /* room for the row's header */
  if (bytes <= limit)
    return 0;
  return ts_fail(err, TS_E_INPUT,
                 "%s: a simulation's trajectory would be %.3g bytes (%zu output times x %zu recorded signals and the "
                 "times, 8 bytes each), more than this SQLite stores in one row (%.3g); record fewer signals or "
                 "output times",
                 st->path, bytes, run->n_times_max, run->n_signals, limit);
}

static int build(ts_store *st, const ts_store_run *run, ts_error *err) {
  int rc = sqlite3_open_v2(st->path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    return fail_db(err, st->db, rc, st->path, "cannot open the results database");
  int max_columns = sqlite3_limit(st->db, SQLITE_LIMIT_COLUMN, -1);
  int max_vars = sqlite3_limit(st->db, SQLITE_LIMIT_VARIABLE_NUMBER, -1);
  int limit = max_columns < max_vars ? max_columns : max_vars;
  if (run->n_signals > (size_t)limit - 4)
    return ts_fail(err, TS_E_INPUT, "%s: %zu recorded signals are too many: this SQLite allows at most %d", st->path,
                   run->n_signals, limit - 4);
  if (check_row_size(st, run, err) != 0)
    return -1;
  sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
  /* Best effort: where WAL cannot be had (a VFS without shared memory) the rollback journal stays, as safe and
   * only slower (an fsync per patient). */
  sqlite3_exec(st->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
  /* temp_store: a batch's savepoints keep their undo records in memory, not in a temporary file each */
  rc = sqlite3_exec(st->db, "PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY", NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    return fail_db(err, st->db, rc, st->path, "cannot set synchronous = NORMAL");
  rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    return fail_db(err, st->db, rc, st->path, "cannot start writing the results database");
  rc = sqlite3_exec(st->db, schema_sql, NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    return fail_db(err, st->db, rc, st->path, "cannot create the tables");
  if (trajectory_sql(st, run, 1, err) != 0 || write_run_table(st, run, err) != 0 || write_models(st, run, err) != 0 ||
      write_signals(st, run, err) != 0)
    return -1;
  rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    return fail_db(err, st->db, rc, st->path, "cannot commit the schema and run metadata");
  return prepare_writes(st, run, err);
}

/* Finalizes the statements and closes the database; the WAL is folded into the main file first, as far as no
 * other connection prevents it. Returns SQLite's result of the close. */
static int close_db(ts_store *st) {
  sqlite3_stmt **stmts[] = {&st->begin,         &st->commit,      &st->rollback,      &st->savepoint,
                            &st->release,       &st->rollback_to, &st->put_patient,   &st->put_param,
                            &st->put_row,       &st->put_event,   &st->put_covariate, &st->put_observation,
                            &st->put_endpoints, &st->put_exposure};
  for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++) {
    sqlite3_finalize(*stmts[i]);
    *stmts[i] = NULL;
  }
  if (!st->db)
    return SQLITE_OK;
  if (sqlite3_get_autocommit(st->db)) {
    /* Leaving WAL mode needs the only connection: don't wait for a reader, it would only keep the WAL. */
    sqlite3_busy_timeout(st->db, 0);
    sqlite3_exec(st->db, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
  }
  int rc = sqlite3_close(st->db);
  if (rc != SQLITE_OK) /* a statement left unfinalized: a bug, but the connection must not leak */
    sqlite3_close_v2(st->db);
  st->db = NULL;
  return rc;
}

static void free_store(ts_store *st) {
  free(st->vectors);
  free(st->path);
  free(st);
}

int ts_store_create(const char *path, const ts_store_run *run, int replace, ts_store **out, ts_error *err) {
  if (out)
    *out = NULL;
  if (!path || !*path || !run || !out)
    return ts_fail(err, TS_E_INTERNAL, "ts_store_create: path, run and out are required");
  if (check_run(path, run, err) != 0)
    return -1;
  if ((replace ? remove_database(path, err) : refuse_existing(path, err)) != 0)
    return -1;
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (errno == EEXIST)
      return ts_fail(err, TS_E_INPUT, "%s: file exists; refusing to overwrite it (another process created it?)", path);
    return ts_fail(err, TS_E_IO, "%s: cannot create the results database: %s", path, strerror(errno));
  }
  close(fd);
  /* From here on the file is ours: any failure removes it. */
  ts_store *st = calloc(1, sizeof *st);
  if (st && !(st->path = path_with(path, ""))) {
    free(st);
    st = NULL;
  }
  if (!st) {
    unlink(path);
    return ts_fail(err, TS_E_NOMEM, "%s: out of memory", path);
  }
  st->n_signals = run->n_signals;
  if (build(st, run, err) != 0) {
    close_db(st);
    unlink(path);
    for (size_t i = 0; i < N_SIDECARS; i++) {
      char *side = path_with(path, sidecar_suffixes[i]);
      if (side)
        unlink(side);
      free(side);
    }
    free_store(st);
    return -1;
  }
  *out = st;
  return 0;
}

/* ---- resuming an interrupted run -------------------------------------------------------------------------------- */

/* The run's value under key, copied into buf ("" when absent). */
static int run_value(sqlite3 *db, const char *key, char *buf, size_t cap) {
  sqlite3_stmt *s;
  buf[0] = '\0';
  int rc = sqlite3_prepare_v2(db, "SELECT value FROM run WHERE key = ?1", -1, &s, NULL);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
  if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    const unsigned char *v = sqlite3_column_text(s, 0);
    snprintf(buf, cap, "%s", v ? (const char *)v : "");
    rc = SQLITE_OK;
  } else if (rc == SQLITE_DONE) {
    rc = SQLITE_OK;
  }
  sqlite3_finalize(s);
  return rc;
}

static const char *meta_value(const ts_store_run *run, const char *key) {
  for (size_t i = 0; i < run->n_meta; i++)
    if (strcmp(run->meta[i].key, key) == 0)
      return run->meta[i].value;
  return "";
}

/* The database must hold this very run: same scenario text, same shard, same signals. */
static int check_same_run(ts_store *st, const ts_store_run *run, ts_error *err) {
  char have[128], want[65], shard[64], version[16];
  int rc = run_value(st->db, "scenario_sha256", have, sizeof have);
  if (rc == SQLITE_OK)
    rc = run_value(st->db, "schema_version", version, sizeof version);
  if (rc != SQLITE_OK)
    return fail_db(err, st->db, rc, st->path, "not a twinsim results database");
  ts_sha256_hex(run->scenario_text, run->scenario_len, want);
  if (strcmp(version, STORE_SCHEMA_VERSION) != 0)
    return ts_fail(err, TS_E_INPUT,
                   "%s: written by another version of twinsim (results schema %s, this one %s); "
                   "it cannot be resumed",
                   st->path, version, STORE_SCHEMA_VERSION);
  if (strcmp(have, want) != 0)
    return ts_fail(err, TS_E_INPUT,
                   "%s: holds a run of a different scenario (sha256 %.12s..., this scenario %.12s...); it cannot be "
                   "resumed with it: give another -o, or --force to replace it",
                   st->path, have, want);
  if ((rc = run_value(st->db, "shard", shard, sizeof shard)) != SQLITE_OK)
    return fail_db(err, st->db, rc, st->path, "cannot read the run");
  if (strcmp(shard, meta_value(run, "shard")) != 0)
    return ts_fail(err, TS_E_INPUT, "%s: holds shard '%s', not '%s'", st->path, *shard ? shard : "(none)",
                   *meta_value(run, "shard") ? meta_value(run, "shard") : "(none)");
  sqlite3_stmt *s;
  if ((rc = sqlite3_prepare_v2(st->db, "SELECT name FROM signals ORDER BY column_index", -1, &s, NULL)) != SQLITE_OK)
    return fail_db(err, st->db, rc, st->path, "cannot read the signals");
  size_t n = 0;
  int same = 1;
  while (sqlite3_step(s) == SQLITE_ROW) {
    const char *name = (const char *)sqlite3_column_text(s, 0);
    same &= n < run->n_signals && name && strcmp(name, run->signals[n].name) == 0;
    n++;
  }
  sqlite3_finalize(s);
  if (!same || n != run->n_signals)
    return ts_fail(err, TS_E_INPUT, "%s: records other signals than this run", st->path);
  return 0;
}

int ts_store_resume(const char *path, const ts_store_run *run, ts_store **out, ts_error *err) {
  *out = NULL;
  ts_store *st = calloc(1, sizeof *st);
  if (!st || !(st->path = path_with(path, ""))) {
    free(st);
    return ts_fail(err, TS_E_NOMEM, "%s: out of memory", path);
  }
  st->n_signals = run->n_signals;
  int rc = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK) {
    fail_db(err, st->db, rc, path, "cannot open the results database to resume it");
    goto fail;
  }
  sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
  if (check_same_run(st, run, err) != 0 || check_row_size(st, run, err) != 0)
    goto fail;
  sqlite3_exec(st->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
  if ((rc = sqlite3_exec(st->db,
                         "PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY; UPDATE run SET value = "
                         "'running' WHERE key = "
                         "'status'; INSERT OR REPLACE INTO run (key, value) VALUES ('resumed_at', "
                         "strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
                         NULL, NULL, NULL)) != SQLITE_OK) {
    fail_db(err, st->db, rc, path, "cannot mark the run as running again");
    goto fail;
  }
  if (prepare_writes(st, run, err) != 0)
    goto fail;
  *out = st;
  return 0;
fail:
  close_db(st);
  free_store(st);
  return -1;
}

size_t ts_store_signal_count(const ts_store *st) {
  return st->n_signals;
}

int ts_store_list_patients(ts_store *st, void (*each)(void *ctx, int64_t patient_id, const char *arm), void *ctx,
                           ts_error *err) {
  sqlite3_stmt *s;
  int rc = sqlite3_prepare_v2(st->db, "SELECT patient_id, arm FROM patients", -1, &s, NULL);
  if (rc != SQLITE_OK)
    return fail_db(err, st->db, rc, st->path, "cannot read the patients");
  while ((rc = sqlite3_step(s)) == SQLITE_ROW)
    each(ctx, sqlite3_column_int64(s, 0), (const char *)sqlite3_column_text(s, 1));
  sqlite3_finalize(s);
  return rc == SQLITE_DONE ? 0 : fail_db(err, st->db, rc, st->path, "cannot read the patients");
}

/* ---- ts_store_write_patient ------------------------------------------------------------------------------------ */

/* Binds the patient's key to ?1 and ?2 of a per-patient statement. */
static int bind_key(sqlite3_stmt *s, const ts_store_patient *p) {
  int rc = sqlite3_bind_int64(s, 1, p->patient_id);
  return rc == SQLITE_OK ? bind_text(s, 2, p->arm ? p->arm : "default") : rc;
}

static int put_patient(sqlite3_stmt *s, const ts_store_patient *p) {
  int failed = p->failed != 0;
  int rc = bind_text(s, 3, p->label);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text(s, 4, failed ? "failed" : "ok", -1, SQLITE_STATIC);
  if (rc == SQLITE_OK)
    rc = failed ? bind_real(s, 5, p->failure_time) : sqlite3_bind_null(s, 5);
  if (rc == SQLITE_OK)
    rc = bind_text(s, 6, failed ? p->failure_message : NULL);
  return rc == SQLITE_OK ? run_stmt(s) : rc;
}

static int put_param(sqlite3_stmt *s, const ts_store_param *q) {
  int rc = bind_text(s, 3, q->instance);
  if (rc == SQLITE_OK)
    rc = bind_text(s, 4, q->name);
  if (rc == SQLITE_OK)
    rc = bind_real(s, 5, q->value);
  if (rc == SQLITE_OK)
    rc = bind_text(s, 6, q->unit);
  return rc == SQLITE_OK ? run_stmt(s) : rc;
}

/* The trajectory's row: n_times, then the times and each signal's column of p->values as vectors, encoded into
 * st->vectors (which the statement points into until release_statements). */
static int put_trajectory(ts_store *st, const ts_store_patient *p) {
  size_t n = p->n_times, bytes = n * TS_VEC_BYTES, need = bytes * (st->n_signals + 1);
  if (need > st->vectors_cap) {
    unsigned char *v = realloc(st->vectors, need);
    if (!v)
      return SQLITE_NOMEM;
    st->vectors = v;
    st->vectors_cap = need;
  }
  sqlite3_stmt *s = st->put_row;
  int rc = sqlite3_bind_int64(s, 3, (sqlite3_int64)n);
  for (size_t j = 0; j <= st->n_signals && rc == SQLITE_OK; j++) {
    unsigned char *at = n ? st->vectors + j * bytes : NULL; /* no arithmetic on a NULL buffer when n is 0 */
    if (j == 0 && n)
      ts_vec_encode(at, p->times, n, 1);
    else if (n)
      ts_vec_encode(at, p->values + (j - 1), n, st->n_signals);
    /* a zero-length BLOB, not NULL, for a patient that failed before its first output */
    rc = sqlite3_bind_blob64(s, 4 + (int)j, n ? (const void *)at : "", bytes, SQLITE_STATIC);
  }
  return rc == SQLITE_OK ? run_stmt(s) : rc;
}

/* The index of the first time that is not after the one before it (NaN included), or n when they increase. */
static size_t first_unordered_time(const double *times, size_t n) {
  for (size_t i = 1; i < n; i++)
    if (!(times[i] > times[i - 1]))
      return i;
  return n;
}

static int put_event(sqlite3_stmt *s, size_t seq, const ts_store_event *e) {
  int rc = sqlite3_bind_int64(s, 3, (sqlite3_int64)seq);
  if (rc == SQLITE_OK)
    rc = bind_real(s, 4, e->time);
  if (rc == SQLITE_OK)
    rc = bind_text(s, 5, e->kind);
  if (rc == SQLITE_OK)
    rc = bind_text(s, 6, e->instance);
  if (rc == SQLITE_OK)
    rc = bind_text(s, 7, e->target);
  if (rc == SQLITE_OK)
    rc = bind_real(s, 8, e->amount);
  if (rc == SQLITE_OK)
    rc = bind_real(s, 9, e->rate);
  if (rc == SQLITE_OK)
    rc = bind_text(s, 10, e->unit);
  if (rc == SQLITE_OK)
    rc = bind_text(s, 11, e->detail);
  return rc == SQLITE_OK ? run_stmt(s) : rc;
}

static int put_covariate(sqlite3_stmt *s, const ts_store_covariate *c) {
  int rc = bind_text(s, 3, c->name);
  if (rc == SQLITE_OK)
    rc = bind_real(s, 4, c->value);
  if (rc == SQLITE_OK)
    rc = bind_text(s, 5, c->unit);
  return rc == SQLITE_OK ? run_stmt(s) : rc;
}

static int put_observation(sqlite3_stmt *s, const ts_store_observation *o) {
  int rc = bind_text(s, 3, o->signal);
  if (rc == SQLITE_OK)
    rc = bind_real(s, 4, o->time);
  if (rc == SQLITE_OK)
    rc = bind_real(s, 5, o->value);
  if (rc == SQLITE_OK)
    rc = bind_real(s, 6, o->true_value);
  return rc == SQLITE_OK ? run_stmt(s) : rc;
}

/* An integer where negative means "not computed" (NULL). */
static int bind_optional_int(sqlite3_stmt *s, int i, int v) {
  return v < 0 ? sqlite3_bind_null(s, i) : sqlite3_bind_int(s, i, v);
}

static int put_endpoints(sqlite3_stmt *s, const ts_store_endpoints *e) {
  int rc = bind_text(s, 3, e->best_response);
  double reals[] = {e->progression_time, e->pfs_time};
  for (int i = 0; i < 2 && rc == SQLITE_OK; i++)
    rc = bind_real(s, 4 + i, reals[i]);
  if (rc == SQLITE_OK)
    rc = bind_optional_int(s, 6, e->pfs_event);
  if (rc == SQLITE_OK)
    rc = bind_real(s, 7, e->os_time);
  if (rc == SQLITE_OK)
    rc = bind_optional_int(s, 8, e->os_event);
  if (rc == SQLITE_OK)
    rc = bind_optional_int(s, 9, e->worst_grade);
  if (rc == SQLITE_OK)
    rc = bind_real(s, 10, e->cumulative_dose);
  if (rc == SQLITE_OK)
    rc = bind_text(s, 11, e->dose_unit);
  double recist[] = {e->baseline_mm, e->nadir_mm, e->best_change};
  for (int i = 0; i < 3 && rc == SQLITE_OK; i++)
    rc = bind_real(s, 12 + i, recist[i]);
  return rc == SQLITE_OK ? run_stmt(s) : rc;
}

static int put_exposure(sqlite3_stmt *s, const ts_store_exposure *x) {
  int rc = sqlite3_bind_int(s, 3, x->cycle);
  double v[] = {x->start, x->end, x->cmax, x->tmax, x->cmin, x->auc};
  for (int i = 0; i < 6 && rc == SQLITE_OK; i++)
    rc = bind_real(s, 4 + i, v[i]);
  return rc == SQLITE_OK ? run_stmt(s) : rc;
}

/* Resets the per-patient statements and drops their bindings, so that none keeps a pointer into the caller's
 * patient once ts_store_write_patient returns. */
static void release_statements(ts_store *st) {
  sqlite3_stmt *stmts[] = {st->begin,         st->commit,          st->rollback,      st->savepoint,   st->release,
                           st->rollback_to,   st->put_patient,     st->put_param,     st->put_row,     st->put_event,
                           st->put_covariate, st->put_observation, st->put_endpoints, st->put_exposure};
  for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++) {
    sqlite3_reset(stmts[i]);
    sqlite3_clear_bindings(stmts[i]);
  }
}

/* Writes rows of one kind: binds the key, then put(i) for each; on failure `where` names the row. */
#define PUT_ROWS(stmt, count, what, put_one, describe)                                                                 \
  do {                                                                                                                 \
    snprintf(where, sizeof where, "%s", what);                                                                         \
    rc = bind_key(stmt, p);                                                                                            \
    for (size_t i = 0; i < (count) && rc == SQLITE_OK; i++)                                                            \
      if ((rc = (put_one)) != SQLITE_OK)                                                                               \
        describe;                                                                                                      \
    if (rc != SQLITE_OK)                                                                                               \
      goto fail;                                                                                                       \
  } while (0)

int ts_store_write_patient(ts_store *st, const ts_store_patient *p, ts_error *err) {
  if (!st || !p)
    return ts_fail(err, TS_E_INTERNAL, "ts_store_write_patient: store and patient are required");
  long long id = (long long)p->patient_id;
  if ((p->n_params && !p->params) || (p->n_events && !p->events) ||
      (p->n_times && (!p->times || (st->n_signals && !p->values))) || (p->n_covariates && !p->covariates) ||
      (p->n_observations && !p->observations) || (p->n_exposures && !p->exposures))
    return ts_fail(err, TS_E_INTERNAL, "%s: patient %lld: a NULL array with a non-zero count", st->path, id);
  /* No key covers the times (they are one vector): a repeated or decreasing time is refused here, before writing. */
  size_t bad = first_unordered_time(p->times, p->n_times);
  if (bad < p->n_times)
    return ts_fail(err, TS_E_INPUT,
                   "%s: patient %lld: trajectory row %zu of %zu (time %.17g d) is not after the one "
                   "before it (%.17g d)",
                   st->path, id, bad + 1, p->n_times, p->times[bad], p->times[bad - 1]);

  /* where names the part being written, for the message */
  char where[160] = "cannot start its transaction";
  int rc = run_stmt(st->in_batch ? st->savepoint : st->begin);
  if (rc != SQLITE_OK)
    goto fail;
  PUT_ROWS(st->put_patient, 1, "patients row", put_patient(st->put_patient, p), (void)0);
  PUT_ROWS(st->put_covariate, p->n_covariates, "covariates", put_covariate(st->put_covariate, &p->covariates[i]),
           snprintf(where, sizeof where, "covariate %s", p->covariates[i].name ? p->covariates[i].name : "(null)"));
  PUT_ROWS(st->put_param, p->n_params, "parameters", put_param(st->put_param, &p->params[i]),
           snprintf(where, sizeof where, "parameter %zu of %zu (%s.%s)", i + 1, p->n_params,
                    p->params[i].instance ? p->params[i].instance : "(null)",
                    p->params[i].name ? p->params[i].name : "(null)"));
  PUT_ROWS(st->put_row, 1u, "trajectory", put_trajectory(st, p), (void)0);
  PUT_ROWS(st->put_event, p->n_events, "events", put_event(st->put_event, i, &p->events[i]),
           snprintf(where, sizeof where, "event %zu of %zu (%s at time %.17g d)", i + 1, p->n_events,
                    p->events[i].kind ? p->events[i].kind : "(null)", p->events[i].time));
  PUT_ROWS(st->put_observation, p->n_observations, "observations",
           put_observation(st->put_observation, &p->observations[i]),
           snprintf(where, sizeof where, "observation of %s at time %.17g d",
                    p->observations[i].signal ? p->observations[i].signal : "(null)", p->observations[i].time));
  PUT_ROWS(st->put_endpoints, p->endpoints ? 1u : 0u, "endpoints", put_endpoints(st->put_endpoints, p->endpoints),
           (void)0);
  PUT_ROWS(st->put_exposure, p->n_exposures, "exposure", put_exposure(st->put_exposure, &p->exposures[i]),
           snprintf(where, sizeof where, "exposure of cycle %d", p->exposures[i].cycle));
  snprintf(where, sizeof where, "cannot commit");
  if ((rc = run_stmt(st->in_batch ? st->release : st->commit)) != SQLITE_OK)
    goto fail;
  release_statements(st);
  return 0;

fail:
  /* The message first: resetting and rolling back replace SQLite's. */
  fail_db(err, st->db, rc, st->path, "patient %lld: %s", id, where);
  release_statements(st);
  if (!sqlite3_get_autocommit(st->db)) {
    /* In a batch, only this patient goes: back to its savepoint, which is then released. */
    int rb = st->in_batch ? run_stmt(st->rollback_to) : run_stmt(st->rollback);
    if (rb == SQLITE_OK && st->in_batch)
      rb = run_stmt(st->release);
    if (rb != SQLITE_OK) {
      ts_error_append(err, "%s: the rollback of patient %lld failed too: %s", st->path, id, sqlite3_errmsg(st->db));
      release_statements(st);
      if (st->in_batch) { /* its savepoint cannot be undone: give up the whole batch rather than commit half of it */
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        st->in_batch = 0;
        st->batch_lost = 1;
        ts_error_append(err, "%s: the patients written before it in the same batch are not stored either", st->path);
      }
    }
  } else if (st->in_batch) {
    /* SQLite gave up the whole transaction (a full disk, an I/O error): the batch's other patients are gone too. */
    st->in_batch = 0;
    st->batch_lost = 1;
    ts_error_append(err, "%s: the patients written before it in the same batch are not stored either", st->path);
  }
  return -1;
}

int ts_store_batch_begin(ts_store *st, ts_error *err) {
  if (st->in_batch)
    return ts_fail(err, TS_E_INTERNAL, "%s: a batch is already open", st->path);
  int rc = run_stmt(st->begin);
  if (rc != SQLITE_OK) {
    fail_db(err, st->db, rc, st->path, "cannot start a transaction");
    sqlite3_reset(st->begin);
    return -1;
  }
  st->in_batch = 1;
  return 0;
}

int ts_store_batch_commit(ts_store *st, ts_error *err) {
  if (!st->in_batch) { /* nothing open: a failure inside already ended it (and said so), or none was begun */
    int lost = st->batch_lost;
    st->batch_lost = 0;
    if (lost)
      return ts_fail(err, TS_E_IO, "%s: the batch was lost with the patient that failed", st->path);
    return sqlite3_get_autocommit(st->db) ? 0 : ts_fail(err, TS_E_INTERNAL, "%s: no batch is open", st->path);
  }
  st->in_batch = 0;
  int rc = run_stmt(st->commit);
  if (rc == SQLITE_OK)
    return 0;
  fail_db(err, st->db, rc, st->path, "cannot commit a batch of patients");
  sqlite3_reset(st->commit);
  if (!sqlite3_get_autocommit(st->db) && run_stmt(st->rollback) != SQLITE_OK)
    sqlite3_reset(st->rollback);
  return -1;
}

/* ---- finishing ------------------------------------------------------------------------------------------------- */

/* Marks the run finished, with SQLite's clock in UTC. */
#define FINISH_SQL(status)                                                                                             \
  "BEGIN IMMEDIATE; UPDATE run SET value = '" status "' WHERE key = 'status'; "                                        \
  "INSERT OR REPLACE INTO run (key, value) VALUES ('finished_at', strftime('%Y-%m-%dT%H:%M:%SZ', 'now')); COMMIT"

int ts_store_finish(ts_store *st, const char *status, ts_error *err) {
  if (!st)
    return 0;
  int rc = 0;
  const char *sql = NULL;
  if (status && strcmp(status, "complete") == 0)
    sql = FINISH_SQL("complete");
  else if (status && strcmp(status, "interrupted") == 0)
    sql = FINISH_SQL("interrupted");
  else
    rc = ts_fail(err, TS_E_INTERNAL, "%s: a run's final status is 'complete' or 'interrupted', not '%s'", st->path,
                 status ? status : "(null)");
  if (sql) {
    int src = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
    if (src != SQLITE_OK) {
      rc = fail_db(err, st->db, src, st->path, "cannot mark the run '%s'", status);
      if (!sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    }
  }
  int crc = close_db(st);
  if (crc != SQLITE_OK && rc == 0)
    rc = ts_fail(err, code_of(crc), "%s: cannot close the results database: %s", st->path, sqlite3_errstr(crc));
  free_store(st);
  return rc;
}

void ts_store_close(ts_store *st) {
  if (!st)
    return;
  close_db(st);
  free_store(st);
}

void ts_sha256_hex(const void *data, size_t len, char out[65]) {
  static const char hex[] = "0123456789abcdef";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!EVP_Digest(data ? data : "", data ? len : 0, md, &n, EVP_sha256(), NULL) || n != 32) {
    out[0] = '\0';
    return;
  }
  for (unsigned int i = 0; i < n; i++) {
    out[2 * i] = hex[md[i] >> 4];
    out[2 * i + 1] = hex[md[i] & 0xf];
  }
  out[64] = '\0';
}
