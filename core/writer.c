/* The results writer: see writer.h. No thread of its own: the worker that finds the store free writes what is
 * queued, so `-j N` uses N cores for simulating and storing together, and `-j 1` one. */
#include "writer.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* At most this many patients per transaction. */
#define WRITER_BATCH 64

struct ts_writer {
  ts_store *store;
  ts_writer_report report;
  void *ctx;
  pthread_mutex_t storing;  /* held by the worker writing to the store; taken before `lock` */
  pthread_mutex_t lock;     /* guards the queue, failed and err */
  ts_store_patient **queue; /* a ring of capacity entries */
  size_t capacity, head, count;
  size_t gather; /* patients queued before a worker writes them (all at the end) */
  int failed;
  ts_error err;
};

/* One allocation holding a patient and the arrays a worker reuses: aligned sizes for each part. */
static size_t align(size_t n) {
  return (n + 15) & ~(size_t)15;
}

static ts_store_patient *copy_patient(const ts_store_patient *p, size_t n_signals) {
  size_t n_values = p->n_times * n_signals;
  size_t details = 0;
  for (size_t k = 0; k < p->n_events; k++)
    details += p->events[k].detail ? strlen(p->events[k].detail) + 1 : 0;
  size_t message = p->failure_message ? strlen(p->failure_message) + 1 : 0;
  size_t label = p->label ? strlen(p->label) + 1 : 0;
  size_t size = align(sizeof *p) + align(n_values * sizeof(double)) + align(p->n_params * sizeof *p->params) +
                align(p->n_events * sizeof *p->events) + align(p->n_covariates * sizeof *p->covariates) +
                align(p->n_observations * sizeof *p->observations) + align(p->n_exposures * sizeof *p->exposures) +
                align(sizeof(ts_store_endpoints)) + align(details) + align(label) + message;
  char *block = malloc(size), *at = block;
  if (!block)
    return NULL;
  ts_store_patient *q = (ts_store_patient *)(void *)at;
  *q = *p;
  at += align(sizeof *p);
#define TS_COPY(field, count)                                                                                          \
  do {                                                                                                                 \
    size_t bytes = (count) * sizeof *p->field;                                                                         \
    if (bytes)                                                                                                         \
      memcpy(at, p->field, bytes);                                                                                     \
    q->field = (void *)at;                                                                                             \
    at += align(bytes);                                                                                                \
  } while (0)
  TS_COPY(values, n_values);
  TS_COPY(params, p->n_params);
  TS_COPY(events, p->n_events);
  TS_COPY(covariates, p->n_covariates);
  TS_COPY(observations, p->n_observations);
  TS_COPY(exposures, p->n_exposures);
#undef TS_COPY
  if (p->endpoints) {
    memcpy(at, p->endpoints, sizeof *p->endpoints);
    q->endpoints = (const ts_store_endpoints *)(void *)at;
  }
  at += align(sizeof(ts_store_endpoints));
  /* Strings the worker reuses (details, label, failure message); the others (names, units, kinds, arms) live as
   * long as the system. */
  ts_store_event *events = (ts_store_event *)(uintptr_t)q->events;
  for (size_t k = 0; k < p->n_events; k++)
    if (p->events[k].detail) {
      size_t len = strlen(p->events[k].detail) + 1;
      memcpy(at, p->events[k].detail, len);
      events[k].detail = at;
      at += len;
    }
  at = (char *)block + (size - message - align(label));
  if (p->label) {
    memcpy(at, p->label, label);
    q->label = at;
  }
  at = (char *)block + (size - message);
  if (p->failure_message) {
    memcpy(at, p->failure_message, message);
    q->failure_message = at;
  }
  return q;
}

/* Writes the patients taken from the queue together, in one transaction when there are several (a worker was storing
 * while others finished patients), and reports those stored. The first failure stops the writer. */
static void write_batch(ts_writer *w, ts_store_patient *const *batch, size_t n) {
  ts_error err, commit_err;
  ts_error_clear(&err);
  ts_error_clear(&commit_err);
  int rc = n > 1 ? ts_store_batch_begin(w->store, &err) : 0, began = n > 1 && rc == 0;
  size_t written = 0;
  for (; rc == 0 && written < n; written++)
    if ((rc = ts_store_write_patient(w->store, batch[written], &err)) != 0)
      break;
  int commit_rc = began ? ts_store_batch_commit(w->store, &commit_err) : 0; /* also when the first one failed */
  if (rc == 0 && commit_rc != 0) {
    rc = commit_rc;
    err = commit_err;
  }
  if (commit_rc == 0 && w->report)
    for (size_t i = 0; i < written; i++)
      w->report(w->ctx, batch[i]);
  if (rc != 0) {
    pthread_mutex_lock(&w->lock);
    w->failed = 1;
    w->err = err;
    pthread_mutex_unlock(&w->lock);
  }
}

/* Holding `storing`: writes what is queued, batch after batch, until the queue is empty. After a failure the queue
 * is emptied without writing. */
static void drain(ts_writer *w) {
  ts_store_patient *batch[WRITER_BATCH];
  for (;;) {
    pthread_mutex_lock(&w->lock);
    size_t n = 0;
    for (; w->count > 0 && n < WRITER_BATCH; n++) {
      batch[n] = w->queue[w->head];
      w->head = (w->head + 1) % w->capacity;
      w->count--;
    }
    int failed = w->failed;
    pthread_mutex_unlock(&w->lock);
    if (n == 0)
      return;
    if (!failed)
      write_batch(w, batch, n);
    for (size_t i = 0; i < n; i++)
      free(batch[i]);
  }
}

static size_t queued(ts_writer *w) {
  pthread_mutex_lock(&w->lock);
  size_t n = w->count;
  pthread_mutex_unlock(&w->lock);
  return n;
}

int ts_writer_start(ts_store *store, size_t capacity, size_t gather, ts_writer_report report, void *ctx,
                    ts_writer **out, ts_error *err) {
  ts_writer *w = calloc(1, sizeof *w);
  if (!w || !(w->queue = calloc(capacity ? capacity : 1, sizeof *w->queue))) {
    free(w);
    return ts_fail(err, TS_E_NOMEM, "out of memory");
  }
  capacity = capacity ? capacity : 1;
  *w = (ts_writer){.store = store,
                   .report = report,
                   .ctx = ctx,
                   .queue = w->queue,
                   .capacity = capacity,
                   .gather = gather < 1          ? 1
                             : gather > capacity ? capacity
                                                 : gather};
  if (pthread_mutex_init(&w->storing, NULL) != 0 || pthread_mutex_init(&w->lock, NULL) != 0) {
    free(w->queue);
    free(w);
    return ts_fail(err, TS_E_INTERNAL, "cannot start the results writer");
  }
  *out = w;
  return 0;
}

int ts_writer_put(ts_writer *w, const ts_store_patient *p, ts_error *err) {
  ts_store_patient *copy = copy_patient(p, ts_store_signal_count(w->store));
  if (!copy)
    return ts_fail(err, TS_E_NOMEM, "out of memory queuing patient %lld", (long long)p->patient_id);
  pthread_mutex_lock(&w->lock);
  while (w->count == w->capacity && !w->failed) { /* full: wait for the store, then empty the queue ourselves */
    pthread_mutex_unlock(&w->lock);
    pthread_mutex_lock(&w->storing);
    drain(w);
    pthread_mutex_unlock(&w->storing);
    pthread_mutex_lock(&w->lock);
  }
  if (!w->failed) {
    w->queue[(w->head + w->count) % w->capacity] = copy;
    w->count++;
    copy = NULL;
  }
  pthread_mutex_unlock(&w->lock);
  free(copy);
  /* Once enough is queued, store it, unless another worker is storing: that one looks at the queue again after it
   * lets the store go, so patients queued meanwhile are not left behind. */
  while (queued(w) >= w->gather && pthread_mutex_trylock(&w->storing) == 0) {
    drain(w);
    pthread_mutex_unlock(&w->storing);
  }
  pthread_mutex_lock(&w->lock);
  int rc = 0;
  if (w->failed) {
    *err = w->err;
    rc = -1;
  }
  pthread_mutex_unlock(&w->lock);
  return rc;
}

int ts_writer_finish(ts_writer *w, ts_error *err) {
  if (!w)
    return 0;
  pthread_mutex_lock(&w->storing);
  drain(w);
  pthread_mutex_unlock(&w->storing);
  int rc = 0;
  if (w->failed) {
    *err = w->err;
    rc = -1;
  }
  pthread_mutex_destroy(&w->lock);
  pthread_mutex_destroy(&w->storing);
  free(w->queue);
  free(w);
  return rc;
}
