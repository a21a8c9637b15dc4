/*
 * @NAME@: a twinsim model plugin (written by `twinsim plugin new`; make it yours).
 *
 * A plugin includes <twinsim/plugin.h> and nothing else of twinsim's, does not link against libtwinsim, and
 * exports one symbol, TS_PLUGIN_ENTRY. The header is the contract: read its sections 1 (lifecycle), 3 (signals),
 * 4 (return codes) and 5 (ABI rules) before changing the shape of this file.
 *
 * Model @NAME@/elimination: one compartment with first-order elimination.
 *
 *   dA/dt = -k*A + r(t)          A(0) = A0
 *   C     = A/V
 *
 * r(t) is the total rate of the infusions running into dose target `dose` (the host passes it in
 * e->dose_rates[0]); a bolus into `dose` is added to A by the host (no bolus() callback). After one bolus D at
 * t = 0 the closed form is C(t) = (A0 + D)/V * exp(-k*t): compare your model with such a formula in a test.
 *
 * The Jacobian is analytic: d(dA/dt)/dA = -k, dC/dA = 1/V; nothing depends on an input (there are none).
 * `twinsim plugin check` compares it with finite differences.
 *
 * Threads: the host runs one instance per worker thread. Nothing here is mutable and global; this model keeps no
 * per-instance state, so create/destroy are NULL and `instance` is always NULL.
 */
#include <math.h>
#include <twinsim/plugin.h>

/* Index of each parameter, state, output and dose target, in declaration order (the arrays below). */
enum { P_K, P_V, P_A0, N_PARAMS };
enum { S_A, N_STATES };
enum { O_C, N_OUTPUTS };
enum { D_DOSE, N_DOSE_TARGETS };

/* The host fills params[] in these units, whatever units the scenario uses, and refuses values out of bounds. */
static const ts_param params[N_PARAMS] = {
    [P_K] = {"k", "1/d", 0.1, 0.0, INFINITY, "first-order elimination rate constant (half-life ln2/k)", 0},
    [P_V] = {"V", "L", 10.0, 0.0, INFINITY, "volume of distribution", TS_PARAM_LOWER_OPEN},
    [P_A0] = {"A0", "mg", 0.0, 0.0, INFINITY, "amount at the start", 0},
};

static const ts_state states[N_STATES] = {
    [S_A] = {"A", "mg", 1.0, TS_STATE_NONNEGATIVE, "amount in the compartment"},
};

/* C reads no input directly, so direct_inputs is NULL. */
static const ts_output outputs[N_OUTPUTS] = {
    [O_C] = {"C", "mg/L", TS_REAL, NULL, "concentration A/V; wire it to another model's input"},
};

/* Doses in mg into A, as a bolus or an infusion; no bioavailability or lag-time parameter. */
static const ts_dose_target dose_targets[N_DOSE_TARGETS] = {
    [D_DOSE] = {"dose", "A", "mg", TS_ROUTE_BOLUS | TS_ROUTE_INFUSION, NULL, NULL, "the compartment"},
};

/* At the start of every patient: the initial states from this patient's parameters. */
static int elimination_init(void *instance, const ts_host *host, const double *p, double t0, double *y0) {
  (void)instance, (void)host, (void)t0;
  y0[S_A] = p[P_A0];
  return TS_OK;
}

/* Algebraic outputs of (t, states, params). Called before compute_derivatives for the same point. */
static int elimination_outputs(void *instance, const ts_eval *e) {
  (void)instance;
  e->outputs[O_C] = e->states[S_A] / e->params[P_V];
  return TS_OK;
}

/* The right-hand side: called thousands of times per patient, so no allocation, I/O, logging or random numbers.
 * Infusions are the model's job: add dose_rates[] of each target to its state's derivative. */
static int elimination_derivatives(void *instance, const ts_eval *e) {
  (void)instance;
  e->derivatives[S_A] = -e->params[P_K] * e->states[S_A] + e->dose_rates[D_DOSE];
  return TS_OK;
}

/* Analytic Jacobian, column-major blocks zeroed by the host; blocks of size zero (inputs) are NULL. */
static int elimination_jacobian(void *instance, const ts_eval *e, double *d_deriv_d_states, double *d_deriv_d_inputs,
                                double *d_out_d_states, double *d_out_d_inputs) {
  (void)instance, (void)d_deriv_d_inputs, (void)d_out_d_inputs;
  d_deriv_d_states[S_A + S_A * N_STATES] = -e->params[P_K];
  d_out_d_states[O_C + S_A * N_OUTPUTS] = 1.0 / e->params[P_V];
  return TS_OK;
}

static const ts_model elimination = {
    TS_MODEL_HEADER, /* the size fields: never set them by hand */
    .name = "elimination",
    .version = "0.1.0",
    .doc = "one compartment, first-order elimination: dA/dt = -k*A + infusion, C = A/V",
    .params = params,
    .n_params = N_PARAMS,
    .states = states,
    .n_states = N_STATES,
    .outputs = outputs,
    .n_outputs = N_OUTPUTS,
    .dose_targets = dose_targets,
    .n_dose_targets = N_DOSE_TARGETS,
    .init = elimination_init,
    .compute_outputs = elimination_outputs,
    .compute_derivatives = elimination_derivatives,
    .jacobian = elimination_jacobian,
};

static const ts_model *const models[] = {&elimination};

/* The one exported symbol. Scenarios name the model "@NAME@/elimination"; the file must be @NAME@.so. */
TS_PLUGIN_EXPORT const ts_plugin *TS_PLUGIN_ENTRY(void) {
  static const ts_plugin plugin = {TS_PLUGIN_HEADER,   .name = "@NAME@",
                                   .version = "0.1.0", .doc = "@NAME@ models (from the twinsim plugin template)",
                                   .models = models,   .n_models = sizeof models / sizeof models[0]};
  return &plugin;
}
