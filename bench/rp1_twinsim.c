/* rp1_twinsim: the RP-1 reference trial (scenarios/rp1_trial.yaml) through twinsim's engine, timed without the
 * results database: the same patients, arms and outputs as `twinsim run`, with the store left out, to compare
 * with rp1_baseline (the same work written directly against CVODE).
 *
 * Usage: rp1_twinsim [SCENARIO] [--patients N] [--dump-params FILE]
 * Prints patients per second, CVODE steps per patient and a checksum (sum over simulations of N at the horizon).
 * --dump-params FILE writes each patient's drawn pk.CL (L/d), pk.V1 (L), tumor.alpha (1/d) and tumor.Emax (1/d),
 * the four parameters RP-1 varies, in the plugins' units (RP1.md's), one patient a line, for
 * `rp1_baseline --params FILE` to simulate exactly this cohort. The file is written after the timed loop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cvode/cvode.h>

#include "run.h"
#include "sim.h"
#include "sim_internal.h" /* the simulator's CVODE memory, only to read its counters (see last_segment) */
#include "trial.h"

/* CVODE's counters: steps, right-hand-side and Jacobian evaluations. */
typedef struct counters {
  long steps, rhs, jac;
} counters;

static void add(counters *c, long steps, long rhs, long jac, long sign) {
  c->steps += sign * steps, c->rhs += sign * rhs, c->jac += sign * jac;
}

/* The counters of the simulator's last segment (CVODE restarts them at each CVodeReInit). Before commit 37ad09a
 * ts_sim_run added them once at its end and once more to the next patient's count (core/sim.c, add_counters before
 * the first CVodeReInit); main() checks whether that happens and then takes them off, so that the figures printed
 * are right with either engine. */
static counters last_segment(const ts_sim *sim) {
  counters c = {0, 0, 0};
  CVodeGetNumSteps(sim->cvode, &c.steps);
  CVodeGetNumRhsEvals(sim->cvode, &c.rhs);
  CVodeGetNumJacEvals(sim->cvode, &c.jac);
  return c;
}

/* The index in the system's parameter vector of instance.name, or -1. */
static long find_param(const ts_system *sys, const char *instance, const char *name) {
  for (size_t i = 0; i < sys->n_inst; i++) {
    if (strcmp(sys->inst[i].name, instance) != 0)
      continue;
    for (uint32_t j = 0; j < sys->inst[i].model->n_params; j++)
      if (!strcmp(sys->inst[i].model->params[j].name, name))
        return (long)sys->inst[i].param_offset + (long)j;
  }
  return -1;
}

/* Writes patients 1..n's four varied parameters (drawn again: the draws depend only on seed and patient). */
static int dump_params(const ts_system *sys, uint64_t seed, size_t n, ts_trial_patient *draw, const char *path) {
  static const char *const names[4][2] = {{"pk", "CL"}, {"pk", "V1"}, {"tumor", "alpha"}, {"tumor", "Emax"}};
  long idx[4];
  for (int q = 0; q < 4; q++)
    if ((idx[q] = find_param(sys, names[q][0], names[q][1])) < 0)
      return fprintf(stderr, "rp1_twinsim: no parameter %s.%s\n", names[q][0], names[q][1]), -1;
  FILE *f = fopen(path, "w");
  if (!f)
    return perror(path), -1;
  fprintf(f, "# patient pk.CL(L/d) pk.V1(L) tumor.alpha(1/d) tumor.Emax(1/d)\n");
  ts_error err;
  ts_error_clear(&err);
  for (uint64_t k = 1; k <= n; k++) {
    if (ts_trial_draw(sys, seed, k, draw, &err) != 0) {
      fclose(f);
      return fprintf(stderr, "rp1_twinsim: %s\n", err.message), -1;
    }
    fprintf(f, "%llu %.17g %.17g %.17g %.17g\n", (unsigned long long)k, draw->params[idx[0]], draw->params[idx[1]],
            draw->params[idx[2]], draw->params[idx[3]]);
  }
  return fclose(f) == 0 ? 0 : (perror(path), -1);
}

int main(int argc, char **argv) {
  const char *scenario = "scenarios/rp1_trial.yaml", *dump = NULL;
  long limit = -1;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--patients") && i + 1 < argc)
      limit = atol(argv[++i]);
    else if (!strcmp(argv[i], "--dump-params") && i + 1 < argc)
      dump = argv[++i];
    else if (argv[i][0] != '-')
      scenario = argv[i];
    else
      return fprintf(stderr, "usage: rp1_twinsim [SCENARIO] [--patients N] [--dump-params FILE]\n"), 2;
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
  long sims = 0;
  counters reported = {0, 0, 0}, carried = {0, 0, 0}, tail = {0, 0, 0}, first = {0, 0, 0};
  ts_sim_result r;
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
      if (ts_sim_run(sim, &p, &r, &err) != 0 || r.failed)
        return fprintf(stderr, "rp1_twinsim: patient %llu failed: %s\n", (unsigned long long)k, r.message), 1;
      if (n_col >= 0)
        checksum += r.values[(r.n_times - 1) * sys->n_recorded + (size_t)n_col];
      add(&reported, r.n_steps, r.n_rhs_evals, r.n_jac_evals, 1);
      if (sims == 0)
        first = (counters){r.n_steps, r.n_rhs_evals, r.n_jac_evals};
      else
        add(&carried, tail.steps, tail.rhs, tail.jac, 1);
      tail = last_segment(sim);
      sims++;
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  /* Is the previous simulation's last segment counted again? Simulation 1 again, after the others (untimed): its
   * first count started from a fresh CVODE memory. */
  counters exact = reported;
  int double_counted = 0;
  if (ts_trial_draw(sys, l.scenario->seed, 1, &draw, &err) != 0)
    return fprintf(stderr, "rp1_twinsim: %s\n", err.message), 2;
  ts_patient p1 = {.index = 1,
                   .label = draw.label,
                   .params = draw.params,
                   .arm = &sys->arms[0],
                   .weight_kg = draw.weight_kg,
                   .bsa_m2 = draw.bsa_m2};
  if (ts_sim_run(sim, &p1, &r, &err) != 0 || r.failed)
    return fprintf(stderr, "rp1_twinsim: patient 1 failed when run again: %s\n", r.message), 1;
  if (tail.steps > 0 && r.n_steps == first.steps + tail.steps) {
    double_counted = 1;
    add(&exact, carried.steps, carried.rhs, carried.jac, -1);
  } else if (r.n_steps != first.steps) {
    fprintf(stderr, "rp1_twinsim: warning: patient 1 took %ld steps, then %ld: the step counts are doubtful\n",
            first.steps, r.n_steps);
  }
  double seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
  printf("rp1_twinsim: %ld simulations (%zu patients x %zu arms), %s Jacobian, outputs not stored\n", sims, n,
         sys->n_arms, ts_sim_uses_analytic_jacobian(sim) ? "analytic" : "difference-quotient");
  printf("  %.3f s, %.0f patients/s, %.1f steps/patient, checksum %.12e\n", seconds, sims / seconds,
         (double)exact.steps / sims, checksum);
  printf("  per patient: %.1f right-hand sides, %.1f Jacobians\n", (double)exact.rhs / sims, (double)exact.jac / sims);
  if (double_counted)
    printf("  (ts_sim_result counts %.1f steps/patient: it adds each simulation's last segment to the next one's "
           "count as well; corrected above)\n",
           (double)reported.steps / sims);
  int rc = dump && dump_params(sys, l.scenario->seed, n, &draw, dump) != 0;
  free(draw.params);
  free(draw.values);
  free(draw.covariates);
  ts_sim_free(sim);
  ts_loaded_free(&l);
  return rc;
}
