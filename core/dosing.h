/* A patient's dose events: the scenario's dose lines (NONMEM-style amount, rate or duration, interval, count)
 * expanded into a time-ordered list of boluses and infusion starts and stops, with the patient's bioavailability
 * (F) and lag time applied as NONMEM does: F scales the amount; an infusion given by rate keeps its rate (and lasts
 * F*amount/rate), one given by duration keeps its duration (at rate F*amount/duration). */
#ifndef TWINSIM_CORE_DOSING_H
#define TWINSIM_CORE_DOSING_H

#include <stddef.h>

#include "system.h"

typedef enum ts_dose_event_kind {
  TS_DOSE_INFUSION_STOP = 0, /* at equal times, stops come first, then starts, then boluses */
  TS_DOSE_INFUSION_START = 1,
  TS_DOSE_BOLUS = 2
} ts_dose_event_kind;

typedef struct ts_dose_event {
  double time; /* d */
  ts_dose_event_kind kind;
  uint32_t plan;          /* index into the arm's doses */
  uint32_t global_target; /* index among all dose targets */
  double amount;          /* bolus: F * amount; infusion: F * amount of the whole infusion (target unit) */
  double rate;            /* infusion start and stop: rate (target unit per d) */
  uint32_t seq;           /* creation order: makes the sort deterministic */
} ts_dose_event;

/* How many events the dose lines of any arm can produce (an upper bound for the buffer). */
size_t ts_dose_event_capacity(const ts_system *sys);

/* Expands an arm's dose lines for one patient into events (capacity from ts_dose_event_capacity), sorted by time:
 * F and lag time from the patient's parameters, amounts per kg or per m^2 times weight_kg or bsa_m2. */
size_t ts_dose_schedule(const ts_arm *arm, const double *params, double weight_kg, double bsa_m2,
                        ts_dose_event *events);

#endif
