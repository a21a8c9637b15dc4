/* A scenario resolved against its plugins: the wired system of model instances that the simulator integrates.
 *
 * Built once per run and read-only afterwards, so any number of simulator workers can share it. Every name of the
 * scenario has become an index here: the right-hand side does no string lookup and no allocation.
 *
 * Layout of the state bus, the one array every signal lives in while a patient is simulated:
 *   bus[0 .. n_states)                   the continuous states of all instances, in instance order (the ODE vector)
 *   bus[n_states .. n_states+n_outputs)  the outputs of all instances, in instance order
 * An input is filled from the bus by links: input = bus[source] * factor (summed for TS_INPUT_SUM inputs). */
#ifndef TWINSIM_CORE_SYSTEM_H
#define TWINSIM_CORE_SYSTEM_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "plugin_loader.h"
#include "scenario.h"

typedef enum ts_signal_kind { TS_SIGNAL_STATE, TS_SIGNAL_OUTPUT } ts_signal_kind;

typedef struct ts_signal {
  char *name; /* qualified: "pk.C" */
  const char *unit;
  ts_signal_type type;
  ts_signal_kind kind;
  uint32_t instance;
  uint32_t index; /* within the model's states or outputs */
} ts_signal;

typedef struct ts_link {
  uint32_t input;  /* global input index */
  uint32_t source; /* bus index */
  double factor;   /* unit conversion from the source's unit to the input's */
  int accumulate;  /* 0: input = value; 1: input += value (second and later sources of a TS_INPUT_SUM input) */
} ts_link;

typedef struct ts_instance {
  char *name;
  const ts_library *lib;
  const ts_model *model;
  uint32_t state_offset;  /* into the ODE vector (= bus index of its first state) */
  uint32_t output_offset; /* into the outputs (bus index n_states + output_offset) */
  uint32_t input_offset;
  uint32_t param_offset;
  uint32_t dose_offset; /* first global dose target index */
  uint32_t link_begin, link_end;
  double step_days;        /* discrete step interval, 0 when the model has no step() */
  int outputs_read_inputs; /* some output lists direct_inputs: its inputs are gathered before compute_outputs() */
} ts_instance;

typedef enum ts_dose_scale {                   /* how a dose line's amount depends on the patient */
                             TS_DOSE_ABSOLUTE, /* "100 mg" */
                             TS_DOSE_PER_KG,   /* "1.5 mg/kg": times the body weight */
                             TS_DOSE_PER_M2    /* "75 mg/m^2": times the body-surface area */
} ts_dose_scale;

typedef struct ts_dose_plan { /* one dose line of the scenario, resolved */
  uint32_t instance;
  uint32_t target;        /* index among the instance's dose targets */
  uint32_t global_target; /* index among all dose targets */
  uint32_t state;         /* ODE index of the target's state */
  double to_state;        /* unit factor from the target's amount unit to the state's unit */
  int f_param;            /* index into the parameter vector of the target's bioavailability, or -1 (F = 1) */
  int lag_param;          /* index of the target's lag time, or -1 */
  double lag_to_days;     /* unit factor of the lag-time parameter */
  ts_dose_scale scale;
  double amount;          /* in the target's unit (per kg or per m^2 as scale says) */
  double start, interval; /* d */
  long count;
  ts_sc_dose_kind kind;
  double rate;     /* TS_SC_INFUSION_RATE: target unit per d (per kg or per m^2 as scale says) */
  double duration; /* TS_SC_INFUSION_DURATION: d */
} ts_dose_plan;

typedef struct ts_arm {
  const char *name; /* borrowed from the scenario, or "default" */
  ts_dose_plan *doses;
  size_t n_doses;
} ts_arm;

typedef struct ts_trial ts_trial;

typedef struct ts_rule { /* a dosing rule of the scenario, resolved */
  const char *name;
  uint32_t bus;     /* the signal it watches */
  const char *unit; /* the signal's unit, for messages */
  ts_sc_rule_reference reference;
  double threshold; /* absolute: in the signal's unit; of baseline or nadir: a fraction */
  int above;        /* fires above the threshold (else below) */
  int crossing;     /* at the exact crossing (root-finding) rather than at visits */
  double every;     /* visits: the interval, d */
  ts_sc_rule_action action;
  double reduce; /* REDUCE: the fraction taken off every later dose */
  size_t switch_arm;
  int once;
  uint64_t arms; /* bit a: applies in arm a (the patient's arm); all bits when the scenario lists none */
} ts_rule;

typedef struct ts_system {
  const ts_scenario *scenario; /* borrowed: must outlive the system */
  ts_instance *inst;
  size_t n_inst;
  size_t n_states, n_outputs, n_inputs, n_params, n_dose_targets;
  ts_signal *signals; /* n_states + n_outputs, in bus order */
  ts_link *links;
  size_t n_links;
  double *input_defaults; /* n_inputs: the value of each input before its links apply */
  uint32_t *output_calls; /* instances whose compute_outputs runs, in dependency order (one may appear twice) */
  size_t n_output_calls;
  /* Which outputs an evaluation needs (ts_eval.outputs_wanted), n_outputs flags each: a right-hand side only those
   * some link reads; a sample those too and the recorded and observed ones. Rules, steps and the Jacobian want all. */
  unsigned char *wired_outputs;
  unsigned char *sampled_outputs;
  double *params;     /* n_params: the scenario's values, patient overrides applied, in declared units */
  double *atol;       /* n_states, in each state's unit */
  uint32_t *recorded; /* bus indices of the recorded signals */
  size_t n_recorded;
  ts_arm *arms; /* at least one: the scenario's arms, or one called "default" with the top-level doses */
  size_t n_arms;
  ts_trial *trial; /* cohort, observations, endpoints (trial.h); never NULL once built */
  ts_rule *rules;  /* dosing rules (rules.c) */
  size_t n_rules, n_crossing_rules;
  int analytic_jacobian; /* give CVODE the chain-rule Jacobian (solver.jacobian and every instance has one) */
  int has_step;
} ts_system;

/* Resolves the scenario: loads the plugins it names from `plugins`, checks and wires everything. Errors are
 * TS_E_INPUT and start with the scenario position concerned; a wiring error names the instances, signals and
 * both units. */
int ts_system_build(const ts_scenario *sc, ts_plugin_set *plugins, ts_system **out, ts_error *err);

void ts_system_free(ts_system *sys); /* NULL is harmless */

/* Bus index of a qualified signal name, or -1. */
int ts_system_signal(const ts_system *sys, const char *instance, const char *signal);

/* Index of the named instance, or -1. */
int ts_system_instance(const ts_system *sys, const char *name);

/* Bus index of instance.signal, or -1 with an error at pos that lists what exists. `what` starts the message. */
int ts_system_resolve_signal(const ts_system *sys, const char *instance, const char *signal, ts_yaml_pos pos,
                             const char *what, ts_error *err);

/* A scenario quantity in `unit`; a bare number only for a dimensionless unit. `what` starts the message. */
int ts_convert_quantity(const ts_sc_quantity *q, const char *unit, const char *what, double *out, ts_error *err);

/* Internal steps of ts_system_build: wiring.c, arms.c, trial.c. */
int ts_system_wire(ts_system *sys, const ts_scenario *sc, ts_error *err);
int ts_system_order_outputs(ts_system *sys, ts_error *err);
int ts_system_build_arms(ts_system *sys, const ts_scenario *sc, ts_error *err);
int ts_system_build_trial(ts_system *sys, const ts_scenario *sc, ts_error *err);
int ts_system_build_rules(ts_system *sys, const ts_scenario *sc, ts_error *err);
void ts_system_free_trial(ts_system *sys);

#endif
