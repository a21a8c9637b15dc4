/* Helpers shared by the cmocka tests: see test_support.h. */
#include "test_support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store_vec.h"

extern char **environ;

typedef struct buffer {
  char *data;
  size_t len, cap;
} buffer;

static void buffer_add(buffer *b, const char *data, size_t n) {
  if (b->len + n + 1 > b->cap) {
    b->cap = (b->len + n + 1) * 2;
    b->data = realloc(b->data, b->cap);
    if (!b->data)
      abort();
  }
  memcpy(b->data + b->len, data, n);
  b->len += n;
  b->data[b->len] = '\0';
}

ts_test_output ts_test_run(const char *const *argv) {
  ts_test_output o = {.status = -1};
  int out_pipe[2], err_pipe[2];
  if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0)
    abort();
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
  posix_spawn_file_actions_addclose(&fa, out_pipe[0]);
  posix_spawn_file_actions_addclose(&fa, err_pipe[0]);
  pid_t pid;
  if (posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ) != 0)
    abort();
  posix_spawn_file_actions_destroy(&fa);
  close(out_pipe[1]);
  close(err_pipe[1]);
  buffer bufs[2] = {{0}, {0}};
  buffer_add(&bufs[0], "", 0);
  buffer_add(&bufs[1], "", 0);
  struct pollfd fds[2] = {{.fd = out_pipe[0], .events = POLLIN}, {.fd = err_pipe[0], .events = POLLIN}};
  int open_fds = 2;
  while (open_fds > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      abort();
    }
    for (int i = 0; i < 2; i++) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP)))
        continue;
      char chunk[4096];
      ssize_t n = read(fds[i].fd, chunk, sizeof chunk);
      if (n > 0) {
        buffer_add(&bufs[i], chunk, (size_t)n);
      } else {
        close(fds[i].fd);
        fds[i].fd = -1;
        open_fds--;
      }
    }
  }
  int wstatus;
  waitpid(pid, &wstatus, 0);
  o.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  o.out = bufs[0].data;
  o.err = bufs[1].data;
  return o;
}

void ts_test_output_free(ts_test_output *o) {
  free(o->out);
  free(o->err);
  o->out = o->err = NULL;
}

const char *ts_test_path(const char *name, const char *ext) {
  static char slots[8][1024];
  static int next;
  char *p = slots[next++ % 8];
  snprintf(p, sizeof slots[0], "%s/%s-%ld.%s", TS_TEST_WORK_DIR, name, (long)getpid(), ext);
  remove(p);
  return p;
}

char *ts_test_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  buffer b = {0};
  buffer_add(&b, "", 0);
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
    buffer_add(&b, chunk, n);
  fclose(f);
  if (len)
    *len = b.len;
  return b.data;
}

int ts_test_write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  if (!f)
    return -1;
  size_t n = strlen(text);
  int ok = fwrite(text, 1, n, f) == n;
  return (fclose(f) == 0 && ok) ? 0 : -1;
}

double ts_test_relerr(double a, double b, double floor) {
  double scale = fabs(b) > floor ? fabs(b) : floor;
  return fabs(a - b) / scale;
}

const char *ts_test_scenario(const char *name, const char *yaml) {
  const char *path = ts_test_path(name, "yaml");
  if (ts_test_write_file(path, yaml) != 0)
    abort();
  return path;
}

void ts_test_simulate(ts_test_sim *s, const char *name, const char *yaml) {
  ts_error err;
  ts_error_clear(&err);
  if (ts_load(ts_test_scenario(name, yaml), &s->loaded, &err) != 0)
    fail_msg("%s", err.message);
  ts_sim_options opt = {.verbosity = TS_LOG_WARNING, .seed = s->loaded.scenario->seed};
  if (ts_sim_create(s->loaded.system, &opt, &s->sim, &err) != 0)
    fail_msg("%s", err.message);
  ts_patient p = {.index = 1, .label = "p", .params = s->loaded.system->params};
  if (ts_sim_run(s->sim, &p, &s->res, &err) != 0)
    fail_msg("%s", err.message);
}

void ts_test_sim_free(ts_test_sim *s) {
  ts_sim_free(s->sim);
  ts_loaded_free(&s->loaded);
}

double ts_test_vector_value(sqlite3 *db, const char *sql, long index) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    fail_msg("%s: %s", sql, sqlite3_errmsg(db));
  if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_type(st, 0) != SQLITE_BLOB)
    fail_msg("%s: no row, or not a vector", sql);
  long n = sqlite3_column_bytes(st, 0) / TS_VEC_BYTES, i = index < 0 ? n + index : index;
  if (i < 0 || i >= n)
    fail_msg("%s: no value %ld in a vector of %ld", sql, index, n);
  double v;
  ts_vec_decode(&v, (const unsigned char *)sqlite3_column_blob(st, 0) + i * TS_VEC_BYTES, 1);
  sqlite3_finalize(st);
  return v;
}
