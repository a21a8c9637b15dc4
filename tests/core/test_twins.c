/* Twins (docs/twins.md) through the runner: each twin file is one patient whose parameters, covariates and label
 * reach the database; doses per kg and per m^2 follow the twin's body size; units are converted; the twins of a
 * randomised design are allocated like cohort patients; and every mistake in a twin file is refused with the twin
 * file's own position (mistakes in the `twins` list with the scenario's). */
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

#define SHIPPED TS_TEST_SOURCE_DIR "/twins/"

/* The RP-1 model (pk two-compartment, two-clone Gompertz tumour) with the given twins, arms and extra keys; the
 * scenario sets CL to 130 L/d, so a twin that does not override CL keeps 130. */
static const char *scenario(const char *name, const char *twins, const char *arms, const char *extra) {
  static char yaml[8192];
  snprintf(yaml, sizeof yaml,
           "twinsim: 1\nname: %s\nseed: 7\nmodel:\n  pk:\n    model: pk/two_compartment\n"
           "    parameters: {CL: 130 L/d, V1: 10 L, Q: 48 L/d, V2: 20 L}\n"
           "  tumor:\n    model: tumor/gompertz_two_clone\n    inputs: {C: pk.C}\n"
           "twins: %s\n%s%shorizon: 30 d\noutput:\n  every: 1 d\n  signals: [pk.C, tumor.S, tumor.R]\n",
           name, twins, arms, extra);
  return ts_test_scenario(name, yaml);
}

static const char three_arms[] =
    "arms:\n  - name: fixed\n    doses:\n      - {target: pk.central, amount: 100 mg, duration: 1 h}\n"
    "  - name: perkg\n    doses:\n      - {target: pk.central, amount: 1.5 mg/kg, duration: 1 h}\n"
    "  - name: perm2\n    doses:\n      - {target: pk.central, amount: 60 mg/m^2, duration: 1 h}\n";

/* Writes a twin file into the work folder; returns its file name (relative to the scenarios written there). */
static const char *twin_file(const char *name, const char *yaml) {
  static char names[8][256];
  static unsigned next;
  const char *path = ts_test_scenario(name, yaml); /* a fresh file in the work folder, as for a scenario */
  char *out = names[next++ % 8];
  snprintf(out, sizeof names[0], "%s", strrchr(path, '/') + 1);
  return out;
}

static void run_file(const char *path, const char *db, ts_run_summary *summary) {
  ts_loaded l;
  ts_error err;
  ts_error_clear(&err);
  if (ts_load(path, &l, &err) != 0)
    fail_msg("%s", err.message);
  ts_run_options opt = {.output_path = db, .replace = 1, .quiet = 1, .verbosity = TS_LOG_WARNING};
  if (ts_run(&l, &opt, summary, &err) != 0)
    fail_msg("%s", err.message);
  ts_loaded_free(&l);
}

/* The one value a query returns; fails the test when there is no row. */
static double query(sqlite3 *db, const char *fmt, ...) {
  char sql[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(sql, sizeof sql, fmt, ap);
  va_end(ap);
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    fail_msg("%s: %s", sql, sqlite3_errmsg(db));
  if (sqlite3_step(st) != SQLITE_ROW)
    fail_msg("no row: %s", sql);
  double v = sqlite3_column_double(st, 0);
  sqlite3_finalize(st);
  return v;
}

static void expect_text(sqlite3 *db, const char *sql, const char *want) {
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  assert_string_equal((const char *)sqlite3_column_text(st, 0), want);
  sqlite3_finalize(st);
}

/* The four shipped twins, paired in three arms: labels, parameters, covariates and body-size doses. The expected
 * values are those written in the twin files (and the Mosteller formula, sqrt(WT HT / 3600)). */
static void test_shipped_twins_reach_the_database(void **state) {
  (void)state;
  const char *db_path = ts_test_path("twins_shipped", "db");
  ts_run_summary s;
  run_file(scenario("twins_shipped",
                    "[" SHIPPED "rp1_typical.yaml, " SHIPPED "rp1_heavy_fast_clearance.yaml, " SHIPPED
                    "rp1_light_slow_clearance.yaml, " SHIPPED "rp1_large_tumor.yaml]",
                    three_arms, ""),
           db_path, &s);
  assert_int_equal(s.n_patients, 12); /* paired: 4 twins in 3 arms */
  assert_int_equal(s.n_failed, 0);
  sqlite3 *db;
  assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
  static const char *const labels[] = {"rp1-typical", "rp1-heavy-fast-clearance", "rp1-light-slow-clearance",
                                       "rp1-large-tumor"};
  static const double wt[] = {70, 100, 50, 70}, ht[] = {170, 185, 155, 170}, age[] = {61, 55, 68, 61};
  static const double sex[] = {0, 1, 0, 1};
  static const double cl[] = {120, 156.8, 93.24, 130}, v1[] = {10, 14.29, 7.143, 10}, s0[] = {1e9, 1e9, 1e9, 1e10};
  for (int k = 1; k <= 4; k++) {
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT label FROM patients WHERE patient_id = %d AND arm = 'perm2'", k);
    expect_text(db, sql, labels[k - 1]);
    assert_float_equal(query(db, "SELECT count(DISTINCT label) FROM patients WHERE patient_id = %d", k), 1, 0);
    /* parameters: the twin's where it gives one, else the scenario's (CL 130 L/d) or the model's (S0 1e9) */
    for (const char *arm = "fixed"; arm; arm = strcmp(arm, "fixed") == 0 ? "perkg" : NULL) {
      assert_float_equal(
          query(db, "SELECT value FROM parameters WHERE patient_id = %d AND arm = '%s' AND name = 'CL'", k, arm),
          cl[k - 1], 1e-12 * cl[k - 1]);
      assert_float_equal(
          query(db, "SELECT value FROM parameters WHERE patient_id = %d AND arm = '%s' AND name = 'V1'", k, arm),
          v1[k - 1], 1e-12 * v1[k - 1]);
    }
    assert_float_equal(query(db, "SELECT value FROM parameters WHERE patient_id = %d AND name = 'S0' LIMIT 1", k),
                       s0[k - 1], 1e-12 * s0[k - 1]);
    snprintf(sql, sizeof sql, "SELECT time FROM trajectory WHERE patient_id = %d LIMIT 1", k);
    assert_float_equal(ts_test_vector_value(db, sql, 0), 0, 0);
    snprintf(sql, sizeof sql, "SELECT \"tumor.S\" FROM trajectory WHERE patient_id = %d LIMIT 1", k);
    assert_float_equal(ts_test_vector_value(db, sql, 0), s0[k - 1], 1e-12 * s0[k - 1]);
    /* covariates, in kg, cm, their own unit, SEX as 0/1 and the computed BSA in m^2 */
    assert_float_equal(query(db, "SELECT count(*) FROM covariates WHERE patient_id = %d AND arm = 'fixed'", k), 5, 0);
    assert_float_equal(query(db,
                             "SELECT value FROM covariates WHERE patient_id = %d AND arm = 'fixed' AND name = 'WT' "
                             "AND unit = 'kg'",
                             k),
                       wt[k - 1], 0);
    assert_float_equal(query(db,
                             "SELECT value FROM covariates WHERE patient_id = %d AND arm = 'fixed' AND name = 'HT' "
                             "AND unit = 'cm'",
                             k),
                       ht[k - 1], 0);
    assert_float_equal(query(db,
                             "SELECT value FROM covariates WHERE patient_id = %d AND arm = 'fixed' AND name = "
                             "'AGE' AND unit = 'yr'",
                             k),
                       age[k - 1], 0);
    assert_float_equal(query(db,
                             "SELECT value FROM covariates WHERE patient_id = %d AND arm = 'fixed' AND name = "
                             "'SEX'",
                             k),
                       sex[k - 1], 0);
    double bsa = sqrt(wt[k - 1] * ht[k - 1] / 3600.0); /* Mosteller 1987 */
    assert_float_equal(query(db,
                             "SELECT value FROM covariates WHERE patient_id = %d AND arm = 'perm2' AND name = "
                             "'BSA' AND unit = 'm^2'",
                             k),
                       bsa, 1e-12 * bsa);
    /* doses: 100 mg, 1.5 mg/kg times the twin's weight, 60 mg/m^2 times its BSA */
    assert_float_equal(query(db,
                             "SELECT amount FROM events WHERE patient_id = %d AND arm = 'fixed' AND kind = "
                             "'infusion_start'",
                             k),
                       100, 1e-12);
    assert_float_equal(query(db,
                             "SELECT amount FROM events WHERE patient_id = %d AND arm = 'perkg' AND kind = "
                             "'infusion_start'",
                             k),
                       1.5 * wt[k - 1], 1e-12 * wt[k - 1]);
    assert_float_equal(query(db,
                             "SELECT amount FROM events WHERE patient_id = %d AND arm = 'perm2' AND kind = "
                             "'infusion_start'",
                             k),
                       60 * bsa, 1e-12 * 60 * bsa);
  }
  sqlite3_close(db);
}

/* Units written in a twin file are converted: a weight in g, a height in m, a clearance in L/h, a BSA given as a
 * covariate in cm^2; a covariate without a special meaning keeps its unit, a bare number is dimensionless. */
static void test_twin_units_are_converted(void **state) {
  (void)state;
  const char *a = twin_file("twin_units", "twin: 1\nid: units\ncovariates:\n  WT: 82000 g\n  HT: 1.76 m\n"
                                          "  BSA: 19500 cm^2\n  AGE: 3000 wk\n  ECOG: 1\n"
                                          "parameters:\n  pk.CL: 5 L/h\n  tumor.EC50: 500 ug/L\n");
  char twins[600];
  snprintf(twins, sizeof twins, "[%s]", a);
  const char *db_path = ts_test_path("twins_units", "db");
  ts_run_summary s;
  run_file(scenario("twins_units", twins, three_arms, ""), db_path, &s);
  assert_int_equal(s.n_patients, 3);
  sqlite3 *db;
  assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
  expect_text(db, "SELECT label FROM patients WHERE patient_id = 1 AND arm = 'fixed'", "units");
  assert_float_equal(query(db, "SELECT value FROM parameters WHERE name = 'CL' AND arm = 'fixed'"), 120, 1e-12);
  assert_float_equal(query(db, "SELECT value FROM parameters WHERE name = 'EC50' AND arm = 'fixed'"), 0.5, 1e-15);
  assert_float_equal(query(db, "SELECT value FROM covariates WHERE name = 'WT' AND unit = 'kg' AND arm = 'fixed'"), 82,
                     1e-12);
  assert_float_equal(query(db, "SELECT value FROM covariates WHERE name = 'HT' AND unit = 'cm' AND arm = 'fixed'"), 176,
                     1e-12);
  assert_float_equal(query(db, "SELECT value FROM covariates WHERE name = 'BSA' AND unit = 'm^2' AND arm = 'fixed'"),
                     1.95, 1e-12);
  assert_float_equal(query(db, "SELECT value FROM covariates WHERE name = 'AGE' AND unit = 'wk' AND arm = 'fixed'"),
                     3000, 0);
  assert_float_equal(query(db, "SELECT value FROM covariates WHERE name = 'ECOG' AND unit = '1' AND arm = 'fixed'"), 1,
                     0);
  /* the given BSA is used as it is; no SEX covariate without 'sex' */
  assert_float_equal(query(db, "SELECT count(*) FROM covariates WHERE arm = 'fixed'"), 5, 0);
  assert_float_equal(query(db, "SELECT amount FROM events WHERE arm = 'perkg' AND kind = 'infusion_start'"), 1.5 * 82,
                     1e-12 * 123);
  assert_float_equal(query(db, "SELECT amount FROM events WHERE arm = 'perm2' AND kind = 'infusion_start'"), 60 * 1.95,
                     1e-12 * 117);
  sqlite3_close(db);
}

/* Randomised: each twin in one arm, the arm of cohort patient k for twin k (the same allocation stream). */
static void test_randomised_twins(void **state) {
  (void)state;
  char twins[2048] = "[";
  for (int k = 1; k <= 6; k++) {
    char name[32], yaml[256];
    snprintf(name, sizeof name, "twin_rand%d", k);
    snprintf(yaml, sizeof yaml, "twin: 1\nid: r%d\ncovariates: {WT: %d kg}\n", k, 50 + 5 * k);
    size_t used = strlen(twins);
    snprintf(twins + used, sizeof twins - used, "%s%s", k > 1 ? ", " : "", twin_file(name, yaml));
  }
  strcat(twins, "]");
  const char *arms = "arms:\n  - name: a\n    doses:\n      - {target: pk.central, amount: 1 mg/kg}\n"
                     "  - name: b\n";
  const char *db_path = ts_test_path("twins_rand", "db");
  ts_run_summary s;
  run_file(scenario("twins_rand", twins, arms, "design: randomised\n"), db_path, &s);
  assert_int_equal(s.n_patients, 6);
  /* the same trial with a cohort of six: the same arms for patients 1..6 */
  char yaml[2048];
  snprintf(yaml, sizeof yaml,
           "twinsim: 1\nname: cohort_rand\nseed: 7\nmodel:\n  pk: {model: pk/two_compartment}\n"
           "cohort:\n  size: 6\n  covariates:\n    WT: {distribution: fixed, value: 70 kg}\n%s"
           "design: randomised\nhorizon: 30 d\noutput: {every: 1 d, signals: [pk.C]}\n",
           arms);
  const char *cohort_db = ts_test_path("cohort_rand", "db");
  run_file(ts_test_scenario("cohort_rand", yaml), cohort_db, &s);
  sqlite3 *db;
  assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
  char attach[1200];
  snprintf(attach, sizeof attach, "ATTACH '%s' AS cohort", cohort_db);
  assert_int_equal(sqlite3_exec(db, attach, NULL, NULL, NULL), SQLITE_OK);
  assert_float_equal(query(db, "SELECT count(*) FROM (SELECT patient_id, arm FROM patients EXCEPT "
                               "SELECT patient_id, arm FROM cohort.patients)"),
                     0, 0);
  assert_float_equal(query(db, "SELECT count(*) FROM patients"), 6, 0);
  for (int k = 1; k <= 6; k++)
    if (query(db, "SELECT count(*) FROM patients WHERE patient_id = %d AND arm = 'a'", k) == 1)
      assert_float_equal(query(db, "SELECT amount FROM events WHERE patient_id = %d", k), 50 + 5 * k, 1e-12);
  sqlite3_close(db);
}

static void expect_load_error(const char *path, const char *fragment) {
  ts_loaded l;
  ts_error err;
  ts_error_clear(&err);
  if (ts_load(path, &l, &err) == 0) {
    ts_loaded_free(&l);
    fail_msg("loaded, but expected an error with '%s'", fragment);
  }
  assert_int_equal(err.code, TS_E_INPUT);
  if (!strstr(err.message, fragment))
    fail_msg("message lacks '%s':\n%s", fragment, err.message);
}

/* A twin file (text after 'twin: 1\nid: bad\n', so its own lines start at 3) in a scenario with per-kg and per-m^2
 * arms; the error must hold "TWINFILE:LINE:COL: " and the text. */
static void expect_twin_error(const char *body, int line, int col, const char *text) {
  char yaml[2048], want[1024], twins[512];
  snprintf(yaml, sizeof yaml, "twin: 1\nid: bad\n%s", body);
  const char *file = twin_file("twin_bad", yaml);
  snprintf(twins, sizeof twins, "[%s]", file);
  snprintf(want, sizeof want, "/%s:%d:%d: %s", file, line, col, text);
  expect_load_error(scenario("twins_bad", twins, three_arms, ""), want);
}

static void test_mistakes_in_twin_files(void **state) {
  (void)state;
  /* a dose per kg for a twin without a weight: at the twin's covariates, naming the dose */
  expect_twin_error("covariates:\n  HT: 170 cm\n  BSA: 1.8 m^2\n", 4, 3,
                    "twin 'bad' has no body weight, but the dose '1.5 mg/kg' (");
  /* ... and a dose per m^2 without a BSA; with no covariates at all, at the top of the file */
  expect_twin_error("sex: male\n", 1, 1, "twin 'bad' has no body weight");
  expect_twin_error("covariates: {WT: 70 kg}\n", 3, 13,
                    "twin 'bad' has no body-surface area, but the dose '60 mg/m^2'");
  /* parameters: unknown instance, unknown parameter, out of bounds, wrong unit, bare number with a unit expected */
  expect_twin_error("covariates: {WT: 70 kg, HT: 170 cm}\nbody_surface_area: dubois\nparameters:\n  tox.MTT: 3 d\n", 6,
                    12, "parameters.tox.MTT: the scenario's model has no instance 'tox'");
  expect_twin_error("parameters:\n  pk.CLL: 3 L/d\n", 4, 11,
                    "parameters.pk.CLL: instance 'pk' (pk/two_compartment) has no parameter 'CLL'");
  expect_twin_error("parameters:\n  pk.V1: 0 L\n", 4, 10,
                    "parameter pk.V1 = 0 L is outside its allowed range (0, inf] L");
  expect_twin_error("parameters:\n  tumor.S0: -1e9 cells\n", 4, 13, "parameter tumor.S0 = -1e+09 cells is outside");
  expect_twin_error("parameters:\n  pk.CL: 5 mg\n", 4, 10,
                    "parameters.pk.CL: 'mg' (mass) cannot be converted to 'L/d'");
  expect_twin_error("parameters:\n  pk.CL: 120\n", 4, 10,
                    "parameters.pk.CL: '120' has no unit; expected a quantity in L/d");
  expect_twin_error("parameters:\n  CL: 120 L/d\n", 4, 3, "parameters: 'CL' is not of the form 'instance.parameter'");
  /* covariates: units that do not parse, a weight that is not a mass, a weight <= 0, SEX as a covariate */
  expect_twin_error("covariates:\n  WT: 70 kgg\n", 4, 7, "covariates.WT: unit 'kgg' in '70 kgg' is not understood");
  expect_twin_error("covariates:\n  WT: 70 cm\n", 4, 7, "covariates.WT (a body weight): ");
  expect_twin_error("covariates:\n  HT: 0 cm\n", 4, 7, "covariates.HT (a height): must be > 0");
  expect_twin_error("covariates:\n  SEX: 1\n", 4, 3, "covariates.SEX: give the sex with the key 'sex: female'");
  expect_twin_error("covariates:\n  1WT: 70 kg\n", 4, 3, "covariates: covariate '1WT' is not a valid name");
  /* keys: unknown (with a suggestion), bad values */
  expect_twin_error("covariate:\n  WT: 70 kg\n", 3, 1,
                    "unknown key 'covariate' in the twin file; did you mean 'covariates'?");
  expect_twin_error("sex: f\n", 3, 6, "sex: unknown value 'f'; expected female or male");
  expect_twin_error("body_surface_area: mosteler\n", 3, 20, "body_surface_area: unknown value 'mosteler'");
  expect_twin_error("covariates: {WT: 70 kg}\nbody_surface_area: mosteller\n", 4, 20,
                    "body_surface_area: mosteller needs the covariates WT and HT");
  expect_twin_error("covariates: {WT: 70 kg, HT: 170 cm, BSA: 1.8 m^2}\nbody_surface_area: mosteller\n", 4, 20,
                    "body_surface_area: the twin also has the covariate BSA (line 3)");
  expect_twin_error("parameters: [pk.CL]\n", 3, 13, "parameters: expected a mapping such as 'pk.CL: 110 L/d'");
  expect_twin_error("description: [a]\n", 3, 14, "description: expected a text value");
  /* the header: version, id */
  const char *file = twin_file("twin_header", "twin: 2\nid: x\n");
  char twins[512], want[512];
  snprintf(twins, sizeof twins, "[%s]", file);
  snprintf(want, sizeof want, "/%s:1:7: twin: format version '2' is not supported", file);
  expect_load_error(scenario("twins_header", twins, "", ""), want);
  file = twin_file("twin_noid", "twin: 1\ncovariates: {WT: 70 kg}\n");
  snprintf(twins, sizeof twins, "[%s]", file);
  snprintf(want, sizeof want, "/%s:1:1: twin file: missing required key 'id'", file);
  expect_load_error(scenario("twins_noid", twins, "", ""), want);
  file = twin_file("twin_longid", "twin: 1\nid: "
                                  "a234567890123456789012345678901234567890123456789012345678901234\n");
  snprintf(twins, sizeof twins, "[%s]", file);
  snprintf(want, sizeof want, "/%s:2:5: id: 64 bytes long; a twin's id is at most 63 bytes", file);
  expect_load_error(scenario("twins_longid", twins, "", ""), want);
  file = twin_file("twin_version", "id: x\n");
  snprintf(twins, sizeof twins, "[%s]", file);
  snprintf(want, sizeof want, "/%s:1:1: missing required key 'twin'", file);
  expect_load_error(scenario("twins_version", twins, "", ""), want);
  file = twin_file("twin_empty", "# nothing\n");
  snprintf(twins, sizeof twins, "[%s]", file);
  snprintf(want, sizeof want, "/%s:1:1: the twin file is empty", file);
  expect_load_error(scenario("twins_empty", twins, "", ""), want);
  file = twin_file("twin_syntax", "twin: 1\nid: x\ncovariates: {WT: 70 kg\n");
  snprintf(twins, sizeof twins, "[%s]", file);
  snprintf(want, sizeof want, "/%s:", file);
  expect_load_error(scenario("twins_syntax", twins, "", ""), want);
  /* a scenario given where a twin file is expected */
  snprintf(twins, sizeof twins, "[%s]", strrchr(scenario("twins_self", "[x.yaml]", "", ""), '/') + 1);
  snprintf(want, sizeof want, "this is a scenario ('twinsim: ...'), not a twin file");
  expect_load_error(scenario("twins_scenario", twins, "", ""), want);
}

/* Mistakes in the scenario's `twins` list, at the scenario's position. */
static void test_mistakes_in_the_twins_list(void **state) {
  (void)state;
  const char *a = twin_file("twin_list_a", "twin: 1\nid: same\n");
  const char *b = twin_file("twin_list_b", "twin: 1\nid: same\n");
  char twins[1024];
  /* twins with a cohort, or with a patient: both positions */
  const char *path = scenario("twins_cohort", "[x.yaml]", "", "cohort: {size: 3}\n");
  expect_load_error(path, "twins_cohort");
  expect_load_error(path, ":11:1: twins: the scenario also has 'cohort' (line 12, column 1); its patients come either "
                          "from twin files or from 'cohort', not both");
  expect_load_error(scenario("twins_patient", "[x.yaml]", "", "patient: {id: p}\n"),
                    ":11:1: twins: the scenario also has 'patient' (line 12, column 1)");
  /* a file that does not exist, a folder, the same file twice, an empty list, not a list */
  expect_load_error(scenario("twins_missing", "[no_such_twin.yaml]", "", ""),
                    ":11:9: twins[1]: cannot read the twin file 'no_such_twin.yaml'");
  expect_load_error(scenario("twins_folder", "[.]", "", ""), ":11:9: twins[1]: '.' is a folder");
  snprintf(twins, sizeof twins, "[%s, ./%s]", a, a);
  expect_load_error(scenario("twins_twice", twins, "", ""), "twins[2]: './");
  expect_load_error(scenario("twins_twice", twins, "", ""), "is the same file as twins[1] (line 11, column 9)");
  expect_load_error(scenario("twins_empty_list", "[]", "", ""), ":11:8: twins: the list is empty");
  expect_load_error(scenario("twins_not_list", a, "", ""), ":11:8: twins: expected a list of twin files");
  expect_load_error(scenario("twins_blank", "['']", "", ""), ":11:9: twins[1]: the path of a twin file must not be");
  /* two files with the same id: at the second file's id */
  snprintf(twins, sizeof twins, "[%s, %s]", a, b);
  char want[512];
  snprintf(want, sizeof want, "/%s:2:5: id: 'same' is also the id of ", b);
  expect_load_error(scenario("twins_same_id", twins, "", ""), want);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_shipped_twins_reach_the_database),
      cmocka_unit_test(test_twin_units_are_converted),
      cmocka_unit_test(test_randomised_twins),
      cmocka_unit_test(test_mistakes_in_twin_files),
      cmocka_unit_test(test_mistakes_in_the_twins_list),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
