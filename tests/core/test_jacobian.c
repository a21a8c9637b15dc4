/* The analytic system Jacobian, assembled by the chain rule through the bus, against central finite differences
 * of the wired right-hand side. The system couples instances through a state (pk.C reads pk's A1), an output that
 * reads an input directly (t1.drug_kill reads t1.C), and a summing input fed by two such outputs (t2.kill_rate), so
 * every path of the chain rule is exercised. */
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

static const char yaml[] = "twinsim: 1\nname: jacobian\nmodel:\n"
                           "  pk:\n    model: pk/two_compartment\n"
                           "  t1:\n    model: tumor/gompertz\n    inputs:\n      C: pk.C\n"
                           "  t3:\n    model: tumor/gompertz\n    parameters:\n      EC50: 2 mg/L\n"
                           "    inputs:\n      C: pk.C\n"
                           "  t2:\n    model: tumor/gompertz\n    parameters:\n      N0: 3e8 cells\n"
                           "    inputs:\n      C: pk.C\n      kill_rate: [t1.drug_kill, t3.drug_kill]\n"
                           "horizon: 1 d\noutput:\n  every: 1 d\n  signals: [t2.N]\n";

static void test_analytic_jacobian_matches_finite_differences(void **state) {
  (void)state;
  ts_loaded l;
  ts_error err;
  if (ts_load(ts_test_scenario("jacobian", yaml), &l, &err) != 0)
    fail_msg("%s", err.message);
  ts_sim *sim;
  ts_sim_options opt = {.verbosity = TS_LOG_WARNING, .seed = 1};
  assert_int_equal(ts_sim_create(l.system, &opt, &sim, &err), 0);
  assert_true(ts_sim_uses_analytic_jacobian(sim));
  size_t n = l.system->n_states;
  assert_int_equal(n, 5); /* A1, A2, t1.N, t3.N, t2.N */
  double y[5], J[25], fp[5], fm[5], yp[5];
  ts_patient p = {.index = 1, .label = "p", .params = l.system->params};
  assert_int_equal(ts_sim_prepare(sim, &p, y), 0);
  y[0] = 7.0, y[1] = 3.0, y[2] = 2e9, y[3] = 1e9, y[4] = 5e8; /* a point with drug on board */
  assert_int_equal(ts_sim_jacobian(sim, 0.5, y, J), 0);
  double worst = 0;
  for (size_t j = 0; j < n; j++) {
    double h = 1e-6 * fmax(fabs(y[j]), 1.0);
    memcpy(yp, y, sizeof y);
    yp[j] = y[j] + h;
    assert_int_equal(ts_sim_rhs(sim, 0.5, yp, fp), 0);
    yp[j] = y[j] - h;
    assert_int_equal(ts_sim_rhs(sim, 0.5, yp, fm), 0);
    for (size_t i = 0; i < n; i++) {
      double fd = (fp[i] - fm[i]) / (2 * h);
      double scale = fmax(fabs(fd), 1e-6 * fmax(fabs(fp[i]), 1.0) / h);
      double e = fabs(J[i + j * n] - fd) / scale;
      if (e > worst)
        worst = e;
      if (e > 1e-5)
        fail_msg("J[%zu][%zu] = %.10g, finite difference %.10g", i, j, J[i + j * n], fd);
    }
  }
  print_message("worst relative difference %.2g\n", worst);
  /* t2's growth depends on pk's A1 through C and through the two drug_kill outputs it sums: not zero */
  assert_true(fabs(J[4 + 0 * n]) > 0);
  /* A2 does not feed the tumors directly */
  assert_float_equal(J[2 + 1 * n], 0.0, 0);
  ts_sim_free(sim);
  ts_loaded_free(&l);
}

/* solver.jacobian: finite_difference turns the analytic Jacobian off; analytic refuses a model without one. */
static void test_jacobian_setting(void **state) {
  (void)state;
  char text[2048];
  snprintf(text, sizeof text, "%ssolver:\n  jacobian: finite_difference\n", yaml);
  ts_test_sim s;
  ts_test_simulate(&s, "jacobian_fd", text);
  assert_false(ts_sim_uses_analytic_jacobian(s.sim));
  assert_false(s.res.failed);
  ts_test_sim_free(&s);

  snprintf(text, sizeof text,
           "twinsim: 1\nname: fd\nplugin_path: [%s]\nmodel:\n  d:\n    model: testkit/decay\nhorizon: 1 d\n"
           "output:\n  every: 1 d\n  signals: [d.A]\nsolver:\n  jacobian: analytic\n",
           TS_TEST_FIXTURE_DIR);
  ts_loaded l;
  ts_error err;
  assert_int_equal(ts_load(ts_test_scenario("jacobian_analytic", text), &l, &err), -1);
  assert_non_null(strstr(err.message, ":12:13: solver.jacobian: analytic, but d (testkit/decay) has no jacobian()"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_analytic_jacobian_matches_finite_differences),
      cmocka_unit_test(test_jacobian_setting),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
