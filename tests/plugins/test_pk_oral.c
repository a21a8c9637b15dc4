/*
 * The pk plugin's oral models through the scheduler: pk/one_compartment_oral, pk/two_compartment_oral and
 * pk/three_compartment_oral, and the cumulative AUC of pk/auc.
 *
 * What is checked, each against an independent reference (tests/plugins/test_pk_reference.h):
 *   - repeated oral doses with bioavailability F and lag time tlag against the Bateman function and its
 *     multi-exponential generalisation (superposition), for 1, 2 and 3 compartments; samples on a grid and at,
 *     just before and just after every (lagged) dose and every nominal dose time;
 *   - a zero-order input into the depot (an infusion into "depot": NONMEM keeps its duration, F scales the rate)
 *     and IV doses into "central" of the same models (no F, no lag), mixed with oral doses;
 *   - AUC to infinity = F*dose/CL through pk/auc over a long horizon, and the AUC at every sample against the
 *     integral of the closed form;
 *   - mass balance: with CL = 0 the amounts, depot included, add up to what was given (F times the depot doses
 *     plus the IV doses), at every sample.
 * Tolerances: solver rtol 1e-10, atol 1e-14; concentrations and AUCs within a relative error of 1e-6 (values below
 * 1e-6 of the peak compared with that floor); mass balance within 1e-9 of the amount given (it is exact up to
 * rounding and the solver's Newton iteration, see the test).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_pk_reference.h"

#define TOL      1e-6
#define DEPOT    0 /* routes: responses[0] is the oral one, responses[1] the IV one */
#define CENTRAL  1
#define MASS_TOL 1e-9

/* ---- The references themselves --------------------------------------------------------------------------- */

/* The one-compartment oral response is the Bateman function ka/(ka - k) (exp(-k t) - exp(-ka t)); its value at 0
 * is 0, its slope at 0 is ka (all of a unit dose starts in the depot), and its area is 1/k. The same properties
 * hold for two and three compartments: h(0) = 0, h'(0) = ka, area = 1/k10. */
static void test_reference_formulas(void **state) {
  (void)state;
  const double ka = 1.5 * 24, k = 0.1 * 24;
  const pk_micro one = pk_micro_from(5 * 24.0, 50, 0, NULL, NULL);
  const pk_response r = pk_oral_response(&one, ka);
  const pk_dose d = {.time = 0, .amount = 1, .duration = 0, .route = 0};
  for (double t = 0.01; t < 5; t += 0.37) {
    const double bateman = ka / (ka - k) * (exp(-k * t) - exp(-ka * t));
    assert_float_equal(pk_dose_amount(&r, &d, t), bateman, 1e-14);
  }
  const double q2[] = {48}, v2[] = {20}, q3[] = {30, 4}, v3[] = {15, 60};
  const pk_micro two = pk_micro_from(120, 10, 1, q2, v2), three = pk_micro_from(50, 12, 2, q3, v3);
  const pk_micro *all[] = {&one, &two, &three};
  for (int m = 0; m < 3; m++) {
    const pk_response o = pk_oral_response(all[m], 6.0);
    double h0 = 0, slope0 = 0, area = 0;
    for (int i = 0; i < o.n; i++) {
      h0 += o.coef[i];
      slope0 -= o.coef[i] * o.rate[i];
      area += o.coef[i] / o.rate[i];
    }
    assert_float_equal(h0, 0.0, 1e-12);
    assert_float_equal(slope0 / 6.0, 1.0, 1e-12);
    assert_float_equal(area * all[m]->k10, 1.0, 1e-12);
  }
  /* The AUC formula of an infusion equals the numerical integral of its concentration (Simpson, 2000 panels). */
  const pk_response r3 = pk_oral_response(&three, 6.0);
  const pk_dose inf = {.time = 0.5, .amount = 300, .duration = 0.25, .route = 0};
  double simpson = 0;
  const int n = 2000;
  const double a = 0.5, b = 3.0, h = (b - a) / n;
  for (int i = 0; i <= n; i++)
    simpson += (i == 0 || i == n ? 1 : (i % 2 ? 4 : 2)) * pk_dose_amount(&r3, &inf, a + i * h) / 12.0;
  assert_float_equal(pk_dose_auc(&r3, &inf, 3.0), simpson * h / 3, 1e-8);
}

/* ---- Oral doses with F and tlag ---------------------------------------------------------------------------- */

static void test_one_compartment_oral(void **state) {
  (void)state;
  const pk_micro m = pk_micro_from(5 * 24.0, 50, 0, NULL, NULL);
  const pk_response r[] = {pk_oral_response(&m, 1.5 * 24), pk_iv_response(&m)};
  const char *params = "      CL: 5 L/h\n      V: 50 L\n      ka: 1.5 1/h\n      F: 0.7\n      tlag: 1.5 h\n";
  const pk_plan plans[] = {{"depot", DEPOT, 100, 0, 0, 1.0, 4, 0.7, 0.0625}};
  pk_check_regimen("one_compartment_oral F 0.7 tlag 1.5 h", "pk/one_compartment_oral", params, plans, 1, r, 7, 0.125, 1,
                   TOL);
}

static void test_two_compartment_oral(void **state) {
  (void)state;
  const double q[] = {48}, v[] = {20};
  const pk_micro m = pk_micro_from(120, 10, 1, q, v);
  const pk_response r[] = {pk_oral_response(&m, 6.0), pk_iv_response(&m)};
  const char *params = "      CL: 120 L/d\n      V1: 10 L\n      Q: 48 L/d\n      V2: 20 L\n      ka: 6 1/d\n"
                       "      F: 0.55\n      tlag: 3 h\n";
  const pk_plan plans[] = {{"depot", DEPOT, 200, 0, 0, 2.0, 4, 0.55, 0.125}};
  pk_check_regimen("two_compartment_oral F 0.55 tlag 3 h", "pk/two_compartment_oral", params, plans, 1, r, 14, 0.25, 1,
                   TOL);
}

static void test_three_compartment_oral(void **state) {
  (void)state;
  const double q[] = {30, 4}, v[] = {15, 60};
  const pk_micro m = pk_micro_from(50, 12, 2, q, v);
  const pk_response r[] = {pk_oral_response(&m, 2.0 * 24), pk_iv_response(&m)};
  const char *params = "      CL: 50 L/d\n      V1: 12 L\n      Q2: 30 L/d\n      V2: 15 L\n      Q3: 4 L/d\n"
                       "      V3: 60 L\n      ka: 2 1/h\n      F: 0.4\n      tlag: 45 min\n";
  const pk_plan plans[] = {{"depot", DEPOT, 50, 0, 0, 1.0, 5, 0.4, 0.03125}};
  pk_check_regimen("three_compartment_oral F 0.4 tlag 45 min", "pk/three_compartment_oral", params, plans, 1, r, 25,
                   0.25, 1, TOL);
}

/* Oral doses and IV doses into the same instance; the IV doses take no F and no lag. */
static void test_oral_and_iv_together(void **state) {
  (void)state;
  const double q[] = {48}, v[] = {20};
  const pk_micro m = pk_micro_from(120, 10, 1, q, v);
  const pk_response r[] = {pk_oral_response(&m, 6.0), pk_iv_response(&m)};
  const char *params = "      CL: 120 L/d\n      V1: 10 L\n      Q: 48 L/d\n      V2: 20 L\n      ka: 6 1/d\n"
                       "      F: 0.55\n      tlag: 3 h\n";
  const pk_plan plans[] = {{"depot", DEPOT, 200, 0, 0, 2.0, 3, 0.55, 0.125},
                           {"central", CENTRAL, 50, 1.0, 0, 2.0, 3, 1, 0},
                           {"central", CENTRAL, 80, 0.5, 0.125, 3.0, 2, 1, 0}};
  pk_check_regimen("two_compartment_oral depot + IV", "pk/two_compartment_oral", params, plans, 3, r, 10, 0.25, 1, TOL);
}

/* An infusion into the depot: a zero-order input, delayed by tlag, of F*amount over the given duration. */
static void test_zero_order_input_into_depot(void **state) {
  (void)state;
  const double q[] = {30, 4}, v[] = {15, 60};
  const pk_micro m = pk_micro_from(50, 12, 2, q, v);
  const pk_response r[] = {pk_oral_response(&m, 2.0 * 24), pk_iv_response(&m)};
  const char *params = "      CL: 50 L/d\n      V1: 12 L\n      Q2: 30 L/d\n      V2: 15 L\n      Q3: 4 L/d\n"
                       "      V3: 60 L\n      ka: 2 1/h\n      F: 0.5\n      tlag: 1.5 h\n";
  const pk_plan plans[] = {{"depot", DEPOT, 300, 0, 0.25, 3.0, 3, 0.5, 0.0625}};
  pk_check_regimen("three_compartment_oral depot infusion 6 h", "pk/three_compartment_oral", params, plans, 1, r, 20,
                   0.25, 1, TOL);
}

/* ---- AUC to infinity ----------------------------------------------------------------------------------------- */

/* One dose, pk/auc integrating pk.C for 1000 d (over 80 terminal half-lives for each model below, the slowest
 * being the three-compartment oral one's 11 d, so the area left is below 1e-20 of the total): AUC = F*dose/CL,
 * whatever the absorption and distribution. */
static void check_auc_infinity(const char *model, const char *params, const char *target, double dose, double f,
                               double cl) {
  char text[2048];
  snprintf(text, sizeof text,
           "model:\n  pk:\n    model: %s\n    parameters:\n%s  auc:\n    model: pk/auc\n    inputs:\n      C: pk.C\n"
           "doses:\n  - target: pk.%s\n    amount: %.17g mg\n",
           model, params, target, dose);
  const double times[] = {0.0, 1.0, 1000.0};
  ts_test_sim s;
  pk_simulate(&s, "auc_infinity", text, times, 3, "[auc.AUC]");
  const double want = f * dose / cl, got = s.res.values[2];
  const double e = ts_test_relerr(got, want, 0);
  print_message("%-28s AUC(1000 d) = %.12g mg*d/L, F*dose/CL = %.12g (relative error %.2g)\n", model, got, want, e);
  if (e > TOL)
    fail_msg("%s: AUC(1000 d) = %.12g, F*dose/CL = %.12g (relative error %.3g)", model, got, want, e);
  assert_true(s.res.values[0] == 0.0);
  ts_test_sim_free(&s);
}

static void test_auc_to_infinity(void **state) {
  (void)state;
  check_auc_infinity("pk/one_compartment_oral", "      CL: 5 L/h\n      V: 50 L\n      ka: 1.5 1/h\n      F: 0.7\n",
                     "depot", 100, 0.7, 120);
  check_auc_infinity("pk/two_compartment_oral",
                     "      CL: 120 L/d\n      V1: 10 L\n      Q: 48 L/d\n      V2: 20 L\n      ka: 6 1/d\n"
                     "      F: 0.55\n      tlag: 3 h\n",
                     "depot", 200, 0.55, 120);
  check_auc_infinity("pk/three_compartment_oral",
                     "      CL: 50 L/d\n      V1: 12 L\n      Q2: 30 L/d\n      V2: 15 L\n      Q3: 4 L/d\n"
                     "      V3: 60 L\n      ka: 2 1/h\n      F: 0.4\n      tlag: 45 min\n",
                     "depot", 50, 0.4, 50);
  check_auc_infinity("pk/three_compartment", "      CL: 36.7 L/h\n", "central", 180, 1.0, 36.7 * 24);
}

/* ---- Mass balance ------------------------------------------------------------------------------------------ */

/* With CL = 0 nothing leaves: Ad + A1 + A2 + A3 equals F times the depot doses given so far plus the IV doses
 * (an infusion counting what has run). The solver conserves this linear invariant up to rounding: the Jacobian's
 * columns add up to zero, so every Newton correction keeps the sum. */
static void test_mass_balance_without_clearance(void **state) {
  (void)state;
  const char *text = "model:\n  pk:\n    model: pk/three_compartment_oral\n    parameters:\n      CL: 0 L/d\n"
                     "      V1: 12 L\n      Q2: 30 L/d\n      V2: 15 L\n      Q3: 4 L/d\n      V3: 60 L\n"
                     "      ka: 2 1/h\n      F: 0.8\n      tlag: 1.5 h\n"
                     "doses:\n  - {target: pk.depot, amount: 100 mg, interval: 1 d, count: 3}\n"
                     "  - {target: pk.depot, amount: 60 mg, start: 0.5 d, duration: 6 h}\n"
                     "  - {target: pk.central, amount: 40 mg, start: 1.25 d, rate: 80 mg/d}\n"
                     "  - {target: pk.central, amount: 25 mg, start: 2.5 d}\n";
  double times[200];
  size_t n = 0;
  for (double t = 0; t <= 5 + 1e-12; t += 1.0 / 32)
    times[n++] = t;
  ts_test_sim s;
  pk_simulate(&s, "mass_balance", text, times, n, "[pk.Ad, pk.A1, pk.A2, pk.A3]");
  double worst = 0;
  for (size_t i = 0; i < n; i++) {
    const double t = times[i];
    double given = 0;
    for (int k = 0; k < 3; k++) /* boluses at k + lag, recorded after the dose once t > the dose time */
      given += t > k + 0.0625 ? 0.8 * 100 : 0;
    given += 0.8 * 60 * fmin(fmax(t - (0.5 + 0.0625), 0), 0.25) / 0.25; /* F scales the rate, duration kept */
    given += 80 * fmin(fmax(t - 1.25, 0), 0.5);                         /* by rate: 40 mg over 0.5 d */
    given += t > 2.5 ? 25 : 0;
    const double *a = &s.res.values[i * 4], total = a[0] + a[1] + a[2] + a[3];
    const double e = ts_test_relerr(total, given, 1.0);
    worst = fmax(worst, e);
    if (e > MASS_TOL)
      fail_msg("t = %g d: Ad + A1 + A2 + A3 = %.15g mg, given %.15g mg (relative error %.3g)", t, total, given, e);
  }
  /* The drug did move: most of it is out of the depot by the end, and in the slow compartment A3. */
  assert_true(s.res.values[(n - 1) * 4] < 1e-6 && s.res.values[(n - 1) * 4 + 3] > 100);
  print_message("mass balance over %zu samples: worst relative error %.2g\n", n, worst);
  ts_test_sim_free(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reference_formulas),   cmocka_unit_test(test_one_compartment_oral),
      cmocka_unit_test(test_two_compartment_oral), cmocka_unit_test(test_three_compartment_oral),
      cmocka_unit_test(test_oral_and_iv_together), cmocka_unit_test(test_zero_order_input_into_depot),
      cmocka_unit_test(test_auc_to_infinity),      cmocka_unit_test(test_mass_balance_without_clearance),
  };
  return cmocka_run_group_tests_name("plugins.pk_oral", tests, NULL, NULL);
}
