/* A simulated patient's observations and endpoints (trial.h, endpoints.h), ready for the store. */
#ifndef TWINSIM_CORE_TRIAL_ENDPOINTS_H
#define TWINSIM_CORE_TRIAL_ENDPOINTS_H

#include <stddef.h>
#include <stdint.h>

#include "sim.h"
#include "store.h"
#include "trial.h"

/* Working memory, sized once per run: column (output times), times and sizes (the larger of the observation
 * samples and the dose events), cycles (dose events). */
typedef struct ts_trial_scratch {
  const ts_arm *arm; /* the patient's arm */
  double *column;
  double *times;
  double *sizes;
  ts_cycle_exposure *cycles;
  size_t cap; /* entries of times and cycles */
} ts_trial_scratch;

/* The observations taken, with measurement error y = f (1 + prop e1) + add e2 drawn from the stream (seed, patient,
 * TS_OBSERVATION_STREAM + arm). Fills out and observed (the values with error); returns res->n_observed. */
size_t ts_trial_observe(const ts_system *sys, uint64_t seed, uint64_t patient, size_t arm, const ts_sim_result *res,
                        ts_store_observation *out, double *observed);

/* The endpoints of a successfully simulated patient; writes the per-cycle exposures and returns their number. */
size_t ts_trial_endpoints(const ts_system *sys, const ts_sim_result *res, const double *observed,
                          ts_trial_scratch *scratch, ts_store_endpoints *e, ts_store_exposure *exposures);

#endif
