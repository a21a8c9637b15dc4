/*
 * immune plugin: immune effector cells acting on a tumor through the bus.
 *
 * Copyright 2026 the twinsim authors. Licensed under the Apache License, Version 2.0.
 *
 * Model kuznetsov (time in d, cells as counts; equations, sources and verification in docs/models/immune.md):
 *   dE/dt     = s + p*E*T/(g + T) - m*E*T - d*E                       T read from the bus (T < 0 is read as 0)
 *   kill_rate = n*E                                                   1/d
 * The effector-cell equation of V. A. Kuznetsov, I. A. Makalkin, M. A. Taylor, A. S. Perelson, "Nonlinear dynamics
 * of immunogenic tumors: parameter estimation and global bifurcation analysis", Bull Math Biol 56:295-321, 1994
 * (BioModels BIOMD0000000762). The tumor side of Kuznetsov's system, dT/dt = a*T*(1 - b*T) - n*E*T, is not here:
 * the output kill_rate is wired to a tumor model's summing input kill_rate (e.g. tumor/logistic with r = a and
 * K = 1/b), which then removes kill_rate*N cells per day, and the input T is wired to that tumor's N.
 *
 * The model keeps no per-instance data: create/destroy are NULL and the instance pointer is always NULL.
 */
#include <twinsim/plugin.h>

#include <math.h>

/* ---- kuznetsov ---------------------------------------------------------------------------------------- */

enum { KZ_S, KZ_P, KZ_G, KZ_M, KZ_D, KZ_N, KZ_E0, KZ_N_PARAMS };
enum { KZ_E, KZ_N_STATES };
enum { KZ_IN_T, KZ_N_INPUTS };
enum { KZ_KILL_RATE, KZ_N_OUTPUTS };

static const ts_param kz_params[KZ_N_PARAMS] = {
    [KZ_S] = {.name = "s",
              .unit = "cells/d",
              .default_value = 1.3e4,
              .lower = 0.0,
              .upper = INFINITY,
              .doc = "Normal (tumor-independent) influx of effector cells (Kuznetsov 1994; RP-1: 1.3e4 cells/d)"},
    [KZ_P] = {.name = "p",
              .unit = "1/d",
              .default_value = 0.1245,
              .lower = 0.0,
              .upper = INFINITY,
              .doc = "Maximal tumor-driven accumulation rate of effector cells (Kuznetsov 1994; RP-1: 0.1245 /d)"},
    [KZ_G] = {.name = "g",
              .unit = "cells",
              .default_value = 2.019e7,
              .lower = 0.0,
              .flags = TS_PARAM_LOWER_OPEN,
              .upper = INFINITY,
              .doc = "Tumor size giving half the maximal accumulation, > 0 (Kuznetsov 1994; RP-1: 2.019e7 cells)"},
    [KZ_M] = {.name = "m",
              .unit = "1/(cells*d)",
              .default_value = 3.422e-10,
              .lower = 0.0,
              .upper = INFINITY,
              .doc = "Inactivation of effector cells by tumor cells (Kuznetsov 1994; RP-1: 3.422e-10 /(cells*d))"},
    [KZ_D] = {.name = "d",
              .unit = "1/d",
              .default_value = 0.0412,
              .lower = 0.0,
              .upper = INFINITY,
              .doc = "Death rate of effector cells (Kuznetsov 1994; RP-1: 0.0412 /d)"},
    [KZ_N] = {.name = "n",
              .unit = "1/(cells*d)",
              .default_value = 1.101e-7,
              .lower = 0.0,
              .upper = INFINITY,
              .doc = "Kill rate constant: each effector cell kills a fraction n of the tumor per day (Kuznetsov 1994; "
                     "RP-1: 1.101e-7)"},
    [KZ_E0] = {.name = "E0",
               .unit = "cells",
               .default_value = 3.2e5,
               .lower = 0.0,
               .upper = INFINITY,
               .doc = "Number of effector cells at the start of the patient (Kuznetsov 1994; RP-1: 3.2e5 cells)"},
};

static const ts_state kz_states[KZ_N_STATES] = {
    [KZ_E] = {.name = "E",
              .unit = "cells",
              .nominal = 1e6,
              .flags = TS_STATE_NONNEGATIVE,
              .doc =
                  "Number of immune effector cells (e.g. cytotoxic T lymphocytes); E0 at the start of every patient"},
};

static const ts_input kz_inputs[KZ_N_INPUTS] = {
    [KZ_IN_T] = {.name = "T",
                 .unit = "cells",
                 .type = TS_REAL,
                 .flags = 0,
                 .default_value = 0.0,
                 .doc = "Number of tumor cells the effector cells respond to, e.g. wired to tumor.N (required)"},
};

static const ts_output kz_outputs[KZ_N_OUTPUTS] = {
    [KZ_KILL_RATE] = {.name = "kill_rate",
                      .unit = "1/d",
                      .type = TS_REAL,
                      .direct_inputs = NULL,
                      .doc = "Per-tumor-cell kill rate n*E, to be wired to a tumor's summing input kill_rate"},
};

/* The tumor size used by the model. A tumor count from a solver can dip slightly below 0 within its tolerance;
 * it is then read as 0 (no tumor), which also keeps g + T >= g > 0. NaN is passed on, not hidden. */
static double effective_tumor(double t) {
  return t < 0.0 ? 0.0 : t;
}

static int kz_init(void *instance, const ts_host *host, const double *params, double t0, double *y0) {
  (void)instance, (void)host, (void)t0;
  y0[KZ_E] = params[KZ_E0];
  return TS_OK;
}

static int kz_compute_outputs(void *instance, const ts_eval *e) {
  (void)instance;
  e->outputs[KZ_KILL_RATE] = e->params[KZ_N] * e->states[KZ_E];
  return TS_OK;
}

/* Per-effector-cell net rate of the tumor-dependent terms and death: p*T/(g + T) - m*T - d, 1/d. */
static double net_rate(const double *p, double t) {
  return p[KZ_P] * t / (p[KZ_G] + t) - p[KZ_M] * t - p[KZ_D];
}

static int kz_compute_derivatives(void *instance, const ts_eval *e) {
  (void)instance;
  const double *p = e->params;
  const double t = effective_tumor(e->inputs[KZ_IN_T]);
  e->derivatives[KZ_E] = p[KZ_S] + net_rate(p, t) * e->states[KZ_E];
  return TS_OK;
}

/* Blocks (column-major, entry (i, j) at [i + j*rows]), all 1 x 1:
 *   d(dE/dt)/dE = p*T/(g + T) - m*T - d
 *   d(dE/dt)/dT = p*E*g/(g + T)^2 - m*E      (0 where T < 0 is read as 0; at T = 0 the right-hand derivative)
 *   d(kill_rate)/dE = n;  d(kill_rate)/dT = 0 (kill_rate reads no input). */
static int kz_jacobian(void *instance, const ts_eval *e, double *d_deriv_d_states, double *d_deriv_d_inputs,
                       double *d_out_d_states, double *d_out_d_inputs) {
  (void)instance;
  (void)d_out_d_inputs;
  const double *p = e->params;
  const double t_in = e->inputs[KZ_IN_T];
  const double t = effective_tumor(t_in);
  const double effector = e->states[KZ_E];
  const double g_plus_t = p[KZ_G] + t;
  d_deriv_d_states[0] = net_rate(p, t);
  d_deriv_d_inputs[0] = t_in < 0.0 ? 0.0 : effector * (p[KZ_P] * p[KZ_G] / (g_plus_t * g_plus_t) - p[KZ_M]);
  d_out_d_states[0] = p[KZ_N];
  return TS_OK;
}

static const ts_model kuznetsov = {
    TS_MODEL_HEADER,
    .name = "kuznetsov",
    .version = "1.0.0",
    .doc = "Kuznetsov 1994 immune effector cells stimulated and inactivated by a tumor read on input T; "
           "kill_rate = n*E",
    .params = kz_params,
    .n_params = KZ_N_PARAMS,
    .states = kz_states,
    .n_states = KZ_N_STATES,
    .inputs = kz_inputs,
    .n_inputs = KZ_N_INPUTS,
    .outputs = kz_outputs,
    .n_outputs = KZ_N_OUTPUTS,
    .dose_targets = NULL,
    .n_dose_targets = 0,
    .flags = 0,
    .create = NULL,
    .destroy = NULL,
    .init = kz_init,
    .compute_outputs = kz_compute_outputs,
    .compute_derivatives = kz_compute_derivatives,
    .jacobian = kz_jacobian,
    .step = NULL,
    .bolus = NULL,
};

/* ---- The library ----------------------------------------------------------------------------------------- */

static const ts_model *const immune_models[] = {&kuznetsov};

TS_PLUGIN_EXPORT const ts_plugin *TS_PLUGIN_ENTRY(void) {
  static const ts_plugin plugin = {
      TS_PLUGIN_HEADER,        .name = "immune",
      .version = "1.0.0",      .doc = "Immune effector cells that respond to a tumor and kill its cells",
      .models = immune_models, .n_models = (uint32_t)(sizeof immune_models / sizeof immune_models[0])};
  return &plugin;
}
