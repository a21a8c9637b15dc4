/* The statistics of a trial from a results database (see trial_summary.h). */
#include "trial_summary.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "results_db.h"
#include "strutil.h"
#include "yaml_tree.h"

enum { PFS = TS_SUMMARY_PFS, OS = TS_SUMMARY_OS };
static const char *const endpoint_name[2] = {"PFS", "OS"};
static const char *const endpoint_key[2] = {"pfs", "os"};

typedef ts_summary_arm arm_data;

typedef struct summary_ctx {
  sqlite3 *db;
  const char *path;
  ts_summary *s;
  size_t cur_arm; /* the arm whose lines are being added */
  ts_error *err;
} summary_ctx;

/* ---- numbers and lines ------------------------------------------------------------------------------------------ */

const char *ts_summary_num(char *buf, size_t cap, double v) {
  if (isnan(v))
    snprintf(buf, cap, "NA");
  else
    snprintf(buf, cap, "%.5g", v);
  return buf;
}

static const char *num(char *buf, size_t cap, double v) {
  return ts_summary_num(buf, cap, v);
}

const char *ts_summary_design(const ts_summary *s) {
  if (s->n_arms < 2)
    return "one arm";
  return s->paired ? "paired design (every patient in every arm)" : "parallel arms";
}

/* Adds a printed line of the current arm (label NULL: a continuation line). Returns 0, or -1 out of memory. */
static int add_line(summary_ctx *c, const char *label, const char *value, const char *detail, const char *ci) {
  ts_summary *s = c->s;
  if (s->n_lines == s->cap_lines) {
    size_t cap = s->cap_lines ? 2 * s->cap_lines : 64;
    ts_summary_line *l = realloc(s->lines, cap * sizeof *l);
    if (!l)
      return ts_fail(c->err, TS_E_NOMEM, "out of memory");
    s->lines = l;
    s->cap_lines = cap;
  }
  ts_summary_line *l = &s->lines[s->n_lines++]; /* freed with the others even when a copy failed */
  *l = (ts_summary_line){.arm = c->cur_arm,
                         .label = label ? ts_strdup(label) : NULL,
                         .value = ts_strdup(value ? value : ""),
                         .detail = ts_strdup(detail ? detail : ""),
                         .ci = ts_strdup(ci ? ci : "")};
  if ((label && !l->label) || !l->value || !l->detail || !l->ci)
    return ts_fail(c->err, TS_E_NOMEM, "out of memory");
  return 0;
}

static const char *ci_text(char *buf, size_t cap, double lower, double upper) {
  char a[32], b[32];
  if (isnan(lower) && isnan(upper))
    snprintf(buf, cap, "95%% CI NA");
  else
    snprintf(buf, cap, "95%% CI %s to %s", num(a, sizeof a, lower), num(b, sizeof b, upper));
  return buf;
}

/* Adds a row to the summary table; detail is printf-style (NULL for none). Returns 0, or -1 out of memory. */
static int add_row(summary_ctx *c, const char *arm, const char *statistic, double value, double lower, double upper,
                   const char *fmt, ...) __attribute__((format(printf, 7, 8)));
static int add_row(summary_ctx *c, const char *arm, const char *statistic, double value, double lower, double upper,
                   const char *fmt, ...) {
  ts_summary *s = c->s;
  if (s->n_rows == s->cap_rows) {
    size_t cap = s->cap_rows ? 2 * s->cap_rows : 64;
    ts_summary_row *r = realloc(s->rows, cap * sizeof *r);
    if (!r)
      return ts_fail(c->err, TS_E_NOMEM, "out of memory");
    s->rows = r;
    s->cap_rows = cap;
  }
  ts_summary_row *r = &s->rows[s->n_rows];
  *r = (ts_summary_row){.value = value, .lower = lower, .upper = upper};
  char detail[512] = "";
  if (fmt) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
  }
  r->arm = ts_strdup(arm);
  r->statistic = ts_strdup(statistic);
  r->detail = fmt ? ts_strdup(detail) : NULL;
  s->n_rows++; /* freed with the others even when a copy failed */
  if (!r->arm || !r->statistic || (fmt && !r->detail))
    return ts_fail(c->err, TS_E_NOMEM, "out of memory");
  return 0;
}

/* A statistic that cannot be computed: a line "not available: why" and a row with a NULL value. */
static int not_available(summary_ctx *c, const char *arm, const char *statistic, const char *label, const char *why) {
  char text[512];
  snprintf(text, sizeof text, "not available: %s", why);
  if (add_line(c, label, text, NULL, NULL) != 0)
    return -1;
  return add_row(c, arm, statistic, NAN, NAN, NAN, "not available: %s", why);
}

/* ---- reading ---------------------------------------------------------------------------------------------------- */

static int db_fail(summary_ctx *c, const char *what) {
  return ts_fail(c->err, TS_E_IO, "%s: %s: %s", c->path, what, sqlite3_errmsg(c->db));
}

/* The arm names in the order of the scenario's `arms` list (from the scenario text stored with the run). Returns
 * the node list's length and sets *doc (to free); 0 when there is no such list. */
static size_t scenario_arms(sqlite3 *db, ts_yaml_doc **doc, const ts_yaml_node **list) {
  *doc = NULL;
  *list = NULL;
  char *text = ts_results_run_value(db, "scenario_text");
  if (!text)
    return 0;
  ts_error err;
  int rc = ts_yaml_load_string("scenario", text, strlen(text), doc, &err);
  free(text);
  if (rc != 0 || !(*doc)->root || (*doc)->root->kind != TS_YAML_MAPPING)
    return 0;
  const ts_yaml_node *arms = ts_yaml_get((*doc)->root, "arms");
  if (!arms || arms->kind != TS_YAML_SEQUENCE)
    return 0;
  *list = arms;
  return arms->n;
}

/* The rank of arm `name` in the scenario's list, or n when it is not there. */
static size_t arm_rank(const ts_yaml_node *list, const char *name) {
  size_t n = list ? list->n : 0;
  for (size_t i = 0; i < n; i++) {
    const ts_yaml_node *item = list->items[i];
    const ts_yaml_node *nm = item->kind == TS_YAML_MAPPING ? ts_yaml_get(item, "name") : NULL;
    if (nm && nm->kind == TS_YAML_SCALAR && strcmp(nm->scalar, name) == 0)
      return i;
  }
  return n;
}

/* Reads the arms from `patients` (with their counts), ordered as in the scenario and then by name. */
static int read_arms(summary_ctx *c) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(c->db, "SELECT arm, count(*), sum(status = 'failed') FROM patients GROUP BY arm ORDER BY arm",
                         -1, &st, NULL) != SQLITE_OK)
    return ts_fail(c->err, TS_E_INPUT, "%s: not a twinsim results database (%s)", c->path, sqlite3_errmsg(c->db));
  int rc = 0, step;
  while ((step = sqlite3_step(st)) == SQLITE_ROW) {
    arm_data *a = realloc(c->s->arms, (c->s->n_arms + 1) * sizeof *a);
    if (!a) {
      rc = ts_fail(c->err, TS_E_NOMEM, "out of memory");
      break;
    }
    c->s->arms = a;
    a = &c->s->arms[c->s->n_arms++];
    *a = (arm_data){.name = ts_strdup(sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : ""),
                    .n_patients = (size_t)sqlite3_column_int64(st, 1),
                    .n_failed = (size_t)sqlite3_column_int64(st, 2)};
    if (!a->name) {
      rc = ts_fail(c->err, TS_E_NOMEM, "out of memory");
      break;
    }
  }
  if (rc == 0 && step != SQLITE_DONE)
    rc = db_fail(c, "reading patients");
  sqlite3_finalize(st);
  if (rc != 0)
    return rc;
  /* scenario order: a stable insertion sort by rank (the arms are few) */
  ts_yaml_doc *doc;
  const ts_yaml_node *list;
  scenario_arms(c->db, &doc, &list);
  for (size_t i = 1; i < c->s->n_arms; i++) {
    arm_data key = c->s->arms[i];
    size_t rank = arm_rank(list, key.name), j = i;
    while (j > 0 && arm_rank(list, c->s->arms[j - 1].name) > rank) {
      c->s->arms[j] = c->s->arms[j - 1];
      j--;
    }
    c->s->arms[j] = key;
  }
  ts_yaml_free(doc);
  return 0;
}

static int read_endpoints(summary_ctx *c, arm_data *a) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(c->db,
                         "SELECT patient_id, best_response, pfs_time, pfs_event, os_time, os_event, worst_grade "
                         "FROM endpoints WHERE arm = ?1 ORDER BY patient_id",
                         -1, &st, NULL) != SQLITE_OK)
    return db_fail(c, "reading endpoints");
  sqlite3_bind_text(st, 1, a->name, -1, SQLITE_STATIC);
  size_t cap = 0;
  int rc = 0, step;
  while ((step = sqlite3_step(st)) == SQLITE_ROW) {
    if (a->n == cap) {
      cap = cap ? 2 * cap : 64;
      void *p[7] = {realloc(a->id, cap * sizeof *a->id),       realloc(a->response, cap * sizeof(int)),
                    realloc(a->time[0], cap * sizeof(double)), realloc(a->event[0], cap * sizeof(int)),
                    realloc(a->time[1], cap * sizeof(double)), realloc(a->event[1], cap * sizeof(int)),
                    realloc(a->grade, cap * sizeof(int))};
      /* keep whatever was reallocated, so that everything is freed once */
      a->id = p[0] ? p[0] : a->id;
      a->response = p[1] ? p[1] : a->response;
      a->time[0] = p[2] ? p[2] : a->time[0];
      a->event[0] = p[3] ? p[3] : a->event[0];
      a->time[1] = p[4] ? p[4] : a->time[1];
      a->event[1] = p[5] ? p[5] : a->event[1];
      a->grade = p[6] ? p[6] : a->grade;
      int failed = 0;
      for (int k = 0; k < 7; k++)
        failed |= p[k] == NULL;
      if (failed) {
        rc = ts_fail(c->err, TS_E_NOMEM, "out of memory");
        break;
      }
    }
    size_t i = a->n++;
    a->id[i] = sqlite3_column_int64(st, 0);
    const char *best = (const char *)sqlite3_column_text(st, 1);
    a->response[i] = !best ? -1 : strcmp(best, "CR") == 0 || strcmp(best, "PR") == 0;
    for (int e = 0; e < 2; e++) {
      int tcol = 2 + 2 * e;
      a->time[e][i] = sqlite3_column_type(st, tcol) == SQLITE_NULL ? NAN : sqlite3_column_double(st, tcol);
      a->event[e][i] = sqlite3_column_type(st, tcol + 1) == SQLITE_NULL ? -1 : sqlite3_column_int(st, tcol + 1);
    }
    a->grade[i] = sqlite3_column_type(st, 6) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 6);
  }
  if (rc == 0 && step != SQLITE_DONE)
    rc = db_fail(c, "reading endpoints");
  sqlite3_finalize(st);
  return rc;
}

/* Paired: every patient_id is in every arm (and there are at least two arms). */
static int is_paired(summary_ctx *c) {
  if (c->s->n_arms < 2)
    return 0;
  sqlite3_stmt *st;
  int64_t ids = -1;
  if (sqlite3_prepare_v2(c->db, "SELECT count(DISTINCT patient_id) FROM patients", -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    ids = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  for (size_t i = 0; i < c->s->n_arms; i++)
    if ((int64_t)c->s->arms[i].n_patients != ids)
      return 0;
  return 1;
}

/* ---- statistics ------------------------------------------------------------------------------------------------- */

static int arm_counts(summary_ctx *c, const arm_data *a) {
  char v[32], d[96];
  snprintf(v, sizeof v, "%zu", a->n_patients);
  snprintf(d, sizeof d, "%zu failed, %zu with endpoints", a->n_failed, a->n);
  if (add_line(c, "patients", v, d, NULL) != 0 ||
      add_row(c, a->name, "patients", (double)a->n_patients, NAN, NAN, NULL) != 0 ||
      add_row(c, a->name, "failed", (double)a->n_failed, NAN, NAN, NULL) != 0)
    return -1;
  return add_row(c, a->name, "with_endpoints", (double)a->n, NAN, NAN, NULL);
}

/* Why an arm has no endpoints to work with, or NULL when it has some. */
static const char *no_endpoints(const summary_ctx *c, const arm_data *a) {
  if (!c->s->has_endpoints)
    return "the database has no endpoints table";
  if (a->n > 0)
    return NULL;
  if (a->n_patients > 0 && a->n_failed == a->n_patients)
    return "every patient of the arm failed";
  return "no endpoints recorded (the scenario defines none)";
}

static int arm_orr(summary_ctx *c, const arm_data *a) {
  const char *label = "ORR (CR+PR)";
  const char *why = no_endpoints(c, a);
  if (why)
    return not_available(c, a->name, "orr", label, why);
  size_t n = 0, k = 0;
  for (size_t i = 0; i < a->n; i++)
    if (a->response[i] >= 0) {
      n++;
      k += (size_t)a->response[i];
    }
  if (n == 0)
    return not_available(c, a->name, "orr", label, "no RECIST response recorded (no endpoints.recist)");
  ts_proportion p = ts_clopper_pearson(k, n, 0.95);
  char v[32], d[64], ci[96];
  snprintf(d, sizeof d, "%zu/%zu", k, n);
  if (add_line(c, label, num(v, sizeof v, p.p), d, ci_text(ci, sizeof ci, p.lower, p.upper)) != 0)
    return -1;
  return add_row(c, a->name, "orr", p.p, p.lower, p.upper, "%zu/%zu CR or PR; Clopper-Pearson 95%% CI", k, n);
}

static int arm_survival(summary_ctx *c, const arm_data *a, int e) {
  char label[64], stat[32], events_stat[32];
  snprintf(label, sizeof label, "%s median (d)", endpoint_name[e]);
  snprintf(stat, sizeof stat, "%s_median", endpoint_key[e]);
  snprintf(events_stat, sizeof events_stat, "%s_events", endpoint_key[e]);
  const char *why = no_endpoints(c, a);
  if (why)
    return not_available(c, a->name, stat, label, why);
  ts_surv_obs *work = malloc((a->n ? a->n : 1) * sizeof *work);
  if (!work)
    return ts_fail(c->err, TS_E_NOMEM, "out of memory");
  ts_km_result r;
  ts_km(a->time[e], a->event[e], a->n, work, NULL, &r);
  free(work);
  if (r.n == 0)
    return not_available(c, a->name, stat, label,
                         e == PFS ? "no PFS recorded (needs endpoints.recist or endpoints.death)"
                                  : "no OS recorded (needs endpoints.death)");
  char v[32], d[64], ci[96];
  snprintf(d, sizeof d, "%zu events in %zu", r.n_events, r.n);
  if (isnan(r.median))
    snprintf(v, sizeof v, "not reached");
  else
    num(v, sizeof v, r.median);
  if (add_line(c, label, v, d, ci_text(ci, sizeof ci, r.median_lower, r.median_upper)) != 0 ||
      add_row(c, a->name, events_stat, (double)r.n_events, NAN, NAN, "of %zu patients", r.n) != 0)
    return -1;
  return add_row(c, a->name, stat, r.median, r.median_lower, r.median_upper,
                 "%s%zu events in %zu; Kaplan-Meier, Brookmeyer-Crowley 95%% CI (log-log)",
                 isnan(r.median) ? "not reached; " : "", r.n_events, r.n);
}

static int arm_grades(summary_ctx *c, const arm_data *a) {
  const char *why = no_endpoints(c, a);
  if (why)
    return not_available(c, a->name, "grade", "worst toxicity grade", why);
  ts_grade_rates g = ts_grade_rates_of(a->grade, a->n);
  if (g.n == 0)
    return not_available(c, a->name, "grade", "worst toxicity grade",
                         "no toxicity grade recorded (no endpoints.toxicity)");
  for (int k = 0; k < 6; k++) {
    ts_proportion p = ts_clopper_pearson(g.count[k], g.n, 0.95);
    char label[48], stat[16], v[32], d[64], ci[96];
    snprintf(label, sizeof label, "worst toxicity grade %d", k);
    snprintf(stat, sizeof stat, "grade_%d", k);
    snprintf(d, sizeof d, "%zu/%zu", g.count[k], g.n);
    if (add_line(c, label, num(v, sizeof v, g.rate[k]), d, ci_text(ci, sizeof ci, p.lower, p.upper)) != 0 ||
        add_row(c, a->name, stat, g.rate[k], p.lower, p.upper, "%zu/%zu; Clopper-Pearson 95%% CI", g.count[k], g.n) !=
            0)
      return -1;
  }
  return 0;
}

/* The reason a comparison is not available, in the words of the arms: a group of the statistics is an arm. */
static const char *comparison_why(const char *why, int e) {
  if (strcmp(why, "one group is empty") != 0)
    return why;
  return e == PFS ? "no PFS recorded in one arm" : "no OS recorded in one arm";
}

/* Log-rank test and Cox hazard ratio of endpoint e, arm a against the reference. */
static int compare(summary_ctx *c, const arm_data *ref, const arm_data *a, int e) {
  char lr_label[96], hr_label[96], lr_stat[32], hr_stat[32], p_stat[40];
  snprintf(lr_label, sizeof lr_label, "%s log-rank vs %s", endpoint_name[e], ref->name);
  snprintf(hr_label, sizeof hr_label, "%s hazard ratio vs %s", endpoint_name[e], ref->name);
  snprintf(lr_stat, sizeof lr_stat, "%s_logrank", endpoint_key[e]);
  snprintf(hr_stat, sizeof hr_stat, "%s_hr", endpoint_key[e]);
  const char *why = no_endpoints(c, a);
  if (!why && no_endpoints(c, ref))
    why = "the reference arm has no endpoints";
  if (why) {
    if (not_available(c, a->name, lr_stat, lr_label, why) != 0)
      return -1;
    return not_available(c, a->name, hr_stat, hr_label, why);
  }
  size_t n = ref->n + a->n;
  double *t = malloc(n * sizeof *t);
  int *ev = malloc(n * sizeof *ev), *g = malloc(n * sizeof *g);
  ts_surv_obs *work = malloc(n * sizeof *work);
  if (!t || !ev || !g || !work) {
    free(t), free(ev), free(g), free(work);
    return ts_fail(c->err, TS_E_NOMEM, "out of memory");
  }
  for (size_t i = 0; i < ref->n; i++)
    t[i] = ref->time[e][i], ev[i] = ref->event[e][i], g[i] = 0;
  for (size_t i = 0; i < a->n; i++)
    t[ref->n + i] = a->time[e][i], ev[ref->n + i] = a->event[e][i], g[ref->n + i] = 1;
  ts_logrank_result lr = ts_logrank(t, ev, g, n, work);
  ts_cox_result cx = ts_cox_binary(t, ev, g, n, c->s->ties, work);
  free(t), free(ev), free(g), free(work);

  int rc = 0;
  char v[32], d[96], ci[96], pbuf[32];
  if (lr.why_na) {
    rc = not_available(c, a->name, lr_stat, lr_label, comparison_why(lr.why_na, e));
  } else {
    snprintf(v, sizeof v, "chi2 %.5g", lr.chisq);
    snprintf(d, sizeof d, "p %s", num(pbuf, sizeof pbuf, lr.p));
    snprintf(p_stat, sizeof p_stat, "%s_p", lr_stat);
    rc = add_line(c, lr_label, v, d, NULL);
    if (rc == 0)
      rc = add_row(c, a->name, lr_stat, lr.chisq, NAN, NAN,
                   "chi-square, 1 df, vs %s: observed %zu and %zu, expected %.5g "
                   "and %.5g (reference first)",
                   ref->name, lr.observed[0], lr.observed[1], lr.expected[0], lr.expected[1]);
    if (rc == 0)
      rc = add_row(c, a->name, p_stat, lr.p, NAN, NAN, "log-rank p vs %s", ref->name);
  }
  if (rc != 0)
    return rc;
  if (cx.why_na)
    return not_available(c, a->name, hr_stat, hr_label, comparison_why(cx.why_na, e));
  snprintf(d, sizeof d, "Wald p %s", num(pbuf, sizeof pbuf, cx.p));
  if (add_line(c, hr_label, num(v, sizeof v, cx.hr), d, ci_text(ci, sizeof ci, cx.hr_lower, cx.hr_upper)) != 0)
    return -1;
  snprintf(p_stat, sizeof p_stat, "%s_p", hr_stat);
  rc = add_row(c, a->name, hr_stat, cx.hr, cx.hr_lower, cx.hr_upper,
               "Cox PH vs %s, %s ties; log HR %.6g, SE %.6g; Wald 95%% CI", ref->name,
               c->s->ties == TS_COX_EFRON ? "Efron" : "Breslow", cx.beta, cx.se);
  if (rc == 0)
    rc = add_row(c, a->name, p_stat, cx.p, NAN, NAN, "Wald p of the hazard ratio vs %s", ref->name);
  return rc;
}

/* Paired design: the per-patient differences a - ref of endpoint e's time. */
static int paired_effects(summary_ctx *c, const arm_data *ref, const arm_data *a, int e) {
  char label[96], stat[48];
  snprintf(label, sizeof label, "%s - %s, per patient (d)", endpoint_name[e], ref->name);
  snprintf(stat, sizeof stat, "%s_diff", endpoint_key[e]);
  if (!c->s->paired)
    return not_available(c, a->name, stat, label, "not a paired design (the arms have different patients)");
  const char *why = no_endpoints(c, a);
  if (!why && no_endpoints(c, ref))
    why = "the reference arm has no endpoints";
  if (why)
    return not_available(c, a->name, stat, label, why);
  size_t cap = a->n < ref->n ? a->n : ref->n, n = 0, censored = 0;
  double *diff = malloc((cap ? cap : 1) * sizeof *diff), *work = malloc((cap ? cap : 1) * sizeof *work);
  if (!diff || !work) {
    free(diff), free(work);
    return ts_fail(c->err, TS_E_NOMEM, "out of memory");
  }
  /* both arms are in patient_id order: merge */
  for (size_t i = 0, j = 0; i < ref->n && j < a->n;) {
    if (ref->id[i] < a->id[j]) {
      i++;
    } else if (ref->id[i] > a->id[j]) {
      j++;
    } else {
      double x = ref->time[e][i], y = a->time[e][j];
      if (isfinite(x) && isfinite(y) && ref->event[e][i] >= 0 && a->event[e][j] >= 0) {
        diff[n++] = y - x;
        censored += ref->event[e][i] == 0 || a->event[e][j] == 0;
      }
      i++, j++;
    }
  }
  ts_describe_result r = ts_describe(diff, n, work);
  free(diff), free(work);
  if (r.n == 0)
    return not_available(c, a->name, stat, label,
                         e == PFS ? "no patient with PFS recorded in both arms"
                                  : "no patient with OS recorded in both arms");
  char d[96], m[32], sd[32], md[32], lo[32], hi[32];
  snprintf(d, sizeof d, "%zu patients, %zu with a censored time", r.n, censored);
  char numbers[256];
  snprintf(numbers, sizeof numbers, "mean %s   SD %s   median %s   2.5%% %s   97.5%% %s", num(m, sizeof m, r.mean),
           num(sd, sizeof sd, r.sd), num(md, sizeof md, r.median), num(lo, sizeof lo, r.p025),
           num(hi, sizeof hi, r.p975));
  if (add_line(c, label, "", d, NULL) != 0 || add_line(c, NULL, numbers, NULL, NULL) != 0)
    return -1;
  char s_n[56], s_mean[56], s_sd[56], s_median[56];
  snprintf(s_n, sizeof s_n, "%s_n", stat);
  snprintf(s_mean, sizeof s_mean, "%s_mean", stat);
  snprintf(s_sd, sizeof s_sd, "%s_sd", stat);
  snprintf(s_median, sizeof s_median, "%s_median", stat);
  if (add_row(c, a->name, s_n, (double)r.n, NAN, NAN, "patients with %s in both arms, %zu with a censored time",
              endpoint_name[e], censored) != 0 ||
      add_row(c, a->name, s_mean, r.mean, NAN, NAN, "mean of %s(%s) - %s(%s), d", endpoint_name[e], a->name,
              endpoint_name[e], ref->name) != 0 ||
      add_row(c, a->name, s_sd, r.sd, NAN, NAN, "standard deviation (n - 1) of the differences, d") != 0)
    return -1;
  return add_row(c, a->name, s_median, r.median, r.p025, r.p975,
                 "median of the differences, d; lower and upper: 2.5th and 97.5th percentiles (R type 7)");
}

/* ---- the whole summary ------------------------------------------------------------------------------------------ */

void ts_summary_free(ts_summary *s) {
  for (size_t i = 0; i < s->n_arms; i++) {
    arm_data *a = &s->arms[i];
    free(a->name), free(a->id), free(a->response), free(a->grade);
    for (int e = 0; e < 2; e++)
      free(a->time[e]), free(a->event[e]);
  }
  free(s->arms);
  for (size_t i = 0; i < s->n_rows; i++)
    free(s->rows[i].arm), free(s->rows[i].statistic), free(s->rows[i].detail);
  free(s->rows);
  for (size_t i = 0; i < s->n_lines; i++)
    free(s->lines[i].label), free(s->lines[i].value), free(s->lines[i].detail), free(s->lines[i].ci);
  free(s->lines);
  free(s->scenario_name), free(s->status);
  *s = (ts_summary){0};
}

static int summarize(summary_ctx *c, const char *reference) {
  ts_summary *s = c->s;
  if (read_arms(c) != 0)
    return -1;
  if (s->n_arms == 0)
    return 0;
  if (reference) { /* move it first */
    size_t r = 0;
    while (r < s->n_arms && strcmp(s->arms[r].name, reference) != 0)
      r++;
    if (r == s->n_arms)
      return ts_fail(c->err, TS_E_INPUT, "%s: no arm '%s' (see the arms in table patients)", c->path, reference);
    arm_data first = s->arms[r];
    memmove(&s->arms[1], &s->arms[0], r * sizeof *s->arms);
    s->arms[0] = first;
  }
  s->has_endpoints = ts_results_table_exists(c->db, "endpoints");
  for (size_t i = 0; s->has_endpoints && i < s->n_arms; i++)
    if (read_endpoints(c, &s->arms[i]) != 0)
      return -1;
  s->paired = is_paired(c);
  s->scenario_name = ts_results_run_value(c->db, "scenario_name");
  s->status = ts_results_run_value(c->db, "status");

  const arm_data *ref = &s->arms[0];
  for (size_t i = 0; i < s->n_arms; i++) {
    const arm_data *a = &s->arms[i];
    c->cur_arm = i;
    if (arm_counts(c, a) != 0 || arm_orr(c, a) != 0 || arm_survival(c, a, PFS) != 0 || arm_survival(c, a, OS) != 0 ||
        arm_grades(c, a) != 0)
      return -1;
    if (i == 0 && s->n_arms == 1 &&
        not_available(c, a->name, "comparison", "comparison between arms", "a single arm") != 0)
      return -1;
    for (int e = 0; i > 0 && e < 2; e++)
      if (compare(c, ref, a, e) != 0)
        return -1;
    for (int e = 0; i > 0 && e < 2; e++)
      if (paired_effects(c, ref, a, e) != 0)
        return -1;
  }
  return 0;
}

int ts_summary_compute(sqlite3 *db, const char *path, const char *reference, ts_cox_ties ties, ts_summary *s,
                       ts_error *err) {
  *s = (ts_summary){.ties = ties};
  summary_ctx c = {.db = db, .path = path, .s = s, .err = err};
  return summarize(&c, reference);
}

int ts_summary_option(const char *command, int argc, char **argv, int *i, const char **reference, ts_cox_ties *ties) {
  if (strcmp(argv[*i], "--reference") == 0) {
    if (++*i >= argc)
      return ts_cli_usage_error("%s: --reference needs an arm's name", command);
    *reference = argv[*i];
    return 1;
  }
  if (strcmp(argv[*i], "--ties") == 0) {
    if (++*i >= argc || (strcmp(argv[*i], "breslow") != 0 && strcmp(argv[*i], "efron") != 0))
      return ts_cli_usage_error("%s: --ties needs breslow or efron", command);
    *ties = strcmp(argv[*i], "efron") == 0 ? TS_COX_EFRON : TS_COX_BRESLOW;
    return 1;
  }
  return 0;
}
