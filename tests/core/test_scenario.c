/* Tests of core/scenario.c: the good scenarios field by field, defaults, conversions to days, the output grid, plugin
 * path resolution, and the corpus of bad scenarios in tests/data/scenarios/bad (each names its expected error). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <unistd.h>

#include "scenario.h"
#include "test_support.h"

#define SCENARIOS TS_TEST_DATA_DIR "/scenarios"

/* Times are converted by factors such as 1/24; compare them with a tolerance, not exactly. */
static void assert_days(double actual, double expected) {
  if (ts_test_relerr(actual, expected, 1e-12) > 1e-12)
    fail_msg("expected %.17g d, got %.17g d", expected, actual);
}

static ts_scenario *load_file_ok(const char *path) {
  ts_scenario *sc = NULL;
  ts_error err;
  ts_error_clear(&err);
  if (ts_scenario_load(path, &sc, &err) != 0)
    fail_msg("%s: unexpected error: %s", path, err.message);
  assert_non_null(sc);
  return sc;
}

static ts_scenario *load_ok(const char *text) {
  ts_scenario *sc = NULL;
  ts_error err;
  ts_error_clear(&err);
  if (ts_scenario_load_string("s.yaml", text, "/base", &sc, &err) != 0)
    fail_msg("unexpected error: %s", err.message);
  assert_non_null(sc);
  return sc;
}

/* Loads text that must fail; the message must contain each of the two fragments. */
static void load_fails(const char *text, const char *where, const char *fragment) {
  ts_scenario *sc = (ts_scenario *)1;
  ts_error err;
  ts_error_clear(&err);
  assert_int_equal(ts_scenario_load_string("s.yaml", text, "/base", &sc, &err), -1);
  assert_null(sc);
  assert_int_equal(err.code, TS_E_INPUT);
  if (!strstr(err.message, where) || !strstr(err.message, fragment))
    fail_msg("message '%s' lacks '%s' or '%s'", err.message, where, fragment);
}

/* A macro, so that a failure names the line of the check. */
#define assert_line(pos, line_, column_)                                                                               \
  do {                                                                                                                 \
    assert_int_equal((pos).line, line_);                                                                               \
    assert_int_equal((pos).column, column_);                                                                           \
  } while (0)

/* A scenario made of a fixed head and the given tail, for tests that vary one part. */
static char *with_tail(const char *tail) {
  static char text[4096];
  snprintf(text, sizeof text, "twinsim: 1\nname: t\nmodel:\n  pk: {model: pk/one_compartment}\nhorizon: 7 d\n%s", tail);
  return text;
}

static void test_good_minimal(void **state) {
  (void)state;
  ts_scenario *sc = load_file_ok(SCENARIOS "/good_minimal.yaml");
  assert_string_equal(sc->name, "minimal");
  assert_string_equal(sc->description, "");
  assert_true(sc->seed == 1);
  assert_int_equal(sc->n_plugin_path, 0);
  assert_int_equal(sc->n_instances, 1);
  const ts_sc_instance *pk = &sc->instances[0];
  assert_string_equal(pk->name, "pk");
  assert_string_equal(pk->plugin, "pk");
  assert_string_equal(pk->model, "one_compartment");
  assert_string_equal(pk->pos.file, SCENARIOS "/good_minimal.yaml");
  assert_line(pk->pos, 6, 3);
  assert_line(pk->model_pos, 7, 12);
  assert_int_equal(pk->n_params, 0);
  assert_int_equal(pk->n_wires, 0);
  assert_false(pk->has_step);
  assert_string_equal(sc->patient_id, "patient-1");
  assert_int_equal(sc->n_overrides, 0);
  assert_int_equal(sc->n_doses, 0);
  assert_days(sc->start_days, 0);
  assert_days(sc->end_days, 7);
  assert_int_equal(sc->n_output_times, 8);
  for (size_t k = 0; k < 8; k++)
    assert_days(sc->output_times[k], (double)k);
  assert_int_equal(sc->n_recorded, 1);
  assert_string_equal(sc->recorded[0].instance, "pk");
  assert_string_equal(sc->recorded[0].signal, "C");
  assert_line(sc->recorded[0].pos, 11, 13);
  assert_int_equal(sc->solver.method, TS_SC_BDF);
  assert_days(sc->solver.rtol, 1e-6);
  assert_days(sc->solver.atol_scale, 1e-6);
  assert_int_equal(sc->solver.n_atol, 0);
  assert_int_equal(sc->solver.max_steps, 100000);
  assert_days(sc->solver.max_step_days, 0);
  assert_false(sc->solver.nonnegative);
  /* The document stays with the scenario, text and all, for storing and hashing. */
  size_t len;
  char *text = ts_test_read_file(SCENARIOS "/good_minimal.yaml", &len);
  assert_non_null(sc->doc);
  assert_int_equal(sc->doc->text_len, len);
  assert_memory_equal(sc->doc->text, text, len);
  free(text);
  ts_scenario_free(sc);
}

static void check_quantity(const ts_sc_quantity *q, double value, const char *unit) {
  assert_days(q->value, value);
  assert_string_equal(q->unit, unit);
}

static void test_good_full(void **state) {
  (void)state;
  ts_scenario *sc = load_file_ok(SCENARIOS "/good_full.yaml");
  assert_string_equal(sc->name, "full example");
  assert_string_equal(sc->description,
                      "Docetaxel every three weeks: two-compartment PK driving Gompertz tumour growth");
  assert_true(sc->seed == 20261123u);
  assert_int_equal(sc->n_plugin_path, 2);
  assert_string_equal(sc->plugin_path[0], SCENARIOS "/../myplugins");
  assert_string_equal(sc->plugin_path[1], "/opt/twinsim/plugins");

  assert_int_equal(sc->n_instances, 2);
  const ts_sc_instance *pk = &sc->instances[0], *tumor = &sc->instances[1];
  assert_string_equal(pk->name, "pk");
  assert_string_equal(pk->plugin, "pk");
  assert_string_equal(pk->model, "two_compartment");
  assert_int_equal(pk->n_params, 4);
  const char *pk_names[] = {"CL", "V1", "Q", "V2"};
  const double pk_values[] = {120, 10, 5, 30};
  const char *pk_units[] = {"L/d", "L", "L/h", "L"};
  for (size_t i = 0; i < 4; i++) {
    assert_string_equal(pk->params[i].name, pk_names[i]);
    check_quantity(&pk->params[i].value, pk_values[i], pk_units[i]);
  }
  assert_line(pk->params[2].value.pos, 15, 10);
  assert_int_equal(pk->n_wires, 0);
  assert_false(pk->has_step);

  assert_string_equal(tumor->name, "tumor");
  assert_string_equal(tumor->plugin, "tumor");
  assert_string_equal(tumor->model, "gompertz");
  assert_line(tumor->pos, 17, 3);
  assert_line(tumor->model_pos, 18, 12);
  assert_int_equal(tumor->n_params, 5);
  check_quantity(&tumor->params[0].value, 0.01, "1/d");
  check_quantity(&tumor->params[1].value, 1e12, "cells");
  check_quantity(&tumor->params[2].value, 1e9, "cells");
  check_quantity(&tumor->params[4].value, 1.5, "mg/L");
  assert_string_equal(tumor->params[4].name, "EC50");
  assert_int_equal(tumor->n_wires, 2);
  assert_string_equal(tumor->wires[0].input, "C");
  assert_line(tumor->wires[0].pos, 26, 7);
  assert_int_equal(tumor->wires[0].n_sources, 1);
  assert_string_equal(tumor->wires[0].sources[0], "pk.C");
  assert_line(tumor->wires[0].source_pos[0], 26, 10);
  assert_string_equal(tumor->wires[1].input, "kill_rate");
  assert_int_equal(tumor->wires[1].n_sources, 2);
  assert_string_equal(tumor->wires[1].sources[0], "tumor.drug_kill");
  assert_string_equal(tumor->wires[1].sources[1], "pk.kill");
  assert_line(tumor->wires[1].source_pos[1], 27, 36);
  assert_true(tumor->has_step);
  assert_days(tumor->step_days, 0.25);
  assert_line(tumor->step_pos, 28, 11);

  assert_string_equal(sc->patient_id, "typical");
  assert_int_equal(sc->n_overrides, 2);
  assert_string_equal(sc->overrides[0].instance, "pk");
  assert_string_equal(sc->overrides[0].param, "CL");
  check_quantity(&sc->overrides[0].value, 100, "L/d");
  assert_string_equal(sc->overrides[1].instance, "tumor");
  assert_string_equal(sc->overrides[1].param, "alpha");
  check_quantity(&sc->overrides[1].value, 0.012, "1/d");
  assert_line(sc->overrides[1].value.pos, 33, 18);

  assert_int_equal(sc->n_doses, 3);
  const ts_sc_dose *d = &sc->doses[0];
  assert_line(d->pos, 35, 5);
  assert_string_equal(d->instance, "pk");
  assert_string_equal(d->target, "central");
  assert_line(d->target_pos, 35, 13);
  check_quantity(&d->amount, 100, "mg");
  assert_days(d->start_days, 1);
  assert_int_equal(d->kind, TS_SC_INFUSION_DURATION);
  assert_days(d->duration_days, 1.0 / 24);
  assert_days(d->interval_days, 21);
  assert_int_equal(d->count, 6);

  d = &sc->doses[1];
  check_quantity(&d->amount, 50, "mg");
  assert_days(d->start_days, 0.5);
  assert_int_equal(d->kind, TS_SC_INFUSION_RATE);
  check_quantity(&d->rate, 2400, "mg/d");
  assert_line(d->rate.pos, 44, 11);
  assert_days(d->interval_days, 7);
  assert_int_equal(d->count, 4); /* addl: 3 */

  d = &sc->doses[2];
  check_quantity(&d->amount, 20, "mg");
  assert_days(d->start_days, 0);
  assert_int_equal(d->kind, TS_SC_BOLUS);
  assert_int_equal(d->count, 1);
  assert_days(d->interval_days, 0);

  assert_days(sc->start_days, 0);
  assert_days(sc->end_days, 182);
  const double times[] = {0, 0.5, 1, 2.5, 182};
  assert_int_equal(sc->n_output_times, 5);
  for (size_t k = 0; k < 5; k++)
    assert_days(sc->output_times[k], times[k]);
  assert_int_equal(sc->n_recorded, 3);
  assert_string_equal(sc->recorded[2].instance, "tumor");
  assert_string_equal(sc->recorded[2].signal, "volume");
  assert_line(sc->recorded[2].pos, 53, 28);

  const ts_sc_solver *s = &sc->solver;
  assert_int_equal(s->method, TS_SC_ADAMS);
  assert_days(s->rtol, 1e-8);
  assert_days(s->atol_scale, 1e-7);
  assert_int_equal(s->n_atol, 2);
  assert_string_equal(s->atol[0].state.instance, "pk");
  assert_string_equal(s->atol[0].state.signal, "A1");
  assert_line(s->atol[0].state.pos, 57, 25);
  check_quantity(&s->atol[0].value, 1e-6, "mg");
  assert_string_equal(s->atol[1].state.instance, "tumor");
  assert_string_equal(s->atol[1].state.signal, "N");
  check_quantity(&s->atol[1].value, 1e-3, "cells");
  assert_int_equal(s->max_steps, 50000);
  assert_days(s->max_step_days, 0.5);
  assert_true(s->nonnegative);
  ts_scenario_free(sc);
}

static void test_time_units(void **state) {
  (void)state;
  struct {
    const char *text;
    double days;
  } cases[] = {{"36 h", 1.5}, {"90 min", 90.0 / 1440}, {"2 wk", 14}, {"1 yr", 365.25}, {"43200 s", 0.5}, {"3 days", 3}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char text[512];
    snprintf(text, sizeof text,
             "twinsim: 1\nname: t\nmodel: {pk: {model: pk/one_compartment}}\nhorizon: %s\n"
             "output: {times: [0 d], signals: [pk.C]}\n",
             cases[i].text);
    ts_scenario *sc = load_ok(text);
    assert_days(sc->end_days, cases[i].days);
    ts_scenario_free(sc);
  }
  load_fails(with_tail("start: 1 kg\noutput: {every: 1 d, signals: [pk.C]}\n"),
             "s.yaml:6:8: ", "start: '1 kg' is not a time");
  load_fails(with_tail("output: {every: 1, signals: [pk.C]}\n"),
             "s.yaml:6:17: ", "expected a quantity with a unit, e.g. '1 d'");
}

static void test_output_grid(void **state) {
  (void)state;
  /* 0.1 d ten times does not sum to exactly 1 d in binary; the last point must be the horizon itself. */
  ts_scenario *sc = load_ok("twinsim: 1\nname: t\nmodel: {pk: {model: pk/one_compartment}}\nhorizon: 1 d\n"
                            "output: {every: 0.1 d, signals: [pk.C]}\n");
  assert_int_equal(sc->n_output_times, 11);
  for (size_t k = 0; k < 11; k++)
    assert_days(sc->output_times[k], 0.1 * (double)k);
  assert_true(sc->output_times[10] == 1.0);
  ts_scenario_free(sc);

  /* Off-grid horizon: the grid stops at the last point before it. */
  sc = load_ok("twinsim: 1\nname: t\nmodel: {pk: {model: pk/one_compartment}}\nstart: 2 d\nhorizon: 12 d\n"
               "output: {every: 3 d, signals: [pk.C]}\n");
  const double expected[] = {2, 5, 8, 11};
  assert_int_equal(sc->n_output_times, 4);
  for (size_t k = 0; k < 4; k++)
    assert_days(sc->output_times[k], expected[k]);
  ts_scenario_free(sc);

  /* A step in hours on a horizon in weeks: 4 h over 1 wk is 42 intervals, 43 points. */
  sc = load_ok("twinsim: 1\nname: t\nmodel: {pk: {model: pk/one_compartment}}\nhorizon: 1 wk\n"
               "output: {every: 4 h, signals: [pk.C]}\n");
  assert_int_equal(sc->n_output_times, 43);
  assert_true(sc->output_times[42] == 7.0);
  ts_scenario_free(sc);

  /* every longer than the interval: only the start. */
  sc = load_ok(with_tail("output: {every: 30 d, signals: [pk.C]}\n"));
  assert_int_equal(sc->n_output_times, 1);
  assert_days(sc->output_times[0], 0);
  ts_scenario_free(sc);

  load_fails(with_tail("output: {every: 1 s, signals: [pk.C]}\nhorizon2: 1\n"), "s.yaml:7:1: ", "horizon2");
  load_fails(with_tail("output: {every: 1e-9 d, signals: [pk.C]}\n"), "s.yaml:6:17: ", "output times; at most");
  load_fails(with_tail("output: {every: 0 d, signals: [pk.C]}\n"), "s.yaml:6:17: ", "must be > 0");
  load_fails(with_tail("output: {signals: [pk.C]}\n"), "s.yaml:6:9: ", "missing 'every' or 'times'");
  load_fails(with_tail("output: {every: 1 d}\n"), "s.yaml:6:9: ", "missing required key 'signals'");
  load_fails(with_tail("output: {times: [], signals: [pk.C]}\n"), "s.yaml:6:17: ", "the list is empty");
  load_fails(with_tail("output: {times: [1 d, 1 d], signals: [pk.C]}\n"), "s.yaml:6:23: ", "strictly ascending");
}

static void test_plugin_path(void **state) {
  (void)state;
  ts_scenario *sc = load_ok(with_tail("output: {every: 1 d, signals: [pk.C]}\nplugin_path: [a, ../b, /abs/c]\n"));
  assert_int_equal(sc->n_plugin_path, 3);
  assert_string_equal(sc->plugin_path[0], "/base/a");
  assert_string_equal(sc->plugin_path[1], "/base/../b");
  assert_string_equal(sc->plugin_path[2], "/abs/c");
  ts_scenario_free(sc);

  /* A relative base folder is taken from the working directory. */
  char cwd[4096], expected[4200];
  assert_non_null(getcwd(cwd, sizeof cwd));
  ts_error err;
  assert_int_equal(ts_scenario_load_string("s.yaml",
                                           with_tail("output: {every: 1 d, signals: [pk.C]}\n"
                                                     "plugin_path: [p]\n"),
                                           "rel", &sc, &err),
                   0);
  snprintf(expected, sizeof expected, "%s/rel/p", cwd);
  assert_string_equal(sc->plugin_path[0], expected);
  ts_scenario_free(sc);
  assert_int_equal(ts_scenario_load_string("s.yaml",
                                           with_tail("output: {every: 1 d, signals: [pk.C]}\n"
                                                     "plugin_path: [p]\n"),
                                           NULL, &sc, &err),
                   0);
  snprintf(expected, sizeof expected, "%s/p", cwd);
  assert_string_equal(sc->plugin_path[0], expected);
  ts_scenario_free(sc);

  load_fails(with_tail("output: {every: 1 d, signals: [pk.C]}\nplugin_path: ../b\n"),
             "s.yaml:7:14: ", "expected a list of folders");
  load_fails(with_tail("output: {every: 1 d, signals: [pk.C]}\nplugin_path: [a, '']\n"),
             "s.yaml:7:18: ", "must not be empty");
}

static void test_doses(void **state) {
  (void)state;
  const char *head = "output: {every: 1 d, signals: [pk.C]}\ndoses:\n";
  char text[2048];
  snprintf(text, sizeof text, "%s%s", head,
           "  - {target: pk.central, amount: 1 g, rate: 10 mg/min, interval: 1 d}\n"
           "  - {target: pk.central, amount: 1e9 cells, addl: 0, start: 2 d}\n");
  ts_scenario *sc = load_ok(with_tail(text));
  assert_int_equal(sc->n_doses, 2);
  assert_int_equal(sc->doses[0].count, 1);
  assert_days(sc->doses[0].interval_days, 0); /* one dose: no interval */
  check_quantity(&sc->doses[0].rate, 10, "mg/min");
  assert_int_equal(sc->doses[1].count, 1);
  check_quantity(&sc->doses[1].amount, 1e9, "cells");
  ts_scenario_free(sc);

  struct {
    const char *dose, *where, *fragment;
  } bad[] = {
      {"  - {amount: 1 mg}\n", "s.yaml:8:5: ", "doses[1]: missing required key 'target'"},
      {"  - {target: pk.central}\n", "s.yaml:8:5: ", "missing required key 'amount'"},
      {"  - {target: pk.central, amount: 100}\n", "s.yaml:8:34: ", "'100' has no unit"},
      {"  - {target: pk.central, amount: 0 mg}\n", "s.yaml:8:34: ", "must be > 0"},
      {"  - {target: pk.central, amount: 1 mg, duration: -1 h}\n", "s.yaml:8:50: ", "must be > 0"},
      {"  - {target: pk.central, amount: 1 mg, rate: 0 mg/h}\n", "s.yaml:8:46: ", "must be > 0"},
      {"  - {target: pk.central, amount: 1 mg, rate: 1 mmol/h}\n", "s.yaml:8:46: ", "not an amount per time"},
      {"  - {target: pk.central, amount: 1 mg, addl: 2, interval: 0 d}\n", "s.yaml:8:59: ", "must be > 0"},
      {"  - {target: pk.central, amount: 1 mg, addl: -1}\n", "s.yaml:8:46: ", "from 0 to 999999"},
      {"  - {target: pk.central, amount: 1 mg, count: 2.5, interval: 1 d}\n",
       "s.yaml:8:47: ", "'2.5' is not a whole number"},
      {"  - {target: pk.central, amount: 1 mg, count: 1000001, interval: 1 d}\n", "s.yaml:8:47: ", "out of range"},
      {"  - {target: pk.central.x, amount: 1 mg}\n", "s.yaml:8:14: ", "more than one '.'"},
      {"  - {target: 1pk.central, amount: 1 mg}\n", "s.yaml:8:14: ", "each part must be a name"},
      {"  - pk.central\n", "s.yaml:8:5: ", "doses[1]: expected a dose"},
      {"  - {target: pk.central, amount: 1 mg}\n  - {target: pk.central, amount: 1 mg, dose: 2}\n",
       "s.yaml:9:40: ", "unknown key 'dose' in doses[2]"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    snprintf(text, sizeof text, "%s%s", head, bad[i].dose);
    load_fails(with_tail(text), bad[i].where, bad[i].fragment);
  }
}

static void test_instances(void **state) {
  (void)state;
  const char *tail = "output: {every: 1 d, signals: [pk.C]}\n";
  char text[2048];
  struct {
    const char *model, *where, *fragment;
  } bad[] = {
      {"  pk: {model: pk/one_compartment, paramters: {}}\n", "s.yaml:4:35: ", "did you mean 'parameters'?"},
      {"  pk: {model: pk/one/compartment}\n", "s.yaml:4:15: ", "more than one '/'"},
      {"  pk: {model: [pk]}\n", "s.yaml:4:15: ", "model.pk.model: expected 'plugin/model'"},
      {"  pk: pk/one_compartment\n", "s.yaml:4:7: ", "model.pk: expected a mapping"},
      {"  pk: {model: pk/one_compartment, parameters: [1]}\n", "s.yaml:4:47: ", "expected a mapping of parameter"},
      {"  pk: {model: pk/one_compartment, parameters: {CL: fast}}\n", "s.yaml:4:52: ", "is not a quantity"},
      {"  pk: {model: pk/one_compartment, parameters: {2CL: 1}}\n", "s.yaml:4:48: ", "parameter name '2CL'"},
      {"  pk: {model: pk/one_compartment, inputs: {C: []}}\n", "s.yaml:4:47: ", "the list of sources is empty"},
      {"  pk: {model: pk/one_compartment, inputs: {C: [a.b, a.b]}}\n", "s.yaml:4:53: ", "'a.b' is listed twice"},
      {"  pk: {model: pk/one_compartment, inputs: {C: {a: b}}}\n", "s.yaml:4:47: ", "expected a reference"},
      {"  pk: {model: pk/one_compartment, step: 1}\n", "s.yaml:4:41: ", "has no unit"},
      {"  pk:\n", "s.yaml:4:6: ", "model.pk: no value given"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    snprintf(text, sizeof text, "twinsim: 1\nname: t\nmodel:\n%shorizon: 7 d\n%s", bad[i].model, tail);
    load_fails(text, bad[i].where, bad[i].fragment);
  }
  /* A bare number is kept with an empty unit: only the plugin knows whether the parameter is dimensionless. */
  snprintf(text, sizeof text,
           "twinsim: 1\nname: t\nmodel:\n  pk: {model: pk/one_compartment, parameters: {F: 0.8, "
           "ka: '1.5 1/h'}}\nhorizon: 7 d\n%s",
           tail);
  ts_scenario *sc = load_ok(text);
  check_quantity(&sc->instances[0].params[0].value, 0.8, "");
  check_quantity(&sc->instances[0].params[1].value, 1.5, "1/h");
  ts_scenario_free(sc);
}

static void test_numbers_and_solver(void **state) {
  (void)state;
  const char *out = "output: {every: 1 d, signals: [pk.C]}\n";
  char text[1024];
  snprintf(text, sizeof text, "%sseed: 18446744073709551615\nsolver: {atol: 1e-9, rtol: 0.5e-3, max_steps: 1}\n", out);
  ts_scenario *sc = load_ok(with_tail(text));
  assert_true(sc->seed == UINT64_MAX);
  assert_days(sc->solver.atol_scale, 1e-9);
  assert_int_equal(sc->solver.n_atol, 0);
  assert_days(sc->solver.rtol, 5e-4);
  assert_int_equal(sc->solver.max_steps, 1);
  ts_scenario_free(sc);

  struct {
    const char *tail, *where, *fragment;
  } bad[] = {
      {"seed: 18446744073709551616\n", "s.yaml:7:7: ", "not a whole number from 0 to 18446744073709551615"},
      {"seed: '5'\n", "s.yaml:7:7: ", "is not a whole number"},
      {"seed: 1.5\n", "s.yaml:7:7: ", "is not a whole number"},
      {"solver: {rtol: '1e-6'}\n", "s.yaml:7:16: ", "(without quotes)"},
      {"solver: {rtol: inf}\n", "s.yaml:7:16: ", "'inf' is not a number"},
      {"solver: {rtol: nan}\n", "s.yaml:7:16: ", "'nan' is not a number"},
      {"solver: {rtol: 1e999}\n", "s.yaml:7:16: ", "out of range"},
      {"solver: {rtol: 0x10}\n", "s.yaml:7:16: ", "is not a number"},
      {"solver: {rtol: 1}\n", "s.yaml:7:16: ", "expected a relative tolerance < 1"},
      {"solver: {rtol: 0}\n", "s.yaml:7:16: ", "out of range; expected a finite number > 0"},
      {"solver: {atol: [1]}\n", "s.yaml:7:16: ", "expected a number or a mapping"},
      {"solver: {atol: {default: -1}}\n", "s.yaml:7:26: ", "solver.atol.default"},
      {"solver: {atol: {pkA1: 1 mg}}\n", "s.yaml:7:17: ", "'pkA1' is not of the form 'instance.state'"},
      {"solver: {atol: {pk.A1: 0 mg}}\n", "s.yaml:7:24: ", "solver.atol.pk.A1: must be > 0"},
      {"solver: {max_steps: 0}\n", "s.yaml:7:21: ", "from 1 to"},
      {"solver: {max_step: 0 h}\n", "s.yaml:7:20: ", "must be > 0"},
      {"solver: {nonnegative: 'true'}\n", "s.yaml:7:23: ", "expected true or false"},
      {"solver: {nonnegative: True}\n", "s.yaml:7:23: ", "expected true or false"},
      {"solver: {method: BDF}\n", "s.yaml:7:18: ", "unknown value 'BDF'"},
      {"solver: {mehtod: bdf}\n", "s.yaml:7:10: ", "did you mean 'method'?"},
      {"solver: [bdf]\n", "s.yaml:7:9: ", "solver: expected a mapping"},
      {"description: [a]\n", "s.yaml:7:14: ", "description: expected a text value"},
      {"patient: {id: ''}\n", "s.yaml:7:15: ", "patient.id: must not be empty"},
      {"patient: {age: 3}\n", "s.yaml:7:11: ", "unknown key 'age' in patient"},
      {"patient: {parameters: {pk.CL: 1 L/x}}\n", "s.yaml:7:31: ", "unit 'L/x'"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    snprintf(text, sizeof text, "%s%s", out, bad[i].tail);
    load_fails(with_tail(text), bad[i].where, bad[i].fragment);
  }
}

static void test_top_level(void **state) {
  (void)state;
  load_fails("", "s.yaml:1:1: ", "the file is empty");
  load_fails("- twinsim: 1\n", "s.yaml:1:1: ", "scenario: expected a mapping");
  load_fails("twinsim: '1'\n", "s.yaml:1:10: ", "without quotes");
  load_fails("twinsim: 1.0\n", "s.yaml:1:10: ", "schema version '1.0' is not supported");
  load_fails("twinsim: [1]\n", "s.yaml:1:10: ", "twinsim: expected the schema version 1");
  load_fails("twinsim: 1\nmodel: {pk: {model: pk/one_compartment}}\n", "s.yaml:1:1: ", "missing required key 'name'");
  load_fails("twinsim: 1\nname: ''\n", "s.yaml:2:7: ", "name: must not be empty");
  load_fails("twinsim: 1\nname: x\nhorizon: 1 d\n", "s.yaml:1:1: ", "missing required key 'model'");
  load_fails("twinsim: 1\nname: x\nhorizon: 1 d\nmodel: {pk: {model: pk/one_compartment}}\n",
             "s.yaml:1:1: ", "missing required key 'output'");
  /* The version is checked before anything else, so a newer file gets the version message, not unknown keys. */
  load_fails("twinsim: 2\nbrand_new_key: 1\n", "s.yaml:1:10: ", "schema version '2'");
  static const char *const reserved[] = {"cohorts"};
  for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++) {
    char text[256], fragment[128];
    snprintf(text, sizeof text, "twinsim: 1\n%s: {}\n", reserved[i]);
    snprintf(fragment, sizeof fragment, "'%s' is not supported yet in schema 1", reserved[i]);
    load_fails(text, "s.yaml:2:1: ", fragment);
  }
  ts_scenario *sc = (ts_scenario *)1;
  ts_error err;
  assert_int_equal(ts_scenario_load(SCENARIOS "/no_such_file.yaml", &sc, &err), -1);
  assert_null(sc);
  assert_int_equal(err.code, TS_E_IO);
  ts_scenario_free(NULL);
}

/* Every file in bad/ starts with "# expect: :LINE:COL: text": loading it must fail with a message containing
 * "NAME.yaml:LINE:COL:" and the text. */
static void test_bad_corpus(void **state) {
  (void)state;
  DIR *dir = opendir(SCENARIOS "/bad");
  assert_non_null(dir);
  int checked = 0, failed = 0;
  for (struct dirent *e; (e = readdir(dir));) {
    size_t len = strlen(e->d_name);
    if (len < 6 || strcmp(e->d_name + len - 5, ".yaml") != 0)
      continue;
    char path[1024];
    snprintf(path, sizeof path, "%s/bad/%s", SCENARIOS, e->d_name);
    char *text = ts_test_read_file(path, NULL);
    assert_non_null(text);
    int line, column, used = 0;
    if (sscanf(text, "# expect: :%d:%d: %n", &line, &column, &used) != 2 || used == 0)
      fail_msg("%s: the first line must be '# expect: :LINE:COL: text'", path);
    char *fragment = text + used, *eol = strchr(fragment, '\n');
    if (eol)
      *eol = '\0';
    char where[1100];
    snprintf(where, sizeof where, "%s:%d:%d: ", e->d_name, line, column);
    ts_scenario *sc = NULL;
    ts_error err;
    ts_error_clear(&err);
    if (ts_scenario_load(path, &sc, &err) == 0) {
      ts_scenario_free(sc);
      print_error("%s: loaded without error\n", path);
      failed++;
    } else if (err.code != TS_E_INPUT || !strstr(err.message, where) || !strstr(err.message, fragment)) {
      print_error("%s:\n  expected %s... %s\n  got      %s\n", path, where, fragment, err.message);
      failed++;
    }
    free(text);
    checked++;
  }
  closedir(dir);
  print_message("checked %d bad scenarios, %d failed\n", checked, failed);
  assert_int_equal(failed, 0);
  assert_true(checked >= 18);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_good_minimal), cmocka_unit_test(test_good_full),          cmocka_unit_test(test_time_units),
      cmocka_unit_test(test_output_grid),  cmocka_unit_test(test_plugin_path),        cmocka_unit_test(test_doses),
      cmocka_unit_test(test_instances),    cmocka_unit_test(test_numbers_and_solver), cmocka_unit_test(test_top_level),
      cmocka_unit_test(test_bad_corpus),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
