/* The results writer (core/writer.c): patients put by several threads at once, through a queue smaller than the
 * threads, all reach the store whole, each reported once; a patient the store refuses makes the writer fail, and
 * every later put says so. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store.h"
#include "store_vec.h"
#include "test_support.h"
#include "writer.h"

#define THREADS     4
#define PER_THREAD  60
#define N_TIMES     50
#define PUT_FAILURE -7

static const ts_store_signal signals[] = {{"x", "1", "state"}, {"y", "1", "output"}};

typedef struct putter {
  ts_writer *w;
  int first; /* patient ids first, first + THREADS, ... */
  int rc;
} putter;

/* Patient k: time i, x = k + i, y = -x. */
static void *put_many(void *arg) {
  putter *p = arg;
  double times[N_TIMES], values[2 * N_TIMES];
  for (int n = 0; n < PER_THREAD; n++) {
    int k = p->first + n * THREADS;
    for (int i = 0; i < N_TIMES; i++) {
      times[i] = i;
      values[2 * i] = k + i;
      values[2 * i + 1] = -(k + i);
    }
    char label[32];
    snprintf(label, sizeof label, "p%d", k); /* reused: the writer must copy it */
    ts_store_patient rec = {.patient_id = k, .label = label, .n_times = N_TIMES, .times = times, .values = values};
    ts_error err;
    ts_error_clear(&err);
    if (ts_writer_put(p->w, &rec, &err) != 0) {
      p->rc = PUT_FAILURE;
      return NULL;
    }
    memset(values, 0, sizeof values); /* the copy is the writer's */
    memset(label, 0, sizeof label);
  }
  return NULL;
}

static void count_report(void *ctx, const ts_store_patient *p) {
  int *reported = ctx;
  reported[p->patient_id]++;
}

static ts_store *new_store(const char *path) {
  ts_store_run run = {.scenario_path = "w.yaml", .signals = signals, .n_signals = 2};
  ts_store *st = NULL;
  ts_error err;
  ts_error_clear(&err);
  if (ts_store_create(path, &run, 0, &st, &err) != 0)
    fail_msg("%s", err.message);
  return st;
}

static void test_threads_through_a_small_queue(void **state) {
  (void)state;
  const char *path = ts_test_path("writer", "db");
  ts_store *st = new_store(path);
  static int reported[THREADS * PER_THREAD + 1];
  ts_writer *w = NULL;
  ts_error err;
  ts_error_clear(&err);
  assert_int_equal(ts_writer_start(st, 2, 1, count_report, reported, &w, &err), 0);
  pthread_t threads[THREADS];
  putter p[THREADS];
  for (int t = 0; t < THREADS; t++) {
    p[t] = (putter){.w = w, .first = t + 1};
    assert_int_equal(pthread_create(&threads[t], NULL, put_many, &p[t]), 0);
  }
  for (int t = 0; t < THREADS; t++) {
    pthread_join(threads[t], NULL);
    assert_int_equal(p[t].rc, 0);
  }
  assert_int_equal(ts_writer_finish(w, &err), 0);
  for (int k = 1; k <= THREADS * PER_THREAD; k++)
    assert_int_equal(reported[k], 1);
  assert_int_equal(ts_store_finish(st, "complete", &err), 0);

  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  sqlite3_stmt *s;
  assert_int_equal(sqlite3_prepare_v2(db,
                                      "SELECT p.patient_id, label, n_times, x, y FROM patients p JOIN trajectory USING "
                                      "(patient_id, arm) ORDER BY p.patient_id",
                                      -1, &s, NULL),
                   SQLITE_OK);
  int k = 0;
  while (sqlite3_step(s) == SQLITE_ROW) {
    k++;
    assert_int_equal(sqlite3_column_int(s, 0), k);
    char label[32];
    snprintf(label, sizeof label, "p%d", k);
    assert_string_equal((const char *)sqlite3_column_text(s, 1), label);
    assert_int_equal(sqlite3_column_int(s, 2), N_TIMES);
    double x[N_TIMES], y[N_TIMES];
    assert_int_equal(sqlite3_column_bytes(s, 3), N_TIMES * TS_VEC_BYTES);
    ts_vec_decode(x, sqlite3_column_blob(s, 3), N_TIMES);
    ts_vec_decode(y, sqlite3_column_blob(s, 4), N_TIMES);
    for (int i = 0; i < N_TIMES; i++) {
      assert_true(x[i] == k + i);
      assert_true(y[i] == -(k + i));
    }
  }
  sqlite3_finalize(s);
  assert_int_equal(k, THREADS * PER_THREAD);
  sqlite3_close(db);
}

static void test_refused_patient_fails_the_writer(void **state) {
  (void)state;
  const char *path = ts_test_path("writer-fail", "db");
  ts_store *st = new_store(path);
  ts_writer *w = NULL;
  ts_error err;
  ts_error_clear(&err);
  assert_int_equal(ts_writer_start(st, 4, 1, NULL, NULL, &w, &err), 0);
  double times[] = {0, 1};
  double values[] = {1, 2, 3, 4};
  ts_store_patient rec = {.patient_id = 5, .label = "p", .n_times = 2, .times = times, .values = values};
  assert_int_equal(ts_writer_put(w, &rec, &err), 0);
  assert_int_equal(ts_writer_put(w, &rec, &err), -1); /* patient 5 again: refused by the store */
  assert_non_null(strstr(err.message, "patient 5"));
  rec.patient_id = 6;
  ts_error_clear(&err);
  assert_int_equal(ts_writer_put(w, &rec, &err), -1); /* the writer has failed */
  assert_non_null(strstr(err.message, "patient 5"));
  ts_error_clear(&err);
  assert_int_equal(ts_writer_finish(w, &err), -1);
  assert_non_null(strstr(err.message, "patient 5"));
  assert_int_equal(ts_store_finish(st, "interrupted", &err), 0);
}

/* A batch whose first patient is refused: the batch is still closed, so the store can be finished; the patients of
 * the batches before stay. */
static void test_refused_first_of_a_batch(void **state) {
  (void)state;
  const char *path = ts_test_path("writer-first", "db");
  ts_store *st = new_store(path);
  ts_writer *w = NULL;
  ts_error err;
  ts_error_clear(&err);
  assert_int_equal(ts_writer_start(st, 4, 2, NULL, NULL, &w, &err), 0); /* writes two at a time */
  double times[] = {0, 1};
  double values[] = {1, 2, 3, 4};
  ts_store_patient rec = {.label = "p", .n_times = 2, .times = times, .values = values};
  static const int ids[] = {5, 6, 5, 7}; /* the second batch starts with patient 5 again */
  int rc = 0;
  for (int i = 0; i < 4; i++) {
    rec.patient_id = ids[i];
    rc |= ts_writer_put(w, &rec, &err);
  }
  assert_int_equal(rc, -1);
  assert_int_equal(ts_writer_finish(w, &err), -1);
  assert_non_null(strstr(err.message, "patient 5"));
  ts_error_clear(&err);
  if (ts_store_finish(st, "interrupted", &err) != 0)
    fail_msg("%s", err.message);
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  sqlite3_stmt *s;
  assert_int_equal(sqlite3_prepare_v2(db, "SELECT group_concat(patient_id) FROM patients", -1, &s, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(s), SQLITE_ROW);
  assert_string_equal((const char *)sqlite3_column_text(s, 0), "5,6");
  sqlite3_finalize(s);
  sqlite3_close(db);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_threads_through_a_small_queue),
      cmocka_unit_test(test_refused_patient_fails_the_writer),
      cmocka_unit_test(test_refused_first_of_a_batch),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
