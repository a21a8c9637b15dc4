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

#include <math.h>

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

/* Descriptor elements of the linear models: a clearance (L/d, >= 0), a volume (L, > 0) and a drug amount (mg). */
#define PK_CLEARANCE(pname, value, what)                                                                               \
  { .name = pname, .unit = "L/d", .default_value = value, .lower = 0.0, .upper = INFINITY, .doc = what }
#define PK_VOLUME(pname, value, what)                                                                                  \
  {                                                                                                                    \
    .name = pname, .unit = "L", .default_value = value, .lower = 0.0, .flags = TS_PARAM_LOWER_OPEN, .upper = INFINITY, \
    .doc = what                                                                                                        \
  }
#define PK_AMOUNT(sname, where)                                                                                        \
  {                                                                                                                    \
    .name = sname, .unit = "mg", .nominal = 1.0, .flags = TS_STATE_NONNEGATIVE,                                        \
    .doc = "Amount of drug in the " where "; 0 at the start of every patient"                                          \
  }

/* The disposition parameters of the intravenous models and of their oral twins, from index 0 in pk_disposition's
 * order (CL, V1, then Q and V of each peripheral compartment), with their defaults: RP-1's typical values for one
 * and two compartments, docetaxel's for three (Bruno et al. 1996, J Pharmacokinet Biopharm 24:153, as in
 * scenarios/pk_docetaxel.yaml, rounded to four digits: CL 36.7 L/h, V1 7.14 L, and the rate constants k12 1.07, k21
 * 1.74, k13 1.28, k31 0.0787 /h turned into Q2 = k12*V1, V2 = Q2/k21, Q3 = k13*V1, V3 = Q3/k31; the rate constants
 * were not checked against the paper, docs/models/pk.md says how far they were). */
#define PK_ONE_COMPARTMENT_PARAMS                                                                                      \
  [0] = PK_CLEARANCE("CL", 120.0, "Clearance from the central compartment (RP-1 typical value 120 L/d)"),              \
  [1] = PK_VOLUME("V", 10.0, "Volume of distribution of the central compartment, > 0 (RP-1 typical V1 10 L)")
#define PK_TWO_COMPARTMENT_PARAMS                                                                                      \
  [0] = PK_CLEARANCE("CL", 120.0, "Clearance from the central compartment (RP-1 typical value 120 L/d)"),              \
  [1] = PK_VOLUME("V1", 10.0, "Volume of the central compartment, > 0 (RP-1 typical value 10 L)"),                     \
  [2] = PK_CLEARANCE("Q", 48.0,                                                                                        \
                     "Inter-compartmental clearance between central and peripheral (RP-1 typical value 48 L/d)"),      \
  [3] = PK_VOLUME("V2", 20.0, "Volume of the peripheral compartment, > 0 (RP-1 typical value 20 L)")
#define PK_THREE_COMPARTMENT_PARAMS                                                                                    \
  [0] = PK_CLEARANCE("CL", 880.8,                                                                                      \
                     "Clearance from the central compartment (docetaxel, Bruno et al. 1996: 36.7 L/h = 880.8 L/d)"),   \
  [1] = PK_VOLUME("V1", 7.14, "Volume of the central compartment, > 0 (docetaxel, Bruno et al. 1996: 7.14 L)"),        \
  [2] = PK_CLEARANCE("Q2", 183.4,                                                                                      \
                     "Inter-compartmental clearance central <-> first peripheral (docetaxel: k12*V1, k12 1.07 /h)"),   \
  [3] = PK_VOLUME("V2", 4.391,                                                                                         \
                  "Volume of the first (fast) peripheral compartment, > 0 (docetaxel: Q2/k21, k21 1.74 /h)"),          \
  [4] = PK_CLEARANCE("Q3", 219.3,                                                                                      \
                     "Inter-compartmental clearance central <-> second peripheral (docetaxel: k13*V1, k13 1.28 /h)"),  \
  [5] = PK_VOLUME("V3", 116.1,                                                                                         \
                  "Volume of the second (slow) peripheral compartment, > 0 (docetaxel: Q3/k31, k31 0.0787 /h)")

/* The disposition's amounts, from state index `first` (0 for the intravenous models, 1 after an oral depot). */
#define PK_ONE_COMPARTMENT_STATES(first) [first] = PK_AMOUNT("A", "central compartment")
#define PK_TWO_COMPARTMENT_STATES(first)                                                                               \
  [first] = PK_AMOUNT("A1", "central compartment"), [(first) + 1] = PK_AMOUNT("A2", "peripheral compartment")
#define PK_THREE_COMPARTMENT_STATES(first)                                                                             \
  [first] = PK_AMOUNT("A1", "central compartment"), [(first) + 1] = PK_AMOUNT("A2", "first peripheral compartment"),   \
  [(first) + 2] = PK_AMOUNT("A3", "second peripheral compartment")

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
