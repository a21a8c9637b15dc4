/* The trial sections of a scenario: cohort, arms, design, observations, endpoints (docs/scenario.md, "Virtual
 * trials"). Like the rest of the parser, everything is checked against the schema here; names of parameters and
 * signals and the units of quantities are resolved against the plugins later (system.c, trial.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_internal.h"
#include "units.h"

static const char *const cohort_keys[] = {"size",         "covariates",        "parameters",
                                          "correlations", "covariate_effects", "inclusion",
                                          "max_redraws",  "body_surface_area", NULL};
static const char *const variable_keys[] = {"distribution", "typical", "cv",    "omega", "mean",  "sd",
                                            "min",          "max",     "value", "lower", "upper", NULL};
static const char *const correlation_keys[] = {"between", "r", NULL};
static const char *const effect_keys[] = {"parameter", "covariate",   "model", "reference",
                                          "exponent",  "coefficient", NULL};
static const char *const inclusion_keys[] = {"variable", "min", "max", NULL};
static const char *const arm_keys[] = {"name", "doses", NULL};
static const char *const observation_keys[] = {"signal", "every", "times", "additive_error", "proportional_error",
                                               NULL};
static const char *const endpoint_keys[] = {"recist", "death", "toxicity", "exposure", NULL};
static const char *const recist_keys[] = {"signal", "confirm", "sd_min", "cr_below", NULL};
static const char *const death_keys[] = {"signal", "above", NULL};

#define TS_SC_MAX_COHORT 100000000L

/* A dimensionless fraction: "30%" or "0.3". */
static int get_fraction(const ts_yaml_node *n, const char *path, const char *example, double *out, ts_error *err) {
  ts_sc_quantity q = {0};
  if (sc_get_quantity(n, path, example, false, &q, err) != 0)
    return -1;
  double factor = 1;
  char why[256];
  int rc = ts_unit_factor(q.unit[0] ? q.unit : "1", "1", &factor, why, sizeof why);
  free(q.unit);
  if (rc != 0)
    return ts_yaml_fail(err, n->pos, "%s: '%s' is not a dimensionless number (%s); expected e.g. '%s'", path, n->scalar,
                        why, example);
  *out = q.value * factor;
  if (!(*out >= 0))
    return ts_yaml_fail(err, n->pos, "%s: must be >= 0, found '%s'", path, n->scalar);
  return 0;
}

/* ---- cohort ------------------------------------------------------------------------------------------------ */

static int get_side(const ts_yaml_node *map, const char *key, const char *path, const char *example, bool *has,
                    ts_sc_quantity *q, ts_error *err) {
  const ts_yaml_node *n = ts_yaml_get(map, key);
  path_buf p;
  *has = n != NULL;
  return n ? sc_get_quantity(n, sc_sub(p, path, key), example, false, q, err) : 0;
}

static int parse_variable(const ts_yaml_node *key, const ts_yaml_node *map, const char *section, bool is_param,
                          ts_sc_variable *v, ts_error *err) {
  path_buf path;
  sc_sub(path, section, key->scalar);
  v->pos = key->pos;
  if (sc_dup_into(key->scalar, &v->name, err) != 0)
    return -1;
  if (is_param) {
    if (sc_split_ref(key->scalar, key->pos, '.', section, "instance.parameter", "pk.CL", &v->instance, &v->param,
                     err) != 0)
      return -1;
  } else if (sc_check_identifier(key, section, "covariate", err) != 0) {
    return -1;
  }
  if (sc_expect(map, TS_YAML_MAPPING, path, "a distribution, e.g. {distribution: lognormal, cv: 30%}", err) != 0 ||
      ts_yaml_check_keys(map, variable_keys, path, err) != 0)
    return -1;
  static const char *const kinds[] = {"fixed", "normal", "lognormal", "uniform", NULL};
  const ts_yaml_node *n = sc_required(map, "distribution", path, "distribution: lognormal", err);
  path_buf p;
  int kind;
  if (!n || sc_get_keyword(n, sc_sub(p, path, "distribution"), kinds, &kind, err) != 0)
    return -1;
  v->kind = (ts_dist_kind)kind;
  /* which keys each distribution takes: center, spread */
  static const char *const center[] = {"value", "mean", "typical", "min"};
  static const char *const spread[] = {NULL, "sd", NULL, "max"};
  static const char *const examples[] = {"value: 3", "mean: 70 kg", "typical: 120 L/d", "min: 18 yr"};
  for (size_t i = 0; i < sizeof center / sizeof *center; i++) {
    const ts_yaml_node *k = ts_yaml_get(map, center[i]);
    if (k && (int)i != kind)
      return ts_yaml_fail(err, k->pos, "%s: '%s' does not go with distribution %s", path, center[i], kinds[kind]);
    if (spread[i] && (k = ts_yaml_get(map, spread[i])) && (int)i != kind)
      return ts_yaml_fail(err, k->pos, "%s: '%s' does not go with distribution %s", path, spread[i], kinds[kind]);
  }
  const ts_yaml_node *cv = ts_yaml_get(map, "cv"), *omega = ts_yaml_get(map, "omega");
  if (kind != TS_DIST_LOGNORMAL && (cv || omega))
    return ts_yaml_fail(err, (cv ? cv : omega)->pos, "%s: '%s' goes with distribution lognormal only", path,
                        cv ? "cv" : "omega");
  n = ts_yaml_get(map, center[kind]);
  v->has_center = n != NULL;
  if (!n && kind != TS_DIST_LOGNORMAL)
    return ts_yaml_fail(err, map->pos, "%s: distribution %s needs '%s', e.g. '%s'", path, kinds[kind], center[kind],
                        examples[kind]);
  if (!n && !is_param)
    return ts_yaml_fail(err, map->pos, "%s: a lognormal covariate needs 'typical', e.g. 'typical: 70 kg'", path);
  if (n && sc_get_quantity(n, sc_sub(p, path, center[kind]), examples[kind] + strlen(center[kind]) + 2, false,
                           &v->center, err) != 0)
    return -1;
  if (kind == TS_DIST_LOGNORMAL) {
    if (!!cv == !!omega)
      return ts_yaml_fail(err, map->pos,
                          "%s: give the variability as either 'cv' (e.g. 30%%) or 'omega' (the SD of "
                          "eta, e.g. 0.294), exactly one",
                          path);
    v->spread_is_cv = cv != NULL;
    v->spread.pos = (cv ? cv : omega)->pos;
    if (get_fraction(cv ? cv : omega, sc_sub(p, path, cv ? "cv" : "omega"), cv ? "30%" : "0.294", &v->spread.value,
                     err) != 0 ||
        sc_dup_into("1", &v->spread.unit, err) != 0)
      return -1;
    if (v->has_center && !(v->center.value > 0))
      return ts_yaml_fail(err, v->center.pos, "%s.typical: a lognormal typical value must be > 0, found %g", path,
                          v->center.value);
  } else if (spread[kind]) {
    n = sc_required(map, spread[kind], path, kind == TS_DIST_NORMAL ? "sd: 12 kg" : "max: 80 yr", err);
    if (!n || sc_get_quantity(n, sc_sub(p, path, spread[kind]), kind == TS_DIST_NORMAL ? "12 kg" : "80 yr", false,
                              &v->spread, err) != 0)
      return -1;
    if (kind == TS_DIST_NORMAL && !(v->spread.value >= 0))
      return ts_yaml_fail(err, n->pos, "%s.sd: a standard deviation must be >= 0, found %g", path, v->spread.value);
  }
  if (get_side(map, "lower", path, "40 kg", &v->has_lower, &v->lower, err) != 0 ||
      get_side(map, "upper", path, "150 kg", &v->has_upper, &v->upper, err) != 0)
    return -1;
  return 0;
}

static int parse_variables(ts_sc_cohort *c, const ts_yaml_node *map, const char *section, bool is_param,
                           ts_error *err) {
  if (sc_expect(map, TS_YAML_MAPPING, section, "a mapping of names to distributions", err) != 0)
    return -1;
  ts_sc_variable *vars = realloc(c->vars, (c->n_vars + map->n) * sizeof *vars);
  if (!vars)
    return sc_nomem(err);
  c->vars = vars;
  for (size_t i = 0; i < map->n; i++) {
    ts_sc_variable *v = &c->vars[c->n_vars++];
    memset(v, 0, sizeof *v);
    if (parse_variable(map->keys[i], map->items[i], section, is_param, v, err) != 0)
      return -1;
  }
  return 0;
}

static int find_variable(const ts_sc_cohort *c, const ts_yaml_node *n, const char *path, const char *what, char **out,
                         ts_error *err) {
  const char *name = sc_scalar(n, path, what, err);
  if (!name)
    return -1;
  for (size_t i = 0; i < c->n_vars; i++)
    if (strcmp(c->vars[i].name, name) == 0)
      return sc_dup_into(name, out, err);
  return ts_yaml_fail(err, n->pos,
                      "%s: '%s' is not a variable of the cohort; declare it under cohort.covariates or "
                      "cohort.parameters first",
                      path, name);
}

static int parse_correlations(ts_sc_cohort *c, const ts_yaml_node *list, ts_error *err) {
  if (sc_expect(list, TS_YAML_SEQUENCE, "cohort.correlations", "a list of {between: [a, b], r: 0.5}", err) != 0)
    return -1;
  if (list->n && !(c->correlations = calloc(list->n, sizeof *c->correlations)))
    return sc_nomem(err);
  for (size_t i = 0; i < list->n; i++) {
    path_buf path, p;
    snprintf(path, sizeof path, "cohort.correlations[%zu]", i + 1);
    const ts_yaml_node *m = list->items[i], *between, *r;
    ts_sc_correlation *k = &c->correlations[c->n_correlations++];
    k->pos = m->pos;
    if (sc_expect(m, TS_YAML_MAPPING, path, "{between: [pk.CL, pk.V1], r: 0.5}", err) != 0 ||
        ts_yaml_check_keys(m, correlation_keys, path, err) != 0 ||
        !(between = sc_required(m, "between", path, "between: [pk.CL, pk.V1]", err)) ||
        !(r = sc_required(m, "r", path, "r: 0.5", err)))
      return -1;
    sc_sub(p, path, "between");
    if (sc_expect(between, TS_YAML_SEQUENCE, p, "two variables, e.g. [pk.CL, pk.V1]", err) != 0)
      return -1;
    if (between->n != 2)
      return ts_yaml_fail(err, between->pos, "%s: expected two variables, found %zu", p, between->n);
    if (find_variable(c, between->items[0], p, "a variable name", &k->a, err) != 0 ||
        find_variable(c, between->items[1], p, "a variable name", &k->b, err) != 0)
      return -1;
    if (strcmp(k->a, k->b) == 0)
      return ts_yaml_fail(err, between->pos, "%s: a variable's correlation with itself is 1; name two variables", p);
    ts_sc_quantity q = {0};
    int rc = sc_get_quantity(r, sc_sub(p, path, "r"), "0.5", false, &q, err);
    int has_unit = q.unit && q.unit[0];
    free(q.unit);
    if (rc != 0)
      return -1;
    if (has_unit)
      return ts_yaml_fail(err, r->pos, "%s: a correlation has no unit", p);
    if (!(q.value >= -1 && q.value <= 1))
      return ts_yaml_fail(err, r->pos, "%s: a correlation must lie in [-1, 1], found %g", p, q.value);
    k->r = q.value;
  }
  return 0;
}

static int parse_effects(ts_sc_cohort *c, const ts_yaml_node *list, ts_error *err) {
  if (sc_expect(list, TS_YAML_SEQUENCE, "cohort.covariate_effects", "a list of covariate effects", err) != 0)
    return -1;
  if (list->n && !(c->effects = calloc(list->n, sizeof *c->effects)))
    return sc_nomem(err);
  static const char *const models[] = {"power", "exponential", "linear", NULL};
  for (size_t i = 0; i < list->n; i++) {
    path_buf path, p;
    snprintf(path, sizeof path, "cohort.covariate_effects[%zu]", i + 1);
    const ts_yaml_node *m = list->items[i], *n;
    ts_sc_effect *e = &c->effects[c->n_effects++];
    e->pos = m->pos;
    int model;
    if (sc_expect(m, TS_YAML_MAPPING, path, "{parameter: pk.CL, covariate: WT, model: power, ...}", err) != 0 ||
        ts_yaml_check_keys(m, effect_keys, path, err) != 0 ||
        !(n = sc_required(m, "parameter", path, "parameter: pk.CL", err)))
      return -1;
    if (sc_get_string(n, sc_sub(p, path, "parameter"), false, &e->parameter, err) != 0)
      return -1;
    if (!strchr(e->parameter, '.'))
      return ts_yaml_fail(err, n->pos, "%s: '%s' is not of the form 'instance.parameter'", p, e->parameter);
    if (!(n = sc_required(m, "covariate", path, "covariate: WT", err)) ||
        find_variable(c, n, sc_sub(p, path, "covariate"), "a covariate name", &e->covariate, err) != 0 ||
        !(n = sc_required(m, "model", path, "model: power", err)) ||
        sc_get_keyword(n, sc_sub(p, path, "model"), models, &model, err) != 0 ||
        !(n = sc_required(m, "reference", path, "reference: 70 kg", err)) ||
        sc_get_quantity(n, sc_sub(p, path, "reference"), "70 kg", false, &e->reference, err) != 0)
      return -1;
    e->model = (ts_covariate_model)model;
    const char *coef_key = model == TS_COV_POWER ? "exponent" : "coefficient";
    const ts_yaml_node *other = ts_yaml_get(m, model == TS_COV_POWER ? "coefficient" : "exponent");
    if (other)
      return ts_yaml_fail(err, other->pos, "%s: a %s model takes '%s'", path, models[model], coef_key);
    if (!(n = sc_required(m, coef_key, path, model == TS_COV_POWER ? "exponent: 0.75" : "coefficient: 0.01", err)))
      return -1;
    ts_sc_quantity q = {0};
    int rc = sc_get_quantity(n, sc_sub(p, path, coef_key), "0.75", false, &q, err);
    e->coefficient = q.value;
    free(q.unit);
    if (rc != 0)
      return -1;
  }
  return 0;
}

static int parse_inclusion(ts_sc_cohort *c, const ts_yaml_node *list, ts_error *err) {
  if (sc_expect(list, TS_YAML_SEQUENCE, "cohort.inclusion", "a list of {variable: WT, min: 40 kg, max: 150 kg}", err) !=
      0)
    return -1;
  if (list->n && !(c->inclusion = calloc(list->n, sizeof *c->inclusion)))
    return sc_nomem(err);
  for (size_t i = 0; i < list->n; i++) {
    path_buf path;
    snprintf(path, sizeof path, "cohort.inclusion[%zu]", i + 1);
    const ts_yaml_node *m = list->items[i], *n;
    ts_sc_inclusion *in = &c->inclusion[c->n_inclusion++];
    in->pos = m->pos;
    path_buf p;
    if (sc_expect(m, TS_YAML_MAPPING, path, "{variable: WT, min: 40 kg}", err) != 0 ||
        ts_yaml_check_keys(m, inclusion_keys, path, err) != 0 ||
        !(n = sc_required(m, "variable", path, "variable: WT", err)) ||
        find_variable(c, n, sc_sub(p, path, "variable"), "a variable name", &in->variable, err) != 0 ||
        get_side(m, "min", path, "40 kg", &in->has_min, &in->min, err) != 0 ||
        get_side(m, "max", path, "150 kg", &in->has_max, &in->max, err) != 0)
      return -1;
    if (!in->has_min && !in->has_max)
      return ts_yaml_fail(err, m->pos, "%s: give 'min', 'max' or both", path);
  }
  return 0;
}

static int parse_cohort(ts_scenario *sc, const ts_yaml_node *map, ts_error *err) {
  ts_sc_cohort *c = &sc->cohort;
  const ts_yaml_node *n;
  c->present = true;
  c->pos = map->pos;
  c->max_redraws = 1000;
  if (sc_expect(map, TS_YAML_MAPPING, "cohort", "a mapping with 'size' and distributions", err) != 0 ||
      ts_yaml_check_keys(map, cohort_keys, "cohort", err) != 0 ||
      !(n = sc_required(map, "size", "cohort", "size: 1000", err)) ||
      sc_get_integer(n, "cohort.size", 1, TS_SC_MAX_COHORT, &c->size, err) != 0)
    return -1;
  if ((n = ts_yaml_get(map, "covariates")) && parse_variables(c, n, "cohort.covariates", false, err) != 0)
    return -1;
  c->n_covariates = c->n_vars;
  if ((n = ts_yaml_get(map, "parameters")) && parse_variables(c, n, "cohort.parameters", true, err) != 0)
    return -1;
  if (((n = ts_yaml_get(map, "correlations")) && parse_correlations(c, n, err) != 0) ||
      ((n = ts_yaml_get(map, "covariate_effects")) && parse_effects(c, n, err) != 0) ||
      ((n = ts_yaml_get(map, "inclusion")) && parse_inclusion(c, n, err) != 0) ||
      ((n = ts_yaml_get(map, "max_redraws")) &&
       sc_get_integer(n, "cohort.max_redraws", 0, 1000000000L, &c->max_redraws, err) != 0))
    return -1;
  if ((n = ts_yaml_get(map, "body_surface_area"))) {
    static const char *const formulas[] = {"mosteller", "dubois", "haycock", "gehan_george", NULL};
    int f;
    if (sc_get_keyword(n, "cohort.body_surface_area", formulas, &f, err) != 0 ||
        sc_dup_into(formulas[f], &c->bsa_formula, err) != 0)
      return -1;
    c->bsa_pos = n->pos;
  }
  return 0;
}

/* ---- arms and design ------------------------------------------------------------------------------------------ */

static int parse_arms(ts_scenario *sc, const ts_yaml_node *list, ts_error *err) {
  if (sc_expect(list, TS_YAML_SEQUENCE, "arms", "a list of arms ('- name: q3w')", err) != 0)
    return -1;
  if (list->n == 0)
    return ts_yaml_fail(err, list->pos, "arms: the list is empty; give at least one arm or remove 'arms'");
  if (sc->n_doses > 0)
    return ts_yaml_fail(err, list->pos,
                        "arms: the scenario also has top-level 'doses'; with arms, give each arm its "
                        "own doses");
  if (!(sc->arms = calloc(list->n, sizeof *sc->arms)))
    return sc_nomem(err);
  for (size_t i = 0; i < list->n; i++) {
    path_buf path, p;
    snprintf(path, sizeof path, "arms[%zu]", i + 1);
    const ts_yaml_node *m = list->items[i], *n;
    ts_sc_arm *arm = &sc->arms[sc->n_arms++];
    arm->pos = m->pos;
    if (sc_expect(m, TS_YAML_MAPPING, path, "an arm: {name: q3w, doses: [...]}", err) != 0 ||
        ts_yaml_check_keys(m, arm_keys, path, err) != 0 || !(n = sc_required(m, "name", path, "name: q3w", err)) ||
        sc_check_identifier(n, path, "arm name", err) != 0 || sc_dup_into(n->scalar, &arm->name, err) != 0)
      return -1;
    for (size_t k = 0; k < i; k++)
      if (strcmp(sc->arms[k].name, arm->name) == 0)
        return ts_yaml_fail(err, n->pos, "%s.name: arm '%s' is named twice (first at line %d)", path, arm->name,
                            sc->arms[k].pos.line);
    if ((n = ts_yaml_get(m, "doses")) &&
        sc_parse_doses(n, sc_sub(p, path, "doses"), sc->start_days, &arm->doses, &arm->n_doses, err) != 0)
      return -1;
  }
  return 0;
}

/* ---- observations ------------------------------------------------------------------------------------------- */

static int observation_times(const ts_scenario *sc, const ts_yaml_node *m, const char *path, ts_sc_observation *o,
                             ts_error *err) {
  const ts_yaml_node *every = ts_yaml_get(m, "every"), *times = ts_yaml_get(m, "times");
  path_buf p;
  if (!!every == !!times)
    return ts_yaml_fail(err, m->pos, "%s: give either 'every' (e.g. 6 wk) or 'times' (a list), exactly one", path);
  if (every) {
    double step;
    if (sc_get_positive_time(every, sc_sub(p, path, "every"), "6 wk", &step, err) != 0)
      return -1;
    double span = sc->end_days - sc->start_days;
    size_t n = (size_t)floor(span / step * (1 + 1e-12)) + 1;
    if (n > 10000000)
      return ts_yaml_fail(err, every->pos, "%s: %zu observation times; at most 10000000", p, n);
    if (!(o->times = malloc(n * sizeof *o->times)))
      return sc_nomem(err);
    for (size_t k = 0; k < n; k++)
      o->times[k] = fmin(sc->start_days + (double)k * step, sc->end_days);
    o->n_times = n;
    return 0;
  }
  if (sc_expect(times, TS_YAML_SEQUENCE, sc_sub(p, path, "times"), "a list of times, e.g. [0 d, 42 d]", err) != 0)
    return -1;
  if (!(o->times = malloc((times->n ? times->n : 1) * sizeof *o->times)))
    return sc_nomem(err);
  for (size_t k = 0; k < times->n; k++) {
    char q[sizeof(path_buf) + 32];
    snprintf(q, sizeof q, "%s.times[%zu]", path, k + 1);
    if (sc_get_time(times->items[k], q, "42 d", &o->times[k], err) != 0)
      return -1;
    o->n_times++;
    if (o->times[k] < sc->start_days || o->times[k] > sc->end_days || (k > 0 && !(o->times[k] > o->times[k - 1])))
      return ts_yaml_fail(err, times->items[k]->pos, "%s: times must ascend within [start, horizon] = [%g d, %g d]", q,
                          sc->start_days, sc->end_days);
  }
  return 0;
}

static int parse_observations(ts_scenario *sc, const ts_yaml_node *list, ts_error *err) {
  if (sc_expect(list, TS_YAML_SEQUENCE, "observations", "a list of {signal: ..., every: ...}", err) != 0)
    return -1;
  if (list->n && !(sc->observations = calloc(list->n, sizeof *sc->observations)))
    return sc_nomem(err);
  for (size_t i = 0; i < list->n; i++) {
    path_buf path, p;
    snprintf(path, sizeof path, "observations[%zu]", i + 1);
    const ts_yaml_node *m = list->items[i], *n;
    ts_sc_observation *o = &sc->observations[sc->n_observations++];
    if (sc_expect(m, TS_YAML_MAPPING, path, "{signal: tumor.diameter, every: 6 wk}", err) != 0 ||
        ts_yaml_check_keys(m, observation_keys, path, err) != 0 ||
        !(n = sc_required(m, "signal", path, "signal: tumor.diameter", err)) ||
        sc_get_ref(n, sc_sub(p, path, "signal"), "instance.signal", "tumor.diameter", &o->signal.instance,
                   &o->signal.signal, err) != 0)
      return -1;
    o->signal.pos = n->pos;
    for (size_t k = 0; k + 1 < sc->n_observations; k++)
      if (strcmp(sc->observations[k].signal.instance, o->signal.instance) == 0 &&
          strcmp(sc->observations[k].signal.signal, o->signal.signal) == 0)
        return ts_yaml_fail(err, n->pos, "%s: %s.%s is observed twice; give one schedule per signal", p,
                            o->signal.instance, o->signal.signal);
    if (observation_times(sc, m, path, o, err) != 0)
      return -1;
    if ((n = ts_yaml_get(m, "additive_error")) &&
        sc_get_quantity(n, sc_sub(p, path, "additive_error"), "1 mm", false, &o->additive_error, err) != 0)
      return -1;
    if (!o->additive_error.unit && sc_dup_into("", &o->additive_error.unit, err) != 0)
      return -1;
    if (o->additive_error.value < 0)
      return ts_yaml_fail(err, n->pos, "%s: an error SD must be >= 0", p);
    if ((n = ts_yaml_get(m, "proportional_error")) &&
        get_fraction(n, sc_sub(p, path, "proportional_error"), "10%", &o->proportional_error, err) != 0)
      return -1;
  }
  return 0;
}

/* ---- endpoints ---------------------------------------------------------------------------------------------- */

static int get_signal(const ts_yaml_node *n, const char *path, ts_sc_signal_ref *ref, ts_error *err) {
  ref->pos = n->pos;
  return sc_get_ref(n, path, "instance.signal", "tumor.diameter", &ref->instance, &ref->signal, err);
}

static int parse_endpoints(ts_scenario *sc, const ts_yaml_node *map, ts_error *err) {
  ts_sc_endpoints *e = &sc->endpoints;
  const ts_yaml_node *n, *k;
  path_buf p;
  if (sc_expect(map, TS_YAML_MAPPING, "endpoints", "a mapping: recist, death, toxicity, exposure", err) != 0 ||
      ts_yaml_check_keys(map, endpoint_keys, "endpoints", err) != 0)
    return -1;
  if ((n = ts_yaml_get(map, "recist"))) {
    e->has_recist = true;
    if (sc_expect(n, TS_YAML_MAPPING, "endpoints.recist", "{signal: tumor.diameter}", err) != 0 ||
        ts_yaml_check_keys(n, recist_keys, "endpoints.recist", err) != 0 ||
        !(k = sc_required(n, "signal", "endpoints.recist", "signal: tumor.diameter", err)) ||
        get_signal(k, "endpoints.recist.signal", &e->recist_signal, err) != 0)
      return -1;
    if ((k = ts_yaml_get(n, "confirm")) && sc_get_bool(k, "endpoints.recist.confirm", &e->recist_confirm, err) != 0)
      return -1;
    if ((k = ts_yaml_get(n, "sd_min")) &&
        sc_get_time(k, "endpoints.recist.sd_min", "6 wk", &e->recist_sd_min_days, err) != 0)
      return -1;
    if ((k = ts_yaml_get(n, "cr_below")) &&
        sc_get_quantity(k, "endpoints.recist.cr_below", "10 mm", true, &e->recist_cr_below, err) != 0)
      return -1;
    if (!e->recist_cr_below.unit && sc_dup_into("mm", &e->recist_cr_below.unit, err) != 0)
      return -1;
  }
  if ((n = ts_yaml_get(map, "death"))) {
    e->has_death = true;
    if (sc_expect(n, TS_YAML_MAPPING, "endpoints.death", "{signal: tumor.N, above: 1e12 cells}", err) != 0 ||
        ts_yaml_check_keys(n, death_keys, "endpoints.death", err) != 0 ||
        !(k = sc_required(n, "signal", "endpoints.death", "signal: tumor.N", err)) ||
        get_signal(k, "endpoints.death.signal", &e->death_signal, err) != 0 ||
        !(k = sc_required(n, "above", "endpoints.death", "above: 1e12 cells", err)) ||
        sc_get_quantity(k, "endpoints.death.above", "1e12 cells", false, &e->death_above, err) != 0)
      return -1;
  }
  if ((n = ts_yaml_get(map, "toxicity"))) {
    e->has_toxicity = true;
    if (get_signal(n, sc_sub(p, "endpoints", "toxicity"), &e->toxicity_signal, err) != 0)
      return -1;
  }
  if ((n = ts_yaml_get(map, "exposure"))) {
    e->has_exposure = true;
    if (get_signal(n, sc_sub(p, "endpoints", "exposure"), &e->exposure_signal, err) != 0)
      return -1;
  }
  return 0;
}

int sc_parse_trial(ts_scenario *sc, const ts_yaml_node *root, ts_error *err) {
  const ts_yaml_node *n;
  if ((n = ts_yaml_get(root, "cohort")) && parse_cohort(sc, n, err) != 0)
    return -1;
  if ((n = ts_yaml_get(root, "arms")) && parse_arms(sc, n, err) != 0)
    return -1;
  if ((n = ts_yaml_get(root, "design"))) {
    static const char *const designs[] = {"paired", "randomised", NULL};
    int d;
    if (sc_get_keyword(n, "design", designs, &d, err) != 0)
      return -1;
    sc->design = (ts_sc_design)d;
    if (sc->design == TS_SC_RANDOMISED && sc->n_arms < 2)
      return ts_yaml_fail(err, n->pos, "design: randomised needs at least two arms");
  }
  if ((n = ts_yaml_get(root, "observations")) && parse_observations(sc, n, err) != 0)
    return -1;
  if ((n = ts_yaml_get(root, "endpoints")) && parse_endpoints(sc, n, err) != 0)
    return -1;
  if (sc->endpoints.has_recist) {
    bool observed = false;
    for (size_t i = 0; i < sc->n_observations; i++)
      observed |= strcmp(sc->observations[i].signal.instance, sc->endpoints.recist_signal.instance) == 0 &&
                  strcmp(sc->observations[i].signal.signal, sc->endpoints.recist_signal.signal) == 0;
    if (!observed)
      return ts_yaml_fail(err, sc->endpoints.recist_signal.pos,
                          "endpoints.recist.signal: %s.%s is not observed; RECIST reads the assessments, so add it "
                          "to 'observations' with its schedule, e.g. '- {signal: %s.%s, every: 6 wk}'",
                          sc->endpoints.recist_signal.instance, sc->endpoints.recist_signal.signal,
                          sc->endpoints.recist_signal.instance, sc->endpoints.recist_signal.signal);
  }
  return 0;
}

/* ---- freeing ------------------------------------------------------------------------------------------------ */

static void free_quantity(ts_sc_quantity *q) {
  free(q->unit);
}

static void free_ref(ts_sc_signal_ref *r) {
  free(r->instance);
  free(r->signal);
}

void sc_free_trial(ts_scenario *sc) {
  ts_sc_cohort *c = &sc->cohort;
  for (size_t i = 0; i < c->n_vars; i++) {
    ts_sc_variable *v = &c->vars[i];
    free(v->name), free(v->instance), free(v->param);
    free_quantity(&v->center), free_quantity(&v->spread), free_quantity(&v->lower), free_quantity(&v->upper);
  }
  free(c->vars);
  for (size_t i = 0; i < c->n_correlations; i++)
    free(c->correlations[i].a), free(c->correlations[i].b);
  free(c->correlations);
  for (size_t i = 0; i < c->n_effects; i++)
    free(c->effects[i].parameter), free(c->effects[i].covariate), free_quantity(&c->effects[i].reference);
  free(c->effects);
  for (size_t i = 0; i < c->n_inclusion; i++)
    free(c->inclusion[i].variable), free_quantity(&c->inclusion[i].min), free_quantity(&c->inclusion[i].max);
  free(c->inclusion);
  free(c->bsa_formula);
  for (size_t i = 0; i < sc->n_arms; i++) {
    free(sc->arms[i].name);
    sc_free_doses(sc->arms[i].doses, sc->arms[i].n_doses);
  }
  free(sc->arms);
  for (size_t i = 0; i < sc->n_observations; i++) {
    free_ref(&sc->observations[i].signal);
    free(sc->observations[i].times);
    free_quantity(&sc->observations[i].additive_error);
  }
  free(sc->observations);
  ts_sc_endpoints *e = &sc->endpoints;
  free_ref(&e->recist_signal), free_quantity(&e->recist_cr_below);
  free_ref(&e->death_signal), free_quantity(&e->death_above);
  free_ref(&e->toxicity_signal);
  free_ref(&e->exposure_signal);
}
