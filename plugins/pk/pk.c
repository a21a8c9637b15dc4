/*
 * pk plugin: compartmental pharmacokinetics — the library descriptor.
 *
 * Copyright 2026 the twinsim authors. Licensed under the Apache License, Version 2.0.
 *
 * The models live in one file per family (equations, parameters and sources in docs/models/pk.md):
 *   pk_iv.c    one_compartment, two_compartment, three_compartment: linear, IV bolus and infusion (ADVAN1/3/11)
 *   pk_oral.c  one_/two_/three_compartment_oral: the same with a first-order absorption depot, bioavailability F
 *              and lag time tlag applied by the host to doses into "depot" (ADVAN2/4/12)
 *   pk_mm.c    one_/two_compartment_mm: Michaelis-Menten elimination Vmax*C/(Km + C) instead of CL*C
 *   pk_auc.c   auc: the integral of a concentration wired to its input, for cumulative exposure
 * Time is in d, amounts in mg, volumes in L, clearances in L/d, concentrations in mg/L. No model keeps
 * per-instance data or mutable global state.
 */
#include "pk_models.h"

static const ts_model *const pk_models[] = {
    &pk_one_compartment,      &pk_two_compartment,      &pk_three_compartment,
    &pk_one_compartment_oral, &pk_two_compartment_oral, &pk_three_compartment_oral,
    &pk_one_compartment_mm,   &pk_two_compartment_mm,   &pk_auc,
};

TS_PLUGIN_EXPORT const ts_plugin *TS_PLUGIN_ENTRY(void) {
  static const ts_plugin plugin = {
      TS_PLUGIN_HEADER,    .name = "pk",
      .version = "1.1.0",  .doc = "Compartmental pharmacokinetics: IV, oral (depot, F, lag), Michaelis-Menten, AUC",
      .models = pk_models, .n_models = (uint32_t)(sizeof pk_models / sizeof pk_models[0])};
  return &plugin;
}
