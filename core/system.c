/* Building the wired system from a scenario: instances, parameters, signals, tolerances. The bus wiring is in
 * wiring.c, the arms' dose plans in arms.c, the cohort, observations and endpoints in trial.c. See system.h. */
#include "system.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_check.h"
#include "strutil.h"
#include "trial.h"
#include "units.h"

void ts_system_free(ts_system *sys) {
  if (!sys)
    return;
  for (size_t i = 0; i < sys->n_inst; i++)
    free(sys->inst[i].name);
  for (size_t i = 0; i < sys->n_states + sys->n_outputs; i++)
    free(sys->signals ? sys->signals[i].name : NULL);
  free(sys->inst);
  free(sys->signals);
  free(sys->links);
  free(sys->input_defaults);
  free(sys->output_calls);
  free(sys->wired_outputs);
  free(sys->sampled_outputs);
  free(sys->params);
  free(sys->atol);
  free(sys->recorded);
  for (size_t a = 0; a < sys->n_arms; a++)
    free(sys->arms[a].doses);
  free(sys->arms);
  free(sys->rules);
  ts_system_free_trial(sys);
  free(sys);
}

int ts_system_signal(const ts_system *sys, const char *instance, const char *signal) {
  for (size_t i = 0; i < sys->n_inst; i++) {
    const ts_instance *in = &sys->inst[i];
    if (strcmp(in->name, instance) != 0)
      continue;
    int s = ts_model_state_index(in->model, signal);
    if (s >= 0)
      return (int)(in->state_offset + (uint32_t)s);
    int o = ts_model_output_index(in->model, signal);
    if (o >= 0)
      return (int)(sys->n_states + in->output_offset + (uint32_t)o);
    return -1;
  }
  return -1;
}

int ts_system_instance(const ts_system *sys, const char *name) {
  for (size_t i = 0; i < sys->n_inst; i++)
    if (strcmp(sys->inst[i].name, name) == 0)
      return (int)i;
  return -1;
}

int ts_convert_quantity(const ts_sc_quantity *q, const char *unit, const char *what, double *out, ts_error *err) {
  char why[512];
  double factor;
  const char *from = q->unit && *q->unit ? q->unit : "1";
  ts_unit target;
  if (ts_unit_parse(unit, &target, why, sizeof why) != 0)
    return ts_yaml_fail(err, q->pos, "%s: the plugin's unit '%s' does not parse: %s", what, unit, why);
  if (strcmp(from, "1") == 0 && !(q->unit && *q->unit)) {
    ts_unit one;
    ts_unit_parse("1", &one, NULL, 0);
    if (!ts_unit_compatible(&one, &target))
      return ts_yaml_fail(err, q->pos, "%s: '%g' has no unit; expected a quantity in %s, e.g. '%g %s'", what, q->value,
                          unit, q->value, unit);
  }
  if (ts_unit_factor(from, unit, &factor, why, sizeof why) != 0)
    return ts_yaml_fail(err, q->pos, "%s: %s", what, why);
  *out = q->value * factor;
  return 0;
}

static int add_instances(ts_system *sys, const ts_scenario *sc, ts_plugin_set *plugins, ts_error *err) {
  sys->inst = calloc(sc->n_instances, sizeof *sys->inst);
  if (!sys->inst)
    return ts_fail(err, TS_E_NOMEM, "out of memory");
  for (size_t i = 0; i < sc->n_instances; i++) {
    const ts_sc_instance *si = &sc->instances[i];
    ts_instance *in = &sys->inst[i];
    if (!(in->name = ts_strdup(si->name)))
      return ts_fail(err, TS_E_NOMEM, "out of memory");
    sys->n_inst++;
    ts_error load_err;
    ts_error_clear(&load_err);
    if (ts_plugins_get(plugins, si->plugin, &in->lib, &load_err) != 0)
      return ts_yaml_fail(err, si->model_pos, "instance '%s': %s", si->name, load_err.message);
    in->model = ts_library_model(in->lib, si->model);
    if (!in->model) {
      ts_yaml_fail(err, si->model_pos, "instance '%s': plugin '%s' (%s) has no model '%s'; it has:", si->name,
                   si->plugin, in->lib->path, si->model);
      for (uint32_t m = 0; m < in->lib->desc.n_models; m++)
        ts_error_append(err, "  %s/%s  %s", si->plugin, in->lib->models[m].name,
                        in->lib->models[m].doc ? in->lib->models[m].doc : "");
      return -1;
    }
    const ts_model *m = in->model;
    in->state_offset = (uint32_t)sys->n_states;
    in->output_offset = (uint32_t)sys->n_outputs;
    in->input_offset = (uint32_t)sys->n_inputs;
    in->param_offset = (uint32_t)sys->n_params;
    in->dose_offset = (uint32_t)sys->n_dose_targets;
    sys->n_states += m->n_states;
    sys->n_outputs += m->n_outputs;
    sys->n_inputs += m->n_inputs;
    sys->n_params += m->n_params;
    sys->n_dose_targets += m->n_dose_targets;
    if (m->step && !si->has_step)
      return ts_yaml_fail(err, si->pos,
                          "instance '%s' (%s/%s) takes discrete steps: give its interval, e.g. 'step: 0.1 d'", si->name,
                          si->plugin, si->model);
    if (!m->step && si->has_step)
      return ts_yaml_fail(err, si->step_pos, "instance '%s' (%s/%s) has no discrete step; remove 'step'", si->name,
                          si->plugin, si->model);
    in->step_days = si->has_step ? si->step_days : 0;
    sys->has_step |= si->has_step;
  }
  return 0;
}

static void list_params(const ts_model *m, ts_error *err) {
  for (uint32_t p = 0; p < m->n_params; p++)
    ts_error_append(err, "  %s [%s]  %s", m->params[p].name, m->params[p].unit,
                    m->params[p].doc ? m->params[p].doc : "");
}

static int set_param(ts_system *sys, const ts_instance *in, const char *name, const ts_sc_quantity *q, ts_error *err) {
  const ts_model *m = in->model;
  int p = ts_model_param_index(m, name);
  if (p < 0) {
    ts_yaml_fail(err, q->pos, "instance '%s' (%s/%s) has no parameter '%s'; its parameters are:", in->name,
                 in->lib->name, m->name, name);
    list_params(m, err);
    return -1;
  }
  char what[256];
  snprintf(what, sizeof what, "parameter %s.%s", in->name, name);
  return ts_convert_quantity(q, m->params[p].unit, what, &sys->params[in->param_offset + (uint32_t)p], err);
}

static int check_param_bounds(const ts_system *sys, const ts_scenario *sc, ts_error *err) {
  for (size_t i = 0; i < sys->n_inst; i++) {
    const ts_instance *in = &sys->inst[i];
    for (uint32_t p = 0; p < in->model->n_params; p++) {
      const ts_param *d = &in->model->params[p];
      double v = sys->params[in->param_offset + p];
      if (ts_param_in_range(d, v))
        continue;
      ts_yaml_pos pos = sc->instances[i].pos;
      for (size_t k = 0; k < sc->instances[i].n_params; k++)
        if (strcmp(sc->instances[i].params[k].name, d->name) == 0)
          pos = sc->instances[i].params[k].value.pos;
      for (size_t k = 0; k < sc->n_overrides; k++)
        if (strcmp(sc->overrides[k].instance, in->name) == 0 && strcmp(sc->overrides[k].param, d->name) == 0)
          pos = sc->overrides[k].value.pos;
      char range[128];
      ts_param_range_text(d, range, sizeof range);
      const char *unit = strcmp(d->unit, "1") == 0 ? "" : d->unit;
      return ts_yaml_fail(err, pos, "parameter %s.%s = %g%s%s is outside its allowed range %s%s%s", in->name, d->name,
                          v, *unit ? " " : "", unit, range, *unit ? " " : "", unit);
    }
  }
  return 0;
}

static int set_params(ts_system *sys, const ts_scenario *sc, ts_error *err) {
  sys->params = calloc(sys->n_params ? sys->n_params : 1, sizeof *sys->params);
  if (!sys->params)
    return ts_fail(err, TS_E_NOMEM, "out of memory");
  for (size_t i = 0; i < sys->n_inst; i++) {
    const ts_instance *in = &sys->inst[i];
    for (uint32_t p = 0; p < in->model->n_params; p++)
      sys->params[in->param_offset + p] = in->model->params[p].default_value;
    for (size_t k = 0; k < sc->instances[i].n_params; k++)
      if (set_param(sys, in, sc->instances[i].params[k].name, &sc->instances[i].params[k].value, err) != 0)
        return -1;
  }
  for (size_t k = 0; k < sc->n_overrides; k++) {
    const ts_sc_override *o = &sc->overrides[k];
    int i = ts_system_instance(sys, o->instance);
    if (i < 0)
      return ts_yaml_fail(err, o->value.pos, "patient parameter '%s.%s': no instance named '%s' in model", o->instance,
                          o->param, o->instance);
    if (set_param(sys, &sys->inst[i], o->param, &o->value, err) != 0)
      return -1;
  }
  return check_param_bounds(sys, sc, err);
}

static int add_signals(ts_system *sys, ts_error *err) {
  size_t n = sys->n_states + sys->n_outputs;
  sys->signals = calloc(n ? n : 1, sizeof *sys->signals);
  if (!sys->signals)
    return ts_fail(err, TS_E_NOMEM, "out of memory");
  for (size_t i = 0; i < sys->n_inst; i++) {
    const ts_instance *in = &sys->inst[i];
    for (uint32_t s = 0; s < in->model->n_states; s++) {
      ts_signal *sig = &sys->signals[in->state_offset + s];
      *sig = (ts_signal){.unit = in->model->states[s].unit,
                         .type = TS_REAL,
                         .kind = TS_SIGNAL_STATE,
                         .instance = (uint32_t)i,
                         .index = s};
      if (!(sig->name = ts_strprintf("%s.%s", in->name, in->model->states[s].name)))
        return ts_fail(err, TS_E_NOMEM, "out of memory");
    }
    for (uint32_t o = 0; o < in->model->n_outputs; o++) {
      ts_signal *sig = &sys->signals[sys->n_states + in->output_offset + o];
      *sig = (ts_signal){.unit = in->model->outputs[o].unit,
                         .type = in->model->outputs[o].type,
                         .kind = TS_SIGNAL_OUTPUT,
                         .instance = (uint32_t)i,
                         .index = o};
      if (!(sig->name = ts_strprintf("%s.%s", in->name, in->model->outputs[o].name)))
        return ts_fail(err, TS_E_NOMEM, "out of memory");
    }
  }
  return 0;
}

/* "pk (pk/two_compartment) has states A1, A2 and outputs C" */
static void describe_signals(const ts_instance *in, ts_error *err) {
  char buf[1024];
  size_t used = (size_t)snprintf(buf, sizeof buf, "%s (%s/%s) has states", in->name, in->lib->name, in->model->name);
  for (uint32_t s = 0; s < in->model->n_states && used < sizeof buf; s++)
    used += (size_t)snprintf(buf + used, sizeof buf - used, "%s %s", s ? "," : "", in->model->states[s].name);
  if (in->model->n_states == 0 && used < sizeof buf)
    used += (size_t)snprintf(buf + used, sizeof buf - used, " none");
  if (used < sizeof buf)
    used += (size_t)snprintf(buf + used, sizeof buf - used, " and outputs");
  for (uint32_t o = 0; o < in->model->n_outputs && used < sizeof buf; o++)
    used += (size_t)snprintf(buf + used, sizeof buf - used, "%s %s", o ? "," : "", in->model->outputs[o].name);
  if (in->model->n_outputs == 0 && used < sizeof buf)
    snprintf(buf + used, sizeof buf - used, " none");
  ts_error_append(err, "%s", buf);
}

int ts_system_resolve_signal(const ts_system *sys, const char *instance, const char *signal, ts_yaml_pos pos,
                             const char *what, ts_error *err) {
  int i = ts_system_instance(sys, instance);
  if (i < 0) {
    ts_yaml_fail(err, pos, "%s '%s.%s': no instance named '%s'; the instances are:", what, instance, signal, instance);
    for (size_t k = 0; k < sys->n_inst; k++)
      ts_error_append(err, "  %s (%s/%s)", sys->inst[k].name, sys->inst[k].lib->name, sys->inst[k].model->name);
    return -1;
  }
  int b = ts_system_signal(sys, instance, signal);
  if (b < 0) {
    ts_yaml_fail(err, pos, "%s '%s.%s': no such signal;", what, instance, signal);
    describe_signals(&sys->inst[i], err);
  }
  return b;
}

static int set_recorded(ts_system *sys, const ts_scenario *sc, ts_error *err) {
  sys->recorded = calloc(sc->n_recorded ? sc->n_recorded : 1, sizeof *sys->recorded);
  if (!sys->recorded)
    return ts_fail(err, TS_E_NOMEM, "out of memory");
  for (size_t k = 0; k < sc->n_recorded; k++) {
    const ts_sc_signal_ref *r = &sc->recorded[k];
    int b = ts_system_resolve_signal(sys, r->instance, r->signal, r->pos, "recorded signal", err);
    if (b < 0)
      return -1;
    sys->recorded[sys->n_recorded++] = (uint32_t)b;
  }
  return 0;
}

static int set_tolerances(ts_system *sys, const ts_scenario *sc, ts_error *err) {
  sys->atol = calloc(sys->n_states ? sys->n_states : 1, sizeof *sys->atol);
  if (!sys->atol)
    return ts_fail(err, TS_E_NOMEM, "out of memory");
  for (size_t i = 0; i < sys->n_inst; i++)
    for (uint32_t s = 0; s < sys->inst[i].model->n_states; s++)
      sys->atol[sys->inst[i].state_offset + s] = sc->solver.atol_scale * sys->inst[i].model->states[s].nominal;
  for (size_t k = 0; k < sc->solver.n_atol; k++) {
    const ts_sc_atol *a = &sc->solver.atol[k];
    int b = ts_system_resolve_signal(sys, a->state.instance, a->state.signal, a->state.pos, "solver.atol", err);
    if (b < 0)
      return -1;
    if ((size_t)b >= sys->n_states)
      return ts_yaml_fail(err, a->state.pos, "solver.atol: '%s.%s' is an output, not a state", a->state.instance,
                          a->state.signal);
    char what[256];
    snprintf(what, sizeof what, "solver.atol of %s", sys->signals[b].name);
    if (ts_convert_quantity(&a->value, sys->signals[b].unit, what, &sys->atol[b], err) != 0)
      return -1;
  }
  return 0;
}

/* The analytic Jacobian needs every instance's jacobian(); `analytic` insists, `auto` falls back. */
static int choose_jacobian(ts_system *sys, const ts_scenario *sc, ts_error *err) {
  const ts_instance *missing = NULL;
  for (size_t i = 0; i < sys->n_inst && !missing; i++)
    if (!sys->inst[i].model->jacobian && sys->inst[i].model->n_states > 0)
      missing = &sys->inst[i];
  for (size_t i = 0; i < sys->n_inst && !missing; i++)
    if (!sys->inst[i].model->jacobian)
      missing = &sys->inst[i];
  if (sc->solver.jacobian == TS_SC_JACOBIAN_ANALYTIC && missing)
    return ts_yaml_fail(err, sc->solver.jacobian_pos,
                        "solver.jacobian: analytic, but %s (%s/%s) has no jacobian(); use auto or finite_difference",
                        missing->name, missing->lib->name, missing->model->name);
  sys->analytic_jacobian = sc->solver.jacobian != TS_SC_JACOBIAN_FINITE_DIFFERENCE && !missing;
  return 0;
}

/* The outputs each kind of evaluation needs (system.h), and the instances whose outputs read inputs (those inputs
 * are gathered before the outputs are computed). */
static int mark_output_demand(ts_system *sys, ts_error *err) {
  size_t n = sys->n_outputs ? sys->n_outputs : 1;
  sys->wired_outputs = calloc(n, 1);
  sys->sampled_outputs = calloc(n, 1);
  if (!sys->wired_outputs || !sys->sampled_outputs)
    return ts_fail(err, TS_E_NOMEM, "out of memory");
  for (size_t l = 0; l < sys->n_links; l++)
    if (sys->links[l].source >= sys->n_states)
      sys->wired_outputs[sys->links[l].source - sys->n_states] = 1;
  memcpy(sys->sampled_outputs, sys->wired_outputs, sys->n_outputs);
  for (size_t j = 0; j < sys->n_recorded; j++)
    if (sys->recorded[j] >= sys->n_states)
      sys->sampled_outputs[sys->recorded[j] - sys->n_states] = 1;
  for (size_t k = 0; k < sys->trial->n_obs; k++)
    if (sys->trial->obs[k].bus >= sys->n_states)
      sys->sampled_outputs[sys->trial->obs[k].bus - sys->n_states] = 1;
  for (size_t i = 0; i < sys->n_inst; i++) {
    ts_instance *in = &sys->inst[i];
    for (uint32_t k = 0; k < in->model->n_outputs; k++)
      if (in->model->outputs[k].direct_inputs)
        in->outputs_read_inputs = 1;
  }
  return 0;
}

int ts_system_build(const ts_scenario *sc, ts_plugin_set *plugins, ts_system **out, ts_error *err) {
  ts_system *sys = calloc(1, sizeof *sys);
  if (!sys)
    return ts_fail(err, TS_E_NOMEM, "out of memory");
  sys->scenario = sc;
  if (add_instances(sys, sc, plugins, err) || set_params(sys, sc, err) || add_signals(sys, err) ||
      ts_system_wire(sys, sc, err) || ts_system_order_outputs(sys, err) || set_recorded(sys, sc, err) ||
      set_tolerances(sys, sc, err) || ts_system_build_arms(sys, sc, err) || ts_system_build_trial(sys, sc, err) ||
      ts_system_build_rules(sys, sc, err) || mark_output_demand(sys, err)) {
    ts_system_free(sys);
    return -1;
  }
  if (choose_jacobian(sys, sc, err) != 0) {
    ts_system_free(sys);
    return -1;
  }
  *out = sys;
  return 0;
}
