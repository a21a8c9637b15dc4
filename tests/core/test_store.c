/* The results database (core/store.c): what ts_store writes is read back through SQLite's own API and compared
 * with the values the test wrote; SHA-256 is checked against published test vectors and `sha256sum`. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store.h"
#include "store_vec.h"
#include "test_support.h"

/* `printf 'scenario:\n  name: store test\n' | sha256sum` */
static const char scenario_text[] = "scenario:\n  name: store test\n";
static const char scenario_sha256[] = "09b435ff98d680902666b609ecfd3a6a8f8d76d8552b4720e3a990a98597d337";

static const ts_store_signal signals[] = {
    {"pk.C", "mg/L", "output"},
    {"tumor.V", "mL", "state"},
    {"odd\"name", "1", "output"}, /* a double quote inside the column name */
};
#define N_SIGNALS 3

static const ts_store_kv meta[] = {{"twinsim_version", "0.1.0"}, {"seed", "42"}, {"rtol", "1e-8"}};
static const ts_store_model models[] = {
    {"pk", "pkpd", "1.2.0", "/usr/lib/twinsim/pkpd.so", "one_compartment", "1.0"},
    {"tumor", "tumor", "0.3.0", "/usr/lib/twinsim/tumor.so", "gompertz", "2"},
};

static ts_store_run test_run(void) {
  return (ts_store_run){.scenario_path = "trial.yaml",
                        .scenario_text = scenario_text,
                        .scenario_len = sizeof scenario_text - 1,
                        .meta = meta,
                        .n_meta = 3,
                        .models = models,
                        .n_models = 2,
                        .signals = signals,
                        .n_signals = N_SIGNALS};
}

/* Patient 1: three rows, one value missing (NAN), two parameters, two events. */
static const double good_times[] = {0.0, 0.5, 1.0};
static const double good_values[] = {10.0, 100.0, 1.0, 5.0, NAN, 2.0, 2.5, 90.0, 3.0};
static const ts_store_param good_params[] = {{"pk", "CL", 120.0, "L/d"}, {"tumor", "V0", 100.0, "mL"}};
static const ts_store_event good_events[] = {
    {0.0, "bolus", "pk", "A", 100.0, NAN, "mg", NULL},
    {0.5, "infusion_start", "pk", "A", NAN, 50.0, "mg", "over 2 h"},
};

static ts_store_patient good_patient(int64_t id) {
  return (ts_store_patient){.patient_id = id,
                            .label = "twin-001",
                            .arm = "A",
                            .params = good_params,
                            .n_params = 2,
                            .n_times = 3,
                            .times = good_times,
                            .values = good_values,
                            .events = good_events,
                            .n_events = 2};
}

/* Patient 2: failed at 0.75 d, two of the three planned rows. */
static const double failed_times[] = {0.0, 0.5};
static const double failed_values[] = {20.0, 200.0, 4.0, 15.0, 150.0, 5.0};
static const ts_store_param failed_params[] = {{"pk", "CL", 80.0, "L/d"}};

static ts_store_patient failed_patient(int64_t id) {
  return (ts_store_patient){.patient_id = id,
                            .label = "twin-002",
                            .arm = "B",
                            .failed = 1,
                            .failure_time = 0.75,
                            .failure_message = "CVODE: too much work",
                            .params = failed_params,
                            .n_params = 1,
                            .n_times = 2,
                            .times = failed_times,
                            .values = failed_values};
}

/* ---- reading back ---------------------------------------------------------------------------------------------- */

static sqlite3 *open_db(const char *path) {
  sqlite3 *db = NULL;
  int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
  if (rc != SQLITE_OK)
    fail_msg("cannot open %s: %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  return db;
}

/* Runs a query expected to return at least one row and leaves the statement on its first row. */
static sqlite3_stmt *query(sqlite3 *db, const char *fmt, ...) {
  char sql[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(sql, sizeof sql, fmt, ap);
  va_end(ap);
  sqlite3_stmt *s = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
    fail_msg("%s: %s", sql, sqlite3_errmsg(db));
  if (sqlite3_step(s) != SQLITE_ROW)
    fail_msg("%s: no row (%s)", sql, sqlite3_errmsg(db));
  return s;
}

static long long q_int(sqlite3 *db, const char *sql) {
  sqlite3_stmt *s = query(db, "%s", sql);
  long long v = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  return v;
}

/* The first column of the first row as text ("<NULL>" for NULL), copied into buf. */
static const char *q_text(sqlite3 *db, char *buf, size_t size, const char *sql) {
  sqlite3_stmt *s = query(db, "%s", sql);
  const unsigned char *t = sqlite3_column_text(s, 0);
  snprintf(buf, size, "%s", t ? (const char *)t : "<NULL>");
  sqlite3_finalize(s);
  return buf;
}

static int q_type(sqlite3 *db, const char *sql) {
  sqlite3_stmt *s = query(db, "%s", sql);
  int t = sqlite3_column_type(s, 0);
  sqlite3_finalize(s);
  return t;
}

static double q_real(sqlite3 *db, const char *sql) {
  sqlite3_stmt *s = query(db, "%s", sql);
  if (sqlite3_column_type(s, 0) != SQLITE_FLOAT)
    fail_msg("%s: not a REAL (type %d)", sql, sqlite3_column_type(s, 0));
  double v = sqlite3_column_double(s, 0);
  sqlite3_finalize(s);
  return v;
}

/* Column `col` (a vector) of the trajectory row of (patient, arm), decoded into out (cap values); returns its n_times.
 */
static size_t q_vector(sqlite3 *db, int64_t patient, const char *arm, const char *col, double *out, size_t cap) {
  sqlite3_stmt *s = query(db, "SELECT n_times, %s FROM trajectory WHERE patient_id = %lld AND arm = '%s'", col,
                          (long long)patient, arm);
  size_t n = (size_t)sqlite3_column_int64(s, 0);
  assert_int_equal(sqlite3_column_type(s, 1), SQLITE_BLOB);
  assert_int_equal(sqlite3_column_bytes(s, 1), n * TS_VEC_BYTES);
  assert_true(n <= cap);
  ts_vec_decode(out, sqlite3_column_blob(s, 1), n);
  sqlite3_finalize(s);
  return n;
}

static int exists(const char *path) {
  struct stat sb;
  return lstat(path, &sb) == 0;
}

static const char *with_suffix(const char *path, const char *suffix) {
  static char buf[4][1100];
  static int next;
  char *p = buf[next++ % 4];
  snprintf(p, sizeof buf[0], "%s%s", path, suffix);
  return p;
}

static ts_store *create_ok(const char *path) {
  ts_store_run run = test_run();
  ts_store *st = NULL;
  ts_error err;
  ts_error_clear(&err);
  if (ts_store_create(path, &run, 0, &st, &err) != 0)
    fail_msg("ts_store_create(%s): %s", path, err.message);
  assert_non_null(st);
  return st;
}

static void write_ok(ts_store *st, const ts_store_patient *p) {
  ts_error err;
  ts_error_clear(&err);
  if (ts_store_write_patient(st, p, &err) != 0)
    fail_msg("ts_store_write_patient(%lld): %s", (long long)p->patient_id, err.message);
}

/* Runs a child that creates a store at path, writes patients 1 (ok) and 2 (failed) and dies of SIGKILL. */
static void killed_run(const char *path) {
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    ts_store_run run = test_run();
    ts_store *st = NULL;
    ts_store_patient p1 = good_patient(1), p2 = failed_patient(2);
    if (ts_store_create(path, &run, 0, &st, NULL) != 0 || ts_store_write_patient(st, &p1, NULL) != 0 ||
        ts_store_write_patient(st, &p2, NULL) != 0)
      _exit(3);
    kill(getpid(), SIGKILL);
    _exit(4);
  }
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFSIGNALED(status));
  assert_int_equal(WTERMSIG(status), SIGKILL);
}

/* ---- tests ----------------------------------------------------------------------------------------------------- */

static void test_sha256_vectors(void **state) {
  (void)state;
  char hex[65];
  ts_sha256_hex("abc", 3, hex); /* FIPS 180-2, appendix B.1 */
  assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  ts_sha256_hex("", 0, hex);
  assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  ts_sha256_hex(NULL, 0, hex);
  assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  ts_sha256_hex(scenario_text, sizeof scenario_text - 1, hex);
  assert_string_equal(hex, scenario_sha256);
}

static void test_round_trip(void **state) {
  (void)state;
  const char *path = ts_test_path("store-roundtrip", "db");
  ts_store *st = create_ok(path);
  ts_store_patient p1 = good_patient(1), p2 = failed_patient(2);
  write_ok(st, &p1);
  write_ok(st, &p2);
  ts_error err;
  ts_error_clear(&err);
  assert_int_equal(ts_store_finish(st, "complete", &err), 0);
  /* A finished run is one file. */
  assert_false(exists(with_suffix(path, "-wal")));
  assert_false(exists(with_suffix(path, "-shm")));
  assert_false(exists(with_suffix(path, "-journal")));

  sqlite3 *db = open_db(path);
  char buf[256];
  assert_string_equal(q_text(db, buf, sizeof buf, "PRAGMA journal_mode"), "delete");
  /* run */
  assert_string_equal(q_text(db, buf, sizeof buf, "SELECT value FROM run WHERE key = 'schema_version'"), "3");
  assert_string_equal(q_text(db, buf, sizeof buf, "SELECT value FROM run WHERE key = 'status'"), "complete");
  assert_string_equal(q_text(db, buf, sizeof buf, "SELECT value FROM run WHERE key = 'time_unit'"), "d");
  assert_string_equal(q_text(db, buf, sizeof buf, "SELECT value FROM run WHERE key = 'scenario_path'"), "trial.yaml");
  assert_string_equal(q_text(db, buf, sizeof buf, "SELECT value FROM run WHERE key = 'scenario_sha256'"),
                      scenario_sha256);
  assert_string_equal(q_text(db, buf, sizeof buf, "SELECT value FROM run WHERE key = 'scenario_text'"), scenario_text);
  assert_string_equal(q_text(db, buf, sizeof buf, "SELECT value FROM run WHERE key = 'seed'"), "42");
  assert_string_equal(q_text(db, buf, sizeof buf, "SELECT value FROM run WHERE key = 'rtol'"), "1e-8");
  assert_string_equal(q_text(db, buf, sizeof buf, "SELECT value FROM run WHERE key = 'twinsim_version'"), "0.1.0");
  assert_int_equal(q_int(db, "SELECT count(*) FROM run"), 11); /* 8 fixed keys + 3 meta */
  /* ISO-8601 UTC, and SQLite itself reads it back as a time within the last hour. */
  q_text(db, buf, sizeof buf, "SELECT value FROM run WHERE key = 'created_at'");
  assert_int_equal(strlen(buf), 20);
  assert_int_equal(buf[4], '-');
  assert_int_equal(buf[10], 'T');
  assert_int_equal(buf[19], 'Z');
  assert_int_equal(q_int(db, "SELECT abs(julianday('now') - julianday(value)) < 1.0 / 24 FROM run "
                             "WHERE key = 'created_at'"),
                   1);
  assert_int_equal(q_int(db, "SELECT julianday(f.value) >= julianday(c.value) FROM run f, run c "
                             "WHERE f.key = 'finished_at' AND c.key = 'created_at'"),
                   1);
  /* models */
  assert_int_equal(q_int(db, "SELECT count(*) FROM models"), 2);
  assert_string_equal(q_text(db, buf, sizeof buf, "SELECT model FROM models WHERE instance = 'tumor'"), "gompertz");
  assert_string_equal(q_text(db, buf, sizeof buf, "SELECT plugin_file FROM models WHERE instance = 'pk'"),
                      "/usr/lib/twinsim/pkpd.so");
  /* signals, in column order */
  assert_int_equal(q_int(db, "SELECT count(*) FROM signals"), 3);
  assert_string_equal(q_text(db, buf, sizeof buf, "SELECT name FROM signals WHERE column_index = 0"), "pk.C");
  assert_string_equal(q_text(db, buf, sizeof buf, "SELECT unit FROM signals WHERE column_index = 0"), "mg/L");
  assert_string_equal(q_text(db, buf, sizeof buf, "SELECT kind FROM signals WHERE column_index = 1"), "state");
  assert_string_equal(q_text(db, buf, sizeof buf, "SELECT name FROM signals WHERE column_index = 2"), "odd\"name");
  /* trajectory columns are named like the signals, in the same order, after the key, n_times and time */
  static const char *const columns[] = {"patient_id", "arm", "n_times", "time", "pk.C", "tumor.V", "odd\"name"};
  sqlite3_stmt *s = NULL;
  assert_int_equal(
      sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info('trajectory') ORDER BY cid", -1, &s, NULL), SQLITE_OK);
  size_t n_columns = 0;
  while (sqlite3_step(s) == SQLITE_ROW) {
    assert_true(n_columns < 7);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), columns[n_columns]);
    n_columns++;
  }
  sqlite3_finalize(s);
  assert_int_equal(n_columns, 7);
  /* patients */
  assert_int_equal(q_int(db, "SELECT count(*) FROM patients"), 2);
  assert_string_equal(q_text(db, buf, sizeof buf, "SELECT status FROM patients WHERE patient_id = 1"), "ok");
  assert_string_equal(q_text(db, buf, sizeof buf, "SELECT label FROM patients WHERE patient_id = 1"), "twin-001");
  assert_int_equal(q_type(db, "SELECT failure_time FROM patients WHERE patient_id = 1"), SQLITE_NULL);
  assert_int_equal(q_type(db, "SELECT failure_message FROM patients WHERE patient_id = 1"), SQLITE_NULL);
  assert_string_equal(q_text(db, buf, sizeof buf, "SELECT status FROM patients WHERE patient_id = 2"), "failed");
  assert_string_equal(q_text(db, buf, sizeof buf, "SELECT arm FROM patients WHERE patient_id = 2"), "B");
  assert_true(q_real(db, "SELECT failure_time FROM patients WHERE patient_id = 2") == 0.75);
  assert_string_equal(q_text(db, buf, sizeof buf, "SELECT failure_message FROM patients WHERE patient_id = 2"),
                      "CVODE: too much work");
  /* parameters */
  assert_int_equal(q_int(db, "SELECT count(*) FROM parameters WHERE patient_id = 1"), 2);
  assert_int_equal(q_int(db, "SELECT count(*) FROM parameters WHERE patient_id = 2"), 1);
  assert_true(q_real(db, "SELECT value FROM parameters WHERE patient_id = 2 AND instance = 'pk' AND name = 'CL'") ==
              80.0);
  assert_string_equal(q_text(db, buf, sizeof buf,
                             "SELECT unit FROM parameters WHERE patient_id = 1 AND instance = 'tumor' AND name = 'V0'"),
                      "mL");
  /* trajectory: one row per (patient, arm), in key order with SELECT *; every value as written, NaN as NaN; the
   * failed patient has only its times */
  assert_int_equal(q_int(db, "SELECT count(*) FROM trajectory"), 2);
  assert_int_equal(sqlite3_prepare_v2(db, "SELECT * FROM trajectory ORDER BY patient_id, arm", -1, &s, NULL),
                   SQLITE_OK);
  for (int patient = 0; patient < 2; patient++) {
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int64(s, 0), patient + 1);
    assert_string_equal((const char *)sqlite3_column_text(s, 1), patient == 0 ? "A" : "B");
    assert_int_equal(sqlite3_column_int64(s, 2), patient == 0 ? 3 : 2);
  }
  assert_int_equal(sqlite3_step(s), SQLITE_DONE);
  sqlite3_finalize(s);
  const double *expect_times[] = {good_times, failed_times};
  const double *expect_values[] = {good_values, failed_values};
  static const char *const quoted[] = {"\"pk.C\"", "\"tumor.V\"", "\"odd\"\"name\""};
  for (int patient = 0; patient < 2; patient++) {
    const char *arm = patient == 0 ? "A" : "B";
    size_t rows = patient == 0 ? 3u : 2u;
    double got[4];
    assert_int_equal(q_vector(db, patient + 1, arm, "time", got, 4), rows);
    assert_memory_equal(got, expect_times[patient], rows * sizeof(double));
    for (int j = 0; j < N_SIGNALS; j++) {
      assert_int_equal(q_vector(db, patient + 1, arm, quoted[j], got, 4), rows);
      for (size_t i = 0; i < rows; i++) {
        double v = expect_values[patient][i * N_SIGNALS + (size_t)j];
        if (isnan(v))
          assert_true(isnan(got[i]));
        else
          assert_true(got[i] == v);
      }
    }
  }
  /* the NaN of patient 1 (tumor.V at time 0.5) is stored bit for bit, bytes 8..15 of the vector */
  unsigned char nan_bytes[TS_VEC_BYTES];
  ts_vec_encode(nan_bytes, &good_values[4], 1, 1);
  s = query(db, "SELECT substr(\"tumor.V\", 9, 8) FROM trajectory WHERE patient_id = 1");
  assert_int_equal(sqlite3_column_bytes(s, 0), TS_VEC_BYTES);
  assert_memory_equal(sqlite3_column_blob(s, 0), nan_bytes, TS_VEC_BYTES);
  sqlite3_finalize(s);
  /* events, in log order; NAN and NULL as NULL */
  assert_int_equal(q_int(db, "SELECT count(*) FROM events WHERE patient_id = 1"), 2);
  assert_int_equal(q_int(db, "SELECT count(*) FROM events WHERE patient_id = 2"), 0);
  assert_string_equal(q_text(db, buf, sizeof buf, "SELECT kind FROM events WHERE patient_id = 1 AND seq = 0"), "bolus");
  assert_true(q_real(db, "SELECT amount FROM events WHERE patient_id = 1 AND seq = 0") == 100.0);
  assert_int_equal(q_type(db, "SELECT rate FROM events WHERE patient_id = 1 AND seq = 0"), SQLITE_NULL);
  assert_int_equal(q_type(db, "SELECT detail FROM events WHERE patient_id = 1 AND seq = 0"), SQLITE_NULL);
  assert_int_equal(q_type(db, "SELECT amount FROM events WHERE patient_id = 1 AND seq = 1"), SQLITE_NULL);
  assert_true(q_real(db, "SELECT rate FROM events WHERE patient_id = 1 AND seq = 1") == 50.0);
  assert_true(q_real(db, "SELECT time FROM events WHERE patient_id = 1 AND seq = 1") == 0.5);
  assert_string_equal(q_text(db, buf, sizeof buf, "SELECT detail FROM events WHERE patient_id = 1 AND seq = 1"),
                      "over 2 h");
  assert_string_equal(q_text(db, buf, sizeof buf, "SELECT unit FROM events WHERE patient_id = 1 AND seq = 1"), "mg");
  /* the file is sound */
  assert_string_equal(q_text(db, buf, sizeof buf, "PRAGMA integrity_check"), "ok");
  sqlite3_close(db);
  remove(path);
}

static void test_existing_file_refused(void **state) {
  (void)state;
  const char *path = ts_test_path("store-existing", "db");
  assert_int_equal(ts_test_write_file(path, "precious results"), 0);
  ts_store_run run = test_run();
  ts_store *st = (ts_store *)&run; /* must be set to NULL on failure */
  ts_error err;
  ts_error_clear(&err);
  assert_int_equal(ts_store_create(path, &run, 0, &st, &err), -1);
  assert_null(st);
  assert_int_equal(err.code, TS_E_INPUT);
  assert_non_null(strstr(err.message, path));
  char *text = ts_test_read_file(path, NULL);
  assert_non_null(text);
  assert_string_equal(text, "precious results");
  free(text);

  /* replace: the file goes, a fresh database comes */
  ts_error_clear(&err);
  assert_int_equal(ts_store_create(path, &run, 1, &st, &err), 0);
  assert_non_null(st);
  ts_store_close(st); /* closed, not finished */
  sqlite3 *db = open_db(path);
  char buf[64];
  assert_string_equal(q_text(db, buf, sizeof buf, "SELECT value FROM run WHERE key = 'status'"), "running");
  assert_int_equal(q_int(db, "SELECT count(*) FROM run WHERE key = 'finished_at'"), 0);
  assert_int_equal(q_int(db, "SELECT count(*) FROM patients"), 0);
  sqlite3_close(db);
  remove(path);
}

/* The WAL of a killed run whose database file was then deleted is not replayed into a new database at that
 * path (SQLite deletes a WAL found beside a zero-length database), with or without replace. */
static void test_stale_wal_ignored(void **state) {
  (void)state;
  const char *path = ts_test_path("store-stalewal", "db");
  const char *wal = with_suffix(path, "-wal");
  for (int replace = 0; replace < 2; replace++) {
    killed_run(path);
    assert_int_equal(unlink(path), 0);
    struct stat sb;
    assert_int_equal(stat(wal, &sb), 0);
    assert_true(sb.st_size > 0);

    ts_store_run run = test_run();
    ts_store *st = NULL;
    ts_error err;
    ts_error_clear(&err);
    if (ts_store_create(path, &run, replace, &st, &err) != 0)
      fail_msg("replace %d: %s", replace, err.message);
    ts_store_close(st);
    assert_false(exists(wal));
    sqlite3 *db = open_db(path);
    assert_int_equal(q_int(db, "SELECT count(*) FROM patients"), 0);
    assert_int_equal(q_int(db, "SELECT count(*) FROM trajectory"), 0);
    sqlite3_close(db);
    remove(path);
  }
}

static void expect_io_error(const char *path) {
  ts_store_run run = test_run();
  ts_store *st = NULL;
  ts_error err;
  ts_error_clear(&err);
  assert_int_equal(ts_store_create(path, &run, 0, &st, &err), -1);
  assert_null(st);
  assert_int_equal(err.code, TS_E_IO);
  if (!strstr(err.message, path))
    fail_msg("the message does not name %s: %s", path, err.message);
  assert_false(exists(path));
}

static void test_unwritable_place(void **state) {
  (void)state;
  /* Tests run as root, who may write into a read-only directory: these places refuse anyone. */
  const char *file = ts_test_path("store-notadir", "txt");
  assert_int_equal(ts_test_write_file(file, "a regular file"), 0);
  char path[1200];
  snprintf(path, sizeof path, "%s/results.db", file);
  expect_io_error(path);
  snprintf(path, sizeof path, "%s/no-such-dir-%ld/results.db", TS_TEST_WORK_DIR, (long)getpid());
  expect_io_error(path);
  expect_io_error("/proc/twinsim-store-test.db");
  remove(file);

  /* replacing a directory is refused and leaves it */
  const char *dir = ts_test_path("store-dir", "db");
  assert_int_equal(mkdir(dir, 0755), 0);
  ts_store_run run = test_run();
  ts_store *st = NULL;
  ts_error err;
  ts_error_clear(&err);
  assert_int_equal(ts_store_create(dir, &run, 1, &st, &err), -1);
  assert_int_equal(err.code, TS_E_IO);
  assert_non_null(strstr(err.message, dir));
  struct stat sb;
  assert_int_equal(stat(dir, &sb), 0);
  assert_true(S_ISDIR(sb.st_mode));
  rmdir(dir);
}

/* A trajectory row holds every recorded signal's vector: 3 signals and the times at 40 million output times would be
 * 1.28 GB, more than SQLite keeps in one value; refused before anything is simulated, and no file is left. At 10
 * million output times (320 MB) the store is made. */
static void test_trajectory_row_too_large(void **state) {
  (void)state;
  const char *path = ts_test_path("store-huge-rows", "db");
  ts_store_run run = test_run();
  run.n_times_max = 40000000;
  ts_store *st = NULL;
  ts_error err;
  ts_error_clear(&err);
  assert_int_equal(ts_store_create(path, &run, 0, &st, &err), -1);
  assert_int_equal(err.code, TS_E_INPUT);
  assert_non_null(strstr(err.message, "40000000 output times x 3 recorded signals"));
  assert_non_null(strstr(err.message, "more than this SQLite stores in one row"));
  assert_null(st);
  assert_false(exists(path));
  run.n_times_max = 10000000;
  assert_int_equal(ts_store_create(path, &run, 0, &st, &err), 0);
  ts_store_close(st);
}

static void test_bad_signal_names(void **state) {
  (void)state;
  const char *path = ts_test_path("store-badsignals", "db");
  ts_store_signal same[] = {{"pk.C", "mg/L", "output"}, {"PK.c", "mg/L", "output"}};
  ts_store_signal reserved[] = {{"pk.C", "mg/L", "output"}, {"Time", "d", "output"}};
  ts_store_signal arm[] = {{"pk.C", "mg/L", "output"}, {"arm", "1", "output"}};
  ts_store_signal count[] = {{"pk.C", "mg/L", "output"}, {"N_times", "1", "output"}};
  const ts_store_signal *cases[] = {same, reserved, arm, count};
  for (int c = 0; c < 4; c++) {
    ts_store_run run = test_run();
    run.signals = cases[c];
    run.n_signals = 2;
    ts_store *st = NULL;
    ts_error err;
    ts_error_clear(&err);
    assert_int_equal(ts_store_create(path, &run, 0, &st, &err), -1);
    assert_int_equal(err.code, TS_E_INPUT);
    assert_non_null(strstr(err.message, cases[c][1].name));
    assert_false(exists(path));
  }
  /* a repeated metadata key fails inside SQLite: the partial file is removed */
  ts_store_kv twice[] = {{"seed", "1"}, {"seed", "2"}};
  ts_store_run run = test_run();
  run.meta = twice;
  run.n_meta = 2;
  ts_store *st = NULL;
  ts_error err;
  ts_error_clear(&err);
  assert_int_equal(ts_store_create(path, &run, 0, &st, &err), -1);
  assert_int_equal(err.code, TS_E_INPUT);
  assert_non_null(strstr(err.message, "seed"));
  assert_false(exists(path));
  assert_false(exists(with_suffix(path, "-wal")));
  assert_false(exists(with_suffix(path, "-shm")));
  assert_false(exists(with_suffix(path, "-journal")));
}

static void test_failed_write_leaves_no_trace(void **state) {
  (void)state;
  const char *path = ts_test_path("store-rollback", "db");
  ts_store *st = create_ok(path);
  ts_store_patient p1 = good_patient(1);
  write_ok(st, &p1);

  /* Patient 2: its third output time repeats the second; a decreasing time and a NaN are refused the same way. */
  static const double bad_times[][3] = {{0.0, 0.5, 0.5}, {0.0, 0.5, 0.25}, {0.0, NAN, 1.0}};
  static const char *const bad_row[] = {"trajectory row 3 of 3", "trajectory row 3 of 3", "trajectory row 2 of 3"};
  ts_store_patient p2 = good_patient(2);
  ts_error err;
  for (int k = 0; k < 3; k++) {
    p2.times = bad_times[k];
    ts_error_clear(&err);
    assert_int_equal(ts_store_write_patient(st, &p2, &err), -1);
    assert_int_equal(err.code, TS_E_INPUT);
    assert_non_null(strstr(err.message, path));
    assert_non_null(strstr(err.message, "patient 2"));
    if (!strstr(err.message, bad_row[k]))
      fail_msg("case %d: %s", k, err.message);
  }

  /* Patient 3: everything but its last event, which has no kind. */
  ts_store_event bad_events[] = {good_events[0], good_events[1]};
  bad_events[1].kind = NULL;
  ts_store_patient p3 = good_patient(3);
  p3.events = bad_events;
  ts_error_clear(&err);
  assert_int_equal(ts_store_write_patient(st, &p3, &err), -1);
  assert_int_equal(err.code, TS_E_INPUT);
  assert_non_null(strstr(err.message, "event 2"));

  /* Patient 1 in its arm again: refused, and the first one stays as it was; in another arm it is a new row. */
  ts_store_patient again = failed_patient(1);
  again.arm = p1.arm;
  ts_error_clear(&err);
  assert_int_equal(ts_store_write_patient(st, &again, &err), -1);
  assert_int_equal(err.code, TS_E_INPUT);

  /* The store is still usable. */
  ts_store_patient p4 = failed_patient(4);
  write_ok(st, &p4);
  ts_error_clear(&err);
  assert_int_equal(ts_store_finish(st, "interrupted", &err), 0);

  sqlite3 *db = open_db(path);
  char buf[64];
  assert_string_equal(q_text(db, buf, sizeof buf, "SELECT value FROM run WHERE key = 'status'"), "interrupted");
  assert_int_equal(q_int(db, "SELECT count(*) FROM patients"), 2);
  assert_int_equal(q_int(db, "SELECT count(*) FROM patients WHERE patient_id IN (1, 4)"), 2);
  static const char *const tables[] = {"patients", "parameters", "trajectory", "events"};
  for (int t = 0; t < 4; t++) {
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE patient_id IN (2, 3)", tables[t]);
    if (q_int(db, sql) != 0)
      fail_msg("rows of a failed write remain in %s", tables[t]);
  }
  assert_string_equal(q_text(db, buf, sizeof buf, "SELECT status FROM patients WHERE patient_id = 1"), "ok");
  assert_string_equal(q_text(db, buf, sizeof buf, "SELECT label FROM patients WHERE patient_id = 1"), "twin-001");
  assert_int_equal(q_int(db, "SELECT n_times FROM trajectory WHERE patient_id = 1"), 3);
  assert_int_equal(q_int(db, "SELECT count(*) FROM parameters WHERE patient_id = 1"), 2);
  assert_int_equal(q_int(db, "SELECT count(*) FROM events WHERE patient_id = 1"), 2);
  assert_int_equal(q_int(db, "SELECT n_times FROM trajectory WHERE patient_id = 4"), 2);
  sqlite3_close(db);
  remove(path);
}

/* A run killed with SIGKILL keeps every patient it committed, and says it was still running. */
static void test_killed_run_keeps_committed_patients(void **state) {
  (void)state;
  const char *path = ts_test_path("store-killed", "db");
  killed_run(path);

  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
  char buf[64];
  assert_string_equal(q_text(db, buf, sizeof buf, "SELECT value FROM run WHERE key = 'status'"), "running");
  assert_int_equal(q_int(db, "SELECT count(*) FROM patients"), 2);
  assert_int_equal(q_int(db, "SELECT n_times FROM trajectory WHERE patient_id = 1"), 3);
  assert_int_equal(q_int(db, "SELECT n_times FROM trajectory WHERE patient_id = 2"), 2);
  assert_int_equal(q_int(db, "SELECT length(time) FROM trajectory WHERE patient_id = 2"), 16);
  assert_int_equal(q_int(db, "SELECT count(*) FROM events"), 2);
  assert_string_equal(q_text(db, buf, sizeof buf, "PRAGMA integrity_check"), "ok");
  sqlite3_close(db);
  remove(path);
  remove(with_suffix(path, "-wal"));
  remove(with_suffix(path, "-shm"));
}

static void test_finish_bad_status_and_null(void **state) {
  (void)state;
  ts_error err;
  ts_error_clear(&err);
  assert_int_equal(ts_store_finish(NULL, "complete", &err), 0);
  ts_store_close(NULL);

  const char *path = ts_test_path("store-badstatus", "db");
  ts_store *st = create_ok(path);
  assert_int_equal(ts_store_finish(st, "done", &err), -1); /* st is closed all the same */
  assert_int_equal(err.code, TS_E_INTERNAL);
  assert_non_null(strstr(err.message, "done"));
  sqlite3 *db = open_db(path);
  char buf[64];
  assert_string_equal(q_text(db, buf, sizeof buf, "SELECT value FROM run WHERE key = 'status'"), "running");
  sqlite3_close(db);
  remove(path);
}

/* The trial tables: one patient in two arms, with covariates, observations, endpoints and exposure. */
static void test_trial_tables(void **state) {
  (void)state;
  const char *path = ts_test_path("store-trial", "db");
  ts_store *st = create_ok(path);
  ts_store_covariate covariates[] = {{"WT", 72.5, "kg"}, {"BSA", 1.85, "m^2"}};
  ts_store_observation observations[] = {{"tumor.V", 0, 10.0, 10.2}, {"tumor.V", 42, 7.5, 7.0}};
  ts_store_endpoints endpoints = {.best_response = "PR",
                                  .progression_time = NAN,
                                  .pfs_time = 365,
                                  .pfs_event = 0,
                                  .os_time = 365,
                                  .os_event = 0,
                                  .worst_grade = 3,
                                  .cumulative_dose = 600,
                                  .dose_unit = "mg",
                                  .baseline_mm = 10.2,
                                  .nadir_mm = 7.0,
                                  .best_change = -0.3137};
  ts_store_exposure exposures[] = {{1, 0, 21, 9.5, 0.0417, 0.001, 12.0}, {2, 21, 42, 9.4, 21.0417, 0.001, 11.9}};
  ts_store_patient p = good_patient(1);
  p.covariates = covariates, p.n_covariates = 2;
  p.observations = observations, p.n_observations = 2;
  p.endpoints = &endpoints;
  p.exposures = exposures, p.n_exposures = 2;
  write_ok(st, &p);
  p.arm = "control";
  p.endpoints = NULL;
  p.n_exposures = 0;
  write_ok(st, &p); /* the same patient in another arm */
  ts_error err;
  assert_int_equal(ts_store_finish(st, "complete", &err), 0);

  sqlite3 *db = open_db(path);
  char buf[256];
  assert_int_equal(q_int(db, "SELECT count(*) FROM patients WHERE patient_id = 1"), 2);
  assert_int_equal(q_int(db, "SELECT count(*) FROM covariates WHERE arm = 'control'"), 2);
  assert_true(q_real(db, "SELECT value FROM covariates WHERE name = 'WT' AND arm = 'A'") == 72.5);
  assert_true(q_real(db, "SELECT true_value FROM observations WHERE time = 42 AND arm = 'A'") == 7.0);
  assert_string_equal(q_text(db, buf, sizeof buf, "SELECT best_response FROM endpoints"), "PR");
  assert_int_equal(q_type(db, "SELECT progression_time FROM endpoints"), SQLITE_NULL);
  assert_int_equal(q_int(db, "SELECT worst_grade FROM endpoints"), 3);
  assert_int_equal(q_int(db, "SELECT count(*) FROM endpoints"), 1);
  assert_true(q_real(db, "SELECT auc FROM exposure WHERE cycle = 2") == 11.9);
  assert_int_equal(q_int(db, "SELECT count(*) FROM trajectory WHERE arm = 'control'"), 1);
  assert_int_equal(q_int(db, "SELECT count(*) FROM trajectory WHERE arm = 'control' AND time = (SELECT time FROM "
                             "trajectory WHERE arm = 'A')"),
                   1);
  sqlite3_close(db);
}

/* The vectors' bytes: little-endian binary64, whatever the host; NaN (with its payload), -0 and the smallest
 * subnormal come back bit for bit; stride picks one column of a row-major table. */
static void test_vector_bytes(void **state) {
  (void)state;
  uint64_t nan_bits = 0x7ff8000000000123u;
  double nan_payload;
  memcpy(&nan_payload, &nan_bits, sizeof nan_payload);
  const double v[] = {1.0, 0.0, -0.0, 7.0, nan_payload, 7.0, 4.9406564584124654e-324, 7.0};
  unsigned char bytes[4 * TS_VEC_BYTES];
  ts_vec_encode(bytes, v, 4, 2); /* 1.0, -0.0, NaN, the subnormal */
  static const unsigned char want[] = {0,    0,    0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0x80,
                                       0x23, 0x01, 0, 0, 0, 0, 0xf8, 0x7f, 1, 0, 0, 0, 0, 0, 0, 0};
  assert_memory_equal(bytes, want, sizeof want);
  double back[4];
  ts_vec_decode(back, bytes, 4);
  for (int i = 0; i < 4; i++)
    assert_memory_equal(&back[i], &v[2 * i], sizeof(double));
}

/* A patient that failed before its first output time keeps a trajectory row with n_times 0 and empty vectors. */
static void test_empty_trajectory(void **state) {
  (void)state;
  const char *path = ts_test_path("store-empty", "db");
  ts_store *st = create_ok(path);
  ts_store_patient p = failed_patient(1);
  p.n_times = 0;
  p.times = NULL;
  p.values = NULL;
  write_ok(st, &p);
  ts_error err;
  assert_int_equal(ts_store_finish(st, "complete", &err), 0);
  sqlite3 *db = open_db(path);
  assert_int_equal(q_int(db, "SELECT count(*) FROM trajectory"), 1);
  assert_int_equal(q_int(db, "SELECT n_times FROM trajectory"), 0);
  assert_int_equal(q_type(db, "SELECT time FROM trajectory"), SQLITE_BLOB);
  assert_int_equal(q_int(db, "SELECT length(\"pk.C\") FROM trajectory"), 0);
  sqlite3_close(db);
  remove(path);
}

/* A batch: each patient is still all or nothing (the refused one leaves nothing, the others stay); a batch killed
 * before its commit leaves none of its patients. */
static void test_batch(void **state) {
  (void)state;
  const char *path = ts_test_path("store-batch", "db");
  ts_store *st = create_ok(path);
  ts_error err;
  ts_error_clear(&err);
  assert_int_equal(ts_store_batch_begin(st, &err), 0);
  assert_int_equal(ts_store_batch_begin(st, &err), -1); /* one at a time */
  ts_store_patient p1 = good_patient(1), p2 = good_patient(2), p3 = failed_patient(3);
  static const double dup_times[] = {0.0, 0.5, 0.5};
  p2.times = dup_times;
  write_ok(st, &p1);
  assert_int_equal(ts_store_write_patient(st, &p2, &err), -1);
  ts_store_patient p1_again = failed_patient(1);
  p1_again.arm = "A";
  assert_int_equal(ts_store_write_patient(st, &p1_again, &err), -1); /* fails inside SQLite: rolled back alone */
  write_ok(st, &p3);
  ts_error_clear(&err);
  assert_int_equal(ts_store_batch_commit(st, &err), 0);
  assert_int_equal(ts_store_finish(st, "complete", &err), 0);
  sqlite3 *db = open_db(path);
  assert_int_equal(q_int(db, "SELECT count(*) FROM patients"), 2);
  assert_int_equal(q_int(db, "SELECT count(*) FROM patients WHERE patient_id IN (1, 3)"), 2);
  assert_int_equal(q_int(db, "SELECT count(*) FROM parameters WHERE patient_id = 1"), 2);
  assert_int_equal(q_int(db, "SELECT n_times FROM trajectory WHERE patient_id = 1"), 3);
  assert_int_equal(q_int(db, "SELECT count(*) FROM events WHERE patient_id = 1"), 2);
  sqlite3_close(db);
  remove(path);

  /* killed inside a batch: patient 1 committed before it stays, the batch's patients 2 and 3 are absent */
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    ts_store_run run = test_run();
    ts_store *child = NULL;
    ts_store_patient a = good_patient(1), b = good_patient(2), c = failed_patient(3);
    if (ts_store_create(path, &run, 0, &child, NULL) != 0 || ts_store_write_patient(child, &a, NULL) != 0 ||
        ts_store_batch_begin(child, NULL) != 0 || ts_store_write_patient(child, &b, NULL) != 0 ||
        ts_store_write_patient(child, &c, NULL) != 0)
      _exit(3);
    kill(getpid(), SIGKILL);
    _exit(4);
  }
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFSIGNALED(status));
  db = open_db(path);
  assert_int_equal(q_int(db, "SELECT count(*) FROM patients"), 1);
  assert_int_equal(q_int(db, "SELECT count(*) FROM trajectory WHERE patient_id <> 1"), 0);
  sqlite3_close(db);
  remove(path);
  remove(with_suffix(path, "-wal"));
  remove(with_suffix(path, "-shm"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_trial_tables),
      cmocka_unit_test(test_sha256_vectors),
      cmocka_unit_test(test_vector_bytes),
      cmocka_unit_test(test_empty_trajectory),
      cmocka_unit_test(test_batch),
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_existing_file_refused),
      cmocka_unit_test(test_stale_wal_ignored),
      cmocka_unit_test(test_unwritable_place),
      cmocka_unit_test(test_trajectory_row_too_large),
      cmocka_unit_test(test_bad_signal_names),
      cmocka_unit_test(test_failed_write_leaves_no_trace),
      cmocka_unit_test(test_killed_run_keeps_committed_patients),
      cmocka_unit_test(test_finish_bad_status_and_null),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
