/* Helpers shared by the tests of model plugins: see plugin_checks.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin_checks.h"
#include "units.h"

/* ---- Loading ------------------------------------------------------------------------------------------------ */

int ts_test_plugin_open(void **state, const char *file) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", TS_TEST_PLUGIN_DIR, file);
  ts_test_plugin *lib = calloc(1, sizeof *lib);
  if (!lib)
    return -1;
  lib->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!lib->handle) {
    fprintf(stderr, "dlopen(%s): %s\n", path, dlerror());
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

int ts_test_plugin_close(void **state) {
  ts_test_plugin *lib = *state;
  if (lib) {
    dlclose(lib->handle);
    free(lib);
  }
  return 0;
}

const ts_model *ts_test_find_model(void **state, const char *name) {
  const ts_plugin *plugin = ((const ts_test_plugin *)*state)->plugin;
  for (uint32_t i = 0; i < plugin->n_models; i++) {
    if (plugin->models[i] && plugin->models[i]->name && strcmp(plugin->models[i]->name, name) == 0)
      return plugin->models[i];
  }
  fail_msg("model '%s' not found in plugin '%s'", name, plugin->name);
  return NULL;
}

/* ---- Descriptors -------------------------------------------------------------------------------------------- */

bool ts_test_is_text(const char *s) {
  return s && *s;
}

static bool is_identifier(const char *s) {
  if (!s || !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
    return false;
  for (s++; *s; s++) {
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
      return false;
  }
  return true;
}

/* A model whose tables fit a ts_test_point and the arrays sized with TS_TEST_MAX_DIM. */
static void check_fits(const ts_model *m) {
  CHECK(m->n_params <= TS_TEST_MAX_DIM && m->n_states <= TS_TEST_MAX_DIM && m->n_inputs <= TS_TEST_MAX_DIM &&
            m->n_outputs <= TS_TEST_MAX_DIM && m->n_dose_targets <= TS_TEST_MAX_DIM,
        "model %s: a table is larger than TS_TEST_MAX_DIM", m->name);
}

static bool is_signal_type(ts_signal_type type) {
  return type == TS_REAL || type == TS_COUNT || type == TS_FLAG;
}

/* A documented unit that parses; `kind` and `name` say whose it is. */
static void check_unit(const char *model, const char *kind, const char *name, const char *unit, const char *doc) {
  CHECK(ts_test_is_text(unit) && ts_test_is_text(doc), "%s %s: unit or doc missing", kind, name);
  ts_unit parsed;
  char why[256];
  CHECK(ts_unit_parse(unit, &parsed, why, sizeof why) == 0, "model %s, %s %s: unit '%s' does not parse: %s", model,
        kind, name, unit, why);
}

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

void ts_test_check_plugin_header(void **state, const char *name, const char *const *models, uint32_t n_models) {
  const ts_test_plugin *lib = *state;
  const ts_plugin *plugin = lib->plugin;
  assert_non_null(plugin);
  assert_int_equal(plugin->abi_major, TS_PLUGIN_ABI_MAJOR);
  assert_int_equal(plugin->abi_minor, TS_PLUGIN_ABI_MINOR);
  assert_int_equal(plugin->struct_size, sizeof(ts_plugin));
  assert_string_equal(plugin->name, name);
  assert_true(ts_test_is_text(plugin->version));
  assert_true(ts_test_is_text(plugin->doc));
  assert_int_equal(plugin->n_models, n_models);
  for (uint32_t i = 0; i < n_models; i++)
    assert_string_equal(plugin->models[i]->name, models[i]);

  /* The entry point has no side effects and returns the same static data each time. */
  ts_plugin_entry_fn entry;
  void *symbol = dlsym(lib->handle, TS_PLUGIN_ENTRY_NAME);
  assert_non_null(symbol);
  memcpy(&entry, &symbol, sizeof entry);
  assert_ptr_equal(entry(), plugin);
}

static void check_params(const ts_model *m) {
  for (uint32_t i = 0; i < m->n_params; i++) {
    const ts_param *p = &m->params[i];
    CHECK(is_identifier(p->name), "model %s: param %u name", m->name, i);
    check_unit(m->name, "param", p->name, p->unit, p->doc);
    CHECK((p->flags & ~(TS_PARAM_LOWER_OPEN | TS_PARAM_UPPER_OPEN)) == 0, "param %s: unknown flags 0x%x", p->name,
          p->flags);
    const bool above = p->flags & TS_PARAM_LOWER_OPEN ? p->lower < p->default_value : p->lower <= p->default_value;
    const bool below = p->flags & TS_PARAM_UPPER_OPEN ? p->default_value < p->upper : p->default_value <= p->upper;
    CHECK(above && below, "param %s: default %g outside %c%g, %g%c", p->name, p->default_value,
          p->flags & TS_PARAM_LOWER_OPEN ? '(' : '[', p->lower, p->upper, p->flags & TS_PARAM_UPPER_OPEN ? ')' : ']');
    CHECK(isfinite(p->default_value), "param %s: default %g is not finite", p->name, p->default_value);
    for (uint32_t j = 0; j < i; j++)
      CHECK(strcmp(m->params[j].name, p->name) != 0, "param %s declared twice", p->name);
  }
}

static void check_states(const ts_model *m) {
  for (uint32_t i = 0; i < m->n_states; i++) {
    const ts_state *s = &m->states[i];
    CHECK(is_identifier(s->name), "model %s: state %u name", m->name, i);
    check_unit(m->name, "state", s->name, s->unit, s->doc);
    CHECK(s->nominal > 0 && isfinite(s->nominal), "state %s: nominal %g not > 0", s->name, s->nominal);
    CHECK((s->flags & ~TS_STATE_NONNEGATIVE) == 0, "state %s: unknown flags 0x%x", s->name, s->flags);
    for (uint32_t j = 0; j < i; j++)
      CHECK(strcmp(m->states[j].name, s->name) != 0, "state %s declared twice", s->name);
  }
}

static void check_inputs(const ts_model *m) {
  for (uint32_t i = 0; i < m->n_inputs; i++) {
    const ts_input *in = &m->inputs[i];
    CHECK(is_identifier(in->name), "model %s: input %u name", m->name, i);
    check_unit(m->name, "input", in->name, in->unit, in->doc);
    CHECK(is_signal_type(in->type), "input %s: bad type", in->name);
    CHECK((in->flags & ~(TS_INPUT_OPTIONAL | TS_INPUT_SUM)) == 0, "input %s: unknown flags", in->name);
    CHECK(isfinite(in->default_value), "input %s: default not finite", in->name);
    for (uint32_t j = 0; j < i; j++)
      CHECK(strcmp(m->inputs[j].name, in->name) != 0, "input %s declared twice", in->name);
  }
}

static void check_outputs(const ts_model *m) {
  for (uint32_t i = 0; i < m->n_outputs; i++) {
    const ts_output *o = &m->outputs[i];
    CHECK(is_identifier(o->name), "model %s: output %u name", m->name, i);
    check_unit(m->name, "output", o->name, o->unit, o->doc);
    CHECK(is_signal_type(o->type), "output %s: bad type", o->name);
    CHECK(!has_state(m, o->name), "output %s has the name of a state", o->name);
    for (uint32_t j = 0; j < i; j++)
      CHECK(strcmp(m->outputs[j].name, o->name) != 0, "output %s declared twice", o->name);
    for (const char *const *d = o->direct_inputs; d && *d; d++)
      CHECK(has_input(m, *d), "output %s: direct input '%s' is not an input", o->name, *d);
  }
}

static void check_dose_targets(const ts_model *m) {
  for (uint32_t i = 0; i < m->n_dose_targets; i++) {
    const ts_dose_target *d = &m->dose_targets[i];
    CHECK(is_identifier(d->name), "model %s: dose target %u name", m->name, i);
    check_unit(m->name, "dose target", d->name, d->unit, d->doc);
    CHECK(d->state && has_state(m, d->state), "dose target %s: no state '%s'", d->name, d->state);
    CHECK(d->routes != 0 && (d->routes & ~(TS_ROUTE_BOLUS | TS_ROUTE_INFUSION)) == 0, "dose target %s: routes 0x%x",
          d->name, d->routes);
    CHECK(!d->bioavailability || has_param(m, d->bioavailability), "dose target %s: no F parameter", d->name);
    CHECK(!d->lag_time || has_param(m, d->lag_time), "dose target %s: no lag parameter", d->name);
    for (uint32_t j = 0; j < i; j++)
      CHECK(strcmp(m->dose_targets[j].name, d->name) != 0, "dose target %s declared twice", d->name);
  }
}

void ts_test_check_model_descriptor(const ts_model *m) {
  CHECK(m->struct_size == sizeof(ts_model), "struct_size %u, expected %zu", m->struct_size, sizeof(ts_model));
  CHECK(m->param_size == sizeof(ts_param) && m->state_size == sizeof(ts_state) && m->input_size == sizeof(ts_input) &&
            m->output_size == sizeof(ts_output) && m->dose_target_size == sizeof(ts_dose_target),
        "model %s: element sizes %u %u %u %u %u differ from this host's (use TS_MODEL_HEADER)", m->name, m->param_size,
        m->state_size, m->input_size, m->output_size, m->dose_target_size);
  CHECK(is_identifier(m->name), "model name is not an identifier");
  CHECK(ts_test_is_text(m->version) && ts_test_is_text(m->doc), "model %s: version or doc missing", m->name);
  CHECK(m->flags == 0, "model %s: flags 0x%x, none are defined in 1.0", m->name, m->flags);
  check_fits(m);
  check_params(m);
  check_states(m);
  check_inputs(m);
  check_outputs(m);
  check_dose_targets(m);
  CHECK(m->init != NULL, "model %s: init is required", m->name);
  CHECK((m->n_outputs > 0) == (m->compute_outputs != NULL), "model %s: compute_outputs vs n_outputs", m->name);
  CHECK((m->n_states > 0) == (m->compute_derivatives != NULL), "model %s: compute_derivatives vs n_states", m->name);
}

void ts_test_expect_params(const ts_model *m, const ts_test_param_spec *spec, uint32_t n) {
  CHECK(m->n_params == n, "model %s: %u parameters, expected %u", m->name, m->n_params, n);
  for (uint32_t i = 0; i < n; i++) {
    const ts_param *p = &m->params[i];
    CHECK(strcmp(p->name, spec[i].name) == 0, "model %s: parameter %u is '%s', expected '%s'", m->name, i, p->name,
          spec[i].name);
    CHECK(strcmp(p->unit, spec[i].unit) == 0, "%s.%s: unit '%s', expected '%s'", m->name, p->name, p->unit,
          spec[i].unit);
    CHECK(p->default_value == spec[i].value, "%s.%s: default %.17g, expected %.17g", m->name, p->name, p->default_value,
          spec[i].value);
    CHECK(p->lower == spec[i].lower && p->upper == spec[i].upper && p->flags == spec[i].flags,
          "%s.%s: bounds %g..%g flags %u, expected %g..%g flags %u", m->name, p->name, p->lower, p->upper, p->flags,
          spec[i].lower, spec[i].upper, spec[i].flags);
  }
}

/* Fails unless a callback is present exactly when `want` says so. */
static void expect_callback(const ts_model *m, const char *name, bool present, bool want) {
  CHECK(present == want, "model %s: %s is %s, expected %s", m->name, name, present ? "set" : "NULL",
        want ? "set" : "NULL");
}

void ts_test_check_models(void **state, ts_test_callbacks has) {
  const ts_plugin *plugin = ((const ts_test_plugin *)*state)->plugin;
  for (uint32_t i = 0; i < plugin->n_models; i++) {
    const ts_model *m = plugin->models[i];
    assert_non_null(m);
    ts_test_check_model_descriptor(m);
    for (uint32_t j = 0; j < i; j++)
      CHECK(strcmp(plugin->models[j]->name, m->name) != 0, "model %s declared twice", m->name);
    expect_callback(m, "create", m->create != NULL, has.create);
    expect_callback(m, "destroy", m->destroy != NULL, has.destroy);
    expect_callback(m, "jacobian", m->jacobian != NULL, has.jacobian);
    expect_callback(m, "step", m->step != NULL, has.step);
    expect_callback(m, "bolus", m->bolus != NULL, has.bolus);
  }
}

/* ---- Evaluation --------------------------------------------------------------------------------------------- */

/* The arguments of an evaluation at x, as the host passes them. */
static ts_eval eval_at(const ts_model *m, const ts_test_point *x, double *outputs, double *derivatives) {
  return (ts_eval){.t = x->time,
                   .params = x->params,
                   .states = x->states,
                   .inputs = m->n_inputs ? x->inputs : NULL,
                   .dose_rates = m->n_dose_targets ? x->dose_rates : NULL,
                   .outputs = outputs,
                   .derivatives = derivatives};
}

int ts_test_evaluate_status(const ts_model *m, const ts_test_point *x, double *outputs, double *derivatives) {
  check_fits(m);
  ts_eval e = eval_at(m, x, outputs, NULL);
  if (m->n_outputs) {
    assert_non_null(m->compute_outputs);
    assert_int_equal(m->compute_outputs(NULL, &e), TS_OK);
  }
  double saved[TS_TEST_MAX_DIM];
  memcpy(saved, outputs, m->n_outputs * sizeof saved[0]);
  int rc = TS_OK;
  e.derivatives = derivatives;
  if (m->n_states) {
    assert_non_null(m->compute_derivatives);
    rc = m->compute_derivatives(NULL, &e);
  }
  if (m->n_outputs) /* compute_derivatives() leaves the outputs alone */
    assert_memory_equal(saved, outputs, m->n_outputs * sizeof saved[0]);
  return rc;
}

void ts_test_evaluate(const ts_model *m, const ts_test_point *x, double *outputs, double *derivatives) {
  assert_int_equal(ts_test_evaluate_status(m, x, outputs, derivatives), TS_OK);
}

void ts_test_check_value(const char *what, double got, double expected) {
  const double err = ts_test_relerr(got, expected, 1e-300);
  CHECK(err <= TS_TEST_VALUE_TOL, "%s = %.17g, expected %.17g (relative error %.3g)", what, got, expected, err);
}

/* A block of rows x columns entries zeroed and passed, or NULL when it is empty. */
static double *block(const ts_model *m, const char *what, double *entries, uint32_t rows, uint32_t columns) {
  if (rows == 0 || columns == 0)
    return NULL;
  CHECK(entries != NULL, "model %s: no room given for the %u x %u block %s", m->name, rows, columns, what);
  memset(entries, 0, (size_t)rows * columns * sizeof entries[0]);
  return entries;
}

/* ts_test_jacobian_at(), leaving the outputs and derivatives at x in outputs and derivatives. */
static void jacobian_blocks(const ts_model *m, const ts_test_point *x, double *outputs, double *derivatives,
                            double *dfdx, double *dfdu, double *dgdx, double *dgdu) {
  const uint32_t ns = m->n_states, ni = m->n_inputs, no = m->n_outputs;
  ts_test_evaluate(m, x, outputs, derivatives);
  const ts_eval e = eval_at(m, x, outputs, derivatives);
  assert_non_null(m->jacobian);
  assert_int_equal(m->jacobian(NULL, &e, block(m, "d_deriv_d_states", dfdx, ns, ns),
                               block(m, "d_deriv_d_inputs", dfdu, ns, ni), block(m, "d_out_d_states", dgdx, no, ns),
                               block(m, "d_out_d_inputs", dgdu, no, ni)),
                   TS_OK);
}

void ts_test_jacobian_at(const ts_model *m, const ts_test_point *x, double *d_deriv_d_states, double *d_deriv_d_inputs,
                         double *d_out_d_states, double *d_out_d_inputs) {
  double outputs[TS_TEST_MAX_DIM] = {0}, derivatives[TS_TEST_MAX_DIM] = {0};
  jacobian_blocks(m, x, outputs, derivatives, d_deriv_d_states, d_deriv_d_inputs, d_out_d_states, d_out_d_inputs);
}

/* ---- Jacobian against finite differences -------------------------------------------------------------------- */

static bool reads_directly(const ts_output *o, const char *input) {
  for (const char *const *d = o->direct_inputs; d && *d; d++) {
    if (strcmp(*d, input) == 0)
      return true;
  }
  return false;
}

/* One entry of the derivative or output `row` (value v at x) in column `column` (|x_j| = xj), TS_REAL. */
static void check_entry(const ts_model *m, const ts_test_fd *fd, bool output, uint32_t i, const char *column, double an,
                        double diff, double v, double xj) {
  const char *row = output ? m->outputs[i].name : m->states[i].name;
  if (output && fd->output_abs_tol > 0) {
    CHECK(fabs(an - diff) <= fd->output_abs_tol, "%s: d%s/d%s = %.10g, finite differences %.10g (difference %.3g)",
          m->name, row, column, an, diff, fabs(an - diff));
    return;
  }
  const double err = ts_test_relerr(an, diff, fmax(fd->floor, fd->entry_floor * fabs(v) / xj));
  if (output)
    CHECK(err <= fd->tol, "%s: d%s/d%s = %.10g, finite differences %.10g (relative error %.3g)", m->name, row, column,
          an, diff, err);
  else
    CHECK(err <= fd->tol, "%s: d(d%s/dt)/d%s = %.10g, finite differences %.10g (relative error %.3g)", m->name, row,
          column, an, diff, err);
}

void ts_test_check_jacobian(const ts_model *m, const ts_test_point *x, const ts_test_fd *fd) {
  enum { N = TS_TEST_MAX_DIM };
  check_fits(m);
  const uint32_t ns = m->n_states, ni = m->n_inputs, no = m->n_outputs;
  double dfdx[N * N] = {0}, dfdu[N * N] = {0}, dgdx[N * N] = {0}, dgdu[N * N] = {0};
  double outputs[N] = {0}, derivatives[N] = {0};
  jacobian_blocks(m, x, outputs, derivatives, dfdx, dfdu, dgdx, dgdu);

  for (uint32_t j = 0; j < ns + ni; j++) {
    const bool is_state = j < ns;
    ts_test_point plus = *x, minus = *x;
    double *vp = is_state ? &plus.states[j] : &plus.inputs[j - ns];
    double *vm = is_state ? &minus.states[j] : &minus.inputs[j - ns];
    const double v0 = *vp, scale = is_state ? m->states[j].nominal : 1.0;
    const double xj = v0 != 0.0 ? fabs(v0) : scale;
    const double h = fd->step * xj;
    *vp += h;
    *vm -= h;
    double gp[N], gm[N], fp[N], fm[N];
    ts_test_evaluate(m, &plus, gp, fp);
    ts_test_evaluate(m, &minus, gm, fm);
    const char *column = is_state ? m->states[j].name : m->inputs[j - ns].name;
    for (uint32_t i = 0; i < ns; i++) {
      const double an = is_state ? dfdx[i + j * ns] : dfdu[i + (j - ns) * ns];
      check_entry(m, fd, false, i, column, an, (fp[i] - fm[i]) / (2 * h), derivatives[i], xj);
    }
    for (uint32_t i = 0; i < no; i++) {
      const double an = is_state ? dgdx[i + j * no] : dgdu[i + (j - ns) * no];
      if (m->outputs[i].type == TS_REAL)
        check_entry(m, fd, true, i, column, an, (gp[i] - gm[i]) / (2 * h), outputs[i], xj);
      else /* a whole number or a flag: constant on both sides, derivative 0 */
        CHECK(an == 0.0 && gp[i] == gm[i], "%s: d%s/d%s = %g; %s = %.17g at %s + h and %.17g at %s - h", m->name,
              m->outputs[i].name, column, an, m->outputs[i].name, gp[i], column, gm[i], column);
    }
  }
  /* An output depends on no input but its direct inputs: every other entry of d_out_d_inputs is exactly 0. */
  for (uint32_t k = 0; k < ni; k++) {
    for (uint32_t i = 0; i < no; i++) {
      if (!reads_directly(&m->outputs[i], m->inputs[k].name))
        CHECK(dgdu[i + k * no] == 0.0, "%s: d%s/d%s = %g, but %s is not a direct input of %s", m->name,
              m->outputs[i].name, m->inputs[k].name, dgdu[i + k * no], m->inputs[k].name, m->outputs[i].name);
    }
  }
}

/* ---- Through the scheduler ---------------------------------------------------------------------------------- */

void ts_test_simulate_file(ts_test_sim *s, const char *file) {
  char path[1024];
  snprintf(path, sizeof path, "%s/scenarios/%s", TS_TEST_SOURCE_DIR, file);
  char *yaml = ts_test_read_file(path, NULL);
  if (!yaml)
    fail_msg("cannot read %s", path);
  ts_test_simulate(s, file, yaml);
  free(yaml);
  if (s->res.failed)
    fail_msg("%s: the simulation failed at t = %g d: %s", file, s->res.failure_time, s->res.message);
}

int ts_test_recorded_column(const ts_system *sys, const char *instance, const char *name) {
  const int bus = ts_system_signal(sys, instance, name);
  for (size_t k = 0; k < sys->n_recorded; k++)
    if (bus >= 0 && sys->recorded[k] == (uint32_t)bus)
      return (int)k;
  fail_msg("%s.%s is not recorded", instance, name);
  return -1;
}
