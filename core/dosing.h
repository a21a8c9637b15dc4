/* A patient's doses: the scenario's dose lines (NONMEM-style amount, rate or duration, interval, count) expanded
 * into a time-ordered list of boluses and infusion starts, with the patient's bioavailability (F) and lag time
 * applied as NONMEM does: F scales the amount; an infusion given by rate keeps its rate (and lasts F*amount/rate),
 * one given by duration keeps its duration (at rate F*amount/duration). The end of an infusion is not a separate
 * event here: the simulator keeps the running infusions with their end times (sim.c). */
#ifndef TWINSIM_CORE_DOSING_H
#define TWINSIM_CORE_DOSING_H

#include <stddef.h>

#include "system.h"

typedef enum ts_dose_kind { TS_DOSE_BOLUS, TS_DOSE_INFUSION } ts_dose_kind;

typedef struct ts_dose_event {
  double time; /* d */
  ts_dose_kind kind;
  const ts_dose_plan *plan; /* the dose line */
  double amount;            /* F * amount (target unit) */
  double rate;              /* infusion: target unit per d */
  double duration;          /* infusion: d */
  uint32_t seq;             /* creation order: makes the sort deterministic */
} ts_dose_event;

/* How many doses the dose lines of any arm can produce (an upper bound for the buffer). */
size_t ts_dose_event_capacity(const ts_system *sys);

/* Expands an arm's dose lines for one patient into doses (capacity from ts_dose_event_capacity), sorted by time:
 * F and lag time from the patient's parameters, amounts per kg or per m^2 times weight_kg or bsa_m2. Doses before
 * `from` are left out (a regimen switched to mid-course). */
size_t ts_dose_schedule(const ts_arm *arm, const double *params, double weight_kg, double bsa_m2, double from,
                        ts_dose_event *events);

#endif
