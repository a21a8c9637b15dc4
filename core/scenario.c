/* Reading a scenario (schema 1, docs/scenario.md) from its YAML tree into a ts_scenario: see scenario.h.
 *
 * Every check here is about the file alone; names of plugins, parameters and signals are resolved later against
 * the loaded plugins (system.c). Errors start with "FILE:LINE:COL: path: " where path names the element, e.g.
 * "doses[2].amount" (list items are counted from 1, as a reader counts them).
 *
 * Memory: arrays are allocated at their final size and zeroed before they are filled, so ts_scenario_free() can
 * release a scenario however far its parsing got. */
#include "scenario.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenario_internal.h"
#include "units.h"

#define TS_SC_SCHEMA           1
#define TS_SC_MAX_DOSES        1000000L  /* doses of one regimen (count) */
#define TS_SC_MAX_OUTPUT_TIMES 10000000L /* points of an output grid */
#define TS_SC_GRID_RTOL        1e-9      /* a grid point this close to the horizon is the horizon */

/* out = base.key, for messages; a path too long for the buffer ends in "...". */
const char *sc_sub(path_buf out, const char *base, const char *key) {
  if (snprintf(out, sizeof(path_buf), "%s.%s", base, key) >= (int)sizeof(path_buf))
    strcpy(out + sizeof(path_buf) - 4, "...");
  return out;
}

static const char *const top_keys[] = {
    "twinsim", "name",   "description", "seed", "plugin_path", "model",        "patient",   "doses", "start", "horizon",
    "output",  "solver", "cohort",      "arms", "design",      "observations", "endpoints", "twins", "rules", NULL};
static const char *const reserved_keys[] = {"cohorts", NULL};
static const char *const instance_keys[] = {"model", "parameters", "inputs", "step", NULL};
static const char *const patient_keys[] = {"id", "parameters", NULL};
/* amt, dur and ii are NONMEM's names for amount, duration and interval */
static const char *const dose_keys[] = {"target",   "amount", "amt",   "start", "duration", "dur", "rate",
                                        "interval", "ii",     "count", "addl",  "overlap",  NULL};
static const char *const output_keys[] = {"every", "times", "signals", NULL};
static const char *const solver_keys[] = {"method",   "rtol",     "atol",        "max_steps",
                                          "max_step", "jacobian", "nonnegative", NULL};

int sc_nomem(ts_error *err) {
  return ts_fail(err, TS_E_NOMEM, "out of memory while reading the scenario");
}

int sc_dup_into(const char *s, char **out, ts_error *err) {
  *out = strdup(s);
  return *out ? 0 : sc_nomem(err);
}

/* ---- Scalars ----------------------------------------------------------------------------------------------- */

bool sc_is_empty(const ts_yaml_node *n) {
  return n->kind == TS_YAML_SCALAR && !n->quoted && n->scalar[0] == '\0';
}

/* Fails with "path: expected WHAT, found ..." unless n has the given kind (an empty value is never a scalar). */
int sc_expect(const ts_yaml_node *n, ts_yaml_kind kind, const char *path, const char *what, ts_error *err) {
  if (n->kind == kind && !sc_is_empty(n))
    return 0;
  if (sc_is_empty(n))
    return ts_yaml_fail(err, n->pos, "%s: no value given; expected %s", path, what);
  if (n->kind == TS_YAML_SCALAR)
    return ts_yaml_fail(err, n->pos, "%s: expected %s, found '%.60s'", path, what, n->scalar);
  return ts_yaml_fail(err, n->pos, "%s: expected %s, found a %s", path, what,
                      n->kind == TS_YAML_SEQUENCE ? "list" : "mapping");
}

const char *sc_scalar(const ts_yaml_node *n, const char *path, const char *what, ts_error *err) {
  return sc_expect(n, TS_YAML_SCALAR, path, what, err) == 0 ? n->scalar : NULL;
}

const ts_yaml_node *sc_required(const ts_yaml_node *map, const char *key, const char *path, const char *example,
                                ts_error *err) {
  const ts_yaml_node *n = ts_yaml_get(map, key);
  if (!n)
    ts_yaml_fail(err, map->pos, "%s: missing required key '%s'; e.g. '%s'", path, key, example);
  return n;
}

int sc_get_string(const ts_yaml_node *n, const char *path, bool allow_empty, char **out, ts_error *err) {
  if (allow_empty && sc_is_empty(n))
    return sc_dup_into("", out, err);
  const char *s = sc_scalar(n, path, "a text value", err);
  if (!s)
    return -1;
  if (!allow_empty && s[0] == '\0')
    return ts_yaml_fail(err, n->pos, "%s: must not be empty", path);
  return sc_dup_into(s, out, err);
}

/* [+-]digits[.digits][(e|E)[+-]digits] with at least one digit in the mantissa: what strtod may read here. */
bool sc_is_decimal(const char *s) {
  size_t digits = 0;
  s += *s == '+' || *s == '-';
  for (; isdigit((unsigned char)*s); s++)
    digits++;
  if (*s == '.')
    for (s++; isdigit((unsigned char)*s); s++)
      digits++;
  if (digits == 0)
    return false;
  if (*s == 'e' || *s == 'E') {
    s++;
    s += *s == '+' || *s == '-';
    if (!isdigit((unsigned char)*s))
      return false;
    while (isdigit((unsigned char)*s))
      s++;
  }
  return *s == '\0';
}

/* A plain (unquoted) number > 0. */
int sc_get_positive(const ts_yaml_node *n, const char *path, const char *example, double *out, ts_error *err) {
  const char *s = sc_scalar(n, path, "a number", err);
  if (!s)
    return -1;
  if (n->quoted || !sc_is_decimal(s))
    return ts_yaml_fail(err, n->pos, "%s: '%s' is not a number; expected a plain number such as %s%s", path, s, example,
                        n->quoted ? " (without quotes)" : "");
  double v = strtod(s, NULL);
  if (!isfinite(v) || !(v > 0))
    return ts_yaml_fail(err, n->pos, "%s: %s is out of range; expected a finite number > 0 such as %s", path, s,
                        example);
  *out = v;
  return 0;
}

bool sc_is_whole(const char *s) {
  s += *s == '-';
  if (!isdigit((unsigned char)*s))
    return false;
  while (isdigit((unsigned char)*s))
    s++;
  return *s == '\0';
}

int sc_get_integer(const ts_yaml_node *n, const char *path, long min, long max, long *out, ts_error *err) {
  const char *s = sc_scalar(n, path, "a whole number", err);
  if (!s)
    return -1;
  if (n->quoted || !sc_is_whole(s))
    return ts_yaml_fail(err, n->pos, "%s: '%s' is not a whole number; expected a plain whole number from %ld to %ld",
                        path, s, min, max);
  errno = 0;
  long v = strtol(s, NULL, 10);
  if (errno == ERANGE || v < min || v > max)
    return ts_yaml_fail(err, n->pos, "%s: %s is out of range; expected a whole number from %ld to %ld", path, s, min,
                        max);
  *out = v;
  return 0;
}

int sc_get_bool(const ts_yaml_node *n, const char *path, bool *out, ts_error *err) {
  const char *s = sc_scalar(n, path, "true or false", err);
  if (!s)
    return -1;
  if (!n->quoted && (strcmp(s, "true") == 0 || strcmp(s, "false") == 0)) {
    *out = s[0] == 't';
    return 0;
  }
  return ts_yaml_fail(err, n->pos, "%s: expected true or false, found '%s'", path, s);
}

/* ---- Quantities -------------------------------------------------------------------------------------------- */

/* "120 L/d" -> value and unit text; the unit, when written, must parse. */
int sc_get_quantity(const ts_yaml_node *n, const char *path, const char *example, bool unit_required, ts_sc_quantity *q,
                    ts_error *err) {
  char what[96], unit[256], why[256];
  snprintf(what, sizeof what, "a quantity such as '%s'", example);
  const char *s = sc_scalar(n, path, what, err);
  if (!s)
    return -1;
  double v;
  if (ts_quantity_split(s, &v, unit, sizeof unit, why, sizeof why) != 0)
    return ts_yaml_fail(err, n->pos, "%s: '%s' is not a quantity (%s); expected a number and a unit, e.g. '%s'", path,
                        s, why, example);
  if (!isfinite(v))
    return ts_yaml_fail(err, n->pos, "%s: '%s' is not a finite number; expected a quantity such as '%s'", path, s,
                        example);
  if (unit_required && unit[0] == '\0')
    return ts_yaml_fail(err, n->pos, "%s: '%s' has no unit; expected a quantity with a unit, e.g. '%s'", path, s,
                        example);
  ts_unit parsed;
  if (unit[0] && ts_unit_parse(unit, &parsed, why, sizeof why) != 0)
    return ts_yaml_fail(err, n->pos, "%s: unit '%s' in '%s' is not understood: %s; see docs/units.md", path, unit, s,
                        why);
  q->value = v;
  q->pos = n->pos;
  return sc_dup_into(unit, &q->unit, err);
}

/* A time in any time unit, converted to days. */
int sc_get_time(const ts_yaml_node *n, const char *path, const char *example, double *days, ts_error *err) {
  ts_sc_quantity q = {0};
  if (sc_get_quantity(n, path, example, true, &q, err) != 0)
    return -1;
  double factor;
  char why[256];
  int rc = ts_unit_factor(q.unit, "d", &factor, why, sizeof why);
  if (rc != 0)
    ts_yaml_fail(err, n->pos, "%s: '%s' is not a time (%s); expected a quantity in a time unit, e.g. '%s' or '12 h'",
                 path, n->scalar, why, example);
  else
    *days = q.value * factor;
  free(q.unit);
  return rc;
}

int sc_get_positive_time(const ts_yaml_node *n, const char *path, const char *example, double *days, ts_error *err) {
  if (sc_get_time(n, path, example, days, err) != 0)
    return -1;
  if (!(*days > 0))
    return ts_yaml_fail(err, n->pos, "%s: must be > 0, found '%s'", path, n->scalar);
  return 0;
}

/* ---- Names and references ---------------------------------------------------------------------------------- */

bool sc_is_identifier(const char *s, size_t len) {
  if (len == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
    return false;
  for (size_t i = 1; i < len; i++)
    if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
      return false;
  return true;
}

/* Splits "left<sep>right", both identifiers (only checks when left is NULL); form and example go into the message,
 * e.g. "instance.signal" and "pk.C". */
int sc_split_ref(const char *s, ts_yaml_pos pos, char sep, const char *path, const char *form, const char *example,
                 char **left, char **right, ts_error *err) {
  const char *at = strchr(s, sep);
  const char *problem = NULL;
  if (!at)
    problem = sep == '.' ? "it has no '.'" : "it has no '/'";
  else if (strchr(at + 1, sep))
    problem = sep == '.' ? "it has more than one '.'" : "it has more than one '/'";
  else if (!sc_is_identifier(s, (size_t)(at - s)) || !sc_is_identifier(at + 1, strlen(at + 1)))
    problem = "each part must be a name of letters, digits and '_', not starting with a digit";
  if (problem)
    return ts_yaml_fail(err, pos, "%s: '%s' is not of the form '%s' (%s); e.g. '%s'", path, s, form, problem, example);
  if (!left)
    return 0;
  *left = strndup(s, (size_t)(at - s));
  *right = strdup(at + 1);
  return *left && *right ? 0 : sc_nomem(err);
}

int sc_get_ref(const ts_yaml_node *n, const char *path, const char *form, const char *example, char **left,
               char **right, ts_error *err) {
  char what[96];
  snprintf(what, sizeof what, "a reference '%s' such as '%s'", form, example);
  const char *s = sc_scalar(n, path, what, err);
  return s ? sc_split_ref(s, n->pos, '.', path, form, example, left, right, err) : -1;
}

int sc_check_identifier(const ts_yaml_node *key, const char *path, const char *what, ts_error *err) {
  if (sc_is_identifier(key->scalar, strlen(key->scalar)))
    return 0;
  return ts_yaml_fail(err, key->pos,
                      "%s: %s '%s' is not a valid name; use letters, digits and '_', not starting with a digit", path,
                      what, key->scalar);
}

/* ---- model: instances -------------------------------------------------------------------------------------- */

static int parse_params(const ts_yaml_node *map, const char *path, ts_sc_instance *in, ts_error *err) {
  if (sc_expect(map, TS_YAML_MAPPING, path, "a mapping of parameter name to value, e.g. 'CL: 120 L/d'", err) != 0)
    return -1;
  if (map->n && !(in->params = calloc(map->n, sizeof *in->params)))
    return sc_nomem(err);
  in->n_params = map->n;
  for (size_t i = 0; i < map->n; i++) {
    path_buf p;
    sc_sub(p, path, map->keys[i]->scalar);
    if (sc_check_identifier(map->keys[i], path, "parameter name", err) != 0 ||
        sc_dup_into(map->keys[i]->scalar, &in->params[i].name, err) != 0 ||
        sc_get_quantity(map->items[i], p, "120 L/d", false, &in->params[i].value, err) != 0)
      return -1;
  }
  return 0;
}

static int parse_wire(const ts_yaml_node *key, const ts_yaml_node *value, const char *path, ts_sc_wire *w,
                      ts_error *err) {
  path_buf p;
  sc_sub(p, path, key->scalar);
  if (sc_check_identifier(key, path, "input name", err) != 0 || sc_dup_into(key->scalar, &w->input, err) != 0)
    return -1;
  w->pos = key->pos;
  bool list = value->kind == TS_YAML_SEQUENCE;
  size_t n = list ? value->n : 1;
  if (list && n == 0)
    return ts_yaml_fail(err, value->pos, "%s: the list of sources is empty; give one or more signals such as 'pk.C'",
                        p);
  if (!(w->sources = calloc(n, sizeof *w->sources)) || !(w->source_pos = calloc(n, sizeof *w->source_pos)))
    return sc_nomem(err);
  w->n_sources = n;
  for (size_t k = 0; k < n; k++) {
    const ts_yaml_node *src = list ? value->items[k] : value;
    if (sc_get_ref(src, p, "instance.signal", "pk.C", NULL, NULL, err) != 0 ||
        sc_dup_into(src->scalar, &w->sources[k], err))
      return -1;
    w->source_pos[k] = src->pos;
    for (size_t j = 0; j < k; j++)
      if (strcmp(w->sources[j], w->sources[k]) == 0)
        return ts_yaml_fail(err, src->pos, "%s: '%s' is listed twice (first at line %d, column %d)", p, w->sources[k],
                            w->source_pos[j].line, w->source_pos[j].column);
  }
  return 0;
}

static int parse_instance(const ts_yaml_node *key, const ts_yaml_node *value, ts_sc_instance *in, ts_error *err) {
  path_buf path;
  sc_sub(path, "model", key->scalar);
  if (sc_check_identifier(key, "model", "instance name", err) != 0 || sc_dup_into(key->scalar, &in->name, err) != 0)
    return -1;
  in->pos = key->pos;
  if (sc_expect(value, TS_YAML_MAPPING, path, "a mapping with at least 'model: plugin/model'", err) != 0 ||
      ts_yaml_check_keys(value, instance_keys, path, err) != 0)
    return -1;
  const ts_yaml_node *n = sc_required(value, "model", path, "model: pk/two_compartment", err);
  path_buf p;
  sc_sub(p, path, "model");
  const char *s = n ? sc_scalar(n, p, "'plugin/model' such as 'pk/two_compartment'", err) : NULL;
  if (!s || sc_split_ref(s, n->pos, '/', p, "plugin/model", "pk/two_compartment", &in->plugin, &in->model, err) != 0)
    return -1;
  in->model_pos = n->pos;
  if ((n = ts_yaml_get(value, "parameters"))) {
    sc_sub(p, path, "parameters");
    if (parse_params(n, p, in, err) != 0)
      return -1;
  }
  if ((n = ts_yaml_get(value, "inputs"))) {
    sc_sub(p, path, "inputs");
    if (sc_expect(n, TS_YAML_MAPPING, p, "a mapping of input name to signal, e.g. 'C: pk.C'", err) != 0)
      return -1;
    if (n->n && !(in->wires = calloc(n->n, sizeof *in->wires)))
      return sc_nomem(err);
    in->n_wires = n->n;
    for (size_t i = 0; i < n->n; i++)
      if (parse_wire(n->keys[i], n->items[i], p, &in->wires[i], err) != 0)
        return -1;
  }
  if ((n = ts_yaml_get(value, "step"))) {
    sc_sub(p, path, "step");
    if (sc_get_positive_time(n, p, "0.1 d", &in->step_days, err) != 0)
      return -1;
    in->has_step = true;
    in->step_pos = n->pos;
  }
  return 0;
}

static int parse_model(ts_scenario *sc, const ts_yaml_node *root, ts_error *err) {
  const ts_yaml_node *map = sc_required(root, "model", "scenario", "model: {pk: {model: pk/one_compartment}}", err);
  if (!map || sc_expect(map, TS_YAML_MAPPING, "model", "a mapping of instance name to instance", err) != 0)
    return -1;
  if (map->n == 0)
    return ts_yaml_fail(err, map->pos,
                        "model: no instance given; expected at least one, e.g. 'pk: {model: pk/one_compartment}'");
  if (!(sc->instances = calloc(map->n, sizeof *sc->instances)))
    return sc_nomem(err);
  sc->n_instances = map->n;
  for (size_t i = 0; i < map->n; i++)
    if (parse_instance(map->keys[i], map->items[i], &sc->instances[i], err) != 0)
      return -1;
  return 0;
}

/* ---- patient ----------------------------------------------------------------------------------------------- */

static int parse_patient(ts_scenario *sc, const ts_yaml_node *root, ts_error *err) {
  const ts_yaml_node *map = ts_yaml_get(root, "patient");
  if (!map)
    return sc_dup_into("patient-1", &sc->patient_id, err);
  if (sc_expect(map, TS_YAML_MAPPING, "patient", "a mapping with 'id' and/or 'parameters'", err) != 0 ||
      ts_yaml_check_keys(map, patient_keys, "patient", err) != 0)
    return -1;
  const ts_yaml_node *n = ts_yaml_get(map, "id");
  if (n ? sc_get_string(n, "patient.id", false, &sc->patient_id, err) : sc_dup_into("patient-1", &sc->patient_id, err))
    return -1;
  if (!(n = ts_yaml_get(map, "parameters")))
    return 0;
  if (sc_expect(n, TS_YAML_MAPPING, "patient.parameters", "a mapping such as 'pk.CL: 100 L/d'", err) != 0)
    return -1;
  if (n->n && !(sc->overrides = calloc(n->n, sizeof *sc->overrides)))
    return sc_nomem(err);
  sc->n_overrides = n->n;
  for (size_t i = 0; i < n->n; i++) {
    ts_sc_override *o = &sc->overrides[i];
    path_buf p;
    sc_sub(p, "patient.parameters", n->keys[i]->scalar);
    if (sc_split_ref(n->keys[i]->scalar, n->keys[i]->pos, '.', "patient.parameters", "instance.parameter", "pk.CL",
                     &o->instance, &o->param, err) != 0 ||
        sc_get_quantity(n->items[i], p, "100 L/d", false, &o->value, err) != 0)
      return -1;
  }
  return 0;
}

/* ---- doses ------------------------------------------------------------------------------------------------- */

/* The rate's unit must be the amount's unit per time: rate * time has the amount's dimension. */
static int check_rate_unit(const ts_sc_dose *d, const char *path, ts_error *err) {
  ts_unit amount, rate;
  if (ts_unit_parse(d->amount.unit, &amount, NULL, 0) != 0 || ts_unit_parse(d->rate.unit, &rate, NULL, 0) != 0)
    return ts_fail(err, TS_E_INTERNAL, "%s: a unit parsed once does not parse again", path);
  rate.dim[TS_DIM_TIME] += 1;
  if (ts_unit_compatible(&amount, &rate))
    return 0;
  return ts_yaml_fail(err, d->rate.pos,
                      "%s.rate: unit '%s' is not an amount per time in the amount's unit '%s'; expected e.g. '%g %s/d'",
                      path, d->rate.unit, d->amount.unit, d->rate.value, d->amount.unit);
}

/* The value under `key` or under its NONMEM name `alias` (not both): 0, with *out NULL when neither is given. */
static int aliased(const ts_yaml_node *map, const char *key, const char *alias, const char *path,
                   const ts_yaml_node **out, ts_error *err) {
  const ts_yaml_node *a = ts_yaml_get(map, key), *b = ts_yaml_get(map, alias);
  if (a && b)
    return ts_yaml_fail(err, b->pos, "%s: '%s' and '%s' are the same field (NONMEM's name and twinsim's); give one",
                        path, key, alias);
  *out = a ? a : b;
  return 0;
}

int sc_parse_dose(const ts_yaml_node *map, const char *path, double scenario_start, ts_sc_dose *d, ts_error *err) {
  path_buf p;
  const ts_yaml_node *amount = NULL, *duration = NULL, *interval = NULL;
  if (sc_expect(map, TS_YAML_MAPPING, path, "a dose: a mapping with 'target' and 'amount'", err) != 0 ||
      ts_yaml_check_keys(map, dose_keys, path, err) != 0 || aliased(map, "amount", "amt", path, &amount, err) != 0 ||
      aliased(map, "duration", "dur", path, &duration, err) != 0 ||
      aliased(map, "interval", "ii", path, &interval, err) != 0)
    return -1;
  d->pos = map->pos;
  const ts_yaml_node *n = sc_required(map, "target", path, "target: pk.central", err);
  sc_sub(p, path, "target");
  if (!n || sc_get_ref(n, p, "instance.dose_target", "pk.central", &d->instance, &d->target, err) != 0)
    return -1;
  d->target_pos = n->pos;
  n = amount ? amount : sc_required(map, "amount", path, "amount: 100 mg", err);
  sc_sub(p, path, "amount");
  if (!n || sc_get_quantity(n, p, "100 mg", true, &d->amount, err) != 0)
    return -1;
  if (!(d->amount.value > 0))
    return ts_yaml_fail(err, n->pos, "%s: must be > 0, found '%s'", p, n->scalar);

  d->start_days = 0;
  sc_sub(p, path, "start");
  if ((n = ts_yaml_get(map, "start")) && sc_get_time(n, p, "0 d", &d->start_days, err) != 0)
    return -1;
  if (d->start_days < scenario_start)
    return ts_yaml_fail(
        err, n ? n->pos : map->pos,
        "%s: the dose starts at %g d%s, before the scenario's start (%g d); a dose must start at or after 'start'", p,
        d->start_days, n ? "" : " (the default)", scenario_start);

  const ts_yaml_node *rate = ts_yaml_get(map, "rate");
  d->kind = TS_SC_BOLUS;
  if (duration && rate)
    return ts_yaml_fail(err, rate->pos, "%s: give either 'duration' or 'rate' of the infusion, not both", path);
  sc_sub(p, path, "duration");
  if (duration) {
    if (sc_get_positive_time(duration, p, "1 h", &d->duration_days, err) != 0)
      return -1;
    d->kind = TS_SC_INFUSION_DURATION;
  }
  sc_sub(p, path, "rate");
  if (rate) {
    if (sc_get_quantity(rate, p, "2400 mg/d", true, &d->rate, err) != 0)
      return -1;
    if (!(d->rate.value > 0))
      return ts_yaml_fail(err, rate->pos, "%s: must be > 0, found '%s'", p, rate->scalar);
    if (check_rate_unit(d, path, err) != 0)
      return -1;
    d->kind = TS_SC_INFUSION_RATE;
  }

  const ts_yaml_node *count = ts_yaml_get(map, "count"), *addl = ts_yaml_get(map, "addl");
  d->count = 1;
  if (count && addl)
    return ts_yaml_fail(err, addl->pos, "%s: give either 'count' (total doses) or 'addl' (additional doses), not both",
                        path);
  sc_sub(p, path, "count");
  if (count && sc_get_integer(count, p, 1, TS_SC_MAX_DOSES, &d->count, err) != 0)
    return -1;
  sc_sub(p, path, "addl");
  if (addl) {
    if (sc_get_integer(addl, p, 0, TS_SC_MAX_DOSES - 1, &d->count, err) != 0)
      return -1;
    d->count += 1;
  }
  sc_sub(p, path, "interval");
  double interval_days = 0;
  if (interval && sc_get_positive_time(interval, p, "21 d", &interval_days, err) != 0)
    return -1;
  if (d->count > 1 && !interval)
    return ts_yaml_fail(err, (count ? count : addl)->pos,
                        "%s: %ld doses need an 'interval' between them, e.g. 'interval: 21 d'", path, d->count);
  d->interval_days = d->count > 1 ? interval_days : 0;
  const ts_yaml_node *overlap = ts_yaml_get(map, "overlap");
  return overlap ? sc_get_bool(overlap, sc_sub(p, path, "overlap"), &d->overlap, err) : 0;
}

int sc_parse_doses(const ts_yaml_node *list, const char *path, double scenario_start, ts_sc_dose **doses,
                   size_t *n_doses, ts_error *err) {
  if (sc_expect(list, TS_YAML_SEQUENCE, path, "a list of doses ('- target: ...')", err) != 0)
    return -1;
  if (list->n && !(*doses = calloc(list->n, sizeof **doses)))
    return sc_nomem(err);
  *n_doses = list->n;
  for (size_t i = 0; i < list->n; i++) {
    path_buf p;
    snprintf(p, sizeof p, "%s[%zu]", path, i + 1);
    if (sc_parse_dose(list->items[i], p, scenario_start, &(*doses)[i], err) != 0)
      return -1;
  }
  return 0;
}

static int parse_doses(ts_scenario *sc, const ts_yaml_node *root, ts_error *err) {
  const ts_yaml_node *list = ts_yaml_get(root, "doses");
  return list ? sc_parse_doses(list, "doses", sc->start_days, &sc->doses, &sc->n_doses, err) : 0;
}

/* ---- output ------------------------------------------------------------------------------------------------ */

/* start, start + every, ... up to the horizon; a point within TS_SC_GRID_RTOL of the horizon becomes the horizon. */
static int make_grid(ts_scenario *sc, const ts_yaml_node *every_node, ts_error *err) {
  double every;
  if (sc_get_positive_time(every_node, "output.every", "1 d", &every, err) != 0)
    return -1;
  double start = sc->start_days, end = sc->end_days;
  double tol = TS_SC_GRID_RTOL * fmax(fabs(end), end - start);
  double last = floor((end - start + tol) / every);
  if (!(last < (double)TS_SC_MAX_OUTPUT_TIMES))
    return ts_yaml_fail(err, every_node->pos, "output.every: '%s' makes %.0f output times; at most %ld are allowed",
                        every_node->scalar, last + 1, TS_SC_MAX_OUTPUT_TIMES);
  size_t n = (size_t)last + 1;
  while (n > 1 && start + (double)(n - 1) * every > end + tol)
    n--;
  while (n < (size_t)TS_SC_MAX_OUTPUT_TIMES && start + (double)n * every <= end + tol)
    n++;
  if (!(sc->output_times = malloc(n * sizeof *sc->output_times)))
    return sc_nomem(err);
  sc->n_output_times = n;
  for (size_t k = 0; k < n; k++)
    sc->output_times[k] = start + (double)k * every;
  if (fabs(sc->output_times[n - 1] - end) <= tol)
    sc->output_times[n - 1] = end;
  return 0;
}

static int parse_times(ts_scenario *sc, const ts_yaml_node *list, ts_error *err) {
  if (sc_expect(list, TS_YAML_SEQUENCE, "output.times", "a list of times such as [0 d, 1 d, 7 d]", err) != 0)
    return -1;
  if (list->n == 0)
    return ts_yaml_fail(err, list->pos, "output.times: the list is empty; give at least one time");
  if (!(sc->output_times = calloc(list->n, sizeof *sc->output_times)))
    return sc_nomem(err);
  sc->n_output_times = list->n;
  for (size_t i = 0; i < list->n; i++) {
    const ts_yaml_node *n = list->items[i];
    double *t = &sc->output_times[i];
    if (sc_get_time(n, "output.times", "7 d", t, err) != 0)
      return -1;
    if (*t < sc->start_days || *t > sc->end_days)
      return ts_yaml_fail(err, n->pos,
                          "output.times: '%s' is outside the simulated interval [%g d, %g d] from 'start' to 'horizon'",
                          n->scalar, sc->start_days, sc->end_days);
    if (i > 0 && !(*t > t[-1]))
      return ts_yaml_fail(err, n->pos,
                          "output.times: '%s' is not after the previous time '%s'; times must be strictly ascending",
                          n->scalar, list->items[i - 1]->scalar);
  }
  return 0;
}

static int parse_signals(ts_scenario *sc, const ts_yaml_node *output, ts_error *err) {
  const ts_yaml_node *list = sc_required(output, "signals", "output", "signals: [pk.C]", err);
  if (!list || sc_expect(list, TS_YAML_SEQUENCE, "output.signals", "a list of signals such as [pk.C, tumor.N]", err))
    return -1;
  if (list->n == 0)
    return ts_yaml_fail(err, list->pos, "output.signals: the list is empty; give at least one signal such as 'pk.C'");
  if (!(sc->recorded = calloc(list->n, sizeof *sc->recorded)))
    return sc_nomem(err);
  sc->n_recorded = list->n;
  for (size_t i = 0; i < list->n; i++) {
    ts_sc_signal_ref *r = &sc->recorded[i];
    if (sc_get_ref(list->items[i], "output.signals", "instance.signal", "pk.C", &r->instance, &r->signal, err) != 0)
      return -1;
    r->pos = list->items[i]->pos;
    for (size_t j = 0; j < i; j++)
      if (strcmp(sc->recorded[j].instance, r->instance) == 0 && strcmp(sc->recorded[j].signal, r->signal) == 0)
        return ts_yaml_fail(err, r->pos, "output.signals: '%s.%s' is listed twice (first at line %d, column %d)",
                            r->instance, r->signal, sc->recorded[j].pos.line, sc->recorded[j].pos.column);
  }
  return 0;
}

static int parse_output(ts_scenario *sc, const ts_yaml_node *root, ts_error *err) {
  const ts_yaml_node *map = sc_required(root, "output", "scenario", "output: {every: 1 d, signals: [pk.C]}", err);
  if (!map || sc_expect(map, TS_YAML_MAPPING, "output", "a mapping with 'every' or 'times', and 'signals'", err) != 0 ||
      ts_yaml_check_keys(map, output_keys, "output", err) != 0)
    return -1;
  const ts_yaml_node *every = ts_yaml_get(map, "every"), *times = ts_yaml_get(map, "times");
  if (every && times)
    return ts_yaml_fail(err, times->pos, "output: give either 'every' (a regular grid) or 'times' (a list), not both");
  if (!every && !times)
    return ts_yaml_fail(err, map->pos, "output: missing 'every' or 'times'; e.g. 'every: 1 d' or 'times: [0 d, 7 d]'");
  if ((every ? make_grid(sc, every, err) : parse_times(sc, times, err)) != 0)
    return -1;
  return parse_signals(sc, map, err);
}

/* ---- solver ------------------------------------------------------------------------------------------------ */

static int parse_atol(ts_sc_solver *s, const ts_yaml_node *n, ts_error *err) {
  if (n->kind == TS_YAML_SCALAR)
    return sc_get_positive(n, "solver.atol", "1e-6", &s->atol_scale, err);
  if (sc_expect(n, TS_YAML_MAPPING, "solver.atol", "a number or a mapping such as {default: 1e-6, pk.A1: 1e-6 mg}",
                err) != 0)
    return -1;
  size_t n_states = n->n - (ts_yaml_get(n, "default") != NULL);
  if (n_states && !(s->atol = calloc(n_states, sizeof *s->atol)))
    return sc_nomem(err);
  for (size_t i = 0; i < n->n; i++) {
    const ts_yaml_node *key = n->keys[i], *value = n->items[i];
    if (strcmp(key->scalar, "default") == 0) {
      if (sc_get_positive(value, "solver.atol.default", "1e-6", &s->atol_scale, err) != 0)
        return -1;
      continue;
    }
    ts_sc_atol *a = &s->atol[s->n_atol++];
    path_buf p;
    sc_sub(p, "solver.atol", key->scalar);
    if (sc_split_ref(key->scalar, key->pos, '.', "solver.atol", "instance.state", "pk.A1", &a->state.instance,
                     &a->state.signal, err) != 0)
      return -1;
    a->state.pos = key->pos;
    if (sc_get_quantity(value, p, "1e-6 mg", false, &a->value, err) != 0)
      return -1;
    if (!(a->value.value > 0))
      return ts_yaml_fail(err, value->pos, "%s: must be > 0, found '%s'", p, value->scalar);
  }
  return 0;
}

/* One of a fixed list of words; *index is its position. The message lists the words. */
int sc_get_keyword(const ts_yaml_node *n, const char *what, const char *const *words, int *index, ts_error *err) {
  char expected[256] = "";
  size_t used = 0;
  for (int i = 0; words[i] && used < sizeof expected; i++)
    used += (size_t)snprintf(expected + used, sizeof expected - used, "%s%s", i ? (words[i + 1] ? ", " : " or ") : "",
                             words[i]);
  const char *text = sc_scalar(n, what, expected, err);
  if (!text)
    return -1;
  for (int i = 0; words[i]; i++)
    if (strcmp(text, words[i]) == 0)
      return *index = i, 0;
  return ts_yaml_fail(err, n->pos, "%s: unknown value '%s'; expected %s", what, text, expected);
}

static int parse_solver(ts_scenario *sc, const ts_yaml_node *root, ts_error *err) {
  ts_sc_solver *s = &sc->solver;
  *s = (ts_sc_solver){.method = TS_SC_BDF, .rtol = 1e-6, .atol_scale = 1e-6, .max_steps = 100000};
  const ts_yaml_node *map = ts_yaml_get(root, "solver"), *n;
  if (!map)
    return 0;
  if (sc_expect(map, TS_YAML_MAPPING, "solver", "a mapping of solver settings", err) != 0 ||
      ts_yaml_check_keys(map, solver_keys, "solver", err) != 0)
    return -1;
  static const char *const methods[] = {"bdf", "adams", NULL};
  static const char *const jacobians[] = {"auto", "analytic", "finite_difference", NULL};
  int word;
  if ((n = ts_yaml_get(map, "method"))) {
    if (sc_get_keyword(n, "solver.method", methods, &word, err) != 0)
      return -1;
    s->method = word == 0 ? TS_SC_BDF : TS_SC_ADAMS;
  }
  if ((n = ts_yaml_get(map, "jacobian"))) {
    if (sc_get_keyword(n, "solver.jacobian", jacobians, &word, err) != 0)
      return -1;
    s->jacobian = (ts_sc_jacobian)word;
    s->jacobian_pos = n->pos;
  }
  if ((n = ts_yaml_get(map, "rtol"))) {
    if (sc_get_positive(n, "solver.rtol", "1e-6", &s->rtol, err) != 0)
      return -1;
    if (!(s->rtol < 1))
      return ts_yaml_fail(err, n->pos, "solver.rtol: %s is too large; expected a relative tolerance < 1 such as 1e-6",
                          n->scalar);
  }
  if ((n = ts_yaml_get(map, "atol")) && parse_atol(s, n, err) != 0)
    return -1;
  if ((n = ts_yaml_get(map, "max_steps")) && sc_get_integer(n, "solver.max_steps", 1, LONG_MAX, &s->max_steps, err))
    return -1;
  if ((n = ts_yaml_get(map, "max_step")) && sc_get_positive_time(n, "solver.max_step", "1 d", &s->max_step_days, err))
    return -1;
  if ((n = ts_yaml_get(map, "nonnegative")) && sc_get_bool(n, "solver.nonnegative", &s->nonnegative, err) != 0)
    return -1;
  return 0;
}

/* ---- The top level ----------------------------------------------------------------------------------------- */

static int check_version(const ts_yaml_node *root, ts_error *err) {
  const ts_yaml_node *n = ts_yaml_get(root, "twinsim");
  if (!n)
    return ts_yaml_fail(err, root->pos, "missing required key 'twinsim' (the schema version); add 'twinsim: %d'",
                        TS_SC_SCHEMA);
  if (n->kind == TS_YAML_SCALAR && !n->quoted && strcmp(n->scalar, "1") == 0)
    return 0;
  if (n->kind != TS_YAML_SCALAR)
    return sc_expect(n, TS_YAML_SCALAR, "twinsim", "the schema version 1", err);
  if (n->quoted)
    return ts_yaml_fail(err, n->pos, "twinsim: the schema version is a number; write 'twinsim: %d' without quotes",
                        TS_SC_SCHEMA);
  return ts_yaml_fail(
      err, n->pos,
      "twinsim: schema version '%s' is not supported; this twinsim reads schema version %d ('twinsim: %d')", n->scalar,
      TS_SC_SCHEMA, TS_SC_SCHEMA);
}

static int check_reserved(const ts_yaml_node *root, ts_error *err) {
  for (size_t i = 0; i < root->n; i++)
    for (size_t k = 0; reserved_keys[k]; k++)
      if (strcmp(root->keys[i]->scalar, reserved_keys[k]) == 0)
        return ts_yaml_fail(err, root->keys[i]->pos,
                            "'%s' is not supported yet in schema %d (it is reserved for a later version); remove it",
                            reserved_keys[k], TS_SC_SCHEMA);
  return 0;
}

/* dir/p, or p when it is absolute; dir is absolute. */
static char *join_path(const char *dir, const char *p) {
  if (p[0] == '/')
    return strdup(p);
  size_t n = strlen(dir) + strlen(p) + 2;
  char *s = malloc(n);
  if (s)
    snprintf(s, n, "%s%s%s", dir, dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/", p);
  return s;
}

/* base_dir made absolute (the working directory when NULL or empty). Returns NULL with err set on failure. */
static char *absolute_dir(const char *base_dir, ts_error *err) {
  if (base_dir && base_dir[0] == '/') {
    char *s = strdup(base_dir);
    if (!s)
      sc_nomem(err);
    return s;
  }
  char cwd[4096];
  if (!getcwd(cwd, sizeof cwd)) {
    ts_fail(err, TS_E_IO, "cannot determine the working directory: %s", strerror(errno));
    return NULL;
  }
  char *s = base_dir && base_dir[0] ? join_path(cwd, base_dir) : strdup(cwd);
  if (!s)
    sc_nomem(err);
  return s;
}

static int parse_plugin_path(ts_scenario *sc, const ts_yaml_node *list, const char *base_dir, ts_error *err) {
  if (sc_expect(list, TS_YAML_SEQUENCE, "plugin_path", "a list of folders such as [../plugins]", err) != 0)
    return -1;
  if (list->n == 0)
    return 0;
  char *dir = absolute_dir(base_dir, err);
  if (!dir)
    return -1;
  int rc = 0;
  if (!(sc->plugin_path = calloc(list->n, sizeof *sc->plugin_path)))
    rc = sc_nomem(err);
  for (size_t i = 0; rc == 0 && i < list->n; i++) {
    const char *p = sc_scalar(list->items[i], "plugin_path", "a folder", err);
    if (!p)
      rc = -1;
    else if (p[0] == '\0')
      rc = ts_yaml_fail(err, list->items[i]->pos, "plugin_path: a folder must not be empty");
    else if (!(sc->plugin_path[sc->n_plugin_path++] = join_path(dir, p)))
      rc = sc_nomem(err);
  }
  free(dir);
  return rc;
}

static int parse_scenario(ts_scenario *sc, const char *base_dir, ts_error *err) {
  const ts_yaml_node *root = sc->doc->root, *n;
  if (!root)
    return ts_yaml_fail(err, (ts_yaml_pos){sc->doc->file, 1, 1},
                        "the file is empty; expected a scenario starting with 'twinsim: %d'", TS_SC_SCHEMA);
  if (sc_expect(root, TS_YAML_MAPPING, "scenario", "a mapping of keys such as 'twinsim: 1'", err) != 0 ||
      check_version(root, err) != 0 || check_reserved(root, err) != 0 ||
      ts_yaml_check_keys(root, top_keys, "the scenario", err) != 0)
    return -1;
  if (!(n = sc_required(root, "name", "scenario", "name: demo", err)) ||
      sc_get_string(n, "name", false, &sc->name, err))
    return -1;
  n = ts_yaml_get(root, "description");
  if (n ? sc_get_string(n, "description", true, &sc->description, err) : sc_dup_into("", &sc->description, err))
    return -1;
  sc->seed = 1;
  if ((n = ts_yaml_get(root, "seed"))) {
    const char *s = sc_scalar(n, "seed", "a whole number >= 0", err);
    if (!s)
      return -1;
    errno = 0;
    unsigned long long v = strtoull(s, NULL, 10);
    if (n->quoted || !isdigit((unsigned char)s[0]) || !sc_is_whole(s) || errno == ERANGE)
      return ts_yaml_fail(err, n->pos, "seed: '%s' is not a whole number from 0 to %llu", s,
                          (unsigned long long)UINT64_MAX);
    sc->seed = (uint64_t)v;
  }
  if ((n = ts_yaml_get(root, "plugin_path")) && parse_plugin_path(sc, n, base_dir, err) != 0)
    return -1;
  if ((n = ts_yaml_get(root, "start")) && sc_get_time(n, "start", "0 d", &sc->start_days, err) != 0)
    return -1;
  if (!(n = sc_required(root, "horizon", "scenario", "horizon: 365 d", err)) ||
      sc_get_time(n, "horizon", "365 d", &sc->end_days, err) != 0)
    return -1;
  if (!(sc->end_days > sc->start_days))
    return ts_yaml_fail(err, n->pos,
                        "horizon: '%s' (%g d) is not after the start (%g d); expected an end time later than 'start'",
                        n->scalar, sc->end_days, sc->start_days);
  if (parse_model(sc, root, err) != 0 || parse_patient(sc, root, err) != 0 || parse_doses(sc, root, err) != 0 ||
      parse_output(sc, root, err) != 0 || parse_solver(sc, root, err) != 0 || sc_parse_trial(sc, root, err) != 0 ||
      sc_parse_twins(sc, root, base_dir, err) != 0 || sc_parse_rules(sc, root, err) != 0)
    return -1;
  return 0;
}

/* Takes ownership of doc, also on failure. */
static int load_doc(ts_yaml_doc *doc, const char *base_dir, ts_scenario **out, ts_error *err) {
  ts_scenario *sc = calloc(1, sizeof *sc);
  if (!sc) {
    ts_yaml_free(doc);
    return sc_nomem(err);
  }
  sc->doc = doc;
  if (parse_scenario(sc, base_dir, err) != 0) {
    ts_scenario_free(sc);
    return -1;
  }
  *out = sc;
  return 0;
}

int ts_scenario_load_string(const char *file, const char *text, const char *base_dir, ts_scenario **out,
                            ts_error *err) {
  *out = NULL;
  ts_yaml_doc *doc;
  if (ts_yaml_load_string(file, text, strlen(text), &doc, err) != 0)
    return -1;
  return load_doc(doc, base_dir, out, err);
}

int ts_scenario_load(const char *path, ts_scenario **out, ts_error *err) {
  *out = NULL;
  ts_yaml_doc *doc;
  if (ts_yaml_load_file(path, &doc, err) != 0)
    return -1;
  const char *slash = strrchr(path, '/');
  char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
  if (!dir) {
    ts_yaml_free(doc);
    return sc_nomem(err);
  }
  int rc = load_doc(doc, dir, out, err);
  free(dir);
  return rc;
}

/* ---- Freeing ----------------------------------------------------------------------------------------------- */

void sc_free_doses(ts_sc_dose *doses, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(doses[i].instance);
    free(doses[i].target);
    free(doses[i].amount.unit);
    free(doses[i].rate.unit);
  }
  free(doses);
}

static void free_instance(ts_sc_instance *in) {
  free(in->name);
  free(in->plugin);
  free(in->model);
  for (size_t k = 0; k < in->n_params; k++) {
    free(in->params[k].name);
    free(in->params[k].value.unit);
  }
  free(in->params);
  for (size_t k = 0; k < in->n_wires; k++) {
    ts_sc_wire *w = &in->wires[k];
    free(w->input);
    for (size_t j = 0; j < w->n_sources; j++)
      free(w->sources[j]);
    free(w->sources);
    free(w->source_pos);
  }
  free(in->wires);
}

void ts_scenario_free(ts_scenario *sc) {
  if (!sc)
    return;
  free(sc->name);
  free(sc->description);
  for (size_t i = 0; i < sc->n_plugin_path; i++)
    free(sc->plugin_path[i]);
  free(sc->plugin_path);
  for (size_t i = 0; i < sc->n_instances; i++)
    free_instance(&sc->instances[i]);
  free(sc->instances);
  free(sc->patient_id);
  for (size_t i = 0; i < sc->n_overrides; i++) {
    free(sc->overrides[i].instance);
    free(sc->overrides[i].param);
    free(sc->overrides[i].value.unit);
  }
  free(sc->overrides);
  sc_free_doses(sc->doses, sc->n_doses);
  free(sc->output_times);
  for (size_t i = 0; i < sc->n_recorded; i++) {
    free(sc->recorded[i].instance);
    free(sc->recorded[i].signal);
  }
  free(sc->recorded);
  for (size_t i = 0; i < sc->solver.n_atol; i++) {
    free(sc->solver.atol[i].state.instance);
    free(sc->solver.atol[i].state.signal);
    free(sc->solver.atol[i].value.unit);
  }
  free(sc->solver.atol);
  sc_free_trial(sc);
  sc_free_twins(sc);
  sc_free_rules(sc);
  ts_yaml_free(sc->doc);
  free(sc);
}
