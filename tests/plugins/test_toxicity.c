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

#include <dlfcn.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <twinsim/plugin.h>

#include "run.h"
#include "sim.h"
#include "test_support.h"

#define PLUGIN_PATH TS_TEST_PLUGIN_DIR "/toxicity.so"

#define VALUE_TOL    1e-12 /* hand-computed values */
#define JACOBIAN_TOL 1e-6  /* analytic Jacobian vs central differences */
#define SS_TOL       1e-6  /* simulated steady state vs closed form */
#define MAX_DIM      8

enum { P_MTT, P_CIRC0, P_GAMMA, P_SLOPE, P_LLN, N_PARAMS };
enum { S_PROL, S_T1, S_T2, S_T3, S_CIRC, N_STATES };
enum { O_ANC, O_GRADE, N_OUTPUTS };

#define CHECK(cond, ...)                                                                                               \
  do {                                                                                                                 \
    if (!(cond))                                                                                                       \
      fail_msg(__VA_ARGS__);                                                                                           \
  } while (0)

/* ---- Loading ----------------------------------------------------------------------------------------------- */

typedef struct library {
  void *handle;
  const ts_plugin *plugin;
  const ts_model *friberg;
} library;

static int load_library(void **state) {
  library *lib = calloc(1, sizeof *lib);
  if (!lib)
    return -1;
  lib->handle = dlopen(PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
  if (!lib->handle) {
    fprintf(stderr, "dlopen(%s): %s\n", PLUGIN_PATH, dlerror());
    free(lib);
    return -1;
  }
  void *symbol = dlsym(lib->handle, TS_PLUGIN_ENTRY_NAME);
  if (!symbol) {
    fprintf(stderr, "dlsym(%s): %s\n", TS_PLUGIN_ENTRY_NAME, dlerror());
    dlclose(lib->handle);
    free(lib);
    return -1;
  }
  ts_plugin_entry_fn entry;
  memcpy(&entry, &symbol, sizeof entry); /* object to function pointer, as POSIX allows for dlsym */
  lib->plugin = entry();
  for (uint32_t i = 0; i < lib->plugin->n_models; i++)
    if (strcmp(lib->plugin->models[i]->name, "friberg") == 0)
      lib->friberg = lib->plugin->models[i];
  *state = lib;
  return 0;
}

static int unload_library(void **state) {
  library *lib = *state;
  if (lib) {
    dlclose(lib->handle);
    free(lib);
  }
  return 0;
}

static const ts_model *friberg(void **state) {
  const ts_model *m = ((library *)*state)->friberg;
  CHECK(m != NULL, "model 'friberg' not found in plugin 'toxicity'");
  return m;
}

/* ---- Evaluation as the host does it ------------------------------------------------------------------------ */

typedef struct point {
  double params[N_PARAMS];
  double states[N_STATES];
  double c; /* the one input */
} point;

/* The RP-1 values (and the default LLN). */
#define RP1_PARAMS                                                                                                     \
  { 3.7, 5e9, 0.161, 0.2, 2.0 }

/* compute_outputs() then compute_derivatives(), as in one evaluation of the host's right-hand side; returns the
 * status of compute_derivatives(). */
static int evaluate(const ts_model *m, const point *x, double *outputs, double *derivatives) {
  ts_eval e = {
      .t = 2.5, .params = x->params, .states = x->states, .inputs = &x->c, .outputs = outputs, .derivatives = NULL};
  assert_int_equal(m->compute_outputs(NULL, &e), TS_OK);
  e.derivatives = derivatives;
  return m->compute_derivatives(NULL, &e);
}

static void check_value(const char *what, double got, double expected) {
  double err = ts_test_relerr(got, expected, 1e-300);
  CHECK(err <= VALUE_TOL, "%s = %.17g, expected %.17g (relative error %.3g)", what, got, expected, err);
}

/* ---- Descriptors ------------------------------------------------------------------------------------------- */

static bool is_text(const char *s) {
  return s && *s;
}

static void test_plugin_header(void **state) {
  const library *lib = *state;
  const ts_plugin *plugin = lib->plugin;
  assert_int_equal(plugin->abi_major, TS_PLUGIN_ABI_MAJOR);
  assert_int_equal(plugin->abi_minor, TS_PLUGIN_ABI_MINOR);
  assert_int_equal(plugin->struct_size, sizeof(ts_plugin));
  assert_string_equal(plugin->name, "toxicity");
  assert_true(is_text(plugin->version) && is_text(plugin->doc));
  assert_int_equal(plugin->n_models, 1);
  ts_plugin_entry_fn entry;
  void *symbol = dlsym(lib->handle, TS_PLUGIN_ENTRY_NAME);
  memcpy(&entry, &symbol, sizeof entry);
  assert_ptr_equal(entry(), plugin); /* static data, no side effects */
}

static void test_descriptor(void **state) {
  const ts_model *m = friberg(state);
  assert_int_equal(m->struct_size, sizeof(ts_model));
  assert_int_equal(m->param_size, sizeof(ts_param));
  assert_int_equal(m->state_size, sizeof(ts_state));
  assert_int_equal(m->input_size, sizeof(ts_input));
  assert_int_equal(m->output_size, sizeof(ts_output));
  assert_int_equal(m->dose_target_size, sizeof(ts_dose_target));
  assert_true(is_text(m->version) && is_text(m->doc));
  assert_int_equal(m->flags, 0);

  static const struct {
    const char *name, *unit;
    double value, lower;
    uint32_t flags;
  } params[N_PARAMS] = {
      {"MTT", "d", 3.7, 0.0, TS_PARAM_LOWER_OPEN},
      {"Circ0", "cells/L", 5e9, 0.0, TS_PARAM_LOWER_OPEN},
      {"gamma", "1", 0.161, 0.0, 0},
      {"slope", "L/mg", 0.2, 0.0, 0},
      {"LLN", "1e9 cells/L", 2.0, 1.5, 0},
  };
  assert_int_equal(m->n_params, N_PARAMS);
  for (int i = 0; i < N_PARAMS; i++) {
    const ts_param *p = &m->params[i];
    assert_string_equal(p->name, params[i].name);
    assert_string_equal(p->unit, params[i].unit);
    CHECK(p->default_value == params[i].value, "%s default %g", p->name, p->default_value);
    CHECK(p->lower == params[i].lower && p->flags == params[i].flags, "%s lower bound %g flags %u", p->name, p->lower,
          p->flags);
    CHECK(isinf(p->upper) && p->upper > 0, "%s upper bound %g", p->name, p->upper);
    assert_true(is_text(p->doc));
  }

  static const char *const states[N_STATES] = {"Prol", "T1", "T2", "T3", "Circ"};
  assert_int_equal(m->n_states, N_STATES);
  for (int i = 0; i < N_STATES; i++) {
    assert_string_equal(m->states[i].name, states[i]);
    assert_string_equal(m->states[i].unit, "cells/L");
    assert_int_equal(m->states[i].flags, TS_STATE_NONNEGATIVE);
    assert_true(m->states[i].nominal > 0 && is_text(m->states[i].doc));
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
  assert_null(m->create);
  assert_null(m->destroy);
  assert_non_null(m->init);
  assert_non_null(m->compute_outputs);
  assert_non_null(m->compute_derivatives);
  assert_non_null(m->jacobian);
  assert_null(m->step);
  assert_null(m->bolus);
}

/* ---- Values ------------------------------------------------------------------------------------------------ */

static void test_init(void **state) {
  const ts_model *m = friberg(state);
  const double params[N_PARAMS] = {3.5, 4.2e9, 0.2, 1.0, 2.0};
  double y0[N_STATES] = {NAN, NAN, NAN, NAN, NAN};
  assert_int_equal(m->init(NULL, NULL, params, 0.0, y0), TS_OK);
  for (int i = 0; i < N_STATES; i++)
    CHECK(y0[i] == 4.2e9, "%s(0) = %g, expected Circ0 = 4.2e9", m->states[i].name, y0[i]);
}

static void test_values(void **state) {
  const ts_model *m = friberg(state);
  double out[MAX_DIM], der[MAX_DIM];

  /* RP-1 values, C = 1.3 mg/L (Edrug = 0.26), states away from the equilibrium. */
  point x = {.params = RP1_PARAMS, .states = {4.2e9, 3.9e9, 3.1e9, 2.6e9, 1.7e9}, .c = 1.3};
  assert_int_equal(evaluate(m, &x, out, der), TS_OK);
  check_value("dProl/dt", der[S_PROL], -5.43199782857949168083e+8);
  check_value("dT1/dt", der[S_T1], 3.24324324324324324324e+8);
  check_value("dT2/dt", der[S_T2], 8.64864864864864864865e+8);
  check_value("dT3/dt", der[S_T3], 5.40540540540540540541e+8);
  check_value("dCirc/dt", der[S_CIRC], 9.72972972972972972973e+8);
  check_value("ANC", out[O_ANC], 1.7);
  assert_true(out[O_GRADE] == 1.0); /* 1.5 <= 1.7 < LLN 2.0 */
}

static void test_values_docetaxel(void **state) {
  const ts_model *m = friberg(state);
  double out[MAX_DIM], der[MAX_DIM];
  /* Friberg's docetaxel values with MTT 3.5 d: ktr = 8/7 /d, Circ0 5.05e9, slope 10.62 L/mg, C = 0.05 mg/L. */
  point x = {.params = {3.5, 5.05e9, 0.161, 10.62, 2.0}, .states = {1.1e9, 2.3e9, 3.7e9, 4.4e9, 4.9e9}, .c = 0.05};
  assert_int_equal(evaluate(m, &x, out, der), TS_OK);
  check_value("dProl/dt", der[S_PROL], -6.64673602940896704322e+8);
  check_value("dT1/dt", der[S_T1], -1.37142857142857142857e+9);
  check_value("dT2/dt", der[S_T2], -1.6e+9);
  check_value("dT3/dt", der[S_T3], -8.0e+8);
  check_value("dCirc/dt", der[S_CIRC], -5.71428571428571428571e+8);
  check_value("ANC", out[O_ANC], 4.9);
  assert_true(out[O_GRADE] == 0.0);
}

static void test_baseline_is_an_equilibrium(void **state) {
  const ts_model *m = friberg(state);
  double out[MAX_DIM], der[MAX_DIM];
  /* Without drug, every compartment at Circ0 is a steady state: (Circ0/Circ)^gamma = 1 and every transit flux
   * balances, exactly, in floating point too. */
  const double circ0[] = {5e9, 5.05e9, 1.234567e9};
  for (size_t i = 0; i < 3; i++) {
    point x = {.params = {3.7, circ0[i], 0.161, 0.2, 2.0}, .c = 0.0};
    for (int s = 0; s < N_STATES; s++)
      x.states[s] = circ0[i];
    assert_int_equal(evaluate(m, &x, out, der), TS_OK);
    for (int s = 0; s < N_STATES; s++)
      CHECK(der[s] == 0.0, "d%s/dt = %g at the baseline %g, expected exactly 0", m->states[s].name, der[s], circ0[i]);
  }
}

static void test_negative_concentration_reads_zero(void **state) {
  const ts_model *m = friberg(state);
  double out[MAX_DIM], zero[MAX_DIM], negative[MAX_DIM];
  point x = {.params = RP1_PARAMS, .states = {4.2e9, 3.9e9, 3.1e9, 2.6e9, 1.7e9}, .c = 0.0};
  assert_int_equal(evaluate(m, &x, out, zero), TS_OK);
  x.c = -1e-9; /* solver noise in the PK model */
  assert_int_equal(evaluate(m, &x, out, negative), TS_OK);
  assert_memory_equal(zero, negative, N_STATES * sizeof zero[0]);
}

static void test_nonpositive_circ_is_recoverable(void **state) {
  const ts_model *m = friberg(state);
  double out[MAX_DIM], der[MAX_DIM], jac[N_STATES * N_STATES], jin[N_STATES], jout[N_OUTPUTS * N_STATES],
      jout_in[N_OUTPUTS];
  const double bad[] = {0.0, -1.0, -5e9, NAN};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    point x = {.params = RP1_PARAMS, .states = {4.2e9, 3.9e9, 3.1e9, 2.6e9, bad[i]}, .c = 1.0};
    CHECK(evaluate(m, &x, out, der) == TS_RECOVERABLE, "Circ = %g: compute_derivatives did not return TS_RECOVERABLE",
          bad[i]);
    const ts_eval e = {.params = x.params, .states = x.states, .inputs = &x.c, .outputs = out, .derivatives = der};
    CHECK(m->jacobian(NULL, &e, jac, jin, jout, jout_in) == TS_RECOVERABLE,
          "Circ = %g: jacobian did not return TS_RECOVERABLE", bad[i]);
  }
}

/* ---- CTCAE grade ------------------------------------------------------------------------------------------- */

static double grade_of(const ts_model *m, double circ, double lln) {
  point x = {.params = {3.7, 5e9, 0.161, 0.2, lln}, .states = {5e9, 5e9, 5e9, 5e9, circ}};
  double out[MAX_DIM];
  ts_eval e = {.params = x.params, .states = x.states, .inputs = &x.c, .outputs = out};
  assert_int_equal(m->compute_outputs(NULL, &e), TS_OK);
  return out[O_GRADE];
}

static void test_grade_thresholds(void **state) {
  const ts_model *m = friberg(state);
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
  ts_eval e = {.params = x.params, .states = x.states, .inputs = &x.c, .outputs = out};
  assert_int_equal(m->compute_outputs(NULL, &e), TS_OK);
  assert_true(out[O_ANC] == 1.5);
}

/* ---- Jacobian ---------------------------------------------------------------------------------------------- */

static void check_jacobian(const ts_model *m, const point *x) {
  double dfdx[N_STATES * N_STATES] = {0}, dfdu[N_STATES] = {0}, dgdx[N_OUTPUTS * N_STATES] = {0}, dgdu[N_OUTPUTS] = {0};
  double out[MAX_DIM], der[MAX_DIM];
  assert_int_equal(evaluate(m, x, out, der), TS_OK);
  const ts_eval e = {.params = x->params, .states = x->states, .inputs = &x->c, .outputs = out, .derivatives = der};
  assert_int_equal(m->jacobian(NULL, &e, dfdx, dfdu, dgdx, dgdu), TS_OK);
  for (int j = 0; j <= N_STATES; j++) { /* columns: the five states, then the input C */
    point plus = *x, minus = *x;
    double *vp = j < N_STATES ? &plus.states[j] : &plus.c;
    double *vm = j < N_STATES ? &minus.states[j] : &minus.c;
    const double h = 1e-5 * (*vp != 0.0 ? fabs(*vp) : 1.0);
    *vp += h;
    *vm -= h;
    double op[MAX_DIM], om[MAX_DIM], fp[MAX_DIM], fm[MAX_DIM];
    assert_int_equal(evaluate(m, &plus, op, fp), TS_OK);
    assert_int_equal(evaluate(m, &minus, om, fm), TS_OK);
    const char *column = j < N_STATES ? m->states[j].name : "C";
    for (int i = 0; i < N_STATES; i++) {
      const double fd = (fp[i] - fm[i]) / (2 * h);
      const double an = j < N_STATES ? dfdx[i + j * N_STATES] : dfdu[i];
      /* Entries that are exactly 0 must be computed as 0; others relative to their size. */
      const double err = ts_test_relerr(an, fd, 1e-300);
      CHECK(err <= JACOBIAN_TOL || (an == 0.0 && fd == 0.0), "d(d%s/dt)/d%s = %.10g, finite differences %.10g (%.3g)",
            m->states[i].name, column, an, fd, err);
    }
    /* ANC only: grade is piecewise constant (its difference quotient is 0 away from a threshold). */
    const double fd = (op[O_ANC] - om[O_ANC]) / (2 * h);
    const double an = j < N_STATES ? dgdx[O_ANC + j * N_OUTPUTS] : dgdu[O_ANC];
    CHECK(ts_test_relerr(an, fd, 1e-300) <= JACOBIAN_TOL, "dANC/d%s = %.10g, finite differences %.10g", column, an, fd);
    const double dgrade = j < N_STATES ? dgdx[O_GRADE + j * N_OUTPUTS] : dgdu[O_GRADE];
    CHECK(dgrade == 0.0 && op[O_GRADE] == om[O_GRADE], "dgrade/d%s = %g", column, dgrade);
  }
}

static void test_jacobian(void **state) {
  const ts_model *m = friberg(state);
  const point points[] = {
      {.params = RP1_PARAMS, .states = {4.2e9, 3.9e9, 3.1e9, 2.6e9, 1.7e9}, .c = 1.3},
      {.params = {3.5, 5.05e9, 0.161, 10.62, 2.0}, .states = {1.1e9, 2.3e9, 3.7e9, 4.4e9, 4.9e9}, .c = 0.05},
      {.params = {5.0, 6e9, 0.3, 0.7, 1.8}, .states = {2e8, 3e8, 5e8, 9e8, 3.3e8}, .c = 2.5}, /* Edrug > 1 */
      {.params = RP1_PARAMS, .states = {5e9, 5e9, 5e9, 5e9, 5e9}, .c = 0.0},                  /* C = 0: right-hand */
  };
  for (size_t i = 0; i < sizeof points / sizeof points[0]; i++) {
    if (points[i].c == 0.0) {
      /* At C = 0 a central difference straddles the kink where C < 0 is read as 0; check the C column against
       * the one-sided (right-hand) derivative -ktr*Prol*slope*F instead, and the state columns as usual. */
      double dfdx[N_STATES * N_STATES] = {0}, dfdu[N_STATES] = {0}, dgdx[N_OUTPUTS * N_STATES] = {0},
                             dgdu[N_OUTPUTS] = {0}, out[MAX_DIM], der[MAX_DIM];
      assert_int_equal(evaluate(m, &points[i], out, der), TS_OK);
      const ts_eval e = {.params = points[i].params,
                         .states = points[i].states,
                         .inputs = &points[i].c,
                         .outputs = out,
                         .derivatives = der};
      assert_int_equal(m->jacobian(NULL, &e, dfdx, dfdu, dgdx, dgdu), TS_OK);
      check_value("d(dProl/dt)/dC at C = 0", dfdu[S_PROL], -(4.0 / 3.7) * 5e9 * 0.2);
      continue;
    }
    check_jacobian(m, &points[i]);
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

static int signal_column(const ts_system *sys, const char *instance, const char *name) {
  const int bus = ts_system_signal(sys, instance, name);
  for (size_t k = 0; k < sys->n_recorded; k++)
    if (bus >= 0 && sys->recorded[k] == (uint32_t)bus)
      return (int)k;
  fail_msg("%s.%s is not recorded", instance, name);
  return -1;
}

static void test_docetaxel_nadir(void **state) {
  (void)state;
  const char *path = TS_TEST_SOURCE_DIR "/scenarios/toxicity_friberg.yaml";
  ts_loaded loaded;
  ts_error err;
  ts_error_clear(&err);
  if (ts_load(path, &loaded, &err) != 0)
    fail_msg("%s", err.message);
  ts_sim_options opt = {.verbosity = TS_LOG_WARNING, .seed = loaded.scenario->seed};
  ts_sim *sim = NULL;
  if (ts_sim_create(loaded.system, &opt, &sim, &err) != 0)
    fail_msg("%s", err.message);
  ts_patient p = {.index = 1, .label = "typical", .params = loaded.system->params};
  ts_sim_result res;
  if (ts_sim_run(sim, &p, &res, &err) != 0)
    fail_msg("%s", err.message);
  assert_false(res.failed);

  const ts_system *sys = loaded.system;
  const size_t nr = sys->n_recorded;
  const int anc = signal_column(sys, "neutrophils", "ANC"), grade = signal_column(sys, "neutrophils", "grade");
  const int lln_index = ts_system_instance(sys, "neutrophils");
  assert_true(lln_index >= 0);
  const double lln = sys->params[sys->inst[lln_index].param_offset + P_LLN];
  const double circ0 = sys->params[sys->inst[lln_index].param_offset + P_CIRC0] / 1e9;

  double nadir = INFINITY, nadir_time = NAN;
  for (size_t i = 0; i < res.n_times; i++) {
    const double *row = res.values + i * nr;
    if (row[anc] < nadir) {
      nadir = row[anc];
      nadir_time = res.times[i];
    }
    CHECK(row[grade] == reference_grade(row[anc], lln), "at %g d: grade %g, but ANC %.6g gives %g", res.times[i],
          row[grade], row[anc], reference_grade(row[anc], lln));
  }
  const double *last = res.values + (res.n_times - 1) * nr;
  print_message("docetaxel 180 mg over 1 h: nadir ANC %.4g x 1e9/L (grade %g) at day %.3f; day %g ANC %.4g\n", nadir,
                reference_grade(nadir, lln), nadir_time, res.times[res.n_times - 1], last[anc]);
  /* Published: median day of nadir 7 after docetaxel (Taxotere prescribing information); nadirs fall in days 7-10. */
  CHECK(nadir_time >= 7.0 && nadir_time <= 10.0, "nadir at day %g, outside the published day 7-10", nadir_time);
  CHECK(nadir < lln, "no neutropenia at the nadir (ANC %g)", nadir);
  CHECK(nadir > 0.0 && nadir < circ0, "nadir %g", nadir);
  /* Recovered by the next cycle (the count needed to dose again is >= 1.5 x 1e9/L). */
  assert_true(fabs(res.times[res.n_times - 1] - 21.0) < 1e-9);
  CHECK(last[anc] >= lln, "ANC %g at day 21, not recovered above the LLN %g", last[anc], lln);

  ts_sim_free(sim);
  ts_loaded_free(&loaded);
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
  return cmocka_run_group_tests_name("plugins.toxicity", tests, load_library, unload_library);
}
