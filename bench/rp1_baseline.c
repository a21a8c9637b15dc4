/* rp1_baseline: the RP-1 reference virtual trial (../shared/RP1.md) written directly against CVODE, as a
 * pharmacometrician would by hand — the fastest honest code for this work, to compare twinsim with.
 *
 * Problem: 10 states (two-compartment PK; Gompertz sensitive and resistant clones; Kuznetsov effector cells;
 * Friberg neutropenia), time in days, 0..365 d, outputs C, S, R, N, E, Circ every day (366 times).
 * Method: CVODE BDF, dense direct linear solver, analytic Jacobian (or difference quotients with --dq),
 * rtol 1e-6, atol 1e-6 on A1, A2, 1e-3 on S, R, E, 1.0 on the neutrophil states. Integrated piecewise between
 * infusion boundaries with a stop time and CVodeReInit at each; outputs by CVODE's interpolation (CV_NORMAL).
 * Cohort: N patients per arm (q3w: 100 mg over 1 h every 21 days x 6; control: no drug), lognormal variability
 * P_i = P_typ exp(eta), eta ~ N(0, ln(1 + CV^2)) on CL (30%), V1 (20%), alpha (40%), Emax (30%), drawn from
 * Philox4x32-10 keyed by (seed, patient). One CVODE memory reused for every patient.
 *
 * Usage: rp1_baseline [--patients N] [--dq] [--no-store]
 * Prints patients per second and a checksum (sum over patients of N at day 365) to compare runs. */
#include <Random123/philox.h>
#include <cvode/cvode.h>
#include <math.h>
#include <nvector/nvector_serial.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>
#include <time.h>

enum { A1, A2, S, R, E, PROL, T1, T2, T3, CIRC, NS };
enum { OUT_C, OUT_S, OUT_R, OUT_N, OUT_E, OUT_CIRC, NOUT };
#define NTIMES 366

typedef struct patient {
  double CL, V1, Q, V2;            /* PK */
  double alpha, K, Emax, EC50, mu; /* tumor */
  double s, p, g, m, d, n;         /* immune */
  double ktr, circ0, gamma, slope; /* neutropenia */
  double rate;                     /* current infusion rate, mg/d */
} patient;

static int rhs(sunrealtype t, N_Vector yv, N_Vector dv, void *data) {
  (void)t;
  const patient *P = data;
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

static int jac(sunrealtype t, N_Vector yv, N_Vector fy, SUNMatrix J, void *data, N_Vector t1, N_Vector t2,
               N_Vector t3) {
  (void)t, (void)fy, (void)t1, (void)t2, (void)t3;
  const patient *P = data;
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

/* Standard normal deviates from Philox4x32-10 keyed by (seed, patient): Box-Muller on 53-bit uniforms. */
static void normals(unsigned seed, unsigned patient, double *z, int count) {
  philox4x32_key_t key = {{seed, 0}};
  for (int i = 0; i < count; i += 2) {
    philox4x32_ctr_t ctr = {{(unsigned)i, 0xC0DEu, patient, 0}};
    philox4x32_ctr_t r = philox4x32(ctr, key);
    double u1 = ((double)((((uint64_t)r.v[0] << 32) | r.v[1]) >> 11) + 0.5) * 0x1.0p-53;
    double u2 = ((double)((((uint64_t)r.v[2] << 32) | r.v[3]) >> 11) + 0.5) * 0x1.0p-53;
    double radius = sqrt(-2 * log(u1)), angle = 6.283185307179586 * u2;
    z[i] = radius * cos(angle);
    if (i + 1 < count)
      z[i + 1] = radius * sin(angle);
  }
}

static void typical(patient *P) {
  *P = (patient){.CL = 120,
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

static void draw(patient *P, unsigned patient_index) {
  typical(P);
  double z[4];
  normals(12345u, patient_index, z, 4);
  const double cv[4] = {0.3, 0.2, 0.4, 0.3};
  double *target[4] = {&P->CL, &P->V1, &P->alpha, &P->Emax};
  for (int k = 0; k < 4; k++)
    *target[k] *= exp(z[k] * sqrt(log(1 + cv[k] * cv[k])));
}

static void check(int flag, const char *what) {
  if (flag < 0) {
    fprintf(stderr, "rp1_baseline: %s failed with flag %d\n", what, flag);
    exit(1);
  }
}

/* Simulates one patient; writes NTIMES x NOUT values into out (when not NULL) and adds the CVODE steps taken to
 * *steps. Returns N at day 365. */
static double simulate(void *cvode, N_Vector y, patient *P, int dosed, double *out, long *steps) {
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
  int next_out = 0, b = 0;
  long nst;
  P->rate = 0;
  check(CVodeReInit(cvode, 0, y), "CVodeReInit");
  for (;;) {
    while (next_out < NTIMES && next_out <= t) { /* samples at a breakpoint: before its event */
      if (out) {
        double *o = out + next_out * NOUT;
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
      CVodeGetNumSteps(cvode, &nst); /* the count restarts with every CVodeReInit */
      *steps += nst;
      check(CVodeReInit(cvode, t, y), "CVodeReInit");
    }
    double tb = bp[b];
    CVodeSetStopTime(cvode, tb);
    double tret;
    while (next_out < NTIMES && next_out < tb) {
      check(CVode(cvode, next_out, y, &tret, CV_NORMAL), "CVode");
      if (out) {
        double *o = out + next_out * NOUT;
        o[OUT_C] = v[A1] / P->V1, o[OUT_S] = v[S], o[OUT_R] = v[R], o[OUT_N] = v[S] + v[R];
        o[OUT_E] = v[E], o[OUT_CIRC] = v[CIRC];
      }
      next_out++;
    }
    check(CVode(cvode, tb, y, &tret, CV_NORMAL), "CVode");
    t = tb;
  }
  CVodeGetNumSteps(cvode, &nst);
  *steps += nst;
  return v[S] + v[R];
}

int main(int argc, char **argv) {
  int per_arm = 1000, dq = 0, store = 1;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--patients") && i + 1 < argc)
      per_arm = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--dq"))
      dq = 1;
    else if (!strcmp(argv[i], "--no-store"))
      store = 0;
    else
      return fprintf(stderr, "usage: rp1_baseline [--patients N] [--dq] [--no-store]\n"), 2;
  }
  SUNContext ctx;
  check(SUNContext_Create(NULL, &ctx), "SUNContext_Create");
  N_Vector y = N_VNew_Serial(NS, ctx), atol = N_VNew_Serial(NS, ctx);
  double *a = N_VGetArrayPointer(atol);
  a[A1] = a[A2] = 1e-6;
  a[S] = a[R] = a[E] = 1e-3;
  for (int k = PROL; k <= CIRC; k++)
    a[k] = 1.0;
  patient P;
  typical(&P);
  N_VConst(1.0, y);
  void *cvode = CVodeCreate(CV_BDF, ctx);
  SUNMatrix A = SUNDenseMatrix(NS, NS, ctx);
  SUNLinearSolver LS = SUNLinSol_Dense(y, A, ctx);
  check(CVodeInit(cvode, rhs, 0, y), "CVodeInit");
  check(CVodeSVtolerances(cvode, 1e-6, atol), "CVodeSVtolerances");
  check(CVodeSetLinearSolver(cvode, LS, A), "CVodeSetLinearSolver");
  if (!dq)
    check(CVodeSetJacFn(cvode, jac), "CVodeSetJacFn");
  check(CVodeSetMaxNumSteps(cvode, 100000), "CVodeSetMaxNumSteps");
  check(CVodeSetUserData(cvode, &P), "CVodeSetUserData");

  double *out = store ? malloc(sizeof(double) * NTIMES * NOUT * 2 * (size_t)per_arm) : NULL;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  double checksum = 0;
  long steps = 0;
  for (int arm = 0; arm < 2; arm++)
    for (int k = 0; k < per_arm; k++) {
      draw(&P, (unsigned)(k + 1));
      size_t row = (size_t)(arm * per_arm + k) * NTIMES * NOUT;
      checksum += simulate(cvode, y, &P, arm == 0, out ? out + row : NULL, &steps);
    }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
  int patients = 2 * per_arm;
  printf("rp1_baseline: %d patients (%d per arm), %s Jacobian, outputs %s\n", patients, per_arm,
         dq ? "difference-quotient" : "analytic", store ? "stored in memory" : "not stored");
  printf("  %.3f s, %.0f patients/s, %.1f steps/patient, checksum %.12e\n", seconds, patients / seconds,
         (double)steps / patients, checksum);
  free(out);
  SUNLinSolFree(LS);
  SUNMatDestroy(A);
  N_VDestroy(y);
  N_VDestroy(atol);
  CVodeFree(&cvode);
  SUNContext_Free(&ctx);
  return 0;
}
