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

#include "cohort.h"
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
  bool overlap;         /* `overlap: true`: its infusions may run while another into the same target runs */
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

/* ---- Trials (docs/scenario.md, "Virtual trials") -------------------------------------------------------------- */

typedef struct ts_sc_variable { /* a covariate ("WT") or a parameter ("pk.CL") drawn per patient */
  char *name;
  char *instance, *param; /* a parameter's halves; NULL for a covariate */
  ts_yaml_pos pos;
  ts_dist_kind kind;
  bool has_center;       /* lognormal: typical given (else the model's value); always true for the others */
  ts_sc_quantity center; /* lognormal typical, normal mean, uniform min, fixed value */
  ts_sc_quantity spread; /* lognormal omega or cv (dimensionless), normal sd, uniform max */
  bool spread_is_cv;
  bool has_lower, has_upper; /* truncation */
  ts_sc_quantity lower, upper;
} ts_sc_variable;

typedef struct ts_sc_correlation { /* `- {between: [pk.CL, pk.V1], r: 0.5}` */
  char *a, *b;
  double r;
  ts_yaml_pos pos;
} ts_sc_correlation;

typedef struct ts_sc_effect { /* `- {parameter: pk.CL, covariate: WT, model: power, reference: 70 kg, exponent: 0.75}`
                               */
  char *parameter, *covariate;
  ts_covariate_model model;
  ts_sc_quantity reference;
  double coefficient;
  ts_yaml_pos pos;
} ts_sc_effect;

typedef struct ts_sc_inclusion { /* `- {variable: WT, min: 40 kg, max: 150 kg}` */
  char *variable;
  bool has_min, has_max;
  ts_sc_quantity min, max;
  ts_yaml_pos pos;
} ts_sc_inclusion;

typedef struct ts_sc_cohort {
  bool present;
  ts_yaml_pos pos;
  long size;            /* patients */
  ts_sc_variable *vars; /* covariates first, then parameters, each in the order written */
  size_t n_vars, n_covariates;
  ts_sc_correlation *correlations;
  size_t n_correlations;
  ts_sc_effect *effects;
  size_t n_effects;
  ts_sc_inclusion *inclusion;
  size_t n_inclusion;
  long max_redraws;  /* default 1000 */
  char *bsa_formula; /* body_surface_area: mosteller | dubois | haycock | gehan_george; NULL: none */
  ts_yaml_pos bsa_pos;
} ts_sc_cohort;

typedef struct ts_sc_arm {
  char *name;
  ts_yaml_pos pos;
  ts_sc_dose *doses;
  size_t n_doses;
} ts_sc_arm;

typedef enum ts_sc_design { TS_SC_PAIRED, TS_SC_RANDOMISED } ts_sc_design;

typedef struct ts_sc_observation { /* `- {signal: tumor.diameter, every: 6 wk, proportional_error: 10%}` */
  ts_sc_signal_ref signal;
  double *times; /* d, ascending, within [start, horizon] */
  size_t n_times;
  ts_sc_quantity additive_error; /* SD in the signal's unit; value 0 when none */
  double proportional_error;     /* SD as a fraction of the value */
} ts_sc_observation;

typedef struct ts_sc_endpoints {
  bool has_recist;                /* recist: {signal: tumor.diameter, confirm: false, sd_min: 6 wk, cr_below: 0 mm} */
  ts_sc_signal_ref recist_signal; /* an observed signal: RECIST reads the observed (noisy) sizes */
  bool recist_confirm;
  double recist_sd_min_days;
  ts_sc_quantity recist_cr_below;
  bool has_death; /* death: {signal: tumor.N, above: 1e12 cells} */
  ts_sc_signal_ref death_signal;
  ts_sc_quantity death_above;
  bool has_toxicity; /* toxicity: tox.grade */
  ts_sc_signal_ref toxicity_signal;
  bool has_exposure; /* exposure: pk.C  (Cmax, Cmin, AUC per dosing cycle) */
  ts_sc_signal_ref exposure_signal;
} ts_sc_endpoints;

/* ---- Rules (docs/scenario.md, "Adaptive and toxicity-driven dosing") ---------------------------------------- */

typedef enum ts_sc_rule_reference {                    /* what a rule's threshold is measured against */
                                    TS_SC_ABSOLUTE,    /* `below: 1.0 1e9 cells/L` */
                                    TS_SC_OF_BASELINE, /* `below: 50% of baseline` */
                                    TS_SC_OF_NADIR     /* `above: 120% of nadir` */
} ts_sc_rule_reference;

typedef enum ts_sc_rule_action { TS_SC_HOLD, TS_SC_RESUME, TS_SC_REDUCE, TS_SC_SWITCH, TS_SC_STOP } ts_sc_rule_action;

typedef struct ts_sc_rule {
  char *name;
  ts_yaml_pos pos;
  bool crossing;     /* check: crossing (CVODE root-finding) instead of at visits */
  double every_days; /* visits: check every this long from the start */
  ts_sc_signal_ref signal;
  bool above; /* above the threshold (else below) */
  ts_sc_rule_reference reference;
  ts_sc_quantity threshold; /* ABSOLUTE: in any unit of the signal's dimension; else a fraction (value) */
  ts_sc_rule_action action;
  double reduce_fraction; /* REDUCE: e.g. 0.25 */
  char *switch_arm;       /* SWITCH: the arm whose doses follow */
  ts_yaml_pos action_pos;
  bool once;
  char **arms; /* the arms it applies to; none listed: every arm */
  size_t n_arms;
} ts_sc_rule;

/* ---- Twins (docs/twins.md): one virtual patient per file ------------------------------------------------------ */

typedef enum ts_sc_sex { TS_SC_SEX_NONE = -1, TS_SC_FEMALE = 0, TS_SC_MALE = 1 } ts_sc_sex;

typedef struct ts_sc_covariate { /* `WT: 70 kg` under a twin's covariates */
  char *name;                    /* an identifier */
  ts_sc_quantity value;          /* unit "" when a bare number was written; pos in the twin file */
} ts_sc_covariate;

typedef struct ts_sc_twin { /* one item of `twins:`, read from its own file */
  char *path;               /* the file as opened: the scenario's folder joined with the path written */
  ts_yaml_pos pos;          /* the path in the scenario's `twins` list */
  ts_yaml_doc *doc;         /* the twin file; owns the text of every position below */
  ts_yaml_pos root_pos;     /* the twin file's top-level mapping */
  char *id;                 /* the patient's label: not empty, at most 63 bytes, unique among the twins */
  ts_yaml_pos id_pos;
  char *description; /* "" when absent */
  ts_sc_covariate *covariates;
  size_t n_covariates;
  ts_yaml_pos covariates_pos; /* the `covariates` mapping, or root_pos when absent */
  ts_sc_sex sex;              /* TS_SC_SEX_NONE when absent; else stored as covariate SEX (0 female, 1 male) */
  char *bsa_formula;          /* body_surface_area: mosteller | dubois | haycock | gehan_george; NULL: none */
  ts_yaml_pos bsa_pos;
  ts_sc_override *overrides; /* `pk.CL: 110 L/d` under parameters: override the scenario's values */
  size_t n_overrides;
} ts_sc_twin;

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

  ts_sc_cohort cohort; /* cohort.present false: one patient, the scenario's */
  ts_sc_arm *arms;     /* none: one arm with the top-level doses */
  size_t n_arms;
  ts_sc_design design; /* default paired: every patient in every arm */
  ts_sc_observation *observations;
  size_t n_observations;
  ts_sc_endpoints endpoints;
  ts_sc_rule *rules;
  size_t n_rules;
  ts_sc_twin *twins; /* n_twins > 0: the patients are these twins (no cohort, no patient) */
  size_t n_twins;
  ts_yaml_pos twins_pos; /* the `twins` list */
} ts_scenario;

/* Parses and checks a scenario file against the schema. Every error is TS_E_INPUT and starts with
 * "FILE:LINE:COL: " followed by what was expected. */
int ts_scenario_load(const char *path, ts_scenario **out, ts_error *err);

/* The same from text in memory; file names the text in messages, and relative plugin paths resolve against
 * base_dir. */
int ts_scenario_load_string(const char *file, const char *text, const char *base_dir, ts_scenario **out, ts_error *err);

void ts_scenario_free(ts_scenario *sc); /* NULL is harmless */

#endif
