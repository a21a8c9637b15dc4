/* A system's dosing rules, resolved: the watched signal, the threshold in the signal's unit, the arm a switch goes
 * to. The rules act in the scheduler (sim.c); docs/scenario.md says what each does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "system.h"

int ts_system_build_rules(ts_system *sys, const ts_scenario *sc, ts_error *err) {
  if (sc->n_rules == 0)
    return 0;
  if (!(sys->rules = calloc(sc->n_rules, sizeof *sys->rules)))
    return ts_fail(err, TS_E_NOMEM, "out of memory");
  for (size_t i = 0; i < sc->n_rules; i++) {
    const ts_sc_rule *r = &sc->rules[i];
    ts_rule *out = &sys->rules[sys->n_rules++];
    int b = ts_system_resolve_signal(sys, r->signal.instance, r->signal.signal, r->signal.pos, "rule signal", err);
    if (b < 0)
      return -1;
    *out = (ts_rule){.name = r->name,
                     .bus = (uint32_t)b,
                     .unit = sys->signals[b].unit,
                     .reference = r->reference,
                     .threshold = r->threshold.value,
                     .above = r->above,
                     .crossing = r->crossing,
                     .every = r->every_days,
                     .action = r->action,
                     .reduce = r->reduce_fraction,
                     .once = r->once};
    if (r->reference == TS_SC_ABSOLUTE) {
      char what[300];
      snprintf(what, sizeof what, "rule %s: the threshold of %s", r->name, sys->signals[b].name);
      if (ts_convert_quantity(&r->threshold, sys->signals[b].unit, what, &out->threshold, err) != 0)
        return -1;
    }
    if (sys->n_arms > 64)
      return ts_yaml_fail(err, r->pos, "rules: at most 64 arms are supported with rules, found %zu", sys->n_arms);
    out->arms = r->n_arms ? 0 : ~(uint64_t)0;
    for (size_t a = 0; a < sys->n_arms; a++) {
      if (r->action == TS_SC_SWITCH && strcmp(sys->arms[a].name, r->switch_arm) == 0)
        out->switch_arm = a;
      for (size_t k = 0; k < r->n_arms; k++)
        if (strcmp(sys->arms[a].name, r->arms[k]) == 0)
          out->arms |= (uint64_t)1 << a;
    }
    sys->n_crossing_rules += r->crossing;
  }
  return 0;
}
