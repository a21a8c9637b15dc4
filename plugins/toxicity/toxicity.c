/*
 * toxicity plugin: hematological toxicity of chemotherapy driven by a drug concentration read from the bus.
 *
 * Copyright 2026 the twinsim authors. Licensed under the Apache License, Version 2.0.
 *
 * Model friberg (time in d, cell concentrations in cells/L; equations, sources and verification in
 * docs/models/toxicity.md):
 *   ktr      = 4/MTT
 *   Edrug    = slope*C                                                C in mg/L (C < 0 is read as 0)
 *   dProl/dt = ktr*Prol*(1 - Edrug)*(Circ0/Circ)^gamma - ktr*Prol
 *   dT1/dt   = ktr*(Prol - T1),  dT2/dt = ktr*(T1 - T2),  dT3/dt = ktr*(T2 - T3)
 *   dCirc/dt = ktr*(T3 - Circ)
 *   ANC      = Circ                                                   in 1e9 cells/L
 *   grade    = CTCAE v5 "neutrophil count decreased" grade of ANC     0..4, with the lower limit of normal LLN
 * The semi-mechanistic myelosuppression model of L. E. Friberg, A. Henningsson, H. Maas, L. Nguyen, M. O. Karlsson,
 * "Model of chemotherapy-induced myelosuppression with parameter consistency across drugs", J Clin Oncol
 * 20:4713-4721, 2002, with a linear drug effect, in the form of the RP-1 reference trial. All five compartments
 * start at Circ0 (the untreated steady state).
 *
 * The model keeps no per-instance data: create/destroy are NULL and the instance pointer is always NULL.
 */
#include <twinsim/plugin.h>

#include <math.h>

/* Cells per litre in one unit of "1e9 cells/L", the unit of ANC and LLN. */
#define CELLS_PER_L_IN_1E9 1e9

/* CTCAE v5 thresholds of "neutrophil count decreased" below the LLN, in 1e9 cells/L: grade 2 below 1.5, grade 3
 * below 1.0, grade 4 below 0.5. Grade 1 is from below the LLN down to 1.5. */
#define GRADE2_BELOW 1.5
#define GRADE3_BELOW 1.0
#define GRADE4_BELOW 0.5

/* ---- friberg ------------------------------------------------------------------------------------------ */

enum { FB_MTT, FB_CIRC0, FB_GAMMA, FB_SLOPE, FB_LLN, FB_N_PARAMS };
enum { FB_PROL, FB_T1, FB_T2, FB_T3, FB_CIRC, FB_N_STATES };
enum { FB_IN_C, FB_N_INPUTS };
enum { FB_ANC, FB_GRADE, FB_N_OUTPUTS };

static const ts_param fb_params[FB_N_PARAMS] = {
    [FB_MTT] = {.name = "MTT",
                .unit = "d",
                .default_value = 3.7,
                .lower = 0.0,
                .flags = TS_PARAM_LOWER_OPEN,
                .upper = INFINITY,
                .doc = "Mean transit time through Prol, T1, T2, T3, > 0; ktr = 4/MTT (RP-1: 3.7 d; Friberg 2002)"},
    [FB_CIRC0] = {.name = "Circ0",
                  .unit = "cells/L",
                  .default_value = 5e9,
                  .lower = 0.0,
                  .flags = TS_PARAM_LOWER_OPEN,
                  .upper = INFINITY,
                  .doc = "Baseline circulating neutrophils, > 0; every compartment starts here (RP-1: 5e9 cells/L)"},
    [FB_GAMMA] = {.name = "gamma",
                  .unit = "1",
                  .default_value = 0.161,
                  .lower = 0.0,
                  .upper = INFINITY,
                  .doc = "Exponent of the feedback (Circ0/Circ)^gamma on proliferation (RP-1 and Friberg 2002: 0.161)"},
    [FB_SLOPE] = {.name = "slope",
                  .unit = "L/mg",
                  .default_value = 0.2,
                  .lower = 0.0,
                  .upper = INFINITY,
                  .doc = "Linear drug effect on proliferation, Edrug = slope*C (RP-1: 0.2 L/mg)"},
    [FB_LLN] = {.name = "LLN",
                .unit = "1e9 cells/L",
                .default_value = 2.0,
                .lower = GRADE2_BELOW,
                .upper = INFINITY,
                .doc = "Lower limit of normal of the neutrophil count, >= 1.5, for the CTCAE grade (usual 2.0)"},
};

static const ts_state fb_states[FB_N_STATES] = {
    [FB_PROL] =
        {.name = "Prol",
         .unit = "cells/L",
         .nominal = 1e9,
         .flags = TS_STATE_NONNEGATIVE,
         .doc = "Proliferating (drug-sensitive) progenitor cells, in blood-equivalent concentration; Circ0 at start"},
    [FB_T1] = {.name = "T1",
               .unit = "cells/L",
               .nominal = 1e9,
               .flags = TS_STATE_NONNEGATIVE,
               .doc = "First maturation (transit) compartment; Circ0 at start"},
    [FB_T2] = {.name = "T2",
               .unit = "cells/L",
               .nominal = 1e9,
               .flags = TS_STATE_NONNEGATIVE,
               .doc = "Second maturation (transit) compartment; Circ0 at start"},
    [FB_T3] = {.name = "T3",
               .unit = "cells/L",
               .nominal = 1e9,
               .flags = TS_STATE_NONNEGATIVE,
               .doc = "Third maturation (transit) compartment; Circ0 at start"},
    [FB_CIRC] = {.name = "Circ",
                 .unit = "cells/L",
                 .nominal = 1e9,
                 .flags = TS_STATE_NONNEGATIVE,
                 .doc = "Circulating neutrophils; Circ0 at start; must stay > 0"},
};

static const ts_input fb_inputs[FB_N_INPUTS] = {
    [FB_IN_C] = {.name = "C",
                 .unit = "mg/L",
                 .type = TS_REAL,
                 .flags = TS_INPUT_OPTIONAL,
                 .default_value = 0.0,
                 .doc = "Plasma concentration of the myelotoxic drug, e.g. pk.C; 0 (no drug) if unconnected"},
};

static const ts_output fb_outputs[FB_N_OUTPUTS] = {
    [FB_ANC] = {.name = "ANC",
                .unit = "1e9 cells/L",
                .type = TS_REAL,
                .direct_inputs = NULL,
                .doc = "Absolute neutrophil count, Circ in 1e9 cells/L"},
    [FB_GRADE] = {.name = "grade",
                  .unit = "1",
                  .type = TS_COUNT,
                  .direct_inputs = NULL,
                  .doc = "CTCAE v5 grade of neutrophil count decreased: 0 (>= LLN), 1 (< LLN), 2 (< 1.5), 3 (< 1.0), "
                         "4 (< 0.5 x 1e9/L)"},
};

/* The concentration used by the drug effect. A concentration from a solver can dip slightly below 0 within its
 * tolerance; it is then read as 0. NaN is passed on, not hidden. */
static double effective_concentration(double c) {
  return c < 0.0 ? 0.0 : c;
}

/* CTCAE v5 grade of a neutrophil concentration in cells/L. The thresholds are compared in cells/L, where 1.5e9,
 * 1e9 and 5e8 are exact doubles, so a count exactly on a boundary gets the grade the table gives it (1.5 x 1e9/L
 * is grade 1, just below it grade 2). A NaN count gives grade 4. */
static double ctcae_grade(double circ, double lln) {
  if (circ >= lln * CELLS_PER_L_IN_1E9)
    return 0.0;
  if (circ >= GRADE2_BELOW * CELLS_PER_L_IN_1E9)
    return 1.0;
  if (circ >= GRADE3_BELOW * CELLS_PER_L_IN_1E9)
    return 2.0;
  if (circ >= GRADE4_BELOW * CELLS_PER_L_IN_1E9)
    return 3.0;
  return 4.0;
}

static int fb_init(void *instance, const ts_host *host, const double *params, double t0, double *y0) {
  (void)instance, (void)host, (void)t0;
  for (int i = 0; i < FB_N_STATES; i++)
    y0[i] = params[FB_CIRC0];
  return TS_OK;
}

static int fb_compute_outputs(void *instance, const ts_eval *e) {
  (void)instance;
  const double circ = e->states[FB_CIRC];
  /* Division by 1e9 is correctly rounded, so a count of exactly 1.5e9 cells/L reads 1.5. Both outputs are for
   * people (recorded, rules, endpoints): skipped in right-hand sides where nothing is wired to them. */
  if (ts_output_wanted(e, FB_ANC))
    e->outputs[FB_ANC] = circ / CELLS_PER_L_IN_1E9;
  if (ts_output_wanted(e, FB_GRADE))
    e->outputs[FB_GRADE] = ctcae_grade(circ, e->params[FB_LLN]);
  return TS_OK;
}

static int fb_compute_derivatives(void *instance, const ts_eval *e) {
  (void)instance;
  const double *p = e->params, *y = e->states;
  const double circ = y[FB_CIRC];
  /* (Circ0/Circ)^gamma is undefined for Circ <= 0 (and -> inf as Circ -> 0+). The exact solution stays > 0, so
   * Circ <= 0 can only be a trial step of the solver that overshot: TS_RECOVERABLE makes it retry with a smaller
   * step. !(circ > 0) also catches NaN. */
  if (!(circ > 0.0))
    return TS_RECOVERABLE;
  const double ktr = 4.0 / p[FB_MTT];
  const double edrug = p[FB_SLOPE] * effective_concentration(e->inputs[FB_IN_C]);
  const double feedback = pow(p[FB_CIRC0] / circ, p[FB_GAMMA]);
  e->derivatives[FB_PROL] = ktr * y[FB_PROL] * ((1.0 - edrug) * feedback - 1.0);
  e->derivatives[FB_T1] = ktr * (y[FB_PROL] - y[FB_T1]);
  e->derivatives[FB_T2] = ktr * (y[FB_T1] - y[FB_T2]);
  e->derivatives[FB_T3] = ktr * (y[FB_T2] - y[FB_T3]);
  e->derivatives[FB_CIRC] = ktr * (y[FB_T3] - circ);
  return TS_OK;
}

/* Blocks (column-major, entry (i, j) at [i + j*rows]):
 *   d_deriv_d_states 5 x 5, d_deriv_d_inputs 5 x 1, d_out_d_states 2 x 5, d_out_d_inputs 2 x 1 (zero: no output
 *   reads an input). With F = (Circ0/Circ)^gamma:
 *   d(dProl/dt)/dProl = ktr*((1 - Edrug)*F - 1)
 *   d(dProl/dt)/dCirc = -ktr*Prol*(1 - Edrug)*gamma*F/Circ
 *   d(dProl/dt)/dC    = -ktr*Prol*slope*F   (0 where C < 0 is read as 0; at C = 0 the right-hand derivative)
 *   transit rows: +ktr on the compartment before, -ktr on the diagonal
 *   d(ANC)/dCirc = 1/1e9; grade is piecewise constant, its derivative 0 wherever it is defined. */
static int fb_jacobian(void *instance, const ts_eval *e, double *d_deriv_d_states, double *d_deriv_d_inputs,
                       double *d_out_d_states, double *d_out_d_inputs) {
  (void)instance;
  (void)d_out_d_inputs;
  const double *p = e->params, *y = e->states;
  const double circ = y[FB_CIRC];
  if (!(circ > 0.0)) /* as in compute_derivatives() */
    return TS_RECOVERABLE;
  const double ktr = 4.0 / p[FB_MTT];
  const double c_in = e->inputs[FB_IN_C];
  const double edrug = p[FB_SLOPE] * effective_concentration(c_in);
  const double feedback = pow(p[FB_CIRC0] / circ, p[FB_GAMMA]);
  double *J = d_deriv_d_states;
#define AT(i, j) J[(i) + (j)*FB_N_STATES]
  AT(FB_PROL, FB_PROL) = ktr * ((1.0 - edrug) * feedback - 1.0);
  AT(FB_PROL, FB_CIRC) = -ktr * y[FB_PROL] * (1.0 - edrug) * p[FB_GAMMA] * feedback / circ;
  for (int i = FB_T1; i <= FB_CIRC; i++) {
    AT(i, i - 1) = ktr;
    AT(i, i) = -ktr;
  }
#undef AT
  d_deriv_d_inputs[FB_PROL + FB_IN_C * FB_N_STATES] = c_in < 0.0 ? 0.0 : -ktr * y[FB_PROL] * p[FB_SLOPE] * feedback;
  d_out_d_states[FB_ANC + FB_CIRC * FB_N_OUTPUTS] = 1.0 / CELLS_PER_L_IN_1E9;
  return TS_OK;
}

static const ts_model friberg = {
    TS_MODEL_HEADER,
    .name = "friberg",
    .version = "1.0.0",
    .doc = "Friberg 2002 neutropenia: proliferating cells, three transit compartments, circulating neutrophils, "
           "feedback and a linear drug effect on input C; ANC and CTCAE grade",
    .params = fb_params,
    .n_params = FB_N_PARAMS,
    .states = fb_states,
    .n_states = FB_N_STATES,
    .inputs = fb_inputs,
    .n_inputs = FB_N_INPUTS,
    .outputs = fb_outputs,
    .n_outputs = FB_N_OUTPUTS,
    .dose_targets = NULL,
    .n_dose_targets = 0,
    .flags = 0,
    .create = NULL,
    .destroy = NULL,
    .init = fb_init,
    .compute_outputs = fb_compute_outputs,
    .compute_derivatives = fb_compute_derivatives,
    .jacobian = fb_jacobian,
    .step = NULL,
    .bolus = NULL,
};

/* ---- The library ----------------------------------------------------------------------------------------- */

static const ts_model *const toxicity_models[] = {&friberg};

TS_PLUGIN_EXPORT const ts_plugin *TS_PLUGIN_ENTRY(void) {
  static const ts_plugin plugin = {
      TS_PLUGIN_HEADER,          .name = "toxicity",
      .version = "1.0.0",        .doc = "Hematological toxicity of chemotherapy driven by drug concentrations",
      .models = toxicity_models, .n_models = (uint32_t)(sizeof toxicity_models / sizeof toxicity_models[0])};
  return &plugin;
}
