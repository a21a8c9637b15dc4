/* Per-patient endpoints of a virtual trial, computed from a patient's recorded series: RECIST 1.1 response,
 * progression-free and overall survival, worst toxicity grade, exposure per dosing cycle.
 *
 * Sources: RECIST 1.1, Eisenhauer et al. 2009, Eur J Cancer 45:228 (target lesions, sum of diameters);
 * CTCAE v5 for grades. Times are in days. */
#ifndef TWINSIM_CORE_ENDPOINTS_H
#define TWINSIM_CORE_ENDPOINTS_H

#include <stddef.h>

typedef enum ts_recist {
  TS_RECIST_NE = 0, /* not evaluable (no post-baseline assessment) */
  TS_RECIST_CR,     /* complete response: sum of diameters below the disappearance threshold */
  TS_RECIST_PR,     /* partial response: >= 30% decrease from baseline */
  TS_RECIST_SD,     /* stable disease: neither PR nor PD */
  TS_RECIST_PD      /* progressive disease: >= 20% and >= 5 mm increase from the nadir (smallest sum so far,
                       baseline included) */
} ts_recist;

const char *ts_recist_name(ts_recist r); /* "CR", "PR", "SD", "PD", "NE" */

typedef struct ts_recist_options {
  double pr_fraction;      /* 0.30 */
  double pd_fraction;      /* 0.20 */
  double pd_absolute_mm;   /* 5 */
  double cr_threshold_mm;  /* sum below which all lesions count as disappeared, e.g. 0 or 10 (nodes) */
  int confirm;             /* 1: CR/PR must be confirmed by the next assessment (>= 4 weeks later per RECIST);
                              0: unconfirmed best response */
  double confirm_days;     /* 28 */
  double sd_min_days;      /* SD counts as best response only at an assessment at least this long after
                              baseline (RECIST leaves it to the protocol, typically 6-8 weeks); 0: any */
} ts_recist_options;

/* The default options above (confirm 0, cr_threshold_mm 0, sd_min_days 0). */
ts_recist_options ts_recist_defaults(void);

typedef struct ts_recist_result {
  ts_recist best;           /* best overall response: the best response recorded from baseline until progression
                               (CR > PR > SD > PD); PD when progression comes before any CR, PR or SD */
  double progression_time;  /* time of the first PD assessment, NAN when none */
  double baseline_mm;
  double nadir_mm;
  double best_change;       /* best (most negative) fractional change from baseline, e.g. -0.45 */
} ts_recist_result;

/* Assessments at times t[0..n) (ascending; t[0] is the baseline) with sums of diameters sld[0..n) in mm.
 * Best overall response per RECIST 1.1 with the options above. */
ts_recist_result ts_recist_evaluate(const double *t, const double *sld, size_t n, const ts_recist_options *opt);

/* Sphere-equivalent diameter (mm) of a tumor of `cells` cells at `cells_per_mm3` density: (6 V / pi)^(1/3). */
double ts_diameter_mm(double cells, double cells_per_mm3);

typedef struct ts_time_to_event {
  double time; /* event time, or the censoring time */
  int event;   /* 1 event, 0 censored */
} ts_time_to_event;

/* Progression-free survival: the earlier of progression and death; censored at `end` otherwise.
 * progression and death are NAN when they did not happen. */
ts_time_to_event ts_pfs(double progression, double death, double end);

/* First time the series y(t) (ascending t) reaches `threshold` from below, by linear interpolation between
 * samples; NAN when it never does. (Overall survival: death when the tumor burden passes a lethal size.) */
double ts_first_crossing(const double *t, const double *y, size_t n, double threshold);

/* Worst CTCAE grade in a series of grades (0..5); 0 for n = 0. */
int ts_worst_grade(const double *grade, size_t n);

typedef struct ts_cycle_exposure {
  double start, end; /* the cycle [start, end) */
  double cmax, tmax; /* largest sampled concentration in the cycle and its time */
  double cmin;       /* smallest sampled concentration in the cycle (trough) */
  double auc;        /* area under the concentration over the cycle, by the linear-up/log-down trapezoidal rule */
} ts_cycle_exposure;

/* Exposure per cycle from concentrations c at times t (ascending); cycles are [starts[k], starts[k+1]) and the
 * last ends at `end`. Samples exactly at a boundary belong to the cycle that starts there. Returns the number of
 * cycles written (n_starts). */
size_t ts_cycle_exposures(const double *t, const double *c, size_t n, const double *starts, size_t n_starts,
                          double end, ts_cycle_exposure *out);

#endif
