/*
 * Monte Carlo tests of resistance/mutant_clone through the scheduler, against published closed forms.
 *
 * A sensitive population S = tumor/exponential grows deterministically, S(t) = N0 exp(lambda t), to the detection
 * size M = S(T); a resistance/mutant_clone instance reads it on input S. Each test runs patients 1..N of one
 * simulator (the random stream is keyed by the patient index) and records the clone just after T. In the
 * stochastic regime the value recorded at t is the clone at the last step time before t, so the horizon is
 * T + h/2 with T a multiple of the step h: the recorded R is R(T) (a deterministic clone, >= threshold, cannot
 * vanish in h/2 without a kill rate, so the flag is that of R(T) too).
 *
 * Reference (Iwasa, Nowak & Michor 2006, Genetics 172:2557; Durrett & Moseley 2010, Theor Popul Biol 77:42):
 * mutants arrive as a Poisson process of intensity u bS S(t); one that arrives at s is alive at T with the
 * survival probability of a linear birth-death process, (b - d)/(b - d e^{-(b-d)(T-s)}) (Kendall 1948). By
 * Poisson thinning the number of resistant clones alive at T is Poisson, so
 *   P(resistance at size M) = 1 - exp(-Lambda),
 *   Lambda = u bS integral_0^T N0 e^{lambda s} (b - d)/(b - d e^{-(b-d)(T-s)}) ds
 *          = (u bS M / lambda) integral_{N0/M}^1 (1 - d/b)/(1 - (d/b) y^{(b-d)/lambda}) dy,
 * which for N0/M -> 0 is Iwasa et al.'s probability of resistance with their r = bS, r - d_S = lambda,
 * a = b, b = d, alpha = (b - d)/lambda; for neutral resistance (b = bS, b - d = lambda) it is
 *   Lambda = M u (b/d) ln(b/(b - d)).
 * Luria-Delbrueck (pure birth, d = 0, b = bS = lambda): every mutant survives; mutants arrive uniformly in S
 * (intensity u dS), and one born at S = s has a geometric clone size at T with parameter s/M (Yule process). So
 * P(no mutant at M) = exp(-m) with m = u (M - N0) (Lea & Coulson 1949: p0 = e^{-m}), and the whole distribution of
 * R follows from the compound-Poisson recursion p_r = (m/r) sum_{k=1..r} k q_k p_{r-k} with the clone-size law
 * q_k; for N0/M -> 0, q_k = 1/(k(k+1)) and this is the Ma-Sandri-Sarkar (1992) recursion for Lea-Coulson.
 *
 * Tolerances: each probability is compared with its binomial 99% acceptance interval, |p_hat - p| <= 2.576
 * sqrt(p(1-p)/N); the LD distribution with a chi-square test at 99% (8 bins, 7 degrees of freedom, critical value
 * 18.475). The random streams are fixed by the seed, so the outcome is reproducible. The reference integrals are
 * computed with Simpson's rule on 20000 intervals (error far below 1e-8).
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

#include "run.h"
#include "sim.h"
#include "test_support.h"

#define Z_99 2.576 /* two-sided 99% normal quantile */

/* Recorded signals, in the order of the scenario's output.signals. */
enum { COL_S, COL_R, COL_REGIME, COL_RESISTANT, COL_H, N_COLS };

typedef struct setting {
  double lambda, n0, T;   /* sensitive growth: S = n0 exp(lambda t) up to T */
  double b, d, bS, u;     /* the clone */
  double threshold, step; /* hybrid hand-off, step interval */
  long n_patients;        /* Monte Carlo size */
} setting;

/* Runs patients 1..n; calls per_patient with the recorded row of each. */
static void run_patients(const char *name, const setting *s, void (*per_patient)(const double *row, void *ctx),
                         void *ctx) {
  char yaml[4096];
  const double end = s->T + 0.5 * s->step;
  snprintf(yaml, sizeof yaml,
           "twinsim: 1\nname: %s\nseed: 20260601\n"
           "model:\n"
           "  tumor:\n    model: tumor/exponential\n    parameters:\n      lambda: %.17g 1/d\n      N0: %.17g cells\n"
           "  r:\n    model: resistance/mutant_clone\n    parameters:\n      b: %.17g 1/d\n      d: %.17g 1/d\n"
           "      bS: %.17g 1/d\n      u: %.17g\n      threshold: %.17g cells\n"
           "    inputs:\n      S: tumor.N\n    step: %.17g d\n"
           "horizon: %.17g d\noutput:\n  times: [%.17g d]\n  signals: [tumor.N, r.R, r.regime, r.resistant, r.H]\n"
           "solver:\n  rtol: 1e-10\n  atol: {default: 1e-12, tumor.N: 1e-8 cells}\n",
           name, s->lambda, s->n0, s->b, s->d, s->bS, s->u, s->threshold, s->step, end, end);
  ts_loaded loaded;
  ts_error err;
  ts_error_clear(&err);
  if (ts_load(ts_test_scenario(name, yaml), &loaded, &err) != 0)
    fail_msg("%s", err.message);
  assert_int_equal(loaded.system->n_recorded, N_COLS);
  ts_sim_options opt = {.verbosity = TS_LOG_WARNING, .seed = loaded.scenario->seed};
  ts_sim *sim;
  if (ts_sim_create(loaded.system, &opt, &sim, &err) != 0)
    fail_msg("%s", err.message);
  const double M = s->n0 * exp(s->lambda * s->T);
  for (long i = 1; i <= s->n_patients; i++) {
    ts_patient p = {.index = (uint64_t)i, .label = "mc", .params = loaded.system->params};
    ts_sim_result res;
    if (ts_sim_run(sim, &p, &res, &err) != 0)
      fail_msg("%s", err.message);
    if (res.failed)
      fail_msg("patient %ld failed: %s", i, res.message);
    assert_int_equal(res.n_times, 1);
    /* S at T + h/2 is M e^{lambda h/2}, to the solver's tolerance. */
    const double s_end = M * exp(0.5 * s->lambda * s->step);
    if (fabs(res.values[COL_S] - s_end) > 1e-6 * s_end)
      fail_msg("patient %ld: S = %.10g at the end, expected %.10g", i, res.values[COL_S], s_end);
    per_patient(res.values, ctx);
  }
  ts_sim_free(sim);
  ts_loaded_free(&loaded);
}

/* Lambda of the header: Simpson's rule over s in [0, T]. */
static double expected_resistant_clones(const setting *s) {
  const int n = 20000;
  const double c = s->b - s->d, h = s->T / n;
  double sum = 0;
  for (int i = 0; i <= n; i++) {
    const double t = i * h, tau = s->T - t;
    const double survive = fabs(c) > 1e-12 ? c / (s->b - s->d * exp(-c * tau)) : 1.0 / (1.0 + s->b * tau);
    const double f = s->n0 * exp(s->lambda * t) * survive;
    sum += f * (i == 0 || i == n ? 1 : (i % 2 ? 4 : 2));
  }
  return s->u * s->bS * sum * h / 3;
}

typedef struct tally {
  const setting *s;
  long resistant, deterministic, n;
  long bins[8];
} tally;

static void count(const double *row, void *ctx) {
  tally *t = ctx;
  const double r = row[COL_R];
  const int deterministic = row[COL_REGIME] == 1.0;
  if (!deterministic && (r != floor(r) || row[COL_REGIME] != 0.0))
    fail_msg("a stochastic clone has R = %.17g, regime %.17g", r, row[COL_REGIME]);
  if (deterministic && r < t->s->threshold)
    fail_msg("a deterministic clone has R = %g below the threshold", r);
  if (row[COL_RESISTANT] != (r >= 1 ? 1.0 : 0.0))
    fail_msg("resistant = %g with R = %g", row[COL_RESISTANT], r);
  t->resistant += r >= 1;
  t->deterministic += deterministic;
  t->n++;
  /* Luria-Delbrueck bins: 0, 1, 2, 3, 4-7, 8-15, 16-63, >= 64 */
  const int bin = r < 4 ? (int)r : r < 8 ? 4 : r < 16 ? 5 : r < 64 ? 6 : 7;
  t->bins[bin]++;
}

static void check_probability(const char *what, long k, long n, double p) {
  const double phat = (double)k / (double)n, half = Z_99 * sqrt(p * (1 - p) / (double)n);
  print_message("  %-40s %.4f over %ld patients; formula %.4f, 99%% interval +- %.4f\n", what, phat, n, p, half);
  if (fabs(phat - p) > half)
    fail_msg("%s: %.4f over %ld patients, formula %.4f: outside its 99%% interval +- %.4f", what, phat, n, p, half);
}

/* Iwasa et al. 2006, neutral resistance: b = bS = 1/d, d = 0.5/d, S growing at lambda = b - d = 0.5/d from one
 * cell to M = e^9 = 8103 cells in T = 18 d. Lambda = M u (b/d) ln(b/(b-d)) = 2 ln 2 M u. */
static void test_iwasa_neutral(void **state) {
  (void)state;
  const setting s = {.lambda = 0.5,
                     .n0 = 1,
                     .T = 18,
                     .b = 1,
                     .d = 0.5,
                     .bS = 1,
                     .u = 6e-5,
                     .threshold = 1e4,
                     .step = 1,
                     .n_patients = 6000};
  const double M = exp(9.0);
  const double iwasa = M * s.u * (s.b / s.d) * log(s.b / (s.b - s.d));
  const double finite = expected_resistant_clones(&s);
  /* The finite-T integral lacks only y in [0, N0/M) of Iwasa's: a relative 1e-4 here. */
  assert_true(fabs(finite - iwasa) < 2e-4 * iwasa && finite < iwasa);
  tally t = {.s = &s};
  run_patients("iwasa_neutral", &s, count, &t);
  print_message("Iwasa-Nowak-Michor, neutral (M = %.0f, u = %g, Mu = %.3f), %ld clones handed off:\n", M, s.u, M * s.u,
                t.deterministic);
  check_probability("P(resistance at M) vs 1 - exp(-Lambda)", t.resistant, t.n, 1 - exp(-iwasa));
}

/* Advantageous resistance, alpha = (b - d)/lambda = 2: b = 1.5/d, d = 0.5/d, bS = 1/d, lambda = 0.5/d. Early clones
 * grow to hundreds or thousands of cells, so with a threshold of 20 cells (extinction probability from there (d/b)^20 =
 * 3e-10) a good share of the resistant patients finish deterministically: the hand-off must not change the probability.
 */
static void test_iwasa_advantageous(void **state) {
  (void)state;
  const setting s = {.lambda = 0.5,
                     .n0 = 1,
                     .T = 18,
                     .b = 1.5,
                     .d = 0.5,
                     .bS = 1,
                     .u = 5e-5,
                     .threshold = 20,
                     .step = 1,
                     .n_patients = 6000};
  const double M = exp(9.0);
  /* Iwasa's integral for alpha = 2, delta = d/b = 1/3: integral_0^1 (1 - delta)/(1 - delta y^2) dy
   * = (1 - delta) artanh(sqrt(delta))/sqrt(delta). */
  const double delta = s.d / s.b;
  const double iwasa = s.u * s.bS * M / s.lambda * (1 - delta) * atanh(sqrt(delta)) / sqrt(delta);
  const double finite = expected_resistant_clones(&s);
  assert_true(fabs(finite - iwasa) < 2e-4 * iwasa);
  tally t = {.s = &s};
  run_patients("iwasa_advantageous", &s, count, &t);
  print_message("Iwasa-Nowak-Michor, alpha = 2 (M = %.0f, u = %g), %ld clones handed off at 20 cells:\n", M, s.u,
                t.deterministic);
  check_probability("P(resistance at M) vs 1 - exp(-Lambda)", t.resistant, t.n, 1 - exp(-iwasa));
  assert_true(t.deterministic > t.resistant / 5); /* the hand-off is exercised */
}

/* Luria-Delbrueck: pure birth, b = bS = lambda = 1/d, from one cell to M = e^9 in T = 9 d; m = u (M - 1) = ln 2. */
static void test_luria_delbrueck(void **state) {
  (void)state;
  const double M = exp(9.0), m = log(2.0);
  const setting s = {.lambda = 1,
                     .n0 = 1,
                     .T = 9,
                     .b = 1,
                     .d = 0,
                     .bS = 1,
                     .u = m / (M - 1),
                     .threshold = 1e4,
                     .step = 0.5,
                     .n_patients = 6000};
  tally t = {.s = &s};
  run_patients("luria_delbrueck", &s, count, &t);
  print_message("Luria-Delbrueck, m = u(M - N0) = %.4f:\n", m);
  check_probability("P(no mutant at M) vs exp(-m)", t.n - t.resistant, t.n, exp(-m));

  /* The distribution: clone-size law q_k for a clone born at S uniform in [N0, M], Z = 1 - N0/M:
   * q_k = Z^{k-1}/k - Z^k/(k+1); then the compound-Poisson recursion. */
  enum { R_MAX = 64 };
  const double Z = 1 - s.n0 / M;
  double q[R_MAX + 1], p[R_MAX + 1];
  for (int k = 1; k <= R_MAX; k++)
    q[k] = pow(Z, k - 1) / k - pow(Z, k) / (k + 1);
  p[0] = exp(-m);
  for (int r = 1; r <= R_MAX; r++) {
    double sum = 0;
    for (int k = 1; k <= r; k++)
      sum += k * q[k] * p[r - k];
    p[r] = m / r * sum;
  }
  /* Lea-Coulson's p1 = (m/2) e^{-m} in the limit N0/M -> 0. */
  assert_true(fabs(p[1] - 0.5 * m * exp(-m)) < 1e-3 * p[1]);
  const int edges[9] = {0, 1, 2, 3, 4, 8, 16, 64, R_MAX + 1};
  double chi2 = 0, below = 0;
  for (int bin = 0; bin < 8; bin++) {
    double prob = 0;
    if (bin < 7) {
      for (int r = edges[bin]; r < edges[bin + 1]; r++)
        prob += p[r];
      below += prob;
    } else {
      prob = 1 - below;
    }
    const double expect = prob * (double)t.n;
    chi2 += (t.bins[bin] - expect) * (t.bins[bin] - expect) / expect;
    if (bin < 7)
      print_message("  R in [%2d, %2d): %5ld patients, expected %7.1f\n", edges[bin], edges[bin + 1], t.bins[bin],
                    expect);
    else
      print_message("  R >= %d:      %5ld patients, expected %7.1f\n", edges[bin], t.bins[bin], expect);
  }
  print_message("  chi-square %.2f (7 degrees of freedom, 99%% critical value 18.475)\n", chi2);
  if (chi2 > 18.475)
    fail_msg("the distribution of R differs from Luria-Delbrueck: chi-square %.2f > 18.475", chi2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_iwasa_neutral),
      cmocka_unit_test(test_iwasa_advantageous),
      cmocka_unit_test(test_luria_delbrueck),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
