/* `twinsim summary` and `twinsim export`, run as a user would.
 *
 * - A small simulated trial (two paired arms, RECIST, death and toxicity endpoints): every number that `summary`
 *   prints, and every value it stores in table `summary`, equals what core/stats.h gives for the same data, read
 *   back here with SQL (the statistics themselves are checked against published examples in tests/core/test_stats.c).
 * - The 6-MP leukaemia trial (Freireich et al. 1963) written as a database: `summary` prints the published numbers
 *   (Kleinbaum & Klein, Survival Analysis, 3rd ed., chapters 2 and 3; R survival 3.5-3 for the log-log intervals).
 * - `export`: every CSV file parses back (RFC 4180) to exactly the table's rows; the trajectory in long format has
 *   one line per output time and signal; existing files are refused unless --force.
 * - Degenerate databases (one arm, no events, failed patients, no endpoints, not a database) print "not available"
 *   lines and exit 0, or exit 2 for a file that is not a results database. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "stats.h"
#include "store.h"
#include "store_vec.h"
#include "test_support.h"

/* ---- running the CLI -------------------------------------------------------------------------------------------- */

static ts_test_output cli(const char *a1, const char *a2, const char *a3, const char *a4, const char *a5) {
  const char *argv[] = {TS_TEST_CLI, a1, a2, a3, a4, a5, NULL};
  return ts_test_run(argv);
}

/* Runs `twinsim summary DB` (and extra arguments), expecting exit 0; the caller frees. */
static ts_test_output summary_ok(const char *db, const char *a2, const char *a3) {
  ts_test_output o = cli("summary", db, a2, a3, NULL);
  if (o.status != 0)
    fail_msg("summary %s: exit %d\nstdout:\n%s\nstderr:\n%s", db, o.status, o.out, o.err);
  return o;
}

/* The section of the output for one arm: from "\narm NAME" up to the next arm (a static copy, one of four). */
static const char *arm_section(const char *out, const char *arm) {
  static char ring[4][65536];
  static int next;
  char *buf = ring[next++ % 4];
  char head[256];
  snprintf(head, sizeof head, "\narm %s", arm);
  const char *s = out;
  for (;;) { /* "arm A" must not match "arm AB" */
    s = strstr(s, head);
    if (!s)
      fail_msg("no section for arm %s in:\n%s", arm, out);
    char c = s[strlen(head)];
    if (c == '\n' || c == ' ')
      break;
    s++;
  }
  const char *end = strstr(s + 1, "\narm ");
  size_t len = end ? (size_t)(end - s) : strlen(s);
  if (len >= sizeof ring[0])
    len = sizeof ring[0] - 1;
  memcpy(buf, s, len);
  buf[len] = '\0';
  return buf;
}

/* The line of a section that starts with "  label " (a static copy, without the newline). */
static const char *line_of(const char *section, const char *label) {
  static char buf[1024];
  char head[256];
  snprintf(head, sizeof head, "\n  %s ", label);
  const char *s = strstr(section, head);
  if (!s)
    fail_msg("no line '%s' in:\n%s", label, section);
  s += 1;
  size_t len = strcspn(s, "\n");
  snprintf(buf, sizeof buf, "%.*s", (int)len, s);
  return buf;
}

/* The line after the one starting with label (the paired-effect numbers). */
static const char *line_after(const char *section, const char *label) {
  static char buf[1024];
  char head[256];
  snprintf(head, sizeof head, "\n  %s ", label);
  const char *s = strstr(section, head);
  if (!s || !(s = strchr(s + 1, '\n')))
    fail_msg("no line after '%s' in:\n%s", label, section);
  s++;
  snprintf(buf, sizeof buf, "%.*s", (int)strcspn(s, "\n"), s);
  return buf;
}

static void expect_in(const char *line, const char *text) {
  if (!strstr(line, text))
    fail_msg("expected '%s' in:\n%s", text, line);
}

/* Numbers as summary prints them: 5 significant digits, NA for NaN. */
static const char *g5(double v) {
  static char ring[16][40];
  static int k;
  char *b = ring[k++ % 16];
  if (isnan(v))
    snprintf(b, 40, "NA");
  else
    snprintf(b, 40, "%.5g", v);
  return b;
}

static const char *ci(double lo, double hi) {
  static char ring[8][96];
  static int k;
  char *b = ring[k++ % 8];
  if (isnan(lo) && isnan(hi))
    snprintf(b, 96, "95%% CI NA");
  else
    snprintf(b, 96, "95%% CI %s to %s", g5(lo), g5(hi));
  return b;
}

/* ---- reading back ---------------------------------------------------------------------------------------------- */

static sqlite3 *open_db(const char *path) {
  sqlite3 *db = NULL;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
    fail_msg("cannot open %s", path);
  return db;
}

static double query1(sqlite3 *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static double query1(sqlite3 *db, const char *fmt, ...) {
  char sql[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(sql, sizeof sql, fmt, ap);
  va_end(ap);
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    fail_msg("%s: %s", sql, sqlite3_errmsg(db));
  if (sqlite3_step(st) != SQLITE_ROW)
    fail_msg("%s: no row", sql);
  double v = sqlite3_column_type(st, 0) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 0);
  sqlite3_finalize(st);
  return v;
}

/* A stored summary row: value, lower, upper (NAN for NULL) and detail; fails when the row is missing. */
typedef struct stored {
  double value, lower, upper;
  char detail[512];
} stored;

static stored stored_row(sqlite3 *db, const char *arm, const char *statistic) {
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(db,
                                      "SELECT value, lower, upper, detail FROM summary WHERE arm = ?1 AND "
                                      "statistic = ?2",
                                      -1, &st, NULL),
                   SQLITE_OK);
  sqlite3_bind_text(st, 1, arm, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, statistic, -1, SQLITE_STATIC);
  if (sqlite3_step(st) != SQLITE_ROW)
    fail_msg("no summary row (%s, %s)", arm, statistic);
  stored r;
  double *v[3] = {&r.value, &r.lower, &r.upper};
  for (int i = 0; i < 3; i++)
    *v[i] = sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
  snprintf(r.detail, sizeof r.detail, "%s", sqlite3_column_text(st, 3) ? (const char *)sqlite3_column_text(st, 3) : "");
  sqlite3_finalize(st);
  return r;
}

static void check_same(const char *what, double got, double want) {
  int ok = isnan(want) ? isnan(got) : fabs(got - want) <= 1e-12 * fmax(1, fabs(want));
  if (!ok)
    fail_msg("%s: stored %.17g, computed %.17g", what, got, want);
}

static void check_stored(sqlite3 *db, const char *arm, const char *statistic, double v, double lo, double hi) {
  stored r = stored_row(db, arm, statistic);
  char what[128];
  snprintf(what, sizeof what, "%s %s value", arm, statistic);
  check_same(what, r.value, v);
  snprintf(what, sizeof what, "%s %s lower", arm, statistic);
  check_same(what, r.lower, lo);
  snprintf(what, sizeof what, "%s %s upper", arm, statistic);
  check_same(what, r.upper, hi);
}

/* One arm's endpoints, read with SQL. */
typedef struct arm_rows {
  size_t n;
  double time[2][256];
  int event[2][256];
  int grade[256];
  size_t responders, evaluable;
} arm_rows;

static void read_arm(sqlite3 *db, const char *arm, arm_rows *a) {
  memset(a, 0, sizeof *a);
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(db,
                                      "SELECT pfs_time, pfs_event, os_time, os_event, worst_grade, "
                                      "best_response FROM endpoints WHERE arm = ?1",
                                      -1, &st, NULL),
                   SQLITE_OK);
  sqlite3_bind_text(st, 1, arm, -1, SQLITE_STATIC);
  while (sqlite3_step(st) == SQLITE_ROW) {
    assert_true(a->n < 256);
    for (int e = 0; e < 2; e++) {
      a->time[e][a->n] = sqlite3_column_type(st, 2 * e) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 2 * e);
      a->event[e][a->n] = sqlite3_column_type(st, 2 * e + 1) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 2 * e + 1);
    }
    a->grade[a->n] = sqlite3_column_type(st, 4) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 4);
    const char *best = (const char *)sqlite3_column_text(st, 5);
    if (best) {
      a->evaluable++;
      a->responders += strcmp(best, "CR") == 0 || strcmp(best, "PR") == 0;
    }
    a->n++;
  }
  sqlite3_finalize(st);
}

/* ---- a simulated trial ----------------------------------------------------------------------------------------- */

static const char trial_yaml[] =
    "twinsim: 1\nname: summary_trial\nseed: 7\nmodel:\n"
    "  pk:\n    model: pk/one_compartment\n    parameters: {CL: 20 L/d, V: 10 L}\n"
    "  tumor:\n    model: tumor/gompertz\n"
    "    parameters: {alpha: 0.02 1/d, N0: 5e10 cells, K: 1e12 cells, Emax: 0.15 1/d, EC50: 1 mg/L}\n"
    "    inputs: {C: pk.C}\n"
    "  tox:\n    model: toxicity/friberg\n    parameters: {slope: 0.3 L/mg}\n    inputs: {C: pk.C}\n"
    "cohort:\n  size: 30\n  parameters:\n    tumor.alpha: {distribution: lognormal, cv: 50%}\n"
    "    tumor.Emax: {distribution: lognormal, cv: 60%}\n    tox.slope: {distribution: lognormal, cv: 60%}\n"
    "arms:\n  - name: treated\n    doses:\n"
    "      - {target: pk.central, amount: 100 mg, duration: 1 h, interval: 7 d, count: 20}\n"
    "  - name: control\n"
    "observations:\n  - {signal: tumor.diameter, every: 4 wk, proportional_error: 5%}\n"
    "endpoints:\n  recist: {signal: tumor.diameter}\n  death: {signal: tumor.N, above: 6e11 cells}\n"
    "  toxicity: tox.grade\n"
    "horizon: 300 d\noutput:\n  every: 2 d\n  signals: [pk.C, tumor.N, tox.ANC]\nsolver: {nonnegative: true}\n";

static const char *trial_db(void) {
  static char path[1024];
  if (!path[0]) {
    snprintf(path, sizeof path, "%s", ts_test_path("summary_trial", "db"));
    ts_test_output o = cli("run", ts_test_scenario("summary_trial", trial_yaml), "-o", path, "--quiet");
    if (o.status != 0 && o.status != 1) /* 1: some patient failed, which is allowed here */
      fail_msg("run: exit %d: %s", o.status, o.err);
    ts_test_output_free(&o);
  }
  return path;
}

static void check_arm(sqlite3 *db, const char *out, const char *arm) {
  const char *sec = arm_section(out, arm);
  arm_rows a;
  read_arm(db, arm, &a);
  /* patients */
  double n_pat = query1(db, "SELECT count(*) FROM patients WHERE arm = '%s'", arm);
  double n_failed = query1(db, "SELECT count(*) FROM patients WHERE arm = '%s' AND status = 'failed'", arm);
  char buf[128];
  const char *line = line_of(sec, "patients");
  snprintf(buf, sizeof buf, " %.0f ", n_pat);
  expect_in(line, buf);
  snprintf(buf, sizeof buf, "%.0f failed, %zu with endpoints", n_failed, a.n);
  expect_in(line, buf);
  check_stored(db, arm, "patients", n_pat, NAN, NAN);
  check_stored(db, arm, "failed", n_failed, NAN, NAN);
  /* ORR */
  ts_proportion p = ts_clopper_pearson(a.responders, a.evaluable, 0.95);
  line = line_of(sec, "ORR (CR+PR)");
  snprintf(buf, sizeof buf, " %s ", g5(p.p));
  expect_in(line, buf);
  snprintf(buf, sizeof buf, " %zu/%zu ", a.responders, a.evaluable);
  expect_in(line, buf);
  expect_in(line, ci(p.lower, p.upper));
  check_stored(db, arm, "orr", p.p, p.lower, p.upper);
  /* medians */
  static const char *const label[2] = {"PFS median (d)", "OS median (d)"}, *const key[2] = {"pfs_median", "os_median"};
  ts_surv_obs work[512];
  for (int e = 0; e < 2; e++) {
    ts_km_result km;
    ts_km(a.time[e], a.event[e], a.n, work, NULL, &km);
    line = line_of(sec, label[e]);
    snprintf(buf, sizeof buf, " %s ", isnan(km.median) ? "not reached" : g5(km.median));
    expect_in(line, buf);
    snprintf(buf, sizeof buf, " %zu events in %zu ", km.n_events, km.n);
    expect_in(line, buf);
    expect_in(line, ci(km.median_lower, km.median_upper));
    check_stored(db, arm, key[e], km.median, km.median_lower, km.median_upper);
  }
  /* grades */
  ts_grade_rates g = ts_grade_rates_of(a.grade, a.n);
  assert_true(g.n > 0);
  for (int k = 0; k < 6; k++) {
    char lab[64], stat[16];
    snprintf(lab, sizeof lab, "worst toxicity grade %d", k);
    snprintf(stat, sizeof stat, "grade_%d", k);
    ts_proportion q = ts_clopper_pearson(g.count[k], g.n, 0.95);
    line = line_of(sec, lab);
    snprintf(buf, sizeof buf, " %s ", g5(g.rate[k]));
    expect_in(line, buf);
    snprintf(buf, sizeof buf, " %zu/%zu ", g.count[k], g.n);
    expect_in(line, buf);
    expect_in(line, ci(q.lower, q.upper));
    check_stored(db, arm, stat, g.rate[k], q.lower, q.upper);
  }
}

/* Log-rank, Cox and paired effects of arm against ref. */
static void check_comparison(sqlite3 *db, const char *out, const char *ref, const char *arm) {
  const char *sec = arm_section(out, arm);
  arm_rows r, a;
  read_arm(db, ref, &r);
  read_arm(db, arm, &a);
  static const char *const name[2] = {"PFS", "OS"}, *const key[2] = {"pfs", "os"};
  for (int e = 0; e < 2; e++) {
    double t[512];
    int ev[512], g[512];
    ts_surv_obs work[512];
    size_t n = 0;
    for (size_t i = 0; i < r.n; i++, n++)
      t[n] = r.time[e][i], ev[n] = r.event[e][i], g[n] = 0;
    for (size_t i = 0; i < a.n; i++, n++)
      t[n] = a.time[e][i], ev[n] = a.event[e][i], g[n] = 1;
    ts_logrank_result lr = ts_logrank(t, ev, g, n, work);
    ts_cox_result cx = ts_cox_binary(t, ev, g, n, TS_COX_EFRON, work); /* the default ties */
    assert_null(lr.why_na); /* the scenario is made so that both are estimable */
    assert_null(cx.why_na);
    char lab[128], buf[128], stat[32];
    snprintf(lab, sizeof lab, "%s log-rank vs %s", name[e], ref);
    const char *line = line_of(sec, lab);
    snprintf(buf, sizeof buf, "chi2 %s ", g5(lr.chisq));
    expect_in(line, buf);
    snprintf(buf, sizeof buf, "p %s", g5(lr.p));
    expect_in(line, buf);
    snprintf(stat, sizeof stat, "%s_logrank", key[e]);
    check_stored(db, arm, stat, lr.chisq, NAN, NAN);
    snprintf(stat, sizeof stat, "%s_logrank_p", key[e]);
    check_stored(db, arm, stat, lr.p, NAN, NAN);
    snprintf(lab, sizeof lab, "%s hazard ratio vs %s", name[e], ref);
    line = line_of(sec, lab);
    snprintf(buf, sizeof buf, " %s ", g5(cx.hr));
    expect_in(line, buf);
    snprintf(buf, sizeof buf, "Wald p %s ", g5(cx.p));
    expect_in(line, buf);
    expect_in(line, ci(cx.hr_lower, cx.hr_upper));
    snprintf(stat, sizeof stat, "%s_hr", key[e]);
    check_stored(db, arm, stat, cx.hr, cx.hr_lower, cx.hr_upper);
    snprintf(stat, sizeof stat, "%s_hr_p", key[e]);
    check_stored(db, arm, stat, cx.p, NAN, NAN);

    /* paired differences arm - ref, per patient, by SQL */
    double diff[256], dwork[256];
    size_t m = 0;
    sqlite3_stmt *st;
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT b.%s_time - a.%s_time FROM endpoints a JOIN endpoints b USING (patient_id) WHERE a.arm = ?1 "
             "AND b.arm = ?2 AND a.%s_event IS NOT NULL AND b.%s_event IS NOT NULL",
             key[e], key[e], key[e], key[e]);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, arm, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW && m < 256)
      diff[m++] = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    ts_describe_result d = ts_describe(diff, m, dwork);
    snprintf(lab, sizeof lab, "%s - %s, per patient (d)", name[e], ref);
    snprintf(buf, sizeof buf, " %zu patients, ", d.n);
    expect_in(line_of(sec, lab), buf);
    line = line_after(sec, lab);
    snprintf(buf, sizeof buf, "mean %s   SD %s   median %s   2.5%% %s   97.5%% %s", g5(d.mean), g5(d.sd), g5(d.median),
             g5(d.p025), g5(d.p975));
    expect_in(line, buf);
    snprintf(stat, sizeof stat, "%s_diff_mean", key[e]);
    check_stored(db, arm, stat, d.mean, NAN, NAN);
    snprintf(stat, sizeof stat, "%s_diff_sd", key[e]);
    check_stored(db, arm, stat, d.sd, NAN, NAN);
    snprintf(stat, sizeof stat, "%s_diff_median", key[e]);
    check_stored(db, arm, stat, d.median, d.p025, d.p975);
  }
}

static void test_summary_of_a_simulated_trial(void **state) {
  (void)state;
  const char *path = trial_db();
  ts_test_output o = summary_ok(path, NULL, NULL);
  /* the scenario lists treated first: it is the reference, though "control" sorts first */
  expect_in(o.out, "reference arm: treated");
  expect_in(o.out, "paired design");
  expect_in(arm_section(o.out, "treated"), "(reference)");
  sqlite3 *db = open_db(path);
  assert_true(query1(db, "SELECT count(*) FROM endpoints WHERE pfs_event = 1 AND arm = 'control'") > 0);
  check_arm(db, o.out, "treated");
  check_arm(db, o.out, "control");
  check_comparison(db, o.out, "treated", "control");
  /* rows are replaced, not added, by a second summary */
  double rows = query1(db, "SELECT count(*) FROM summary");
  sqlite3_close(db);
  ts_test_output_free(&o);
  o = summary_ok(path, NULL, NULL);
  ts_test_output_free(&o);
  db = open_db(path);
  check_same("rows after a second summary", query1(db, "SELECT count(*) FROM summary"), rows);
  sqlite3_close(db);

  /* --reference chooses another reference arm */
  o = summary_ok(path, "--reference", "control");
  expect_in(o.out, "reference arm: control");
  db = open_db(path);
  check_comparison(db, o.out, "control", "treated");
  sqlite3_close(db);
  ts_test_output_free(&o);
  o = cli("summary", path, "--reference", "nosuch", NULL);
  assert_int_equal(o.status, 2);
  expect_in(o.err, "no arm 'nosuch'");
  ts_test_output_free(&o);
}

/* ---- the 6-MP trial: published numbers through the command ------------------------------------------------------ */

typedef struct synth_patient {
  int64_t id;
  const char *arm;
  int failed;
  const char *best;
  double pfs;
  int pfs_event;
  int grade;
} synth_patient;

/* Writes a database with one signal m.x (two rows per patient) and endpoints (OS = PFS) unless with_endpoints is 0. */
static void make_db(const char *path, const char *scenario_text, const synth_patient *p, size_t n, int with_endpoints) {
  static const ts_store_signal sig = {"m.x", "mg/L", "state"};
  static const ts_store_kv meta[] = {{"scenario_name", "synthetic"}};
  ts_store_run run = {.scenario_path = "synthetic.yaml",
                      .scenario_text = scenario_text,
                      .scenario_len = scenario_text ? strlen(scenario_text) : 0,
                      .meta = meta,
                      .n_meta = 1,
                      .signals = &sig,
                      .n_signals = 1};
  ts_store *st;
  ts_error err;
  ts_error_clear(&err);
  if (ts_store_create(path, &run, 1, &st, &err) != 0)
    fail_msg("%s", err.message);
  static const double times[] = {0, 1}, values[] = {1.5, NAN};
  for (size_t i = 0; i < n; i++) {
    ts_store_endpoints e = {.best_response = p[i].best,
                            .progression_time = NAN,
                            .pfs_time = p[i].pfs,
                            .pfs_event = p[i].pfs_event,
                            .os_time = p[i].pfs,
                            .os_event = p[i].pfs_event,
                            .worst_grade = p[i].grade,
                            .cumulative_dose = NAN,
                            .baseline_mm = NAN,
                            .nadir_mm = NAN,
                            .best_change = NAN};
    ts_store_patient rec = {.patient_id = p[i].id,
                            .label = "twin, \"quoted\"",
                            .arm = p[i].arm,
                            .failed = p[i].failed,
                            .failure_time = 0.5,
                            .failure_message = "CVODE: too much work, at t = 0.5 d",
                            .n_times = p[i].failed ? 1 : 2,
                            .times = times,
                            .values = values,
                            .endpoints = with_endpoints && !p[i].failed ? &e : NULL};
    if (ts_store_write_patient(st, &rec, &err) != 0)
      fail_msg("%s", err.message);
  }
  if (ts_store_finish(st, "complete", &err) != 0)
    fail_msg("%s", err.message);
}

static void test_summary_of_the_6mp_trial(void **state) {
  (void)state;
  /* Freireich et al. 1963 (see tests/core/test_stats.c): remission times in weeks, * censored */
  static const double mp[] = {6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35};
  static const int mp_ev[] = {1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0};
  static const double pl[] = {1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23};
  synth_patient p[42];
  for (int i = 0; i < 21; i++) {
    /* randomised: each patient in one arm; 7 of 21 responders on 6-MP, 3 on placebo, grades 0..2 */
    p[i] = (synth_patient){i + 1, "placebo", 0, i < 3 ? "PR" : "SD", pl[i], 1, i % 3};
    p[21 + i] = (synth_patient){22 + i, "mercaptopurine", 0, i < 7 ? "CR" : "PD", mp[i], mp_ev[i], 0};
  }
  const char *path = ts_test_path("gehan", "db");
  make_db(path, "arms:\n  - name: placebo\n  - name: mercaptopurine\n", p, 42, 1);
  ts_test_output o = summary_ok(path, "--ties", "breslow") /* the published numbers are Breslow's */;
  expect_in(o.out, "reference arm: placebo"); /* the scenario's order, not the alphabet */
  expect_in(o.out, "parallel arms");
  const char *sec = arm_section(o.out, "mercaptopurine");
  /* Kaplan-Meier medians with log-log Brookmeyer-Crowley intervals: 23 (13, NA) on 6-MP, 8 (4, 11) on placebo
   * [R survival 3.5-3, survfit(conf.type = "log-log")] */
  expect_in(line_of(sec, "PFS median (d)"), " 23 ");
  expect_in(line_of(sec, "PFS median (d)"), "9 events in 21");
  expect_in(line_of(sec, "PFS median (d)"), "95% CI 13 to NA");
  expect_in(line_of(arm_section(o.out, "placebo"), "OS median (d)"), "95% CI 4 to 11");
  /* log-rank 16.79, p 4.17e-5 [Kleinbaum & Klein ch. 2; R: 16.7929409892, 4.1688e-05]; HR 0.221 (0.0991, 0.493),
   * Wald p 0.000229 [Kleinbaum & Klein ch. 3 (inverted); R coxph(ties = "breslow"): 0.2210887, 0.09907057,
   * 0.4933877, 0.00022882], at 5 significant digits */
  expect_in(line_of(sec, "PFS log-rank vs placebo"), "chi2 16.793 ");
  expect_in(line_of(sec, "PFS log-rank vs placebo"), "p 4.1688e-05");
  expect_in(line_of(sec, "PFS hazard ratio vs placebo"), " 0.22109 ");
  expect_in(line_of(sec, "PFS hazard ratio vs placebo"), "95% CI 0.099071 to 0.49339");
  expect_in(line_of(sec, "PFS hazard ratio vs placebo"), "Wald p 0.00022882");
  /* ORR 7/21 with its Clopper-Pearson interval [R binom.test(7, 21): 0.1458769 0.5696755] */
  expect_in(line_of(sec, "ORR (CR+PR)"), " 0.33333 ");
  expect_in(line_of(sec, "ORR (CR+PR)"), "95% CI 0.14588 to 0.56968");
  /* grades on placebo: 7 each of 0, 1, 2 */
  expect_in(line_of(arm_section(o.out, "placebo"), "worst toxicity grade 1"), " 7/21 ");
  /* not paired: the two arms have different patients */
  expect_in(line_of(sec, "PFS - placebo, per patient (d)"), "not available: not a paired design");
  sqlite3 *db = open_db(path);
  stored hr = stored_row(db, "mercaptopurine", "pfs_hr");
  assert_true(fabs(hr.value - 0.2210887) < 5e-8);
  expect_in(hr.detail, "Breslow");
  sqlite3_close(db);
  ts_test_output_free(&o);
  /* Efron's ties by default [R coxph(ties = "efron"): coef -1.57212514883, HR e^-1.5721 = 0.2076] */
  o = summary_ok(path, NULL, NULL);
  expect_in(o.out, "Cox (Efron ties)");
  char want[64];
  snprintf(want, sizeof want, " %.5g ", exp(-1.57212514883));
  expect_in(line_of(arm_section(o.out, "mercaptopurine"), "PFS hazard ratio vs placebo"), want);
  ts_test_output_free(&o);
  o = cli("summary", path, "--ties", "exact", NULL);
  assert_int_equal(o.status, 2);
  ts_test_output_free(&o);
}

/* ---- degenerate databases ---------------------------------------------------------------------------------------- */

static void test_summary_degenerate(void **state) {
  (void)state;
  /* one arm */
  synth_patient one[] = {{1, "solo", 0, "PR", 10, 1, 0}, {2, "solo", 0, "SD", 20, 0, 3}, {3, "solo", 0, "PD", 5, 1, 1}};
  const char *path = ts_test_path("single_arm", "db");
  make_db(path, NULL, one, 3, 1);
  ts_test_output o = summary_ok(path, NULL, NULL);
  expect_in(line_of(arm_section(o.out, "solo"), "comparison between arms"), "not available: a single arm");
  expect_in(line_of(arm_section(o.out, "solo"), "PFS median (d)"), " 10 "); /* [hand] S = 2/3 at 5, 1/3 at 10 */
  ts_test_output_free(&o);

  /* no events: medians not reached, comparisons not available */
  synth_patient quiet[] = {{1, "a", 0, "SD", 30, 0, 0},
                           {2, "a", 0, "SD", 30, 0, 0},
                           {1, "b", 0, "SD", 30, 0, 0},
                           {2, "b", 0, "SD", 30, 0, 0}};
  path = ts_test_path("no_events", "db");
  make_db(path, NULL, quiet, 4, 1);
  o = summary_ok(path, NULL, NULL);
  const char *sec = arm_section(o.out, "b");
  expect_in(line_of(sec, "PFS median (d)"), "not reached    0 events in 2");
  expect_in(line_of(sec, "PFS log-rank vs a"), "not available: no events");
  expect_in(line_of(sec, "OS hazard ratio vs a"), "not available: no events");
  expect_in(line_of(sec, "PFS - a, per patient (d)"), "2 patients, 2 with a censored time");
  sqlite3 *db = open_db(path);
  stored r = stored_row(db, "b", "pfs_logrank");
  check_same("NA value", r.value, NAN);
  assert_string_equal(r.detail, "not available: no events");
  sqlite3_close(db);
  ts_test_output_free(&o);

  /* failed patients: arm b entirely failed, arm a one of two; no endpoints in b */
  synth_patient failing[] = {
      {1, "a", 0, "PR", 12, 1, 2}, {2, "a", 1, NULL, 0, 0, 0}, {1, "b", 1, NULL, 0, 0, 0}, {2, "b", 1, NULL, 0, 0, 0}};
  path = ts_test_path("failed", "db");
  make_db(path, NULL, failing, 4, 1);
  o = summary_ok(path, NULL, NULL);
  expect_in(line_of(arm_section(o.out, "a"), "patients"), "1 failed, 1 with endpoints");
  sec = arm_section(o.out, "b");
  expect_in(line_of(sec, "patients"), "2 failed, 0 with endpoints");
  expect_in(line_of(sec, "ORR (CR+PR)"), "not available: every patient of the arm failed");
  expect_in(line_of(sec, "PFS log-rank vs a"), "not available: every patient of the arm failed");
  expect_in(line_of(sec, "PFS - a, per patient (d)"), "not available: every patient of the arm failed");
  ts_test_output_free(&o);

  /* no endpoints at all (a scenario without `endpoints`) */
  path = ts_test_path("no_endpoints", "db");
  make_db(path, NULL, quiet, 4, 0);
  o = summary_ok(path, NULL, NULL);
  expect_in(line_of(arm_section(o.out, "a"), "OS median (d)"), "not available: no endpoints recorded");
  ts_test_output_free(&o);

  /* a database read-only: printed, not stored, exit 0 */
  assert_int_equal(chmod(path, 0444), 0);
  if (access(path, W_OK) != 0) { /* root can write anyway */
    o = summary_ok(path, NULL, NULL);
    expect_in(o.err, "read-only");
    ts_test_output_free(&o);
  }
  chmod(path, 0644);

  /* missing, not a database, no patients table: exit 2 */
  o = cli("summary", ts_test_path("nosuch", "db"), NULL, NULL, NULL);
  assert_int_equal(o.status, 2);
  expect_in(o.err, "no such database file");
  ts_test_output_free(&o);
  const char *junk = ts_test_path("junk", "db");
  assert_int_equal(ts_test_write_file(junk, "this is not a database, just some text to read\n"), 0);
  o = cli("summary", junk, NULL, NULL, NULL);
  assert_int_equal(o.status, 2);
  ts_test_output_free(&o);
  o = cli("export", junk, "--csv", ts_test_path("junk_csv", "d"), NULL);
  assert_int_equal(o.status, 2);
  ts_test_output_free(&o);
  o = cli("summary", NULL, NULL, NULL, NULL);
  assert_int_equal(o.status, 2);
  ts_test_output_free(&o);
}

/* ---- export ------------------------------------------------------------------------------------------------------ */

/* A parsed CSV file: records of fields; quoted[] tells a quoted field (so "" is an empty text, not NULL). */
typedef struct csv_field {
  char *text;
  int quoted;
} csv_field;

typedef struct csv_file {
  size_t n_records, n_fields; /* every record has n_fields fields (checked) */
  csv_field *fields;          /* n_records * n_fields, the header first */
} csv_file;

/* Parses RFC 4180 strictly: CRLF record ends, quoted fields with doubled quotes, the same field count everywhere. */
static csv_file csv_parse(const char *path) {
  size_t len;
  char *s = ts_test_read_file(path, &len);
  if (!s)
    fail_msg("cannot read %s", path);
  csv_file f = {0};
  size_t cap = 0, in_record = 0;
  char *field = malloc(len + 1);
  assert_non_null(field);
  size_t i = 0;
  while (i < len) {
    size_t flen = 0;
    int quoted = 0;
    if (s[i] == '"') {
      quoted = 1;
      for (i++;; i++) {
        if (i >= len)
          fail_msg("%s: unterminated quote", path);
        if (s[i] == '"') {
          if (i + 1 < len && s[i + 1] == '"')
            field[flen++] = s[i++];
          else {
            i++;
            break;
          }
        } else {
          field[flen++] = s[i];
        }
      }
    } else {
      while (i < len && s[i] != ',' && s[i] != '\r' && s[i] != '\n') {
        if (s[i] == '"')
          fail_msg("%s: a quote inside an unquoted field at byte %zu", path, i);
        field[flen++] = s[i++];
      }
    }
    field[flen] = '\0';
    if (f.n_records * (f.n_fields ? f.n_fields : 1) + in_record + 1 > cap) {
      cap = cap ? 2 * cap : 1024;
      f.fields = realloc(f.fields, cap * sizeof *f.fields);
      assert_non_null(f.fields);
    }
    size_t at = f.n_fields ? f.n_records * f.n_fields + in_record : in_record;
    f.fields[at] = (csv_field){strdup(field), quoted};
    in_record++;
    if (i < len && s[i] == ',') {
      i++;
      continue;
    }
    if (i + 1 < len + 1 && s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')
      i += 2;
    else
      fail_msg("%s: a record not ended by CRLF at byte %zu", path, i);
    if (!f.n_fields)
      f.n_fields = in_record;
    else if (in_record != f.n_fields)
      fail_msg("%s: record %zu has %zu fields, the header %zu", path, f.n_records, in_record, f.n_fields);
    f.n_records++;
    in_record = 0;
  }
  free(field);
  free(s);
  return f;
}

static void csv_free(csv_file *f) {
  for (size_t i = 0; i < f->n_records * f->n_fields; i++)
    free(f->fields[i].text);
  free(f->fields);
}

static const csv_field *csv_at(const csv_file *f, size_t record, size_t field) {
  return &f->fields[record * f->n_fields + field];
}

/* One database value against one CSV field: NULL is an unquoted empty field, reals read back exactly. */
static void check_field(const char *where, sqlite3_stmt *st, int col, const csv_field *f) {
  switch (sqlite3_column_type(st, col)) {
  case SQLITE_NULL:
    if (f->text[0] || f->quoted)
      fail_msg("%s: NULL written as '%s'", where, f->text);
    break;
  case SQLITE_INTEGER:
    if (strtoll(f->text, NULL, 10) != sqlite3_column_int64(st, col))
      fail_msg("%s: %lld written as '%s'", where, (long long)sqlite3_column_int64(st, col), f->text);
    break;
  case SQLITE_FLOAT:
    if (strtod(f->text, NULL) != sqlite3_column_double(st, col))
      fail_msg("%s: %.17g written as '%s'", where, sqlite3_column_double(st, col), f->text);
    break;
  default:
    if (strcmp(f->text, (const char *)sqlite3_column_text(st, col)) != 0 || (!f->text[0] && !f->quoted))
      fail_msg("%s: '%s' written as '%s'", where, sqlite3_column_text(st, col), f->text);
  }
}

/* Every row and column of a table equals its CSV file, in primary-key order; returns the rows. */
static size_t check_table_csv(sqlite3 *db, const char *dir, const char *table, const char *order) {
  char path[2048], sql[512], where[256];
  snprintf(path, sizeof path, "%s/%s.csv", dir, table);
  csv_file f = csv_parse(path);
  snprintf(sql, sizeof sql, "SELECT * FROM %s ORDER BY %s", table, order);
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  int n = sqlite3_column_count(st);
  assert_int_equal(f.n_fields, n);
  for (int c = 0; c < n; c++)
    assert_string_equal(csv_at(&f, 0, (size_t)c)->text, sqlite3_column_name(st, c));
  size_t row = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    row++;
    if (row >= f.n_records)
      fail_msg("%s: fewer records than rows", path);
    for (int c = 0; c < n; c++) {
      snprintf(where, sizeof where, "%s record %zu column %s", table, row, sqlite3_column_name(st, c));
      check_field(where, st, c, csv_at(&f, row, (size_t)c));
    }
  }
  sqlite3_finalize(st);
  assert_int_equal(f.n_records, row + 1); /* the header and every row, nothing more */
  csv_free(&f);
  return row;
}

/* Column col of the current row of st, a trajectory vector of n values, decoded into a new array (free it). */
static double *vector_of(sqlite3_stmt *st, int col, size_t n) {
  assert_int_equal(sqlite3_column_bytes(st, col), n * TS_VEC_BYTES);
  double *v = malloc((n + 1) * sizeof *v);
  assert_non_null(v);
  ts_vec_decode(v, sqlite3_column_blob(st, col), n);
  return v;
}

/* The long trajectory: for each (patient, arm) and each of its output times, one record per signal, in column order,
 * with its unit; a NaN value is an empty field. */
static size_t check_trajectory_csv(sqlite3 *db, const char *dir) {
  char path[2048];
  snprintf(path, sizeof path, "%s/trajectory.csv", dir);
  csv_file f = csv_parse(path);
  static const char *const header[] = {"patient_id", "arm", "time", "signal", "value", "unit"};
  assert_int_equal(f.n_fields, 6);
  for (int c = 0; c < 6; c++)
    assert_string_equal(csv_at(&f, 0, (size_t)c)->text, header[c]);
  size_t n_signals = (size_t)query1(db, "SELECT count(*) FROM signals");
  size_t n_values = (size_t)query1(db, "SELECT sum(n_times) FROM trajectory");
  assert_true(n_signals > 0 && n_values > 0);
  assert_int_equal(f.n_records - 1, n_values * n_signals);
  sqlite3_stmt *st, *sig;
  assert_int_equal(sqlite3_prepare_v2(db, "SELECT * FROM trajectory ORDER BY patient_id, arm", -1, &st, NULL),
                   SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, "SELECT name, unit FROM signals ORDER BY column_index", -1, &sig, NULL),
                   SQLITE_OK);
  char names[32][64], units[32][64];
  size_t k = 0;
  while (sqlite3_step(sig) == SQLITE_ROW && k < 32) {
    snprintf(names[k], 64, "%s", sqlite3_column_text(sig, 0));
    snprintf(units[k], 64, "%s", sqlite3_column_text(sig, 1));
    k++;
  }
  sqlite3_finalize(sig);
  assert_int_equal(k, n_signals);
  assert_int_equal(sqlite3_column_count(st), 4 + (int)n_signals); /* patient_id, arm, n_times, time, signals */
  size_t rec = 1;
  char where[128];
  while (sqlite3_step(st) == SQLITE_ROW) {
    size_t n = (size_t)sqlite3_column_int64(st, 2);
    double *time = vector_of(st, 3, n);
    for (size_t i = 0; i < n; i++) {
      for (size_t j = 0; j < n_signals; j++, rec++) {
        snprintf(where, sizeof where, "trajectory record %zu", rec);
        check_field(where, st, 0, csv_at(&f, rec, 0));
        check_field(where, st, 1, csv_at(&f, rec, 1));
        if (strtod(csv_at(&f, rec, 2)->text, NULL) != time[i])
          fail_msg("%s: time %.17g written as '%s'", where, time[i], csv_at(&f, rec, 2)->text);
        assert_string_equal(csv_at(&f, rec, 3)->text, names[j]);
        double *value = vector_of(st, 4 + (int)j, n);
        const csv_field *field = csv_at(&f, rec, 4);
        if (isnan(value[i]) ? field->text[0] || field->quoted : strtod(field->text, NULL) != value[i])
          fail_msg("%s: value %.17g written as '%s'", where, value[i], field->text);
        free(value);
        assert_string_equal(csv_at(&f, rec, 5)->text, units[j]);
      }
    }
    free(time);
  }
  sqlite3_finalize(st);
  csv_free(&f);
  return n_values * n_signals;
}

static void check_export(const char *db_path, const char *dir) {
  sqlite3 *db = open_db(db_path);
  check_trajectory_csv(db, dir);
  static const char *const tables[][2] = {{"endpoints", "patient_id, arm"},
                                          {"exposure", "patient_id, arm, cycle"},
                                          {"events", "patient_id, arm, seq"},
                                          {"observations", "patient_id, arm, signal, time"},
                                          {"summary", "rowid"},
                                          {"patients", "patient_id, arm"},
                                          {"parameters", "patient_id, arm, instance, name"},
                                          {"covariates", "patient_id, arm, name"}};
  for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
    size_t rows = check_table_csv(db, dir, tables[i][0], tables[i][1]);
    check_same(tables[i][0], (double)rows, query1(db, "SELECT count(*) FROM %s", tables[i][0]));
  }
  sqlite3_close(db);
}

static void test_export(void **state) {
  (void)state;
  const char *path = trial_db();
  ts_test_output o = summary_ok(path, NULL, NULL); /* so that there is a summary table */
  ts_test_output_free(&o);
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/nested/csv", ts_test_path("export", "d"));
  o = cli("export", path, "--csv", dir, NULL);
  if (o.status != 0)
    fail_msg("export: exit %d: %s", o.status, o.err);
  expect_in(o.out, "trajectory.csv");
  ts_test_output_free(&o);
  check_export(path, dir);
  sqlite3 *db = open_db(path);
  assert_true(query1(db, "SELECT count(*) FROM observations") > 0);
  assert_true(query1(db, "SELECT count(*) FROM events") > 0);
  sqlite3_close(db);

  /* existing files are refused and left as they are, unless --force */
  char probe[1100];
  snprintf(probe, sizeof probe, "%s/events.csv", dir);
  assert_int_equal(ts_test_write_file(probe, "mine\r\n"), 0);
  o = cli("export", path, "--csv", dir, NULL);
  assert_int_equal(o.status, 2);
  expect_in(o.err, "exists");
  ts_test_output_free(&o);
  char *kept = ts_test_read_file(probe, NULL);
  assert_string_equal(kept, "mine\r\n");
  free(kept);
  o = cli("export", path, "--csv", dir, "--force");
  assert_int_equal(o.status, 0);
  ts_test_output_free(&o);
  check_export(path, dir);

  /* quoting: labels with a comma and quotes, failure messages with commas, NULL values, no summary table */
  synth_patient p[] = {{1, "x", 0, "PR", 10, 1, 0}, {2, "x", 1, NULL, 0, 0, 0}};
  const char *synth = ts_test_path("export_synth", "db");
  make_db(synth, NULL, p, 2, 1);
  char dir2[1024];
  snprintf(dir2, sizeof dir2, "%s", ts_test_path("export_synth", "d"));
  o = cli("export", synth, "--csv", dir2, NULL);
  assert_int_equal(o.status, 0);
  ts_test_output_free(&o);
  db = open_db(synth);
  check_trajectory_csv(db, dir2); /* the NaN value of time 1 is an empty field */
  check_table_csv(db, dir2, "patients", "patient_id, arm");
  sqlite3_close(db);
  char summary_csv[1100];
  snprintf(summary_csv, sizeof summary_csv, "%s/summary.csv", dir2);
  assert_int_equal(access(summary_csv, F_OK), -1);
  char *text = ts_test_read_file(strcat(dir2, "/patients.csv"), NULL);
  expect_in(text, "\"twin, \"\"quoted\"\"\"");
  free(text);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_summary_of_a_simulated_trial),
      cmocka_unit_test(test_summary_of_the_6mp_trial),
      cmocka_unit_test(test_summary_degenerate),
      cmocka_unit_test(test_export),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
