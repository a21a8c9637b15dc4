/* Tests of core/stats.c against published worked examples.
 *
 * The survival data: remission times (weeks) of 42 children with acute leukaemia in the trial of 6-mercaptopurine
 * (6-MP) against placebo, E.J. Freireich et al., Blood 21:699-716, 1963, as tabulated by E.A. Gehan, Biometrika
 * 52:203-223, 1965 (the "gehan" data set; also Table 1.1 of Cox & Oakes, Analysis of Survival Data, 1984):
 *   6-MP:    6, 6, 6, 6*, 7, 9*, 10, 10*, 11*, 13, 16, 17*, 19*, 20*, 22, 23, 25*, 32*, 32*, 34*, 35*  (* censored)
 *   placebo: 1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23                  (no censoring)
 *
 * Sources of the expected numbers, named at each check:
 *   [KK]  D.G. Kleinbaum and M. Klein, Survival Analysis: A Self-Learning Text, 3rd ed., Springer 2012: chapter 2
 *         (Kaplan-Meier table of the remission data, 4 decimals; log-rank O, E and chi-square 16.79), chapter 3
 *         (Cox model of Rx alone, Stata with Breslow ties: coefficient 1.509, SE 0.410, HR 4.523 with 95% CI 2.027 to
 *         10.094, log likelihood -86.380; Rx = 1 is placebo there, so 6-MP vs placebo is -1.509, HR 1/4.523 = 0.221).
 *   [R]   R 4.x with the survival package 3.5-3 (T. Therneau), run on the data above: survfit(..., conf.type =
 *         "log-log"), survdiff, coxph(..., ties = "breslow"), and binom.test for Clopper-Pearson intervals; its
 *         printed digits are quoted. An independent implementation, used where a book gives fewer digits or none.
 *   [hand] worked out in the comment beside the check from the formulas of docs/statistics.md.
 *   [closed] a closed form (named).
 * Tolerances: half a unit in the last digit quoted, unless stated. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "stats.h"
#include "test_support.h"

static void check_abs(const char *what, double got, double want, double tol) {
  int ok = isnan(want) ? isnan(got) : fabs(got - want) <= tol;
  if (!ok)
    fail_msg("%s: %.12g, expected %.12g (absolute tolerance %g)", what, got, want, tol);
}

static void check_rel(const char *what, double got, double want, double tol) {
  if (!(ts_test_relerr(got, want, 1e-300) <= tol))
    fail_msg("%s: %.17g, expected %.17g (relative error %.3g, tolerance %g)", what, got, want,
             ts_test_relerr(got, want, 1e-300), tol);
}

/* ---- the gehan data ------------------------------------------------------------------------------------------ */

#define N_ARM 21
static const double mp_time[N_ARM] = {6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35};
static const int mp_event[N_ARM] = {1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0};
static const double pl_time[N_ARM] = {1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23};
static const int pl_event[N_ARM] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};

/* Both arms pooled; group 1 is `one` (6-MP when mp_is_1, else placebo). */
typedef struct pooled {
  double time[2 * N_ARM];
  int event[2 * N_ARM];
  int group[2 * N_ARM];
} pooled;

static pooled pool(int mp_is_1) {
  pooled p;
  for (size_t i = 0; i < N_ARM; i++) {
    p.time[i] = pl_time[i];
    p.event[i] = pl_event[i];
    p.group[i] = !mp_is_1;
    p.time[N_ARM + i] = mp_time[i];
    p.event[N_ARM + i] = mp_event[i];
    p.group[N_ARM + i] = mp_is_1;
  }
  return p;
}

/* ---- Kaplan-Meier -------------------------------------------------------------------------------------------- */

static void test_km_6mp(void **state) {
  (void)state;
  ts_surv_obs work[N_ARM];
  ts_km_step steps[N_ARM];
  ts_km_result r;
  size_t n = ts_km(mp_time, mp_event, N_ARM, work, steps, &r);
  /* [hand] event times 6 (3 events), 7, 10, 13, 16, 22, 23; at risk 21, 17, 15, 12, 11, 7, 6 */
  static const double t[] = {6, 7, 10, 13, 16, 22, 23};
  static const size_t at_risk[] = {21, 17, 15, 12, 11, 7, 6}, events[] = {3, 1, 1, 1, 1, 1, 1};
  assert_int_equal(n, 7);
  assert_int_equal(r.n_steps, 7);
  assert_int_equal(r.n, 21);
  assert_int_equal(r.n_events, 9);
  for (size_t i = 0; i < 7; i++) {
    check_abs("step time", steps[i].time, t[i], 0);
    assert_int_equal(steps[i].n_risk, at_risk[i]);
    assert_int_equal(steps[i].n_event, events[i]);
  }
  /* [KK] chapter 2, S(t) of group 1 (6-MP), 4 decimals */
  static const double kk[] = {0.8571, 0.8067, 0.7529, 0.6902, 0.6275, 0.5378, 0.4482};
  for (size_t i = 0; i < 7; i++)
    check_abs("S (Kleinbaum & Klein)", steps[i].surv, kk[i], 5e-5);
  /* [closed] the product-limit: 18/21, x 16/17, x 14/15, x 11/12, x 10/11, x 6/7, x 5/6 */
  double s = 1.0;
  static const double factor[] = {18.0 / 21, 16.0 / 17, 14.0 / 15, 11.0 / 12, 10.0 / 11, 6.0 / 7, 5.0 / 6};
  for (size_t i = 0; i < 7; i++) {
    s *= factor[i];
    check_rel("S (product)", steps[i].surv, s, 1e-14);
  }
  /* the numbers of the issue: S at 6, 10, 16, 23 is 0.857, 0.753, 0.627, 0.448; between steps S holds */
  check_abs("S(6)", ts_km_surv_at(steps, n, 6), 0.857, 5e-4);
  check_abs("S(10)", ts_km_surv_at(steps, n, 10), 0.753, 5e-4);
  check_abs("S(12.9)", ts_km_surv_at(steps, n, 12.9), 0.753, 5e-4);
  check_abs("S(16)", ts_km_surv_at(steps, n, 16), 0.627, 5e-4);
  check_abs("S(23)", ts_km_surv_at(steps, n, 23), 0.448, 5e-4);
  check_abs("S(35)", ts_km_surv_at(steps, n, 35), 0.448, 5e-4);
  check_abs("S(5.99)", ts_km_surv_at(steps, n, 5.99), 1.0, 0);

  /* Greenwood standard errors. [hand] at 6: 0.857143 sqrt(3 / (21 x 18)) = 0.857143 x 0.0890871 = 0.0763604;
   * at 13: sqrt(3/378 + 1/272 + 1/210 + 1/132) = sqrt(0.0239507) = 0.154760, x 0.690196 = 0.106815.
   * (The issue quoted 0.0764 "at t = 13"; 0.0764 is the SE at t = 6: at 13 it is 0.1068.)
   * [R] std.err column: 0.0763604 0.0869353 0.0963497 0.1068147 0.1140539 0.1282338 0.1345915 */
  static const double se[] = {0.0763604, 0.0869353, 0.0963497, 0.1068147, 0.1140539, 0.1282338, 0.1345915};
  for (size_t i = 0; i < 7; i++)
    check_abs("Greenwood SE (R)", steps[i].se, se[i], 5e-8);
  check_abs("Greenwood SE at 6 (hand)", steps[0].se, 0.0763604, 5e-8);
  check_abs("Greenwood SE at 13 (hand)", steps[3].se, 0.106815, 5e-7);

  /* log-log bands. [hand] at 6: c = 1.959964 x 0.0890871 / -ln(0.857143) = 0.174606 / 0.154151 = 1.132697;
   * lower = 0.857143^exp(1.132697) = 0.857143^3.104191 = 0.619718, upper = 0.857143^exp(-1.132697) = 0.951552.
   * [R] lower 95% CI / upper 95% CI with conf.type = "log-log": */
  static const double lo[] = {0.619718, 0.563147, 0.503200, 0.431610, 0.367511, 0.267779, 0.188052};
  static const double hi[] = {0.951552, 0.922809, 0.889362, 0.849066, 0.804912, 0.746791, 0.680143};
  for (size_t i = 0; i < 7; i++) {
    check_abs("log-log lower (R)", steps[i].lower, lo[i], 5e-7);
    check_abs("log-log upper (R)", steps[i].upper, hi[i], 5e-7);
  }
  /* median: [hand] S first <= 1/2 at 23 (0.448); the lower band first <= 1/2 at 13 (0.4316), the upper band never
   * (0.680 at 23, the last step): not reached. [R] print(survfit(..., conf.type = "log-log")): 23, 13, NA */
  check_abs("median", r.median, 23, 0);
  check_abs("median lower", r.median_lower, 13, 0);
  check_abs("median upper", r.median_upper, NAN, 0);
  assert_null(r.why_na);
  /* the summary alone, without steps */
  ts_km_result r2;
  assert_int_equal(ts_km(mp_time, mp_event, N_ARM, work, NULL, &r2), 7);
  check_abs("median (no steps)", r2.median, 23, 0);
}

static void test_km_placebo(void **state) {
  (void)state;
  ts_surv_obs work[N_ARM];
  ts_km_step steps[N_ARM];
  ts_km_result r;
  size_t n = ts_km(pl_time, pl_event, N_ARM, work, steps, &r);
  /* [closed] without censoring S(t) is the fraction of times > t: 19/21 at 1, 17 at 2, 16 at 3, 14 at 4, 12 at 5,
   * 8 at 8, 6 at 11, 4 at 12, 3 at 15, 2 at 17, 1 at 22, 0 at 23 */
  static const double t[] = {1, 2, 3, 4, 5, 8, 11, 12, 15, 17, 22, 23};
  static const double above[] = {19, 17, 16, 14, 12, 8, 6, 4, 3, 2, 1, 0};
  assert_int_equal(n, 12);
  for (size_t i = 0; i < n; i++) {
    check_abs("time", steps[i].time, t[i], 0);
    check_abs("S", steps[i].surv, above[i] / 21, 1e-15);
  }
  /* at 0 the variance is not defined: [R] std.err NaN, bands NA */
  check_abs("SE at the end", steps[11].se, NAN, 0);
  check_abs("lower at the end", steps[11].lower, NAN, 0);
  /* [R] log-log bands at 5 and 8 */
  check_abs("lower at 5", steps[4].lower, 0.33797695, 5e-9);
  check_abs("upper at 5", steps[4].upper, 0.749241, 5e-7);
  check_abs("upper at 11", steps[6].upper, 0.481820, 5e-7);
  /* median: [closed] the 11th of the 21 sorted times, 8. [hand] the lower band first <= 1/2 at 4 (0.425), the
   * upper at 11 (0.4818; 0.578 at 8). [R]: 8, 4, 11 */
  check_abs("median", r.median, 8, 0);
  check_abs("median lower", r.median_lower, 4, 0);
  check_abs("median upper", r.median_upper, 11, 0);
}

static void test_km_median_conventions(void **state) {
  (void)state;
  ts_surv_obs work[10];
  ts_km_step steps[10];
  ts_km_result r;
  /* [closed] without censoring the median is the sample median: 1..10 -> 5.5 (S = 1/2 exactly from 5 to 6).
   * [R] survfit(Surv(1:10, rep(1, 10)) ~ 1, conf.type = "log-log"): median 5.5, 0.95LCL 1, 0.95UCL 8 */
  const double t10[] = {7, 2, 9, 1, 10, 4, 3, 8, 6, 5}; /* unsorted on purpose */
  const int e10[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  ts_km(t10, e10, 10, work, steps, &r);
  check_abs("median 1..10", r.median, 5.5, 0);
  check_abs("lower 1..10", r.median_lower, 1, 0);
  check_abs("upper 1..10", r.median_upper, 8, 0);
  check_abs("t10 unchanged", t10[0], 7, 0);
  /* [R] times 1, 2, 3, 4+, 5, 6+: S = 1/2 from 3 to the next event at 5: median 4 */
  const double t6[] = {1, 2, 3, 4, 5, 6};
  const int e6[] = {1, 1, 1, 0, 1, 0};
  ts_km(t6, e6, 6, work, steps, &r);
  check_abs("median midpoint", r.median, 4, 0);
  /* [R] times 1, 2, 3+, 4+: S = 1/2 from 2 to the end: median 2 */
  const double t4[] = {1, 2, 3, 4};
  const int e4[] = {1, 1, 0, 0};
  ts_km(t4, e4, 4, work, steps, &r);
  check_abs("median flat to the end", r.median, 2, 0);
  /* 3 events in 4 at the same time: S jumps from 1 to 1/4 */
  const double tt[] = {5, 5, 5, 9};
  const int et[] = {1, 1, 1, 0};
  assert_int_equal(ts_km(tt, et, 4, work, steps, &r), 1);
  check_abs("tied S", steps[0].surv, 0.25, 0);
  check_abs("tied median", r.median, 5, 0);
  /* not reached: everyone censored, and unusable entries skipped */
  const double tc[] = {3, NAN, 4, INFINITY, 5};
  const int ec[] = {0, 1, 0, 1, 2};
  assert_int_equal(ts_km(tc, ec, 5, work, steps, &r), 0);
  assert_int_equal(r.n, 2);
  assert_int_equal(r.n_events, 0);
  check_abs("median not reached", r.median, NAN, 0);
  check_abs("S without steps", ts_km_surv_at(steps, 0, 100), 1, 0);
  /* nothing usable */
  assert_int_equal(ts_km(NULL, NULL, 0, work, steps, &r), 0);
  assert_string_equal(r.why_na, "no observations");
  check_abs("median of nothing", r.median, NAN, 0);
}

/* ---- log-rank ---------------------------------------------------------------------------------------------------- */

static void test_logrank_gehan(void **state) {
  (void)state;
  pooled p = pool(1);
  ts_surv_obs work[2 * N_ARM];
  ts_logrank_result r = ts_logrank(p.time, p.event, p.group, 2 * N_ARM, work);
  assert_null(r.why_na);
  assert_int_equal(r.n[0], 21);
  assert_int_equal(r.n[1], 21);
  /* [KK] chapter 2: 6-MP 9 observed, 19.25 expected; placebo 21 observed, 10.75 expected; log-rank 16.79 */
  assert_int_equal(r.observed[1], 9);
  assert_int_equal(r.observed[0], 21);
  check_abs("E 6-MP", r.expected[1], 19.25, 5e-3);
  check_abs("E placebo", r.expected[0], 10.75, 5e-3);
  check_abs("chi-square (KK)", r.chisq, 16.79, 5e-3);
  /* [R] survdiff: Expected 10.749499052 19.250500948, var 6.25696057368, chisq 16.7929409892, p 4.16880910933e-05 */
  check_abs("E 6-MP (R)", r.expected[1], 19.250500948, 5e-9);
  check_abs("variance (R)", r.variance, 6.25696057368, 5e-11);
  check_abs("chi-square (R)", r.chisq, 16.7929409892, 5e-10);
  check_rel("p (R)", r.p, 4.16880910933e-05, 1e-9);
  /* the p = 4.2e-5 */
  check_abs("p", r.p, 4.2e-5, 5e-7);
  /* swapping the groups changes nothing but the labels */
  pooled q = pool(0);
  ts_logrank_result s = ts_logrank(q.time, q.event, q.group, 2 * N_ARM, work);
  check_rel("chi-square swapped", s.chisq, r.chisq, 1e-12);
  check_abs("E swapped", s.expected[0], r.expected[1], 1e-12);
}

static void test_logrank_degenerate(void **state) {
  (void)state;
  ts_surv_obs work[4];
  const double t[] = {1, 2, 3, 4};
  const int none[] = {0, 0, 0, 0}, some[] = {1, 0, 1, 0}, g[] = {0, 0, 1, 1}, g0[] = {0, 0, 0, 0};
  assert_string_equal(ts_logrank(t, none, g, 4, work).why_na, "no events");
  ts_logrank_result r = ts_logrank(t, some, g0, 4, work);
  assert_string_equal(r.why_na, "one group is empty");
  check_abs("chisq of one group", r.chisq, NAN, 0);
  /* [hand] events at 1 (group 0; 2 + 2 at risk) and 3 (group 1; 0 + 2 at risk: no information): E1 = 1/2 + 2/2,
   * var = 1 x 1/2 x 1/2 x 3/3 = 1/4 (the event at 3 adds nothing), chisq = (1 - 1.5)^2 / 0.25 = 1 */
  r = ts_logrank(t, some, g, 4, work);
  check_abs("E1", r.expected[1], 1.5, 1e-15);
  check_abs("var", r.variance, 0.25, 1e-15);
  check_abs("chisq", r.chisq, 1.0, 1e-15);
  /* [closed] P(chi-square(1) >= 1) = P(|Z| >= 1) = 0.3173105 (normal table) */
  check_abs("p", r.p, 0.3173105, 5e-8);
}

/* ---- Cox --------------------------------------------------------------------------------------------------------- */

static void test_cox_gehan(void **state) {
  (void)state;
  pooled p = pool(1); /* 6-MP is group 1, placebo the reference */
  ts_surv_obs work[2 * N_ARM];
  ts_cox_result r = ts_cox_binary(p.time, p.event, p.group, 2 * N_ARM, TS_COX_BRESLOW, work);
  assert_null(r.why_na);
  assert_int_equal(r.n, 42);
  assert_int_equal(r.n_events, 30);
  /* [KK] chapter 3, Breslow ties (Rx = placebo): coefficient 1.509, SE 0.410, HR 4.523 (2.027, 10.094),
   * log likelihood -86.380. For 6-MP vs placebo: -1.509, HR 1/4.523 = 0.2211, CI 1/10.094 = 0.0991 to
   * 1/2.027 = 0.4933; the HR 0.221 */
  check_abs("beta (KK)", r.beta, -1.509, 5e-4);
  check_abs("se (KK)", r.se, 0.410, 5e-4);
  check_abs("HR (issue)", r.hr, 0.221, 5e-4);
  check_abs("1/HR (KK)", 1 / r.hr, 4.523, 5e-4);
  check_abs("1/lower (KK)", 1 / r.hr_lower, 10.094, 5e-4);
  check_abs("1/upper (KK)", 1 / r.hr_upper, 2.027, 5e-4);
  check_abs("log likelihood (KK)", r.loglik, -86.380, 5e-4);
  /* [R] coxph(ties = "breslow"): coef -1.50919141259, se 0.409564406367, z -3.68487, p 0.00022882,
   * lower .95 0.09907057, upper .95 0.4933877, loglik -93.9850504782 (beta = 0) and -86.3796220711 */
  check_abs("beta (R)", r.beta, -1.50919141259, 1e-9);
  check_abs("se (R)", r.se, 0.409564406367, 1e-9);
  check_abs("z (R)", r.z, -3.68487, 5e-6);
  check_rel("p (R)", r.p, 0.00022882, 3e-5);
  check_rel("lower (R)", r.hr_lower, 0.09907057, 1e-7);
  check_rel("upper (R)", r.hr_upper, 0.4933877, 1e-7);
  check_abs("loglik0 (R)", r.loglik0, -93.9850504782, 1e-9);
  check_abs("loglik (R)", r.loglik, -86.3796220711, 1e-9);
  assert_true(r.iterations >= 2 && r.iterations <= 10);
  /* [R] coxph(ties = "efron"), R's default: coef -1.57212514883, se 0.412396717709 */
  ts_cox_result ef = ts_cox_binary(p.time, p.event, p.group, 2 * N_ARM, TS_COX_EFRON, work);
  check_abs("beta Efron (R)", ef.beta, -1.57212514883, 1e-9);
  check_abs("se Efron (R)", ef.se, 0.412396717709, 1e-9);
  /* the other coding gives the opposite coefficient and the same SE */
  pooled q = pool(0);
  ts_cox_result s = ts_cox_binary(q.time, q.event, q.group, 2 * N_ARM, TS_COX_BRESLOW, work);
  check_abs("beta swapped", s.beta, -r.beta, 1e-9);
  check_abs("se swapped", s.se, r.se, 1e-9);
}

static void test_cox_small_and_degenerate(void **state) {
  (void)state;
  ts_surv_obs work[5];
  /* [closed] two subjects, event times 1 (group 1) and 2 (group 0), no ties: the partial likelihood is
   * e^b / (1 + e^b) at time 1 (and 1 at time 2), increasing in b without bound: no finite estimate */
  const double t2[] = {1, 2};
  const int e2[] = {1, 1}, g2[] = {1, 0};
  ts_cox_result r = ts_cox_binary(t2, e2, g2, 2, TS_COX_BRESLOW, work);
  assert_non_null(r.why_na);
  assert_non_null(strstr(r.why_na, "monotone likelihood"));
  check_abs("beta monotone", r.beta, NAN, 0);
  /* and the other way round: the group-1 event comes when group 0 has left, so l(b) increases as b -> -inf */
  const int g2r[] = {0, 1};
  r = ts_cox_binary(t2, e2, g2r, 2, TS_COX_BRESLOW, work);
  assert_non_null(r.why_na);
  assert_non_null(strstr(r.why_na, "monotone likelihood"));
  assert_int_equal(r.iterations, 0);
  /* [closed] one event time with ties: 3 + 2 at risk, one event in each group, the rest censored later. Breslow's
   * l(b) = d1 b - d ln(r0 + r1 e^b) = b - 2 ln(3 + 2 e^b); l'(b) = 1 - 4 e^b / (3 + 2 e^b) = 0 at e^b = d1 r0 / (d0 r1)
   * = 3/2; information d f (1 - f) with f = r1 e^b / (r0 + r1 e^b) = 1/2: 2 x 1/4 = 1/2, SE = sqrt(2).
   * (Efron's approximation would give another estimate: this checks the ties.) */
  const double t5[] = {1, 2, 2, 1, 2};
  const int e5[] = {1, 0, 0, 1, 0}, g5[] = {0, 0, 0, 1, 1};
  r = ts_cox_binary(t5, e5, g5, 5, TS_COX_BRESLOW, work);
  assert_null(r.why_na);
  check_abs("beta ties", r.beta, log(1.5), 1e-12);
  check_abs("se ties", r.se, sqrt(2.0), 1e-12);
  check_abs("loglik ties", r.loglik, log(1.5) - 2 * log(6.0), 1e-12);
  check_abs("loglik0 ties", r.loglik0, -2 * log(5.0), 1e-12);
  check_abs("z ties", r.z, log(1.5) / sqrt(2.0), 1e-12);
  /* [closed] two-sided normal p of z = 0.2867: 2 (1 - Phi(0.28671)) = 2 (1 - 0.61283) = 0.77434 (normal table,
   * interpolated) */
  check_abs("p ties", r.p, 0.77434, 5e-5);
  /* [closed] Efron: l(b) = b - ln S - ln(S - T/2) with S = 3 + 2u, T = 1 + u, u = e^b, so S - T/2 = 2.5 + 1.5u;
   * l'(b) = 1 - 2u / (3 + 2u) - 1.5u / (2.5 + 1.5u) = 0 gives (3 + 2u)(2.5 + 1.5u) = 2u (2.5 + 1.5u) + 1.5u (3 + 2u),
   * i.e. 7.5 = 3u^2: u = sqrt(2.5), b = ln(2.5) / 2; information f1 (1 - f1) + f2 (1 - f2) with the two fractions */
  r = ts_cox_binary(t5, e5, g5, 5, TS_COX_EFRON, work);
  assert_null(r.why_na);
  double u = sqrt(2.5), f1 = 2 * u / (3 + 2 * u), f2 = 1.5 * u / (2.5 + 1.5 * u);
  check_abs("beta Efron", r.beta, 0.5 * log(2.5), 1e-12);
  check_abs("se Efron", r.se, 1 / sqrt(f1 * (1 - f1) + f2 * (1 - f2)), 1e-12);
  check_abs("loglik Efron", r.loglik, 0.5 * log(2.5) - log(3 + 2 * u) - log(2.5 + 1.5 * u), 1e-12);
  const double t4[] = {1, 2, 3, 4};
  const int e4[] = {1, 1, 1, 1}, g4[] = {1, 0, 1, 0};
  const int none[] = {0, 0, 0, 0}, all0[] = {0, 0, 0, 0};
  assert_string_equal(ts_cox_binary(t4, none, g4, 4, TS_COX_BRESLOW, work).why_na, "no events");
  assert_string_equal(ts_cox_binary(t4, e4, all0, 4, TS_COX_BRESLOW, work).why_na, "one group is empty");
}

/* ---- incomplete beta and Clopper-Pearson ------------------------------------------------------------------------ */

/* P(X <= k) for X ~ Binomial(n, p) by summing the probabilities, with libm's lgamma for the binomial coefficients
 * (independent of ts_log_gamma and of the continued fraction). */
static double binom_cdf(int k, int n, double p) {
  double s = 0.0;
  for (int i = 0; i <= k; i++)
    s += exp(lgamma(n + 1.0) - lgamma(i + 1.0) - lgamma(n - i + 1.0) + i * log(p) + (n - i) * log1p(-p));
  return s;
}

static void test_clopper_pearson(void **state) {
  (void)state;
  /* [R] binom.test(7, 20)$conf.int: 0.153909204785 0.592188534533; the issue: [0.1539, 0.5922] */
  ts_proportion r = ts_clopper_pearson(7, 20, 0.95);
  check_abs("p", r.p, 0.35, 1e-15);
  check_abs("lower 7/20", r.lower, 0.1539, 5e-5);
  check_abs("upper 7/20", r.upper, 0.5922, 5e-5);
  check_abs("lower 7/20 (R)", r.lower, 0.153909204785, 1e-11);
  check_abs("upper 7/20 (R)", r.upper, 0.592188534533, 1e-11);
  /* [closed] the definition: P(X >= 7 | lower) = 0.025 and P(X <= 7 | upper) = 0.025 */
  check_abs("tail at lower", 1 - binom_cdf(6, 20, r.lower), 0.025, 1e-12);
  check_abs("tail at upper", binom_cdf(7, 20, r.upper), 0.025, 1e-12);
  /* [R] binom.test(50, 137): 0.284441823471 0.451459910198 */
  r = ts_clopper_pearson(50, 137, 0.95);
  check_abs("lower 50/137 (R)", r.lower, 0.284441823471, 1e-11);
  check_abs("upper 50/137 (R)", r.upper, 0.451459910198, 1e-11);
  /* [closed] k = 0: upper = 1 - (alpha/2)^(1/n); k = n: lower = (alpha/2)^(1/n). [R] 0/20: 0.168433470983 */
  r = ts_clopper_pearson(0, 20, 0.95);
  check_abs("lower 0/20", r.lower, 0, 0);
  check_abs("upper 0/20", r.upper, 1 - pow(0.025, 1.0 / 20), 1e-13);
  check_abs("upper 0/20 (R)", r.upper, 0.168433470983, 1e-11);
  r = ts_clopper_pearson(20, 20, 0.95);
  check_abs("lower 20/20", r.lower, pow(0.025, 1.0 / 20), 1e-13);
  check_abs("upper 20/20", r.upper, 1, 0);
  r = ts_clopper_pearson(1, 1, 0.95);
  check_abs("lower 1/1", r.lower, 0.025, 1e-13);
  /* a large trial, by the definition: 123 of 1000 at 90% */
  r = ts_clopper_pearson(123, 1000, 0.90);
  check_abs("tail at lower 123/1000", 1 - binom_cdf(122, 1000, r.lower), 0.05, 1e-10);
  check_abs("tail at upper 123/1000", binom_cdf(123, 1000, r.upper), 0.05, 1e-10);
  /* nothing to estimate */
  r = ts_clopper_pearson(0, 0, 0.95);
  check_abs("p of 0/0", r.p, NAN, 0);
  check_abs("lower of 0/0", r.lower, NAN, 0);
  check_abs("k > n", ts_clopper_pearson(3, 2, 0.95).lower, NAN, 0);
}

static void test_beta_inc(void **state) {
  (void)state;
  static const double xs[] = {1e-6, 0.01, 0.2, 0.5, 0.77, 0.99, 1 - 1e-9};
  for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
    double x = xs[i];
    /* [closed] I_x(1, 1) = x; I_x(a, 1) = x^a; I_x(1, b) = 1 - (1 - x)^b */
    check_rel("I(1,1)", ts_beta_inc(1, 1, x), x, 1e-13);
    check_rel("I(3.5,1)", ts_beta_inc(3.5, 1, x), pow(x, 3.5), 1e-12);
    check_rel("I(1,2.5)", ts_beta_inc(1, 2.5, x), -expm1(2.5 * log1p(-x)), 1e-12);
    /* [closed] for whole a, b: I_x(a, b) = P(Binomial(a + b - 1, x) >= a) */
    check_abs("I(4,7)", ts_beta_inc(4, 7, x), 1 - binom_cdf(3, 10, x), 1e-14);
    check_abs("I(40,70)", ts_beta_inc(40, 70, x), 1 - binom_cdf(39, 109, x), 1e-12);
    /* [closed] symmetry I_x(a, b) = 1 - I_(1-x)(b, a) */
    check_abs("symmetry", ts_beta_inc(2.3, 0.7, x) + ts_beta_inc(0.7, 2.3, 1 - x), 1, 1e-13);
  }
  /* [closed] I_(1/2)(a, a) = 1/2 */
  check_abs("I(a,a) at 1/2", ts_beta_inc(17.5, 17.5, 0.5), 0.5, 1e-13);
  check_abs("I at 0", ts_beta_inc(2, 3, 0), 0, 0);
  check_abs("I at 1", ts_beta_inc(2, 3, 1), 1, 0);
  check_abs("I of a = 0", ts_beta_inc(0, 3, 0.5), NAN, 0);
  /* quantiles invert it */
  double q = ts_beta_quantile(4, 7, 0.3);
  check_abs("quantile", ts_beta_inc(4, 7, q), 0.3, 1e-14);
  check_abs("quantile of 1,1", ts_beta_quantile(1, 1, 0.123), 0.123, 1e-15);
  check_abs("small quantile inverts", ts_beta_inc(2, 50, ts_beta_quantile(2, 50, 1e-9)) / 1e-9, 1, 1e-9);
  /* [closed] ln Gamma against libm: ln Gamma(1) = 0, ln Gamma(1/2) = ln sqrt(pi), ln 9! */
  check_abs("lgamma(1)", ts_log_gamma(1), 0, 1e-14);
  check_abs("lgamma(1/2)", ts_log_gamma(0.5), 0.5 * log(3.14159265358979323846), 1e-14);
  check_rel("lgamma(10)", ts_log_gamma(10), log(362880.0), 1e-14);
  static const double gs[] = {1e-3, 0.3, 2.5, 7.25, 33, 171.5, 1e4, 1e7};
  for (size_t i = 0; i < sizeof gs / sizeof gs[0]; i++)
    check_abs("lgamma vs libm", ts_log_gamma(gs[i]), lgamma(gs[i]), 1e-13 * fmax(1, fabs(lgamma(gs[i]))));
}

/* ---- grades and descriptions ------------------------------------------------------------------------------------ */

static void test_grade_rates(void **state) {
  (void)state;
  /* [hand] 10 usable grades: 0 x 4, 1 x 1, 2 x 2, 3 x 1, 4 x 1, 5 x 1; -1 (not computed) and 6 skipped */
  const int g[] = {0, 3, 0, 2, -1, 4, 0, 2, 5, 1, 6, 0};
  ts_grade_rates r = ts_grade_rates_of(g, 12);
  assert_int_equal(r.n, 10);
  static const size_t count[] = {4, 1, 2, 1, 1, 1};
  for (int i = 0; i < 6; i++) {
    assert_int_equal(r.count[i], count[i]);
    check_abs("rate", r.rate[i], count[i] / 10.0, 1e-15);
  }
  ts_grade_rates e = ts_grade_rates_of(NULL, 0);
  assert_int_equal(e.n, 0);
  check_abs("rate of nothing", e.rate[3], NAN, 0);
}

static void test_describe(void **state) {
  (void)state;
  double work[12];
  /* [closed] 1..10: mean 5.5, SD sqrt(sum (i - 5.5)^2 / 9) = sqrt(82.5 / 9) = 3.0276504; median 5.5; definition 7:
   * h = 9 x 0.025 = 0.225 -> 1 + 0.225 = 1.225, h = 9 x 0.975 = 8.775 -> 9 + 0.775 = 9.775 (R: quantile(1:10,
   * c(0.025, 0.975)) gives 1.225 9.775) */
  const double x[] = {10, 3, NAN, 1, 4, 2, 9, 5, 6, 8, INFINITY, 7};
  ts_describe_result r = ts_describe(x, 12, work);
  assert_int_equal(r.n, 10);
  check_abs("mean", r.mean, 5.5, 1e-15);
  check_abs("sd", r.sd, sqrt(82.5 / 9), 1e-14);
  check_abs("median", r.median, 5.5, 1e-15);
  check_abs("p025", r.p025, 1.225, 1e-14);
  check_abs("p975", r.p975, 9.775, 1e-14);
  check_abs("min", r.min, 1, 0);
  check_abs("max", r.max, 10, 0);
  check_abs("x unchanged", x[0], 10, 0);
  /* [closed] two-pass SD keeps precision far from 0: 1e9 + {1, 2, 3} has SD 1 */
  const double big[] = {1e9 + 1, 1e9 + 2, 1e9 + 3};
  check_abs("sd far from 0", ts_describe(big, 3, work).sd, 1, 1e-12);
  ts_describe_result one = ts_describe(x, 1, work);
  check_abs("sd of one", one.sd, NAN, 0);
  check_abs("median of one", one.median, 10, 0);
  check_abs("quantile of nothing", ts_quantile_sorted(work, 0, 0.5), NAN, 0);
  /* [closed] chi-square(1) upper tail at the tabulated 5% and 1% points 3.841459 and 6.634897 */
  check_abs("chi2 5%", ts_chisq1_upper(3.841459), 0.05, 5e-8);
  check_abs("chi2 1%", ts_chisq1_upper(6.634897), 0.01, 5e-8);
  check_abs("chi2 0", ts_chisq1_upper(0), 1, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_km_6mp),
      cmocka_unit_test(test_km_placebo),
      cmocka_unit_test(test_km_median_conventions),
      cmocka_unit_test(test_logrank_gehan),
      cmocka_unit_test(test_logrank_degenerate),
      cmocka_unit_test(test_cox_gehan),
      cmocka_unit_test(test_cox_small_and_degenerate),
      cmocka_unit_test(test_clopper_pearson),
      cmocka_unit_test(test_beta_inc),
      cmocka_unit_test(test_grade_rates),
      cmocka_unit_test(test_describe),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
