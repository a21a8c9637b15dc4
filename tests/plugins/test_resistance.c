/*
 * Tests of the resistance plugin (plugins/resistance/resistance.c).
 *
 * Through the ABI, as the host sees it (the library is dlopen()ed from TS_TEST_PLUGIN_DIR; step() is driven with a
 * test host whose random numbers come from a fixed splitmix64 stream):
 *   - the library and model headers and every descriptor;
 *   - init(), the right-hand side at chosen points against values worked out by hand (relative error <= 1e-12),
 *     and the analytic Jacobian against central finite differences (relative error <= 1e-6);
 *   - the stochastic step against closed forms of linear birth-death processes, by Monte Carlo over 100000 clones,
 *     each compared with its 99.9% acceptance interval (z = 3.29; the seeds are fixed, so a test that passes
 *     always passes): the Yule process (Kendall 1948: R(t) geometric with P(R = 1) = exp(-b t)), extinction of a
 *     birth-death clone (Kendall 1948), Poisson mutation counts, the timing of mutations under an exponentially
 *     growing S, and the hybrid hand-off, which keeps the mean of a linear process exactly;
 *   - the deterministic step draws no random number; back to stochastic keeps the mean; bad values fail.
 * Through the scheduler (tumor/exponential as S, run with ts_sim):
 *   - the deterministic regime against the closed form of dR/dt = (b - d)R + u*bS*S with S = N0*exp(lambda*t),
 *     relative error <= 1e-6 at rtol 1e-10;
 *   - a stochastic start handed off to the deterministic regime, which then follows the closed form;
 *   - the same seed gives the same trajectory, another seed or patient another one;
 *   - an unconnected S and negative rates are rejected at load, with the messages checked;
 *   - scenarios/resistance_*.yaml load and run.
 * The Monte Carlo comparisons with Iwasa et al. 2006 and Luria-Delbrueck are in test_resistance_mc.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <twinsim/plugin.h>

#include "plugin_checks.h"

#define Z_999    3.29   /* two-sided 99.9% normal quantile, for the Monte Carlo checks of step() */
#define N_CLONES 100000 /* Monte Carlo repetitions of step() */

/* The model's tables, in declaration order (checked by test_descriptor). */
enum { P_B, P_D, P_BS, P_U, P_THRESHOLD, P_R0, N_PARAMS };
enum { X_R, X_REGIME, X_H, N_STATES };
enum { I_S, I_KILL, N_INPUTS };
enum { O_RESISTANT, O_LOSS, N_OUTPUTS };

/* ---- Loading ----------------------------------------------------------------------------------------------- */

static int open_plugin(void **state) {
  return ts_test_plugin_open(state, "resistance.so");
}

static const ts_model *model(void **state) {
  const ts_plugin *plugin = ((ts_test_plugin *)*state)->plugin;
  assert_int_equal(plugin->n_models, 1);
  return plugin->models[0];
}

/* ---- A host for step(): fixed random stream, recorded errors ------------------------------------------------- */

typedef struct test_host {
  ts_host api; /* first, so that a ts_host pointer is a test_host pointer */
  uint64_t x;  /* splitmix64 state */
  long draws;
  char error[512];
} test_host;

static double test_uniform(const ts_host *host) {
  test_host *t = (test_host *)host;
  uint64_t z = (t->x += 0x9E3779B97F4A7C15u);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
  z ^= z >> 31;
  t->draws++;
  return ((double)(z >> 11) + 0.5) * 0x1p-53; /* in (0, 1) */
}

static double test_normal(const ts_host *host) {
  (void)host;
  fail_msg("mutant_clone has no use for normal deviates");
  return 0.0;
}

static void test_set_error(const ts_host *host, const char *message) {
  test_host *t = (test_host *)host;
  snprintf(t->error, sizeof t->error, "%s", message);
}

static void test_log(const ts_host *host, ts_log_level level, const char *message) {
  (void)host, (void)level, (void)message;
}

static void host_init(test_host *t, uint64_t seed) {
  memset(t, 0, sizeof *t);
  t->api = (ts_host){.struct_size = sizeof(ts_host),
                     .abi_minor = TS_PLUGIN_ABI_MINOR,
                     .instance_name = "r",
                     .log = test_log,
                     .set_error = test_set_error,
                     .random_uniform = test_uniform,
                     .random_normal = test_normal};
  t->x = seed;
}

/* One instance of the model with its own parameters, driven as the host drives it. */
typedef struct clone {
  const ts_model *m;
  test_host host;
  void *instance;
  double params[N_PARAMS];
  double states[N_STATES];
  double inputs[N_INPUTS];
  double outputs[N_OUTPUTS];
} clone;

static void clone_create(clone *c, const ts_model *m, const double params[N_PARAMS], uint64_t seed) {
  memset(c, 0, sizeof *c);
  c->m = m;
  host_init(&c->host, seed);
  memcpy(c->params, params, sizeof c->params);
  assert_int_equal(m->create(&c->host.api, &c->instance), TS_OK);
}

static void clone_init(clone *c) {
  assert_int_equal(c->m->init(c->instance, &c->host.api, c->params, 0.0, c->states), TS_OK);
}

/* step() at time t after an interval h, with S and kill_rate on the inputs; returns its code. */
static int clone_step(clone *c, double t, double h) {
  ts_eval e = {.host = &c->host.api,
               .t = t,
               .params = c->params,
               .states = c->states,
               .inputs = c->inputs,
               .outputs = c->outputs,
               .derivatives = NULL};
  assert_int_equal(c->m->compute_outputs(c->instance, &e), TS_OK);
  double states[N_STATES];
  memcpy(states, c->states, sizeof states);
  int rc = c->m->step(c->instance, &e, h, states);
  memcpy(c->states, states, sizeof states);
  return rc;
}

static void clone_destroy(clone *c) {
  c->m->destroy(c->instance);
}

/* ---- Monte Carlo helpers ------------------------------------------------------------------------------------ */

/* Count of an event in n trials against its exact probability p: |k/n - p| <= z sqrt(p(1-p)/n). */
static void check_proportion(const char *what, long k, long n, double p, double z) {
  const double phat = (double)k / (double)n, half = z * sqrt(p * (1.0 - p) / (double)n);
  print_message("  %-44s %.5f, exact %.5f (+- %.5f)\n", what, phat, p, half);
  CHECK(fabs(phat - p) <= half, "%s: %.5f over %ld trials, exact %.5f: outside +- %.5f", what, phat, n, p, half);
}

/* A sample mean against its exact value, with the sample's standard error. */
static void check_mean(const char *what, double sum, double sum_sq, long n, double mu, double z) {
  const double mean = sum / (double)n, var = (sum_sq - sum * mean) / (double)(n - 1);
  const double half = z * sqrt(var / (double)n);
  print_message("  %-44s %.5f, exact %.5f (+- %.5f)\n", what, mean, mu, half);
  CHECK(fabs(mean - mu) <= half, "%s: %.5f over %ld trials, exact %.5f: outside +- %.5f", what, mean, n, mu, half);
}

/* ---- Headers and descriptors -------------------------------------------------------------------------------- */

static void test_plugin_header(void **state) {
  static const char *const names[] = {"mutant_clone"};
  ts_test_check_plugin_header(state, "resistance", names, 1); /* with: static data, no side effects */
}

static void test_descriptor(void **state) {
  const ts_model *m = model(state);
  /* Header sizes, version, doc, flags 0, what plugin.h requires; per-instance data and a discrete step, no bolus. */
  ts_test_check_models(state, (ts_test_callbacks){.create = true, .destroy = true, .jacobian = true, .step = true});

  /* Closed intervals (flags 0): every rate may be 0. */
  static const ts_test_param_spec params[N_PARAMS] = {
      [P_B] = {"b", "1/d", 0.14, 0, INFINITY, 0},
      [P_D] = {"d", "1/d", 0.13, 0, INFINITY, 0},
      [P_BS] = {"bS", "1/d", 0.14, 0, INFINITY, 0},
      [P_U] = {"u", "1", 1e-7, 0, 1, 0},
      [P_THRESHOLD] = {"threshold", "cells", 1e4, 1, INFINITY, 0},
      [P_R0] = {"R0", "cells", 0, 0, INFINITY, 0},
  };
  ts_test_expect_params(m, params, N_PARAMS); /* docs: ts_test_check_models */

  static const char *const states[N_STATES][2] = {{"R", "cells"}, {"regime", "1"}, {"H", "cells"}};
  assert_int_equal(m->n_states, N_STATES);
  for (int i = 0; i < N_STATES; i++) {
    assert_string_equal(m->states[i].name, states[i][0]);
    assert_string_equal(m->states[i].unit, states[i][1]);
    assert_true(m->states[i].nominal > 0 && isfinite(m->states[i].nominal));
    assert_int_equal(m->states[i].flags, TS_STATE_NONNEGATIVE);
    assert_true(ts_test_is_text(m->states[i].doc));
  }

  assert_int_equal(m->n_inputs, N_INPUTS);
  assert_string_equal(m->inputs[I_S].name, "S");
  assert_string_equal(m->inputs[I_S].unit, "cells");
  assert_int_equal(m->inputs[I_S].type, TS_REAL);
  assert_int_equal(m->inputs[I_S].flags, 0); /* required: load fails when it is not wired */
  assert_string_equal(m->inputs[I_KILL].name, "kill_rate");
  assert_string_equal(m->inputs[I_KILL].unit, "1/d");
  assert_int_equal(m->inputs[I_KILL].flags, TS_INPUT_SUM);
  assert_true(m->inputs[I_KILL].default_value == 0.0);
  assert_true(ts_test_is_text(m->inputs[I_S].doc) && ts_test_is_text(m->inputs[I_KILL].doc));

  assert_int_equal(m->n_outputs, N_OUTPUTS);
  assert_string_equal(m->outputs[O_RESISTANT].name, "resistant");
  assert_string_equal(m->outputs[O_RESISTANT].unit, "1");
  assert_int_equal(m->outputs[O_RESISTANT].type, TS_FLAG);
  assert_string_equal(m->outputs[O_LOSS].name, "mutation_loss");
  assert_string_equal(m->outputs[O_LOSS].unit, "1/d");
  assert_int_equal(m->outputs[O_LOSS].type, TS_REAL);
  for (int i = 0; i < N_OUTPUTS; i++) {
    assert_null(m->outputs[i].direct_inputs); /* outputs read no input: no algebraic loop through S */
    assert_true(ts_test_is_text(m->outputs[i].doc));
  }
  assert_int_equal(m->n_dose_targets, 0); /* the drug acts on S, never on R */

  assert_non_null(m->compute_outputs);
  assert_non_null(m->compute_derivatives);
  m->destroy(NULL); /* harmless */
}

static const double defaults[N_PARAMS] = {0.14, 0.13, 0.14, 1e-7, 1e4, 0.0};

static void test_init(void **state) {
  const ts_model *m = model(state);
  clone c;
  clone_create(&c, m, defaults, 1);
  c.states[X_R] = c.states[X_REGIME] = c.states[X_H] = NAN;
  clone_init(&c);
  assert_true(c.states[X_R] == 0.0 && c.states[X_REGIME] == 0.0 && c.states[X_H] == 0.0);
  assert_int_equal(c.host.draws, 0);

  /* A clone that starts at or above the threshold is deterministic from the start, whole or not. */
  c.params[P_R0] = 1e4;
  clone_init(&c);
  assert_true(c.states[X_R] == 1e4 && c.states[X_REGIME] == 1.0);
  c.params[P_R0] = 12345.5;
  clone_init(&c);
  assert_true(c.states[X_R] == 12345.5 && c.states[X_REGIME] == 1.0);

  /* Below it, a whole number of cells. */
  c.params[P_R0] = 7;
  clone_init(&c);
  assert_true(c.states[X_R] == 7.0 && c.states[X_REGIME] == 0.0);
  c.params[P_R0] = 2.5;
  assert_int_equal(m->init(c.instance, &c.host.api, c.params, 0.0, c.states), TS_FAILURE);
  assert_non_null(strstr(c.host.error, "R0 = 2.5 cells"));
  assert_non_null(strstr(c.host.error, "whole number"));
  clone_destroy(&c);
}

/* ---- Right-hand side and Jacobian ---------------------------------------------------------------------------- */

typedef ts_test_point point;

/* Analytic Jacobian against central differences: a step of 1e-6 of the value (the regime is a switch at 1/2: a small
 * step stays on the same side of it), relative error <= 1e-6 of the states' derivatives with differences below 1e-9
 * compared with 1e-9, and the outputs' entries to 1e-12 absolute. */
static const ts_test_fd jacobian_fd = {.step = 1e-6, .tol = 1e-6, .floor = 1e-9, .output_abs_tol = 1e-12};

static void test_values(void **state) {
  const ts_model *m = model(state);
  double out[N_OUTPUTS], der[N_STATES];

  /* Stochastic regime: R is frozen between steps, H integrates u*bS*S = 1e-7*0.14*1e9 = 14 cells/d. */
  point x = {.params = {0.14, 0.13, 0.14, 1e-7, 1e4, 0}, .states = {37, 0, 2.5}, .inputs = {1e9, 0.05}};
  ts_test_evaluate(m, &x, out, der);
  ts_test_check_value("dR/dt", der[X_R] + 1.0, 1.0);
  ts_test_check_value("dregime/dt", der[X_REGIME] + 1.0, 1.0);
  ts_test_check_value("dH/dt", der[X_H], 14.0);
  ts_test_check_value("resistant", out[O_RESISTANT], 1.0);
  ts_test_check_value("mutation_loss", out[O_LOSS], 1.4e-8);

  /* Deterministic regime: dR/dt = (0.14 - 0.13 - 0.05)*2e5 + 14 = -7986. */
  x.states[X_R] = 2e5;
  x.states[X_REGIME] = 1;
  ts_test_evaluate(m, &x, out, der);
  ts_test_check_value("dR/dt", der[X_R], -7986.0);
  ts_test_check_value("dH/dt", der[X_H], 14.0);
  ts_test_check_value("dregime/dt", der[X_REGIME] + 1.0, 1.0);

  /* A regime left at 1 - 1e-12 by round-off is still deterministic; S < 0 supplies nothing. */
  x.states[X_REGIME] = 1 - 1e-12;
  x.inputs[I_S] = -3.0;
  ts_test_evaluate(m, &x, out, der);
  ts_test_check_value("dR/dt", der[X_R], -8000.0);
  ts_test_check_value("dH/dt", der[X_H] + 1.0, 1.0);

  /* The flag: no cell, a cell, round-off on a whole number. */
  x.states[X_R] = 0;
  ts_test_evaluate(m, &x, out, der);
  assert_true(out[O_RESISTANT] == 0.0);
  x.states[X_R] = 1 - 1e-13;
  ts_test_evaluate(m, &x, out, der);
  assert_true(out[O_RESISTANT] == 1.0);
  x.states[X_R] = 1e-13;
  ts_test_evaluate(m, &x, out, der);
  assert_true(out[O_RESISTANT] == 0.0);
}

static void test_jacobian(void **state) {
  const ts_model *m = model(state);
  const point points[] = {
      {.params = {0.14, 0.13, 0.14, 1e-7, 1e4, 0}, .states = {37, 0, 2.5}, .inputs = {1e9, 0.05}},
      {.params = {0.14, 0.13, 0.14, 1e-7, 1e4, 0}, .states = {2e5, 1, 2.5}, .inputs = {1e9, 0.05}},
      {.params = {1.3, 0.2, 0.9, 3e-4, 50, 0}, .states = {512.25, 1, 0}, .inputs = {4321.5, 0}},
      {.params = {0.5, 0.7, 0.6, 0.01, 1e4, 0}, .states = {3, 0, 0.25}, .inputs = {250, 1.5}},
  };
  for (size_t i = 0; i < sizeof points / sizeof points[0]; i++)
    ts_test_check_jacobian(m, &points[i], &jacobian_fd);

  /* The exact entries at the second point: d(dR/dt)/dR = b - d - kill = -0.04, d(dR/dt)/dS = u*bS,
   * d(dR/dt)/dkill = -R, d(dH/dt)/dS = u*bS. */
  double dfdx[N_STATES * N_STATES], dfdu[N_STATES * N_INPUTS], dgdx[N_OUTPUTS * N_STATES], dgdu[N_OUTPUTS * N_INPUTS];
  ts_test_jacobian_at(m, &points[1], dfdx, dfdu, dgdx, dgdu);
  ts_test_check_value("dR'/dR", dfdx[X_R + X_R * N_STATES], 0.14 - 0.13 - 0.05);
  ts_test_check_value("dR'/dS", dfdu[X_R + I_S * N_STATES], 1.4e-8);
  ts_test_check_value("dR'/dkill", dfdu[X_R + I_KILL * N_STATES], -2e5);
  ts_test_check_value("dH'/dS", dfdu[X_H + I_S * N_STATES], 1.4e-8);
}

/* ---- The stochastic step ------------------------------------------------------------------------------------ */

/* Yule process (pure birth, rate b) from one cell: R(t) is geometric, P(R = n) = p (1-p)^(n-1) with p = exp(-b t),
 * mean exp(b t) (Kendall 1948, Ann Math Stat 19:1). Also checks that nothing is drawn for an empty clone. */
static void test_step_yule(void **state) {
  const double params[N_PARAMS] = {1.0, 0.0, 0.0, 0.0, 1e12, 1.0};
  clone c;
  clone_create(&c, model(state), params, 101);
  long ones = 0, twos = 0;
  double sum = 0, sum_sq = 0;
  for (long k = 0; k < N_CLONES; k++) {
    clone_init(&c);
    assert_int_equal(clone_step(&c, 1.0, 1.0), TS_OK);
    const double r = c.states[X_R];
    CHECK(r >= 1 && r == floor(r) && c.states[X_REGIME] == 0.0, "R = %g after a pure-birth step", r);
    ones += r == 1;
    twos += r == 2;
    sum += r;
    sum_sq += r * r;
  }
  const double p = exp(-1.0);
  print_message("Yule process, b = 1/d, t = 1 d:\n");
  check_proportion("P(R = 1) = exp(-b t)", ones, N_CLONES, p, Z_999);
  check_proportion("P(R = 2) = p (1 - p)", twos, N_CLONES, p * (1 - p), Z_999);
  check_mean("E[R] = exp(b t)", sum, sum_sq, N_CLONES, exp(1.0), Z_999);

  /* An empty clone with no mutation supply stays empty and draws nothing. */
  c.params[P_R0] = 0;
  clone_init(&c);
  const long before = c.host.draws;
  assert_int_equal(clone_step(&c, 1.0, 1.0), TS_OK);
  assert_true(c.states[X_R] == 0.0);
  assert_int_equal(c.host.draws, before);
  clone_destroy(&c);
}

/* A birth-death clone from one cell: P(extinct by t) = d (e^{ct} - 1) / (b e^{ct} - d), c = b - d, and
 * E[R(t)] = e^{ct} (Kendall 1948). Taken in two steps of 1 d, which must give the law of one step of 2 d
 * (the Markov property: nothing is lost between steps). kill_rate adds to d. */
static void test_step_extinction(void **state) {
  const double params[N_PARAMS] = {1.0, 0.3, 0.0, 0.0, 1e12, 1.0};
  clone c;
  clone_create(&c, model(state), params, 202);
  c.inputs[I_KILL] = 0.2; /* d + kill = 0.5 */
  long extinct = 0;
  double sum = 0, sum_sq = 0;
  for (long k = 0; k < N_CLONES; k++) {
    clone_init(&c);
    assert_int_equal(clone_step(&c, 1.0, 1.0), TS_OK);
    assert_int_equal(clone_step(&c, 2.0, 1.0), TS_OK);
    const double r = c.states[X_R];
    extinct += r == 0;
    sum += r;
    sum_sq += r * r;
  }
  const double b = 1.0, d = 0.5, ect = exp((b - d) * 2.0);
  print_message("Birth-death clone, b = 1/d, d + kill_rate = 0.5/d, t = 2 d in two steps:\n");
  check_proportion("P(extinct) = d(e^ct - 1)/(b e^ct - d)", extinct, N_CLONES, d * (ect - 1) / (b * ect - d), Z_999);
  check_mean("E[R] = e^ct", sum, sum_sq, N_CLONES, ect, Z_999);
  clone_destroy(&c);
}

/* Mutation arrivals with S(s) = S0 exp(g s) over a step of length h, the solver having integrated
 * H = integral of u*bS*S = u*bS*S0*(e^{gh} - 1)/g. Returns A = H and sets the input S = S(h). */
static double set_exponential_supply(clone *c, double s0, double g, double h) {
  const double A = c->params[P_U] * c->params[P_BS] * s0 * (g != 0 ? expm1(g * h) / g : h);
  c->states[X_H] = A;
  c->inputs[I_S] = s0 * exp(g * h);
  return A;
}

/* With b = d = 0 every mutant stays: R is Poisson with mean A, whatever the shape of S over the step. */
static void test_step_mutation_count(void **state) {
  const double params[N_PARAMS] = {0.0, 0.0, 1.0, 1e-3, 1e12, 0.0};
  const double growth[] = {0.0, 2.0, -3.0};
  clone c;
  clone_create(&c, model(state), params, 303);
  for (size_t g = 0; g < sizeof growth / sizeof growth[0]; g++) {
    long zeros = 0;
    double sum = 0, sum_sq = 0, A = 0;
    for (long k = 0; k < N_CLONES; k++) {
      clone_init(&c);
      A = set_exponential_supply(&c, 1500.0, growth[g], 1.0);
      assert_int_equal(clone_step(&c, 1.0, 1.0), TS_OK);
      const double r = c.states[X_R];
      zeros += r == 0;
      sum += r;
      sum_sq += r * r;
    }
    print_message("Mutants that neither divide nor die, S growing at %g/d over a step of 1 d:\n", growth[g]);
    check_proportion("P(R = 0) = exp(-A)", zeros, N_CLONES, exp(-A), Z_999);
    check_mean("E[R] = A", sum, sum_sq, N_CLONES, A, Z_999);
  }
  clone_destroy(&c);
}

/* When mutants arrive matters: with pure-birth mutants (rate b) and S(s) = S0 e^{gs},
 * E[R(h)] = integral_0^h u bS S0 e^{gs} e^{b(h-s)} ds = u bS S0 e^{bh} (e^{(g-b)h} - 1)/(g - b).
 * With g = 2/d, b = 1/d, h = 1 d this is 15% below the value for arrivals spread evenly (A (e^{bh} - 1)/(bh)), so
 * an intensity taken as constant over the step fails this test. */
static void test_step_mutation_timing(void **state) {
  const double params[N_PARAMS] = {1.0, 0.0, 1.0, 1e-3, 1e12, 0.0};
  const double s0 = 1000.0, g = 2.0, b = 1.0, h = 1.0;
  clone c;
  clone_create(&c, model(state), params, 404);
  double sum = 0, sum_sq = 0, A = 0;
  for (long k = 0; k < N_CLONES; k++) {
    clone_init(&c);
    A = set_exponential_supply(&c, s0, g, h);
    assert_int_equal(clone_step(&c, h, h), TS_OK);
    sum += c.states[X_R];
    sum_sq += c.states[X_R] * c.states[X_R];
  }
  const double exact = 1e-3 * s0 * exp(b * h) * expm1((g - b) * h) / (g - b);
  print_message("Pure-birth mutants under S growing at 2/d (A = %.4f):\n", A);
  check_mean("E[R(h)]", sum, sum_sq, N_CLONES, exact, Z_999);
  const double even = A * expm1(b * h) / (b * h);
  CHECK(fabs(even - exact) > 0.1 * exact, "the test should tell arrivals spread evenly (%g) from the exact %g", even,
        exact);
  clone_destroy(&c);
}

/* The hand-off: a clone that reaches the threshold within a step continues deterministically to the step's end.
 * For a linear birth-death process E[R(t) | R(tau)] = R(tau) e^{c(t - tau)} + the mutation inflow after tau, so the
 * hybrid keeps the exact mean E[R(h)] = R0 e^{ch} + integral_0^h m(s) e^{c(h-s)} ds. With R0 = 5, threshold 10,
 * b = 1, d = 0.3, h = 2 and S growing at 1/d, most clones switch. */
static void test_step_handoff(void **state) {
  const double params[N_PARAMS] = {1.0, 0.3, 1.0, 1e-3, 10, 5};
  const double s0 = 500.0, g = 1.0, h = 2.0, c_net = 0.7;
  clone c;
  clone_create(&c, model(state), params, 505);
  long switched = 0;
  double sum = 0, sum_sq = 0;
  for (long k = 0; k < N_CLONES; k++) {
    clone_init(&c);
    set_exponential_supply(&c, s0, g, h);
    assert_int_equal(clone_step(&c, h, h), TS_OK);
    const double r = c.states[X_R];
    if (c.states[X_REGIME] == 1.0) {
      switched++;
      CHECK(r >= 10.0, "a clone handed off at the threshold 10 ends the step at %g", r);
    } else {
      CHECK(c.states[X_REGIME] == 0.0 && r < 10.0 && r == floor(r), "a stochastic clone ends at R = %g, regime %g", r,
            c.states[X_REGIME]);
    }
    sum += r;
    sum_sq += r * r;
  }
  const double inflow = 1e-3 * s0 * exp(c_net * h) * expm1((g - c_net) * h) / (g - c_net);
  print_message("Hybrid hand-off at 10 cells (%ld of %d clones switched):\n", switched, N_CLONES);
  check_mean("E[R(h)] = R0 e^ch + inflow", sum, sum_sq, N_CLONES, 5 * exp(c_net * h) + inflow, Z_999);
  CHECK(switched > N_CLONES / 2, "only %ld clones reached the threshold", switched);
  clone_destroy(&c);
}

/* Deterministic regime: step() changes nothing and draws nothing above threshold/4; below, it returns to the
 * stochastic regime with R rounded at random, keeping the mean. */
static void test_step_deterministic(void **state) {
  const double params[N_PARAMS] = {0.14, 0.13, 0.14, 1e-7, 10.0, 0.0};
  clone c;
  clone_create(&c, model(state), params, 606);
  clone_init(&c);
  c.states[X_R] = 2.6;
  c.states[X_REGIME] = 1.0;
  c.states[X_H] = 5.0;
  c.inputs[I_S] = 1e9;
  assert_int_equal(clone_step(&c, 1.0, 1.0), TS_OK);
  assert_true(c.states[X_R] == 2.6 && c.states[X_REGIME] == 1.0 && c.states[X_H] == 5.0);
  assert_int_equal(c.host.draws, 0);

  long up = 0;
  for (long k = 0; k < N_CLONES; k++) {
    clone_init(&c);
    c.states[X_R] = 2.3;
    c.states[X_REGIME] = 1.0;
    assert_int_equal(clone_step(&c, 1.0, 1.0), TS_OK);
    CHECK(c.states[X_REGIME] == 0.0 && (c.states[X_R] == 2.0 || c.states[X_R] == 3.0), "R = %g, regime %g",
          c.states[X_R], c.states[X_REGIME]);
    up += c.states[X_R] == 3.0;
  }
  print_message("Back to stochastic below threshold/4:\n");
  check_proportion("P(2.3 rounds up) = 0.3", up, N_CLONES, 0.3, Z_999);
  clone_destroy(&c);
}

/* Round-off on a stochastic R is removed; a negative death rate (kill_rate < -d) fails with a message; the same
 * stream gives the same clone. */
static void test_step_edges(void **state) {
  const double params[N_PARAMS] = {0.0, 0.0, 0.0, 0.0, 1e4, 4.0};
  clone c;
  clone_create(&c, model(state), params, 707);
  clone_init(&c);
  c.states[X_R] = 4.000000000001;
  assert_int_equal(clone_step(&c, 1.0, 1.0), TS_OK);
  assert_true(c.states[X_R] == 4.0);

  c.params[P_D] = 0.1;
  c.inputs[I_KILL] = -0.5;
  clone_init(&c);
  assert_int_equal(clone_step(&c, 1.0, 1.0), TS_FAILURE);
  assert_non_null(strstr(c.host.error, "death rate of resistant cells d + kill_rate = 0.1 + -0.5 1/d is negative"));
  clone_destroy(&c);

  /* Reproducibility: two instances on the same stream give the same clones, another stream others. */
  const double growing[N_PARAMS] = {1.0, 0.5, 1.0, 1e-3, 1e12, 3.0};
  double r[3][50];
  const uint64_t seeds[3] = {11, 11, 12};
  for (int s = 0; s < 3; s++) {
    clone_create(&c, model(state), growing, seeds[s]);
    for (int k = 0; k < 50; k++) {
      clone_init(&c);
      set_exponential_supply(&c, 2000.0, 0.5, 1.0);
      assert_int_equal(clone_step(&c, 1.0, 1.0), TS_OK);
      r[s][k] = c.states[X_R];
    }
    clone_destroy(&c);
  }
  assert_memory_equal(r[0], r[1], sizeof r[0]);
  assert_memory_not_equal(r[0], r[2], sizeof r[0]);
}

/* ---- Through the scheduler ----------------------------------------------------------------------------------- */

/* The recorded value of column col at row i. */
static double value(const ts_test_sim *s, size_t i, size_t col) {
  return s->res.values[i * s->loaded.system->n_recorded + col];
}

/* Above the threshold from the start: with S = N0 e^{lambda t} (tumor/exponential; its kill_rate takes the clone's
 * mutation_loss, so lambda = lambda_tumor - u bS), c = b - d and m0 = u bS N0,
 *   R(t) = R0 e^{ct} + m0 (e^{lambda t} - e^{ct})/(lambda - c),   H(t) = m0 (e^{lambda t} - 1)/lambda,
 * and the regime stays 1. rtol 1e-10: relative error <= 1e-6 (CVODE's global error on 20 d of growth by e^8
 * stays well below). */
static void test_sim_deterministic(void **state) {
  (void)state;
  const double lambda = 0.3 - 1e-4 * 0.6, n0 = 1e6, r0 = 2e4, c = 0.5 - 0.1, m0 = 1e-4 * 0.6 * n0;
  ts_test_sim s;
  ts_test_simulate(&s, "resistance_deterministic",
                   "twinsim: 1\nname: deterministic\nseed: 1\n"
                   "model:\n"
                   "  tumor:\n    model: tumor/exponential\n    parameters: {lambda: 0.3 1/d, N0: 1e6 cells}\n"
                   "    inputs: {kill_rate: r.mutation_loss}\n"
                   "  r:\n    model: resistance/mutant_clone\n"
                   "    parameters: {b: 0.5 1/d, d: 0.1 1/d, bS: 0.6 1/d, u: 1e-4, threshold: 1e4 cells, "
                   "R0: 2e4 cells}\n"
                   "    inputs: {S: tumor.N}\n    step: 0.5 d\n"
                   "horizon: 20 d\noutput:\n  every: 0.25 d\n  signals: [tumor.N, r.R, r.regime, r.H, r.resistant]\n"
                   "solver:\n  rtol: 1e-10\n  atol: {default: 1e-12, tumor.N: 1e-6 cells, r.R: 1e-6 cells}\n");
  assert_false(s.res.failed);
  assert_int_equal(s.res.n_times, 81);
  double worst = 0;
  for (size_t i = 0; i < s.res.n_times; i++) {
    const double t = s.res.times[i];
    const double r = r0 * exp(c * t) + m0 * (exp(lambda * t) - exp(c * t)) / (lambda - c);
    const double h = m0 * expm1(lambda * t) / lambda;
    const double e_s = ts_test_relerr(value(&s, i, 0), n0 * exp(lambda * t), 1e-300);
    const double e_r = ts_test_relerr(value(&s, i, 1), r, 1e-300);
    const double e_h = ts_test_relerr(value(&s, i, 3), h, 1e-12);
    CHECK(e_s <= 1e-6 && e_r <= 1e-6 && e_h <= 1e-6, "t = %g d: S, R, H relative errors %.3g, %.3g, %.3g", t, e_s, e_r,
          e_h);
    CHECK(value(&s, i, 2) == 1.0 && value(&s, i, 4) == 1.0, "t = %g d: regime %g, resistant %g", t, value(&s, i, 2),
          value(&s, i, 4));
    worst = fmax(worst, fmax(e_s, fmax(e_r, e_h)));
  }
  print_message("deterministic regime: worst relative error of S, R, H over 81 samples %.3g\n", worst);
  ts_test_sim_free(&s);
}

/* A stochastic start handed off at 200 cells: before, R is a whole number and the regime 0; from the first sample
 * t1 with regime 1 on, R >= 200 and R(t) = R(t1) e^{c(t-t1)} + u bS S(t1) (e^{lambda(t-t1)} - e^{c(t-t1)})/(lambda -
 * c); H follows its closed form throughout, across the solver restarts of every step. */
static void test_sim_handoff(void **state) {
  (void)state;
  const double lambda = 0.2, n0 = 1e4, c = 0.4, ubs = 2e-3 * 0.5;
  ts_test_sim s;
  ts_test_simulate(&s, "resistance_handoff",
                   "twinsim: 1\nname: handoff\nseed: 3\n"
                   "model:\n"
                   "  tumor:\n    model: tumor/exponential\n    parameters: {lambda: 0.2 1/d, N0: 1e4 cells}\n"
                   "  r:\n    model: resistance/mutant_clone\n"
                   "    parameters: {b: 0.5 1/d, d: 0.1 1/d, bS: 0.5 1/d, u: 2e-3, threshold: 200 cells}\n"
                   "    inputs: {S: tumor.N}\n    step: 0.25 d\n"
                   "horizon: 15 d\noutput:\n  every: 0.125 d\n  signals: [tumor.N, r.R, r.regime, r.H, r.resistant]\n"
                   "solver:\n  rtol: 1e-10\n  atol: {default: 1e-12, tumor.N: 1e-6 cells, r.R: 1e-6 cells}\n");
  assert_false(s.res.failed);
  size_t first = 0;
  double t1 = 0, r1 = 0, worst = 0;
  for (size_t i = 0; i < s.res.n_times; i++) {
    const double t = s.res.times[i], r = value(&s, i, 1), regime = value(&s, i, 2);
    const double h = ubs * n0 * expm1(lambda * t) / lambda;
    CHECK(ts_test_relerr(value(&s, i, 3), h, 1e-12) <= 1e-6, "t = %g d: H = %.10g, closed form %.10g", t,
          value(&s, i, 3), h);
    CHECK(value(&s, i, 4) == (r >= 1 ? 1.0 : 0.0), "t = %g d: resistant %g with R = %g", t, value(&s, i, 4), r);
    if (!first && regime == 0.0) {
      CHECK(r == floor(r) && r < 200, "t = %g d: stochastic R = %.17g", t, r);
      continue;
    }
    CHECK(regime == 1.0, "t = %g d: regime %.17g after the hand-off", t, regime);
    if (!first) {
      first = i;
      t1 = t;
      r1 = r;
      CHECK(r1 >= 200, "the first deterministic sample has R = %g < threshold", r1);
      continue;
    }
    const double s1 = n0 * exp(lambda * t1), dt = t - t1;
    const double want = r1 * exp(c * dt) + ubs * s1 * (exp(lambda * dt) - exp(c * dt)) / (lambda - c);
    const double e = ts_test_relerr(r, want, 1e-300);
    CHECK(e <= 1e-6, "t = %g d: R = %.10g, closed form from the hand-off %.10g (relative error %.3g)", t, r, want, e);
    worst = fmax(worst, e);
  }
  CHECK(first > 8 && first + 8 < s.res.n_times, "the hand-off should fall inside the horizon (sample %zu)", first);
  print_message("hand-off at 200 cells by t = %g d (R = %.1f); worst relative error after it %.3g\n", t1, r1, worst);
  ts_test_sim_free(&s);
}

#define EMERGENCE TS_TEST_SOURCE_DIR "/scenarios/resistance_emergence.yaml"

static void load_scenario(const char *path, ts_loaded *loaded) {
  ts_error err;
  ts_error_clear(&err);
  if (ts_load(path, loaded, &err) != 0)
    fail_msg("%s", err.message);
}

/* Runs one patient; copies the recorded values into out (n_times * n_recorded). */
static size_t run_one(const ts_loaded *l, uint64_t seed, uint64_t patient, double *out, size_t cap) {
  ts_error err;
  ts_error_clear(&err);
  ts_sim_options opt = {.verbosity = TS_LOG_WARNING, .seed = seed};
  ts_sim *sim;
  if (ts_sim_create(l->system, &opt, &sim, &err) != 0)
    fail_msg("%s", err.message);
  ts_patient p = {.index = patient, .label = "p", .params = l->system->params};
  ts_sim_result res;
  if (ts_sim_run(sim, &p, &res, &err) != 0)
    fail_msg("%s", err.message);
  assert_false(res.failed);
  const size_t n = res.n_times * l->system->n_recorded;
  assert_true(n <= cap);
  memcpy(out, res.values, n * sizeof *out);
  ts_sim_free(sim);
  return n;
}

/* The same seed and patient give the same trajectory, bit for bit; another seed or patient another one. */
static void test_sim_reproducible(void **state) {
  (void)state;
  ts_loaded l;
  load_scenario(EMERGENCE, &l);
  enum { CAP = 366 * 5 };
  static double a[CAP], b[CAP], other_seed[CAP], other_patient[CAP];
  const uint64_t seed = l.scenario->seed;
  const size_t n = run_one(&l, seed, 1, a, CAP);
  assert_int_equal(run_one(&l, seed, 1, b, CAP), n);
  assert_memory_equal(a, b, n * sizeof a[0]);
  assert_int_equal(run_one(&l, seed + 1, 1, other_seed, CAP), n);
  assert_memory_not_equal(a, other_seed, n * sizeof a[0]);
  assert_int_equal(run_one(&l, seed, 2, other_patient, CAP), n);
  assert_memory_not_equal(a, other_patient, n * sizeof a[0]);
  ts_loaded_free(&l);
}

/* scenarios/resistance_emergence.yaml: chemotherapy on S, the clone emerging. Checked: R whole while stochastic,
 * one hand-off to the deterministic regime at >= 1e4 cells, S shrinking after the first dose, and R at the end
 * against the branching-process mean given the mutation supply the run produced: with dH the recorded increments
 * of H (the expected number of mutants, per day) and c = b - d,
 *   E[R(T)] = sum dH e^{c (T - t_mid)},  Var R(T) <= sum dH E[Y(T - t_mid)^2],
 * E[Y(tau)^2] = e^{c tau} + (b + d)/c e^{c tau}(e^{c tau} - 1) for a clone from one cell (Kendall 1948); the
 * deterministic phase only lowers the variance. |R(T) - E[R(T)]| must be below 4 standard deviations. */
static void test_scenario_emergence(void **state) {
  (void)state;
  ts_test_sim s;
  ts_test_simulate_file(&s, "resistance_emergence.yaml");
  assert_int_equal(s.res.n_times, 366);
  const size_t k = s.loaded.system->n_recorded; /* tumor.N, r.R, r.regime, r.H, r.resistant */
  assert_int_equal(k, 5);
  const double *v = s.res.values;
  const double b = 0.14, d = 0.13, c = b - d, T = 365.0;
  size_t handoff = 0;
  double mean = 0, var = 0;
  for (size_t i = 0; i < s.res.n_times; i++) {
    const double r = v[i * k + 1], regime = v[i * k + 2];
    if (regime == 0.0)
      CHECK(!handoff && r == floor(r) && r < 1e4, "day %zu: stochastic R = %.17g", i, r);
    else if (!handoff)
      handoff = i;
    if (i > 0) {
      const double dh = v[i * k + 3] - v[(i - 1) * k + 3], tau = T - (s.res.times[i] - 0.5);
      mean += dh * exp(c * tau);
      var += dh * (exp(c * tau) + (b + d) / c * exp(c * tau) * expm1(c * tau));
    }
  }
  CHECK(handoff > 0 && v[handoff * k + 1] >= 1e4, "hand-off on day %zu", handoff);
  CHECK(v[1 * k] < v[0], "S should shrink after the first dose: %g -> %g", v[0], v[k]);
  const double r_end = v[365 * k + 1], sd = sqrt(var);
  print_message("emergence scenario: hand-off on day %zu; R(365 d) = %.0f, branching-process mean %.0f, sd %.0f\n",
                handoff, r_end, mean, sd);
  CHECK(fabs(r_end - mean) <= 4 * sd, "R(365 d) = %g, expected %g +- 4 x %g", r_end, mean, sd);
  assert_true(v[365 * k + 4] == 1.0);
  ts_test_sim_free(&s);
}

/* Wiring and bounds errors, found when the scenario is loaded. */
static void check_load_error(const char *name, const char *yaml, const char *expected) {
  ts_loaded l;
  ts_error err;
  ts_error_clear(&err);
  if (ts_load(ts_test_scenario(name, yaml), &l, &err) == 0) {
    ts_loaded_free(&l);
    fail_msg("%s: the scenario loaded", name);
  }
  CHECK(strstr(err.message, expected) != NULL, "%s: message '%s' lacks '%s'", name, err.message, expected);
}

static void test_bad_input(void **state) {
  (void)state;
  static const char head[] = "twinsim: 1\nname: bad\n"
                             "model:\n"
                             "  tumor:\n    model: tumor/exponential\n"
                             "  r:\n    model: resistance/mutant_clone\n    step: 1 d\n";
  char yaml[1024];
  snprintf(yaml, sizeof yaml, "%shorizon: 10 d\noutput: {every: 1 d, signals: [r.R]}\n", head);
  check_load_error("resistance_no_s", yaml,
                   "required input r.S (resistance/mutant_clone, real, unit cells) is not connected");
  static const struct {
    const char *param, *message;
  } bad[] = {
      {"b: -0.1 1/d", "parameter r.b = -0.1 1/d is outside its allowed range [0, inf] 1/d"},
      {"d: -0.2 1/d", "parameter r.d = -0.2 1/d is outside its allowed range [0, inf] 1/d"},
      {"bS: -1 1/d", "parameter r.bS = -1 1/d is outside its allowed range [0, inf] 1/d"},
      {"u: 1.5", "parameter r.u = 1.5 is outside its allowed range [0, 1]"},
      {"threshold: 0.5 cells", "parameter r.threshold = 0.5 cells is outside its allowed range [1, inf] cells"},
      {"R0: -1 cells", "parameter r.R0 = -1 cells is outside its allowed range [0, inf] cells"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    snprintf(yaml, sizeof yaml,
             "%s    parameters: {%s}\n    inputs: {S: tumor.N}\nhorizon: 10 d\noutput: {every: 1 d, signals: [r.R]}\n",
             head, bad[i].param);
    check_load_error("resistance_bounds", yaml, bad[i].message);
  }
  /* The step interval is required, since the model takes discrete steps. */
  check_load_error("resistance_no_step",
                   "twinsim: 1\nname: bad\nmodel:\n  tumor:\n    model: tumor/exponential\n"
                   "  r:\n    model: resistance/mutant_clone\n    inputs: {S: tumor.N}\nhorizon: 10 d\noutput: {every: "
                   "1 d, signals: [r.R]}\n",
                   "takes discrete steps");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_plugin_header),
      cmocka_unit_test(test_descriptor),
      cmocka_unit_test(test_init),
      cmocka_unit_test(test_values),
      cmocka_unit_test(test_jacobian),
      cmocka_unit_test(test_step_yule),
      cmocka_unit_test(test_step_extinction),
      cmocka_unit_test(test_step_mutation_count),
      cmocka_unit_test(test_step_mutation_timing),
      cmocka_unit_test(test_step_handoff),
      cmocka_unit_test(test_step_deterministic),
      cmocka_unit_test(test_step_edges),
      cmocka_unit_test(test_sim_deterministic),
      cmocka_unit_test(test_sim_handoff),
      cmocka_unit_test(test_sim_reproducible),
      cmocka_unit_test(test_scenario_emergence),
      cmocka_unit_test(test_bad_input),
  };
  return cmocka_run_group_tests(tests, open_plugin, ts_test_plugin_close);
}
