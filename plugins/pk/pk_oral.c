/*
 * pk plugin: linear compartmental models with a first-order absorption depot (oral or other extravascular
 * dosing), parameterised as NONMEM's ADVAN2/ADVAN4/ADVAN12 with TRANS2/TRANS4.
 *
 * Copyright 2026 the twinsim authors. Licensed under the Apache License, Version 2.0.
 *
 * Models (time in d, amounts in mg, volumes in L, clearances in L/d, ka in 1/d; docs/models/pk.md):
 *   one_compartment_oral    depot Ad, central A                 params CL, V, ka, F, tlag
 *   two_compartment_oral    depot Ad, central A1, peripheral A2  params CL, V1, Q, V2, ka, F, tlag
 *   three_compartment_oral  depot Ad, central A1, A2, A3         params CL, V1, Q2, V2, Q3, V3, ka, F, tlag
 * with
 *   dAd/dt = Rin_depot - ka*Ad
 *   dA1/dt = Rin_central + ka*Ad - (CL/V1)*A1 - sum_i flux_i      flux_i = (Q_i/V1)*A1 - (Q_i/V_i)*A_i
 *   dAi/dt = flux_i                                                C = A1/V1
 * Two dose targets: "depot" (Ad; the host multiplies each dose by F and delays it by tlag, as NONMEM's F1 and
 * ALAG1) and "central" (A1; intravenous, no F, no lag). The absorption flux ka*Ad is computed once and used with
 * opposite signs, so that with CL = 0 the amounts, depot included, are conserved up to rounding.
 *
 * One implementation serves the three models: the parameters are laid out as the disposition's (CL, V1, then Q
 * and V of each peripheral compartment; see pk_models.h) followed by ka, F and tlag, and the states as the depot
 * followed by the disposition's amounts. No per-instance data: create/destroy are NULL.
 */
#include "pk_models.h"

#include <math.h>

/* Parameter and state positions for a model with n peripheral compartments. */
#define ORAL_KA(n)          (2 + 2 * (n))
#define ORAL_F(n)           (3 + 2 * (n))
#define ORAL_TLAG(n)        (4 + 2 * (n))
#define ORAL_N_PARAMS(n)    (5 + 2 * (n))
#define ORAL_AD             0 /* depot amount */
#define ORAL_A1             1 /* central amount; peripheral i (0-based) at 2 + i */
#define ORAL_N_STATES(n)    (2 + (n))
#define ORAL_DEPOT_TARGET   0 /* dose target indices, as declared below */
#define ORAL_CENTRAL_TARGET 1

/* ---- Shared callbacks ----------------------------------------------------------------------------------------- */

static int oral_init(int n_periph, double *y0) {
  for (int i = 0; i < ORAL_N_STATES(n_periph); i++)
    y0[i] = 0.0;
  return TS_OK;
}

static int oral_outputs(const ts_eval *e) {
  e->outputs[0] = e->states[ORAL_A1] / e->params[1];
  return TS_OK;
}

static int oral_derivatives(int n_periph, const ts_eval *e) {
  const double *p = e->params, *a = e->states;
  double *da = e->derivatives;
  const double absorption = p[ORAL_KA(n_periph)] * a[ORAL_AD]; /* mg/d, depot -> central */
  pk_disposition(n_periph, p, a + ORAL_A1, da + ORAL_A1);
  da[ORAL_AD] = e->dose_rates[ORAL_DEPOT_TARGET] - absorption;
  da[ORAL_A1] += e->dose_rates[ORAL_CENTRAL_TARGET] + absorption;
  return TS_OK;
}

/* No inputs: d_deriv_d_states is n_states x n_states and d_out_d_states 1 x n_states, column-major. */
static int oral_jacobian(int n_periph, const ts_eval *e, double *d_deriv_d_states, double *d_out_d_states) {
  const int n = ORAL_N_STATES(n_periph);
  const double ka = e->params[ORAL_KA(n_periph)];
  double *J = d_deriv_d_states;
  J[ORAL_AD + ORAL_AD * n] = -ka; /* d(dAd/dt)/dAd */
  J[ORAL_A1 + ORAL_AD * n] = ka;  /* d(dA1/dt)/dAd */
  pk_disposition_jacobian(n_periph, e->params, J, n, ORAL_A1);
  d_out_d_states[ORAL_A1] = 1.0 / e->params[1]; /* dC/dA1; the one output's row has stride 1 */
  return TS_OK;
}

/* ---- Descriptors ---------------------------------------------------------------------------------------------- */

/* Absorption, bioavailability and lag: the same three parameters end every oral model's list. The defaults are
 * illustrative (an absorption half-life of about 42 min, complete bioavailability, no lag); a scenario gives the
 * drug's values. */
#define ORAL_ABSORPTION_PARAMS(n)                                                                                      \
  [ORAL_KA(n)] = {.name = "ka",                                                                                        \
                  .unit = "1/d",                                                                                       \
                  .default_value = 24.0,                                                                               \
                  .lower = 0.0,                                                                                        \
                  .flags = TS_PARAM_LOWER_OPEN,                                                                        \
                  .upper = INFINITY,                                                                                   \
                  .doc = "First-order absorption rate constant from the depot, > 0 (illustrative default 1 /h)"},      \
  [ORAL_F(n)] = {.name = "F",                                                                                          \
                 .unit = "1",                                                                                          \
                 .default_value = 1.0,                                                                                 \
                 .lower = 0.0,                                                                                         \
                 .flags = TS_PARAM_LOWER_OPEN,                                                                         \
                 .upper = 1.0,                                                                                         \
                 .doc =                                                                                                \
                     "Bioavailability of doses into the depot, in (0, 1]; the host multiplies each depot dose by F"},  \
  [ORAL_TLAG(n)] = {.name = "tlag",                                                                                    \
                    .unit = "d",                                                                                       \
                    .default_value = 0.0,                                                                              \
                    .lower = 0.0,                                                                                      \
                    .upper = INFINITY,                                                                                 \
                    .doc = "Absorption lag time, >= 0; the host delays each depot dose by tlag (NONMEM's ALAG1)"}

/* The depot's state and the two dose targets are the same in every oral model but for the central state's name. */
#define ORAL_DEPOT_STATE                                                                                               \
  [ORAL_AD] = {.name = "Ad",                                                                                           \
               .unit = "mg",                                                                                           \
               .nominal = 1.0,                                                                                         \
               .flags = TS_STATE_NONNEGATIVE,                                                                          \
               .doc = "Amount of drug in the absorption depot (e.g. the gut); 0 at the start of every patient"}

#define ORAL_DOSE_TARGETS(central)                                                                                     \
  [ORAL_DEPOT_TARGET] = {.name = "depot",                                                                              \
                         .state = "Ad",                                                                                \
                         .unit = "mg",                                                                                 \
                         .routes = TS_ROUTE_BOLUS | TS_ROUTE_INFUSION,                                                 \
                         .bioavailability = "F",                                                                       \
                         .lag_time = "tlag",                                                                           \
                         .doc = "Oral (extravascular) dose into the depot, times F, delayed by tlag; an infusion is "  \
                                "a zero-order input into the depot"},                                                  \
  [ORAL_CENTRAL_TARGET] = {.name = "central",                                                                          \
                           .state = central,                                                                           \
                           .unit = "mg",                                                                               \
                           .routes = TS_ROUTE_BOLUS | TS_ROUTE_INFUSION,                                               \
                           .bioavailability = NULL,                                                                    \
                           .lag_time = NULL,                                                                           \
                           .doc = "Intravenous dose into the central compartment (no F, no lag)"}

/* The single output, C = central amount / central volume. */
/* ---- one_compartment_oral ------------------------------------------------------------------------------------ */

static const ts_param oc_oral_params[ORAL_N_PARAMS(0)] = {
    [0] = {.name = "CL",
           .unit = "L/d",
           .default_value = 120.0,
           .lower = 0.0,
           .upper = INFINITY,
           .doc = "Clearance from the central compartment (default as one_compartment, RP-1's 120 L/d)"},
    [1] = {.name = "V",
           .unit = "L",
           .default_value = 10.0,
           .lower = 0.0,
           .flags = TS_PARAM_LOWER_OPEN,
           .upper = INFINITY,
           .doc = "Volume of distribution of the central compartment, > 0 (default as one_compartment, 10 L)"},
    ORAL_ABSORPTION_PARAMS(0),
};

static const ts_state oc_oral_states[ORAL_N_STATES(0)] = {
    ORAL_DEPOT_STATE,
    [ORAL_A1] = {.name = "A",
                 .unit = "mg",
                 .nominal = 1.0,
                 .flags = TS_STATE_NONNEGATIVE,
                 .doc = "Amount of drug in the central compartment; 0 at the start of every patient"},
};

static const ts_output oc_oral_outputs[] = {PK_CONCENTRATION_OUTPUT("A", "V")};
static const ts_dose_target oc_oral_dose_targets[] = {ORAL_DOSE_TARGETS("A")};

static int oc_oral_init(void *instance, const ts_host *host, const double *params, double t0, double *y0) {
  (void)instance, (void)host, (void)params, (void)t0;
  return oral_init(0, y0);
}
static int oc_oral_compute_outputs(void *instance, const ts_eval *e) {
  (void)instance;
  return oral_outputs(e);
}
static int oc_oral_compute_derivatives(void *instance, const ts_eval *e) {
  (void)instance;
  return oral_derivatives(0, e);
}
static int oc_oral_jacobian(void *instance, const ts_eval *e, double *dfdx, double *dfdu, double *dgdx, double *dgdu) {
  (void)instance, (void)dfdu, (void)dgdu;
  return oral_jacobian(0, e, dfdx, dgdx);
}

const ts_model pk_one_compartment_oral = {
    TS_MODEL_HEADER,
    .name = "one_compartment_oral",
    .version = "1.0.0",
    .doc = "One-compartment linear PK with first-order absorption (CL, V, ka, F, tlag; depot and IV), C = A/V",
    .params = oc_oral_params,
    .n_params = ORAL_N_PARAMS(0),
    .states = oc_oral_states,
    .n_states = ORAL_N_STATES(0),
    .inputs = NULL,
    .n_inputs = 0,
    .outputs = oc_oral_outputs,
    .n_outputs = 1,
    .dose_targets = oc_oral_dose_targets,
    .n_dose_targets = 2,
    .flags = 0,
    .create = NULL,
    .destroy = NULL,
    .init = oc_oral_init,
    .compute_outputs = oc_oral_compute_outputs,
    .compute_derivatives = oc_oral_compute_derivatives,
    .jacobian = oc_oral_jacobian,
    .step = NULL,
    .bolus = NULL,
};

/* ---- two_compartment_oral ------------------------------------------------------------------------------------ */

static const ts_param tc_oral_params[ORAL_N_PARAMS(1)] = {
    [0] = {.name = "CL",
           .unit = "L/d",
           .default_value = 120.0,
           .lower = 0.0,
           .upper = INFINITY,
           .doc = "Clearance from the central compartment (default as two_compartment, RP-1's 120 L/d)"},
    [1] = {.name = "V1",
           .unit = "L",
           .default_value = 10.0,
           .lower = 0.0,
           .flags = TS_PARAM_LOWER_OPEN,
           .upper = INFINITY,
           .doc = "Volume of the central compartment, > 0 (default as two_compartment, 10 L)"},
    [2] = {.name = "Q",
           .unit = "L/d",
           .default_value = 48.0,
           .lower = 0.0,
           .upper = INFINITY,
           .doc = "Inter-compartmental clearance central <-> peripheral (default as two_compartment, 48 L/d)"},
    [3] = {.name = "V2",
           .unit = "L",
           .default_value = 20.0,
           .lower = 0.0,
           .flags = TS_PARAM_LOWER_OPEN,
           .upper = INFINITY,
           .doc = "Volume of the peripheral compartment, > 0 (default as two_compartment, 20 L)"},
    ORAL_ABSORPTION_PARAMS(1),
};

static const ts_state tc_oral_states[ORAL_N_STATES(1)] = {
    ORAL_DEPOT_STATE,
    [ORAL_A1] = {.name = "A1",
                 .unit = "mg",
                 .nominal = 1.0,
                 .flags = TS_STATE_NONNEGATIVE,
                 .doc = "Amount of drug in the central compartment; 0 at the start of every patient"},
    [ORAL_A1 + 1] = {.name = "A2",
                     .unit = "mg",
                     .nominal = 1.0,
                     .flags = TS_STATE_NONNEGATIVE,
                     .doc = "Amount of drug in the peripheral compartment; 0 at the start of every patient"},
};

static const ts_output tc_oral_outputs[] = {PK_CONCENTRATION_OUTPUT("A1", "V1")};
static const ts_dose_target tc_oral_dose_targets[] = {ORAL_DOSE_TARGETS("A1")};

static int tc_oral_init(void *instance, const ts_host *host, const double *params, double t0, double *y0) {
  (void)instance, (void)host, (void)params, (void)t0;
  return oral_init(1, y0);
}
static int tc_oral_compute_outputs(void *instance, const ts_eval *e) {
  (void)instance;
  return oral_outputs(e);
}
static int tc_oral_compute_derivatives(void *instance, const ts_eval *e) {
  (void)instance;
  return oral_derivatives(1, e);
}
static int tc_oral_jacobian(void *instance, const ts_eval *e, double *dfdx, double *dfdu, double *dgdx, double *dgdu) {
  (void)instance, (void)dfdu, (void)dgdu;
  return oral_jacobian(1, e, dfdx, dgdx);
}

const ts_model pk_two_compartment_oral = {
    TS_MODEL_HEADER,
    .name = "two_compartment_oral",
    .version = "1.0.0",
    .doc = "Two-compartment linear PK with first-order absorption (CL, V1, Q, V2, ka, F, tlag), C = A1/V1",
    .params = tc_oral_params,
    .n_params = ORAL_N_PARAMS(1),
    .states = tc_oral_states,
    .n_states = ORAL_N_STATES(1),
    .inputs = NULL,
    .n_inputs = 0,
    .outputs = tc_oral_outputs,
    .n_outputs = 1,
    .dose_targets = tc_oral_dose_targets,
    .n_dose_targets = 2,
    .flags = 0,
    .create = NULL,
    .destroy = NULL,
    .init = tc_oral_init,
    .compute_outputs = tc_oral_compute_outputs,
    .compute_derivatives = tc_oral_compute_derivatives,
    .jacobian = tc_oral_jacobian,
    .step = NULL,
    .bolus = NULL,
};

/* ---- three_compartment_oral ---------------------------------------------------------------------------------- */

static const ts_param thc_oral_params[ORAL_N_PARAMS(2)] = {
    [0] = {.name = "CL",
           .unit = "L/d",
           .default_value = 880.8,
           .lower = 0.0,
           .upper = INFINITY,
           .doc = "Clearance from the central compartment (default as three_compartment: docetaxel, 36.7 L/h)"},
    [1] = {.name = "V1",
           .unit = "L",
           .default_value = 7.14,
           .lower = 0.0,
           .flags = TS_PARAM_LOWER_OPEN,
           .upper = INFINITY,
           .doc = "Volume of the central compartment, > 0 (default as three_compartment, 7.14 L)"},
    [2] = {.name = "Q2",
           .unit = "L/d",
           .default_value = 183.4,
           .lower = 0.0,
           .upper = INFINITY,
           .doc = "Inter-compartmental clearance central <-> first peripheral (default as three_compartment)"},
    [3] = {.name = "V2",
           .unit = "L",
           .default_value = 4.391,
           .lower = 0.0,
           .flags = TS_PARAM_LOWER_OPEN,
           .upper = INFINITY,
           .doc = "Volume of the first peripheral compartment, > 0 (default as three_compartment)"},
    [4] = {.name = "Q3",
           .unit = "L/d",
           .default_value = 219.3,
           .lower = 0.0,
           .upper = INFINITY,
           .doc = "Inter-compartmental clearance central <-> second peripheral (default as three_compartment)"},
    [5] = {.name = "V3",
           .unit = "L",
           .default_value = 116.1,
           .lower = 0.0,
           .flags = TS_PARAM_LOWER_OPEN,
           .upper = INFINITY,
           .doc = "Volume of the second peripheral compartment, > 0 (default as three_compartment)"},
    ORAL_ABSORPTION_PARAMS(2),
};

static const ts_state thc_oral_states[ORAL_N_STATES(2)] = {
    ORAL_DEPOT_STATE,
    [ORAL_A1] = {.name = "A1",
                 .unit = "mg",
                 .nominal = 1.0,
                 .flags = TS_STATE_NONNEGATIVE,
                 .doc = "Amount of drug in the central compartment; 0 at the start of every patient"},
    [ORAL_A1 + 1] = {.name = "A2",
                     .unit = "mg",
                     .nominal = 1.0,
                     .flags = TS_STATE_NONNEGATIVE,
                     .doc = "Amount of drug in the first peripheral compartment; 0 at the start of every patient"},
    [ORAL_A1 + 2] = {.name = "A3",
                     .unit = "mg",
                     .nominal = 1.0,
                     .flags = TS_STATE_NONNEGATIVE,
                     .doc = "Amount of drug in the second peripheral compartment; 0 at the start of every patient"},
};

static const ts_output thc_oral_outputs[] = {PK_CONCENTRATION_OUTPUT("A1", "V1")};
static const ts_dose_target thc_oral_dose_targets[] = {ORAL_DOSE_TARGETS("A1")};

static int thc_oral_init(void *instance, const ts_host *host, const double *params, double t0, double *y0) {
  (void)instance, (void)host, (void)params, (void)t0;
  return oral_init(2, y0);
}
static int thc_oral_compute_outputs(void *instance, const ts_eval *e) {
  (void)instance;
  return oral_outputs(e);
}
static int thc_oral_compute_derivatives(void *instance, const ts_eval *e) {
  (void)instance;
  return oral_derivatives(2, e);
}
static int thc_oral_jacobian(void *instance, const ts_eval *e, double *dfdx, double *dfdu, double *dgdx, double *dgdu) {
  (void)instance, (void)dfdu, (void)dgdu;
  return oral_jacobian(2, e, dfdx, dgdx);
}

const ts_model pk_three_compartment_oral = {
    TS_MODEL_HEADER,
    .name = "three_compartment_oral",
    .version = "1.0.0",
    .doc = "Three-compartment linear PK with first-order absorption (CL, V1, Q2, V2, Q3, V3, ka, F, tlag)",
    .params = thc_oral_params,
    .n_params = ORAL_N_PARAMS(2),
    .states = thc_oral_states,
    .n_states = ORAL_N_STATES(2),
    .inputs = NULL,
    .n_inputs = 0,
    .outputs = thc_oral_outputs,
    .n_outputs = 1,
    .dose_targets = thc_oral_dose_targets,
    .n_dose_targets = 2,
    .flags = 0,
    .create = NULL,
    .destroy = NULL,
    .init = thc_oral_init,
    .compute_outputs = thc_oral_compute_outputs,
    .compute_derivatives = thc_oral_compute_derivatives,
    .jacobian = thc_oral_jacobian,
    .step = NULL,
    .bolus = NULL,
};
