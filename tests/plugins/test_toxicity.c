/*
 * Tests of the toxicity plugin (plugins/toxicity/toxicity.c): toxicity/friberg, through its ABI as the host sees it
 * (the library is dlopen()ed from TS_TEST_PLUGIN_DIR and only the entry symbol is used) and end to end through the
 * scheduler with a pk model feeding it.
 *
 * What is checked, against references that do not come from the plugin's code:
 *   - descriptors: ABI header, names, units, defaults, bounds (MTT and Circ0 > 0), flags, docs;
 *   - init() and the right-hand side at chosen points against values worked out to 40 digits with Python's decimal
 *     module from the equations in docs/models/toxicity.md, relative error <= 1e-12; the untreated baseline is an
 *     exact equilibrium; Circ <= 0 (or NaN) is TS_RECOVERABLE; a negative concentration is read as 0;
 *   - the CTCAE v5 grade on both sides of every threshold (LLN, 1.5, 1.0, 0.5 x 1e9/L), with the default and
 *     another LLN;
 *   - the analytic Jacobian against central finite differences, relative error <= 1e-6 (a central difference with
 *     a step 1e-5 of the value has a truncation error ~1e-10 relative and a rounding error ~1e-11 here, so 1e-6
 *     only fails on a wrong entry);
 *   - the steady state under a constant concentration C: Circ0*(1 - slope*C)^(1/gamma) in every compartment
 *     (derived in docs/models/toxicity.md), reached in a simulation where pk/one_compartment is infused at
 *     CL*C for the whole run; relative error <= 1e-6 at day 200 (the slowest mode decays as exp(-0.152 t) with
 *     RP-1 values, so the remaining transient is ~1e-13; the solver runs at rtol 1e-10);
 *   - scenarios/toxicity_friberg.yaml (docetaxel 100 mg/m^2 as 180 mg over 1 h, Friberg 2002's docetaxel values):
 *     the neutrophil nadir falls between day 7 and day 10 (the range seen after docetaxel; the Taxotere
 *     prescribing information gives a median day of nadir of 7), the patient is neutropenic at the nadir and has
 *     recovered above the LLN by the next cycle (day 21), and the recorded grade is the grade of the recorded
 *     ANC at every sample;
 *   - a negative MTT or slope in a scenario is refused when it is loaded, with the message naming the instance,
 *     the parameter, the value and the allowed range.
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
#include "run.h"
#include "sim.h"

#define SS_TOL  1e-6 /* simulated steady state vs closed form */
#define MAX_DIM 8

/* Analytic Jacobian against central differences: a step of 1e-5 of the value, relative error <= 1e-6; the grade,
 * a TS_COUNT, is piecewise constant: its entries must be 0 and its difference quotient 0. */
static const ts_test_fd jacobian_fd = {.step = 1e-5, .tol = 1e-6, .floor = 1e-300};

enum { P_MTT, P_CIRC0, P_GAMMA, P_SLOPE, P_LLN, N_PARAMS };
enum { S_PROL, S_T1, S_T2, S_T3, S_CIRC, N_STATES };
enum { O_ANC, O_GRADE, N_OUTPUTS };

/* The RP-1 values (and the default LLN). */
#define RP1_PARAMS                                                                                                     \
  { 3.7, 5e9, 0.161, 0.2, 2.0 }

/* A point: states in declaration order, inputs = {C}. */
typedef ts_test_point point;

static int open_plugin(void **state) {
  return ts_test_plugin_open(state, "toxicity.so");
}

/* ---- Descriptors ------------------------------------------------------------------------------------------- */

static void test_plugin_header(void **state) {
  static const char *const names[] = {"friberg"};
  ts_test_check_plugin_header(state, "toxicity", names, 1); /* with: static data, no side effects */
}

static void test_descriptor(void **state) {
  const ts_model *m = ts_test_find_model(state, "friberg");
  /* Header sizes, version, doc, flags 0, what plugin.h requires; no per-instance data, step or bolus. */
  ts_test_check_models(state, (ts_test_callbacks){.jacobian = true});

  static const ts_test_param_spec params[N_PARAMS] = {
      {"MTT", "d", 3.7, 0.0, INFINITY, TS_PARAM_LOWER_OPEN},
      {"Circ0", "cells/L", 5e9, 0.0, INFINITY, TS_PARAM_LOWER_OPEN},
      {"gamma", "1", 0.161, 0.0, INFINITY, 0},
      {"slope", "L/mg", 0.2, 0.0, INFINITY, 0},
      {"LLN", "1e9 cells/L", 2.0, 1.5, INFINITY, 0},
  };
  ts_test_expect_params(m, params, N_PARAMS); /* docs: ts_test_check_models */

  static const char *const states[N_STATES] = {"Prol", "T1", "T2", "T3", "Circ"};
  assert_int_equal(m->n_states, N_STATES);
  for (int i = 0; i < N_STATES; i++) {
    assert_string_equal(m->states[i].name, states[i]);
    assert_string_equal(m->states[i].unit, "cells/L");
    assert_int_equal(m->states[i].flags, TS_STATE_NONNEGATIVE);
    assert_true(m->states[i].nominal > 0 && ts_test_is_text(m->states[i].doc));
  }

  assert_int_equal(m->n_inputs, 1);
  assert_string_equal(m->inputs[0].name, "C");
  assert_string_equal(m->inputs[0].unit, "mg/L");
  assert_int_equal(m->inputs[0].type, TS_REAL);
  assert_int_equal(m->inputs[0].flags, TS_INPUT_OPTIONAL);
  assert_true(m->inputs[0].default_value == 0.0);

  assert_int_equal(m->n_outputs, N_OUTPUTS);
  assert_string_equal(m->outputs[O_ANC].name, "ANC");
  assert_string_equal(m->outputs[O_ANC].unit, "1e9 cells/L");
  assert_int_equal(m->outputs[O_ANC].type, TS_REAL);
  assert_null(m->outputs[O_ANC].direct_inputs);
  assert_string_equal(m->outputs[O_GRADE].name, "grade");
  assert_string_equal(m->outputs[O_GRADE].unit, "1");
  assert_int_equal(m->outputs[O_GRADE].type, TS_COUNT);
  assert_null(m->outputs[O_GRADE].direct_inputs);

  assert_int_equal(m->n_dose_targets, 0);
  assert_non_null(m->compute_outputs);
  assert_non_null(m->compute_derivatives);
}

/* ---- Values ------------------------------------------------------------------------------------------------ */

static void test_init(void **state) {
  const ts_model *m = ts_test_find_model(state, "friberg");
  const double params[N_PARAMS] = {3.5, 4.2e9, 0.2, 1.0, 2.0};
  double y0[N_STATES] = {NAN, NAN, NAN, NAN, NAN};
  assert_int_equal(m->init(NULL, NULL, params, 0.0, y0), TS_OK);
  for (int i = 0; i < N_STATES; i++)
    CHECK(y0[i] == 4.2e9, "%s(0) = %g, expected Circ0 = 4.2e9", m->states[i].name, y0[i]);
}

static void test_values(void **state) {
  const ts_model *m = ts_test_find_model(state, "friberg");
  double out[MAX_DIM], der[MAX_DIM];

  /* RP-1 values, C = 1.3 mg/L (Edrug = 0.26), states away from the equilibrium. */
  point x = {.params = RP1_PARAMS, .states = {4.2e9, 3.9e9, 3.1e9, 2.6e9, 1.7e9}, .inputs = {1.3}};
  ts_test_evaluate(m, &x, out, der);
  ts_test_check_value("dProl/dt", der[S_PROL], -5.43199782857949168083e+8);
  ts_test_check_value("dT1/dt", der[S_T1], 3.24324324324324324324e+8);
  ts_test_check_value("dT2/dt", der[S_T2], 8.64864864864864864865e+8);
  ts_test_check_value("dT3/dt", der[S_T3], 5.40540540540540540541e+8);
  ts_test_check_value("dCirc/dt", der[S_CIRC], 9.72972972972972972973e+8);
  ts_test_check_value("ANC", out[O_ANC], 1.7);
  assert_true(out[O_GRADE] == 1.0); /* 1.5 <= 1.7 < LLN 2.0 */
}

static void test_values_docetaxel(void **state) {
  const ts_model *m = ts_test_find_model(state, "friberg");
  double out[MAX_DIM], der[MAX_DIM];
  /* Friberg's docetaxel values with MTT 3.5 d: ktr = 8/7 /d, Circ0 5.05e9, slope 10.62 L/mg, C = 0.05 mg/L. */
  point x = {
      .params = {3.5, 5.05e9, 0.161, 10.62, 2.0}, .states = {1.1e9, 2.3e9, 3.7e9, 4.4e9, 4.9e9}, .inputs = {0.05}};
  ts_test_evaluate(m, &x, out, der);
  ts_test_check_value("dProl/dt", der[S_PROL], -6.64673602940896704322e+8);
  ts_test_check_value("dT1/dt", der[S_T1], -1.37142857142857142857e+9);
  ts_test_check_value("dT2/dt", der[S_T2], -1.6e+9);
  ts_test_check_value("dT3/dt", der[S_T3], -8.0e+8);
  ts_test_check_value("dCirc/dt", der[S_CIRC], -5.71428571428571428571e+8);
  ts_test_check_value("ANC", out[O_ANC], 4.9);
  assert_true(out[O_GRADE] == 0.0);
}

static void test_baseline_is_an_equilibrium(void **state) {
  const ts_model *m = ts_test_find_model(state, "friberg");
  double out[MAX_DIM], der[MAX_DIM];
  /* Without drug, every compartment at Circ0 is a steady state: (Circ0/Circ)^gamma = 1 and every transit flux
   * balances, exactly, in floating point too. */
  const double circ0[] = {5e9, 5.05e9, 1.234567e9};
  for (size_t i = 0; i < 3; i++) {
    point x = {.params = {3.7, circ0[i], 0.161, 0.2, 2.0}, .inputs = {0.0}};
    for (int s = 0; s < N_STATES; s++)
      x.states[s] = circ0[i];
    ts_test_evaluate(m, &x, out, der);
    for (int s = 0; s < N_STATES; s++)
      CHECK(der[s] == 0.0, "d%s/dt = %g at the baseline %g, expected exactly 0", m->states[s].name, der[s], circ0[i]);
  }
}

static void test_negative_concentration_reads_zero(void **state) {
  const ts_model *m = ts_test_find_model(state, "friberg");
  double out[MAX_DIM], zero[MAX_DIM], negative[MAX_DIM];
  point x = {.params = RP1_PARAMS, .states = {4.2e9, 3.9e9, 3.1e9, 2.6e9, 1.7e9}, .inputs = {0.0}};
  ts_test_evaluate(m, &x, out, zero);
  x.inputs[0] = -1e-9; /* solver noise in the PK model */
  ts_test_evaluate(m, &x, out, negative);
  assert_memory_equal(zero, negative, N_STATES * sizeof zero[0]);
}

static void test_nonpositive_circ_is_recoverable(void **state) {
  const ts_model *m = ts_test_find_model(state, "friberg");
  double out[MAX_DIM], der[MAX_DIM], jac[N_STATES * N_STATES], jin[N_STATES], jout[N_OUTPUTS * N_STATES],
      jout_in[N_OUTPUTS];
  const double bad[] = {0.0, -1.0, -5e9, NAN};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    point x = {.params = RP1_PARAMS, .states = {4.2e9, 3.9e9, 3.1e9, 2.6e9, bad[i]}, .inputs = {1.0}};
    CHECK(ts_test_evaluate_status(m, &x, out, der) == TS_RECOVERABLE,
          "Circ = %g: compute_derivatives did not return TS_RECOVERABLE", bad[i]);
    const ts_eval e = {.params = x.params, .states = x.states, .inputs = x.inputs, .outputs = out, .derivatives = der};
    CHECK(m->jacobian(NULL, &e, jac, jin, jout, jout_in) == TS_RECOVERABLE,
          "Circ = %g: jacobian did not return TS_RECOVERABLE", bad[i]);
  }
}

/* ---- CTCAE grade ------------------------------------------------------------------------------------------- */

static double grade_of(const ts_model *m, double circ, double lln) {
  point x = {.params = {3.7, 5e9, 0.161, 0.2, lln}, .states = {5e9, 5e9, 5e9, 5e9, circ}};
  double out[MAX_DIM];
  ts_eval e = {.params = x.params, .states = x.states, .inputs = x.inputs, .outputs = out};
  assert_int_equal(m->compute_outputs(NULL, &e), TS_OK);
  return out[O_GRADE];
}

static void test_grade_thresholds(void **state) {
  const ts_model *m = ts_test_find_model(state, "friberg");
  /* CTCAE v5, neutrophil count decreased: grade 1 < LLN - 1.5, grade 2 < 1.5 - 1.0, grade 3 < 1.0 - 0.5,
   * grade 4 < 0.5 (x 1e9/L). Each threshold belongs to the milder grade; the next double below it to the worse. */
  static const struct {
    double circ; /* cells/L */
    double lln;  /* 1e9 cells/L */
    double grade;
  } cases[] = {
      {2.0e9, 2.0, 0},  {1.5e9, 2.0, 1},  {1.0e9, 2.0, 2}, {0.5e9, 2.0, 3},  {5e9, 2.0, 0},
      {1.99e9, 2.0, 1}, {1.2e9, 2.0, 2},  {0.7e9, 2.0, 3}, {0.1e9, 2.0, 4},  {0.0, 2.0, 4},
      {1.8e9, 1.8, 0},  {1.79e9, 1.8, 1}, {1.5e9, 1.5, 0}, {1.49e9, 1.5, 2}, /* an LLN of 1.5 leaves grade 1 empty */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    double g = grade_of(m, cases[i].circ, cases[i].lln);
    CHECK(g == cases[i].grade, "ANC %.17g x 1e9/L, LLN %g: grade %g, expected %g", cases[i].circ / 1e9, cases[i].lln, g,
          cases[i].grade);
  }
  static const double thresholds[] = {2.0e9, 1.5e9, 1.0e9, 0.5e9};
  for (int k = 0; k < 4; k++) {
    double at = grade_of(m, thresholds[k], 2.0);
    double below = grade_of(m, nextafter(thresholds[k], 0.0), 2.0);
    CHECK(at == k && below == k + 1, "at %.17g cells/L grade %g (expected %d), just below %g (expected %d)",
          thresholds[k], at, k, below, k + 1);
  }
  /* ANC is Circ in 1e9 cells/L; exactly 1.5 on the boundary. */
  point x = {.params = RP1_PARAMS, .states = {5e9, 5e9, 5e9, 5e9, 1.5e9}};
  double out[MAX_DIM];
  ts_eval e = {.params = x.params, .states = x.states, .inputs = x.inputs, .outputs = out};
  assert_int_equal(m->compute_outputs(NULL, &e), TS_OK);
  assert_true(out[O_ANC] == 1.5);
}

/* ---- Jacobian ---------------------------------------------------------------------------------------------- */

static void test_jacobian(void **state) {
  const ts_model *m = ts_test_find_model(state, "friberg");
  const point points[] = {
      {.params = RP1_PARAMS, .states = {4.2e9, 3.9e9, 3.1e9, 2.6e9, 1.7e9}, .inputs = {1.3}},
      {.params = {3.5, 5.05e9, 0.161, 10.62, 2.0}, .states = {1.1e9, 2.3e9, 3.7e9, 4.4e9, 4.9e9}, .inputs = {0.05}},
      {.params = {5.0, 6e9, 0.3, 0.7, 1.8}, .states = {2e8, 3e8, 5e8, 9e8, 3.3e8}, .inputs = {2.5}}, /* Edrug > 1 */
      {.params = RP1_PARAMS, .states = {5e9, 5e9, 5e9, 5e9, 5e9}, .inputs = {0.0}}, /* C = 0: right-hand */
  };
  for (size_t i = 0; i < sizeof points / sizeof points[0]; i++) {
    if (points[i].inputs[0] == 0.0) {
      /* At C = 0 a central difference straddles the kink where C < 0 is read as 0; check the C column against
       * the one-sided (right-hand) derivative -ktr*Prol*slope*F instead, and the state columns as usual. */
      double dfdx[N_STATES * N_STATES], dfdu[N_STATES], dgdx[N_OUTPUTS * N_STATES], dgdu[N_OUTPUTS];
      ts_test_jacobian_at(m, &points[i], dfdx, dfdu, dgdx, dgdu);
      ts_test_check_value("d(dProl/dt)/dC at C = 0", dfdu[S_PROL], -(4.0 / 3.7) * 5e9 * 0.2);
      continue;
    }
    ts_test_check_jacobian(m, &points[i], &jacobian_fd);
  }
}

/* ---- Through the scheduler --------------------------------------------------------------------------------- */

static double steady_state(double circ0, double slope, double c, double gamma) {
  return circ0 * pow(1.0 - slope * c, 1.0 / gamma);
}

/* CTCAE grade of an ANC in 1e9 cells/L, written out again here as the test's own reference. */
static double reference_grade(double anc, double lln) {
  return anc >= lln ? 0 : anc >= 1.5 ? 1 : anc >= 1.0 ? 2 : anc >= 0.5 ? 3 : 4;
}

static void check_steady_state(double c) {
  /* pk/one_compartment CL = 120 L/d, V = 10 L infused at CL*c mg/d from t = 0 for longer than the horizon: C(t) =
   * c*(1 - exp(-12 t)), i.e. c to 1e-5 after one day and to rounding after three. */
  char yaml[2048];
  snprintf(yaml, sizeof yaml,
           "twinsim: 1\nname: friberg_steady_state\nmodel:\n"
           "  pk:\n    model: pk/one_compartment\n    parameters:\n      CL: 120 L/d\n      V: 10 L\n"
           "  tox:\n    model: toxicity/friberg\n    inputs:\n      C: pk.C\n"
           "doses:\n  - target: pk.central\n    amount: %.17g mg\n    rate: %.17g mg/d\n"
           "horizon: 200 d\noutput:\n  times: [150 d, 200 d]\n"
           "  signals: [pk.C, tox.Prol, tox.T1, tox.T2, tox.T3, tox.Circ, tox.ANC, tox.grade]\n"
           "solver:\n  rtol: 1e-10\n  atol: 1e-12\n",
           120.0 * c * 250.0, 120.0 * c);
  ts_test_sim s;
  ts_test_simulate(&s, "friberg_steady_state", yaml);
  assert_false(s.res.failed);
  assert_int_equal(s.res.n_times, 2);
  const double css = steady_state(5e9, 0.2, c, 0.161);
  const double *last = s.res.values + 8; /* the row at 200 d */
  CHECK(ts_test_relerr(last[0], c, 0) <= 1e-9, "C = %.17g mg/L, expected %g", last[0], c);
  double worst = 0;
  for (int k = 1; k <= 5; k++) {
    const double err = ts_test_relerr(last[k], css, 0);
    worst = fmax(worst, err);
    CHECK(err <= SS_TOL, "C = %g mg/L: state %d = %.10g cells/L at day 200, closed form %.10g (relative error %.3g)", c,
          k, last[k], css, err);
  }
  CHECK(ts_test_relerr(last[6], css / 1e9, 0) <= SS_TOL, "ANC %.10g, expected %.10g", last[6], css / 1e9);
  CHECK(last[7] == reference_grade(css / 1e9, 2.0), "grade %g at ANC %g", last[7], css / 1e9);
  print_message("steady state at C = %g mg/L: Circ = %.10g cells/L, closed form %.10g, worst relative error %.3g, "
                "grade %g\n",
                c, last[5], css, worst, last[7]);
  ts_test_sim_free(&s);
}

static void test_steady_state_under_constant_concentration(void **state) {
  (void)state;
  /* The closed form itself, once by hand: (1 - 0.2)^(1/0.161) = 0.2500774..., (1 - 0.5)^(1/0.161) = 0.0134973... */
  assert_float_equal(steady_state(5e9, 0.2, 1.0, 0.161) / 5e9, exp(log(0.8) / 0.161), 1e-15);
  assert_true(fabs(steady_state(5e9, 0.2, 1.0, 0.161) - 1.250387e9) < 1e3);
  check_steady_state(1.0); /* Edrug 0.2: grade 2 */
  check_steady_state(2.5); /* Edrug 0.5: grade 4 */
}

static void test_untreated_stays_at_baseline(void **state) {
  (void)state;
  ts_test_sim s;
  ts_test_simulate(&s, "friberg_untreated",
                   "twinsim: 1\nname: untreated\nmodel:\n  tox:\n    model: toxicity/friberg\n"
                   "    parameters:\n      Circ0: 4.5e9 cells/L\nhorizon: 60 d\n"
                   "output:\n  every: 5 d\n  signals: [tox.Prol, tox.Circ, tox.ANC, tox.grade]\n");
  assert_false(s.res.failed);
  for (size_t i = 0; i < s.res.n_times; i++) {
    const double *row = s.res.values + 4 * i;
    CHECK(row[0] == 4.5e9 && row[1] == 4.5e9 && row[2] == 4.5 && row[3] == 0.0,
          "untreated at %g d: Prol %.17g, Circ %.17g, ANC %.17g, grade %g", s.res.times[i], row[0], row[1], row[2],
          row[3]);
  }
  ts_test_sim_free(&s);
}

static void test_docetaxel_nadir(void **state) {
  (void)state;
  ts_test_sim s;
  ts_test_simulate_file(&s, "toxicity_friberg.yaml");
  const ts_system *sys = s.loaded.system;
  const size_t nr = sys->n_recorded;
  const int anc = ts_test_recorded_column(sys, "neutrophils", "ANC"),
            grade = ts_test_recorded_column(sys, "neutrophils", "grade");
  const int lln_index = ts_system_instance(sys, "neutrophils");
  assert_true(lln_index >= 0);
  const double lln = sys->params[sys->inst[lln_index].param_offset + P_LLN];
  const double circ0 = sys->params[sys->inst[lln_index].param_offset + P_CIRC0] / 1e9;

  double nadir = INFINITY, nadir_time = NAN;
  for (size_t i = 0; i < s.res.n_times; i++) {
    const double *row = s.res.values + i * nr;
    if (row[anc] < nadir) {
      nadir = row[anc];
      nadir_time = s.res.times[i];
    }
    CHECK(row[grade] == reference_grade(row[anc], lln), "at %g d: grade %g, but ANC %.6g gives %g", s.res.times[i],
          row[grade], row[anc], reference_grade(row[anc], lln));
  }
  const double *last = s.res.values + (s.res.n_times - 1) * nr;
  print_message("docetaxel 180 mg over 1 h: nadir ANC %.4g x 1e9/L (grade %g) at day %.3f; day %g ANC %.4g\n", nadir,
                reference_grade(nadir, lln), nadir_time, s.res.times[s.res.n_times - 1], last[anc]);
  /* Published: median day of nadir 7 after docetaxel (Taxotere prescribing information); nadirs fall in days 7-10. */
  CHECK(nadir_time >= 7.0 && nadir_time <= 10.0, "nadir at day %g, outside the published day 7-10", nadir_time);
  CHECK(nadir < lln, "no neutropenia at the nadir (ANC %g)", nadir);
  CHECK(nadir > 0.0 && nadir < circ0, "nadir %g", nadir);
  /* Recovered by the next cycle (the count needed to dose again is >= 1.5 x 1e9/L). */
  assert_true(fabs(s.res.times[s.res.n_times - 1] - 21.0) < 1e-9);
  CHECK(last[anc] >= lln, "ANC %g at day 21, not recovered above the LLN %g", last[anc], lln);
  ts_test_sim_free(&s);
}

/* ---- Bad input --------------------------------------------------------------------------------------------- */

static void check_refused(const char *name, const char *params, const char *expected) {
  char yaml[1024];
  snprintf(yaml, sizeof yaml,
           "twinsim: 1\nname: %s\nmodel:\n  tox:\n    model: toxicity/friberg\n    parameters:\n%s"
           "horizon: 10 d\noutput:\n  every: 1 d\n  signals: [tox.ANC]\n",
           name, params);
  ts_loaded loaded;
  memset(&loaded, 0, sizeof loaded);
  ts_error err;
  ts_error_clear(&err);
  int rc = ts_load(ts_test_scenario(name, yaml), &loaded, &err);
  ts_loaded_free(&loaded);
  CHECK(rc != 0, "%s: the scenario was accepted", name);
  CHECK(err.code == TS_E_INPUT, "%s: error code %d", name, (int)err.code);
  CHECK(strstr(err.message, expected) != NULL, "%s: message\n  %s\ndoes not contain\n  %s", name, err.message,
        expected);
}

static void test_bad_parameters_refused(void **state) {
  (void)state;
  check_refused("friberg_negative_mtt", "      MTT: -3.7 d\n",
                "parameter tox.MTT = -3.7 d is outside its allowed range (0, inf] d");
  check_refused("friberg_zero_mtt", "      MTT: 0 h\n",
                "parameter tox.MTT = 0 d is outside its allowed range (0, inf] d");
  check_refused("friberg_negative_slope", "      slope: -0.2 L/mg\n",
                "parameter tox.slope = -0.2 L/mg is outside its allowed range [0, inf] L/mg");
  check_refused("friberg_zero_circ0", "      Circ0: 0 cells/L\n",
                "parameter tox.Circ0 = 0 cells/L is outside its allowed range (0, inf] cells/L");
  check_refused("friberg_low_lln", "      LLN: 1.2e9 cells/L\n",
                "parameter tox.LLN = 1.2 1e9 cells/L is outside its allowed range [1.5, inf] 1e9 cells/L");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_plugin_header),
      cmocka_unit_test(test_descriptor),
      cmocka_unit_test(test_init),
      cmocka_unit_test(test_values),
      cmocka_unit_test(test_values_docetaxel),
      cmocka_unit_test(test_baseline_is_an_equilibrium),
      cmocka_unit_test(test_negative_concentration_reads_zero),
      cmocka_unit_test(test_nonpositive_circ_is_recoverable),
      cmocka_unit_test(test_grade_thresholds),
      cmocka_unit_test(test_jacobian),
      cmocka_unit_test(test_steady_state_under_constant_concentration),
      cmocka_unit_test(test_untreated_stays_at_baseline),
      cmocka_unit_test(test_docetaxel_nadir),
      cmocka_unit_test(test_bad_parameters_refused),
  };
  return cmocka_run_group_tests_name("plugins.toxicity", tests, open_plugin, ts_test_plugin_close);
}
