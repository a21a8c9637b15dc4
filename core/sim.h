/* The scheduler: integrates one virtual patient of a wired system with CVODE.
 *
 * All instances' states form one ODE system (BDF or Adams, dense direct linear solver), integrated piecewise
 * between breakpoints — dose events (boluses, infusion starts and stops) and discrete steps — with a stop time at
 * each and a solver restart (CVodeReInit) wherever the states or the right-hand side jump. Outputs on the
 * requested grid come from CVODE's interpolant, never from forcing small steps. At a time that is both an output
 * time and an event time, the output is recorded before the event (a trough, as mrgsolve does by default).
 *
 * A simulator is one worker: it owns its CVODE memory, buffers and plugin instances, and reuses them from patient
 * to patient (no allocation per patient). Several simulators may share one system on different threads. */
#ifndef TWINSIM_CORE_SIM_H
#define TWINSIM_CORE_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "dosing.h"
#include "error.h"
#include "system.h"

typedef struct ts_sim ts_sim;

typedef struct ts_sim_options {
  ts_log_level verbosity; /* plugin log messages above this level are dropped */
  uint64_t seed;          /* the run's seed: with the patient index, keys every random stream */
} ts_sim_options;

typedef struct ts_patient {
  uint64_t index;       /* 1-based position in the cohort; keys the patient's random streams */
  const char *label;    /* e.g. the twin's id */
  const double *params; /* sys->n_params values in declared units */
  const ts_arm *arm;    /* the dosing; NULL: the system's first arm */
  double weight_kg;     /* for doses per kg (NAN when unknown) */
  double bsa_m2;        /* for doses per m^2 (NAN when unknown) */
} ts_patient;

typedef enum ts_sim_event_kind {
  TS_EV_BOLUS,
  TS_EV_INFUSION_START,
  TS_EV_INFUSION_STOP,
  TS_EV_DOSE_SKIPPED, /* a dose not given: treatment held or stopped by a rule */
  TS_EV_RULE          /* a rule fired */
} ts_sim_event_kind;

/* One entry of a patient's event log. */
typedef struct ts_sim_event {
  double time; /* d */
  ts_sim_event_kind kind;
  const ts_dose_plan *plan; /* dose events: the dose line (of the arm it came from); NULL for rules */
  double amount;            /* dose events: as given, F and any reduction applied (target unit) */
  double rate;              /* infusions: target unit per d */
  int rule;                 /* TS_EV_RULE: index into sys->rules; -1 otherwise */
  double value;             /* TS_EV_RULE: the value of the rule's signal that made it fire */
} ts_sim_event;

typedef struct ts_sim_result {
  int failed;              /* 1: the integration failed; message and failure_time say why and when */
  double failure_time;     /* d */
  const char *message;     /* owned by the simulator, valid until its next run */
  size_t n_times;          /* output rows recorded (fewer than planned when failed) */
  const double *times;     /* d */
  const double *values;    /* n_times * sys->n_recorded, row-major, in each signal's unit */
  const ts_sim_event *log; /* doses given, skipped, infusion ends and rule firings, in time order */
  size_t n_log;
  const double *observed; /* the model's value at each scheduled observation (trial.h samples), in order */
  size_t n_observed;      /* observations taken (fewer than scheduled when failed) */
  long n_steps, n_rhs_evals, n_jac_evals; /* CVODE statistics */
} ts_sim_result;

/* Creates a worker for sys: CVODE memory, buffers, and one instance of every model (create()). */
int ts_sim_create(const ts_system *sys, const ts_sim_options *opt, ts_sim **out, ts_error *err);

/* Simulates one patient. Returns 0 when the patient was simulated, successfully or not (res->failed); -1 only when
 * the host itself failed (err). The result's arrays stay valid until the next run or ts_sim_free. */
int ts_sim_run(ts_sim *sim, const ts_patient *p, ts_sim_result *res, ts_error *err);

/* Direct access to the wired right-hand side, for tests and the plugin conformance checker. ts_sim_prepare sets up
 * a patient (parameters, initial states into y0, random streams) as ts_sim_run does before integrating; then
 * ts_sim_rhs evaluates dy/dt and ts_sim_jacobian the analytic Jacobian (column-major n_states x n_states; -1 when
 * some instance has no jacobian()). Both return 0, 1 (recoverable) or -1. */
int ts_sim_prepare(ts_sim *sim, const ts_patient *p, double *y0);
int ts_sim_rhs(ts_sim *sim, double t, const double *y, double *ydot);
int ts_sim_jacobian(ts_sim *sim, double t, const double *y, double *J);

/* True when the simulator gives CVODE the analytic Jacobian. */
int ts_sim_uses_analytic_jacobian(const ts_sim *sim);

/* Destroys the plugin instances and frees everything. NULL is harmless. */
void ts_sim_free(ts_sim *sim);

#endif
