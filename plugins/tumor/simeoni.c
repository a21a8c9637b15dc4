/*
 * tumor plugin: the tumor growth inhibition model of Simeoni et al. 2004 (Cancer Res 64:1094), in cells.
 *
 * Copyright 2026 the twinsim authors. Licensed under the Apache License, Version 2.0.
 *
 * Proliferating cells x1 grow exponentially, then linearly; a drug (concentration C) and any kill_rate wired to the
 * model damage them: damaged cells stop dividing and pass through three transit compartments x2..x4 (rate k1) before
 * they die. The tumor is all four (time in d, cells as counts, C in mg/L read as 0 below 0):
 *   w      = x1 + x2 + x3 + x4
 *   f(w)   = lambda0/(1 + (lambda0*w/lambda1)^psi)^(1/psi)                     (tumor_switch() in tumor_common.h)
 *   D      = k2*C + kill_rate                                                  damage rate, 1/d
 *   dx1/dt = f(w)*x1*(1 - growth_inhibition) - D*x1
 *   dx2/dt = D*x1 - k1*x2
 *   dx3/dt = k1*(x2 - x3)
 *   dx4/dt = k1*(x3 - x4)
 *   N = w, volume = w/cell_density, diameter = (6*volume/pi)^(1/3)
 * Simeoni et al. write the model for the tumor weight in g (lambda1 in g/d); here the compartments hold cells, so
 * lambda1 is in cells/d (1 g ~ 1 cm^3 ~ 1e9 cells at the default density). Equations, the tumor growth delay
 * derived from them and sources are in docs/models/tumor.md. The model keeps no per-instance data.
 */
#include "tumor_common.h"

#include <stddef.h>

enum { SM_LAMBDA0, SM_LAMBDA1, SM_K1, SM_K2, SM_PSI, SM_N0, SM_CELL_DENSITY, SM_N_PARAMS };
enum { SM_X1, SM_X2, SM_X3, SM_X4, SM_N_STATES };
enum { SM_IN_C, SM_IN_KILL_RATE, SM_IN_GROWTH_INHIBITION, SM_N_INPUTS };
enum { SM_N, SM_VOLUME, SM_DIAMETER, SM_N_OUTPUTS };

static const ts_param sm_params[SM_N_PARAMS] = {
    [SM_LAMBDA0] = {.name = "lambda0",
                    .unit = "1/d",
                    .default_value = 0.273,
                    .lower = 0.0,
                    .upper = INFINITY,
                    .doc = "Rate constant of exponential growth (Simeoni et al. 2004, Table 2, paclitaxel exp. 1: "
                           "0.273 /d)"},
    [SM_LAMBDA1] = {.name = "lambda1",
                    .unit = "cells/d",
                    .default_value = 8.14e8,
                    .lower = 0.0,
                    .upper = INFINITY,
                    .flags = TS_PARAM_LOWER_OPEN,
                    .doc = "Rate of linear growth, > 0 (Simeoni et al. 2004: 0.814 g/d, i.e. 8.14e8 cells/d at "
                           "1e6 cells/mm^3 and 1 g/cm^3)"},
    [SM_K1] = {.name = "k1",
               .unit = "1/d",
               .default_value = 0.968,
               .lower = 0.0,
               .upper = INFINITY,
               .doc = "Transit rate constant through the damaged compartments; mean time to death 3/k1 (Simeoni "
                      "et al. 2004: 0.968 /d)"},
    [SM_K2] = {.name = "k2",
               .unit = "L/(mg*d)",
               .default_value = 0.629,
               .lower = 0.0,
               .upper = INFINITY,
               .doc = "Drug potency: damage rate per unit concentration (Simeoni et al. 2004: 6.29e-4 /(d*ng/mL) "
                      "= 0.629 L/(mg*d))"},
    [SM_PSI] = {.name = "psi",
                .unit = "1",
                .default_value = 20.0,
                .lower = 1.0,
                .upper = INFINITY,
                .doc = "Sharpness of the switch from exponential to linear growth, >= 1 (Simeoni et al. 2004 fix 20)"},
    [SM_N0] = {.name = "N0",
               .unit = "cells",
               .default_value = 1e8,
               .lower = 0.0,
               .upper = INFINITY,
               .flags = TS_PARAM_LOWER_OPEN,
               .doc = "Proliferating cells at the start, all undamaged, > 0 (1e8 cells = 100 mm^3, a xenograft "
                      "at the start of treatment)"},
    [SM_CELL_DENSITY] = {.name = "cell_density",
                         .unit = "cells/mm^3",
                         .default_value = 1e6,
                         .lower = 0.0,
                         .upper = INFINITY,
                         .flags = TS_PARAM_LOWER_OPEN,
                         .doc = "Tumor cells per unit volume, to turn w into a volume, > 0 (rule of thumb 1e6; "
                                "Del Monte 2009, Cell Cycle 8:505)"},
};

static const ts_state sm_states[SM_N_STATES] = {
    [SM_X1] = {.name = "x1",
               .unit = "cells",
               .nominal = 1e8,
               .flags = TS_STATE_NONNEGATIVE,
               .doc = "Proliferating tumor cells; N0 at the start"},
    [SM_X2] = {.name = "x2",
               .unit = "cells",
               .nominal = 1e8,
               .flags = TS_STATE_NONNEGATIVE,
               .doc = "Damaged, non-proliferating cells, first transit compartment; 0 at the start"},
    [SM_X3] = {.name = "x3",
               .unit = "cells",
               .nominal = 1e8,
               .flags = TS_STATE_NONNEGATIVE,
               .doc = "Damaged cells, second transit compartment; 0 at the start"},
    [SM_X4] = {.name = "x4",
               .unit = "cells",
               .nominal = 1e8,
               .flags = TS_STATE_NONNEGATIVE,
               .doc = "Damaged cells, third transit compartment (they die at rate k1); 0 at the start"},
};

static const ts_input sm_inputs[SM_N_INPUTS] = {
    [SM_IN_C] = {.name = "C",
                 .unit = "mg/L",
                 .type = TS_REAL,
                 .flags = TS_INPUT_OPTIONAL,
                 .default_value = 0.0,
                 .doc = "Drug concentration damaging proliferating cells at rate k2*C (e.g. pk.C); 0 if unconnected"},
    [SM_IN_KILL_RATE] = {.name = "kill_rate",
                         .unit = "1/d",
                         .type = TS_REAL,
                         .flags = TS_INPUT_SUM,
                         .default_value = 0.0,
                         .doc = "Sum of further per-cell damage rates of proliferating cells (other drugs, as k2*C "
                                "of each); added to k2*C; 0 if unconnected"},
    [SM_IN_GROWTH_INHIBITION] = {.name = "growth_inhibition",
                                 .unit = "1",
                                 .type = TS_REAL,
                                 .flags = TS_INPUT_SUM,
                                 .default_value = 0.0,
                                 .doc = "Sum of fractions by which growth is inhibited: the growth term is multiplied "
                                        "by (1 - growth_inhibition); 0 if unconnected"},
};

static const ts_output sm_outputs[SM_N_OUTPUTS] = {
    [SM_N] = {.name = "N",
              .unit = "cells",
              .type = TS_REAL,
              .direct_inputs = NULL,
              .doc = "All tumor cells, proliferating and damaged: w = x1 + x2 + x3 + x4"},
    [SM_VOLUME] = {.name = "volume",
                   .unit = "mm^3",
                   .type = TS_REAL,
                   .direct_inputs = NULL,
                   .doc = "Tumor volume, w/cell_density"},
    [SM_DIAMETER] = {.name = "diameter",
                     .unit = "mm",
                     .type = TS_REAL,
                     .direct_inputs = NULL,
                     .doc = "Diameter of a sphere of the tumor's volume, (6*volume/pi)^(1/3) (for RECIST)"},
};

static double total(const double *x) {
  return x[SM_X1] + x[SM_X2] + x[SM_X3] + x[SM_X4];
}

/* The damage rate k2*C + kill_rate, 1/d; a concentration below 0 (solver noise) is read as 0. */
static double damage_rate(const double *p, const double *in) {
  const double c = in[SM_IN_C] < 0.0 ? 0.0 : in[SM_IN_C];
  return p[SM_K2] * c + in[SM_IN_KILL_RATE];
}

static int sm_init(void *instance, const ts_host *host, const double *params, double t0, double *y0) {
  (void)instance, (void)host, (void)t0;
  y0[SM_X1] = params[SM_N0];
  y0[SM_X2] = y0[SM_X3] = y0[SM_X4] = 0.0;
  return TS_OK;
}

static int sm_compute_outputs(void *instance, const ts_eval *e) {
  (void)instance;
  const double w = total(e->states);
  const double volume = tumor_volume(w, e->params[SM_CELL_DENSITY]);
  e->outputs[SM_N] = w;
  e->outputs[SM_VOLUME] = volume;
  if (ts_output_wanted(e, SM_DIAMETER)) /* its cbrt is the dearest part of the outputs */
    e->outputs[SM_DIAMETER] = tumor_diameter(volume);
  return TS_OK;
}

static int sm_compute_derivatives(void *instance, const ts_eval *e) {
  (void)instance;
  const double *p = e->params, *x = e->states;
  const double w = e->outputs[SM_N];
  /* f(w) needs w >= 0 (a power of w); the exact solution stays positive, so w < 0 is a solver's trial step. */
  if (!(w >= 0.0) || !isfinite(w))
    return TS_RECOVERABLE;
  double f, df;
  tumor_switch(p[SM_LAMBDA0], p[SM_LAMBDA1], p[SM_PSI], w, &f, &df);
  const double damage = damage_rate(p, e->inputs) * x[SM_X1];
  const double k1 = p[SM_K1];
  e->derivatives[SM_X1] = f * x[SM_X1] * (1.0 - e->inputs[SM_IN_GROWTH_INHIBITION]) - damage;
  e->derivatives[SM_X2] = damage - k1 * x[SM_X2];
  e->derivatives[SM_X3] = k1 * (x[SM_X2] - x[SM_X3]);
  e->derivatives[SM_X4] = k1 * (x[SM_X3] - x[SM_X4]);
  return TS_OK;
}

/* Blocks, column-major (entry (i, j) at [i + j*rows]): d_deriv_d_states 4 x 4, d_deriv_d_inputs 4 x 3,
 * d_out_d_states 3 x 4; no output reads an input. */
static int sm_jacobian(void *instance, const ts_eval *e, double *d_deriv_d_states, double *d_deriv_d_inputs,
                       double *d_out_d_states, double *d_out_d_inputs) {
  (void)instance, (void)d_out_d_inputs;
  const double *p = e->params, *x = e->states;
  const double w = total(x);
  /* As compute_derivatives(), and w = 0 too: d(diameter)/dw = diameter/(3w) is infinite there. */
  if (!(w > 0.0) || !isfinite(w))
    return TS_RECOVERABLE;
  double f, df;
  tumor_switch(p[SM_LAMBDA0], p[SM_LAMBDA1], p[SM_PSI], w, &f, &df);
  const double keep = 1.0 - e->inputs[SM_IN_GROWTH_INHIBITION];
  const double d = damage_rate(p, e->inputs);
  const double k1 = p[SM_K1];
  double *J = d_deriv_d_states;
#define AT(i, j) J[(i) + (j)*SM_N_STATES]
  /* d(f(w)*x1)/dx1 = f + f'*x1; d(f(w)*x1)/dxj = f'*x1 for the damaged compartments (they count in w) */
  AT(SM_X1, SM_X1) = (f + df * x[SM_X1]) * keep - d;
  for (int j = SM_X2; j <= SM_X4; j++)
    AT(SM_X1, j) = df * x[SM_X1] * keep;
  AT(SM_X2, SM_X1) = d;
  AT(SM_X2, SM_X2) = -k1;
  AT(SM_X3, SM_X2) = k1;
  AT(SM_X3, SM_X3) = -k1;
  AT(SM_X4, SM_X3) = k1;
  AT(SM_X4, SM_X4) = -k1;
#undef AT

  double *U = d_deriv_d_inputs;
  const double dd_dc = e->inputs[SM_IN_C] < 0.0 ? 0.0 : p[SM_K2]; /* right-hand derivative at C = 0 */
  U[SM_X1 + SM_IN_C * SM_N_STATES] = -dd_dc * x[SM_X1];
  U[SM_X2 + SM_IN_C * SM_N_STATES] = dd_dc * x[SM_X1];
  U[SM_X1 + SM_IN_KILL_RATE * SM_N_STATES] = -x[SM_X1];
  U[SM_X2 + SM_IN_KILL_RATE * SM_N_STATES] = x[SM_X1];
  U[SM_X1 + SM_IN_GROWTH_INHIBITION * SM_N_STATES] = -f * x[SM_X1];

  tumor_size_jacobian(d_out_d_states, SM_N_OUTPUTS, SM_N_STATES, SM_N, SM_VOLUME, SM_DIAMETER, w, p[SM_CELL_DENSITY]);
  return TS_OK;
}

const ts_model tumor_simeoni = {
    TS_MODEL_HEADER,
    .name = "simeoni",
    .version = "1.0.0",
    .doc = "Simeoni 2004 tumor growth inhibition: exponential-linear growth, drug damage k2*C, three transit "
           "compartments of dying cells",
    .params = sm_params,
    .n_params = SM_N_PARAMS,
    .states = sm_states,
    .n_states = SM_N_STATES,
    .inputs = sm_inputs,
    .n_inputs = SM_N_INPUTS,
    .outputs = sm_outputs,
    .n_outputs = SM_N_OUTPUTS,
    .dose_targets = NULL,
    .n_dose_targets = 0,
    .flags = 0,
    .create = NULL,
    .destroy = NULL,
    .init = sm_init,
    .compute_outputs = sm_compute_outputs,
    .compute_derivatives = sm_compute_derivatives,
    .jacobian = sm_jacobian,
    .step = NULL,
    .bolus = NULL,
};
