/* Per-patient endpoints of a virtual trial: RECIST 1.1 best overall response, PFS/OS, worst CTCAE grade and
 * exposure per dosing cycle. See endpoints.h for the contract and docs/endpoints.md for the definitions. */
#include "endpoints.h"

#include <math.h>

#define TS_PI 3.14159265358979323846

const char *ts_recist_name(ts_recist r) {
  switch (r) {
  case TS_RECIST_NE: return "NE";
  case TS_RECIST_CR: return "CR";
  case TS_RECIST_PR: return "PR";
  case TS_RECIST_SD: return "SD";
  case TS_RECIST_PD: return "PD";
  }
  return "?";
}

ts_recist_options ts_recist_defaults(void) {
  ts_recist_options o = {.pr_fraction = 0.30,
                         .pd_fraction = 0.20,
                         .pd_absolute_mm = 5.0,
                         .cr_threshold_mm = 0.0,
                         .confirm = 0,
                         .confirm_days = 28.0,
                         .sd_min_days = 0.0};
  return o;
}

/* ---------------------------------------------------------------------------------------------------------------
 * RECIST 1.1
 * --------------------------------------------------------------------------------------------------------------- */

/* How good a response is, for "best": NE < PD < SD < PR < CR. */
static int rank(ts_recist r) {
  switch (r) {
  case TS_RECIST_PD: return 1;
  case TS_RECIST_SD: return 2;
  case TS_RECIST_PR: return 3;
  case TS_RECIST_CR: return 4;
  case TS_RECIST_NE: break;
  }
  return 0;
}

/* An assessment takes part when its time is finite and its sum finite and >= 0. */
static int usable_assessment(const double *t, const double *sld, size_t i) {
  return isfinite(t[i]) && isfinite(sld[i]) && sld[i] >= 0;
}

/* The response at an assessment that is not PD, judged against the baseline alone: CR, PR or SD. The change is
 * computed as one quotient so that a decimal boundary (100 -> 70 mm with pr_fraction 0.30) lands exactly on it. */
static ts_recist level(double sld, double base, const ts_recist_options *o) {
  if (sld <= o->cr_threshold_mm)
    return TS_RECIST_CR;
  if ((sld - base) / base <= -o->pr_fraction)
    return TS_RECIST_PR;
  return TS_RECIST_SD;
}

/* PD against the nadir: both the relative and the absolute increase, inclusive. A sum at or below the CR threshold
 * is never PD. A nadir of 0 (after a CR) makes any increase infinite in relative terms: only the 5 mm rule counts. */
static int progressed(double sld, double nadir, const ts_recist_options *o) {
  if (sld <= o->cr_threshold_mm)
    return 0;
  double rise = sld - nadir;
  if (!(rise >= o->pd_absolute_mm))
    return 0;
  return nadir > 0 ? rise / nadir >= o->pd_fraction : 1;
}

/* With confirmation required: what the CR or PR `first` at assessment i counts as. It is confirmed by the first later
 * usable assessment at least confirm_days after it, found before `stop` (the first PD), when every usable assessment
 * after i up to and including that one is CR or PR; it then counts as the worse of them (CR only if all are CR).
 * Otherwise it counts as SD. No assessment before `stop` is PD, so level() is each one's response. */
static ts_recist confirmed(const double *t, const double *sld, size_t i, size_t stop, double base,
                           const ts_recist_options *o, ts_recist first) {
  ts_recist worst = first;
  for (size_t j = i + 1; j < stop; j++) {
    if (!usable_assessment(t, sld, j))
      continue;
    ts_recist here = level(sld[j], base, o);
    if (here == TS_RECIST_SD)
      return TS_RECIST_SD;
    if (here == TS_RECIST_PR)
      worst = TS_RECIST_PR;
    if (t[j] - t[i] >= o->confirm_days)
      return worst;
  }
  return TS_RECIST_SD;
}

ts_recist_result ts_recist_evaluate(const double *t, const double *sld, size_t n, const ts_recist_options *opt) {
  ts_recist_result r = {
      .best = TS_RECIST_NE, .progression_time = NAN, .baseline_mm = NAN, .nadir_mm = NAN, .best_change = NAN};
  ts_recist_options o = opt ? *opt : ts_recist_defaults();
  if (!t || !sld || n == 0 || !usable_assessment(t, sld, 0) || !(sld[0] > 0))
    return r;
  double base = sld[0];
  r.baseline_mm = base;

  /* Pass 1: the first PD, judged against the nadir of every earlier assessment (baseline included); the nadir and
   * the best change up to it. */
  double nadir = base;
  size_t stop = n;
  for (size_t i = 1; i < n; i++) {
    if (!usable_assessment(t, sld, i))
      continue;
    double change = (sld[i] - base) / base;
    if (isnan(r.best_change) || change < r.best_change)
      r.best_change = change;
    if (progressed(sld[i], nadir, &o)) {
      stop = i;
      r.progression_time = t[i];
      break;
    }
    if (sld[i] < nadir)
      nadir = sld[i];
  }
  r.nadir_mm = nadir;

  /* Pass 2: the best response among the assessments before the first PD. */
  ts_recist best = TS_RECIST_NE;
  for (size_t i = 1; i < stop; i++) {
    if (!usable_assessment(t, sld, i))
      continue;
    ts_recist here = level(sld[i], base, &o);
    if (here != TS_RECIST_SD && o.confirm)
      here = confirmed(t, sld, i, stop, base, &o, here);
    if (here == TS_RECIST_SD && !(t[i] - t[0] >= o.sd_min_days))
      continue;
    if (rank(here) > rank(best))
      best = here;
  }
  if (best == TS_RECIST_NE && stop < n)
    best = TS_RECIST_PD;
  r.best = best;
  return r;
}

/* ---------------------------------------------------------------------------------------------------------------
 * Size, time to event, grades
 * --------------------------------------------------------------------------------------------------------------- */

double ts_diameter_mm(double cells, double cells_per_mm3) {
  if (!(cells >= 0) || !(cells_per_mm3 > 0))
    return NAN;
  double volume = cells / cells_per_mm3;
  return cbrt(6.0 * volume / TS_PI);
}

ts_time_to_event ts_pfs(double progression, double death, double end) {
  double first = progression;
  if (!isnan(death) && (isnan(first) || death < first))
    first = death;
  ts_time_to_event r = {.time = end, .event = 0};
  if (!isnan(first) && !(first > end)) {
    r.time = first;
    r.event = 1;
  }
  return r;
}

double ts_first_crossing(const double *t, const double *y, size_t n, double threshold) {
  if (!t || !y || isnan(threshold))
    return NAN;
  int have_below = 0;
  double t0 = 0, y0 = 0; /* the last usable sample, below the threshold */
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(t[i]) || !isfinite(y[i]))
      continue;
    if (y[i] >= threshold) {
      if (!have_below || y[i] == threshold)
        return t[i];
      return t0 + (threshold - y0) / (y[i] - y0) * (t[i] - t0);
    }
    have_below = 1;
    t0 = t[i];
    y0 = y[i];
  }
  return NAN;
}

int ts_worst_grade(const double *grade, size_t n) {
  int worst = 0;
  if (!grade)
    return 0;
  for (size_t i = 0; i < n; i++) {
    double g = grade[i];
    if (isnan(g))
      continue;
    int k = g >= 5 ? 5 : g >= 0 ? (int)floor(g) : 0;
    if (k > worst)
      worst = k;
  }
  return worst;
}

/* ---------------------------------------------------------------------------------------------------------------
 * Exposure per cycle
 * --------------------------------------------------------------------------------------------------------------- */

static int usable_sample(const double *t, const double *c, size_t i) {
  return isfinite(t[i]) && isfinite(c[i]);
}

/* The segment (ta, ca) -> (tb, cb) is interpolated logarithmically when it decreases between positive values, and
 * linearly otherwise (rising, flat, or reaching or leaving zero or negative values, where a logarithm is undefined). */
static int log_down(double ca, double cb) {
  return cb < ca && cb > 0;
}

/* The segment's interpolant at u in [ta, tb] (ta < tb). */
static double interpolant(double ta, double ca, double tb, double cb, double u) {
  if (u <= ta)
    return ca;
  if (u >= tb)
    return cb;
  double f = (u - ta) / (tb - ta);
  return log_down(ca, cb) ? ca * exp(f * log(cb / ca)) : ca + f * (cb - ca);
}

/* Area under the segment's interpolant over [u, v] within [ta, tb]. On a log-down piece the interpolant is
 * cu exp(-lambda (s - u)) with lambda (v - u) = ln(cu / cv), whose exact area is (v - u)(cu - cv) / ln(cu / cv); the
 * logarithm is taken as log1p((cu - cv) / cv), accurate when cu and cv are close (fine sampling), where cu - cv is
 * exact and ln(cu / cv) would lose digits. */
static double segment_area(double ta, double ca, double tb, double cb, double u, double v) {
  double cu = interpolant(ta, ca, tb, cb, u);
  double cv = interpolant(ta, ca, tb, cb, v);
  if (log_down(ca, cb) && cu > cv)
    return (v - u) * (cu - cv) / log1p((cu - cv) / cv);
  return (v - u) * (cu + cv) / 2;
}

/* The AUC of the usable samples' interpolant over [s, e], which the samples span (t_first <= s, e <= t_last). */
static double cycle_auc(const double *t, const double *c, size_t n, double s, double e) {
  double auc = 0;
  size_t a = n; /* the previous usable sample */
  for (size_t b = 0; b < n; b++) {
    if (!usable_sample(t, c, b))
      continue;
    if (a < n) {
      double lo = t[a] > s ? t[a] : s;
      double hi = t[b] < e ? t[b] : e;
      if (hi > lo)
        auc += segment_area(t[a], c[a], t[b], c[b], lo, hi);
    }
    a = b;
  }
  return auc;
}

size_t ts_cycle_exposures(const double *t, const double *c, size_t n, const double *starts, size_t n_starts, double end,
                          ts_cycle_exposure *out) {
  if (!starts || !out)
    return 0;
  if (!t || !c)
    n = 0;
  double t_first = NAN, t_last = NAN;
  for (size_t i = 0; i < n; i++) {
    if (!usable_sample(t, c, i))
      continue;
    if (isnan(t_first))
      t_first = t[i];
    t_last = t[i];
  }
  for (size_t k = 0; k < n_starts; k++) {
    double s = starts[k];
    double e = k + 1 < n_starts ? starts[k + 1] : end;
    ts_cycle_exposure x = {.start = s, .end = e, .cmax = NAN, .tmax = NAN, .cmin = NAN, .auc = NAN};
    if (!isnan(s) && !isnan(e) && e > s) {
      for (size_t i = 0; i < n; i++) {
        if (!usable_sample(t, c, i))
          continue;
        if (t[i] >= s && t[i] < e && !(c[i] <= x.cmax)) { /* strict: the first of equal maxima */
          x.cmax = c[i];
          x.tmax = t[i];
        }
        if (t[i] > s && t[i] <= e && !(c[i] >= x.cmin))
          x.cmin = c[i];
      }
      if (t_first <= s && e <= t_last)
        x.auc = cycle_auc(t, c, n, s, e);
    }
    out[k] = x;
  }
  return n_starts;
}
