/*
 * resistance plugin: stochastic emergence of a drug-resistant clone from a drug-sensitive population.
 *
 * Copyright 2026 the twinsim authors. Licensed under the Apache License, Version 2.0.
 *
 * Model mutant_clone (time in d, cells as counts; equations, sources and tests in docs/models/resistance.md).
 * A linear birth-death process R with birth rate b, death rate d + kill_rate, fed by mutation at division of the
 * sensitive population S read from the bus (Iwasa, Nowak & Michor 2006, Genetics 172:2557): new mutants arrive as
 * a Poisson process of intensity u*bS*S(t). The sensitive population is another model's state (e.g. a tumor's N);
 * the drug acts on it, never on R.
 *
 * Hybrid simulation, the regime being a state (0 stochastic, 1 deterministic):
 *   stochastic     dR/dt = 0; R changes only in step(), which simulates (t-h, t] exactly (an event-driven Gillespie
 *                  simulation with competing exponential clocks; the mutation clock is inhomogeneous);
 *   deterministic  dR/dt = (b - d - kill_rate)*R + u*bS*S, once R has reached `threshold`;
 *   always         dH/dt = u*bS*S: H, the expected number of mutants produced so far, is integrated by the solver;
 *                  H(t) - H(t-h) is the exact integrated mutation hazard over a step, whatever S does.
 * Within a step the mutation intensity is taken as exponential in time, m(s) = m_end*exp(g*(s - t)), with g chosen
 * so that its integral equals H(t) - H(t-h): exact when S grows or shrinks exponentially, and the number of
 * arrivals is Poisson with the exact mean whatever the shape of S. When R reaches the threshold inside a step, the
 * rest of the step follows the deterministic equation in closed form with the same m(s), and the regime becomes 1.
 * A deterministic R that falls below threshold/4 (e.g. under immune kill) is rounded to a whole number (randomly,
 * keeping its mean) and becomes stochastic again, so that the clone can go extinct.
 *
 * Random numbers come only from host->random_uniform, in step(): the same seed and patient give the same clone.
 * The instance keeps one number per patient: H at the previous step.
 */
#include <twinsim/plugin.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* A deterministic clone returns to the stochastic regime below threshold/RS_HYSTERESIS (no chattering at the
 * threshold). */
#define RS_HYSTERESIS 4.0
/* |g*h| is capped here: S changing by more than e^50 within one step is outside any sensible use, and the cap
 * keeps every exponential finite. */
#define RS_MAX_LOG_GROWTH 50.0
/* More stochastic events than this in one step fail the patient rather than run for hours. */
#define RS_MAX_EVENTS 100000000L

/* ---- mutant_clone ------------------------------------------------------------------------------------- */

enum { MC_B, MC_D, MC_BS, MC_U, MC_THRESHOLD, MC_R0, MC_N_PARAMS };
enum { MC_R, MC_REGIME, MC_H, MC_N_STATES };
enum { MC_IN_S, MC_IN_KILL_RATE, MC_N_INPUTS };
enum { MC_RESISTANT, MC_MUTATION_LOSS, MC_N_OUTPUTS };

static const ts_param mc_params[MC_N_PARAMS] = {
    [MC_B] = {.name = "b",
              .unit = "1/d",
              .default_value = 0.14,
              .lower = 0.0,
              .upper = INFINITY,
              .doc = "Birth (division) rate of resistant cells (Bozic et al. 2013, eLife 2:e00747: 0.14 /d)"},
    [MC_D] = {.name = "d",
              .unit = "1/d",
              .default_value = 0.13,
              .lower = 0.0,
              .upper = INFINITY,
              .doc = "Death rate of resistant cells without kill_rate (Bozic et al. 2013: 0.13 /d)"},
    [MC_BS] = {.name = "bS",
               .unit = "1/d",
               .default_value = 0.14,
               .lower = 0.0,
               .upper = INFINITY,
               .doc = "Birth (division) rate of the sensitive cells on input S (Bozic et al. 2013: 0.14 /d)"},
    [MC_U] = {.name = "u",
              .unit = "1",
              .default_value = 1e-7,
              .lower = 0.0,
              .upper = 1.0,
              .doc = "Probability that a division of a sensitive cell yields a resistant daughter (Iwasa et al. "
                     "2006's u; 1e-7 is about 100 resistance point mutations at 1e-9 each)"},
    [MC_THRESHOLD] = {.name = "threshold",
                      .unit = "cells",
                      .default_value = 1e4,
                      .lower = 1.0,
                      .upper = INFINITY,
                      .doc = "Clone size from which R is deterministic (hybrid hand-off; a numerical choice)"},
    [MC_R0] = {.name = "R0",
               .unit = "cells",
               .default_value = 0.0,
               .lower = 0.0,
               .upper = INFINITY,
               .doc = "Resistant cells at the start; a whole number when below threshold (default: none)"},
};

static const ts_state mc_states[MC_N_STATES] = {
    [MC_R] = {.name = "R",
              .unit = "cells",
              .nominal = 1e4,
              .flags = TS_STATE_NONNEGATIVE,
              .doc = "Resistant cells: a whole number while stochastic, real once deterministic"},
    [MC_REGIME] = {.name = "regime",
                   .unit = "1",
                   .nominal = 1.0,
                   .flags = TS_STATE_NONNEGATIVE,
                   .doc = "0 while R is simulated stochastically, 1 once deterministic; changed only by step()"},
    [MC_H] = {.name = "H",
              .unit = "cells",
              .nominal = 1.0,
              .flags = TS_STATE_NONNEGATIVE,
              .doc = "Expected number of mutants produced since the start, the integral of u*bS*S"},
};

static const ts_input mc_inputs[MC_N_INPUTS] = {
    [MC_IN_S] = {.name = "S",
                 .unit = "cells",
                 .type = TS_REAL,
                 .flags = 0,
                 .default_value = 0.0,
                 .doc = "Drug-sensitive cells that mutate, e.g. a tumor's N (required; S < 0 is read as 0)"},
    [MC_IN_KILL_RATE] = {.name = "kill_rate",
                         .unit = "1/d",
                         .type = TS_REAL,
                         .flags = TS_INPUT_SUM,
                         .default_value = 0.0,
                         .doc =
                             "Sum of extra per-cell death rates of resistant cells (e.g. immune kill; not the drug)"},
};

static const ts_output mc_outputs[MC_N_OUTPUTS] = {
    [MC_RESISTANT] = {.name = "resistant",
                      .unit = "1",
                      .type = TS_FLAG,
                      .direct_inputs = NULL,
                      .doc = "1 while at least one resistant cell exists (R >= 1), else 0"},
    [MC_MUTATION_LOSS] = {.name = "mutation_loss",
                          .unit = "1/d",
                          .type = TS_REAL,
                          .direct_inputs = NULL,
                          .doc =
                              "u*bS, the per-cell rate at which S loses cells to R; wire to the S model's kill_rate"},
};

typedef struct mc_instance {
  double h_mark; /* H at the previous step (or at the start of the patient) */
} mc_instance;

static int mc_create(const ts_host *host, void **instance) {
  mc_instance *inst = calloc(1, sizeof *inst);
  if (!inst) {
    host->set_error(host, "out of memory allocating the mutant_clone instance");
    return TS_FAILURE;
  }
  *instance = inst;
  return TS_OK;
}

static void mc_destroy(void *instance) {
  free(instance);
}

/* Sets the host error message and returns TS_FAILURE. */
static int fail(const ts_host *host, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(const ts_host *host, const char *fmt, ...) {
  char message[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
  host->set_error(host, message);
  return TS_FAILURE;
}

static int mc_init(void *instance, const ts_host *host, const double *params, double t0, double *y0) {
  (void)t0;
  mc_instance *inst = instance;
  const double r0 = params[MC_R0];
  const int deterministic = r0 >= params[MC_THRESHOLD];
  if (!deterministic && r0 != floor(r0))
    return fail(host,
                "R0 = %.17g cells is below threshold = %g cells, so the clone starts stochastic and R0 must be "
                "a whole number",
                r0, params[MC_THRESHOLD]);
  y0[MC_R] = r0;
  y0[MC_REGIME] = deterministic ? 1.0 : 0.0;
  y0[MC_H] = 0.0;
  inst->h_mark = 0.0;
  return TS_OK;
}

/* The regime state is 0 or 1; the solver may leave round-off on it, hence the comparison with 1/2. */
static int is_deterministic(const double *states) {
  return states[MC_REGIME] >= 0.5;
}

/* The mutation supply u*bS*S (cells/d); S < 0 (solver noise around an extinct S) is read as 0. */
static double supply(const double *p, double s) {
  return p[MC_U] * p[MC_BS] * (s > 0.0 ? s : 0.0);
}

static int mc_compute_outputs(void *instance, const ts_eval *e) {
  (void)instance;
  /* R is a whole number while stochastic, maybe with solver round-off: >= 0.5 reads "at least one cell". A
   * deterministic R is above threshold/4 >= 0.25; between 0.25 and 0.5 it is read as no cell, as rounding would. */
  e->outputs[MC_RESISTANT] = e->states[MC_R] >= 0.5 ? 1.0 : 0.0;
  e->outputs[MC_MUTATION_LOSS] = e->params[MC_U] * e->params[MC_BS];
  return TS_OK;
}

static int mc_compute_derivatives(void *instance, const ts_eval *e) {
  (void)instance;
  const double *p = e->params;
  const double m = supply(p, e->inputs[MC_IN_S]);
  if (is_deterministic(e->states)) {
    const double net = p[MC_B] - p[MC_D] - e->inputs[MC_IN_KILL_RATE];
    e->derivatives[MC_R] = net * e->states[MC_R] + m;
  } else {
    e->derivatives[MC_R] = 0.0;
  }
  e->derivatives[MC_REGIME] = 0.0;
  e->derivatives[MC_H] = m;
  return TS_OK;
}

/* Blocks (column-major, entry (i, j) at [i + j*rows]): d_deriv_d_states 3 x 3, d_deriv_d_inputs 3 x 2,
 * d_out_d_states 2 x 3 and d_out_d_inputs 2 x 2 (both zero: the flag is piecewise constant, mutation_loss a
 * constant). The regime enters as a switch, whose derivative is 0 on both sides. At S = 0 the right-hand
 * derivative is used. */
static int mc_jacobian(void *instance, const ts_eval *e, double *d_deriv_d_states, double *d_deriv_d_inputs,
                       double *d_out_d_states, double *d_out_d_inputs) {
  (void)instance, (void)d_out_d_states, (void)d_out_d_inputs;
  const double *p = e->params;
  const double dm_ds = e->inputs[MC_IN_S] >= 0.0 ? p[MC_U] * p[MC_BS] : 0.0;
  if (is_deterministic(e->states)) {
    d_deriv_d_states[MC_R + MC_R * MC_N_STATES] = p[MC_B] - p[MC_D] - e->inputs[MC_IN_KILL_RATE];
    d_deriv_d_inputs[MC_R + MC_IN_S * MC_N_STATES] = dm_ds;
    d_deriv_d_inputs[MC_R + MC_IN_KILL_RATE * MC_N_STATES] = -e->states[MC_R];
  }
  d_deriv_d_inputs[MC_H + MC_IN_S * MC_N_STATES] = dm_ds;
  return TS_OK;
}

/* ---- The stochastic step --------------------------------------------------------------------------------- */

/* expm1(z)/z, 1 at z = 0. */
static double expm1_over(double z) {
  return fabs(z) < 1e-12 ? 1.0 + 0.5 * z : expm1(z) / z;
}

/* The log-growth x = g*h of an exponential intensity whose mean over the step, relative to its end value, is rho:
 * rho = (1 - exp(-x))/x = expm1_over(-x), a decreasing function of x. Bisection: robust, and run once a step. */
static double log_growth(double rho) {
  double lo = -RS_MAX_LOG_GROWTH, hi = RS_MAX_LOG_GROWTH;
  if (!(rho < expm1_over(-lo)))
    return lo;
  if (!(rho > expm1_over(-hi)))
    return hi;
  while (hi - lo > 1e-12) {
    const double mid = 0.5 * (lo + hi);
    if (expm1_over(-mid) > rho)
      lo = mid;
    else
      hi = mid;
  }
  return 0.5 * (lo + hi);
}

/* The mutation intensity over one step of length h, in local time s in [0, h]: m(s) = m_end*exp(x*(s/h - 1)),
 * of integral A. */
typedef struct intensity {
  double A, x, m_end, h;
} intensity;

static intensity make_intensity(double A, double m_end_observed, double h) {
  intensity in = {.A = A, .x = 0.0, .m_end = 0.0, .h = h};
  if (A <= 0.0)
    return in;
  /* m_end_observed*h*expm1_over(-x) = A; with no observed end value (S = 0), the mass sits at the start. */
  in.x = m_end_observed > 0.0 ? log_growth(A / (m_end_observed * h)) : -RS_MAX_LOG_GROWTH;
  in.m_end = A / (h * expm1_over(-in.x)); /* equals m_end_observed unless x was capped: the integral stays A */
  return in;
}

/* The local time at which the integral of m from 0 reaches level (0 <= level < A). */
static double arrival_time(const intensity *in, double level) {
  const double q = level / in->A;
  if (fabs(in->x) < 1e-9)
    return q * in->h;
  return in->h * log1p(q * expm1(in->x)) / in->x;
}

/* An exponential deviate of mean 1. random_uniform is in (0, 1), so the logarithm is finite. */
static double exponential(const ts_host *host) {
  return -log(host->random_uniform(host));
}

/* The clone over the rest of a step, from local time tau to h, by the deterministic equation
 * dR/ds = c*R + m(s) in closed form: R(h) = R(tau) e^{cL} + m_end * L * expm1_over((c - g)L), L = h - tau. */
static double deterministic_rest(const intensity *in, double r, double c, double tau) {
  const double L = in->h - tau;
  if (!(L > 0.0))
    return r;
  const double g = in->x / in->h;
  return r * exp(c * L) + (in->A > 0.0 ? in->m_end * L * expm1_over((c - g) * L) : 0.0);
}

static int mc_step(void *instance, const ts_eval *e, double h, double *states) {
  mc_instance *inst = instance;
  const ts_host *host = e->host;
  const double *p = e->params;
  const double h_now = states[MC_H];
  const double A = h_now > inst->h_mark ? h_now - inst->h_mark : 0.0; /* mutants expected in (t-h, t] */
  inst->h_mark = h_now;

  if (is_deterministic(states)) {
    const double r = states[MC_R];
    if (r >= p[MC_THRESHOLD] / RS_HYSTERESIS)
      return TS_OK;
    /* Back to the stochastic regime with a whole number of cells, rounded at random so that the mean is kept. */
    const double whole = floor(r);
    states[MC_R] = whole + (host->random_uniform(host) < r - whole ? 1.0 : 0.0);
    states[MC_REGIME] = 0.0;
    return TS_OK;
  }

  const double birth = p[MC_B];
  const double death = p[MC_D] + e->inputs[MC_IN_KILL_RATE];
  if (!(death >= 0.0))
    return fail(host, "the death rate of resistant cells d + kill_rate = %g + %g 1/d is negative at t = %g d", p[MC_D],
                e->inputs[MC_IN_KILL_RATE], e->t);
  const intensity in = make_intensity(A, supply(p, e->inputs[MC_IN_S]), h);

  double r = nearbyint(states[MC_R]); /* a whole number; the solver may have left round-off on it */
  double tau = 0.0;
  double next_level = in.A > 0.0 ? exponential(host) : INFINITY; /* integrated hazard of the next mutation */
  long events = 0;
  for (;;) {
    if (r >= p[MC_THRESHOLD]) {
      states[MC_R] = deterministic_rest(&in, r, birth - death, tau);
      states[MC_REGIME] = 1.0;
      if (host->log) {
        char message[160];
        snprintf(message, sizeof message, "R reached %g cells at t = %.9g d: deterministic from now", r,
                 e->t - h + tau);
        host->log(host, TS_LOG_DEBUG, message);
      }
      return TS_OK;
    }
    const double rate = (birth + death) * r;
    const double tau_clone = rate > 0.0 ? tau + exponential(host) / rate : INFINITY;
    const double tau_mutation = next_level < in.A ? arrival_time(&in, next_level) : INFINITY;
    if (tau_mutation <= tau_clone) {
      if (!(tau_mutation <= h))
        break;
      tau = tau_mutation;
      r += 1.0;
      next_level += exponential(host);
    } else {
      if (!(tau_clone <= h))
        break;
      tau = tau_clone;
      r += host->random_uniform(host) * (birth + death) < birth ? 1.0 : -1.0;
    }
    if (++events > RS_MAX_EVENTS)
      return fail(host,
                  "more than %ld stochastic events in one step of %g d at t = %g d (R = %g cells, %g mutants "
                  "expected): lower the threshold or the step",
                  RS_MAX_EVENTS, h, e->t, r, in.A);
  }
  states[MC_R] = r;
  return TS_OK;
}

static const ts_model mutant_clone = {
    TS_MODEL_HEADER,
    .name = "mutant_clone",
    .version = "1.0.0",
    .doc = "Resistant clone arising by mutation from the sensitive population S: stochastic while small, then "
           "deterministic",
    .params = mc_params,
    .n_params = MC_N_PARAMS,
    .states = mc_states,
    .n_states = MC_N_STATES,
    .inputs = mc_inputs,
    .n_inputs = MC_N_INPUTS,
    .outputs = mc_outputs,
    .n_outputs = MC_N_OUTPUTS,
    .dose_targets = NULL,
    .n_dose_targets = 0,
    .flags = 0,
    .create = mc_create,
    .destroy = mc_destroy,
    .init = mc_init,
    .compute_outputs = mc_compute_outputs,
    .compute_derivatives = mc_compute_derivatives,
    .jacobian = mc_jacobian,
    .step = mc_step,
    .bolus = NULL,
};

/* ---- The library ----------------------------------------------------------------------------------------- */

static const ts_model *const resistance_models[] = {&mutant_clone};

TS_PLUGIN_EXPORT const ts_plugin *TS_PLUGIN_ENTRY(void) {
  static const ts_plugin plugin = {
      TS_PLUGIN_HEADER,
      .name = "resistance",
      .version = "1.0.0",
      .doc = "Stochastic emergence of drug resistance by mutation, with a hybrid stochastic/deterministic clone",
      .models = resistance_models,
      .n_models = (uint32_t)(sizeof resistance_models / sizeof resistance_models[0])};
  return &plugin;
}
