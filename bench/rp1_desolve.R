# RP-1 (../shared/RP1.md) with R's deSolve and the compiled model bench/rp1_desolve.c, on the cohort of a
# `rp1_twinsim --dump-params FILE` file, for docs/performance.md section 8. A comparison tool: twinsim neither
# builds, links nor tests anything of R or deSolve (GPL). bench/rp1_desolve.sh builds the shared object and runs this.
#
#   Rscript bench/rp1_desolve.R PARAMS SHARED_OBJECT [--patients N] [--method lsode|bdf|lsoda] [--rtol X]
#
# PARAMS: one patient a line, "index CL V1 alpha Emax" ('#' starts a comment), as rp1_baseline --params reads it;
# every patient (--patients N: the first N) is simulated in both arms, q3w then control, like rp1_baseline.
# Methods: lsode = BDF with the analytic Jacobian (jactype "fullusr"; the default, CVODE's method), bdf = BDF with
# a difference-quotient Jacobian (deSolve's "bdf"), lsoda = automatic Adams/BDF switching, analytic Jacobian.
# Solver settings: rtol 1e-6; atol 1e-6 on A1, A2, 1e-3 on S, R, E, 1 on the neutrophil states; deSolve's defaults
# otherwise (hmax = the largest output interval, 1 d; maxsteps 5000 an interval). --rtol X scales rtol and every
# atol by X / 1e-6 (a tighter reference solution, to see which program's checksum is nearer the exact one).
# Dosing the deSolve way: one ode() call a simulation; the infusion starts and stops are events (the compiled event
# function `infusion` switches the rate), at which deSolve stops and restarts the integrator. Their times are added
# to the output times, and those rows dropped: outputs are days 0..365, a day-21 sample taken before the dose.
# Prints the simulations, the seconds of the simulation loop and of the whole script, patients/s and the checksum
# (sum of N = S + R at day 365 over all simulations, as rp1_baseline prints it).
t_script <- proc.time()[["elapsed"]]
suppressPackageStartupMessages(library(deSolve))

args <- commandArgs(trailingOnly = TRUE)
usage <- "usage: Rscript rp1_desolve.R PARAMS SHARED_OBJECT [--patients N] [--method lsode|bdf|lsoda] [--rtol X]"
if (length(args) < 2) stop(usage)
params_path <- args[1]
so_path <- args[2]
per_arm <- NA
method <- "lsode"
rtol <- 1e-6
i <- 3
while (i <= length(args)) {
  if (args[i] == "--patients" && i < length(args)) {
    per_arm <- as.integer(args[i + 1])
  } else if (args[i] == "--rtol" && i < length(args)) {
    rtol <- as.numeric(args[i + 1])
  } else if (args[i] == "--method" && i < length(args)) {
    method <- match.arg(args[i + 1], c("lsode", "bdf", "lsoda"))
  } else {
    stop(usage)
  }
  i <- i + 2
}

varied <- c("CL", "V1", "alpha", "Emax")
cohort <- read.table(params_path, comment.char = "#", col.names = c("index", varied))
cohort <- as.matrix(cohort[, varied]) # a matrix row is much cheaper to take than a data frame's
if (is.na(per_arm) || per_arm > nrow(cohort)) per_arm <- nrow(cohort)

dyn.load(so_path)
dll <- sub("\\.[^.]*$", "", basename(so_path)) # deSolve's dllname: the library's name without extension

# In the order of the parameter enum of rp1_desolve.c; "rate" is the infusion rate while an infusion runs.
typical <- c(CL = 120, V1 = 10, Q = 48, V2 = 20,
             alpha = 0.005, K = 1e12, Emax = 0.8, EC50 = 0.5, mu = 1e-6,
             s = 1.3e4, p = 0.1245, g = 2.019e7, m = 3.422e-10, d = 0.0412, n = 1.101e-7,
             ktr = 4 / 3.7, Circ0 = 5e9, gamma = 0.161, slope = 0.2,
             rate = 100 / (1 / 24)) # 100 mg over 1 h: exactly 2400 mg/d
y0 <- c(A1 = 0, A2 = 0, S = 1e9, R = 1e3, E = 3.2e5, Prol = 5e9, T1 = 5e9, T2 = 5e9, T3 = 5e9, Circ = 5e9)
atol <- c(1e-6, 1e-6, 1e-3, 1e-3, 1e-3, 1, 1, 1, 1, 1) * (rtol / 1e-6)

days <- 0:365
starts <- 21 * (0:5)       # already output times
stops <- starts + 1 / 24   # the same doubles as rp1_model.h's 21.0 * c + 1.0 / 24
events <- sort(c(starts, stops))
times_q3w <- sort(c(days, stops))
rows_q3w <- match(days, times_q3w)
signals <- c("C", "S", "R", "N", "E", "Circ")

jac <- if (method == "bdf") NULL else "jac"
jactype <- if (method == "bdf") "fullint" else "fullusr"
simulate <- function(parms, dosed) {
  if (dosed) {
    out <- ode(y0, times_q3w, "derivs", parms, method = method, jacfunc = jac, jactype = jactype, dllname = dll,
               initfunc = "initmod", nout = 2, outnames = c("C", "N"), rtol = rtol, atol = atol,
               events = list(func = "infusion", time = events))
    out[rows_q3w, signals]
  } else {
    out <- ode(y0, days, "derivs", parms, method = method, jacfunc = jac, jactype = jactype, dllname = dll,
               initfunc = "initmod", nout = 2, outnames = c("C", "N"), rtol = rtol, atol = atol)
    out[, signals]
  }
}

# Every simulation's outputs are kept, as rp1_baseline keeps them (366 x 6 doubles a simulation).
outputs <- array(NA_real_, dim = c(length(days), length(signals), 2 * per_arm))
invisible(.C("rp1_reset_counts", PACKAGE = dll))
t_loop <- proc.time()[["elapsed"]]
checksum <- 0
for (arm in 1:2) {
  for (k in seq_len(per_arm)) {
    parms <- typical
    parms[varied] <- cohort[k, ]
    o <- simulate(parms, arm == 1)
    if (anyNA(o) || nrow(o) != length(days)) stop(sprintf("patient %d, arm %d: the simulation failed", k, arm))
    outputs[, , (arm - 1) * per_arm + k] <- o
    checksum <- checksum + o[length(days), "N"]
  }
}
t_end <- proc.time()[["elapsed"]]
counts <- .C("rp1_counts", integer(2), PACKAGE = dll)[[1]]

sims <- 2 * per_arm
loop <- t_end - t_loop
cat(sprintf("rp1_desolve: %d simulations (%d patients x 2 arms, %s), deSolve %s, method %s (%s Jacobian), rtol %g\n",
            sims, per_arm, params_path, packageVersion("deSolve"), method,
            if (method == "bdf") "difference-quotient" else "analytic", rtol))
cat(sprintf("  loop %.3f s, %.0f patients/s; whole script %.3f s; checksum %.12e\n", loop, sims / loop,
            t_end - t_script, checksum))
# deSolve calls derivs once more at every output time for the output variables (nout): leave those out.
output_calls <- per_arm * (length(times_q3w) + length(days))
cat(sprintf("  per patient: %.1f right-hand sides for the integrator (and %.1f for the outputs), %.1f Jacobians\n",
            (counts[1] - output_calls) / sims, output_calls / sims, counts[2] / sims))
