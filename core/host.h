/* The host table (ts_host of plugin.h) that each plugin instance receives: logging, error messages and its random
 * stream. One per instance per simulator worker. */
#ifndef TWINSIM_CORE_HOST_H
#define TWINSIM_CORE_HOST_H

#include <twinsim/plugin.h>

#include "rng.h"

#define TS_HOST_ERROR_MAX 1024

typedef struct ts_host_impl {
  ts_host api; /* first member: a plugin's `const ts_host *` points here */
  ts_rng rng;
  ts_log_level verbosity; /* messages above this level are dropped */
  char error[TS_HOST_ERROR_MAX];
  int has_error;
} ts_host_impl;

/* Fills the table for the named instance (the name is borrowed and must outlive the table). */
void ts_host_init(ts_host_impl *h, const char *instance_name, ts_log_level verbosity);

/* Restarts the random stream for a patient and forgets any error message. */
void ts_host_begin_patient(ts_host_impl *h, uint64_t seed, uint64_t patient, uint32_t stream);

#endif
