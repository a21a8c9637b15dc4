/* ts_eval.outputs_wanted (plugin ABI 1.1): in a right-hand side evaluation the host wants only the outputs some
 * wire reads; samples want every output. Fixtures (tests/fixtures/wanted.c): the same models built as a 1.0
 * plugin, which ignores the field, and as a 1.1 plugin, which skips the unwired output and writes NaN there so
 * that any read of a skipped output would show. Both must give the closed forms
 *   N(t) = N0 exp(k t),  size = cbrt(N),  S(t) = N0 (exp(k t) - 1) / k     (dS/dt = N through a wire). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "test_support.h"

enum { SIZE, SKIPS, S, N_RECORDED };

/* Simulates 10 days of the library's cube and sink; returns the skips counted at the last sample. */
static double simulate(const char *library) {
  char yaml[2048];
  snprintf(yaml, sizeof yaml,
           "twinsim: 1\nname: wanted\nplugin_path: [%s]\nmodel:\n"
           "  c:\n    model: %s/cube\n    parameters: {k: 0.1 1/d, N0: 8}\n"
           "  s:\n    model: %s/sink\n    inputs: {x: c.N_out}\n"
           "horizon: 10 d\noutput:\n  every: 1 d\n  signals: [c.size, c.skips, s.S]\n"
           "solver:\n  rtol: 1e-10\n  atol: 1e-12\n",
           TS_TEST_FIXTURE_DIR, library, library);
  ts_test_sim sim;
  ts_test_simulate(&sim, library, yaml);
  const ts_sim_result *res = &sim.res;
  assert_false(res->failed);
  assert_int_equal(res->n_times, 11);
  for (size_t i = 0; i < res->n_times; i++) {
    const double *row = res->values + i * N_RECORDED, t = (double)i, n = 8.0 * exp(0.1 * t);
    assert_true(ts_test_relerr(row[SIZE], cbrt(n), 1e-12) < 1e-8);
    assert_true(ts_test_relerr(row[S], 8.0 * (exp(0.1 * t) - 1.0) / 0.1, 1e-9) < 1e-7);
  }
  double skips = res->values[(res->n_times - 1) * N_RECORDED + SKIPS];
  assert_true(res->n_rhs_evals > 0);
  print_message("%s: %ld right-hand sides, size skipped %.0f times\n", library, res->n_rhs_evals, skips);
  if (skips > 0)
    assert_true(skips >= (double)res->n_rhs_evals); /* every right-hand side, plus CVODE's difference quotients */
  ts_test_sim_free(&sim);
  return skips;
}

/* A plugin built for ABI 1.0 loads and runs unchanged in a 1.1 host. */
static void test_plugin_built_for_1_0_runs(void **state) {
  (void)state;
  assert_true(simulate("wanted10") == 0.0);
}

/* A 1.1 plugin is told, at every right-hand side, that nothing reads `size`, and asked for it at every sample. */
static void test_unwired_output_is_skipped_but_recorded(void **state) {
  (void)state;
  assert_true(simulate("wanted11") > 0.0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_plugin_built_for_1_0_runs),
      cmocka_unit_test(test_unwired_output_is_skipped_but_recorded),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
