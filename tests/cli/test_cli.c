/* The twinsim command line, run as a user would: exit codes, messages with file:line:column, the results
 * database of the demo, a failing patient, and the plugin listing.
 *
 * The bad-scenario corpora are tests/data/scenarios/bad/ (schema errors) and bad_load/ (plugins, wiring, units):
 * each file's first line is `# expect: :LINE:COL: text`; `twinsim validate` and `twinsim run` must exit 2 with a
 * message holding "<file>:LINE:COL:" and the text, and `run` must leave no database behind. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>
#include <twinsim/plugin.h>

#include "test_support.h"

static ts_test_output cli(const char *a1, const char *a2, const char *a3, const char *a4, const char *a5) {
  const char *argv[] = {TS_TEST_CLI, a1, a2, a3, a4, a5, NULL};
  return ts_test_run(argv);
}

/* Runs every file of one corpus; returns how many were checked. */
static int check_corpus(const char *dir) {
  DIR *d = opendir(dir);
  assert_non_null(d);
  int checked = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    size_t len = strlen(e->d_name);
    if (len < 5 || strcmp(e->d_name + len - 5, ".yaml") != 0)
      continue;
    char path[2048], want_pos[512], want_text[1024];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    char *text = ts_test_read_file(path, NULL);
    assert_non_null(text);
    int line, col, consumed = 0;
    if (sscanf(text, "# expect: :%d:%d: %n", &line, &col, &consumed) != 2 || consumed == 0)
      fail_msg("%s: first line must be '# expect: :LINE:COL: text'", path);
    snprintf(want_text, sizeof want_text, "%.*s", (int)strcspn(text + consumed, "\n"), text + consumed);
    snprintf(want_pos, sizeof want_pos, "%s:%d:%d: ", e->d_name, line, col);
    free(text);

    const char *db = ts_test_path("corpus", "db");
    ts_test_output v = cli("validate", path, NULL, NULL, NULL);
    ts_test_output r = cli("run", path, "-o", db, NULL);
    const ts_test_output *both[] = {&v, &r};
    for (int k = 0; k < 2; k++) {
      if (both[k]->status != 2 || !strstr(both[k]->err, want_pos) || !strstr(both[k]->err, want_text))
        fail_msg("%s (%s): exit %d, expected 2 with '%s' and '%s'; stderr:\n%s", e->d_name, k ? "run" : "validate",
                 both[k]->status, want_pos, want_text, both[k]->err);
    }
    assert_int_equal(access(db, F_OK), -1); /* nothing written */
    ts_test_output_free(&v);
    ts_test_output_free(&r);
    checked++;
  }
  closedir(d);
  return checked;
}

static void test_bad_scenarios_exit_2_with_position(void **state) {
  (void)state;
  setenv("TWINSIM_PLUGIN_PATH", TS_TEST_FIXTURE_DIR, 1); /* for the plugin built for another ABI */
  int n = check_corpus(TS_TEST_DATA_DIR "/scenarios/bad") + check_corpus(TS_TEST_DATA_DIR "/scenarios/bad_load");
  print_message("%d bad scenarios checked\n", n);
  assert_true(n >= 40);
}

static double query_double(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  double v = sqlite3_column_double(st, 0);
  sqlite3_finalize(st);
  return v;
}

static void test_demo_runs_and_stores_a_year(void **state) {
  (void)state;
  const char *db_path = ts_test_path("demo", "db");
  ts_test_output o = cli("run", TS_TEST_SOURCE_DIR "/scenarios/demo.yaml", "-o", db_path, NULL);
  if (o.status != 0)
    fail_msg("exit %d: %s", o.status, o.err);
  assert_non_null(strstr(o.out, "1 patient simulated, 0 failed"));
  ts_test_output_free(&o);
  sqlite3 *db;
  assert_int_equal(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  assert_float_equal(query_double(db, "SELECT n_times FROM trajectory WHERE patient_id = 1"), 366, 0);
  assert_float_equal(ts_test_vector_value(db, "SELECT time FROM trajectory", -1), 365, 0);
  /* six infusions of 100 mg, each logged with its start and stop */
  assert_float_equal(query_double(db, "SELECT sum(amount) FROM events WHERE kind = 'infusion_start'"), 600, 1e-9);
  assert_float_equal(query_double(db, "SELECT count(*) FROM events"), 12, 0);
  /* the concentration peaks at the end of the first 1-hour infusion and is 0 before it */
  assert_float_equal(ts_test_vector_value(db, "SELECT time FROM trajectory", 0), 0, 0);
  assert_float_equal(ts_test_vector_value(db, "SELECT \"pk.C\" FROM trajectory", 0), 0, 0);
  assert_true(query_double(db, "SELECT count(*) FROM run WHERE key = 'status' AND value = 'complete'") == 1);
  assert_true(query_double(db, "SELECT count(*) FROM patients WHERE status = 'ok'") == 1);
  sqlite3_close(db);

  /* an existing database is not overwritten without --force */
  o = cli("run", TS_TEST_SOURCE_DIR "/scenarios/demo.yaml", "-o", db_path, NULL);
  assert_int_equal(o.status, 2);
  assert_non_null(strstr(o.err, db_path));
  ts_test_output_free(&o);
  o = cli("run", TS_TEST_SOURCE_DIR "/scenarios/demo.yaml", "-o", db_path, "--force");
  assert_int_equal(o.status, 0);
  ts_test_output_free(&o);
}

static void test_failed_patient_exits_1_and_is_recorded(void **state) {
  (void)state;
  char yaml[1024];
  snprintf(yaml, sizeof yaml,
           "twinsim: 1\nname: blowup\nplugin_path: [%s]\nmodel:\n  b:\n    model: testkit/blowup\n"
           "horizon: 2 d\noutput:\n  every: 0.25 d\n  signals: [b.x]\n",
           TS_TEST_FIXTURE_DIR);
  const char *scenario = ts_test_scenario("blowup", yaml);
  const char *db_path = ts_test_path("blowup", "db");
  ts_test_output o = cli("run", scenario, "-o", db_path, NULL);
  assert_int_equal(o.status, 1);
  assert_non_null(strstr(o.err, "patient 1 'patient-1' (arm default) failed at t = "));
  assert_non_null(strstr(o.err, "CVODE"));
  ts_test_output_free(&o);
  sqlite3 *db;
  assert_int_equal(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  assert_float_equal(query_double(db, "SELECT count(*) FROM patients WHERE status = 'failed'"), 1, 0);
  double t = query_double(db, "SELECT failure_time FROM patients");
  assert_true(t > 0.9 && t <= 1.0);
  assert_float_equal(query_double(db, "SELECT count(*) FROM trajectory"), 1, 0);
  assert_float_equal(query_double(db, "SELECT n_times FROM trajectory"), 4, 0); /* up to the failure */
  sqlite3_close(db);
}

static void test_plugins_listing_and_description(void **state) {
  (void)state;
  /* broken libraries on the search path are reported, the good ones still listed, and the exit status says so */
  setenv("TWINSIM_PLUGIN_PATH", TS_TEST_FIXTURE_DIR, 1);
  ts_test_output o = cli("plugins", NULL, NULL, NULL, NULL);
  assert_int_equal(o.status, 2);
  assert_non_null(strstr(o.err, "abi2.so: plugin built for twinsim plugin ABI 2"));
  assert_non_null(strstr(o.out, "testkit/decay"));
  ts_test_output_free(&o);
  unsetenv("TWINSIM_PLUGIN_PATH");
  o = cli("plugins", NULL, NULL, NULL, NULL);
  assert_int_equal(o.status, 0);
  assert_non_null(strstr(o.out, "pk/two_compartment"));
  assert_non_null(strstr(o.out, "tumor/gompertz"));
  ts_test_output_free(&o);
  o = cli("plugins", "--describe", "pk/two_compartment", NULL, NULL);
  assert_int_equal(o.status, 0);
  assert_non_null(strstr(o.out, "CL"));
  assert_non_null(strstr(o.out, "L/d"));
  assert_non_null(strstr(o.out, "dose targets:"));
  ts_test_output_free(&o);
  o = cli("plugins", "--describe", "pk/nothing", NULL, NULL);
  assert_int_equal(o.status, 2);
  ts_test_output_free(&o);
}

static void test_help_version_and_usage_errors(void **state) {
  (void)state;
  ts_test_output o = cli("--help", NULL, NULL, NULL, NULL);
  assert_int_equal(o.status, 0);
  assert_non_null(strstr(o.out, "twinsim run SCENARIO") ? o.out : strstr(o.out, "run SCENARIO"));
  ts_test_output_free(&o);
  o = cli("--version", NULL, NULL, NULL, NULL);
  assert_int_equal(o.status, 0);
  char abi[32];
  snprintf(abi, sizeof abi, "plugin ABI %d.%d\n", TS_PLUGIN_ABI_MAJOR, TS_PLUGIN_ABI_MINOR);
  assert_non_null(strstr(o.out, abi));
  assert_non_null(strstr(o.out, "SUNDIALS"));
  ts_test_output_free(&o);
  o = cli("frobnicate", NULL, NULL, NULL, NULL);
  assert_int_equal(o.status, 2);
  assert_non_null(strstr(o.err, "unknown command 'frobnicate'"));
  ts_test_output_free(&o);
  o = cli("run", NULL, NULL, NULL, NULL);
  assert_int_equal(o.status, 2);
  ts_test_output_free(&o);
  o = cli("run", "/no/such/file.yaml", NULL, NULL, NULL);
  assert_int_equal(o.status, 2);
  assert_non_null(strstr(o.err, "/no/such/file.yaml"));
  ts_test_output_free(&o);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bad_scenarios_exit_2_with_position),
      cmocka_unit_test(test_demo_runs_and_stores_a_year),
      cmocka_unit_test(test_failed_patient_exits_1_and_is_recorded),
      cmocka_unit_test(test_plugins_listing_and_description),
      cmocka_unit_test(test_help_version_and_usage_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
