/*
 * twinsim plugin ABI, version 1.1 — the whole contract between twinsim and a model plugin.
 *
 * Copyright 2026 the twinsim authors. Licensed under the Apache License, Version 2.0.
 *
 * A plugin is a shared library, loaded with dlopen(), that describes one or more models in static data and
 * implements them with a few callbacks. It includes this header and nothing else of twinsim's, and it does not
 * link against libtwinsim: everything the host offers arrives through the ts_host table below.
 *
 * Words: MUST, MUST NOT, SHOULD and MAY are used as in RFC 2119. "Host" is twinsim. "Instance" is one use of a
 * model in a scenario (e.g. two instances of pk/two_compartment named pk_docetaxel and pk_carboplatin).
 *
 * ------------------------------------------------------------------------------------------------------------
 * 1. Lifecycle
 * ------------------------------------------------------------------------------------------------------------
 *   dlopen -> TS_PLUGIN_ENTRY()                     once per library, any thread, before anything else
 *   for each instance, in each worker thread:
 *     create(host, &instance)                       once; allocates what the instance needs
 *     for each virtual patient the worker runs:
 *       init(instance, params, t0, y0)              fills initial states; resets any per-patient state
 *       compute_outputs(), compute_derivatives(),   any number of times, in the order described in 3.,
 *       jacobian(),
 *       step(), bolus()                             with t moving forward and backward (solver retries)
 *     destroy(instance)                             once, if create succeeded
 *   dlclose
 * The host MUST call destroy for every instance whose create returned TS_OK. One instance is only ever used by
 * one thread at a time; different instances of one model MAY run at the same time on different threads, so a
 * plugin MUST NOT keep mutable global or static state: everything that changes lives in the instance.
 *
 * ------------------------------------------------------------------------------------------------------------
 * 2. Units and time
 * ------------------------------------------------------------------------------------------------------------
 * Every parameter, state, input, output and dose target declares a unit string in the grammar of
 * docs/units.md, e.g. "mg", "L/d", "mg/L", "cells", "1e9 cells/L", "1/d", "1" (dimensionless).
 * The host converts everything a user writes into these units, and converts between an output and the input it
 * is wired to, so a callback only ever sees numbers in its own declared units.
 * Model time is in days ("d") for every model in ABI 1: t is in days and every derivative is per day.
 *
 * ------------------------------------------------------------------------------------------------------------
 * 3. Signals and the state bus
 * ------------------------------------------------------------------------------------------------------------
 * Each state and each output of an instance is a signal named "instance.name" (e.g. "pk.C", "tumor.S") with
 * exactly one writer: the solver for a state, the model's compute_outputs() for an output. An input reads one signal
 * (or, if it is a TS_INPUT_SUM input, the sum of several). Wiring is resolved once, when a scenario is loaded,
 * into array indices and unit factors; nothing is looked up by name while a patient is simulated.
 *
 * Within one evaluation of the right-hand side, the host calls compute_outputs() of every instance, ordered so that
 * each output's direct inputs (ts_output.direct_inputs) are computed before it, then compute_derivatives() of every
 * instance with all inputs valid. An output that depends on an input not listed in direct_inputs is a contract
 * violation: the host would hand it a stale value. A cycle through direct_inputs is an algebraic loop; the host refuses
 * it.
 *
 * Several plugins acting on one state: a model that wants others to add to one of its rates declares a
 * TS_INPUT_SUM input (e.g. tumor's "kill_rate", 1/d); any number of outputs may be wired to it and their values
 * (each converted to the input's unit) are added. A new effect — a second drug, radiotherapy — is then a new
 * plugin whose output is wired to that input; the tumor plugin is not edited.
 *
 * ------------------------------------------------------------------------------------------------------------
 * 4. Return codes and errors
 * ------------------------------------------------------------------------------------------------------------
 * Every callback that returns int follows CVODE's convention:
 *   TS_OK (0)            success;
 *   TS_RECOVERABLE (>0)  a recoverable failure, e.g. a state outside the model's domain during a trial step: the
 *                        solver retries with a smaller step (only meaningful from outputs, derivatives, jacobian);
 *   TS_FAILURE (<0)      an error that fails this patient; before returning it, the plugin SHOULD call
 *                        host->set_error() with a message saying what was wrong (values, names). The host records
 *                        the message with the patient, the instance and the time; other patients go on.
 *
 * ------------------------------------------------------------------------------------------------------------
 * 5. Evolving this ABI
 * ------------------------------------------------------------------------------------------------------------
 * - The major version is in the entry symbol's name (twinsim_plugin_v1). A change that breaks existing plugins
 *   makes a new major version and a new symbol; a host refuses a library whose major version differs from its
 *   own and names the file, the expected and the found version.
 * - A minor version only appends: new fields at the END of a struct, new callbacks at the end of ts_model or
 *   ts_host, new flag bits, new enum values. No field is removed, reordered, retyped or given a new meaning.
 *   Each struct carries its size (struct_size; for the element structs of the descriptor arrays, the size fields
 *   of ts_model), so a host reads only the fields the plugin was built with and treats the missing ones as absent
 *   (NULL/0). Each later addition is commented "(since 1.N)". Fill sizes with TS_MODEL_HEADER and
 *   TS_PLUGIN_HEADER, never by hand.
 * - A host accepts a plugin built for an older or equal minor version, and refuses one built for a newer minor
 *   version than its own (the plugin could rely on something the host does not know).
 * - Flag bits a host does not know are refused, never ignored.
 * - Strings in descriptors are UTF-8, NUL-terminated, and live as long as the library stays loaded.
 *
 * History:
 *   1.0  the first stable version.
 *   1.1  ts_eval.outputs_wanted and ts_output_wanted(): a model may skip outputs nobody reads in a right-hand side
 *        evaluation. A 1.0 plugin loads and runs unchanged in a 1.1 host (it computes every output).
 */
#ifndef TWINSIM_PLUGIN_H
#define TWINSIM_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TS_PLUGIN_ABI_MAJOR 1
#define TS_PLUGIN_ABI_MINOR 1

/* The entry symbol. Its name carries the major version; the host looks it up with dlsym(). */
#define TS_PLUGIN_ENTRY      twinsim_plugin_v1
#define TS_PLUGIN_ENTRY_NAME "twinsim_plugin_v1"

/* Marks the entry symbol visible even when the library is built with -fvisibility=hidden. */
#if defined(_WIN32)
#define TS_PLUGIN_EXPORT __declspec(dllexport)
#else
#define TS_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

/* ---- Return codes (see 4.) ---------------------------------------------------------------------------- */
enum { TS_OK = 0, TS_RECOVERABLE = 1, TS_FAILURE = -1 };

/* ---- Signal types ------------------------------------------------------------------------------------- */
/* Every signal travels as a double. An input accepts an output of the same type; a TS_REAL input also accepts
 * a TS_COUNT output. Any other pairing is refused when the scenario is loaded. */
typedef enum ts_signal_type {
  TS_REAL = 0,  /* a real-valued quantity */
  TS_COUNT = 1, /* a non-negative whole number (e.g. cells of a small stochastic clone), stored as a double */
  TS_FLAG = 2   /* 0.0 or 1.0 */
} ts_signal_type;

/* ---- Log levels for ts_host.log --------------------------------------------------------------------------- */
typedef enum ts_log_level { TS_LOG_ERROR = 0, TS_LOG_WARNING = 1, TS_LOG_INFO = 2, TS_LOG_DEBUG = 3 } ts_log_level;

/* ---- Descriptors: static data a plugin declares --------------------------------------------------------- */

/* Parameter flags. */
#define TS_PARAM_LOWER_OPEN 0x1u /* the lower bound itself is excluded: (lower, ... e.g. a volume > 0 */
#define TS_PARAM_UPPER_OPEN 0x2u /* the upper bound itself is excluded: ..., upper) */

/* A parameter. The host fills an instance's parameter vector in declaration order, in `unit`, from the default
 * or from the scenario, and refuses (at load, naming instance, parameter, value and range) any value outside
 * its bounds, and any NaN or infinite value whatever the bounds. Use -INFINITY/INFINITY (<math.h>) for a side
 * without a bound. */
typedef struct ts_param {
  const char *name;     /* identifier: [A-Za-z_][A-Za-z0-9_]*, unique within the model */
  const char *unit;     /* unit string, "1" if dimensionless */
  double default_value; /* MUST be finite and lie within the bounds */
  double lower;
  double upper;
  const char *doc; /* one line: meaning and source; MAY be NULL */
  uint32_t flags;  /* TS_PARAM_* bits; 0 for the closed interval [lower, upper] */
} ts_param;

/* State flags. */
#define TS_STATE_NONNEGATIVE 0x1u /* physically >= 0; the host MAY pass this to the solver as a constraint */

/* A continuous state, integrated by the host's ODE solver. A model with a step() callback may also hold
 * states that only step() changes: their derivatives are 0. */
typedef struct ts_state {
  const char *name; /* identifier, unique among the model's states and outputs */
  const char *unit;
  double nominal; /* typical magnitude (> 0): scales the default absolute tolerance, atol = atol_scale * nominal */
  uint32_t flags; /* TS_STATE_* bits */
  const char *doc;
} ts_state;

/* Input flags. */
#define TS_INPUT_OPTIONAL 0x1u /* may be left unconnected; it then reads default_value */
#define TS_INPUT_SUM                                                                                                   \
  0x2u /* may be wired to any number of signals, whose values are added; when none is                                  \
          wired it reads default_value (so a SUM input is never a missing input) */

typedef struct ts_input {
  const char *name; /* identifier, unique among the model's inputs */
  const char *unit; /* the unit the model wants the value in; the host converts */
  ts_signal_type type;
  uint32_t flags;       /* TS_INPUT_* bits */
  double default_value; /* used when an OPTIONAL or SUM input is unconnected, in `unit` */
  const char *doc;
} ts_input;

/* An output: an algebraic function of time, the model's states, parameters and its direct inputs. */
typedef struct ts_output {
  const char *name; /* identifier, unique among the model's states and outputs */
  const char *unit;
  ts_signal_type type;
  /* Names of the inputs this output reads directly, as a NULL-terminated array, or NULL when it reads none
   * (it then depends only on t, states and parameters). The host orders evaluation by these lists and detects
   * algebraic loops with them, so they MUST be complete. */
  const char *const *direct_inputs;
  const char *doc;
} ts_output;

/* Dose routes (bits). */
#define TS_ROUTE_BOLUS    0x1u /* an amount added at one instant */
#define TS_ROUTE_INFUSION 0x2u /* a zero-order rate over an interval */

/* A state that accepts doses. F is the value of the parameter named by `bioavailability` (1 if NULL); doses into
 * the target are delayed by the parameter named by `lag_time` (none if NULL), as NONMEM's F and ALAG.
 * Bolus: unless the model has a bolus() callback, the host adds F * amount to the state (converted from the
 * target's unit to the state's).
 * Infusion: the host passes the current total rate of all infusions running into this target as
 * ts_eval.dose_rates[target index] (in `unit` per day), and the model's compute_derivatives() MUST add it to the
 * state's derivative. As in NONMEM, F scales the amount: an infusion given by rate keeps its rate and lasts
 * F * amount / rate; one given by duration keeps its duration and runs at F * amount / duration. */
typedef struct ts_dose_target {
  const char *name;            /* identifier, unique among the model's dose targets, e.g. "central" */
  const char *state;           /* name of the state receiving the dose */
  const char *unit;            /* amount unit of a dose, e.g. "mg"; MUST convert to the state's unit */
  uint32_t routes;             /* TS_ROUTE_* bits the target accepts */
  const char *bioavailability; /* parameter name (dimensionless), or NULL */
  const char *lag_time;        /* parameter name (any time unit; the host converts), or NULL */
  const char *doc;
} ts_dose_target;

/* ---- What the host offers ------------------------------------------------------------------------------ */

/* One table per instance, valid from create() until destroy() returns. Every function is called from the
 * thread currently running the instance and only with the instance's own table. Fields after abi_minor are
 * present when struct_size says so (they are all present in 1.0). */
typedef struct ts_host ts_host;
struct ts_host {
  uint32_t struct_size;      /* sizeof(ts_host) of the host */
  uint32_t abi_minor;        /* the host's TS_PLUGIN_ABI_MINOR */
  const char *instance_name; /* e.g. "pk_docetaxel"; for messages */

  /* Logs one line (no trailing newline needed). Cheap to call when the level is filtered out, but never call it
   * from compute_derivatives(): it runs thousands of times per patient. */
  void (*log)(const ts_host *host, ts_log_level level, const char *message);

  /* Records the message of the failure that the callback is about to return (TS_FAILURE). The host copies it;
   * a later call replaces an earlier one. */
  void (*set_error)(const ts_host *host, const char *message);

  /* Random numbers from a stream unique to this (seed, patient, instance): the same scenario and seed give the
   * same numbers whatever the thread count or the order in which patients run. The stream restarts at every
   * init(). Use them only from init() and step(): compute_derivatives() may be called any number of times.
   * random_uniform returns a double in the open interval (0, 1) with 53 random bits; random_normal a standard
   * normal deviate. */
  double (*random_uniform)(const ts_host *host);
  double (*random_normal)(const ts_host *host);
};

/* ---- What a model implements ----------------------------------------------------------------------------- */

/* The arguments of an evaluation. All arrays are in declaration order and in declared units. The host owns
 * every array; the plugin MUST NOT keep a pointer to any of them after the call returns. */
typedef struct ts_eval {
  const ts_host *host;      /* this instance's host table: set_error(), log() */
  double t;                 /* time, d */
  const double *params;     /* n_params values, fixed during a patient */
  const double *states;     /* n_states values */
  const double *inputs;     /* n_inputs values; in compute_outputs(), only direct_inputs are valid;
                               MAY be NULL when n_inputs is 0 */
  const double *dose_rates; /* n_dose_targets current total infusion rates (F applied), per day;
                               MAY be NULL when n_dose_targets is 0 */
  double *outputs;     /* n_outputs: written by compute_outputs(); read-only, and current, in compute_derivatives() */
  double *derivatives; /* n_states: written by compute_derivatives(); NULL in compute_outputs() */

  /* (since 1.1) Which outputs the host reads from this compute_outputs() call: NULL means all of them; else
   * n_outputs flags, and an output whose flag is 0 is read by nothing outside the model at this evaluation (in a
   * right-hand side: no wire reads it; at a recorded sample: it is neither wired, recorded nor observed), so the
   * model MAY leave it unwritten, e.g. skip an expensive cbrt() on every solver step. Outputs its own
   * compute_derivatives() reads it MUST still write, whatever the flags (all of them may be 0). Test with
   * ts_output_wanted(). Meaningful only in compute_outputs(): in other callbacks its value is unspecified. MAY be
   * ignored (computing everything is always right). `twinsim plugin check` verifies the contract. */
  const unsigned char *outputs_wanted;
} ts_eval;

/* (since 1.1) 1 when the host reads output k of this evaluation, 0 when the model may skip it (ts_eval.outputs_wanted).
 */
static inline int ts_output_wanted(const ts_eval *e, uint32_t k) {
  return e->outputs_wanted == NULL || e->outputs_wanted[k] != 0;
}

typedef struct ts_model ts_model;
struct ts_model {
  /* Sizes the plugin was built with, of ts_model and of one element of each descriptor array: the host walks
   * each array with the plugin's stride, so a later minor version can append fields to ts_param & co. too.
   * Set them all with TS_MODEL_HEADER. */
  uint32_t struct_size;
  uint32_t param_size, state_size, input_size, output_size, dose_target_size;

  const char *name;    /* identifier, unique within the library, e.g. "two_compartment" */
  const char *version; /* the model's version, e.g. "1.0.0"; stored with every result */
  const char *doc;     /* one line */

  const ts_param *params;
  uint32_t n_params;
  const ts_state *states;
  uint32_t n_states;
  const ts_input *inputs;
  uint32_t n_inputs;
  const ts_output *outputs;
  uint32_t n_outputs;
  const ts_dose_target *dose_targets;
  uint32_t n_dose_targets;
  uint32_t flags; /* no flags are defined in 1.0: MUST be 0 */

  /* Optional (NULL: the instance pointer is NULL). Allocates per-instance workspace. Parameters are not known
   * yet: they arrive with each patient in init(). On failure returns TS_FAILURE, having freed everything and
   * called host->set_error(); *instance is then ignored. */
  int (*create)(const ts_host *host, void **instance);

  /* Optional. Frees everything create() allocated. destroy(NULL) MUST be harmless. */
  void (*destroy)(void *instance);

  /* Required. Called at the start of every patient with that patient's parameters: writes the n_states initial
   * values to y0 and resets any state the instance keeps between calls. May draw random numbers. A failure
   * (e.g. parameters that make no sense together) returns TS_FAILURE with a message. */
  int (*init)(void *instance, const ts_host *host, const double *params, double t0, double *y0);

  /* Required when n_outputs > 0, else NULL. Writes every entry of e->outputs. */
  int (*compute_outputs)(void *instance, const ts_eval *e);

  /* Required when n_states > 0, else NULL. Writes every entry of e->derivatives; e->outputs already holds this
   * model's outputs for the same t and states, so they need not be recomputed. Called thousands of times per
   * patient: no allocation, no I/O, no random numbers. */
  int (*compute_derivatives)(void *instance, const ts_eval *e);

  /* Optional analytic Jacobian, in four dense column-major blocks (entry (i, j) at [i + j * rows]); the host
   * zeroes them before the call and assembles the system Jacobian by the chain rule through the bus:
   *   d_deriv_d_states  n_states  x n_states    d(derivatives)/d(states)
   *   d_deriv_d_inputs  n_states  x n_inputs    d(derivatives)/d(inputs)
   *   d_out_d_states    n_outputs x n_states    d(outputs)/d(states)
   *   d_out_d_inputs    n_outputs x n_inputs    d(outputs)/d(inputs)   (non-zero only for direct_inputs)
   * The blocks are total derivatives of what compute_derivatives and compute_outputs return for fixed inputs
   * (a dependence through the model's own outputs is included). A block pointer is NULL when its size is zero.
   * All inputs are valid and e->outputs holds the model's outputs at (t, states). If any instance of a system lacks a
   * Jacobian, the host uses finite differences for the whole system. */
  int (*jacobian)(void *instance, const ts_eval *e, double *d_deriv_d_states, double *d_deriv_d_inputs,
                  double *d_out_d_states, double *d_out_d_inputs);

  /* Optional discrete step, for stochastic or discrete-time models. The host integrates the continuous system
   * to t, then calls step() with the interval h (d) since the previous call and the instance's states, which it
   * MAY change in place (e.g. a clone that jumps); then it restarts the solver from the new states. The interval
   * is set per instance in the scenario (`step: 0.1 d`). Inputs are valid; may draw random numbers. */
  int (*step)(void *instance, const ts_eval *e, double h, double *states);

  /* Optional. Applies a bolus of `amount` (in the target's unit, F already applied) into dose target `target`
   * at time t by changing `states` in place. NULL: the host adds the amount to the target's state. */
  int (*bolus)(void *instance, const ts_host *host, uint32_t target, double amount, double t, const double *params,
               double *states);
};

/* ---- The library descriptor ------------------------------------------------------------------------------ */

typedef struct ts_plugin {
  uint32_t abi_major;            /* TS_PLUGIN_ABI_MAJOR the library was built with */
  uint32_t abi_minor;            /* TS_PLUGIN_ABI_MINOR the library was built with */
  uint32_t struct_size;          /* sizeof(ts_plugin) */
  const char *name;              /* the library's name, e.g. "pk"; scenarios name models as "pk/two_compartment" */
  const char *version;           /* e.g. "1.0.0"; stored with every result */
  const char *doc;               /* one line */
  const ts_model *const *models; /* n_models pointers to static descriptors */
  uint32_t n_models;
} ts_plugin;

/* Fills the size fields of a ts_model initializer. */
#define TS_MODEL_HEADER                                                                                                \
  .struct_size = (uint32_t)sizeof(ts_model), .param_size = (uint32_t)sizeof(ts_param),                                 \
  .state_size = (uint32_t)sizeof(ts_state), .input_size = (uint32_t)sizeof(ts_input),                                  \
  .output_size = (uint32_t)sizeof(ts_output), .dose_target_size = (uint32_t)sizeof(ts_dose_target)

/* Fills the three header fields of a ts_plugin initializer. */
#define TS_PLUGIN_HEADER                                                                                               \
  .abi_major = TS_PLUGIN_ABI_MAJOR, .abi_minor = TS_PLUGIN_ABI_MINOR, .struct_size = (uint32_t)sizeof(ts_plugin)

/* The entry point every plugin library exports. It returns a pointer to static data and has no side effects;
 * the host MAY call it more than once.
 *
 *   static const ts_model *const models[] = {&one_compartment, &two_compartment};
 *   TS_PLUGIN_EXPORT const ts_plugin *TS_PLUGIN_ENTRY(void) {
 *     static const ts_plugin plugin = {TS_PLUGIN_HEADER, .name = "pk", .version = "1.0.0",
 *                                      .doc = "Linear compartmental pharmacokinetics",
 *                                      .models = models, .n_models = 2};
 *     return &plugin;
 *   }
 */
TS_PLUGIN_EXPORT const ts_plugin *TS_PLUGIN_ENTRY(void);
typedef const ts_plugin *(*ts_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif
#endif /* TWINSIM_PLUGIN_H */
