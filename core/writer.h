/* The results writer: the queue between the simulation workers and the results database. A worker hands over each
 * patient it simulated (a copy) and goes on; the store is written by whichever worker finds it free, which first
 * empties the queue: one patient at a time while the workers keep up with each other, several in one transaction
 * (ts_store_batch_begin) when patients queued up while it was busy. There is no thread of its own, so `-j N` uses N
 * cores, storing included. The queue is bounded: a worker that finds it full waits for the store and empties it.
 */
#ifndef TWINSIM_CORE_WRITER_H
#define TWINSIM_CORE_WRITER_H

#include <stddef.h>

#include "error.h"
#include "store.h"

typedef struct ts_writer ts_writer;

/* Called after each patient is committed, by the worker that wrote it, holding the store (progress, counts). */
typedef void (*ts_writer_report)(void *ctx, const ts_store_patient *p);

/* Starts the writer for `store` (which it then owns until ts_writer_finish) with room for `capacity` patients, which
 * writes once `gather` patients are queued (1 to capacity): gathering several into one transaction writes the
 * tables' shared pages once for all of them. */
int ts_writer_start(ts_store *store, size_t capacity, size_t gather, ts_writer_report report, void *ctx,
                    ts_writer **out, ts_error *err);

/* Queues a copy of the patient (p and everything it points to that a worker will reuse: values, parameters,
 * events and their details, covariates, observations, endpoints, exposures, the failure message), then writes what
 * is queued unless another thread is doing so. Returns -1 with the writer's error when it has failed (every later
 * call fails too). Any thread. */
int ts_writer_put(ts_writer *w, const ts_store_patient *p, ts_error *err);

/* Writes what is still queued and frees the writer (not the store); call it once no thread puts any more. Returns
 * the writer's status: 0, or -1 with the first write error. NULL is harmless. */
int ts_writer_finish(ts_writer *w, ts_error *err);

#endif
