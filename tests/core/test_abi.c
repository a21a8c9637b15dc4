/* ABI evolution rules of include/twinsim/plugin.h section 5, on fixture libraries (tests/fixtures/):
 * descriptor sizes (the floor is ABI 1.0's), descriptor arrays walked with the plugin's stride, and flag bits the
 * host does not know refused, never ignored. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "plugin_loader.h"
#include "test_support.h"

/* Opens fixture `name`; expects a refusal whose message names the file and contains every `expect` string. */
static void expect_refused(const char *name, const char *expect1, const char *expect2) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s.so", TS_TEST_FIXTURE_DIR, name);
  ts_library lib;
  ts_error err;
  ts_error_clear(&err);
  int rc = ts_library_open(path, name, &lib, &err);
  if (rc == 0)
    ts_library_close(&lib);
  assert_int_equal(rc, -1);
  assert_int_equal(err.code, TS_E_INPUT);
  if (!strstr(err.message, path) || !strstr(err.message, expect1) || (expect2 && !strstr(err.message, expect2)))
    fail_msg("%s: message '%s' lacks '%s'%s%s", name, err.message, expect1, expect2 ? " or " : "",
             expect2 ? expect2 : "");
}

/* ABI 1.0 is the first minor: there is no older, shorter ts_model a host should accept. One callback short
 * (struct_size = offsetof(ts_model, bolus)) is refused, with both sizes in the message. */
static void test_model_shorter_than_1_0_is_refused(void **state) {
  (void)state;
  char found[64], floor[64];
  snprintf(found, sizeof found, "ts_model.struct_size is %zu", offsetof(ts_model, bolus));
  snprintf(floor, sizeof floor, "smaller than ABI 1.0's %zu", sizeof(ts_model));
  /* The host's 1.0 floor is the whole struct: bolus is its last member and there is no trailing padding. */
  assert_int_equal(sizeof(ts_model), offsetof(ts_model, bolus) + sizeof(void (*)(void)));
  expect_refused("oldmodel", found, floor);
}

/* Elements larger than the host's (two unknown doubles after each ts_param and ts_state) arrive intact: the host
 * walks the plugin's arrays with param_size/state_size, not with its own sizeof. Read with the host's stride, the
 * second parameter's name would be garbage (part of the first element's trailing doubles). */
static void test_arrays_are_walked_with_the_plugins_stride(void **state) {
  (void)state;
  char path[1024];
  snprintf(path, sizeof path, "%s/widestride.so", TS_TEST_FIXTURE_DIR);
  ts_library lib;
  ts_error err;
  ts_error_clear(&err);
  if (ts_library_open(path, "widestride", &lib, &err) != 0)
    fail_msg("widestride: %s", err.message);
  const ts_model *m = ts_library_model(&lib, "wide");
  assert_non_null(m);
  assert_int_equal(m->n_params, 3);
  const char *names[] = {"k", "A0", "V"}, *units[] = {"1/d", "mg", "L"};
  const double defaults[] = {0.25, 3.0, 7.0};
  const uint32_t flags[] = {0, 0, TS_PARAM_LOWER_OPEN};
  for (int i = 0; i < 3; i++) {
    assert_string_equal(m->params[i].name, names[i]);
    assert_string_equal(m->params[i].unit, units[i]);
    assert_true(m->params[i].default_value == defaults[i]);
    assert_int_equal(m->params[i].flags, flags[i]);
  }
  assert_int_equal(m->n_states, 2);
  assert_string_equal(m->states[0].name, "A");
  assert_true(m->states[0].nominal == 1.0);
  assert_int_equal(m->states[0].flags, TS_STATE_NONNEGATIVE);
  assert_string_equal(m->states[1].name, "B");
  assert_true(m->states[1].nominal == 2.0);
  assert_int_equal(ts_model_param_index(m, "V"), 2);
  ts_library_close(&lib);
}

/* Flag bits ABI 1.0 does not define (0x40 here) are refused in every flags field, naming the field's owner. */
static void test_unknown_flag_bits_are_refused(void **state) {
  (void)state;
  expect_refused("badflag_model", "unknown model flag bits 0x40", NULL);
  expect_refused("badflag_param", "parameter 'k' has unknown flag bits 0x40", NULL);
  expect_refused("badflag_state", "state 'A' has unknown flag bits 0x40", NULL);
  expect_refused("badflag_input", "input 'u' has unknown flag bits 0x40", NULL);
  expect_refused("badflag_route", "dose target 'depot' has routes 0x41", NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_model_shorter_than_1_0_is_refused),
      cmocka_unit_test(test_arrays_are_walked_with_the_plugins_stride),
      cmocka_unit_test(test_unknown_flag_bits_are_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
