/* The trajectory reader of core/cli/results_db.c: a database written by ts_store is walked through
 * ts_results_each_trajectory / ts_results_each_simulation and every value, key and order compared with what was
 * written; a signal not recorded, an unreadable database and a callback that stops the walk are checked too. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "cli/results_db.h"
#include "store.h"
#include "test_support.h"

static const ts_store_signal signals[] = {{"pk.C", "mg/L", "output"}, {"tumor.N", "cells", "state"}};

/* Patient p in arm a has 3 rows (patient 2 in arm "B" failed after 2): time i/2, pk.C = 100p + 10a + i, tumor.N =
 * -(that); patient 1 in arm "A" has a NaN at row 1 of pk.C. Written out of key order on purpose. */
static double value_of(int64_t patient, int arm, size_t i, size_t j) {
  double v = 100.0 * (double)patient + 10.0 * arm + (double)i;
  if (patient == 1 && arm == 0 && i == 1 && j == 0)
    return NAN;
  return j == 0 ? v : -v;
}

static const char *const arms[] = {"A", "B"};

static size_t rows_of(int64_t patient, int arm) {
  return patient == 2 && arm == 1 ? 2 : 3;
}

static const char *make_db(void) {
  const char *path = ts_test_path("results-db", "db");
  ts_store_run run = {.scenario_path = "x.yaml", .signals = signals, .n_signals = 2};
  ts_store *st = NULL;
  ts_error err;
  ts_error_clear(&err);
  if (ts_store_create(path, &run, 0, &st, &err) != 0)
    fail_msg("%s", err.message);
  static const int64_t order[][2] = {{2, 1}, {1, 0}, {2, 0}, {1, 1}};
  for (size_t k = 0; k < 4; k++) {
    int64_t id = order[k][0];
    int arm = (int)order[k][1];
    size_t n = rows_of(id, arm);
    double times[3], values[6];
    for (size_t i = 0; i < n; i++) {
      times[i] = 0.5 * (double)i;
      for (size_t j = 0; j < 2; j++)
        values[i * 2 + j] = value_of(id, arm, i, j);
    }
    ts_store_patient p = {.patient_id = id,
                          .label = "p",
                          .arm = arms[arm],
                          .failed = n < 3,
                          .failure_time = 0.75,
                          .failure_message = "too much work",
                          .n_times = n,
                          .times = times,
                          .values = values};
    if (ts_store_write_patient(st, &p, &err) != 0)
      fail_msg("%s", err.message);
  }
  assert_int_equal(ts_store_finish(st, "complete", &err), 0);
  return path;
}

static sqlite3 *open_ro(const char *path) {
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  return db;
}

/* What the callbacks saw. */
typedef struct seen {
  size_t calls, stop_after;
  int64_t ids[8];
  char arms[8][8];
  size_t signal; /* the signal column checked by check_one */
} seen;

static int check_one(void *ctx, int64_t patient_id, const char *arm, const double *time, const double *value,
                     size_t n) {
  seen *s = ctx;
  assert_true(s->calls < 8);
  s->ids[s->calls] = patient_id;
  snprintf(s->arms[s->calls], sizeof s->arms[0], "%s", arm);
  int a = strcmp(arm, "A") == 0 ? 0 : 1;
  assert_int_equal(n, rows_of(patient_id, a));
  for (size_t i = 0; i < n; i++) {
    assert_true(time[i] == 0.5 * (double)i);
    double want = value_of(patient_id, a, i, s->signal);
    if (isnan(want))
      assert_true(isnan(value[i]));
    else
      assert_true(value[i] == want);
  }
  s->calls++;
  return s->stop_after && s->calls == s->stop_after ? 7 : 0;
}

static void test_all_arms_in_key_order(void **state) {
  (void)state;
  sqlite3 *db = open_ro(make_db());
  char err[256];
  for (size_t j = 0; j < 2; j++) {
    seen s = {.signal = j};
    assert_int_equal(ts_results_each_trajectory(db, signals[j].name, NULL, check_one, &s, err, sizeof err), 0);
    assert_string_equal(err, "");
    assert_int_equal(s.calls, 4);
    static const int64_t ids[] = {1, 1, 2, 2};
    static const char *const want_arms[] = {"A", "B", "A", "B"};
    for (size_t k = 0; k < 4; k++) {
      assert_int_equal(s.ids[k], ids[k]);
      assert_string_equal(s.arms[k], want_arms[k]);
    }
  }
  sqlite3_close(db);
}

static void test_one_arm(void **state) {
  (void)state;
  sqlite3 *db = open_ro(make_db());
  char err[256];
  seen s = {.signal = 1};
  assert_int_equal(ts_results_each_trajectory(db, "tumor.N", "B", check_one, &s, err, sizeof err), 0);
  assert_int_equal(s.calls, 2);
  assert_string_equal(s.arms[0], "B");
  assert_string_equal(s.arms[1], "B");
  assert_int_equal(s.ids[1], 2);
  seen none = {0};
  assert_int_equal(ts_results_each_trajectory(db, "tumor.N", "no such arm", check_one, &none, err, sizeof err), 0);
  assert_int_equal(none.calls, 0);
  sqlite3_close(db);
}

static void test_stop_and_errors(void **state) {
  (void)state;
  const char *path = make_db();
  sqlite3 *db = open_ro(path);
  char err[256];
  seen s = {.signal = 0, .stop_after = 2};
  assert_int_equal(ts_results_each_trajectory(db, "pk.C", NULL, check_one, &s, err, sizeof err), 7);
  assert_int_equal(s.calls, 2);
  seen never = {0};
  assert_int_equal(ts_results_each_trajectory(db, "pk.c", NULL, check_one, &never, err, sizeof err), -1);
  assert_non_null(strstr(err, "'pk.c'"));
  assert_non_null(strstr(err, "not recorded"));
  assert_int_equal(never.calls, 0);
  /* the message is cut to err_cap bytes */
  char small[8];
  assert_int_equal(ts_results_each_trajectory(db, "x", NULL, check_one, &never, small, sizeof small), -1);
  assert_int_equal(strlen(small), sizeof small - 1);
  sqlite3_close(db);
  /* not a results database */
  const char *empty = ts_test_path("results-db-empty", "db");
  assert_int_equal(sqlite3_open(empty, &db), SQLITE_OK);
  assert_int_equal(ts_results_each_trajectory(db, "pk.C", NULL, check_one, &never, err, sizeof err), -1);
  assert_non_null(strstr(err, "not a twinsim results database"));
  /* a database of results schema 2 (one row per time) is refused by name */
  assert_int_equal(sqlite3_exec(db,
                                "CREATE TABLE run (key TEXT PRIMARY KEY, value TEXT); "
                                "INSERT INTO run VALUES ('schema_version', '2')",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  assert_int_equal(ts_results_each_trajectory(db, "pk.C", NULL, check_one, &never, err, sizeof err), -1);
  assert_non_null(strstr(err, "results schema 2"));
  assert_int_equal(never.calls, 0);
  sqlite3_close(db);
}

/* A vector whose length does not match n_times is reported, not read past its end. */
static void test_short_vector(void **state) {
  (void)state;
  const char *path = make_db();
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db,
                                "UPDATE trajectory SET \"tumor.N\" = substr(\"tumor.N\", 1, 16) "
                                "WHERE patient_id = 2 AND arm = 'A'",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  char err[256];
  seen s = {.signal = 1};
  assert_int_equal(ts_results_each_trajectory(db, "tumor.N", NULL, check_one, &s, err, sizeof err), -1);
  assert_int_equal(s.calls, 2); /* (1, A) and (1, B) came first */
  assert_non_null(strstr(err, "patient 2, arm A: tumor.N holds 16 bytes"));
  sqlite3_close(db);
}

/* Both signals at once: value[j] is signal j. */
static int check_both(void *ctx, int64_t patient_id, const char *arm, const double *time, const double *const *value,
                      size_t n_signals, size_t n) {
  size_t *calls = ctx;
  int a = strcmp(arm, "A") == 0 ? 0 : 1;
  assert_int_equal(n_signals, 2);
  assert_int_equal(n, rows_of(patient_id, a));
  for (size_t i = 0; i < n; i++) {
    assert_true(time[i] == 0.5 * (double)i);
    assert_true(value[1][i] == value_of(patient_id, a, i, 1)); /* tumor.N is value[1], asked second */
    double c = value_of(patient_id, a, i, 0);
    assert_true(isnan(c) ? isnan(value[0][i]) : value[0][i] == c);
  }
  ++*calls;
  return 0;
}

static void test_several_signals(void **state) {
  (void)state;
  sqlite3 *db = open_ro(make_db());
  char err[256];
  const char *names[] = {"pk.C", "tumor.N"};
  size_t calls = 0;
  assert_int_equal(ts_results_each_simulation(db, names, 2, "A", check_both, &calls, err, sizeof err), 0);
  assert_int_equal(calls, 2);
  const char *bad[] = {"pk.C", "tumor.X"};
  assert_int_equal(ts_results_each_simulation(db, bad, 2, NULL, check_both, &calls, err, sizeof err), -1);
  assert_non_null(strstr(err, "tumor.X"));
  sqlite3_close(db);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_all_arms_in_key_order), cmocka_unit_test(test_one_arm),
      cmocka_unit_test(test_stop_and_errors),       cmocka_unit_test(test_several_signals),
      cmocka_unit_test(test_short_vector),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
