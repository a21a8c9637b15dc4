/*
 * The tumor plugin through the scheduler: scenarios are loaded and simulated as a user's would be, and the
 * trajectories are compared with closed forms and analytic results (docs/models/tumor.md has every formula).
 *
 *   - scenarios/tumor_growth_laws.yaml: the six growth laws, each under a constant kill_rate (two effect models
 *     summed) and growth_inhibition (Norton-Simon): exponential, logistic, Gompertz, von Bertalanffy and power law
 *     against their closed forms; exponential_linear (no closed form) against the time t(N) = integral of dN/(dN/dt)
 *     computed by adaptive Simpson quadrature, its error turned into a relative error in N. Tolerance 1e-6 at
 *     rtol = atol scale = 1e-10 (measured worst: 1.5e-8).
 *   - the same laws untreated (an inline scenario), including von Bertalanffy with b = 0 and the power law's
 *     linear-in-time form.
 *   - Simeoni 2004: with a large switch exponent (psi = 1e5) and no drug against the exact exponential-then-linear
 *     solution (1e-6; the smooth switch differs by about 1.6e-3/psi, measured 1.9e-8; psi = 20 would differ by
 *     3.5e-3, so the test can tell); scenarios/tumor_simeoni.yaml: the tumor growth delay after one dose against
 *     TGD = k2*AUC/lambda0 (relative 1e-6; the damaged cells left at day 30 shift it by < 1e-12).
 *   - gompertz_two_clone with Emax = 0, mu = 0 and no kill: N follows the Gompertz closed form and S, R keep their
 *     initial shares (1e-6); scenarios/tumor_two_clone.yaml: RP-1 chemotherapy shrinks the sensitive clone below
 *     an untreated control and releases the resistant one.
 *   - scenarios/tumor_clones_lv.yaml: Lotka-Volterra end states against the analytic fixed points (coexistence,
 *     coexistence under drug, competitive exclusion) and the biomarker against sigma*N_eq/delta (1e-6; the slowest
 *     eigenvalue, -0.032 /d, leaves e^-60 of the initial distance after 2000 d).
 *   - bad input: a negative rate constant and a zero capacity are refused at load with a message that names the
 *     instance, the parameter, the value and the allowed range.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plugin_checks.h"
#include "run.h"
#include "sim.h"

#define CLOSED_FORM_TOL 1e-6

/* ---- Helpers ------------------------------------------------------------------------------------------------
 */

/* Column of a recorded signal ("instance.name"). */
static size_t column(const ts_test_sim *s, const char *signal) {
  const ts_system *sys = s->loaded.system;
  for (size_t k = 0; k < sys->n_recorded; k++)
    if (strcmp(sys->signals[sys->recorded[k]].name, signal) == 0)
      return k;
  fail_msg("signal %s is not recorded", signal);
  return 0;
}

static double value(const ts_test_sim *s, size_t row, size_t col) {
  return s->res.values[row * s->loaded.system->n_recorded + col];
}

/* Compares a recorded signal with a reference at every output time; returns the worst relative error. */
static double check_signal(const ts_test_sim *s, const char *signal, double (*reference)(double t), double tol) {
  const size_t col = column(s, signal);
  double worst = 0.0;
  for (size_t i = 0; i < s->res.n_times; i++) {
    const double t = s->res.times[i], want = reference(t), got = value(s, i, col);
    const double err = ts_test_relerr(got, want, 1e-300);
    if (err > tol)
      fail_msg("%s(%g d) = %.12g, expected %.12g (relative error %.3g)", signal, t, got, want, err);
    worst = fmax(worst, err);
  }
  print_message("%-24s %zu samples, worst relative error %.3g\n", signal, s->res.n_times, worst);
  return worst;
}

/* ---- Growth laws, treated (scenarios/tumor_growth_laws.yaml) ---------------------------------------------------- */

/* The constant effects of that scenario at C = 2 mg/L: kill_rate = 0.01*2 + 0.03*2^2/(2^2 + 2^2) = 0.035 /d,
 * growth_inhibition = 0.5*2/(2 + 2) = 0.25. */
#define KILL 0.035
#define KEEP 0.75 /* 1 - growth_inhibition */
#define RHO  1e6  /* cells/mm^3, the default cell density */

/* dN/dt = lambda*KEEP*N - KILL*N */
static double treated_exponential(double t) {
  return 1e8 * exp((0.06 * KEEP - KILL) * t);
}

/* A logistic law again, with r_e = r*KEEP - KILL and K_e = K*r_e/(r*KEEP). */
static double treated_logistic(double t) {
  const double r = 0.1 * KEEP - KILL, k = 1e11 * r / (0.1 * KEEP), n0 = 1e8;
  return k * n0 / (n0 + (k - n0) * exp(-r * t));
}

/* d ln N/dt = a*(ln K - ln N) - KILL with a = alpha*KEEP: ln N relaxes to ln K - KILL/a. */
static double treated_gompertz(double t) {
  const double a = 0.02 * KEEP, ln_plateau = log(1e12) - KILL / a;
  return exp(ln_plateau + (log(1e9) - ln_plateau) * exp(-a * t));
}

/* In volume, dV/dt = a'*V^(2/3) - b'*V with a' = a*KEEP, b' = b*KEEP + KILL; u = V^(1/3) obeys
 * du/dt = (a' - b'*u)/3, so u = a'/b' + (u0 - a'/b')*exp(-b'*t/3). */
static double treated_bertalanffy(double t) {
  const double a = 1.0 * KEEP, b = 0.02 * KEEP + KILL, u0 = cbrt(1e8 / RHO);
  const double u = a / b + (u0 - a / b) * exp(-b * t / 3.0);
  return RHO * u * u * u;
}

/* dV/dt = a'*V^gamma - KILL*V (Bernoulli): w = V^(1-gamma) obeys dw/dt = (1-gamma)*(a' - KILL*w). */
static double treated_power(double t) {
  const double g = 0.75, a = 1.0 * KEEP, w0 = pow(1e8 / RHO, 1.0 - g);
  const double w = a / KILL + (w0 - a / KILL) * exp(-(1.0 - g) * KILL * t);
  return RHO * pow(w, 1.0 / (1.0 - g));
}

/* exponential_linear: dN/dt = N*phi(ln N) with phi(s) = KEEP*f(e^s) - KILL, f Simeoni's switch written naively
 * (the plugin's overflow-proof form is not reused). The time to grow from N0 to N is the integral of ds/phi(s). */
static double el_phi(double s) {
  const double lambda0 = 0.273, lambda1 = 8.14e8, psi = 20.0;
  return KEEP * lambda0 / pow(1.0 + pow(lambda0 * exp(s) / lambda1, psi), 1.0 / psi) - KILL;
}

static double simpson(double a, double b, double fa, double fm, double fb) {
  return (b - a) / 6.0 * (1.0 / fa + 4.0 / fm + 1.0 / fb);
}

/* Adaptive Simpson for the integral of 1/f over [a, b] (f > 0 there), absolute tolerance tol. */
static double adaptive(double (*f)(double), double a, double b, double fa, double fm, double fb, double whole,
                       double tol, int depth) {
  const double m = 0.5 * (a + b), lm = 0.5 * (a + m), rm = 0.5 * (m + b);
  const double flm = f(lm), frm = f(rm);
  const double left = simpson(a, m, fa, flm, fm), right = simpson(m, b, fm, frm, fb);
  if (depth <= 0 || fabs(left + right - whole) <= 15.0 * tol)
    return left + right + (left + right - whole) / 15.0;
  return adaptive(f, a, m, fa, flm, fm, left, tol / 2, depth - 1) +
         adaptive(f, m, b, fm, frm, fb, right, tol / 2, depth - 1);
}

static double integrate_reciprocal(double (*f)(double), double a, double b, double tol) {
  const double fa = f(a), fb = f(b), fm = f(0.5 * (a + b));
  return adaptive(f, a, b, fa, fm, fb, simpson(a, b, fa, fm, fb), tol, 40);
}

static void test_reference_formulas(void **state) {
  (void)state;
  /* The references by hand at t = 0 (the initial values) and the quadrature on an exponential: with psi huge and
   * tiny N, phi is lambda0*KEEP - KILL, so t = ln(N/N0)/(0.273*0.75 - 0.035). */
  assert_float_equal(treated_exponential(0), 1e8, 1e-6);
  assert_float_equal(treated_logistic(0), 1e8, 1e-6);
  assert_float_equal(treated_gompertz(0), 1e9, 1e-4);
  assert_float_equal(treated_bertalanffy(0), 1e8, 1e-4);
  assert_float_equal(treated_power(0), 1e8, 1e-4);
  const double t = integrate_reciprocal(el_phi, log(1e3), log(1e4), 1e-13);
  assert_float_equal(t, log(10.0) / (0.273 * 0.75 - 0.035), 1e-9);
}

static void test_growth_laws_treated(void **state) {
  (void)state;
  ts_test_sim s;
  ts_test_simulate_file(&s, "tumor_growth_laws.yaml");
  /* The drug: a bolus at t = 0 holds C = 2 mg/L (the sample at t = 0 is taken before the dose). */
  const size_t c = column(&s, "pk.C");
  for (size_t i = 1; i < s.res.n_times; i++)
    assert_float_equal(value(&s, i, c), 2.0, 1e-12);

  check_signal(&s, "exponential.N", treated_exponential, CLOSED_FORM_TOL);
  check_signal(&s, "logistic.N", treated_logistic, CLOSED_FORM_TOL);
  check_signal(&s, "gompertz.N", treated_gompertz, CLOSED_FORM_TOL);
  check_signal(&s, "bertalanffy.N", treated_bertalanffy, CLOSED_FORM_TOL);
  check_signal(&s, "power.N", treated_power, CLOSED_FORM_TOL);

  /* exponential_linear: the time at which the quadrature says N(t) is reached, |t_ref - t|, becomes a relative
   * error in N through dN/dt / N = phi. */
  const size_t el = column(&s, "exponential_linear.N");
  double worst = 0.0;
  for (size_t i = 1; i < s.res.n_times; i++) {
    const double t = s.res.times[i], n = value(&s, i, el);
    const double t_ref = integrate_reciprocal(el_phi, log(1e8), log(n), 1e-9);
    const double err = fabs(t_ref - t) * fabs(el_phi(log(n)));
    if (err > CLOSED_FORM_TOL)
      fail_msg("exponential_linear.N(%g d) = %.12g is reached at %.12g d by quadrature (relative error in N %.3g)", t,
               n, t_ref, err);
    worst = fmax(worst, err);
  }
  print_message("%-24s %zu samples, worst relative error %.3g (by quadrature)\n", "exponential_linear.N",
                s.res.n_times - 1, worst);

  /* The diameter is that of a sphere of N/cell_density mm^3. */
  const size_t d = column(&s, "bertalanffy.diameter"), n = column(&s, "bertalanffy.N");
  const size_t last = s.res.n_times - 1;
  assert_float_equal(value(&s, last, d), cbrt(6.0 * value(&s, last, n) / RHO / 3.14159265358979323846), 1e-12);
  ts_test_sim_free(&s);
}

/* ---- Growth laws, untreated --------------------------------------------------------------------------------- */

static double untreated_logistic(double t) {
  return 1e11 * 1e8 / (1e8 + (1e11 - 1e8) * exp(-0.1 * t));
}

static double untreated_gompertz(double t) { /* K*(N0/K)^exp(-alpha*t) */
  return 1e12 * pow(1e9 / 1e12, exp(-0.02 * t));
}

static double untreated_bertalanffy_b0(double t) { /* b = 0: V^(1/3) grows linearly, by a/3 per day */
  const double u = cbrt(1e8 / RHO) + 1.0 * t / 3.0;
  return RHO * u * u * u;
}

static double untreated_power(double t) { /* V^(1-gamma) = V0^(1-gamma) + (1-gamma)*a*t */
  return RHO * pow(pow(1e8 / RHO, 0.25) + 0.25 * 1.0 * t, 4.0);
}

static void test_growth_laws_untreated(void **state) {
  (void)state;
  ts_test_sim s;
  ts_test_simulate(&s, "untreated_laws",
                   "twinsim: 1\nname: untreated growth laws\nmodel:\n"
                   "  logistic:\n    model: tumor/logistic\n"
                   "    parameters: {r: 0.1 1/d, K: 1e11 cells, N0: 1e8 cells}\n"
                   "  gompertz:\n    model: tumor/gompertz_law\n"
                   "    parameters: {alpha: 0.02 1/d, K: 1e12 cells, N0: 1e9 cells}\n"
                   "  bertalanffy:\n    model: tumor/von_bertalanffy\n"
                   "    parameters: {a: 1 mm/d, b: 0 1/d, N0: 1e8 cells}\n"
                   "  power:\n    model: tumor/power_law\n"
                   "    parameters: {a: 1 1/d, gamma: 0.75, N0: 1e8 cells}\n"
                   "horizon: 200 d\noutput:\n  every: 10 d\n"
                   "  signals: [logistic.N, gompertz.N, bertalanffy.N, power.N]\n"
                   "solver:\n  rtol: 1e-10\n  atol: 1e-10\n");
  assert_false(s.res.failed);
  check_signal(&s, "logistic.N", untreated_logistic, CLOSED_FORM_TOL);
  check_signal(&s, "gompertz.N", untreated_gompertz, CLOSED_FORM_TOL);
  check_signal(&s, "bertalanffy.N", untreated_bertalanffy_b0, CLOSED_FORM_TOL);
  check_signal(&s, "power.N", untreated_power, CLOSED_FORM_TOL);
  ts_test_sim_free(&s);
}

/* ---- Simeoni ---------------------------------------------------------------------------------------------------- */

/* Without drug, psi -> infinity: N0*exp(lambda0*t) until lambda0*w = lambda1, then linear at lambda1. */
static double exponential_then_linear(double t) {
  const double lambda0 = 0.273, lambda1 = 8.14e8, n0 = 1e8;
  const double t_switch = log(lambda1 / (lambda0 * n0)) / lambda0;
  return t <= t_switch ? n0 * exp(lambda0 * t) : lambda1 / lambda0 + lambda1 * (t - t_switch);
}

static void test_simeoni_exponential_then_linear(void **state) {
  (void)state;
  ts_test_sim s;
  ts_test_simulate(&s, "simeoni_psi",
                   "twinsim: 1\nname: simeoni with a sharp switch\nmodel:\n"
                   "  sharp:\n    model: tumor/simeoni\n"
                   "    parameters: {lambda0: 0.273 1/d, lambda1: 8.14e8 cells/d, psi: 1e5, N0: 1e8 cells}\n"
                   "  smooth:\n    model: tumor/simeoni\n"
                   "    parameters: {lambda0: 0.273 1/d, lambda1: 8.14e8 cells/d, psi: 20, N0: 1e8 cells}\n"
                   "horizon: 60 d\noutput:\n  every: 0.5 d\n  signals: [sharp.N, smooth.N, sharp.x2]\n"
                   "solver:\n  rtol: 1e-10\n  atol: 1e-10\n");
  assert_false(s.res.failed);
  check_signal(&s, "sharp.N", exponential_then_linear, CLOSED_FORM_TOL);
  /* Simeoni's psi = 20 rounds the corner: about 0.35% below the sharp switch there. */
  const size_t smooth = column(&s, "smooth.N");
  double worst = 0.0;
  for (size_t i = 0; i < s.res.n_times; i++)
    worst = fmax(worst, ts_test_relerr(value(&s, i, smooth), exponential_then_linear(s.res.times[i]), 1e-300));
  assert_true(worst > 1e-3 && worst < 1e-2);
  /* No drug, no damaged cells. */
  const size_t x2 = column(&s, "sharp.x2");
  for (size_t i = 0; i < s.res.n_times; i++)
    assert_true(value(&s, i, x2) == 0.0);
  ts_test_sim_free(&s);
}

/* TGD = k2*AUC/lambda0 in the exponential phase: after the drug is gone and its damaged cells have died,
 * x1 = N0*exp(lambda0*t - k2*AUC), the control's curve shifted by k2*AUC/lambda0. AUC = D/CL*(1 - exp(-k*T)). */
static void test_simeoni_tumor_growth_delay(void **state) {
  (void)state;
  ts_test_sim s;
  ts_test_simulate_file(&s, "tumor_simeoni.yaml");
  const double lambda0 = 0.273, k2 = 0.629, auc = 10.0 / 5.0 * (1.0 - exp(-5.0 * 30.0));
  const double expected = k2 * auc / lambda0;
  const size_t treated = column(&s, "treated.N"), control = column(&s, "control.N");
  const size_t last = s.res.n_times - 1;
  assert_float_equal(s.res.times[last], 30.0, 0);
  const double tgd = log(value(&s, last, control) / value(&s, last, treated)) / lambda0;
  const double err = fabs(tgd - expected) / expected;
  print_message("tumor growth delay %.10g d, k2*AUC/lambda0 = %.10g d (relative error %.3g)\n", tgd, expected, err);
  if (err > CLOSED_FORM_TOL)
    fail_msg("tumor growth delay %.12g d, expected k2*AUC/lambda0 = %.12g d (relative error %.3g)", tgd, expected, err);
  /* The control grows exponentially (it never nears the linear phase: lambda0*w/lambda1 < 1e-4). */
  const double control_err = ts_test_relerr(value(&s, last, control), 1e6 * exp(lambda0 * 30.0), 1e-300);
  assert_true(control_err < CLOSED_FORM_TOL);
  /* Damage is delayed: the treated tumor first keeps growing slightly (damaged cells still count), and is
   * smallest relative to the control only after the transit (mean 3/k1 = 3.1 d). */
  const size_t x4 = column(&s, "treated.x4");
  assert_true(value(&s, 3, x4) > 1e4);    /* dying cells at day 3 */
  assert_true(value(&s, last, x4) < 1.0); /* all gone by day 30 */
  ts_test_sim_free(&s);
}

/* ---- gompertz_two_clone ------------------------------------------------------------------------------------ */

static double two_clone_n(double t) { /* K*(N0/K)^exp(-alpha*t), N0 = S0 + R0 */
  return 1e12 * pow((1e9 + 1e7) / 1e12, exp(-0.005 * t));
}
static double two_clone_s(double t) {
  return two_clone_n(t) * 1e9 / (1e9 + 1e7);
}
static double two_clone_r(double t) {
  return two_clone_n(t) * 1e7 / (1e9 + 1e7);
}

static void test_two_clone_gompertz_closed_form(void **state) {
  (void)state;
  ts_test_sim s;
  ts_test_simulate(&s, "two_clone_closed_form",
                   "twinsim: 1\nname: two clones without drug, mutation or kill\nmodel:\n"
                   "  pk:\n    model: pk/one_compartment\n"
                   "  tumor:\n    model: tumor/gompertz_two_clone\n"
                   "    parameters: {Emax: 0 1/d, mu: 0 1/d, S0: 1e9 cells, R0: 1e7 cells}\n"
                   "    inputs: {C: pk.C}\n"
                   "doses:\n  - target: pk.central\n    amount: 500 mg\n"
                   "horizon: 365 d\noutput:\n  every: 5 d\n"
                   "  signals: [tumor.S, tumor.R, tumor.N, tumor.resistant_fraction]\n"
                   "solver:\n  rtol: 1e-10\n  atol: 1e-10\n");
  assert_false(s.res.failed);
  check_signal(&s, "tumor.N", two_clone_n, CLOSED_FORM_TOL);
  check_signal(&s, "tumor.S", two_clone_s, CLOSED_FORM_TOL);
  check_signal(&s, "tumor.R", two_clone_r, CLOSED_FORM_TOL);
  const size_t f = column(&s, "tumor.resistant_fraction");
  assert_float_equal(value(&s, s.res.n_times - 1, f), 1e7 / (1e9 + 1e7), 1e-9);
  ts_test_sim_free(&s);
}

static void test_two_clone_rp1(void **state) {
  (void)state;
  ts_test_sim s;
  ts_test_simulate_file(&s, "tumor_two_clone.yaml");
  const size_t S = column(&s, "tumor.S"), R = column(&s, "tumor.R"), N = column(&s, "tumor.N");
  const size_t cs = column(&s, "control.S"), cr = column(&s, "control.R"), cn = column(&s, "control.N");
  const size_t f = column(&s, "tumor.resistant_fraction"), cf = column(&s, "control.resistant_fraction");
  const size_t last = s.res.n_times - 1;
  /* Each cycle kills sensitive cells: fewer than untreated 3 weeks after the first dose, and far fewer at the end
   * of the six cycles (day 126); the Gompertz regrowth between cycles outpaces the kill, so S still grows: RP-1
   * without its immune term is not a cure. */
  assert_true(value(&s, 21, S) < 0.8 * value(&s, 21, cs));
  assert_true(value(&s, 126, S) < 0.5 * value(&s, 126, cs));
  assert_true(value(&s, last, N) < value(&s, last, cn));
  /* The resistant clone is not killed and grows faster in the smaller treated tumor (competitive release):
   * resistance is selected. */
  assert_true(value(&s, last, R) > value(&s, last, cr));
  assert_true(value(&s, last, f) > 1.5 * value(&s, last, cf));
  print_message("RP-1 tumor at 365 d: S %.4g (control %.4g), R %.4g (control %.4g), resistant fraction %.3g "
                "(control %.3g)\n",
                value(&s, last, S), value(&s, last, cs), value(&s, last, R), value(&s, last, cr), value(&s, last, f),
                value(&s, last, cf));
  ts_test_sim_free(&s);
}

/* ---- clones_lv ------------------------------------------------------------------------------------------------- */

static void check_end(const ts_test_sim *s, const char *signal, double expected, double tol, double floor) {
  const double got = value(s, s->res.n_times - 1, column(s, signal));
  const double err = ts_test_relerr(got, expected, floor);
  if (err > tol)
    fail_msg("%s at the end = %.12g, expected %.12g (relative error %.3g)", signal, got, expected, err);
  print_message("%-16s %.10g (fixed point %.10g, relative error %.3g)\n", signal, got, expected, err);
}

static void test_clones_lv_fixed_points(void **state) {
  (void)state;
  ts_test_sim s;
  ts_test_simulate_file(&s, "tumor_clones_lv.yaml");
  const double sigma = 3e-11, delta = 0.3; /* biomarker defaults */
  /* Coexistence: x1 + a12*x2 = K1, a21*x1 + x2 = K2. */
  const double k1 = 1e11, k2 = 8e10, a12 = 0.5, a21 = 0.4, det = 1.0 - a12 * a21;
  check_end(&s, "coexist.x1", (k1 - a12 * k2) / det, CLOSED_FORM_TOL, 1e-300);
  check_end(&s, "coexist.x2", (k2 - a21 * k1) / det, CLOSED_FORM_TOL, 1e-300);
  check_end(&s, "coexist.PSA", sigma * ((k1 - a12 * k2) + (k2 - a21 * k1)) / det / delta, CLOSED_FORM_TOL, 1e-300);
  /* Under the drug clone 1 dies at e1 = 0.05*2/(0.5 + 2) = 0.04 /d: its capacity acts as K1*(1 - e1/r1). */
  const double k1_drug = k1 * (1.0 - 0.04 / 0.1);
  check_end(&s, "treated.x1", (k1_drug - a12 * k2) / det, CLOSED_FORM_TOL, 1e-300);
  check_end(&s, "treated.x2", (k2 - a21 * k1_drug) / det, CLOSED_FORM_TOL, 1e-300);
  check_end(&s, "treated.PSA", sigma * ((k1_drug - a12 * k2) + (k2 - a21 * k1_drug)) / det / delta, CLOSED_FORM_TOL,
            1e-300);
  /* Exclusion (a12 > K1/K2 and a21 < K2/K1): clone 2 at its capacity, clone 1 gone, clone 3 never there. */
  check_end(&s, "exclusion.x2", 1e11, CLOSED_FORM_TOL, 1e-300);
  check_end(&s, "exclusion.x1", 0.0, CLOSED_FORM_TOL, 1e11);
  assert_true(value(&s, s.res.n_times - 1, column(&s, "exclusion.x3")) == 0.0);
  check_end(&s, "exclusion.PSA", sigma * 1e11 / delta, CLOSED_FORM_TOL, 1e-300);
  ts_test_sim_free(&s);
}

/* ---- Bad input ---------------------------------------------------------------------------------------------- */

static void expect_load_error(const char *name, const char *yaml, const char *const *fragments) {
  ts_error err;
  ts_error_clear(&err);
  ts_loaded loaded = {0};
  const int rc = ts_load(ts_test_scenario(name, yaml), &loaded, &err);
  ts_loaded_free(&loaded);
  assert_int_not_equal(rc, 0);
  for (const char *const *f = fragments; *f; f++)
    if (!strstr(err.message, *f))
      fail_msg("message '%s' lacks '%s'", err.message, *f);
  print_message("%s\n", err.message);
}

static void test_bad_parameters_refused(void **state) {
  (void)state;
  /* A negative rate constant: the message names instance, parameter, value and range. */
  expect_load_error("negative_rate",
                    "twinsim: 1\nname: a negative growth rate\nmodel:\n  tumor:\n    model: tumor/logistic\n"
                    "    parameters:\n      r: -0.1 1/d\n"
                    "horizon: 1 d\noutput:\n  every: 1 d\n  signals: [tumor.N]\n",
                    (const char *const[]){"tumor.r", "-0.1", "1/d", "[0, inf]", NULL});
  /* A zero carrying capacity: the range is open at 0. */
  expect_load_error("zero_capacity",
                    "twinsim: 1\nname: no room\nmodel:\n  tumor:\n    model: tumor/gompertz_two_clone\n"
                    "    parameters:\n      K: 0 cells\n"
                    "horizon: 1 d\noutput:\n  every: 1 d\n  signals: [tumor.N]\n",
                    (const char *const[]){"tumor.K", "= 0 cells", "(0, inf]", NULL});
  /* A negative transit rate in Simeoni's model, given in another time unit. */
  expect_load_error("negative_transit",
                    "twinsim: 1\nname: time runs backwards\nmodel:\n  tgi:\n    model: tumor/simeoni\n"
                    "    parameters:\n      k1: -0.5 1/h\n"
                    "horizon: 1 d\noutput:\n  every: 1 d\n  signals: [tgi.N]\n",
                    (const char *const[]){"tgi.k1", "-12", "[0, inf]", NULL});
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reference_formulas),
      cmocka_unit_test(test_growth_laws_treated),
      cmocka_unit_test(test_growth_laws_untreated),
      cmocka_unit_test(test_simeoni_exponential_then_linear),
      cmocka_unit_test(test_simeoni_tumor_growth_delay),
      cmocka_unit_test(test_two_clone_gompertz_closed_form),
      cmocka_unit_test(test_two_clone_rp1),
      cmocka_unit_test(test_clones_lv_fixed_points),
      cmocka_unit_test(test_bad_parameters_refused),
  };
  return cmocka_run_group_tests_name("plugins.tumor_sim", tests, NULL, NULL);
}
