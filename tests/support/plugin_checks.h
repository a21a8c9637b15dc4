/*
 * Helpers shared by the tests of model plugins (tests/plugins/): open a plugin library as the host does, check what
 * include/twinsim/plugin.h requires of its static data, evaluate a model as one evaluation of the host's right-hand
 * side does, compare its analytic Jacobian with central finite differences, and run a shipped scenario.
 *
 * Every check fails the running cmocka test (fail_msg) with a message naming the model, the entry and the numbers;
 * none returns on failure. Include this header after <cmocka.h>. Callbacks are called with instance and host table
 * NULL, as for a model without per-instance data (a test that needs an instance drives the model itself). The
 * tolerances of the Jacobian check are the caller's (ts_test_fd); the one fixed tolerance is TS_TEST_VALUE_TOL.
 */
#ifndef TWINSIM_TEST_PLUGIN_CHECKS_H
#define TWINSIM_TEST_PLUGIN_CHECKS_H

#include <stdbool.h>
#include <stdint.h>

#include <twinsim/plugin.h>

#include "test_support.h"

/* Fails the running test with a printf-style message unless cond holds. */
#define CHECK(cond, ...)                                                                                               \
  do {                                                                                                                 \
    if (!(cond))                                                                                                       \
      fail_msg(__VA_ARGS__);                                                                                           \
  } while (0)

/* The largest number of parameters, states, inputs, outputs or dose targets of one model that a ts_test_point (and a
 * test's own arrays sized with it) holds; tumor/clones_lv, with 24 parameters, is the largest so far. */
#define TS_TEST_MAX_DIM 32

/* Relative tolerance of ts_test_check_value: values worked out by hand to 40 digits against a model's doubles. */
#define TS_TEST_VALUE_TOL 1e-12

/* ---- Loading ------------------------------------------------------------------------------------------------ */

/* A plugin library opened as the host opens it. */
typedef struct ts_test_plugin {
  void *handle;            /* from dlopen() */
  const ts_plugin *plugin; /* what the entry symbol returned */
} ts_test_plugin;

/* For a cmocka group setup: dlopen()s TS_TEST_PLUGIN_DIR/<file> with RTLD_NOW | RTLD_LOCAL, looks up
 * TS_PLUGIN_ENTRY_NAME and calls it; *state then points to a ts_test_plugin. Returns 0, or -1 having printed the
 * reason (dlopen or dlsym's message) to stderr and released everything, *state untouched: cmocka then fails the
 * group. */
int ts_test_plugin_open(void **state, const char *file);

/* A cmocka group teardown: dlclose()s and frees what ts_test_plugin_open made. Harmless when *state is NULL. */
int ts_test_plugin_close(void **state);

/* The model named `name` of the plugin in *state (opened by ts_test_plugin_open); fails the test when there is none. */
const ts_model *ts_test_find_model(void **state, const char *name);

/* ---- Descriptors -------------------------------------------------------------------------------------------- */

/* True when s is a non-empty string. */
bool ts_test_is_text(const char *s);

/* The library header in *state: ABI version (this host's major and minor), struct_size, the library's name (which
 * must equal `name`), version and doc present, and its n_models models named as `models`, in that order; and the
 * entry point, looked up again, returns the same static data (no side effects). */
void ts_test_check_plugin_header(void **state, const char *name, const char *const *models, uint32_t n_models);

/* Everything plugin.h requires of a model's static data, plus this project's rule that every string is documented:
 * the header's sizes (TS_MODEL_HEADER), name, version and doc, flags 0; every table no larger than TS_TEST_MAX_DIM;
 * names identifiers and unique in the scope plugin.h gives them (outputs among states and outputs); every unit
 * parses (docs/units.md); parameter defaults finite and within their bounds (open bounds excluded); nominal
 * magnitudes finite and > 0; no unknown flag bits or signal types; direct inputs naming inputs; dose targets naming
 * an existing state and existing F and lag parameters, with known routes; the required callbacks present. */
void ts_test_check_model_descriptor(const ts_model *m);

/* A parameter as a model's documentation lists it. */
typedef struct ts_test_param_spec {
  const char *name, *unit;
  double value, lower, upper; /* default and bounds */
  uint32_t flags;             /* TS_PARAM_* bits */
} ts_test_param_spec;

/* Fails unless m has exactly the n parameters of spec, in that order, with those names, units, defaults, bounds and
 * flags (numbers compared exactly). */
void ts_test_expect_params(const ts_model *m, const ts_test_param_spec *spec, uint32_t n);

/* The optional callbacks of a model (compute_outputs and compute_derivatives follow from its tables). */
typedef struct ts_test_callbacks {
  bool create, destroy, jacobian, step, bolus;
} ts_test_callbacks;

/* Every model of the plugin in *state: ts_test_check_model_descriptor(), a name unique within the library, and
 * exactly the optional callbacks marked in `has`, the others NULL. */
void ts_test_check_models(void **state, ts_test_callbacks has);

/* ---- Evaluation --------------------------------------------------------------------------------------------- */

/* A point at which a model is evaluated: every array in declaration order, in declared units. */
typedef struct ts_test_point {
  double params[TS_TEST_MAX_DIM];
  double states[TS_TEST_MAX_DIM];
  double inputs[TS_TEST_MAX_DIM];
  double dose_rates[TS_TEST_MAX_DIM]; /* total infusion rate into each dose target, per day */
  double time;                        /* t of the evaluation, d */
} ts_test_point;

/* compute_outputs() then compute_derivatives() at x, as in one evaluation of the host's right-hand side (inputs and
 * dose_rates are passed only when the model declares some, NULL otherwise). outputs receives n_outputs values,
 * derivatives n_states. Fails the test unless compute_outputs() returns TS_OK and compute_derivatives() leaves the
 * outputs bit for bit as they were; returns the status of compute_derivatives() (TS_OK for a model without
 * states). */
int ts_test_evaluate_status(const ts_model *m, const ts_test_point *x, double *outputs, double *derivatives);

/* ts_test_evaluate_status(), failing the test unless compute_derivatives() returns TS_OK. */
void ts_test_evaluate(const ts_model *m, const ts_test_point *x, double *outputs, double *derivatives);

/* Fails unless |got - expected| / max(|expected|, 1e-300) <= TS_TEST_VALUE_TOL; `what` names the value. */
void ts_test_check_value(const char *what, double got, double expected);

/* The analytic Jacobian at x as the host computes it: ts_test_evaluate() at x, then jacobian() with the outputs and
 * derivatives at x and the four blocks (plugin.h: column-major, n_states x n_states, n_states x n_inputs,
 * n_outputs x n_states, n_outputs x n_inputs) zeroed beforehand. A block whose size is 0 is passed as NULL (the
 * caller's pointer is then ignored and may be NULL); the others must have room for their entries. Fails the test
 * unless the model has a jacobian() and it returns TS_OK. */
void ts_test_jacobian_at(const ts_model *m, const ts_test_point *x, double *d_deriv_d_states, double *d_deriv_d_inputs,
                         double *d_out_d_states, double *d_out_d_inputs);

/* ---- Jacobian against finite differences -------------------------------------------------------------------- */

/* How ts_test_check_jacobian compares an analytic entry an with its central difference fd. */
typedef struct ts_test_fd {
  /* Relative step: column j moves by h = step * |x_j|, so that a small positive state stays positive, or by
   * step * nominal (a state) or step * 1 (an input) where x_j = 0. */
  double step;
  /* Largest relative error |an - fd| / max(|fd|, floor) of an entry. */
  double tol;
  /* The least denominator of that error, for entries whose differences are 0 or close to it. */
  double floor;
  /* 0, or a floor per entry: the denominator is then at least entry_floor * |v_i| / |x_j| for the entry of value
   * v_i (derivative or output at x) and column j (|x_j| as for the step). Rounding makes a difference uncertain by
   * about eps * |v_i| / h, so a contribution |J_ij * x_j| below entry_floor * |v_i| cannot be resolved to tol. */
  double entry_floor;
  /* 0, or an absolute tolerance that replaces the relative comparison for the entries of real-valued outputs:
   * |an - fd| <= output_abs_tol. */
  double output_abs_tol;
} ts_test_fd;

/* Compares the analytic Jacobian at x with central differences of ts_test_evaluate(), column by column (the states,
 * then the inputs), with the four blocks zeroed beforehand and NULL where their size is 0, as the host calls it.
 * Fails the test unless the model has a jacobian() returning TS_OK, every evaluation returns TS_OK, and:
 *   - every entry of d(derivatives)/d(states, inputs), and of d(output)/d(states, inputs) for a TS_REAL output,
 *     is within the tolerance of `fd`;
 *   - a TS_COUNT or TS_FLAG output, piecewise constant, has entries exactly 0 and the same value on both sides
 *     of every difference;
 *   - d(output)/d(input) is exactly 0 for an input that is not among the output's direct_inputs (plugin.h). */
void ts_test_check_jacobian(const ts_model *m, const ts_test_point *x, const ts_test_fd *fd);

/* ---- Through the scheduler ---------------------------------------------------------------------------------- */

/* Simulates patient 1 of scenarios/<file> (TS_TEST_SOURCE_DIR), its text passed to ts_test_simulate as an inline
 * scenario would be; fails the test when the patient's simulation failed. Free with ts_test_sim_free. */
void ts_test_simulate_file(ts_test_sim *s, const char *file);

/* The column of signal instance.name among sys's recorded signals; fails the test when it is not recorded. */
int ts_test_recorded_column(const ts_system *sys, const char *instance, const char *name);

#endif
