/* twinsim summary DB [--reference ARM] [--ties breslow|efron]: the statistics of a trial, per arm and against a
 * reference arm, read from a results database (tables patients and endpoints), printed, and stored in its table
 * `summary`. The statistics are computed by trial_summary.c (which `twinsim report` shares); this file prints and
 * stores them. Definitions: docs/statistics.md; the table: docs/storage.md.
 *
 * Exit status: 0 printed (and stored, unless the file is read-only: then a note on stderr), 2 a missing or unreadable
 * file, or one that is not a twinsim results database, or storing failed; 3 out of memory. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "cli.h"
#include "results_db.h"
#include "trial_summary.h"

/* Prints the summary in its fixed-width layout: a header, then per arm its lines (label, value, detail, interval). */
static void print_summary(const char *path, const ts_summary *s) {
  printf("twinsim summary: %s\n", path);
  if (s->n_arms == 0) {
    printf("  not available: no patients in the database\n");
    return;
  }
  printf("  scenario %s, run %s, %zu arm%s, %s\n", s->scenario_name ? s->scenario_name : "?",
         s->status ? s->status : "?", s->n_arms, s->n_arms == 1 ? "" : "s", ts_summary_design(s));
  if (s->status && strcmp(s->status, "complete") != 0)
    printf("  note: the run is %s: these are the statistics of the patients written so far\n", s->status);
  printf("  reference arm: %s\n", s->arms[0].name);
  printf("  95%% CIs: ORR and grade rates Clopper-Pearson; medians Kaplan-Meier with Brookmeyer-Crowley (log-log);\n"
         "  hazard ratios Cox (%s ties), Wald. Failed patients enter no statistic. See docs/statistics.md\n",
         s->ties == TS_COX_EFRON ? "Efron" : "Breslow");
  for (size_t i = 0; i < s->n_lines; i++) {
    const ts_summary_line *l = &s->lines[i];
    if (i == 0 || l->arm != s->lines[i - 1].arm)
      printf("\narm %s%s\n", s->arms[l->arm].name, l->arm == 0 ? " (reference)" : "");
    if (!l->label)
      printf("    %s\n", l->value);
    else if (*l->ci)
      printf("  %-32s %-14s %-24s %s\n", l->label, l->value, l->detail, l->ci);
    else if (*l->detail)
      printf("  %-32s %-14s %s\n", l->label, l->value, l->detail);
    else
      printf("  %-32s %s\n", l->label, l->value);
  }
}

/* ---- storing ----------------------------------------------------------------------------------------------------- */

static int bind_real_or_null(sqlite3_stmt *st, int i, double v) {
  return isnan(v) ? sqlite3_bind_null(st, i) : sqlite3_bind_double(st, i, v);
}

static int store_rows(sqlite3 *db, const char *path, const ts_summary *s, ts_error *err) {
  if (sqlite3_exec(db,
                   "BEGIN IMMEDIATE;"
                   "CREATE TABLE IF NOT EXISTS summary (arm TEXT NOT NULL, statistic TEXT NOT NULL, value REAL, "
                   "lower REAL, upper REAL, detail TEXT, PRIMARY KEY (arm, statistic));"
                   "DELETE FROM summary;",
                   NULL, NULL, NULL) != SQLITE_OK) {
    int rc = ts_fail(err, TS_E_IO, "%s: storing the summary: %s", path, sqlite3_errmsg(db));
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
  }
  sqlite3_stmt *st;
  int rc = sqlite3_prepare_v2(db,
                              "INSERT INTO summary (arm, statistic, value, lower, upper, detail) "
                              "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                              -1, &st, NULL);
  for (size_t i = 0; rc == SQLITE_OK && i < s->n_rows; i++) {
    const ts_summary_row *r = &s->rows[i];
    sqlite3_bind_text(st, 1, r->arm, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->statistic, -1, SQLITE_STATIC);
    bind_real_or_null(st, 3, r->value);
    bind_real_or_null(st, 4, r->lower);
    bind_real_or_null(st, 5, r->upper);
    if (r->detail)
      sqlite3_bind_text(st, 6, r->detail, -1, SQLITE_STATIC);
    else
      sqlite3_bind_null(st, 6);
    rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    sqlite3_reset(st);
  }
  if (rc == SQLITE_OK)
    rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
  int out = rc == SQLITE_OK ? 0 : ts_fail(err, TS_E_IO, "%s: storing the summary: %s", path, sqlite3_errmsg(db));
  sqlite3_finalize(st);
  if (out != 0)
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  return out;
}

int ts_cmd_summary(int argc, char **argv) {
  const char *path = NULL, *reference = NULL;
  ts_cox_ties ties = TS_COX_EFRON; /* progressions fall on scan days: Breslow would bias the HR towards 1 */
  for (int i = 0; i < argc; i++) {
    int taken = ts_summary_option("summary", argc, argv, &i, &reference, &ties);
    if (taken > 1)
      return taken;
    if (taken)
      continue;
    if (argv[i][0] == '-') {
      return ts_cli_usage_error("summary: unknown option '%s'", argv[i]);
    } else if (!path) {
      path = argv[i];
    } else {
      return ts_cli_usage_error("summary: one database at a time ('%s' and '%s')", path, argv[i]);
    }
  }
  if (!path)
    return ts_cli_usage_error("summary: usage: twinsim summary DB [--reference ARM] [--ties breslow|efron]");
  ts_error err;
  ts_error_clear(&err);
  sqlite3 *db = ts_results_open(path, 1, &err);
  if (!db)
    return ts_cli_report(&err);
  ts_summary s;
  int rc = ts_summary_compute(db, path, reference, ties, &s, &err);
  if (rc == 0)
    print_summary(path, &s);
  if (rc == 0 && s.n_rows > 0) {
    if (sqlite3_db_readonly(db, "main") == 1)
      fprintf(stderr, "twinsim: %s is read-only: the summary was printed but not stored\n", path);
    else
      rc = store_rows(db, path, &s, &err);
  }
  int status = rc == 0 ? 0 : ts_cli_report(&err);
  ts_summary_free(&s);
  sqlite3_close(db);
  return status;
}
