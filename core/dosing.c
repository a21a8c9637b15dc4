/* A patient's doses: see dosing.h. */
#include "dosing.h"

#include <stdlib.h>

size_t ts_dose_event_capacity(const ts_system *sys) {
  size_t most = 0;
  for (size_t a = 0; a < sys->n_arms; a++) {
    size_t n = 0;
    for (size_t k = 0; k < sys->arms[a].n_doses; k++)
      n += (size_t)sys->arms[a].doses[k].count;
    if (n > most)
      most = n;
  }
  return most;
}

static int by_time(const void *pa, const void *pb) {
  const ts_dose_event *a = pa, *b = pb;
  if (a->time != b->time)
    return a->time < b->time ? -1 : 1;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

size_t ts_dose_schedule(const ts_arm *arm, const double *params, double weight_kg, double bsa_m2, double from,
                        ts_dose_event *events) {
  size_t n = 0;
  uint32_t seq = 0;
  for (size_t k = 0; k < arm->n_doses; k++) {
    const ts_dose_plan *p = &arm->doses[k];
    double f = p->f_param >= 0 ? params[p->f_param] : 1.0;
    double lag = p->lag_param >= 0 ? params[p->lag_param] * p->lag_to_days : 0.0;
    double size = p->scale == TS_DOSE_PER_KG ? weight_kg : p->scale == TS_DOSE_PER_M2 ? bsa_m2 : 1.0;
    double amount = f * p->amount * size;
    for (long i = 0; i < p->count; i++, seq++) {
      double t = p->start + lag + (double)i * p->interval;
      if (t < from)
        continue;
      ts_dose_event e = {.time = t, .plan = p, .amount = amount, .seq = seq, .kind = TS_DOSE_BOLUS};
      if (p->kind != TS_SC_BOLUS) {
        e.kind = TS_DOSE_INFUSION;
        e.rate = p->kind == TS_SC_INFUSION_RATE ? p->rate * size : amount / p->duration;
        e.duration = p->kind == TS_SC_INFUSION_RATE ? amount / e.rate : p->duration;
      }
      events[n++] = e;
    }
  }
  qsort(events, n, sizeof *events, by_time);
  return n;
}
