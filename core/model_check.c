/* Checks of a model's static description: see model_check.h. */
#include "model_check.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plugin_loader.h"
#include "strutil.h"
#include "units.h"

static int check_name(const char *where, const char *what, uint32_t i, const char *name, ts_error *err) {
  if (!ts_is_identifier(name))
    return ts_fail(err, TS_E_INPUT, "%s: %s %u has name '%s', which is not an identifier ([A-Za-z_][A-Za-z0-9_]*)",
                   where, what, i, name ? name : "(null)");
  return 0;
}

static int check_unit(const char *where, const char *what, const char *name, const char *unit, ts_error *err) {
  char why[256];
  ts_unit u;
  if (!unit)
    return ts_fail(err, TS_E_INPUT, "%s: %s '%s' has no unit (use \"1\" for dimensionless)", where, what, name);
  if (ts_unit_parse(unit, &u, why, sizeof why) != 0)
    return ts_fail(err, TS_E_INPUT, "%s: %s '%s' has unit '%s', which does not parse: %s", where, what, name, unit,
                   why);
  return 0;
}

static int check_type(const char *where, const char *what, const char *name, ts_signal_type type, ts_error *err) {
  if (type != TS_REAL && type != TS_COUNT && type != TS_FLAG)
    return ts_fail(err, TS_E_INPUT, "%s: %s '%s' has unknown signal type %d", where, what, name, (int)type);
  return 0;
}

/* True when `name` is used by one of the first `n` entries of a descriptor array of stride `size`. */
static int name_taken(const void *array, size_t size, uint32_t n, const char *name) {
  for (uint32_t i = 0; i < n; i++) {
    const char *other = *(const char *const *)((const char *)array + (size_t)i * size);
    if (strcmp(other, name) == 0)
      return 1;
  }
  return 0;
}

static int check_params(const ts_model *m, const char *where, ts_error *err) {
  for (uint32_t i = 0; i < m->n_params; i++) {
    const ts_param *p = &m->params[i];
    if (check_name(where, "parameter", i, p->name, err) || check_unit(where, "parameter", p->name, p->unit, err))
      return -1;
    if (name_taken(m->params, sizeof *p, i, p->name))
      return ts_fail(err, TS_E_INPUT, "%s: two parameters are named '%s'", where, p->name);
    char range[128];
    ts_param_range_text(p, range, sizeof range);
    if (p->flags & ~(TS_PARAM_LOWER_OPEN | TS_PARAM_UPPER_OPEN))
      return ts_fail(err, TS_E_INPUT, "%s: parameter '%s' has unknown flag bits 0x%x", where, p->name,
                     p->flags & ~(TS_PARAM_LOWER_OPEN | TS_PARAM_UPPER_OPEN));
    if (isnan(p->lower) || isnan(p->upper) || p->lower > p->upper)
      return ts_fail(err, TS_E_INPUT, "%s: parameter '%s' has bounds %s", where, p->name, range);
    if (!ts_param_in_range(p, p->default_value))
      return ts_fail(err, TS_E_INPUT, "%s: parameter '%s' has default %g outside its bounds %s", where, p->name,
                     p->default_value, range);
  }
  return 0;
}

static int check_states_and_outputs(const ts_model *m, const char *where, ts_error *err) {
  for (uint32_t i = 0; i < m->n_states; i++) {
    const ts_state *s = &m->states[i];
    if (check_name(where, "state", i, s->name, err) || check_unit(where, "state", s->name, s->unit, err))
      return -1;
    if (name_taken(m->states, sizeof *s, i, s->name))
      return ts_fail(err, TS_E_INPUT, "%s: two states are named '%s'", where, s->name);
    if (!(s->nominal > 0) || !isfinite(s->nominal))
      return ts_fail(err, TS_E_INPUT, "%s: state '%s' has nominal magnitude %g; it must be finite and > 0", where,
                     s->name, s->nominal);
    if (s->flags & ~TS_STATE_NONNEGATIVE)
      return ts_fail(err, TS_E_INPUT, "%s: state '%s' has unknown flag bits 0x%x", where, s->name,
                     s->flags & ~TS_STATE_NONNEGATIVE);
  }
  for (uint32_t i = 0; i < m->n_outputs; i++) {
    const ts_output *o = &m->outputs[i];
    if (check_name(where, "output", i, o->name, err) || check_unit(where, "output", o->name, o->unit, err) ||
        check_type(where, "output", o->name, o->type, err))
      return -1;
    if (name_taken(m->outputs, sizeof *o, i, o->name) || name_taken(m->states, sizeof(ts_state), m->n_states, o->name))
      return ts_fail(err, TS_E_INPUT, "%s: the signal name '%s' is used twice (states and outputs share one namespace)",
                     where, o->name);
    for (const char *const *d = o->direct_inputs; d && *d; d++)
      if (ts_model_input_index(m, *d) < 0)
        return ts_fail(err, TS_E_INPUT, "%s: output '%s' lists direct input '%s', which the model does not declare",
                       where, o->name, *d);
  }
  return 0;
}

static int check_inputs(const ts_model *m, const char *where, ts_error *err) {
  for (uint32_t i = 0; i < m->n_inputs; i++) {
    const ts_input *in = &m->inputs[i];
    if (check_name(where, "input", i, in->name, err) || check_unit(where, "input", in->name, in->unit, err) ||
        check_type(where, "input", in->name, in->type, err))
      return -1;
    if (name_taken(m->inputs, sizeof *in, i, in->name))
      return ts_fail(err, TS_E_INPUT, "%s: two inputs are named '%s'", where, in->name);
    if (in->flags & ~(TS_INPUT_OPTIONAL | TS_INPUT_SUM))
      return ts_fail(err, TS_E_INPUT, "%s: input '%s' has unknown flag bits 0x%x", where, in->name,
                     in->flags & ~(TS_INPUT_OPTIONAL | TS_INPUT_SUM));
    if (!isfinite(in->default_value))
      return ts_fail(err, TS_E_INPUT, "%s: input '%s' has a non-finite default", where, in->name);
  }
  return 0;
}

static int check_dose_targets(const ts_model *m, const char *where, ts_error *err) {
  for (uint32_t i = 0; i < m->n_dose_targets; i++) {
    const ts_dose_target *d = &m->dose_targets[i];
    if (check_name(where, "dose target", i, d->name, err) || check_unit(where, "dose target", d->name, d->unit, err))
      return -1;
    if (name_taken(m->dose_targets, sizeof *d, i, d->name))
      return ts_fail(err, TS_E_INPUT, "%s: two dose targets are named '%s'", where, d->name);
    int s = d->state ? ts_model_state_index(m, d->state) : -1;
    if (s < 0)
      return ts_fail(err, TS_E_INPUT, "%s: dose target '%s' names state '%s', which the model does not declare", where,
                     d->name, d->state ? d->state : "(null)");
    double factor;
    char why[512];
    if (ts_unit_factor(d->unit, m->states[s].unit, &factor, why, sizeof why) != 0)
      return ts_fail(err, TS_E_INPUT, "%s: dose target '%s': %s", where, d->name, why);
    if (d->routes == 0 || (d->routes & ~(TS_ROUTE_BOLUS | TS_ROUTE_INFUSION)))
      return ts_fail(err, TS_E_INPUT, "%s: dose target '%s' has routes 0x%x; expected bolus and/or infusion bits",
                     where, d->name, d->routes);
    if (d->bioavailability && ts_model_param_index(m, d->bioavailability) < 0)
      return ts_fail(err, TS_E_INPUT,
                     "%s: dose target '%s' names bioavailability parameter '%s', which is not declared", where, d->name,
                     d->bioavailability);
    if (d->lag_time && ts_model_param_index(m, d->lag_time) < 0)
      return ts_fail(err, TS_E_INPUT, "%s: dose target '%s' names lag-time parameter '%s', which is not declared",
                     where, d->name, d->lag_time);
    if (d->lag_time &&
        ts_unit_factor(m->params[ts_model_param_index(m, d->lag_time)].unit, "d", &factor, why, sizeof why) != 0)
      return ts_fail(err, TS_E_INPUT, "%s: dose target '%s': lag-time parameter '%s' is not a time: %s", where, d->name,
                     d->lag_time, why);
    if (d->bioavailability &&
        ts_unit_factor(m->params[ts_model_param_index(m, d->bioavailability)].unit, "1", &factor, why, sizeof why) != 0)
      return ts_fail(err, TS_E_INPUT, "%s: dose target '%s': bioavailability parameter '%s' is not dimensionless: %s",
                     where, d->name, d->bioavailability, why);
  }
  return 0;
}

static int check_arrays_and_callbacks(const ts_model *m, const char *where, ts_error *err) {
  if ((m->n_params && !m->params) || (m->n_states && !m->states) || (m->n_inputs && !m->inputs) ||
      (m->n_outputs && !m->outputs) || (m->n_dose_targets && !m->dose_targets))
    return ts_fail(err, TS_E_INPUT, "%s: a descriptor array is NULL while its count is not zero", where);
  if (m->flags != 0)
    return ts_fail(err, TS_E_INPUT, "%s: unknown model flag bits 0x%x (ABI %d.%d defines none)", where, m->flags,
                   TS_PLUGIN_ABI_MAJOR, TS_PLUGIN_ABI_MINOR);
  if (!m->init)
    return ts_fail(err, TS_E_INPUT, "%s: the required callback init is NULL", where);
  if ((m->n_outputs > 0) != (m->compute_outputs != NULL))
    return ts_fail(err, TS_E_INPUT, "%s: compute_outputs must be given exactly when the model has outputs", where);
  if ((m->n_states > 0) != (m->compute_derivatives != NULL))
    return ts_fail(err, TS_E_INPUT, "%s: compute_derivatives must be given exactly when the model has states", where);
  return 0;
}

bool ts_param_in_range(const ts_param *p, double v) {
  if (!isfinite(v))
    return false;
  bool above = (p->flags & TS_PARAM_LOWER_OPEN) ? v > p->lower : v >= p->lower;
  bool below = (p->flags & TS_PARAM_UPPER_OPEN) ? v < p->upper : v <= p->upper;
  return above && below;
}

void ts_param_range_text(const ts_param *p, char *buf, size_t cap) {
  snprintf(buf, cap, "%c%g, %g%c", (p->flags & TS_PARAM_LOWER_OPEN) ? '(' : '[', p->lower, p->upper,
           (p->flags & TS_PARAM_UPPER_OPEN) ? ')' : ']');
}

int ts_model_check(const ts_model *m, const char *where, ts_error *err) {
  if (!ts_is_identifier(m->name))
    return ts_fail(err, TS_E_INPUT, "%s: the model's name is not an identifier", where);
  if (!m->version || !*m->version)
    return ts_fail(err, TS_E_INPUT, "%s: the model has no version string", where);
  if (check_arrays_and_callbacks(m, where, err) || check_params(m, where, err) ||
      check_states_and_outputs(m, where, err) || check_inputs(m, where, err) || check_dose_targets(m, where, err))
    return -1;
  return 0;
}
