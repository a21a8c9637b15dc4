/* Per-patient endpoints of a virtual trial, computed from a patient's recorded series: RECIST 1.1 response,
 * progression-free and overall survival, worst toxicity grade, exposure per dosing cycle. docs/endpoints.md gives
 * every definition with its source and the worked examples the tests check.
 *
 * Sources: RECIST 1.1, Eisenhauer et al. 2009, Eur J Cancer 45:228 (target lesions, sum of diameters);
 * CTCAE v5 for grades. Times are in days.
 *
 * Every function here is pure: no allocation, no global state, safe to call from any thread. A NULL array is
 * treated as an empty series. Non-finite samples (NaN, +-inf) are skipped, i.e. treated as not taken; each function
 * states what it returns when nothing usable is left. */
#ifndef TWINSIM_CORE_ENDPOINTS_H
#define TWINSIM_CORE_ENDPOINTS_H

#include <stddef.h>

typedef enum ts_recist {
  TS_RECIST_NE = 0, /* not evaluable: no post-baseline assessment qualifies (see ts_recist_evaluate) */
  TS_RECIST_CR,     /* complete response: sum of diameters at or below cr_threshold_mm (all lesions disappeared) */
  TS_RECIST_PR,     /* partial response: >= 30% decrease from baseline */
  TS_RECIST_SD,     /* stable disease: neither PR nor PD */
  TS_RECIST_PD      /* progressive disease: >= 20% and >= 5 mm increase from the nadir (smallest sum so far,
                       baseline included) */
} ts_recist;

const char *ts_recist_name(ts_recist r); /* "CR", "PR", "SD", "PD", "NE"; "?" for any other value */

/* Taken as given: every field should be finite and >= 0. */
typedef struct ts_recist_options {
  double pr_fraction;     /* 0.30 */
  double pd_fraction;     /* 0.20 */
  double pd_absolute_mm;  /* 5 */
  double cr_threshold_mm; /* sum at or below which all lesions count as disappeared, e.g. 0 or 10 (nodes) */
  int confirm;            /* 1: CR/PR must be confirmed by an assessment >= confirm_days later (4 weeks per RECIST);
                             0: unconfirmed best response */
  double confirm_days;    /* 28 */
  double sd_min_days;     /* SD counts as best response only at an assessment at least this long after
                             baseline (RECIST leaves it to the protocol, typically 6-8 weeks); 0: any */
} ts_recist_options;

/* The default options above (confirm 0, confirm_days 28, cr_threshold_mm 0, sd_min_days 0). */
ts_recist_options ts_recist_defaults(void);

typedef struct ts_recist_result {
  ts_recist best;          /* best overall response: the best response recorded from baseline until progression
                              (CR > PR > SD > PD); PD when progression comes before any CR, PR or SD that counts;
                              NE when there is neither */
  double progression_time; /* time of the first PD assessment, NAN when none */
  double baseline_mm;      /* sld[0]; NAN when the baseline is unusable or 0 */
  double nadir_mm;         /* smallest sum up to the first PD (all assessments when none), baseline included */
  double best_change;      /* best (most negative) fractional change from baseline over the post-baseline
                              assessments up to and including the first PD, e.g. -0.45; NAN when there are none */
} ts_recist_result;

/* Assessments at times t[0..n) (ascending; t[0] is the baseline) with sums of diameters sld[0..n) in mm.
 * Best overall response per RECIST 1.1 with the options above (opt NULL: ts_recist_defaults()):
 *  - each post-baseline assessment is PD when its sum is >= (1 + pd_fraction) x the nadir AND >= nadir +
 *    pd_absolute_mm, the nadir being the smallest sum of all earlier assessments, baseline included; otherwise CR
 *    when the sum is <= cr_threshold_mm (a sum at or below it is never PD), PR when the change from BASELINE is
 *    <= -pr_fraction, SD otherwise. Both bounds are inclusive.
 *  - the best response is taken over the assessments before the first PD; later ones are ignored.
 *  - confirm = 1: a CR or PR counts only if confirmed by the first later assessment at least confirm_days after it,
 *    before the first PD, with every assessment up to that one also CR or PR; it then counts as CR if all of them
 *    are CR, else PR (a PR followed by a CR confirms a PR). An unconfirmed CR or PR counts as SD (RECIST 1.1
 *    table 3).
 *  - SD (including an unconfirmed CR/PR) counts only at an assessment at least sd_min_days after t[0].
 *  - NE when no post-baseline assessment counts and there is no PD.
 * Unusable assessments (time not finite, sum not finite or negative) are skipped. An unusable or zero baseline
 * (no measurable disease) gives NE with every number NAN. */
ts_recist_result ts_recist_evaluate(const double *t, const double *sld, size_t n, const ts_recist_options *opt);

/* Sphere-equivalent diameter (mm) of a tumor of `cells` cells at `cells_per_mm3` density: V = cells / density,
 * d = (6 V / pi)^(1/3). NAN unless cells >= 0 and cells_per_mm3 > 0. */
double ts_diameter_mm(double cells, double cells_per_mm3);

typedef struct ts_time_to_event {
  double time; /* event time, or the censoring time */
  int event;   /* 1 event, 0 censored */
} ts_time_to_event;

/* Progression-free survival: the earlier of progression and death; censored at `end` (the end of follow-up)
 * otherwise. progression and death are NAN when they did not happen; an event after `end` was not observed and is
 * censored at `end`; an event at `end` counts. Overall survival is ts_pfs(NAN, death, end). */
ts_time_to_event ts_pfs(double progression, double death, double end);

/* First time the series y(t) (ascending t) reaches `threshold` (y >= threshold), by linear interpolation between
 * the last sample below and the first sample at or above it; t of that sample when it equals the threshold or is
 * the first usable sample (a series that starts at or above the threshold gives its first time). NAN when it never
 * does or the threshold is NaN. (Overall survival: death when the tumor burden passes a lethal size.) */
double ts_first_crossing(const double *t, const double *y, size_t n, double threshold);

/* Worst CTCAE grade in a series of grades (0..5): the largest floor(grade), values clamped to 0..5, NaN skipped;
 * 0 for n = 0. */
int ts_worst_grade(const double *grade, size_t n);

typedef struct ts_cycle_exposure {
  double start, end; /* the cycle */
  double cmax, tmax; /* largest sampled concentration in [start, end) and its (first) time */
  double cmin;       /* smallest sampled concentration in (start, end] (the trough before the next cycle) */
  double auc;        /* area under the concentration over [start, end], by the linear-up/log-down trapezoidal rule */
} ts_cycle_exposure;

/* Exposure per cycle from concentrations c at times t (ascending; equal times allowed, e.g. a pre- and a post-dose
 * sample); cycles are [starts[k], starts[k+1]) and the last ends at `end`. Returns the number of cycles written
 * (n_starts; 0 when starts or out is NULL).
 *
 * A sample exactly at a boundary counts for the Cmax of the cycle that starts there and for the Cmin of the cycle
 * that ends there, so that both are right whether a sample at a dose time holds the pre-dose value (as twinsim
 * records it, docs/design.md) or the post-dose value. cmax, tmax and cmin are NAN when no sample falls in their
 * range. The AUC integrates the linear-up/log-down interpolant of all usable samples over [start, end], cutting
 * segments at the boundaries (no extrapolation: NAN unless the samples span the whole cycle). A cycle with end <=
 * start or a NaN bound has every value NAN. */
size_t ts_cycle_exposures(const double *t, const double *c, size_t n, const double *starts, size_t n_starts, double end,
                          ts_cycle_exposure *out);

#endif
