/* The scheduler's events and failures: discrete steps, boluses and infusions given in other units, the trough
 * convention, and a failed integration that records the patient as failed with the time and CVODE's message. */
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

static void simulate(ts_test_sim *s, const char *body) {
  char yaml[8192];
  snprintf(yaml, sizeof yaml, "twinsim: 1\nname: events\nplugin_path: [%s]\n%s", TS_TEST_FIXTURE_DIR, body);
  ts_test_simulate(s, "events", yaml);
}

/* A state that only step() changes: n counts the steps taken, one every 0.75 d. */
static void test_discrete_steps(void **state) {
  (void)state;
  ts_test_sim s;
  simulate(&s, "model:\n  c:\n    model: testkit/stepper\n    step: 18 h\n"
               "horizon: 6 d\noutput:\n  every: 0.5 d\n  signals: [c.n]\n");
  assert_false(s.res.failed);
  assert_int_equal(s.res.n_times, 13);
  for (size_t i = 0; i < s.res.n_times; i++) {
    /* a step due at an output time comes after the sample (as a dose does) */
    double expected = ceil(s.res.times[i] / 0.75 - 1e-9) - 1;
    assert_float_equal(s.res.values[i], fmax(expected, 0), 0);
  }
  ts_test_sim_free(&s);
}

static void test_step_interval_is_required(void **state) {
  (void)state;
  char yaml[1024];
  snprintf(yaml, sizeof yaml,
           "twinsim: 1\nname: nostep\nplugin_path: [%s]\nmodel:\n  c:\n    model: testkit/stepper\n"
           "horizon: 1 d\noutput:\n  every: 1 d\n  signals: [c.n]\n",
           TS_TEST_FIXTURE_DIR);
  ts_loaded l;
  ts_error err;
  assert_int_equal(ts_load(ts_test_scenario("nostep", yaml), &l, &err), -1);
  assert_non_null(strstr(err.message, "takes discrete steps: give its interval, e.g. 'step: 0.1 d'"));
}

/* Bolus of 500 ug (target unit mg) at t = 1 d and an infusion of 2 mg/h for 12 h from t = 2 d, into
 * dA/dt = -k A with k = 0.5/d. Sampled at the dose times (before the dose) and after. */
static void test_bolus_and_infusion_in_other_units(void **state) {
  (void)state;
  ts_test_sim s;
  simulate(&s, "model:\n  d:\n    model: testkit/decay\n    parameters:\n      k: 0.5 1/d\n"
               "doses:\n  - {target: d.depot, amount: 500 ug, start: 1 d}\n"
               "  - {target: d.depot, amount: 24 mg, rate: 2 mg/h, start: 2 d}\n"
               "horizon: 4 d\noutput:\n  times: [0 d, 1 d, 1.5 d, 2 d, 2.25 d, 2.5 d, 3 d, 4 d]\n  signals: [d.A]\n"
               "solver:\n  rtol: 1e-10\n  atol: 1e-12\n");
  assert_false(s.res.failed);
  const double k = 0.5, bolus = 0.5, rate = 48.0, dur = 0.5;
  double a2 = bolus * exp(-k * 1.0); /* just before the infusion */
  double expect[] = {0,
                     0, /* trough: the bolus at t = 1 d comes after the sample */
                     bolus * exp(-k * 0.5),
                     a2,
                     a2 * exp(-k * 0.25) + rate / k * (1 - exp(-k * 0.25)),
                     a2 * exp(-k * 0.5) + rate / k * (1 - exp(-k * dur)),
                     0,
                     0};
  double end = expect[5];
  expect[6] = end * exp(-k * 0.5);
  expect[7] = end * exp(-k * 1.5);
  for (int i = 0; i < 8; i++)
    assert_float_equal(s.res.values[i], expect[i], 1e-8 * fmax(1, fabs(expect[i])));
  assert_int_equal(s.res.n_log, 3); /* bolus, infusion start, infusion stop */
  assert_int_equal(s.res.log[0].kind, TS_EV_BOLUS);
  assert_int_equal(s.res.log[1].kind, TS_EV_INFUSION_START);
  assert_float_equal(s.res.log[1].rate, 48.0, 1e-12);
  assert_int_equal(s.res.log[2].kind, TS_EV_INFUSION_STOP);
  assert_float_equal(s.res.log[2].time, 2.5, 1e-12);
  ts_test_sim_free(&s);
}

/* dx/dt = x^2 from x = 1 reaches infinity at t = 1: the patient fails near t = 1 with CVODE's message, and the
 * samples before the failure are kept. */
static void test_blowup_fails_the_patient(void **state) {
  (void)state;
  ts_test_sim s;
  simulate(&s, "model:\n  b:\n    model: testkit/blowup\nhorizon: 2 d\noutput:\n  every: 0.25 d\n"
               "  signals: [b.x]\n");
  assert_true(s.res.failed);
  assert_true(s.res.failure_time > 0.9 && s.res.failure_time <= 1.0);
  assert_non_null(strstr(s.res.message, "CVODE CV_"));
  assert_non_null(strstr(s.res.message, "at t = "));
  assert_int_equal(s.res.n_times, 4);                            /* 0, 0.25, 0.5, 0.75 */
  assert_float_equal(s.res.values[3], 1.0 / (1.0 - 0.75), 4e-3); /* rtol 1e-6 near a singularity */
  ts_test_sim_free(&s);
}

static void test_nan_derivative_is_named(void **state) {
  (void)state;
  ts_test_sim s;
  simulate(&s, "model:\n  y:\n    model: testkit/nan_after\n    parameters:\n      t_nan: 3 d\n"
               "horizon: 10 d\noutput:\n  every: 1 d\n  signals: [y.y]\n");
  assert_true(s.res.failed);
  assert_true(s.res.failure_time >= 3.0 && s.res.failure_time < 3.5);
  assert_non_null(strstr(s.res.message, "the derivative of y.y is nan"));
  assert_int_equal(s.res.n_times, 4);
  ts_test_sim_free(&s);
}

/* The same simulator runs a second patient after a failed one, from a clean start. */
static void test_simulator_recovers_after_failure(void **state) {
  (void)state;
  ts_test_sim s;
  simulate(&s, "model:\n  y:\n    model: testkit/nan_after\n    parameters:\n      t_nan: 3 d\n"
               "horizon: 10 d\noutput:\n  every: 1 d\n  signals: [y.y]\n");
  assert_true(s.res.failed);
  double late[1] = {100.0};
  ts_patient p = {.index = 2, .label = "q", .params = late};
  ts_error err;
  assert_int_equal(ts_sim_run(s.sim, &p, &s.res, &err), 0);
  assert_false(s.res.failed);
  assert_int_equal(s.res.n_times, 11);
  assert_float_equal(s.res.values[10], exp(-10.0), 1e-5);
  ts_test_sim_free(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_discrete_steps),
      cmocka_unit_test(test_step_interval_is_required),
      cmocka_unit_test(test_bolus_and_infusion_in_other_units),
      cmocka_unit_test(test_blowup_fails_the_patient),
      cmocka_unit_test(test_nan_derivative_is_named),
      cmocka_unit_test(test_simulator_recovers_after_failure),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
