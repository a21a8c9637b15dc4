/* Concentration-time profiles per arm: the median and the 5-95% band over the arm's patients at every output time,
 * with the first few patients' own curves. The concentration is the first recorded signal whose unit is a mass or
 * amount per volume (pk.C in mg/L), shown in its own unit. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "plot.h"
#include "report.h"

#define NEGLIGIBLE 1e-9 /* of the largest concentration of all arms */

int ts_report_series_figure(ts_plot *p, ts_axes *ax, const ts_series *s, double top, const char *ylabel,
                            const char *title, ts_error *err) {
  double t_lo = s->time[0], t_hi = s->time[s->n_times - 1], lo = 0, hi = top;
  ts_axes_nice(&t_lo, &t_hi);
  ts_axes_nice(&lo, &hi);
  *ax = (ts_axes){.left = 75,
                  .top = 36,
                  .width = TS_SERIES_FIG_W - 95,
                  .height = TS_SERIES_FIG_H - 154,
                  .xmin = t_lo,
                  .xmax = t_hi,
                  .ymin = lo,
                  .ymax = hi};
  if (ts_plot_open(p, TS_SERIES_FIG_W, TS_SERIES_FIG_H, err) != 0)
    return -1;
  ts_plot_axes(p, ax, "time since start (d)", ylabel, title);
  return 0;
}

void ts_report_draw_series(ts_plot *p, const ts_axes *a, const ts_series *s, ts_rgb c) {
  ts_plot_band(p, a, s->time, s->lo, s->hi, s->n_times, c, 0.22);
  for (size_t k = 0; k < s->n_individual; k++)
    ts_plot_line(p, a, s->time, s->individual[k], s->n_times, (ts_rgb){0.35, 0.35, 0.35}, 0.7, 0.8, TS_SOLID);
  ts_plot_line(p, a, s->time, s->median, s->n_times, c, 1, 2.2, TS_SOLID);
}

double ts_report_series_top(const ts_series *s) {
  double top = 0;
  for (size_t j = 0; j < s->n_times; j++) {
    if (isfinite(s->hi[j]))
      top = fmax(top, s->hi[j]);
    for (size_t k = 0; k < s->n_individual; k++)
      if (isfinite(s->individual[k][j]))
        top = fmax(top, s->individual[k][j]);
  }
  return top;
}

void ts_report_series_legend(ts_plot *p, const ts_axes *a, const ts_series *s, ts_rgb c, int corner) {
  char individuals[64];
  snprintf(individuals, sizeof individuals, "%zu individual patient%s", s->n_individual,
           s->n_individual == 1 ? "" : "s");
  ts_legend_entry e[3] = {{"median", c, 0, TS_SOLID},
                          {"5-95% of patients", (ts_rgb){0.75, 0.82, 0.9}, 1, TS_SOLID},
                          {individuals, (ts_rgb){0.35, 0.35, 0.35}, 0, TS_SOLID}};
  e[1].color = (ts_rgb){1 - 0.22 * (1 - c.r), 1 - 0.22 * (1 - c.g), 1 - 0.22 * (1 - c.b)};
  ts_plot_legend(p, a, e, 3, corner);
}

/* Arm arm_index's figure from the series of every arm (all[]): an arm whose largest value is negligible next to the
 * largest of all arms had no drug (what remains is solver round-off, ~1e-19 mg/L) and is said so, not drawn. */
static int profile(ts_report *r, const ts_report_signal *sig, const ts_series *all, double overall_max,
                   size_t arm_index) {
  const ts_summary_arm *arm = &r->summary->arms[arm_index];
  const ts_series s = all[arm_index];
  int rc = 0;
  if (s.unreadable) {
    /* the page already says why */
  } else if (s.n_patients == 0 || s.n_times == 0) {
    ts_page_missing(&r->page, "Arm %s: no concentration profile, no trajectory of %s stored.", arm->name, sig->name);
  } else if (!(s.max_value > NEGLIGIBLE * overall_max)) {
    ts_page_missing(&r->page,
                    "Arm %s: %s is 0 throughout (no drug given in this arm; at most %.3g %s, solver "
                    "round-off): no profile drawn.",
                    arm->name, sig->name, s.max_value, sig->unit);
  } else {
    char title[160], ylabel[160], name[64], caption[512];
    snprintf(title, sizeof title, "Concentration, arm %s (%zu patients)", arm->name, s.n_patients);
    ts_plot p;
    ts_axes ax;
    if (ts_report_series_figure(&p, &ax, &s, ts_report_series_top(&s),
                                ts_report_signal_label(ylabel, sizeof ylabel, sig->name, sig->unit), title, r->err))
      return -1;
    ts_rgb c = ts_plot_series_color(arm_index);
    ts_report_draw_series(&p, &ax, &s, c);
    ts_report_series_legend(&p, &ax, &s, c, TS_LEGEND_BELOW);
    snprintf(name, sizeof name, "concentration_%zu", arm_index + 1);
    rc = ts_plot_save(&p, r->dir, name, r->err);
    ts_plot_close(&p);
    if (rc == 0) {
      snprintf(caption, sizeof caption,
               "Arm %s: %s (%s) at the recorded output times: median and 5th-95th percentiles over the arm's "
               "patients at each time, and the first %zu patients' own curves. Values between output times are not "
               "recorded, so peaks between them are not shown.",
               arm->name, sig->name, sig->unit, s.n_individual);
      ts_page_figure(&r->page, name, TS_SERIES_FIG_W, TS_SERIES_FIG_H, caption);
    }
  }
  return rc;
}

int ts_report_profiles(ts_report *r) {
  ts_page_add(&r->page, "<h2>Drug concentration</h2>\n");
  double factor;
  const ts_report_signal *sig = ts_report_signal_in(r, "mg/L", NULL, &factor);
  if (!sig) {
    ts_page_missing(&r->page, "No concentration profile: no recorded signal has a concentration unit (mass per volume)"
                              "; add e.g. pk.C to output.signals.");
    return 0;
  }
  size_t n_arms = r->summary->n_arms;
  ts_series *all = calloc(n_arms, sizeof *all);
  if (!all)
    return ts_fail(r->err, TS_E_NOMEM, "out of memory");
  int rc = 0;
  double overall_max = 0;
  for (size_t i = 0; rc == 0 && i < n_arms; i++) {
    rc = ts_series_collect(r, sig->name, r->summary->arms[i].name, r->summary->arms[i].n_patients, 1.0, &all[i]);
    if (rc == 0 && all[i].max_value > overall_max)
      overall_max = all[i].max_value;
  }
  for (size_t i = 0; rc == 0 && i < n_arms; i++)
    rc = profile(r, sig, all, overall_max, i);
  for (size_t i = 0; i < n_arms; i++)
    ts_series_free(&all[i]);
  free(all);
  return rc;
}
