/* Virtual trials through the runner: patient k is the same whatever the cohort size; the paired design gives a
 * patient the same parameters in every arm; doses per kg and per m^2 scale with the patient; randomised
 * allocation is reproducible; endpoints reach the database; and the bad inputs of a trial are refused with their
 * position. */
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

#include "run.h"
#include "test_support.h"

/* The trial below with `size` patients and extra YAML appended (arms, design, ...). */
static const char *trial(const char *name, int size, const char *arms, const char *extra) {
  static char yaml[8192];
  snprintf(yaml, sizeof yaml,
           "twinsim: 1\nname: %s\nseed: 42\nmodel:\n  pk:\n    model: pk/two_compartment\n"
           "  tumor:\n    model: tumor/gompertz\n    inputs:\n      C: pk.C\n"
           "cohort:\n  size: %d\n  covariates:\n"
           "    WT: {distribution: normal, mean: 70 kg, sd: 12 kg, lower: 40 kg, upper: 150 kg}\n"
           "    HT: {distribution: normal, mean: 170 cm, sd: 10 cm, lower: 140 cm, upper: 210 cm}\n"
           "  parameters:\n    pk.CL: {distribution: lognormal, cv: 30%%}\n"
           "    tumor.alpha: {distribution: lognormal, cv: 40%%}\n"
           "  body_surface_area: mosteller\n"
           "%s%shorizon: 100 d\noutput:\n  every: 1 d\n  signals: [pk.C, tumor.N]\n",
           name, size, arms, extra);
  return ts_test_scenario(name, yaml);
}

static const char two_arms[] =
    "arms:\n  - name: perkg\n    doses:\n"
    "      - {target: pk.central, amount: 1.5 mg/kg, duration: 1 h, interval: 21 d, count: 3}\n"
    "  - name: perm2\n    doses:\n"
    "      - {target: pk.central, amount: 60 mg/m^2, duration: 1 h, interval: 21 d, count: 3}\n";

static void run_jobs(const char *scenario, const char *db, size_t jobs, ts_run_summary *summary) {
  ts_loaded l;
  ts_error err;
  ts_error_clear(&err);
  if (ts_load(scenario, &l, &err) != 0)
    fail_msg("%s", err.message);
  ts_run_options opt = {.output_path = db, .replace = 1, .quiet = 1, .verbosity = TS_LOG_WARNING, .jobs = jobs};
  if (ts_run(&l, &opt, summary, &err) != 0)
    fail_msg("%s", err.message);
  ts_loaded_free(&l);
}

static void run_file(const char *scenario, const char *db, ts_run_summary *summary) {
  run_jobs(scenario, db, 1, summary);
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

/* Patient 3's covariates, parameters and whole trajectory are bitwise the same in a cohort of 4 and of 25. */
static void test_patient_k_independent_of_cohort_size(void **state) {
  (void)state;
  const char *small = ts_test_path("small", "db"), *large = ts_test_path("large", "db");
  ts_run_summary s1, s2;
  run_file(trial("small", 4, two_arms, ""), small, &s1);
  run_file(trial("large", 25, two_arms, ""), large, &s2);
  assert_int_equal(s1.n_patients, 8); /* paired: every patient in both arms */
  assert_int_equal(s2.n_patients, 50);
  sqlite3 *db;
  assert_int_equal(sqlite3_open(small, &db), SQLITE_OK);
  char attach[1200];
  snprintf(attach, sizeof attach, "ATTACH '%s' AS big", large);
  assert_int_equal(sqlite3_exec(db, attach, NULL, NULL, NULL), SQLITE_OK);
  /* rows of patient 3 that differ between the two runs, in any column */
  assert_float_equal(query(db, "SELECT count(*) FROM (SELECT * FROM trajectory WHERE patient_id = 3 EXCEPT "
                               "SELECT * FROM big.trajectory WHERE patient_id = 3)"),
                     0, 0);
  assert_float_equal(query(db, "SELECT count(*) FROM trajectory WHERE patient_id = 3"), 2, 0);
  assert_float_equal(query(db, "SELECT sum(n_times) FROM trajectory WHERE patient_id = 3"), 2 * 101, 0);
  assert_float_equal(query(db, "SELECT count(*) FROM (SELECT * FROM parameters WHERE patient_id = 3 EXCEPT "
                               "SELECT * FROM big.parameters WHERE patient_id = 3)"),
                     0, 0);
  /* and patients differ from each other */
  assert_true(query(db, "SELECT count(DISTINCT value) FROM parameters WHERE name = 'CL'") == 4);
  sqlite3_close(db);
}

/* Paired design: a patient's parameters are the same in both arms; the dose follows weight or BSA. */
static void test_paired_design_and_body_size_dosing(void **state) {
  (void)state;
  const char *path = ts_test_path("paired", "db");
  ts_run_summary s;
  run_file(trial("paired", 6, two_arms, ""), path, &s);
  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_float_equal(query(db, "SELECT count(*) FROM (SELECT patient_id, instance, name, value FROM parameters "
                               "WHERE arm = 'perkg' EXCEPT SELECT patient_id, instance, name, value FROM parameters "
                               "WHERE arm = 'perm2')"),
                     0, 0);
  for (int k = 1; k <= 6; k++) {
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT value FROM covariates WHERE patient_id = %d AND arm = 'perkg' AND name = 'WT'",
             k);
    double wt = query(db, sql);
    snprintf(sql, sizeof sql, "SELECT value FROM covariates WHERE patient_id = %d AND arm = 'perkg' AND name = 'HT'",
             k);
    double ht = query(db, sql);
    assert_true(wt >= 40 && wt <= 150 && ht >= 140 && ht <= 210);
    snprintf(sql, sizeof sql,
             "SELECT amount FROM events WHERE patient_id = %d AND arm = 'perkg' AND kind = 'infusion_start' LIMIT 1",
             k);
    assert_float_equal(query(db, sql), 1.5 * wt, 1e-9 * wt);
    snprintf(sql, sizeof sql,
             "SELECT amount FROM events WHERE patient_id = %d AND arm = 'perm2' AND kind = 'infusion_start' LIMIT 1",
             k);
    double bsa = sqrt(wt * ht / 3600.0); /* Mosteller */
    assert_float_equal(query(db, sql), 60 * bsa, 1e-9 * 60 * bsa);
  }
  sqlite3_close(db);
}

/* Randomised allocation: each patient in one arm, the same arm in two runs, both arms used. */
static void test_randomised_allocation(void **state) {
  (void)state;
  const char *a = ts_test_path("rand_a", "db"), *b = ts_test_path("rand_b", "db");
  ts_run_summary s;
  run_file(trial("rand_a", 40, two_arms, "design: randomised\n"), a, &s);
  assert_int_equal(s.n_patients, 40);
  run_file(trial("rand_b", 40, two_arms, "design: randomised\n"), b, &s);
  sqlite3 *db;
  assert_int_equal(sqlite3_open(a, &db), SQLITE_OK);
  char attach[1200];
  snprintf(attach, sizeof attach, "ATTACH '%s' AS other", b);
  assert_int_equal(sqlite3_exec(db, attach, NULL, NULL, NULL), SQLITE_OK);
  assert_float_equal(query(db, "SELECT count(*) FROM (SELECT patient_id, arm FROM patients EXCEPT "
                               "SELECT patient_id, arm FROM other.patients)"),
                     0, 0);
  double perkg = query(db, "SELECT count(*) FROM patients WHERE arm = 'perkg'");
  assert_true(perkg >= 8 && perkg <= 32); /* binomial(40, 1/2): outside this with probability < 1e-4 */
  sqlite3_close(db);
}

/* Endpoints: RECIST from noisy observations, death, exposure per cycle, cumulative dose. */
static void test_endpoints_are_stored(void **state) {
  (void)state;
  const char *path = ts_test_path("endpoints", "db");
  ts_run_summary s;
  run_file(trial("endpoints", 5, two_arms,
                 "observations:\n  - {signal: tumor.diameter, every: 6 wk, proportional_error: 5%}\n"
                 "endpoints:\n  recist: {signal: tumor.diameter}\n  death: {signal: tumor.N, above: 1e13 cells}\n"
                 "  exposure: pk.C\n"),
           path, &s);
  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_float_equal(query(db, "SELECT count(*) FROM endpoints"), 10, 0);
  assert_float_equal(query(db, "SELECT count(*) FROM endpoints WHERE best_response IS NULL"), 0, 0);
  assert_float_equal(query(db, "SELECT count(*) FROM observations WHERE patient_id = 1 AND arm = 'perkg'"), 3, 0);
  /* death above 1e13 cells cannot happen (capacity 1e12): every OS is censored at the horizon */
  assert_float_equal(query(db, "SELECT sum(os_event) FROM endpoints"), 0, 0);
  assert_float_equal(query(db, "SELECT min(os_time) FROM endpoints"), 100, 0);
  /* three cycles, and the cumulative dose is the sum of the infusions */
  assert_float_equal(query(db, "SELECT count(*) FROM exposure WHERE patient_id = 2 AND arm = 'perm2'"), 3, 0);
  assert_float_equal(query(db, "SELECT e.cumulative_dose - (SELECT sum(amount) FROM events v WHERE v.patient_id = 2 "
                               "AND v.arm = 'perm2' AND kind = 'infusion_start') FROM endpoints e "
                               "WHERE patient_id = 2 AND arm = 'perm2'"),
                     0, 1e-9);
  sqlite3_close(db);
}

static void expect_load_error(const char *scenario, const char *fragment) {
  ts_loaded l;
  ts_error err;
  ts_error_clear(&err);
  if (ts_load(scenario, &l, &err) == 0) {
    ts_loaded_free(&l);
    fail_msg("loaded, but expected an error with '%s'", fragment);
  }
  if (!strstr(err.message, fragment))
    fail_msg("message lacks '%s':\n%s", fragment, err.message);
}

/* The same results whatever the number of workers: every table of a run with 1 worker equals the run with 3. */
static void test_results_independent_of_workers(void **state) {
  (void)state;
  const char *extra = "observations:\n  - {signal: tumor.diameter, every: 3 wk, proportional_error: 10%}\n"
                      "endpoints:\n  recist: {signal: tumor.diameter}\n  exposure: pk.C\n"
                      "rules:\n  - {name: cap, check: {every: 7 d}, when: {signal: pk.C, above: 1e-4 mg/L}, "
                      "then: {reduce: 10%}, once: true}\n";
  const char *scenario = trial("workers", 12, two_arms, extra);
  const char *one = ts_test_path("workers1", "db"), *three = ts_test_path("workers3", "db");
  ts_run_summary s1, s3;
  run_jobs(scenario, one, 1, &s1);
  run_jobs(scenario, three, 3, &s3);
  assert_int_equal(s1.n_patients, 24);
  assert_int_equal(s3.n_patients, 24);
  sqlite3 *db;
  assert_int_equal(sqlite3_open(one, &db), SQLITE_OK);
  char sql[1200];
  snprintf(sql, sizeof sql, "ATTACH '%s' AS other", three);
  assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
  static const char *const tables[] = {"patients", "covariates",   "parameters", "trajectory",
                                       "events",   "observations", "endpoints",  "exposure"};
  for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
    snprintf(sql, sizeof sql,
             "SELECT (SELECT count(*) FROM (SELECT * FROM %s EXCEPT SELECT * FROM other.%s)) + "
             "(SELECT count(*) FROM (SELECT * FROM other.%s EXCEPT SELECT * FROM %s))",
             tables[i], tables[i], tables[i], tables[i]);
    if (query(db, sql) != 0)
      fail_msg("table %s differs between 1 and 3 workers", tables[i]);
  }
  assert_true(query(db, "SELECT count(*) FROM events WHERE kind = 'rule'") > 0);
  sqlite3_close(db);
}

/* NONMEM's field names give the same doses as twinsim's. */
static void test_nonmem_dose_fields(void **state) {
  (void)state;
  const char *body = "twinsim: 1\nname: %s\nmodel:\n  pk: {model: pk/one_compartment}\ndoses:\n  - %s\n"
                     "horizon: 10 d\noutput: {every: 1 d, signals: [pk.C]}\n";
  char a[1024], b[1024];
  snprintf(a, sizeof a, body, "names", "{target: pk.central, amount: 50 mg, duration: 2 h, interval: 2 d, count: 4}");
  snprintf(b, sizeof b, body, "nonmem", "{target: pk.central, amt: 50 mg, dur: 2 h, ii: 2 d, addl: 3}");
  ts_test_sim x, y;
  ts_test_simulate(&x, "names", a);
  ts_test_simulate(&y, "nonmem", b);
  assert_int_equal(x.res.n_log, 8);
  assert_int_equal(y.res.n_log, x.res.n_log);
  for (size_t k = 0; k < x.res.n_log; k++) {
    assert_true(x.res.log[k].time == y.res.log[k].time);
    assert_int_equal(x.res.log[k].kind, y.res.log[k].kind);
  }
  assert_memory_equal(x.res.values, y.res.values, 11 * sizeof(double));
  ts_test_sim_free(&x);
  ts_test_sim_free(&y);
}

static void test_bad_trials(void **state) {
  (void)state;
  /* mg/kg dosing without a weight */
  char yaml[4096];
  snprintf(yaml, sizeof yaml,
           "twinsim: 1\nname: noweight\nmodel:\n  pk: {model: pk/one_compartment}\n"
           "cohort:\n  size: 3\n  parameters:\n    pk.CL: {distribution: lognormal, cv: 30%%}\n"
           "doses:\n  - {target: pk.central, amount: 2 mg/kg}\nhorizon: 1 d\noutput: {every: 1 d, signals: [pk.C]}\n");
  expect_load_error(ts_test_scenario("noweight", yaml), ":10:34: dose '2 mg/kg' is per body weight, but the patients "
                                                        "have no weight");
  /* a correlation matrix that is not positive definite */
  snprintf(yaml, sizeof yaml,
           "twinsim: 1\nname: notpd\nmodel:\n  pk: {model: pk/two_compartment}\n"
           "cohort:\n  size: 3\n  parameters:\n    pk.CL: {distribution: lognormal, cv: 30%%}\n"
           "    pk.V1: {distribution: lognormal, cv: 30%%}\n    pk.Q: {distribution: lognormal, cv: 30%%}\n"
           "  correlations:\n    - {between: [pk.CL, pk.V1], r: 0.9}\n    - {between: [pk.CL, pk.Q], r: 0.9}\n"
           "    - {between: [pk.V1, pk.Q], r: -0.9}\n"
           "horizon: 1 d\noutput: {every: 1 d, signals: [pk.C]}\n");
  expect_load_error(ts_test_scenario("notpd", yaml), "positive definite");
  /* a normal distribution on a parameter that must be positive */
  snprintf(yaml, sizeof yaml,
           "twinsim: 1\nname: negative\nmodel:\n  pk: {model: pk/one_compartment}\n"
           "cohort:\n  size: 3\n  parameters:\n    pk.V: {distribution: normal, mean: 10 L, sd: 3 L}\n"
           "horizon: 1 d\noutput: {every: 1 d, signals: [pk.C]}\n");
  expect_load_error(ts_test_scenario("negative", yaml), ":8:5: cohort: pk.V can be drawn from [-inf, inf] L, outside "
                                                        "the parameter's allowed range (0, inf]");
  /* invalid distribution parameters */
  snprintf(yaml, sizeof yaml,
           "twinsim: 1\nname: baddist\nmodel:\n  pk: {model: pk/one_compartment}\n"
           "cohort:\n  size: 3\n  covariates:\n    WT: {distribution: normal, mean: 70 kg, sd: -12 kg}\n"
           "horizon: 1 d\noutput: {every: 1 d, signals: [pk.C]}\n");
  expect_load_error(ts_test_scenario("baddist", yaml), ":8:49: cohort.covariates.WT.sd: a standard deviation must be "
                                                       ">= 0");
  /* RECIST on a signal that is not observed */
  snprintf(yaml, sizeof yaml,
           "twinsim: 1\nname: norecist\nmodel:\n  pk: {model: pk/one_compartment}\n"
           "endpoints:\n  recist: {signal: pk.C}\nhorizon: 1 d\noutput: {every: 1 d, signals: [pk.C]}\n");
  expect_load_error(ts_test_scenario("norecist", yaml), ":6:20: endpoints.recist.signal: pk.C is not observed");
  /* infusions into one target that overlap, unless allowed */
  const char *overlap = "twinsim: 1\nname: overlap\nmodel:\n  pk: {model: pk/one_compartment}\ndoses:\n"
                        "  - {target: pk.central, amount: 10 mg, duration: 2 d, interval: 1 d, count: 3%s}\n"
                        "horizon: 5 d\noutput: {every: 1 d, signals: [pk.C]}\n";
  snprintf(yaml, sizeof yaml, overlap, "");
  expect_load_error(ts_test_scenario("overlap", yaml), ":6:5: doses of arm default: the infusion from 1 d to 3 d into "
                                                       "pk.central overlaps the one from 0 d to 2 d (line 6)");
  snprintf(yaml, sizeof yaml, overlap, ", overlap: true");
  ts_loaded l;
  ts_error err;
  assert_int_equal(ts_load(ts_test_scenario("overlap_ok", yaml), &l, &err), 0);
  ts_loaded_free(&l);
  /* amount and amt together */
  snprintf(
      yaml, sizeof yaml,
      "twinsim: 1\nname: both\nmodel:\n  pk: {model: pk/one_compartment}\ndoses:\n"
      "  - {target: pk.central, amount: 10 mg, amt: 10 mg}\nhorizon: 5 d\noutput: {every: 1 d, signals: [pk.C]}\n");
  expect_load_error(ts_test_scenario("both", yaml), "'amount' and 'amt' are the same field");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_patient_k_independent_of_cohort_size),
      cmocka_unit_test(test_paired_design_and_body_size_dosing),
      cmocka_unit_test(test_randomised_allocation),
      cmocka_unit_test(test_endpoints_are_stored),
      cmocka_unit_test(test_nonmem_dose_fields),
      cmocka_unit_test(test_results_independent_of_workers),
      cmocka_unit_test(test_bad_trials),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
