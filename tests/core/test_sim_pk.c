/* The scheduler against closed-form pharmacokinetics: one- and two-compartment models, IV bolus and zero-order
 * infusion, repeated doses, sampled just before, at and just after every dose and on a grid in between.
 *
 * Reference: the linear compartmental solutions (Gibaldi & Perrier, Pharmacokinetics, 2nd ed., ch. 1-2), by
 * superposition of single doses. The central concentration after a unit bolus at time 0 is
 *   one compartment:  h(t) = exp(-k t) / V,                          k = CL/V
 *   two compartments: h(t) = (A exp(-alpha t) + B exp(-beta t)) / V1, with alpha, beta the roots of
 *                     s^2 - (k10 + k12 + k21) s + k10 k21 and A = (alpha - k21)/(alpha - beta), B = 1 - A;
 * an infusion at rate R for a time T is R times the integral of h. At tight tolerances (rtol 1e-10) the relative
 * error must stay below 1e-6. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "run.h"
#include "sim.h"
#include "test_support.h"

/* Exponential terms of the unit-bolus response: h(t) = sum coef[i] exp(-rate[i] t). */
typedef struct response {
  int n;
  double coef[2], rate[2];
} response;

static response one_compartment(double CL, double V) {
  return (response){1, {1.0 / V, 0}, {CL / V, 0}};
}

static response two_compartment(double CL, double V1, double Q, double V2) {
  double k10 = CL / V1, k12 = Q / V1, k21 = Q / V2;
  double sum = k10 + k12 + k21, disc = sqrt(sum * sum - 4.0 * k10 * k21);
  double alpha = 0.5 * (sum + disc), beta = 0.5 * (sum - disc);
  double a = (alpha - k21) / (alpha - beta);
  return (response){2, {a / V1, (1.0 - a) / V1}, {alpha, beta}};
}

/* Concentration at t after a bolus of `amount` at t0; at t0 itself the value before the dose, as the scheduler
 * records a sample at a dose time before the dose. */
static double bolus_conc(const response *r, double amount, double t0, double t) {
  if (t <= t0)
    return 0.0;
  double c = 0;
  for (int i = 0; i < r->n; i++)
    c += amount * r->coef[i] * exp(-r->rate[i] * (t - t0));
  return c;
}

/* Concentration at t after an infusion at `rate` from t0 for `duration`. */
static double infusion_conc(const response *r, double rate, double t0, double duration, double t) {
  if (t <= t0)
    return 0.0;
  double c = 0, on = fmin(t - t0, duration);
  for (int i = 0; i < r->n; i++) {
    double k = r->rate[i];
    /* integral over the infusion's running time, then decay since it ended */
    c += rate * r->coef[i] / k * (1.0 - exp(-k * on)) * exp(-k * (t - t0 - on));
  }
  return c;
}

typedef struct regimen {
  const char *model;  /* pk/one_compartment or pk/two_compartment */
  const char *params; /* YAML lines of parameters */
  int infusion;       /* 0 bolus, 1 infusion given by duration */
  double amount, duration, interval;
  int count;
  response r;
} regimen;

static double expected(const regimen *g, double t) {
  double c = 0;
  for (int d = 0; d < g->count; d++) {
    double t0 = d * g->interval;
    c += g->infusion ? infusion_conc(&g->r, g->amount / g->duration, t0, g->duration, t)
                     : bolus_conc(&g->r, g->amount, t0, t);
  }
  return c;
}

/* Output times: a grid every 0.5 d, plus 1e-4 d before and after every dose and infusion end. */
static size_t sample_times(const regimen *g, double horizon, double *times, size_t cap) {
  size_t n = 0;
  for (double t = 0; t <= horizon + 1e-12; t += 0.5)
    times[n++] = t;
  for (int d = 0; d < g->count; d++) {
    double t0 = d * g->interval;
    double around[] = {t0 - 1e-4, t0 + 1e-4, t0 + g->duration - 1e-4, t0 + g->duration + 1e-4};
    for (size_t k = 0; k < (g->infusion ? 4u : 2u); k++)
      if (around[k] > 0 && around[k] < horizon && n < cap)
        times[n++] = around[k];
  }
  /* insertion sort, then drop duplicates */
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && times[j] < times[j - 1]; j--) {
      double tmp = times[j];
      times[j] = times[j - 1];
      times[j - 1] = tmp;
    }
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (m == 0 || times[i] > times[m - 1] + 1e-12)
      times[m++] = times[i];
  return m;
}

static void check_regimen(const regimen *g) {
  const double horizon = g->interval * g->count + 10.0;
  double times[512];
  size_t n = sample_times(g, horizon, times, 512);
  char yaml[16384], list[8192] = "";
  size_t used = 0;
  for (size_t i = 0; i < n; i++)
    used += (size_t)snprintf(list + used, sizeof list - used, "%s%.17g d", i ? ", " : "", times[i]);
  char dose_kind[64] = "";
  if (g->infusion)
    snprintf(dose_kind, sizeof dose_kind, "    duration: %.17g d\n", g->duration);
  snprintf(yaml, sizeof yaml,
           "twinsim: 1\nname: closed_form\nmodel:\n  pk:\n    model: %s\n    parameters:\n%s"
           "doses:\n  - target: pk.central\n    amount: %.17g mg\n%s    interval: %.17g d\n    count: %d\n"
           "horizon: %.17g d\noutput:\n  times: [%s]\n  signals: [pk.C]\n"
           "solver:\n  rtol: 1e-10\n  atol: 1e-14\n",
           g->model, g->params, g->amount, dose_kind, g->interval, g->count, horizon, list);
  ts_test_sim s;
  ts_test_simulate(&s, "closed_form", yaml);
  const ts_sim_result *res = &s.res;
  assert_false(res->failed);
  assert_int_equal(res->n_times, n);
  /* Relative error, with values below a millionth of the peak compared to that floor instead. */
  double peak = 0, worst = 0;
  for (size_t i = 0; i < n; i++)
    peak = fmax(peak, expected(g, times[i]));
  for (size_t i = 0; i < n; i++) {
    double want = expected(g, times[i]);
    double e = ts_test_relerr(res->values[i], want, 1e-6 * peak);
    if (e > worst)
      worst = e;
    if (e > 1e-6)
      fail_msg("%s %s: C(%.6f d) = %.12g, closed form %.12g (relative error %.3g)", g->model,
               g->infusion ? "infusion" : "bolus", times[i], res->values[i], want, e);
  }
  print_message("%s %s: %zu samples, worst relative error %.3g\n", g->model, g->infusion ? "infusion" : "bolus", n,
                worst);
  /* The trough convention: a sample at a dose time is taken before the dose. */
  assert_true(res->values[0] == 0.0);
  ts_test_sim_free(&s);
}

static const char one_params[] = "      CL: 5 L/h\n      V: 50 L\n";
static const char two_params[] = "      CL: 120 L/d\n      V1: 10 L\n      Q: 48 L/d\n      V2: 20 L\n";

static void test_one_compartment_bolus(void **state) {
  (void)state;
  regimen g = {"pk/one_compartment", one_params, 0, 100, 0, 1.0, 4, one_compartment(5 * 24.0, 50)};
  check_regimen(&g);
}

static void test_one_compartment_infusion(void **state) {
  (void)state;
  regimen g = {"pk/one_compartment", one_params, 1, 100, 2.0 / 24, 1.0, 4, one_compartment(5 * 24.0, 50)};
  check_regimen(&g);
}

static void test_two_compartment_bolus(void **state) {
  (void)state;
  regimen g = {"pk/two_compartment", two_params, 0, 100, 0, 3.0, 5, two_compartment(120, 10, 48, 20)};
  check_regimen(&g);
}

static void test_two_compartment_infusion(void **state) {
  (void)state;
  regimen g = {"pk/two_compartment", two_params, 1, 100, 1.0 / 24, 3.0, 5, two_compartment(120, 10, 48, 20)};
  check_regimen(&g);
}

/* The closed form itself, checked once by hand so that a wrong reference cannot make the tests pass: a 100 mg
 * bolus into V = 50 L with k = 2.4/d gives 2 mg/L at once and 2 exp(-2.4) mg/L a day later. */
static void test_reference_formula(void **state) {
  (void)state;
  response r = one_compartment(120, 50);
  assert_float_equal(bolus_conc(&r, 100, 0, 0), 0.0, 0);
  assert_float_equal(bolus_conc(&r, 100, 0, 1e-12), 2.0, 1e-11);
  assert_float_equal(bolus_conc(&r, 100, 0, 1), 2.0 * exp(-2.4), 1e-15);
  response two = two_compartment(120, 10, 48, 20);
  assert_float_equal(two.coef[0] + two.coef[1], 1.0 / 10, 1e-15);                  /* h(0) = 1/V1 */
  assert_float_equal(two.rate[0] * two.rate[1], (120.0 / 10) * (48.0 / 20), 1e-9); /* alpha beta = k10 k21 */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reference_formula),        cmocka_unit_test(test_one_compartment_bolus),
      cmocka_unit_test(test_one_compartment_infusion), cmocka_unit_test(test_two_compartment_bolus),
      cmocka_unit_test(test_two_compartment_infusion),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
