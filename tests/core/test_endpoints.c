/* Tests of core/endpoints.c: RECIST 1.1 best overall response (a table of worked examples), tumor diameter, PFS,
 * threshold crossing, worst CTCAE grade and exposure per dosing cycle.
 *
 * Every expected value is worked out by hand in the comments (RECIST cases, crossings, grades) or comes from a
 * closed form (the one-compartment bolus and infusion profiles, the diameter of a sphere), never from the code's own
 * output. Values that are inputs passed through (nadir, progression time) or that have an exact binary result
 * (linear interpolation at 15 or 2.5, areas of straight segments) are compared exactly; derived fractions with an
 * absolute tolerance of 1e-12; areas of exponential pieces with a relative tolerance stated at each check. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "endpoints.h"
#include "test_support.h"

/* Equal, or both NaN. */
static int same(double a, double b) {
  return (isnan(a) && isnan(b)) || a == b;
}

static void check_exact(const char *what, double got, double want) {
  if (!same(got, want))
    fail_msg("%s: %.17g, expected %.17g", what, got, want);
}

static void check_abs(const char *what, double got, double want, double tol) {
  if (isnan(want) ? !isnan(got) : !(fabs(got - want) <= tol))
    fail_msg("%s: %.17g, expected %.17g (absolute tolerance %g)", what, got, want, tol);
}

static void check_rel(const char *what, double got, double want, double tol) {
  if (!(ts_test_relerr(got, want, 1e-300) <= tol))
    fail_msg("%s: %.17g, expected %.17g (relative error %.3g, tolerance %g)", what, got, want,
             ts_test_relerr(got, want, 1e-300), tol);
}

/* ---------------------------------------------------------------------------------------------------------------
 * RECIST 1.1: a table of worked examples. Baseline at t = 0; sums in mm; times in days. Unless a case says
 * otherwise: PR >= 30% below baseline, PD >= 20% AND >= 5 mm above the nadir (baseline included), CR at 0 mm, no
 * confirmation, no minimum SD interval.
 * --------------------------------------------------------------------------------------------------------------- */

#define MAX_ASSESS 8

typedef struct recist_case {
  const char *name;
  size_t n;
  double t[MAX_ASSESS];
  double sld[MAX_ASSESS];
  int confirm; /* confirm_days is 28 throughout */
  double sd_min_days;
  double cr_threshold_mm;
  ts_recist best;     /* expected */
  double progression; /* expected; NAN: none */
  double baseline;    /* expected */
  double nadir;       /* expected */
  double best_change; /* expected; NAN: none */
} recist_case;

static const recist_case recist_cases[] = {
    /* Steady shrinkage: changes -10%, -20%, -31%, -35%. No sum exceeds an earlier one, so no PD. PR is first reached
     * at t = 126 (-31%): the full series is PR, cut after t = 84 (-20%, the last SD) it is SD, cut at t = 126 PR. */
    {"shrink to -35%", 5, {0, 42, 84, 126, 168}, {100, 90, 80, 69, 65}, 0, 0, 0, TS_RECIST_PR, NAN, 100, 65, -0.35},
    {"shrink, cut before -30%", 3, {0, 42, 84}, {100, 90, 80}, 0, 0, 0, TS_RECIST_SD, NAN, 100, 80, -0.20},
    {"shrink, cut at the first PR", 4, {0, 42, 84, 126}, {100, 90, 80, 69}, 0, 0, 0, TS_RECIST_PR, NAN, 100, 69, -0.31},
    /* 70.1 mm is -29.9%: short of -30%, SD. */
    {"-29.9%", 3, {0, 42, 84}, {100, 85, 70.1}, 0, 0, 0, TS_RECIST_SD, NAN, 100, 70.1, -0.299},
    /* 70 mm is exactly -30%: the bound is inclusive, PR. */
    {"exactly -30%", 2, {0, 42}, {100, 70}, 0, 0, 0, TS_RECIST_PR, NAN, 100, 70, -0.30},
    /* 23.8 mm is +19% (not PD); 24.2 mm is +21% but only +4.2 mm over the nadir 20 mm: the 5 mm rule keeps it SD.
     * Best change = the smaller of +0.19 and +0.21. */
    {"+19% then +21% but 4.2 mm", 3, {0, 42, 84}, {20, 23.8, 24.2}, 0, 0, 0, TS_RECIST_SD, NAN, 20, 20, 0.19},
    /* 16 -> 20 mm is +25% but +4 mm: SD. */
    {"+25% but 4 mm", 2, {0, 42}, {16, 20}, 0, 0, 0, TS_RECIST_SD, NAN, 16, 16, 0.25},
    /* 25 -> 30 mm is exactly +20% and exactly +5 mm: both bounds inclusive, PD at t = 42, nothing before it. */
    {"exactly +20% and 5 mm", 2, {0, 42}, {25, 30}, 0, 0, 0, TS_RECIST_PD, 42, 25, 25, 0.20},
    /* -50% at t = 56 (PR), then 60 mm: +20% and +10 mm over the NADIR 50 mm, so PD at t = 112 although 60 mm is
     * still -40% from baseline. The 70 mm after PD is ignored. BOR PR. */
    {"-50% then +20% over the nadir",
     4,
     {0, 56, 112, 168},
     {100, 50, 60, 70},
     0,
     0,
     0,
     TS_RECIST_PR,
     112,
     100,
     50,
     -0.50},
    /* 59.5 mm is +19% (+9.5 mm) over the nadir 50: not PD; it is -40.5% from baseline, PR. */
    {"-50% then +19% over the nadir", 3, {0, 56, 112}, {100, 50, 59.5}, 0, 0, 0, TS_RECIST_PR, NAN, 100, 50, -0.50},
    /* 110 mm: +10% over the nadir 100 (the baseline), SD. 120 mm: +20% and +20 mm over the nadir 100 = PD at t = 84.
     * Had the nadir left out the baseline (110), 120 would be only +9%. BOR SD. Best change min(+0.1, +0.2). */
    {"nadir includes the baseline", 3, {0, 42, 84}, {100, 110, 120}, 0, 0, 0, TS_RECIST_SD, 84, 100, 100, 0.10},
    /* All lesions gone: CR. */
    {"disappearance", 3, {0, 42, 84}, {100, 40, 0}, 0, 0, 0, TS_RECIST_CR, NAN, 100, 0, -1.0},
    /* cr_threshold 10 mm (nodes): 8 mm counts as CR; best change -92%. */
    {"nodes below 10 mm", 3, {0, 42, 84}, {100, 40, 8}, 0, 0, 10, TS_RECIST_CR, NAN, 100, 8, -0.92},
    /* CR then 4 mm: +4 mm over the nadir 0 is under 5 mm, no PD (it is PR by the baseline). BOR CR. */
    {"CR then regrowth of 4 mm", 3, {0, 42, 84}, {100, 0, 4}, 0, 0, 0, TS_RECIST_CR, NAN, 100, 0, -1.0},
    /* CR then 5 mm: infinitely many % and 5 mm over the nadir 0: PD at t = 84. BOR CR. */
    {"CR then regrowth of 5 mm", 3, {0, 42, 84}, {100, 0, 5}, 0, 0, 0, TS_RECIST_CR, 84, 100, 0, -1.0},
    /* +30% at the first assessment: PD at t = 42, BOR PD. The -10% after it is ignored (best change stays +0.3). */
    {"immediate progression", 3, {0, 42, 84}, {100, 130, 90}, 0, 0, 0, TS_RECIST_PD, 42, 100, 100, 0.30},
    /* One PR (-40%): PR without confirmation, SD with (nothing confirms it; as SD it counts, sd_min 0). */
    {"single PR, unconfirmed allowed", 2, {0, 56}, {100, 60}, 0, 0, 0, TS_RECIST_PR, NAN, 100, 60, -0.40},
    {"single PR, confirmation required", 2, {0, 56}, {100, 60}, 1, 0, 0, TS_RECIST_SD, NAN, 100, 60, -0.40},
    /* PR at 56, CR at 84 (28 d later): the CR confirms the PR (worse of the two: PR). The CR itself has nothing
     * after it, so counts as SD. BOR PR. */
    {"PR confirmed by a later CR", 3, {0, 56, 84}, {100, 60, 0}, 1, 0, 0, TS_RECIST_PR, NAN, 100, 0, -1.0},
    /* CR at 56, then 4 mm at 84 (PR by the baseline; +4 mm over the nadir 0 is not PD): the CR is confirmed as
     * the worse of the two, PR (RECIST 1.1 table 3, CR then PR). */
    {"CR then PR confirms PR", 3, {0, 56, 84}, {100, 0, 4}, 1, 0, 0, TS_RECIST_PR, NAN, 100, 0, -1.0},
    /* CR at 56 confirmed by CR at 84: CR. */
    {"CR confirmed by CR", 3, {0, 56, 84}, {100, 0, 0}, 1, 0, 0, TS_RECIST_CR, NAN, 100, 0, -1.0},
    /* The second PR is only 14 d after the first (< 28): neither is confirmed, both count as SD. */
    {"PR repeated too soon", 3, {0, 56, 70}, {100, 60, 60}, 1, 0, 0, TS_RECIST_SD, NAN, 100, 60, -0.40},
    /* PR at 56 (-40%), PR at 70 (-38%, +3.3% over the nadir), PR at 84 (-39%): the one at 84 is the first >= 28 d
     * after 56 and every assessment between is PR: confirmed PR. */
    {"PR confirmed across an earlier PR",
     4,
     {0, 56, 70, 84},
     {100, 60, 62, 61},
     1,
     0,
     0,
     TS_RECIST_PR,
     NAN,
     100,
     60,
     -0.40},
    /* PR at 56, SD at 70 (71 mm: -29%; +18% over the nadir 60, not PD), PR at 84: the SD in between breaks the
     * confirmation of the first PR, and the last has nothing after it: BOR SD. */
    {"SD in between breaks confirmation",
     4,
     {0, 56, 70, 84},
     {100, 60, 71, 65},
     1,
     0,
     0,
     TS_RECIST_SD,
     NAN,
     100,
     60,
     -0.40},
    /* PR at 56, then 80 mm at 84: +33% and +20 mm over the nadir 60 = PD. The PR is unconfirmed and counts as SD when
     * 56 >= sd_min_days (42: BOR SD), not when sd_min_days is 60 (BOR PD). Best change min(-0.4, -0.2). */
    {"PR then PD, SD long enough", 3, {0, 56, 84}, {100, 60, 80}, 1, 42, 0, TS_RECIST_SD, 84, 100, 60, -0.40},
    {"PR then PD, SD too early", 3, {0, 56, 84}, {100, 60, 80}, 1, 60, 0, TS_RECIST_PD, 84, 100, 60, -0.40},
    /* SD at 28 d with sd_min_days 42: does not count, nothing else: NE. At exactly 42 d it counts. */
    {"SD before sd_min_days", 2, {0, 28}, {100, 95}, 0, 42, 0, TS_RECIST_NE, NAN, 100, 95, -0.05},
    {"SD at sd_min_days", 2, {0, 42}, {100, 95}, 0, 42, 0, TS_RECIST_SD, NAN, 100, 95, -0.05},
    /* SD too early (14 d < 42), then +30% at 28 d: PD. BOR PD. */
    {"early SD then PD", 3, {0, 14, 28}, {100, 100, 130}, 0, 42, 0, TS_RECIST_PD, 28, 100, 100, 0.0},
    /* Baseline only: NE, no change. */
    {"baseline only", 1, {0}, {100}, 0, 0, 0, TS_RECIST_NE, NAN, 100, 100, NAN},
    /* A missing (NaN) sum is skipped: the PR at 56 stands. */
    {"NaN assessment skipped", 3, {0, 28, 56}, {100, NAN, 60}, 0, 0, 0, TS_RECIST_PR, NAN, 100, 60, -0.40},
    /* ... and does not hide a PD after it: 125 is +25%, +25 mm over 100. */
    {"NaN before PD", 3, {0, 28, 56}, {100, NAN, 125}, 0, 0, 0, TS_RECIST_PD, 56, 100, 100, 0.25},
    /* A NaN time is skipped too. */
    {"NaN time skipped", 3, {0, NAN, 56}, {100, 125, 60}, 0, 0, 0, TS_RECIST_PR, NAN, 100, 60, -0.40},
    /* No usable baseline, or a zero baseline (no measurable disease): NE, every number NaN. */
    {"NaN baseline", 2, {0, 28}, {NAN, 60}, 0, 0, 0, TS_RECIST_NE, NAN, NAN, NAN, NAN},
    {"zero baseline", 2, {0, 28}, {0, 60}, 0, 0, 0, TS_RECIST_NE, NAN, NAN, NAN, NAN},
};

static void test_recist_table(void **state) {
  (void)state;
  size_t count = sizeof recist_cases / sizeof recist_cases[0];
  assert_true(count >= 10);
  for (size_t k = 0; k < count; k++) {
    const recist_case *c = &recist_cases[k];
    ts_recist_options o = ts_recist_defaults();
    o.confirm = c->confirm;
    o.sd_min_days = c->sd_min_days;
    o.cr_threshold_mm = c->cr_threshold_mm;
    ts_recist_result r = ts_recist_evaluate(c->t, c->sld, c->n, &o);
    char what[160];
    if (r.best != c->best)
      fail_msg("case '%s': best %s, expected %s", c->name, ts_recist_name(r.best), ts_recist_name(c->best));
    snprintf(what, sizeof what, "case '%s': progression time", c->name);
    check_exact(what, r.progression_time, c->progression);
    snprintf(what, sizeof what, "case '%s': baseline", c->name);
    check_exact(what, r.baseline_mm, c->baseline);
    snprintf(what, sizeof what, "case '%s': nadir", c->name);
    check_exact(what, r.nadir_mm, c->nadir);
    snprintf(what, sizeof what, "case '%s': best change", c->name);
    check_abs(what, r.best_change, c->best_change, 1e-12);
  }
}

static void test_recist_defaults_and_names(void **state) {
  (void)state;
  ts_recist_options o = ts_recist_defaults();
  check_exact("pr_fraction", o.pr_fraction, 0.30);
  check_exact("pd_fraction", o.pd_fraction, 0.20);
  check_exact("pd_absolute_mm", o.pd_absolute_mm, 5.0);
  check_exact("cr_threshold_mm", o.cr_threshold_mm, 0.0);
  assert_int_equal(o.confirm, 0);
  check_exact("confirm_days", o.confirm_days, 28.0);
  check_exact("sd_min_days", o.sd_min_days, 0.0);

  assert_string_equal(ts_recist_name(TS_RECIST_NE), "NE");
  assert_string_equal(ts_recist_name(TS_RECIST_CR), "CR");
  assert_string_equal(ts_recist_name(TS_RECIST_PR), "PR");
  assert_string_equal(ts_recist_name(TS_RECIST_SD), "SD");
  assert_string_equal(ts_recist_name(TS_RECIST_PD), "PD");
  assert_string_equal(ts_recist_name((ts_recist)99), "?");

  /* NULL options are the defaults: the single PR is PR (no confirmation); with confirmation it would be SD. */
  const double t[] = {0, 56}, sld[] = {100, 60};
  assert_int_equal(ts_recist_evaluate(t, sld, 2, NULL).best, TS_RECIST_PR);
  /* No data: NE with NaNs. */
  ts_recist_result r = ts_recist_evaluate(NULL, NULL, 0, NULL);
  assert_int_equal(r.best, TS_RECIST_NE);
  check_exact("empty: progression", r.progression_time, NAN);
  check_exact("empty: baseline", r.baseline_mm, NAN);
}

/* confirm_days is honoured: the PR pair 14 d apart confirms with confirm_days 14, not with 15. Other thresholds
 * too: with pr_fraction 0.5 the -40% is SD; with pd_absolute_mm 4 the 16 -> 20 mm rise (+25%, +4 mm) is PD. */
static void test_recist_options(void **state) {
  (void)state;
  const double t[] = {0, 56, 70}, sld[] = {100, 60, 60};
  ts_recist_options o = ts_recist_defaults();
  o.confirm = 1;
  o.confirm_days = 14;
  assert_int_equal(ts_recist_evaluate(t, sld, 3, &o).best, TS_RECIST_PR);
  o.confirm_days = 15;
  assert_int_equal(ts_recist_evaluate(t, sld, 3, &o).best, TS_RECIST_SD);

  o = ts_recist_defaults();
  o.pr_fraction = 0.5;
  assert_int_equal(ts_recist_evaluate(t, sld, 2, &o).best, TS_RECIST_SD);

  const double t2[] = {0, 42}, sld2[] = {16, 20};
  o = ts_recist_defaults();
  o.pd_absolute_mm = 4;
  ts_recist_result r = ts_recist_evaluate(t2, sld2, 2, &o);
  assert_int_equal(r.best, TS_RECIST_PD);
  check_exact("pd_absolute_mm 4: progression", r.progression_time, 42);
}

/* ---------------------------------------------------------------------------------------------------------------
 * Diameter, PFS, crossing, grades
 * --------------------------------------------------------------------------------------------------------------- */

static void test_diameter(void **state) {
  (void)state;
  /* 1e9 cells at 1e6 cells/mm^3: V = 1000 mm^3, d = (6000/pi)^(1/3) = 12.40700981798800033 (bc -l, scale 40). */
  check_rel("1e9 cells", ts_diameter_mm(1e9, 1e6), 12.407009817988000333, 1e-15);
  /* 8 times the cells: twice the diameter. */
  check_rel("8e9 cells", ts_diameter_mm(8e9, 1e6), 2 * 12.407009817988000333, 1e-15);
  check_exact("no cells", ts_diameter_mm(0, 1e6), 0);
  check_exact("negative cells", ts_diameter_mm(-1, 1e6), NAN);
  check_exact("zero density", ts_diameter_mm(1e9, 0), NAN);
  check_exact("NaN cells", ts_diameter_mm(NAN, 1e6), NAN);
}

static void test_pfs(void **state) {
  (void)state;
  static const struct {
    const char *name;
    double progression, death, end;
    double time;
    int event;
  } cases[] = {
      {"progression first", 100, 200, 365, 100, 1},
      {"death first", 200, 150, 365, 150, 1},
      {"death without progression", NAN, 150, 365, 150, 1},
      {"progression only", 120, NAN, 365, 120, 1},
      {"neither: censored at the end", NAN, NAN, 365, 365, 0},
      {"event at the end counts", 365, NAN, 365, 365, 1},
      {"event after the end: censored", 400, 500, 365, 365, 0},
      {"progression and death on the same day", 90, 90, 365, 90, 1},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    ts_time_to_event e = ts_pfs(cases[k].progression, cases[k].death, cases[k].end);
    if (e.time != cases[k].time || e.event != cases[k].event)
      fail_msg("%s: (%g, %d), expected (%g, %d)", cases[k].name, e.time, e.event, cases[k].time, cases[k].event);
  }
  /* Overall survival: PFS without progression. */
  ts_time_to_event os = ts_pfs(NAN, 300, 365);
  check_exact("OS time", os.time, 300);
  assert_int_equal(os.event, 1);
}

static void test_first_crossing(void **state) {
  (void)state;
  const double t[] = {0, 10, 20, 30};
  const double y[] = {1, 3, 7, 9};
  /* 5 lies between 3 (t = 10) and 7 (t = 20): 10 + (5 - 3)/(7 - 3) * 10 = 15. */
  check_exact("between samples", ts_first_crossing(t, y, 4, 5), 15);
  /* 3.5 between 3 and 7: 10 + 0.5/4 * 10 = 11.25 (exact in binary). */
  check_exact("between samples, 11.25", ts_first_crossing(t, y, 4, 3.5), 11.25);
  /* Exactly at a sample: that sample's time. */
  check_exact("at a sample", ts_first_crossing(t, y, 4, 7), 20);
  /* At a sample whose time interpolation would not reproduce: 0.2 + (0.9 - 0.2) is 0.9000000000000001 in doubles. */
  const double tr[] = {0.2, 0.9}, yr[] = {1, 3};
  check_exact("at a sample, inexact times", ts_first_crossing(tr, yr, 2, 3), 0.9);
  /* Never reached. */
  check_exact("never", ts_first_crossing(t, y, 4, 10), NAN);
  /* Starting at or above: t[0]. */
  check_exact("starting above", ts_first_crossing(t, y, 4, 0.5), 0);
  check_exact("starting on it", ts_first_crossing(t, y, 4, 1), 0);
  /* Non-monotone: the first passage counts, (1 -> 6 between 0 and 10): 0 + (4 - 1)/(6 - 1) * 10 = 6. */
  const double y2[] = {1, 6, 2, 8};
  check_exact("first passage", ts_first_crossing(t, y2, 4, 4), 6);
  /* A NaN sample is skipped: interpolate between (0, 1) and (20, 7): 0 + (4 - 1)/(7 - 1) * 20 = 10. */
  const double y3[] = {1, NAN, 7, 9};
  check_exact("NaN skipped", ts_first_crossing(t, y3, 4, 4), 10);
  /* Empty, NULL, NaN threshold. */
  check_exact("empty", ts_first_crossing(t, y, 0, 5), NAN);
  check_exact("NULL", ts_first_crossing(NULL, NULL, 4, 5), NAN);
  check_exact("NaN threshold", ts_first_crossing(t, y, 4, NAN), NAN);
}

static void test_worst_grade(void **state) {
  (void)state;
  const double g1[] = {0, 1, 3, 2, 1};
  assert_int_equal(ts_worst_grade(g1, 5), 3);
  assert_int_equal(ts_worst_grade(g1, 0), 0);
  assert_int_equal(ts_worst_grade(NULL, 3), 0);
  const double g2[] = {NAN, 2, NAN};
  assert_int_equal(ts_worst_grade(g2, 3), 2);
  const double g3[] = {4, 5, 4};
  assert_int_equal(ts_worst_grade(g3, 3), 5);
  /* 2.5 has reached grade 2, not 3; out-of-range values are clamped to 0..5. */
  const double g4[] = {2.5, 1};
  assert_int_equal(ts_worst_grade(g4, 2), 2);
  const double g5[] = {7, 1};
  assert_int_equal(ts_worst_grade(g5, 2), 5);
  const double g6[] = {-1, -3};
  assert_int_equal(ts_worst_grade(g6, 2), 0);
}

/* ---------------------------------------------------------------------------------------------------------------
 * Exposure per cycle
 *
 * One-compartment bolus series: doses of D/V = C0 = 10 mg/L at t = 0, 7, 14 d, elimination k = 0.3 /d, three
 * 7-day cycles, end 21 d. The samples are computed by superposition, C(t) = sum over doses t_j <= t of
 * C0 exp(-k (t - t_j)), on a grid of 0.25 d. Closed forms for cycle m (0-based), with r = exp(-k tau):
 *   peak   A_m = C0 (1 - r^(m+1)) / (1 - r)           at the dose time 7m
 *   trough A_m r                                      just before the next dose, t = 7(m+1)
 *   AUC    integral of A_m exp(-k s), s in [0, tau]  = A_m (1 - r) / k = C0 (1 - r^(m+1)) / k
 * --------------------------------------------------------------------------------------------------------------- */

#define C0    10.0
#define KEL   0.3
#define TAU   7.0
#define NCYC  3
#define STEP  0.25
#define NSTEP 28 /* TAU / STEP */
#define NMAX  200

/* C(t) by superposition; `post` includes a dose given exactly at t. */
static double bolus_conc(double t, int post) {
  double c = 0;
  for (int j = 0; j < NCYC; j++) {
    double tj = j * TAU;
    if (tj < t || (post && tj == t))
      c += C0 * exp(-KEL * (t - tj));
  }
  return c;
}

/* The series on the grid; at each dose time: the pre-dose sample (when `pre`) then the post-dose one (when `post`). */
static size_t bolus_series(double *t, double *c, int pre, int post) {
  size_t n = 0;
  for (int m = 0; m <= NCYC * NSTEP; m++) {
    double tm = m * STEP;
    int dose_time = m % NSTEP == 0 && m < NCYC * NSTEP;
    if (!dose_time || pre) {
      t[n] = tm;
      c[n++] = bolus_conc(tm, 0);
    }
    if (dose_time && post) {
      t[n] = tm;
      c[n++] = bolus_conc(tm, 1);
    }
  }
  return n;
}

static double peak(int m) {
  double r = exp(-KEL * TAU);
  return C0 * (1 - pow(r, m + 1)) / (1 - r);
}

static void test_cycles_bolus_exact(void **state) {
  (void)state;
  double t[NMAX], c[NMAX];
  size_t n = bolus_series(t, c, 1, 1);
  const double starts[NCYC] = {0, 7, 14};
  ts_cycle_exposure x[NCYC];
  assert_int_equal(ts_cycle_exposures(t, c, n, starts, NCYC, 21, x), NCYC);
  for (int m = 0; m < NCYC; m++) {
    char what[96];
    check_exact("start", x[m].start, m * TAU);
    check_exact("end", x[m].end, (m + 1) * TAU);
    /* The log-down rule is exact for an exponential: only rounding remains (a linear-down rule would be off by about
     * (k h)^2 / 12 = 4.7e-4 relative). */
    double auc = -C0 * expm1(-KEL * TAU * (m + 1)) / KEL;
    snprintf(what, sizeof what, "cycle %d AUC", m);
    check_rel(what, x[m].auc, auc, 1e-12);
    /* Cmax: the post-dose sample at the dose time; Cmin: the pre-dose sample at the next dose (the trough). */
    snprintf(what, sizeof what, "cycle %d Cmax", m);
    check_rel(what, x[m].cmax, peak(m), 1e-14);
    snprintf(what, sizeof what, "cycle %d tmax", m);
    check_exact(what, x[m].tmax, m * TAU);
    snprintf(what, sizeof what, "cycle %d Cmin", m);
    check_rel(what, x[m].cmin, peak(m) * exp(-KEL * TAU), 1e-14);
  }
}

/* twinsim records the PRE-dose value at a dose time (docs/design.md). The boundary sample is then the trough of the
 * cycle that ends there: cycle m's Cmin is A_m r (for cycle 0 not the 0 recorded before the first dose at t = 0),
 * and its Cmax is the first sample after the dose, A_m exp(-k h) at 7m + h. */
static void test_cycles_pre_dose_samples(void **state) {
  (void)state;
  double t[NMAX], c[NMAX];
  size_t n = bolus_series(t, c, 1, 0);
  check_exact("first sample (pre-dose)", c[0], 0);
  const double starts[NCYC] = {0, 7, 14};
  ts_cycle_exposure x[NCYC];
  assert_int_equal(ts_cycle_exposures(t, c, n, starts, NCYC, 21, x), NCYC);
  for (int m = 0; m < NCYC; m++) {
    char what[96];
    snprintf(what, sizeof what, "cycle %d Cmin", m);
    check_rel(what, x[m].cmin, peak(m) * exp(-KEL * TAU), 1e-14);
    snprintf(what, sizeof what, "cycle %d Cmax", m);
    check_rel(what, x[m].cmax, peak(m) * exp(-KEL * STEP), 1e-14);
    snprintf(what, sizeof what, "cycle %d tmax", m);
    check_exact(what, x[m].tmax, m * TAU + STEP);
  }
}

/* Only the POST-dose value at a dose time: Cmax is the peak at the dose time; Cmin is the last sample before the
 * next dose, A_m exp(-k (tau - h)), the post-dose sample at the next boundary being a peak; the last cycle ends on
 * the plain trough A_2 r at t = 21. */
static void test_cycles_post_dose_samples(void **state) {
  (void)state;
  double t[NMAX], c[NMAX];
  size_t n = bolus_series(t, c, 0, 1);
  const double starts[NCYC] = {0, 7, 14};
  ts_cycle_exposure x[NCYC];
  assert_int_equal(ts_cycle_exposures(t, c, n, starts, NCYC, 21, x), NCYC);
  for (int m = 0; m < NCYC; m++) {
    char what[96];
    snprintf(what, sizeof what, "cycle %d Cmax", m);
    check_rel(what, x[m].cmax, peak(m), 1e-14);
    snprintf(what, sizeof what, "cycle %d tmax", m);
    check_exact(what, x[m].tmax, m * TAU);
    double trough = m < NCYC - 1 ? peak(m) * exp(-KEL * (TAU - STEP)) : peak(m) * exp(-KEL * TAU);
    snprintf(what, sizeof what, "cycle %d Cmin", m);
    check_rel(what, x[m].cmin, trough, 1e-14);
  }
}

/* A one-day infusion into the same compartment (rate R, volume V), then decay, over one cycle [0, 7]:
 *   during (0 <= t <= T = 1): C = a (1 - exp(-k t)),  a = R / (k V) = 10 mg/L;
 *   after:                    C = C(T) exp(-k (t - T)).
 * Exact AUC = a (T - (1 - exp(-k T)) / k) + C(T) (1 - exp(-k (7 - T))) / k.
 * The rising part is sampled every h = 0.05 d and integrated with linear trapezoids; for a concave f the composite
 * trapezoid underestimates, with error (Euler-Maclaurin)
 *   T_h - I = h^2/12 (f'(T) - f'(0)) + R4,  |R4| <= h^4/720 |f'''(T) - f'''(0)| (+ higher order),
 * and the classical bound |T_h - I| <= T h^2 / 12 max|f''| = T h^2 a k^2 / 12. The falling part (every 0.25 d) is
 * an exponential, integrated exactly by the log-down rule. Cmax is C(T) at T. */
static void test_cycles_infusion(void **state) {
  (void)state;
  const double a = 10.0, k = KEL, tinf = 1.0, h = 1.0 / 20;
  double t[64], c[64];
  size_t n = 0;
  for (int i = 0; i <= 20; i++, n++) {
    t[n] = i / 20.0;
    c[n] = -a * expm1(-k * t[n]);
  }
  double ct = c[n - 1];
  for (int j = 1; j <= 24; j++, n++) {
    t[n] = tinf + j * 0.25;
    c[n] = ct * exp(-k * (t[n] - tinf));
  }
  check_exact("last sample time", t[n - 1], 7);
  const double starts[1] = {0};
  ts_cycle_exposure x;
  assert_int_equal(ts_cycle_exposures(t, c, n, starts, 1, 7, &x), 1);
  double exact = a * (tinf + expm1(-k * tinf) / k) - ct * expm1(-k * (7 - tinf)) / k;
  double err = x.auc - exact; /* T_h - I, all of it from the rising part */
  double leading = h * h / 12 * (a * k * exp(-k * tinf) - a * k);
  double r4 = h * h * h * h / 720 * a * k * k * k * (1 - exp(-k * tinf));
  double bound = tinf * h * h * a * k * k / 12;
  if (!(err < 0 && -err <= bound))
    fail_msg("infusion AUC error %.6g: expected an underestimate within the trapezoid bound %.6g", err, bound);
  /* leading = -1.62e-4 and r4 = 2.3e-9: a log rule on the rising part, or a wrong area, lands far outside. */
  if (!(fabs(err - leading) <= 2 * r4 + 1e-12))
    fail_msg("infusion AUC error %.10g, expected %.10g +- %.3g (Euler-Maclaurin)", err, leading, 2 * r4 + 1e-12);
  check_exact("infusion Cmax", x.cmax, ct);
  check_exact("infusion tmax", x.tmax, tinf);
  /* Cmin in (0, 7]: the concentration started from 0, so the smallest sample is the first after the start,
   * C(h) = a (1 - exp(-k h)) = 0.1489, below the end-of-cycle value C(7) = 0.428. */
  check_rel("infusion Cmin", x.cmin, -a * expm1(-k * h), 1e-14);
}

/* Cycle boundaries between samples: segments are cut and each piece integrated under the segment's own
 * interpolant. */
static void test_cycles_partial_segments(void **state) {
  (void)state;
  ts_cycle_exposure x[2];
  /* Rising straight line (0, 0) -> (4, 8), C = 2t. Cycle [0, 1]: area 1; cycle [1, 4]: 16 - 1 = 15. Cycle 0 has a
   * sample for Cmax (0 at t = 0) but none in (0, 1] for Cmin; cycle 1 none in [1, 4) for Cmax, 8 at t = 4 for Cmin. */
  const double t1[] = {0, 4}, c1[] = {0, 8}, s1[] = {0, 1};
  assert_int_equal(ts_cycle_exposures(t1, c1, 2, s1, 2, 4, x), 2);
  check_exact("line [0,1] AUC", x[0].auc, 1);
  check_exact("line [1,4] AUC", x[1].auc, 15);
  check_exact("line [0,1] Cmax", x[0].cmax, 0);
  check_exact("line [0,1] tmax", x[0].tmax, 0);
  check_exact("line [0,1] Cmin", x[0].cmin, NAN);
  check_exact("line [1,4] Cmax", x[1].cmax, NAN);
  check_exact("line [1,4] tmax", x[1].tmax, NAN);
  check_exact("line [1,4] Cmin", x[1].cmin, 8);

  /* Falling (0, 8) -> (3, 1): the log interpolant is 8 * 2^(-t). Cycle [0, 1]: 8 (1 - 1/2) / ln 2 = 4 / ln 2;
   * cycle [1, 3]: 8 (1/2 - 1/8) / ln 2 = 3 / ln 2. */
  const double t2[] = {0, 3}, c2[] = {8, 1}, s2[] = {0, 1};
  ts_cycle_exposures(t2, c2, 2, s2, 2, 3, x);
  check_rel("exponential [0,1] AUC", x[0].auc, 4 / log(2.0), 1e-14);
  check_rel("exponential [1,3] AUC", x[1].auc, 3 / log(2.0), 1e-14);

  /* Closely spaced falling samples, 1 -> exp(-1e-6) over one day: the area is (1 - exp(-1e-6)) / 1e-6 =
   * -expm1(-1e-6) / 1e-6 = 0.99999950000016667. Taking ln(cu / cv) of the rounded ratio would lose about 2e-11
   * relative here; the rule must keep 1e-14. */
  const double t4[] = {0, 1}, c4[] = {1, exp(-1e-6)}, s4[] = {0};
  ts_cycle_exposures(t4, c4, 2, s4, 1, 1, x);
  check_rel("close samples AUC", x[0].auc, -expm1(-1e-6) / 1e-6, 1e-14);

  /* Falling to zero: no logarithm, linear: (0, 10) -> (2, 0) -> (4, 0) has area 10. */
  const double t3[] = {0, 2, 4}, c3[] = {10, 0, 0}, s3[] = {0};
  ts_cycle_exposures(t3, c3, 3, s3, 1, 4, x);
  check_exact("to zero AUC", x[0].auc, 10);
  check_exact("to zero Cmin", x[0].cmin, 0);
}

static void test_cycles_edge_cases(void **state) {
  (void)state;
  ts_cycle_exposure x[2];
  /* A NaN sample is skipped: (0, 5), (2, 5) with a NaN between, (3, 9). Area [0, 3]: 5*2 + (5 + 9)/2 = 17. Equal
   * maxima would keep the first time; Cmax in [0, 3) is 5 at t = 0; Cmin in (0, 3] is 5 (the NaN is not taken). */
  const double t1[] = {0, 1, 2, 3}, c1[] = {5, NAN, 5, 9}, s1[] = {0};
  ts_cycle_exposures(t1, c1, 4, s1, 1, 3, x);
  check_exact("NaN skipped: AUC", x[0].auc, 17);
  check_exact("NaN skipped: Cmax", x[0].cmax, 5);
  check_exact("NaN skipped: tmax (first of equal maxima)", x[0].tmax, 0);
  check_exact("NaN skipped: Cmin", x[0].cmin, 5);

  /* No extrapolation: samples on [1, 3]; a cycle [0, 2] or [2, 4] is not spanned, its AUC is NaN. */
  const double t2[] = {1, 3}, c2[] = {4, 4}, s2[] = {0, 2};
  ts_cycle_exposures(t2, c2, 2, s2, 2, 4, x);
  check_exact("before the samples: AUC", x[0].auc, NAN);
  check_exact("after the samples: AUC", x[1].auc, NAN);
  check_exact("before the samples: Cmax", x[0].cmax, 4);

  /* A reversed cycle ([2, 1]) is all NaN; the next ([1, 3]) is fine: area 8. */
  const double s3[] = {2, 1};
  ts_cycle_exposures(t2, c2, 2, s3, 2, 3, x);
  check_exact("reversed: AUC", x[0].auc, NAN);
  check_exact("reversed: Cmax", x[0].cmax, NAN);
  check_exact("reversed: Cmin", x[0].cmin, NAN);
  check_exact("after reversed: AUC", x[1].auc, 8);

  /* No samples at all: NaNs. NULL output or starts: nothing written. */
  ts_cycle_exposures(NULL, NULL, 0, s1, 1, 3, x);
  check_exact("no samples: AUC", x[0].auc, NAN);
  check_exact("no samples: Cmax", x[0].cmax, NAN);
  assert_int_equal(ts_cycle_exposures(t2, c2, 2, s1, 1, 3, NULL), 0);
  assert_int_equal(ts_cycle_exposures(t2, c2, 2, NULL, 1, 3, x), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_recist_table),
      cmocka_unit_test(test_recist_defaults_and_names),
      cmocka_unit_test(test_recist_options),
      cmocka_unit_test(test_diameter),
      cmocka_unit_test(test_pfs),
      cmocka_unit_test(test_first_crossing),
      cmocka_unit_test(test_worst_grade),
      cmocka_unit_test(test_cycles_bolus_exact),
      cmocka_unit_test(test_cycles_pre_dose_samples),
      cmocka_unit_test(test_cycles_post_dose_samples),
      cmocka_unit_test(test_cycles_infusion),
      cmocka_unit_test(test_cycles_partial_segments),
      cmocka_unit_test(test_cycles_edge_cases),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
