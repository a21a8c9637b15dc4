/*
 * Tests of the pk plugin (plugins/pk/pk.c) through its ABI, as the host sees it: the library is dlopen()ed from
 * TS_TEST_PLUGIN_DIR and only the entry symbol is used.
 *
 * What is checked:
 *   - the library and model headers (ABI version, struct sizes, names) and every descriptor (identifiers, units,
 *     docs, defaults within bounds, dose targets naming existing states, no unknown flag bits);
 *   - init() and the right-hand side at chosen points against values computed by hand (expected values were
 *     worked out to 40 digits with Python's decimal module from the equations in docs/models.md), relative error
 *     <= 1e-12;
 *   - infusion rates enter the derivative of the dosed state and nothing else; bolus is left to the host;
 *   - mass balance of two_compartment with CL = 0: dA1/dt + dA2/dt = Rin;
 *   - the analytic Jacobian against central finite differences, relative error <= 1e-6.
 * End-to-end integration against closed forms is tested with the scheduler, elsewhere.
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

#include "test_support.h"

#define PLUGIN_PATH TS_TEST_PLUGIN_DIR "/pk.so"

#define VALUE_TOL    1e-12 /* hand-computed values */
#define JACOBIAN_TOL 1e-6  /* analytic Jacobian vs central differences */
#define MAX_DIM      8     /* more than any pk model's number of params, states, inputs, outputs, dose targets */

/* ---- Loading ----------------------------------------------------------------------------------------------- */

typedef struct library {
  void *handle;
  const ts_plugin *plugin;
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

static const ts_model *find_model(void **state, const char *name) {
  const ts_plugin *plugin = ((library *)*state)->plugin;
  for (uint32_t i = 0; i < plugin->n_models; i++) {
    if (plugin->models[i] && plugin->models[i]->name && strcmp(plugin->models[i]->name, name) == 0)
      return plugin->models[i];
  }
  fail_msg("model '%s' not found in plugin '%s'", name, plugin->name);
  return NULL;
}

/* ---- Descriptor checks common to every model ----------------------------------------------------------------- */

static bool is_identifier(const char *s) {
  if (!s || !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
    return false;
  for (s++; *s; s++) {
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
      return false;
  }
  return true;
}

static bool is_text(const char *s) {
  return s && *s;
}

#define CHECK(cond, ...)                                                                                               \
  do {                                                                                                                 \
    if (!(cond))                                                                                                       \
      fail_msg(__VA_ARGS__);                                                                                           \
  } while (0)

static bool has_param(const ts_model *m, const char *name) {
  for (uint32_t i = 0; i < m->n_params; i++) {
    if (strcmp(m->params[i].name, name) == 0)
      return true;
  }
  return false;
}

static bool has_input(const ts_model *m, const char *name) {
  for (uint32_t i = 0; i < m->n_inputs; i++) {
    if (strcmp(m->inputs[i].name, name) == 0)
      return true;
  }
  return false;
}

static bool has_state(const ts_model *m, const char *name) {
  for (uint32_t i = 0; i < m->n_states; i++) {
    if (strcmp(m->states[i].name, name) == 0)
      return true;
  }
  return false;
}

/* Everything plugin.h requires of a model's static data, plus this project's rule that every string is
 * documented. Names are checked for uniqueness in the scope plugin.h gives them. */
static void check_model_descriptor(const ts_model *m) {
  CHECK(m->struct_size == sizeof(ts_model), "struct_size %u, expected %zu", m->struct_size, sizeof(ts_model));
  CHECK(is_identifier(m->name), "model name is not an identifier");
  CHECK(is_text(m->version) && is_text(m->doc), "model %s: version or doc missing", m->name);
  CHECK(m->flags == 0, "model %s: flags 0x%x, none are defined in 1.0", m->name, m->flags);
  CHECK(m->n_params <= MAX_DIM && m->n_states <= MAX_DIM && m->n_inputs <= MAX_DIM && m->n_outputs <= MAX_DIM &&
            m->n_dose_targets <= MAX_DIM,
        "model %s: a table is larger than this test's MAX_DIM", m->name);

  for (uint32_t i = 0; i < m->n_params; i++) {
    const ts_param *p = &m->params[i];
    CHECK(is_identifier(p->name), "model %s: param %u name", m->name, i);
    CHECK(is_text(p->unit) && is_text(p->doc), "param %s: unit or doc missing", p->name);
    CHECK(p->lower <= p->default_value && p->default_value <= p->upper, "param %s: default %g outside [%g, %g]",
          p->name, p->default_value, p->lower, p->upper);
    CHECK(isfinite(p->default_value), "param %s: default %g is not finite", p->name, p->default_value);
    for (uint32_t j = 0; j < i; j++)
      CHECK(strcmp(m->params[j].name, p->name) != 0, "param %s declared twice", p->name);
  }
  for (uint32_t i = 0; i < m->n_states; i++) {
    const ts_state *s = &m->states[i];
    CHECK(is_identifier(s->name), "model %s: state %u name", m->name, i);
    CHECK(is_text(s->unit) && is_text(s->doc), "state %s: unit or doc missing", s->name);
    CHECK(s->nominal > 0 && isfinite(s->nominal), "state %s: nominal %g not > 0", s->name, s->nominal);
    CHECK((s->flags & ~TS_STATE_NONNEGATIVE) == 0, "state %s: unknown flags 0x%x", s->name, s->flags);
    for (uint32_t j = 0; j < i; j++)
      CHECK(strcmp(m->states[j].name, s->name) != 0, "state %s declared twice", s->name);
  }
  for (uint32_t i = 0; i < m->n_inputs; i++) {
    const ts_input *in = &m->inputs[i];
    CHECK(is_identifier(in->name), "model %s: input %u name", m->name, i);
    CHECK(is_text(in->unit) && is_text(in->doc), "input %s: unit or doc missing", in->name);
    CHECK(in->type == TS_REAL || in->type == TS_COUNT || in->type == TS_FLAG, "input %s: bad type", in->name);
    CHECK((in->flags & ~(TS_INPUT_OPTIONAL | TS_INPUT_SUM)) == 0, "input %s: unknown flags", in->name);
    CHECK(isfinite(in->default_value), "input %s: default not finite", in->name);
    for (uint32_t j = 0; j < i; j++)
      CHECK(strcmp(m->inputs[j].name, in->name) != 0, "input %s declared twice", in->name);
  }
  for (uint32_t i = 0; i < m->n_outputs; i++) {
    const ts_output *o = &m->outputs[i];
    CHECK(is_identifier(o->name), "model %s: output %u name", m->name, i);
    CHECK(is_text(o->unit) && is_text(o->doc), "output %s: unit or doc missing", o->name);
    CHECK(o->type == TS_REAL || o->type == TS_COUNT || o->type == TS_FLAG, "output %s: bad type", o->name);
    CHECK(!has_state(m, o->name), "output %s has the name of a state", o->name);
    for (uint32_t j = 0; j < i; j++)
      CHECK(strcmp(m->outputs[j].name, o->name) != 0, "output %s declared twice", o->name);
    for (const char *const *d = o->direct_inputs; d && *d; d++)
      CHECK(has_input(m, *d), "output %s: direct input '%s' is not an input", o->name, *d);
  }
  for (uint32_t i = 0; i < m->n_dose_targets; i++) {
    const ts_dose_target *d = &m->dose_targets[i];
    CHECK(is_identifier(d->name), "model %s: dose target %u name", m->name, i);
    CHECK(is_text(d->unit) && is_text(d->doc), "dose target %s: unit or doc missing", d->name);
    CHECK(d->state && has_state(m, d->state), "dose target %s: no state '%s'", d->name, d->state);
    CHECK(d->routes != 0 && (d->routes & ~(TS_ROUTE_BOLUS | TS_ROUTE_INFUSION)) == 0, "dose target %s: routes 0x%x",
          d->name, d->routes);
    CHECK(!d->bioavailability || has_param(m, d->bioavailability), "dose target %s: no F parameter", d->name);
    CHECK(!d->lag_time || has_param(m, d->lag_time), "dose target %s: no lag parameter", d->name);
    for (uint32_t j = 0; j < i; j++)
      CHECK(strcmp(m->dose_targets[j].name, d->name) != 0, "dose target %s declared twice", d->name);
  }
  CHECK(m->init != NULL, "model %s: init is required", m->name);
  CHECK((m->n_outputs > 0) == (m->compute_outputs != NULL), "model %s: compute_outputs vs n_outputs", m->name);
  CHECK((m->n_states > 0) == (m->compute_derivatives != NULL), "model %s: compute_derivatives vs n_states", m->name);
}

/* ---- Evaluation as the host does it ------------------------------------------------------------------------ */

/* A point at which a model is evaluated; arrays in declaration order. */
typedef struct point {
  double params[MAX_DIM];
  double states[MAX_DIM];
  double inputs[MAX_DIM];
  double dose_rates[MAX_DIM];
} point;

/* compute_outputs() then compute_derivatives(), as in one evaluation of the host's right-hand side. outputs and
 * derivatives have room for MAX_DIM values. Checks that compute_derivatives() leaves the outputs alone. */
static void evaluate(const ts_model *m, const point *x, double *outputs, double *derivatives) {
  ts_eval e = {.t = 3.25,
               .params = x->params,
               .states = x->states,
               .inputs = m->n_inputs ? x->inputs : NULL,
               .dose_rates = m->n_dose_targets ? x->dose_rates : NULL,
               .outputs = outputs,
               .derivatives = NULL};
  assert_int_equal(m->compute_outputs(NULL, &e), TS_OK);
  double saved[MAX_DIM];
  memcpy(saved, outputs, m->n_outputs * sizeof saved[0]);
  e.derivatives = derivatives;
  assert_int_equal(m->compute_derivatives(NULL, &e), TS_OK);
  if (m->n_outputs)
    assert_memory_equal(saved, outputs, m->n_outputs * sizeof saved[0]);
}

static void check_value(const char *what, double got, double expected) {
  double err = ts_test_relerr(got, expected, 1e-300);
  CHECK(err <= VALUE_TOL, "%s = %.17g, expected %.17g (relative error %.3g)", what, got, expected, err);
}

/* Compares the analytic Jacobian at x with central differences of compute_outputs()/compute_derivatives(),
 * column by column, with the blocks zeroed beforehand as the host does. */
static void check_jacobian(const ts_model *m, const point *x) {
  const uint32_t ns = m->n_states, ni = m->n_inputs, no = m->n_outputs;
  double dfdx[MAX_DIM * MAX_DIM] = {0}, dfdu[MAX_DIM * MAX_DIM] = {0};
  double dgdx[MAX_DIM * MAX_DIM] = {0}, dgdu[MAX_DIM * MAX_DIM] = {0};
  double outputs[MAX_DIM], derivatives[MAX_DIM];
  ts_eval e = {.t = 3.25,
               .params = x->params,
               .states = x->states,
               .inputs = ni ? x->inputs : NULL,
               .dose_rates = m->n_dose_targets ? x->dose_rates : NULL,
               .outputs = outputs,
               .derivatives = derivatives};
  evaluate(m, x, outputs, derivatives);
  assert_non_null(m->jacobian);
  assert_int_equal(
      m->jacobian(NULL, &e, ns ? dfdx : NULL, ns && ni ? dfdu : NULL, no && ns ? dgdx : NULL, no && ni ? dgdu : NULL),
      TS_OK);

  for (uint32_t j = 0; j < ns + ni; j++) {
    const bool is_state = j < ns;
    point plus = *x, minus = *x;
    double *vp = is_state ? &plus.states[j] : &plus.inputs[j - ns];
    double *vm = is_state ? &minus.states[j] : &minus.inputs[j - ns];
    /* A step relative to the value (so that a small positive state stays positive), or to the state's nominal
     * magnitude (1 for an input) at 0. */
    const double scale = is_state ? m->states[j].nominal : 1.0;
    const double h = 1e-5 * (*vp != 0.0 ? fabs(*vp) : scale);
    *vp += h;
    *vm -= h;
    double gp[MAX_DIM], gm[MAX_DIM], fp[MAX_DIM], fm[MAX_DIM];
    evaluate(m, &plus, gp, fp);
    evaluate(m, &minus, gm, fm);
    const char *column = is_state ? m->states[j].name : m->inputs[j - ns].name;
    for (uint32_t i = 0; i < ns; i++) {
      const double fd = (fp[i] - fm[i]) / (2 * h);
      const double an = is_state ? dfdx[i + j * ns] : dfdu[i + (j - ns) * ns];
      const double err = ts_test_relerr(an, fd, 1e-300);
      CHECK(err <= JACOBIAN_TOL, "d(d%s/dt)/d%s = %.10g, finite differences %.10g (relative error %.3g)",
            m->states[i].name, column, an, fd, err);
    }
    for (uint32_t i = 0; i < no; i++) {
      const double fd = (gp[i] - gm[i]) / (2 * h);
      const double an = is_state ? dgdx[i + j * no] : dgdu[i + (j - ns) * no];
      const double err = ts_test_relerr(an, fd, 1e-300);
      CHECK(err <= JACOBIAN_TOL, "d%s/d%s = %.10g, finite differences %.10g (relative error %.3g)", m->outputs[i].name,
            column, an, fd, err);
    }
  }
}

/* ---- Library header ------------------------------------------------------------------------------------------ */

static void test_plugin_header(void **state) {
  const ts_plugin *plugin = ((library *)*state)->plugin;
  assert_non_null(plugin);
  assert_int_equal(plugin->abi_major, TS_PLUGIN_ABI_MAJOR);
  assert_int_equal(plugin->abi_minor, TS_PLUGIN_ABI_MINOR);
  assert_int_equal(plugin->struct_size, sizeof(ts_plugin));
  assert_string_equal(plugin->name, "pk");
  assert_true(is_text(plugin->version));
  assert_true(is_text(plugin->doc));
  assert_int_equal(plugin->n_models, 2);
  assert_string_equal(plugin->models[0]->name, "one_compartment");
  assert_string_equal(plugin->models[1]->name, "two_compartment");

  /* The entry point has no side effects and returns the same static data each time. */
  ts_plugin_entry_fn entry;
  void *symbol = dlsym(((library *)*state)->handle, TS_PLUGIN_ENTRY_NAME);
  memcpy(&entry, &symbol, sizeof entry);
  assert_ptr_equal(entry(), plugin);
}

static void test_descriptors_are_valid(void **state) {
  const ts_plugin *plugin = ((library *)*state)->plugin;
  for (uint32_t i = 0; i < plugin->n_models; i++) {
    check_model_descriptor(plugin->models[i]);
    /* No per-instance data: create and destroy are absent, the instance pointer is NULL. */
    assert_null(plugin->models[i]->create);
    assert_null(plugin->models[i]->destroy);
    /* A bolus is applied by the host (adds the amount to the target's state). */
    assert_null(plugin->models[i]->bolus);
    assert_null(plugin->models[i]->step);
  }
}

/* ---- one_compartment ------------------------------------------------------------------------------------- */

static void test_one_compartment_descriptor(void **state) {
  const ts_model *m = find_model(state, "one_compartment");
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
  const ts_model *m = find_model(state, "one_compartment");
  const double params[] = {3.7, 42.5};
  double y0[] = {NAN};
  assert_int_equal(m->init(NULL, NULL, params, 7.0, y0), TS_OK);
  assert_true(y0[0] == 0.0); /* no drug before the first dose */
}

static void test_one_compartment_values(void **state) {
  const ts_model *m = find_model(state, "one_compartment");
  double out[MAX_DIM], der[MAX_DIM];

  /* Defaults CL = 120 L/d, V = 10 L, A = 50 mg: C = 5 mg/L, dA/dt = -12 * 50 = -600 mg/d. */
  point x = {.params = {120.0, 10.0}, .states = {50.0}, .dose_rates = {0.0}};
  evaluate(m, &x, out, der);
  check_value("C", out[0], 5.0);
  check_value("dA/dt", der[0], -600.0);

  /* Infusing 2400 mg/d: dA/dt = 2400 - 600 = 1800 mg/d; C does not depend on the rate. */
  x.dose_rates[0] = 2400.0;
  evaluate(m, &x, out, der);
  check_value("C", out[0], 5.0);
  check_value("dA/dt", der[0], 1800.0);

  /* CL = 3.7, V = 42.5, A = 250, Rin = 1234.5: C = 250/42.5, dA/dt = 1234.5 - 3.7/42.5*250. */
  point y = {.params = {3.7, 42.5}, .states = {250.0}, .dose_rates = {1234.5}};
  evaluate(m, &y, out, der);
  check_value("C", out[0], 5.88235294117647059e+0);
  check_value("dA/dt", der[0], 1.21273529411764706e+3);
}

static void test_one_compartment_infusion(void **state) {
  const ts_model *m = find_model(state, "one_compartment");
  double out[MAX_DIM], without[MAX_DIM], with[MAX_DIM];
  point x = {.params = {97.3, 8.1}, .states = {37.2}, .dose_rates = {0.0}};
  evaluate(m, &x, out, without);
  x.dose_rates[0] = 1234.5;
  evaluate(m, &x, out, with);
  /* The rate enters dA/dt additively (as passed, F already applied by the host). */
  check_value("dA/dt(R) - dA/dt(0)", with[0] - without[0], 1234.5);
}

static void test_one_compartment_jacobian(void **state) {
  const ts_model *m = find_model(state, "one_compartment");
  const point points[] = {
      {.params = {120.0, 10.0}, .states = {50.0}, .dose_rates = {0.0}},
      {.params = {3.7, 42.5}, .states = {250.0}, .dose_rates = {1234.5}},
      {.params = {0.0, 0.25}, .states = {0.0}, .dose_rates = {2400.0}},
  };
  for (size_t i = 0; i < sizeof points / sizeof points[0]; i++)
    check_jacobian(m, &points[i]);

  /* And the exact entries at the defaults: d(dA/dt)/dA = -CL/V = -12, dC/dA = 1/V = 0.1. */
  double dfdx[1] = {0}, dgdx[1] = {0}, out[1], der[1];
  const ts_eval e = {.params = points[0].params,
                     .states = points[0].states,
                     .dose_rates = points[0].dose_rates,
                     .outputs = out,
                     .derivatives = der};
  assert_int_equal(m->jacobian(NULL, &e, dfdx, NULL, dgdx, NULL), TS_OK);
  check_value("d(dA/dt)/dA", dfdx[0], -12.0);
  check_value("dC/dA", dgdx[0], 0.1);
}

/* ---- two_compartment ------------------------------------------------------------------------------------- */

static void test_two_compartment_descriptor(void **state) {
  const ts_model *m = find_model(state, "two_compartment");
  static const struct {
    const char *name, *unit;
    double value;
    bool positive;
  } expected[] = {
      {"CL", "L/d", 120.0, false}, {"V1", "L", 10.0, true}, {"Q", "L/d", 48.0, false}, {"V2", "L", 20.0, true}};
  assert_int_equal(m->n_params, 4);
  for (uint32_t i = 0; i < 4; i++) {
    assert_string_equal(m->params[i].name, expected[i].name);
    assert_string_equal(m->params[i].unit, expected[i].unit);
    CHECK(m->params[i].default_value == expected[i].value, "%s default %g", expected[i].name,
          m->params[i].default_value);
    CHECK(m->params[i].lower == 0.0 &&
              (expected[i].positive ? m->params[i].flags == TS_PARAM_LOWER_OPEN : m->params[i].flags == 0),
          "%s lower bound %g", expected[i].name, m->params[i].lower);
  }
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
  const ts_model *m = find_model(state, "two_compartment");
  const double params[] = {97.3, 8.1, 51.2, 23.9};
  double y0[] = {NAN, NAN};
  assert_int_equal(m->init(NULL, NULL, params, 0.0, y0), TS_OK);
  assert_true(y0[0] == 0.0);
  assert_true(y0[1] == 0.0);
}

static void test_two_compartment_values(void **state) {
  const ts_model *m = find_model(state, "two_compartment");
  double out[MAX_DIM], der[MAX_DIM];

  /* RP-1 typical values, A1 = 100 mg, A2 = 40 mg, Rin = 2400 mg/d: k10 = 12, k12 = 4.8, k21 = 2.4 /d,
   * C = 10 mg/L, dA1/dt = 2400 - 1200 - 480 + 96 = 816, dA2/dt = 480 - 96 = 384 mg/d. */
  point x = {.params = {120.0, 10.0, 48.0, 20.0}, .states = {100.0, 40.0}, .dose_rates = {2400.0}};
  evaluate(m, &x, out, der);
  check_value("C", out[0], 10.0);
  check_value("dA1/dt", der[0], 816.0);
  check_value("dA2/dt", der[1], 384.0);

  /* CL = 97.3, V1 = 8.1, Q = 51.2, V2 = 23.9, A1 = 37.2, A2 = 88.8, Rin = 1234.5. */
  point y = {.params = {97.3, 8.1, 51.2, 23.9}, .states = {37.2, 88.8}, .dose_rates = {1234.5}};
  evaluate(m, &y, out, der);
  check_value("C", out[0], 4.59259259259259259e+0);
  check_value("dA1/dt", der[0], 7.42732635983263598e+2);
  check_value("dA2/dt", der[1], 4.49081047574771424e+1);
}

static void test_two_compartment_infusion(void **state) {
  const ts_model *m = find_model(state, "two_compartment");
  double out[MAX_DIM], without[MAX_DIM], with[MAX_DIM];
  point x = {.params = {97.3, 8.1, 51.2, 23.9}, .states = {37.2, 88.8}, .dose_rates = {0.0}};
  evaluate(m, &x, out, without);
  x.dose_rates[0] = 2400.0;
  evaluate(m, &x, out, with);
  /* The rate enters the central compartment only. */
  check_value("dA1/dt(R) - dA1/dt(0)", with[0] - without[0], 2400.0);
  assert_true(with[1] == without[1]);
}

static void test_two_compartment_mass_balance(void **state) {
  const ts_model *m = find_model(state, "two_compartment");
  double out[MAX_DIM], der[MAX_DIM];
  /* With CL = 0 nothing leaves the body: d(A1 + A2)/dt = Rin, whatever the distribution. */
  const double rates[] = {0.0, 2400.0, 1234.5};
  const double states[][2] = {{37.2, 88.8}, {0.0, 150.0}, {500.0, 0.0}};
  for (size_t r = 0; r < 3; r++) {
    for (size_t s = 0; s < 3; s++) {
      point x = {.params = {0.0, 8.1, 51.2, 23.9}, .states = {states[s][0], states[s][1]}, .dose_rates = {rates[r]}};
      evaluate(m, &x, out, der);
      /* Scale of the tolerance: the largest term that cancels (the distribution flux) or the rate. */
      const double flux = fabs(der[1]);
      const double scale = fmax(fmax(flux, rates[r]), 1e-300);
      const double err = fabs(der[0] + der[1] - rates[r]) / scale;
      CHECK(flux > 0.0, "no distribution at A1 = %g, A2 = %g: the check would be empty", states[s][0], states[s][1]);
      CHECK(err <= VALUE_TOL, "dA1/dt + dA2/dt = %.17g, Rin = %g (relative error %.3g)", der[0] + der[1], rates[r],
            err);
    }
  }
}

static void test_two_compartment_jacobian(void **state) {
  const ts_model *m = find_model(state, "two_compartment");
  const point points[] = {
      {.params = {120.0, 10.0, 48.0, 20.0}, .states = {100.0, 40.0}, .dose_rates = {2400.0}},
      {.params = {97.3, 8.1, 51.2, 23.9}, .states = {37.2, 88.8}, .dose_rates = {0.0}},
      {.params = {0.0, 3.3, 0.7, 210.0}, .states = {0.0, 0.0}, .dose_rates = {10.0}},
  };
  for (size_t i = 0; i < sizeof points / sizeof points[0]; i++)
    check_jacobian(m, &points[i]);

  /* The exact entries at the RP-1 values (column-major): [-(k10 + k12), k12, k21, -k21] = [-16.8, 4.8, 2.4, -2.4];
   * dC/dA1 = 1/V1 = 0.1, dC/dA2 = 0. */
  double dfdx[4] = {0}, dgdx[2] = {0}, out[1], der[2];
  const ts_eval e = {.params = points[0].params,
                     .states = points[0].states,
                     .dose_rates = points[0].dose_rates,
                     .outputs = out,
                     .derivatives = der};
  assert_int_equal(m->jacobian(NULL, &e, dfdx, NULL, dgdx, NULL), TS_OK);
  check_value("J[0,0]", dfdx[0], -16.8);
  check_value("J[1,0]", dfdx[1], 4.8);
  check_value("J[0,1]", dfdx[2], 2.4);
  check_value("J[1,1]", dfdx[3], -2.4);
  check_value("dC/dA1", dgdx[0], 0.1);
  assert_true(dgdx[1] == 0.0);
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
  };
  return cmocka_run_group_tests_name("plugins.pk", tests, load_library, unload_library);
}
