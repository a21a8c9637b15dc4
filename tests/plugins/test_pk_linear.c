/*
 * The pk plugin's intravenous linear models through the scheduler, against closed forms: pk/one_compartment,
 * pk/two_compartment and pk/three_compartment, repeated IV boluses and zero-order infusions, sampled on a grid and
 * at, just before and just after every dose and every infusion end (tests/plugins/test_pk_reference.h has the
 * closed forms and how the comparison is made).
 *
 * Tolerance: the solver runs at rtol 1e-10 and atol 1e-14 mg; every concentration must be within a relative error
 * of 1e-6 of the closed form (values below 1e-6 of the peak are compared with that floor), the project's bar for
 * "tight". The worst error seen is printed; it is typically 1e-8 or below.
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

#define TOL 1e-6

/* The docetaxel disposition of scenarios/pk_docetaxel.yaml, in L/d: CL 36.7 L/h, V1 7.14 L, Q2, V2, Q3, V3 from
 * k12 1.07, k21 1.74, k13 1.28, k31 0.0787 /h. */
static const double dtx_cl = 36.7 * 24, dtx_v1 = 7.14;
static const double dtx_q[2] = {1.07 * 7.14 * 24, 1.28 * 7.14 * 24};
static const double dtx_v[2] = {1.07 * 7.14 / 1.74, 1.28 * 7.14 / 0.0787};

/* The same as scenario parameter lines (L/d), written from the doubles above. */
static const char *dtx_params(void) {
  static char text[512];
  snprintf(text, sizeof text,
           "      CL: %.17g L/d\n      V1: %.17g L\n      Q2: %.17g L/d\n      V2: %.17g L\n      Q3: %.17g L/d\n"
           "      V3: %.17g L\n",
           dtx_cl, dtx_v1, dtx_q[0], dtx_v[0], dtx_q[1], dtx_v[1]);
  return text;
}

/* ---- The references themselves --------------------------------------------------------------------------- */

/* Checks the closed forms on properties that do not depend on how they were derived, so that a wrong reference
 * cannot make the tests pass: h(0) = 1 for an IV bolus (the dose is all in the central compartment), the AUC of
 * the unit response is 1/k10 (= V1/CL, whatever the distribution), the disposition rates multiply to
 * k10*k21*k31 and add to the sum of all rate constants, and the published docetaxel half-lives. */
static void test_reference_formulas(void **state) {
  (void)state;
  const pk_micro one = pk_micro_from(120, 10, 0, NULL, NULL);
  const double q2[] = {48}, v2[] = {20};
  const pk_micro two = pk_micro_from(120, 10, 1, q2, v2);
  const pk_micro three = pk_micro_from(dtx_cl, dtx_v1, 2, dtx_q, dtx_v);
  const pk_micro *all[] = {&one, &two, &three};
  for (int m = 0; m < 3; m++) {
    const pk_response r = pk_iv_response(all[m]);
    double h0 = 0, auc = 0;
    for (int i = 0; i < r.n; i++) {
      h0 += r.coef[i];
      auc += r.coef[i] / r.rate[i];
    }
    assert_float_equal(h0, 1.0, 1e-13);
    assert_float_equal(auc * all[m]->k10, 1.0, 1e-12);
  }
  double lambda[3];
  assert_int_equal(pk_disposition_rates(&three, lambda), 3);
  const double k10 = three.k10, k12 = three.k_out[0], k21 = three.k_back[0], k13 = three.k_out[1],
               k31 = three.k_back[1];
  assert_float_equal(lambda[0] * lambda[1] * lambda[2] / (k10 * k21 * k31), 1.0, 1e-13);
  assert_float_equal((lambda[0] + lambda[1] + lambda[2]) / (k10 + k12 + k21 + k13 + k31), 1.0, 1e-13);
  assert_true(lambda[0] > lambda[1] && lambda[1] > lambda[2] && lambda[2] > 0);
  /* Half-lives (h): the label of docetaxel (Taxotere SmPC) gives 4 min, 36 min and 11.1 h; these parameters give
   * 5.3 min, 29 min and 11.05 h (docs/models/pk.md). Only the terminal one is close enough to be a check. */
  assert_float_equal(log(2) / lambda[2] * 24, 11.05, 0.01);
  /* Two compartments, RP-1: alpha = 17.560, beta = 1.6401 /d (docs/models/pk.md). */
  assert_int_equal(pk_disposition_rates(&two, lambda), 2);
  assert_float_equal(lambda[0], 17.560, 5e-4);
  assert_float_equal(lambda[1], 1.6401, 5e-5);
  /* The infusion formula at the end of a long infusion tends to R/k10 (steady state). */
  const pk_response r1 = pk_iv_response(&one);
  const pk_dose inf = {.time = 0, .amount = 2400 * 10.0, .duration = 10.0, .route = 0};
  assert_float_equal(pk_dose_amount(&r1, &inf, 10.0), 2400 / 12.0 * -expm1(-120.0), 1e-9);
}

/* ---- Through the scheduler --------------------------------------------------------------------------------- */

static void test_one_compartment_bolus_and_infusion(void **state) {
  (void)state;
  const pk_micro m = pk_micro_from(5 * 24.0, 50, 0, NULL, NULL);
  const pk_response r[] = {pk_iv_response(&m)};
  const char *params = "      CL: 5 L/h\n      V: 50 L\n";
  const pk_plan bolus[] = {{"central", 0, 100, 0, 0, 1.0, 4, 1, 0}};
  pk_check_regimen("one_compartment bolus q1d x4", "pk/one_compartment", params, bolus, 1, r, 8, 0.25, 0, TOL);
  const pk_plan infusion[] = {{"central", 0, 100, 0.5, 2.0 / 24, 1.0, 4, 1, 0}};
  pk_check_regimen("one_compartment infusion 2 h q1d x4", "pk/one_compartment", params, infusion, 1, r, 8, 0.25, 0,
                   TOL);
}

static void test_two_compartment_bolus_and_infusion(void **state) {
  (void)state;
  const double q[] = {48}, v[] = {20};
  const pk_micro m = pk_micro_from(120, 10, 1, q, v);
  const pk_response r[] = {pk_iv_response(&m)};
  const char *params = "      CL: 120 L/d\n      V1: 10 L\n      Q: 48 L/d\n      V2: 20 L\n";
  const pk_plan bolus[] = {{"central", 0, 100, 0, 0, 3.0, 5, 1, 0}};
  pk_check_regimen("two_compartment bolus q3d x5", "pk/two_compartment", params, bolus, 1, r, 20, 0.5, 0, TOL);
  /* RP-1's regimen, two cycles: 100 mg over 1 h every 21 d. */
  const pk_plan infusion[] = {{"central", 0, 100, 0, 1.0 / 24, 21.0, 2, 1, 0}};
  pk_check_regimen("two_compartment RP-1 infusion q21d x2", "pk/two_compartment", params, infusion, 1, r, 30, 0.5, 0,
                   TOL);
}

static void test_three_compartment_bolus(void **state) {
  (void)state;
  const pk_micro m = pk_micro_from(dtx_cl, dtx_v1, 2, dtx_q, dtx_v);
  const pk_response r[] = {pk_iv_response(&m)};
  const pk_plan bolus[] = {{"central", 0, 100, 0, 0, 2.0, 4, 1, 0}};
  pk_check_regimen("three_compartment bolus q2d x4", "pk/three_compartment", dtx_params(), bolus, 1, r, 12, 0.125, 0,
                   TOL);
}

/* Docetaxel 180 mg over 1 h every 7 d, three doses, and a second regimen overlapping it: infusions by rate. */
static void test_three_compartment_infusions(void **state) {
  (void)state;
  const pk_micro m = pk_micro_from(dtx_cl, dtx_v1, 2, dtx_q, dtx_v);
  const pk_response r[] = {pk_iv_response(&m)};
  const pk_plan infusion[] = {{"central", 0, 180, 0, 1.0 / 24, 7.0, 3, 1, 0},
                              {"central", 0, 40, 0.5, 0.25, 7.0, 2, 1, 0}};
  pk_check_regimen("three_compartment infusions q7d", "pk/three_compartment", dtx_params(), infusion, 2, r, 20, 0.125,
                   1, TOL);
}

/* Different parameters, far from docetaxel's: slow and fast peripheral compartments of similar size. */
static void test_three_compartment_other_parameters(void **state) {
  (void)state;
  const double q[] = {30, 4}, v[] = {15, 60};
  const pk_micro m = pk_micro_from(50, 12, 2, q, v);
  const pk_response r[] = {pk_iv_response(&m)};
  const char *params = "      CL: 50 L/d\n      V1: 12 L\n      Q2: 30 L/d\n      V2: 15 L\n      Q3: 4 L/d\n"
                       "      V3: 60 L\n";
  const pk_plan plans[] = {{"central", 0, 250, 0, 0, 5.0, 3, 1, 0}, {"central", 0, 120, 1.0, 0.5, 5.0, 3, 1, 0}};
  pk_check_regimen("three_compartment bolus + infusion", "pk/three_compartment", params, plans, 2, r, 30, 0.25, 1, TOL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reference_formulas),
      cmocka_unit_test(test_one_compartment_bolus_and_infusion),
      cmocka_unit_test(test_two_compartment_bolus_and_infusion),
      cmocka_unit_test(test_three_compartment_bolus),
      cmocka_unit_test(test_three_compartment_infusions),
      cmocka_unit_test(test_three_compartment_other_parameters),
  };
  return cmocka_run_group_tests_name("plugins.pk_linear", tests, NULL, NULL);
}
