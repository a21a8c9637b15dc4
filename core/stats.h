/* Trial statistics of a virtual trial, per arm and between arms: Kaplan-Meier survival with Greenwood variance,
 * log-log pointwise confidence intervals and the median with its Brookmeyer-Crowley interval; the log-rank test;
 * a Cox proportional-hazards model of one binary covariate (the arm); exact binomial (Clopper-Pearson) intervals of a
 * proportion (the objective response rate); rates of the worst toxicity grade; and the distribution of per-patient
 * treatment effects in a paired design. docs/statistics.md gives every definition, formula, method choice and source;
 * tests/core/test_stats.c checks them against published worked examples.
 *
 * Every function is pure: no I/O, no global state, no allocation of its own (the C library's qsort may use a
 * temporary buffer), callable from any thread. Memory is the caller's: a function that sorts takes a work array of at
 * least as many entries as its input and leaves the input untouched.
 * Input that is not usable is skipped, as if it had not been given: a time or value that is NaN or infinite, an event
 * indicator other than 0 or 1, a group other than 0 or 1, a grade outside 0..5. A NULL array with n = 0 is empty.
 * A number that cannot be computed is NAN; where a whole result is missing, its `why_na` says why in a few words
 * ("no events"), and is NULL when the result is there. Confidence intervals are 95% (two-sided) unless a level is
 * passed. */
#ifndef TWINSIM_CORE_STATS_H
#define TWINSIM_CORE_STATS_H

#include <stddef.h>

/* The 97.5th percentile of the standard normal distribution, z for 95% two-sided intervals. */
#define TS_STATS_Z95 1.959963984540054

/* One observation of a time to event, in the work arrays of the survival functions. */
typedef struct ts_surv_obs {
  double time;
  int event; /* 1 the event happened at `time`, 0 censored at `time` */
  int group; /* 0 or 1; 0 where the function has one group */
} ts_surv_obs;

/* ---- Kaplan-Meier ------------------------------------------------------------------------------------------ */

/* One step of the Kaplan-Meier curve, at a time at which at least one event happened. */
typedef struct ts_km_step {
  double time;         /* the event time */
  size_t n_risk;       /* subjects at risk just before it: those with a time >= this time */
  size_t n_event;      /* events at this time */
  double surv;         /* S(time), the estimate from this time until the next step */
  double se;           /* Greenwood standard error of surv; NAN where surv is 0 */
  double lower, upper; /* pointwise 95% confidence interval by the log(-log S) transform; NAN where surv is 0 */
} ts_km_step;

typedef struct ts_km_result {
  size_t n;            /* observations used */
  size_t n_events;     /* events among them */
  size_t n_steps;      /* distinct event times: steps written */
  double median;       /* median survival time; NAN when S does not reach 1/2 (not reached) */
  double median_lower; /* its 95% confidence interval (Brookmeyer-Crowley by the same log-log transform), */
  double median_upper; /* each NAN when the band does not reach 1/2 */
  const char *why_na;  /* NULL, or "no observations" when n is 0 */
} ts_km_result;

/* The Kaplan-Meier estimate of the survival function from time[i], event[i] (i < n). Censored subjects are at risk at
 * their own time (censoring follows events at the same time). Writes one ts_km_step per distinct event time, in
 * increasing time, to `steps` (capacity n; NULL to get the summary only) and returns their number; fills *out (not
 * NULL). `work` holds at least n entries. The median is the first time at which S <= 1/2; if S equals 1/2 exactly
 * (within 1e-10) from one step to the next, it is the midpoint of the two step times, so with no censoring it is the
 * ordinary sample median. The median's interval runs from the first time the lower band is <= 1/2 to the first
 * time the upper band is. */
size_t ts_km(const double *time, const int *event, size_t n, ts_surv_obs *work, ts_km_step *steps, ts_km_result *out);

/* S(t) of a curve from ts_km: the surv of the last step with time <= t, 1 before the first step. */
double ts_km_surv_at(const ts_km_step *steps, size_t n_steps, double t);

/* ---- two groups: log-rank test and Cox model ----------------------------------------------------------------- */

typedef struct ts_logrank_result {
  size_t n[2];        /* observations used in groups 0 and 1 */
  size_t observed[2]; /* events */
  double expected[2]; /* expected events under equal hazards */
  double variance;    /* hypergeometric variance of observed[1] - expected[1] */
  double chisq;       /* (observed[1] - expected[1])^2 / variance, chi-square with 1 degree of freedom */
  double p;           /* its upper tail probability */
  const char *why_na; /* NULL, or why chisq and p are NAN: "no events", "one group is empty" */
} ts_logrank_result;

/* The log-rank (Mantel-Haenszel) test of equal survival in groups 0 and 1: observation i has time[i], event[i] and
 * group[i]. `work` holds at least n entries. */
ts_logrank_result ts_logrank(const double *time, const int *event, const int *group, size_t n, ts_surv_obs *work);

typedef struct ts_cox_result {
  size_t n, n_events;
  double beta;     /* log hazard ratio of group 1 relative to group 0 */
  double se;       /* its standard error, 1 / sqrt(observed information at beta) */
  double hr;       /* exp(beta) */
  double hr_lower; /* Wald 95% interval exp(beta -+ z se) */
  double hr_upper;
  double z, p;        /* Wald test of beta = 0: z = beta / se, two-sided p */
  double loglik0;     /* log partial likelihood at beta = 0 */
  double loglik;      /* at the estimate */
  int iterations;     /* Newton-Raphson iterations */
  const char *why_na; /* NULL, or why the estimate is NAN: "no events", "one group is empty", "no finite
                         estimate (monotone likelihood): ...", "Newton-Raphson did not converge" */
} ts_cox_result;

/* How tied event times enter the partial likelihood. */
typedef enum ts_cox_ties {
  TS_COX_BRESLOW = 0, /* Breslow (1974): every tied event sees the whole risk set */
  TS_COX_EFRON = 1    /* Efron (1977): the tied events leave the risk set by fractions, a closer approximation to the
                         exact partial likelihood when many events share a time (R's default) */
} ts_cox_ties;

/* The Cox proportional-hazards model h(t) = h0(t) exp(beta x) with x = group[i], fitted by maximising the partial
 * likelihood (with Breslow's or Efron's handling of tied event times) by Newton-Raphson from beta = 0, halving a
 * step that does not increase the likelihood, until a step is below 1e-10 (1 + |beta|). A finite estimate exists
 * only if, at some event time, a group-0 event happens while group 1 is at risk, and a group-1 event while group 0
 * is at risk; otherwise why_na says so and nothing is iterated. `work` holds at least n entries. Breslow's
 * approximation biases beta towards 0 when many events are tied (e.g. progression dated at scheduled scans). */
ts_cox_result ts_cox_binary(const double *time, const int *event, const int *group, size_t n, ts_cox_ties ties,
                            ts_surv_obs *work);

/* ---- proportions ----------------------------------------------------------------------------------------------- */

typedef struct ts_proportion {
  size_t k, n;         /* successes out of trials */
  double p;            /* k / n; NAN when n is 0 */
  double lower, upper; /* Clopper-Pearson (exact) interval; NAN when n is 0 */
} ts_proportion;

/* k successes out of n with the Clopper-Pearson interval at the given level (0.95): lower is the alpha/2 quantile of
 * Beta(k, n - k + 1) (0 when k is 0), upper the 1 - alpha/2 quantile of Beta(k + 1, n - k) (1 when k is n),
 * alpha = 1 - level. k > n or a level outside (0, 1) gives NAN bounds. */
ts_proportion ts_clopper_pearson(size_t k, size_t n, double level);

/* The regularised incomplete beta function I_x(a, b), a, b > 0, 0 <= x <= 1 (NAN otherwise), by its continued
 * fraction (Abramowitz & Stegun 26.5.8) evaluated with the modified Lentz method; relative accuracy about 1e-14. */
double ts_beta_inc(double a, double b, double x);

/* The x in [0, 1] with I_x(a, b) = p, by bisection on ts_beta_inc down to the spacing of doubles (NAN for a or
 * b <= 0, or p outside [0, 1]). */
double ts_beta_quantile(double a, double b, double p);

/* ln Gamma(x) for x > 0 (Lanczos approximation, relative accuracy about 1e-15); NAN for x <= 0. Unlike lgamma, it
 * writes no global (signgam). */
double ts_log_gamma(double x);

/* ---- toxicity grades ------------------------------------------------------------------------------------------- */

typedef struct ts_grade_rates {
  size_t n;        /* patients with a grade 0..5 */
  size_t count[6]; /* patients whose worst grade is 0, 1, ..., 5 */
  double rate[6];  /* count / n; NAN when n is 0 */
} ts_grade_rates;

/* The distribution of the worst CTCAE grade per patient: grade[i] is patient i's worst grade; values outside 0..5
 * (e.g. -1, not computed) are skipped. */
ts_grade_rates ts_grade_rates_of(const int *grade, size_t n);

/* ---- per-patient treatment effects --------------------------------------------------------------------------- */

typedef struct ts_describe_result {
  size_t n;          /* values used */
  double mean;       /* NAN when n is 0 */
  double sd;         /* sample standard deviation (n - 1 in the denominator); NAN when n < 2 */
  double median;     /* the 0.5 quantile */
  double p025, p975; /* the 0.025 and 0.975 quantiles: the central 95% of the values */
  double min, max;
} ts_describe_result;

/* Mean, standard deviation, median, 2.5th and 97.5th percentiles, minimum and maximum of x[0..n), e.g. the
 * per-patient differences of an endpoint between two arms of a paired design. Quantiles interpolate linearly
 * between order statistics (Hyndman & Fan's definition 7, R's default): with the usable values sorted,
 * x(1) <= ... <= x(m), the q quantile is x(j) + g (x(j+1) - x(j)) with h = (m - 1) q, j = floor(h) + 1, g = h - floor
 * h. `work` holds at least n doubles. */
ts_describe_result ts_describe(const double *x, size_t n, double *work);

/* The q quantile (0 <= q <= 1, definition 7 above) of sorted[0..n), sorted increasingly; NAN when n is 0. */
double ts_quantile_sorted(const double *sorted, size_t n, double q);

/* Upper tail probability of the chi-square distribution with 1 degree of freedom, P(X >= x) = erfc(sqrt(x / 2)). */
double ts_chisq1_upper(double x);

#endif
