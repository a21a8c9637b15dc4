/*
 * The pk plugin's example scenarios, loaded and simulated as a user would run them, and the host's refusal of
 * parameters outside their bounds.
 *
 * Scenarios (scenarios/pk_*.yaml), each checked against an exact property and, where one exists, a published
 * number:
 *   - pk_docetaxel.yaml: AUC of each 21-day cycle = dose/CL (exact for linear PK, relative error <= 1e-6); and
 *     against the Taxotere label for 100 mg/m2 over 1 h (Cmax 3.7 mg/L, terminal half-life 11.1 h, AUC
 *     4.6 mg*h/L): Cmax and half-life within 5%, AUC within 10% (label means from other analyses than the one the
 *     parameters come from, rounded; the model gives 3.76 mg/L, 11.05 h and 4.90 mg*h/L);
 *   - pk_oral.yaml: at steady state the average concentration over a dosing interval is F*dose/(CL*tau) and the
 *     trough is the closed form of the Bateman function summed over infinitely many doses (<= 1e-6); the trough
 *     lies within one SD of the mean measured in the IRIS trial (Larson et al. 2008);
 *   - pk_mm.yaml: under a constant infusion R < Vmax the concentration reaches Km*R/(Vmax - R) (<= 1e-6 after 60 d;
 *     the distance left then is below 1e-9); after the loading dose C follows the Lambert W closed form.
 * Bad input: a non-positive volume, a negative rate constant or clearance, F outside (0, 1], a negative lag time
 * and a zero Km are refused when the scenario is loaded, with the instance, parameter, value (in the plugin's
 * unit), allowed range and the position in the file.
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

#include "plugin_checks.h"
#include "test_pk_reference.h"

/* The row recorded at time t (d), which must be an output time. */
static size_t row_at(const ts_test_sim *s, double t) {
  for (size_t i = 0; i < s->res.n_times; i++)
    if (fabs(s->res.times[i] - t) < 1e-9)
      return i;
  fail_msg("no output at t = %g d", t);
  return 0;
}

/* Relative difference, with |want| below `floor` compared with floor instead. */
static void check_near_floor(const char *what, double got, double want, double tol, double floor) {
  const double e = ts_test_relerr(got, want, floor);
  print_message("  %-44s %.10g, expected %.10g (relative difference %.2g, allowed %.0e)\n", what, got, want, e, tol);
  if (!(e <= tol))
    fail_msg("%s = %.12g, expected %.12g (relative difference %.3g > %.1g)", what, got, want, e, tol);
}

static void check_near(const char *what, double got, double want, double tol) {
  check_near_floor(what, got, want, tol, 0);
}

/* ---- Scenarios ---------------------------------------------------------------------------------------------- */

static void test_docetaxel(void **state) {
  (void)state;
  ts_test_sim s;
  ts_test_simulate_file(&s, "pk_docetaxel.yaml");
  const size_t w = 2; /* pk.C, auc.AUC */
  const double cl = 36.7 * 24, dose = 180;
  assert_int_equal(s.res.n_times, 84 * 24 + 1);
  /* Cmax of the first cycle: at the end of the infusion, 1 h. */
  double cmax = 0, tmax = 0;
  for (size_t i = 0; s.res.times[i] < 1.0; i++)
    if (s.res.values[i * w] > cmax) {
      cmax = s.res.values[i * w];
      tmax = s.res.times[i];
    }
  assert_float_equal(tmax, 1.0 / 24, 1e-9);
  check_near("Cmax (mg/L) vs label 3.7", cmax, 3.7, 0.05);
  /* Terminal half-life from 3 and 5 days after the first dose, when the two faster phases are gone
   * (exp(-1.44/h * 72 h) < 1e-40). */
  const double c3 = s.res.values[row_at(&s, 3.0) * w], c5 = s.res.values[row_at(&s, 5.0) * w];
  check_near("terminal half-life (h) vs label 11.1", log(2) * 48 / log(c3 / c5), 11.1, 0.05);
  /* AUC: dose/CL per cycle, exactly; the first cycle's against the label. The sample at a dose time is taken
   * before the dose, and 21 d after a dose exp(-lambda_z * 21 d) < 1e-13 of it is left. */
  for (int cycle = 1; cycle <= 4; cycle++) {
    char what[64];
    snprintf(what, sizeof what, "AUC(%d d) (mg*d/L) vs %d*dose/CL", 21 * cycle, cycle);
    check_near(what, s.res.values[row_at(&s, 21.0 * cycle) * w + 1], cycle * dose / cl, 1e-6);
  }
  check_near("AUC of cycle 1 (mg*h/L) vs label 4.6", s.res.values[row_at(&s, 21.0) * w + 1] * 24, 4.6, 0.10);
  ts_test_sim_free(&s);
}

static void test_imatinib_oral_steady_state(void **state) {
  (void)state;
  ts_test_sim s;
  ts_test_simulate_file(&s, "pk_oral.yaml");
  const size_t w = 3; /* pk.C, auc.AUC, pk.Ad */
  const double dose = 400, cl = 14.3 * 24, v = 347, ka = 0.609 * 24, k = cl / v, tau = 1.0;
  /* After 27 daily doses the distance to steady state is exp(-k * 27 d) ~ 3e-12. */
  const size_t i27 = row_at(&s, 27.0), i28 = row_at(&s, 28.0);
  check_near("average C over day 27-28 (mg/L) vs dose/(CL tau)",
             (s.res.values[i28 * w + 1] - s.res.values[i27 * w + 1]) / tau, dose / (cl * tau), 1e-6);
  /* Steady-state trough: sum over n >= 1 of the Bateman function at n*tau. */
  const double trough =
      dose * ka / (v * (ka - k)) * (exp(-k * tau) / -expm1(-k * tau) - exp(-ka * tau) / -expm1(-ka * tau));
  check_near("trough C at 27 d (mg/L), Bateman series", s.res.values[i27 * w], trough, 1e-6);
  /* What is left in the depot at a trough is 2e-4 mg, where the solver's absolute tolerance (1e-10 mg) is a
   * relative 1e-6: compared with a floor of 1e-3 mg. */
  check_near_floor("depot at 27 d (mg), geometric series", s.res.values[i27 * w + 2],
                   dose * exp(-ka * tau) / -expm1(-ka * tau), 1e-6, 1e-3);
  /* The peak at steady state comes about 3 h after the dose (t_max of the Bateman series). */
  double cmax = 0, tmax = 0;
  for (size_t i = i27; i <= i28; i++)
    if (s.res.values[i * w] > cmax) {
      cmax = s.res.values[i * w];
      tmax = s.res.times[i] - 27.0;
    }
  const double t_peak = log(ka * -expm1(-k * tau) / (k * -expm1(-ka * tau))) / (ka - k);
  assert_true(fabs(tmax - t_peak) <= 0.5 / 24); /* hourly samples */
  print_message("  steady state: trough %.4g mg/L, peak %.4g mg/L at %.1f h\n", trough, cmax, tmax * 24);
  /* Published: the mean steady-state trough at 400 mg/day in the IRIS trial was 979 +- 530 ng/mL (Larson et al.
   * 2008, Blood 111:4022). Another population than Widmer et al.'s: only within one SD is asked. */
  const double c27 = s.res.values[i27 * w];
  assert_true(c27 > 0.979 - 0.530 && c27 < 0.979 + 0.530);
  ts_test_sim_free(&s);
}

static void test_phenytoin_saturable_steady_state(void **state) {
  (void)state;
  ts_test_sim s;
  ts_test_simulate_file(&s, "pk_mm.yaml");
  const size_t w = 2; /* pk.C, pk.A */
  const double vmax = 490, km = 4, v = 49, rate = 300;
  /* The loading dose, 1000 mg over 1 h: 6 h after its start at most Vmax * 6 h has been eliminated. Between 6 h
   * and 12 h nothing is given, so C follows the Lambert W solution from the value at 6 h. */
  const double c6 = s.res.values[row_at(&s, 0.25) * w], c12 = s.res.values[row_at(&s, 0.5) * w];
  assert_true(c6 < 1000 / v && c6 > (1000 - vmax * 0.25) / v);
  check_near("C at 12 h (mg/L) vs Lambert W from 6 h", c12, pk_mm_bolus(c6, vmax, km, v, 0.25), 1e-6);
  /* Michaelis-Menten steady state under the constant input, reached after 60 days. */
  check_near("C at 60.5 d (mg/L) vs Km*R/(Vmax - R)", s.res.values[row_at(&s, 60.5) * w], km * rate / (vmax - rate),
             1e-6);
  /* With linear elimination at the low-concentration clearance Vmax/Km it would be R*Km/Vmax: saturation makes
   * it 2.6 times higher. */
  assert_true(s.res.values[row_at(&s, 60.5) * w] > 2.5 * rate * km / vmax);
  ts_test_sim_free(&s);
}

/* ---- Bad parameters ------------------------------------------------------------------------------------------ */

/* Loads a scenario whose one instance `pk` of `model` has the single parameter line `param` (line 7, value at
 * column 11 when the name has two letters) and checks that loading fails with `expected` in the message. */
static void load_fails(const char *model, const char *param, const char *expected) {
  char yaml[1024];
  snprintf(yaml, sizeof yaml,
           "twinsim: 1\nname: bad\nmodel:\n  pk:\n    model: %s\n    parameters:\n      %s\nhorizon: 1 d\n"
           "output:\n  every: 1 d\n  signals: [pk.C]\n",
           model, param);
  ts_loaded l;
  ts_error err;
  ts_error_clear(&err);
  const char *path = ts_test_scenario("bad_pk_param", yaml);
  assert_int_equal(ts_load(path, &l, &err), -1);
  print_message("  %s\n", err.message);
  if (!strstr(err.message, expected))
    fail_msg("message '%s' does not contain '%s'", err.message, expected);
  assert_non_null(strstr(err.message, "bad_pk_param")); /* names the file */
}

static void test_rejects_non_positive_volume(void **state) {
  (void)state;
  load_fails("pk/three_compartment", "V3: 0 L", ":7:11: parameter pk.V3 = 0 L is outside its allowed range (0, inf] L");
  load_fails("pk/one_compartment_oral", "V: -2 L",
             ":7:10: parameter pk.V = -2 L is outside its allowed range (0, inf] L");
  load_fails("pk/two_compartment_mm", "V1: 0 mL",
             ":7:11: parameter pk.V1 = 0 L is outside its allowed range (0, inf] L");
}

static void test_rejects_negative_rate_constant(void **state) {
  (void)state;
  /* The value is reported in the plugin's unit: -0.5 /h is -12 /d. */
  load_fails("pk/two_compartment_oral", "ka: -0.5 1/h",
             ":7:11: parameter pk.ka = -12 1/d is outside its allowed range (0, inf] 1/d");
  load_fails("pk/two_compartment_oral", "ka: 0 1/h",
             ":7:11: parameter pk.ka = 0 1/d is outside its allowed range (0, inf] 1/d");
  load_fails("pk/three_compartment_oral", "Q2: -1 L/h",
             ":7:11: parameter pk.Q2 = -24 L/d is outside its allowed range [0, inf] L/d");
  load_fails("pk/three_compartment", "CL: -5 L/d",
             ":7:11: parameter pk.CL = -5 L/d is outside its allowed range [0, inf] L/d");
  load_fails("pk/one_compartment_mm", "Vmax: -10 mg/d",
             ":7:13: parameter pk.Vmax = -10 mg/d is outside its allowed range [0, inf] mg/d");
}

static void test_rejects_bioavailability_outside_0_1(void **state) {
  (void)state;
  load_fails("pk/one_compartment_oral", "F: 1.2", ":7:10: parameter pk.F = 1.2 is outside its allowed range (0, 1]");
  load_fails("pk/three_compartment_oral", "F: 0", ":7:10: parameter pk.F = 0 is outside its allowed range (0, 1]");
  load_fails("pk/two_compartment_oral", "F: 150 %", ":7:10: parameter pk.F = 1.5 is outside its allowed range (0, 1]");
}

static void test_rejects_negative_lag_and_zero_km(void **state) {
  (void)state;
  load_fails("pk/one_compartment_oral", "tlag: -6 h",
             ":7:13: parameter pk.tlag = -0.25 d is outside its allowed range [0, inf] d");
  load_fails("pk/two_compartment_mm", "Km: 0 mg/L",
             ":7:11: parameter pk.Km = 0 mg/L is outside its allowed range (0, inf] mg/L");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_docetaxel),
      cmocka_unit_test(test_imatinib_oral_steady_state),
      cmocka_unit_test(test_phenytoin_saturable_steady_state),
      cmocka_unit_test(test_rejects_non_positive_volume),
      cmocka_unit_test(test_rejects_negative_rate_constant),
      cmocka_unit_test(test_rejects_bioavailability_outside_0_1),
      cmocka_unit_test(test_rejects_negative_lag_and_zero_km),
  };
  return cmocka_run_group_tests_name("plugins.pk_scenarios", tests, NULL, NULL);
}
