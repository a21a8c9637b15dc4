/* `rules`: adaptive and toxicity-driven dosing (docs/scenario.md). Not written yet. */
#include "scenario_internal.h"

int sc_parse_rules(ts_scenario *sc, const ts_yaml_node *root, ts_error *err) {
  const ts_yaml_node *n = ts_yaml_get(root, "rules");
  (void)sc;
  return n ? ts_yaml_fail(err, n->pos, "'rules' is not supported yet") : 0;
}

void sc_free_rules(ts_scenario *sc) {
  (void)sc;
}
