/*
 * pk plugin: compartmental models with saturable (Michaelis-Menten) elimination from the central compartment,
 * intravenous bolus and infusion.
 *
 * Copyright 2026 the twinsim authors. Licensed under the Apache License, Version 2.0.
 *
 * Models (time in d, amounts in mg, volumes in L, Vmax in mg/d, Km in mg/L; docs/models/pk.md):
 *   one_compartment_mm  dA/dt  = Rin - E(C)                                      C = A/V
 *   two_compartment_mm  dA1/dt = Rin - E(C) - (Q/V1)*A1 + (Q/V2)*A2              C = A1/V1
 *                       dA2/dt =             (Q/V1)*A1 - (Q/V2)*A2
 * with the elimination rate E(C) = Vmax*C/(Km + C) (mg/d) in place of the linear CL*C: first-order with
 * clearance Vmax/Km well below Km, zero-order at Vmax well above it. The parameters are those of the linear
 * models with CL replaced by Vmax and Km (Vmax, Km, V / Vmax, Km, V1, Q, V2).
 *
 * E is undefined at C = -Km, which only a grossly negative amount could reach: compute_derivatives() and
 * jacobian() then return TS_RECOVERABLE so that the solver retries with a smaller step. No per-instance data.
 */
#include "pk_models.h"

#include <math.h>

/* Michaelis-Menten elimination at central amount a1 (mg) in volume v1 (L): the rate (mg/d) and its derivative
 * with respect to a1 (1/d). Returns TS_RECOVERABLE when Km + C <= 0 or is not a number. */
static int mm_elimination(double vmax, double km, double v1, double a1, double *rate, double *d_rate_d_a1) {
  const double c = a1 / v1;
  const double denominator = km + c;
  if (!(denominator > 0.0))
    return TS_RECOVERABLE;
  *rate = vmax * c / denominator;
  *d_rate_d_a1 = vmax * km / (v1 * denominator * denominator);
  return TS_OK;
}

/* Default values: chosen so that well below Km the models reduce to the linear models' defaults (RP-1's
 * CL = Vmax/Km = 120 L/d with V1 = 10 L): Km = 10 mg/L, Vmax = 1200 mg/d. They are illustrative; a scenario gives
 * the drug's values (scenarios/pk_mm.yaml: phenytoin). */
#define MM_VMAX_PARAM                                                                                                  \
  {                                                                                                                    \
    .name = "Vmax", .unit = "mg/d", .default_value = 1200.0, .lower = 0.0, .upper = INFINITY,                          \
    .doc = "Maximal elimination rate, >= 0 (illustrative default 1200 mg/d: Vmax/Km = RP-1's CL of 120 L/d)"           \
  }
#define MM_KM_PARAM                                                                                                    \
  {                                                                                                                    \
    .name = "Km", .unit = "mg/L", .default_value = 10.0, .lower = 0.0, .flags = TS_PARAM_LOWER_OPEN,                   \
    .upper = INFINITY,                                                                                                 \
    .doc = "Concentration at which elimination runs at half its maximal rate, > 0 (illustrative default 10 mg/L)"      \
  }

/* ---- one_compartment_mm --------------------------------------------------------------------------------------- */

enum { OMM_VMAX, OMM_KM, OMM_V, OMM_N_PARAMS };
enum { OMM_A, OMM_N_STATES };
enum { OMM_C, OMM_N_OUTPUTS };

static const ts_param omm_params[OMM_N_PARAMS] = {
    [OMM_VMAX] = MM_VMAX_PARAM,
    [OMM_KM] = MM_KM_PARAM,
    [OMM_V] = PK_VOLUME("V", 10.0,
                        "Volume of distribution of the central compartment, > 0 (default as one_compartment, 10 L)"),
};

static const ts_state omm_states[OMM_N_STATES] = {PK_ONE_COMPARTMENT_STATES(OMM_A)};

static const ts_output omm_outputs[OMM_N_OUTPUTS] = {
    PK_CONCENTRATION_OUTPUT("A", "V"),
};

static const ts_dose_target omm_dose_targets[] = {
    PK_IV_DOSE_TARGET("A"),
};

static int omm_init(void *instance, const ts_host *host, const double *params, double t0, double *y0) {
  (void)instance, (void)host, (void)params, (void)t0;
  y0[OMM_A] = 0.0;
  return TS_OK;
}

static int omm_compute_outputs(void *instance, const ts_eval *e) {
  (void)instance;
  e->outputs[OMM_C] = e->states[OMM_A] / e->params[OMM_V];
  return TS_OK;
}

static int omm_compute_derivatives(void *instance, const ts_eval *e) {
  (void)instance;
  const double *p = e->params;
  double elimination, unused;
  int rc = mm_elimination(p[OMM_VMAX], p[OMM_KM], p[OMM_V], e->states[OMM_A], &elimination, &unused);
  if (rc != TS_OK)
    return rc;
  e->derivatives[OMM_A] = e->dose_rates[0] - elimination;
  return TS_OK;
}

static int omm_jacobian(void *instance, const ts_eval *e, double *d_deriv_d_states, double *d_deriv_d_inputs,
                        double *d_out_d_states, double *d_out_d_inputs) {
  (void)instance;
  (void)d_deriv_d_inputs;
  (void)d_out_d_inputs;
  const double *p = e->params;
  double elimination, slope;
  int rc = mm_elimination(p[OMM_VMAX], p[OMM_KM], p[OMM_V], e->states[OMM_A], &elimination, &slope);
  if (rc != TS_OK)
    return rc;
  d_deriv_d_states[0] = -slope;
  d_out_d_states[0] = 1.0 / p[OMM_V];
  return TS_OK;
}

const ts_model pk_one_compartment_mm = {
    TS_MODEL_HEADER,
    .name = "one_compartment_mm",
    .version = "1.0.0",
    .doc = "One-compartment PK with Michaelis-Menten elimination: dA/dt = Rin - Vmax*C/(Km + C), C = A/V",
    .params = omm_params,
    .n_params = OMM_N_PARAMS,
    .states = omm_states,
    .n_states = OMM_N_STATES,
    .inputs = NULL,
    .n_inputs = 0,
    .outputs = omm_outputs,
    .n_outputs = OMM_N_OUTPUTS,
    .dose_targets = omm_dose_targets,
    .n_dose_targets = (uint32_t)(sizeof omm_dose_targets / sizeof omm_dose_targets[0]),
    .flags = 0,
    .create = NULL,
    .destroy = NULL,
    .init = omm_init,
    .compute_outputs = omm_compute_outputs,
    .compute_derivatives = omm_compute_derivatives,
    .jacobian = omm_jacobian,
    .step = NULL,
    .bolus = NULL,
};

/* ---- two_compartment_mm --------------------------------------------------------------------------------------- */

enum { TMM_VMAX, TMM_KM, TMM_V1, TMM_Q, TMM_V2, TMM_N_PARAMS };
enum { TMM_A1, TMM_A2, TMM_N_STATES };
enum { TMM_C, TMM_N_OUTPUTS };

static const ts_param tmm_params[TMM_N_PARAMS] = {
    [TMM_VMAX] = MM_VMAX_PARAM,
    [TMM_KM] = MM_KM_PARAM,
    [TMM_V1] = PK_VOLUME("V1", 10.0, "Volume of the central compartment, > 0 (default as two_compartment, 10 L)"),
    [TMM_Q] = PK_CLEARANCE("Q", 48.0,
                           "Inter-compartmental clearance central <-> peripheral (default as two_compartment, 48 L/d)"),
    [TMM_V2] = PK_VOLUME("V2", 20.0, "Volume of the peripheral compartment, > 0 (default as two_compartment, 20 L)"),
};

static const ts_state tmm_states[TMM_N_STATES] = {PK_TWO_COMPARTMENT_STATES(TMM_A1)};

static const ts_output tmm_outputs[TMM_N_OUTPUTS] = {
    PK_CONCENTRATION_OUTPUT("A1", "V1"),
};

static const ts_dose_target tmm_dose_targets[] = {
    PK_IV_DOSE_TARGET("A1"),
};

static int tmm_init(void *instance, const ts_host *host, const double *params, double t0, double *y0) {
  (void)instance, (void)host, (void)params, (void)t0;
  y0[TMM_A1] = 0.0;
  y0[TMM_A2] = 0.0;
  return TS_OK;
}

static int tmm_compute_outputs(void *instance, const ts_eval *e) {
  (void)instance;
  e->outputs[TMM_C] = e->states[TMM_A1] / e->params[TMM_V1];
  return TS_OK;
}

static int tmm_compute_derivatives(void *instance, const ts_eval *e) {
  (void)instance;
  const double *p = e->params;
  const double a1 = e->states[TMM_A1], a2 = e->states[TMM_A2];
  double elimination, unused;
  int rc = mm_elimination(p[TMM_VMAX], p[TMM_KM], p[TMM_V1], a1, &elimination, &unused);
  if (rc != TS_OK)
    return rc;
  /* Net distribution flux central -> peripheral, computed once (mass balance with Vmax = 0). */
  const double flux = (p[TMM_Q] / p[TMM_V1]) * a1 - (p[TMM_Q] / p[TMM_V2]) * a2;
  e->derivatives[TMM_A1] = e->dose_rates[0] - elimination - flux;
  e->derivatives[TMM_A2] = flux;
  return TS_OK;
}

static int tmm_jacobian(void *instance, const ts_eval *e, double *d_deriv_d_states, double *d_deriv_d_inputs,
                        double *d_out_d_states, double *d_out_d_inputs) {
  (void)instance;
  (void)d_deriv_d_inputs;
  (void)d_out_d_inputs;
  const double *p = e->params;
  double elimination, slope;
  int rc = mm_elimination(p[TMM_VMAX], p[TMM_KM], p[TMM_V1], e->states[TMM_A1], &elimination, &slope);
  if (rc != TS_OK)
    return rc;
  const double k12 = p[TMM_Q] / p[TMM_V1], k21 = p[TMM_Q] / p[TMM_V2];
  double *J = d_deriv_d_states;
  J[TMM_A1 + TMM_A1 * TMM_N_STATES] = -slope - k12; /* d(dA1/dt)/dA1 */
  J[TMM_A2 + TMM_A1 * TMM_N_STATES] = k12;          /* d(dA2/dt)/dA1 */
  J[TMM_A1 + TMM_A2 * TMM_N_STATES] = k21;          /* d(dA1/dt)/dA2 */
  J[TMM_A2 + TMM_A2 * TMM_N_STATES] = -k21;         /* d(dA2/dt)/dA2 */
  d_out_d_states[TMM_C + TMM_A1 * TMM_N_OUTPUTS] = 1.0 / p[TMM_V1];
  return TS_OK;
}

const ts_model pk_two_compartment_mm = {
    TS_MODEL_HEADER,
    .name = "two_compartment_mm",
    .version = "1.0.0",
    .doc = "Two-compartment PK with Michaelis-Menten elimination (Vmax, Km, V1, Q, V2), C = A1/V1",
    .params = tmm_params,
    .n_params = TMM_N_PARAMS,
    .states = tmm_states,
    .n_states = TMM_N_STATES,
    .inputs = NULL,
    .n_inputs = 0,
    .outputs = tmm_outputs,
    .n_outputs = TMM_N_OUTPUTS,
    .dose_targets = tmm_dose_targets,
    .n_dose_targets = (uint32_t)(sizeof tmm_dose_targets / sizeof tmm_dose_targets[0]),
    .flags = 0,
    .create = NULL,
    .destroy = NULL,
    .init = tmm_init,
    .compute_outputs = tmm_compute_outputs,
    .compute_derivatives = tmm_compute_derivatives,
    .jacobian = tmm_jacobian,
    .step = NULL,
    .bolus = NULL,
};
