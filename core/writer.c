/* The results writer: see writer.h. */
#include "writer.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct ts_writer {
  ts_store *store;
  ts_writer_report report;
  void *ctx;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t not_empty, not_full;
  ts_store_patient **queue; /* a ring of capacity entries */
  size_t capacity, head, count;
  int closing; /* no more patients will come */
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

static void *write_loop(void *arg) {
  ts_writer *w = arg;
  for (;;) {
    pthread_mutex_lock(&w->lock);
    while (w->count == 0 && !w->closing)
      pthread_cond_wait(&w->not_empty, &w->lock);
    if (w->count == 0 && w->closing) {
      pthread_mutex_unlock(&w->lock);
      return NULL;
    }
    ts_store_patient *p = w->queue[w->head];
    w->head = (w->head + 1) % w->capacity;
    w->count--;
    int failed = w->failed;
    pthread_cond_signal(&w->not_full);
    pthread_mutex_unlock(&w->lock);
    if (!failed) { /* after a failure the queue is drained without writing, so no worker waits forever */
      ts_error err;
      ts_error_clear(&err);
      if (ts_store_write_patient(w->store, p, &err) != 0) {
        pthread_mutex_lock(&w->lock);
        w->failed = 1;
        w->err = err;
        pthread_cond_broadcast(&w->not_full);
        pthread_mutex_unlock(&w->lock);
      } else if (w->report) {
        w->report(w->ctx, p);
      }
    }
    free(p);
  }
}

int ts_writer_start(ts_store *store, size_t capacity, ts_writer_report report, void *ctx, ts_writer **out,
                    ts_error *err) {
  ts_writer *w = calloc(1, sizeof *w);
  if (!w || !(w->queue = calloc(capacity ? capacity : 1, sizeof *w->queue))) {
    free(w);
    return ts_fail(err, TS_E_NOMEM, "out of memory");
  }
  *w =
      (ts_writer){.store = store, .report = report, .ctx = ctx, .queue = w->queue, .capacity = capacity ? capacity : 1};
  if (pthread_mutex_init(&w->lock, NULL) != 0 || pthread_cond_init(&w->not_empty, NULL) != 0 ||
      pthread_cond_init(&w->not_full, NULL) != 0 || pthread_create(&w->thread, NULL, write_loop, w) != 0) {
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
  while (w->count == w->capacity && !w->failed)
    pthread_cond_wait(&w->not_full, &w->lock);
  if (w->failed) {
    *err = w->err;
    pthread_mutex_unlock(&w->lock);
    free(copy);
    return -1;
  }
  w->queue[(w->head + w->count) % w->capacity] = copy;
  w->count++;
  pthread_cond_signal(&w->not_empty);
  pthread_mutex_unlock(&w->lock);
  return 0;
}

int ts_writer_finish(ts_writer *w, ts_error *err) {
  if (!w)
    return 0;
  pthread_mutex_lock(&w->lock);
  w->closing = 1;
  pthread_cond_signal(&w->not_empty);
  pthread_mutex_unlock(&w->lock);
  pthread_join(w->thread, NULL);
  int rc = 0;
  if (w->failed) {
    *err = w->err;
    rc = -1;
  }
  pthread_mutex_destroy(&w->lock);
  pthread_cond_destroy(&w->not_empty);
  pthread_cond_destroy(&w->not_full);
  free(w->queue);
  free(w);
  return rc;
}
