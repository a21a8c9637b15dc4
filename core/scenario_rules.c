/* `rules`: adaptive and toxicity-driven dosing (docs/scenario.md, "Adaptive and toxicity-driven dosing").
 *
 *   rules:
 *     - name: anc_hold
 *       check: {every: 7 d}            # or: check: crossing   (the exact time, by CVODE root-finding)
 *       when: {signal: tox.ANC, below: 1.0 1e9 cells/L}    # or above:; or '50% of baseline', '120% of nadir'
 *       then: hold                     # hold | resume | stop | {reduce: 25%} | {switch: arm}
 *       once: false
 *       arms: [adaptive]               # the arms it applies to; default every arm
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_internal.h"
#include "units.h"

static const char *const rule_keys[] = {"name", "check", "when", "then", "once", "arms", NULL};
static const char *const check_keys[] = {"every", NULL};
static const char *const when_keys[] = {"signal", "below", "above", NULL};
static const char *const then_keys[] = {"reduce", "switch", NULL};

/* "1.0 1e9 cells/L", "50% of baseline", "120% of nadir". */
static int parse_threshold(const ts_yaml_node *n, const char *path, ts_sc_rule *r, ts_error *err) {
  const char *text = sc_scalar(n, path, "a threshold such as '1.0 1e9 cells/L' or '50% of baseline'", err);
  if (!text)
    return -1;
  const char *of = strstr(text, " of ");
  if (!of) {
    r->reference = TS_SC_ABSOLUTE;
    return sc_get_quantity(n, path, "1.0 1e9 cells/L", false, &r->threshold, err);
  }
  const char *ref = of + 4;
  if (strcmp(ref, "baseline") == 0)
    r->reference = TS_SC_OF_BASELINE;
  else if (strcmp(ref, "nadir") == 0)
    r->reference = TS_SC_OF_NADIR;
  else
    return ts_yaml_fail(err, n->pos, "%s: '%s': expected 'of baseline' or 'of nadir' after the fraction", path, text);
  char fraction[128], unit[64], why[256];
  snprintf(fraction, sizeof fraction, "%.*s", (int)(of - text), text);
  double v, factor;
  if (ts_quantity_split(fraction, &v, unit, sizeof unit, why, sizeof why) != 0 ||
      ts_unit_factor(unit[0] ? unit : "1", "1", &factor, why, sizeof why) != 0 || !(v * factor > 0))
    return ts_yaml_fail(err, n->pos, "%s: '%s' is not a positive fraction such as '50%%'", path, fraction);
  r->threshold.value = v * factor;
  r->threshold.pos = n->pos;
  return sc_dup_into("1", &r->threshold.unit, err);
}

static int parse_then(const ts_yaml_node *n, const char *path, ts_sc_rule *r, ts_error *err) {
  static const char *const words[] = {"hold", "resume", "stop", NULL};
  static const ts_sc_rule_action actions[] = {TS_SC_HOLD, TS_SC_RESUME, TS_SC_STOP};
  r->action_pos = n->pos;
  if (n->kind == TS_YAML_SCALAR) {
    int w;
    if (sc_get_keyword(n, path, words, &w, err) != 0)
      return -1;
    r->action = actions[w];
    return 0;
  }
  if (sc_expect(n, TS_YAML_MAPPING, path, "hold, resume, stop, {reduce: 25%} or {switch: arm}", err) != 0 ||
      ts_yaml_check_keys(n, then_keys, path, err) != 0)
    return -1;
  if (n->n != 1)
    return ts_yaml_fail(err, n->pos, "%s: give one action: {reduce: 25%%} or {switch: arm}", path);
  const ts_yaml_node *v;
  path_buf p;
  if ((v = ts_yaml_get(n, "reduce"))) {
    r->action = TS_SC_REDUCE;
    ts_sc_quantity q = {0};
    double factor;
    int rc = sc_get_quantity(v, sc_sub(p, path, "reduce"), "25%", false, &q, err);
    int ok = rc == 0 && ts_unit_factor(q.unit[0] ? q.unit : "1", "1", &factor, NULL, 0) == 0;
    free(q.unit);
    if (rc != 0)
      return -1;
    if (!ok || !(q.value * factor > 0 && q.value * factor < 1))
      return ts_yaml_fail(err, v->pos, "%s: '%s' is not a fraction between 0 and 100%%, e.g. '25%%'", p, v->scalar);
    r->reduce_fraction = q.value * factor;
    return 0;
  }
  v = ts_yaml_get(n, "switch");
  r->action = TS_SC_SWITCH;
  return sc_check_identifier(v, sc_sub(p, path, "switch"), "arm name", err) != 0
             ? -1
             : sc_dup_into(v->scalar, &r->switch_arm, err);
}

static int parse_rule(const ts_yaml_node *m, const char *path, ts_sc_rule *r, ts_error *err) {
  const ts_yaml_node *n, *k;
  path_buf p;
  r->pos = m->pos;
  if (sc_expect(m, TS_YAML_MAPPING, path, "a rule: {name, check, when, then}", err) != 0 ||
      ts_yaml_check_keys(m, rule_keys, path, err) != 0 || !(n = sc_required(m, "name", path, "name: anc_hold", err)) ||
      sc_check_identifier(n, path, "rule name", err) != 0 || sc_dup_into(n->scalar, &r->name, err) != 0)
    return -1;
  if (!(n = sc_required(m, "check", path, "check: {every: 7 d}", err)))
    return -1;
  sc_sub(p, path, "check");
  if (n->kind == TS_YAML_SCALAR) {
    if (strcmp(n->scalar, "crossing") != 0)
      return ts_yaml_fail(err, n->pos, "%s: expected 'crossing' or {every: 7 d}, found '%s'", p, n->scalar);
    r->crossing = true;
  } else if (sc_expect(n, TS_YAML_MAPPING, p, "{every: 7 d} or crossing", err) != 0 ||
             ts_yaml_check_keys(n, check_keys, p, err) != 0 || !(k = sc_required(n, "every", p, "every: 7 d", err)) ||
             sc_get_positive_time(k, sc_sub(p, path, "check.every"), "7 d", &r->every_days, err) != 0) {
    return -1;
  }
  if (!(n = sc_required(m, "when", path, "when: {signal: tox.ANC, below: 1.0 1e9 cells/L}", err)))
    return -1;
  sc_sub(p, path, "when");
  if (sc_expect(n, TS_YAML_MAPPING, p, "{signal: ..., below: ...} or {signal: ..., above: ...}", err) != 0 ||
      ts_yaml_check_keys(n, when_keys, p, err) != 0 || !(k = sc_required(n, "signal", p, "signal: tox.ANC", err)) ||
      sc_get_ref(k, p, "instance.signal", "tox.ANC", &r->signal.instance, &r->signal.signal, err) != 0)
    return -1;
  r->signal.pos = k->pos;
  const ts_yaml_node *below = ts_yaml_get(n, "below"), *above = ts_yaml_get(n, "above");
  if (!!below == !!above)
    return ts_yaml_fail(err, n->pos, "%s: give exactly one of 'below' and 'above'", p);
  r->above = above != NULL;
  if (parse_threshold(above ? above : below, sc_sub(p, path, above ? "when.above" : "when.below"), r, err) != 0)
    return -1;
  if (r->crossing && r->reference == TS_SC_OF_NADIR)
    return ts_yaml_fail(
        err, (above ? above : below)->pos,
        "%s: a crossing rule cannot follow the nadir, which only visits define; use 'check: {every: ...}'", p);
  if (!(n = sc_required(m, "then", path, "then: hold", err)) || parse_then(n, sc_sub(p, path, "then"), r, err) != 0)
    return -1;
  if ((n = ts_yaml_get(m, "once")) && sc_get_bool(n, sc_sub(p, path, "once"), &r->once, err) != 0)
    return -1;
  if ((n = ts_yaml_get(m, "arms"))) {
    sc_sub(p, path, "arms");
    if (sc_expect(n, TS_YAML_SEQUENCE, p, "a list of arm names, e.g. [adaptive]", err) != 0)
      return -1;
    if (n->n && !(r->arms = calloc(n->n, sizeof *r->arms)))
      return sc_nomem(err);
    for (size_t i = 0; i < n->n; i++, r->n_arms++)
      if (sc_check_identifier(n->items[i], p, "arm name", err) != 0 ||
          sc_dup_into(n->items[i]->scalar, &r->arms[i], err) != 0)
        return -1;
  }
  return 0;
}

static bool has_arm(const ts_scenario *sc, const char *name) {
  for (size_t a = 0; a < sc->n_arms; a++)
    if (strcmp(sc->arms[a].name, name) == 0)
      return true;
  return false;
}

int sc_parse_rules(ts_scenario *sc, const ts_yaml_node *root, ts_error *err) {
  const ts_yaml_node *list = ts_yaml_get(root, "rules");
  if (!list)
    return 0;
  if (sc_expect(list, TS_YAML_SEQUENCE, "rules", "a list of rules ('- name: ...')", err) != 0)
    return -1;
  if (list->n && !(sc->rules = calloc(list->n, sizeof *sc->rules)))
    return sc_nomem(err);
  for (size_t i = 0; i < list->n; i++) {
    path_buf path;
    snprintf(path, sizeof path, "rules[%zu]", i + 1);
    ts_sc_rule *r = &sc->rules[sc->n_rules++];
    if (parse_rule(list->items[i], path, r, err) != 0)
      return -1;
    for (size_t k = 0; k < i; k++)
      if (strcmp(sc->rules[k].name, r->name) == 0)
        return ts_yaml_fail(err, list->items[i]->pos, "%s.name: rule '%s' is named twice (first at line %d)", path,
                            r->name, sc->rules[k].pos.line);
    if (r->action == TS_SC_SWITCH && !has_arm(sc, r->switch_arm))
      return ts_yaml_fail(err, r->action_pos, "%s.then: no arm named '%s' to switch to", path, r->switch_arm);
    const ts_yaml_node *arms = ts_yaml_get(list->items[i], "arms");
    for (size_t a = 0; a < r->n_arms; a++)
      if (!has_arm(sc, r->arms[a]))
        return ts_yaml_fail(err, arms->items[a]->pos, "%s.arms: no arm named '%s'", path, r->arms[a]);
  }
  return 0;
}

void sc_free_rules(ts_scenario *sc) {
  for (size_t i = 0; i < sc->n_rules; i++) {
    ts_sc_rule *r = &sc->rules[i];
    free(r->name);
    free(r->signal.instance);
    free(r->signal.signal);
    free(r->threshold.unit);
    free(r->switch_arm);
    for (size_t a = 0; a < r->n_arms; a++)
      free(r->arms[a]);
    free(r->arms);
  }
  free(sc->rules);
}
