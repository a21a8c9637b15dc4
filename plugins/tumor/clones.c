/*
 * tumor plugin: tumors made of clones that differ in drug sensitivity and compete for one carrying capacity.
 *
 * Copyright 2026 the twinsim authors. Licensed under the Apache License, Version 2.0.
 *
 * gompertz_two_clone — the tumor of the RP-1 reference trial (shared/RP1.md), cells as counts, time in d:
 *   N = S + R,  G = alpha*ln(K/N),  kill = Emax*C/(EC50 + C)   (C in mg/L, read as 0 below 0)
 *   dS/dt = G*S*(1 - growth_inhibition) - kill*S - kill_rate*S - mu*S
 *   dR/dt = G*R*(1 - growth_inhibition)          - kill_rate*R + mu*S
 * RP-1's immune term n*E arrives on kill_rate; growth_inhibition (0 unless wired) is not part of RP-1.
 *
 * clones_lv — three clones x1, x2, x3 with Lotka-Volterra competition (a_ii = 1), each with its own Emax kill,
 * and a serum biomarker (PSA-like) as a state:
 *   dx_i/dt = r_i*x_i*(1 - sum_j a_ij*x_j/K_i)*(1 - growth_inhibition) - (e_i(C) + kill_rate)*x_i
 *   e_i(C)  = Emax_i*C/(EC50_i + C)
 *   dPSA/dt = sigma*(x1 + x2 + x3) - delta*PSA,   PSA(0) = sigma*(x1 + x2 + x3)(0)/delta (steady state)
 * A clone that starts at 0 stays at 0, so two clones are the three with x3_0 = 0.
 *
 * Both output N, volume and diameter. Equations, fixed points and sources in docs/models/tumor.md. The models keep
 * no per-instance data.
 */
#include "tumor_common.h"

#include <stdio.h>

/* A concentration from a solver can dip slightly below 0 within its tolerance; it is then read as 0. */
static double effective_concentration(double c) {
  return c < 0.0 ? 0.0 : c;
}

/* Emax*C/(EC50 + C) and its derivative in C (0 where C < 0 is read as 0; the right-hand derivative at 0). */
static void emax(double e_max, double ec50, double c_in, double *e, double *de_dc) {
  const double c = effective_concentration(c_in);
  const double s = ec50 + c;
  *e = e_max * c / s;
  *de_dc = c_in < 0.0 ? 0.0 : e_max * ec50 / (s * s);
}

#define CELL_DENSITY_PARAM(index)                                                                                      \
  [index] = {.name = "cell_density",                                                                                   \
             .unit = "cells/mm^3",                                                                                     \
             .default_value = 1e6,                                                                                     \
             .lower = 0.0,                                                                                             \
             .upper = INFINITY,                                                                                        \
             .flags = TS_PARAM_LOWER_OPEN,                                                                             \
             .doc = "Tumor cells per unit volume, to turn N into a volume, > 0 (rule of thumb 1e6; Del Monte 2009, "   \
                    "Cell Cycle 8:505)"}

#define KILL_RATE_INPUT(index, what)                                                                                   \
  [index] = {.name = "kill_rate",                                                                                      \
             .unit = "1/d",                                                                                            \
             .type = TS_REAL,                                                                                          \
             .flags = TS_INPUT_SUM,                                                                                    \
             .default_value = 0.0,                                                                                     \
             .doc = "Sum of per-cell kill rates from other plugins, applied to " what "; 0 if unconnected"}

#define GROWTH_INHIBITION_INPUT(index)                                                                                 \
  [index] = {.name = "growth_inhibition",                                                                              \
             .unit = "1",                                                                                              \
             .type = TS_REAL,                                                                                          \
             .flags = TS_INPUT_SUM,                                                                                    \
             .default_value = 0.0,                                                                                     \
             .doc = "Sum of fractions by which growth is inhibited: every clone's growth term is multiplied by "       \
                    "(1 - growth_inhibition); 0 if unconnected"}

#define SIZE_OUTPUTS(n_index, volume_index, diameter_index)                                                            \
  [n_index] = {.name = "N",                                                                                            \
               .unit = "cells",                                                                                        \
               .type = TS_REAL,                                                                                        \
               .direct_inputs = NULL,                                                                                  \
               .doc = "All tumor cells, the sum of the clones"},                                                       \
  [volume_index] = {.name = "volume",                                                                                  \
                    .unit = "mm^3",                                                                                    \
                    .type = TS_REAL,                                                                                   \
                    .direct_inputs = NULL,                                                                             \
                    .doc = "Tumor volume, N/cell_density"},                                                            \
  [diameter_index] = {.name = "diameter",                                                                              \
                      .unit = "mm",                                                                                    \
                      .type = TS_REAL,                                                                                 \
                      .direct_inputs = NULL,                                                                           \
                      .doc = "Diameter of a sphere of the tumor's volume, (6*volume/pi)^(1/3) (for RECIST)"}

/* ---- gompertz_two_clone ------------------------------------------------------------------------------------- */

enum { TC_ALPHA, TC_K, TC_EMAX, TC_EC50, TC_MU, TC_S0, TC_R0, TC_CELL_DENSITY, TC_N_PARAMS };
enum { TC_S, TC_R, TC_N_STATES };
enum { TC_IN_C, TC_IN_KILL_RATE, TC_IN_GROWTH_INHIBITION, TC_N_INPUTS };
enum { TC_N, TC_VOLUME, TC_DIAMETER, TC_RESISTANT_FRACTION, TC_N_OUTPUTS };

static const ts_param tc_params[TC_N_PARAMS] = {
    [TC_ALPHA] = {.name = "alpha",
                  .unit = "1/d",
                  .default_value = 0.005,
                  .lower = 0.0,
                  .upper = INFINITY,
                  .doc = "Gompertz rate constant (RP-1: 0.005 /d)"},
    [TC_K] = {.name = "K",
              .unit = "cells",
              .default_value = 1e12,
              .lower = 0.0,
              .upper = INFINITY,
              .flags = TS_PARAM_LOWER_OPEN,
              .doc = "Carrying capacity shared by both clones, > 0 (RP-1: 1e12 cells)"},
    [TC_EMAX] = {.name = "Emax",
                 .unit = "1/d",
                 .default_value = 0.8,
                 .lower = 0.0,
                 .upper = INFINITY,
                 .doc = "Maximal kill rate of the drug on input C, sensitive clone only (RP-1: 0.8 /d)"},
    [TC_EC50] = {.name = "EC50",
                 .unit = "mg/L",
                 .default_value = 0.5,
                 .lower = 0.0,
                 .upper = INFINITY,
                 .flags = TS_PARAM_LOWER_OPEN,
                 .doc = "Concentration giving half the maximal kill rate, > 0 (RP-1: 0.5 mg/L)"},
    [TC_MU] = {.name = "mu",
               .unit = "1/d",
               .default_value = 1e-6,
               .lower = 0.0,
               .upper = INFINITY,
               .doc = "Rate at which sensitive cells turn resistant (RP-1: 1e-6 /d)"},
    [TC_S0] = {.name = "S0",
               .unit = "cells",
               .default_value = 1e9,
               .lower = 0.0,
               .upper = INFINITY,
               .flags = TS_PARAM_LOWER_OPEN,
               .doc = "Sensitive cells at the start, > 0 (RP-1: 1e9 cells)"},
    [TC_R0] = {.name = "R0",
               .unit = "cells",
               .default_value = 1e3,
               .lower = 0.0,
               .upper = INFINITY,
               .doc = "Resistant cells at the start (RP-1: 1e3 cells)"},
    CELL_DENSITY_PARAM(TC_CELL_DENSITY),
};

static const ts_state tc_states[TC_N_STATES] = {
    [TC_S] = {.name = "S",
              .unit = "cells",
              .nominal = 1e9,
              .flags = TS_STATE_NONNEGATIVE,
              .doc = "Drug-sensitive tumor cells; S0 at the start"},
    [TC_R] = {.name = "R",
              .unit = "cells",
              .nominal = 1e3,
              .flags = TS_STATE_NONNEGATIVE,
              .doc = "Drug-resistant tumor cells; R0 at the start"},
};

static const ts_input tc_inputs[TC_N_INPUTS] = {
    [TC_IN_C] = {.name = "C",
                 .unit = "mg/L",
                 .type = TS_REAL,
                 .flags = TS_INPUT_OPTIONAL,
                 .default_value = 0.0,
                 .doc = "Drug concentration for the Emax kill of sensitive cells (e.g. pk.C); 0 if unconnected"},
    KILL_RATE_INPUT(TC_IN_KILL_RATE, "both clones (RP-1: the immune kill n*E)"),
    GROWTH_INHIBITION_INPUT(TC_IN_GROWTH_INHIBITION),
};

static const ts_output tc_outputs[TC_N_OUTPUTS] = {
    SIZE_OUTPUTS(TC_N, TC_VOLUME, TC_DIAMETER),
    [TC_RESISTANT_FRACTION] = {.name = "resistant_fraction",
                               .unit = "1",
                               .type = TS_REAL,
                               .direct_inputs = NULL,
                               .doc = "Fraction of resistant cells, R/N (0 when N = 0)"},
};

static int tc_init(void *instance, const ts_host *host, const double *params, double t0, double *y0) {
  (void)instance, (void)host, (void)t0;
  y0[TC_S] = params[TC_S0];
  y0[TC_R] = params[TC_R0];
  return TS_OK;
}

static int tc_compute_outputs(void *instance, const ts_eval *e) {
  (void)instance;
  const double s = e->states[TC_S], r = e->states[TC_R], n = s + r;
  const double volume = tumor_volume(n, e->params[TC_CELL_DENSITY]);
  e->outputs[TC_N] = n;
  /* Usually only N is wired: the rest (two divisions and a cbrt) only when the host reads them. */
  if (ts_output_wanted(e, TC_VOLUME))
    e->outputs[TC_VOLUME] = volume;
  if (ts_output_wanted(e, TC_DIAMETER))
    e->outputs[TC_DIAMETER] = tumor_diameter(volume);
  if (ts_output_wanted(e, TC_RESISTANT_FRACTION))
    e->outputs[TC_RESISTANT_FRACTION] = n != 0.0 ? r / n : 0.0;
  return TS_OK;
}

static int tc_compute_derivatives(void *instance, const ts_eval *e) {
  (void)instance;
  const double *p = e->params;
  const double s = e->states[TC_S], r = e->states[TC_R], n = s + r;
  /* ln(K/N) needs N > 0; the exact solution keeps N > 0, so N <= 0 is a solver's trial step. */
  if (!(n > 0.0) || !isfinite(n))
    return TS_RECOVERABLE;
  const double g = p[TC_ALPHA] * log(p[TC_K] / n) * (1.0 - e->inputs[TC_IN_GROWTH_INHIBITION]);
  double kill, dkill_dc;
  emax(p[TC_EMAX], p[TC_EC50], e->inputs[TC_IN_C], &kill, &dkill_dc);
  const double other = e->inputs[TC_IN_KILL_RATE];
  const double mutation = p[TC_MU] * s;
  e->derivatives[TC_S] = (g - kill - other) * s - mutation;
  e->derivatives[TC_R] = (g - other) * r + mutation;
  return TS_OK;
}

/* Blocks, column-major: d_deriv_d_states 2 x 2, d_deriv_d_inputs 2 x 3, d_out_d_states 4 x 2; no output reads an
 * input. With keep = 1 - growth_inhibition, dG/dS = dG/dR = -alpha*keep/N. */
static int tc_jacobian(void *instance, const ts_eval *e, double *d_deriv_d_states, double *d_deriv_d_inputs,
                       double *d_out_d_states, double *d_out_d_inputs) {
  (void)instance, (void)d_out_d_inputs;
  const double *p = e->params;
  const double s = e->states[TC_S], r = e->states[TC_R], n = s + r;
  if (!(n > 0.0) || !isfinite(n))
    return TS_RECOVERABLE;
  const double keep = 1.0 - e->inputs[TC_IN_GROWTH_INHIBITION];
  const double l = log(p[TC_K] / n);
  const double g = p[TC_ALPHA] * l * keep, dg = -p[TC_ALPHA] * keep / n;
  double kill, dkill_dc;
  emax(p[TC_EMAX], p[TC_EC50], e->inputs[TC_IN_C], &kill, &dkill_dc);
  const double other = e->inputs[TC_IN_KILL_RATE], mu = p[TC_MU];

  double *J = d_deriv_d_states;
  J[TC_S + TC_S * TC_N_STATES] = g + dg * s - kill - other - mu;
  J[TC_R + TC_S * TC_N_STATES] = dg * r + mu;
  J[TC_S + TC_R * TC_N_STATES] = dg * s;
  J[TC_R + TC_R * TC_N_STATES] = g + dg * r - other;

  double *U = d_deriv_d_inputs;
  U[TC_S + TC_IN_C * TC_N_STATES] = -dkill_dc * s;
  U[TC_S + TC_IN_KILL_RATE * TC_N_STATES] = -s;
  U[TC_R + TC_IN_KILL_RATE * TC_N_STATES] = -r;
  U[TC_S + TC_IN_GROWTH_INHIBITION * TC_N_STATES] = -p[TC_ALPHA] * l * s;
  U[TC_R + TC_IN_GROWTH_INHIBITION * TC_N_STATES] = -p[TC_ALPHA] * l * r;

  double *O = d_out_d_states;
  tumor_size_jacobian(O, TC_N_OUTPUTS, TC_N_STATES, TC_N, TC_VOLUME, TC_DIAMETER, n, p[TC_CELL_DENSITY]);
  O[TC_RESISTANT_FRACTION + TC_S * TC_N_OUTPUTS] = -r / (n * n);
  O[TC_RESISTANT_FRACTION + TC_R * TC_N_OUTPUTS] = s / (n * n);
  return TS_OK;
}

const ts_model tumor_gompertz_two_clone = {
    TS_MODEL_HEADER,
    .name = "gompertz_two_clone",
    .version = "1.0.0",
    .doc = "RP-1 tumor: Gompertz sensitive and resistant clones sharing K, Emax drug kill of S, mutation S -> R",
    .params = tc_params,
    .n_params = TC_N_PARAMS,
    .states = tc_states,
    .n_states = TC_N_STATES,
    .inputs = tc_inputs,
    .n_inputs = TC_N_INPUTS,
    .outputs = tc_outputs,
    .n_outputs = TC_N_OUTPUTS,
    .dose_targets = NULL,
    .n_dose_targets = 0,
    .flags = 0,
    .create = NULL,
    .destroy = NULL,
    .init = tc_init,
    .compute_outputs = tc_compute_outputs,
    .compute_derivatives = tc_compute_derivatives,
    .jacobian = tc_jacobian,
    .step = NULL,
    .bolus = NULL,
};

/* ---- clones_lv ------------------------------------------------------------------------------------------------ */

#define LV_CLONES 3

enum {
  LV_R1,
  LV_R2,
  LV_R3,
  LV_K1,
  LV_K2,
  LV_K3,
  LV_A12,
  LV_A13,
  LV_A21,
  LV_A23,
  LV_A31,
  LV_A32,
  LV_EMAX1,
  LV_EMAX2,
  LV_EMAX3,
  LV_EC50_1,
  LV_EC50_2,
  LV_EC50_3,
  LV_X1_0,
  LV_X2_0,
  LV_X3_0,
  LV_SIGMA,
  LV_DELTA,
  LV_CELL_DENSITY,
  LV_N_PARAMS
};
enum { LV_X1, LV_X2, LV_X3, LV_PSA, LV_N_STATES };
enum { LV_IN_C, LV_IN_KILL_RATE, LV_IN_GROWTH_INHIBITION, LV_N_INPUTS };
enum { LV_N, LV_VOLUME, LV_DIAMETER, LV_N_OUTPUTS };

#define LV_RATE(index, i, value, what)                                                                                 \
  [index] = {.name = "r" #i,                                                                                           \
             .unit = "1/d",                                                                                            \
             .default_value = value,                                                                                   \
             .lower = 0.0,                                                                                             \
             .upper = INFINITY,                                                                                        \
             .doc = "Intrinsic growth rate of clone " #i " " what}
#define LV_CAPACITY(index, i)                                                                                          \
  [index] = {.name = "K" #i,                                                                                           \
             .unit = "cells",                                                                                          \
             .default_value = 1e12,                                                                                    \
             .lower = 0.0,                                                                                             \
             .upper = INFINITY,                                                                                        \
             .flags = TS_PARAM_LOWER_OPEN,                                                                             \
             .doc = "Carrying capacity of clone " #i " alone, > 0 (1e12 cells as in RP-1)"}
#define LV_COMPETITION(index, i, j)                                                                                    \
  [index] = {.name = "a" #i #j,                                                                                        \
             .unit = "1",                                                                                              \
             .default_value = 1.0,                                                                                     \
             .lower = 0.0,                                                                                             \
             .upper = INFINITY,                                                                                        \
             .doc = "Competitive effect of one clone-" #j " cell on clone " #i ", in clone-" #i " cells (1: the "      \
                    "clones share one capacity; Zhang et al. 2017's alpha_" #i #j ")"}
#define LV_EMAX(index, i, value, what)                                                                                 \
  [index] = {.name = "Emax" #i,                                                                                        \
             .unit = "1/d",                                                                                            \
             .default_value = value,                                                                                   \
             .lower = 0.0,                                                                                             \
             .upper = INFINITY,                                                                                        \
             .doc = "Maximal kill rate of the drug on clone " #i " " what}
#define LV_EC50(index, i)                                                                                              \
  [index] = {.name = "EC50_" #i,                                                                                       \
             .unit = "mg/L",                                                                                           \
             .default_value = 0.5,                                                                                     \
             .lower = 0.0,                                                                                             \
             .upper = INFINITY,                                                                                        \
             .flags = TS_PARAM_LOWER_OPEN,                                                                             \
             .doc = "Concentration giving half the maximal kill of clone " #i ", > 0 (RP-1's EC50, 0.5 mg/L)"}
#define LV_INITIAL(index, i, value, what)                                                                              \
  [index] = {.name = "x" #i "_0",                                                                                      \
             .unit = "cells",                                                                                          \
             .default_value = value,                                                                                   \
             .lower = 0.0,                                                                                             \
             .upper = INFINITY,                                                                                        \
             .doc = "Cells of clone " #i " at the start " what}

static const ts_param lv_params[LV_N_PARAMS] = {
    LV_RATE(LV_R1, 1, 0.01, "(illustrative: doubling time 69 d while small)"),
    LV_RATE(LV_R2, 2, 0.008, "(illustrative: a 20% cost of resistance)"),
    LV_RATE(LV_R3, 3, 0.008, "(illustrative, as clone 2)"),
    LV_CAPACITY(LV_K1, 1),
    LV_CAPACITY(LV_K2, 2),
    LV_CAPACITY(LV_K3, 3),
    LV_COMPETITION(LV_A12, 1, 2),
    LV_COMPETITION(LV_A13, 1, 3),
    LV_COMPETITION(LV_A21, 2, 1),
    LV_COMPETITION(LV_A23, 2, 3),
    LV_COMPETITION(LV_A31, 3, 1),
    LV_COMPETITION(LV_A32, 3, 2),
    LV_EMAX(LV_EMAX1, 1, 0.8, "(sensitive; RP-1's Emax, 0.8 /d)"),
    LV_EMAX(LV_EMAX2, 2, 0.0, "(resistant: 0)"),
    LV_EMAX(LV_EMAX3, 3, 0.0, "(resistant: 0)"),
    LV_EC50(LV_EC50_1, 1),
    LV_EC50(LV_EC50_2, 2),
    LV_EC50(LV_EC50_3, 3),
    LV_INITIAL(LV_X1_0, 1, 1e9, "(RP-1's S0, 1e9 cells)"),
    LV_INITIAL(LV_X2_0, 2, 1e3, "(RP-1's R0, 1e3 cells)"),
    LV_INITIAL(LV_X3_0, 3, 0.0, "(0: absent, which makes a two-clone model)"),
    [LV_SIGMA] = {.name = "sigma",
                  .unit = "ng/(mL*d*cells)",
                  .default_value = 3e-11,
                  .lower = 0.0,
                  .upper = INFINITY,
                  .doc = "Biomarker secreted per cell and day (illustrative: 10 ng/mL at steady state for 1e11 cells "
                         "with the default delta)"},
    [LV_DELTA] = {.name = "delta",
                  .unit = "1/d",
                  .default_value = 0.3,
                  .lower = 0.0,
                  .upper = INFINITY,
                  .flags = TS_PARAM_LOWER_OPEN,
                  .doc = "Elimination rate constant of the biomarker, > 0 (0.3 /d: a serum half-life of 2.3 d, as "
                         "reported for PSA)"},
    CELL_DENSITY_PARAM(LV_CELL_DENSITY),
};

static const ts_state lv_states[LV_N_STATES] = {
    [LV_X1] = {.name = "x1",
               .unit = "cells",
               .nominal = 1e9,
               .flags = TS_STATE_NONNEGATIVE,
               .doc = "Cells of clone 1; x1_0 at the start"},
    [LV_X2] = {.name = "x2",
               .unit = "cells",
               .nominal = 1e3,
               .flags = TS_STATE_NONNEGATIVE,
               .doc = "Cells of clone 2; x2_0 at the start"},
    [LV_X3] = {.name = "x3",
               .unit = "cells",
               .nominal = 1e3,
               .flags = TS_STATE_NONNEGATIVE,
               .doc = "Cells of clone 3; x3_0 at the start (0: the clone is absent and stays so)"},
    [LV_PSA] = {.name = "PSA",
                .unit = "ng/mL",
                .nominal = 1.0,
                .flags = TS_STATE_NONNEGATIVE,
                .doc = "Serum biomarker (PSA-like); at its steady state sigma*N/delta at the start"},
};

static const ts_input lv_inputs[LV_N_INPUTS] = {
    [LV_IN_C] = {.name = "C",
                 .unit = "mg/L",
                 .type = TS_REAL,
                 .flags = TS_INPUT_OPTIONAL,
                 .default_value = 0.0,
                 .doc = "Drug concentration for each clone's Emax kill (e.g. pk.C); 0 if unconnected"},
    KILL_RATE_INPUT(LV_IN_KILL_RATE, "every clone"),
    GROWTH_INHIBITION_INPUT(LV_IN_GROWTH_INHIBITION),
};

static const ts_output lv_outputs[LV_N_OUTPUTS] = {
    SIZE_OUTPUTS(LV_N, LV_VOLUME, LV_DIAMETER),
};

/* The competition matrix with a_ii = 1, row i = the clone affected. */
static void lv_matrix(const double *p, double a[LV_CLONES][LV_CLONES]) {
  a[0][0] = 1.0, a[0][1] = p[LV_A12], a[0][2] = p[LV_A13];
  a[1][0] = p[LV_A21], a[1][1] = 1.0, a[1][2] = p[LV_A23];
  a[2][0] = p[LV_A31], a[2][1] = p[LV_A32], a[2][2] = 1.0;
}

static int lv_init(void *instance, const ts_host *host, const double *params, double t0, double *y0) {
  (void)instance, (void)t0;
  const double n = params[LV_X1_0] + params[LV_X2_0] + params[LV_X3_0];
  if (!(n > 0.0)) {
    char message[160];
    snprintf(message, sizeof message, "%s: x1_0 + x2_0 + x3_0 = %g cells; at least one clone must start with cells",
             host->instance_name, n);
    host->set_error(host, message);
    return TS_FAILURE;
  }
  y0[LV_X1] = params[LV_X1_0];
  y0[LV_X2] = params[LV_X2_0];
  y0[LV_X3] = params[LV_X3_0];
  y0[LV_PSA] = params[LV_SIGMA] * n / params[LV_DELTA];
  return TS_OK;
}

static int lv_compute_outputs(void *instance, const ts_eval *e) {
  (void)instance;
  const double *x = e->states;
  const double n = x[LV_X1] + x[LV_X2] + x[LV_X3];
  const double volume = tumor_volume(n, e->params[LV_CELL_DENSITY]);
  e->outputs[LV_N] = n;
  e->outputs[LV_VOLUME] = volume;
  if (ts_output_wanted(e, LV_DIAMETER)) /* its cbrt is the dearest part of the outputs */
    e->outputs[LV_DIAMETER] = tumor_diameter(volume);
  return TS_OK;
}

/* Per-capita growth rates G_i = r_i*(1 - sum_j a_ij*x_j/K_i) and drug kills e_i with their derivatives in C. */
static void lv_rates(const double *p, const double *x, double c, double g[LV_CLONES], double kill[LV_CLONES],
                     double dkill_dc[LV_CLONES]) {
  double a[LV_CLONES][LV_CLONES];
  lv_matrix(p, a);
  for (int i = 0; i < LV_CLONES; i++) {
    double load = 0.0;
    for (int j = 0; j < LV_CLONES; j++)
      load += a[i][j] * x[j];
    g[i] = p[LV_R1 + i] * (1.0 - load / p[LV_K1 + i]);
    emax(p[LV_EMAX1 + i], p[LV_EC50_1 + i], c, &kill[i], &dkill_dc[i]);
  }
}

static int lv_compute_derivatives(void *instance, const ts_eval *e) {
  (void)instance;
  const double *p = e->params, *x = e->states;
  double g[LV_CLONES], kill[LV_CLONES], dkill_dc[LV_CLONES];
  lv_rates(p, x, e->inputs[LV_IN_C], g, kill, dkill_dc);
  const double keep = 1.0 - e->inputs[LV_IN_GROWTH_INHIBITION], other = e->inputs[LV_IN_KILL_RATE];
  for (int i = 0; i < LV_CLONES; i++)
    e->derivatives[LV_X1 + i] = (g[i] * keep - kill[i] - other) * x[i];
  e->derivatives[LV_PSA] = p[LV_SIGMA] * e->outputs[LV_N] - p[LV_DELTA] * x[LV_PSA];
  return TS_OK;
}

/* Blocks, column-major: d_deriv_d_states 4 x 4, d_deriv_d_inputs 4 x 3, d_out_d_states 3 x 4. */
static int lv_jacobian(void *instance, const ts_eval *e, double *d_deriv_d_states, double *d_deriv_d_inputs,
                       double *d_out_d_states, double *d_out_d_inputs) {
  (void)instance, (void)d_out_d_inputs;
  const double *p = e->params, *x = e->states;
  const double n = x[LV_X1] + x[LV_X2] + x[LV_X3];
  if (!(n > 0.0) || !isfinite(n)) /* d(diameter)/dN = diameter/(3N) is infinite at N = 0 */
    return TS_RECOVERABLE;
  double a[LV_CLONES][LV_CLONES], g[LV_CLONES], kill[LV_CLONES], dkill_dc[LV_CLONES];
  lv_matrix(p, a);
  lv_rates(p, x, e->inputs[LV_IN_C], g, kill, dkill_dc);
  const double keep = 1.0 - e->inputs[LV_IN_GROWTH_INHIBITION], other = e->inputs[LV_IN_KILL_RATE];

  double *J = d_deriv_d_states, *U = d_deriv_d_inputs;
  for (int i = 0; i < LV_CLONES; i++) {
    /* d(G_i*x_i)/dx_k = delta_ik*G_i - x_i*r_i*a_ik/K_i */
    for (int k = 0; k < LV_CLONES; k++)
      J[i + k * LV_N_STATES] = -keep * x[i] * p[LV_R1 + i] * a[i][k] / p[LV_K1 + i];
    J[i + i * LV_N_STATES] += g[i] * keep - kill[i] - other;
    J[LV_PSA + i * LV_N_STATES] = p[LV_SIGMA];
    U[i + LV_IN_C * LV_N_STATES] = -dkill_dc[i] * x[i];
    U[i + LV_IN_KILL_RATE * LV_N_STATES] = -x[i];
    U[i + LV_IN_GROWTH_INHIBITION * LV_N_STATES] = -g[i] * x[i];
  }
  J[LV_PSA + LV_PSA * LV_N_STATES] = -p[LV_DELTA];

  tumor_size_jacobian(d_out_d_states, LV_N_OUTPUTS, LV_CLONES, LV_N, LV_VOLUME, LV_DIAMETER, n, p[LV_CELL_DENSITY]);
  return TS_OK;
}

const ts_model tumor_clones_lv = {
    TS_MODEL_HEADER,
    .name = "clones_lv",
    .version = "1.0.0",
    .doc = "Up to three clones with Lotka-Volterra competition and their own Emax drug kill, and a PSA-like "
           "serum biomarker",
    .params = lv_params,
    .n_params = LV_N_PARAMS,
    .states = lv_states,
    .n_states = LV_N_STATES,
    .inputs = lv_inputs,
    .n_inputs = LV_N_INPUTS,
    .outputs = lv_outputs,
    .n_outputs = LV_N_OUTPUTS,
    .dose_targets = NULL,
    .n_dose_targets = 0,
    .flags = 0,
    .create = NULL,
    .destroy = NULL,
    .init = lv_init,
    .compute_outputs = lv_compute_outputs,
    .compute_derivatives = lv_compute_derivatives,
    .jacobian = lv_jacobian,
    .step = NULL,
    .bolus = NULL,
};
