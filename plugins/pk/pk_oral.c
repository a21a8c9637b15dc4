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

/* A model with n_periph peripheral compartments: its four callbacks bound to the shared ones, and its descriptor.
 * It reads the arrays prefix_params and prefix_states; central and volume name its central amount and volume. */
#define ORAL_MODEL(prefix, n_periph, model_name, model_doc, central, volume)                                           \
  static const ts_output prefix##_outputs[] = {PK_CONCENTRATION_OUTPUT(central, volume)};                              \
  static const ts_dose_target prefix##_dose_targets[] = {ORAL_DOSE_TARGETS(central)};                                  \
  static int prefix##_init(void *instance, const ts_host *host, const double *params, double t0, double *y0) {         \
    (void)instance, (void)host, (void)params, (void)t0;                                                                \
    return oral_init(n_periph, y0);                                                                                    \
  }                                                                                                                    \
  static int prefix##_compute_outputs(void *instance, const ts_eval *e) {                                              \
    (void)instance;                                                                                                    \
    return oral_outputs(e);                                                                                            \
  }                                                                                                                    \
  static int prefix##_compute_derivatives(void *instance, const ts_eval *e) {                                          \
    (void)instance;                                                                                                    \
    return oral_derivatives(n_periph, e);                                                                              \
  }                                                                                                                    \
  static int prefix##_jacobian(void *instance, const ts_eval *e, double *dfdx, double *dfdu, double *dgdx,             \
                               double *dgdu) {                                                                         \
    (void)instance, (void)dfdu, (void)dgdu;                                                                            \
    return oral_jacobian(n_periph, e, dfdx, dgdx);                                                                     \
  }                                                                                                                    \
  const ts_model pk_##prefix = {TS_MODEL_HEADER,                                                                       \
                                .name = model_name,                                                                    \
                                .version = "1.0.0",                                                                    \
                                .doc = model_doc,                                                                      \
                                .params = prefix##_params,                                                             \
                                .n_params = ORAL_N_PARAMS(n_periph),                                                   \
                                .states = prefix##_states,                                                             \
                                .n_states = ORAL_N_STATES(n_periph),                                                   \
                                .outputs = prefix##_outputs,                                                           \
                                .n_outputs = 1,                                                                        \
                                .dose_targets = prefix##_dose_targets,                                                 \
                                .n_dose_targets = 2,                                                                   \
                                .init = prefix##_init,                                                                 \
                                .compute_outputs = prefix##_compute_outputs,                                           \
                                .compute_derivatives = prefix##_compute_derivatives,                                   \
                                .jacobian = prefix##_jacobian}

/* ---- one_compartment_oral ------------------------------------------------------------------------------------ */

static const ts_param one_compartment_oral_params[ORAL_N_PARAMS(0)] = {PK_ONE_COMPARTMENT_PARAMS,
                                                                       ORAL_ABSORPTION_PARAMS(0)};

static const ts_state one_compartment_oral_states[ORAL_N_STATES(0)] = {ORAL_DEPOT_STATE,
                                                                       PK_ONE_COMPARTMENT_STATES(ORAL_A1)};

ORAL_MODEL(one_compartment_oral, 0, "one_compartment_oral",
           "One-compartment linear PK with first-order absorption (CL, V, ka, F, tlag; depot and IV), C = A/V", "A",
           "V");

/* ---- two_compartment_oral ------------------------------------------------------------------------------------ */

static const ts_param two_compartment_oral_params[ORAL_N_PARAMS(1)] = {PK_TWO_COMPARTMENT_PARAMS,
                                                                       ORAL_ABSORPTION_PARAMS(1)};

static const ts_state two_compartment_oral_states[ORAL_N_STATES(1)] = {ORAL_DEPOT_STATE,
                                                                       PK_TWO_COMPARTMENT_STATES(ORAL_A1)};

ORAL_MODEL(two_compartment_oral, 1, "two_compartment_oral",
           "Two-compartment linear PK with first-order absorption (CL, V1, Q, V2, ka, F, tlag), C = A1/V1", "A1", "V1");

/* ---- three_compartment_oral ---------------------------------------------------------------------------------- */

static const ts_param three_compartment_oral_params[ORAL_N_PARAMS(2)] = {PK_THREE_COMPARTMENT_PARAMS,
                                                                         ORAL_ABSORPTION_PARAMS(2)};

static const ts_state three_compartment_oral_states[ORAL_N_STATES(2)] = {ORAL_DEPOT_STATE,
                                                                         PK_THREE_COMPARTMENT_STATES(ORAL_A1)};

ORAL_MODEL(three_compartment_oral, 2, "three_compartment_oral",
           "Three-compartment linear PK with first-order absorption (CL, V1, Q2, V2, Q3, V3, ka, F, tlag)", "A1", "V1");
