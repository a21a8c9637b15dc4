/* The scheduler: one virtual patient integrated with CVODE. See sim.h.
 *
 * Method: CVODE (Hindmarsh et al., SUNDIALS 6.4), BDF or Adams with a dense direct linear solver, the analytic
 * Jacobian of jacobian.c when every instance has one (difference quotients otherwise), relative tolerance and per-state
 * absolute tolerances from the system. The patient's time line is cut at every breakpoint (dose events, discrete steps,
 * the horizon); CVODE gets a stop time at each and is restarted with CVodeReInit where the states or the right-hand
 * side jump. */
#include "sim.h"

#include <cvode/cvode.h>
#include <math.h>
#include <nvector/nvector_serial.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>

#include "host.h"
#include "sim_internal.h"

/* ---- Right-hand side ---------------------------------------------------------------------------------------- */

/* Fills the inputs of links [begin, end) from the bus. The links of a summing input follow each other, the first
 * one setting it. */
static inline void gather_links(ts_sim *s, size_t begin, size_t end) {
  const ts_link *links = s->sys->links;
  for (size_t l = begin; l < end; l++) {
    double v = s->bus[links[l].source] * links[l].factor;
    s->inputs[links[l].input] = links[l].accumulate ? s->inputs[links[l].input] + v : v;
  }
}

/* Fills every input from the bus (after all outputs are computed): the links that set, then those that add. */
static inline void gather_all(ts_sim *s) {
  const ts_gather *g = s->gather;
  size_t k = 0;
  for (; k < s->n_gather_set; k++)
    s->inputs[g[k].input] = s->bus[g[k].source] * g[k].factor;
  for (; k < s->n_gather; k++)
    s->inputs[g[k].input] += s->bus[g[k].source] * g[k].factor;
}

/* Notes what went wrong inside a callback, for the failure message if the solver gives up. */
static void note_detail(ts_sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note_detail(ts_sim *s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->detail, sizeof s->detail, fmt, ap);
  va_end(ap);
}

static int callback_status(ts_sim *s, size_t i, int rc, const char *callback, double t) {
  if (rc == TS_OK)
    return 0;
  ts_host_impl *h = &s->host[i];
  note_detail(s, "%s %s of %s/%s at t = %.9g d %s", s->sys->inst[i].name, callback, s->sys->inst[i].lib->name,
              s->sys->inst[i].model->name, t, rc > 0 ? "asked for a smaller step" : "failed");
  if (h->has_error) {
    size_t used = strlen(s->detail);
    snprintf(s->detail + used, sizeof s->detail - used, ": %s", h->error);
  }
  return rc > 0 ? 1 : -1;
}

/* 1 when every value is finite. A sum is finite only if every term is (a NaN or an infinity spreads); it can also
 * overflow with finite terms, so only a non-finite sum is looked at term by term. One addition per value: this runs
 * at every right-hand side and every sample. */
static int all_finite(const double *v, size_t n) {
  double sum = 0.0;
  for (size_t k = 0; k < n; k++)
    sum += v[k];
  if (isfinite(sum))
    return 1;
  for (size_t k = 0; k < n; k++)
    if (!isfinite(v[k]))
      return 0;
  return 1;
}

/* Copies the states y to the bus, computes the outputs `want` asks for (TS_WANT_*), in dependency order, then
 * gathers every input in one pass over the links (not for a sample, which reads only the bus). */
static int evaluate_outputs(ts_sim *s, double t, const double *y, int want) {
  const ts_system *sys = s->sys;
  memcpy(s->bus, y, sys->n_states * sizeof *y);
  for (const ts_call *c = s->output_plan, *end = c + s->n_output_plan; c < end; c++) {
    gather_links(s, c->link_begin, c->link_end);
    ts_eval *e = c->e;
    e->t = t;
    e->derivatives = NULL;
    e->outputs_wanted = c->wanted[want];
    int rc = c->fn(c->instance, e);
    if (rc != TS_OK)
      return callback_status(s, c->index, rc, "compute_outputs", t);
  }
  if (want != TS_WANT_SAMPLED)
    gather_all(s);
  return 0;
}

/* The right-hand side: the wired outputs, every input, then the derivatives into ydot. Static, so that CVODE's
 * callback below calls it without a detour. */
static int evaluate_rhs(ts_sim *s, double t, const double *y, double *ydot) {
  int rc = evaluate_outputs(s, t, y, TS_WANT_WIRED);
  if (rc != 0)
    return rc;
  for (const ts_call *c = s->derivative_plan, *end = c + s->n_derivative_plan; c < end; c++) {
    ts_eval *e = c->e;
    e->t = t;
    e->derivatives = ydot + c->state_offset;
    if ((rc = c->fn(c->instance, e)) != TS_OK)
      return callback_status(s, c->index, rc, "compute_derivatives", t);
  }
  const ts_system *sys = s->sys;
  if (all_finite(ydot, sys->n_states))
    return 0;
  for (size_t k = 0; k < sys->n_states; k++)
    if (!isfinite(ydot[k])) {
      note_detail(s, "the derivative of %s is %g at t = %.9g d (state value %g)", sys->signals[k].name, ydot[k], t,
                  y[k]);
      break;
    }
  return 1; /* recoverable: CVODE retries with a smaller step and reports if it cannot */
}

int ts_sim_evaluate(ts_sim *s, double t, const double *y, double *ydot) {
  return ydot ? evaluate_rhs(s, t, y, ydot) : evaluate_outputs(s, t, y, TS_WANT_ALL);
}

static int cvode_rhs(sunrealtype t, N_Vector y, N_Vector ydot, void *user_data) {
  return evaluate_rhs(user_data, t, NV_DATA_S(y), NV_DATA_S(ydot)); /* serial vectors: no call to reach the data */
}

static void cvode_error(int code, const char *module, const char *function, char *msg, void *user_data) {
  ts_sim *s = user_data;
  (void)module;
  snprintf(s->solver_message, sizeof s->solver_message, "%s (%s, flag %d)", msg, function, code);
}

/* ---- Creation ----------------------------------------------------------------------------------------------- */

/* CVODE's name of a return flag, e.g. "CV_TOO_MUCH_WORK", copied into buf (SUNDIALS allocates the name). */
static const char *flag_name(int flag, char *buf, size_t cap) {
  char *name = CVodeGetReturnFlagName(flag);
  snprintf(buf, cap, "%s", name ? name : "unknown flag");
  free(name);
  return buf;
}

static int check_flag(int flag, const char *call, ts_error *err) {
  char name[64];
  if (flag < 0)
    return ts_fail(err, TS_E_INTERNAL, "%s failed with flag %d (%s)", call, flag, flag_name(flag, name, sizeof name));
  return 0;
}

static int setup_cvode(ts_sim *s, ts_error *err) {
  const ts_system *sys = s->sys;
  const ts_sc_solver *solver = &sys->scenario->solver;
  sunindextype n = (sunindextype)sys->n_states;
  if (SUNContext_Create(NULL, &s->ctx) != 0)
    return ts_fail(err, TS_E_NOMEM, "SUNContext_Create failed");
  if (n == 0)
    return 0; /* a system of algebraic outputs only: nothing to integrate */
  s->y = N_VNew_Serial(n, s->ctx);
  s->atol = N_VNew_Serial(n, s->ctx);
  s->cvode = CVodeCreate(solver->method == TS_SC_ADAMS ? CV_ADAMS : CV_BDF, s->ctx);
  s->jac = SUNDenseMatrix(n, n, s->ctx);
  if (!s->y || !s->atol || !s->cvode || !s->jac)
    return ts_fail(err, TS_E_NOMEM, "out of memory creating the CVODE solver");
  s->ls = SUNLinSol_Dense(s->y, s->jac, s->ctx);
  if (!s->ls)
    return ts_fail(err, TS_E_NOMEM, "out of memory creating the dense linear solver");
  N_VConst(0.0, s->y);
  memcpy(N_VGetArrayPointer(s->atol), sys->atol, sys->n_states * sizeof(double));
  if (check_flag(CVodeInit(s->cvode, cvode_rhs, sys->scenario->start_days, s->y), "CVodeInit", err) ||
      check_flag(CVodeSetUserData(s->cvode, s), "CVodeSetUserData", err) ||
      check_flag(CVodeSetErrHandlerFn(s->cvode, cvode_error, s), "CVodeSetErrHandlerFn", err) ||
      check_flag(CVodeSVtolerances(s->cvode, solver->rtol, s->atol), "CVodeSVtolerances", err) ||
      check_flag(CVodeSetLinearSolver(s->cvode, s->ls, s->jac), "CVodeSetLinearSolver", err) ||
      check_flag(CVodeSetMaxNumSteps(s->cvode, solver->max_steps), "CVodeSetMaxNumSteps", err))
    return -1;
  if (sys->analytic_jacobian) {
    if (ts_jacobian_alloc(s) != 0)
      return ts_fail(err, TS_E_NOMEM, "out of memory");
    if (check_flag(CVodeSetJacFn(s->cvode, ts_jacobian_cvode), "CVodeSetJacFn", err))
      return -1;
  }
  if (sys->n_crossing_rules > 0) {
    int *directions = s->roots, k = 0; /* borrowed: filled again by CVodeGetRootInfo later */
    for (size_t r = 0; r < sys->n_rules; r++)
      if (sys->rules[r].crossing)
        directions[k++] = sys->rules[r].above ? 1 : -1;
    if (check_flag(CVodeRootInit(s->cvode, (int)sys->n_crossing_rules, ts_rules_root), "CVodeRootInit", err) ||
        check_flag(CVodeSetRootDirection(s->cvode, directions), "CVodeSetRootDirection", err))
      return -1;
  }
  if (solver->max_step_days > 0 && check_flag(CVodeSetMaxStep(s->cvode, solver->max_step_days), "CVodeSetMaxStep", err))
    return -1;
  if (solver->nonnegative) {
    if (!(s->constraints = N_VNew_Serial(n, s->ctx)))
      return ts_fail(err, TS_E_NOMEM, "out of memory");
    double *c = N_VGetArrayPointer(s->constraints);
    for (size_t k = 0; k < sys->n_states; k++) {
      const ts_signal *sig = &sys->signals[k];
      c[k] = (sys->inst[sig->instance].model->states[sig->index].flags & TS_STATE_NONNEGATIVE) ? 1.0 : 0.0;
    }
    if (check_flag(CVodeSetConstraints(s->cvode, s->constraints), "CVodeSetConstraints", err))
      return -1;
  }
  return 0;
}

static int alloc_buffers(ts_sim *s, ts_error *err) {
  const ts_system *sys = s->sys;
  size_t n_bus = sys->n_states + sys->n_outputs;
  size_t n_values = sys->scenario->n_output_times * sys->n_recorded;
#define TS_ALLOC(field, count) (s->field = calloc((count) ? (count) : 1, sizeof *s->field))
  if (!TS_ALLOC(bus, n_bus) || !TS_ALLOC(inputs, sys->n_inputs) || !TS_ALLOC(params, sys->n_params) ||
      !TS_ALLOC(dose_rates, sys->n_dose_targets) || !TS_ALLOC(active_infusions, sys->n_dose_targets) ||
      !TS_ALLOC(step_due, sys->n_inst) || !TS_ALLOC(scratch, sys->n_states) || !TS_ALLOC(ev, sys->n_inst) ||
      !TS_ALLOC(instance, sys->n_inst) || !TS_ALLOC(host, sys->n_inst) || !TS_ALLOC(values, n_values) ||
      !TS_ALLOC(observed, sys->trial->n_samples))
    return ts_fail(err, TS_E_NOMEM, "out of memory");
  s->schedule_cap = ts_dose_event_capacity(sys);
  s->log_cap = 2 * s->schedule_cap + 16;
  if (!TS_ALLOC(schedule, s->schedule_cap) || !TS_ALLOC(running, s->schedule_cap) || !TS_ALLOC(log, s->log_cap) ||
      ts_rules_alloc(s) != 0)
    return ts_fail(err, TS_E_NOMEM, "out of memory");
#undef TS_ALLOC
  for (size_t i = 0; i < sys->n_inst; i++) {
    const ts_instance *in = &sys->inst[i];
    s->ev[i] = (ts_eval){.host = &s->host[i].api,
                         .params = s->params + in->param_offset,
                         .states = s->bus + in->state_offset,
                         .inputs = s->inputs + in->input_offset,
                         .dose_rates = s->dose_rates + in->dose_offset,
                         .outputs = s->bus + sys->n_states + in->output_offset};
  }
  return 0;
}

static int create_instances(ts_sim *s, ts_error *err) {
  const ts_system *sys = s->sys;
  for (size_t i = 0; i < sys->n_inst; i++) {
    const ts_instance *in = &sys->inst[i];
    ts_host_init(&s->host[i], in->name, s->opt.verbosity);
    if (!in->model->create)
      continue;
    void *instance = NULL;
    if (in->model->create(&s->host[i].api, &instance) != TS_OK)
      return ts_fail(err, TS_E_INPUT, "instance '%s' (%s/%s): create failed: %s", in->name, in->lib->name,
                     in->model->name, s->host[i].has_error ? s->host[i].error : "(no message)");
    s->instance[i] = instance;
  }
  return 0;
}

/* The calls of an evaluation, once the instances exist: compute_outputs in the system's dependency order, then
 * compute_derivatives of every instance with states; and the links in the order gather_all() reads them. */
static int plan_calls(ts_sim *s, ts_error *err) {
  const ts_system *sys = s->sys;
  s->output_plan = calloc(sys->n_output_calls + 1, sizeof *s->output_plan);
  s->derivative_plan = calloc(sys->n_inst + 1, sizeof *s->derivative_plan);
  s->gather = calloc(sys->n_links + 1, sizeof *s->gather);
  if (!s->output_plan || !s->derivative_plan || !s->gather)
    return ts_fail(err, TS_E_NOMEM, "out of memory");
  for (int accumulate = 0; accumulate <= 1; accumulate++)
    for (size_t l = 0; l < sys->n_links; l++)
      if (sys->links[l].accumulate == accumulate) {
        s->gather[s->n_gather++] = (ts_gather){sys->links[l].input, sys->links[l].source, sys->links[l].factor};
        s->n_gather_set += !accumulate;
      }
  for (size_t c = 0; c < sys->n_output_calls; c++) {
    uint32_t i = sys->output_calls[c];
    const ts_instance *in = &sys->inst[i];
    uint32_t gather_end = in->outputs_read_inputs ? in->link_end : in->link_begin;
    s->output_plan[s->n_output_plan++] =
        (ts_call){.fn = in->model->compute_outputs,
                  .instance = s->instance[i],
                  .e = &s->ev[i],
                  .index = i,
                  .link_begin = in->link_begin,
                  .link_end = gather_end,
                  .wanted = {[TS_WANT_ALL] = NULL,
                             [TS_WANT_WIRED] = sys->wired_outputs + in->output_offset,
                             [TS_WANT_SAMPLED] = sys->sampled_outputs + in->output_offset}};
  }
  for (uint32_t i = 0; i < sys->n_inst; i++) {
    const ts_instance *in = &sys->inst[i];
    if (in->model->n_states > 0)
      s->derivative_plan[s->n_derivative_plan++] = (ts_call){.fn = in->model->compute_derivatives,
                                                             .instance = s->instance[i],
                                                             .e = &s->ev[i],
                                                             .index = i,
                                                             .state_offset = in->state_offset};
  }
  return 0;
}

int ts_sim_create(const ts_system *sys, const ts_sim_options *opt, ts_sim **out, ts_error *err) {
  ts_sim *s = calloc(1, sizeof *s);
  if (!s)
    return ts_fail(err, TS_E_NOMEM, "out of memory");
  s->sys = sys;
  s->opt = *opt;
  if (alloc_buffers(s, err) || setup_cvode(s, err) || create_instances(s, err) || plan_calls(s, err)) {
    ts_sim_free(s);
    return -1;
  }
  *out = s;
  return 0;
}

void ts_sim_free(ts_sim *s) {
  if (!s)
    return;
  for (size_t i = 0; s->instance && i < s->sys->n_inst; i++)
    if (s->instance[i] && s->sys->inst[i].model->destroy)
      s->sys->inst[i].model->destroy(s->instance[i]);
  CVodeFree(&s->cvode);
  SUNLinSolFree(s->ls);
  SUNMatDestroy(s->jac);
  N_VDestroy(s->y);
  N_VDestroy(s->atol);
  N_VDestroy(s->constraints);
  SUNContext_Free(&s->ctx);
  free(s->bus);
  free(s->inputs);
  free(s->params);
  free(s->dose_rates);
  free(s->active_infusions);
  free(s->step_due);
  free(s->scratch);
  free(s->ev);
  free(s->output_plan);
  free(s->derivative_plan);
  free(s->gather);
  free(s->instance);
  free(s->host);
  free(s->schedule);
  free(s->running);
  free(s->log);
  ts_rules_free(s);
  free(s->values);
  free(s->observed);
  ts_jacobian_free(s);
  free(s);
}

/* ---- One patient -------------------------------------------------------------------------------------------- */

int ts_sim_fail_patient(ts_sim *s, double t, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->message, sizeof s->message, fmt, ap);
  va_end(ap);
  s->failed = 1;
  s->failure_time = t;
  return -1;
}

static int fail_solver(ts_sim *s, int flag) {
  double t = s->sys->scenario->start_days;
  if (s->cvode)
    CVodeGetCurrentTime(s->cvode, &t);
  char name[64];
  return ts_sim_fail_patient(s, t, "CVODE %s at t = %.9g d: %s%s%s", flag_name(flag, name, sizeof name), t,
                             s->solver_message[0] ? s->solver_message : "(no message)", s->detail[0] ? "; cause: " : "",
                             s->detail);
}

/* Records every sample due at time t (output rows and scheduled observations) from the states y there. */
static int record_samples(ts_sim *s, double t, const double *y, size_t *next_out, size_t *next_obs,
                          ts_sim_result *res) {
  const ts_system *sys = s->sys;
  const ts_trial *trial = sys->trial;
  if (evaluate_outputs(s, t, y, TS_WANT_SAMPLED) != 0)
    return ts_sim_fail_patient(s, t, "computing outputs at t = %.9g d: %s", t, s->detail);
  const double *times = sys->scenario->output_times;
  for (; *next_out < sys->scenario->n_output_times && times[*next_out] <= t; ++*next_out) {
    double *out = s->values + *next_out * sys->n_recorded;
    for (size_t j = 0; j < sys->n_recorded; j++)
      out[j] = s->bus[sys->recorded[j]];
    if (!all_finite(out, sys->n_recorded))
      for (size_t j = 0; j < sys->n_recorded; j++)
        if (!isfinite(out[j]))
          return ts_sim_fail_patient(s, t, "recorded signal %s is %g at t = %.9g d",
                                     sys->signals[sys->recorded[j]].name, out[j], t);
    res->n_times = *next_out + 1;
  }
  for (; *next_obs < trial->n_samples && trial->samples[*next_obs].time <= t; ++*next_obs) {
    s->observed[*next_obs] = s->bus[trial->obs[trial->samples[*next_obs].obs].bus];
    res->n_observed = *next_obs + 1;
  }
  return 0;
}

/* The next time a sample is due: an output row or an observation. */
static double next_sample(const ts_sim *s, size_t next_out, size_t next_obs) {
  const ts_scenario *sc = s->sys->scenario;
  double t = next_out < sc->n_output_times ? sc->output_times[next_out] : INFINITY;
  if (next_obs < s->sys->trial->n_samples && s->sys->trial->samples[next_obs].time < t)
    t = s->sys->trial->samples[next_obs].time;
  return t;
}

static int init_patient(ts_sim *s, const ts_patient *p, double t0, double *y) {
  const ts_system *sys = s->sys;
  memcpy(s->params, p->params, sys->n_params * sizeof *s->params);
  memcpy(s->inputs, sys->input_defaults, sys->n_inputs * sizeof *s->inputs);
  memset(s->dose_rates, 0, sys->n_dose_targets * sizeof *s->dose_rates);
  memset(s->active_infusions, 0, sys->n_dose_targets * sizeof *s->active_infusions);
  s->failed = 0;
  s->message[0] = s->solver_message[0] = s->detail[0] = '\0';
  for (size_t i = 0; i < sys->n_inst; i++) {
    const ts_instance *in = &sys->inst[i];
    ts_host_begin_patient(&s->host[i], s->opt.seed, p->index, (uint32_t)i);
    s->step_due[i] = in->step_days > 0 ? t0 + in->step_days : INFINITY;
    if (in->model->init(s->instance[i], &s->host[i].api, s->params + in->param_offset, t0, y + in->state_offset) !=
        TS_OK)
      return ts_sim_fail_patient(s, t0, "%s init of %s/%s failed: %s", in->name, in->lib->name, in->model->name,
                                 s->host[i].has_error ? s->host[i].error : "(no message)");
  }
  for (size_t k = 0; k < sys->n_states; k++)
    if (!isfinite(y[k]))
      return ts_sim_fail_patient(s, t0, "the initial value of %s is %g", sys->signals[k].name, y[k]);
  return 0;
}

int ts_sim_log(ts_sim *s, const ts_sim_event *e) {
  if (s->n_log == s->log_cap) {
    ts_sim_event *grown = realloc(s->log, 2 * s->log_cap * sizeof *grown);
    if (!grown)
      return ts_sim_fail_patient(s, e->time, "out of memory for the event log");
    s->log = grown;
    s->log_cap *= 2;
  }
  s->log[s->n_log++] = *e;
  return 0;
}

/* The total rate into dose target g of the infusions running: exactly 0 when none runs. */
static void update_rate(ts_sim *s, uint32_t g) {
  double rate = 0.0;
  for (size_t k = 0; k < s->n_running; k++)
    if (s->running[k].plan->global_target == g)
      rate += s->running[k].rate;
  s->dose_rates[g] = rate;
}

/* Gives a dose (or logs it as skipped while the rules hold or stopped the treatment). Sets *changed when the
 * states or the right-hand side changed. */
static int give_dose(ts_sim *s, const ts_dose_event *e, double *y, int *changed) {
  const ts_system *sys = s->sys;
  const ts_dose_plan *plan = e->plan;
  const ts_instance *in = &sys->inst[plan->instance];
  ts_sim_event log = {.time = e->time,
                      .plan = plan,
                      .amount = e->amount * s->dose_factor,
                      .rate = e->rate * s->dose_factor,
                      .rule = -1};
  if (s->held || s->stopped) { /* logged with the amount it would have had */
    log.kind = TS_EV_DOSE_SKIPPED;
    return ts_sim_log(s, &log);
  }
  if (e->kind == TS_DOSE_BOLUS) {
    log.kind = TS_EV_BOLUS;
    if (in->model->bolus) {
      int rc = in->model->bolus(s->instance[plan->instance], &s->host[plan->instance].api, plan->target, log.amount,
                                e->time, s->params + in->param_offset, y + in->state_offset);
      if (rc != TS_OK)
        return ts_sim_fail_patient(s, e->time, "%s bolus into %s failed: %s", in->name,
                                   in->model->dose_targets[plan->target].name,
                                   s->host[plan->instance].has_error ? s->host[plan->instance].error : "(no message)");
    } else {
      y[plan->state] += log.amount * plan->to_state;
    }
  } else {
    log.kind = TS_EV_INFUSION_START;
    s->running[s->n_running++] = (struct running_infusion){e->time + e->duration, log.rate, plan};
    update_rate(s, plan->global_target);
  }
  *changed = 1;
  return ts_sim_log(s, &log);
}

/* Ends the infusions whose end time has come. */
static int end_infusions(ts_sim *s, double t, int *changed) {
  for (size_t k = 0; k < s->n_running;) {
    struct running_infusion r = s->running[k];
    if (!(r.end <= t)) {
      k++;
      continue;
    }
    s->running[k] = s->running[--s->n_running];
    update_rate(s, r.plan->global_target);
    *changed = 1;
    ts_sim_event log = {
        .time = r.end, .kind = TS_EV_INFUSION_STOP, .plan = r.plan, .amount = NAN, .rate = r.rate, .rule = -1};
    if (ts_sim_log(s, &log) != 0)
      return -1;
  }
  return 0;
}

/* Runs the discrete steps due at t. Sets *changed when a step changed a state. */
static int run_steps(ts_sim *s, double t, double *y, int *changed) {
  const ts_system *sys = s->sys;
  int evaluated = 0;
  for (size_t i = 0; i < sys->n_inst; i++) {
    const ts_instance *in = &sys->inst[i];
    if (!(s->step_due[i] <= t))
      continue;
    if (!evaluated && ts_sim_evaluate(s, t, y, NULL) != 0)
      return ts_sim_fail_patient(s, t, "computing outputs for a discrete step at t = %.9g d: %s", t, s->detail);
    evaluated = 1; /* outputs and inputs are current */
    ts_eval *e = &s->ev[i];
    e->t = t;
    e->derivatives = NULL;
    double *states = y + in->state_offset;
    memcpy(s->scratch, states, in->model->n_states * sizeof *states);
    int rc = in->model->step(s->instance[i], e, in->step_days, states);
    if (rc != TS_OK)
      return ts_sim_fail_patient(s, t, "%s step of %s/%s failed at t = %.9g d: %s", in->name, in->lib->name,
                                 in->model->name, t, s->host[i].has_error ? s->host[i].error : "(no message)");
    if (memcmp(s->scratch, states, in->model->n_states * sizeof *states) != 0)
      *changed = 1;
    s->step_due[i] += in->step_days;
  }
  return 0;
}

/* The next time the time line must stop at: a dose, the end of an infusion, a discrete step, a rule's visit, or
 * the horizon. */
static double next_breakpoint(const ts_sim *s, double end) {
  double tb = end;
  if (s->next_dose < s->n_schedule && s->schedule[s->next_dose].time < tb)
    tb = s->schedule[s->next_dose].time;
  for (size_t k = 0; k < s->n_running; k++)
    if (s->running[k].end < tb)
      tb = s->running[k].end;
  for (size_t i = 0; i < s->sys->n_inst; i++)
    if (s->step_due[i] < tb)
      tb = s->step_due[i];
  double visit = ts_rules_next_visit(s);
  return visit < tb ? visit : tb;
}

/* Integrates to `target` (a sample time or a breakpoint), stopping at every crossing a rule watches. */
static int advance(ts_sim *s, double target) {
  for (;;) {
    double tret;
    int flag = CVode(s->cvode, target, s->y, &tret, CV_NORMAL);
    if (flag < 0)
      return fail_solver(s, flag);
    if (flag != CV_ROOT_RETURN)
      return 0;
    if (ts_rules_crossed(s, tret, N_VGetArrayPointer(s->y)) != 0)
      return -1;
  }
}

/* Adds CVODE's counters of the segment just ended to the patient's totals (nothing when no segment of this patient
 * was integrated since the last call: CVODE's counters then still hold the previous patient's). */
static void add_counters(ts_sim *s) {
  long n;
  if (!s->cvode || !s->segment_open)
    return;
  s->segment_open = 0;
  if (CVodeGetNumSteps(s->cvode, &n) == CV_SUCCESS)
    s->steps += n;
  if (CVodeGetNumRhsEvals(s->cvode, &n) == CV_SUCCESS)
    s->rhs_evals += n;
  if (CVodeGetNumJacEvals(s->cvode, &n) == CV_SUCCESS)
    s->jac_evals += n;
}

/* The patient's time line. Returns 0, or -1 when the patient failed (s->message says why). At each stop: samples
 * first (before anything changes), then infusions that end, rule visits, doses, discrete steps. */
static int integrate(ts_sim *s, const ts_patient *p, ts_sim_result *res) {
  const ts_system *sys = s->sys;
  const ts_scenario *sc = sys->scenario;
  size_t next_out = 0, next_obs = 0;
  double t = sc->start_days;
  double *y = sys->n_states ? N_VGetArrayPointer(s->y) : s->scratch;
  s->arm = p->arm ? p->arm : &sys->arms[0];
  s->patient = p;
  s->n_log = s->n_running = s->next_dose = 0;
  s->steps = s->rhs_evals = s->jac_evals = 0;
  s->segment_open = 0;
  if (init_patient(s, p, t, y) != 0 || ts_rules_begin(s, t, y) != 0)
    return -1;
  s->n_schedule = ts_dose_schedule(s->arm, s->params, p->weight_kg, p->bsa_m2, -INFINITY, s->schedule);
  int restart = 1;
  for (;;) {
    if (next_sample(s, next_out, next_obs) <= t && record_samples(s, t, y, &next_out, &next_obs, res) != 0)
      return -1;
    if (t >= sc->end_days)
      break;
    if (end_infusions(s, t, &restart) != 0 || ts_rules_visit(s, t, y) != 0)
      return -1;
    while (s->next_dose < s->n_schedule && s->schedule[s->next_dose].time <= t)
      if (give_dose(s, &s->schedule[s->next_dose++], y, &restart) != 0)
        return -1;
    if (run_steps(s, t, y, &restart) != 0)
      return -1;
    double tb = next_breakpoint(s, sc->end_days);
    if (sys->n_states == 0) {
      t = tb;
      continue;
    }
    if (restart) {
      add_counters(s);
      int flag = CVodeReInit(s->cvode, t, s->y);
      if (flag < 0)
        return fail_solver(s, flag);
      restart = 0;
      s->segment_open = 1;
    }
    CVodeSetStopTime(s->cvode, tb);
    double ts;
    while ((ts = next_sample(s, next_out, next_obs)) < tb)
      if (advance(s, ts) != 0 || record_samples(s, ts, y, &next_out, &next_obs, res) != 0)
        return -1;
    if (advance(s, tb) != 0)
      return -1;
    t = tb;
  }
  return 0;
}

int ts_sim_run(ts_sim *s, const ts_patient *p, ts_sim_result *res, ts_error *err) {
  (void)err; /* nothing here can fail on the host's side once the simulator exists */
  memset(res, 0, sizeof *res);
  res->times = s->sys->scenario->output_times;
  res->values = s->values;
  res->observed = s->observed;
  int failed = integrate(s, p, res) != 0;
  res->log = s->log; /* after integrating: the log may have grown */
  res->n_log = s->n_log;
  if (failed) {
    res->failed = 1;
    res->failure_time = s->failure_time;
    res->message = s->message;
  }
  add_counters(s);
  res->n_steps = s->steps;
  res->n_rhs_evals = s->rhs_evals;
  res->n_jac_evals = s->jac_evals;
  return 0;
}

int ts_sim_uses_analytic_jacobian(const ts_sim *s) {
  return s->blocks != NULL;
}

int ts_sim_prepare(ts_sim *s, const ts_patient *p, double *y0) {
  return init_patient(s, p, s->sys->scenario->start_days, y0);
}

int ts_sim_rhs(ts_sim *s, double t, const double *y, double *ydot) {
  return ts_sim_evaluate(s, t, y, ydot);
}
