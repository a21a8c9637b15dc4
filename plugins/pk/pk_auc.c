/*
 * pk plugin: auc, the cumulative area under a concentration-time curve.
 *
 * Copyright 2026 the twinsim authors. Licensed under the Apache License, Version 2.0.
 *
 *   dAUC/dt = C        AUC(t0) = 0        AUC in mg*d/L, C (input) in mg/L
 *
 * Any concentration can be wired to the input C (e.g. `C: pk.C`; the host converts from the source's unit), so
 * cumulative exposure is opt-in: a scenario that does not ask for it keeps its states unchanged (RP-1's ten).
 * The AUC over an interval is the difference of two samples; the host records a sample at a dose time before the
 * dose. No parameters, no per-instance data.
 */
#include "pk_models.h"

#include <stddef.h>

enum { AUC_AUC, AUC_N_STATES };
enum { AUC_IN_C, AUC_N_INPUTS };

static const ts_state auc_states[AUC_N_STATES] = {
    [AUC_AUC] = {.name = "AUC",
                 .unit = "mg*d/L",
                 .nominal = 1.0,
                 .flags = TS_STATE_NONNEGATIVE,
                 .doc = "Area under the input concentration since the start of the patient; 0 at the start"},
};

static const ts_input auc_inputs[AUC_N_INPUTS] = {
    [AUC_IN_C] = {.name = "C",
                  .unit = "mg/L",
                  .type = TS_REAL,
                  .flags = 0,
                  .default_value = 0.0,
                  .doc = "The concentration to integrate, e.g. pk.C (required)"},
};

static int auc_init(void *instance, const ts_host *host, const double *params, double t0, double *y0) {
  (void)instance, (void)host, (void)params, (void)t0;
  y0[AUC_AUC] = 0.0;
  return TS_OK;
}

static int auc_compute_derivatives(void *instance, const ts_eval *e) {
  (void)instance;
  e->derivatives[AUC_AUC] = e->inputs[AUC_IN_C];
  return TS_OK;
}

/* d_deriv_d_states (1 x 1) is 0 and stays as the host zeroed it; d_deriv_d_inputs (1 x 1) is 1. No outputs, so
 * the two output blocks are NULL. */
static int auc_jacobian(void *instance, const ts_eval *e, double *d_deriv_d_states, double *d_deriv_d_inputs,
                        double *d_out_d_states, double *d_out_d_inputs) {
  (void)instance, (void)e, (void)d_deriv_d_states, (void)d_out_d_states, (void)d_out_d_inputs;
  d_deriv_d_inputs[AUC_AUC + AUC_IN_C * AUC_N_STATES] = 1.0;
  return TS_OK;
}

const ts_model pk_auc = {
    TS_MODEL_HEADER,
    .name = "auc",
    .version = "1.0.0",
    .doc = "Cumulative area under a concentration wired to input C: dAUC/dt = C, AUC in mg*d/L",
    .params = NULL,
    .n_params = 0,
    .states = auc_states,
    .n_states = AUC_N_STATES,
    .inputs = auc_inputs,
    .n_inputs = AUC_N_INPUTS,
    .outputs = NULL,
    .n_outputs = 0,
    .dose_targets = NULL,
    .n_dose_targets = 0,
    .flags = 0,
    .create = NULL,
    .destroy = NULL,
    .init = auc_init,
    .compute_outputs = NULL,
    .compute_derivatives = auc_compute_derivatives,
    .jacobian = auc_jacobian,
    .step = NULL,
    .bolus = NULL,
};
