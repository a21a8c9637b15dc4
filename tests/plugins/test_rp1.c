/* RP-1 assembled from four plugins (scenarios/rp1.yaml: pk/two_compartment, tumor/gompertz_two_clone,
 * immune/kuznetsov, toxicity/friberg, wired through the bus) against RP-1 written out by hand (bench/rp1_model.h)
 * and integrated with CVODE directly. Both at rtol 1e-10 with the same dosing: every daily output of C, S, R, N, E
 * and Circ agrees within 1e-6 relative (C below 1e-9 mg/L compared to that floor). At the scenario's own
 * tolerances the two agree within 1e-3 (C below 1e-5 mg/L = 100 atol(A1)/V1 compared to that floor). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rp1_model.h"
#include "test_support.h"

#define NTIMES RP1_NTIMES

/* The hand-written RP-1 typical patient, q3w arm, sampled daily: out[t][0..5] = C, S, R, N, E, Circ. */
static void reference(double rtol, double atol_scale, double (*out)[6]) {
  SUNContext ctx;
  assert_int_equal(SUNContext_Create(NULL, &ctx), 0);
  N_Vector y = N_VNew_Serial(NS, ctx), atol = N_VNew_Serial(NS, ctx);
  double *a = N_VGetArrayPointer(atol);
  a[A1] = a[A2] = 1e-6 * atol_scale;
  a[S] = a[R] = a[E] = 1e-3 * atol_scale;
  for (int k = PROL; k <= CIRC; k++)
    a[k] = 1.0 * atol_scale;
  rp1_patient P;
  rp1_typical(&P);
  N_VConst(1.0, y);
  void *cvode = CVodeCreate(CV_BDF, ctx);
  SUNMatrix J = SUNDenseMatrix(NS, NS, ctx);
  SUNLinearSolver LS = SUNLinSol_Dense(y, J, ctx);
  assert_int_equal(CVodeInit(cvode, rp1_rhs, 0, y), 0);
  assert_int_equal(CVodeSVtolerances(cvode, rtol, atol), 0);
  assert_int_equal(CVodeSetLinearSolver(cvode, LS, J), 0);
  assert_int_equal(CVodeSetJacFn(cvode, rp1_jac), 0);
  assert_int_equal(CVodeSetMaxNumSteps(cvode, 1000000), 0);
  assert_int_equal(CVodeSetUserData(cvode, &P), 0);
  long steps = 0;
  assert_false(isnan(rp1_simulate(cvode, y, &P, 1, &out[0][0], &steps)));
  SUNLinSolFree(LS);
  SUNMatDestroy(J);
  N_VDestroy(y);
  N_VDestroy(atol);
  CVodeFree(&cvode);
  SUNContext_Free(&ctx);
}

/* scenarios/rp1.yaml, with its solver section replaced when `solver` is not NULL. */
static void twinsim_rp1(const char *solver, ts_test_sim *s) {
  char *text = ts_test_read_file(TS_TEST_SOURCE_DIR "/scenarios/rp1.yaml", NULL);
  assert_non_null(text);
  if (solver) {
    char *cut = strstr(text, "\nsolver:");
    assert_non_null(cut);
    cut[1] = '\0';
  }
  size_t n = strlen(text) + (solver ? strlen(solver) : 0) + 1;
  char *yaml = malloc(n);
  snprintf(yaml, n, "%s%s", text, solver ? solver : "");
  ts_test_simulate(s, "rp1", yaml);
  free(yaml);
  free(text);
  assert_false(s->res.failed);
  assert_int_equal(s->res.n_times, NTIMES);
  assert_int_equal(s->loaded.system->n_states, 10);
}

/* Worst relative difference; C below c_floor (mg/L) is compared to c_floor, as the tolerances only control it
 * to about atol(A1)/V1. Fails beyond `limit`. */
static double compare(const ts_test_sim *s, double (*ref)[6], double c_floor, double limit) {
  static const char *const names[] = {"C", "S", "R", "N", "E", "Circ"};
  double worst = 0;
  for (int t = 0; t < NTIMES; t++)
    for (int j = 0; j < 6; j++) {
      double got = s->res.values[t * 6 + j];
      double e = ts_test_relerr(got, ref[t][j], j == 0 ? c_floor : 1e-300);
      if (e > worst)
        worst = e;
      if (e > limit)
        fail_msg("%s at day %d: twinsim %.10g, hand-written %.10g", names[j], t, got, ref[t][j]);
    }
  return worst;
}

static void test_rp1_tight(void **state) {
  (void)state;
  static double ref[NTIMES][6];
  reference(1e-10, 1e-4, ref);
  ts_test_sim s;
  twinsim_rp1("solver:\n  rtol: 1e-10\n  atol:\n    pk.A1: 1e-10 mg\n    pk.A2: 1e-10 mg\n"
              "    tumor.S: 1e-7 cells\n    tumor.R: 1e-7 cells\n    immune.E: 1e-7 cells\n"
              "    tox.Prol: 1e-4 cells/L\n    tox.T1: 1e-4 cells/L\n    tox.T2: 1e-4 cells/L\n"
              "    tox.T3: 1e-4 cells/L\n    tox.Circ: 1e-4 cells/L\n",
              &s);
  double worst = compare(&s, ref, 1e-9, 1e-6);
  print_message("RP-1 at rtol 1e-10: worst relative difference %.3g\n", worst);
  /* the published behaviour: the tumor shrinks under treatment, then regrows; neutrophils dip and recover */
  assert_true(s.res.values[7 * 6 + 3] < 1e9);
  assert_true(s.res.values[365 * 6 + 3] > 1e11);
  assert_true(s.res.values[7 * 6 + 5] < 5e9 && s.res.values[365 * 6 + 5] > 4.99e9);
  ts_test_sim_free(&s);
}

static void test_rp1_as_specified(void **state) {
  (void)state;
  static double ref[NTIMES][6];
  reference(1e-6, 1.0, ref);
  ts_test_sim s;
  twinsim_rp1(NULL, &s);
  double worst = compare(&s, ref, 1e-5, 1e-3); /* 100 atol(A1)/V1 */
  print_message("RP-1 at the specified tolerances: worst relative difference %.3g\n", worst);
  ts_test_sim_free(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rp1_tight),
      cmocka_unit_test(test_rp1_as_specified),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
