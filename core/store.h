/* The results database of one run (SQLite), schema in docs/storage.md.
 *
 * One file per run. Run metadata is written when the store is created; each patient is then written atomically (its
 * row, parameters, trajectory and event log together: a transaction, or a savepoint in a batch's), so a failed or
 * interrupted run never leaves a half-written patient. The trajectory table has one row per (patient, arm): its number
 * of output times, the times and one column per recorded signal, named like the signal ("pk.C"), each a vector of
 * binary64 values (store_vec.h), so that `SELECT * FROM trajectory` gives one row per simulation and a store costs one
 * B-tree insert per simulation rather than one per output time.
 *
 * A ts_store is used by one thread at a time (callers serialize). No function keeps a pointer to what it is
 * given once it returns. Failures: TS_E_INPUT for data the schema refuses (a repeated patient id, a time not after
 * the one before it, a recorded signal called like another), TS_E_IO for the file system or SQLite, TS_E_NOMEM, and
 * TS_E_INTERNAL for a NULL where the API needs a value. */
#ifndef TWINSIM_CORE_STORE_H
#define TWINSIM_CORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* The results schema written (run.schema_version); 3: trajectories as vectors. Readers and --resume check it. */
#define TS_STORE_SCHEMA_VERSION "3"

typedef struct ts_store ts_store;

typedef struct ts_store_kv { /* a key/value pair of the run table */
  const char *key;
  const char *value;
} ts_store_kv;

typedef struct ts_store_model { /* one row of the `models` table: a plugin instance used by the run */
  const char *instance;
  const char *plugin;
  const char *plugin_version;
  const char *plugin_file;
  const char *model;
  const char *model_version;
} ts_store_model;

typedef struct ts_store_signal { /* one recorded signal = one vector column of `trajectory` */
  const char *name;              /* qualified, "pk.C" */
  const char *unit;
  const char *kind; /* "state" or "output" */
} ts_store_signal;

typedef struct ts_store_run {
  const char *scenario_path;
  const char *scenario_text; /* the whole file, stored verbatim (its SHA-256 too); NULL when there is none */
  size_t scenario_len;       /* bytes of scenario_text */
  const ts_store_kv *meta;   /* twinsim version, SUNDIALS version, seed, solver settings, ...; keys must differ
                                from each other and from the store's own (schema_version, status, time_unit,
                                created_at, finished_at, scenario_path, scenario_sha256, scenario_text) */
  size_t n_meta;
  const ts_store_model *models;
  size_t n_models;
  const ts_store_signal *signals; /* in the column order of ts_store_patient.values; names must differ ignoring
                                     ASCII case (SQLite's column names do) and may not be patient_id, arm,
                                     n_times or time */
  size_t n_signals;
  size_t n_times_max; /* output times of one simulation at most (the scenario's grid): a trajectory row must fit in
                         one SQLite value, which is checked when the store is created or resumed; 0: not checked */
} ts_store_run;

typedef struct ts_store_param { /* one row of `parameters` */
  const char *instance;
  const char *name;
  double value; /* NAN is stored as NULL */
  const char *unit;
} ts_store_param;

/* One row of `events` (dose log, later rule firings). Strings other than kind may be NULL, stored as NULL. */
typedef struct ts_store_event {
  double time;      /* d */
  const char *kind; /* "bolus", "infusion_start", "infusion_stop", ...; not NULL */
  const char *instance;
  const char *target;
  double amount; /* in `unit`, NAN when not applicable */
  double rate;   /* in `unit`/d, NAN when not applicable */
  const char *unit;
  const char *detail; /* free text or NULL */
} ts_store_event;

typedef struct ts_store_covariate { /* one row of `covariates` */
  const char *name;
  double value;
  const char *unit;
} ts_store_covariate;

typedef struct ts_store_observation { /* one row of `observations` */
  const char *signal;                 /* qualified, "tumor.diameter" */
  double time;                        /* d */
  double value;                       /* as observed (with measurement error) */
  double true_value;                  /* the model's value */
} ts_store_observation;

typedef struct ts_store_endpoints { /* the row of `endpoints`; NAN (or NULL, or -1) where not computed */
  const char *best_response;        /* "CR", "PR", "SD", "PD", "NE" or NULL */
  double progression_time;          /* first PD assessment, d */
  double pfs_time;                  /* d */
  int pfs_event;                    /* 1 progression or death, 0 censored, -1 not computed */
  double os_time;                   /* d */
  int os_event;                     /* 1 death, 0 censored, -1 not computed */
  int worst_grade;                  /* -1 not computed */
  double cumulative_dose;           /* in dose_unit */
  const char *dose_unit;
  double baseline_mm, nadir_mm, best_change; /* RECIST sums of diameters and best fractional change */
} ts_store_endpoints;

typedef struct ts_store_exposure { /* one row of `exposure`: one dosing cycle */
  int cycle;                       /* 1-based */
  double start, end;               /* d */
  double cmax, tmax, cmin, auc;    /* in the concentration's unit, d, and unit*d */
} ts_store_exposure;

typedef struct ts_store_patient {
  int64_t patient_id;          /* 1-based */
  const char *label;           /* e.g. the twin's id */
  const char *arm;             /* the arm's name; NULL stands for "default" */
  int failed;                  /* 0: status 'ok'; 1: 'failed' */
  double failure_time;         /* d, when failed (ignored otherwise) */
  const char *failure_message; /* when failed (ignored otherwise) */
  const ts_store_param *params;
  size_t n_params;
  size_t n_times;               /* output times of the trajectory (may be fewer than planned when failed) */
  const double *times;          /* n_times, d, each after the one before */
  const double *values;         /* n_times * n_signals, row-major: values[i * n_signals + j]; NAN stays NAN */
  const ts_store_event *events; /* in log order (stored with seq 0, 1, ...) */
  size_t n_events;
  const ts_store_covariate *covariates;
  size_t n_covariates;
  const ts_store_observation *observations;
  size_t n_observations;
  const ts_store_endpoints *endpoints; /* NULL when the scenario defines none */
  const ts_store_exposure *exposures;
  size_t n_exposures;
} ts_store_patient;

/* Creates the database at path with the schema and the run's metadata (run status 'running'), all in one
 * transaction, and sets *out to the open store. An existing file is refused (TS_E_INPUT) unless `replace` is
 * non-zero: then it is removed with its -wal, -shm and -journal files first. A place where no file can be created
 * (a missing or read-only directory) gives TS_E_IO. On failure *out is NULL and nothing is left at path (but a
 * file replaced is gone). The message names the path and, where SQLite failed, SQLite's message. */
int ts_store_create(const char *path, const ts_store_run *run, int replace, ts_store **out, ts_error *err);

/* Writes one patient in one arm atomically: every table's rows for (patient_id, arm) in one transaction of its own,
 * or, inside a batch (below), in a savepoint of the batch's.
 * On failure (say a patient id already written, or a time repeated in its trajectory) nothing of this patient
 * stays in the database, the patients written before are intact and the store can go on with the next one. */
int ts_store_write_patient(ts_store *st, const ts_store_patient *p, ts_error *err);

/* Several patients in one transaction, to write the tables' shared pages (B-tree leaves, the index) once for all of
 * them instead of once per patient. Between ts_store_batch_begin and ts_store_batch_commit each ts_store_write_patient
 * is still all or nothing on its own (a savepoint): a patient refused leaves nothing and the batch goes on. The batch
 * becomes durable at the commit, all of it or none of it (a crash before the commit loses the whole batch, never part
 * of a patient). Should SQLite abandon the transaction itself (a full disk), the failing write says so, the patients
 * written before it in the batch are lost too, and ts_store_batch_commit then returns -1 (TS_E_IO), saying the batch
 * was lost, so that none of its patients is counted as stored. */
int ts_store_batch_begin(ts_store *st, ts_error *err);
int ts_store_batch_commit(ts_store *st, ts_error *err);

/* Sets the run's status to `status`, "complete" or "interrupted" (the run's own: failed patients carry their
 * status in `patients`, and a run with some is still complete), records finished_at, and closes the store.
 * st is closed and freed in every case, also when this fails (a status other than those two is TS_E_INTERNAL and
 * leaves the run 'running'). st NULL: returns 0. */
int ts_store_finish(ts_store *st, const char *status, ts_error *err);

/* Closes and frees st without marking the run finished (its status stays 'running'). NULL is harmless. */
void ts_store_close(ts_store *st);

/* Reopens the database of an interrupted run to complete it: refused (TS_E_INPUT, naming the path) unless it holds
 * the same scenario text (SHA-256), the same shard and the same signals, and was written by this results schema.
 * Its status is set back to 'running' and 'resumed_at' recorded; the patients already in it stay. */
int ts_store_resume(const char *path, const ts_store_run *run, ts_store **out, ts_error *err);

/* Merges the complete shards 1..N of one run (`twinsim run --shard k/N`, in any order) into a new database at out,
 * equal in every patient table to the unsharded run's. Refused (TS_E_INPUT) when a shard is missing, repeated,
 * unfinished or of another scenario, or out exists (unless replace). On failure nothing is left at out. */
int ts_store_merge(const char *out, const char *const *inputs, size_t n, int replace, ts_error *err);

/* The number of recorded signals (trajectory vector columns) of the store. */
size_t ts_store_signal_count(const ts_store *st);

/* Calls each(ctx, patient_id, arm) for every (patient, arm) in the database (to resume a run). */
int ts_store_list_patients(ts_store *st, void (*each)(void *ctx, int64_t patient_id, const char *arm), void *ctx,
                           ts_error *err);

/* Lowercase hex SHA-256 of data (65 bytes with the NUL), as `sha256sum` prints; data may be NULL when len is 0.
 * Should OpenSSL fail (out of memory), out is the empty string. */
void ts_sha256_hex(const void *data, size_t len, char out[65]);

#endif
