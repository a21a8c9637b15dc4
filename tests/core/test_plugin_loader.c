/* The plugin loader: ABI version checks, descriptor checks, search path and messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plugin_loader.h"
#include "test_support.h"

static void open_fixture(const char *name, int expect_ok, const char *expect_message) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s.so", TS_TEST_FIXTURE_DIR, name);
  ts_library lib;
  ts_error err;
  ts_error_clear(&err);
  int rc = ts_library_open(path, name, &lib, &err);
  if (expect_ok) {
    assert_int_equal(rc, 0);
    ts_library_close(&lib);
    return;
  }
  assert_int_equal(rc, -1);
  assert_int_equal(err.code, TS_E_INPUT);
  assert_non_null(strstr(err.message, path));
  assert_non_null(strstr(err.message, expect_message));
}

static void test_good_library_loads_with_models(void **state) {
  (void)state;
  char path[1024];
  snprintf(path, sizeof path, "%s/testkit.so", TS_TEST_FIXTURE_DIR);
  ts_library lib;
  ts_error err;
  assert_int_equal(ts_library_open(path, "testkit", &lib, &err), 0);
  assert_string_equal(lib.name, "testkit");
  assert_true(lib.desc.n_models >= 8);
  const ts_model *decay = ts_library_model(&lib, "decay");
  assert_non_null(decay);
  assert_int_equal(ts_model_param_index(decay, "V"), 1);
  assert_int_equal(ts_model_state_index(decay, "A"), 0);
  assert_int_equal(ts_model_output_index(decay, "C"), 0);
  assert_int_equal(ts_model_dose_target_index(decay, "depot"), 0);
  assert_int_equal(ts_model_input_index(decay, "nope"), -1);
  assert_null(ts_library_model(&lib, "missing"));
  ts_library_close(&lib);
}

static void test_other_major_version_is_named(void **state) {
  (void)state;
  open_fixture("abi2", 0, "built for twinsim plugin ABI 2, but this twinsim expects ABI 1");
}

static void test_library_without_entry_is_refused(void **state) {
  (void)state;
  open_fixture("noentry", 0, "no entry symbol twinsim_plugin_v1");
}

static void test_newer_minor_version_is_refused(void **state) {
  (void)state;
  char expect[64];
  snprintf(expect, sizeof expect, "newer than this twinsim's %d.%d", TS_PLUGIN_ABI_MAJOR, TS_PLUGIN_ABI_MINOR);
  open_fixture("newminor", 0, expect);
}

static void test_default_outside_bounds_is_refused(void **state) {
  (void)state;
  open_fixture("baddefault", 0, "parameter 'V' has default -1 outside its bounds [0, 100]");
}

static void test_model_without_sizes_is_refused(void **state) {
  (void)state;
  open_fixture("nosizes", 0, "initialise the model with TS_MODEL_HEADER");
}

static void test_not_a_shared_library(void **state) {
  (void)state;
  const char *path = ts_test_path("garbage", "so");
  assert_int_equal(ts_test_write_file(path, "not an ELF file"), 0);
  ts_library lib;
  ts_error err;
  assert_int_equal(ts_library_open(path, NULL, &lib, &err), -1);
  assert_non_null(strstr(err.message, "cannot load plugin"));
}

static void test_search_path_and_missing_plugin(void **state) {
  (void)state;
  const char *dirs[] = {TS_TEST_FIXTURE_DIR};
  ts_plugin_set *set = ts_plugins_create(dirs, 1);
  assert_non_null(set);
  const ts_library *lib = NULL, *again = NULL;
  ts_error err;
  assert_int_equal(ts_plugins_get(set, "testkit", &lib, &err), 0);
  assert_int_equal(ts_plugins_get(set, "testkit", &again, &err), 0);
  assert_ptr_equal(lib, again);                               /* loaded once */
  assert_int_equal(ts_plugins_get(set, "pk", &lib, &err), 0); /* the bundled folder comes last */
  assert_ptr_equal(again, ts_plugins_at(set, 0));             /* pointers stay valid as the set grows */
  assert_int_equal(ts_plugins_get(set, "no_such_plugin", &lib, &err), -1);
  assert_non_null(strstr(err.message, "plugin 'no_such_plugin' not found"));
  assert_non_null(strstr(err.message, TS_TEST_FIXTURE_DIR));
  assert_non_null(strstr(err.message, TS_TEST_PLUGIN_DIR));
  ts_plugins_free(set);
}

static void test_load_all_reports_broken_and_keeps_good(void **state) {
  (void)state;
  const char *dirs[] = {TS_TEST_FIXTURE_DIR};
  ts_plugin_set *set = ts_plugins_create(dirs, 1);
  ts_error err;
  assert_int_equal(ts_plugins_load_all(set, &err), -1);
  assert_non_null(strstr(err.message, "abi2.so"));
  assert_non_null(strstr(err.message, "noentry.so"));
  int found_testkit = 0;
  for (size_t i = 0; i < ts_plugins_count(set); i++)
    found_testkit |= strcmp(ts_plugins_at(set, i)->name, "testkit") == 0;
  assert_true(found_testkit);
  ts_plugins_free(set);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_good_library_loads_with_models),
      cmocka_unit_test(test_other_major_version_is_named),
      cmocka_unit_test(test_library_without_entry_is_refused),
      cmocka_unit_test(test_newer_minor_version_is_refused),
      cmocka_unit_test(test_default_outside_bounds_is_refused),
      cmocka_unit_test(test_model_without_sizes_is_refused),
      cmocka_unit_test(test_not_a_shared_library),
      cmocka_unit_test(test_search_path_and_missing_plugin),
      cmocka_unit_test(test_load_all_reports_broken_and_keeps_good),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
