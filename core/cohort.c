/* Virtual cohorts: see cohort.h for the API and docs/cohorts.md for the method.
 *
 * ts_cohort_create checks the whole spec in one pass (every problem is listed in the error message), copies it
 * and factorises the correlation matrix R = L L^T (Cholesky, lower triangle). ts_cohort_draw then works only on
 * its arguments and the read-only cohort: per attempt it takes one standard normal u_j per variable, in variable
 * order, from the patient's own stream, forms z = L u in place in `values`, maps each z_j through its
 * distribution, and accepts the attempt only if every value lies within its variable's bounds and every inclusion
 * criterion holds. Covariate effects are applied to the accepted values. */
#include "cohort.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "strutil.h"

/* Entries of the correlation matrix may differ from their mirror image, and the diagonal from 1, by this much
 * (rounding in a matrix computed elsewhere); the lower triangle is what is factorised. */
#define CORR_TOL 1e-12

/* The factorisation fails when a pivot (the variance of a variable left unexplained by the variables before it)
 * is at or below this: such a matrix is singular or indefinite to within rounding. */
#define PIVOT_MIN 1e-12

struct ts_cohort {
  size_t n_vars;
  ts_cohort_var *vars; /* names owned */
  double *chol;        /* n_vars x n_vars row-major, lower triangle of L; NULL when the variables are independent */
  ts_cohort_inclusion *inclusion;
  size_t n_inclusion;
  ts_cohort_covariate_effect *effects;
  size_t n_effects;
  unsigned max_redraws;
};

/* ---------------------------------------------------------------------------------------------------------------
 * Standard normal CDF and body-surface area
 * --------------------------------------------------------------------------------------------------------------- */

double ts_normal_cdf(double z) {
  /* Phi(z) = erfc(-z / sqrt 2) / 2. The argument x = -z/sqrt 2 is rounded, and in the lower tail erfc's relative
   * sensitivity to x is 2x: at z = -20 an error of one ulp in x would cost ~1e-14 relative. So the rounding error
   * dx of x (from the product and from the constant 1/sqrt 2 itself) is recovered exactly with fma and applied as
   * a first-order correction, erfc(x + dx) = erfc(x) - dx 2/sqrt(pi) exp(-x^2), which keeps the relative error
   * near erfc's own (a few ulp) for every z where the result is a normal double. */
  if (isnan(z))
    return z;
  const double s_hi = 0.70710678118654757;     /* 1/sqrt 2 rounded to double */
  const double s_lo = -4.8336466567264567e-17; /* 1/sqrt 2 - s_hi */
  const double two_over_sqrt_pi = 1.1283791670955126;
  double x = -z * s_hi;
  double dx = fma(-z, s_hi, -x) + -z * s_lo;
  double e = erfc(x);
  if (e > 0 && isfinite(x))
    e -= dx * two_over_sqrt_pi * exp(-x * x);
  return 0.5 * e;
}

double ts_body_surface_area(const char *formula, double weight_kg, double height_cm) {
  if (!formula || !(weight_kg > 0) || !(height_cm > 0) || !isfinite(weight_kg) || !isfinite(height_cm))
    return NAN;
  double w = weight_kg, h = height_cm;
  if (strcmp(formula, "mosteller") == 0) /* Mosteller 1987, N Engl J Med 317:1098 */
    return sqrt(w * h / 3600.0);
  if (strcmp(formula, "dubois") == 0) /* DuBois & DuBois 1916, Arch Intern Med 17:863 */
    return 0.007184 * pow(w, 0.425) * pow(h, 0.725);
  if (strcmp(formula, "haycock") == 0) /* Haycock, Schwartz & Wisotsky 1978, J Pediatr 93:62 */
    return 0.024265 * pow(w, 0.5378) * pow(h, 0.3964);
  if (strcmp(formula, "gehan_george") == 0) /* Gehan & George 1970, Cancer Chemother Rep 54:225 */
    return 0.0235 * pow(w, 0.51456) * pow(h, 0.42246);
  return NAN;
}

/* ---------------------------------------------------------------------------------------------------------------
 * Spec checks
 * --------------------------------------------------------------------------------------------------------------- */

/* Records one problem: the first sets the code and message, later ones are appended as further lines. */
static void problem(ts_error *err, int *count, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void problem(ts_error *err, int *count, const char *fmt, ...) {
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if ((*count)++ == 0)
    ts_fail(err, TS_E_INPUT, "%s", line);
  else
    ts_error_append(err, "%s", line);
}

static const char *kind_name(ts_dist_kind kind) {
  switch (kind) {
  case TS_DIST_FIXED: return "fixed";
  case TS_DIST_NORMAL: return "normal";
  case TS_DIST_LOGNORMAL: return "lognormal";
  case TS_DIST_UNIFORM: return "uniform";
  }
  return "unknown";
}

static const char *model_name(ts_covariate_model model) {
  switch (model) {
  case TS_COV_POWER: return "power";
  case TS_COV_EXPONENTIAL: return "exponential";
  case TS_COV_LINEAR: return "linear";
  }
  return "unknown";
}

/* The name of variable i of a spec, for messages (a spec may leave names NULL). */
static const char *spec_name(const ts_cohort_spec *spec, size_t i, char *buf, size_t size) {
  if (spec->vars[i].name)
    return spec->vars[i].name;
  snprintf(buf, size, "variable %zu", i);
  return buf;
}

/* Whether a variable with valid parameters takes values in [lo, hi] with positive probability. A degenerate
 * variable (fixed, or zero spread) takes one value; the others fill an open interval: the real line (normal),
 * (0, inf) (lognormal) or (a, b) (uniform). */
static int reaches(const ts_cohort_var *v, double lo, double hi) {
  if (v->kind == TS_DIST_FIXED || ((v->kind == TS_DIST_NORMAL || v->kind == TS_DIST_LOGNORMAL) && v->b == 0))
    return lo <= v->a && v->a <= hi;
  double s0 = v->kind == TS_DIST_LOGNORMAL ? 0.0 : v->kind == TS_DIST_UNIFORM ? v->a : -INFINITY;
  double s1 = v->kind == TS_DIST_UNIFORM ? v->b : INFINITY;
  return fmax(lo, s0) < fmin(hi, s1);
}

/* Checks variable i's distribution and bounds; returns 1 when they are valid. */
static int check_var(const ts_cohort_spec *spec, size_t i, ts_error *err, int *count) {
  const ts_cohort_var *v = &spec->vars[i];
  char buf[32];
  const char *name = spec_name(spec, i, buf, sizeof buf);
  int before = *count;
  switch (v->kind) {
  case TS_DIST_FIXED:
    if (!isfinite(v->a))
      problem(err, count, "variable '%s' (fixed): the value %g is not a finite number", name, v->a);
    break;
  case TS_DIST_NORMAL:
    if (!isfinite(v->a))
      problem(err, count, "variable '%s' (normal): the mean %g is not a finite number", name, v->a);
    if (!(v->b >= 0) || !isfinite(v->b))
      problem(err, count, "variable '%s' (normal): the standard deviation %g must be finite and >= 0", name, v->b);
    break;
  case TS_DIST_LOGNORMAL:
    if (!(v->a > 0) || !isfinite(v->a))
      problem(err, count, "variable '%s' (lognormal): the typical value %g must be finite and > 0", name, v->a);
    if (!(v->b >= 0) || !isfinite(v->b))
      problem(err, count, "variable '%s' (lognormal): omega (the SD of eta) %g must be finite and >= 0", name, v->b);
    break;
  case TS_DIST_UNIFORM:
    if (!isfinite(v->a) || !isfinite(v->b) || !(v->a < v->b))
      problem(err, count, "variable '%s' (uniform): the lower limit %g must be below the upper limit %g (both finite)",
              name, v->a, v->b);
    break;
  default: problem(err, count, "variable '%s': unknown distribution kind %d", name, (int)v->kind); break;
  }
  if (isnan(v->lower) || isnan(v->upper) || v->lower > v->upper)
    problem(err, count, "variable '%s': the bounds [%g, %g] are not an interval (lower must be <= upper)", name,
            v->lower, v->upper);
  else if (*count == before && !reaches(v, v->lower, v->upper))
    problem(err, count, "variable '%s' (%s %g, %g): the bounds [%g, %g] exclude every value it can take", name,
            kind_name(v->kind), v->a, v->b, v->lower, v->upper);
  return *count == before;
}

static void check_inclusion(const ts_cohort_spec *spec, const int *var_ok, ts_error *err, int *count) {
  char buf[32];
  for (size_t k = 0; k < spec->n_inclusion; k++) {
    const ts_cohort_inclusion *c = &spec->inclusion[k];
    if (c->variable >= spec->n_vars) {
      problem(err, count, "inclusion criterion %zu refers to variable %zu, but the cohort has %zu variables", k,
              c->variable, spec->n_vars);
      continue;
    }
    const char *name = spec_name(spec, c->variable, buf, sizeof buf);
    if (isnan(c->lower) || isnan(c->upper) || c->lower > c->upper) {
      problem(err, count, "inclusion criterion %zu (%s in [%g, %g]): lower must be <= upper", k, name, c->lower,
              c->upper);
      continue;
    }
    if (!var_ok[c->variable])
      continue;
    /* The criterion together with the variable's bounds and the earlier criteria on the same variable. */
    const ts_cohort_var *v = &spec->vars[c->variable];
    double lo = fmax(v->lower, c->lower), hi = fmin(v->upper, c->upper);
    for (size_t e = 0; e < k; e++)
      if (spec->inclusion[e].variable == c->variable) {
        lo = fmax(lo, spec->inclusion[e].lower);
        hi = fmin(hi, spec->inclusion[e].upper);
      }
    if (!(lo <= hi) || !reaches(v, lo, hi))
      problem(err, count,
              "inclusion criterion %zu (%s in [%g, %g]) excludes every value '%s' can take within its bounds [%g, %g]"
              " and earlier criteria on it",
              k, name, c->lower, c->upper, name, v->lower, v->upper);
  }
}

static void check_effects(const ts_cohort_spec *spec, ts_error *err, int *count) {
  char pbuf[32], cbuf[32];
  for (size_t k = 0; k < spec->n_effects; k++) {
    const ts_cohort_covariate_effect *e = &spec->effects[k];
    int bad = 0;
    if (e->parameter >= spec->n_vars) {
      problem(err, count, "covariate effect %zu: the parameter is variable %zu, but the cohort has %zu variables", k,
              e->parameter, spec->n_vars);
      bad = 1;
    }
    if (e->covariate >= spec->n_vars) {
      problem(err, count, "covariate effect %zu: the covariate is variable %zu, but the cohort has %zu variables", k,
              e->covariate, spec->n_vars);
      bad = 1;
    }
    if (bad)
      continue;
    const char *p = spec_name(spec, e->parameter, pbuf, sizeof pbuf);
    const char *c = spec_name(spec, e->covariate, cbuf, sizeof cbuf);
    if (e->parameter == e->covariate)
      problem(err, count, "covariate effect %zu: '%s' cannot be its own covariate", k, p);
    if (e->model != TS_COV_POWER && e->model != TS_COV_EXPONENTIAL && e->model != TS_COV_LINEAR) {
      problem(err, count, "covariate effect %zu of '%s' on '%s': unknown model %d", k, c, p, (int)e->model);
      continue;
    }
    if (!isfinite(e->reference) || (e->model == TS_COV_POWER && !(e->reference > 0)))
      problem(err, count, "covariate effect %zu (%s model of '%s' on '%s'): the reference %g must be %s", k,
              model_name(e->model), c, p, e->reference, e->model == TS_COV_POWER ? "finite and > 0" : "finite");
    if (!isfinite(e->coefficient))
      problem(err, count, "covariate effect %zu (%s model of '%s' on '%s'): the %s %g is not a finite number", k,
              model_name(e->model), c, p, e->model == TS_COV_POWER ? "exponent" : "coefficient", e->coefficient);
  }
}

/* Checks the matrix entries (symmetry, range, unit diagonal); returns 1 when they are valid. */
static int check_correlation(const ts_cohort_spec *spec, ts_error *err, int *count) {
  const double *r = spec->correlation;
  size_t n = spec->n_vars;
  char ibuf[32], jbuf[32];
  int before = *count;
  for (size_t i = 0; i < n; i++) {
    const char *a = spec_name(spec, i, ibuf, sizeof ibuf);
    if (!(fabs(r[i * n + i] - 1.0) <= CORR_TOL))
      problem(err, count, "correlation matrix: the diagonal entry of '%s' is %g, not 1", a, r[i * n + i]);
    for (size_t j = 0; j < i; j++) {
      const char *b = spec_name(spec, j, jbuf, sizeof jbuf);
      double lo = r[i * n + j], up = r[j * n + i];
      if (!(lo >= -1 && lo <= 1) || !(up >= -1 && up <= 1))
        problem(err, count, "correlation matrix: the correlation of '%s' and '%s' (%g, %g) is outside [-1, 1]", a, b,
                lo, up);
      else if (!(fabs(lo - up) <= CORR_TOL))
        problem(err, count,
                "correlation matrix is not symmetric: row '%s', column '%s' is %g but row '%s', column '%s' is %g", a,
                b, lo, b, a, up);
    }
  }
  return *count == before;
}

/* Factorises R = L L^T into l (lower triangle, row by row: row i needs only rows before it). On failure names the
 * variable whose row cannot be completed. */
static int cholesky(const ts_cohort_spec *spec, double *l, ts_error *err, int *count) {
  const double *r = spec->correlation;
  size_t n = spec->n_vars;
  char buf[32];
  for (size_t i = 0; i < n; i++) {
    for (size_t j = 0; j < i; j++) {
      double s = r[i * n + j];
      for (size_t k = 0; k < j; k++)
        s -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = s / l[j * n + j];
    }
    double d = 1.0;
    for (size_t k = 0; k < i; k++)
      d -= l[i * n + k] * l[i * n + k];
    if (!(d > PIVOT_MIN)) {
      problem(err, count,
              "correlation matrix is not positive definite: the factorisation fails at variable '%s' (row %zu), whose "
              "correlations with the variables before it are inconsistent with theirs (remaining variance %.3g)",
              spec_name(spec, i, buf, sizeof buf), i + 1, d);
      return 0;
    }
    l[i * n + i] = sqrt(d);
  }
  return 1;
}

/* ---------------------------------------------------------------------------------------------------------------
 * Create / free
 * --------------------------------------------------------------------------------------------------------------- */

void ts_cohort_free(ts_cohort *c) {
  if (!c)
    return;
  if (c->vars)
    for (size_t i = 0; i < c->n_vars; i++)
      free((char *)c->vars[i].name);
  free(c->vars);
  free(c->chol);
  free(c->inclusion);
  free(c->effects);
  free(c);
}

/* A copy of count elements (NULL when count is 0; *failed set when the allocation fails). */
static void *copy_array(const void *src, size_t count, size_t size, int *failed) {
  if (count == 0)
    return NULL;
  void *p = malloc(count * size);
  if (!p)
    *failed = 1;
  else
    memcpy(p, src, count * size);
  return p;
}

int ts_cohort_create(const ts_cohort_spec *spec, ts_cohort **out, ts_error *err) {
  if (!out)
    return ts_fail(err, TS_E_INTERNAL, "ts_cohort_create: out is NULL");
  *out = NULL;
  if (!spec)
    return ts_fail(err, TS_E_INTERNAL, "ts_cohort_create: spec is NULL");
  if ((spec->n_vars && !spec->vars) || (spec->n_inclusion && !spec->inclusion) || (spec->n_effects && !spec->effects))
    return ts_fail(err, TS_E_INTERNAL, "ts_cohort_create: a spec array with a non-zero count is NULL");
  size_t n = spec->n_vars;
  if (n > 0 && n > SIZE_MAX / sizeof(double) / n)
    return ts_fail(err, TS_E_INPUT, "cohort: %zu variables are too many", n);

  int count = 0;
  int *var_ok = calloc(n ? n : 1, sizeof *var_ok);
  if (!var_ok)
    return ts_fail(err, TS_E_NOMEM, "out of memory creating the cohort");
  for (size_t i = 0; i < n; i++)
    var_ok[i] = check_var(spec, i, err, &count);
  check_inclusion(spec, var_ok, err, &count);
  check_effects(spec, err, &count);
  free(var_ok);
  int corr_ok = spec->correlation && n > 0 ? check_correlation(spec, err, &count) : 0;
  double *chol = NULL;
  if (corr_ok) {
    chol = calloc(n * n, sizeof *chol);
    if (!chol)
      return ts_fail(err, TS_E_NOMEM, "out of memory creating the cohort");
    if (!cholesky(spec, chol, err, &count)) {
      free(chol);
      chol = NULL;
    }
  }
  if (count > 0) {
    free(chol);
    return -1;
  }

  ts_cohort *c = calloc(1, sizeof *c);
  int failed = !c;
  if (c) {
    c->n_vars = n;
    c->chol = chol;
    chol = NULL;
    c->n_inclusion = spec->n_inclusion;
    c->n_effects = spec->n_effects;
    c->max_redraws = spec->max_redraws;
    c->vars = copy_array(spec->vars, n, sizeof *c->vars, &failed);
    c->inclusion = copy_array(spec->inclusion, spec->n_inclusion, sizeof *c->inclusion, &failed);
    c->effects = copy_array(spec->effects, spec->n_effects, sizeof *c->effects, &failed);
    if (c->vars) {
      for (size_t i = 0; i < n; i++) /* the caller's pointers, never to be freed */
        c->vars[i].name = NULL;
      for (size_t i = 0; i < n && !failed; i++) {
        char buf[32];
        c->vars[i].name = ts_strdup(spec_name(spec, i, buf, sizeof buf));
        failed = !c->vars[i].name;
      }
    }
  }
  free(chol);
  if (failed) {
    ts_cohort_free(c);
    return ts_fail(err, TS_E_NOMEM, "out of memory creating the cohort");
  }
  *out = c;
  return 0;
}

/* ---------------------------------------------------------------------------------------------------------------
 * Drawing
 * --------------------------------------------------------------------------------------------------------------- */

/* One attempt: the next n standard normals of the stream, correlated and mapped through the distributions. */
static void attempt(const ts_cohort *c, ts_rng *rng, double *v) {
  size_t n = c->n_vars;
  for (size_t j = 0; j < n; j++)
    v[j] = ts_rng_normal(rng);
  if (c->chol) /* z = L u in place: z_i needs u_0..u_i, so go from the last row up */
    for (size_t i = n; i-- > 0;) {
      const double *row = &c->chol[i * n];
      double z = 0;
      for (size_t k = 0; k <= i; k++)
        z += row[k] * v[k];
      v[i] = z;
    }
  for (size_t j = 0; j < n; j++) {
    const ts_cohort_var *var = &c->vars[j];
    double z = v[j];
    switch (var->kind) {
    case TS_DIST_FIXED: v[j] = var->a; break;
    case TS_DIST_NORMAL: v[j] = var->a + var->b * z; break;
    case TS_DIST_LOGNORMAL: v[j] = var->a * exp(var->b * z); break;
    case TS_DIST_UNIFORM: /* from the nearer end, so that neither tail loses precision */
      v[j] = z <= 0 ? var->a + (var->b - var->a) * ts_normal_cdf(z) : var->b - (var->b - var->a) * ts_normal_cdf(-z);
      break;
    }
  }
}

static int within(double x, double lo, double hi) {
  return x >= lo && x <= hi;
}

/* Whether the attempt v passes variable i's bounds (i < n_vars) or inclusion criterion i - n_vars. */
static int passes(const ts_cohort *c, size_t i, const double *v) {
  if (i < c->n_vars)
    return within(v[i], c->vars[i].lower, c->vars[i].upper);
  const ts_cohort_inclusion *k = &c->inclusion[i - c->n_vars];
  return within(v[k->variable], k->lower, k->upper);
}

static int accepted(const ts_cohort *c, const double *v) {
  for (size_t i = 0; i < c->n_vars + c->n_inclusion; i++)
    if (!passes(c, i, v))
      return 0;
  return 1;
}

/* The error for a patient none of whose attempts was accepted: replays the stream to count how often each
 * criterion (variable bounds, inclusion criteria) rejected an attempt, and lists those that did (all of them, without
 * counts, if the counters cannot be allocated). */
static int fail_redraws(const ts_cohort *c, uint64_t seed, uint64_t patient, double *v, ts_error *err) {
  size_t n_crit = c->n_vars + c->n_inclusion;
  uint64_t attempts = (uint64_t)c->max_redraws + 1;
  ts_fail(err, TS_E_INPUT,
          "patient %" PRIu64 ": all %" PRIu64 " draws (max_redraws %u) were rejected; the cohort's bounds or "
          "inclusion criteria are likely too narrow for its distributions. Rejections by criterion:",
          patient, attempts, c->max_redraws);
  uint64_t *rejected = calloc(n_crit ? n_crit : 1, sizeof *rejected);
  if (rejected) {
    ts_rng rng;
    ts_rng_init(&rng, seed, patient, TS_COHORT_STREAM);
    for (uint64_t a = 0; a < attempts; a++) {
      attempt(c, &rng, v);
      for (size_t i = 0; i < n_crit; i++)
        rejected[i] += !passes(c, i, v);
    }
  }
  for (size_t i = 0; i < n_crit; i++) {
    if (rejected && rejected[i] == 0)
      continue;
    const char *name = c->vars[i < c->n_vars ? i : c->inclusion[i - c->n_vars].variable].name;
    double lo = i < c->n_vars ? c->vars[i].lower : c->inclusion[i - c->n_vars].lower;
    double hi = i < c->n_vars ? c->vars[i].upper : c->inclusion[i - c->n_vars].upper;
    char what[64];
    if (i < c->n_vars)
      snprintf(what, sizeof what, "bounds of");
    else
      snprintf(what, sizeof what, "inclusion criterion %zu:", i - c->n_vars);
    if (rejected)
      ts_error_append(err, "  %s %s in [%g, %g]: rejected %" PRIu64 " times", what, name, lo, hi, rejected[i]);
    else
      ts_error_append(err, "  %s %s in [%g, %g]", what, name, lo, hi);
  }
  free(rejected);
  return -1;
}

/* Applies the covariate effects in order; fails when a power model meets a non-positive covariate. */
static int apply_effects(const ts_cohort *c, uint64_t patient, double *v, ts_error *err) {
  for (size_t k = 0; k < c->n_effects; k++) {
    const ts_cohort_covariate_effect *e = &c->effects[k];
    double cov = v[e->covariate];
    switch (e->model) {
    case TS_COV_POWER:
      if (!(cov > 0))
        return ts_fail(err, TS_E_INPUT,
                       "patient %" PRIu64 ": covariate %s = %g, but the power model of effect %zu on %s needs it > 0 "
                       "(give %s a positive lower bound)",
                       patient, c->vars[e->covariate].name, cov, k, c->vars[e->parameter].name,
                       c->vars[e->covariate].name);
      v[e->parameter] *= pow(cov / e->reference, e->coefficient);
      break;
    case TS_COV_EXPONENTIAL: v[e->parameter] *= exp(e->coefficient * (cov - e->reference)); break;
    case TS_COV_LINEAR: v[e->parameter] *= 1.0 + e->coefficient * (cov - e->reference); break;
    }
  }
  return 0;
}

int ts_cohort_draw(const ts_cohort *c, uint64_t seed, uint64_t patient, double *values, unsigned *redraws,
                   ts_error *err) {
  if (redraws)
    *redraws = 0;
  if (!c || (!values && c->n_vars > 0))
    return ts_fail(err, TS_E_INTERNAL, "ts_cohort_draw: the cohort or the values array is NULL");
  if (patient == 0)
    return ts_fail(err, TS_E_INTERNAL, "ts_cohort_draw: patients are numbered from 1");
  ts_rng rng;
  ts_rng_init(&rng, seed, patient, TS_COHORT_STREAM);
  unsigned rejected = 0;
  for (;;) {
    attempt(c, &rng, values);
    if (accepted(c, values))
      break;
    if (rejected == c->max_redraws) {
      if (redraws)
        *redraws = rejected < UINT_MAX ? rejected + 1 : UINT_MAX;
      return fail_redraws(c, seed, patient, values, err);
    }
    rejected++;
  }
  if (redraws)
    *redraws = rejected;
  return apply_effects(c, patient, values, err);
}
