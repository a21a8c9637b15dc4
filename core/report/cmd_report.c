/* twinsim report DB -o DIR [--reference ARM] [--ties breslow|efron] [--force]: an HTML report of a trial, with its
 * figures as SVG and PNG files, written into DIR (index.html). The statistics are those of `twinsim summary` with
 * the same options (trial_summary.c). The database is opened read-only and left as it is.
 *
 * Exit status: 0 written (what could not be drawn is said in the page), 2 bad arguments, a missing file or one that
 * is not a results database, or DIR not writable; 3 out of memory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "report.h"
#include "results_db.h"
#include "yaml_tree.h"

/* The signals table, in column order. */
static int read_signals(ts_report *r) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(r->db, "SELECT name, unit FROM signals ORDER BY column_index", -1, &st, NULL) != SQLITE_OK)
    return ts_fail(r->err, TS_E_INPUT, "%s: not a twinsim results database (%s)", r->db_path, sqlite3_errmsg(r->db));
  int rc = 0;
  while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
    ts_report_signal *s = realloc(r->signals, (r->n_signals + 1) * sizeof *s);
    if (!s) {
      rc = ts_fail(r->err, TS_E_NOMEM, "out of memory");
      break;
    }
    r->signals = s;
    s = &r->signals[r->n_signals++];
    const char *name = (const char *)sqlite3_column_text(st, 0), *unit = (const char *)sqlite3_column_text(st, 1);
    snprintf(s->name, sizeof s->name, "%s", name ? name : "");
    snprintf(s->unit, sizeof s->unit, "%s", unit ? unit : "1");
  }
  sqlite3_finalize(st);
  return rc;
}

/* The signals the endpoints read, from the scenario stored with the run: RECIST's (endpoints: recist: signal:) and
 * the exposure's (endpoints: exposure:). */
static void read_endpoint_signals(ts_report *r) {
  char *text = ts_results_run_value(r->db, "scenario_text");
  ts_yaml_doc *doc = NULL;
  ts_error err;
  if (text && ts_yaml_load_string("scenario", text, strlen(text), &doc, &err) == 0 && doc->root &&
      doc->root->kind == TS_YAML_MAPPING) {
    const ts_yaml_node *e = ts_yaml_get(doc->root, "endpoints");
    const ts_yaml_node *rc = e && e->kind == TS_YAML_MAPPING ? ts_yaml_get(e, "recist") : NULL;
    const ts_yaml_node *sig = rc && rc->kind == TS_YAML_MAPPING ? ts_yaml_get(rc, "signal") : NULL;
    if (sig && sig->kind == TS_YAML_SCALAR)
      snprintf(r->recist_signal, sizeof r->recist_signal, "%s", sig->scalar);
    const ts_yaml_node *exposure = e && e->kind == TS_YAML_MAPPING ? ts_yaml_get(e, "exposure") : NULL;
    if (exposure && exposure->kind == TS_YAML_SCALAR)
      snprintf(r->exposure_signal, sizeof r->exposure_signal, "%s", exposure->scalar);
  }
  ts_yaml_free(doc);
  free(text);
}

static size_t count_patient_ids(sqlite3 *db) {
  sqlite3_stmt *st;
  size_t n = 0;
  if (sqlite3_prepare_v2(db, "SELECT count(DISTINCT patient_id) FROM patients", -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    n = (size_t)sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return n;
}

/* Creates DIR (one level) unless it exists; refuses an existing index.html unless force. */
static int prepare_dir(const char *dir, int force, ts_error *err) {
  struct stat sb;
  if (stat(dir, &sb) == 0) {
    if (!S_ISDIR(sb.st_mode))
      return ts_fail(err, TS_E_IO, "%s exists and is not a folder", dir);
  } else if (mkdir(dir, 0777) != 0) {
    return ts_fail(err, TS_E_IO, "%s: cannot create the folder: %s", dir, strerror(errno));
  }
  char index[4096];
  snprintf(index, sizeof index, "%s/index.html", dir);
  if (!force && stat(index, &sb) == 0)
    return ts_fail(err, TS_E_IO, "%s exists (--force replaces the report)", index);
  return 0;
}

static int build(ts_report *r) {
  if (read_signals(r) != 0)
    return -1;
  read_endpoint_signals(r);
  r->n_patient_ids = count_patient_ids(r->db);
  r->whatif = r->n_patient_ids == 1 && r->summary->n_arms > 1;
  const ts_summary *s = r->summary;
  ts_page_add(&r->page, "<h1>twinsim report: ");
  ts_page_text(&r->page, s->scenario_name ? s->scenario_name : r->db_path);
  ts_page_add(&r->page, "</h1>\n<p class=\"note\">Results database <code>");
  ts_page_text(&r->page, r->db_path);
  ts_page_add(&r->page,
              "</code>: %zu arm%s, %zu patient%s, %s. Every statistic is the one <code>twinsim summary</code> "
              "prints for this database; figures are SVG files with PNG copies beside this page.</p>\n",
              s->n_arms, s->n_arms == 1 ? "" : "s", r->n_patient_ids, r->n_patient_ids == 1 ? "" : "s",
              ts_summary_design(s));
  if (s->status && strcmp(s->status, "complete") != 0)
    ts_page_missing(&r->page, "The run is %s: this report shows the patients written so far.", s->status);
  if (s->n_arms == 0) {
    ts_page_missing(&r->page, "No patients in the database: there is nothing to report.");
    return ts_report_tables(r);
  }
  if (r->whatif)
    return ts_report_whatif(r) != 0 || ts_report_tables(r) != 0 ? -1 : 0;
  if (ts_report_overview(r) != 0 || ts_report_km(r) != 0 || ts_report_response(r) != 0 || ts_report_profiles(r) != 0 ||
      ts_report_neutrophils(r) != 0 || ts_report_tables(r) != 0)
    return -1;
  return 0;
}

int ts_cmd_report(int argc, char **argv) {
  const char *path = NULL, *dir = NULL, *reference = NULL;
  int force = 0;
  ts_cox_ties ties = TS_COX_EFRON; /* as summary's default */
  for (int i = 0; i < argc; i++) {
    int taken = ts_summary_option("report", argc, argv, &i, &reference, &ties);
    if (taken > 1)
      return taken;
    if (taken)
      continue;
    if (strcmp(argv[i], "-o") == 0) {
      if (++i >= argc)
        return ts_cli_usage_error("report: -o needs a folder");
      dir = argv[i];
    } else if (strcmp(argv[i], "--force") == 0) {
      force = 1;
    } else if (argv[i][0] == '-') {
      return ts_cli_usage_error("report: unknown option '%s'", argv[i]);
    } else if (!path) {
      path = argv[i];
    } else {
      return ts_cli_usage_error("report: one database at a time ('%s' and '%s')", path, argv[i]);
    }
  }
  if (!path || !dir)
    return ts_cli_usage_error(
        "report: usage: twinsim report DB -o DIR [--reference ARM] [--ties breslow|efron] [--force]");
  ts_error err;
  ts_error_clear(&err);
  sqlite3 *db = ts_results_open(path, 0, &err);
  if (!db)
    return ts_cli_report(&err);
  ts_summary s;
  ts_report r = {.db = db, .db_path = path, .dir = dir, .summary = &s, .err = &err};
  int rc = ts_summary_compute(db, path, reference, ties, &s, &err);
  if (rc == 0)
    rc = prepare_dir(dir, force, &err);
  if (rc == 0)
    rc = build(&r);
  char index[4096];
  snprintf(index, sizeof index, "%s/index.html", dir);
  if (rc == 0)
    rc = ts_page_write(&r.page, index, s.scenario_name ? s.scenario_name : path, &err);
  if (rc == 0)
    printf("twinsim report: %s (%zu figures)\n", index, r.page.n_figures);
  int status = rc == 0 ? 0 : ts_cli_report(&err);
  ts_page_free(&r.page);
  free(r.signals);
  ts_summary_free(&s);
  sqlite3_close(db);
  return status;
}
