/* The results database of one run (SQLite), schema in docs/storage.md.
 *
 * One file per run. Run metadata is written when the store is created; each patient is then written in one
 * transaction (its row, parameters, trajectory and event log together), so a failed or interrupted run never
 * leaves a half-written patient. The trajectory table is wide: one row per (patient, time) and one REAL column
 * per recorded signal, named like the signal ("pk.C"), so that `SELECT * FROM trajectory` is a data frame. */
#ifndef TWINSIM_CORE_STORE_H
#define TWINSIM_CORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

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

typedef struct ts_store_signal { /* one recorded signal = one column of `trajectory` */
  const char *name;              /* qualified, "pk.C" */
  const char *unit;
  const char *kind; /* "state" or "output" */
} ts_store_signal;

typedef struct ts_store_run {
  const char *scenario_path;
  const char *scenario_text; /* the whole file, stored verbatim */
  size_t scenario_len;
  const ts_store_kv *meta; /* twinsim version, SUNDIALS version, seed, solver settings, ... */
  size_t n_meta;
  const ts_store_model *models;
  size_t n_models;
  const ts_store_signal *signals;
  size_t n_signals;
} ts_store_run;

typedef struct ts_store_param { /* one row of `parameters` */
  const char *instance;
  const char *name;
  double value;
  const char *unit;
} ts_store_param;

typedef struct ts_store_event { /* one row of `events` (dose log, later rule firings) */
  double time;                  /* d */
  const char *kind;             /* "bolus", "infusion_start", "infusion_stop", ... */
  const char *instance;
  const char *target;
  double amount; /* in `unit`, NAN when not applicable */
  double rate;   /* in `unit`/d, NAN when not applicable */
  const char *unit;
  const char *detail; /* free text or NULL */
} ts_store_event;

typedef struct ts_store_patient {
  int64_t patient_id;  /* 1-based */
  const char *label;   /* e.g. the twin's id */
  const char *arm;     /* NULL for a single-arm run */
  int failed;          /* 0: status 'ok'; 1: 'failed' */
  double failure_time; /* d, when failed */
  const char *failure_message;
  const ts_store_param *params;
  size_t n_params;
  size_t n_times;       /* rows of the trajectory (may be fewer than planned when failed) */
  const double *times;  /* n_times, d */
  const double *values; /* n_times * n_signals, row-major: values[i * n_signals + j] */
  const ts_store_event *events;
  size_t n_events;
} ts_store_patient;

/* Creates the database at path with the schema and the run's metadata (run status 'running'). An existing file
 * is refused (TS_E_INPUT) unless `replace` is non-zero. On failure nothing is left at path. */
int ts_store_create(const char *path, const ts_store_run *run, int replace, ts_store **out, ts_error *err);

/* Writes one patient atomically. */
int ts_store_write_patient(ts_store *st, const ts_store_patient *p, ts_error *err);

/* Marks the run 'complete' (or 'failed' when any patient failed is NOT a reason: patients carry their own
 * status; `status` is the run's: "complete" or "interrupted"), then closes. st may be NULL. */
int ts_store_finish(ts_store *st, const char *status, ts_error *err);

/* Closes without marking the run finished (its status stays 'running'). NULL is harmless. */
void ts_store_close(ts_store *st);

/* Lowercase hex SHA-256 of data (65 bytes with the NUL), as `sha256sum` prints. */
void ts_sha256_hex(const void *data, size_t len, char out[65]);

#endif
