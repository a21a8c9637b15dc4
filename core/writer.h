/* The results writer: a thread that owns the results database and writes the patients the simulation workers hand
 * it, so that storing one patient overlaps with simulating the next. A bounded queue between them keeps memory flat:
 * a worker that gets ahead of the database waits. */
#ifndef TWINSIM_CORE_WRITER_H
#define TWINSIM_CORE_WRITER_H

#include <stddef.h>

#include "error.h"
#include "store.h"

typedef struct ts_writer ts_writer;

/* Called on the writer thread after each patient is written (progress, counts, messages). */
typedef void (*ts_writer_report)(void *ctx, const ts_store_patient *p);

/* Starts the writer for `store` (which it then owns until ts_writer_finish) with room for `capacity` patients. */
int ts_writer_start(ts_store *store, size_t capacity, ts_writer_report report, void *ctx, ts_writer **out,
                    ts_error *err);

/* Queues a copy of the patient (p and everything it points to that a worker will reuse: values, parameters,
 * events and their details, covariates, observations, endpoints, exposures, the failure message). Blocks while the
 * queue is full. Returns -1 with the writer's error when it has failed (every later call fails too). Any thread. */
int ts_writer_put(ts_writer *w, const ts_store_patient *p, ts_error *err);

/* Waits until every queued patient is written, stops the thread and frees the writer (not the store). Returns the
 * writer's status: 0, or -1 with the first write error. NULL is harmless. */
int ts_writer_finish(ts_writer *w, ts_error *err);

#endif
