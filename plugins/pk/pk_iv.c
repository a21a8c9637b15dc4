/*
 * pk plugin: linear compartmental models with intravenous dosing (bolus and zero-order infusion into the central
 * compartment), parameterised as NONMEM's ADVAN1/ADVAN3/ADVAN11 with TRANS2/TRANS4.
 *
 * Copyright 2026 the twinsim authors. Licensed under the Apache License, Version 2.0.
 *
 * Models (time in d, amounts in mg, volumes in L, clearances in L/d, concentrations in mg/L; equations, sources
 * and closed forms in docs/models/pk.md):
 *   one_compartment    dA/dt  = Rin - (CL/V)*A                                    C = A/V
 *   two_compartment    dA1/dt = Rin - (CL/V1)*A1 - (Q/V1)*A1 + (Q/V2)*A2          C = A1/V1
 *                      dA2/dt =                    (Q/V1)*A1 - (Q/V2)*A2
 *   three_compartment  dA1/dt = Rin - (CL/V1)*A1 - flux2 - flux3                  C = A1/V1
 *                      dA2/dt = flux2,  flux2 = (Q2/V1)*A1 - (Q2/V2)*A2
 *                      dA3/dt = flux3,  flux3 = (Q3/V1)*A1 - (Q3/V3)*A3
 * (two_compartment is the PK part of the RP-1 reference trial; three_compartment's defaults are docetaxel's, after
 * Bruno et al. 1996.) Rin is the host's current infusion rate into the "central" dose target
 * (ts_eval.dose_rates[0]). A bolus is added to the central amount by the host, so no bolus() callback is needed.
 *
 * The models keep no per-instance data: create/destroy are NULL and the instance pointer is always NULL.
 * Parameters are checked by the host against the bounds below before init() (finite, and volumes > 0 through
 * TS_PARAM_LOWER_OPEN).
 */
#include "pk_models.h"

/* ---- one_compartment ---------------------------------------------------------------------------------- */

enum { OC_CL, OC_V, OC_N_PARAMS };
enum { OC_A, OC_N_STATES };
enum { OC_C, OC_N_OUTPUTS };

static const ts_param oc_params[OC_N_PARAMS] = {PK_ONE_COMPARTMENT_PARAMS};

static const ts_state oc_states[OC_N_STATES] = {PK_ONE_COMPARTMENT_STATES(OC_A)};

static const ts_output oc_outputs[OC_N_OUTPUTS] = {
    PK_CONCENTRATION_OUTPUT("A", "V"),
};

static const ts_dose_target oc_dose_targets[] = {
    PK_IV_DOSE_TARGET("A"),
};

static int oc_init(void *instance, const ts_host *host, const double *params, double t0, double *y0) {
  (void)instance, (void)host, (void)params, (void)t0;
  y0[OC_A] = 0.0;
  return TS_OK;
}

static int oc_compute_outputs(void *instance, const ts_eval *e) {
  (void)instance;
  e->outputs[OC_C] = e->states[OC_A] / e->params[OC_V];
  return TS_OK;
}

static int oc_compute_derivatives(void *instance, const ts_eval *e) {
  (void)instance;
  pk_disposition(0, e->params, e->states, e->derivatives);
  e->derivatives[OC_A] += e->dose_rates[0];
  return TS_OK;
}

/* No inputs, so only d_deriv_d_states (1 x 1) and d_out_d_states (1 x 1) are present. */
static int oc_jacobian(void *instance, const ts_eval *e, double *d_deriv_d_states, double *d_deriv_d_inputs,
                       double *d_out_d_states, double *d_out_d_inputs) {
  (void)instance;
  (void)d_deriv_d_inputs;
  (void)d_out_d_inputs;
  pk_disposition_jacobian(0, e->params, d_deriv_d_states, OC_N_STATES, OC_A);
  d_out_d_states[0] = 1.0 / e->params[OC_V];
  return TS_OK;
}

const ts_model pk_one_compartment = {
    TS_MODEL_HEADER,
    .name = "one_compartment",
    .version = "1.0.0",
    .doc = "One-compartment linear PK with IV bolus and infusion: dA/dt = Rin - CL/V*A, C = A/V",
    .params = oc_params,
    .n_params = OC_N_PARAMS,
    .states = oc_states,
    .n_states = OC_N_STATES,
    .inputs = NULL,
    .n_inputs = 0,
    .outputs = oc_outputs,
    .n_outputs = OC_N_OUTPUTS,
    .dose_targets = oc_dose_targets,
    .n_dose_targets = (uint32_t)(sizeof oc_dose_targets / sizeof oc_dose_targets[0]),
    .flags = 0,
    .create = NULL,
    .destroy = NULL,
    .init = oc_init,
    .compute_outputs = oc_compute_outputs,
    .compute_derivatives = oc_compute_derivatives,
    .jacobian = oc_jacobian,
    .step = NULL,
    .bolus = NULL,
};

/* ---- two_compartment ---------------------------------------------------------------------------------- */

enum { TC_CL, TC_V1, TC_Q, TC_V2, TC_N_PARAMS };
enum { TC_A1, TC_A2, TC_N_STATES };
enum { TC_C, TC_N_OUTPUTS };

static const ts_param tc_params[TC_N_PARAMS] = {PK_TWO_COMPARTMENT_PARAMS};

static const ts_state tc_states[TC_N_STATES] = {PK_TWO_COMPARTMENT_STATES(TC_A1)};

static const ts_output tc_outputs[TC_N_OUTPUTS] = {
    PK_CONCENTRATION_OUTPUT("A1", "V1"),
};

static const ts_dose_target tc_dose_targets[] = {
    PK_IV_DOSE_TARGET("A1"),
};

static int tc_init(void *instance, const ts_host *host, const double *params, double t0, double *y0) {
  (void)instance, (void)host, (void)params, (void)t0;
  y0[TC_A1] = 0.0;
  y0[TC_A2] = 0.0;
  return TS_OK;
}

static int tc_compute_outputs(void *instance, const ts_eval *e) {
  (void)instance;
  e->outputs[TC_C] = e->states[TC_A1] / e->params[TC_V1];
  return TS_OK;
}

static int tc_compute_derivatives(void *instance, const ts_eval *e) {
  (void)instance;
  pk_disposition(1, e->params, e->states, e->derivatives);
  e->derivatives[TC_A1] += e->dose_rates[0];
  return TS_OK;
}

/* No inputs: d_deriv_d_states is 2 x 2 and d_out_d_states 1 x 2, column-major (entry (i, j) at [i + j*rows]). */
static int tc_jacobian(void *instance, const ts_eval *e, double *d_deriv_d_states, double *d_deriv_d_inputs,
                       double *d_out_d_states, double *d_out_d_inputs) {
  (void)instance;
  (void)d_deriv_d_inputs;
  (void)d_out_d_inputs;
  pk_disposition_jacobian(1, e->params, d_deriv_d_states, TC_N_STATES, TC_A1);
  d_out_d_states[TC_C + TC_A1 * TC_N_OUTPUTS] = 1.0 / e->params[TC_V1];
  d_out_d_states[TC_C + TC_A2 * TC_N_OUTPUTS] = 0.0;
  return TS_OK;
}

const ts_model pk_two_compartment = {
    TS_MODEL_HEADER,
    .name = "two_compartment",
    .version = "1.0.0",
    .doc = "Two-compartment linear PK with IV bolus and infusion (CL, V1, Q, V2), C = A1/V1",
    .params = tc_params,
    .n_params = TC_N_PARAMS,
    .states = tc_states,
    .n_states = TC_N_STATES,
    .inputs = NULL,
    .n_inputs = 0,
    .outputs = tc_outputs,
    .n_outputs = TC_N_OUTPUTS,
    .dose_targets = tc_dose_targets,
    .n_dose_targets = (uint32_t)(sizeof tc_dose_targets / sizeof tc_dose_targets[0]),
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

/* ---- three_compartment ---------------------------------------------------------------------------------- */

/* Defaults: docetaxel's (Bruno et al. 1996), see PK_THREE_COMPARTMENT_PARAMS in pk_models.h. */
enum { THC_CL, THC_V1, THC_Q2, THC_V2, THC_Q3, THC_V3, THC_N_PARAMS };
enum { THC_A1, THC_A2, THC_A3, THC_N_STATES };
enum { THC_C, THC_N_OUTPUTS };

static const ts_param thc_params[THC_N_PARAMS] = {PK_THREE_COMPARTMENT_PARAMS};

static const ts_state thc_states[THC_N_STATES] = {PK_THREE_COMPARTMENT_STATES(THC_A1)};

static const ts_output thc_outputs[THC_N_OUTPUTS] = {
    PK_CONCENTRATION_OUTPUT("A1", "V1"),
};

static const ts_dose_target thc_dose_targets[] = {
    PK_IV_DOSE_TARGET("A1"),
};

static int thc_init(void *instance, const ts_host *host, const double *params, double t0, double *y0) {
  (void)instance, (void)host, (void)params, (void)t0;
  for (int i = 0; i < THC_N_STATES; i++)
    y0[i] = 0.0;
  return TS_OK;
}

static int thc_compute_outputs(void *instance, const ts_eval *e) {
  (void)instance;
  e->outputs[THC_C] = e->states[THC_A1] / e->params[THC_V1];
  return TS_OK;
}

static int thc_compute_derivatives(void *instance, const ts_eval *e) {
  (void)instance;
  pk_disposition(2, e->params, e->states, e->derivatives);
  e->derivatives[THC_A1] += e->dose_rates[0];
  return TS_OK;
}

/* No inputs: d_deriv_d_states is 3 x 3 and d_out_d_states 1 x 3, column-major. */
static int thc_jacobian(void *instance, const ts_eval *e, double *d_deriv_d_states, double *d_deriv_d_inputs,
                        double *d_out_d_states, double *d_out_d_inputs) {
  (void)instance;
  (void)d_deriv_d_inputs;
  (void)d_out_d_inputs;
  pk_disposition_jacobian(2, e->params, d_deriv_d_states, THC_N_STATES, THC_A1);
  d_out_d_states[THC_C + THC_A1 * THC_N_OUTPUTS] = 1.0 / e->params[THC_V1];
  return TS_OK;
}

const ts_model pk_three_compartment = {
    TS_MODEL_HEADER,
    .name = "three_compartment",
    .version = "1.0.0",
    .doc = "Three-compartment linear PK with IV bolus and infusion (CL, V1, Q2, V2, Q3, V3), C = A1/V1",
    .params = thc_params,
    .n_params = THC_N_PARAMS,
    .states = thc_states,
    .n_states = THC_N_STATES,
    .inputs = NULL,
    .n_inputs = 0,
    .outputs = thc_outputs,
    .n_outputs = THC_N_OUTPUTS,
    .dose_targets = thc_dose_targets,
    .n_dose_targets = (uint32_t)(sizeof thc_dose_targets / sizeof thc_dose_targets[0]),
    .flags = 0,
    .create = NULL,
    .destroy = NULL,
    .init = thc_init,
    .compute_outputs = thc_compute_outputs,
    .compute_derivatives = thc_compute_derivatives,
    .jacobian = thc_jacobian,
    .step = NULL,
    .bolus = NULL,
};
