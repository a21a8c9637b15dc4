/* The arms of a system: each arm's dose lines resolved against the plugins' dose targets, with amounts converted
 * to the target's unit. An amount may also be per body weight ("1.5 mg/kg") or per body-surface area ("75 mg/m^2"):
 * the unit says which, and the patient's weight or BSA scales it when the patient's doses are scheduled. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "system.h"
#include "units.h"

/* Which scale the amount's unit asks for: the target's unit itself, per kg, or per m^2. */
static int amount_scale(const ts_sc_quantity *q, const char *target_unit, ts_dose_scale *scale, char *unit,
                        size_t cap) {
  static const char *const suffix[] = {"", "/kg", "/m^2"};
  ts_unit written, wanted;
  if (ts_unit_parse(q->unit[0] ? q->unit : "1", &written, NULL, 0) != 0)
    return -1;
  for (int k = 0; k < 3; k++) {
    snprintf(unit, cap, "%s%s", target_unit, suffix[k]);
    if (ts_unit_parse(unit, &wanted, NULL, 0) == 0 && ts_unit_compatible(&written, &wanted)) {
      *scale = (ts_dose_scale)k;
      return 0;
    }
  }
  return -1;
}

static int resolve_dose(ts_system *sys, const ts_sc_dose *d, ts_dose_plan *p, ts_error *err) {
  int i = ts_system_instance(sys, d->instance);
  if (i < 0)
    return ts_yaml_fail(err, d->target_pos, "dose target '%s.%s': no instance named '%s'", d->instance, d->target,
                        d->instance);
  const ts_instance *in = &sys->inst[i];
  int t = ts_model_dose_target_index(in->model, d->target);
  if (t < 0) {
    ts_yaml_fail(err, d->target_pos, "dose target '%s.%s': %s (%s/%s) has %u dose target%s", d->instance, d->target,
                 in->name, in->lib->name, in->model->name, in->model->n_dose_targets,
                 in->model->n_dose_targets == 1 ? "" : "s");
    for (uint32_t j = 0; j < in->model->n_dose_targets; j++)
      ts_error_append(err, "  %s (%s)", in->model->dose_targets[j].name, in->model->dose_targets[j].unit);
    return -1;
  }
  const ts_dose_target *dt = &in->model->dose_targets[t];
  uint32_t route = d->kind == TS_SC_BOLUS ? TS_ROUTE_BOLUS : TS_ROUTE_INFUSION;
  if (!(dt->routes & route))
    return ts_yaml_fail(err, d->pos, "dose target %s.%s does not accept %s doses", d->instance, d->target,
                        route == TS_ROUTE_BOLUS ? "bolus" : "infusion");
  *p = (ts_dose_plan){.instance = (uint32_t)i,
                      .target = (uint32_t)t,
                      .global_target = in->dose_offset + (uint32_t)t,
                      .start = d->start_days,
                      .interval = d->interval_days,
                      .count = d->count,
                      .kind = d->kind,
                      .duration = d->duration_days};
  p->state = in->state_offset + (uint32_t)ts_model_state_index(in->model, dt->state);
  p->f_param = dt->bioavailability ? (int)in->param_offset + ts_model_param_index(in->model, dt->bioavailability) : -1;
  p->lag_param = dt->lag_time ? (int)in->param_offset + ts_model_param_index(in->model, dt->lag_time) : -1;
  p->lag_to_days = 1.0;
  char why[512];
  if (p->lag_param >= 0 && ts_unit_factor(in->model->params[p->lag_param - (int)in->param_offset].unit, "d",
                                          &p->lag_to_days, why, sizeof why) != 0)
    return ts_fail(err, TS_E_INTERNAL, "dose target %s.%s: lag time: %s", d->instance, d->target, why);
  if (ts_unit_factor(dt->unit, sys->signals[p->state].unit, &p->to_state, why, sizeof why) != 0)
    return ts_fail(err, TS_E_INTERNAL, "dose target %s.%s: %s", d->instance, d->target, why);

  char unit[160], what[256];
  snprintf(what, sizeof what, "dose amount into %s.%s", d->instance, d->target);
  if (amount_scale(&d->amount, dt->unit, &p->scale, unit, sizeof unit) != 0)
    return ts_yaml_fail(err, d->amount.pos,
                        "%s: '%g %s' is neither an amount in %s, nor per body weight (%s/kg), nor per body-surface "
                        "area (%s/m^2)",
                        what, d->amount.value, d->amount.unit, dt->unit, dt->unit, dt->unit);
  if (ts_convert_quantity(&d->amount, unit, what, &p->amount, err) != 0)
    return -1;
  if (d->kind == TS_SC_INFUSION_RATE) {
    static const char *const per[] = {"", "/kg", "/m^2"};
    char rate_unit[192];
    snprintf(rate_unit, sizeof rate_unit, "%s%s/d", dt->unit, per[p->scale]);
    snprintf(what, sizeof what, "infusion rate into %s.%s (dosed like the amount, %s%s)", d->instance, d->target,
             dt->unit, per[p->scale]);
    if (ts_convert_quantity(&d->rate, rate_unit, what, &p->rate, err) != 0)
      return -1;
  }
  return 0;
}

typedef struct infusion_span {
  double start, end;
  size_t line;
} infusion_span;

static int by_start(const void *a, const void *b) {
  const infusion_span *x = a, *y = b;
  return x->start < y->start ? -1 : x->start > y->start;
}

/* Infusions into one target must not overlap unless their dose lines say `overlap: true`: an overlap is more often a
 * mistyped interval than an intent. Checked on the nominal schedule (F = 1: the longest an infusion given by rate
 * lasts; the lag time shifts every dose into a target alike, so it changes no overlap). */
static int check_overlaps(const ts_system *sys, const ts_arm *arm, const ts_sc_dose *doses, const char *where,
                          ts_error *err) {
  for (uint32_t g = 0; g < sys->n_dose_targets; g++) {
    size_t n = 0;
    for (size_t k = 0; k < arm->n_doses; k++)
      if (arm->doses[k].global_target == g && arm->doses[k].kind != TS_SC_BOLUS && !doses[k].overlap)
        n += (size_t)arm->doses[k].count;
    if (n < 2)
      continue;
    infusion_span *spans = malloc(n * sizeof *spans);
    if (!spans)
      return ts_fail(err, TS_E_NOMEM, "out of memory");
    size_t m = 0;
    for (size_t k = 0; k < arm->n_doses; k++) {
      const ts_dose_plan *p = &arm->doses[k];
      if (p->global_target != g || p->kind == TS_SC_BOLUS || doses[k].overlap)
        continue;
      double duration = p->kind == TS_SC_INFUSION_RATE ? p->amount / p->rate : p->duration;
      for (long i = 0; i < p->count; i++)
        spans[m++] =
            (infusion_span){p->start + (double)i * p->interval, p->start + (double)i * p->interval + duration, k};
    }
    qsort(spans, m, sizeof *spans, by_start);
    for (size_t i = 1; i < m; i++)
      if (spans[i].start < spans[i - 1].end - 1e-12 * fmax(1.0, fabs(spans[i - 1].end))) {
        const ts_sc_dose *d = &doses[spans[i].line];
        int rc = ts_yaml_fail(err, d->pos,
                              "%s: the infusion from %g d to %g d into %s.%s overlaps the one from %g d to %g d "
                              "(line %d); shorten it, lengthen the interval, or say 'overlap: true' if both are meant "
                              "to run at once",
                              where, spans[i].start, spans[i].end, d->instance, d->target, spans[i - 1].start,
                              spans[i - 1].end, doses[spans[i - 1].line].pos.line);
        free(spans);
        return rc;
      }
    free(spans);
  }
  return 0;
}

static int build_arm(ts_system *sys, ts_arm *arm, const char *name, const ts_sc_dose *doses, size_t n, ts_error *err) {
  arm->name = name;
  if (!(arm->doses = calloc(n ? n : 1, sizeof *arm->doses)))
    return ts_fail(err, TS_E_NOMEM, "out of memory");
  for (size_t k = 0; k < n; k++) {
    if (resolve_dose(sys, &doses[k], &arm->doses[k], err) != 0)
      return -1;
    arm->n_doses++;
  }
  char where[128];
  snprintf(where, sizeof where, "doses of arm %s", name);
  return check_overlaps(sys, arm, doses, where, err);
}

int ts_system_build_arms(ts_system *sys, const ts_scenario *sc, ts_error *err) {
  size_t n = sc->n_arms ? sc->n_arms : 1;
  if (!(sys->arms = calloc(n, sizeof *sys->arms)))
    return ts_fail(err, TS_E_NOMEM, "out of memory");
  sys->n_arms = n;
  if (sc->n_arms == 0)
    return build_arm(sys, &sys->arms[0], "default", sc->doses, sc->n_doses, err);
  for (size_t a = 0; a < sc->n_arms; a++)
    if (build_arm(sys, &sys->arms[a], sc->arms[a].name, sc->arms[a].doses, sc->arms[a].n_doses, err) != 0)
      return -1;
  return 0;
}
