/* A whole run: scenario -> plugins -> wired system -> simulated patients -> results database. What the CLI's
 * `run` and `validate` commands do, as library calls. */
#ifndef TWINSIM_CORE_RUN_H
#define TWINSIM_CORE_RUN_H

#include <stdatomic.h>
#include <stddef.h>

#include "error.h"
#include "plugin_loader.h"
#include "scenario.h"
#include "system.h"

/* A scenario loaded and resolved against its plugins. */
typedef struct ts_loaded {
  ts_scenario *scenario;
  ts_plugin_set *plugins;
  ts_system *system;
} ts_loaded;

/* Parses the scenario, loads its plugins and wires the system. TS_E_INPUT errors point into the scenario. */
int ts_load(const char *scenario_path, ts_loaded *out, ts_error *err);
void ts_loaded_free(ts_loaded *l); /* harmless on a zeroed or freed ts_loaded */

typedef struct ts_run_options {
  const char *output_path; /* the results database */
  int replace;             /* overwrite an existing database */
  int quiet;               /* print nothing but errors */
  ts_log_level verbosity;  /* plugin log level shown */
  size_t jobs;             /* worker threads; 0: one per core. The results do not depend on it */
  int resume;              /* complete an interrupted run in output_path: simulate only what it lacks */
  unsigned shard, shards;  /* shard k of N (1-based): patients floor((k-1) n/N)+1 .. floor(k n/N); 0 of 0: all */
  /* When not NULL and it becomes non-zero (a signal handler's flag: a lock-free atomic, which C11 lets a handler
   * set and other threads read), the workers take no new patient, the ones being simulated are finished and stored
   * with everything queued, and the run is closed as 'interrupted'. Already set when ts_run starts: nothing is
   * simulated and the database is not touched. */
  const atomic_int *interrupt;
} ts_run_options;

typedef struct ts_run_summary {
  size_t n_patients; /* simulations: patients times the arms each is simulated in */
  size_t n_failed;
  size_t n_redraws; /* cohort draws rejected by truncation or inclusion criteria */
  size_t n_resumed; /* simulations already in a resumed database, not run again */
  double seconds;   /* wall-clock time of the simulation and storage */
  int interrupted;  /* stopped by opt->interrupt: the database is closed as 'interrupted', --resume completes it */
  size_t n_planned; /* simulations of the whole run (of this shard) */
  size_t n_stored;  /* simulations in the database when the run ended (resumed ones included) */
  int opened;       /* the database was created or reopened (0 when interrupted before that) */
} ts_run_summary;

/* Simulates every patient of a loaded scenario into a new database. A failed patient is recorded (status 'failed'
 * with its message) and counted, and the run goes on; returns 0 then too. -1 only when the run itself could not
 * be done (database, memory). */
int ts_run(const ts_loaded *l, const ts_run_options *opt, ts_run_summary *summary, ts_error *err);

#endif
