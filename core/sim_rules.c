/* Dosing rules in the scheduler (system.h ts_rule; docs/scenario.md, "Adaptive and toxicity-driven dosing").
 *
 * A rule watches one signal. At visits (every `every` days from the start, the first being the baseline) or at
 * the exact time the signal crosses its threshold (CVODE's root-finding), it fires its action: hold or resume the
 * doses, stop them for good, reduce every later dose by a fraction, or switch to another arm's doses. A rule fires
 * only when its action changes something (no resume unless held, no second stop), so the log shows changes. The actions
 * change only doses still to come; an infusion already running goes on. Every firing is logged with the value that
 * caused it. At a time that is both a visit and a dose time, the rule is evaluated first, so a hold decided on a
 * dosing day skips that day's dose. */
#include <cvode/cvode.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

int ts_rules_alloc(ts_sim *s) {
  size_t n = s->sys->n_rules + 1;
  s->rule_next = calloc(n, sizeof *s->rule_next);
  s->rule_baseline = calloc(n, sizeof *s->rule_baseline);
  s->rule_nadir = calloc(n, sizeof *s->rule_nadir);
  s->rule_fired = calloc(n, sizeof *s->rule_fired);
  s->roots = calloc(n, sizeof *s->roots);
  return s->rule_next && s->rule_baseline && s->rule_nadir && s->rule_fired && s->roots ? 0 : -1;
}

void ts_rules_free(ts_sim *s) {
  free(s->rule_next);
  free(s->rule_baseline);
  free(s->rule_nadir);
  free(s->rule_fired);
  free(s->roots);
}

/* The threshold a value is compared with now. */
static double threshold(const ts_sim *s, size_t r) {
  const ts_rule *rule = &s->sys->rules[r];
  switch (rule->reference) {
  case TS_SC_OF_BASELINE: return rule->threshold * s->rule_baseline[r];
  case TS_SC_OF_NADIR: return rule->threshold * s->rule_nadir[r];
  case TS_SC_ABSOLUTE: break;
  }
  return rule->threshold;
}

int ts_rules_begin(ts_sim *s, double t0, const double *y) {
  const ts_system *sys = s->sys;
  s->held = s->stopped = 0;
  s->dose_factor = 1.0;
  s->current_arm = s->patient_arm = (size_t)(s->arm - sys->arms);
  if (sys->n_rules == 0)
    return 0;
  if (ts_sim_evaluate(s, t0, y, NULL) != 0)
    return ts_sim_fail_patient(s, t0, "computing outputs for the rules at the start: %s", s->detail);
  for (size_t r = 0; r < sys->n_rules; r++) {
    s->rule_next[r] = sys->rules[r].crossing ? INFINITY : t0;
    s->rule_baseline[r] = s->rule_nadir[r] = s->bus[sys->rules[r].bus];
    s->rule_fired[r] = 0;
  }
  return 0;
}

double ts_rules_next_visit(const ts_sim *s) {
  double t = INFINITY;
  for (size_t r = 0; r < s->sys->n_rules; r++)
    if (s->rule_next[r] < t)
      t = s->rule_next[r];
  return t;
}

/* Carries out rule r's action at time t and logs it. */
static int fire(ts_sim *s, size_t r, double t, double value) {
  const ts_system *sys = s->sys;
  const ts_rule *rule = &sys->rules[r];
  s->rule_fired[r] = 1;
  switch (rule->action) {
  case TS_SC_HOLD: s->held = 1; break;
  case TS_SC_RESUME: s->held = 0; break;
  case TS_SC_STOP: s->stopped = 1; break;
  case TS_SC_REDUCE: s->dose_factor *= 1.0 - rule->reduce; break;
  case TS_SC_SWITCH:
    s->current_arm = rule->switch_arm;
    s->n_schedule = ts_dose_schedule(&sys->arms[rule->switch_arm], s->params, s->patient->weight_kg, s->patient->bsa_m2,
                                     t, s->schedule);
    s->next_dose = 0;
    break;
  }
  ts_sim_event e = {.time = t, .kind = TS_EV_RULE, .rule = (int)r, .value = value};
  return ts_sim_log(s, &e);
}

/* Whether rule r fires for this value: its condition holds, it has not used up its one firing, and its action
 * would change something (a hold while held, a resume while not held, a stop after a stop, a switch to the
 * regimen in use: none fires). */
static int fires(const ts_sim *s, size_t r, double value) {
  const ts_rule *rule = &s->sys->rules[r];
  double limit = threshold(s, r);
  if (!(rule->arms >> s->patient_arm & 1u) || !(rule->above ? value > limit : value < limit) ||
      (rule->once && s->rule_fired[r]))
    return 0;
  switch (rule->action) {
  case TS_SC_HOLD: return !s->held && !s->stopped;
  case TS_SC_RESUME: return s->held && !s->stopped;
  case TS_SC_STOP: return !s->stopped;
  case TS_SC_SWITCH: return !s->stopped && s->current_arm != rule->switch_arm;
  case TS_SC_REDUCE: return !s->stopped;
  }
  return 0;
}

static int fires_at_crossing(const ts_sim *s, size_t r) {
  const ts_rule *rule = &s->sys->rules[r];
  /* a value exactly at the threshold: test the action's effect with a value just past it */
  double past = rule->above ? INFINITY : -INFINITY;
  return rule->reference == TS_SC_OF_NADIR ? 0 : fires(s, r, past);
}

int ts_rules_visit(ts_sim *s, double t, const double *y) {
  const ts_system *sys = s->sys;
  if (!(ts_rules_next_visit(s) <= t))
    return 0;
  if (ts_sim_evaluate(s, t, y, NULL) != 0)
    return ts_sim_fail_patient(s, t, "computing outputs for the rules at t = %.9g d: %s", t, s->detail);
  for (size_t r = 0; r < sys->n_rules; r++) {
    const ts_rule *rule = &sys->rules[r];
    if (!(s->rule_next[r] <= t))
      continue;
    double value = s->bus[rule->bus];
    if (fires(s, r, value) && fire(s, r, t, value) != 0)
      return -1;
    if (value < s->rule_nadir[r])
      s->rule_nadir[r] = value;
    s->rule_next[r] += rule->every;
  }
  return 0;
}

int ts_rules_root(sunrealtype t, N_Vector y, sunrealtype *g, void *user_data) {
  ts_sim *s = user_data;
  const ts_system *sys = s->sys;
  int rc = ts_sim_evaluate(s, t, N_VGetArrayPointer(y), NULL);
  if (rc != 0)
    return rc;
  size_t k = 0;
  for (size_t r = 0; r < sys->n_rules; r++) {
    if (!sys->rules[r].crossing)
      continue;
    /* a rule that fires once and has fired is switched off with a constant, which never crosses 0 */
    g[k++] = sys->rules[r].once && s->rule_fired[r] ? 1.0 : s->bus[sys->rules[r].bus] - threshold(s, r);
  }
  return 0;
}

int ts_rules_crossed(ts_sim *s, double t, const double *y) {
  const ts_system *sys = s->sys;
  if (CVodeGetRootInfo(s->cvode, s->roots) < 0)
    return ts_sim_fail_patient(s, t, "CVodeGetRootInfo failed");
  if (ts_sim_evaluate(s, t, y, NULL) != 0)
    return ts_sim_fail_patient(s, t, "computing outputs at a crossing at t = %.9g d: %s", t, s->detail);
  size_t k = 0;
  for (size_t r = 0; r < sys->n_rules; r++) {
    if (!sys->rules[r].crossing)
      continue;
    /* CVODE reports +1 for a rising, -1 for a falling crossing; the direction was set per rule */
    double value = s->bus[sys->rules[r].bus];
    /* the crossing itself puts the value at the threshold: only the action's effect and `once` are checked */
    if (s->roots[k++] != 0 && !(sys->rules[r].once && s->rule_fired[r]) && fires_at_crossing(s, r) &&
        fire(s, r, t, value) != 0)
      return -1;
  }
  return 0;
}
