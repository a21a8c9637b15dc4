/* Tests of core/cohort.c: reproducible per-patient draws (docs/cohorts.md), the distributions, correlations,
 * truncation and inclusion redraws, covariate models, spec validation messages, the normal CDF and the BSA formulas.
 *
 * References are independent of the code under test: the documented order in which a patient's stream is consumed
 * is replayed with core/rng.h directly; statistical checks compare sample moments of N = 20000 patients with the
 * closed-form moments of the distributions (truncated-normal moments from libm's erfc) within 4 standard errors,
 * with fixed seeds so each run is deterministic; Phi(z) and the BSA values were computed with mpmath at 40 digits. */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cohort.h"
#include "rng.h"
#include "test_support.h"

#define N_STAT  20000 /* patients for the statistical tests */
#define N_REPRO 1000  /* patients for the reproducibility tests */
#define SEED    20240611u

/* ---------------------------------------------------------------------------------------------------------------
 * Helpers
 * --------------------------------------------------------------------------------------------------------------- */

static ts_cohort *create_ok(const ts_cohort_spec *spec) {
  ts_cohort *c = NULL;
  ts_error err;
  ts_error_clear(&err);
  if (ts_cohort_create(spec, &c, &err) != 0)
    fail_msg("ts_cohort_create failed: %s", err.message);
  assert_non_null(c);
  return c;
}

static void draw_ok(const ts_cohort *c, uint64_t seed, uint64_t patient, double *values, unsigned *redraws) {
  ts_error err;
  ts_error_clear(&err);
  if (ts_cohort_draw(c, seed, patient, values, redraws, &err) != 0)
    fail_msg("drawing patient %llu failed: %s", (unsigned long long)patient, err.message);
}

static void check_contains(const char *message, const char *part) {
  if (!strstr(message, part))
    fail_msg("message \"%s\" does not contain \"%s\"", message, part);
}

/* Creation fails with TS_E_INPUT, leaves *out NULL, and the message contains every given part (NULL-terminated). */
static void check_create_fails(const ts_cohort_spec *spec, ...) {
  ts_cohort *c = (ts_cohort *)&c; /* any non-NULL value: creation must reset it */
  ts_error err;
  ts_error_clear(&err);
  if (ts_cohort_create(spec, &c, &err) == 0) {
    ts_cohort_free(c);
    fail_msg("ts_cohort_create succeeded but should have failed");
  }
  if (c != NULL)
    fail_msg("a failed ts_cohort_create left *out non-NULL");
  if (err.code != TS_E_INPUT)
    fail_msg("code %d (%s), expected TS_E_INPUT; message: %s", (int)err.code, ts_code_name(err.code), err.message);
  va_list ap;
  va_start(ap, spec);
  for (const char *part; (part = va_arg(ap, const char *)) != NULL;)
    check_contains(err.message, part);
  va_end(ap);
}

static void check_rel(const char *what, double got, double expected, double tol) {
  if (!(ts_test_relerr(got, expected, 1e-300) <= tol))
    fail_msg("%s: %.17g, expected %.17g (relative tolerance %g)", what, got, expected, tol);
}

/* |got - expected| <= 4 standard errors. */
static void check_within_4se(const char *what, double got, double expected, double se) {
  if (!(fabs(got - expected) <= 4 * se))
    fail_msg("%s: %.10g, expected %.10g +- 4 x %.3g (off by %.2f SE)", what, got, expected, se,
             fabs(got - expected) / se);
}

/* Phi from libm, independent of ts_normal_cdf, for the analytic truncated-normal moments. */
static double phi_cdf(double z) {
  return 0.5 * erfc(-z / sqrt(2.0));
}

static double phi_pdf(double z) {
  return exp(-0.5 * z * z) / sqrt(2.0 * 3.14159265358979323846);
}

static double mean_of(const double *x, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++)
    s += x[i];
  return s / (double)n;
}

static double sd_of(const double *x, size_t n) {
  double m = mean_of(x, n), s = 0;
  for (size_t i = 0; i < n; i++)
    s += (x[i] - m) * (x[i] - m);
  return sqrt(s / (double)(n - 1));
}

static double corr_of(const double *x, const double *y, size_t n) {
  double mx = mean_of(x, n), my = mean_of(y, n), sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  return sxy / sqrt(sxx * syy);
}

/* Draws patients 1..n of a one-variable cohort (or variable `var` of a larger one) into out[n]; returns the total
 * number of redraws. */
static unsigned long draw_column(const ts_cohort *c, size_t n_vars, size_t var, double *out, size_t n) {
  double *v = malloc(n_vars * sizeof *v);
  assert_non_null(v);
  unsigned long total = 0;
  for (size_t k = 0; k < n; k++) {
    unsigned r = 0;
    draw_ok(c, SEED, k + 1, v, &r);
    out[k] = v[var];
    total += r;
  }
  free(v);
  return total;
}

/* ---------------------------------------------------------------------------------------------------------------
 * Reproducibility
 * --------------------------------------------------------------------------------------------------------------- */

/* A cohort with every kind of variable, truncation, an inclusion criterion that rejects about a third of the
 * draws, correlations and a covariate effect: patients differ in how many numbers they consume. */
#define R_VARS 6
static const ts_cohort_var repro_vars[R_VARS] = {
    {"WT", TS_DIST_LOGNORMAL, 70, 0.2, 40, 120},
    {"AGE", TS_DIST_UNIFORM, 18, 80, -INFINITY, INFINITY},
    {"FLAG", TS_DIST_FIXED, 1, 0, 0, 2},
    {"pk.CL", TS_DIST_LOGNORMAL, 10, 0.3, -INFINITY, INFINITY},
    {"pk.V", TS_DIST_NORMAL, 50, 10, 20, INFINITY},
    {"pk.KA", TS_DIST_LOGNORMAL, 1.2, 0.5, -INFINITY, INFINITY},
};
static const double repro_corr[R_VARS * R_VARS] = {
    1,   0, 0, 0.3, 0.2, 0, /* WT */
    0,   1, 0, 0,   0,   0, /* AGE */
    0,   0, 1, 0,   0,   0, /* FLAG */
    0.3, 0, 0, 1,   0.5, 0, /* CL */
    0.2, 0, 0, 0.5, 1,   0, /* V */
    0,   0, 0, 0,   0,   1, /* KA */
};
static const ts_cohort_inclusion repro_incl[] = {{0, 55, 95}};
static const ts_cohort_covariate_effect repro_eff[] = {{3, 0, TS_COV_POWER, 70, 0.75}};
static const ts_cohort_spec repro_spec = {repro_vars, R_VARS, repro_corr, repro_incl, 1, repro_eff, 1, 1000};

typedef struct patient_draw {
  double v[R_VARS];
  unsigned redraws;
} patient_draw;

/* Draws patients 1..n into d[0..n-1], in the order given by `order` (NULL: 1..n). */
static void draw_all(const ts_cohort *c, uint64_t seed, patient_draw *d, size_t n, const size_t *order) {
  for (size_t i = 0; i < n; i++) {
    size_t k = order ? order[i] : i;
    draw_ok(c, seed, k + 1, d[k].v, &d[k].redraws);
  }
}

static void check_same(const patient_draw *a, const patient_draw *b, uint64_t patient, const char *what) {
  if (memcmp(a->v, b->v, sizeof a->v) != 0 || a->redraws != b->redraws)
    fail_msg("patient %llu differs %s: CL %.17g vs %.17g, redraws %u vs %u", (unsigned long long)patient, what, a->v[3],
             b->v[3], a->redraws, b->redraws);
}

static void test_reproducible_any_cohort_size_and_order(void **state) {
  (void)state;
  /* Patients 7 and 500 drawn alone, each from a cohort object of its own. */
  patient_draw alone7, alone500;
  ts_cohort *c1 = create_ok(&repro_spec);
  draw_ok(c1, SEED, 7, alone7.v, &alone7.redraws);
  ts_cohort_free(c1);
  ts_cohort *c2 = create_ok(&repro_spec);
  draw_ok(c2, SEED, 500, alone500.v, &alone500.redraws);
  ts_cohort_free(c2);

  ts_cohort *c = create_ok(&repro_spec);
  patient_draw small[10];
  draw_all(c, SEED, small, 10, NULL);
  check_same(&small[6], &alone7, 7, "in a cohort of 10");

  patient_draw *fwd = calloc(N_REPRO, sizeof *fwd), *other = calloc(N_REPRO, sizeof *other);
  size_t *order = malloc(N_REPRO * sizeof *order);
  assert_non_null(fwd);
  assert_non_null(other);
  assert_non_null(order);
  draw_all(c, SEED, fwd, N_REPRO, NULL);
  check_same(&fwd[6], &alone7, 7, "in a cohort of 1000");
  check_same(&fwd[499], &alone500, 500, "in a cohort of 1000");
  for (size_t k = 0; k < 10; k++)
    check_same(&fwd[k], &small[k], k + 1, "between cohorts of 10 and 1000");

  /* Reverse order, then a shuffled order (Fisher-Yates with a fixed LCG). */
  for (size_t i = 0; i < N_REPRO; i++)
    order[i] = N_REPRO - 1 - i;
  draw_all(c, SEED, other, N_REPRO, order);
  for (size_t k = 0; k < N_REPRO; k++)
    check_same(&other[k], &fwd[k], k + 1, "when drawn in reverse order");
  uint64_t lcg = 12345;
  for (size_t i = N_REPRO - 1; i > 0; i--) {
    lcg = lcg * 6364136223846793005u + 1442695040888963407u;
    size_t j = (size_t)((lcg >> 33) % (i + 1));
    size_t t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  memset(other, 0, N_REPRO * sizeof *other);
  draw_all(c, SEED, other, N_REPRO, order);
  size_t with_redraws = 0;
  for (size_t k = 0; k < N_REPRO; k++) {
    check_same(&other[k], &fwd[k], k + 1, "when drawn in shuffled order");
    with_redraws += fwd[k].redraws > 0;
  }
  /* The check covers patients whose redraws shift their later numbers. */
  if (with_redraws < 100)
    fail_msg("only %zu of %d patients were redrawn; the test spec should reject about a third", with_redraws, N_REPRO);
  free(order);
  free(other);
  free(fwd);
  ts_cohort_free(c);
}

typedef struct thread_job {
  const ts_cohort *c;
  pthread_barrier_t *start;
  patient_draw *d;
  int reverse;
  int failed;
} thread_job;

/* Both threads start together (barrier) and draw every patient several times over, so that any state shared
 * between calls would be raced on and show up as a difference. */
#define THREAD_PASSES 5
static void *thread_draw(void *arg) {
  thread_job *job = arg;
  pthread_barrier_wait(job->start);
  for (int pass = 0; pass < THREAD_PASSES; pass++)
    for (size_t i = 0; i < N_REPRO; i++) {
      size_t k = job->reverse ? N_REPRO - 1 - i : i;
      patient_draw d;
      if (ts_cohort_draw(job->c, SEED, k + 1, d.v, &d.redraws, NULL) != 0)
        job->failed = 1;
      if (pass == 0)
        job->d[k] = d;
      else if (memcmp(d.v, job->d[k].v, sizeof d.v) != 0 || d.redraws != job->d[k].redraws)
        job->failed = 2;
    }
  return NULL;
}

static void test_reproducible_across_threads(void **state) {
  (void)state;
  ts_cohort *c = create_ok(&repro_spec);
  patient_draw *ref = calloc(N_REPRO, sizeof *ref);
  pthread_barrier_t start;
  assert_int_equal(pthread_barrier_init(&start, NULL, 2), 0);
  thread_job jobs[2] = {{c, &start, calloc(N_REPRO, sizeof(patient_draw)), 0, 0},
                        {c, &start, calloc(N_REPRO, sizeof(patient_draw)), 1, 0}};
  assert_non_null(ref);
  assert_non_null(jobs[0].d);
  assert_non_null(jobs[1].d);
  draw_all(c, SEED, ref, N_REPRO, NULL);
  pthread_t th[2];
  for (int t = 0; t < 2; t++)
    assert_int_equal(pthread_create(&th[t], NULL, thread_draw, &jobs[t]), 0);
  for (int t = 0; t < 2; t++)
    assert_int_equal(pthread_join(th[t], NULL), 0);
  pthread_barrier_destroy(&start);
  for (int t = 0; t < 2; t++) {
    if (jobs[t].failed)
      fail_msg("thread %d: %s", t, jobs[t].failed == 1 ? "a draw failed" : "a patient differed between passes");
    for (size_t k = 0; k < N_REPRO; k++)
      check_same(&jobs[t].d[k], &ref[k], k + 1, t ? "in the reverse-order thread" : "in the forward thread");
    free(jobs[t].d);
  }
  free(ref);
  ts_cohort_free(c);
}

static void test_seeds_and_patients_differ(void **state) {
  (void)state;
  ts_cohort *c = create_ok(&repro_spec);
  patient_draw a, b, p8;
  draw_ok(c, 1, 7, a.v, &a.redraws);
  draw_ok(c, 2, 7, b.v, &b.redraws);
  draw_ok(c, 1, 8, p8.v, &p8.redraws);
  for (size_t j = 0; j < R_VARS; j++) {
    if (repro_vars[j].kind == TS_DIST_FIXED) {
      assert_true(a.v[j] == repro_vars[j].a && b.v[j] == repro_vars[j].a);
      continue;
    }
    if (a.v[j] == b.v[j])
      fail_msg("%s of patient 7 is %.17g with seeds 1 and 2", repro_vars[j].name, a.v[j]);
    if (a.v[j] == p8.v[j])
      fail_msg("%s is %.17g for patients 7 and 8", repro_vars[j].name, a.v[j]);
  }
  ts_cohort_free(c);
}

/* The documented consumption order, replayed with rng.h: attempt t takes normals t*n+1..(t+1)*n of the stream
 * (seed, patient, TS_COHORT_STREAM), fixed variables included; n = 3 here, so Box-Muller spares straddle attempts. */
static void test_stream_order(void **state) {
  (void)state;
  const ts_cohort_var vars[3] = {{"X", TS_DIST_NORMAL, 0, 1, -INFINITY, INFINITY},
                                 {"F", TS_DIST_FIXED, 3, 0, -INFINITY, INFINITY},
                                 {"Y", TS_DIST_NORMAL, 0, 1, -INFINITY, INFINITY}};
  const ts_cohort_inclusion incl = {0, 0, INFINITY}; /* reject X < 0: half the attempts */
  const ts_cohort_spec spec = {vars, 3, NULL, &incl, 1, NULL, 0, 100};
  ts_cohort *c = create_ok(&spec);
  unsigned long total = 0;
  for (uint64_t k = 1; k <= 200; k++) {
    double v[3];
    unsigned redraws = 99;
    draw_ok(c, SEED, k, v, &redraws);
    ts_rng r;
    ts_rng_init(&r, SEED, k, TS_COHORT_STREAM);
    unsigned expected_redraws = 0;
    double x, y;
    for (;;) {
      x = ts_rng_normal(&r);
      (void)ts_rng_normal(&r); /* F's number */
      y = ts_rng_normal(&r);
      if (x >= 0)
        break;
      expected_redraws++;
    }
    if (v[0] != x || v[1] != 3 || v[2] != y || redraws != expected_redraws)
      fail_msg("patient %llu: (%.17g, %g, %.17g) after %u redraws, expected (%.17g, 3, %.17g) after %u",
               (unsigned long long)k, v[0], v[1], v[2], redraws, x, y, expected_redraws);
    total += redraws;
  }
  assert_true(total > 50);
  ts_cohort_free(c);

  /* Correlated: z = L u with L = [[1, 0], [rho, sqrt(1 - rho^2)]]. */
  const double rho = 0.6, corr[4] = {1, rho, rho, 1};
  const ts_cohort_spec spec2 = {(const ts_cohort_var[]){vars[0], vars[2]}, 2, corr, NULL, 0, NULL, 0, 0};
  c = create_ok(&spec2);
  for (uint64_t k = 1; k <= 50; k++) {
    double v[2];
    draw_ok(c, SEED, k, v, NULL);
    ts_rng r;
    ts_rng_init(&r, SEED, k, TS_COHORT_STREAM);
    double u0 = ts_rng_normal(&r), u1 = ts_rng_normal(&r);
    double z1 = rho * u0 + sqrt(1 - rho * rho) * u1;
    if (v[0] != u0 || !(fabs(v[1] - z1) <= 1e-14 * (1 + fabs(z1))))
      fail_msg("patient %llu: (%.17g, %.17g), expected (%.17g, %.17g)", (unsigned long long)k, v[0], v[1], u0, z1);
  }
  ts_cohort_free(c);
}

/* A correlation matrix with zero off-diagonals draws exactly what independent variables draw. */
static void test_identity_correlation_is_independent(void **state) {
  (void)state;
  const double id[R_VARS * R_VARS] = {1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
                                      0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1};
  ts_cohort_spec s1 = repro_spec, s2 = repro_spec;
  s1.correlation = NULL;
  s2.correlation = id;
  ts_cohort *c1 = create_ok(&s1), *c2 = create_ok(&s2);
  for (uint64_t k = 1; k <= 100; k++) {
    patient_draw a, b;
    draw_ok(c1, SEED, k, a.v, &a.redraws);
    draw_ok(c2, SEED, k, b.v, &b.redraws);
    check_same(&a, &b, k, "between no correlation matrix and the identity");
  }
  ts_cohort_free(c1);
  ts_cohort_free(c2);
}

/* ---------------------------------------------------------------------------------------------------------------
 * Distributions
 * --------------------------------------------------------------------------------------------------------------- */

static void test_lognormal_statistics(void **state) {
  (void)state;
  const double typical = 10, cv = 0.30, omega = sqrt(log(1 + cv * cv));
  const ts_cohort_var var = {"pk.CL", TS_DIST_LOGNORMAL, typical, omega, -INFINITY, INFINITY};
  const ts_cohort_spec spec = {&var, 1, NULL, NULL, 0, NULL, 0, 0};
  ts_cohort *c = create_ok(&spec);
  double *x = malloc(N_STAT * sizeof *x);
  assert_non_null(x);
  assert_int_equal(draw_column(c, 1, 0, x, N_STAT), 0);
  for (size_t i = 0; i < N_STAT; i++) {
    if (!(x[i] > 0))
      fail_msg("patient %zu: lognormal value %g is not positive", i + 1, x[i]);
    x[i] = log(x[i]);
  }
  check_within_4se("log-mean", mean_of(x, N_STAT), log(typical), omega / sqrt(N_STAT));
  check_within_4se("log-SD", sd_of(x, N_STAT), omega, omega / sqrt(2.0 * (N_STAT - 1)));
  free(x);
  ts_cohort_free(c);
}

static void test_normal_statistics(void **state) {
  (void)state;
  const double mu = 50, sigma = 10;
  const ts_cohort_var var = {"pk.V", TS_DIST_NORMAL, mu, sigma, -INFINITY, INFINITY};
  const ts_cohort_spec spec = {&var, 1, NULL, NULL, 0, NULL, 0, 0};
  ts_cohort *c = create_ok(&spec);
  double *x = malloc(N_STAT * sizeof *x);
  assert_non_null(x);
  draw_column(c, 1, 0, x, N_STAT);
  check_within_4se("mean", mean_of(x, N_STAT), mu, sigma / sqrt(N_STAT));
  check_within_4se("SD", sd_of(x, N_STAT), sigma, sigma / sqrt(2.0 * (N_STAT - 1)));
  free(x);
  ts_cohort_free(c);
}

static void test_uniform_statistics(void **state) {
  (void)state;
  const double a = 2, b = 5, w = b - a;
  const ts_cohort_var var = {"AGE", TS_DIST_UNIFORM, a, b, -INFINITY, INFINITY};
  const ts_cohort_spec spec = {&var, 1, NULL, NULL, 0, NULL, 0, 0};
  ts_cohort *c = create_ok(&spec);
  double *x = malloc(N_STAT * sizeof *x);
  assert_non_null(x);
  draw_column(c, 1, 0, x, N_STAT);
  double lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < N_STAT; i++) {
    if (!(x[i] >= a && x[i] <= b))
      fail_msg("patient %zu: uniform value %.17g outside [%g, %g]", i + 1, x[i], a, b);
    lo = fmin(lo, x[i]);
    hi = fmax(hi, x[i]);
  }
  /* The whole range is reached: P(min > a + w/1000) = 0.999^20000 ~ 2e-9. */
  if (!(lo < a + 1e-3 * w && hi > b - 1e-3 * w))
    fail_msg("uniform range [%g, %g] not covered: min %.6g, max %.6g", a, b, lo, hi);
  check_within_4se("mean", mean_of(x, N_STAT), (a + b) / 2, w / sqrt(12.0 * N_STAT));
  /* Var of the sample SD ~ (mu4 - sigma^4) / (4 sigma^2 N), mu4 = w^4/80 for a uniform. */
  double sigma = w / sqrt(12.0);
  check_within_4se("SD", sd_of(x, N_STAT), sigma,
                   sqrt((pow(w, 4) / 80 - pow(sigma, 4)) / (4 * sigma * sigma * N_STAT)));
  free(x);
  ts_cohort_free(c);
}

static void test_truncated_normal_statistics(void **state) {
  (void)state;
  const double mu = 70, sigma = 15, lower = 50, upper = 100;
  const ts_cohort_var var = {"WT", TS_DIST_NORMAL, mu, sigma, lower, upper};
  const ts_cohort_spec spec = {&var, 1, NULL, NULL, 0, NULL, 0, 1000};
  ts_cohort *c = create_ok(&spec);
  double *x = malloc(N_STAT * sizeof *x);
  assert_non_null(x);
  unsigned long total_redraws = draw_column(c, 1, 0, x, N_STAT);
  for (size_t i = 0; i < N_STAT; i++)
    if (!(x[i] >= lower && x[i] <= upper))
      fail_msg("patient %zu: WT %.17g outside [%g, %g]", i + 1, x[i], lower, upper);
  /* Truncated-normal moments: alpha, beta the standardised bounds, Z = Phi(beta) - Phi(alpha). */
  double al = (lower - mu) / sigma, be = (upper - mu) / sigma, z = phi_cdf(be) - phi_cdf(al);
  double d = (phi_pdf(al) - phi_pdf(be)) / z;
  double mean = mu + sigma * d;
  double var_t = sigma * sigma * (1 + (al * phi_pdf(al) - be * phi_pdf(be)) / z - d * d);
  check_within_4se("truncated mean", mean_of(x, N_STAT), mean, sqrt(var_t / N_STAT));
  /* SE of the SD: sigma_t / sqrt(2N) is an upper bound, the truncated normal's kurtosis being below 3. */
  check_within_4se("truncated SD", sd_of(x, N_STAT), sqrt(var_t), sqrt(var_t / (2.0 * N_STAT)));
  /* Redraws per patient are geometric: mean (1 - Z)/Z, variance (1 - Z)/Z^2. */
  check_within_4se("redraws per patient", (double)total_redraws / N_STAT, (1 - z) / z,
                   sqrt((1 - z) / (z * z) / N_STAT));
  free(x);
  ts_cohort_free(c);
}

static void test_correlation_statistics(void **state) {
  (void)state;
  const ts_cohort_var vars[3] = {{"A", TS_DIST_NORMAL, 0, 1, -INFINITY, INFINITY},
                                 {"B", TS_DIST_LOGNORMAL, 5, 0.4, -INFINITY, INFINITY},
                                 {"C", TS_DIST_NORMAL, 10, 2, -INFINITY, INFINITY}};
  const double r_ab = 0.6, r_ac = -0.3, r_bc = 0.2;
  const double corr[9] = {1, r_ab, r_ac, r_ab, 1, r_bc, r_ac, r_bc, 1};
  const ts_cohort_spec spec = {vars, 3, corr, NULL, 0, NULL, 0, 0};
  ts_cohort *c = create_ok(&spec);
  double *a = malloc(N_STAT * sizeof *a), *b = malloc(N_STAT * sizeof *b), *cc = malloc(N_STAT * sizeof *cc);
  assert_non_null(a);
  assert_non_null(b);
  assert_non_null(cc);
  for (size_t k = 0; k < N_STAT; k++) {
    double v[3];
    draw_ok(c, SEED, k + 1, v, NULL);
    a[k] = v[0];
    b[k] = log(v[1]); /* the correlation is on the scale of eta */
    cc[k] = v[2];
  }
  /* SE of a sample correlation ~ (1 - rho^2) / sqrt(N). */
  check_within_4se("corr(A, eta_B)", corr_of(a, b, N_STAT), r_ab, (1 - r_ab * r_ab) / sqrt(N_STAT));
  check_within_4se("corr(A, C)", corr_of(a, cc, N_STAT), r_ac, (1 - r_ac * r_ac) / sqrt(N_STAT));
  check_within_4se("corr(eta_B, C)", corr_of(b, cc, N_STAT), r_bc, (1 - r_bc * r_bc) / sqrt(N_STAT));
  /* Marginals are unchanged by the correlation. */
  check_within_4se("SD of eta_B", sd_of(b, N_STAT), 0.4, 0.4 / sqrt(2.0 * (N_STAT - 1)));
  check_within_4se("SD of C", sd_of(cc, N_STAT), 2, 2 / sqrt(2.0 * (N_STAT - 1)));
  free(a);
  free(b);
  free(cc);
  ts_cohort_free(c);
}

/* ---------------------------------------------------------------------------------------------------------------
 * Inclusion criteria and redraws
 * --------------------------------------------------------------------------------------------------------------- */

static void test_inclusion_redraws(void **state) {
  (void)state;
  const ts_cohort_var vars[2] = {{"WT", TS_DIST_NORMAL, 70, 15, -INFINITY, INFINITY},
                                 {"AGE", TS_DIST_UNIFORM, 20, 80, -INFINITY, INFINITY}};
  const ts_cohort_inclusion incl[2] = {{0, 60, 80}, {1, 30, 70}};
  const ts_cohort_spec spec = {vars, 2, NULL, incl, 2, NULL, 0, 1000};
  ts_cohort *c = create_ok(&spec);
  const size_t n = 5000;
  unsigned long total = 0;
  for (uint64_t k = 1; k <= n; k++) {
    double v[2];
    unsigned r = 0;
    draw_ok(c, SEED, k, v, &r);
    if (!(v[0] >= 60 && v[0] <= 80 && v[1] >= 30 && v[1] <= 70))
      fail_msg("patient %llu accepted with WT %g, AGE %g", (unsigned long long)k, v[0], v[1]);
    total += r;
  }
  /* Acceptance p = P(60 <= WT <= 80) P(30 <= AGE <= 70); redraws geometric, mean (1-p)/p, variance (1-p)/p^2. */
  double p = (phi_cdf(10.0 / 15) - phi_cdf(-10.0 / 15)) * (40.0 / 60);
  check_within_4se("redraws per patient", (double)total / n, (1 - p) / p, sqrt((1 - p) / (p * p) / n));
  ts_cohort_free(c);
}

static void test_max_redraws_exceeded(void **state) {
  (void)state;
  const ts_cohort_var vars[2] = {{"WT", TS_DIST_NORMAL, 70, 15, -INFINITY, INFINITY},
                                 {"AGE", TS_DIST_UNIFORM, 20, 80, 0, 200}};
  /* WT >= 150 is 5.3 SD out: practically never. AGE's bounds and criterion 1 never reject. */
  const ts_cohort_inclusion incl[2] = {{0, 150, 160}, {1, 0, 100}};
  const ts_cohort_spec spec = {vars, 2, NULL, incl, 2, NULL, 0, 50};
  ts_cohort *c = create_ok(&spec);
  double v[2];
  unsigned r = 0;
  ts_error err;
  ts_error_clear(&err);
  assert_int_equal(ts_cohort_draw(c, SEED, 3, v, &r, &err), -1);
  assert_int_equal(err.code, TS_E_INPUT);
  assert_int_equal(r, 51);
  check_contains(err.message, "patient 3");
  check_contains(err.message, "max_redraws 50");
  check_contains(err.message, "inclusion criterion 0: WT in [150, 160]: rejected 51 times");
  if (strstr(err.message, "AGE"))
    fail_msg("criteria that rejected nothing are listed: %s", err.message);

  /* A variable's own bounds are named the same way; max_redraws 0 means the first draw must be accepted. */
  const ts_cohort_var narrow = {"pk.CL", TS_DIST_LOGNORMAL, 10, 0.3, 9.99, 10.01};
  const ts_cohort_spec spec2 = {&narrow, 1, NULL, NULL, 0, NULL, 0, 0};
  ts_cohort *c2 = create_ok(&spec2);
  ts_error_clear(&err);
  assert_int_equal(ts_cohort_draw(c2, SEED, 1, v, &r, &err), -1);
  assert_int_equal(err.code, TS_E_INPUT);
  assert_int_equal(r, 1);
  check_contains(err.message, "bounds of pk.CL in [9.99, 10.01]: rejected 1 times");
  ts_cohort_free(c2);
  ts_cohort_free(c);
}

/* ---------------------------------------------------------------------------------------------------------------
 * Covariate models
 * --------------------------------------------------------------------------------------------------------------- */

/* CL (fixed 10) scaled by one effect of a fixed covariate; returns CL. */
static double scaled_cl(double cov, ts_covariate_model model, double reference, double coefficient) {
  const ts_cohort_var vars[2] = {{"COV", TS_DIST_FIXED, cov, 0, -INFINITY, INFINITY},
                                 {"pk.CL", TS_DIST_FIXED, 10, 0, -INFINITY, INFINITY}};
  const ts_cohort_covariate_effect eff = {1, 0, model, reference, coefficient};
  const ts_cohort_spec spec = {vars, 2, NULL, NULL, 0, &eff, 1, 0};
  ts_cohort *c = create_ok(&spec);
  double v[2];
  draw_ok(c, SEED, 1, v, NULL);
  ts_cohort_free(c);
  if (v[0] != cov)
    fail_msg("the covariate changed: %.17g, expected %.17g", v[0], cov);
  return v[1];
}

static void test_covariate_models(void **state) {
  (void)state;
  /* Power, CL * (WT/70)^0.75: unchanged at the reference, 10 * 2^0.75 at twice it. */
  assert_true(scaled_cl(70, TS_COV_POWER, 70, 0.75) == 10.0);
  check_rel("power at WT 140", scaled_cl(140, TS_COV_POWER, 70, 0.75), 16.817928305074290861, 4e-16);
  check_rel("power at WT 85", scaled_cl(85, TS_COV_POWER, 70, 0.75), 11.567530793023804821, 4e-16);
  /* Exponential, CL * exp(0.02 (AGE - 50)) at AGE 60: 10 e^0.2. */
  assert_true(scaled_cl(50, TS_COV_EXPONENTIAL, 50, 0.02) == 10.0);
  check_rel("exponential at 60", scaled_cl(60, TS_COV_EXPONENTIAL, 50, 0.02), 12.214027581601698339, 4e-16);
  /* Linear, CL * (1 + 0.005 (CRCL - 100)) at CRCL 120: 11; at 40: 7. */
  check_rel("linear at 120", scaled_cl(120, TS_COV_LINEAR, 100, 0.005), 11.0, 4e-16);
  check_rel("linear at 40", scaled_cl(40, TS_COV_LINEAR, 100, 0.005), 7.0, 4e-16);
}

/* With random variables the effects scale the drawn parameter after the draw, in the order given, and neither
 * consume random numbers nor change the covariates. */
static void test_covariate_effects_on_random_draws(void **state) {
  (void)state;
  const ts_cohort_var vars[3] = {{"WT", TS_DIST_LOGNORMAL, 70, 0.25, -INFINITY, INFINITY},
                                 {"AGE", TS_DIST_UNIFORM, 20, 80, -INFINITY, INFINITY},
                                 {"pk.CL", TS_DIST_LOGNORMAL, 10, 0.3, -INFINITY, INFINITY}};
  const ts_cohort_covariate_effect eff[2] = {{2, 0, TS_COV_POWER, 70, 0.75}, {2, 1, TS_COV_LINEAR, 50, -0.01}};
  const ts_cohort_spec plain = {vars, 3, NULL, NULL, 0, NULL, 0, 0};
  const ts_cohort_spec with = {vars, 3, NULL, NULL, 0, eff, 2, 0};
  ts_cohort *c0 = create_ok(&plain), *c1 = create_ok(&with);
  for (uint64_t k = 1; k <= 200; k++) {
    double a[3], b[3];
    draw_ok(c0, SEED, k, a, NULL);
    draw_ok(c1, SEED, k, b, NULL);
    if (a[0] != b[0] || a[1] != b[1])
      fail_msg("patient %llu: the covariates changed", (unsigned long long)k);
    double expected = a[2] * pow(a[0] / 70, 0.75) * (1 - 0.01 * (a[1] - 50));
    check_rel("CL with two effects", b[2], expected, 1e-15);
  }
  ts_cohort_free(c0);
  ts_cohort_free(c1);
}

static void test_power_model_needs_positive_covariate(void **state) {
  (void)state;
  const ts_cohort_var vars[2] = {{"WT", TS_DIST_NORMAL, 5, 10, -INFINITY, INFINITY},
                                 {"pk.CL", TS_DIST_FIXED, 10, 0, -INFINITY, INFINITY}};
  const ts_cohort_covariate_effect eff = {1, 0, TS_COV_POWER, 70, 0.75};
  const ts_cohort_spec spec = {vars, 2, NULL, NULL, 0, &eff, 1, 0};
  ts_cohort *c = create_ok(&spec);
  int failures = 0;
  for (uint64_t k = 1; k <= 50; k++) {
    double v[2];
    ts_error err;
    ts_error_clear(&err);
    if (ts_cohort_draw(c, SEED, k, v, NULL, &err) == 0)
      continue;
    failures++;
    assert_int_equal(err.code, TS_E_INPUT);
    check_contains(err.message, "covariate WT = -");
    check_contains(err.message, "power model of effect 0 on pk.CL needs it > 0");
  }
  /* P(WT <= 0) = Phi(-0.5) = 0.31: about 15 of 50. */
  if (failures < 5 || failures > 30)
    fail_msg("%d of 50 patients failed, expected about 15", failures);
  ts_cohort_free(c);
}

/* ---------------------------------------------------------------------------------------------------------------
 * Invalid specs
 * --------------------------------------------------------------------------------------------------------------- */

static const ts_cohort_var abc_vars[3] = {{"A", TS_DIST_NORMAL, 0, 1, -INFINITY, INFINITY},
                                          {"B", TS_DIST_NORMAL, 0, 1, -INFINITY, INFINITY},
                                          {"C", TS_DIST_NORMAL, 0, 1, -INFINITY, INFINITY}};

static void test_bad_correlation(void **state) {
  (void)state;
  ts_cohort_spec spec = {abc_vars, 3, NULL, NULL, 0, NULL, 0, 0};
  const double not_pd[9] = {1, 0.9, 0.9, 0.9, 1, -0.9, 0.9, -0.9, 1};
  spec.correlation = not_pd;
  check_create_fails(&spec, "not positive definite", "fails at variable 'C' (row 3)", NULL);
  const double asym[9] = {1, 0.2, 0, 0.3, 1, 0, 0, 0, 1};
  spec.correlation = asym;
  check_create_fails(&spec, "not symmetric", "row 'B', column 'A' is 0.3 but row 'A', column 'B' is 0.2", NULL);
  const double range[9] = {1, 0, 1.5, 0, 1, 0, 1.5, 0, 1};
  spec.correlation = range;
  check_create_fails(&spec, "correlation of 'C' and 'A' (1.5, 1.5) is outside [-1, 1]", NULL);
  const double diag[9] = {1, 0, 0, 0, 0.9, 0, 0, 0, 1};
  spec.correlation = diag;
  check_create_fails(&spec, "diagonal entry of 'B' is 0.9, not 1", NULL);
  const double nan_entry[9] = {1, NAN, 0, NAN, 1, 0, 0, 0, 1};
  spec.correlation = nan_entry;
  check_create_fails(&spec, "correlation of 'B' and 'A' (nan, nan) is outside [-1, 1]", NULL);
  /* Perfect correlation is only semi-definite: B is fully determined by A. */
  const double perfect[9] = {1, 1, 0, 1, 1, 0, 0, 0, 1};
  spec.correlation = perfect;
  check_create_fails(&spec, "not positive definite", "fails at variable 'B' (row 2)", NULL);
  /* Strong but consistent correlations are fine. */
  const double ok[9] = {1, 0.9, 0.8, 0.9, 1, 0.85, 0.8, 0.85, 1};
  spec.correlation = ok;
  ts_cohort_free(create_ok(&spec));
}

static void test_bad_distributions(void **state) {
  (void)state;
  ts_cohort_var v = {"pk.V", TS_DIST_NORMAL, 50, -1, -INFINITY, INFINITY};
  ts_cohort_spec spec = {&v, 1, NULL, NULL, 0, NULL, 0, 0};
  check_create_fails(&spec, "variable 'pk.V' (normal): the standard deviation -1 must be finite and >= 0", NULL);
  v = (ts_cohort_var){"pk.CL", TS_DIST_LOGNORMAL, 0, 0.3, -INFINITY, INFINITY};
  check_create_fails(&spec, "variable 'pk.CL' (lognormal): the typical value 0 must be finite and > 0", NULL);
  v.a = -2;
  check_create_fails(&spec, "the typical value -2 must be finite and > 0", NULL);
  v = (ts_cohort_var){"pk.CL", TS_DIST_LOGNORMAL, 10, -0.3, -INFINITY, INFINITY};
  check_create_fails(&spec, "variable 'pk.CL' (lognormal): omega (the SD of eta) -0.3 must be finite and >= 0", NULL);
  v = (ts_cohort_var){"AGE", TS_DIST_UNIFORM, 80, 18, -INFINITY, INFINITY};
  check_create_fails(&spec, "variable 'AGE' (uniform): the lower limit 80 must be below the upper limit 18", NULL);
  v.b = 80;
  check_create_fails(&spec, "the lower limit 80 must be below the upper limit 80", NULL);
  v = (ts_cohort_var){"WT", TS_DIST_NORMAL, NAN, 1, -INFINITY, INFINITY};
  check_create_fails(&spec, "variable 'WT' (normal): the mean nan is not a finite number", NULL);
  v = (ts_cohort_var){"WT", TS_DIST_NORMAL, 70, 10, 100, 50};
  check_create_fails(&spec, "variable 'WT': the bounds [100, 50] are not an interval", NULL);
  v = (ts_cohort_var){"WT", (ts_dist_kind)17, 70, 10, -INFINITY, INFINITY};
  check_create_fails(&spec, "variable 'WT': unknown distribution kind 17", NULL);
  /* Bounds that exclude every value the distribution can take. */
  v = (ts_cohort_var){"pk.CL", TS_DIST_LOGNORMAL, 10, 0.3, -5, 0};
  check_create_fails(&spec, "variable 'pk.CL' (lognormal 10, 0.3): the bounds [-5, 0] exclude every value", NULL);
  v = (ts_cohort_var){"AGE", TS_DIST_UNIFORM, 18, 80, 90, 100};
  check_create_fails(&spec, "the bounds [90, 100] exclude every value", NULL);
  v = (ts_cohort_var){"F", TS_DIST_FIXED, 5, 0, 0, 4};
  check_create_fails(&spec, "variable 'F' (fixed 5, 0): the bounds [0, 4] exclude every value", NULL);
  v = (ts_cohort_var){"WT", TS_DIST_NORMAL, 70, 10, 60, 60}; /* a point: probability zero */
  check_create_fails(&spec, "the bounds [60, 60] exclude every value", NULL);
  v = (ts_cohort_var){"WT", TS_DIST_NORMAL, 70, 0, 60, 80}; /* zero SD inside the bounds is fine */
  ts_cohort_free(create_ok(&spec));
}

static void test_bad_effects_and_inclusion(void **state) {
  (void)state;
  const ts_cohort_var vars[2] = {{"WT", TS_DIST_LOGNORMAL, 70, 0.2, -INFINITY, INFINITY},
                                 {"pk.CL", TS_DIST_LOGNORMAL, 10, 0.3, -INFINITY, INFINITY}};
  ts_cohort_covariate_effect eff = {5, 0, TS_COV_POWER, 70, 0.75};
  ts_cohort_spec spec = {vars, 2, NULL, NULL, 0, &eff, 1, 0};
  check_create_fails(&spec, "covariate effect 0: the parameter is variable 5, but the cohort has 2 variables", NULL);
  eff = (ts_cohort_covariate_effect){1, 7, TS_COV_POWER, 70, 0.75};
  check_create_fails(&spec, "covariate effect 0: the covariate is variable 7, but the cohort has 2 variables", NULL);
  eff = (ts_cohort_covariate_effect){1, 0, TS_COV_POWER, 0, 0.75};
  check_create_fails(
      &spec, "covariate effect 0 (power model of 'WT' on 'pk.CL'): the reference 0 must be finite and > 0", NULL);
  eff = (ts_cohort_covariate_effect){1, 1, TS_COV_LINEAR, 0, 0.1};
  check_create_fails(&spec, "'pk.CL' cannot be its own covariate", NULL);
  eff = (ts_cohort_covariate_effect){1, 0, TS_COV_EXPONENTIAL, 70, INFINITY};
  check_create_fails(&spec, "the coefficient inf is not a finite number", NULL);
  eff = (ts_cohort_covariate_effect){1, 0, TS_COV_EXPONENTIAL, -3, 0.1}; /* any reference for exponential */
  ts_cohort_free(create_ok(&spec));

  ts_cohort_inclusion incl = {2, 0, 1};
  spec = (ts_cohort_spec){vars, 2, NULL, &incl, 1, NULL, 0, 10};
  check_create_fails(&spec, "inclusion criterion 0 refers to variable 2, but the cohort has 2 variables", NULL);
  incl = (ts_cohort_inclusion){0, 90, 50};
  check_create_fails(&spec, "inclusion criterion 0 (WT in [90, 50]): lower must be <= upper", NULL);
  incl = (ts_cohort_inclusion){0, -10, 0};
  check_create_fails(&spec, "inclusion criterion 0 (WT in [-10, 0]) excludes every value 'WT' can take", NULL);
  ts_cohort_inclusion two[2] = {{0, 40, 60}, {0, 80, 100}};
  spec.inclusion = two;
  spec.n_inclusion = 2;
  check_create_fails(&spec, "inclusion criterion 1 (WT in [80, 100]) excludes every value", NULL);
}

/* Every problem of a spec is reported, one per line. */
static void test_all_problems_listed(void **state) {
  (void)state;
  const ts_cohort_var vars[2] = {{"WT", TS_DIST_NORMAL, 70, -5, -INFINITY, INFINITY},
                                 {"pk.CL", TS_DIST_LOGNORMAL, -1, 0.3, -INFINITY, INFINITY}};
  const ts_cohort_covariate_effect eff = {1, 9, TS_COV_POWER, 70, 0.75};
  const ts_cohort_spec spec = {vars, 2, NULL, NULL, 0, &eff, 1, 0};
  check_create_fails(&spec,
                     "variable 'WT' (normal): the standard deviation -5 must be finite and >= 0\n"
                     "variable 'pk.CL' (lognormal): the typical value -1 must be finite and > 0\n"
                     "covariate effect 0: the covariate is variable 9, but the cohort has 2 variables",
                     NULL);
}

/* The spec is copied: names and arrays may be freed once the cohort exists. */
static void test_spec_is_copied(void **state) {
  (void)state;
  char *name = malloc(16);
  ts_cohort_var *vars = malloc(2 * sizeof *vars);
  ts_cohort_inclusion *incl = malloc(sizeof *incl);
  double *corr = malloc(4 * sizeof *corr);
  assert_non_null(name);
  assert_non_null(vars);
  assert_non_null(incl);
  assert_non_null(corr);
  strcpy(name, "BSA");
  vars[0] = (ts_cohort_var){name, TS_DIST_NORMAL, 1.8, 0.2, -INFINITY, INFINITY};
  vars[1] = (ts_cohort_var){NULL, TS_DIST_NORMAL, 0, 1, -INFINITY, INFINITY};
  *incl = (ts_cohort_inclusion){0, 5, 6};
  corr[0] = corr[3] = 1;
  corr[1] = corr[2] = 0.5;
  ts_cohort_spec spec = {vars, 2, corr, incl, 1, NULL, 0, 3};
  ts_cohort *c = create_ok(&spec);
  memset(name, 'x', 15);
  free(name);
  free(vars);
  free(incl);
  free(corr);
  double v[2];
  ts_error err;
  ts_error_clear(&err);
  assert_int_equal(ts_cohort_draw(c, SEED, 1, v, NULL, &err), -1);
  check_contains(err.message, "BSA in [5, 6]: rejected 4 times");
  ts_cohort_free(c);
  ts_cohort_free(NULL);

  /* An unnamed variable is named by its index. */
  const ts_cohort_var unnamed = {NULL, TS_DIST_NORMAL, 0, -1, -INFINITY, INFINITY};
  const ts_cohort_spec spec2 = {&unnamed, 1, NULL, NULL, 0, NULL, 0, 0};
  check_create_fails(&spec2, "variable 'variable 0' (normal): the standard deviation -1", NULL);
}

static void test_bad_calls(void **state) {
  (void)state;
  const ts_cohort_spec spec = {abc_vars, 3, NULL, NULL, 0, NULL, 0, 0};
  ts_cohort *c = create_ok(&spec);
  double v[3];
  ts_error err;
  ts_error_clear(&err);
  assert_int_equal(ts_cohort_draw(c, SEED, 0, v, NULL, &err), -1);
  assert_int_equal(err.code, TS_E_INTERNAL);
  check_contains(err.message, "numbered from 1");
  ts_cohort_free(c);
  ts_error_clear(&err);
  assert_int_equal(ts_cohort_create(&spec, NULL, &err), -1);
  assert_int_equal(err.code, TS_E_INTERNAL);
}

/* ---------------------------------------------------------------------------------------------------------------
 * Normal CDF and body-surface area
 * --------------------------------------------------------------------------------------------------------------- */

static void test_normal_cdf(void **state) {
  (void)state;
  /* Phi(z) from mpmath (40 digits). */
  static const struct {
    double z, phi;
  } ref[] = {
      {-37, 5.7255712225245768227e-300},
      {-30, 4.9067139271481870595e-198},
      {-20, 2.7536241186062336951e-89},
      {-10, 7.619853024160526066e-24},
      {-8, 6.2209605742717841235e-16},
      {-5, 2.8665157187919391167e-7},
      {-3, 0.0013498980316300945267},
      {-1.96, 0.024997895148220436213},
      {-1, 0.15865525393145705141},
      {-0.5, 0.30853753872598689636},
      {0, 0.5},
      {0.5, 0.69146246127401310364},
      {1, 0.84134474606854294859},
      {3, 0.99865010196836990547},
      {8, 0.9999999999999993779},
  };
  for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++) {
    char what[32];
    snprintf(what, sizeof what, "Phi(%g)", ref[i].z);
    check_rel(what, ts_normal_cdf(ref[i].z), ref[i].phi, 1e-15);
  }
  assert_true(ts_normal_cdf(-INFINITY) == 0);
  assert_true(ts_normal_cdf(INFINITY) == 1);
  assert_true(isnan(ts_normal_cdf(NAN)));
}

static void test_body_surface_area(void **state) {
  (void)state;
  /* 70 kg, 170 cm; references from mpmath at 40 digits. Mosteller: sqrt(70 * 170 / 3600). */
  check_rel("mosteller", ts_body_surface_area("mosteller", 70, 170), 1.8181186857726190686, 4e-16);
  check_rel("dubois", ts_body_surface_area("dubois", 70, 170), 1.8097078017532473999, 1e-15);
  check_rel("haycock", ts_body_surface_area("haycock", 70, 170), 1.8256771247769762039, 1e-15);
  check_rel("gehan_george", ts_body_surface_area("gehan_george", 70, 170), 1.8312893134221290825, 1e-15);
  assert_true(isnan(ts_body_surface_area("boyd", 70, 170)));
  assert_true(isnan(ts_body_surface_area("Mosteller", 70, 170)));
  assert_true(isnan(ts_body_surface_area(NULL, 70, 170)));
  assert_true(isnan(ts_body_surface_area("mosteller", 0, 170)));
  assert_true(isnan(ts_body_surface_area("dubois", 70, -1)));
  assert_true(isnan(ts_body_surface_area("haycock", NAN, 170)));
  assert_true(isnan(ts_body_surface_area("gehan_george", 70, INFINITY)));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reproducible_any_cohort_size_and_order),
      cmocka_unit_test(test_reproducible_across_threads),
      cmocka_unit_test(test_seeds_and_patients_differ),
      cmocka_unit_test(test_stream_order),
      cmocka_unit_test(test_identity_correlation_is_independent),
      cmocka_unit_test(test_lognormal_statistics),
      cmocka_unit_test(test_normal_statistics),
      cmocka_unit_test(test_uniform_statistics),
      cmocka_unit_test(test_truncated_normal_statistics),
      cmocka_unit_test(test_correlation_statistics),
      cmocka_unit_test(test_inclusion_redraws),
      cmocka_unit_test(test_max_redraws_exceeded),
      cmocka_unit_test(test_covariate_models),
      cmocka_unit_test(test_covariate_effects_on_random_draws),
      cmocka_unit_test(test_power_model_needs_positive_covariate),
      cmocka_unit_test(test_bad_correlation),
      cmocka_unit_test(test_bad_distributions),
      cmocka_unit_test(test_bad_effects_and_inclusion),
      cmocka_unit_test(test_all_problems_listed),
      cmocka_unit_test(test_spec_is_copied),
      cmocka_unit_test(test_bad_calls),
      cmocka_unit_test(test_normal_cdf),
      cmocka_unit_test(test_body_surface_area),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
