/* Opening a results database and read-only queries on it, shared by the commands that read one (summary, export,
 * report). The trajectory is read only through ts_results_each_trajectory / ts_results_each_simulation, which know
 * its layout. */
#ifndef TWINSIM_CLI_RESULTS_DB_H
#define TWINSIM_CLI_RESULTS_DB_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "error.h"

/* Opens the existing results database at path, read-only or (writable non-zero) for writing, with a busy timeout;
 * never creates one. NULL with err set (TS_E_IO, naming the path) when path is not a regular file or SQLite cannot
 * open it. Close with sqlite3_close. */
sqlite3 *ts_results_open(const char *path, int writable, ts_error *err);

/* 1 when the database has a table of that name, else 0 (also when it cannot be read). */
int ts_results_table_exists(sqlite3 *db, const char *name);

/* The run table's value under key, newly allocated (free it), or NULL when absent, unreadable or out of memory. */
char *ts_results_run_value(sqlite3 *db, const char *key);

/* One (patient, arm)'s trajectory of one signal, as stored; time and value have n entries and are valid only during
 * the call. */
typedef int (*ts_results_trajectory_fn)(void *ctx, int64_t patient_id, const char *arm, const double *time,
                                        const double *value, size_t n);

/* Calls each() for every stored (patient, arm) trajectory, in (patient_id, arm) order, with the named signal ("pk.C").
 * arm may be NULL (all arms) or an arm's name (that arm only). Returns 0; -1 with a message in err (at most err_cap
 * bytes) when the signal is not recorded or the database cannot be read; or each()'s first non-zero return, which
 * stops the walk. */
int ts_results_each_trajectory(sqlite3 *db, const char *signal, const char *arm, ts_results_trajectory_fn each,
                               void *ctx, char *err, size_t err_cap);

/* One (patient, arm)'s trajectory of several signals: value[j] holds signal j's n values (NaN where the value was
 * not a number); everything is valid only during the call. */
typedef int (*ts_results_simulation_fn)(void *ctx, int64_t patient_id, const char *arm, const double *time,
                                        const double *const *value, size_t n_signals, size_t n);

/* As ts_results_each_trajectory, for n_signals signals at once (names as in `signals.name`). */
int ts_results_each_simulation(sqlite3 *db, const char *const *signals, size_t n_signals, const char *arm,
                               ts_results_simulation_fn each, void *ctx, char *err, size_t err_cap);

#endif
