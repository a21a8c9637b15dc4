/* The simulator's insides, shared by sim.c (time line, right-hand side) and jacobian.c (analytic Jacobian).
 * Not part of any public interface. */
#ifndef TWINSIM_CORE_SIM_INTERNAL_H
#define TWINSIM_CORE_SIM_INTERNAL_H

#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>

#include "host.h"
#include "sim.h"
#include "trial.h"

#define TS_SIM_MESSAGE_MAX 2048

/* Which outputs an evaluation asks the instances for (system.h): indexes ts_call.wanted. */
enum { TS_WANT_ALL, TS_WANT_WIRED, TS_WANT_SAMPLED, TS_N_WANTS };

/* One plugin call of an evaluation, resolved once per simulator, so that the hot loops only load and call. */
typedef struct ts_call {
  int (*fn)(void *instance, const ts_eval *e); /* compute_outputs or compute_derivatives */
  void *instance;
  ts_eval *e;
  uint32_t index;                /* of the instance */
  uint32_t state_offset;         /* derivative calls: where the instance's derivatives go */
  uint32_t link_begin, link_end; /* output calls: links to gather first (empty unless its outputs read inputs) */
  const unsigned char *wanted[TS_N_WANTS]; /* output calls: ts_eval.outputs_wanted for each TS_WANT_* */
} ts_call;

/* One link as the gathering of all inputs reads it (system.h, ts_link), without the accumulate flag: the links that
 * set an input and those that add to one are kept apart. */
typedef struct ts_gather {
  uint32_t input, source;
  double factor;
} ts_gather;

struct ts_sim {
  const ts_system *sys;
  ts_sim_options opt;

  /* CVODE */
  SUNContext ctx;
  void *cvode;
  N_Vector y;
  N_Vector atol;
  N_Vector constraints;
  SUNMatrix jac;
  SUNLinearSolver ls;

  /* Per-patient working memory, sized once. */
  double *bus;        /* n_states + n_outputs, see system.h */
  double *inputs;     /* n_inputs */
  double *params;     /* n_params */
  double *dose_rates; /* n_dose_targets */
  int *active_infusions;
  double *step_due;                       /* per instance: the next time its step() runs */
  double *scratch;                        /* n_states */
  ts_eval *ev;                            /* per instance, pointers into the arrays above */
  ts_call *output_plan, *derivative_plan; /* the calls of an evaluation, in order */
  size_t n_output_plan, n_derivative_plan;
  ts_gather *gather; /* every link: first those that set an input, then those that add to one */
  size_t n_gather_set, n_gather;
  void **instance;    /* per instance */
  ts_host_impl *host; /* per instance */
  /* Doses: the schedule still to come, the infusions running, and the log. */
  ts_dose_event *schedule;
  size_t schedule_cap, n_schedule, next_dose;
  struct running_infusion {
    double end, rate;
    const ts_dose_plan *plan;
  } * running;
  size_t n_running;
  ts_sim_event *log;
  size_t n_log, log_cap;
  const ts_patient *patient;

  /* Rules (sim_rules.c) */
  double *rule_next;     /* next visit per rule */
  double *rule_baseline; /* the signal at the first visit (crossing rules: at the start) */
  double *rule_nadir;    /* the smallest value seen at visits so far */
  unsigned char *rule_fired;
  int held, stopped;  /* doses are skipped while held (until resumed) or after a stop */
  double dose_factor; /* product of (1 - reduction) of the reductions so far */
  size_t current_arm; /* the regimen in use: the patient's arm, or the last switched to */
  size_t patient_arm; /* the arm the patient was simulated in: which rules apply */
  int *roots;         /* CVodeGetRootInfo */

  /* CVODE's counters restart at every CVodeReInit: the patient's totals add up the segments. */
  long steps, rhs_evals, jac_evals;
  int segment_open;  /* a segment of this patient was integrated since the counters were last added */
  double *values;    /* n_output_times * n_recorded */
  double *observed;  /* one per scheduled observation */
  const ts_arm *arm; /* the current patient's */

  /* Failure of the current patient. */
  int failed;
  double failure_time;
  char message[TS_SIM_MESSAGE_MAX];
  char solver_message[TS_SIM_MESSAGE_MAX]; /* CVODE's last error text */
  char detail[TS_SIM_MESSAGE_MAX];         /* what the right-hand side saw (plugin error, non-finite value) */

  /* Analytic Jacobian workspace (jacobian.c), allocated when every instance has a jacobian(). */
  double *d_inputs;     /* n_inputs x n_states, row-major: d(input)/d(states) */
  double *d_outputs;    /* n_outputs x n_states, row-major: d(output)/d(states) */
  double *blocks;       /* the four blocks of every instance, one after the other */
  size_t *block_offset; /* n_inst + 1: where instance i's blocks start; the last is the total */
};

/* Computes the outputs at (t, y) into the bus, in dependency order, then every input; with ydot, also the
 * derivatives. Without ydot every output is computed; with it, only the wired ones need be (plugins may skip the
 * others: ts_eval.outputs_wanted). Returns 0, 1 (recoverable) or -1, with s->detail saying what happened. */
int ts_sim_evaluate(ts_sim *s, double t, const double *y, double *ydot);

/* Appends to the patient's event log (growing it when needed). -1 when out of memory. */
int ts_sim_log(ts_sim *s, const ts_sim_event *e);

/* Rules (sim_rules.c): allocation, the start of a patient, the next visit, the visits due at t, the crossings
 * CVODE found, and the root function it calls. Each returns 0 or -1 with the patient failed. */
int ts_rules_alloc(ts_sim *s);
void ts_rules_free(ts_sim *s);
int ts_rules_begin(ts_sim *s, double t0, const double *y);
double ts_rules_next_visit(const ts_sim *s);
int ts_rules_visit(ts_sim *s, double t, const double *y);
int ts_rules_crossed(ts_sim *s, double t, const double *y);
int ts_rules_root(sunrealtype t, N_Vector y, sunrealtype *g, void *user_data);

/* Marks the patient failed with the message; returns -1. */
int ts_sim_fail_patient(ts_sim *s, double t, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Allocates the Jacobian workspace; called by ts_sim_create when every instance has a jacobian(). */
int ts_jacobian_alloc(ts_sim *s);
void ts_jacobian_free(ts_sim *s);

/* The CVODE Jacobian callback (CVLsJacFn). */
int ts_jacobian_cvode(sunrealtype t, N_Vector y, N_Vector fy, SUNMatrix J, void *user_data, N_Vector tmp1,
                      N_Vector tmp2, N_Vector tmp3);

#endif
