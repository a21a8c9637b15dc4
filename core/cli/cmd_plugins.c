/* twinsim plugins [--describe PLUGIN/MODEL] */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "model_check.h"
#include "plugin_loader.h"

static const char *text(const char *s) {
  return s ? s : "";
}

static const char *type_name(ts_signal_type t) {
  return t == TS_REAL ? "real" : t == TS_COUNT ? "count" : "flag";
}

static void describe(const ts_library *lib, const ts_model *m) {
  printf("%s/%s %s — %s\n  from %s (plugin %s %s)\n", lib->name, m->name, m->version, text(m->doc), lib->path,
         lib->name, lib->desc.version);
  printf("parameters:\n");
  for (uint32_t i = 0; i < m->n_params; i++) {
    const ts_param *p = &m->params[i];
    char range[128];
    ts_param_range_text(p, range, sizeof range);
    printf("  %-12s %-12s default %-10g range %-16s %s\n", p->name, p->unit, p->default_value, range, text(p->doc));
  }
  printf("states:\n");
  for (uint32_t i = 0; i < m->n_states; i++)
    printf("  %-12s %-12s nominal %-10g%s  %s\n", m->states[i].name, m->states[i].unit, m->states[i].nominal,
           (m->states[i].flags & TS_STATE_NONNEGATIVE) ? " >= 0" : "", text(m->states[i].doc));
  printf("inputs:\n");
  for (uint32_t i = 0; i < m->n_inputs; i++) {
    const ts_input *in = &m->inputs[i];
    printf("  %-12s %-12s %s%s%s  %s\n", in->name, in->unit, type_name(in->type),
           (in->flags & TS_INPUT_OPTIONAL) ? ", optional" : "", (in->flags & TS_INPUT_SUM) ? ", sum of signals" : "",
           text(in->doc));
  }
  printf("outputs:\n");
  for (uint32_t i = 0; i < m->n_outputs; i++) {
    const ts_output *o = &m->outputs[i];
    printf("  %-12s %-12s %s", o->name, o->unit, type_name(o->type));
    for (const char *const *d = o->direct_inputs; d && *d; d++)
      printf("%s%s", d == o->direct_inputs ? ", reads " : " ", *d);
    printf("  %s\n", text(o->doc));
  }
  printf("dose targets:\n");
  for (uint32_t i = 0; i < m->n_dose_targets; i++) {
    const ts_dose_target *d = &m->dose_targets[i];
    printf("  %-12s %-12s into %s%s%s  %s\n", d->name, d->unit, d->state, (d->routes & TS_ROUTE_BOLUS) ? ", bolus" : "",
           (d->routes & TS_ROUTE_INFUSION) ? ", infusion" : "", text(d->doc));
  }
}

int ts_cmd_plugins(int argc, char **argv) {
  const char *which = NULL;
  if (argc == 2 && strcmp(argv[0], "--describe") == 0)
    which = argv[1];
  else if (argc != 0)
    return ts_cli_usage_error("plugins: usage: twinsim plugins [--describe PLUGIN/MODEL]");
  ts_plugin_set *set = ts_plugins_create(NULL, 0);
  if (!set)
    return fputs("twinsim: out of memory\n", stderr), 3;
  ts_error err;
  ts_error_clear(&err);
  int status = 0;
  if (which) {
    const char *slash = strchr(which, '/');
    char name[256];
    snprintf(name, sizeof name, "%.*s", slash ? (int)(slash - which) : (int)strlen(which), which);
    const ts_library *lib;
    if (ts_plugins_get(set, name, &lib, &err) != 0) {
      status = ts_cli_report(&err);
    } else if (slash) {
      const ts_model *m = ts_library_model(lib, slash + 1);
      if (m)
        describe(lib, m);
      else
        status = ts_cli_usage_error("plugin '%s' has no model '%s'", name, slash + 1);
    } else {
      for (uint32_t i = 0; i < lib->desc.n_models; i++)
        describe(lib, &lib->models[i]), putchar('\n');
    }
  } else {
    if (ts_plugins_load_all(set, &err) != 0)
      status = ts_cli_report(&err);
    const char *const *dirs;
    size_t n_dirs = ts_plugins_search_path(set, &dirs);
    printf("search path:");
    for (size_t i = 0; i < n_dirs; i++)
      printf(" %s", dirs[i]);
    putchar('\n');
    for (size_t i = 0; i < ts_plugins_count(set); i++) {
      const ts_library *lib = ts_plugins_at(set, i);
      printf("%s %s (%s) — %s\n", lib->name, lib->desc.version, lib->path, text(lib->desc.doc));
      for (uint32_t k = 0; k < lib->desc.n_models; k++)
        printf("  %s/%-20s %s\n", lib->name, lib->models[k].name, text(lib->models[k].doc));
    }
  }
  ts_plugins_free(set);
  return status;
}
