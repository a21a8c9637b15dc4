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
 * Philox4x32-10 keyed by (seed, patient), or read from a file (--params). One CVODE memory reused for every patient.
 *
 * Usage: rp1_baseline [--patients N] [--dq] [--no-store] [--params FILE]
 *   --params FILE  the cohort of FILE instead of the program's own draws: one patient a line, "index CL V1 alpha
 *                  Emax" (L/d, L, 1/d, 1/d; '#' starts a comment line), as `rp1_twinsim --dump-params FILE` writes
 *                  twinsim's cohort; every patient of the file is simulated in both arms (--patients N: the first N).
 *   --no-store     outputs are still computed every day (CVODE stops and interpolates there) but not kept.
 * Prints patients per second, CVODE steps per patient and a checksum (sum over patients of N at day 365). */
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

#include "rp1_model.h"

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

static void draw(rp1_patient *P, unsigned patient_index) {
  rp1_typical(P);
  double z[4];
  normals(12345u, patient_index, z, 4);
  const double cv[4] = {0.3, 0.2, 0.4, 0.3};
  double *target[4] = {&P->CL, &P->V1, &P->alpha, &P->Emax};
  for (int k = 0; k < 4; k++)
    *target[k] *= exp(z[k] * sqrt(log(1 + cv[k] * cv[k])));
}

/* The cohort of a --params file: 4 values a patient (CL, V1, alpha, Emax); returns the count, or -1. */
static long read_params(const char *path, double **out) {
  FILE *f = fopen(path, "r");
  if (!f)
    return perror(path), -1;
  size_t n = 0, cap = 1024;
  double *v = malloc(4 * cap * sizeof *v);
  char line[512];
  unsigned long long index;
  while (v && fgets(line, sizeof line, f)) {
    if (line[0] == '#' || line[0] == '\n')
      continue;
    if (n == cap && !(v = realloc(v, 4 * (cap *= 2) * sizeof *v)))
      break;
    double *p = v + 4 * n;
    if (sscanf(line, "%llu %lf %lf %lf %lf", &index, &p[0], &p[1], &p[2], &p[3]) != 5) {
      fprintf(stderr, "%s: line %zu: expected 'index CL V1 alpha Emax'\n", path, n + 1);
      free(v), fclose(f);
      return -1;
    }
    n++;
  }
  fclose(f);
  if (!v)
    return fprintf(stderr, "%s: out of memory\n", path), -1;
  *out = v;
  return (long)n;
}

static void check(int flag, const char *what) {
  if (flag < 0) {
    fprintf(stderr, "rp1_baseline: %s failed with flag %d\n", what, flag);
    exit(1);
  }
}

int main(int argc, char **argv) {
  int per_arm = 1000, dq = 0, store = 1, per_arm_given = 0;
  const char *params_path = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--patients") && i + 1 < argc)
      per_arm = atoi(argv[++i]), per_arm_given = 1;
    else if (!strcmp(argv[i], "--params") && i + 1 < argc)
      params_path = argv[++i];
    else if (!strcmp(argv[i], "--dq"))
      dq = 1;
    else if (!strcmp(argv[i], "--no-store"))
      store = 0;
    else
      return fprintf(stderr, "usage: rp1_baseline [--patients N] [--dq] [--no-store] [--params FILE]\n"), 2;
  }
  double *cohort = NULL;
  if (params_path) {
    long n = read_params(params_path, &cohort);
    if (n <= 0)
      return fprintf(stderr, "rp1_baseline: no patients in %s\n", params_path), 2;
    if (!per_arm_given || per_arm > n)
      per_arm = (int)n;
  }
  SUNContext ctx;
  check(SUNContext_Create(NULL, &ctx), "SUNContext_Create");
  N_Vector y = N_VNew_Serial(NS, ctx), atol = N_VNew_Serial(NS, ctx);
  double *a = N_VGetArrayPointer(atol);
  a[A1] = a[A2] = 1e-6;
  a[S] = a[R] = a[E] = 1e-3;
  for (int k = PROL; k <= CIRC; k++)
    a[k] = 1.0;
  rp1_patient P;
  rp1_typical(&P);
  N_VConst(1.0, y);
  void *cvode = CVodeCreate(CV_BDF, ctx);
  SUNMatrix A = SUNDenseMatrix(NS, NS, ctx);
  SUNLinearSolver LS = SUNLinSol_Dense(y, A, ctx);
  check(CVodeInit(cvode, rp1_rhs, 0, y), "CVodeInit");
  check(CVodeSVtolerances(cvode, 1e-6, atol), "CVodeSVtolerances");
  check(CVodeSetLinearSolver(cvode, LS, A), "CVodeSetLinearSolver");
  if (!dq)
    check(CVodeSetJacFn(cvode, rp1_jac), "CVodeSetJacFn");
  check(CVodeSetMaxNumSteps(cvode, 100000), "CVodeSetMaxNumSteps");
  check(CVodeSetUserData(cvode, &P), "CVodeSetUserData");

  double *out = store ? malloc(sizeof(double) * RP1_NTIMES * RP1_NOUT * 2 * (size_t)per_arm) : NULL;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  double checksum = 0;
  long stats[3] = {0, 0, 0}; /* steps, right-hand sides, Jacobians */
  for (int arm = 0; arm < 2; arm++)
    for (int k = 0; k < per_arm; k++) {
      if (cohort) {
        rp1_typical(&P);
        const double *c = cohort + 4 * (size_t)k;
        P.CL = c[0], P.V1 = c[1], P.alpha = c[2], P.Emax = c[3];
      } else {
        draw(&P, (unsigned)(k + 1));
      }
      size_t row = (size_t)(arm * per_arm + k) * RP1_NTIMES * RP1_NOUT;
      checksum += rp1_simulate_stats(cvode, y, &P, arm == 0, out ? out + row : NULL, stats);
    }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
  int patients = 2 * per_arm;
  printf("rp1_baseline: %d patients (%d per arm, %s), %s Jacobian, outputs %s\n", patients, per_arm,
         params_path ? params_path : "own draws", dq ? "difference-quotient" : "analytic",
         store ? "stored in memory" : "not stored");
  printf("  %.3f s, %.0f patients/s, %.1f steps/patient, checksum %.12e\n", seconds, patients / seconds,
         (double)stats[0] / patients, checksum);
  printf("  per patient: %.1f right-hand sides, %.1f Jacobians\n", (double)stats[1] / patients,
         (double)stats[2] / patients);
  free(out);
  free(cohort);
  SUNLinSolFree(LS);
  SUNMatDestroy(A);
  N_VDestroy(y);
  N_VDestroy(atol);
  CVodeFree(&cvode);
  SUNContext_Free(&ctx);
  return 0;
}
