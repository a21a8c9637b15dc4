/* `twinsim report`, run as a user would.
 *
 * - Every line `twinsim summary` prints for an arm is a row of that arm's table in the report, with the same text:
 *   label, value, detail and interval, number for number (whitespace aside), and no other rows; also with
 *   --reference and --ties.
 * - Every figure of the page has its SVG and PNG beside it; each PNG has the size the page gives the figure and is
 *   not blank (enough pixels that are not background, several colours).
 * - The page opens in headless Chromium: it loads, every <img> completes with a natural width (the page's own
 *   script writes data-figures="ok/total" into the DOM), and a screenshot is taken and is not blank. Only in builds
 *   without sanitizers (the suite runs twice in CI; the browser adds nothing under ASan).
 * - Degenerate databases still give a report that says what is missing: a failed patient, a single arm, no events,
 *   no endpoints at all; a file that is not a database is refused (exit 2), and so is an existing report without
 *   --force. */
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

#include <cairo.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "store.h"
#include "test_support.h"

#ifndef TS_REPORT_BROWSER_TEST
#define TS_REPORT_BROWSER_TEST 1
#endif

/* ---- running -------------------------------------------------------------------------------------------------- */

/* Runs twinsim with the arguments up to the first NULL (NULL-terminated). */
static ts_test_output cli(const char *first, ...) {
  const char *argv[16] = {TS_TEST_CLI, first};
  size_t n = 2;
  va_list ap;
  va_start(ap, first);
  for (const char *a = first; a && n < 15;)
    argv[n++] = a = va_arg(ap, const char *);
  va_end(ap);
  argv[15] = NULL;
  return ts_test_run(argv);
}

static void expect_in(const char *text, const char *what) {
  if (!strstr(text, what))
    fail_msg("expected '%s' in:\n%.4000s", what, text);
}

/* Runs a scenario of tests/data/scenarios/report into a fresh database; returns its path (static slot). */
static const char *run_scenario(const char *name) {
  char scenario[1024];
  snprintf(scenario, sizeof scenario, "%s/scenarios/report/%s.yaml", TS_TEST_DATA_DIR, name);
  const char *db = ts_test_path(name, "db");
  ts_test_output o = cli("run", scenario, "-o", db, "--quiet", NULL);
  if (o.status != 0)
    fail_msg("run %s: exit %d: %s", name, o.status, o.err);
  ts_test_output_free(&o);
  return db;
}

/* Writes the report of db into a fresh folder and returns the page's text (the caller frees); *dir gets the folder. */
static char *report_ok(const char *db, const char *name, const char *a1, const char *a2, const char *a3, const char *a4,
                       char *dir, size_t dir_cap) {
  snprintf(dir, dir_cap, "%s", ts_test_path(name, "report"));
  char cmd[2200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0)
    fail_msg("%s", cmd);
  ts_test_output o = cli("report", db, "-o", dir, a1, a2, a3, a4, NULL);
  if (o.status != 0)
    fail_msg("report %s: exit %d\nstdout:\n%s\nstderr:\n%s", db, o.status, o.out, o.err);
  expect_in(o.out, "index.html");
  ts_test_output_free(&o);
  char index[2100];
  snprintf(index, sizeof index, "%s/index.html", dir);
  char *html = ts_test_read_file(index, NULL);
  if (!html)
    fail_msg("no %s", index);
  return html;
}

/* ---- the page's tables against summary's lines ---------------------------------------------------------------- */

/* Collapses runs of white space to one space and trims; HTML entities of the page are decoded. */
static void normalise(char *s) {
  static const char *const ent[][2] = {{"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&amp;", "&"}};
  char *w = s;
  int space = 1;
  for (char *r = s; *r;) {
    int matched = 0;
    for (size_t k = 0; k < 4 && !matched; k++) {
      size_t n = strlen(ent[k][0]);
      if (strncmp(r, ent[k][0], n) == 0) {
        *w++ = ent[k][1][0];
        r += n;
        space = 0;
        matched = 1;
      }
    }
    if (matched)
      continue;
    if (*r == ' ' || *r == '\t' || *r == '\n') {
      if (!space)
        *w++ = ' ';
      space = 1;
    } else {
      *w++ = *r;
      space = 0;
    }
    r++;
  }
  if (w > s && w[-1] == ' ')
    w--;
  *w = '\0';
}

/* The rows of the page's table of one arm, each the text of its non-empty cells joined by spaces (normalised). */
static size_t table_rows(const char *html, const char *arm, char rows[][512], size_t cap) {
  char head[512];
  snprintf(head, sizeof head, "<table class=\"summary\" data-arm=\"%s\">", arm);
  const char *t = strstr(html, head);
  if (!t)
    fail_msg("no table for arm %s in the report", arm);
  const char *end = strstr(t, "</table>");
  assert_non_null(end);
  size_t n = 0;
  const char *row = strstr(t, "</tr>"); /* skip the header row */
  while ((row = strstr(row, "<tr>")) && row < end) {
    const char *row_end = strstr(row, "</tr>");
    assert_true(n < cap);
    char *out = rows[n++];
    size_t len = 0;
    out[0] = '\0';
    for (const char *c = row; (c = strstr(c, "<td")) && c < row_end;) {
      c = strchr(c, '>') + 1;
      const char *ce = strstr(c, "</td>");
      if (ce > c && len + (size_t)(ce - c) + 2 < 512) {
        len += (size_t)snprintf(out + len, 512 - len, "%s%.*s", len ? " " : "", (int)(ce - c), c);
      }
      c = ce;
    }
    normalise(out);
    row = row_end;
  }
  return n;
}

/* Checks every arm section of summary's output against the page: the same lines, in order, and no others. */
static void check_tables(const char *summary_out, const char *html) {
  size_t arms = 0;
  for (const char *s = strstr(summary_out, "\narm "); s; s = strstr(s + 1, "\narm ")) {
    char arm[256];
    sscanf(s + 5, "%255s", arm);
    const char *body = strchr(s + 1, '\n') + 1;
    const char *next = strstr(body, "\narm ");
    size_t len = next ? (size_t)(next - body) : strlen(body);
    static char rows[128][512];
    size_t n_rows = table_rows(html, arm, rows, 128), n_lines = 0;
    char line[1024];
    for (const char *l = body; l < body + len;) {
      size_t ll = strcspn(l, "\n");
      snprintf(line, sizeof line, "%.*s", (int)ll, l);
      l += ll + 1;
      normalise(line);
      if (!line[0])
        continue;
      if (n_lines >= n_rows)
        fail_msg("arm %s: summary line '%s' is not in the report", arm, line);
      if (strcmp(line, rows[n_lines]) != 0)
        fail_msg("arm %s, line %zu:\n  summary: '%s'\n  report:  '%s'", arm, n_lines + 1, line, rows[n_lines]);
      n_lines++;
    }
    assert_int_equal(n_lines, n_rows);
    assert_true(n_lines >= 5);
    arms++;
  }
  assert_true(arms > 0);
}

/* Every number in text[from, to) is one that summary printed (as a word of its output); returns how many. */
static size_t check_numbers_printed(const char *summary_out, const char *from, const char *to, const char *where) {
  size_t checked = 0;
  for (const char *c = from; c < to;) {
    c += strcspn(c, "0123456789");
    if (c >= to)
      break;
    size_t len = strspn(c, "0123456789.e-+/");     /* "2/30" is one number of summary's */
    while (len > 0 && strchr(".-+e/", c[len - 1])) /* a full stop after a number */
      len--;
    char number[64], padded[80];
    snprintf(number, sizeof number, "%.*s", (int)len, c);
    c += len ? len : 1;
    if (strcmp(number, "95") == 0) /* "95% CI" */
      continue;
    snprintf(padded, sizeof padded, " %s ", number);
    if (!strstr(summary_out, padded)) {
      snprintf(padded, sizeof padded, " %s\n", number); /* at a line's end */
      if (!strstr(summary_out, padded))
        fail_msg("%s shows %s, which summary does not print", where, number);
    }
    checked++;
  }
  return checked;
}

/* The numbers of the Kaplan-Meier legends (repeated in their captions: medians, intervals, hazard ratios) and of the
 * key-results table are all ones summary printed. */
static void check_key_numbers(const char *summary_out, const char *html) {
  size_t checked = 0;
  for (const char *s = strstr(html, "<figcaption>Kaplan-Meier"); s; s = strstr(s + 1, "<figcaption>Kaplan-Meier")) {
    const char *legend = strstr(s, "Legend:"), *end = strstr(s, "</figcaption>");
    assert_non_null(legend);
    assert_true(legend < end);
    checked += check_numbers_printed(summary_out, legend, end, "the Kaplan-Meier legend");
  }
  const char *overview = strstr(html, "<table class=\"overview\">");
  assert_non_null(overview);
  size_t in_table = check_numbers_printed(summary_out, strstr(overview, "</tr>"), strstr(overview, "</table>"),
                                          "the key-results table");
  assert_true(checked >= 4 && in_table >= 10);
}

/* ---- figures --------------------------------------------------------------------------------------------------- */

/* The PNG is width x height and not blank: at least 1% of its pixels differ from the corner's (the background)
 * and it has at least four distinct colours. */
static void check_png(const char *path, int width, int height) {
  cairo_surface_t *s = cairo_image_surface_create_from_png(path);
  if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS)
    fail_msg("%s: %s", path, cairo_status_to_string(cairo_surface_status(s)));
  int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
  if (w != width || h != height)
    fail_msg("%s: %d x %d, the page says %d x %d", path, w, h, width, height);
  const unsigned char *data = cairo_image_surface_get_data(s);
  int stride = cairo_image_surface_get_stride(s);
  uint32_t background = *(const uint32_t *)data, colours[8];
  size_t inked = 0, n_colours = 0;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      uint32_t px = *(const uint32_t *)(data + (size_t)y * (size_t)stride + 4 * (size_t)x);
      inked += px != background;
      int seen = 0;
      for (size_t k = 0; k < n_colours && !seen; k++)
        seen = colours[k] == px;
      if (!seen && n_colours < 8)
        colours[n_colours++] = px;
    }
  cairo_surface_destroy(s);
  if (inked * 100 < (size_t)w * (size_t)h || n_colours < 4)
    fail_msg("%s looks blank: %zu of %d pixels drawn, %zu colours", path, inked, w * h, n_colours);
}

/* Every <img> of the page: its SVG exists and is an SVG, its PNG passes check_png. Returns the number of images. */
static size_t check_figures(const char *html, const char *dir) {
  size_t n = 0;
  for (const char *s = strstr(html, "<img src=\""); s; s = strstr(s + 1, "<img src=\"")) {
    char name[256];
    int width = 0, height = 0;
    if (sscanf(s, "<img src=\"%255[^.].svg\" width=\"%d\" height=\"%d\"", name, &width, &height) != 3)
      fail_msg("cannot read the figure at: %.120s", s);
    char path[2400];
    snprintf(path, sizeof path, "%s/%s.svg", dir, name);
    char *svg = ts_test_read_file(path, NULL);
    if (!svg)
      fail_msg("no %s", path);
    expect_in(svg, "<svg");
    free(svg);
    snprintf(path, sizeof path, "%s/%s.png", dir, name);
    check_png(path, width, height);
    n++;
  }
  return n;
}

static size_t count_of(const char *html, const char *what) {
  size_t n = 0;
  for (const char *s = strstr(html, what); s; s = strstr(s + 1, what))
    n++;
  return n;
}

/* ---- tests --------------------------------------------------------------------------------------------------------
 */

static const char *two_arms_db(void) {
  static char path[1024];
  if (!path[0])
    snprintf(path, sizeof path, "%s", run_scenario("two_arms"));
  return path;
}

static void test_tables_equal_summary(void **state) {
  (void)state;
  const char *db = two_arms_db();
  static const char *const options[][4] = {{NULL, NULL, NULL, NULL}, {"--reference", "control", "--ties", "breslow"}};
  for (size_t k = 0; k < 2; k++) {
    ts_test_output o = cli("summary", db, options[k][0], options[k][1], options[k][2], options[k][3], NULL);
    assert_int_equal(o.status, 0);
    char dir[1024];
    char *html = report_ok(db, "tables", options[k][0], options[k][1], options[k][2], options[k][3], dir, sizeof dir);
    check_tables(o.out, html);
    check_key_numbers(o.out, html);
    /* what the data allow is all there: a comparison, and every figure family of a trial */
    expect_in(o.out, "hazard ratio vs");
    static const char *const figures[] = {
        "km_pfs.svg",   "km_os.svg",      "waterfall_1.svg",   "waterfall_2.svg",
        "spider_1.svg", "concentration_", "neutrophils_1.svg", "neutrophil_nadirs.svg"};
    for (size_t i = 0; i < sizeof figures / sizeof figures[0]; i++)
      expect_in(html, figures[i]);
    /* the control arm gives no drug: its profile is said to be 0, not drawn */
    expect_in(html, "pk.C is 0 throughout");
    expect_in(html, "Plugins and models");
    expect_in(html, "friberg");
    expect_in(html, "solver.rtol");
    expect_in(html, "twinsim_version");
    ts_test_output_free(&o);
    free(html);
  }
}

static void test_figures_are_drawn(void **state) {
  (void)state;
  char dir[1024];
  char *html = report_ok(two_arms_db(), "figures", NULL, NULL, NULL, NULL, dir, sizeof dir);
  size_t n = check_figures(html, dir);
  assert_int_equal(n, count_of(html, "<img "));
  assert_true(n >= 10);
  free(html);
}

/* The absolute path of a program on PATH, or NULL. */
static const char *find_program(const char *name) {
  static char path[1024];
  const char *env = getenv("PATH");
  char dirs[4096];
  snprintf(dirs, sizeof dirs, "%s", env ? env : "/usr/bin:/bin");
  for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
    snprintf(path, sizeof path, "%s/%s", d, name);
    if (access(path, X_OK) == 0)
      return path;
  }
  return NULL;
}

static void test_page_renders_in_chromium(void **state) {
  (void)state;
  if (!TS_REPORT_BROWSER_TEST) {
    print_message("skipped: the browser check runs in the build without sanitizers\n");
    skip();
  }
  const char *skip_browser = getenv("TWINSIM_SKIP_BROWSER_TEST");
  if (skip_browser && strcmp(skip_browser, "1") == 0) {
    print_message("skipped: TWINSIM_SKIP_BROWSER_TEST=1\n");
    skip();
  }
  const char *chromium = find_program("chromium");
  if (!chromium)
    fail_msg("chromium is not installed: bash .ci/setup.sh test installs Debian's chromium "
             "(TWINSIM_SKIP_BROWSER_TEST=1 skips this test on purpose)");
  char bin[1024];
  snprintf(bin, sizeof bin, "%s", chromium);
  char dir[1024];
  char *html = report_ok(two_arms_db(), "browser", NULL, NULL, NULL, NULL, dir, sizeof dir);
  size_t images = count_of(html, "<img ");
  free(html);
  char url[1200], shot[1200], profile[1200], profile_arg[1300], shot_arg[1300];
  snprintf(url, sizeof url, "file://%s/index.html", dir);
  snprintf(shot, sizeof shot, "%s/screenshot.png", dir);
  snprintf(profile, sizeof profile, "%s/chromium-profile", dir);
  snprintf(profile_arg, sizeof profile_arg, "--user-data-dir=%s", profile);
  snprintf(shot_arg, sizeof shot_arg, "--screenshot=%s", shot);
  /* the DOM after the load event: the page's script has counted the images that rendered */
  const char *dump[] = {bin,
                        "--headless",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--no-first-run",
                        profile_arg,
                        "--virtual-time-budget=10000",
                        "--dump-dom",
                        url,
                        NULL};
  ts_test_output o = ts_test_run(dump);
  if (o.status != 0)
    fail_msg("chromium --dump-dom: exit %d\n%s", o.status, o.err);
  char want[64];
  snprintf(want, sizeof want, "data-figures=\"%zu/%zu\"", images, images);
  if (!strstr(o.out, want))
    fail_msg("expected %s in the DOM (data-broken lists what did not render):\n%.3000s", want,
             strstr(o.out, "<body") ? strstr(o.out, "<body") : o.out);
  assert_null(strstr(o.out, "data-broken=\""));
  ts_test_output_free(&o);
  const char *screenshot[] = {bin,
                              "--headless",
                              "--no-sandbox",
                              "--disable-gpu",
                              "--no-first-run",
                              "--hide-scrollbars",
                              profile_arg,
                              "--window-size=1400,1800",
                              shot_arg,
                              url,
                              NULL};
  o = ts_test_run(screenshot);
  if (o.status != 0)
    fail_msg("chromium --screenshot: exit %d\n%s", o.status, o.err);
  ts_test_output_free(&o);
  check_png(shot, 1400, 1800);
}

/* ---- degenerate databases ---------------------------------------------------------------------------------------- */

/* A database written directly: two arms a and b of 6 patients, with pk.C and tox.ANC trajectories and endpoints;
 * patient 3 of arm a failed at day 5 (its trajectory stops there, it has no endpoints). */
static const char *failed_patient_db(void) {
  static const ts_store_signal sig[] = {{"pk.C", "mg/L", "output"}, {"tox.ANC", "1e9 cells/L", "output"}};
  static const ts_store_kv meta[] = {{"scenario_name", "failed_patient"}};
  ts_store_run run = {.scenario_path = "failed.yaml", .meta = meta, .n_meta = 1, .signals = sig, .n_signals = 2};
  const char *path = ts_test_path("failed_patient", "db");
  ts_store *st;
  ts_error err;
  ts_error_clear(&err);
  if (ts_store_create(path, &run, 1, &st, &err) != 0)
    fail_msg("%s", err.message);
  double times[21], values[42];
  static const char *const arms[] = {"a", "b"};
  for (int arm = 0; arm < 2; arm++)
    for (int id = 1; id <= 6; id++) {
      for (int i = 0; i <= 20; i++) {
        times[i] = i;
        values[2 * i] = (arm == 0 ? 2.0 : 1.0) * exp(-0.3 * (i % 7)) * (1 + 0.1 * id);
        values[2 * i + 1] = 5 - 3.5 * sin(i / 6.0) * (0.5 + 0.1 * id);
      }
      int failed = arm == 0 && id == 3;
      ts_store_endpoints e = {.best_response = id % 3 == 0 ? "PR" : "SD",
                              .progression_time = NAN,
                              .pfs_time = 5.0 * id + 10 * arm,
                              .pfs_event = id % 2,
                              .os_time = 20,
                              .os_event = 0,
                              .worst_grade = id % 5,
                              .cumulative_dose = NAN,
                              .baseline_mm = 50,
                              .nadir_mm = 40,
                              .best_change = -0.1 * id + 0.05 * arm};
      ts_store_patient p = {.patient_id = id,
                            .label = "synthetic",
                            .arm = arms[arm],
                            .failed = failed,
                            .failure_time = 5,
                            .failure_message = "CVODE CV_TOO_MUCH_WORK at t = 5 d",
                            .n_times = failed ? 6 : 21,
                            .times = times,
                            .values = values,
                            .endpoints = failed ? NULL : &e};
      if (ts_store_write_patient(st, &p, &err) != 0)
        fail_msg("%s", err.message);
    }
  if (ts_store_finish(st, "complete", &err) != 0)
    fail_msg("%s", err.message);
  return path;
}

/* A degenerate report: it is written, its tables equal the summary, its figures are drawn. */
static char *degenerate_report(const char *db, const char *name) {
  ts_test_output o = cli("summary", db, NULL);
  assert_int_equal(o.status, 0);
  char dir[1024];
  char *html = report_ok(db, name, NULL, NULL, NULL, NULL, dir, sizeof dir);
  check_tables(o.out, html);
  check_figures(html, dir);
  ts_test_output_free(&o);
  return html;
}

static void test_failed_patient(void **state) {
  (void)state;
  char *html = degenerate_report(failed_patient_db(), "failed");
  expect_in(html, "1 simulation failed (integration failure): it has no endpoints and enters no curve or statistic");
  expect_in(html, "km_pfs.svg");
  expect_in(html, "neutrophil_nadirs.svg");
  expect_in(html, "No spider plot: the scenario observes no RECIST signal");
  free(html);
}

/* What-if (scenarios/whatif_schedules.yaml: one twin, three plans): the plans' endpoints and exposure in one table,
 * in the scenario's order, the largest Cmax as stored; one overlay figure per recorded signal, no population plots. */
static void test_what_if(void **state) {
  (void)state;
  const char *db = ts_test_path("whatif", "db");
  ts_test_output o = cli("run", TS_TEST_SOURCE_DIR "/scenarios/whatif_schedules.yaml", "-o", db, "--quiet", NULL);
  assert_int_equal(o.status, 0);
  ts_test_output_free(&o);
  char dir[1024];
  char *html = report_ok(db, "whatif", NULL, NULL, NULL, NULL, dir, sizeof dir);
  expect_in(html, "What-if: 3 plans for one twin");
  expect_in(html, "highest Cmax of pk.C (mg/L)");
  const char *q3w = strstr(html, "<td>q3w_100mg</td>"), *q2w = strstr(html, "<td>q2w_67mg</td>"),
             *weekly = strstr(html, "<td>weekly_33mg</td>");
  assert_true(q3w && q2w && weekly && q3w < q2w && q2w < weekly);
  sqlite3 *sq;
  assert_int_equal(sqlite3_open_v2(db, &sq, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(sq, "SELECT max(cmax) FROM exposure WHERE arm = 'q3w_100mg'", -1, &st, NULL),
                   SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  char cmax[64];
  snprintf(cmax, sizeof cmax, "<td class=\"num\">%.5g</td>", sqlite3_column_double(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(sq);
  expect_in(q3w, cmax); /* on the plan's row: the hourly outputs see the 1-h infusion's peak, about 7.2 mg/L */
  assert_int_equal(check_figures(html, dir), 5); /* pk.C, tumor.N, tumor.R, tox.ANC and tox.grade (the endpoint) */
  assert_int_equal(count_of(html, "km_pfs.svg"), 0);
  free(html);
}

static void test_single_arm(void **state) {
  (void)state;
  char *html = degenerate_report(run_scenario("single_arm"), "single");
  expect_in(html, "One arm only: no hazard ratio or log-rank test.");
  expect_in(html, "not available: a single arm");
  expect_in(html, "km_pfs.svg");
  free(html);
}

static void test_no_events(void **state) {
  (void)state;
  char *html = degenerate_report(run_scenario("no_events"), "no_events");
  expect_in(html, "No PFS events in any arm: every patient is censored");
  expect_in(html, "No OS events in any arm");
  expect_in(html, "Arm treated: no waterfall plot, no patient has a best change from baseline");
  expect_in(html, "Arm treated: no spider plot, no patient has an assessment after the baseline.");
  expect_in(html, "not available: no events");
  free(html);
}

static void test_no_endpoints_and_bad_input(void **state) {
  (void)state;
  /* the demo: one patient, no arms, no endpoints, no neutrophils */
  char scenario[1024];
  snprintf(scenario, sizeof scenario, "%s/scenarios/demo.yaml", TS_TEST_SOURCE_DIR);
  const char *db = ts_test_path("demo", "db");
  ts_test_output o = cli("run", scenario, "-o", db, "--quiet", NULL);
  assert_int_equal(o.status, 0);
  ts_test_output_free(&o);
  char *html = degenerate_report(db, "demo");
  expect_in(html, "No Kaplan-Meier curves: no endpoints recorded (the scenario defines none).");
  expect_in(html, "No waterfall plot: no endpoints recorded (the scenario defines none).");
  expect_in(html, "No neutrophil figures: no recorded signal is a neutrophil count");
  expect_in(html, "concentration_1.svg");
  free(html);

  /* an existing report is kept unless --force */
  char dir[1024];
  html = report_ok(db, "again", NULL, NULL, NULL, NULL, dir, sizeof dir);
  free(html);
  o = cli("report", db, "-o", dir, NULL);
  assert_int_equal(o.status, 2);
  expect_in(o.err, "--force");
  ts_test_output_free(&o);
  o = cli("report", db, "-o", dir, "--force", NULL);
  assert_int_equal(o.status, 0);
  ts_test_output_free(&o);

  /* not a database, a missing one, no -o */
  const char *junk = ts_test_path("junk", "db");
  assert_int_equal(ts_test_write_file(junk, "not a database at all, just text\n"), 0);
  o = cli("report", junk, "-o", ts_test_path("junk", "report"), NULL);
  assert_int_equal(o.status, 2);
  ts_test_output_free(&o);
  o = cli("report", ts_test_path("nosuch", "db"), "-o", ts_test_path("nosuch", "report"), NULL);
  assert_int_equal(o.status, 2);
  expect_in(o.err, "no such database file");
  ts_test_output_free(&o);
  o = cli("report", db, NULL);
  assert_int_equal(o.status, 2);
  ts_test_output_free(&o);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tables_equal_summary),
      cmocka_unit_test(test_figures_are_drawn),
      cmocka_unit_test(test_page_renders_in_chromium),
      cmocka_unit_test(test_failed_patient),
      cmocka_unit_test(test_what_if),
      cmocka_unit_test(test_single_arm),
      cmocka_unit_test(test_no_events),
      cmocka_unit_test(test_no_endpoints_and_bad_input),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
