/* RP-1 (../shared/RP1.md) as a compiled model for R's deSolve, to time deSolve on the same trial as rp1_baseline
 * (bench/rp1_desolve.R runs it; bench/rp1_desolve.sh builds it with `R CMD SHLIB`). A comparison tool only: it is
 * built against R's headers, never by CMake, and nothing of twinsim links it or deSolve.
 *
 * deSolve's compiled-code interface: `initmod` receives deSolve's copier and fills the parameter vector from the
 * `parms` passed to ode(); `derivs` is the right-hand side plus two output variables (C and N, `nout = 2`);
 * `jac` is the full analytic Jacobian (`jactype = "fullusr"`), column-major with *nrowpd rows; `infusion` is the
 * event function, called by deSolve at each infusion start and stop (`events = list(func = "infusion", ...)`).
 * deSolve restarts the integrator after every event, like rp1_baseline's CVodeReInit at each boundary.
 *
 * The infusion rate is not a state: the event function switches it in this file, so the system keeps RP-1's 10
 * states and the error norm is the baseline's. Time in days, states in RP1.md's units. */
#include <R.h>
#include <math.h>

enum { A1, A2, S, R, E, PROL, T1, T2, T3, CIRC, NS };

/* The order of the `parms` vector in rp1_desolve.R. */
enum {
  P_CL,
  P_V1,
  P_Q,
  P_V2,
  P_ALPHA,
  P_K,
  P_EMAX,
  P_EC50,
  P_MU,
  P_S,
  P_P,
  P_G,
  P_M,
  P_D,
  P_N,
  P_KTR,
  P_CIRC0,
  P_GAMMA,
  P_SLOPE,
  P_RATE, /* infusion rate while an infusion runs, mg/d */
  NPARMS
};

static double parms[NPARMS];
static double rate;      /* current infusion rate, mg/d */
static int n_events;     /* events seen since initmod: even ones start an infusion, odd ones stop it */
static int n_rhs, n_jac; /* calls since rp1_reset_counts, for rp1_desolve.R's work per patient */

void rp1_reset_counts(void) {
  n_rhs = n_jac = 0;
}

/* .C("rp1_counts", integer(2)): right-hand sides (deSolve's output calls included) and Jacobians. */
void rp1_counts(int *counts) {
  counts[0] = n_rhs, counts[1] = n_jac;
}

void initmod(void (*odeparms)(int *, double *)) {
  int n = NPARMS;
  odeparms(&n, parms);
  rate = 0;
  n_events = 0;
}

void infusion(int *neq, double *t, double *y) {
  (void)neq, (void)t, (void)y;
  rate = (n_events++ % 2 == 0) ? parms[P_RATE] : 0.0;
}

void derivs(int *neq, double *t, double *y, double *ydot, double *yout, int *ip) {
  (void)neq, (void)t;
  if (ip[0] < 2)
    error("rp1_desolve: nout must be 2 (C, N)");
  n_rhs++;
  const double *p = parms;
  double C = y[A1] / p[P_V1], N = y[S] + y[R];
  double G = p[P_ALPHA] * log(p[P_K] / N), kill = p[P_EMAX] * C / (p[P_EC50] + C), immune = p[P_N] * y[E];
  ydot[A1] = rate - (p[P_CL] / p[P_V1]) * y[A1] - (p[P_Q] / p[P_V1]) * y[A1] + (p[P_Q] / p[P_V2]) * y[A2];
  ydot[A2] = (p[P_Q] / p[P_V1]) * y[A1] - (p[P_Q] / p[P_V2]) * y[A2];
  ydot[S] = G * y[S] - kill * y[S] - immune * y[S] - p[P_MU] * y[S];
  ydot[R] = G * y[R] - immune * y[R] + p[P_MU] * y[S];
  ydot[E] = p[P_S] + p[P_P] * y[E] * N / (p[P_G] + N) - p[P_M] * y[E] * N - p[P_D] * y[E];
  double ktr = p[P_KTR], feedback = pow(p[P_CIRC0] / y[CIRC], p[P_GAMMA]);
  ydot[PROL] = ktr * y[PROL] * (1 - p[P_SLOPE] * C) * feedback - ktr * y[PROL];
  ydot[T1] = ktr * (y[PROL] - y[T1]);
  ydot[T2] = ktr * (y[T1] - y[T2]);
  ydot[T3] = ktr * (y[T2] - y[T3]);
  ydot[CIRC] = ktr * (y[T3] - y[CIRC]);
  yout[0] = C;
  yout[1] = N;
}

void jac(int *neq, double *t, double *y, int *ml, int *mu, double *pd, int *nrowpd, double *yout, int *ip) {
  (void)t, (void)ml, (void)mu, (void)yout, (void)ip;
  const double *p = parms;
  int rows = *nrowpd;
  n_jac++;
#define J(i, k) pd[(i) + (k)*rows]
  for (int k = 0; k < *neq; k++) /* ODEPACK zeroes the matrix before calling; not every integrator may */
    for (int i = 0; i < rows; i++)
      J(i, k) = 0;
  double C = y[A1] / p[P_V1], N = y[S] + y[R], dCdA1 = 1 / p[P_V1];
  double G = p[P_ALPHA] * log(p[P_K] / N), dGdN = -p[P_ALPHA] / N;
  double kill = p[P_EMAX] * C / (p[P_EC50] + C);
  double dkill = p[P_EMAX] * p[P_EC50] / ((p[P_EC50] + C) * (p[P_EC50] + C)) * dCdA1;
  double immune = p[P_N] * y[E];
  J(A1, A1) = -(p[P_CL] + p[P_Q]) / p[P_V1];
  J(A1, A2) = p[P_Q] / p[P_V2];
  J(A2, A1) = p[P_Q] / p[P_V1];
  J(A2, A2) = -p[P_Q] / p[P_V2];
  J(S, A1) = -dkill * y[S];
  J(S, S) = G + dGdN * y[S] - kill - immune - p[P_MU];
  J(S, R) = dGdN * y[S];
  J(S, E) = -p[P_N] * y[S];
  J(R, S) = dGdN * y[R] + p[P_MU];
  J(R, R) = G + dGdN * y[R] - immune;
  J(R, E) = -p[P_N] * y[R];
  double gN = p[P_G] + N, recruit = p[P_P] * y[E] * p[P_G] / (gN * gN) - p[P_M] * y[E];
  J(E, S) = recruit;
  J(E, R) = recruit;
  J(E, E) = p[P_P] * N / gN - p[P_M] * N - p[P_D];
  double ktr = p[P_KTR], feedback = pow(p[P_CIRC0] / y[CIRC], p[P_GAMMA]), effect = 1 - p[P_SLOPE] * C;
  J(PROL, A1) = -ktr * y[PROL] * p[P_SLOPE] * dCdA1 * feedback;
  J(PROL, PROL) = ktr * effect * feedback - ktr;
  J(PROL, CIRC) = -ktr * y[PROL] * effect * feedback * p[P_GAMMA] / y[CIRC];
  J(T1, PROL) = ktr, J(T1, T1) = -ktr;
  J(T2, T1) = ktr, J(T2, T2) = -ktr;
  J(T3, T2) = ktr, J(T3, T3) = -ktr;
  J(CIRC, T3) = ktr, J(CIRC, CIRC) = -ktr;
#undef J
}
