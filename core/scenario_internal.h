/* Readers shared by the parts of the scenario parser (scenario.c: model, patient, doses, output, solver;
 * scenario_trial.c: cohort, arms, observations, endpoints). Each reads one node, checks it and fails with
 * "FILE:LINE:COL: path: what is wrong; what was expected" (TS_E_INPUT). `path` names the node in messages, e.g.
 * "doses[2].amount". */
#ifndef TWINSIM_CORE_SCENARIO_INTERNAL_H
#define TWINSIM_CORE_SCENARIO_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "scenario.h"

typedef char path_buf[256];

/* out = base.key; a path too long for the buffer ends in "...". Returns out. */
const char *sc_sub(path_buf out, const char *base, const char *key);

int sc_nomem(ts_error *err);
int sc_dup_into(const char *s, char **out, ts_error *err);
bool sc_is_empty(const ts_yaml_node *n);
bool sc_is_identifier(const char *s, size_t len);

int sc_expect(const ts_yaml_node *n, ts_yaml_kind kind, const char *path, const char *what, ts_error *err);
const char *sc_scalar(const ts_yaml_node *n, const char *path, const char *what, ts_error *err);
/* The value under key, or NULL with "path: missing 'key'; e.g. example". */
const ts_yaml_node *sc_required(const ts_yaml_node *map, const char *key, const char *path, const char *example,
                                ts_error *err);
int sc_get_string(const ts_yaml_node *n, const char *path, bool allow_empty, char **out, ts_error *err);
int sc_get_positive(const ts_yaml_node *n, const char *path, const char *example, double *out, ts_error *err);
int sc_get_integer(const ts_yaml_node *n, const char *path, long min, long max, long *out, ts_error *err);
int sc_get_bool(const ts_yaml_node *n, const char *path, bool *out, ts_error *err);
/* "120 L/d": the number and the unit text (which must parse); unit_required refuses a bare number. */
int sc_get_quantity(const ts_yaml_node *n, const char *path, const char *example, bool unit_required, ts_sc_quantity *q,
                    ts_error *err);
int sc_get_time(const ts_yaml_node *n, const char *path, const char *example, double *days, ts_error *err);
int sc_get_positive_time(const ts_yaml_node *n, const char *path, const char *example, double *days, ts_error *err);
/* "left<sep>right" with both sides identifiers, e.g. "pk.CL"; the halves are allocated. */
int sc_split_ref(const char *s, ts_yaml_pos pos, char sep, const char *path, const char *form, const char *example,
                 char **left, char **right, ts_error *err);
int sc_get_ref(const ts_yaml_node *n, const char *path, const char *form, const char *example, char **left,
               char **right, ts_error *err);
int sc_check_identifier(const ts_yaml_node *key, const char *path, const char *what, ts_error *err);
/* One of the NULL-terminated words; *index is its position. */
int sc_get_keyword(const ts_yaml_node *n, const char *what, const char *const *words, int *index, ts_error *err);

/* A list of doses under `path` ("doses", "arms[1].doses"), each checked as docs/scenario.md says. */
int sc_parse_dose(const ts_yaml_node *map, const char *path, double scenario_start, ts_sc_dose *d, ts_error *err);
int sc_parse_doses(const ts_yaml_node *list, const char *path, double scenario_start, ts_sc_dose **doses,
                   size_t *n_doses, ts_error *err);
void sc_free_doses(ts_sc_dose *doses, size_t n);

/* scenario_trial.c: the trial sections. Each is optional; absent sections leave their defaults. */
int sc_parse_trial(ts_scenario *sc, const ts_yaml_node *root, ts_error *err);
void sc_free_trial(ts_scenario *sc);

/* scenario_twins.c: `twins`, a list of twin files (docs/twins.md). */
int sc_parse_twins(ts_scenario *sc, const ts_yaml_node *root, const char *base_dir, ts_error *err);
void sc_free_twins(ts_scenario *sc);

/* scenario_rules.c: `rules`, adaptive and toxicity-driven dosing. */
int sc_parse_rules(ts_scenario *sc, const ts_yaml_node *root, ts_error *err);
void sc_free_rules(ts_scenario *sc);

#endif
