/* Adaptive and toxicity-driven dosing rules in the scheduler, on the testkit's first-order decay
 * dA/dt = -k A + infusion, C = A / V, where the answers are known in closed form. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_support.h"

static void simulate(ts_test_sim *s, const char *name, const char *body) {
  char yaml[8192];
  snprintf(yaml, sizeof yaml, "twinsim: 1\nname: %s\nplugin_path: [%s]\n%s", name, TS_TEST_FIXTURE_DIR, body);
  ts_test_simulate(s, name, yaml);
  if (s->res.failed)
    fail_msg("%s", s->res.message);
}

static size_t count(const ts_test_sim *s, ts_sim_event_kind kind) {
  size_t n = 0;
  for (size_t k = 0; k < s->res.n_log; k++)
    n += s->res.log[k].kind == kind;
  return n;
}

static const ts_sim_event *first(const ts_test_sim *s, ts_sim_event_kind kind) {
  for (size_t k = 0; k < s->res.n_log; k++)
    if (s->res.log[k].kind == kind)
      return &s->res.log[k];
  return NULL;
}

/* A constant infusion of 1 mg/d into k = 0.5/d gives C = 2 (1 - exp(-t/2)), which crosses 1.5 mg/L at
 * t* = 2 ln 4. A crossing rule stops the treatment there: every later bolus is skipped. */
static void test_crossing_is_found_exactly(void **state) {
  (void)state;
  ts_test_sim s;
  simulate(&s, "crossing",
           "model:\n  d:\n    model: testkit/decay\n    parameters: {k: 0.5 1/d, V: 1 L}\n"
           "doses:\n  - {target: d.depot, amount: 100 mg, duration: 100 d}\n"
           "  - {target: d.depot, amount: 1 mg, start: 5 d, interval: 1 d, count: 10}\n"
           "rules:\n  - name: too_high\n    check: crossing\n    when: {signal: d.C, above: 1.5 mg/L}\n"
           "    then: stop\nhorizon: 20 d\noutput:\n  every: 1 d\n  signals: [d.C]\n"
           "solver:\n  rtol: 1e-10\n  atol: 1e-12\n");
  const ts_sim_event *rule = first(&s, TS_EV_RULE);
  assert_non_null(rule);
  assert_float_equal(rule->time, 2 * log(4.0), 1e-6);
  assert_float_equal(rule->value, 1.5, 1e-6);
  assert_int_equal(count(&s, TS_EV_RULE), 1);
  assert_int_equal(count(&s, TS_EV_BOLUS), 0);
  assert_int_equal(count(&s, TS_EV_DOSE_SKIPPED), 10);
  assert_int_equal(count(&s, TS_EV_INFUSION_START), 1); /* the running infusion goes on */
  ts_test_sim_free(&s);
}

/* C = 10 exp(-0.1 t) from A0 = 10 mg: it passes below 50% of its baseline between day 6 (5.49) and day 7 (4.97),
 * so daily visits hold the treatment at day 7, before that day's dose; C never comes back above 80%. */
static void test_hold_relative_to_baseline(void **state) {
  (void)state;
  ts_test_sim s;
  simulate(&s, "hold",
           "model:\n  d:\n    model: testkit/decay\n    parameters: {k: 0.1 1/d, V: 1 L, A0: 10 mg}\n"
           "doses:\n  - {target: d.depot, amount: 1 mg, start: 7 d, interval: 7 d, count: 4}\n"
           "rules:\n  - name: hold\n    check: {every: 1 d}\n    when: {signal: d.C, below: 50% of baseline}\n"
           "    then: hold\n    once: true\n"
           "  - name: resume\n    check: {every: 1 d}\n    when: {signal: d.C, above: 80% of baseline}\n"
           "    then: resume\nhorizon: 35 d\noutput:\n  every: 1 d\n  signals: [d.C]\n");
  const ts_sim_event *rule = first(&s, TS_EV_RULE);
  assert_non_null(rule);
  assert_float_equal(rule->time, 7, 0);
  assert_float_equal(rule->value, 10 * exp(-0.7), 1e-4); /* rtol 1e-6 */
  assert_int_equal(count(&s, TS_EV_RULE), 1);            /* once; and resume never fires */
  assert_int_equal(count(&s, TS_EV_BOLUS), 0);
  assert_int_equal(count(&s, TS_EV_DOSE_SKIPPED), 4);
  assert_float_equal(s.res.values[35], 10 * exp(-3.5), 1e-4); /* no dose reached the patient */
  ts_test_sim_free(&s);
}

/* Daily 10 mg boluses with k = 1/d: just before the n-th dose C = 10 e^-1 (1 - e^-n) / (1 - e^-1) mg/L, which
 * passes 5.5 at the visit of day 3 (5.50 < 5.52...). The reduction by 25% fires once: later doses are 7.5 mg. */
static void test_reduce_once(void **state) {
  (void)state;
  ts_test_sim s;
  simulate(&s, "reduce",
           "model:\n  d:\n    model: testkit/decay\n    parameters: {k: 1 1/d, V: 1 L}\n"
           "doses:\n  - {target: d.depot, amount: 10 mg, interval: 1 d, count: 8}\n"
           "rules:\n  - name: reduce\n    check: {every: 1 d}\n    when: {signal: d.C, above: 5.5 mg/L}\n"
           "    then: {reduce: 25%}\n    once: true\nhorizon: 10 d\noutput:\n  every: 1 d\n  signals: [d.C]\n");
  double e1 = exp(-1.0);
  double trough3 = 10 * e1 * (1 - exp(-3.0)) / (1 - e1); /* before the dose of day 3 */
  assert_true(trough3 > 5.5 && 10 * e1 * (1 - exp(-2.0)) / (1 - e1) < 5.5);
  const ts_sim_event *rule = first(&s, TS_EV_RULE);
  assert_non_null(rule);
  assert_float_equal(rule->time, 3, 0);
  assert_int_equal(count(&s, TS_EV_RULE), 1);
  for (size_t k = 0; k < s.res.n_log; k++)
    if (s.res.log[k].kind == TS_EV_BOLUS)
      assert_float_equal(s.res.log[k].amount, s.res.log[k].time < 3 ? 10.0 : 7.5, 1e-12);
  ts_test_sim_free(&s);
}

/* Arm a gives 1 mg daily; when C passes 1.2 mg/L at a visit (day 4), the rule switches to arm b's 5 mg every
 * other day, from that day on. */
static void test_switch_regimen(void **state) {
  (void)state;
  ts_test_sim s;
  simulate(&s, "switch",
           "model:\n  d:\n    model: testkit/decay\n    parameters: {k: 0.5 1/d, V: 1 L}\n"
           "arms:\n  - name: a\n    doses:\n      - {target: d.depot, amount: 1 mg, interval: 1 d, count: 30}\n"
           "  - name: b\n    doses:\n      - {target: d.depot, amount: 5 mg, interval: 2 d, count: 15}\n"
           "rules:\n  - name: switch\n    check: {every: 1 d}\n    when: {signal: d.C, above: 1.2 mg/L}\n"
           "    then: {switch: b}\n    once: true\nhorizon: 30 d\noutput:\n  every: 1 d\n  signals: [d.C]\n");
  const ts_sim_event *rule = first(&s, TS_EV_RULE);
  assert_non_null(rule);
  double t_switch = rule->time;
  /* before the dose of day n: C = e^-0.5 (1 - e^-0.5n) / (1 - e^-0.5): 1.197 at day 3, 1.333 at day 4 */
  assert_float_equal(t_switch, 4, 0);
  size_t after = 0;
  for (size_t k = 0; k < s.res.n_log; k++) {
    const ts_sim_event *e = &s.res.log[k];
    if (e->kind != TS_EV_BOLUS)
      continue;
    if (e->time < t_switch) {
      assert_float_equal(e->amount, 1.0, 0);
    } else {
      assert_float_equal(e->amount, 5.0, 0);
      assert_float_equal(fmod(e->time, 2.0), 0.0, 0);
      after++;
    }
  }
  assert_int_equal(after, 13); /* days 4, 6, ..., 28: arm b's doses from the switch on */
  ts_test_sim_free(&s);
}

/* A rule limited to arm b does nothing in arm a (the first arm, which the test simulates). */
static void test_rule_limited_to_an_arm(void **state) {
  (void)state;
  ts_test_sim s;
  simulate(&s, "armrule",
           "model:\n  d:\n    model: testkit/decay\n    parameters: {k: 0.5 1/d, V: 1 L}\n"
           "arms:\n  - name: a\n    doses:\n      - {target: d.depot, amount: 1 mg, interval: 1 d, count: 30}\n"
           "  - name: b\n"
           "rules:\n  - name: stop_b\n    check: {every: 1 d}\n    when: {signal: d.C, above: 0.5 mg/L}\n"
           "    then: stop\n    arms: [b]\nhorizon: 30 d\noutput:\n  every: 1 d\n  signals: [d.C]\n");
  assert_int_equal(count(&s, TS_EV_RULE), 0);
  assert_int_equal(count(&s, TS_EV_BOLUS), 30);
  ts_test_sim_free(&s);
}

static void expect_error(const char *rules, const char *fragment) {
  char yaml[4096];
  snprintf(yaml, sizeof yaml,
           "twinsim: 1\nname: badrule\nplugin_path: [%s]\nmodel:\n  d:\n    model: testkit/decay\n"
           "arms:\n  - name: a\n  - name: b\nhorizon: 5 d\noutput:\n  every: 1 d\n  signals: [d.C]\nrules:\n%s",
           TS_TEST_FIXTURE_DIR, rules);
  ts_loaded l;
  ts_error err;
  ts_error_clear(&err);
  if (ts_load(ts_test_scenario("badrule", yaml), &l, &err) == 0) {
    ts_loaded_free(&l);
    fail_msg("loaded, but expected '%s'", fragment);
  }
  if (!strstr(err.message, fragment))
    fail_msg("message lacks '%s':\n%s", fragment, err.message);
}

static void test_bad_rules(void **state) {
  (void)state;
  expect_error("  - {name: r, check: {every: 1 d}, when: {signal: d.X, below: 1 mg/L}, then: hold}\n",
               ":15:51: rule signal 'd.X': no such signal;");
  expect_error("  - {name: r, check: {every: 1 d}, when: {signal: d.C, below: 1 mg}, then: hold}\n",
               "rule r: the threshold of d.C: 'mg' (mass) cannot be converted to 'mg/L'");
  expect_error("  - {name: r, check: {every: 1 d}, when: {signal: d.C, below: 1 mg/L}, then: {switch: c}}\n",
               ":15:78: rules[1].then: no arm named 'c' to switch to");
  expect_error("  - {name: r, check: {every: 1 d}, when: {signal: d.C, below: 1 mg/L}, then: {reduce: 150%}}\n",
               "is not a fraction between 0 and 100%");
  expect_error("  - {name: r, check: crossing, when: {signal: d.C, below: 50% of nadir}, then: hold}\n",
               "a crossing rule cannot follow the nadir");
  expect_error("  - {name: r, check: {every: 1 d}, when: {signal: d.C, below: 1 mg/L, above: 2 mg/L}, then: hold}\n",
               "give exactly one of 'below' and 'above'");
  expect_error("  - {name: r, check: {every: 1 d}, when: {signal: d.C, below: 1 mg/L}, then: pause}\n",
               "unknown value 'pause'; expected hold, resume or stop");
  expect_error("  - {name: r, check: {every: 1 d}, when: {signal: d.C, below: 1 mg/L}, then: hold, arms: [z]}\n",
               "rules[1].arms: no arm named 'z'");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_crossing_is_found_exactly),
      cmocka_unit_test(test_hold_relative_to_baseline),
      cmocka_unit_test(test_reduce_once),
      cmocka_unit_test(test_switch_regimen),
      cmocka_unit_test(test_rule_limited_to_an_arm),
      cmocka_unit_test(test_bad_rules),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
