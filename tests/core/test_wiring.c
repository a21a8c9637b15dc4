/* The typed state bus: every load-time wiring error with the content of its message, unit factors folded into
 * the links, summing inputs, and the order in which chained outputs are computed. Uses the testkit fixture. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "run.h"
#include "sim.h"
#include "test_support.h"

/* A scenario using testkit models: `model_yaml` is the body of `model:` (indented by 2). */
static const char *scenario(const char *model_yaml, const char *signals) {
  static char yaml[8192];
  snprintf(yaml, sizeof yaml,
           "twinsim: 1\nname: wiring\nplugin_path: [%s]\nmodel:\n%shorizon: 10 d\noutput:\n  every: 1 d\n"
           "  signals: [%s]\n",
           TS_TEST_FIXTURE_DIR, model_yaml, signals);
  return ts_test_scenario("wiring", yaml);
}

/* Loads and expects failure; every expected fragment must appear in the message. */
static void expect_error(const char *model_yaml, const char *signals, const char *const *fragments) {
  ts_loaded l;
  ts_error err;
  ts_error_clear(&err);
  int rc = ts_load(scenario(model_yaml, signals), &l, &err);
  if (rc == 0) {
    ts_loaded_free(&l);
    fail_msg("the scenario loaded but should have failed");
  }
  assert_int_equal(err.code, TS_E_INPUT);
  for (const char *const *f = fragments; *f; f++)
    if (!strstr(err.message, *f))
      fail_msg("message lacks '%s':\n%s", *f, err.message);
}

static void test_unconnected_required_input(void **state) {
  (void)state;
  const char *model = "  s:\n    model: testkit/sink\n";
  const char *want[] = {"wiring-", ".yaml:5:3: ", "required input s.u (testkit/sink, real, unit 1/d) is not connected",
                        "model.s.inputs", NULL};
  expect_error(model, "s.S", want);
}

static void test_two_writers_for_one_input(void **state) {
  (void)state;
  const char *model = "  a:\n    model: testkit/constant\n  b:\n    model: testkit/constant\n"
                      "  r:\n    model: testkit/relay\n    inputs:\n      in: [a.value, b.value]\n";
  const char *want[] = {"input r.in is given 2 writers (a.value, b.value)", "not a summing input", NULL};
  expect_error(model, "r.out", want);
}

static void test_type_mismatch(void **state) {
  (void)state;
  const char *model = "  a:\n    model: testkit/constant\n  f:\n    model: testkit/flagged\n"
                      "    inputs:\n      f: a.count\n";
  const char *want[] = {":10:10: ", "input f.f (testkit/flagged) is of type flag",
                        "a.count (output of testkit/constant) is of type count", NULL};
  expect_error(model, "f.S", want);
}

static void test_incompatible_units(void **state) {
  (void)state;
  const char *model = "  a:\n    model: testkit/constant\n  s:\n    model: testkit/sink\n"
                      "    inputs:\n      u: a.value\n";
  const char *want[] = {
      "input s.u (testkit/sink, unit 1/d) cannot read a.value (output of testkit/constant, unit ng/mL)", "ng/mL", "1/d",
      NULL};
  expect_error(model, "s.S", want);
}

static void test_algebraic_loop_is_named(void **state) {
  (void)state;
  const char *model = "  a:\n    model: testkit/relay\n    inputs:\n      in: c.out\n"
                      "  b:\n    model: testkit/relay\n    inputs:\n      in: a.out\n"
                      "  c:\n    model: testkit/relay\n    inputs:\n      in: b.out\n";
  const char *want[] = {"algebraic loop: a.out -> c.out -> b.out -> a.out", NULL};
  expect_error(model, "a.out", want);
}

static void test_unknown_signal_lists_what_exists(void **state) {
  (void)state;
  const char *model = "  d:\n    model: testkit/decay\n  r:\n    model: testkit/relay\n    inputs:\n      in: d.X\n";
  const char *want[] = {"input r.in reads 'd.X': no such signal", "d (testkit/decay) has states A and outputs C", NULL};
  expect_error(model, "r.out", want);
}

static void test_unknown_instance_and_input(void **state) {
  (void)state;
  const char *no_instance[] = {"no instance named 'zz'", NULL};
  expect_error("  r:\n    model: testkit/relay\n    inputs:\n      in: zz.out\n", "r.out", no_instance);
  const char *no_input[] = {"instance 'r' (testkit/relay) has no input 'inn'; its inputs are:", "in [mg/L]", NULL};
  expect_error("  r:\n    model: testkit/relay\n    inputs:\n      inn: r.out\n", "r.out", no_input);
}

static void test_unknown_model_lists_the_plugins_models(void **state) {
  (void)state;
  const char *want[] = {"plugin 'testkit'", "has no model 'nope'", "testkit/decay", NULL};
  expect_error("  x:\n    model: testkit/nope\n", "x.y", want);
}

static void test_parameter_errors(void **state) {
  (void)state;
  const char *range[] = {"parameter d.V = -2 L is outside its allowed range [1e-09, inf] L", NULL};
  expect_error("  d:\n    model: testkit/decay\n    parameters:\n      V: -2 L\n", "d.C", range);
  const char *unit[] = {"parameter d.V", "'mg' (mass) cannot be converted to 'L'", NULL};
  expect_error("  d:\n    model: testkit/decay\n    parameters:\n      V: 2 mg\n", "d.C", unit);
  const char *bare[] = {"parameter d.V: '2' has no unit; expected a quantity in L", NULL};
  expect_error("  d:\n    model: testkit/decay\n    parameters:\n      V: 2\n", "d.C", bare);
  const char *name[] = {"instance 'd' (testkit/decay) has no parameter 'W'", "V [L]", NULL};
  expect_error("  d:\n    model: testkit/decay\n    parameters:\n      W: 2 L\n", "d.C", name);
}

/* Runs a scenario that must load and succeed; copies the first recorded values. */
static void run_ok(const char *model_yaml, const char *signals, double *values, size_t n_values) {
  char *yaml = ts_test_read_file(scenario(model_yaml, signals), NULL);
  ts_test_sim s;
  ts_test_simulate(&s, "wiring_run", yaml);
  free(yaml);
  if (s.res.failed)
    fail_msg("%s", s.res.message);
  assert_true(s.res.n_times * s.loaded.system->n_recorded >= n_values);
  memcpy(values, s.res.values, n_values * sizeof *values);
  ts_test_sim_free(&s);
}

/* a (ng/mL) -> r1 -> r2 -> r3 (mg/L): one evaluation carries the value down the chain, whatever the order the
 * instances are written in, with the ng/mL -> mg/L factor folded into the first link. */
static void test_chained_outputs_and_unit_factor(void **state) {
  (void)state;
  const char *model = "  r3:\n    model: testkit/relay\n    inputs:\n      in: r2.out\n"
                      "  r2:\n    model: testkit/relay\n    inputs:\n      in: r1.out\n"
                      "  r1:\n    model: testkit/relay\n    inputs:\n      in: a.value\n"
                      "  a:\n    model: testkit/constant\n    parameters:\n      value: 2500 ng/mL\n";
  double v[2];
  run_ok(model, "r3.out, a.value", v, 2);
  assert_float_equal(v[1], 2500.0, 0);
  assert_float_equal(v[0], 2.5, 1e-15);
}

/* decay.extra sums two sources in mg/h: dA/dt = -k A + 24 (r1 + r2), so A tends to 24 (r1 + r2) / k. */
static void test_summing_input_adds_converted_sources(void **state) {
  (void)state;
  const char *model = "  s1:\n    model: testkit/source\n    parameters:\n      rate: 1 mg/h\n"
                      "  s2:\n    model: testkit/source\n    parameters:\n      rate: 0.5 mg/h\n"
                      "  d:\n    model: testkit/decay\n    parameters:\n      k: 2 1/d\n"
                      "    inputs:\n      extra: [s1.r, s2.r]\n";
  double v[11];
  run_ok(model, "d.A", v, 11);
  double steady = 24.0 * 1.5 / 2.0;
  for (int day = 0; day <= 10; day++)
    assert_float_equal(v[day], steady * (1.0 - exp(-2.0 * day)), 1e-4 * steady);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_unconnected_required_input),
      cmocka_unit_test(test_two_writers_for_one_input),
      cmocka_unit_test(test_type_mismatch),
      cmocka_unit_test(test_incompatible_units),
      cmocka_unit_test(test_algebraic_loop_is_named),
      cmocka_unit_test(test_unknown_signal_lists_what_exists),
      cmocka_unit_test(test_unknown_instance_and_input),
      cmocka_unit_test(test_unknown_model_lists_the_plugins_models),
      cmocka_unit_test(test_parameter_errors),
      cmocka_unit_test(test_chained_outputs_and_unit_factor),
      cmocka_unit_test(test_summing_input_adds_converted_sources),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
