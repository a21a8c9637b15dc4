/* A whole run: see run.h. */
#include "run.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim.h"
#include "store.h"
#include "version.h"

int ts_load(const char *scenario_path, ts_loaded *out, ts_error *err) {
  memset(out, 0, sizeof *out);
  if (ts_scenario_load(scenario_path, &out->scenario, err) != 0)
    return -1;
  out->plugins = ts_plugins_create((const char *const *)out->scenario->plugin_path, out->scenario->n_plugin_path);
  if (!out->plugins) {
    ts_loaded_free(out);
    return ts_fail(err, TS_E_NOMEM, "out of memory");
  }
  if (ts_system_build(out->scenario, out->plugins, &out->system, err) != 0) {
    ts_loaded_free(out);
    return -1;
  }
  return 0;
}

void ts_loaded_free(ts_loaded *l) {
  ts_system_free(l->system);
  ts_plugins_free(l->plugins);
  ts_scenario_free(l->scenario);
  memset(l, 0, sizeof *l);
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Everything the store keeps about the run besides the patients; strings live in `text`. */
typedef struct run_description {
  ts_store_kv meta[20];
  char text[20][128];
  char *atol; /* "pk.A1 = 1e-06 mg; ..." */
  ts_store_model *models;
  ts_store_signal *signals;
  ts_store_run run;
} run_description;

/* Adds a number to the run facts, in the shortest form that reads back as the same double. */
static void add_number(run_description *d, const char *key, double value) {
  size_t i = d->run.n_meta++;
  for (int digits = 15; digits <= 17; digits++) {
    snprintf(d->text[i], sizeof d->text[i], "%.*g", digits, value);
    if (strtod(d->text[i], NULL) == value)
      break;
  }
  d->meta[i] = (ts_store_kv){key, d->text[i]};
}

static int describe_run(const ts_loaded *l, run_description *d, ts_error *err) {
  const ts_system *sys = l->system;
  const ts_scenario *sc = l->scenario;
  d->models = calloc(sys->n_inst, sizeof *d->models);
  d->signals = calloc(sys->n_recorded ? sys->n_recorded : 1, sizeof *d->signals);
  if (!d->models || !d->signals)
    return ts_fail(err, TS_E_NOMEM, "out of memory");
  for (size_t i = 0; i < sys->n_inst; i++) {
    const ts_instance *in = &sys->inst[i];
    d->models[i] = (ts_store_model){in->name,      in->lib->name,   in->lib->desc.version,
                                    in->lib->path, in->model->name, in->model->version};
  }
  for (size_t j = 0; j < sys->n_recorded; j++) {
    const ts_signal *sig = &sys->signals[sys->recorded[j]];
    d->signals[j] = (ts_store_signal){sig->name, sig->unit, sig->kind == TS_SIGNAL_STATE ? "state" : "output"};
  }
  d->meta[d->run.n_meta++] = (ts_store_kv){"twinsim_version", ts_version()};
  d->meta[d->run.n_meta++] = (ts_store_kv){"sundials", ts_sundials_version()};
  d->meta[d->run.n_meta++] = (ts_store_kv){"scenario_name", sc->name};
  d->meta[d->run.n_meta++] = (ts_store_kv){"solver.method", sc->solver.method == TS_SC_ADAMS ? "adams" : "bdf"};
  d->meta[d->run.n_meta++] = (ts_store_kv){"solver.linear_solver", "dense"};
  d->meta[d->run.n_meta++] = (ts_store_kv){
      "solver.jacobian", sys->analytic_jacobian ? "analytic (chain rule through the bus)" : "difference quotient"};
  size_t cap = 64 * (sys->n_states + 1), used = 0;
  if (!(d->atol = malloc(cap)))
    return ts_fail(err, TS_E_NOMEM, "out of memory");
  d->atol[0] = '\0';
  for (size_t k = 0; k < sys->n_states && used < cap; k++)
    used += (size_t)snprintf(d->atol + used, cap - used, "%s%s = %.6g %s", k ? "; " : "", sys->signals[k].name,
                             sys->atol[k], sys->signals[k].unit);
  d->meta[d->run.n_meta++] = (ts_store_kv){"solver.atol", d->atol};
  size_t seed = d->run.n_meta++;
  snprintf(d->text[seed], sizeof d->text[seed], "%" PRIu64, sc->seed);
  d->meta[seed] = (ts_store_kv){"seed", d->text[seed]};
  add_number(d, "solver.rtol", sc->solver.rtol);
  add_number(d, "solver.atol_scale", sc->solver.atol_scale);
  add_number(d, "solver.max_steps", (double)sc->solver.max_steps);
  add_number(d, "solver.max_step_d", sc->solver.max_step_days);
  add_number(d, "start_d", sc->start_days);
  add_number(d, "horizon_d", sc->end_days);
  d->run = (ts_store_run){.scenario_path = sc->doc->file,
                          .scenario_text = sc->doc->text,
                          .scenario_len = sc->doc->text_len,
                          .meta = d->meta,
                          .n_meta = d->run.n_meta,
                          .models = d->models,
                          .n_models = sys->n_inst,
                          .signals = d->signals,
                          .n_signals = sys->n_recorded};
  return 0;
}

static void free_description(run_description *d) {
  free(d->atol);
  free(d->models);
  free(d->signals);
}

static const char *event_kind_name(ts_dose_event_kind k) {
  switch (k) {
  case TS_DOSE_BOLUS: return "bolus";
  case TS_DOSE_INFUSION_START: return "infusion_start";
  case TS_DOSE_INFUSION_STOP: return "infusion_stop";
  }
  return "?";
}

/* Turns a simulated patient into the store's record; params and events are caller-provided buffers. */
static void patient_record(const ts_system *sys, const ts_patient *p, const ts_sim_result *r, ts_store_param *params,
                           ts_store_event *events, ts_store_patient *rec) {
  for (size_t i = 0, k = 0; i < sys->n_inst; i++)
    for (uint32_t j = 0; j < sys->inst[i].model->n_params; j++, k++)
      params[k] = (ts_store_param){sys->inst[i].name, sys->inst[i].model->params[j].name, p->params[k],
                                   sys->inst[i].model->params[j].unit};
  for (size_t k = 0; k < r->n_events; k++) {
    const ts_dose_event *e = &r->events[k];
    const ts_dose_plan *plan = &sys->doses[e->plan];
    const ts_instance *in = &sys->inst[plan->instance];
    int bolus = e->kind == TS_DOSE_BOLUS;
    events[k] = (ts_store_event){.time = e->time,
                                 .kind = event_kind_name(e->kind),
                                 .instance = in->name,
                                 .target = in->model->dose_targets[plan->target].name,
                                 .amount = e->kind == TS_DOSE_INFUSION_STOP ? NAN : e->amount,
                                 .rate = bolus ? NAN : e->rate,
                                 .unit = in->model->dose_targets[plan->target].unit};
  }
  *rec = (ts_store_patient){.patient_id = (int64_t)p->index,
                            .label = p->label,
                            .failed = r->failed,
                            .failure_time = r->failed ? r->failure_time : NAN,
                            .failure_message = r->failed ? r->message : NULL,
                            .params = params,
                            .n_params = sys->n_params,
                            .n_times = r->n_times,
                            .times = r->times,
                            .values = r->values,
                            .events = events,
                            .n_events = r->n_events};
}

int ts_run(const ts_loaded *l, const ts_run_options *opt, ts_run_summary *summary, ts_error *err) {
  const ts_system *sys = l->system;
  memset(summary, 0, sizeof *summary);
  double t0 = now_seconds();
  run_description desc = {0};
  ts_store *store = NULL;
  ts_sim *sim = NULL;
  ts_store_param *params = calloc(sys->n_params ? sys->n_params : 1, sizeof *params);
  size_t events_cap = ts_dose_event_capacity(sys);
  ts_store_event *events = calloc(events_cap ? events_cap : 1, sizeof *events);
  int rc = -1;
  if (!params || !events) {
    ts_fail(err, TS_E_NOMEM, "out of memory");
    goto done;
  }
  if (describe_run(l, &desc, err) != 0)
    goto done;
  ts_sim_options sim_opt = {.verbosity = opt->verbosity, .seed = l->scenario->seed};
  if (ts_sim_create(sys, &sim_opt, &sim, err) != 0 ||
      ts_store_create(opt->output_path, &desc.run, opt->replace, &store, err) != 0)
    goto done;

  /* One patient in schema 1: the scenario's, with its parameter overrides. Cohorts come with schema 2. */
  ts_patient patient = {.index = 1, .label = l->scenario->patient_id, .params = sys->params};
  ts_sim_result result;
  ts_store_patient record;
  if (ts_sim_run(sim, &patient, &result, err) != 0)
    goto done;
  patient_record(sys, &patient, &result, params, events, &record);
  if (ts_store_write_patient(store, &record, err) != 0)
    goto done;
  summary->n_patients++;
  if (result.failed) {
    summary->n_failed++;
    fprintf(stderr, "twinsim: patient %llu '%s' failed at t = %.9g d: %s\n", (unsigned long long)patient.index,
            patient.label, result.failure_time, result.message);
  }
  rc = ts_store_finish(store, "complete", err);
  store = NULL;
  summary->seconds = now_seconds() - t0;
done:
  ts_store_close(store);
  ts_sim_free(sim);
  free_description(&desc);
  free(params);
  free(events);
  return rc;
}
