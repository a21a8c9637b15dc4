/* Building a system's trial from the scenario: cohort variables in the plugins' units and checked against the
 * parameters' bounds, or the twins' parameters and covariates likewise; observation schedules, endpoint signals.
 * See trial.h. */
#include "trial.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_check.h"
#include "rng.h"
#include "units.h"

void ts_system_free_trial(ts_system *sys) {
  ts_trial *t = sys->trial;
  if (!t)
    return;
  ts_cohort_free(t->cohort);
  for (size_t i = 0; i < t->n_twins; i++) {
    free(t->twins[i].overrides);
    free(t->twins[i].covariates);
  }
  free(t->twins);
  free(t->vars);
  free(t->obs);
  free(t->samples);
  free(t);
  sys->trial = NULL;
}

/* ---- cohort ------------------------------------------------------------------------------------------------ */

/* The parameter a cohort variable or effect names, as an index into the parameter vector, or -1 with an error. */
static int find_param(const ts_system *sys, const char *qualified, ts_yaml_pos pos, const ts_param **desc,
                      ts_error *err) {
  const char *dot = strchr(qualified, '.');
  char instance[256];
  snprintf(instance, sizeof instance, "%.*s", dot ? (int)(dot - qualified) : 0, qualified);
  int i = dot ? ts_system_instance(sys, instance) : -1;
  if (i < 0)
    return ts_yaml_fail(err, pos, "cohort: '%s' names no instance of the model", qualified);
  const ts_instance *in = &sys->inst[i];
  int p = ts_model_param_index(in->model, dot + 1);
  if (p < 0)
    return ts_yaml_fail(err, pos, "cohort: instance '%s' (%s/%s) has no parameter '%s'", instance, in->lib->name,
                        in->model->name, dot + 1);
  *desc = &in->model->params[p];
  return (int)(in->param_offset + (uint32_t)p);
}

static int var_index(const ts_trial *t, const char *name) {
  for (size_t i = 0; i < t->n_vars; i++)
    if (strcmp(t->vars[i].name, name) == 0)
      return (int)i;
  return -1;
}

/* A quantity of a cohort variable in the variable's unit (a bare number for a dimensionless one). */
static int in_var_unit(const ts_sc_quantity *q, const ts_trial_var *v, const char *what, double *out, ts_error *err) {
  char text[300];
  snprintf(text, sizeof text, "cohort: %s of %s", what, v->name);
  return ts_convert_quantity(q, v->unit, text, out, err);
}

/* Can the distribution produce a value the plugin refuses? Then say so at load, not patient by patient. */
static int check_support(const ts_cohort_var *cv, const ts_param *desc, ts_yaml_pos pos, ts_error *err) {
  double lo = cv->lower, hi = cv->upper;
  switch (cv->kind) {
  case TS_DIST_FIXED: lo = fmax(lo, cv->a), hi = fmin(hi, cv->a); break;
  case TS_DIST_LOGNORMAL: lo = fmax(lo, 0.0); break;
  case TS_DIST_UNIFORM: lo = fmax(lo, cv->a), hi = fmin(hi, cv->b); break;
  case TS_DIST_NORMAL: break;
  }
  bool lo_excluded = cv->kind == TS_DIST_LOGNORMAL && cv->lower <= 0.0; /* lognormal values are > 0 */
  bool lo_ok = lo > desc->lower || (lo == desc->lower && (lo_excluded || !(desc->flags & TS_PARAM_LOWER_OPEN)));
  bool hi_ok = hi < desc->upper || (hi == desc->upper && !(desc->flags & TS_PARAM_UPPER_OPEN));
  if (lo_ok && hi_ok)
    return 0;
  char range[128];
  ts_param_range_text(desc, range, sizeof range);
  return ts_yaml_fail(err, pos,
                      "cohort: %s can be drawn from [%g, %g] %s, outside the parameter's allowed range %s; use a "
                      "lognormal distribution or truncate it with lower/upper",
                      cv->name, lo, hi, desc->unit, range);
}

/* The distribution of one scenario variable in the variable's unit. */
static int make_var(const ts_system *sys, const ts_sc_variable *sv, ts_trial_var *tv, ts_cohort_var *cv,
                    ts_error *err) {
  const ts_param *desc = NULL;
  tv->name = sv->name;
  tv->param = -1;
  if (sv->param) {
    if ((tv->param = find_param(sys, sv->name, sv->pos, &desc, err)) < 0)
      return -1;
    tv->unit = desc->unit;
  } else {
    tv->unit = sv->center.unit && sv->center.unit[0] ? sv->center.unit : "1";
  }
  *cv = (ts_cohort_var){.name = sv->name, .kind = sv->kind, .lower = -INFINITY, .upper = INFINITY};
  if (sv->has_center) {
    if (in_var_unit(&sv->center, tv, "the centre", &cv->a, err) != 0)
      return -1;
  } else {
    cv->a = sys->params[tv->param]; /* lognormal around the model's (or scenario's) value */
  }
  switch (sv->kind) {
  case TS_DIST_LOGNORMAL:
    cv->b = sv->spread_is_cv ? sqrt(log(1.0 + sv->spread.value * sv->spread.value)) : sv->spread.value;
    break;
  case TS_DIST_NORMAL:
  case TS_DIST_UNIFORM:
    if (in_var_unit(&sv->spread, tv, sv->kind == TS_DIST_NORMAL ? "sd" : "max", &cv->b, err) != 0)
      return -1;
    break;
  case TS_DIST_FIXED: break;
  }
  if ((sv->has_lower && in_var_unit(&sv->lower, tv, "lower", &cv->lower, err) != 0) ||
      (sv->has_upper && in_var_unit(&sv->upper, tv, "upper", &cv->upper, err) != 0))
    return -1;
  return desc ? check_support(cv, desc, sv->pos, err) : 0;
}

/* The conversion factor of a covariate's unit to `unit`, or 0 when it is not of that dimension. */
static double factor_to(const char *from, const char *unit) {
  double f;
  return ts_unit_factor(from, unit, &f, NULL, 0) == 0 ? f : 0.0;
}

static int build_cohort(ts_system *sys, ts_trial *t, const ts_scenario *sc, ts_error *err) {
  const ts_sc_cohort *c = &sc->cohort;
  /* Room for every variable, plus the parameters covariate effects scale without drawing them. */
  size_t cap = c->n_vars + c->n_effects;
  ts_cohort_var *cvars = calloc(cap ? cap : 1, sizeof *cvars);
  ts_cohort_covariate_effect *effects = calloc(c->n_effects ? c->n_effects : 1, sizeof *effects);
  ts_cohort_inclusion *inclusion = calloc(c->n_inclusion ? c->n_inclusion : 1, sizeof *inclusion);
  double *corr = NULL;
  t->vars = calloc(cap ? cap : 1, sizeof *t->vars);
  int rc = -1;
  if (!cvars || !effects || !inclusion || !t->vars) {
    ts_fail(err, TS_E_NOMEM, "out of memory");
    goto done;
  }
  for (size_t i = 0; i < c->n_vars; i++, t->n_vars++)
    if (make_var(sys, &c->vars[i], &t->vars[i], &cvars[i], err) != 0)
      goto done;
  for (size_t i = 0; i < c->n_effects; i++) {
    const ts_sc_effect *e = &c->effects[i];
    int p = var_index(t, e->parameter);
    if (p < 0) { /* a parameter scaled but not drawn: a fixed variable at its scenario value */
      const ts_param *desc;
      int index = find_param(sys, e->parameter, e->pos, &desc, err);
      if (index < 0)
        goto done;
      p = (int)t->n_vars++;
      t->vars[p] = (ts_trial_var){.name = e->parameter, .unit = desc->unit, .param = index};
      cvars[p] = (ts_cohort_var){
          .name = e->parameter, .kind = TS_DIST_FIXED, .a = sys->params[index], .lower = -INFINITY, .upper = INFINITY};
    }
    int k = var_index(t, e->covariate);
    double reference;
    if (in_var_unit(&e->reference, &t->vars[k], "the reference", &reference, err) != 0)
      goto done;
    effects[i] = (ts_cohort_covariate_effect){.parameter = (size_t)p,
                                              .covariate = (size_t)k,
                                              .model = e->model,
                                              .reference = reference,
                                              .coefficient = e->coefficient};
  }
  for (size_t i = 0; i < c->n_inclusion; i++) {
    const ts_sc_inclusion *in = &c->inclusion[i];
    int v = var_index(t, in->variable);
    inclusion[i] = (ts_cohort_inclusion){.variable = (size_t)v, .lower = -INFINITY, .upper = INFINITY};
    if ((in->has_min && in_var_unit(&in->min, &t->vars[v], "the inclusion minimum", &inclusion[i].lower, err)) ||
        (in->has_max && in_var_unit(&in->max, &t->vars[v], "the inclusion maximum", &inclusion[i].upper, err)))
      goto done;
  }
  if (c->n_correlations) {
    size_t n = t->n_vars;
    if (!(corr = calloc(n * n, sizeof *corr))) {
      ts_fail(err, TS_E_NOMEM, "out of memory");
      goto done;
    }
    for (size_t i = 0; i < n; i++)
      corr[i * n + i] = 1.0;
    for (size_t i = 0; i < c->n_correlations; i++) {
      size_t a = (size_t)var_index(t, c->correlations[i].a), b = (size_t)var_index(t, c->correlations[i].b);
      corr[a * n + b] = corr[b * n + a] = c->correlations[i].r;
    }
  }
  ts_cohort_spec spec = {.vars = cvars,
                         .n_vars = t->n_vars,
                         .correlation = corr,
                         .inclusion = inclusion,
                         .n_inclusion = c->n_inclusion,
                         .effects = effects,
                         .n_effects = c->n_effects,
                         .max_redraws = (unsigned)c->max_redraws};
  ts_error cohort_err;
  ts_error_clear(&cohort_err);
  if (ts_cohort_create(&spec, &t->cohort, &cohort_err) != 0) {
    ts_yaml_fail(err, c->pos, "cohort: %s", cohort_err.message);
    goto done;
  }
  rc = 0;
done:
  free(cvars);
  free(effects);
  free(inclusion);
  free(corr);
  return rc;
}

/* WT, HT and BSA covariates, in kg, cm and m^2, for dosing per body weight or body-surface area. */
static int body_size(ts_system *sys, ts_trial *t, const ts_scenario *sc, ts_error *err) {
  t->weight_var = var_index(t, "WT");
  t->height_var = var_index(t, "HT");
  t->bsa_var = var_index(t, "BSA");
  struct {
    int var;
    const char *unit, *what;
    double *factor;
  } sizes[] = {{t->weight_var, "kg", "a mass (body weight)", &t->weight_to_kg},
               {t->height_var, "cm", "a length (height)", &t->height_to_cm},
               {t->bsa_var, "m^2", "an area (body-surface area)", &t->bsa_to_m2}};
  for (size_t i = 0; i < 3; i++)
    if (sizes[i].var >= 0 && t->vars[sizes[i].var].param < 0 &&
        !(*sizes[i].factor = factor_to(t->vars[sizes[i].var].unit, sizes[i].unit)))
      return ts_yaml_fail(err, sc->cohort.vars[sizes[i].var].pos, "cohort: covariate %s is in '%s'; expected %s",
                          t->vars[sizes[i].var].name, t->vars[sizes[i].var].unit, sizes[i].what);
  t->bsa_formula = sc->cohort.bsa_formula;
  if (t->bsa_formula && (t->weight_var < 0 || t->height_var < 0))
    return ts_yaml_fail(err, sc->cohort.bsa_pos, "cohort.body_surface_area: %s needs covariates WT and HT",
                        t->bsa_formula);
  bool has_bsa = t->bsa_var >= 0 || t->bsa_formula;
  for (size_t a = 0; a < sys->n_arms; a++)
    for (size_t k = 0; k < sys->arms[a].n_doses; k++) {
      const ts_dose_plan *p = &sys->arms[a].doses[k];
      const ts_sc_dose *d = sc->n_arms ? &sc->arms[a].doses[k] : &sc->doses[k];
      if (p->scale == TS_DOSE_PER_KG && t->weight_var < 0)
        return ts_yaml_fail(err, d->amount.pos,
                            "dose '%g %s' is per body weight, but the patients have no weight: add a covariate WT "
                            "(e.g. 'WT: {distribution: normal, mean: 70 kg, sd: 12 kg}') under cohort.covariates",
                            d->amount.value, d->amount.unit);
      if (p->scale == TS_DOSE_PER_M2 && !has_bsa)
        return ts_yaml_fail(err, d->amount.pos,
                            "dose '%g %s' is per body-surface area, but the patients have none: give covariates WT "
                            "and HT with 'body_surface_area: mosteller', or a covariate BSA",
                            d->amount.value, d->amount.unit);
    }
  return 0;
}

/* ---- twins ------------------------------------------------------------------------------------------------- */

/* A twin's label is copied into ts_trial_patient.label; the scenario parser keeps ids to 63 bytes. */
_Static_assert(sizeof(((ts_trial_patient *)0)->label) >= 64, "a twin's id (<= 63 bytes) must fit a patient label");

/* One parameter a twin sets, in the plugin's unit and within its bounds. */
static int twin_override(const ts_system *sys, const ts_sc_override *o, ts_trial_override *to, ts_error *err) {
  int i = ts_system_instance(sys, o->instance);
  if (i < 0) {
    ts_yaml_fail(err, o->value.pos,
                 "parameters.%s.%s: the scenario's model has no instance '%s'; its instances are:", o->instance,
                 o->param, o->instance);
    for (size_t k = 0; k < sys->n_inst; k++)
      ts_error_append(err, "  %s  (%s/%s)", sys->inst[k].name, sys->inst[k].lib->name, sys->inst[k].model->name);
    return -1;
  }
  const ts_instance *in = &sys->inst[i];
  int p = ts_model_param_index(in->model, o->param);
  if (p < 0) {
    ts_yaml_fail(err, o->value.pos,
                 "parameters.%s.%s: instance '%s' (%s/%s) has no parameter '%s'; its parameters are:", o->instance,
                 o->param, in->name, in->lib->name, in->model->name, o->param);
    for (uint32_t k = 0; k < in->model->n_params; k++)
      ts_error_append(err, "  %s [%s]  %s", in->model->params[k].name, in->model->params[k].unit,
                      in->model->params[k].doc ? in->model->params[k].doc : "");
    return -1;
  }
  const ts_param *d = &in->model->params[p];
  char what[300];
  snprintf(what, sizeof what, "parameters.%s.%s", o->instance, o->param);
  if (ts_convert_quantity(&o->value, d->unit, what, &to->value, err) != 0)
    return -1;
  if (!ts_param_in_range(d, to->value)) {
    char range[128];
    ts_param_range_text(d, range, sizeof range);
    const char *unit = strcmp(d->unit, "1") == 0 ? "" : d->unit;
    return ts_yaml_fail(err, o->value.pos, "parameter %s.%s = %g%s%s is outside its allowed range %s%s%s", in->name,
                        d->name, to->value, *unit ? " " : "", unit, range, *unit ? " " : "", unit);
  }
  to->param = in->param_offset + (uint32_t)p;
  return 0;
}

/* A covariate of a twin for the store: WT, HT and BSA converted to kg, cm and m^2 (and > 0), others as written. */
static int twin_covariate(const ts_sc_covariate *c, ts_store_covariate *out, ts_error *err) {
  static const struct {
    const char *name, *unit, *what;
  } body[] = {{"WT", "kg", "a body weight"}, {"HT", "cm", "a height"}, {"BSA", "m^2", "a body-surface area"}};
  *out = (ts_store_covariate){c->name, c->value.value, c->value.unit[0] ? c->value.unit : "1"};
  for (size_t i = 0; i < sizeof body / sizeof *body; i++) {
    if (strcmp(c->name, body[i].name) != 0)
      continue;
    char what[64];
    snprintf(what, sizeof what, "covariates.%s (%s)", c->name, body[i].what);
    if (ts_convert_quantity(&c->value, body[i].unit, what, &out->value, err) != 0)
      return -1;
    if (!(out->value > 0))
      return ts_yaml_fail(err, c->value.pos, "%s: must be > 0, found %g %s", what, c->value.value, c->value.unit);
    out->unit = body[i].unit;
  }
  return 0;
}

static int build_twin(const ts_system *sys, const ts_sc_twin *st, ts_trial_twin *tt, ts_error *err) {
  tt->label = st->id;
  tt->weight_kg = tt->bsa_m2 = NAN;
  size_t cap = st->n_covariates + 2; /* + SEX + a computed BSA */
  if ((st->n_overrides && !(tt->overrides = calloc(st->n_overrides, sizeof *tt->overrides))) ||
      !(tt->covariates = calloc(cap, sizeof *tt->covariates)))
    return ts_fail(err, TS_E_NOMEM, "out of memory");
  for (size_t i = 0; i < st->n_overrides; i++, tt->n_overrides++)
    if (twin_override(sys, &st->overrides[i], &tt->overrides[i], err) != 0)
      return -1;
  double height_cm = NAN;
  for (size_t i = 0; i < st->n_covariates; i++, tt->n_covariates++) {
    ts_store_covariate *c = &tt->covariates[i];
    if (twin_covariate(&st->covariates[i], c, err) != 0)
      return -1;
    if (strcmp(c->name, "WT") == 0)
      tt->weight_kg = c->value;
    else if (strcmp(c->name, "HT") == 0)
      height_cm = c->value;
    else if (strcmp(c->name, "BSA") == 0)
      tt->bsa_m2 = c->value;
  }
  if (st->sex != TS_SC_SEX_NONE)
    tt->covariates[tt->n_covariates++] = (ts_store_covariate){"SEX", (double)st->sex, "1"};
  if (st->bsa_formula) { /* the parser made sure of WT and HT (and that there is no BSA covariate) */
    tt->bsa_m2 = ts_body_surface_area(st->bsa_formula, tt->weight_kg, height_cm);
    tt->covariates[tt->n_covariates++] = (ts_store_covariate){"BSA", tt->bsa_m2, "m^2"};
  }
  return 0;
}

/* Every twin must have what the doses need: a weight for doses per kg, a body-surface area for doses per m^2. */
static int check_twin_doses(const ts_system *sys, const ts_scenario *sc, const ts_sc_twin *st, const ts_trial_twin *tt,
                            ts_error *err) {
  for (size_t a = 0; a < sys->n_arms; a++)
    for (size_t k = 0; k < sys->arms[a].n_doses; k++) {
      const ts_dose_plan *p = &sys->arms[a].doses[k];
      const ts_sc_dose *d = sc->n_arms ? &sc->arms[a].doses[k] : &sc->doses[k];
      if (p->scale == TS_DOSE_PER_KG && isnan(tt->weight_kg))
        return ts_yaml_fail(err, st->covariates_pos,
                            "twin '%s' has no body weight, but the dose '%g %s' (%s:%d:%d) is per body weight: add "
                            "e.g. 'WT: 70 kg' under covariates",
                            st->id, d->amount.value, d->amount.unit, d->amount.pos.file, d->amount.pos.line,
                            d->amount.pos.column);
      if (p->scale == TS_DOSE_PER_M2 && isnan(tt->bsa_m2))
        return ts_yaml_fail(err, st->covariates_pos,
                            "twin '%s' has no body-surface area, but the dose '%g %s' (%s:%d:%d) is per m^2: add "
                            "the covariates WT and HT with 'body_surface_area: mosteller', or a covariate BSA",
                            st->id, d->amount.value, d->amount.unit, d->amount.pos.file, d->amount.pos.line,
                            d->amount.pos.column);
    }
  return 0;
}

static int build_twins(const ts_system *sys, ts_trial *t, const ts_scenario *sc, ts_error *err) {
  if (!(t->twins = calloc(sc->n_twins, sizeof *t->twins)))
    return ts_fail(err, TS_E_NOMEM, "out of memory");
  for (size_t i = 0; i < sc->n_twins; i++) {
    t->n_twins++; /* counted before it is filled, so that ts_system_free_trial frees a twin built half-way */
    if (build_twin(sys, &sc->twins[i], &t->twins[i], err) != 0 ||
        check_twin_doses(sys, sc, &sc->twins[i], &t->twins[i], err) != 0)
      return -1;
  }
  return 0;
}

size_t ts_trial_max_covariates(const ts_system *sys) {
  const ts_trial *t = sys->trial;
  size_t n = t->n_vars + 1; /* + a computed BSA */
  for (size_t i = 0; i < t->n_twins; i++)
    if (t->twins[i].n_covariates > n)
      n = t->twins[i].n_covariates;
  return n;
}

/* The covariates of a drawn patient, for the store: the cohort's covariates and a computed BSA. */
static void list_covariates(const ts_trial *t, ts_trial_patient *p) {
  p->n_covariates = 0;
  for (size_t i = 0; i < t->n_vars; i++)
    if (t->vars[i].param < 0)
      p->covariates[p->n_covariates++] = (ts_store_covariate){t->vars[i].name, p->values[i], t->vars[i].unit};
  if (t->bsa_var < 0 && !isnan(p->bsa_m2))
    p->covariates[p->n_covariates++] = (ts_store_covariate){"BSA", p->bsa_m2, "m^2"};
}

int ts_trial_draw(const ts_system *sys, uint64_t seed, uint64_t k, ts_trial_patient *p, ts_error *err) {
  const ts_trial *t = sys->trial;
  memcpy(p->params, sys->params, sys->n_params * sizeof *p->params);
  p->weight_kg = p->bsa_m2 = NAN;
  p->redraws = 0;
  p->n_covariates = 0;
  if (t->n_twins) {
    if (k < 1 || k > t->n_twins)
      return ts_fail(err, TS_E_INTERNAL, "patient %llu asked of a scenario with %zu twins", (unsigned long long)k,
                     t->n_twins);
    const ts_trial_twin *tw = &t->twins[k - 1];
    for (size_t i = 0; i < tw->n_overrides; i++)
      p->params[tw->overrides[i].param] = tw->overrides[i].value;
    memcpy(p->covariates, tw->covariates, tw->n_covariates * sizeof *p->covariates);
    p->n_covariates = tw->n_covariates;
    p->weight_kg = tw->weight_kg;
    p->bsa_m2 = tw->bsa_m2;
    snprintf(p->label, sizeof p->label, "%s", tw->label);
    return 0;
  }
  if (!t->cohort) {
    snprintf(p->label, sizeof p->label, "%s", sys->scenario->patient_id);
    return 0;
  }
  snprintf(p->label, sizeof p->label, "patient-%llu", (unsigned long long)k);
  if (ts_cohort_draw(t->cohort, seed, k, p->values, &p->redraws, err) != 0)
    return -1;
  for (size_t i = 0; i < t->n_vars; i++)
    if (t->vars[i].param >= 0)
      p->params[t->vars[i].param] = p->values[i];
  if (t->weight_var >= 0)
    p->weight_kg = p->values[t->weight_var] * t->weight_to_kg;
  if (t->bsa_var >= 0)
    p->bsa_m2 = p->values[t->bsa_var] * t->bsa_to_m2;
  else if (t->bsa_formula)
    p->bsa_m2 = ts_body_surface_area(t->bsa_formula, p->weight_kg, p->values[t->height_var] * t->height_to_cm);
  list_covariates(t, p);
  return 0;
}

size_t ts_trial_allocate(const ts_system *sys, uint64_t seed, uint64_t k) {
  ts_rng r;
  ts_rng_init(&r, seed, k, TS_ALLOCATION_STREAM);
  size_t arm = (size_t)(ts_rng_uniform(&r) * (double)sys->n_arms);
  return arm < sys->n_arms ? arm : sys->n_arms - 1;
}

/* ---- observations and endpoints ------------------------------------------------------------------------------ */

static int by_sample_time(const void *a, const void *b) {
  const ts_obs_sample *x = a, *y = b;
  if (x->time != y->time)
    return x->time < y->time ? -1 : 1;
  return (int)x->obs - (int)y->obs;
}

static int build_observations(ts_system *sys, ts_trial *t, const ts_scenario *sc, ts_error *err) {
  size_t n_samples = 0;
  t->obs = calloc(sc->n_observations ? sc->n_observations : 1, sizeof *t->obs);
  if (!t->obs)
    return ts_fail(err, TS_E_NOMEM, "out of memory");
  for (size_t i = 0; i < sc->n_observations; i++) {
    const ts_sc_observation *o = &sc->observations[i];
    int b = ts_system_resolve_signal(sys, o->signal.instance, o->signal.signal, o->signal.pos, "observed signal", err);
    if (b < 0)
      return -1;
    ts_trial_obs *to = &t->obs[t->n_obs++];
    *to = (ts_trial_obs){.bus = (uint32_t)b, .name = sys->signals[b].name, .proportional = o->proportional_error};
    char what[300];
    snprintf(what, sizeof what, "observations: additive error of %s", to->name);
    if (o->additive_error.value != 0 &&
        ts_convert_quantity(&o->additive_error, sys->signals[b].unit, what, &to->additive_sd, err) != 0)
      return -1;
    n_samples += o->n_times;
  }
  if (!(t->samples = calloc(n_samples ? n_samples : 1, sizeof *t->samples)))
    return ts_fail(err, TS_E_NOMEM, "out of memory");
  for (size_t i = 0; i < sc->n_observations; i++)
    for (size_t k = 0; k < sc->observations[i].n_times; k++)
      t->samples[t->n_samples++] = (ts_obs_sample){sc->observations[i].times[k], (uint32_t)i};
  qsort(t->samples, t->n_samples, sizeof *t->samples, by_sample_time);
  return 0;
}

/* The index of a signal among the recorded ones, recording it when it is not yet. */
static int recorded_index(ts_system *sys, const ts_sc_signal_ref *ref, const char *what, ts_error *err) {
  int b = ts_system_resolve_signal(sys, ref->instance, ref->signal, ref->pos, what, err);
  if (b < 0)
    return -1;
  for (size_t j = 0; j < sys->n_recorded; j++)
    if (sys->recorded[j] == (uint32_t)b)
      return (int)j;
  uint32_t *grown = realloc(sys->recorded, (sys->n_recorded + 1) * sizeof *grown);
  if (!grown)
    return ts_fail(err, TS_E_NOMEM, "out of memory");
  sys->recorded = grown;
  sys->recorded[sys->n_recorded] = (uint32_t)b;
  return (int)sys->n_recorded++;
}

static int build_endpoints(ts_system *sys, ts_trial *t, const ts_scenario *sc, ts_error *err) {
  const ts_sc_endpoints *e = &sc->endpoints;
  t->recist_obs = t->death_rec = t->toxicity_rec = t->exposure_rec = -1;
  t->recist = ts_recist_defaults();
  if (e->has_recist) {
    for (size_t i = 0; i < sc->n_observations; i++)
      if (strcmp(sc->observations[i].signal.instance, e->recist_signal.instance) == 0 &&
          strcmp(sc->observations[i].signal.signal, e->recist_signal.signal) == 0)
        t->recist_obs = (int)i;
    const char *unit = sys->signals[t->obs[t->recist_obs].bus].unit;
    if (!(t->recist_to_mm = factor_to(unit, "mm")))
      return ts_yaml_fail(err, e->recist_signal.pos,
                          "endpoints.recist.signal: %s is in '%s'; RECIST needs a diameter (a length, e.g. mm)",
                          t->obs[t->recist_obs].name, unit);
    t->recist.confirm = e->recist_confirm;
    t->recist.sd_min_days = e->recist_sd_min_days;
    if (e->recist_cr_below.unit &&
        ts_convert_quantity(&e->recist_cr_below, "mm", "endpoints.recist.cr_below", &t->recist.cr_threshold_mm, err))
      return -1;
  }
  if (e->has_death) {
    if ((t->death_rec = recorded_index(sys, &e->death_signal, "endpoints.death.signal", err)) < 0 ||
        ts_convert_quantity(&e->death_above, sys->signals[sys->recorded[t->death_rec]].unit, "endpoints.death.above",
                            &t->death_above, err) != 0)
      return -1;
  }
  if (e->has_toxicity && (t->toxicity_rec = recorded_index(sys, &e->toxicity_signal, "endpoints.toxicity", err)) < 0)
    return -1;
  if (e->has_exposure && (t->exposure_rec = recorded_index(sys, &e->exposure_signal, "endpoints.exposure", err)) < 0)
    return -1;
  t->any_endpoint = e->has_recist || e->has_death || e->has_toxicity || e->has_exposure;
  return 0;
}

int ts_system_build_trial(ts_system *sys, const ts_scenario *sc, ts_error *err) {
  ts_trial *t = calloc(1, sizeof *t);
  if (!t)
    return ts_fail(err, TS_E_NOMEM, "out of memory");
  sys->trial = t;
  t->n_patients = sc->n_twins ? sc->n_twins : sc->cohort.present ? (size_t)sc->cohort.size : 1;
  t->design = sc->design;
  t->weight_var = t->height_var = t->bsa_var = -1;
  if (sc->cohort.present && build_cohort(sys, t, sc, err) != 0)
    return -1;
  if ((sc->n_twins ? build_twins(sys, t, sc, err) : body_size(sys, t, sc, err)) != 0 ||
      build_observations(sys, t, sc, err) != 0 || build_endpoints(sys, t, sc, err) != 0)
    return -1;
  return 0;
}
