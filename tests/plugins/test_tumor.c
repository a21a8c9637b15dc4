/*
 * Tests of the tumor plugin (plugins/tumor/) through its ABI, as the host sees it: the library is dlopen()ed from
 * TS_TEST_PLUGIN_DIR and only the entry symbol is used.
 *
 * What is checked:
 *   - the library and model headers (ABI version, struct sizes, the list of models) and every descriptor
 *     (identifiers, units, docs, defaults within bounds, direct_inputs naming existing inputs, no unknown flag
 *     bits), and for every model its parameters (names, units, defaults, bounds and open/closed flags), states,
 *     inputs and outputs; the growth laws all have exactly the common interface (state N; inputs kill_rate and
 *     growth_inhibition, summing, default 0; outputs volume and diameter; last parameters N0 and cell_density);
 *   - init() and the right-hand side / outputs of every model at chosen points against values computed by hand
 *     (expected values were worked out to 40 digits with Python's mpmath from the equations in
 *     docs/models/tumor.md), relative error <= 1e-12;
 *   - gompertz: outputs read only their declared direct inputs; kill_rate adds to the per-cell death rate;
 *     unconnected inputs (their defaults) give untreated Gompertz growth; N <= 0 is a recoverable failure; a
 *     negative concentration is read as 0; the same domain rules for the other models;
 *   - the analytic Jacobian of every model against central finite differences, relative error <= 1e-6 (an entry
 *     whose contribution J_ij*x_j is below 1e-4 of the derivative itself is below what differences resolve to that
 *     precision and is compared against that floor instead).
 * End-to-end integration against closed forms is in test_tumor_sim.c.
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
 * magnitude, 1 for an input, at 0), relative error <= 1e-6. The floor: rounding makes the differences uncertain by
 * about eps*|f_i|/h, with h = 1e-5*|x_j|, so an entry whose contribution |J_ij*x_j| is below 1e-4*|f_i| cannot be
 * resolved to 1e-6; it is compared against that floor instead (an absolute error of 1e-10*|f_i|/|x_j|). */
static const ts_test_fd jacobian_fd = {.step = 1e-5, .tol = 1e-6, .floor = 1e-300, .entry_floor = 1e-4};

typedef ts_test_point point;

static int open_plugin(void **state) {
  return ts_test_plugin_open(state, "tumor.so");
}

/* ---- Library header ------------------------------------------------------------------------------------------ */

static void test_plugin_header(void **state) {
  static const char *const names[] = {
      "gompertz", "exponential", "logistic", "gompertz_law", "von_bertalanffy",    "power_law", "exponential_linear",
      "simeoni",  "emax_kill",   "log_kill", "norton_simon", "gompertz_two_clone", "clones_lv"};
  ts_test_check_plugin_header(state, "tumor", names, sizeof names / sizeof names[0]);
}

static void test_descriptors_are_valid(void **state) {
  /* No per-instance data, no discrete step, no bolus of its own; every model has an analytic Jacobian. */
  ts_test_check_models(state, (ts_test_callbacks){.jacobian = true});
}

/* ---- gompertz -------------------------------------------------------------------------------------------- */

enum { ALPHA, K, N0, EMAX, EC50, CELL_DENSITY };
enum { IN_C, IN_KILL_RATE };
enum { OUT_VOLUME, OUT_DIAMETER, OUT_DRUG_KILL };

/* Parameters in declaration order: alpha, K, N0, Emax, EC50, cell_density. */
#define RP1_PARAMS                                                                                                     \
  { 0.005, 1e12, 1e9, 0.8, 0.5, 1e6 }
#define OTHER_PARAMS                                                                                                   \
  { 0.0123, 3.3e11, 2.0e8, 0.45, 1.7, 2.5e5 }

static void test_gompertz_descriptor(void **state) {
  const ts_model *m = ts_test_find_model(state, "gompertz");
  /* Parameters that must be > 0 exclude the lower bound 0. */
  static const ts_test_param_spec params[] = {{"alpha", "1/d", 0.005, 0.0, INFINITY, 0},
                                              {"K", "cells", 1e12, 0.0, INFINITY, TS_PARAM_LOWER_OPEN},
                                              {"N0", "cells", 1e9, 0.0, INFINITY, TS_PARAM_LOWER_OPEN},
                                              {"Emax", "1/d", 0.8, 0.0, INFINITY, 0},
                                              {"EC50", "mg/L", 0.5, 0.0, INFINITY, TS_PARAM_LOWER_OPEN},
                                              {"cell_density", "cells/mm^3", 1e6, 0.0, INFINITY, TS_PARAM_LOWER_OPEN}};
  ts_test_expect_params(m, params, 6);

  assert_int_equal(m->n_states, 1);
  assert_string_equal(m->states[0].name, "N");
  assert_string_equal(m->states[0].unit, "cells");
  assert_true(m->states[0].flags & TS_STATE_NONNEGATIVE);

  assert_int_equal(m->n_inputs, 2);
  assert_string_equal(m->inputs[IN_C].name, "C");
  assert_string_equal(m->inputs[IN_C].unit, "mg/L");
  assert_int_equal(m->inputs[IN_C].type, TS_REAL);
  assert_int_equal(m->inputs[IN_C].flags, TS_INPUT_OPTIONAL);
  assert_true(m->inputs[IN_C].default_value == 0.0);
  assert_string_equal(m->inputs[IN_KILL_RATE].name, "kill_rate");
  assert_string_equal(m->inputs[IN_KILL_RATE].unit, "1/d");
  assert_int_equal(m->inputs[IN_KILL_RATE].type, TS_REAL);
  assert_true(m->inputs[IN_KILL_RATE].flags & TS_INPUT_SUM);
  assert_true(m->inputs[IN_KILL_RATE].default_value == 0.0);

  assert_int_equal(m->n_outputs, 3);
  assert_string_equal(m->outputs[OUT_VOLUME].name, "volume");
  assert_string_equal(m->outputs[OUT_VOLUME].unit, "mm^3");
  assert_null(m->outputs[OUT_VOLUME].direct_inputs);
  assert_string_equal(m->outputs[OUT_DIAMETER].name, "diameter");
  assert_string_equal(m->outputs[OUT_DIAMETER].unit, "mm");
  assert_null(m->outputs[OUT_DIAMETER].direct_inputs);
  assert_string_equal(m->outputs[OUT_DRUG_KILL].name, "drug_kill");
  assert_string_equal(m->outputs[OUT_DRUG_KILL].unit, "1/d");
  assert_non_null(m->outputs[OUT_DRUG_KILL].direct_inputs);
  assert_string_equal(m->outputs[OUT_DRUG_KILL].direct_inputs[0], "C");
  assert_null(m->outputs[OUT_DRUG_KILL].direct_inputs[1]);
  for (uint32_t i = 0; i < 3; i++)
    assert_int_equal(m->outputs[i].type, TS_REAL);

  assert_int_equal(m->n_dose_targets, 0);
  assert_non_null(m->jacobian);
}

static void test_gompertz_init(void **state) {
  const ts_model *m = ts_test_find_model(state, "gompertz");
  const double params[] = OTHER_PARAMS;
  double y0[] = {NAN};
  assert_int_equal(m->init(NULL, NULL, params, 0.0, y0), TS_OK);
  assert_true(y0[0] == 2.0e8); /* N(t0) = N0 */
}

static void test_gompertz_values(void **state) {
  const ts_model *m = ts_test_find_model(state, "gompertz");
  double out[MAX_DIM], der[MAX_DIM];

  /* RP-1 values, N = 1e9, C = EC50 = 0.5 mg/L, kill_rate = 0.1 /d:
   * drug_kill = 0.8/2 = 0.4 /d, dN/dt = 0.005*ln(1000)*1e9 - 0.4e9 - 0.1e9, volume = 1000 mm^3,
   * diameter = (6000/pi)^(1/3) mm. */
  const point a = {.params = RP1_PARAMS, .states = {1e9}, .inputs = {0.5, 0.1}};
  ts_test_evaluate(m, &a, out, der);
  ts_test_check_value("dN/dt", der[0], -4.65461223605089315e+8);
  ts_test_check_value("volume", out[OUT_VOLUME], 1000.0);
  ts_test_check_value("diameter", out[OUT_DIAMETER], 1.24070098179880003e+1);
  ts_test_check_value("drug_kill", out[OUT_DRUG_KILL], 0.4);

  /* Other parameters, N = 4.2e10 < K, C = 3.1, kill_rate = 0.02. */
  const point b = {.params = OTHER_PARAMS, .states = {4.2e10}, .inputs = {3.1, 0.02}};
  ts_test_evaluate(m, &b, out, der);
  ts_test_check_value("dN/dt", der[0], -1.19813188595108804e+10);
  ts_test_check_value("volume", out[OUT_VOLUME], 1.68e5);
  ts_test_check_value("diameter", out[OUT_DIAMETER], 6.84599986868900434e+1);
  ts_test_check_value("drug_kill", out[OUT_DRUG_KILL], 2.90625e-1);

  /* Above the carrying capacity, N = 5e11 > K = 3.3e11, no drug: Gompertz shrinkage. */
  const point c = {.params = OTHER_PARAMS, .states = {5e11}, .inputs = {0.0, 0.0}};
  ts_test_evaluate(m, &c, out, der);
  ts_test_check_value("dN/dt", der[0], -2.55541998036424481e+9);
  ts_test_check_value("volume", out[OUT_VOLUME], 2e6);
  ts_test_check_value("diameter", out[OUT_DIAMETER], 1.56318528359354406e+2);
  assert_true(out[OUT_DRUG_KILL] == 0.0);

  /* At the carrying capacity, no drug: a steady state. */
  const point d = {.params = OTHER_PARAMS, .states = {3.3e11}, .inputs = {0.0, 0.0}};
  ts_test_evaluate(m, &d, out, der);
  assert_true(der[0] == 0.0);
}

static void test_gompertz_unconnected_inputs(void **state) {
  const ts_model *m = ts_test_find_model(state, "gompertz");
  /* Unconnected, both inputs read their defaults: untreated growth, dN/dt = alpha*ln(K/N)*N;
   * with the RP-1 values and N = 1e9: 0.005*ln(1000)*1e9. */
  point x = {.params = RP1_PARAMS, .states = {1e9}};
  for (uint32_t i = 0; i < m->n_inputs; i++)
    x.inputs[i] = m->inputs[i].default_value;
  double out[MAX_DIM], der[MAX_DIM];
  ts_test_evaluate(m, &x, out, der);
  ts_test_check_value("dN/dt", der[0], 3.45387763949106853e+7);
  assert_true(out[OUT_DRUG_KILL] == 0.0);
}

static void test_gompertz_kill_rate_adds(void **state) {
  const ts_model *m = ts_test_find_model(state, "gompertz");
  double out[MAX_DIM], without[MAX_DIM], with[MAX_DIM];
  point x = {.params = OTHER_PARAMS, .states = {4.2e10}, .inputs = {3.1, 0.0}};
  ts_test_evaluate(m, &x, out, without);
  /* Several contributions reach the model as their sum: 0.25 + 0.12 /d. */
  x.inputs[IN_KILL_RATE] = 0.25 + 0.12;
  ts_test_evaluate(m, &x, out, with);
  ts_test_check_value("dN/dt(kill) - dN/dt(0)", with[0] - without[0], -0.37 * 4.2e10);
  /* The drug_kill output is the drug's share only. */
  ts_test_check_value("drug_kill", out[OUT_DRUG_KILL], 2.90625e-1);
}

static void test_gompertz_outputs_read_only_direct_inputs(void **state) {
  const ts_model *m = ts_test_find_model(state, "gompertz");
  double out[MAX_DIM];
  /* In compute_outputs() only direct inputs are valid: a NaN in kill_rate (read by no output) must not show. */
  const point a = {.params = RP1_PARAMS, .states = {1e9}, .inputs = {0.5, NAN}};
  ts_eval e = {.t = 1.0, .params = a.params, .states = a.states, .inputs = a.inputs, .outputs = out};
  assert_int_equal(m->compute_outputs(NULL, &e), TS_OK);
  ts_test_check_value("volume", out[OUT_VOLUME], 1000.0);
  ts_test_check_value("diameter", out[OUT_DIAMETER], 1.24070098179880003e+1);
  ts_test_check_value("drug_kill", out[OUT_DRUG_KILL], 0.4);

  /* volume and diameter declare no direct input: they must not depend on C. */
  const point b = {.params = RP1_PARAMS, .states = {1e9}, .inputs = {NAN, NAN}};
  e.inputs = b.inputs;
  assert_int_equal(m->compute_outputs(NULL, &e), TS_OK);
  ts_test_check_value("volume", out[OUT_VOLUME], 1000.0);
  ts_test_check_value("diameter", out[OUT_DIAMETER], 1.24070098179880003e+1);
  assert_true(isnan(out[OUT_DRUG_KILL])); /* a NaN concentration is passed on, not hidden */
}

static void test_gompertz_nonpositive_cells_recoverable(void **state) {
  const ts_model *m = ts_test_find_model(state, "gompertz");
  const double cells[] = {0.0, -1.0, -3e8, NAN};
  for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++) {
    const point x = {.params = RP1_PARAMS, .states = {cells[i]}, .inputs = {0.5, 0.1}};
    double out[MAX_DIM] = {0}, der[MAX_DIM] = {0};
    double dfdx[1] = {0}, dfdu[2] = {0}, dgdx[3] = {0}, dgdu[6] = {0};
    const ts_eval e = {.params = x.params, .states = x.states, .inputs = x.inputs, .outputs = out, .derivatives = der};
    CHECK(m->compute_derivatives(NULL, &e) == TS_RECOVERABLE, "compute_derivatives at N = %g", cells[i]);
    CHECK(m->jacobian(NULL, &e, dfdx, dfdu, dgdx, dgdu) == TS_RECOVERABLE, "jacobian at N = %g", cells[i]);
  }
  /* The outputs of an eradicated tumor are still defined. */
  const point zero = {.params = RP1_PARAMS, .states = {0.0}, .inputs = {0.5, 0.1}};
  double out[MAX_DIM];
  const ts_eval e = {.params = zero.params, .states = zero.states, .inputs = zero.inputs, .outputs = out};
  assert_int_equal(m->compute_outputs(NULL, &e), TS_OK);
  assert_true(out[OUT_VOLUME] == 0.0);
  assert_true(out[OUT_DIAMETER] == 0.0);
}

static void test_gompertz_negative_concentration(void **state) {
  const ts_model *m = ts_test_find_model(state, "gompertz");
  double out[MAX_DIM], der_negative[MAX_DIM], der_zero[MAX_DIM];
  /* A concentration slightly below 0 (solver noise) is read as 0, also by the Jacobian. */
  point x = {.params = OTHER_PARAMS, .states = {4.2e10}, .inputs = {-1e-9, 0.02}};
  ts_test_evaluate(m, &x, out, der_negative);
  assert_true(out[OUT_DRUG_KILL] == 0.0);
  x.inputs[IN_C] = 0.0;
  ts_test_evaluate(m, &x, out, der_zero);
  assert_true(der_negative[0] == der_zero[0]);

  x.inputs[IN_C] = -1e-9;
  double dfdx[1], dfdu[2], dgdx[3], dgdu[6];
  ts_test_jacobian_at(m, &x, dfdx, dfdu, dgdx, dgdu);
  assert_true(dfdu[IN_C] == 0.0);
  assert_true(dgdu[OUT_DRUG_KILL + IN_C * 3] == 0.0);
}

static void test_gompertz_jacobian(void **state) {
  const ts_model *m = ts_test_find_model(state, "gompertz");
  const point points[] = {
      {.params = RP1_PARAMS, .states = {1e9}, .inputs = {0.5, 0.1}},
      {.params = OTHER_PARAMS, .states = {4.2e10}, .inputs = {3.1, 0.02}},
      {.params = OTHER_PARAMS, .states = {5e11}, .inputs = {0.02, 0.3}}, /* above K */
      {.params = RP1_PARAMS, .states = {1e3}, .inputs = {7.0, 0.0}},     /* a few cells: ln(K/N) large */
  };
  for (size_t i = 0; i < sizeof points / sizeof points[0]; i++)
    ts_test_check_jacobian(m, &points[i], &jacobian_fd);

  /* Exact entries at the RP-1 point (blocks column-major):
   *   d(dN/dt)/dN = alpha*(ln(K/N) - 1) - drug_kill - kill_rate = 0.005*(ln(1000) - 1) - 0.5
   *   d(dN/dt)/dC = -N*Emax*EC50/(EC50 + C)^2 = -4e8,  d(dN/dt)/dkill_rate = -N = -1e9
   *   dvolume/dN = 1/cell_density = 1e-6,  ddiameter/dN = diameter/(3N),  ddrug_kill/dC = Emax*EC50/(EC50+C)^2 = 0.4 */
  double dfdx[1], dfdu[2], dgdx[3], dgdu[6];
  ts_test_jacobian_at(m, &points[0], dfdx, dfdu, dgdx, dgdu);
  ts_test_check_value("d(dN/dt)/dN", dfdx[0], -4.70461223605089315e-1);
  ts_test_check_value("d(dN/dt)/dC", dfdu[IN_C], -4e8);
  ts_test_check_value("d(dN/dt)/dkill_rate", dfdu[IN_KILL_RATE], -1e9);
  ts_test_check_value("dvolume/dN", dgdx[OUT_VOLUME], 1e-6);
  ts_test_check_value("ddiameter/dN", dgdx[OUT_DIAMETER], 4.13566993932933343e-9);
  assert_true(dgdx[OUT_DRUG_KILL] == 0.0);
  ts_test_check_value("ddrug_kill/dC", dgdu[OUT_DRUG_KILL + IN_C * 3], 0.4);
  for (uint32_t i = 0; i < 3; i++)
    CHECK(dgdu[i + IN_KILL_RATE * 3] == 0.0, "d%s/dkill_rate = %g, no output reads kill_rate", m->outputs[i].name,
          dgdu[i + IN_KILL_RATE * 3]);
  assert_true(dgdu[OUT_VOLUME + IN_C * 3] == 0.0);
  assert_true(dgdu[OUT_DIAMETER + IN_C * 3] == 0.0);

  /* At C = 0 the right-hand derivative: ddrug_kill/dC = Emax/EC50 = 1.6, d(dN/dt)/dC = -1.6*N. */
  const point zero = {.params = RP1_PARAMS, .states = {1e9}, .inputs = {0.0, 0.0}};
  double dfdu0[2], dgdu0[6];
  ts_test_jacobian_at(m, &zero, dfdx, dfdu0, dgdx, dgdu0);
  ts_test_check_value("ddrug_kill/dC at 0", dgdu0[OUT_DRUG_KILL + IN_C * 3], 1.6);
  ts_test_check_value("d(dN/dt)/dC at 0", dfdu0[IN_C], -1.6e9);
}

/* ---- Descriptor tables ------------------------------------------------------------------------------------- */

#define OPEN TS_PARAM_LOWER_OPEN

typedef struct signal_spec {
  const char *name, *unit;
  uint32_t flags;        /* state or input flags */
  const char *direct[2]; /* an output's direct inputs (at most one here) */
} signal_spec;

static void check_states(const ts_model *m, const signal_spec *spec, uint32_t n) {
  CHECK(m->n_states == n, "model %s: %u states, expected %u", m->name, m->n_states, n);
  for (uint32_t i = 0; i < n; i++) {
    CHECK(strcmp(m->states[i].name, spec[i].name) == 0 && strcmp(m->states[i].unit, spec[i].unit) == 0 &&
              m->states[i].flags == spec[i].flags,
          "model %s: state %u is %s (%s, flags %u), expected %s (%s, flags %u)", m->name, i, m->states[i].name,
          m->states[i].unit, m->states[i].flags, spec[i].name, spec[i].unit, spec[i].flags);
  }
}

/* Inputs are all TS_REAL with default 0 in this plugin. */
static void check_inputs(const ts_model *m, const signal_spec *spec, uint32_t n) {
  CHECK(m->n_inputs == n, "model %s: %u inputs, expected %u", m->name, m->n_inputs, n);
  for (uint32_t i = 0; i < n; i++) {
    const ts_input *in = &m->inputs[i];
    CHECK(strcmp(in->name, spec[i].name) == 0 && strcmp(in->unit, spec[i].unit) == 0 && in->flags == spec[i].flags,
          "model %s: input %u is %s (%s, flags %u), expected %s (%s, flags %u)", m->name, i, in->name, in->unit,
          in->flags, spec[i].name, spec[i].unit, spec[i].flags);
    CHECK(in->type == TS_REAL && in->default_value == 0.0, "%s.%s: type or default", m->name, in->name);
  }
}

/* Outputs are all TS_REAL. */
static void check_outputs(const ts_model *m, const signal_spec *spec, uint32_t n) {
  CHECK(m->n_outputs == n, "model %s: %u outputs, expected %u", m->name, m->n_outputs, n);
  for (uint32_t i = 0; i < n; i++) {
    const ts_output *o = &m->outputs[i];
    CHECK(strcmp(o->name, spec[i].name) == 0 && strcmp(o->unit, spec[i].unit) == 0 && o->type == TS_REAL,
          "model %s: output %u is %s (%s), expected %s (%s)", m->name, i, o->name, o->unit, spec[i].name, spec[i].unit);
    if (!spec[i].direct[0]) {
      CHECK(o->direct_inputs == NULL, "%s.%s reads no input", m->name, o->name);
    } else {
      CHECK(o->direct_inputs && o->direct_inputs[0] && strcmp(o->direct_inputs[0], spec[i].direct[0]) == 0 &&
                !o->direct_inputs[1],
            "%s.%s: direct inputs must be exactly {%s}", m->name, o->name, spec[i].direct[0]);
    }
  }
}

#define N_OF(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))

static const signal_spec growth_state[] = {{"N", "cells", TS_STATE_NONNEGATIVE, {NULL}}};
static const signal_spec common_inputs[] = {{"kill_rate", "1/d", TS_INPUT_SUM, {NULL}},
                                            {"growth_inhibition", "1", TS_INPUT_SUM, {NULL}}};
static const signal_spec size_outputs[] = {{"volume", "mm^3", 0, {NULL}}, {"diameter", "mm", 0, {NULL}}};
#define N0_SPEC(value)                                                                                                 \
  { "N0", "cells", value, 0.0, INFINITY, OPEN }
#define DENSITY_SPEC                                                                                                   \
  { "cell_density", "cells/mm^3", 1e6, 0.0, INFINITY, OPEN }

/* The common interface other plugins are written against: state N, inputs kill_rate and growth_inhibition, outputs
 * volume and diameter, no dose target. */
static void check_growth_model(const ts_model *m, const ts_test_param_spec *spec, uint32_t n) {
  ts_test_expect_params(m, spec, n);
  check_states(m, growth_state, 1);
  check_inputs(m, common_inputs, 2);
  check_outputs(m, size_outputs, 2);
  assert_int_equal(m->n_dose_targets, 0);
  assert_non_null(m->jacobian);
}

static void test_growth_descriptors(void **state) {
  static const ts_test_param_spec exponential[] = {
      {"lambda", "1/d", 0.01, 0.0, INFINITY, 0}, N0_SPEC(1e9), DENSITY_SPEC};
  static const ts_test_param_spec logistic[] = {
      {"r", "1/d", 0.01, 0.0, INFINITY, 0}, {"K", "cells", 1e12, 0.0, INFINITY, OPEN}, N0_SPEC(1e9), DENSITY_SPEC};
  static const ts_test_param_spec gompertz_law[] = {
      {"alpha", "1/d", 0.005, 0.0, INFINITY, 0}, {"K", "cells", 1e12, 0.0, INFINITY, OPEN}, N0_SPEC(1e9), DENSITY_SPEC};
  static const ts_test_param_spec von_bertalanffy[] = {
      {"a", "mm/d", 0.5, 0.0, INFINITY, 0}, {"b", "1/d", 0.01, 0.0, INFINITY, 0}, N0_SPEC(1e9), DENSITY_SPEC};
  static const ts_test_param_spec power_law[] = {
      {"a", "1/d", 1.0, 0.0, INFINITY, 0}, {"gamma", "1", 0.75, 0.0, 1.0, 0}, N0_SPEC(1e9), DENSITY_SPEC};
  static const ts_test_param_spec exponential_linear[] = {{"lambda0", "1/d", 0.1, 0.0, INFINITY, 0},
                                                          {"lambda1", "cells/d", 1e8, 0.0, INFINITY, OPEN},
                                                          {"psi", "1", 20.0, 1.0, INFINITY, 0},
                                                          N0_SPEC(1e9),
                                                          DENSITY_SPEC};
  check_growth_model(ts_test_find_model(state, "exponential"), exponential, N_OF(exponential));
  check_growth_model(ts_test_find_model(state, "logistic"), logistic, N_OF(logistic));
  check_growth_model(ts_test_find_model(state, "gompertz_law"), gompertz_law, N_OF(gompertz_law));
  check_growth_model(ts_test_find_model(state, "von_bertalanffy"), von_bertalanffy, N_OF(von_bertalanffy));
  check_growth_model(ts_test_find_model(state, "power_law"), power_law, N_OF(power_law));
  check_growth_model(ts_test_find_model(state, "exponential_linear"), exponential_linear, N_OF(exponential_linear));
}

static void test_other_descriptors(void **state) {
  const ts_model *m = ts_test_find_model(state, "simeoni");
  static const ts_test_param_spec simeoni[] = {{"lambda0", "1/d", 0.273, 0.0, INFINITY, 0},
                                               {"lambda1", "cells/d", 8.14e8, 0.0, INFINITY, OPEN},
                                               {"k1", "1/d", 0.968, 0.0, INFINITY, 0},
                                               {"k2", "L/(mg*d)", 0.629, 0.0, INFINITY, 0},
                                               {"psi", "1", 20.0, 1.0, INFINITY, 0},
                                               N0_SPEC(1e8),
                                               DENSITY_SPEC};
  static const signal_spec simeoni_states[] = {{"x1", "cells", TS_STATE_NONNEGATIVE, {NULL}},
                                               {"x2", "cells", TS_STATE_NONNEGATIVE, {NULL}},
                                               {"x3", "cells", TS_STATE_NONNEGATIVE, {NULL}},
                                               {"x4", "cells", TS_STATE_NONNEGATIVE, {NULL}}};
  static const signal_spec drug_inputs[] = {{"C", "mg/L", TS_INPUT_OPTIONAL, {NULL}},
                                            {"kill_rate", "1/d", TS_INPUT_SUM, {NULL}},
                                            {"growth_inhibition", "1", TS_INPUT_SUM, {NULL}}};
  static const signal_spec tumor_outputs[] = {
      {"N", "cells", 0, {NULL}}, {"volume", "mm^3", 0, {NULL}}, {"diameter", "mm", 0, {NULL}}};
  ts_test_expect_params(m, simeoni, N_OF(simeoni));
  check_states(m, simeoni_states, N_OF(simeoni_states));
  check_inputs(m, drug_inputs, N_OF(drug_inputs));
  check_outputs(m, tumor_outputs, N_OF(tumor_outputs));

  static const signal_spec c_input[] = {{"C", "mg/L", 0, {NULL}}};
  m = ts_test_find_model(state, "emax_kill");
  static const ts_test_param_spec emax_kill[] = {{"Emax", "1/d", 0.8, 0.0, INFINITY, 0},
                                                 {"EC50", "mg/L", 0.5, 0.0, INFINITY, OPEN},
                                                 {"h", "1", 1.0, 0.1, INFINITY, 0}};
  static const signal_spec kill_output[] = {{"kill", "1/d", 0, {"C", NULL}}};
  ts_test_expect_params(m, emax_kill, N_OF(emax_kill));
  check_states(m, NULL, 0);
  check_inputs(m, c_input, 1);
  check_outputs(m, kill_output, 1);
  m = ts_test_find_model(state, "log_kill");
  static const ts_test_param_spec log_kill[] = {{"k", "L/(mg*d)", 0.629, 0.0, INFINITY, 0}};
  ts_test_expect_params(m, log_kill, N_OF(log_kill));
  check_states(m, NULL, 0);
  check_inputs(m, c_input, 1);
  check_outputs(m, kill_output, 1);
  m = ts_test_find_model(state, "norton_simon");
  static const ts_test_param_spec norton_simon[] = {{"Emax", "1", 1.0, 0.0, INFINITY, 0},
                                                    {"EC50", "mg/L", 0.5, 0.0, INFINITY, OPEN}};
  static const signal_spec inhibition_output[] = {{"inhibition", "1", 0, {"C", NULL}}};
  ts_test_expect_params(m, norton_simon, N_OF(norton_simon));
  check_states(m, NULL, 0);
  check_inputs(m, c_input, 1);
  check_outputs(m, inhibition_output, 1);

  m = ts_test_find_model(state, "gompertz_two_clone");
  static const ts_test_param_spec two_clone[] = {
      {"alpha", "1/d", 0.005, 0.0, INFINITY, 0}, {"K", "cells", 1e12, 0.0, INFINITY, OPEN},
      {"Emax", "1/d", 0.8, 0.0, INFINITY, 0},    {"EC50", "mg/L", 0.5, 0.0, INFINITY, OPEN},
      {"mu", "1/d", 1e-6, 0.0, INFINITY, 0},     {"S0", "cells", 1e9, 0.0, INFINITY, OPEN},
      {"R0", "cells", 1e3, 0.0, INFINITY, 0},    DENSITY_SPEC};
  static const signal_spec two_clone_states[] = {{"S", "cells", TS_STATE_NONNEGATIVE, {NULL}},
                                                 {"R", "cells", TS_STATE_NONNEGATIVE, {NULL}}};
  static const signal_spec two_clone_outputs[] = {{"N", "cells", 0, {NULL}},
                                                  {"volume", "mm^3", 0, {NULL}},
                                                  {"diameter", "mm", 0, {NULL}},
                                                  {"resistant_fraction", "1", 0, {NULL}}};
  ts_test_expect_params(m, two_clone, N_OF(two_clone));
  check_states(m, two_clone_states, N_OF(two_clone_states));
  check_inputs(m, drug_inputs, N_OF(drug_inputs));
  check_outputs(m, two_clone_outputs, N_OF(two_clone_outputs));

  m = ts_test_find_model(state, "clones_lv");
  static const ts_test_param_spec lv[] = {
      {"r1", "1/d", 0.01, 0.0, INFINITY, 0},        {"r2", "1/d", 0.008, 0.0, INFINITY, 0},
      {"r3", "1/d", 0.008, 0.0, INFINITY, 0},       {"K1", "cells", 1e12, 0.0, INFINITY, OPEN},
      {"K2", "cells", 1e12, 0.0, INFINITY, OPEN},   {"K3", "cells", 1e12, 0.0, INFINITY, OPEN},
      {"a12", "1", 1.0, 0.0, INFINITY, 0},          {"a13", "1", 1.0, 0.0, INFINITY, 0},
      {"a21", "1", 1.0, 0.0, INFINITY, 0},          {"a23", "1", 1.0, 0.0, INFINITY, 0},
      {"a31", "1", 1.0, 0.0, INFINITY, 0},          {"a32", "1", 1.0, 0.0, INFINITY, 0},
      {"Emax1", "1/d", 0.8, 0.0, INFINITY, 0},      {"Emax2", "1/d", 0.0, 0.0, INFINITY, 0},
      {"Emax3", "1/d", 0.0, 0.0, INFINITY, 0},      {"EC50_1", "mg/L", 0.5, 0.0, INFINITY, OPEN},
      {"EC50_2", "mg/L", 0.5, 0.0, INFINITY, OPEN}, {"EC50_3", "mg/L", 0.5, 0.0, INFINITY, OPEN},
      {"x1_0", "cells", 1e9, 0.0, INFINITY, 0},     {"x2_0", "cells", 1e3, 0.0, INFINITY, 0},
      {"x3_0", "cells", 0.0, 0.0, INFINITY, 0},     {"sigma", "ng/(mL*d*cells)", 3e-11, 0.0, INFINITY, 0},
      {"delta", "1/d", 0.3, 0.0, INFINITY, OPEN},   DENSITY_SPEC,
  };
  static const signal_spec lv_states[] = {{"x1", "cells", TS_STATE_NONNEGATIVE, {NULL}},
                                          {"x2", "cells", TS_STATE_NONNEGATIVE, {NULL}},
                                          {"x3", "cells", TS_STATE_NONNEGATIVE, {NULL}},
                                          {"PSA", "ng/mL", TS_STATE_NONNEGATIVE, {NULL}}};
  ts_test_expect_params(m, lv, N_OF(lv));
  check_states(m, lv_states, N_OF(lv_states));
  check_inputs(m, drug_inputs, N_OF(drug_inputs));
  check_outputs(m, tumor_outputs, N_OF(tumor_outputs));
}

/* ---- Growth laws: values by hand ----------------------------------------------------------------------------- */

enum { GI_KILL_RATE, GI_GROWTH_INHIBITION };

/* init() puts N0 (the parameter after the law's) into N. */
static void check_growth_init(const ts_model *m, const double *params, double n0) {
  double y0[] = {NAN};
  assert_int_equal(m->init(NULL, NULL, params, 0.0, y0), TS_OK);
  CHECK(y0[0] == n0, "%s: N(t0) = %g, expected N0 = %g", m->name, y0[0], n0);
}

static void test_growth_values(void **state) {
  double out[MAX_DIM], der[MAX_DIM];

  /* exponential, lambda = 0.0231 /d, N = 4.5e8, kill_rate 0.013 /d, growth_inhibition 0.25, density 2e6:
   * dN/dt = 0.0231*0.75*N - 0.013*N, volume 225 mm^3. */
  const ts_model *m = ts_test_find_model(state, "exponential");
  point x = {.params = {0.0231, 3e8, 2e6}, .states = {4.5e8}, .inputs = {0.013, 0.25}};
  check_growth_init(m, x.params, 3e8);
  ts_test_evaluate(m, &x, out, der);
  ts_test_check_value("exponential dN/dt", der[0], 1.94625e+6);
  ts_test_check_value("exponential volume", out[0], 225.0);
  ts_test_check_value("exponential diameter", out[1], 7.54619398740653842);

  m = ts_test_find_model(state, "logistic");
  x = (point){.params = {0.11, 2e10, 1e9, 1e6}, .states = {7e9}, .inputs = {0.02, 0.3}};
  check_growth_init(m, x.params, 1e9);
  ts_test_evaluate(m, &x, out, der);
  ts_test_check_value("logistic dN/dt", der[0], 2.1035e+8);
  ts_test_check_value("logistic volume", out[0], 7e3);
  ts_test_check_value("logistic diameter", out[1], 2.37337559657924295e+1);
  /* At the capacity, untreated: a steady state. */
  x = (point){.params = {0.11, 2e10, 1e9, 1e6}, .states = {2e10}};
  ts_test_evaluate(m, &x, out, der);
  assert_true(der[0] == 0.0);

  m = ts_test_find_model(state, "gompertz_law");
  x = (point){.params = {0.0123, 3.3e11, 2e8, 2.5e5}, .states = {4.2e10}, .inputs = {0.02, 0.1}};
  check_growth_init(m, x.params, 2e8);
  ts_test_evaluate(m, &x, out, der);
  ts_test_check_value("gompertz_law dN/dt", der[0], 1.18438026440207661e+8);
  ts_test_check_value("gompertz_law volume", out[0], 1.68e5);
  ts_test_check_value("gompertz_law diameter", out[1], 6.84599986868900434e+1);

  /* von Bertalanffy in volume: V = 2700 mm^3, dN/dt = rho*(a*V^(2/3) - b*V)*(1 - 0.2) - 0.01*N. */
  m = ts_test_find_model(state, "von_bertalanffy");
  x = (point){.params = {0.8, 0.015, 1e9, 1e6}, .states = {2.7e9}, .inputs = {0.01, 0.2}};
  check_growth_init(m, x.params, 1e9);
  ts_test_evaluate(m, &x, out, der);
  ts_test_check_value("von_bertalanffy dN/dt", der[0], 6.46954381458365024e+7);
  ts_test_check_value("von_bertalanffy volume", out[0], 2.7e3);
  ts_test_check_value("von_bertalanffy diameter", out[1], 1.72764714689091656e+1);

  m = ts_test_find_model(state, "power_law");
  x = (point){.params = {0.9, 0.7, 1e9, 1e6}, .states = {2.7e9}, .inputs = {0.01, 0.2}};
  check_growth_init(m, x.params, 1e9);
  ts_test_evaluate(m, &x, out, der);
  ts_test_check_value("power_law dN/dt", der[0], 1.54671637757346232e+8);

  /* Below (lambda0*N/lambda1 = 0.67) and above (1.68) the switch, Simeoni's paclitaxel growth parameters. */
  m = ts_test_find_model(state, "exponential_linear");
  x = (point){.params = {0.273, 8.14e8, 20.0, 1e8, 1e6}, .states = {2e9}, .inputs = {0.05, 0.1}};
  check_growth_init(m, x.params, 1e8);
  ts_test_evaluate(m, &x, out, der);
  ts_test_check_value("exponential_linear dN/dt (exponential phase)", der[0], 3.91391649885654846e+8);
  x.states[0] = 5e9;
  ts_test_evaluate(m, &x, out, der);
  ts_test_check_value("exponential_linear dN/dt (linear phase)", der[0], 4.82598815146614688e+8);
}

/* Unconnected, kill_rate and growth_inhibition read 0: the law's growth term alone. */
static void test_growth_unconnected_inputs(void **state) {
  const ts_model *m = ts_test_find_model(state, "logistic");
  point x = {.params = {0.11, 2e10, 1e9, 1e6}, .states = {7e9}};
  for (uint32_t i = 0; i < m->n_inputs; i++)
    x.inputs[i] = m->inputs[i].default_value;
  double out[MAX_DIM], der[MAX_DIM];
  ts_test_evaluate(m, &x, out, der);
  ts_test_check_value("logistic dN/dt, no inputs", der[0], 0.11 * 7e9 * (1.0 - 7.0 / 20.0));
  /* growth_inhibition = 1 stops growth; the kill rate alone remains. */
  x.inputs[GI_KILL_RATE] = 0.07;
  x.inputs[GI_GROWTH_INHIBITION] = 1.0;
  ts_test_evaluate(m, &x, out, der);
  ts_test_check_value("logistic dN/dt, growth fully inhibited", der[0], -0.07 * 7e9);
}

/* Huge switch exponents and far past the switch point: no power overflows, the growth tends to lambda1. */
static void test_exponential_linear_extremes(void **state) {
  const ts_model *m = ts_test_find_model(state, "exponential_linear");
  double out[MAX_DIM], der[MAX_DIM];
  const double psis[] = {20.0, 1e3, 1e6};
  for (size_t i = 0; i < sizeof psis / sizeof psis[0]; i++) {
    point x = {.params = {0.273, 8.14e8, psis[i], 1e8, 1e6}, .states = {1e15}};
    ts_test_evaluate(m, &x, out, der); /* lambda0*N/lambda1 = 3.4e5: (1 + x^-psi)^(-1/psi) = 1 in doubles */
    ts_test_check_value("exponential_linear growth far in the linear phase", der[0], 8.14e8);
    x.states[0] = 1e3; /* far in the exponential phase: lambda0*N */
    ts_test_evaluate(m, &x, out, der);
    ts_test_check_value("exponential_linear growth far in the exponential phase", der[0], 0.273 * 1e3);
    ts_test_check_jacobian(m, &(point){.params = {0.273, 8.14e8, psis[i], 1e8, 1e6}, .states = {2.7e9}}, &jacobian_fd);
  }
  /* With a large psi the switch is at lambda0*N = lambda1 (N = 2.98e9), where the growth is lambda1/2^(1/psi). */
  point x = {.params = {0.273, 8.14e8, 1e3, 1e8, 1e6}, .states = {8.14e8 / 0.273}};
  ts_test_evaluate(m, &x, out, der);
  ts_test_check_value("exponential_linear growth at the switch", der[0], 8.14e8 / pow(2.0, 1e-3));
}

/* Where each law is defined: N <= 0 (and NaN) is recoverable where g or dg/dN is not defined; the outputs are. */
static void test_growth_domains(void **state) {
  static const struct {
    const char *model;
    double params[5];
    bool negative_ok; /* g and dg/dN defined for N < 0 (polynomial laws) */
    bool zero_ok;     /* g and dg/dN defined at N = 0 */
  } laws[] = {
      {"exponential", {0.02, 1e9, 1e6}, true, true},
      {"logistic", {0.02, 1e12, 1e9, 1e6}, true, true},
      {"gompertz_law", {0.005, 1e12, 1e9, 1e6}, false, false},
      {"von_bertalanffy", {0.5, 0.01, 1e9, 1e6}, false, false},
      {"power_law", {1.0, 0.75, 1e9, 1e6}, false, false},
      {"exponential_linear", {0.1, 1e8, 20.0, 1e9, 1e6}, false, true},
  };
  for (size_t k = 0; k < sizeof laws / sizeof laws[0]; k++) {
    const ts_model *m = ts_test_find_model(state, laws[k].model);
    const double cells[] = {0.0, -1.0, NAN};
    for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++) {
      point x = {.states = {cells[i]}, .inputs = {0.1, 0.2}};
      memcpy(x.params, laws[k].params, sizeof laws[k].params);
      double out[MAX_DIM] = {0}, der[MAX_DIM] = {0}, dfdx[1] = {0}, dfdu[2] = {0}, dgdx[2] = {0}, dgdu[4] = {0};
      const ts_eval e = {
          .params = x.params, .states = x.states, .inputs = x.inputs, .outputs = out, .derivatives = der};
      assert_int_equal(m->compute_outputs(NULL, &e), TS_OK);
      const bool ok = isnan(cells[i]) ? false : cells[i] == 0.0 ? laws[k].zero_ok : laws[k].negative_ok;
      CHECK(m->compute_derivatives(NULL, &e) == (ok ? TS_OK : TS_RECOVERABLE), "%s: compute_derivatives at N = %g",
            m->name, cells[i]);
      /* The Jacobian is never defined at N = 0: d(diameter)/dN is infinite there. */
      const bool jac_ok = ok && cells[i] != 0.0;
      CHECK(m->jacobian(NULL, &e, dfdx, dfdu, dgdx, dgdu) == (jac_ok ? TS_OK : TS_RECOVERABLE),
            "%s: jacobian at N = %g", m->name, cells[i]);
      if (cells[i] == 0.0)
        assert_true(out[0] == 0.0 && out[1] == 0.0);
      if (ok && cells[i] == 0.0)
        assert_true(der[0] == 0.0); /* no cells, no growth */
    }
  }
}

static void test_growth_jacobians(void **state) {
  const struct {
    const char *model;
    point x;
  } points[] = {
      {"exponential", {.params = {0.0231, 3e8, 2e6}, .states = {4.5e8}, .inputs = {0.013, 0.25}}},
      {"exponential", {.params = {0.0231, 3e8, 2e6}, .states = {-2e3}, .inputs = {0.0, 0.0}}},
      {"logistic", {.params = {0.11, 2e10, 1e9, 1e6}, .states = {7e9}, .inputs = {0.02, 0.3}}},
      {"logistic", {.params = {0.11, 2e10, 1e9, 1e6}, .states = {3e10}, .inputs = {0.0, -0.2}}},
      {"gompertz_law", {.params = {0.0123, 3.3e11, 2e8, 2.5e5}, .states = {4.2e10}, .inputs = {0.02, 0.1}}},
      {"gompertz_law", {.params = {0.005, 1e12, 1e9, 1e6}, .states = {1e3}, .inputs = {0.5, 1.5}}},
      {"von_bertalanffy", {.params = {0.8, 0.015, 1e9, 1e6}, .states = {2.7e9}, .inputs = {0.01, 0.2}}},
      {"von_bertalanffy", {.params = {0.8, 0.0, 1e9, 3e5}, .states = {10.0}, .inputs = {0.0, 0.0}}},
      {"power_law", {.params = {0.9, 0.7, 1e9, 1e6}, .states = {2.7e9}, .inputs = {0.01, 0.2}}},
      {"power_law", {.params = {0.9, 0.0, 1e9, 1e6}, .states = {5e4}, .inputs = {0.3, 0.6}}},
      {"exponential_linear", {.params = {0.273, 8.14e8, 20.0, 1e8, 1e6}, .states = {2e9}, .inputs = {0.05, 0.1}}},
      {"exponential_linear", {.params = {0.273, 8.14e8, 20.0, 1e8, 1e6}, .states = {5e9}, .inputs = {0.05, 0.1}}},
      {"exponential_linear", {.params = {0.273, 8.14e8, 1.0, 1e8, 1e6}, .states = {3e9}, .inputs = {0.0, 0.0}}},
  };
  for (size_t i = 0; i < sizeof points / sizeof points[0]; i++)
    ts_test_check_jacobian(ts_test_find_model(state, points[i].model), &points[i].x, &jacobian_fd);

  /* Exact entries of the logistic law: d(dN/dt)/dN = r*(1 - 2N/K)*(1 - gi) - kill_rate,
   * d(dN/dt)/dkill_rate = -N, d(dN/dt)/dgrowth_inhibition = -g(N). */
  const ts_model *m = ts_test_find_model(state, "logistic");
  const point *x = &points[2].x;
  double dfdx[1], dfdu[2], dgdx[2], dgdu[4];
  ts_test_jacobian_at(m, x, dfdx, dfdu, dgdx, dgdu);
  ts_test_check_value("logistic d(dN/dt)/dN", dfdx[0], 0.11 * (1.0 - 2.0 * 7e9 / 2e10) * 0.7 - 0.02);
  ts_test_check_value("logistic d(dN/dt)/dkill_rate", dfdu[GI_KILL_RATE], -7e9);
  ts_test_check_value("logistic d(dN/dt)/dgrowth_inhibition", dfdu[GI_GROWTH_INHIBITION],
                      -0.11 * 7e9 * (1.0 - 7.0 / 20.0));
  ts_test_check_value("logistic dvolume/dN", dgdx[0], 1e-6);
  for (int i = 0; i < 4; i++)
    assert_true(dgdu[i] == 0.0); /* no output reads an input */
}

/* ---- simeoni ------------------------------------------------------------------------------------------------- */

#define SIMEONI_PARAMS                                                                                                 \
  { 0.273, 8.14e8, 0.968, 0.629, 20.0, 1e8, 1e6 }

static void test_simeoni_values(void **state) {
  const ts_model *m = ts_test_find_model(state, "simeoni");
  const point x = {.params = SIMEONI_PARAMS, .states = {3e9, 4e8, 2e8, 1e8}, .inputs = {1.5, 0.05, 0.1}};
  double y0[4] = {NAN, NAN, NAN, NAN};
  assert_int_equal(m->init(NULL, NULL, x.params, 0.0, y0), TS_OK);
  assert_true(y0[0] == 1e8 && y0[1] == 0.0 && y0[2] == 0.0 && y0[3] == 0.0);
  double out[MAX_DIM], der[MAX_DIM];
  ts_test_evaluate(m, &x, out, der);
  ts_test_check_value("simeoni dx1/dt", der[0], -2.3868934886155404e+9);
  ts_test_check_value("simeoni dx2/dt", der[1], 2.5933e+9);
  ts_test_check_value("simeoni dx3/dt", der[2], 1.936e+8);
  ts_test_check_value("simeoni dx4/dt", der[3], 9.68e+7);
  ts_test_check_value("simeoni N", out[0], 3.7e9);
  ts_test_check_value("simeoni volume", out[1], 3.7e3);
  ts_test_check_value("simeoni diameter", out[2], 1.91896785826789939e+1);

  /* A negative concentration is read as 0; the damage is then kill_rate alone. */
  point y = x;
  y.inputs[0] = -1e-9;
  ts_test_evaluate(m, &y, out, der);
  ts_test_check_value("simeoni dx2/dt, C < 0", der[1], 0.05 * 3e9 - 0.968 * 4e8);
  /* All four compartments at 0 (w = 0): no growth, and the Jacobian is undefined (diameter). */
  y = (point){.params = SIMEONI_PARAMS};
  ts_test_evaluate(m, &y, out, der);
  assert_true(der[0] == 0.0 && der[1] == 0.0);
  y.states[0] = -1.0; /* w < 0: a solver's trial step */
  double dfdx[16] = {0}, dfdu[12] = {0}, dgdx[12] = {0}, dgdu[9] = {0};
  const ts_eval e = {.params = y.params, .states = y.states, .inputs = y.inputs, .outputs = out, .derivatives = der};
  assert_int_equal(m->compute_outputs(NULL, &e), TS_OK);
  assert_int_equal(m->compute_derivatives(NULL, &e), TS_RECOVERABLE);
  assert_int_equal(m->jacobian(NULL, &e, dfdx, dfdu, dgdx, dgdu), TS_RECOVERABLE);
}

static void test_simeoni_jacobian(void **state) {
  const ts_model *m = ts_test_find_model(state, "simeoni");
  const point points[] = {
      {.params = SIMEONI_PARAMS, .states = {3e9, 4e8, 2e8, 1e8}, .inputs = {1.5, 0.05, 0.1}},
      {.params = SIMEONI_PARAMS, .states = {1e7, 2e6, 1e6, 5e5}, .inputs = {0.2, 0.0, 0.0}},
      {.params = {0.273, 8.14e8, 0.968, 0.629, 3.0, 1e8, 1e6},
       .states = {2e9, 1e9, 0.0, 0.0},
       .inputs = {0.05, 0.3, 0}},
  };
  for (size_t i = 0; i < sizeof points / sizeof points[0]; i++)
    ts_test_check_jacobian(m, &points[i], &jacobian_fd);
}

/* ---- drug effects --------------------------------------------------------------------------------------------- */

static void test_effect_values(void **state) {
  double out[MAX_DIM], der[MAX_DIM];
  const ts_model *m = ts_test_find_model(state, "emax_kill");
  double nothing[1] = {NAN};
  assert_int_equal(m->init(NULL, NULL, (const double[]){0.8, 0.5, 1.0}, 0.0, nothing), TS_OK);
  assert_true(isnan(nothing[0])); /* no state: init writes nothing */
  /* h = 1 at C = EC50: Emax/2. */
  point x = {.params = {0.8, 0.5, 1.0}, .inputs = {0.5}};
  ts_test_evaluate(m, &x, out, der);
  ts_test_check_value("emax_kill at EC50", out[0], 0.4);
  /* h = 2.5, C = 0.7: 0.8*0.7^2.5/(0.5^2.5 + 0.7^2.5). */
  x = (point){.params = {0.8, 0.5, 2.5}, .inputs = {0.7}};
  ts_test_evaluate(m, &x, out, der);
  ts_test_check_value("emax_kill, h = 2.5", out[0], 5.58971043163453901e-1);
  /* Saturation with a steep curve: (C/EC50)^h overflows, the kill is Emax. */
  x = (point){.params = {0.8, 0.5, 400.0}, .inputs = {500.0}};
  ts_test_evaluate(m, &x, out, der);
  ts_test_check_value("emax_kill, saturated", out[0], 0.8);
  /* No drug, or a concentration below 0: no kill. */
  x = (point){.params = {0.8, 0.5, 0.3}, .inputs = {-1e-12}};
  ts_test_evaluate(m, &x, out, der);
  assert_true(out[0] == 0.0);

  m = ts_test_find_model(state, "log_kill");
  x = (point){.params = {0.629}, .inputs = {1.5}};
  ts_test_evaluate(m, &x, out, der);
  ts_test_check_value("log_kill", out[0], 0.9435);
  x.inputs[0] = -0.1;
  ts_test_evaluate(m, &x, out, der);
  assert_true(out[0] == 0.0);

  m = ts_test_find_model(state, "norton_simon");
  x = (point){.params = {1.2, 0.5}, .inputs = {0.7}};
  ts_test_evaluate(m, &x, out, der);
  ts_test_check_value("norton_simon", out[0], 0.7);
  x.inputs[0] = -0.1;
  ts_test_evaluate(m, &x, out, der);
  assert_true(out[0] == 0.0);
}

static void test_effect_jacobians(void **state) {
  const struct {
    const char *model;
    point x;
  } points[] = {
      {"emax_kill", {.params = {0.8, 0.5, 1.0}, .inputs = {0.5}}},
      {"emax_kill", {.params = {0.8, 0.5, 2.5}, .inputs = {0.7}}},
      {"emax_kill", {.params = {0.8, 0.5, 0.3}, .inputs = {3e-3}}},
      {"emax_kill", {.params = {0.8, 0.5, 40.0}, .inputs = {0.51}}},
      {"log_kill", {.params = {0.629}, .inputs = {1.5}}},
      {"norton_simon", {.params = {1.2, 0.5}, .inputs = {0.7}}},
  };
  for (size_t i = 0; i < sizeof points / sizeof points[0]; i++)
    ts_test_check_jacobian(ts_test_find_model(state, points[i].model), &points[i].x, &jacobian_fd);

  /* Exact values: d/dC of 0.8*C^2.5/(0.5^2.5 + C^2.5) at 0.7; at C = 0 the right-hand derivative (Emax/EC50 for
   * h = 1, 0 for h > 1, and 0 stands in for the infinite one of h < 1); below 0, 0. */
  double dgdu[1];
  const struct {
    const char *model;
    double params[3], c, expected;
  } exact[] = {
      {"emax_kill", {0.8, 0.5, 2.5}, 0.7, 6.01465211765728913e-1},
      {"emax_kill", {0.8, 0.5, 1.0}, 0.0, 1.6},
      {"emax_kill", {0.8, 0.5, 2.0}, 0.0, 0.0},
      {"emax_kill", {0.8, 0.5, 0.5}, 0.0, 0.0},
      {"emax_kill", {0.8, 0.5, 1.0}, -1.0, 0.0},
      {"log_kill", {0.629}, 0.0, 0.629},
      {"log_kill", {0.629}, -1.0, 0.0},
      {"norton_simon", {1.2, 0.5}, 0.0, 2.4},
      {"norton_simon", {1.2, 0.5}, -1.0, 0.0},
  };
  for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++) {
    const ts_model *m = ts_test_find_model(state, exact[i].model);
    point x = {.inputs = {exact[i].c}};
    memcpy(x.params, exact[i].params, sizeof exact[i].params);
    ts_test_jacobian_at(m, &x, NULL, NULL, NULL, dgdu);
    if (exact[i].expected == 0.0)
      CHECK(dgdu[0] == 0.0, "%s d/dC at %g = %g, expected 0", m->name, exact[i].c, dgdu[0]);
    else
      ts_test_check_value(exact[i].model, dgdu[0], exact[i].expected);
  }
}

/* ---- gompertz_two_clone ------------------------------------------------------------------------------------- */

#define TWO_CLONE_RP1                                                                                                  \
  { 0.005, 1e12, 0.8, 0.5, 1e-6, 1e9, 1e3, 1e6 }

static void test_two_clone_values(void **state) {
  const ts_model *m = ts_test_find_model(state, "gompertz_two_clone");
  double y0[2] = {NAN, NAN};
  assert_int_equal(m->init(NULL, NULL, (const double[])TWO_CLONE_RP1, 0.0, y0), TS_OK);
  assert_true(y0[0] == 1e9 && y0[1] == 1e3); /* RP-1's S0 and R0 */

  /* RP-1 parameters, S = 9e8, R = 5e7, C = EC50, kill_rate (RP-1's n*E) 0.03 /d, growth_inhibition 0.1. */
  const point x = {.params = TWO_CLONE_RP1, .states = {9e8, 5e7}, .inputs = {0.5, 0.03, 0.1}};
  double out[MAX_DIM], der[MAX_DIM];
  ts_test_evaluate(m, &x, out, der);
  ts_test_check_value("dS/dt", der[0], -3.58816753277852765e+8);
  ts_test_check_value("dR/dt", der[1], 6.66859290081797067e+4);
  ts_test_check_value("N", out[0], 9.5e8);
  ts_test_check_value("volume", out[1], 950.0);
  ts_test_check_value("diameter", out[2], 1.21966808834520368e+1);
  ts_test_check_value("resistant_fraction", out[3], 5.26315789473684211e-2);

  /* Without drug, mutation or kill the clones grow at one per-cell rate G = alpha*ln(K/N). */
  const point y = {.params = {0.005, 1e12, 0.0, 0.5, 0.0, 1e9, 1e3, 1e6}, .states = {9e8, 5e7}};
  ts_test_evaluate(m, &y, out, der);
  ts_test_check_value("dS/dt / S", der[0] / 9e8, 0.005 * log(1e12 / 9.5e8));
  ts_test_check_value("dR/dt / R", der[1] / 5e7, 0.005 * log(1e12 / 9.5e8));

  /* N <= 0 is a solver's trial step. */
  const point z = {.params = TWO_CLONE_RP1, .states = {0.0, 0.0}};
  double dfdx[4] = {0}, dfdu[6] = {0}, dgdx[8] = {0}, dgdu[12] = {0};
  const ts_eval e = {.params = z.params, .states = z.states, .inputs = z.inputs, .outputs = out, .derivatives = der};
  assert_int_equal(m->compute_outputs(NULL, &e), TS_OK);
  assert_true(out[3] == 0.0);
  assert_int_equal(m->compute_derivatives(NULL, &e), TS_RECOVERABLE);
  assert_int_equal(m->jacobian(NULL, &e, dfdx, dfdu, dgdx, dgdu), TS_RECOVERABLE);
}

static void test_two_clone_jacobian(void **state) {
  const ts_model *m = ts_test_find_model(state, "gompertz_two_clone");
  const point points[] = {
      {.params = TWO_CLONE_RP1, .states = {9e8, 5e7}, .inputs = {0.5, 0.03, 0.1}},
      {.params = TWO_CLONE_RP1, .states = {1e9, 1e3}, .inputs = {3.0, 0.0, 0.0}},
      {.params = {0.012, 3e11, 0.3, 2.0, 1e-3, 1e9, 1e3, 1e6}, .states = {4e11, 2e10}, .inputs = {0.01, 0.2, -0.3}},
  };
  for (size_t i = 0; i < sizeof points / sizeof points[0]; i++)
    ts_test_check_jacobian(m, &points[i], &jacobian_fd);
}

/* ---- clones_lv ------------------------------------------------------------------------------------------------ */

/* r1..3, K1..3, a12 a13 a21 a23 a31 a32, Emax1..3, EC50_1..3, x1_0..x3_0, sigma, delta, cell_density */
#define LV_PARAMS                                                                                                      \
  {                                                                                                                    \
    0.01, 0.008, 0.012, 1e12, 8e11, 5e11, 0.5, 0.3, 0.7, 0.4, 0.9, 0.6, 0.8, 0.1, 0.0, 0.5, 2.0, 1.0, 1e9, 1e3, 10.0,  \
        3e-11, 0.3, 1e6                                                                                                \
  }

typedef struct fake_host {
  ts_host host;
  char message[256];
} fake_host;

static void fake_set_error(const ts_host *host, const char *message) {
  fake_host *f = (fake_host *)(void *)host;
  snprintf(f->message, sizeof f->message, "%s", message);
}

static void test_clones_lv_values(void **state) {
  const ts_model *m = ts_test_find_model(state, "clones_lv");
  double params[MAX_DIM] = LV_PARAMS;
  double y0[4];
  assert_int_equal(m->init(NULL, NULL, params, 0.0, y0), TS_OK);
  assert_true(y0[0] == 1e9 && y0[1] == 1e3 && y0[2] == 10.0);
  ts_test_check_value("PSA(0) = sigma*N0/delta", y0[3], 1.00000101e-1);

  const point x = {.params = LV_PARAMS, .states = {3e11, 1e11, 5e10, 12.0}, .inputs = {0.7, 0.02, 0.15}};
  double out[MAX_DIM], der[MAX_DIM];
  ts_test_evaluate(m, &x, out, der);
  ts_test_check_value("dx1/dt", der[0], -1.4438075e+11);
  ts_test_check_value("dx2/dt", der[1], -4.19309259259259259e+9);
  ts_test_check_value("dx3/dt", der[2], -8.776e+8);
  ts_test_check_value("dPSA/dt", der[3], 9.9);
  ts_test_check_value("N", out[0], 4.5e11);
  ts_test_check_value("diameter", out[2], 9.50760865132362518e+1);

  /* An absent clone stays absent. */
  point y = x;
  y.states[2] = 0.0;
  ts_test_evaluate(m, &y, out, der);
  assert_true(der[2] == 0.0);

  /* No cells at all is refused at init, naming the instance. */
  params[18] = params[19] = params[20] = 0.0;
  fake_host h = {.host = {.struct_size = sizeof(ts_host), .instance_name = "tumor", .set_error = fake_set_error}};
  assert_int_equal(m->init(NULL, &h.host, params, 0.0, y0), TS_FAILURE);
  CHECK(strstr(h.message, "tumor") && strstr(h.message, "x1_0 + x2_0 + x3_0 = 0"), "message: %s", h.message);
}

static void test_clones_lv_jacobian(void **state) {
  const ts_model *m = ts_test_find_model(state, "clones_lv");
  const point points[] = {
      {.params = LV_PARAMS, .states = {3e11, 1e11, 5e10, 12.0}, .inputs = {0.7, 0.02, 0.15}},
      {.params = LV_PARAMS, .states = {1e9, 1e3, 0.0, 1.0}, .inputs = {0.02, 0.0, 0.0}},
      {.params = LV_PARAMS, .states = {9e11, 4e11, 2e11, 40.0}, .inputs = {4.0, 0.1, -0.2}},
  };
  for (size_t i = 0; i < sizeof points / sizeof points[0]; i++)
    ts_test_check_jacobian(m, &points[i], &jacobian_fd);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_plugin_header),
      cmocka_unit_test(test_descriptors_are_valid),
      cmocka_unit_test(test_gompertz_descriptor),
      cmocka_unit_test(test_gompertz_init),
      cmocka_unit_test(test_gompertz_values),
      cmocka_unit_test(test_gompertz_unconnected_inputs),
      cmocka_unit_test(test_gompertz_kill_rate_adds),
      cmocka_unit_test(test_gompertz_outputs_read_only_direct_inputs),
      cmocka_unit_test(test_gompertz_nonpositive_cells_recoverable),
      cmocka_unit_test(test_gompertz_negative_concentration),
      cmocka_unit_test(test_gompertz_jacobian),
      cmocka_unit_test(test_growth_descriptors),
      cmocka_unit_test(test_other_descriptors),
      cmocka_unit_test(test_growth_values),
      cmocka_unit_test(test_growth_unconnected_inputs),
      cmocka_unit_test(test_exponential_linear_extremes),
      cmocka_unit_test(test_growth_domains),
      cmocka_unit_test(test_growth_jacobians),
      cmocka_unit_test(test_simeoni_values),
      cmocka_unit_test(test_simeoni_jacobian),
      cmocka_unit_test(test_effect_values),
      cmocka_unit_test(test_effect_jacobians),
      cmocka_unit_test(test_two_clone_values),
      cmocka_unit_test(test_two_clone_jacobian),
      cmocka_unit_test(test_clones_lv_values),
      cmocka_unit_test(test_clones_lv_jacobian),
  };
  return cmocka_run_group_tests_name("plugins.tumor", tests, open_plugin, ts_test_plugin_close);
}
