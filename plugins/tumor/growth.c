/*
 * tumor plugin: the classical growth laws of Benzekry et al. 2014 (PLoS Comput Biol 10:e1003800), each with the
 * common interface that effect plugins are written against.
 *
 * Copyright 2026 the twinsim authors. Licensed under the Apache License, Version 2.0.
 *
 * Every model here has one state N (cells), the parameters of its law followed by N0 (cells) and cell_density
 * (cells/mm^3), the summing inputs kill_rate (1/d) and growth_inhibition (1), the outputs volume (mm^3) and
 * diameter (mm), and
 *   dN/dt = g(N)*(1 - growth_inhibition) - kill_rate*N
 * with the law's growth term g (cells/d; V = N/cell_density is the volume in mm^3):
 *   exponential          g = lambda*N
 *   logistic             g = r*N*(1 - N/K)
 *   gompertz_law         g = alpha*ln(K/N)*N
 *   von_bertalanffy      g = cell_density*(a*V^(2/3) - b*V)          a in mm/d (Benzekry's volume form)
 *   power_law            g = cell_density*a*V^gamma                  a in mm^(3(1-gamma))/d, V taken in mm^3
 *   exponential_linear   g = lambda0*N/(1 + (lambda0*N/lambda1)^psi)^(1/psi)      (Simeoni's growth term)
 * Equations, closed forms and sources are in docs/models/tumor.md. The models keep no per-instance data.
 *
 * The six models share one implementation: a growth_law gives g and dg/dN and the domain of N on which they are
 * defined; small wrappers bind each model's callbacks to its law.
 */
#include "tumor_common.h"

#include <stdbool.h>

/* ---- What every growth-law model shares ------------------------------------------------------------------ */

enum { GL_N, GL_N_STATES };
enum { GL_IN_KILL_RATE, GL_IN_GROWTH_INHIBITION, GL_N_INPUTS };
enum { GL_VOLUME, GL_DIAMETER, GL_N_OUTPUTS };

/* Where g(N) and dg/dN are defined. Outside, compute_derivatives() and jacobian() return TS_RECOVERABLE: the exact
 * solution stays positive for every finite kill rate, so only a solver's trial step can get there. */
typedef enum growth_domain {
  GROWTH_ANY_N,       /* a polynomial: any real N */
  GROWTH_NONNEGATIVE, /* N >= 0 */
  GROWTH_POSITIVE     /* N > 0 (ln N, or a power of N whose derivative is infinite at 0) */
} growth_domain;

typedef struct growth_law {
  uint32_t n_law_params; /* the law's parameters come first; then N0, then cell_density */
  growth_domain domain;
  /* The growth term g (cells/d) and dg/dN (1/d) at n cells; p is the whole parameter vector, rho the cell
   * density (cells/mm^3). */
  void (*g)(const double *p, double rho, double n, double *g, double *dg);
} growth_law;

static const ts_state growth_states[GL_N_STATES] = {
    [GL_N] = {.name = "N",
              .unit = "cells",
              .nominal = 1e9,
              .flags = TS_STATE_NONNEGATIVE,
              .doc = "Number of tumor cells; N0 at the start of every patient"},
};

static const ts_input growth_inputs[GL_N_INPUTS] = {
    [GL_IN_KILL_RATE] = {.name = "kill_rate",
                         .unit = "1/d",
                         .type = TS_REAL,
                         .flags = TS_INPUT_SUM,
                         .default_value = 0.0,
                         .doc = "Sum of per-cell kill rates from other plugins (drugs, radiotherapy, immune cells); "
                                "0 if unconnected"},
    [GL_IN_GROWTH_INHIBITION] = {.name = "growth_inhibition",
                                 .unit = "1",
                                 .type = TS_REAL,
                                 .flags = TS_INPUT_SUM,
                                 .default_value = 0.0,
                                 .doc = "Sum of the fractions by which other plugins inhibit growth: the growth term "
                                        "is multiplied by (1 - growth_inhibition); 0 if unconnected"},
};

static const ts_output growth_outputs[GL_N_OUTPUTS] = {
    [GL_VOLUME] = {.name = "volume",
                   .unit = "mm^3",
                   .type = TS_REAL,
                   .direct_inputs = NULL,
                   .doc = "Tumor volume, N/cell_density"},
    [GL_DIAMETER] = {.name = "diameter",
                     .unit = "mm",
                     .type = TS_REAL,
                     .direct_inputs = NULL,
                     .doc = "Diameter of a sphere of the tumor's volume, (6*volume/pi)^(1/3) (for RECIST)"},
};

/* The two parameters every law ends with, N0 and cell_density. */
#define GROWTH_N0_PARAM                                                                                                \
  {                                                                                                                    \
    .name = "N0", .unit = "cells", .default_value = 1e9, .lower = 0.0, .upper = INFINITY,                              \
    .flags = TS_PARAM_LOWER_OPEN,                                                                                      \
    .doc = "Number of tumor cells at the start of the patient, > 0 (1e9 cells, about 1 cm^3)"                          \
  }
#define GROWTH_CELL_DENSITY_PARAM                                                                                      \
  {                                                                                                                    \
    .name = "cell_density", .unit = "cells/mm^3", .default_value = 1e6, .lower = 0.0, .upper = INFINITY,               \
    .flags = TS_PARAM_LOWER_OPEN,                                                                                      \
    .doc = "Tumor cells per unit volume, to turn N into a volume, > 0 (rule of thumb 1e6: 1 cm^3 ~ 1e9 cells; "        \
           "Del Monte 2009, Cell Cycle 8:505)"                                                                         \
  }

static bool in_domain(growth_domain domain, double n) {
  switch (domain) {
  case GROWTH_ANY_N: return isfinite(n);
  case GROWTH_NONNEGATIVE: return n >= 0.0 && isfinite(n);
  case GROWTH_POSITIVE: return n > 0.0 && isfinite(n);
  }
  return false;
}

static int growth_init(const growth_law *law, const double *params, double *y0) {
  y0[GL_N] = params[law->n_law_params];
  return TS_OK;
}

static int growth_outputs_eval(const growth_law *law, const ts_eval *e) {
  const double volume = tumor_volume(e->states[GL_N], e->params[law->n_law_params + 1]);
  e->outputs[GL_VOLUME] = volume;
  if (ts_output_wanted(e, GL_DIAMETER)) /* its cbrt is the dearest part of the outputs */
    e->outputs[GL_DIAMETER] = tumor_diameter(volume);
  return TS_OK;
}

static int growth_derivatives(const growth_law *law, const ts_eval *e) {
  const double n = e->states[GL_N];
  if (!in_domain(law->domain, n))
    return TS_RECOVERABLE;
  double g, dg;
  law->g(e->params, e->params[law->n_law_params + 1], n, &g, &dg);
  e->derivatives[GL_N] = g * (1.0 - e->inputs[GL_IN_GROWTH_INHIBITION]) - e->inputs[GL_IN_KILL_RATE] * n;
  return TS_OK;
}

/* Blocks (column-major): d_deriv_d_states 1 x 1, d_deriv_d_inputs 1 x 2, d_out_d_states 2 x 1; no output reads
 * an input, so d_out_d_inputs (2 x 2) stays as the host zeroed it. */
static int growth_jacobian(const growth_law *law, const ts_eval *e, double *d_deriv_d_states, double *d_deriv_d_inputs,
                           double *d_out_d_states) {
  const double n = e->states[GL_N];
  /* N = 0 is excluded too: d(diameter)/dN = diameter/(3N) is infinite there. */
  if (!in_domain(law->domain, n) || n == 0.0)
    return TS_RECOVERABLE;
  const double rho = e->params[law->n_law_params + 1];
  double g, dg;
  law->g(e->params, rho, n, &g, &dg);
  const double inhibition = e->inputs[GL_IN_GROWTH_INHIBITION];
  d_deriv_d_states[0] = dg * (1.0 - inhibition) - e->inputs[GL_IN_KILL_RATE];
  d_deriv_d_inputs[GL_IN_KILL_RATE] = -n;
  d_deriv_d_inputs[GL_IN_GROWTH_INHIBITION] = -g;
  d_out_d_states[GL_VOLUME] = 1.0 / rho;
  d_out_d_states[GL_DIAMETER] = tumor_diameter(tumor_volume(n, rho)) / (3.0 * n);
  return TS_OK;
}

/* The four callbacks of a model bound to its law. */
#define GROWTH_CALLBACKS(prefix, law)                                                                                  \
  static int prefix##_init(void *instance, const ts_host *host, const double *params, double t0, double *y0) {         \
    (void)instance, (void)host, (void)t0;                                                                              \
    return growth_init(&law, params, y0);                                                                              \
  }                                                                                                                    \
  static int prefix##_compute_outputs(void *instance, const ts_eval *e) {                                              \
    (void)instance;                                                                                                    \
    return growth_outputs_eval(&law, e);                                                                               \
  }                                                                                                                    \
  static int prefix##_compute_derivatives(void *instance, const ts_eval *e) {                                          \
    (void)instance;                                                                                                    \
    return growth_derivatives(&law, e);                                                                                \
  }                                                                                                                    \
  static int prefix##_jacobian(void *instance, const ts_eval *e, double *d_deriv_d_states, double *d_deriv_d_inputs,   \
                               double *d_out_d_states, double *d_out_d_inputs) {                                       \
    (void)instance, (void)d_out_d_inputs;                                                                              \
    return growth_jacobian(&law, e, d_deriv_d_states, d_deriv_d_inputs, d_out_d_states);                               \
  }

/* A growth-law model descriptor; every field but the name, doc, parameters and callbacks is shared. */
#define GROWTH_MODEL(prefix, model_name, model_doc)                                                                    \
  {                                                                                                                    \
    TS_MODEL_HEADER, .name = model_name, .version = "1.0.0", .doc = model_doc, .params = prefix##_params,              \
                     .n_params = (uint32_t)(sizeof prefix##_params / sizeof prefix##_params[0]),                       \
                     .states = growth_states, .n_states = GL_N_STATES, .inputs = growth_inputs,                        \
                     .n_inputs = GL_N_INPUTS, .outputs = growth_outputs, .n_outputs = GL_N_OUTPUTS,                    \
                     .dose_targets = NULL, .n_dose_targets = 0, .flags = 0, .create = NULL, .destroy = NULL,           \
                     .init = prefix##_init, .compute_outputs = prefix##_compute_outputs,                               \
                     .compute_derivatives = prefix##_compute_derivatives, .jacobian = prefix##_jacobian, .step = NULL, \
                     .bolus = NULL                                                                                     \
  }

/* ---- exponential: g = lambda*N ------------------------------------------------------------------------------ */

enum { EX_LAMBDA, EX_N_LAW };

static const ts_param ex_params[] = {
    [EX_LAMBDA] = {.name = "lambda",
                   .unit = "1/d",
                   .default_value = 0.01,
                   .lower = 0.0,
                   .upper = INFINITY,
                   .doc = "Exponential growth rate constant (doubling time ln 2/lambda; Benzekry et al. 2014)"},
    [EX_N_LAW] = GROWTH_N0_PARAM,
    [EX_N_LAW + 1] = GROWTH_CELL_DENSITY_PARAM,
};

static void ex_g(const double *p, double rho, double n, double *g, double *dg) {
  (void)rho;
  *g = p[EX_LAMBDA] * n;
  *dg = p[EX_LAMBDA];
}

static const growth_law ex_law = {.n_law_params = EX_N_LAW, .domain = GROWTH_ANY_N, .g = ex_g};
GROWTH_CALLBACKS(ex, ex_law)
const ts_model tumor_exponential =
    GROWTH_MODEL(ex, "exponential", "Exponential growth g = lambda*N with kill_rate and growth_inhibition inputs");

/* ---- logistic: g = r*N*(1 - N/K) ---------------------------------------------------------------------------- */

enum { LGS_R, LGS_K, LGS_N_LAW };

static const ts_param lgs_params[] = {
    [LGS_R] = {.name = "r",
               .unit = "1/d",
               .default_value = 0.01,
               .lower = 0.0,
               .upper = INFINITY,
               .doc = "Logistic growth rate constant, the per-cell rate while N << K (Benzekry et al. 2014)"},
    [LGS_K] = {.name = "K",
               .unit = "cells",
               .default_value = 1e12,
               .lower = 0.0,
               .upper = INFINITY,
               .flags = TS_PARAM_LOWER_OPEN,
               .doc = "Carrying capacity, the plateau N tends to without treatment, > 0 (1e12 cells, about 1 kg)"},
    [LGS_N_LAW] = GROWTH_N0_PARAM,
    [LGS_N_LAW + 1] = GROWTH_CELL_DENSITY_PARAM,
};

static void lgs_g(const double *p, double rho, double n, double *g, double *dg) {
  (void)rho;
  const double r = p[LGS_R], k = p[LGS_K];
  *g = r * n * (1.0 - n / k);
  *dg = r * (1.0 - 2.0 * n / k);
}

static const growth_law lgs_law = {.n_law_params = LGS_N_LAW, .domain = GROWTH_ANY_N, .g = lgs_g};
GROWTH_CALLBACKS(lgs, lgs_law)
const ts_model tumor_logistic =
    GROWTH_MODEL(lgs, "logistic", "Logistic growth g = r*N*(1 - N/K) with kill_rate and growth_inhibition inputs");

/* ---- gompertz_law: g = alpha*ln(K/N)*N ---------------------------------------------------------------------- */

enum { GZL_ALPHA, GZL_K, GZL_N_LAW };

static const ts_param gzl_params[] = {
    [GZL_ALPHA] = {.name = "alpha",
                   .unit = "1/d",
                   .default_value = 0.005,
                   .lower = 0.0,
                   .upper = INFINITY,
                   .doc = "Gompertz rate constant, the rate at which the per-cell growth rate decays (RP-1: 0.005 /d)"},
    [GZL_K] = {.name = "K",
               .unit = "cells",
               .default_value = 1e12,
               .lower = 0.0,
               .upper = INFINITY,
               .flags = TS_PARAM_LOWER_OPEN,
               .doc = "Carrying capacity, the plateau N tends to without treatment, > 0 (RP-1: 1e12 cells)"},
    [GZL_N_LAW] = GROWTH_N0_PARAM,
    [GZL_N_LAW + 1] = GROWTH_CELL_DENSITY_PARAM,
};

static void gzl_g(const double *p, double rho, double n, double *g, double *dg) {
  (void)rho;
  const double alpha = p[GZL_ALPHA], l = log(p[GZL_K] / n);
  *g = alpha * l * n;
  *dg = alpha * (l - 1.0);
}

static const growth_law gzl_law = {.n_law_params = GZL_N_LAW, .domain = GROWTH_POSITIVE, .g = gzl_g};
GROWTH_CALLBACKS(gzl, gzl_law)
const ts_model tumor_gompertz_law = GROWTH_MODEL(
    gzl, "gompertz_law", "Gompertz growth g = alpha*ln(K/N)*N with kill_rate and growth_inhibition inputs (no drug)");

/* ---- von_bertalanffy: g = rho*(a*V^(2/3) - b*V), V = N/rho ------------------------------------------------------ */

enum { VB_A, VB_B, VB_N_LAW };

static const ts_param vb_params[] = {
    [VB_A] = {.name = "a",
              .unit = "mm/d",
              .default_value = 0.5,
              .lower = 0.0,
              .upper = INFINITY,
              .doc = "Growth coefficient of dV/dt = a*V^(2/3) - b*V with V in mm^3 (so a is in mm^3/mm^2/d = mm/d); "
                     "Benzekry et al. 2014"},
    [VB_B] = {.name = "b",
              .unit = "1/d",
              .default_value = 0.01,
              .lower = 0.0,
              .upper = INFINITY,
              .doc = "Loss rate constant of dV/dt = a*V^(2/3) - b*V; plateau (a/b)^3 mm^3 (Benzekry et al. 2014)"},
    [VB_N_LAW] = GROWTH_N0_PARAM,
    [VB_N_LAW + 1] = GROWTH_CELL_DENSITY_PARAM,
};

/* rho*a*(N/rho)^(2/3) = a*rho^(1/3)*N^(2/3); its derivative (2/3)*a*rho^(1/3)*N^(-1/3) is infinite at N = 0. */
static void vb_g(const double *p, double rho, double n, double *g, double *dg) {
  const double a = p[VB_A] * cbrt(rho), b = p[VB_B], c = cbrt(n);
  *g = a * c * c - b * n;
  *dg = (2.0 / 3.0) * a / c - b;
}

static const growth_law vb_law = {.n_law_params = VB_N_LAW, .domain = GROWTH_POSITIVE, .g = vb_g};
GROWTH_CALLBACKS(vb, vb_law)
const ts_model tumor_von_bertalanffy = GROWTH_MODEL(
    vb, "von_bertalanffy",
    "von Bertalanffy growth dV/dt = a*V^(2/3) - b*V (V in mm^3) with kill_rate and growth_inhibition inputs");

/* ---- power_law: g = rho*a*V^gamma, V = N/rho ---------------------------------------------------------------- */

enum { PL_A, PL_GAMMA, PL_N_LAW };

static const ts_param pl_params[] = {
    [PL_A] = {.name = "a",
              .unit = "1/d",
              .default_value = 1.0,
              .lower = 0.0,
              .upper = INFINITY,
              .doc = "Coefficient of dV/dt = a*V^gamma with V in mm^3: a is in mm^(3(1-gamma))/d, of which the unit "
                     "string can only state the 1/d (Benzekry et al. 2014)"},
    [PL_GAMMA] = {.name = "gamma",
                  .unit = "1",
                  .default_value = 0.75,
                  .lower = 0.0,
                  .upper = 1.0,
                  .doc = "Exponent of dV/dt = a*V^gamma, in [0, 1] (1: exponential, 2/3: surface-limited growth; "
                         "Benzekry et al. 2014)"},
    [PL_N_LAW] = GROWTH_N0_PARAM,
    [PL_N_LAW + 1] = GROWTH_CELL_DENSITY_PARAM,
};

static void pl_g(const double *p, double rho, double n, double *g, double *dg) {
  const double gamma = p[PL_GAMMA];
  *g = rho * p[PL_A] * pow(n / rho, gamma);
  *dg = gamma * *g / n;
}

static const growth_law pl_law = {.n_law_params = PL_N_LAW, .domain = GROWTH_POSITIVE, .g = pl_g};
GROWTH_CALLBACKS(pl, pl_law)
const ts_model tumor_power_law = GROWTH_MODEL(
    pl, "power_law", "Power-law growth dV/dt = a*V^gamma (V in mm^3) with kill_rate and growth_inhibition inputs");

/* ---- exponential_linear: g = lambda0*N/(1 + (lambda0*N/lambda1)^psi)^(1/psi) ----------------------------------- */

enum { EL_LAMBDA0, EL_LAMBDA1, EL_PSI, EL_N_LAW };

static const ts_param el_params[] = {
    [EL_LAMBDA0] = {.name = "lambda0",
                    .unit = "1/d",
                    .default_value = 0.1,
                    .lower = 0.0,
                    .upper = INFINITY,
                    .doc = "Rate constant of the exponential phase (Simeoni et al. 2004; Benzekry et al. 2014)"},
    [EL_LAMBDA1] = {.name = "lambda1",
                    .unit = "cells/d",
                    .default_value = 1e8,
                    .lower = 0.0,
                    .upper = INFINITY,
                    .flags = TS_PARAM_LOWER_OPEN,
                    .doc = "Growth rate of the linear phase, > 0 (Simeoni et al. 2004: g/d; here cells/d)"},
    [EL_PSI] = {.name = "psi",
                .unit = "1",
                .default_value = 20.0,
                .lower = 1.0,
                .upper = INFINITY,
                .doc = "Sharpness of the switch from exponential to linear growth, >= 1 (Simeoni et al. 2004 fix 20)"},
    [EL_N_LAW] = GROWTH_N0_PARAM,
    [EL_N_LAW + 1] = GROWTH_CELL_DENSITY_PARAM,
};

static void el_g(const double *p, double rho, double n, double *g, double *dg) {
  (void)rho;
  double f, df;
  tumor_switch(p[EL_LAMBDA0], p[EL_LAMBDA1], p[EL_PSI], n, &f, &df);
  *g = f * n;
  *dg = f + df * n;
}

static const growth_law el_law = {.n_law_params = EL_N_LAW, .domain = GROWTH_NONNEGATIVE, .g = el_g};
GROWTH_CALLBACKS(el, el_law)
const ts_model tumor_exponential_linear =
    GROWTH_MODEL(el, "exponential_linear",
                 "Exponential-then-linear growth (Simeoni's growth term) with kill_rate and growth_inhibition inputs");
