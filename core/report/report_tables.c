/* The report's tables: the statistics of every arm exactly as `twinsim summary` prints them, then the run (scenario,
 * versions of twinsim, SUNDIALS and the plugins, solver settings) from tables run and models. */
#include <stdio.h>
#include <string.h>

#include "report.h"

static void statistics_table(ts_report *r, size_t arm) {
  const ts_summary *s = r->summary;
  ts_page *pg = &r->page;
  ts_page_add(pg, "<h3>Arm ");
  ts_page_text(pg, s->arms[arm].name);
  ts_page_add(pg, "%s</h3>\n<table class=\"summary\" data-arm=\"", arm == 0 ? " (reference)" : "");
  ts_page_text(pg, s->arms[arm].name);
  ts_page_add(pg, "\">\n<tr><th>statistic</th><th>value</th><th>detail</th><th>95%% CI</th></tr>\n");
  for (size_t i = 0; i < s->n_lines; i++) {
    const ts_summary_line *l = &s->lines[i];
    if (l->arm != arm)
      continue;
    if (!l->label) { /* the numbers that continue the line before */
      ts_page_add(pg, "<tr><td></td><td class=\"num\" colspan=\"3\">");
      ts_page_text(pg, l->value);
      ts_page_add(pg, "</td></tr>\n");
      continue;
    }
    ts_page_add(pg, "<tr><td>");
    ts_page_text(pg, l->label);
    ts_page_add(pg, "</td><td class=\"num\">");
    ts_page_text(pg, l->value);
    ts_page_add(pg, "</td><td>");
    ts_page_text(pg, l->detail);
    ts_page_add(pg, "</td><td class=\"num\">");
    ts_page_text(pg, l->ci);
    ts_page_add(pg, "</td></tr>\n");
  }
  ts_page_add(pg, "</table>\n");
}

/* Rows of a query as a table with the given headers; returns 0, or -1 when the query cannot be prepared. */
static int query_table(ts_report *r, const char *sql, const char *const *headers, int n_cols) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK)
    return -1;
  ts_page *pg = &r->page;
  ts_page_add(pg, "<table>\n<tr>");
  for (int c = 0; c < n_cols; c++)
    ts_page_add(pg, "<th>%s</th>", headers[c]);
  ts_page_add(pg, "</tr>\n");
  while (sqlite3_step(st) == SQLITE_ROW) {
    ts_page_add(pg, "<tr>");
    for (int c = 0; c < n_cols; c++) {
      ts_page_add(pg, "<td>");
      const unsigned char *v = sqlite3_column_text(st, c);
      ts_page_text(pg, v ? (const char *)v : "");
      ts_page_add(pg, "</td>");
    }
    ts_page_add(pg, "</tr>\n");
  }
  ts_page_add(pg, "</table>\n");
  sqlite3_finalize(st);
  return 0;
}

/* The line of an arm whose label starts with prefix, or NULL. */
static const ts_summary_line *line_of(const ts_summary *s, size_t arm, const char *prefix) {
  for (size_t i = 0; i < s->n_lines; i++)
    if (s->lines[i].arm == arm && s->lines[i].label && strncmp(s->lines[i].label, prefix, strlen(prefix)) == 0)
      return &s->lines[i];
  return NULL;
}

int ts_report_overview(ts_report *r) {
  const ts_summary *s = r->summary;
  ts_page *pg = &r->page;
  static const char *const rows[][2] = {{"ORR (CR+PR)", "ORR (CR+PR)"},
                                        {"PFS median (d)", "PFS median (d)"},
                                        {"OS median (d)", "OS median (d)"},
                                        {"PFS hazard ratio vs", "PFS hazard ratio vs reference"},
                                        {"PFS log-rank vs", "PFS log-rank vs reference"},
                                        {"OS hazard ratio vs", "OS hazard ratio vs reference"},
                                        {"OS log-rank vs", "OS log-rank vs reference"}};
  ts_page_add(pg, "<h2>Key results</h2>\n<table class=\"overview\">\n<tr><th></th>");
  for (size_t a = 0; a < s->n_arms; a++) {
    ts_page_add(pg, "<th>");
    ts_page_text(pg, s->arms[a].name);
    ts_page_add(pg, "%s</th>", a == 0 ? " (reference)" : "");
  }
  ts_page_add(pg, "</tr>\n");
  for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
    if (k >= 3 && s->n_arms < 2)
      break;
    ts_page_add(pg, "<tr><th>");
    ts_page_text(pg, rows[k][1]);
    ts_page_add(pg, "</th>");
    for (size_t a = 0; a < s->n_arms; a++) {
      const ts_summary_line *l = line_of(s, a, rows[k][0]);
      ts_page_add(pg, "<td class=\"num\">");
      if (k >= 3 && a == 0) {
        ts_page_add(pg, "reference");
      } else if (!l) {
        ts_page_add(pg, "&ndash;");
      } else { /* the summary's own texts: value, detail, interval */
        ts_page_text(pg, l->value);
        if (*l->detail) {
          ts_page_add(pg, " (");
          ts_page_text(pg, l->detail);
          ts_page_add(pg, ")");
        }
        if (*l->ci) {
          ts_page_add(pg, "<br>");
          ts_page_text(pg, l->ci);
        }
      }
      ts_page_add(pg, "</td>");
    }
    ts_page_add(pg, "</tr>\n");
  }
  ts_page_add(pg, "</table>\n<p class=\"note\">Every arm's full statistics, with toxicity grades and paired "
                  "differences, are in the tables at the end of the page.</p>\n");
  return 0;
}

int ts_report_tables(ts_report *r) {
  const ts_summary *s = r->summary;
  ts_page *pg = &r->page;
  ts_page_add(pg, "<h2>Statistics per arm</h2>\n");
  if (s->n_arms > 0) {
    ts_page_add(pg, "<p class=\"note\">As <code>twinsim summary</code> prints them (5 significant digits). Reference "
                    "arm: ");
    ts_page_text(pg, s->arms[0].name);
    ts_page_add(pg,
                ". 95%% CIs: ORR and grade rates Clopper-Pearson; medians Kaplan-Meier with Brookmeyer-Crowley "
                "(log-log); hazard ratios Cox (%s ties), Wald. Failed patients enter no statistic "
                "(docs/statistics.md).</p>\n",
                s->ties == TS_COX_EFRON ? "Efron" : "Breslow");
  }
  for (size_t a = 0; a < s->n_arms; a++)
    statistics_table(r, a);

  ts_page_add(pg, "<h2>Run, versions and solver</h2>\n");
  static const char *const kv[] = {"key", "value"};
  if (query_table(r,
                  "SELECT key, value FROM run WHERE key NOT LIKE 'solver.%' AND key <> 'scenario_text' "
                  "ORDER BY key",
                  kv, 2) != 0)
    ts_page_missing(pg, "The database has no run table: the scenario and versions are unknown.");
  ts_page_add(pg, "<h3>Solver settings</h3>\n");
  if (query_table(r, "SELECT key, value FROM run WHERE key LIKE 'solver.%' ORDER BY key", kv, 2) != 0)
    ts_page_missing(pg, "No solver settings recorded.");
  ts_page_add(pg, "<h3>Plugins and models</h3>\n");
  static const char *const models[] = {"instance", "plugin", "plugin version", "model", "model version", "library"};
  if (query_table(r,
                  "SELECT instance, plugin, plugin_version, model, model_version, plugin_file FROM models "
                  "ORDER BY instance",
                  models, 6) != 0)
    ts_page_missing(pg, "The database has no models table: the plugin versions are unknown.");
  ts_page_add(pg, "<h3>Recorded signals</h3>\n");
  static const char *const signals[] = {"signal", "unit", "kind"};
  if (query_table(r, "SELECT name, unit, kind FROM signals ORDER BY column_index", signals, 3) != 0)
    ts_page_missing(pg, "The database has no signals table.");
  char *text = NULL;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(r->db, "SELECT value FROM run WHERE key = 'scenario_text'", -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
    text = (char *)sqlite3_column_text(st, 0);
    ts_page_add(pg, "<h3>Scenario</h3>\n<details><summary>the scenario file stored with the run</summary><pre>");
    ts_page_text(pg, text);
    ts_page_add(pg, "</pre></details>\n");
  }
  sqlite3_finalize(st);
  return 0;
}
