/* One simulated patient's observations (with measurement error) and endpoints, from the simulator's result,
 * as the trial defines them. The definitions are in endpoints.c and docs/endpoints.md. */
#include "trial_endpoints.h"

#include <math.h>
#include <string.h>

#include "rng.h"

size_t ts_trial_observe(const ts_system *sys, uint64_t seed, uint64_t patient, size_t arm, const ts_sim_result *res,
                        ts_store_observation *out, double *observed) {
  const ts_trial *t = sys->trial;
  ts_rng r;
  ts_rng_init(&r, seed, patient, TS_OBSERVATION_STREAM + (uint32_t)arm);
  for (size_t k = 0; k < res->n_observed; k++) {
    const ts_trial_obs *o = &t->obs[t->samples[k].obs];
    double truth = res->observed[k];
    /* The combined error model y = f (1 + prop e1) + add e2; both deviates are drawn whether or not used, so
     * the stream's position does not depend on the error settings. */
    double e1 = ts_rng_normal(&r), e2 = ts_rng_normal(&r);
    observed[k] = truth * (1.0 + o->proportional * e1) + o->additive_sd * e2;
    out[k] = (ts_store_observation){
        .signal = o->name, .time = t->samples[k].time, .value = observed[k], .true_value = truth};
  }
  return res->n_observed;
}

/* A dose given into the target of the arm's first dose line (whichever regimen a rule switched to). */
static int first_line_dose(const ts_arm *arm, const ts_sim_event *e) {
  return arm->n_doses > 0 && (e->kind == TS_EV_BOLUS || e->kind == TS_EV_INFUSION_START) &&
         e->plan->global_target == arm->doses[0].global_target;
}

/* Column j of the recorded trajectory into a contiguous buffer. */
static const double *column(const ts_system *sys, const ts_sim_result *res, int j, double *buf) {
  for (size_t i = 0; i < res->n_times; i++)
    buf[i] = res->values[i * sys->n_recorded + (size_t)j];
  return buf;
}

static void recist(const ts_trial *t, const ts_sim_result *res, const double *observed, double *times, double *sizes,
                   ts_store_endpoints *e) {
  size_t n = 0;
  for (size_t k = 0; k < res->n_observed; k++)
    if ((int)t->samples[k].obs == t->recist_obs) {
      times[n] = t->samples[k].time;
      sizes[n++] = fmax(observed[k], 0.0) * t->recist_to_mm; /* a measurement error cannot make a size negative */
    }
  ts_recist_result r = ts_recist_evaluate(times, sizes, n, &t->recist);
  e->best_response = ts_recist_name(r.best);
  e->progression_time = r.progression_time;
  e->baseline_mm = r.baseline_mm;
  e->nadir_mm = r.nadir_mm;
  e->best_change = r.best_change;
}

/* Cycles start at the doses of the arm's first dose line; each ends where the next starts, the last at the end. */
static size_t exposures(const ts_system *sys, const ts_sim_result *res, ts_trial_scratch *scratch,
                        ts_store_exposure *out) {
  double *starts = scratch->times;
  const ts_trial *t = sys->trial;
  size_t n_starts = 0;
  for (size_t k = 0; k < res->n_log; k++)
    if (first_line_dose(scratch->arm, &res->log[k]) && n_starts < scratch->cap)
      starts[n_starts++] = res->log[k].time;
  if (n_starts == 0)
    return 0;
  ts_cycle_exposure *cycles = scratch->cycles;
  double end = res->n_times ? res->times[res->n_times - 1] : sys->scenario->end_days;
  const double *c = column(sys, res, t->exposure_rec, scratch->column);
  size_t n = ts_cycle_exposures(res->times, c, res->n_times, starts, n_starts, end, cycles);
  for (size_t k = 0; k < n; k++)
    out[k] = (ts_store_exposure){.cycle = (int)k + 1,
                                 .start = cycles[k].start,
                                 .end = cycles[k].end,
                                 .cmax = cycles[k].cmax,
                                 .tmax = cycles[k].tmax,
                                 .cmin = cycles[k].cmin,
                                 .auc = cycles[k].auc};
  return n;
}

size_t ts_trial_endpoints(const ts_system *sys, const ts_sim_result *res, const double *observed,
                          ts_trial_scratch *scratch, ts_store_endpoints *e, ts_store_exposure *exposure_out) {
  const ts_trial *t = sys->trial;
  double end = sys->scenario->end_days;
  *e = (ts_store_endpoints){.progression_time = NAN,
                            .pfs_time = NAN,
                            .pfs_event = -1,
                            .os_time = NAN,
                            .os_event = -1,
                            .worst_grade = -1,
                            .cumulative_dose = NAN,
                            .baseline_mm = NAN,
                            .nadir_mm = NAN,
                            .best_change = NAN};
  /* the cumulative dose of the arm's first dose line's drug, F applied (none for an arm without doses) */
  if (scratch->arm->n_doses > 0) {
    const ts_dose_plan *p = &scratch->arm->doses[0];
    e->dose_unit = sys->inst[p->instance].model->dose_targets[p->target].unit;
    e->cumulative_dose = 0.0;
    for (size_t k = 0; k < res->n_log; k++)
      if (first_line_dose(scratch->arm, &res->log[k]))
        e->cumulative_dose += res->log[k].amount;
  }
  if (t->recist_obs >= 0)
    recist(t, res, observed, scratch->times, scratch->sizes, e);
  double death = NAN;
  if (t->death_rec >= 0) {
    death =
        ts_first_crossing(res->times, column(sys, res, t->death_rec, scratch->column), res->n_times, t->death_above);
    e->os_time = isnan(death) ? end : death;
    e->os_event = !isnan(death);
  }
  if (t->recist_obs >= 0 || t->death_rec >= 0) {
    ts_time_to_event pfs = ts_pfs(e->progression_time, death, end);
    e->pfs_time = pfs.time;
    e->pfs_event = pfs.event;
  }
  if (t->toxicity_rec >= 0)
    e->worst_grade = ts_worst_grade(column(sys, res, t->toxicity_rec, scratch->column), res->n_times);
  return t->exposure_rec >= 0 ? exposures(sys, res, scratch, exposure_out) : 0;
}
