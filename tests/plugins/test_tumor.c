/*
 * Tests of the tumor plugin (plugins/tumor/tumor.c) through its ABI, as the host sees it: the library is
 * dlopen()ed from TS_TEST_PLUGIN_DIR and only the entry symbol is used.
 *
 * What is checked:
 *   - the library and model headers (ABI version, struct sizes, names) and every descriptor (identifiers, units,
 *     docs, defaults within bounds, direct_inputs naming existing inputs, no unknown flag bits);
 *   - init() and the right-hand side of gompertz at chosen points against values computed by hand (expected values
 *     were worked out to 40 digits with Python's decimal module from the equations in docs/models.md), relative
 *     error <= 1e-12;
 *   - outputs read only their declared direct inputs; kill_rate adds to the per-cell death rate; unconnected inputs
 *     (their defaults) give untreated Gompertz growth; N <= 0 is a recoverable failure; a negative concentration
 *     is read as 0;
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

#define PLUGIN_PATH TS_TEST_PLUGIN_DIR "/tumor.so"

#define VALUE_TOL    1e-12 /* hand-computed values */
#define JACOBIAN_TOL 1e-6  /* analytic Jacobian vs central differences */
#define MAX_DIM      8     /* more than any tumor model's number of params, states, inputs, outputs, dose targets */

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
  assert_string_equal(plugin->name, "tumor");
  assert_true(is_text(plugin->version));
  assert_true(is_text(plugin->doc));
  assert_int_equal(plugin->n_models, 1);
  assert_string_equal(plugin->models[0]->name, "gompertz");

  ts_plugin_entry_fn entry;
  void *symbol = dlsym(((library *)*state)->handle, TS_PLUGIN_ENTRY_NAME);
  memcpy(&entry, &symbol, sizeof entry);
  assert_ptr_equal(entry(), plugin);
}

static void test_descriptors_are_valid(void **state) {
  const ts_plugin *plugin = ((library *)*state)->plugin;
  for (uint32_t i = 0; i < plugin->n_models; i++) {
    check_model_descriptor(plugin->models[i]);
    assert_null(plugin->models[i]->create);
    assert_null(plugin->models[i]->destroy);
    assert_null(plugin->models[i]->step);
    assert_null(plugin->models[i]->bolus);
  }
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
  const ts_model *m = find_model(state, "gompertz");
  static const struct {
    const char *name, *unit;
    double value;
    bool positive; /* must be > 0, so the closed-interval bound must exclude 0 */
  } expected[] = {{"alpha", "1/d", 0.005, false}, {"K", "cells", 1e12, true},
                  {"N0", "cells", 1e9, true},     {"Emax", "1/d", 0.8, false},
                  {"EC50", "mg/L", 0.5, true},    {"cell_density", "cells/mm^3", 1e6, true}};
  assert_int_equal(m->n_params, 6);
  for (uint32_t i = 0; i < 6; i++) {
    assert_string_equal(m->params[i].name, expected[i].name);
    assert_string_equal(m->params[i].unit, expected[i].unit);
    CHECK(m->params[i].default_value == expected[i].value, "%s default %g", expected[i].name,
          m->params[i].default_value);
    CHECK(m->params[i].lower == 0.0 &&
              (expected[i].positive ? m->params[i].flags == TS_PARAM_LOWER_OPEN : m->params[i].flags == 0),
          "%s lower bound %g", expected[i].name, m->params[i].lower);
  }

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
  const ts_model *m = find_model(state, "gompertz");
  const double params[] = OTHER_PARAMS;
  double y0[] = {NAN};
  assert_int_equal(m->init(NULL, NULL, params, 0.0, y0), TS_OK);
  assert_true(y0[0] == 2.0e8); /* N(t0) = N0 */
}

static void test_gompertz_values(void **state) {
  const ts_model *m = find_model(state, "gompertz");
  double out[MAX_DIM], der[MAX_DIM];

  /* RP-1 values, N = 1e9, C = EC50 = 0.5 mg/L, kill_rate = 0.1 /d:
   * drug_kill = 0.8/2 = 0.4 /d, dN/dt = 0.005*ln(1000)*1e9 - 0.4e9 - 0.1e9, volume = 1000 mm^3,
   * diameter = (6000/pi)^(1/3) mm. */
  const point a = {.params = RP1_PARAMS, .states = {1e9}, .inputs = {0.5, 0.1}};
  evaluate(m, &a, out, der);
  check_value("dN/dt", der[0], -4.65461223605089315e+8);
  check_value("volume", out[OUT_VOLUME], 1000.0);
  check_value("diameter", out[OUT_DIAMETER], 1.24070098179880003e+1);
  check_value("drug_kill", out[OUT_DRUG_KILL], 0.4);

  /* Other parameters, N = 4.2e10 < K, C = 3.1, kill_rate = 0.02. */
  const point b = {.params = OTHER_PARAMS, .states = {4.2e10}, .inputs = {3.1, 0.02}};
  evaluate(m, &b, out, der);
  check_value("dN/dt", der[0], -1.19813188595108804e+10);
  check_value("volume", out[OUT_VOLUME], 1.68e5);
  check_value("diameter", out[OUT_DIAMETER], 6.84599986868900434e+1);
  check_value("drug_kill", out[OUT_DRUG_KILL], 2.90625e-1);

  /* Above the carrying capacity, N = 5e11 > K = 3.3e11, no drug: Gompertz shrinkage. */
  const point c = {.params = OTHER_PARAMS, .states = {5e11}, .inputs = {0.0, 0.0}};
  evaluate(m, &c, out, der);
  check_value("dN/dt", der[0], -2.55541998036424481e+9);
  check_value("volume", out[OUT_VOLUME], 2e6);
  check_value("diameter", out[OUT_DIAMETER], 1.56318528359354406e+2);
  assert_true(out[OUT_DRUG_KILL] == 0.0);

  /* At the carrying capacity, no drug: a steady state. */
  const point d = {.params = OTHER_PARAMS, .states = {3.3e11}, .inputs = {0.0, 0.0}};
  evaluate(m, &d, out, der);
  assert_true(der[0] == 0.0);
}

static void test_gompertz_unconnected_inputs(void **state) {
  const ts_model *m = find_model(state, "gompertz");
  /* Unconnected, both inputs read their defaults: untreated growth, dN/dt = alpha*ln(K/N)*N;
   * with the RP-1 values and N = 1e9: 0.005*ln(1000)*1e9. */
  point x = {.params = RP1_PARAMS, .states = {1e9}};
  for (uint32_t i = 0; i < m->n_inputs; i++)
    x.inputs[i] = m->inputs[i].default_value;
  double out[MAX_DIM], der[MAX_DIM];
  evaluate(m, &x, out, der);
  check_value("dN/dt", der[0], 3.45387763949106853e+7);
  assert_true(out[OUT_DRUG_KILL] == 0.0);
}

static void test_gompertz_kill_rate_adds(void **state) {
  const ts_model *m = find_model(state, "gompertz");
  double out[MAX_DIM], without[MAX_DIM], with[MAX_DIM];
  point x = {.params = OTHER_PARAMS, .states = {4.2e10}, .inputs = {3.1, 0.0}};
  evaluate(m, &x, out, without);
  /* Several contributions reach the model as their sum: 0.25 + 0.12 /d. */
  x.inputs[IN_KILL_RATE] = 0.25 + 0.12;
  evaluate(m, &x, out, with);
  check_value("dN/dt(kill) - dN/dt(0)", with[0] - without[0], -0.37 * 4.2e10);
  /* The drug_kill output is the drug's share only. */
  check_value("drug_kill", out[OUT_DRUG_KILL], 2.90625e-1);
}

static void test_gompertz_outputs_read_only_direct_inputs(void **state) {
  const ts_model *m = find_model(state, "gompertz");
  double out[MAX_DIM];
  /* In compute_outputs() only direct inputs are valid: a NaN in kill_rate (read by no output) must not show. */
  const point a = {.params = RP1_PARAMS, .states = {1e9}, .inputs = {0.5, NAN}};
  ts_eval e = {.t = 1.0, .params = a.params, .states = a.states, .inputs = a.inputs, .outputs = out};
  assert_int_equal(m->compute_outputs(NULL, &e), TS_OK);
  check_value("volume", out[OUT_VOLUME], 1000.0);
  check_value("diameter", out[OUT_DIAMETER], 1.24070098179880003e+1);
  check_value("drug_kill", out[OUT_DRUG_KILL], 0.4);

  /* volume and diameter declare no direct input: they must not depend on C. */
  const point b = {.params = RP1_PARAMS, .states = {1e9}, .inputs = {NAN, NAN}};
  e.inputs = b.inputs;
  assert_int_equal(m->compute_outputs(NULL, &e), TS_OK);
  check_value("volume", out[OUT_VOLUME], 1000.0);
  check_value("diameter", out[OUT_DIAMETER], 1.24070098179880003e+1);
  assert_true(isnan(out[OUT_DRUG_KILL])); /* a NaN concentration is passed on, not hidden */
}

static void test_gompertz_nonpositive_cells_recoverable(void **state) {
  const ts_model *m = find_model(state, "gompertz");
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
  const ts_model *m = find_model(state, "gompertz");
  double out[MAX_DIM], der_negative[MAX_DIM], der_zero[MAX_DIM];
  /* A concentration slightly below 0 (solver noise) is read as 0, also by the Jacobian. */
  point x = {.params = OTHER_PARAMS, .states = {4.2e10}, .inputs = {-1e-9, 0.02}};
  evaluate(m, &x, out, der_negative);
  assert_true(out[OUT_DRUG_KILL] == 0.0);
  x.inputs[IN_C] = 0.0;
  evaluate(m, &x, out, der_zero);
  assert_true(der_negative[0] == der_zero[0]);

  x.inputs[IN_C] = -1e-9;
  double dfdx[1] = {0}, dfdu[2] = {0}, dgdx[3] = {0}, dgdu[6] = {0};
  const ts_eval e = {
      .params = x.params, .states = x.states, .inputs = x.inputs, .outputs = out, .derivatives = der_negative};
  assert_int_equal(m->jacobian(NULL, &e, dfdx, dfdu, dgdx, dgdu), TS_OK);
  assert_true(dfdu[IN_C] == 0.0);
  assert_true(dgdu[OUT_DRUG_KILL + IN_C * 3] == 0.0);
}

static void test_gompertz_jacobian(void **state) {
  const ts_model *m = find_model(state, "gompertz");
  const point points[] = {
      {.params = RP1_PARAMS, .states = {1e9}, .inputs = {0.5, 0.1}},
      {.params = OTHER_PARAMS, .states = {4.2e10}, .inputs = {3.1, 0.02}},
      {.params = OTHER_PARAMS, .states = {5e11}, .inputs = {0.02, 0.3}}, /* above K */
      {.params = RP1_PARAMS, .states = {1e3}, .inputs = {7.0, 0.0}},     /* a few cells: ln(K/N) large */
  };
  for (size_t i = 0; i < sizeof points / sizeof points[0]; i++)
    check_jacobian(m, &points[i]);

  /* Exact entries at the RP-1 point (blocks column-major):
   *   d(dN/dt)/dN = alpha*(ln(K/N) - 1) - drug_kill - kill_rate = 0.005*(ln(1000) - 1) - 0.5
   *   d(dN/dt)/dC = -N*Emax*EC50/(EC50 + C)^2 = -4e8,  d(dN/dt)/dkill_rate = -N = -1e9
   *   dvolume/dN = 1/cell_density = 1e-6,  ddiameter/dN = diameter/(3N),  ddrug_kill/dC = Emax*EC50/(EC50+C)^2 = 0.4 */
  double dfdx[1] = {0}, dfdu[2] = {0}, dgdx[3] = {0}, dgdu[6] = {0}, out[3], der[1];
  const ts_eval e = {.params = points[0].params,
                     .states = points[0].states,
                     .inputs = points[0].inputs,
                     .outputs = out,
                     .derivatives = der};
  assert_int_equal(m->jacobian(NULL, &e, dfdx, dfdu, dgdx, dgdu), TS_OK);
  check_value("d(dN/dt)/dN", dfdx[0], -4.70461223605089315e-1);
  check_value("d(dN/dt)/dC", dfdu[IN_C], -4e8);
  check_value("d(dN/dt)/dkill_rate", dfdu[IN_KILL_RATE], -1e9);
  check_value("dvolume/dN", dgdx[OUT_VOLUME], 1e-6);
  check_value("ddiameter/dN", dgdx[OUT_DIAMETER], 4.13566993932933343e-9);
  assert_true(dgdx[OUT_DRUG_KILL] == 0.0);
  check_value("ddrug_kill/dC", dgdu[OUT_DRUG_KILL + IN_C * 3], 0.4);
  for (uint32_t i = 0; i < 3; i++)
    CHECK(dgdu[i + IN_KILL_RATE * 3] == 0.0, "d%s/dkill_rate = %g, no output reads kill_rate", m->outputs[i].name,
          dgdu[i + IN_KILL_RATE * 3]);
  assert_true(dgdu[OUT_VOLUME + IN_C * 3] == 0.0);
  assert_true(dgdu[OUT_DIAMETER + IN_C * 3] == 0.0);

  /* At C = 0 the right-hand derivative: ddrug_kill/dC = Emax/EC50 = 1.6, d(dN/dt)/dC = -1.6*N. */
  const point zero = {.params = RP1_PARAMS, .states = {1e9}, .inputs = {0.0, 0.0}};
  double dfdu0[2] = {0}, dgdu0[6] = {0};
  const ts_eval e0 = {
      .params = zero.params, .states = zero.states, .inputs = zero.inputs, .outputs = out, .derivatives = der};
  assert_int_equal(m->jacobian(NULL, &e0, dfdx, dfdu0, dgdx, dgdu0), TS_OK);
  check_value("ddrug_kill/dC at 0", dgdu0[OUT_DRUG_KILL + IN_C * 3], 1.6);
  check_value("d(dN/dt)/dC at 0", dfdu0[IN_C], -1.6e9);
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
  };
  return cmocka_run_group_tests_name("plugins.tumor", tests, load_library, unload_library);
}
