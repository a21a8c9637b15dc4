/* The statistics of a trial, computed once from a results database for every command that shows them: `twinsim
 * summary` prints and stores them, `twinsim report` puts them in its tables. Both show the same text, so a number is
 * formatted in one place (ts_summary_num) and every printed line is kept as its parts.
 *
 * Per arm: patients, failures, ORR with its Clopper-Pearson interval, Kaplan-Meier medians of PFS and OS with
 * Brookmeyer-Crowley intervals, rates of the worst toxicity grade; against the reference (the first arm of the
 * scenario unless another is named): log-rank test and Cox hazard ratio of PFS and OS, and in a paired design (every
 * patient in every arm) the distribution of the per-patient differences of PFS and OS. Definitions:
 * docs/statistics.md; the stored table: docs/storage.md. What cannot be computed is a line "not available: <why>"
 * and a row with a NULL value and that text as its detail. Failed patients have no endpoints and enter no statistic. */
#ifndef TWINSIM_CLI_TRIAL_SUMMARY_H
#define TWINSIM_CLI_TRIAL_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "error.h"
#include "stats.h"

enum { TS_SUMMARY_PFS = 0, TS_SUMMARY_OS = 1 };

/* One arm's endpoints, in patient_id order. */
typedef struct ts_summary_arm {
  char *name;
  size_t n_patients, n_failed;
  size_t n; /* rows of endpoints */
  int64_t *id;
  int *response;   /* 1 CR or PR, 0 another response, -1 none recorded */
  double *time[2]; /* [TS_SUMMARY_PFS], [TS_SUMMARY_OS]; NAN not recorded */
  int *event[2];   /* -1 not recorded */
  int *grade;      /* -1 not recorded */
} ts_summary_arm;

/* One row of the summary table. */
typedef struct ts_summary_row {
  char *arm, *statistic, *detail; /* detail may be NULL */
  double value, lower, upper;     /* NAN is stored as NULL */
} ts_summary_row;

/* One printed line of an arm's section: "  label value detail ci", each part possibly "". A line without a label
 * continues the one before it and is printed indented, with `value` as its whole text. */
typedef struct ts_summary_line {
  size_t arm; /* index in ts_summary.arms */
  char *label, *value, *detail, *ci;
} ts_summary_line;

typedef struct ts_summary {
  ts_summary_arm *arms; /* the reference first, then the scenario's order */
  size_t n_arms;
  int paired;        /* every patient in every arm, and at least two arms */
  int has_endpoints; /* the database has an endpoints table */
  ts_cox_ties ties;
  char *scenario_name, *status; /* from the run table; NULL when absent */
  ts_summary_row *rows;
  size_t n_rows, cap_rows;
  ts_summary_line *lines;
  size_t n_lines, cap_lines;
} ts_summary;

/* Reads the arms and endpoints of the database at `path` (opened as db) and computes every statistic into *s (zeroed
 * first; free with ts_summary_free, also after a failure). reference: an arm's name, or NULL for the scenario's
 * first arm. No patients is not an error: n_arms is 0. Returns 0, or -1 with err set (TS_E_INPUT: not a results
 * database or no such arm; TS_E_IO; TS_E_NOMEM). */
int ts_summary_compute(sqlite3 *db, const char *path, const char *reference, ts_cox_ties ties, ts_summary *s,
                       ts_error *err);

void ts_summary_free(ts_summary *s);

/* The options summary and report share, at argv[*i]: `--reference ARM` and `--ties breslow|efron`. Returns 1 when
 * it took the option (and its value: *i moves past it), 0 when argv[*i] is not one of them, or the CLI's usage-error
 * status (2, message printed, naming `command`) when the value is missing or wrong. */
int ts_summary_option(const char *command, int argc, char **argv, int *i, const char **reference, ts_cox_ties *ties);

/* A number as summary shows it: 5 significant digits (%.5g), or NA for NaN. Returns buf. */
const char *ts_summary_num(char *buf, size_t cap, double v);

/* "paired design (every patient in every arm)", "parallel arms" or "one arm". */
const char *ts_summary_design(const ts_summary *s);

#endif
