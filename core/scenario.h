/* A scenario as written in YAML (docs/scenario.md), checked against the schema but not yet against plugins:
 * names of plugins, models, parameters, signals and the units of amounts are resolved later, when the system is
 * built (system.h), and every element keeps its source position for the messages of that step.
 *
 * Times are converted to days here (model time is always days, see plugin.h); every other quantity keeps the unit
 * text the user wrote, because its target unit is known only once the plugin is loaded. */
#ifndef TWINSIM_CORE_SCENARIO_H
#define TWINSIM_CORE_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "yaml_tree.h"

/* A number with the unit text written beside it ("" when none was written). */
typedef struct ts_sc_quantity {
  double value;
  char *unit;
  ts_yaml_pos pos;
} ts_sc_quantity;

typedef struct ts_sc_param { /* `CL: 120 L/d` under an instance's parameters */
  char *name;
  ts_sc_quantity value;
} ts_sc_param;

typedef struct ts_sc_wire { /* `C: pk.C` or `kill_rate: [drug.kill, immune.kill]` under an instance's inputs */
  char *input;
  ts_yaml_pos pos;
  char **sources; /* qualified signal names "instance.signal" */
  ts_yaml_pos *source_pos;
  size_t n_sources;
} ts_sc_wire;

typedef struct ts_sc_instance { /* one entry of `model:` */
  char *name;                   /* the key: identifier [A-Za-z_][A-Za-z0-9_]* */
  ts_yaml_pos pos;
  char *plugin; /* from `model: plugin/model` */
  char *model;
  ts_yaml_pos model_pos;
  ts_sc_param *params;
  size_t n_params;
  ts_sc_wire *wires;
  size_t n_wires;
  bool has_step; /* `step: 0.1 d` given */
  double step_days;
  ts_yaml_pos step_pos;
} ts_sc_instance;

typedef struct ts_sc_override { /* `pk.CL: 100 L/d` under patient.parameters */
  char *instance;
  char *param;
  ts_sc_quantity value;
} ts_sc_override;

typedef enum ts_sc_dose_kind { TS_SC_BOLUS, TS_SC_INFUSION_RATE, TS_SC_INFUSION_DURATION } ts_sc_dose_kind;

typedef struct ts_sc_dose { /* one item of `doses:` */
  ts_yaml_pos pos;
  char *instance; /* from `target: pk.central` */
  char *target;
  ts_yaml_pos target_pos;
  ts_sc_quantity amount; /* > 0; unit checked against the target later */
  double start_days;
  ts_sc_dose_kind kind;
  ts_sc_quantity rate;  /* TS_SC_INFUSION_RATE: amount per time, > 0 */
  double duration_days; /* TS_SC_INFUSION_DURATION: > 0 */
  double interval_days; /* between doses; 0 when count == 1 */
  long count;           /* total number of doses >= 1 (`count: 6`, or `addl: 5` as NONMEM) */
} ts_sc_dose;

typedef struct ts_sc_signal_ref { /* an entry of output.signals, or a key of solver.atol */
  char *instance;
  char *signal;
  ts_yaml_pos pos;
} ts_sc_signal_ref;

typedef struct ts_sc_atol { /* `pk.A1: 1e-6 mg` under solver.atol */
  ts_sc_signal_ref state;
  ts_sc_quantity value;
} ts_sc_atol;

typedef enum ts_sc_method { TS_SC_BDF, TS_SC_ADAMS } ts_sc_method;

/* auto: analytic when every instance provides jacobian(), else difference quotients. */
typedef enum ts_sc_jacobian {
  TS_SC_JACOBIAN_AUTO,
  TS_SC_JACOBIAN_ANALYTIC,
  TS_SC_JACOBIAN_FINITE_DIFFERENCE
} ts_sc_jacobian;

typedef struct ts_sc_solver {
  ts_sc_method method;     /* default BDF */
  ts_sc_jacobian jacobian; /* default auto */
  ts_yaml_pos jacobian_pos;
  double rtol;       /* default 1e-6 */
  double atol_scale; /* default 1e-6: atol of a state = atol_scale * its nominal magnitude */
  ts_sc_atol *atol;  /* per-state absolute tolerances in the state's unit (converted later) */
  size_t n_atol;
  long max_steps;       /* per output interval; default 100000 */
  double max_step_days; /* 0: no limit */
  bool nonnegative;     /* default false: pass TS_STATE_NONNEGATIVE to CVODE as constraints */
} ts_sc_solver;

typedef struct ts_scenario {
  ts_yaml_doc *doc; /* the parsed file: text for storing and hashing, positions */
  char *name;
  char *description;  /* "" when absent */
  uint64_t seed;      /* default 1 */
  char **plugin_path; /* extra plugin folders, made absolute relative to the scenario file's folder */
  size_t n_plugin_path;

  ts_sc_instance *instances;
  size_t n_instances;

  char *patient_id; /* default "patient-1" */
  ts_sc_override *overrides;
  size_t n_overrides;

  ts_sc_dose *doses;
  size_t n_doses;

  double start_days; /* default 0 */
  double end_days;   /* horizon, > start */

  double *output_times; /* in days, ascending, within [start, end] */
  size_t n_output_times;
  ts_sc_signal_ref *recorded; /* output.signals */
  size_t n_recorded;

  ts_sc_solver solver;
} ts_scenario;

/* Parses and checks a scenario file against the schema. Every error is TS_E_INPUT and starts with
 * "FILE:LINE:COL: " followed by what was expected. */
int ts_scenario_load(const char *path, ts_scenario **out, ts_error *err);

/* The same from text in memory; file names the text in messages, and relative plugin paths resolve against
 * base_dir. */
int ts_scenario_load_string(const char *file, const char *text, const char *base_dir, ts_scenario **out, ts_error *err);

void ts_scenario_free(ts_scenario *sc); /* NULL is harmless */

#endif
