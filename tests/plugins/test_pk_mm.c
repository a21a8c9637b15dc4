/*
 * The pk plugin's Michaelis-Menten models through the scheduler: pk/one_compartment_mm and pk/two_compartment_mm.
 *
 * References (tests/plugins/test_pk_reference.h), independent of the plugin:
 *   - the one-compartment bolus has a closed form through the Lambert W function,
 *       C(t) = Km W( (C0/Km) exp((C0 - (Vmax/V) t)/Km) );
 *     repeated boluses restart it from the concentration just before each dose plus dose/V (the model is
 *     autonomous between doses), so the whole regimen has a closed form;
 *   - everything else (infusions, two compartments) is compared with a fixed-step RK4 integration done here,
 *     with steps of 1e-4 d or less, itself checked against the Lambert W solution and by halving its step (its
 *     error is below 1e-11 relative, far below the 1e-6 asked of the scheduler).
 * Also: with Vmax = 0 nothing leaves, so A1 + A2 equals the dose given (mass balance).
 * Tolerances: solver rtol 1e-10, atol 1e-14 mg; relative error <= 1e-6 (values below 1e-6 of the peak compared with
 * that floor).
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

#define TOL   1e-6
#define RK4_H 1e-4 /* d */
#define MAX_N 1024

/* ---- Reference right-hand sides (independent of the plugin's code) ------------------------------------------ */

/* params: Vmax, Km, V1 [, Q, V2]; input: infusion rate into the central compartment (mg/d). */
static void mm1_rhs(const double *p, const double *input, const double *y, double *dydt) {
  const double c = y[0] / p[2];
  dydt[0] = input[0] - p[0] * c / (p[1] + c);
}

static void mm2_rhs(const double *p, const double *input, const double *y, double *dydt) {
  const double c = y[0] / p[2];
  const double out = p[3] / p[2] * y[0], back = p[3] / p[4] * y[1];
  dydt[0] = input[0] - p[0] * c / (p[1] + c) - out + back;
  dydt[1] = out - back;
}

/* A dose for the RK4 reference: into the central compartment, bolus (duration 0) or infusion by duration. */
typedef struct mm_dose {
  double time, amount, duration;
} mm_dose;

/* Central amounts at the sample times by RK4 from 0, stepping to every event (dose, infusion end) exactly; at a
 * dose time the sample is taken before the dose, as the scheduler does. n_states is 1 or 2. */
static void rk4_reference(pk_rhs_fn f, const double *params, int n_states, const mm_dose *doses, size_t n_doses,
                          const double *times, size_t n_times, double h, double *central) {
  double y[8] = {0}, t = 0, rate = 0;
  double events[64];
  size_t n_events = 0;
  for (size_t k = 0; k < n_doses; k++) {
    events[n_events++] = doses[k].time;
    if (doses[k].duration > 0)
      events[n_events++] = doses[k].time + doses[k].duration;
  }
  n_events = pk_sort_times(events, n_events);
  size_t next_event = 0;
  for (size_t i = 0; i < n_times; i++) {
    while (next_event < n_events && events[next_event] < times[i]) {
      pk_rk4(f, params, &rate, n_states, y, t, events[next_event], h);
      t = events[next_event++];
      /* apply everything due at t: boluses, infusion starts and stops */
      rate = 0;
      for (size_t k = 0; k < n_doses; k++) {
        if (doses[k].duration <= 0 && doses[k].time == t)
          y[0] += doses[k].amount;
        if (doses[k].duration > 0 && doses[k].time <= t && t < doses[k].time + doses[k].duration)
          rate += doses[k].amount / doses[k].duration;
      }
    }
    pk_rk4(f, params, &rate, n_states, y, t, times[i], h);
    t = times[i];
    central[i] = y[0];
  }
}

/* Concentrations of a one-compartment regimen of boluses by the Lambert W closed form. */
static void lambert_reference(double vmax, double km, double v, const mm_dose *doses, size_t n_doses,
                              const double *times, size_t n_times, double *conc) {
  for (size_t i = 0; i < n_times; i++) {
    double c = 0, t = 0;
    for (size_t k = 0; k < n_doses && doses[k].time < times[i]; k++) {
      c = pk_mm_bolus(c, vmax, km, v, doses[k].time - t) + doses[k].amount / v;
      t = doses[k].time;
    }
    conc[i] = pk_mm_bolus(c, vmax, km, v, times[i] - t);
  }
}

/* ---- The references themselves --------------------------------------------------------------------------- */

static void test_reference_formulas(void **state) {
  (void)state;
  /* W(x) e^W(x) = x, from tiny to huge x, and the known W(e) = 1, W(1) = 0.5671432904097838 (the omega constant). */
  assert_float_equal(pk_lambert_w_exp(1.0), 1.0, 1e-15);
  assert_float_equal(pk_lambert_w_exp(0.0), 0.56714329040978387, 1e-15);
  const double ls[] = {-30, -5, -0.3, 0.7, 3, 40, 700, 5000};
  for (size_t i = 0; i < sizeof ls / sizeof ls[0]; i++) {
    const double w = pk_lambert_w_exp(ls[i]);
    assert_true(w > 0);
    assert_float_equal((w + log(w)) / ls[i], 1.0, 1e-14);
  }
  /* The Michaelis-Menten bolus solution satisfies its implicit integral Km ln(C/C0) + C - C0 = -(Vmax/V) t, and
   * tends to the linear model's C0 exp(-(Vmax/(Km V)) t) when C0 << Km. */
  const double vmax = 1200, km = 10, v = 10, c0 = 40;
  for (double t = 0.01; t < 2; t += 0.13) {
    const double c = pk_mm_bolus(c0, vmax, km, v, t);
    assert_float_equal(km * log(c / c0) + c - c0, -vmax / v * t, 1e-11);
  }
  assert_float_equal(pk_mm_bolus(1e-7, vmax, km, v, 0.5) / (1e-7 * exp(-vmax / (km * v) * 0.5)), 1.0, 1e-7);
  /* RK4 against Lambert W: three boluses, sampled every 0.05 d. */
  const mm_dose doses[] = {{0, 400, 0}, {1, 400, 0}, {2, 400, 0}};
  double times[80], rk[80], lw[80];
  size_t n = 0;
  for (double t = 0.05; t < 4; t += 0.05)
    times[n++] = t;
  const double p[] = {vmax, km, v};
  rk4_reference(mm1_rhs, p, 1, doses, 3, times, n, RK4_H, rk);
  lambert_reference(vmax, km, v, doses, 3, times, n, lw);
  double worst = 0;
  for (size_t i = 0; i < n; i++)
    worst = fmax(worst, ts_test_relerr(rk[i] / v, lw[i], 1e-6 * 40));
  print_message("RK4 (h = %g d) vs Lambert W: worst relative error %.2g\n", RK4_H, worst);
  assert_true(worst < 1e-11);
}

/* ---- Through the scheduler --------------------------------------------------------------------------------- */

/* Runs the scenario text and compares pk.C at the sample times with conc[]. */
static void compare(const char *name, const char *text, const double *times, size_t n, const double *conc) {
  ts_test_sim s;
  pk_simulate(&s, name, text, times, n, "[pk.C]");
  double peak = 0, worst = 0;
  for (size_t i = 0; i < n; i++)
    peak = fmax(peak, conc[i]);
  for (size_t i = 0; i < n; i++) {
    const double e = ts_test_relerr(s.res.values[i], conc[i], 1e-6 * peak);
    worst = fmax(worst, e);
    if (e > TOL)
      fail_msg("%s: C(%.6f d) = %.12g, reference %.12g (relative error %.3g)", name, times[i], s.res.values[i], conc[i],
               e);
  }
  print_message("%-36s %4zu samples, worst relative error %.2g\n", name, n, worst);
  ts_test_sim_free(&s);
}

/* Samples every 1/16 d up to the horizon and around every dose and infusion end. */
static size_t sample(const mm_dose *doses, size_t n_doses, double horizon, double *times) {
  double events[64];
  size_t n_events = 0;
  for (size_t k = 0; k < n_doses; k++) {
    events[n_events++] = doses[k].time;
    if (doses[k].duration > 0)
      events[n_events++] = doses[k].time + doses[k].duration;
  }
  return pk_sample_times(1.0 / 16, horizon, events, n_events, times, MAX_N);
}

/* Boluses from saturating (C0 = 4 Km) to linear concentrations: the Lambert W closed form. */
static void test_one_compartment_mm_boluses(void **state) {
  (void)state;
  const mm_dose doses[] = {{0, 400, 0}, {1.5, 400, 0}, {3, 250, 0}};
  double times[MAX_N], conc[MAX_N];
  const size_t n = sample(doses, 3, 6, times);
  lambert_reference(1200, 10, 10, doses, 3, times, n, conc);
  compare("one_compartment_mm boluses (Lambert W)",
          "model:\n  pk:\n    model: pk/one_compartment_mm\n    parameters:\n      Vmax: 50 mg/h\n      Km: 10 mg/L\n"
          "      V: 10 L\n"
          "doses:\n  - {target: pk.central, amount: 400 mg}\n  - {target: pk.central, amount: 400 mg, start: 1.5 d}\n"
          "  - {target: pk.central, amount: 250 mg, start: 3 d}\n",
          times, n, conc);
}

static void test_one_compartment_mm_infusion(void **state) {
  (void)state;
  const mm_dose doses[] = {{0.25, 600, 0.5}, {2, 100, 0}};
  double times[MAX_N], amount[MAX_N];
  const size_t n = sample(doses, 2, 5, times);
  const double p[] = {1200, 10, 10};
  rk4_reference(mm1_rhs, p, 1, doses, 2, times, n, RK4_H, amount);
  for (size_t i = 0; i < n; i++)
    amount[i] /= 10;
  compare("one_compartment_mm infusion (RK4)",
          "model:\n  pk:\n    model: pk/one_compartment_mm\n"
          "doses:\n  - {target: pk.central, amount: 600 mg, start: 6 h, duration: 12 h}\n"
          "  - {target: pk.central, amount: 100 mg, start: 2 d}\n",
          times, n, amount);
}

static void test_two_compartment_mm(void **state) {
  (void)state;
  const mm_dose doses[] = {{0, 300, 0}, {1, 500, 0.25}, {3, 300, 0}, {4, 500, 0.25}};
  double times[MAX_N], amount[MAX_N], halved[MAX_N];
  const size_t n = sample(doses, 4, 8, times);
  const double p[] = {800, 5, 10, 48, 20};
  rk4_reference(mm2_rhs, p, 2, doses, 4, times, n, RK4_H, amount);
  rk4_reference(mm2_rhs, p, 2, doses, 4, times, n, RK4_H / 2, halved);
  double step_error = 0;
  for (size_t i = 0; i < n; i++) {
    step_error = fmax(step_error, ts_test_relerr(amount[i], halved[i], 1e-6 * 300));
    amount[i] /= 10;
  }
  print_message("RK4 step halving: largest relative change %.2g\n", step_error);
  assert_true(step_error < 1e-11);
  compare("two_compartment_mm bolus + infusion (RK4)",
          "model:\n  pk:\n    model: pk/two_compartment_mm\n    parameters:\n      Vmax: 800 mg/d\n      Km: 5 mg/L\n"
          "      V1: 10 L\n      Q: 2 L/h\n      V2: 20 L\n"
          "doses:\n  - {target: pk.central, amount: 300 mg, interval: 3 d, count: 2}\n"
          "  - {target: pk.central, amount: 500 mg, start: 1 d, duration: 6 h, interval: 3 d, count: 2}\n",
          times, n, amount);
}

/* With Vmax = 0 the drug only moves between the two compartments. */
static void test_mass_balance_without_elimination(void **state) {
  (void)state;
  double times[100];
  size_t n = 0;
  for (double t = 0; t <= 3 + 1e-12; t += 1.0 / 16)
    times[n++] = t;
  ts_test_sim s;
  pk_simulate(&s, "mm_mass_balance",
              "model:\n  pk:\n    model: pk/two_compartment_mm\n    parameters:\n      Vmax: 0 mg/d\n"
              "doses:\n  - {target: pk.central, amount: 300 mg}\n"
              "  - {target: pk.central, amount: 200 mg, start: 1 d, duration: 12 h}\n",
              times, n, "[pk.A1, pk.A2]");
  for (size_t i = 0; i < n; i++) {
    const double t = times[i];
    const double given = (t > 0 ? 300 : 0) + 200 * fmin(fmax(t - 1, 0), 0.5) / 0.5;
    const double total = s.res.values[2 * i] + s.res.values[2 * i + 1];
    if (ts_test_relerr(total, given, 1.0) > 1e-9)
      fail_msg("t = %g d: A1 + A2 = %.15g mg, given %.15g mg", t, total, given);
  }
  assert_true(s.res.values[2 * (n - 1) + 1] > 250); /* most of it has moved to the peripheral compartment */
  ts_test_sim_free(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reference_formulas),
      cmocka_unit_test(test_one_compartment_mm_boluses),
      cmocka_unit_test(test_one_compartment_mm_infusion),
      cmocka_unit_test(test_two_compartment_mm),
      cmocka_unit_test(test_mass_balance_without_elimination),
  };
  return cmocka_run_group_tests_name("plugins.pk_mm", tests, NULL, NULL);
}
