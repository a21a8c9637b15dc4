/* `twins`: twin files (docs/twins.md). Not written yet: no twins are read. */
#include "scenario_internal.h"

int sc_parse_twins(ts_scenario *sc, const ts_yaml_node *root, const char *base_dir, ts_error *err) {
  (void)base_dir;
  const ts_yaml_node *n = ts_yaml_get(root, "twins");
  (void)sc;
  return n ? ts_yaml_fail(err, n->pos, "'twins' is not supported yet") : 0;
}

void sc_free_twins(ts_scenario *sc) {
  (void)sc;
}
