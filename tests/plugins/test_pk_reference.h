/*
 * Independent references for the pk plugin's end-to-end tests (test_pk_linear.c, test_pk_oral.c, test_pk_mm.c,
 * test_pk_scenarios.c): closed forms of linear compartmental models, the Lambert W function, and a fixed-step
 * RK4 integrator, plus a helper that runs a scenario text through the scheduler with tight tolerances.
 *
 * Nothing here calls the plugin: the references are written from the textbook solutions, so that a wrong model
 * cannot make a test pass.
 *
 * Linear models. A unit dose into a compartment makes the central amount a sum of exponentials,
 *   h(t) = sum_i coef[i] * exp(-rate[i] * t)                     t >= 0,
 * found by partial fractions of its Laplace transform (M. Gibaldi and D. Perrier, Pharmacokinetics, 2nd ed.,
 * Marcel Dekker 1982, ch. 2 and appendix B; J. G. Wagner, Fundamentals of Clinical Pharmacokinetics, 1975):
 *   IV into central:    A1(s) =      prod_m (s + k_m1) / prod_i (s + lambda_i)
 *   oral into depot:    A1(s) = ka * prod_m (s + k_m1) / ((s + ka) * prod_i (s + lambda_i))
 * where k_m1 are the return rate constants of the peripheral compartments and lambda_i the disposition rate
 * constants, the roots of the characteristic polynomial (lambda for one compartment, the quadratic for two, the
 * cubic, solved by the trigonometric formula, for three). The residue at a pole s = -r is
 *   coef(r) = gain * prod_m (k_m1 - r) / prod_{p != r} (p - r).
 * The oral case is the Bateman function and its multi-exponential generalisation. A bolus D gives D * h(t - t0); a
 * zero-order input at rate R for a time T gives R * sum_i coef[i]/rate[i] * (1 - exp(-rate[i]*on)) *
 * exp(-rate[i]*(t - t0 - on)) with on = min(t - t0, T); repeated doses add up (superposition).
 *
 * Every function is static inline so that each test program may use a part of them without warnings. Include
 * this header after <cmocka.h> (it calls fail_msg).
 */
#ifndef TWINSIM_TEST_PK_REFERENCE_H
#define TWINSIM_TEST_PK_REFERENCE_H

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#define PK_PI 3.14159265358979323846

/* ---- Linear compartmental closed forms --------------------------------------------------------------------- */

/* Micro rate constants (1/d) of a mammillary model with 0, 1 or 2 peripheral compartments. */
typedef struct pk_micro {
  int n_periph;
  double v1;                  /* central volume, L */
  double k10;                 /* CL/V1 */
  double k_out[2], k_back[2]; /* k1m = Qm/V1, km1 = Qm/Vm */
} pk_micro;

/* From NONMEM-style parameters: CL (L/d), V1 (L), and Q, V of each peripheral compartment. */
static inline pk_micro pk_micro_from(double cl, double v1, int n_periph, const double *q, const double *v) {
  pk_micro m = {.n_periph = n_periph, .v1 = v1, .k10 = cl / v1};
  for (int i = 0; i < n_periph; i++) {
    m.k_out[i] = q[i] / v1;
    m.k_back[i] = q[i] / v[i];
  }
  return m;
}

/* Coefficients of the characteristic polynomial lambda^n - c[0] lambda^(n-1) + c[1] lambda^(n-2) - ... whose
 * roots are the disposition rate constants; returns n = n_periph + 1. */
static inline int pk_char_poly(const pk_micro *m, double c[3]) {
  if (m->n_periph == 0) {
    c[0] = m->k10;
    return 1;
  }
  if (m->n_periph == 1) {
    c[0] = m->k10 + m->k_out[0] + m->k_back[0];
    c[1] = m->k10 * m->k_back[0];
    return 2;
  }
  const double k10 = m->k10, k12 = m->k_out[0], k21 = m->k_back[0], k13 = m->k_out[1], k31 = m->k_back[1];
  c[0] = k10 + k12 + k21 + k13 + k31;
  c[1] = k10 * k21 + k10 * k31 + k21 * k31 + k12 * k31 + k13 * k21;
  c[2] = k10 * k21 * k31;
  return 3;
}

static inline double pk_char_value(int n, const double c[3], double x, double *slope) {
  if (n == 1) {
    *slope = 1;
    return x - c[0];
  }
  if (n == 2) {
    *slope = 2 * x - c[0];
    return x * x - c[0] * x + c[1];
  }
  *slope = 3 * x * x - 2 * c[0] * x + c[1];
  return ((x - c[0]) * x + c[1]) * x - c[2];
}

/* The disposition rate constants, largest first (alpha, beta, gamma), each polished by Newton's method on the
 * characteristic polynomial. Returns their number. */
static inline int pk_disposition_rates(const pk_micro *m, double lambda[3]) {
  double c[3] = {0, 0, 0};
  int n = pk_char_poly(m, c);
  if (n == 1) {
    lambda[0] = c[0];
  } else if (n == 2) {
    const double disc = sqrt(c[0] * c[0] - 4 * c[1]);
    lambda[0] = 0.5 * (c[0] + disc);
    lambda[1] = c[1] / lambda[0]; /* product of the roots; avoids the cancellation in (sum - disc)/2 */
  } else {
    /* lambda = x + c0/3 turns the cubic into x^3 + p x + q = 0 with three real roots (p < 0). */
    const double s = c[0] / 3, p = c[1] - c[0] * c[0] / 3, q = -2 * s * s * s + c[1] * s - c[2];
    const double r = 2 * sqrt(-p / 3), phi = acos(fmax(-1.0, fmin(1.0, 3 * q / (p * r)))) / 3;
    for (int k = 0; k < 3; k++)
      lambda[k] = s + r * cos(phi - 2 * PK_PI * k / 3);
  }
  for (int i = 0; i < n; i++) {
    for (int it = 0; it < 5; it++) {
      double slope, f = pk_char_value(n, c, lambda[i], &slope);
      if (slope != 0)
        lambda[i] -= f / slope;
    }
  }
  for (int i = 1; i < n; i++) /* sort, largest first */
    for (int j = i; j > 0 && lambda[j] > lambda[j - 1]; j--) {
      double t = lambda[j];
      lambda[j] = lambda[j - 1];
      lambda[j - 1] = t;
    }
  return n;
}

/* The central amount after a unit dose: sum of coef[i] exp(-rate[i] t). */
typedef struct pk_response {
  int n;
  double coef[4], rate[4];
  double v1; /* to turn amounts into concentrations */
} pk_response;

/* Partial fractions of gain * prod_m (s + zeros[m]) / prod_i (s + poles[i]); the poles must be distinct. */
static inline pk_response pk_partial_fractions(double gain, const double *zeros, int n_zeros, const double *poles,
                                               int n_poles) {
  pk_response r = {.n = n_poles};
  for (int i = 0; i < n_poles; i++) {
    double num = gain, den = 1;
    for (int m = 0; m < n_zeros; m++)
      num *= zeros[m] - poles[i];
    for (int j = 0; j < n_poles; j++)
      if (j != i)
        den *= poles[j] - poles[i];
    r.coef[i] = num / den;
    r.rate[i] = poles[i];
  }
  return r;
}

/* Unit IV bolus into the central compartment. */
static inline pk_response pk_iv_response(const pk_micro *m) {
  double lambda[3];
  int n = pk_disposition_rates(m, lambda);
  pk_response r = pk_partial_fractions(1.0, m->k_back, m->n_periph, lambda, n);
  r.v1 = m->v1;
  return r;
}

/* Unit dose into a first-order absorption depot (F not included); ka must differ from every lambda. */
static inline pk_response pk_oral_response(const pk_micro *m, double ka) {
  double poles[4];
  int n = pk_disposition_rates(m, poles);
  poles[n] = ka;
  pk_response r = pk_partial_fractions(ka, m->k_back, m->n_periph, poles, n + 1);
  r.v1 = m->v1;
  return r;
}

/* A dose as the host applies it: time after the lag, amount after F, duration 0 for a bolus. `route` picks the
 * response (e.g. 0 depot, 1 central). */
typedef struct pk_dose {
  double time, amount, duration;
  int route;
} pk_dose;

/* Central amount at t due to one dose; at the dose time itself the value before the dose (the host's trough
 * convention). */
static inline double pk_dose_amount(const pk_response *r, const pk_dose *d, double t) {
  if (t <= d->time)
    return 0.0;
  double a = 0;
  if (d->duration <= 0) {
    for (int i = 0; i < r->n; i++)
      a += d->amount * r->coef[i] * exp(-r->rate[i] * (t - d->time));
    return a;
  }
  const double rate = d->amount / d->duration, on = fmin(t - d->time, d->duration);
  for (int i = 0; i < r->n; i++) {
    const double k = r->rate[i];
    a += rate * r->coef[i] / k * -expm1(-k * on) * exp(-k * (t - d->time - on));
  }
  return a;
}

/* Area under the central concentration from the dose to t (mg*d/L), for the AUC checks. */
static inline double pk_dose_auc(const pk_response *r, const pk_dose *d, double t) {
  if (t <= d->time)
    return 0.0;
  double auc = 0;
  const double s = t - d->time;
  for (int i = 0; i < r->n; i++) {
    const double k = r->rate[i], c = r->coef[i] / r->v1;
    if (d->duration <= 0) {
      auc += d->amount * c / k * -expm1(-k * s);
    } else {
      /* integral of the infusion response: R c/k [ on - (1 - e^{-k on})/k + (1 - e^{-k on})/k (1 - e^{-k (s - on)}) ]
       */
      const double rate = d->amount / d->duration, on = fmin(s, d->duration);
      const double during = on - -expm1(-k * on) / k;
      const double after = -expm1(-k * on) / k * -expm1(-k * (s - on));
      auc += rate * c / k * (during + after);
    }
  }
  return auc;
}

/* ---- Lambert W and the Michaelis-Menten bolus ---------------------------------------------------------------- */

/* The principal branch of Lambert W at x = exp(L), i.e. the w > 0 with w + ln(w) = L, by Newton's method on
 * f(w) = w + ln w - L (increasing and concave, so the iterates approach the root from below after the first step
 * and stay positive). Working with L = ln x avoids overflow for large x. */
static inline double pk_lambert_w_exp(double L) {
  double w = L > 1 ? L - log(L) : exp(L);
  for (int it = 0; it < 100; it++) {
    const double step = (w + log(w) - L) * w / (w + 1);
    w -= step;
    if (fabs(step) <= 1e-16 * w)
      break;
  }
  return w;
}

/* One-compartment Michaelis-Menten elimination, dC/dt = -(Vmax/V) C/(Km + C), from C0 at time 0:
 *   Km ln(C/C0) + C - C0 = -(Vmax/V) t   =>   C(t) = Km W( (C0/Km) exp((C0 - (Vmax/V) t)/Km) )
 * (S. Schnell and C. Mendoza, J Theor Biol 187:207, 1997; J. Tang and Y. Xiao, J Pharmacokinet Pharmacodyn
 * 34:807, 2007). */
static inline double pk_mm_bolus(double c0, double vmax, double km, double v, double t) {
  if (c0 <= 0)
    return 0.0;
  return km * pk_lambert_w_exp(log(c0 / km) + (c0 - vmax / v * t) / km);
}

/* ---- A fixed-step RK4 reference integrator ----------------------------------------------------------------- */

typedef void (*pk_rhs_fn)(const double *params, const double *input, const double *y, double *dydt);

/* Integrates dy/dt = f(y) from t to t_end (n states <= 8) with equal steps no longer than h. */
static inline void pk_rk4(pk_rhs_fn f, const double *params, const double *input, int n, double *y, double t,
                          double t_end, double h) {
  if (!(t_end > t))
    return;
  const long steps = (long)ceil((t_end - t) / h);
  const double dt = (t_end - t) / (double)steps;
  double k1[8], k2[8], k3[8], k4[8], tmp[8];
  for (long s = 0; s < steps; s++) {
    f(params, input, y, k1);
    for (int i = 0; i < n; i++)
      tmp[i] = y[i] + 0.5 * dt * k1[i];
    f(params, input, tmp, k2);
    for (int i = 0; i < n; i++)
      tmp[i] = y[i] + 0.5 * dt * k2[i];
    f(params, input, tmp, k3);
    for (int i = 0; i < n; i++)
      tmp[i] = y[i] + dt * k3[i];
    f(params, input, tmp, k4);
    for (int i = 0; i < n; i++)
      y[i] += dt / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
  }
}

/* ---- Sample times and scenarios ----------------------------------------------------------------------------- */

/* Sorts times[0..n) and removes duplicates closer than 1e-12 d; returns the new count. */
static inline size_t pk_sort_times(double *times, size_t n) {
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && times[j] < times[j - 1]; j--) {
      double t = times[j];
      times[j] = times[j - 1];
      times[j - 1] = t;
    }
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (m == 0 || times[i] > times[m - 1] + 1e-12)
      times[m++] = times[i];
  return m;
}

/* Sample times in [0, horizon]: a grid every `step`, plus each event time itself and 1e-4 d before and after it. */
static inline size_t pk_sample_times(double step, double horizon, const double *events, size_t n_events, double *times,
                                     size_t cap) {
  size_t n = 0;
  for (double t = 0; t <= horizon + 1e-12 && n < cap; t += step)
    times[n++] = t;
  for (size_t k = 0; k < n_events; k++) {
    const double around[] = {events[k] - 1e-4, events[k], events[k] + 1e-4};
    for (size_t j = 0; j < 3; j++)
      if (around[j] >= 0 && around[j] < horizon && n < cap)
        times[n++] = around[j];
  }
  return pk_sort_times(times, n);
}

/* Writes `times` as a YAML flow list of days into buf. */
static inline void pk_times_yaml(const double *times, size_t n, char *buf, size_t cap) {
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < n && used < cap; i++)
    used += (size_t)snprintf(buf + used, cap - used, "%s%.17g d", i ? ", " : "", times[i]);
}

/* Runs one patient of a scenario made of `model_and_doses` (the model: and doses: sections), sampled at `times`,
 * recording `signals` (a YAML flow list), with the solver at rtol 1e-10 and atol 1e-14 in each state's unit.
 * Fails the test if the scenario does not load or the patient fails. */
static inline void pk_simulate(ts_test_sim *s, const char *name, const char *model_and_doses, const double *times,
                               size_t n, const char *signals) {
  static char list[1 << 16], yaml[1 << 17];
  pk_times_yaml(times, n, list, sizeof list);
  snprintf(yaml, sizeof yaml,
           "twinsim: 1\nname: %s\n%shorizon: %.17g d\noutput:\n  times: [%s]\n  signals: %s\n"
           "solver:\n  rtol: 1e-10\n  atol: 1e-14\n",
           name, model_and_doses, times[n - 1], list, signals);
  ts_test_simulate(s, name, yaml);
  if (s->res.failed)
    fail_msg("%s: the patient failed: %s", name, s->res.message);
  if (s->res.n_times != n)
    fail_msg("%s: %zu samples recorded, %zu expected", name, s->res.n_times, n);
}

/* ---- Regimens checked against the closed forms ------------------------------------------------------------- */

/* A line of the scenario's doses: section and what the host makes of it. f and lag are the model's F and tlag
 * for this target (1 and 0 when it has none); route indexes the responses of pk_check_regimen. */
typedef struct pk_plan {
  const char *target; /* dose target name, e.g. "central" */
  int route;
  double amount, start, duration, interval; /* mg, d; duration 0 for a bolus */
  int count;
  double f, lag;
} pk_plan;

/* Appends the plan's doses as the host schedules them (dosing.c: time start + lag + i*interval, amount F*amount,
 * an infusion by duration keeping its duration) and its event times (dose, infusion end, and the nominal time
 * when there is a lag). */
static inline void pk_expand(const pk_plan *p, pk_dose *doses, size_t *n_doses, double *events, size_t *n_events) {
  const double amount = p->f * p->amount;
  for (int i = 0; i < p->count; i++) {
    const double t = p->start + p->lag + (double)i * p->interval;
    doses[(*n_doses)++] = (pk_dose){.time = t, .amount = amount, .duration = p->duration, .route = p->route};
    events[(*n_events)++] = t;
    if (p->duration > 0)
      events[(*n_events)++] = t + p->duration;
    if (p->lag > 0)
      events[(*n_events)++] = p->start + (double)i * p->interval;
  }
}

/* Appends the plan to a YAML doses: section. */
static inline void pk_plan_yaml(const pk_plan *p, char *buf, size_t cap) {
  size_t used = strlen(buf);
  used += (size_t)snprintf(buf + used, cap - used, "  - target: pk.%s\n    amount: %.17g mg\n    start: %.17g d\n",
                           p->target, p->amount, p->start);
  if (p->duration > 0)
    used += (size_t)snprintf(buf + used, cap - used, "    duration: %.17g d\n", p->duration);
  if (p->count > 1)
    snprintf(buf + used, cap - used, "    interval: %.17g d\n    count: %d\n", p->interval, p->count);
}

/* Central concentration (mg/L) at t from every dose; routes index `responses`. */
static inline double pk_expected_conc(const pk_response *responses, const pk_dose *doses, size_t n_doses, double t) {
  double a = 0;
  for (size_t k = 0; k < n_doses; k++)
    a += pk_dose_amount(&responses[doses[k].route], &doses[k], t);
  return a / responses[0].v1;
}

/* Area under the central concentration from 0 to t (mg*d/L). */
static inline double pk_expected_auc(const pk_response *responses, const pk_dose *doses, size_t n_doses, double t) {
  double auc = 0;
  for (size_t k = 0; k < n_doses; k++)
    auc += pk_dose_auc(&responses[doses[k].route], &doses[k], t);
  return auc;
}

#define PK_MAX_DOSES   64
#define PK_MAX_SAMPLES 1024

/* Simulates `model` (e.g. "pk/three_compartment") with the parameter lines `params` under the plans, sampled on
 * a grid every `grid` d up to `horizon` and around every event, and compares pk.C with the closed form: relative
 * error <= tol, values below 1e-6 of the peak being compared with that floor instead (the solver's absolute
 * tolerance makes relative errors meaningless near 0). With `with_auc`, a pk/auc instance integrates pk.C and
 * its AUC is compared in the same way. Returns the worst relative error seen. */
static inline double pk_check_regimen(const char *name, const char *model, const char *params, const pk_plan *plans,
                                      size_t n_plans, const pk_response *responses, double horizon, double grid,
                                      int with_auc, double tol) {
  pk_dose doses[PK_MAX_DOSES];
  double events[3 * PK_MAX_DOSES], times[PK_MAX_SAMPLES];
  size_t n_doses = 0, n_events = 0;
  static char text[1 << 14];
  int used = snprintf(text, sizeof text, "model:\n  pk:\n    model: %s\n    parameters:\n%s", model, params);
  if (with_auc)
    used +=
        snprintf(text + used, sizeof text - (size_t)used, "  auc:\n    model: pk/auc\n    inputs:\n      C: pk.C\n");
  snprintf(text + used, sizeof text - (size_t)used, "doses:\n");
  for (size_t k = 0; k < n_plans; k++) {
    pk_expand(&plans[k], doses, &n_doses, events, &n_events);
    pk_plan_yaml(&plans[k], text, sizeof text);
  }
  const size_t n = pk_sample_times(grid, horizon, events, n_events, times, PK_MAX_SAMPLES);
  ts_test_sim s;
  pk_simulate(&s, name, text, times, n, with_auc ? "[pk.C, auc.AUC]" : "[pk.C]");
  const size_t width = with_auc ? 2 : 1;
  double peak = 0, peak_auc = 0, worst = 0;
  for (size_t i = 0; i < n; i++) {
    peak = fmax(peak, pk_expected_conc(responses, doses, n_doses, times[i]));
    peak_auc = fmax(peak_auc, pk_expected_auc(responses, doses, n_doses, times[i]));
  }
  for (size_t i = 0; i < n; i++) {
    const double want = pk_expected_conc(responses, doses, n_doses, times[i]);
    const double got = s.res.values[i * width];
    const double e = ts_test_relerr(got, want, 1e-6 * peak);
    worst = fmax(worst, e);
    if (e > tol)
      fail_msg("%s: C(%.6f d) = %.12g, closed form %.12g (relative error %.3g > %.1g)", name, times[i], got, want, e,
               tol);
    if (with_auc) {
      const double want_auc = pk_expected_auc(responses, doses, n_doses, times[i]);
      const double got_auc = s.res.values[i * width + 1];
      const double ea = ts_test_relerr(got_auc, want_auc, 1e-6 * peak_auc);
      worst = fmax(worst, ea);
      if (ea > tol)
        fail_msg("%s: AUC(%.6f d) = %.12g, closed form %.12g (relative error %.3g > %.1g)", name, times[i], got_auc,
                 want_auc, ea, tol);
    }
  }
  print_message("%-40s %4zu samples, %2zu doses, worst relative error %.2g\n", name, n, n_doses, worst);
  ts_test_sim_free(&s);
  return worst;
}

#endif
