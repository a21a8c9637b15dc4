/*
 * tumor plugin: drug effects as small stateless models that turn a concentration into a per-capita rate, to be
 * wired into a tumor model's kill_rate (or growth_inhibition) summing input.
 *
 * Copyright 2026 the twinsim authors. Licensed under the Apache License, Version 2.0.
 *
 * Models (C in mg/L; a concentration below 0, solver noise in a PK model, is read as 0; NaN is passed on):
 *   emax_kill     kill       = Emax*C^h/(EC50^h + C^h)      1/d   sigmoid Emax (Hill) kill
 *   log_kill      kill       = k*C                          1/d   linear "log-kill" (Skipper-Schabel)
 *   norton_simon  inhibition = Emax*C/(EC50 + C)            1     wired to growth_inhibition: the kill is
 *                                                                 proportional to the growth rate (Norton-Simon)
 * Each output lists C as its direct input, so the host evaluates it after the concentration's writer. The models
 * have no state: init() writes nothing and there is no compute_derivatives(). Sources in docs/models/tumor.md.
 */
#include "tumor_common.h"

#include <stddef.h>

/* A concentration from a solver can dip slightly below 0 within its tolerance; it is then read as 0. */
static double effective_concentration(double c) {
  return c < 0.0 ? 0.0 : c;
}

enum { FX_IN_C, FX_N_INPUTS };
enum { FX_OUT, FX_N_OUTPUTS };

static const ts_input fx_inputs[FX_N_INPUTS] = {
    [FX_IN_C] = {.name = "C",
                 .unit = "mg/L",
                 .type = TS_REAL,
                 .flags = 0,
                 .default_value = 0.0,
                 .doc = "Drug concentration driving the effect (e.g. pk.C); required"},
};

static const char *const fx_direct_inputs[] = {"C", NULL};

static int fx_init(void *instance, const ts_host *host, const double *params, double t0, double *y0) {
  (void)instance, (void)host, (void)params, (void)t0, (void)y0;
  return TS_OK;
}

/* ---- emax_kill: Emax*C^h/(EC50^h + C^h) ----------------------------------------------------------------------- */

enum { EK_EMAX, EK_EC50, EK_HILL, EK_N_PARAMS };

static const ts_param ek_params[EK_N_PARAMS] = {
    [EK_EMAX] = {.name = "Emax",
                 .unit = "1/d",
                 .default_value = 0.8,
                 .lower = 0.0,
                 .upper = INFINITY,
                 .doc = "Maximal kill rate (RP-1 typical value 0.8 /d)"},
    [EK_EC50] = {.name = "EC50",
                 .unit = "mg/L",
                 .default_value = 0.5,
                 .lower = 0.0,
                 .upper = INFINITY,
                 .flags = TS_PARAM_LOWER_OPEN,
                 .doc = "Concentration giving half the maximal kill rate, > 0 (RP-1: 0.5 mg/L)"},
    [EK_HILL] = {.name = "h",
                 .unit = "1",
                 .default_value = 1.0,
                 .lower = 0.1,
                 .upper = INFINITY,
                 .doc = "Hill coefficient (steepness), >= 0.1; 1 gives the hyperbolic Emax model of RP-1"},
};

static const ts_output ek_outputs[FX_N_OUTPUTS] = {
    [FX_OUT] = {.name = "kill",
                .unit = "1/d",
                .type = TS_REAL,
                .direct_inputs = fx_direct_inputs,
                .doc = "Per-cell kill rate Emax*C^h/(EC50^h + C^h); wire it to a tumor's kill_rate"},
};

/* The kill and its derivative with u = (C/EC50)^h: kill = Emax*u/(1 + u), so that no power overflows (u = inf
 * gives Emax); d(kill)/dC = Emax*h*u/(C*(1 + u)^2). At C = 0 the derivative is the right-hand limit: Emax/EC50 for
 * h = 1, 0 for h > 1; for h < 1 it is infinite and 0 is reported instead (the Jacobian only steers Newton's
 * iteration, and a dose moves C off 0 at once). */
static void ek_eval(const double *p, double c_in, double *kill, double *dkill_dc) {
  const double c = effective_concentration(c_in);
  const double h = p[EK_HILL];
  if (c == 0.0) {
    *kill = 0.0;
    *dkill_dc = (c_in < 0.0 || h != 1.0) ? 0.0 : p[EK_EMAX] / p[EK_EC50];
    return;
  }
  const double u = pow(c / p[EK_EC50], h);
  if (isinf(u)) {
    *kill = p[EK_EMAX];
    *dkill_dc = 0.0;
    return;
  }
  *kill = p[EK_EMAX] * u / (1.0 + u);
  *dkill_dc = p[EK_EMAX] * h * u / (c * (1.0 + u) * (1.0 + u));
}

static int ek_compute_outputs(void *instance, const ts_eval *e) {
  (void)instance;
  double dkill_dc;
  ek_eval(e->params, e->inputs[FX_IN_C], &e->outputs[FX_OUT], &dkill_dc);
  return TS_OK;
}

/* No state: only d_out_d_inputs (1 x 1) is present. */
static int ek_jacobian(void *instance, const ts_eval *e, double *d_deriv_d_states, double *d_deriv_d_inputs,
                       double *d_out_d_states, double *d_out_d_inputs) {
  (void)instance, (void)d_deriv_d_states, (void)d_deriv_d_inputs, (void)d_out_d_states;
  double kill;
  ek_eval(e->params, e->inputs[FX_IN_C], &kill, &d_out_d_inputs[0]);
  return TS_OK;
}

const ts_model tumor_emax_kill = {
    TS_MODEL_HEADER,
    .name = "emax_kill",
    .version = "1.0.0",
    .doc = "Sigmoid Emax (Hill) kill rate of a drug, Emax*C^h/(EC50^h + C^h), for a tumor's kill_rate",
    .params = ek_params,
    .n_params = EK_N_PARAMS,
    .states = NULL,
    .n_states = 0,
    .inputs = fx_inputs,
    .n_inputs = FX_N_INPUTS,
    .outputs = ek_outputs,
    .n_outputs = FX_N_OUTPUTS,
    .dose_targets = NULL,
    .n_dose_targets = 0,
    .flags = 0,
    .create = NULL,
    .destroy = NULL,
    .init = fx_init,
    .compute_outputs = ek_compute_outputs,
    .compute_derivatives = NULL,
    .jacobian = ek_jacobian,
    .step = NULL,
    .bolus = NULL,
};

/* ---- log_kill: k*C ------------------------------------------------------------------------------------------- */

enum { LK_K, LK_N_PARAMS };

static const ts_param lk_params[LK_N_PARAMS] = {
    [LK_K] = {.name = "k",
              .unit = "L/(mg*d)",
              .default_value = 0.629,
              .lower = 0.0,
              .upper = INFINITY,
              .doc = "Kill rate per unit concentration (Simeoni et al. 2004 paclitaxel k2: 6.29e-4 /(d*ng/mL) = "
                     "0.629 L/(mg*d))"},
};

static const ts_output lk_outputs[FX_N_OUTPUTS] = {
    [FX_OUT] = {.name = "kill",
                .unit = "1/d",
                .type = TS_REAL,
                .direct_inputs = fx_direct_inputs,
                .doc = "Per-cell kill rate k*C (log-kill); wire it to a tumor's kill_rate"},
};

static int lk_compute_outputs(void *instance, const ts_eval *e) {
  (void)instance;
  e->outputs[FX_OUT] = e->params[LK_K] * effective_concentration(e->inputs[FX_IN_C]);
  return TS_OK;
}

static int lk_jacobian(void *instance, const ts_eval *e, double *d_deriv_d_states, double *d_deriv_d_inputs,
                       double *d_out_d_states, double *d_out_d_inputs) {
  (void)instance, (void)d_deriv_d_states, (void)d_deriv_d_inputs, (void)d_out_d_states;
  d_out_d_inputs[0] = e->inputs[FX_IN_C] < 0.0 ? 0.0 : e->params[LK_K];
  return TS_OK;
}

const ts_model tumor_log_kill = {
    TS_MODEL_HEADER,
    .name = "log_kill",
    .version = "1.0.0",
    .doc = "Log-kill: a kill rate proportional to the drug concentration, k*C, for a tumor's kill_rate",
    .params = lk_params,
    .n_params = LK_N_PARAMS,
    .states = NULL,
    .n_states = 0,
    .inputs = fx_inputs,
    .n_inputs = FX_N_INPUTS,
    .outputs = lk_outputs,
    .n_outputs = FX_N_OUTPUTS,
    .dose_targets = NULL,
    .n_dose_targets = 0,
    .flags = 0,
    .create = NULL,
    .destroy = NULL,
    .init = fx_init,
    .compute_outputs = lk_compute_outputs,
    .compute_derivatives = NULL,
    .jacobian = lk_jacobian,
    .step = NULL,
    .bolus = NULL,
};

/* ---- norton_simon: Emax*C/(EC50 + C), a fraction of the growth rate ------------------------------------------ */

enum { NS_EMAX, NS_EC50, NS_N_PARAMS };

static const ts_param ns_params[NS_N_PARAMS] = {
    [NS_EMAX] = {.name = "Emax",
                 .unit = "1",
                 .default_value = 1.0,
                 .lower = 0.0,
                 .upper = INFINITY,
                 .doc = "Maximal inhibition as a fraction of the growth rate; above 1 the tumor shrinks at a rate "
                        "proportional to its growth rate (Norton & Simon 1977, Cancer Treat Rep 61:1307)"},
    [NS_EC50] = {.name = "EC50",
                 .unit = "mg/L",
                 .default_value = 0.5,
                 .lower = 0.0,
                 .upper = INFINITY,
                 .flags = TS_PARAM_LOWER_OPEN,
                 .doc = "Concentration giving half the maximal inhibition, > 0 (RP-1's EC50, 0.5 mg/L)"},
};

static const ts_output ns_outputs[FX_N_OUTPUTS] = {
    [FX_OUT] = {.name = "inhibition",
                .unit = "1",
                .type = TS_REAL,
                .direct_inputs = fx_direct_inputs,
                .doc = "Fraction of the growth term removed, Emax*C/(EC50 + C); wire it to a tumor's "
                       "growth_inhibition"},
};

static int ns_compute_outputs(void *instance, const ts_eval *e) {
  (void)instance;
  const double c = effective_concentration(e->inputs[FX_IN_C]);
  e->outputs[FX_OUT] = e->params[NS_EMAX] * c / (e->params[NS_EC50] + c);
  return TS_OK;
}

/* d/dC = Emax*EC50/(EC50 + C)^2; 0 where C < 0 is read as 0; the right-hand derivative at C = 0. */
static int ns_jacobian(void *instance, const ts_eval *e, double *d_deriv_d_states, double *d_deriv_d_inputs,
                       double *d_out_d_states, double *d_out_d_inputs) {
  (void)instance, (void)d_deriv_d_states, (void)d_deriv_d_inputs, (void)d_out_d_states;
  const double c_in = e->inputs[FX_IN_C];
  const double s = e->params[NS_EC50] + effective_concentration(c_in);
  d_out_d_inputs[0] = c_in < 0.0 ? 0.0 : e->params[NS_EMAX] * e->params[NS_EC50] / (s * s);
  return TS_OK;
}

const ts_model tumor_norton_simon = {
    TS_MODEL_HEADER,
    .name = "norton_simon",
    .version = "1.0.0",
    .doc = "Norton-Simon effect: a fraction Emax*C/(EC50 + C) of the growth rate, for a tumor's growth_inhibition",
    .params = ns_params,
    .n_params = NS_N_PARAMS,
    .states = NULL,
    .n_states = 0,
    .inputs = fx_inputs,
    .n_inputs = FX_N_INPUTS,
    .outputs = ns_outputs,
    .n_outputs = FX_N_OUTPUTS,
    .dose_targets = NULL,
    .n_dose_targets = 0,
    .flags = 0,
    .create = NULL,
    .destroy = NULL,
    .init = fx_init,
    .compute_outputs = ns_compute_outputs,
    .compute_derivatives = NULL,
    .jacobian = ns_jacobian,
    .step = NULL,
    .bolus = NULL,
};
