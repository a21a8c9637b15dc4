/* Helpers shared by the cmocka tests: run the CLI and capture what it prints, temporary paths, file reading. */
#ifndef TWINSIM_TEST_SUPPORT_H
#define TWINSIM_TEST_SUPPORT_H

#include <stddef.h>

#include <sqlite3.h>

#include "run.h"
#include "sim.h"

/* The result of running a program: exit status (or 128 + signal number) and everything it printed. */
typedef struct ts_test_output {
  int status;
  char *out; /* standard output, NUL-terminated */
  char *err; /* standard error, NUL-terminated */
} ts_test_output;

/* Runs argv[0] (a path) with argv, no standard input, and waits; the caller frees with ts_test_output_free. */
ts_test_output ts_test_run(const char *const *argv);
void ts_test_output_free(ts_test_output *o);

/* A fresh path TS_TEST_WORK_DIR/<name>-<pid>.<ext> (any old file removed); returns a static buffer per call slot. */
const char *ts_test_path(const char *name, const char *ext);

/* Reads a whole file (NUL-terminated) or returns NULL. */
char *ts_test_read_file(const char *path, size_t *len);

/* Writes text to path; returns 0 on success. */
int ts_test_write_file(const char *path, const char *text);

/* Relative error |a - b| / max(|b|, floor). */
double ts_test_relerr(double a, double b, double floor);

/* Writes a scenario text to a fresh file under TS_TEST_WORK_DIR and returns its path (ts_test_path rules). */
const char *ts_test_scenario(const char *name, const char *yaml);

/* Value `index` of the trajectory vector (results schema 3) that `sql` selects (its first column, first row), decoded
 * with the store's codec; a negative index counts from the end (-1: the last). Fails the test when there is no row,
 * the column is not a vector or the index is out of range. */
double ts_test_vector_value(sqlite3 *db, const char *sql, long index);

/* A scenario loaded and one patient simulated with its scenario parameters (patient index 1). */
typedef struct ts_test_sim {
  ts_loaded loaded;
  ts_sim *sim;
  ts_sim_result res;
} ts_test_sim;

/* Writes the YAML to a fresh file, loads it (failing the test with the message if it does not load), creates a
 * simulator and runs patient 1. The caller checks s->res (which may have failed) and frees with ts_test_sim_free. */
void ts_test_simulate(ts_test_sim *s, const char *name, const char *yaml);
void ts_test_sim_free(ts_test_sim *s);

#endif
