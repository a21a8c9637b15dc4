/* RP-1 (../shared/RP1.md) written out by hand for CVODE: the 10-state right-hand side and its analytic Jacobian,
 * used by the baseline benchmark (rp1_baseline.c) and by the test that checks twinsim's plugin assembly of RP-1
 * against it (tests/plugins/test_rp1.c). Time in days; states in the units of RP1.md. */
#ifndef TWINSIM_BENCH_RP1_MODEL_H
#define TWINSIM_BENCH_RP1_MODEL_H

#include <cvode/cvode.h>
#include <math.h>
#include <nvector/nvector_serial.h>
#include <string.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>

enum { A1, A2, S, R, E, PROL, T1, T2, T3, CIRC, NS };

typedef struct rp1_patient {
  double CL, V1, Q, V2;            /* PK */
  double alpha, K, Emax, EC50, mu; /* tumor */
  double s, p, g, m, d, n;         /* immune */
  double ktr, circ0, gamma, slope; /* neutropenia */
  double rate;                     /* current infusion rate, mg/d */
} rp1_patient;

static inline int rp1_rhs(sunrealtype t, N_Vector yv, N_Vector dv, void *data) {
  (void)t;
  const rp1_patient *P = data;
  const double *y = N_VGetArrayPointer(yv);
  double *dy = N_VGetArrayPointer(dv);
  double C = y[A1] / P->V1, N = y[S] + y[R];
  double G = P->alpha * log(P->K / N), kill = P->Emax * C / (P->EC50 + C), immune = P->n * y[E];
  dy[A1] = P->rate - (P->CL / P->V1) * y[A1] - (P->Q / P->V1) * y[A1] + (P->Q / P->V2) * y[A2];
  dy[A2] = (P->Q / P->V1) * y[A1] - (P->Q / P->V2) * y[A2];
  dy[S] = G * y[S] - kill * y[S] - immune * y[S] - P->mu * y[S];
  dy[R] = G * y[R] - immune * y[R] + P->mu * y[S];
  dy[E] = P->s + P->p * y[E] * N / (P->g + N) - P->m * y[E] * N - P->d * y[E];
  double feedback = pow(P->circ0 / y[CIRC], P->gamma);
  dy[PROL] = P->ktr * y[PROL] * (1 - P->slope * C) * feedback - P->ktr * y[PROL];
  dy[T1] = P->ktr * (y[PROL] - y[T1]);
  dy[T2] = P->ktr * (y[T1] - y[T2]);
  dy[T3] = P->ktr * (y[T2] - y[T3]);
  dy[CIRC] = P->ktr * (y[T3] - y[CIRC]);
  return 0;
}

static inline int rp1_jac(sunrealtype t, N_Vector yv, N_Vector fy, SUNMatrix J, void *data, N_Vector t1, N_Vector t2,
                          N_Vector t3) {
  (void)t, (void)fy, (void)t1, (void)t2, (void)t3;
  const rp1_patient *P = data;
  const double *y = N_VGetArrayPointer(yv);
  double *j = SUNDenseMatrix_Data(J);
#define JAC(i, k) j[(i) + (k)*NS]
  memset(j, 0, NS * NS * sizeof *j);
  double C = y[A1] / P->V1, N = y[S] + y[R], dCdA1 = 1 / P->V1;
  double G = P->alpha * log(P->K / N), dGdN = -P->alpha / N;
  double kill = P->Emax * C / (P->EC50 + C), dkill = P->Emax * P->EC50 / ((P->EC50 + C) * (P->EC50 + C)) * dCdA1;
  double immune = P->n * y[E];
  JAC(A1, A1) = -(P->CL + P->Q) / P->V1;
  JAC(A1, A2) = P->Q / P->V2;
  JAC(A2, A1) = P->Q / P->V1;
  JAC(A2, A2) = -P->Q / P->V2;
  JAC(S, A1) = -dkill * y[S];
  JAC(S, S) = G + dGdN * y[S] - kill - immune - P->mu;
  JAC(S, R) = dGdN * y[S];
  JAC(S, E) = -P->n * y[S];
  JAC(R, S) = dGdN * y[R] + P->mu;
  JAC(R, R) = G + dGdN * y[R] - immune;
  JAC(R, E) = -P->n * y[R];
  double gN = P->g + N, recruit = P->p * y[E] * P->g / (gN * gN) - P->m * y[E];
  JAC(E, S) = recruit;
  JAC(E, R) = recruit;
  JAC(E, E) = P->p * N / gN - P->m * N - P->d;
  double feedback = pow(P->circ0 / y[CIRC], P->gamma), effect = 1 - P->slope * C;
  JAC(PROL, A1) = -P->ktr * y[PROL] * P->slope * dCdA1 * feedback;
  JAC(PROL, PROL) = P->ktr * effect * feedback - P->ktr;
  JAC(PROL, CIRC) = -P->ktr * y[PROL] * effect * feedback * P->gamma / y[CIRC];
  JAC(T1, PROL) = P->ktr, JAC(T1, T1) = -P->ktr;
  JAC(T2, T1) = P->ktr, JAC(T2, T2) = -P->ktr;
  JAC(T3, T2) = P->ktr, JAC(T3, T3) = -P->ktr;
  JAC(CIRC, T3) = P->ktr, JAC(CIRC, CIRC) = -P->ktr;
#undef JAC
  return 0;
}

static inline void rp1_typical(rp1_patient *P) {
  *P = (rp1_patient){.CL = 120,
                     .V1 = 10,
                     .Q = 48,
                     .V2 = 20,
                     .alpha = 0.005,
                     .K = 1e12,
                     .Emax = 0.8,
                     .EC50 = 0.5,
                     .mu = 1e-6,
                     .s = 1.3e4,
                     .p = 0.1245,
                     .g = 2.019e7,
                     .m = 3.422e-10,
                     .d = 0.0412,
                     .n = 1.101e-7,
                     .ktr = 4 / 3.7,
                     .circ0 = 5e9,
                     .gamma = 0.161,
                     .slope = 0.2};
}

/* Columns of the daily output: C, S, R, N, E, Circ at days 0..365. */
enum { OUT_C, OUT_S, OUT_R, OUT_N, OUT_E, OUT_CIRC, RP1_NOUT };
#define RP1_NTIMES 366

/* Adds CVODE's counters of the segment just ended to stats: steps, right-hand-side evaluations, Jacobian
 * evaluations. CVodeReInit restarts the first two at once, the linear solver's Jacobian count only at the next
 * CVode call: so a segment is counted only once something was integrated since the last CVodeReInit. */
static inline void rp1_add_stats(void *cvode, long stats[3]) {
  long n;
  CVodeGetNumSteps(cvode, &n), stats[0] += n;
  CVodeGetNumRhsEvals(cvode, &n), stats[1] += n;
  CVodeGetNumJacEvals(cvode, &n), stats[2] += n;
}

/* Simulates one patient with a CVODE memory already set up for RP-1 (reinitialised here); returns NAN when CVODE
 * fails. Like twinsim, a sample at a dose time is taken before the dose. writes RP1_NTIMES x RP1_NOUT values into out
 * (when not NULL) and adds CVODE's counters over all segments to stats (see rp1_add_stats). Returns N at day 365. */
static inline double rp1_simulate_stats(void *cvode, N_Vector y, rp1_patient *P, int dosed, double *out,
                                        long stats[3]) {
  double *v = N_VGetArrayPointer(y);
  v[A1] = v[A2] = 0;
  v[S] = 1e9, v[R] = 1e3, v[E] = 3.2e5;
  for (int k = PROL; k <= CIRC; k++)
    v[k] = P->circ0;
  /* breakpoints: infusion starts and ends, then the horizon */
  double bp[13];
  int nb = 0;
  if (dosed)
    for (int c = 0; c < 6; c++)
      bp[nb++] = 21.0 * c, bp[nb++] = 21.0 * c + 1.0 / 24;
  bp[nb++] = 365;
  double t = 0;
  int next_out = 0, b = 0, integrated = 0;
  P->rate = 0;
  if (CVodeReInit(cvode, 0, y) < 0)
    return NAN;
  for (;;) {
    while (next_out < RP1_NTIMES && next_out <= t) { /* samples at a breakpoint: before its event */
      if (out) {
        double *o = out + next_out * RP1_NOUT;
        o[OUT_C] = v[A1] / P->V1, o[OUT_S] = v[S], o[OUT_R] = v[R], o[OUT_N] = v[S] + v[R];
        o[OUT_E] = v[E], o[OUT_CIRC] = v[CIRC];
      }
      next_out++;
    }
    if (t >= 365)
      break;
    int changed = 0;
    while (b < nb - 1 && bp[b] <= t) { /* events at t: infusion start (even index) or stop (odd) */
      P->rate = (b % 2 == 0) ? 2400.0 : 0.0;
      b++, changed = 1;
    }
    if (changed) {
      if (integrated)
        rp1_add_stats(cvode, stats);
      integrated = 0;
      if (CVodeReInit(cvode, t, y) < 0)
        return NAN;
    }
    double tb = bp[b];
    CVodeSetStopTime(cvode, tb);
    double tret;
    while (next_out < RP1_NTIMES && next_out < tb) {
      if (CVode(cvode, next_out, y, &tret, CV_NORMAL) < 0)
        return NAN;
      if (out) {
        double *o = out + next_out * RP1_NOUT;
        o[OUT_C] = v[A1] / P->V1, o[OUT_S] = v[S], o[OUT_R] = v[R], o[OUT_N] = v[S] + v[R];
        o[OUT_E] = v[E], o[OUT_CIRC] = v[CIRC];
      }
      next_out++;
    }
    if (CVode(cvode, tb, y, &tret, CV_NORMAL) < 0)
      return NAN;
    integrated = 1;
    t = tb;
  }
  rp1_add_stats(cvode, stats);
  return v[S] + v[R];
}

/* rp1_simulate_stats adding only the CVODE steps over all segments to *steps. */
static inline double rp1_simulate(void *cvode, N_Vector y, rp1_patient *P, int dosed, double *out, long *steps) {
  long stats[3] = {0, 0, 0};
  double n = rp1_simulate_stats(cvode, y, P, dosed, out, stats);
  *steps += stats[0];
  return n;
}

#endif
