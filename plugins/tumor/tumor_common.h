/*
 * tumor plugin: what the files of the plugin share (internal; not installed, not part of the ABI).
 *
 * Copyright 2026 the twinsim authors. Licensed under the Apache License, Version 2.0.
 *
 * The plugin is split by model family: tumor.c (the library and tumor/gompertz), growth.c (the classical growth
 * laws with the common kill_rate / growth_inhibition interface), simeoni.c, effects.c (drug-effect models that
 * output a per-capita rate) and clones.c (gompertz_two_clone, clones_lv). Each file defines its models' static
 * descriptors; tumor.c lists them. The library is built with hidden visibility, so these names stay internal.
 */
#ifndef TWINSIM_PLUGIN_TUMOR_COMMON_H
#define TWINSIM_PLUGIN_TUMOR_COMMON_H

#include <twinsim/plugin.h>

#include <math.h>

/* pi; M_PI is not part of ISO C and <math.h> does not declare it in this build's strict C11/POSIX mode. */
#define TUMOR_PI 3.14159265358979323846

/* Tumor volume (mm^3) of n cells at a density of rho cells/mm^3. */
static inline double tumor_volume(double n, double rho) {
  return n / rho;
}

/* Diameter (mm) of a sphere of the given volume (mm^3): (6*volume/pi)^(1/3). cbrt is defined for a (transiently)
 * negative trial volume, so outputs never fail. */
static inline double tumor_diameter(double volume) {
  return cbrt(6.0 * volume / TUMOR_PI);
}

/* The Jacobian rows of the size outputs N, volume and diameter (rows n_row, volume_row and diameter_row of the
 * column-major d_out_d_states, n_outputs rows) of a tumor of n cells at density rho, N being the sum of the model's
 * first n_cells states: dN/dx = 1, dvolume/dx = 1/rho, ddiameter/dx = diameter/(3 N). */
static inline void tumor_size_jacobian(double *d_out_d_states, int n_outputs, int n_cells, int n_row, int volume_row,
                                       int diameter_row, double n, double rho) {
  const double ddiameter = tumor_diameter(tumor_volume(n, rho)) / (3.0 * n);
  for (int j = 0; j < n_cells; j++) {
    double *column = d_out_d_states + j * n_outputs;
    column[n_row] = 1.0;
    column[volume_row] = 1.0 / rho;
    column[diameter_row] = ddiameter;
  }
}

/* The growth laws of growth.c. */
extern const ts_model tumor_exponential;
extern const ts_model tumor_logistic;
extern const ts_model tumor_gompertz_law;
extern const ts_model tumor_von_bertalanffy;
extern const ts_model tumor_power_law;
extern const ts_model tumor_exponential_linear;

/* simeoni.c */
extern const ts_model tumor_simeoni;

/* effects.c */
extern const ts_model tumor_emax_kill;
extern const ts_model tumor_log_kill;
extern const ts_model tumor_norton_simon;

/* clones.c */
extern const ts_model tumor_gompertz_two_clone;
extern const ts_model tumor_clones_lv;

/* Simeoni's switch from exponential to linear growth (Simeoni et al. 2004, Cancer Res 64:1094):
 *   f(w) = lambda0 / (1 + (lambda0*w/lambda1)^psi)^(1/psi)           per-cell growth rate, 1/d
 * so that f(w)*w is lambda0*w for small w and tends to lambda1 for large w. Also gives df/dw. Written so that no
 * power overflows for any w >= 0, lambda1 > 0 and psi >= 1 (psi up to 1e300): above the switch point
 * (x = lambda0*w/lambda1 > 1) it uses (1 + x^psi)^(1/psi) = x*(1 + x^-psi)^(1/psi). */
static inline void tumor_switch(double lambda0, double lambda1, double psi, double w, double *f, double *df) {
  const double x = lambda0 * w / lambda1;
  if (x <= 1.0) {
    const double xp = pow(x, psi);
    const double l = log1p(xp);
    *f = lambda0 * exp(-l / psi);
    /* df/dw = -lambda0*(lambda0/lambda1)*x^(psi-1)*(1 + x^psi)^(-1/psi - 1); x^(psi-1) is finite for psi >= 1 */
    *df = -lambda0 * (lambda0 / lambda1) * pow(x, psi - 1.0) * exp(-(1.0 / psi + 1.0) * l);
  } else {
    const double l = log1p(pow(x, -psi));
    *f = (lambda0 / x) * exp(-l / psi);
    *df = -lambda0 * (lambda0 / lambda1) / (x * x) * exp(-(1.0 / psi + 1.0) * l);
  }
}

#endif
