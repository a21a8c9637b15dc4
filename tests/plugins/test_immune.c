/*
 * Tests of the immune plugin (plugins/immune/immune.c): immune/kuznetsov, through its ABI as the host sees it (the
 * library is dlopen()ed from TS_TEST_PLUGIN_DIR and only the entry symbol is used), and coupled through the bus to
 * tumor/logistic as Kuznetsov, Makalkin, Taylor & Perelson 1994 (Bull Math Biol 56:295) couple effector and tumor
 * cells:
 *   dE/dt = s + p*E*T/(g + T) - m*E*T - d*E        (immune/kuznetsov, T read from tumor.N)
 *   dT/dt = a*T*(1 - T/K) - (n*E)*T                (tumor/logistic, r = a, K = 1/b, kill_rate = immune.kill_rate)
 *
 * What is checked, against references that do not come from the plugin's code:
 *   - descriptors: ABI header, names, units, defaults (RP-1 values), bounds, flags, docs;
 *   - init() and the right-hand side at chosen points against values worked out to 40 digits with Python's decimal
 *     module from the equations above, relative error <= 1e-12; a negative T is read as 0;
 *   - the analytic Jacobian (d(dE/dt)/dE, d(dE/dt)/dT, d(kill_rate)/dE) against central finite differences,
 *     relative error <= 1e-6 (truncation and rounding of the differences are ~1e-10 here);
 *   - the equilibria of the coupled system, computed here independently: T = 0, E = s/d (tumor-free), and the roots
 *     in (0, K) of the nullcline equation s + (a/n)(1 - T/K)(p*T/(g + T) - m*T - d) = 0, found by scanning and
 *     bisection (dormant, saddle, escape). The wired right-hand side vanishes at each (relative to its largest term,
 *     <= 1e-10); the system's analytic Jacobian equals the 2 x 2 Jacobian written out here (<= 1e-9); the test's
 *     Jacobian classifies dormant and escape as stable, the middle one as a saddle, tumor-free as unstable;
 *   - simulations started 1% away from the dormant and the escape state stay within 3% and return to within 0.1%;
 *   - bistability (Kuznetsov 1994): with the scenario scenarios/immune_kuznetsov.yaml (E0 = 3.2e5 cells), a tumor of
 *     5e6 cells ends dormant and one of 2e8 cells escapes, each within 1% of the computed equilibrium after 2000 d;
 *     and a tumor of 1e3 cells grows away from the tumor-free state into dormancy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <twinsim/plugin.h>

#include "plugin_checks.h"
#include "run.h"
#include "sim.h"

#define SCENARIO TS_TEST_SOURCE_DIR "/scenarios/immune_kuznetsov.yaml"

#define EQUILIBRIUM_TOL 1e-10 /* wired right-hand side at an equilibrium, relative to its largest term */

enum { P_S, P_P, P_G, P_M, P_D, P_N, P_E0, N_PARAMS };

/* Kuznetsov 1994's values (BCL1 lymphoma in chimeric mice), also RP-1's: effector cells ... */
static const double S = 1.3e4, P = 0.1245, G = 2.019e7, M = 3.422e-10, D = 0.0412, N = 1.101e-7, E0 = 3.2e5;
/* ... and the tumor: a = 0.18 /d, b = 2e-9 /cell, K = 1/b. */
static const double A = 0.18, K = 5e8;

#define RP1_PARAMS                                                                                                     \
  { S, P, G, M, D, N, E0 }

/* Analytic Jacobian against central differences: a step of 1e-5 of the value, relative error <= 1e-6. */
static const ts_test_fd jacobian_fd = {.step = 1e-5, .tol = 1e-6, .floor = 1e-300};

/* A point: states = {E}, inputs = {T}. */
typedef ts_test_point point;

static int open_plugin(void **state) {
  return ts_test_plugin_open(state, "immune.so");
}

/* ---- Descriptors ------------------------------------------------------------------------------------------- */

static void test_plugin_header(void **state) {
  static const char *const names[] = {"kuznetsov"};
  ts_test_check_plugin_header(state, "immune", names, 1);
}

static void test_descriptor(void **state) {
  const ts_model *m = ts_test_find_model(state, "kuznetsov");
  /* Header sizes, version, doc, flags 0, what plugin.h requires; no per-instance data, step or bolus. */
  ts_test_check_models(state, (ts_test_callbacks){.jacobian = true});

  /* Every rate may be 0 but the half-saturation g; no upper bounds. */
  static const ts_test_param_spec params[N_PARAMS] = {
      {"s", "cells/d", 1.3e4, 0, INFINITY, 0},
      {"p", "1/d", 0.1245, 0, INFINITY, 0},
      {"g", "cells", 2.019e7, 0, INFINITY, TS_PARAM_LOWER_OPEN},
      {"m", "1/(cells*d)", 3.422e-10, 0, INFINITY, 0},
      {"d", "1/d", 0.0412, 0, INFINITY, 0},
      {"n", "1/(cells*d)", 1.101e-7, 0, INFINITY, 0},
      {"E0", "cells", 3.2e5, 0, INFINITY, 0},
  };
  ts_test_expect_params(m, params, N_PARAMS); /* docs: ts_test_check_models */
  assert_int_equal(m->n_states, 1);
  assert_string_equal(m->states[0].name, "E");
  assert_string_equal(m->states[0].unit, "cells");
  assert_int_equal(m->states[0].flags, TS_STATE_NONNEGATIVE);
  assert_true(m->states[0].nominal > 0 && ts_test_is_text(m->states[0].doc));

  assert_int_equal(m->n_inputs, 1);
  assert_string_equal(m->inputs[0].name, "T");
  assert_string_equal(m->inputs[0].unit, "cells");
  assert_int_equal(m->inputs[0].type, TS_REAL);
  assert_int_equal(m->inputs[0].flags, 0); /* required: the model means nothing without a tumor to read */
  assert_true(ts_test_is_text(m->inputs[0].doc));

  assert_int_equal(m->n_outputs, 1);
  assert_string_equal(m->outputs[0].name, "kill_rate");
  assert_string_equal(m->outputs[0].unit, "1/d");
  assert_int_equal(m->outputs[0].type, TS_REAL);
  assert_null(m->outputs[0].direct_inputs); /* n*E: no algebraic loop with the tumor */

  assert_int_equal(m->n_dose_targets, 0);
  assert_non_null(m->compute_outputs);
  assert_non_null(m->compute_derivatives);
}

/* ---- Values ------------------------------------------------------------------------------------------------ */

static void test_init(void **state) {
  const ts_model *m = ts_test_find_model(state, "kuznetsov");
  const double params[N_PARAMS] = {S, P, G, M, D, N, 4.4e5};
  double y0 = NAN;
  assert_int_equal(m->init(NULL, NULL, params, 0.0, &y0), TS_OK);
  assert_true(y0 == 4.4e5);
}

static void test_values(void **state) {
  const ts_model *m = ts_test_find_model(state, "kuznetsov");
  double kill, dedt;
  point x = {.params = RP1_PARAMS, .states = {3.2e5}, .inputs = {5e6}};
  ts_test_evaluate(m, &x, &kill, &dedt);
  ts_test_check_value("dE/dt", dedt, 7.17637996030170702660e+3);
  ts_test_check_value("kill_rate", kill, 3.5232e-2);

  x.states[0] = 1.7e5, x.inputs[0] = 4.4e8;
  ts_test_evaluate(m, &x, &kill, &dedt);
  ts_test_check_value("dE/dt", dedt, 6.35864085703731067603e+2);
  ts_test_check_value("kill_rate", kill, 1.8717e-2);

  point y = {.params = {2.5e3, 0.3, 1e6, 1e-9, 0.1, 2e-7, 1.0}, .states = {7.5e4}, .inputs = {3.3e5}};
  ts_test_evaluate(m, &y, &kill, &dedt);
  ts_test_check_value("dE/dt", dedt, 5.57956766917293233083e+2);
  ts_test_check_value("kill_rate", kill, 1.5e-2);

  /* No tumor: dE/dt = s - d*E, which vanishes at E = s/d. */
  point z = {.params = RP1_PARAMS, .states = {2.0e5}, .inputs = {0.0}};
  ts_test_evaluate(m, &z, &kill, &dedt);
  ts_test_check_value("dE/dt at T = 0", dedt, S - D * 2.0e5);
}

static void test_negative_tumor_reads_zero(void **state) {
  const ts_model *m = ts_test_find_model(state, "kuznetsov");
  double kill0, kill1, d0, d1;
  point x = {.params = RP1_PARAMS, .states = {3.2e5}, .inputs = {0.0}};
  ts_test_evaluate(m, &x, &kill0, &d0);
  x.inputs[0] = -1e-3; /* solver noise in the tumor model */
  ts_test_evaluate(m, &x, &kill1, &d1);
  assert_true(d0 == d1 && kill0 == kill1);
}

/* ---- Jacobian ---------------------------------------------------------------------------------------------- */

static void test_jacobian(void **state) {
  const ts_model *m = ts_test_find_model(state, "kuznetsov");
  const point points[] = {
      {.params = RP1_PARAMS, .states = {3.2e5}, .inputs = {5e6}},
      {.params = RP1_PARAMS, .states = {1.7e5}, .inputs = {4.4e8}},
      {.params = RP1_PARAMS, .states = {1.6e6}, .inputs = {2.019e7}},
      {.params = {2.5e3, 0.3, 1e6, 1e-9, 0.1, 2e-7, 1.0}, .states = {7.5e4}, .inputs = {3.3e5}},
  };
  for (size_t i = 0; i < sizeof points / sizeof points[0]; i++)
    ts_test_check_jacobian(m, &points[i], &jacobian_fd);

  /* At T = 0 (one-sided: T < 0 is read as 0) the right-hand derivative d(dE/dt)/dT = E*(p/g - m). */
  double dfde, dfdt, dkde, dgdu;
  point z = {.params = RP1_PARAMS, .states = {3.2e5}, .inputs = {0.0}};
  ts_test_jacobian_at(m, &z, &dfde, &dfdt, &dkde, &dgdu);
  assert_true(dgdu == 0.0); /* kill_rate reads no input */
  ts_test_check_value("d(dE/dt)/dE at T = 0", dfde, -D);
  ts_test_check_value("d(dE/dt)/dT at T = 0", dfdt, 3.2e5 * (P / G - M));
  ts_test_check_value("dkill_rate/dE", dkde, N);
}

/* ---- The coupled system: equilibria computed here ---------------------------------------------------------- */

/* The nullcline equation of T > 0: dT/dt = 0 gives n*E = a*(1 - T/K); put into dE/dt = 0. */
static double nullcline(double t) {
  return S + (A / N) * (1.0 - t / K) * (P * t / (G + t) - M * t - D);
}

typedef struct equilibrium {
  const char *name;
  double t, e;
} equilibrium;

/* The roots of nullcline() in (0, K): a scan on a logarithmic grid (1000 points a decade from 1 cell), then
 * bisection to the last bit. Returns how many were found (at most `cap`). */
static int tumor_equilibria(equilibrium *out, int cap) {
  int n = 0;
  double lo = 1.0;
  for (int k = 1; n < cap; k++) {
    double hi = fmin(pow(10.0, k / 1000.0), K * (1 - 1e-12));
    if (nullcline(lo) * nullcline(hi) < 0) {
      double a = lo, b = hi;
      for (int it = 0; it < 200 && b - a > 0; it++) {
        const double mid = 0.5 * (a + b);
        if (mid <= a || mid >= b)
          break;
        if (nullcline(a) * nullcline(mid) <= 0)
          b = mid;
        else
          a = mid;
      }
      out[n].t = 0.5 * (a + b);
      out[n].e = (A / N) * (1.0 - out[n].t / K);
      n++;
    }
    if (hi >= K * (1 - 1e-12))
      break;
    lo = hi;
  }
  return n;
}

/* The 2 x 2 Jacobian of (dE/dt, dT/dt) with respect to (E, T), column-major, written out from the equations. */
static void coupled_jacobian(double e, double t, double J[4]) {
  J[0] = P * t / (G + t) - M * t - D;           /* d(dE/dt)/dE */
  J[1] = -N * t;                                /* d(dT/dt)/dE */
  J[2] = e * (P * G / ((G + t) * (G + t)) - M); /* d(dE/dt)/dT */
  J[3] = A * (1.0 - 2.0 * t / K) - N * e;       /* d(dT/dt)/dT */
}

typedef struct loaded_system {
  ts_loaded l;
  ts_sim *sim;
  int ie, it; /* ODE indices of immune.E and tumor.N */
} loaded_system;

static void load_system(loaded_system *s, const char *path) {
  ts_error err;
  ts_error_clear(&err);
  if (ts_load(path, &s->l, &err) != 0)
    fail_msg("%s", err.message);
  ts_sim_options opt = {.verbosity = TS_LOG_WARNING, .seed = s->l.scenario->seed};
  if (ts_sim_create(s->l.system, &opt, &s->sim, &err) != 0)
    fail_msg("%s", err.message);
  s->ie = ts_system_signal(s->l.system, "immune", "E");
  s->it = ts_system_signal(s->l.system, "tumor", "N");
  assert_true(s->ie >= 0 && s->it >= 0 && s->l.system->n_states == 2);
}

static void free_system(loaded_system *s) {
  ts_sim_free(s->sim);
  ts_loaded_free(&s->l);
}

static void test_equilibria(void **state) {
  (void)state;
  equilibrium eq[4] = {{.name = "tumor-free", .t = 0.0, .e = S / D}};
  const int found = tumor_equilibria(eq + 1, 3);
  CHECK(found == 3, "%d equilibria with T > 0, expected 3 (dormant, saddle, escape)", found);
  eq[1].name = "dormant", eq[2].name = "saddle", eq[3].name = "escape";

  loaded_system s;
  load_system(&s, SCENARIO);
  double y[2];
  ts_patient p = {.index = 1, .label = "p", .params = s.l.system->params};
  assert_int_equal(ts_sim_prepare(s.sim, &p, y), 0);
  CHECK(ts_sim_uses_analytic_jacobian(s.sim), "the coupled system has no analytic Jacobian");

  for (int k = 0; k < 4; k++) {
    /* In Kuznetsov's dimensionless variables x = E/1e6, y = T/1e6 (his scaling E0 = T0 = 1e6 cells). */
    print_message("%-10s T = %.6e cells, E = %.6e cells  (x = %.4f, y = %.4f)\n", eq[k].name, eq[k].t, eq[k].e,
                  eq[k].e / 1e6, eq[k].t / 1e6);
    y[s.ie] = eq[k].e;
    y[s.it] = eq[k].t;
    double f[2];
    assert_int_equal(ts_sim_rhs(s.sim, 0.0, y, f), 0);
    /* The largest term of each equation sets the scale of its rounding. */
    const double scale_e = S + P * eq[k].e * eq[k].t / (G + eq[k].t) + M * eq[k].e * eq[k].t + D * eq[k].e;
    const double scale_t = fmax(A * eq[k].t, 1e-300);
    CHECK(fabs(f[s.ie]) <= EQUILIBRIUM_TOL * scale_e, "%s: dE/dt = %g (scale %g)", eq[k].name, f[s.ie], scale_e);
    CHECK(fabs(f[s.it]) <= EQUILIBRIUM_TOL * scale_t || (eq[k].t == 0.0 && f[s.it] == 0.0), "%s: dT/dt = %g",
          eq[k].name, f[s.it]);

    double J[4];
    coupled_jacobian(eq[k].e, eq[k].t, J);
    const double tr = J[0] + J[3], det = J[0] * J[3] - J[1] * J[2];
    const bool stable = tr < 0 && det > 0, saddle = det < 0;
    if (k == 1 || k == 3)
      CHECK(stable, "%s: trace %g, determinant %g: not stable", eq[k].name, tr, det);
    else
      CHECK(saddle, "%s: trace %g, determinant %g: not a saddle", eq[k].name, tr, det);
    if (eq[k].t > 0) { /* tumor/logistic's Jacobian is undefined at N = 0 (its diameter output) */
      double Js[4];
      assert_int_equal(ts_sim_jacobian(s.sim, 0.0, y, Js), 0);
      const double floor = 1e-12 * fmax(fmax(fabs(J[0]), fabs(J[1])), fmax(fabs(J[2]), fabs(J[3])));
      const int map[4][2] = {{s.ie, s.ie}, {s.it, s.ie}, {s.ie, s.it}, {s.it, s.it}}; /* (row, column) of J[i] */
      for (int i = 0; i < 4; i++) {
        const double got = Js[map[i][0] + 2 * map[i][1]];
        CHECK(ts_test_relerr(got, J[i], floor) <= 1e-9, "%s: system Jacobian entry %d = %.12g, expected %.12g",
              eq[k].name, i, got, J[i]);
      }
    }
  }
  /* Kuznetsov 1994 published the model in dimensionless form, x = E/E0, y = T/T0, tau = n*T0*t with
   * E0 = T0 = 1e6 cells: sigma = s/(n E0 T0), rho = p/(n T0), eta = g/T0, mu = m/n, delta = d/(n T0),
   * alpha = a/(n T0), beta = b T0 = T0/K. The published values (sigma 0.1181, rho 1.131, eta 20.19, mu 0.00311,
   * delta 0.3743, alpha 1.636, beta 0.002) have 3 to 4 significant digits, as have the dimensional ones, so they
   * agree to 0.1%, not better (e.g. 0.0412/0.1101 = 0.37421 against 0.3743). */
  static const struct {
    const char *name;
    double computed, published;
  } dimensionless[] = {
      {"sigma", S / (N * 1e12), 0.1181}, {"rho", P / (N * 1e6), 1.131},
      {"eta", G / 1e6, 20.19},           {"mu", M / N, 0.00311},
      {"delta", D / (N * 1e6), 0.3743},  {"alpha", A / (N * 1e6), 1.636},
      {"beta", 1e6 / K, 0.002},
  };
  for (size_t i = 0; i < sizeof dimensionless / sizeof dimensionless[0]; i++)
    CHECK(ts_test_relerr(dimensionless[i].computed, dimensionless[i].published, 0) <= 1e-3, "%s = %.6g, published %g",
          dimensionless[i].name, dimensionless[i].computed, dimensionless[i].published);
  free_system(&s);
}

/* ---- Simulations ------------------------------------------------------------------------------------------- */

static double *param_slot(const ts_system *sys, const char *instance, const char *name) {
  const int i = ts_system_instance(sys, instance);
  assert_true(i >= 0);
  const ts_model *m = sys->inst[i].model;
  for (uint32_t k = 0; k < m->n_params; k++)
    if (strcmp(m->params[k].name, name) == 0)
      return &sys->params[sys->inst[i].param_offset + k];
  fail_msg("%s has no parameter %s", instance, name);
  return NULL;
}

/* Runs the scenario's system for one patient with tumor.N0 = t0 and immune.E0 = e0; returns the largest relative
 * distance from `target` over the samples after `after` days and the final (T, E). */
static double run_patient(loaded_system *s, double t0, double e0, const equilibrium *target, double after,
                          double *t_end, double *e_end) {
  ts_system *sys = s->l.system;
  double *n0 = param_slot(sys, "tumor", "N0"), *ee0 = param_slot(sys, "immune", "E0");
  const double saved_n0 = *n0, saved_e0 = *ee0;
  *n0 = t0, *ee0 = e0;
  ts_patient p = {.index = 1, .label = "p", .params = sys->params};
  ts_sim_result res;
  ts_error err;
  const int rc = ts_sim_run(s->sim, &p, &res, &err);
  *n0 = saved_n0, *ee0 = saved_e0;
  if (rc != 0)
    fail_msg("%s", err.message);
  CHECK(!res.failed, "T0 = %g, E0 = %g: %s", t0, e0, res.message);
  const int ct = ts_test_recorded_column(sys, "tumor", "N"), ce = ts_test_recorded_column(sys, "immune", "E"),
            ck = ts_test_recorded_column(sys, "immune", "kill_rate");
  const size_t nr = sys->n_recorded;
  double worst = 0;
  for (size_t i = 0; i < res.n_times; i++) {
    const double *row = res.values + i * nr;
    CHECK(ts_test_relerr(row[ck], N * row[ce], 0) <= 1e-15, "kill_rate %g is not n*E = %g", row[ck], N * row[ce]);
    if (res.times[i] >= after)
      worst = fmax(worst, fmax(fabs(row[ct] / target->t - 1), fabs(row[ce] / target->e - 1)));
  }
  const double *last = res.values + (res.n_times - 1) * nr;
  *t_end = last[ct];
  *e_end = last[ce];
  return worst;
}

static void test_stays_near_stable_equilibria(void **state) {
  (void)state;
  equilibrium eq[3];
  assert_int_equal(tumor_equilibria(eq, 3), 3);
  loaded_system s;
  load_system(&s, SCENARIO);
  for (int k = 0; k < 3; k += 2) { /* dormant, escape */
    double t_end, e_end;
    const double worst = run_patient(&s, 1.01 * eq[k].t, 1.01 * eq[k].e, &eq[k], 0.0, &t_end, &e_end);
    const double final = fmax(fabs(t_end / eq[k].t - 1), fabs(e_end / eq[k].e - 1));
    print_message("%s: started 1%% away, largest distance %.3g, after 2000 d %.3g (T = %.6e, E = %.6e)\n",
                  k == 0 ? "dormant" : "escape", worst, final, t_end, e_end);
    CHECK(worst <= 0.03, "left the neighbourhood of the %s state: relative distance %g", k ? "escape" : "dormant",
          worst);
    CHECK(final <= 1e-3, "did not return to the %s state: relative distance %g", k ? "escape" : "dormant", final);
  }
  free_system(&s);
}

static void test_bistability(void **state) {
  (void)state;
  equilibrium eq[3];
  assert_int_equal(tumor_equilibria(eq, 3), 3);
  const equilibrium *dormant = &eq[0], *escape = &eq[2];
  loaded_system s;
  load_system(&s, SCENARIO);
  /* The scenario as written: E0 = 3.2e5 cells, a tumor of 5e6 cells. */
  assert_true(*param_slot(s.l.system, "tumor", "N0") == 5e6 && *param_slot(s.l.system, "immune", "E0") == E0);
  double t_end, e_end;
  run_patient(&s, 5e6, E0, dormant, 0.0, &t_end, &e_end);
  print_message("T0 = 5e6: after 2000 d T = %.6e, E = %.6e (dormant %.6e, %.6e)\n", t_end, e_end, dormant->t,
                dormant->e);
  CHECK(fabs(t_end / dormant->t - 1) <= 0.01 && fabs(e_end / dormant->e - 1) <= 0.01,
        "T0 = 5e6 did not end dormant: T = %g, E = %g", t_end, e_end);

  /* The same effector cells against a tumor of 2e8 cells: escape. */
  run_patient(&s, 2e8, E0, escape, 0.0, &t_end, &e_end);
  print_message("T0 = 2e8: after 2000 d T = %.6e, E = %.6e (escape %.6e, %.6e)\n", t_end, e_end, escape->t, escape->e);
  CHECK(fabs(t_end / escape->t - 1) <= 0.01 && fabs(e_end / escape->e - 1) <= 0.01,
        "T0 = 2e8 did not escape: T = %g, E = %g", t_end, e_end);

  /* Tumor-free is unstable: 1e3 cells next to the resting effector level s/d grow, into dormancy. */
  run_patient(&s, 1e3, S / D, dormant, 0.0, &t_end, &e_end);
  print_message("T0 = 1e3, E0 = s/d: after 2000 d T = %.6e, E = %.6e\n", t_end, e_end);
  CHECK(fabs(t_end / dormant->t - 1) <= 0.01 && fabs(e_end / dormant->e - 1) <= 0.01,
        "a small tumor did not grow into dormancy: T = %g, E = %g", t_end, e_end);
  free_system(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_plugin_header),
      cmocka_unit_test(test_descriptor),
      cmocka_unit_test(test_init),
      cmocka_unit_test(test_values),
      cmocka_unit_test(test_negative_tumor_reads_zero),
      cmocka_unit_test(test_jacobian),
      cmocka_unit_test(test_equilibria),
      cmocka_unit_test(test_stays_near_stable_equilibria),
      cmocka_unit_test(test_bistability),
  };
  return cmocka_run_group_tests_name("plugins.immune", tests, open_plugin, ts_test_plugin_close);
}
