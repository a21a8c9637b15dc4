/*
 * pk plugin, internal header: the model descriptors each source file defines (collected by pk.c into the
 * library's model list) and the disposition shared by the linear models with up to two peripheral compartments.
 * Not installed; plugins/pk/ only.
 *
 * Copyright 2026 the twinsim authors. Licensed under the Apache License, Version 2.0.
 */
#ifndef TWINSIM_PLUGINS_PK_MODELS_H
#define TWINSIM_PLUGINS_PK_MODELS_H

#include <twinsim/plugin.h>

/* Descriptors are shared between the plugin's files but not exported from the library. */
#define PK_INTERNAL __attribute__((visibility("hidden")))

extern PK_INTERNAL const ts_model pk_one_compartment;        /* pk_iv.c */
extern PK_INTERNAL const ts_model pk_two_compartment;        /* pk_iv.c */
extern PK_INTERNAL const ts_model pk_three_compartment;      /* pk_iv.c */
extern PK_INTERNAL const ts_model pk_one_compartment_oral;   /* pk_oral.c */
extern PK_INTERNAL const ts_model pk_two_compartment_oral;   /* pk_oral.c */
extern PK_INTERNAL const ts_model pk_three_compartment_oral; /* pk_oral.c */
extern PK_INTERNAL const ts_model pk_one_compartment_mm;     /* pk_mm.c */
extern PK_INTERNAL const ts_model pk_two_compartment_mm;     /* pk_mm.c */
extern PK_INTERNAL const ts_model pk_auc;                    /* pk_auc.c */

/* The descriptors every model here repeats: the concentration output C = central/volume, and the intravenous dose
 * target "central" (bolus added to the central amount, infusion a rate into its derivative). */
#define PK_CONCENTRATION_OUTPUT(central, volume)                                                                       \
  {                                                                                                                    \
    .name = "C", .unit = "mg/L", .type = TS_REAL, .direct_inputs = NULL,                                               \
    .doc = "Concentration in the central compartment, " central "/" volume                                             \
  }

#define PK_IV_DOSE_TARGET(central)                                                                                     \
  {                                                                                                                    \
    .name = "central", .state = central, .unit = "mg", .routes = TS_ROUTE_BOLUS | TS_ROUTE_INFUSION,                   \
    .bioavailability = NULL, .lag_time = NULL,                                                                         \
    .doc = "Intravenous dose into the central compartment (bolus: added to " central "; infusion: rate into d" central \
           "/dt)"                                                                                                      \
  }

/*
 * Linear mammillary disposition: a central compartment (amount a[0], volume V1, clearance CL) exchanging with
 * n_periph peripheral compartments (amounts a[1 .. n_periph]) by inter-compartmental clearances Q_i:
 *
 *   flux_i  = (Q_i/V1)*a[0] - (Q_i/V_i)*a[i]                          net flow central -> peripheral i, mg/d
 *   da[0]/dt = -(CL/V1)*a[0] - sum_i flux_i
 *   da[i]/dt =  flux_i
 *
 * p points at the parameters in NONMEM's TRANS4 order: CL, V1, then Q and V of each peripheral compartment
 * (CL, V1, Q2, V2, Q3, V3). Inputs (infusions, absorption) are added by the caller. Each flux is computed once
 * and used with opposite signs, so that with CL = 0 the derivatives add up to zero up to rounding.
 */
static inline void pk_disposition(int n_periph, const double *p, const double *a, double *da) {
  const double v1 = p[1];
  double central = -(p[0] / v1) * a[0];
  for (int i = 0; i < n_periph; i++) {
    const double q = p[2 + 2 * i], v = p[3 + 2 * i];
    const double flux = (q / v1) * a[0] - (q / v) * a[1 + i];
    central -= flux;
    da[1 + i] = flux;
  }
  da[0] = central;
}

/* The Jacobian of pk_disposition, written into the square block of J (column-major, `ld` rows) whose first row
 * and column are `offset`; entries outside the block are left alone. */
static inline void pk_disposition_jacobian(int n_periph, const double *p, double *J, int ld, int offset) {
  const double v1 = p[1];
  double d_central_d_central = -p[0] / v1;
  for (int i = 0; i < n_periph; i++) {
    const double q = p[2 + 2 * i], v = p[3 + 2 * i];
    const int c = offset, k = offset + 1 + i;
    d_central_d_central -= q / v1;
    J[k + c * ld] = q / v1; /* d(da_i/dt)/da_0 */
    J[c + k * ld] = q / v;  /* d(da_0/dt)/da_i */
    J[k + k * ld] = -q / v; /* d(da_i/dt)/da_i */
  }
  J[offset + offset * ld] = d_central_d_central;
}

#endif
