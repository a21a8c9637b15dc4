/* Never losing work: a run interrupted with SIGINT stores every patient it simulated and exits 130; a run killed
 * with SIGKILL at random moments leaves a valid database, `--resume` completes
 * exactly the missing simulations and the result equals an uninterrupted run's; shards merged equal an unsharded
 * run; bad shard specs and resuming another scenario are refused with exit 2 and nothing overwritten. */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "test_support.h"

extern char **environ;

/* scenarios/rp1_trial.yaml with 300 patients instead of 1,000 (a run takes about 0.3 s, under ASan a few). */
static char scenario_path[1024];
#define SCENARIO scenario_path

static void make_scenario(void) {
  char *text = ts_test_read_file(TS_TEST_SOURCE_DIR "/scenarios/rp1_trial.yaml", NULL);
  assert_non_null(text);
  char *size = strstr(text, "size: 1000");
  assert_non_null(size);
  memcpy(size, "size:  300", 10);
  snprintf(scenario_path, sizeof scenario_path, "%s", ts_test_path("rp1_300", "yaml"));
  assert_int_equal(ts_test_write_file(scenario_path, text), 0);
  free(text);
}

static double query(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    fail_msg("%s: %s", sql, sqlite3_errmsg(db));
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  double v = sqlite3_column_double(st, 0);
  sqlite3_finalize(st);
  return v;
}

static int run_cli(const char *a1, const char *a2, const char *a3, const char *a4, const char *a5, const char *a6) {
  const char *argv[] = {TS_TEST_CLI, a1, a2, a3, a4, a5, a6, NULL};
  ts_test_output o = ts_test_run(argv);
  int status = o.status;
  ts_test_output_free(&o);
  return status;
}

/* Rows of the per-patient tables that are in one database and not the other (0: the same results). */
static double differences(const char *a, const char *b) {
  sqlite3 *db;
  assert_int_equal(sqlite3_open(a, &db), SQLITE_OK);
  char sql[2400];
  snprintf(sql, sizeof sql, "ATTACH '%s' AS other", b);
  assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
  static const char *const tables[] = {"patients", "parameters", "trajectory", "events"};
  double total = 0;
  for (size_t i = 0; i < 4; i++) {
    snprintf(sql, sizeof sql,
             "SELECT (SELECT count(*) FROM (SELECT * FROM %s EXCEPT SELECT * FROM other.%s)) + "
             "(SELECT count(*) FROM (SELECT * FROM other.%s EXCEPT SELECT * FROM %s))",
             tables[i], tables[i], tables[i], tables[i]);
    total += query(db, sql);
  }
  sqlite3_close(db);
  return total;
}

/* Starts `twinsim run SCENARIO -o db -q -j 2` and kills it with SIGKILL after `delay_us`. */
static void run_and_kill(const char *db, long delay_us) {
  const char *argv[] = {TS_TEST_CLI, "run", SCENARIO, "-o", db, "-q", "-j", "2", NULL};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", 0, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", 0, 0);
  pid_t pid;
  assert_int_equal(posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  struct timespec pause = {delay_us / 1000000, (delay_us % 1000000) * 1000};
  nanosleep(&pause, NULL);
  kill(pid, SIGKILL);
  int status;
  waitpid(pid, &status, 0);
}

static void test_kill_and_resume(void **state) {
  (void)state;
  const char *full = ts_test_path("full", "db");
  assert_int_equal(run_cli("run", SCENARIO, "-o", full, "-q", NULL), 0);
  srand((unsigned)time(NULL));
  for (int attempt = 0; attempt < 4; attempt++) {
    const char *part = ts_test_path("killed", "db");
    long delay = 20000 + rand() % 300000; /* 0.02 to 0.32 s into a run of about 0.4 s (Release) */
    run_and_kill(part, delay);
    sqlite3 *db;
    if (sqlite3_open_v2(part, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
      sqlite3_close(db); /* killed before the file was made: nothing to resume */
      continue;
    }
    char check[64] = "";
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
      snprintf(check, sizeof check, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    int has_patients = sqlite3_exec(db, "SELECT 1 FROM patients LIMIT 1", NULL, NULL, NULL) == SQLITE_OK;
    double done = has_patients ? query(db, "SELECT count(*) FROM patients") : 0;
    /* every committed (patient, arm) is whole: one trajectory row, with all 366 output times */
    double whole = has_patients ? query(db, "SELECT count(*) FROM trajectory WHERE n_times = 366") : 0;
    double rows = has_patients ? query(db, "SELECT count(*) FROM trajectory") : 0;
    sqlite3_close(db);
    if (!has_patients) /* killed while the schema was being made: the file is refused, as it should be */
      continue;
    assert_string_equal(check, "ok");
    print_message("killed after %.2f s with %.0f of 600 simulations committed\n", delay / 1e6, done);
    assert_float_equal(whole, done, 0);
    assert_float_equal(rows, done, 0);
    assert_int_equal(run_cli("run", SCENARIO, "-o", part, "--resume", "-q"), 0);
    assert_float_equal(differences(full, part), 0, 0);
  }
}

/* Ctrl-C loses nothing simulated: `twinsim run -j 2` interrupted with SIGINT at random moments exits 130, says how
 * many simulations it stored, and the database holds exactly those, whole, closed as 'interrupted'; --resume then
 * completes it to the uninterrupted run. (A run that finished before the signal exits 0: nothing to check.) */
static void test_interrupt_stores_every_simulated_patient(void **state) {
  (void)state;
  const char *full = ts_test_path("full_int", "db");
  assert_int_equal(run_cli("run", SCENARIO, "-o", full, "-q", NULL), 0);
  int checked = 0;
  for (int attempt = 0; attempt < 3; attempt++) {
    const char *part = ts_test_path("interrupted", "db"), *said = ts_test_path("interrupted", "txt");
    const char *argv[] = {TS_TEST_CLI, "run", SCENARIO, "-o", part, "-q", "-j", "2", NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, said, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid;
    assert_int_equal(posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    long delay_us = 30000 + rand() % 120000; /* a run takes about 0.3 s at -j 2 (Release), seconds under ASan */
    struct timespec pause = {0, delay_us * 1000};
    nanosleep(&pause, NULL);
    kill(pid, SIGINT);
    int status;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGINT)
      continue; /* the signal came before twinsim started to listen for it (a slow start, e.g. under ASan) */
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 0)
      continue;
    assert_int_equal(WEXITSTATUS(status), 130);
    char *text = ts_test_read_file(said, NULL);
    assert_non_null(text);
    const char *msg = strstr(text, "interrupted by SIGINT: ");
    unsigned long stored = 0, planned = 0;
    if (!msg || sscanf(msg, "interrupted by SIGINT: %lu of %lu simulations", &stored, &planned) != 2)
      fail_msg("no interruption message in: %s", text);
    free(text);
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(part, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    print_message("interrupted after %.2f s with %lu of %lu simulations stored\n", delay_us / 1e6, stored, planned);
    assert_int_equal(planned, 600);
    assert_float_equal(query(db, "SELECT count(*) FROM patients"), (double)stored, 0);
    assert_float_equal(query(db, "SELECT count(*) FROM trajectory WHERE n_times = 366"), (double)stored, 0);
    assert_float_equal(query(db, "SELECT value = 'interrupted' FROM run WHERE key = 'status'"), 1, 0);
    sqlite3_close(db);
    assert_int_equal(run_cli("run", SCENARIO, "-o", part, "--resume", "-q"), 0);
    assert_float_equal(differences(full, part), 0, 0);
    checked++;
  }
  assert_true(checked > 0);
}

/* A stop asked before the run starts (Ctrl-C while the scenario loads) simulates nothing and leaves an existing
 * database as it was, even with --force. */
static void test_interrupt_before_start_touches_nothing(void **state) {
  (void)state;
  const char *db = ts_test_path("untouched", "db");
  assert_int_equal(ts_test_write_file(db, "not a database, and it stays\n"), 0);
  ts_loaded loaded;
  ts_error err;
  ts_error_clear(&err);
  assert_int_equal(ts_load(SCENARIO, &loaded, &err), 0);
  atomic_int stop = SIGINT;
  ts_run_options opt = {.output_path = db, .replace = 1, .quiet = 1, .jobs = 2, .interrupt = &stop};
  ts_run_summary summary;
  assert_int_equal(ts_run(&loaded, &opt, &summary, &err), 0);
  ts_loaded_free(&loaded);
  assert_true(summary.interrupted);
  assert_false(summary.opened);
  assert_int_equal(summary.n_stored, 0);
  assert_int_equal(summary.n_planned, 600);
  char *text = ts_test_read_file(db, NULL);
  assert_non_null(text);
  assert_string_equal(text, "not a database, and it stays\n");
  free(text);
}

static void test_shards_merge_to_the_unsharded_run(void **state) {
  (void)state;
  const char *full = ts_test_path("unsharded", "db"), *merged = ts_test_path("merged", "db");
  const char *shard[3] = {ts_test_path("shard1", "db"), ts_test_path("shard2", "db"), ts_test_path("shard3", "db")};
  assert_int_equal(run_cli("run", SCENARIO, "-o", full, "-q", NULL), 0);
  char spec[3][8] = {"1/3", "2/3", "3/3"};
  for (int k = 0; k < 3; k++)
    assert_int_equal(run_cli("run", SCENARIO, "-o", shard[k], "--shard", spec[k]), 0);
  /* a missing shard is refused */
  assert_int_equal(run_cli("merge", merged, shard[0], shard[2], NULL, NULL), 2);
  assert_int_equal(run_cli("merge", merged, shard[2], shard[0], shard[1], NULL), 0);
  assert_float_equal(differences(full, merged), 0, 0);
  /* a shard of another results schema is refused, naming it */
  sqlite3 *db;
  assert_int_equal(sqlite3_open(shard[1], &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, "UPDATE run SET value = '2' WHERE key = 'schema_version'", NULL, NULL, NULL),
                   SQLITE_OK);
  sqlite3_close(db);
  const char *merged2 = ts_test_path("merged2", "db");
  const char *argv[] = {TS_TEST_CLI, "merge", merged2, shard[0], shard[1], shard[2], NULL};
  ts_test_output o = ts_test_run(argv);
  assert_int_equal(o.status, 2);
  if (!strstr(o.err, shard[1]) || !strstr(o.err, "results schema 2, this one 3"))
    fail_msg("unclear message: %s", o.err);
  ts_test_output_free(&o);
  assert_int_equal(access(merged2, F_OK), -1);
}

static void test_bad_shards_and_resume(void **state) {
  (void)state;
  const char *db = ts_test_path("bad", "db");
  assert_int_equal(run_cli("run", SCENARIO, "-o", db, "--shard", "3/2"), 2);
  assert_int_equal(run_cli("run", SCENARIO, "-o", db, "--shard", "0/2"), 2);
  assert_int_equal(run_cli("run", SCENARIO, "-o", db, "--shard", "1/x"), 2);
  assert_int_equal(access(db, F_OK), -1);
  /* a database of another scenario is neither resumed nor overwritten */
  assert_int_equal(run_cli("run", TS_TEST_SOURCE_DIR "/scenarios/demo.yaml", "-o", db, "-q", NULL), 0);
  size_t before_len;
  char *before = ts_test_read_file(db, &before_len);
  assert_int_equal(run_cli("run", SCENARIO, "-o", db, "--resume", "-q"), 2);
  assert_int_equal(run_cli("run", SCENARIO, "-o", db, "-q", NULL), 2);
  size_t after_len;
  char *after = ts_test_read_file(db, &after_len);
  assert_int_equal(before_len, after_len);
  assert_memory_equal(before, after, before_len);
  free(before);
  free(after);
}

/* A database of results schema 2 (one trajectory row per output time) is not resumed: the message says why. */
static void test_resume_of_schema_2_refused(void **state) {
  (void)state;
  const char *db = ts_test_path("schema2", "db");
  assert_int_equal(run_cli("run", SCENARIO, "-o", db, "--shard", "1/100"), 0);
  sqlite3 *h;
  assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
  assert_int_equal(sqlite3_exec(h,
                                "UPDATE run SET value = '2' WHERE key = 'schema_version'; "
                                "UPDATE run SET value = 'running' WHERE key = 'status'",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  sqlite3_close(h);
  const char *argv[] = {TS_TEST_CLI, "run", SCENARIO, "-o", db, "--resume", "-q", "--shard", "1/100", NULL};
  ts_test_output o = ts_test_run(argv);
  assert_int_equal(o.status, 2);
  if (!strstr(o.err, "results schema 2, this one 3") || !strstr(o.err, "cannot be resumed"))
    fail_msg("unclear message: %s", o.err);
  ts_test_output_free(&o);
}

int main(void) {
  make_scenario();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_kill_and_resume),
      cmocka_unit_test(test_interrupt_stores_every_simulated_patient),
      cmocka_unit_test(test_interrupt_before_start_touches_nothing),
      cmocka_unit_test(test_shards_merge_to_the_unsharded_run),
      cmocka_unit_test(test_bad_shards_and_resume),
      cmocka_unit_test(test_resume_of_schema_2_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
