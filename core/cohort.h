/* Virtual cohorts: per-patient draws of covariates and parameters from distributions, with correlations, inclusion
 * criteria and covariate models, each patient from its own random stream (seed, patient index) so that patient k
 * is the same whatever the cohort size, thread count or shard.
 *
 * A cohort has n variables (covariates such as WT, then parameters such as pk.CL), each with a distribution. Every
 * variable is driven by one standard normal deviate z_j; correlated variables take z = L u, with u independent
 * standard normals and L the Cholesky factor of the correlation matrix (the omega block, on the scale of the
 * underlying normals: eta for lognormal variables). Then:
 *   fixed:      v = a
 *   normal:     v = a + b z                   (a mean, b standard deviation)
 *   lognormal:  v = a exp(b z)                (a typical value, b = omega, the SD of eta;
 *                                              from a CV: b = sqrt(ln(1 + CV^2)))
 *   uniform:    v = a + (b - a) Phi(z)        (a lower, b upper; Phi the standard normal CDF)
 * Each variable may be truncated to [lower, upper] (a truncated normal is `normal` with bounds); a patient with any
 * value outside its variable's bounds, or outside an inclusion criterion, is redrawn as a whole from the next
 * numbers of the same stream, and the number of redraws is counted. Covariate models then scale parameters:
 *   power:       P = P * (COV / reference)^exponent      (e.g. CL * (WT/70)^0.75)
 *   exponential: P = P * exp(coefficient * (COV - reference))
 *   linear:      P = P * (1 + coefficient * (COV - reference))
 * applied in the order given, after the draw (so they do not affect inclusion). */
#ifndef TWINSIM_CORE_COHORT_H
#define TWINSIM_CORE_COHORT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef enum ts_dist_kind { TS_DIST_FIXED, TS_DIST_NORMAL, TS_DIST_LOGNORMAL, TS_DIST_UNIFORM } ts_dist_kind;

typedef struct ts_cohort_var {
  const char *name; /* for messages: "WT", "pk.CL" */
  ts_dist_kind kind;
  double a, b;         /* see above */
  double lower, upper; /* truncation; -INFINITY / INFINITY for none */
} ts_cohort_var;

typedef enum ts_covariate_model { TS_COV_POWER, TS_COV_EXPONENTIAL, TS_COV_LINEAR } ts_covariate_model;

typedef struct ts_cohort_covariate_effect {
  size_t parameter; /* index of the scaled variable */
  size_t covariate; /* index of the covariate variable */
  ts_covariate_model model;
  double reference;
  double coefficient; /* exponent for power */
} ts_cohort_covariate_effect;

typedef struct ts_cohort_inclusion { /* keep the patient only when lower <= variable <= upper */
  size_t variable;
  double lower, upper;
} ts_cohort_inclusion;

typedef struct ts_cohort_spec {
  const ts_cohort_var *vars;
  size_t n_vars;
  const double *correlation; /* n_vars x n_vars, row-major, symmetric with unit diagonal; NULL: independent */
  const ts_cohort_inclusion *inclusion;
  size_t n_inclusion;
  const ts_cohort_covariate_effect *effects;
  size_t n_effects;
  unsigned max_redraws; /* per patient; more is an error naming the criteria (the cohort is likely misspecified) */
} ts_cohort_spec;

typedef struct ts_cohort ts_cohort;

/* Checks the spec and factorises the correlation matrix. TS_E_INPUT with a clear message for: invalid
 * distribution parameters (negative SD or omega, lognormal typical value <= 0, uniform with lower >= upper, bounds
 * that exclude everything), a correlation matrix that is not symmetric, has entries outside [-1, 1] or a
 * non-unit diagonal, or is not positive definite (name the first variable at which the factorisation fails),
 * covariate effects referring to missing variables or a power model with a non-positive reference. Every problem
 * found is listed, one per line. The spec is copied: the caller's arrays need not outlive the cohort (names too; a
 * NULL name becomes "variable <index>"). On failure *out is NULL. */
int ts_cohort_create(const ts_cohort_spec *spec, ts_cohort **out, ts_error *err);
void ts_cohort_free(ts_cohort *c); /* NULL is harmless */

/* Draws patient `patient` (1-based) into values[n_vars]: from the random stream (seed, patient, stream id
 * TS_COHORT_STREAM), the same numbers whatever else is drawn. Each attempt consumes exactly n_vars standard normals
 * (ts_rng_normal, one per variable in variable order, fixed variables included); attempt t uses normals
 * t*n_vars + 1 .. (t+1)*n_vars of the stream. *redraws (may be NULL) receives how many draws were rejected.
 * Fails with TS_E_INPUT when more than max_redraws draws are rejected (the message lists the rejecting criteria;
 * *redraws is then max_redraws + 1) or when a power-model covariate drawn is not positive; TS_E_INTERNAL for
 * patient 0 or NULL arguments. On failure values[] is unspecified. Thread-safe: the cohort is read-only and the
 * random state lives on the caller's stack. */
int ts_cohort_draw(const ts_cohort *c, uint64_t seed, uint64_t patient, double *values, unsigned *redraws,
                   ts_error *err);

/* The random stream id cohort draws use (plugin instances use their instance index, far below it). */
#define TS_COHORT_STREAM 0xC0401u

/* Standard normal CDF Phi(z) (for uniform variables and for tests), from erfc with the rounding of z/sqrt(2)
 * corrected: relative error of a few ulp wherever Phi(z) is a normal double. NAN for NAN. */
double ts_normal_cdf(double z);

/* Body-surface area in m^2 from weight (kg) and height (cm): "mosteller" sqrt(W H / 3600),
 * "dubois" 0.007184 W^0.425 H^0.725, "haycock" 0.024265 W^0.5378 H^0.3964, "gehan_george" 0.0235 W^0.51456
 * H^0.42246 (names are case-sensitive). Returns NAN for an unknown or NULL formula name or an input that is not a
 * finite positive number. */
double ts_body_surface_area(const char *formula, double weight_kg, double height_cm);

#endif
