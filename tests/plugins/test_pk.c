/*
 * Tests of the pk plugin (plugins/pk/) through its ABI, as the host sees it: the library is dlopen()ed from
 * TS_TEST_PLUGIN_DIR and only the entry symbol is used. Every model: one_compartment, two_compartment,
 * three_compartment, one_/two_/three_compartment_oral, one_/two_compartment_mm and auc.
 *
 * What is checked:
 *   - the library and model headers (ABI version, struct sizes, names) and every descriptor (identifiers, units,
 *     docs, defaults within bounds, dose targets naming existing states, no unknown flag bits), and for each model
 *     the names, units, defaults and bounds the docs (docs/models/pk.md) promise;
 *   - init() and the right-hand side at chosen points against values computed by hand (expected values were
 *     worked out to 40 digits with Python's fractions and decimal modules from the equations in docs/models/pk.md),
 *     relative error <= 1e-12;
 *   - infusion rates enter the derivative of the dosed state and nothing else; bolus is left to the host;
 *   - mass balance with CL = 0 (Vmax = 0): the derivatives add up to the infusion rates, depot included;
 *   - Michaelis-Menten elimination outside its domain (C <= -Km) is a recoverable failure;
 *   - the analytic Jacobian against central finite differences, relative error <= 1e-6.
 * End-to-end integration against closed forms is tested with the scheduler in test_pk_linear.c, test_pk_oral.c,
 * test_pk_mm.c and test_pk_scenarios.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <twinsim/plugin.h>

#include "plugin_checks.h"

#define MAX_DIM TS_TEST_MAX_DIM /* room for any model's params, states, inputs, outputs, dose targets */

/* Analytic Jacobian against central differences: a step of 1e-5 of the value (or of the state's nominal
 * magnitude, 1 for an input, at 0), relative error <= 1e-6. */
static const ts_test_fd jacobian_fd = {.step = 1e-5, .tol = 1e-6, .floor = 1e-300};

typedef ts_test_point point;

static int open_plugin(void **state) {
  return ts_test_plugin_open(state, "pk.so");
}

/* ---- Library header ------------------------------------------------------------------------------------------ */

static void test_plugin_header(void **state) {
  static const char *const names[] = {"one_compartment",      "two_compartment",      "three_compartment",
                                      "one_compartment_oral", "two_compartment_oral", "three_compartment_oral",
                                      "one_compartment_mm",   "two_compartment_mm",   "auc"};
  ts_test_check_plugin_header(state, "pk", names, sizeof names / sizeof names[0]);
}

static void test_descriptors_are_valid(void **state) {
  /* No per-instance data: create and destroy are absent, the instance pointer is NULL. A bolus is applied by the
   * host (adds the amount to the target's state). Every model has an analytic Jacobian. */
  ts_test_check_models(state, (ts_test_callbacks){.jacobian = true});
}

/* ---- one_compartment ------------------------------------------------------------------------------------- */

static void test_one_compartment_descriptor(void **state) {
  const ts_model *m = ts_test_find_model(state, "one_compartment");
  assert_int_equal(m->n_params, 2);
  assert_string_equal(m->params[0].name, "CL");
  assert_string_equal(m->params[0].unit, "L/d");
  assert_true(m->params[0].default_value == 120.0);
  assert_true(m->params[0].lower == 0.0); /* CL = 0 (no elimination) is allowed */
  assert_string_equal(m->params[1].name, "V");
  assert_string_equal(m->params[1].unit, "L");
  assert_true(m->params[1].default_value == 10.0);
  assert_true(m->params[1].lower == 0.0 && (m->params[1].flags & TS_PARAM_LOWER_OPEN)); /* V > 0 */
  assert_true(isinf(m->params[1].upper));

  assert_int_equal(m->n_states, 1);
  assert_string_equal(m->states[0].name, "A");
  assert_string_equal(m->states[0].unit, "mg");
  assert_true(m->states[0].flags & TS_STATE_NONNEGATIVE);
  assert_true(m->states[0].nominal == 1.0);

  assert_int_equal(m->n_inputs, 0);
  assert_int_equal(m->n_outputs, 1);
  assert_string_equal(m->outputs[0].name, "C");
  assert_string_equal(m->outputs[0].unit, "mg/L");
  assert_int_equal(m->outputs[0].type, TS_REAL);
  assert_null(m->outputs[0].direct_inputs);

  assert_int_equal(m->n_dose_targets, 1);
  assert_string_equal(m->dose_targets[0].name, "central");
  assert_string_equal(m->dose_targets[0].state, "A");
  assert_string_equal(m->dose_targets[0].unit, "mg");
  assert_int_equal(m->dose_targets[0].routes, TS_ROUTE_BOLUS | TS_ROUTE_INFUSION);
  assert_null(m->dose_targets[0].bioavailability);
  assert_null(m->dose_targets[0].lag_time);
}

static void test_one_compartment_init(void **state) {
  const ts_model *m = ts_test_find_model(state, "one_compartment");
  const double params[] = {3.7, 42.5};
  double y0[] = {NAN};
  assert_int_equal(m->init(NULL, NULL, params, 7.0, y0), TS_OK);
  assert_true(y0[0] == 0.0); /* no drug before the first dose */
}

static void test_one_compartment_values(void **state) {
  const ts_model *m = ts_test_find_model(state, "one_compartment");
  double out[MAX_DIM], der[MAX_DIM];

  /* Defaults CL = 120 L/d, V = 10 L, A = 50 mg: C = 5 mg/L, dA/dt = -12 * 50 = -600 mg/d. */
  point x = {.params = {120.0, 10.0}, .states = {50.0}, .dose_rates = {0.0}};
  ts_test_evaluate(m, &x, out, der);
  ts_test_check_value("C", out[0], 5.0);
  ts_test_check_value("dA/dt", der[0], -600.0);

  /* Infusing 2400 mg/d: dA/dt = 2400 - 600 = 1800 mg/d; C does not depend on the rate. */
  x.dose_rates[0] = 2400.0;
  ts_test_evaluate(m, &x, out, der);
  ts_test_check_value("C", out[0], 5.0);
  ts_test_check_value("dA/dt", der[0], 1800.0);

  /* CL = 3.7, V = 42.5, A = 250, Rin = 1234.5: C = 250/42.5, dA/dt = 1234.5 - 3.7/42.5*250. */
  point y = {.params = {3.7, 42.5}, .states = {250.0}, .dose_rates = {1234.5}};
  ts_test_evaluate(m, &y, out, der);
  ts_test_check_value("C", out[0], 5.88235294117647059e+0);
  ts_test_check_value("dA/dt", der[0], 1.21273529411764706e+3);
}

static void test_one_compartment_infusion(void **state) {
  const ts_model *m = ts_test_find_model(state, "one_compartment");
  double out[MAX_DIM], without[MAX_DIM], with[MAX_DIM];
  point x = {.params = {97.3, 8.1}, .states = {37.2}, .dose_rates = {0.0}};
  ts_test_evaluate(m, &x, out, without);
  x.dose_rates[0] = 1234.5;
  ts_test_evaluate(m, &x, out, with);
  /* The rate enters dA/dt additively (as passed, F already applied by the host). */
  ts_test_check_value("dA/dt(R) - dA/dt(0)", with[0] - without[0], 1234.5);
}

static void test_one_compartment_jacobian(void **state) {
  const ts_model *m = ts_test_find_model(state, "one_compartment");
  const point points[] = {
      {.params = {120.0, 10.0}, .states = {50.0}, .dose_rates = {0.0}},
      {.params = {3.7, 42.5}, .states = {250.0}, .dose_rates = {1234.5}},
      {.params = {0.0, 0.25}, .states = {0.0}, .dose_rates = {2400.0}},
  };
  for (size_t i = 0; i < sizeof points / sizeof points[0]; i++)
    ts_test_check_jacobian(m, &points[i], &jacobian_fd);

  /* And the exact entries at the defaults: d(dA/dt)/dA = -CL/V = -12, dC/dA = 1/V = 0.1. */
  double dfdx[1], dgdx[1];
  ts_test_jacobian_at(m, &points[0], dfdx, NULL, dgdx, NULL);
  ts_test_check_value("d(dA/dt)/dA", dfdx[0], -12.0);
  ts_test_check_value("dC/dA", dgdx[0], 0.1);
}

/* ---- two_compartment ------------------------------------------------------------------------------------- */

static void test_two_compartment_descriptor(void **state) {
  const ts_model *m = ts_test_find_model(state, "two_compartment");
  static const ts_test_param_spec params[] = {{"CL", "L/d", 120.0, 0.0, INFINITY, 0},
                                              {"V1", "L", 10.0, 0.0, INFINITY, TS_PARAM_LOWER_OPEN},
                                              {"Q", "L/d", 48.0, 0.0, INFINITY, 0},
                                              {"V2", "L", 20.0, 0.0, INFINITY, TS_PARAM_LOWER_OPEN}};
  ts_test_expect_params(m, params, 4);
  assert_int_equal(m->n_states, 2);
  assert_string_equal(m->states[0].name, "A1");
  assert_string_equal(m->states[1].name, "A2");
  for (uint32_t i = 0; i < 2; i++) {
    assert_string_equal(m->states[i].unit, "mg");
    assert_true(m->states[i].flags & TS_STATE_NONNEGATIVE);
  }
  assert_int_equal(m->n_inputs, 0);
  assert_int_equal(m->n_outputs, 1);
  assert_string_equal(m->outputs[0].name, "C");
  assert_string_equal(m->outputs[0].unit, "mg/L");
  assert_null(m->outputs[0].direct_inputs);
  assert_int_equal(m->n_dose_targets, 1);
  assert_string_equal(m->dose_targets[0].name, "central");
  assert_string_equal(m->dose_targets[0].state, "A1");
  assert_string_equal(m->dose_targets[0].unit, "mg");
  assert_int_equal(m->dose_targets[0].routes, TS_ROUTE_BOLUS | TS_ROUTE_INFUSION);
  assert_null(m->dose_targets[0].bioavailability);
  assert_null(m->dose_targets[0].lag_time);
}

static void test_two_compartment_init(void **state) {
  const ts_model *m = ts_test_find_model(state, "two_compartment");
  const double params[] = {97.3, 8.1, 51.2, 23.9};
  double y0[] = {NAN, NAN};
  assert_int_equal(m->init(NULL, NULL, params, 0.0, y0), TS_OK);
  assert_true(y0[0] == 0.0);
  assert_true(y0[1] == 0.0);
}

static void test_two_compartment_values(void **state) {
  const ts_model *m = ts_test_find_model(state, "two_compartment");
  double out[MAX_DIM], der[MAX_DIM];

  /* RP-1 typical values, A1 = 100 mg, A2 = 40 mg, Rin = 2400 mg/d: k10 = 12, k12 = 4.8, k21 = 2.4 /d,
   * C = 10 mg/L, dA1/dt = 2400 - 1200 - 480 + 96 = 816, dA2/dt = 480 - 96 = 384 mg/d. */
  point x = {.params = {120.0, 10.0, 48.0, 20.0}, .states = {100.0, 40.0}, .dose_rates = {2400.0}};
  ts_test_evaluate(m, &x, out, der);
  ts_test_check_value("C", out[0], 10.0);
  ts_test_check_value("dA1/dt", der[0], 816.0);
  ts_test_check_value("dA2/dt", der[1], 384.0);

  /* CL = 97.3, V1 = 8.1, Q = 51.2, V2 = 23.9, A1 = 37.2, A2 = 88.8, Rin = 1234.5. */
  point y = {.params = {97.3, 8.1, 51.2, 23.9}, .states = {37.2, 88.8}, .dose_rates = {1234.5}};
  ts_test_evaluate(m, &y, out, der);
  ts_test_check_value("C", out[0], 4.59259259259259259e+0);
  ts_test_check_value("dA1/dt", der[0], 7.42732635983263598e+2);
  ts_test_check_value("dA2/dt", der[1], 4.49081047574771424e+1);
}

static void test_two_compartment_infusion(void **state) {
  const ts_model *m = ts_test_find_model(state, "two_compartment");
  double out[MAX_DIM], without[MAX_DIM], with[MAX_DIM];
  point x = {.params = {97.3, 8.1, 51.2, 23.9}, .states = {37.2, 88.8}, .dose_rates = {0.0}};
  ts_test_evaluate(m, &x, out, without);
  x.dose_rates[0] = 2400.0;
  ts_test_evaluate(m, &x, out, with);
  /* The rate enters the central compartment only. */
  ts_test_check_value("dA1/dt(R) - dA1/dt(0)", with[0] - without[0], 2400.0);
  assert_true(with[1] == without[1]);
}

static void test_two_compartment_mass_balance(void **state) {
  const ts_model *m = ts_test_find_model(state, "two_compartment");
  double out[MAX_DIM], der[MAX_DIM];
  /* With CL = 0 nothing leaves the body: d(A1 + A2)/dt = Rin, whatever the distribution. */
  const double rates[] = {0.0, 2400.0, 1234.5};
  const double states[][2] = {{37.2, 88.8}, {0.0, 150.0}, {500.0, 0.0}};
  for (size_t r = 0; r < 3; r++) {
    for (size_t s = 0; s < 3; s++) {
      point x = {.params = {0.0, 8.1, 51.2, 23.9}, .states = {states[s][0], states[s][1]}, .dose_rates = {rates[r]}};
      ts_test_evaluate(m, &x, out, der);
      /* Scale of the tolerance: the largest term that cancels (the distribution flux) or the rate. */
      const double flux = fabs(der[1]);
      const double scale = fmax(fmax(flux, rates[r]), 1e-300);
      const double err = fabs(der[0] + der[1] - rates[r]) / scale;
      CHECK(flux > 0.0, "no distribution at A1 = %g, A2 = %g: the check would be empty", states[s][0], states[s][1]);
      CHECK(err <= TS_TEST_VALUE_TOL, "dA1/dt + dA2/dt = %.17g, Rin = %g (relative error %.3g)", der[0] + der[1],
            rates[r], err);
    }
  }
}

static void test_two_compartment_jacobian(void **state) {
  const ts_model *m = ts_test_find_model(state, "two_compartment");
  const point points[] = {
      {.params = {120.0, 10.0, 48.0, 20.0}, .states = {100.0, 40.0}, .dose_rates = {2400.0}},
      {.params = {97.3, 8.1, 51.2, 23.9}, .states = {37.2, 88.8}, .dose_rates = {0.0}},
      {.params = {0.0, 3.3, 0.7, 210.0}, .states = {0.0, 0.0}, .dose_rates = {10.0}},
  };
  for (size_t i = 0; i < sizeof points / sizeof points[0]; i++)
    ts_test_check_jacobian(m, &points[i], &jacobian_fd);

  /* The exact entries at the RP-1 values (column-major): [-(k10 + k12), k12, k21, -k21] = [-16.8, 4.8, 2.4, -2.4];
   * dC/dA1 = 1/V1 = 0.1, dC/dA2 = 0. */
  double dfdx[4], dgdx[2];
  ts_test_jacobian_at(m, &points[0], dfdx, NULL, dgdx, NULL);
  ts_test_check_value("J[0,0]", dfdx[0], -16.8);
  ts_test_check_value("J[1,0]", dfdx[1], 4.8);
  ts_test_check_value("J[0,1]", dfdx[2], 2.4);
  ts_test_check_value("J[1,1]", dfdx[3], -2.4);
  ts_test_check_value("dC/dA1", dgdx[0], 0.1);
  assert_true(dgdx[1] == 0.0);
}

/* ---- Descriptor expectations shared by the new models ------------------------------------------------------ */

/* States all in mg, non-negative, nominal 1, named as given; one output C (mg/L, no direct inputs). */
static void expect_amount_states_and_c(const ts_model *m, const char *const *states, uint32_t n) {
  CHECK(m->n_states == n, "%s: %u states, expected %u", m->name, m->n_states, n);
  for (uint32_t i = 0; i < n; i++) {
    assert_string_equal(m->states[i].name, states[i]);
    assert_string_equal(m->states[i].unit, "mg");
    assert_true(m->states[i].flags == TS_STATE_NONNEGATIVE && m->states[i].nominal == 1.0);
  }
  assert_int_equal(m->n_inputs, 0);
  assert_int_equal(m->n_outputs, 1);
  assert_string_equal(m->outputs[0].name, "C");
  assert_string_equal(m->outputs[0].unit, "mg/L");
  assert_int_equal(m->outputs[0].type, TS_REAL);
  assert_null(m->outputs[0].direct_inputs);
}

static void expect_dose_target(const ts_dose_target *d, const char *name, const char *state, const char *f,
                               const char *lag) {
  assert_string_equal(d->name, name);
  assert_string_equal(d->state, state);
  assert_string_equal(d->unit, "mg");
  assert_int_equal(d->routes, TS_ROUTE_BOLUS | TS_ROUTE_INFUSION);
  if (f)
    assert_string_equal(d->bioavailability, f);
  else
    assert_null(d->bioavailability);
  if (lag)
    assert_string_equal(d->lag_time, lag);
  else
    assert_null(d->lag_time);
}

static void init_gives_zeros(const ts_model *m, const double *params) {
  double y0[MAX_DIM];
  for (uint32_t i = 0; i < MAX_DIM; i++)
    y0[i] = NAN;
  assert_int_equal(m->init(NULL, NULL, params, 2.0, y0), TS_OK);
  for (uint32_t i = 0; i < m->n_states; i++)
    CHECK(y0[i] == 0.0, "%s: initial %s = %g, expected 0", m->name, m->states[i].name, y0[i]);
}

#define OPEN TS_PARAM_LOWER_OPEN

/* ---- three_compartment ----------------------------------------------------------------------------------- */

static void test_three_compartment_descriptor(void **state) {
  const ts_model *m = ts_test_find_model(state, "three_compartment");
  const ts_test_param_spec params[] = {{"CL", "L/d", 880.8, 0, INFINITY, 0}, {"V1", "L", 7.14, 0, INFINITY, OPEN},
                                       {"Q2", "L/d", 183.4, 0, INFINITY, 0}, {"V2", "L", 4.391, 0, INFINITY, OPEN},
                                       {"Q3", "L/d", 219.3, 0, INFINITY, 0}, {"V3", "L", 116.1, 0, INFINITY, OPEN}};
  ts_test_expect_params(m, params, 6);
  const char *const states[] = {"A1", "A2", "A3"};
  expect_amount_states_and_c(m, states, 3);
  assert_int_equal(m->n_dose_targets, 1);
  expect_dose_target(&m->dose_targets[0], "central", "A1", NULL, NULL);
  const double p[] = {97.3, 8.1, 51.2, 23.9, 12.5, 140.0};
  init_gives_zeros(m, p);
}

/* CL = 97.3, V1 = 8.1, Q2 = 51.2, V2 = 23.9, Q3 = 12.5, V3 = 140; A = 37.2, 88.8, 410; Rin = 1234.5. */
static const point thc_point = {
    .params = {97.3, 8.1, 51.2, 23.9, 12.5, 140.0}, .states = {37.2, 88.8, 410.0}, .dose_rates = {1234.5}};

static void test_three_compartment_values(void **state) {
  const ts_model *m = ts_test_find_model(state, "three_compartment");
  double out[MAX_DIM], der[MAX_DIM], without[MAX_DIM];
  ts_test_evaluate(m, &thc_point, out, der);
  ts_test_check_value("C", out[0], 4.592592592592592593e+0);
  ts_test_check_value("dA1/dt", der[0], 7.219323714329990481e+2);
  ts_test_check_value("dA2/dt", der[1], 4.490810475747714241e+1);
  ts_test_check_value("dA3/dt", der[2], 2.080026455026455026e+1);
  /* The rate enters the central compartment only. */
  point x = thc_point;
  x.dose_rates[0] = 0;
  ts_test_evaluate(m, &x, out, without);
  ts_test_check_value("dA1/dt(R) - dA1/dt(0)", der[0] - without[0], 1234.5);
  assert_true(der[1] == without[1] && der[2] == without[2]);
  /* With CL = 0: dA1/dt + dA2/dt + dA3/dt = Rin. */
  x = thc_point;
  x.params[0] = 0;
  ts_test_evaluate(m, &x, out, der);
  ts_test_check_value("sum of derivatives with CL = 0", der[0] + der[1] + der[2], 1234.5);
}

static void test_three_compartment_jacobian(void **state) {
  const ts_model *m = ts_test_find_model(state, "three_compartment");
  const point points[] = {
      thc_point,
      {.params = {880.8, 7.14, 183.4, 4.391, 219.3, 116.1}, .states = {180.0, 20.0, 5.0}, .dose_rates = {4320.0}},
      {.params = {0.0, 3.3, 0.7, 210.0, 0.0, 1.0}, .states = {0.0, 0.0, 0.0}, .dose_rates = {10.0}},
  };
  for (size_t i = 0; i < sizeof points / sizeof points[0]; i++)
    ts_test_check_jacobian(m, &points[i], &jacobian_fd);
}

/* ---- Oral models --------------------------------------------------------------------------------------------- */

static const ts_test_param_spec absorption_specs[] = {
    {"ka", "1/d", 24.0, 0, INFINITY, OPEN}, {"F", "1", 1.0, 0, 1.0, OPEN}, {"tlag", "d", 0.0, 0, INFINITY, 0}};

static void test_oral_descriptors(void **state) {
  static const struct {
    const char *model;
    ts_test_param_spec disposition[6];
    uint32_t n_disposition;
    const char *states[4];
  } oral[] = {
      {"one_compartment_oral", {{"CL", "L/d", 120, 0, INFINITY, 0}, {"V", "L", 10, 0, INFINITY, OPEN}}, 2, {"Ad", "A"}},
      {"two_compartment_oral",
       {{"CL", "L/d", 120, 0, INFINITY, 0},
        {"V1", "L", 10, 0, INFINITY, OPEN},
        {"Q", "L/d", 48, 0, INFINITY, 0},
        {"V2", "L", 20, 0, INFINITY, OPEN}},
       4,
       {"Ad", "A1", "A2"}},
      {"three_compartment_oral",
       {{"CL", "L/d", 880.8, 0, INFINITY, 0},
        {"V1", "L", 7.14, 0, INFINITY, OPEN},
        {"Q2", "L/d", 183.4, 0, INFINITY, 0},
        {"V2", "L", 4.391, 0, INFINITY, OPEN},
        {"Q3", "L/d", 219.3, 0, INFINITY, 0},
        {"V3", "L", 116.1, 0, INFINITY, OPEN}},
       6,
       {"Ad", "A1", "A2", "A3"}},
  };
  for (size_t k = 0; k < 3; k++) {
    const ts_model *m = ts_test_find_model(state, oral[k].model);
    ts_test_param_spec spec[9];
    const uint32_t nd = oral[k].n_disposition;
    memcpy(spec, oral[k].disposition, nd * sizeof spec[0]);
    memcpy(spec + nd, absorption_specs, sizeof absorption_specs);
    ts_test_expect_params(m, spec, nd + 3);
    expect_amount_states_and_c(m, oral[k].states, nd / 2 + 1);
    assert_int_equal(m->n_dose_targets, 2);
    /* The host applies F and the lag to depot doses only (plugin.h, ts_dose_target). */
    expect_dose_target(&m->dose_targets[0], "depot", "Ad", "F", "tlag");
    expect_dose_target(&m->dose_targets[1], "central", oral[k].states[1], NULL, NULL);
    const double p[9] = {10, 10, 10, 10, 10, 10, 10, 10, 10};
    init_gives_zeros(m, p);
  }
}

/* The same disposition as thc_point with ka = 30.5, F = 0.6, tlag = 0.1 (F and tlag play no part in the
 * derivatives), depot Ad = 55.5, Rin into depot 100 and into central 1234.5. */
static point oral_point(uint32_t n_periph) {
  point x = {.dose_rates = {100.0, 1234.5}};
  const double disposition[] = {97.3, 8.1, 51.2, 23.9, 12.5, 140.0}, amounts[] = {37.2, 88.8, 410.0};
  uint32_t np = 2 + 2 * n_periph;
  memcpy(x.params, disposition, np * sizeof(double));
  x.params[np] = 30.5;
  x.params[np + 1] = 0.6;
  x.params[np + 2] = 0.1;
  x.states[0] = 55.5;
  memcpy(x.states + 1, amounts, (n_periph + 1) * sizeof(double));
  return x;
}

static void test_oral_values(void **state) {
  static const struct {
    const char *model;
    double d_central;
  } oral[] = {{"one_compartment_oral", 2.480390740740740741e+3},
              {"two_compartment_oral", 2.435482635983263598e+3},
              {"three_compartment_oral", 2.414682371432999048e+3}};
  const double d_periph[] = {4.490810475747714241e+1, 2.080026455026455026e+1};
  for (uint32_t k = 0; k < 3; k++) {
    const ts_model *m = ts_test_find_model(state, oral[k].model);
    double out[MAX_DIM], der[MAX_DIM], base[MAX_DIM];
    point x = oral_point(k);
    ts_test_evaluate(m, &x, out, der);
    ts_test_check_value("C", out[0], 4.592592592592592593e+0);
    ts_test_check_value("dAd/dt", der[0], -1.59275e+3); /* 100 - 30.5*55.5 */
    ts_test_check_value("dA1/dt", der[1], oral[k].d_central);
    for (uint32_t i = 0; i < k; i++)
      ts_test_check_value("dAi/dt", der[2 + i], d_periph[i]);

    /* Each dose target's rate enters its own state only. */
    point zero = x;
    zero.dose_rates[0] = zero.dose_rates[1] = 0;
    ts_test_evaluate(m, &zero, out, base);
    ts_test_check_value("depot rate", der[0] - base[0], 100.0);
    ts_test_check_value("central rate", der[1] - base[1], 1234.5);
    for (uint32_t i = 0; i < k; i++)
      assert_true(der[2 + i] == base[2 + i]);

    /* F and tlag are for the host: they change nothing here. */
    point other = x;
    other.params[2 + 2 * k + 1] = 0.05;
    other.params[2 + 2 * k + 2] = 3.0;
    double der2[MAX_DIM];
    ts_test_evaluate(m, &other, out, der2);
    assert_memory_equal(der, der2, m->n_states * sizeof(double));

    /* Mass balance with CL = 0: the derivatives add up to the two rates, depot included. */
    point closed = x;
    closed.params[0] = 0;
    ts_test_evaluate(m, &closed, out, der);
    double sum = 0;
    for (uint32_t i = 0; i < m->n_states; i++)
      sum += der[i];
    ts_test_check_value("sum of derivatives with CL = 0", sum, 1334.5);
  }
}

static void test_oral_jacobians(void **state) {
  const char *models[] = {"one_compartment_oral", "two_compartment_oral", "three_compartment_oral"};
  for (uint32_t k = 0; k < 3; k++) {
    const ts_model *m = ts_test_find_model(state, models[k]);
    point x = oral_point(k);
    ts_test_check_jacobian(m, &x, &jacobian_fd);
    x.params[0] = 0; /* no clearance */
    x.states[0] = 0; /* empty depot */
    ts_test_check_jacobian(m, &x, &jacobian_fd);
    /* The absorption entries exactly: d(dAd/dt)/dAd = -ka, d(dA1/dt)/dAd = ka. */
    double dfdx[MAX_DIM * MAX_DIM], dgdx[MAX_DIM];
    ts_test_jacobian_at(m, &x, dfdx, NULL, dgdx, NULL);
    ts_test_check_value("d(dAd/dt)/dAd", dfdx[0], -30.5);
    ts_test_check_value("d(dA1/dt)/dAd", dfdx[1], 30.5);
    ts_test_check_value("dC/dA1", dgdx[1], 1 / 8.1);
    assert_true(dgdx[0] == 0.0);
  }
}

/* ---- Michaelis-Menten models ------------------------------------------------------------------------------- */

static void test_mm_descriptors(void **state) {
  const ts_model *one = ts_test_find_model(state, "one_compartment_mm");
  const ts_test_param_spec one_params[] = {
      {"Vmax", "mg/d", 1200, 0, INFINITY, 0}, {"Km", "mg/L", 10, 0, INFINITY, OPEN}, {"V", "L", 10, 0, INFINITY, OPEN}};
  ts_test_expect_params(one, one_params, 3);
  const char *const one_states[] = {"A"};
  expect_amount_states_and_c(one, one_states, 1);
  assert_int_equal(one->n_dose_targets, 1);
  expect_dose_target(&one->dose_targets[0], "central", "A", NULL, NULL);
  init_gives_zeros(one, (const double[]){1200, 10, 10});

  const ts_model *two = ts_test_find_model(state, "two_compartment_mm");
  const ts_test_param_spec two_params[] = {{"Vmax", "mg/d", 1200, 0, INFINITY, 0},
                                           {"Km", "mg/L", 10, 0, INFINITY, OPEN},
                                           {"V1", "L", 10, 0, INFINITY, OPEN},
                                           {"Q", "L/d", 48, 0, INFINITY, 0},
                                           {"V2", "L", 20, 0, INFINITY, OPEN}};
  ts_test_expect_params(two, two_params, 5);
  const char *const two_states[] = {"A1", "A2"};
  expect_amount_states_and_c(two, two_states, 2);
  assert_int_equal(two->n_dose_targets, 1);
  expect_dose_target(&two->dose_targets[0], "central", "A1", NULL, NULL);
  init_gives_zeros(two, (const double[]){1200, 10, 10, 48, 20});
}

static void test_mm_values(void **state) {
  const ts_model *one = ts_test_find_model(state, "one_compartment_mm");
  double out[MAX_DIM], der[MAX_DIM];
  /* Defaults, A = 50 mg: C = 5 mg/L, elimination 1200*5/(10 + 5) = 400 mg/d. */
  point x = {.params = {1200, 10, 10}, .states = {50}, .dose_rates = {0}};
  ts_test_evaluate(one, &x, out, der);
  ts_test_check_value("C", out[0], 5.0);
  ts_test_check_value("dA/dt", der[0], -400.0);
  x.dose_rates[0] = 2400;
  ts_test_evaluate(one, &x, out, der);
  ts_test_check_value("dA/dt with Rin", der[0], 2000.0);
  /* Saturation: at C = 1e6 Km the elimination is Vmax to 1e-6; far below Km it is (Vmax/Km)*C = CL*C. */
  x = (point){.params = {1200, 10, 10}, .states = {1e8}, .dose_rates = {0}};
  ts_test_evaluate(one, &x, out, der);
  ts_test_check_value("dA/dt saturated", der[0], -1200.0 * 1e7 / (1e7 + 10));
  x.states[0] = 1e-6;
  ts_test_evaluate(one, &x, out, der);
  CHECK(fabs(der[0] / (-120.0 * 1e-7) - 1) < 1e-7, "dA/dt at low C = %g, linear limit %g", der[0], -120.0 * 1e-7);

  /* Two compartments: Vmax 800, Km 5, V1 8.1, Q 51.2, V2 23.9; A = 37.2, 88.8; Rin 1234.5. */
  const ts_model *two = ts_test_find_model(state, "two_compartment_mm");
  point y = {.params = {800, 5, 8.1, 51.2, 23.9}, .states = {37.2, 88.8}, .dose_rates = {1234.5}};
  ts_test_evaluate(two, &y, out, der);
  ts_test_check_value("C", out[0], 4.592592592592592593e+0);
  ts_test_check_value("dA1/dt", der[0], 8.065803122309398460e+2);
  ts_test_check_value("dA2/dt", der[1], 4.490810475747714241e+1);
  /* Mass balance with Vmax = 0. */
  y.params[0] = 0;
  ts_test_evaluate(two, &y, out, der);
  ts_test_check_value("dA1/dt + dA2/dt with Vmax = 0", der[0] + der[1], 1234.5);
}

/* C <= -Km is outside the domain of Vmax*C/(Km + C): recoverable, so that the solver retries a smaller step. */
static void test_mm_outside_domain(void **state) {
  const char *models[] = {"one_compartment_mm", "two_compartment_mm"};
  const point points[] = {{.params = {1200, 10, 10}, .states = {-100}, .dose_rates = {0}},
                          {.params = {800, 5, 8.1, 51.2, 23.9}, .states = {-50, 10}, .dose_rates = {0}}};
  for (int k = 0; k < 2; k++) {
    const ts_model *m = ts_test_find_model(state, models[k]);
    double out[MAX_DIM], der[MAX_DIM], dfdx[MAX_DIM * MAX_DIM] = {0}, dgdx[MAX_DIM] = {0};
    ts_eval e = {
        .params = points[k].params, .states = points[k].states, .dose_rates = points[k].dose_rates, .outputs = out};
    assert_int_equal(m->compute_outputs(NULL, &e), TS_OK);
    e.derivatives = der;
    assert_int_equal(m->compute_derivatives(NULL, &e), TS_RECOVERABLE);
    assert_int_equal(m->jacobian(NULL, &e, dfdx, NULL, dgdx, NULL), TS_RECOVERABLE);
  }
}

static void test_mm_jacobians(void **state) {
  const ts_model *one = ts_test_find_model(state, "one_compartment_mm");
  const double amounts[] = {0.0, 1e-3, 50.0, 100.0, 1e5};
  for (size_t i = 0; i < sizeof amounts / sizeof amounts[0]; i++) {
    const point x = {.params = {1200, 10, 10}, .states = {amounts[i]}, .dose_rates = {100}};
    ts_test_check_jacobian(one, &x, &jacobian_fd);
  }
  const ts_model *two = ts_test_find_model(state, "two_compartment_mm");
  const point points[] = {{.params = {800, 5, 8.1, 51.2, 23.9}, .states = {37.2, 88.8}, .dose_rates = {1234.5}},
                          {.params = {1200, 10, 10, 48, 20}, .states = {0.0, 0.0}, .dose_rates = {0}},
                          {.params = {0, 0.5, 3.3, 0.7, 210}, .states = {1e4, 3.0}, .dose_rates = {10}}};
  for (size_t i = 0; i < sizeof points / sizeof points[0]; i++)
    ts_test_check_jacobian(two, &points[i], &jacobian_fd);
  /* At C = Km the slope of the elimination is Vmax*Km/(V*(2 Km)^2) = Vmax/(4 Km V): 1200/400 = 3 /d. */
  double dfdx[1], dgdx[1];
  const point x = {.params = {1200, 10, 10}, .states = {100}, .dose_rates = {0}};
  ts_test_jacobian_at(one, &x, dfdx, NULL, dgdx, NULL);
  ts_test_check_value("d(dA/dt)/dA at C = Km", dfdx[0], -3.0);
  ts_test_check_value("dC/dA", dgdx[0], 0.1);
}

/* ---- auc ---------------------------------------------------------------------------------------------------- */

static void test_auc(void **state) {
  const ts_model *m = ts_test_find_model(state, "auc");
  assert_int_equal(m->n_params, 0);
  assert_int_equal(m->n_states, 1);
  assert_string_equal(m->states[0].name, "AUC");
  assert_string_equal(m->states[0].unit, "mg*d/L");
  assert_int_equal(m->n_inputs, 1);
  assert_string_equal(m->inputs[0].name, "C");
  assert_string_equal(m->inputs[0].unit, "mg/L");
  assert_int_equal(m->inputs[0].type, TS_REAL);
  assert_int_equal(m->inputs[0].flags, 0); /* required: an AUC of nothing is a wiring mistake */
  assert_int_equal(m->n_outputs, 0);
  assert_null(m->compute_outputs);
  assert_int_equal(m->n_dose_targets, 0);
  init_gives_zeros(m, NULL);

  double out[MAX_DIM], der[MAX_DIM];
  const double inputs[] = {3.7, 0.0, 1e-9, 250.0};
  for (size_t i = 0; i < 4; i++) {
    point x = {.states = {12.5}, .inputs = {inputs[i]}};
    ts_test_evaluate(m, &x, out, der);
    CHECK(der[0] == inputs[i], "dAUC/dt = %g with C = %g", der[0], inputs[i]);
    ts_test_check_jacobian(m, &x, &jacobian_fd);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_plugin_header),
      cmocka_unit_test(test_descriptors_are_valid),
      cmocka_unit_test(test_one_compartment_descriptor),
      cmocka_unit_test(test_one_compartment_init),
      cmocka_unit_test(test_one_compartment_values),
      cmocka_unit_test(test_one_compartment_infusion),
      cmocka_unit_test(test_one_compartment_jacobian),
      cmocka_unit_test(test_two_compartment_descriptor),
      cmocka_unit_test(test_two_compartment_init),
      cmocka_unit_test(test_two_compartment_values),
      cmocka_unit_test(test_two_compartment_infusion),
      cmocka_unit_test(test_two_compartment_mass_balance),
      cmocka_unit_test(test_two_compartment_jacobian),
      cmocka_unit_test(test_three_compartment_descriptor),
      cmocka_unit_test(test_three_compartment_values),
      cmocka_unit_test(test_three_compartment_jacobian),
      cmocka_unit_test(test_oral_descriptors),
      cmocka_unit_test(test_oral_values),
      cmocka_unit_test(test_oral_jacobians),
      cmocka_unit_test(test_mm_descriptors),
      cmocka_unit_test(test_mm_values),
      cmocka_unit_test(test_mm_outside_domain),
      cmocka_unit_test(test_mm_jacobians),
      cmocka_unit_test(test_auc),
  };
  return cmocka_run_group_tests_name("plugins.pk", tests, open_plugin, ts_test_plugin_close);
}
