/* The state bus wiring of a system: links from signals to inputs with their unit factors, the checks of every
 * connection, and the order in which outputs are computed (with algebraic-loop detection). See system.h. */
#include "system.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

static const char *type_name(ts_signal_type t) {
  switch (t) {
  case TS_REAL: return "real";
  case TS_COUNT: return "count";
  case TS_FLAG: return "flag";
  }
  return "?";
}

static int type_accepts(ts_signal_type input, ts_signal_type source) {
  return input == source || (input == TS_REAL && source == TS_COUNT);
}

static const char *kind_name(ts_signal_kind k) {
  return k == TS_SIGNAL_STATE ? "state" : "output";
}

/* Checks one source of an input and appends its link. */
static int link_source(ts_system *sys, const ts_instance *in, const ts_input *input, uint32_t input_index,
                       const char *source, ts_yaml_pos pos, int accumulate, ts_error *err) {
  const char *dot = strchr(source, '.');
  char instance[256];
  snprintf(instance, sizeof instance, "%.*s", dot ? (int)(dot - source) : 0, source);
  char what[512];
  snprintf(what, sizeof what, "input %s.%s reads", in->name, input->name);
  int b = dot ? ts_system_resolve_signal(sys, instance, dot + 1, pos, what, err)
              : ts_yaml_fail(err, pos, "%s '%s': expected 'instance.signal'", what, source);
  if (b < 0)
    return -1;
  const ts_signal *sig = &sys->signals[b];
  const ts_instance *src = &sys->inst[sig->instance];
  if (!type_accepts(input->type, sig->type))
    return ts_yaml_fail(err, pos, "input %s.%s (%s/%s) is of type %s but %s (%s of %s/%s) is of type %s", in->name,
                        input->name, in->lib->name, in->model->name, type_name(input->type), sig->name,
                        kind_name(sig->kind), src->lib->name, src->model->name, type_name(sig->type));
  double factor;
  char why[512];
  if (ts_unit_factor(sig->unit, input->unit, &factor, why, sizeof why) != 0)
    return ts_yaml_fail(err, pos, "input %s.%s (%s/%s, unit %s) cannot read %s (%s of %s/%s, unit %s): %s", in->name,
                        input->name, in->lib->name, in->model->name, input->unit, sig->name, kind_name(sig->kind),
                        src->lib->name, src->model->name, sig->unit, why);
  sys->links[sys->n_links++] =
      (ts_link){.input = input_index, .source = (uint32_t)b, .factor = factor, .accumulate = accumulate};
  return 0;
}

static void list_inputs(const ts_instance *in, ts_error *err) {
  if (in->model->n_inputs == 0)
    ts_error_append(err, "  (%s/%s reads no input)", in->lib->name, in->model->name);
  for (uint32_t j = 0; j < in->model->n_inputs; j++)
    ts_error_append(err, "  %s [%s]%s  %s", in->model->inputs[j].name, in->model->inputs[j].unit,
                    (in->model->inputs[j].flags & TS_INPUT_SUM)        ? " (sum of any number of signals)"
                    : (in->model->inputs[j].flags & TS_INPUT_OPTIONAL) ? " (optional)"
                                                                       : "",
                    in->model->inputs[j].doc ? in->model->inputs[j].doc : "");
}

static int wire_instance(ts_system *sys, size_t i, const ts_sc_instance *si, ts_error *err) {
  ts_instance *in = &sys->inst[i];
  const ts_model *m = in->model;
  in->link_begin = (uint32_t)sys->n_links;
  for (size_t w = 0; w < si->n_wires; w++) {
    const ts_sc_wire *wire = &si->wires[w];
    int j = ts_model_input_index(m, wire->input);
    if (j < 0) {
      ts_yaml_fail(err, wire->pos, "instance '%s' (%s/%s) has no input '%s'; its inputs are:", in->name, in->lib->name,
                   m->name, wire->input);
      list_inputs(in, err);
      return -1;
    }
    const ts_input *input = &m->inputs[j];
    if (wire->n_sources > 1 && !(input->flags & TS_INPUT_SUM))
      return ts_yaml_fail(err, wire->pos,
                          "input %s.%s is given %zu writers (%s, %s%s) but takes exactly one signal (it is not a "
                          "summing input)",
                          in->name, input->name, wire->n_sources, wire->sources[0], wire->sources[1],
                          wire->n_sources > 2 ? ", ..." : "");
    for (size_t k = 0; k < wire->n_sources; k++)
      if (link_source(sys, in, input, in->input_offset + (uint32_t)j, wire->sources[k], wire->source_pos[k], k > 0,
                      err) != 0)
        return -1;
  }
  in->link_end = (uint32_t)sys->n_links;
  for (uint32_t j = 0; j < m->n_inputs; j++) {
    const ts_input *input = &m->inputs[j];
    sys->input_defaults[in->input_offset + j] = input->default_value;
    if (input->flags & (TS_INPUT_OPTIONAL | TS_INPUT_SUM))
      continue;
    int connected = 0;
    for (uint32_t l = in->link_begin; l < in->link_end; l++)
      connected |= sys->links[l].input == in->input_offset + j;
    if (!connected)
      return ts_yaml_fail(err, si->pos,
                          "required input %s.%s (%s/%s, %s, unit %s) is not connected; wire it under "
                          "model.%s.inputs, e.g. '%s: other_instance.signal'",
                          in->name, input->name, in->lib->name, m->name, type_name(input->type), input->unit, in->name,
                          input->name);
  }
  return 0;
}

int ts_system_wire(ts_system *sys, const ts_scenario *sc, ts_error *err) {
  size_t n_sources = 0;
  for (size_t i = 0; i < sc->n_instances; i++)
    for (size_t w = 0; w < sc->instances[i].n_wires; w++)
      n_sources += sc->instances[i].wires[w].n_sources;
  sys->links = calloc(n_sources ? n_sources : 1, sizeof *sys->links);
  sys->input_defaults = calloc(sys->n_inputs ? sys->n_inputs : 1, sizeof *sys->input_defaults);
  if (!sys->links || !sys->input_defaults)
    return ts_fail(err, TS_E_NOMEM, "out of memory");
  for (size_t i = 0; i < sys->n_inst; i++)
    if (wire_instance(sys, i, &sc->instances[i], err) != 0)
      return -1;
  return 0;
}

/* ---- Output evaluation order ---------------------------------------------------------------------------------- */

typedef struct order_state {
  ts_system *sys;
  int *level;     /* per global output: -1 unknown */
  int *mark;      /* 0 new, 1 on the current path, 2 done */
  uint32_t *path; /* the current depth-first path, for naming a loop */
  size_t depth;
  ts_error *err;
} order_state;

/* Calls fn(source_output) for every output that output `o` reads directly through its direct_inputs. */
static int visit_output(order_state *st, uint32_t o);

static int direct_sources_level(order_state *st, uint32_t o, int *level) {
  ts_system *sys = st->sys;
  const ts_signal *sig = &sys->signals[sys->n_states + o];
  const ts_instance *in = &sys->inst[sig->instance];
  const ts_output *out = &in->model->outputs[sig->index];
  *level = 0;
  for (const char *const *d = out->direct_inputs; d && *d; d++) {
    uint32_t input = in->input_offset + (uint32_t)ts_model_input_index(in->model, *d);
    for (uint32_t l = in->link_begin; l < in->link_end; l++) {
      const ts_link *link = &sys->links[l];
      if (link->input != input || link->source < sys->n_states)
        continue;
      uint32_t src = link->source - (uint32_t)sys->n_states;
      if (visit_output(st, src) != 0)
        return -1;
      if (st->level[src] + 1 > *level)
        *level = st->level[src] + 1;
    }
  }
  return 0;
}

static int report_loop(order_state *st, uint32_t o) {
  ts_system *sys = st->sys;
  size_t start = 0;
  while (st->path[start] != o)
    start++;
  char cycle[1536];
  size_t used = 0;
  for (size_t k = start; k < st->depth && used < sizeof cycle; k++)
    used +=
        (size_t)snprintf(cycle + used, sizeof cycle - used, "%s -> ", sys->signals[sys->n_states + st->path[k]].name);
  if (used < sizeof cycle)
    snprintf(cycle + used, sizeof cycle - used, "%s", sys->signals[sys->n_states + o].name);
  return ts_fail(st->err, TS_E_INPUT,
                 "%s: algebraic loop: %s (each output reads the next through a direct input); break it with a state "
                 "(a delay or transit compartment) or wire differently",
                 st->sys->scenario->doc ? st->sys->scenario->doc->file : "scenario", cycle);
}

static int visit_output(order_state *st, uint32_t o) {
  if (st->mark[o] == 2)
    return 0;
  if (st->mark[o] == 1)
    return report_loop(st, o);
  st->mark[o] = 1;
  st->path[st->depth++] = o;
  int level;
  if (direct_sources_level(st, o, &level) != 0)
    return -1;
  st->depth--;
  st->mark[o] = 2;
  st->level[o] = level;
  return 0;
}

int ts_system_order_outputs(ts_system *sys, ts_error *err) {
  size_t n = sys->n_outputs;
  order_state st = {.sys = sys, .err = err};
  st.level = malloc((n ? n : 1) * sizeof *st.level);
  st.mark = calloc(n ? n : 1, sizeof *st.mark);
  st.path = malloc((n ? n : 1) * sizeof *st.path);
  /* At most one call per instance and level. */
  sys->output_calls = malloc((n ? n : 1) * sizeof *sys->output_calls);
  int rc = -1;
  if (!st.level || !st.mark || !st.path || !sys->output_calls) {
    ts_fail(err, TS_E_NOMEM, "out of memory");
    goto done;
  }
  int max_level = 0;
  for (uint32_t o = 0; o < n; o++) {
    if (visit_output(&st, o) != 0)
      goto done;
    if (st.level[o] > max_level)
      max_level = st.level[o];
  }
  for (int level = 0; level <= max_level && n > 0; level++)
    for (uint32_t i = 0; i < sys->n_inst; i++) {
      const ts_instance *in = &sys->inst[i];
      int needed = 0;
      for (uint32_t k = 0; k < in->model->n_outputs; k++)
        needed |= st.level[in->output_offset + k] == level;
      if (needed)
        sys->output_calls[sys->n_output_calls++] = i;
    }
  rc = 0;
done:
  free(st.level);
  free(st.mark);
  free(st.path);
  return rc;
}
