/* `twinsim report`: an HTML page with figures (SVG, and PNG beside them) and tables from a results database. The
 * page is built in order by the figure families, each in its own file; what cannot be drawn is said in the page,
 * with the reason, and never fails the report. docs/report.md describes every figure. */
#ifndef TWINSIM_REPORT_REPORT_H
#define TWINSIM_REPORT_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "error.h"
#include "plot.h"
#include "trial_summary.h"

/* The page being written: HTML text that grows. After an allocation failure it stops growing and `failed` is set. */
typedef struct ts_page {
  char *text;
  size_t len, cap;
  int failed;
  size_t n_figures;
} ts_page;

/* Appends raw HTML (printf-style). */
void ts_page_add(ts_page *pg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends text, escaped for HTML. */
void ts_page_text(ts_page *pg, const char *text);
/* Appends a paragraph saying what is missing and why (printf-style, escaped). */
void ts_page_missing(ts_page *pg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends a figure: the SVG file name.svg of width x height pixels (name.png beside it) and its caption (escaped). */
void ts_page_figure(ts_page *pg, const char *name, int width, int height, const char *caption);
/* Writes the whole document (title, inline style, the page's body, the check of the figures) to path. */
int ts_page_write(const ts_page *pg, const char *path, const char *title, ts_error *err);
void ts_page_free(ts_page *pg);

/* A recorded signal: its name (instance.signal) and unit, from table `signals`. */
typedef struct ts_report_signal {
  char name[128], unit[64];
} ts_report_signal;

typedef struct ts_report {
  sqlite3 *db;
  const char *db_path, *dir;
  const ts_summary *summary; /* the same statistics as `twinsim summary` */
  ts_report_signal *signals;
  size_t n_signals;
  size_t n_patient_ids;      /* distinct patients (a patient simulated in several arms counts once) */
  char recist_signal[128];   /* the observed signal RECIST reads (scenario endpoints.recist.signal), or "" */
  char exposure_signal[128]; /* the concentration of the exposure endpoints (endpoints.exposure), or "" */
  int whatif;                /* one patient, several arms: the plans of a twin */
  ts_page page;
  ts_error *err;
} ts_report;

/* The figure families, in page order. Each adds its section to r->page and writes its files into r->dir. Data that
 * is missing gives a sentence in the page, not a failure: -1 (with r->err set) only when a file cannot be written,
 * the database cannot be read, or memory runs out. */
int ts_report_overview(ts_report *r);    /* report_tables.c: ORR, medians, HR and log-rank, arms side by side */
int ts_report_tables(ts_report *r);      /* report_tables.c: per-arm statistics, scenario, versions, solver */
int ts_report_km(ts_report *r);          /* report_km.c: Kaplan-Meier curves of PFS and OS */
int ts_report_response(ts_report *r);    /* report_response.c: waterfall and spider plots */
int ts_report_profiles(ts_report *r);    /* report_profiles.c: concentration-time profiles */
int ts_report_neutrophils(ts_report *r); /* report_neutrophils.c: neutrophil counts and nadirs */
int ts_report_whatif(ts_report *r);      /* report_whatif.c: the plans of one twin overlaid, their endpoints */

/* The recorded signal of that name, or NULL. */
const ts_report_signal *ts_report_find_signal(const ts_report *r, const char *name);

/* The first recorded signal whose unit converts to `unit` and whose name (after the instance) is one of names[]
 * (NULL-terminated; NULL names: any). *factor converts its values to `unit`. NULL when there is none. */
const ts_report_signal *ts_report_signal_in(const ts_report *r, const char *unit, const char *const *names,
                                            double *factor);

/* Per-time-point distribution of one signal over the patients of an arm, on the grid of output times. */
#define TS_SERIES_INDIVIDUALS 5
typedef struct ts_series {
  size_t n_times, n_patients;                /* grid points; trajectories read */
  double *time, *median, *lo, *hi;           /* lo, hi: the 5th and 95th percentiles */
  double *individual[TS_SERIES_INDIVIDUALS]; /* the first patients' values on the grid (NAN where absent) */
  int64_t individual_id[TS_SERIES_INDIVIDUALS];
  size_t n_individual;
  double *minimum;             /* per trajectory read: its smallest value (NAN when none), e.g. a neutrophil nadir */
  double *argmin;              /* and the time of it */
  double max_value, min_value; /* over every finite value read */
  int unreadable;              /* the trajectories could not be read (the page says why); the series is empty */
} ts_series;

/* Reads `signal` for the patients of `arm` (n_patients of them at most), each value times factor. Memory: one double
 * per patient and grid time (n_patients x n_times), which is 2.9 MB for 1,000 patients x 366 days. Returns 0 (when
 * the trajectories cannot be read, with an empty series marked unreadable and a sentence in the page), or -1 with
 * r->err set when memory runs out. */
int ts_series_collect(ts_report *r, const char *signal, const char *arm, size_t n_patients, double factor,
                      ts_series *out);
void ts_series_free(ts_series *s);

/* report_profiles.c: the frame of a series figure (TS_SERIES_FIG_W x TS_SERIES_FIG_H, room for the legend under the
 * axis): time over the series' grid and values from 0 to top, both widened to round ticks, axes and title drawn.
 * Returns 0, or -1 with err set (p is then not open). */
#define TS_SERIES_FIG_W 640
#define TS_SERIES_FIG_H 464
int ts_report_series_figure(ts_plot *p, ts_axes *ax, const ts_series *s, double top, const char *ylabel,
                            const char *title, ts_error *err);

/* report_profiles.c: a series drawn as its 5-95% band, the individual curves and the median in colour c; the
 * largest value drawn; the legend of those three. */
void ts_report_draw_series(ts_plot *p, const ts_axes *a, const ts_series *s, ts_rgb c);
double ts_report_series_top(const ts_series *s);
void ts_report_series_legend(ts_plot *p, const ts_axes *a, const ts_series *s, ts_rgb c, int corner);

/* Why no arm has endpoints: "no endpoints recorded (the scenario defines none)" or "every patient failed". */
const char *ts_report_no_endpoints_why(const ts_summary *s);

/* "pk.C (mg/L)"-style label of a signal, into buf. */
const char *ts_report_signal_label(char *buf, size_t cap, const char *what, const char *unit);

#endif
