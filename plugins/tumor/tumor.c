/*
 * tumor plugin: tumor growth models driven by drug concentrations and kill rates read from the bus.
 *
 * Copyright 2026 the twinsim authors. Licensed under the Apache License, Version 2.0.
 *
 * This file holds the library descriptor and the model gompertz; the other models live in one file per family
 * (growth.c, simeoni.c, effects.c, clones.c; see tumor_common.h). Equations and sources: docs/models/tumor.md.
 *
 * Model gompertz (time in d, cells as counts):
 *   drug_kill = Emax*C/(EC50 + C)                                        1/d, C in mg/L (C < 0 is read as 0)
 *   dN/dt     = alpha*ln(K/N)*N - drug_kill*N - kill_rate*N
 *   volume    = N/cell_density                                           mm^3
 *   diameter  = (6*volume/pi)^(1/3)                                      mm, the diameter of a sphere of that volume
 * Gompertz growth (Benzekry et al. 2014, PLoS Comput Biol 10:e1003800) written with the carrying capacity K, an
 * Emax kill driven by the concentration input C, and a TS_INPUT_SUM input kill_rate to which any number of other
 * plugins (a second drug, radiotherapy, immune killing) add their per-cell kill rates without this file changing.
 *
 * The model keeps no per-instance data: create/destroy are NULL and the instance pointer is always NULL.
 */
#include "tumor_common.h"

#include <math.h>
#include <stdbool.h>

/* ---- gompertz ----------------------------------------------------------------------------------------- */

enum { GZ_ALPHA, GZ_K, GZ_N0, GZ_EMAX, GZ_EC50, GZ_CELL_DENSITY, GZ_N_PARAMS };
enum { GZ_N, GZ_N_STATES };
enum { GZ_IN_C, GZ_IN_KILL_RATE, GZ_N_INPUTS };
enum { GZ_VOLUME, GZ_DIAMETER, GZ_DRUG_KILL, GZ_N_OUTPUTS };

static const ts_param gz_params[GZ_N_PARAMS] = {
    [GZ_ALPHA] = {.name = "alpha",
                  .unit = "1/d",
                  .default_value = 0.005,
                  .lower = 0.0,
                  .upper = INFINITY,
                  .doc = "Gompertz growth-rate constant (RP-1 typical value 0.005 /d)"},
    [GZ_K] = {.name = "K",
              .unit = "cells",
              .default_value = 1e12,
              .lower = 0.0,
              .flags = TS_PARAM_LOWER_OPEN,
              .upper = INFINITY,
              .doc = "Carrying capacity, the plateau N tends to without treatment, > 0 (RP-1: 1e12 cells)"},
    [GZ_N0] = {.name = "N0",
               .unit = "cells",
               .default_value = 1e9,
               .lower = 0.0,
               .flags = TS_PARAM_LOWER_OPEN,
               .upper = INFINITY,
               .doc = "Number of tumor cells at the start of the patient, > 0 (RP-1: 1e9 cells)"},
    [GZ_EMAX] = {.name = "Emax",
                 .unit = "1/d",
                 .default_value = 0.8,
                 .lower = 0.0,
                 .upper = INFINITY,
                 .doc = "Maximal kill rate of the drug read on input C (RP-1 typical value 0.8 /d)"},
    [GZ_EC50] = {.name = "EC50",
                 .unit = "mg/L",
                 .default_value = 0.5,
                 .lower = 0.0,
                 .flags = TS_PARAM_LOWER_OPEN,
                 .upper = INFINITY,
                 .doc = "Concentration giving half the maximal kill rate, > 0 (RP-1: 0.5 mg/L)"},
    [GZ_CELL_DENSITY] = {.name = "cell_density",
                         .unit = "cells/mm^3",
                         .default_value = 1e6,
                         .lower = 0.0,
                         .flags = TS_PARAM_LOWER_OPEN,
                         .upper = INFINITY,
                         .doc = "Tumor cells per unit volume, to turn N into a volume, > 0 (usual value 1e6)"},
};

static const ts_state gz_states[GZ_N_STATES] = {
    [GZ_N] = {.name = "N",
              .unit = "cells",
              .nominal = 1e9,
              .flags = TS_STATE_NONNEGATIVE,
              .doc = "Number of tumor cells; N0 at the start of every patient; must stay > 0"},
};

static const ts_input gz_inputs[GZ_N_INPUTS] = {
    [GZ_IN_C] = {.name = "C",
                 .unit = "mg/L",
                 .type = TS_REAL,
                 .flags = TS_INPUT_OPTIONAL,
                 .default_value = 0.0,
                 .doc = "Drug concentration driving the Emax kill (e.g. pk.C); 0 (no drug) if unconnected"},
    [GZ_IN_KILL_RATE] = {.name = "kill_rate",
                         .unit = "1/d",
                         .type = TS_REAL,
                         .flags = TS_INPUT_SUM,
                         .default_value = 0.0,
                         .doc = "Sum of per-cell kill rates contributed by other plugins; 0 if unconnected"},
};

static const char *const gz_drug_kill_inputs[] = {"C", NULL};

static const ts_output gz_outputs[GZ_N_OUTPUTS] = {
    [GZ_VOLUME] = {.name = "volume",
                   .unit = "mm^3",
                   .type = TS_REAL,
                   .direct_inputs = NULL,
                   .doc = "Tumor volume, N/cell_density"},
    [GZ_DIAMETER] = {.name = "diameter",
                     .unit = "mm",
                     .type = TS_REAL,
                     .direct_inputs = NULL,
                     .doc = "Diameter of a sphere of the tumor's volume, (6*volume/pi)^(1/3) (for RECIST)"},
    [GZ_DRUG_KILL] = {.name = "drug_kill",
                      .unit = "1/d",
                      .type = TS_REAL,
                      .direct_inputs = gz_drug_kill_inputs,
                      .doc = "Per-cell kill rate of the drug on input C, Emax*C/(EC50 + C)"},
};

/* The concentration used by the Emax term. A concentration from a solver can dip slightly below 0 within its
 * tolerance; it is then read as 0, which also keeps EC50 + C away from 0. NaN is passed on, not hidden. */
static double effective_concentration(double c) {
  return c < 0.0 ? 0.0 : c;
}

static double drug_kill(const double *p, double c) {
  return p[GZ_EMAX] * c / (p[GZ_EC50] + c);
}

static int gz_init(void *instance, const ts_host *host, const double *params, double t0, double *y0) {
  (void)instance, (void)host, (void)t0;
  y0[GZ_N] = params[GZ_N0];
  return TS_OK;
}

static int gz_compute_outputs(void *instance, const ts_eval *e) {
  (void)instance;
  const double *p = e->params;
  const double volume = e->states[GZ_N] / p[GZ_CELL_DENSITY];
  e->outputs[GZ_VOLUME] = volume;
  /* cbrt is defined for a (transiently) negative trial N, so outputs never fail; compute_derivatives() is the
   * one to reject N <= 0. The cbrt is the dearest part of the outputs: skipped when nothing reads the diameter. */
  if (ts_output_wanted(e, GZ_DIAMETER))
    e->outputs[GZ_DIAMETER] = tumor_diameter(volume);
  e->outputs[GZ_DRUG_KILL] = drug_kill(p, effective_concentration(e->inputs[GZ_IN_C]));
  return TS_OK;
}

static int gz_compute_derivatives(void *instance, const ts_eval *e) {
  (void)instance;
  const double *p = e->params;
  const double n = e->states[GZ_N];
  /* ln(K/N) is undefined for N <= 0 (and -> +inf as N -> 0+). The exact solution stays > 0 for every finite
   * kill rate, so N <= 0 can only be a trial step of the solver that overshot: TS_RECOVERABLE makes it retry
   * with a smaller step. !(n > 0) also catches NaN. */
  if (!(n > 0.0))
    return TS_RECOVERABLE;
  const double growth = p[GZ_ALPHA] * log(p[GZ_K] / n);
  const double kill = drug_kill(p, effective_concentration(e->inputs[GZ_IN_C])) + e->inputs[GZ_IN_KILL_RATE];
  e->derivatives[GZ_N] = (growth - kill) * n;
  return TS_OK;
}

/* Blocks (column-major, entry (i, j) at [i + j*rows]):
 *   d_deriv_d_states 1 x 1, d_deriv_d_inputs 1 x 2, d_out_d_states 3 x 1, d_out_d_inputs 3 x 2. */
static int gz_jacobian(void *instance, const ts_eval *e, double *d_deriv_d_states, double *d_deriv_d_inputs,
                       double *d_out_d_states, double *d_out_d_inputs) {
  (void)instance;
  const double *p = e->params;
  const double n = e->states[GZ_N];
  if (!(n > 0.0)) /* as in compute_derivatives(): ln(K/N) and d(diameter)/dN are undefined */
    return TS_RECOVERABLE;
  const double c_in = e->inputs[GZ_IN_C];
  const double c = effective_concentration(c_in);
  const double ec50_plus_c = p[GZ_EC50] + c;
  /* d(drug_kill)/dC = Emax*EC50/(EC50 + C)^2 for C > 0; 0 where C < 0 is read as 0. At C = 0 the right-hand
   * derivative is used (the concentration of a drug is >= 0 in the exact solution). */
  const double dkill_dc = c_in < 0.0 ? 0.0 : p[GZ_EMAX] * p[GZ_EC50] / (ec50_plus_c * ec50_plus_c);
  const double kill = drug_kill(p, c) + e->inputs[GZ_IN_KILL_RATE];

  /* d/dN [alpha*ln(K/N)*N - kill*N] = alpha*(ln(K/N) - 1) - kill */
  d_deriv_d_states[0] = p[GZ_ALPHA] * (log(p[GZ_K] / n) - 1.0) - kill;
  d_deriv_d_inputs[0 + GZ_IN_C * GZ_N_STATES] = -dkill_dc * n;
  d_deriv_d_inputs[0 + GZ_IN_KILL_RATE * GZ_N_STATES] = -n;

  const double volume = n / p[GZ_CELL_DENSITY];
  const double diameter = cbrt(6.0 * volume / TUMOR_PI);
  d_out_d_states[GZ_VOLUME] = 1.0 / p[GZ_CELL_DENSITY];
  d_out_d_states[GZ_DIAMETER] = diameter / (3.0 * n); /* d/dN of (6N/(pi*rho))^(1/3) */
  d_out_d_states[GZ_DRUG_KILL] = 0.0;

  /* Only drug_kill reads an input (C); the host zeroed the other entries. */
  d_out_d_inputs[GZ_DRUG_KILL + GZ_IN_C * GZ_N_OUTPUTS] = dkill_dc;
  return TS_OK;
}

static const ts_model gompertz = {
    TS_MODEL_HEADER,
    .name = "gompertz",
    .version = "1.0.0",
    .doc = "Gompertz tumor growth with an Emax drug kill on input C and a summed kill_rate input",
    .params = gz_params,
    .n_params = GZ_N_PARAMS,
    .states = gz_states,
    .n_states = GZ_N_STATES,
    .inputs = gz_inputs,
    .n_inputs = GZ_N_INPUTS,
    .outputs = gz_outputs,
    .n_outputs = GZ_N_OUTPUTS,
    .dose_targets = NULL,
    .n_dose_targets = 0,
    .flags = 0,
    .create = NULL,
    .destroy = NULL,
    .init = gz_init,
    .compute_outputs = gz_compute_outputs,
    .compute_derivatives = gz_compute_derivatives,
    .jacobian = gz_jacobian,
    .step = NULL,
    .bolus = NULL,
};

/* ---- The library ----------------------------------------------------------------------------------------- */

static const ts_model *const tumor_models[] = {
    &gompertz,
    /* growth.c: the classical growth laws with the common kill_rate / growth_inhibition interface */
    &tumor_exponential,
    &tumor_logistic,
    &tumor_gompertz_law,
    &tumor_von_bertalanffy,
    &tumor_power_law,
    &tumor_exponential_linear,
    /* simeoni.c */
    &tumor_simeoni,
    /* effects.c: drug effects as per-capita rates */
    &tumor_emax_kill,
    &tumor_log_kill,
    &tumor_norton_simon,
    /* clones.c */
    &tumor_gompertz_two_clone,
    &tumor_clones_lv,
};

TS_PLUGIN_EXPORT const ts_plugin *TS_PLUGIN_ENTRY(void) {
  static const ts_plugin plugin = {
      TS_PLUGIN_HEADER,       .name = "tumor",
      .version = "1.0.0",     .doc = "Tumor growth models with drug and kill-rate inputs from the bus",
      .models = tumor_models, .n_models = (uint32_t)(sizeof tumor_models / sizeof tumor_models[0])};
  return &plugin;
}
