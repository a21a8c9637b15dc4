/* Trial statistics: see stats.h; definitions, formulas and sources in docs/statistics.md.
 *
 * The survival functions copy the usable observations into the caller's work array, sort it by time and walk it
 * once per pass in blocks of equal times. Counts are kept as size_t and turned into doubles only in the formulas. */
#include "stats.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

#define HALF_TOLERANCE 1e-10 /* S within this of 1/2 is taken as equal to it (the median's flat segment) */
#define COX_MAX_ITER   100
#define COX_MAX_HALVE  60
#define BETA_CF_EPS    1e-15
#define BETA_CF_TINY   1e-300
#define BETA_CF_MAX    100000
#define PI             3.14159265358979323846

/* ---- sorting ----------------------------------------------------------------------------------------------------- */

static int by_time(const void *pa, const void *pb) {
  const ts_surv_obs *a = pa, *b = pb;
  return (a->time > b->time) - (a->time < b->time);
}

static int by_value(const void *pa, const void *pb) {
  double a = *(const double *)pa, b = *(const double *)pb;
  return (a > b) - (a < b);
}

/* Copies the usable observations (finite time, event 0 or 1, group 0 or 1 when groups are given) to work, sorted by
 * time; returns their number. */
static size_t collect(const double *time, const int *event, const int *group, size_t n, ts_surv_obs *work) {
  size_t m = 0;
  if (!time || !event || !work)
    return 0;
  for (size_t i = 0; i < n; i++) {
    int g = group ? group[i] : 0;
    if (!isfinite(time[i]) || (event[i] != 0 && event[i] != 1) || (g != 0 && g != 1))
      continue;
    work[m++] = (ts_surv_obs){.time = time[i], .event = event[i], .group = g};
  }
  qsort(work, m, sizeof *work, by_time);
  return m;
}

/* ---- Kaplan-Meier ------------------------------------------------------------------------------------------------ */

/* The first time a curve (the estimate or one of its bands) reaches 1/2, found step by step. With `midpoint`, a
 * curve that equals 1/2 from one step to the next gives the midpoint of the two step times. */
typedef struct half_search {
  int midpoint;
  int found;
  int pending; /* the curve equals 1/2 since pending_time */
  double pending_time;
  double time;
} half_search;

static void half_step(half_search *h, double t, double value) {
  if (h->found || isnan(value))
    return;
  if (h->pending) { /* any later step lies below 1/2 */
    h->time = (h->pending_time + t) / 2;
    h->found = 1;
  } else if (h->midpoint && fabs(value - 0.5) <= HALF_TOLERANCE) {
    h->pending = 1;
    h->pending_time = t;
  } else if (value <= 0.5) {
    h->time = t;
    h->found = 1;
  }
}

static double half_result(const half_search *h) {
  return h->found ? h->time : h->pending ? h->pending_time : NAN;
}

size_t ts_km(const double *time, const int *event, size_t n, ts_surv_obs *work, ts_km_step *steps, ts_km_result *out) {
  *out = (ts_km_result){.median = NAN, .median_lower = NAN, .median_upper = NAN};
  size_t m = collect(time, event, NULL, n, work);
  out->n = m;
  if (m == 0) {
    out->why_na = "no observations";
    return 0;
  }
  half_search est = {.midpoint = 1}, low = {0}, up = {0};
  size_t at_risk = m, n_steps = 0;
  double surv = 1.0, log_surv = 0.0, greenwood = 0.0; /* greenwood: sum of d / (n (n - d)) */
  for (size_t i = 0; i < m;) {
    size_t j = i, d = 0;
    while (j < m && work[j].time == work[i].time)
      d += (size_t)work[j++].event;
    if (d > 0) {
      ts_km_step s = {.time = work[i].time, .n_risk = at_risk, .n_event = d};
      if (d < at_risk) {
        double nr = (double)at_risk, dd = (double)d;
        surv *= (nr - dd) / nr;
        log_surv += log1p(-dd / nr);
        greenwood += dd / (nr * (nr - dd));
        s.surv = surv;
        s.se = surv * sqrt(greenwood);
        /* log(-log S) has standard error sqrt(greenwood) / |log S| (delta method) */
        double c = TS_STATS_Z95 * sqrt(greenwood) / -log_surv;
        s.lower = exp(log_surv * exp(c));
        s.upper = exp(log_surv * exp(-c));
      } else { /* everyone left has the event: the curve ends at 0, where the variance is not defined */
        surv = 0.0;
        s.surv = 0.0;
        s.se = s.lower = s.upper = NAN;
      }
      half_step(&est, s.time, s.surv);
      half_step(&low, s.time, s.lower);
      half_step(&up, s.time, s.upper);
      if (steps)
        steps[n_steps] = s;
      n_steps++;
      out->n_events += d;
    }
    at_risk -= j - i;
    i = j;
  }
  out->n_steps = n_steps;
  out->median = half_result(&est);
  out->median_lower = half_result(&low);
  out->median_upper = half_result(&up);
  return n_steps;
}

double ts_km_surv_at(const ts_km_step *steps, size_t n_steps, double t) {
  if (isnan(t))
    return NAN;
  double s = 1.0;
  for (size_t i = 0; i < n_steps && steps[i].time <= t; i++)
    s = steps[i].surv;
  return s;
}

/* ---- log-rank ---------------------------------------------------------------------------------------------------- */

/* One block of equal times of a sorted work array: the events of each group and the count of each group. */
typedef struct time_block {
  size_t end;            /* one past the block's last observation */
  size_t d[2], count[2]; /* events and observations of groups 0 and 1 at this time */
} time_block;

static time_block block_at(const ts_surv_obs *w, size_t m, size_t i) {
  time_block b = {.end = i};
  while (b.end < m && w[b.end].time == w[i].time) {
    const ts_surv_obs *o = &w[b.end++];
    b.count[o->group]++;
    b.d[o->group] += (size_t)o->event;
  }
  return b;
}

ts_logrank_result ts_logrank(const double *time, const int *event, const int *group, size_t n, ts_surv_obs *work) {
  ts_logrank_result r = {.chisq = NAN, .p = NAN};
  size_t m = collect(time, event, group, n, work);
  for (size_t i = 0; i < m; i++)
    r.n[work[i].group]++;
  double risk[2] = {(double)r.n[0], (double)r.n[1]}, e1 = 0.0, var = 0.0;
  for (size_t i = 0; i < m;) {
    time_block b = block_at(work, m, i);
    double d = (double)(b.d[0] + b.d[1]), total = risk[0] + risk[1];
    if (d > 0) {
      e1 += d * risk[1] / total;
      if (total > 1)
        var += d * (risk[0] / total) * (risk[1] / total) * (total - d) / (total - 1);
    }
    r.observed[0] += b.d[0];
    r.observed[1] += b.d[1];
    risk[0] -= (double)b.count[0];
    risk[1] -= (double)b.count[1];
    i = b.end;
  }
  r.expected[1] = e1;
  r.expected[0] = (double)(r.observed[0] + r.observed[1]) - e1;
  r.variance = var;
  if (r.n[0] == 0 || r.n[1] == 0)
    r.why_na = "one group is empty";
  else if (r.observed[0] + r.observed[1] == 0)
    r.why_na = "no events";
  else if (!(var > 0))
    r.why_na = "no event while both groups are at risk";
  else {
    double dev = (double)r.observed[1] - e1;
    r.chisq = dev * dev / var;
    r.p = ts_chisq1_upper(r.chisq);
  }
  return r;
}

/* ---- Cox proportional hazards ------------------------------------------------------------------------------------ */

/* The log partial likelihood at beta, its first derivative (score) and minus its second (information), walking the
 * sorted observations from the latest time back so that the risk set (time >= t) grows. At an event time with r0 + r1
 * at risk and d0 + d1 events, S = r0 + r1 e^b sums the risk scores and T = d0 + d1 e^b those of the events.
 * Breslow: d1 b - d ln S. Efron: d1 b - sum_{k<d} ln(S - (k/d) T). With x binary, S'' = S' = r1 e^b and T'' = T'. */
static void cox_eval(const ts_surv_obs *w, size_t m, double beta, ts_cox_ties ties, double *ll, double *score,
                     double *info) {
  double eb = exp(beta), risk[2] = {0, 0};
  *ll = *score = *info = 0.0;
  for (size_t j = m; j > 0;) {
    size_t i = j;
    double d[2] = {0, 0};
    while (i > 0 && w[i - 1].time == w[j - 1].time) {
      const ts_surv_obs *o = &w[--i];
      risk[o->group] += 1;
      d[o->group] += o->event;
    }
    double dt = d[0] + d[1];
    if (dt > 0) {
      double sum = risk[0] + risk[1] * eb, dsum = risk[1] * eb;
      *ll += d[1] * beta;
      *score += d[1];
      if (ties == TS_COX_EFRON && dt > 1) {
        double tied = d[0] + d[1] * eb, dtied = d[1] * eb;
        for (double k = 0; k < dt; k++) {
          double den = sum - k / dt * tied, frac = (dsum - k / dt * dtied) / den;
          *ll -= log(den);
          *score -= frac;
          *info += frac * (1 - frac);
        }
      } else {
        double frac = dsum / sum;
        *ll -= dt * log(sum);
        *score -= dt * frac;
        *info += dt * frac * (1 - frac);
      }
    }
    j = i;
  }
}

ts_cox_result ts_cox_binary(const double *time, const int *event, const int *group, size_t n, ts_cox_ties ties,
                            ts_surv_obs *work) {
  ts_cox_result r = {.beta = NAN,
                     .se = NAN,
                     .hr = NAN,
                     .hr_lower = NAN,
                     .hr_upper = NAN,
                     .z = NAN,
                     .p = NAN,
                     .loglik0 = NAN,
                     .loglik = NAN};
  size_t m = collect(time, event, group, n, work);
  r.n = m;
  /* existence of a finite estimate: the score goes from > 0 (beta -> -inf) to < 0 (beta -> +inf) only if a group-1
   * event happens while group 0 is at risk, and a group-0 event while group 1 is at risk */
  size_t total[2] = {0, 0}, risk[2];
  for (size_t i = 0; i < m; i++)
    total[work[i].group]++;
  risk[0] = total[0];
  risk[1] = total[1];
  int event1_vs0 = 0, event0_vs1 = 0;
  for (size_t i = 0; i < m;) {
    time_block b = block_at(work, m, i);
    r.n_events += b.d[0] + b.d[1];
    event1_vs0 |= b.d[1] > 0 && risk[0] > 0;
    event0_vs1 |= b.d[0] > 0 && risk[1] > 0;
    risk[0] -= b.count[0];
    risk[1] -= b.count[1];
    i = b.end;
  }
  if (total[0] == 0 || total[1] == 0) {
    r.why_na = "one group is empty";
    return r;
  }
  if (r.n_events == 0) {
    r.why_na = "no events";
    return r;
  }
  if (!event1_vs0 || !event0_vs1) {
    r.why_na = !event0_vs1 ? "no finite estimate (monotone likelihood): no reference-group event while the other "
                             "group is at risk"
                           : "no finite estimate (monotone likelihood): no event in the compared group while the "
                             "reference group is at risk";
    return r;
  }
  double beta = 0.0, ll, score, info;
  cox_eval(work, m, beta, ties, &ll, &score, &info);
  r.loglik0 = ll;
  int converged = 0, it;
  for (it = 1; it <= COX_MAX_ITER && !converged; it++) {
    if (!(info > 0) || !isfinite(score))
      break;
    double step = score / info, nll, nscore, ninfo;
    cox_eval(work, m, beta + step, ties, &nll, &nscore, &ninfo);
    for (int h = 0; h < COX_MAX_HALVE && !(isfinite(nll) && nll >= ll - 1e-12 * fabs(ll)); h++) {
      step /= 2;
      cox_eval(work, m, beta + step, ties, &nll, &nscore, &ninfo);
    }
    beta += step;
    ll = nll;
    score = nscore;
    info = ninfo;
    converged = fabs(step) <= 1e-10 * (1 + fabs(beta));
  }
  r.iterations = it - 1;
  if (!converged || !(info > 0)) {
    r.why_na = "Newton-Raphson did not converge";
    return r;
  }
  r.beta = beta;
  r.loglik = ll;
  r.se = 1.0 / sqrt(info);
  r.hr = exp(beta);
  r.hr_lower = exp(beta - TS_STATS_Z95 * r.se);
  r.hr_upper = exp(beta + TS_STATS_Z95 * r.se);
  r.z = beta / r.se;
  r.p = erfc(fabs(r.z) / sqrt(2.0));
  return r;
}

/* ---- incomplete beta and Clopper-Pearson ------------------------------------------------------------------------- */

double ts_log_gamma(double x) {
  /* Lanczos' approximation with g = 7 and nine coefficients */
  static const double g = 7.0;
  static const double c[9] = {0.99999999999980993,  676.5203681218851,     -1259.1392167224028,
                              771.32342877765313,   -176.61502916214059,   12.507343278686905,
                              -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7};
  if (!(x > 0) || isinf(x))
    return x == INFINITY ? INFINITY : NAN;
  if (x < 0.5) /* reflection, Gamma(x) Gamma(1 - x) = pi / sin(pi x), exact enough for 0 < x < 1/2 */
    return log(PI / sin(PI * x)) - ts_log_gamma(1.0 - x);
  x -= 1.0;
  double a = c[0];
  for (int i = 1; i < 9; i++)
    a += c[i] / (x + i);
  double t = x + g + 0.5;
  return 0.5 * log(2 * PI) + (x + 0.5) * log(t) - t + log(a);
}

/* The k-th coefficient of the continued fraction of I_x(a, b) (A&S 26.5.8):
 * d(2m+1) = -(a+m)(a+b+m)x / ((a+2m)(a+2m+1)),  d(2m) = m(b-m)x / ((a+2m-1)(a+2m)). */
static double beta_cf_coef(double a, double b, double x, int k) {
  double mm = (double)(k / 2);
  if (k % 2)
    return -(a + mm) * (a + b + mm) * x / ((a + 2 * mm) * (a + 2 * mm + 1));
  return mm * (b - mm) * x / ((a + 2 * mm - 1) * (a + 2 * mm));
}

/* 1 / (1 + d1 / (1 + d2 / (1 + ...))) by the modified Lentz method (Thompson & Barnett 1986). */
static double beta_cf(double a, double b, double x) {
  double f = BETA_CF_TINY, c = f, d = 0.0;
  for (int j = 1; j <= BETA_CF_MAX; j++) {
    double aj = j == 1 ? 1.0 : beta_cf_coef(a, b, x, j - 1);
    d = 1.0 + aj * d;
    if (fabs(d) < BETA_CF_TINY)
      d = BETA_CF_TINY;
    c = 1.0 + aj / c;
    if (fabs(c) < BETA_CF_TINY)
      c = BETA_CF_TINY;
    d = 1.0 / d;
    double delta = c * d;
    f *= delta;
    if (fabs(delta - 1.0) < BETA_CF_EPS)
      break;
  }
  return f;
}

/* x^a (1-x)^b / (a B(a, b)) times the continued fraction: I_x(a, b) where the fraction converges fast. */
static double beta_inc_cf(double a, double b, double x) {
  double log_front = a * log(x) + b * log1p(-x) - (ts_log_gamma(a) + ts_log_gamma(b) - ts_log_gamma(a + b));
  return exp(log_front) * beta_cf(a, b, x) / a;
}

double ts_beta_inc(double a, double b, double x) {
  if (!(a > 0) || !(b > 0) || !(x >= 0 && x <= 1) || isinf(a) || isinf(b))
    return NAN;
  if (x == 0)
    return 0.0;
  if (x == 1)
    return 1.0;
  /* the fraction converges quickly for x < (a + 1) / (a + b + 2); beyond, use I_x(a, b) = 1 - I_(1-x)(b, a) */
  if (x < (a + 1) / (a + b + 2))
    return beta_inc_cf(a, b, x);
  return 1.0 - beta_inc_cf(b, a, 1.0 - x);
}

double ts_beta_quantile(double a, double b, double p) {
  if (!(a > 0) || !(b > 0) || !(p >= 0 && p <= 1) || isinf(a) || isinf(b))
    return NAN;
  if (p == 0)
    return 0.0;
  if (p == 1)
    return 1.0;
  /* I_x is continuous and increasing from 0 to 1: bisect until the bracket is as narrow as doubles allow */
  double lo = 0.0, hi = 1.0;
  for (int it = 0; it < 2000; it++) {
    double mid = lo + (hi - lo) / 2;
    if (mid <= lo || mid >= hi || hi - lo <= 2 * DBL_EPSILON * hi)
      break;
    if (ts_beta_inc(a, b, mid) < p)
      lo = mid;
    else
      hi = mid;
  }
  return lo + (hi - lo) / 2;
}

ts_proportion ts_clopper_pearson(size_t k, size_t n, double level) {
  ts_proportion r = {.k = k, .n = n, .p = NAN, .lower = NAN, .upper = NAN};
  if (n == 0 || k > n)
    return r;
  r.p = (double)k / (double)n;
  if (!(level > 0 && level < 1))
    return r;
  double alpha = 1 - level, dk = (double)k, dn = (double)n;
  r.lower = k == 0 ? 0.0 : ts_beta_quantile(dk, dn - dk + 1, alpha / 2);
  r.upper = k == n ? 1.0 : ts_beta_quantile(dk + 1, dn - dk, 1 - alpha / 2);
  return r;
}

/* ---- grades, descriptions, tails --------------------------------------------------------------------------------- */

ts_grade_rates ts_grade_rates_of(const int *grade, size_t n) {
  ts_grade_rates r = {0};
  for (size_t i = 0; grade && i < n; i++)
    if (grade[i] >= 0 && grade[i] <= 5) {
      r.count[grade[i]]++;
      r.n++;
    }
  for (int g = 0; g < 6; g++)
    r.rate[g] = r.n ? (double)r.count[g] / (double)r.n : NAN;
  return r;
}

double ts_quantile_sorted(const double *sorted, size_t n, double q) {
  if (n == 0 || !(q >= 0 && q <= 1))
    return NAN;
  double h = (double)(n - 1) * q, fl = floor(h);
  size_t j = (size_t)fl;
  if (j + 1 >= n)
    return sorted[n - 1];
  return sorted[j] + (h - fl) * (sorted[j + 1] - sorted[j]);
}

ts_describe_result ts_describe(const double *x, size_t n, double *work) {
  ts_describe_result r = {.mean = NAN, .sd = NAN, .median = NAN, .p025 = NAN, .p975 = NAN, .min = NAN, .max = NAN};
  size_t m = 0;
  for (size_t i = 0; x && work && i < n; i++)
    if (isfinite(x[i]))
      work[m++] = x[i];
  r.n = m;
  if (m == 0)
    return r;
  qsort(work, m, sizeof *work, by_value);
  double sum = 0.0;
  for (size_t i = 0; i < m; i++)
    sum += work[i];
  r.mean = sum / (double)m;
  if (m > 1) { /* two passes: the sum of squared deviations from the mean, not E[x^2] - E[x]^2 */
    double ss = 0.0;
    for (size_t i = 0; i < m; i++)
      ss += (work[i] - r.mean) * (work[i] - r.mean);
    r.sd = sqrt(ss / (double)(m - 1));
  }
  r.median = ts_quantile_sorted(work, m, 0.5);
  r.p025 = ts_quantile_sorted(work, m, 0.025);
  r.p975 = ts_quantile_sorted(work, m, 0.975);
  r.min = work[0];
  r.max = work[m - 1];
  return r;
}

double ts_chisq1_upper(double x) {
  if (!(x >= 0))
    return NAN;
  return erfc(sqrt(x / 2));
}
