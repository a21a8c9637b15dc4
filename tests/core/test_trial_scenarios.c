/* The virtual-trial scenarios shipped in scenarios/ run, and each shows what it is there to show. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "cli/results_db.h"
#include "run.h"
#include "test_support.h"

static sqlite3 *run_scenario(const char *name, ts_run_summary *summary) {
  char scenario[1024];
  snprintf(scenario, sizeof scenario, "%s/scenarios/%s.yaml", TS_TEST_SOURCE_DIR, name);
  const char *db_path = ts_test_path(name, "db");
  ts_loaded l;
  ts_error err;
  ts_error_clear(&err);
  if (ts_load(scenario, &l, &err) != 0)
    fail_msg("%s", err.message);
  ts_run_options opt = {.output_path = db_path, .replace = 1, .quiet = 1, .verbosity = TS_LOG_WARNING};
  if (ts_run(&l, &opt, summary, &err) != 0)
    fail_msg("%s", err.message);
  ts_loaded_free(&l);
  assert_int_equal(summary->n_failed, 0);
  sqlite3 *db;
  assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
  return db;
}

static double query(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    fail_msg("%s: %s", sql, sqlite3_errmsg(db));
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  double v = sqlite3_column_double(st, 0);
  sqlite3_finalize(st);
  return v;
}

/* Sums one signal's value at day 365 over the trajectories of a walk. */
typedef struct day365 {
  double sum;
  int n;
} day365;

static int add_day365(void *ctx, int64_t patient_id, const char *arm, const double *time, const double *value,
                      size_t n) {
  (void)patient_id, (void)arm;
  day365 *d = ctx;
  assert_true(n == 366 && time[n - 1] == 365);
  d->sum += value[n - 1];
  d->n++;
  return 0;
}

/* RP-1: 1,000 patients in both arms; treatment shrinks the tumor at day 365 on average. */
static void test_rp1_trial(void **state) {
  (void)state;
  ts_run_summary s;
  sqlite3 *db = run_scenario("rp1_trial", &s);
  assert_int_equal(s.n_patients, 2000);
  assert_float_equal(query(db, "SELECT count(*) FROM trajectory"), 2000, 0);
  assert_float_equal(query(db, "SELECT sum(n_times) FROM trajectory"), 2000 * 366, 0);
  /* the mean tumour size at day 365, read through the reader that export and report use */
  day365 treated = {0}, control = {0};
  char err[256];
  assert_int_equal(ts_results_each_trajectory(db, "tumor.N", "q3w", add_day365, &treated, err, sizeof err), 0);
  assert_int_equal(ts_results_each_trajectory(db, "tumor.N", "control", add_day365, &control, err, sizeof err), 0);
  assert_int_equal(treated.n, 1000);
  assert_int_equal(control.n, 1000);
  assert_true(treated.sum / treated.n < 0.8 * control.sum / control.n);
  /* the paired design: the same patient has the same CL in both arms */
  assert_float_equal(query(db, "SELECT count(*) FROM parameters a JOIN parameters b USING (patient_id, instance, "
                               "name) WHERE a.arm = 'q3w' AND b.arm = 'control' AND a.value <> b.value"),
                     0, 0);
  sqlite3_close(db);
}

/* Adaptive therapy: less drug than continuous, and no worse survival. */
static void test_adaptive_vs_continuous(void **state) {
  (void)state;
  ts_run_summary s;
  sqlite3 *db = run_scenario("adaptive_vs_continuous", &s);
  double dose_a = query(db, "SELECT avg(cumulative_dose) FROM endpoints WHERE arm = 'adaptive'");
  double dose_c = query(db, "SELECT avg(cumulative_dose) FROM endpoints WHERE arm = 'continuous'");
  double os_a = query(db, "SELECT avg(os_time) FROM endpoints WHERE arm = 'adaptive'");
  double os_c = query(db, "SELECT avg(os_time) FROM endpoints WHERE arm = 'continuous'");
  print_message("adaptive: dose %.0f mg, OS %.0f d; continuous: dose %.0f mg, OS %.0f d\n", dose_a, os_a, dose_c, os_c);
  assert_true(dose_a < 0.8 * dose_c);
  assert_true(os_a >= os_c);
  /* the rules act in the adaptive arm only, and every hold is eventually followed by doses skipped */
  assert_float_equal(query(db, "SELECT count(*) FROM events WHERE arm = 'continuous' AND kind IN ('rule', "
                               "'dose_skipped')"),
                     0, 0);
  assert_true(query(db, "SELECT count(*) FROM events WHERE arm = 'adaptive' AND detail LIKE 'treatment_break%'") > 0);
  sqlite3_close(db);
}

/* Neutropenia rules: fewer grade 4 events and less drug than the same regimen without them. */
static void test_neutropenia_dose_hold(void **state) {
  (void)state;
  ts_run_summary s;
  sqlite3 *db = run_scenario("neutropenia_dose_hold", &s);
  double g4_rules = query(db, "SELECT sum(worst_grade = 4) FROM endpoints WHERE arm = 'with_rules'");
  double g4_none = query(db, "SELECT sum(worst_grade = 4) FROM endpoints WHERE arm = 'no_rules'");
  double dose_rules = query(db, "SELECT avg(cumulative_dose) FROM endpoints WHERE arm = 'with_rules'");
  print_message("grade 4: %.0f with rules, %.0f without; mean dose %.1f mg with rules, 720 without\n", g4_rules,
                g4_none, dose_rules);
  assert_true(g4_rules < g4_none);
  assert_true(dose_rules < 720);
  assert_float_equal(query(db, "SELECT avg(cumulative_dose) FROM endpoints WHERE arm = 'no_rules'"), 720, 1e-9);
  /* a dose reduced by 25% after grade 4: only 30 mg doses follow a reduction */
  assert_float_equal(query(db, "SELECT count(*) FROM events e WHERE arm = 'with_rules' AND kind = 'infusion_start' "
                               "AND amount <> 30 AND time > (SELECT min(time) FROM events r WHERE r.patient_id = "
                               "e.patient_id AND r.arm = 'with_rules' AND r.detail LIKE 'grade4_reduce%')"),
                     0, 1e-9);
  sqlite3_close(db);
}

/* What-if: three plans for one twin, the same cumulative dose. */
static void test_whatif_schedules(void **state) {
  (void)state;
  ts_run_summary s;
  sqlite3 *db = run_scenario("whatif_schedules", &s);
  assert_int_equal(s.n_patients, 3);
  assert_float_equal(query(db, "SELECT count(DISTINCT arm) FROM endpoints"), 3, 0);
  assert_float_equal(query(db, "SELECT max(cumulative_dose) - min(cumulative_dose) FROM endpoints"), 0, 0.01);
  assert_float_equal(query(db, "SELECT count(*) FROM patients WHERE label = 'rp1-typical'"), 3, 0);
  sqlite3_close(db);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rp1_trial),
      cmocka_unit_test(test_adaptive_vs_continuous),
      cmocka_unit_test(test_neutropenia_dose_hold),
      cmocka_unit_test(test_whatif_schedules),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
