/* rp1_twinsim: the RP-1 reference trial (scenarios/rp1_trial.yaml) through twinsim's engine, timed without the
 * results database: the same patients, arms and outputs as `twinsim run`, with the store left out, to compare
 * with rp1_baseline (the same work written directly against CVODE).
 *
 * Usage: rp1_twinsim [SCENARIO] [--patients N]
 * Prints patients per second, CVODE steps per patient and a checksum (sum over simulations of N at the horizon). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "run.h"
#include "sim.h"
#include "trial.h"

int main(int argc, char **argv) {
  const char *scenario = "scenarios/rp1_trial.yaml";
  long limit = -1;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--patients") && i + 1 < argc)
      limit = atol(argv[++i]);
    else if (argv[i][0] != '-')
      scenario = argv[i];
    else
      return fprintf(stderr, "usage: rp1_twinsim [SCENARIO] [--patients N]\n"), 2;
  }
  ts_error err;
  ts_error_clear(&err);
  ts_loaded l;
  if (ts_load(scenario, &l, &err) != 0)
    return fprintf(stderr, "rp1_twinsim: %s\n", err.message), 2;
  const ts_system *sys = l.system;
  ts_sim *sim;
  ts_sim_options opt = {.verbosity = TS_LOG_WARNING, .seed = l.scenario->seed};
  if (ts_sim_create(sys, &opt, &sim, &err) != 0)
    return fprintf(stderr, "rp1_twinsim: %s\n", err.message), 2;
  size_t n_cov = ts_trial_max_covariates(sys);
  ts_trial_patient draw = {.params = calloc(sys->n_params + 1, sizeof(double)),
                           .values = calloc(n_cov + 1, sizeof(double)),
                           .covariates = calloc(n_cov + 1, sizeof(ts_store_covariate))};
  size_t n = limit > 0 ? (size_t)limit : sys->trial->n_patients;
  int n_col = -1; /* tumor.N among the recorded signals, for the checksum */
  for (size_t j = 0; j < sys->n_recorded; j++)
    if (!strcmp(sys->signals[sys->recorded[j]].name, "tumor.N"))
      n_col = (int)j;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  double checksum = 0;
  long steps = 0, sims = 0;
  for (uint64_t k = 1; k <= n; k++) {
    if (ts_trial_draw(sys, l.scenario->seed, k, &draw, &err) != 0)
      return fprintf(stderr, "rp1_twinsim: %s\n", err.message), 2;
    for (size_t a = 0; a < sys->n_arms; a++) {
      ts_patient p = {.index = k,
                      .label = draw.label,
                      .params = draw.params,
                      .arm = &sys->arms[a],
                      .weight_kg = draw.weight_kg,
                      .bsa_m2 = draw.bsa_m2};
      ts_sim_result r;
      if (ts_sim_run(sim, &p, &r, &err) != 0 || r.failed)
        return fprintf(stderr, "rp1_twinsim: patient %llu failed: %s\n", (unsigned long long)k, r.message), 1;
      if (n_col >= 0)
        checksum += r.values[(r.n_times - 1) * sys->n_recorded + (size_t)n_col];
      steps += r.n_steps;
      sims++;
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
  printf("rp1_twinsim: %ld simulations (%zu patients x %zu arms), %s Jacobian, outputs not stored\n", sims, n,
         sys->n_arms, ts_sim_uses_analytic_jacobian(sim) ? "analytic" : "difference-quotient");
  printf("  %.3f s, %.0f patients/s, %.1f steps/patient, checksum %.12e\n", seconds, sims / seconds,
         (double)steps / sims, checksum);
  free(draw.params);
  free(draw.values);
  free(draw.covariates);
  ts_sim_free(sim);
  ts_loaded_free(&l);
  return 0;
}
