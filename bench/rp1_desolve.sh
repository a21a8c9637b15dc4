#!/usr/bin/env bash
# RP-1 with R's deSolve against rp1_baseline and twinsim on the same cohort (docs/performance.md section 8).
#
#   bash bench/rp1_desolve.sh [BUILD] [RUNS]      from the source root; BUILD defaults to build-perf, RUNS to 5
#
# With CALLGRIND=1 it also counts deSolve's instructions per simulation (needs valgrind), like bench/rp1_bench.sh:
# (count for 200 patients per arm - count for 100) / 200 simulations, in all and inside deSolve's compiled solver.
#
# BUILD is a Release build of twinsim (as for bench/rp1_bench.sh). Needs R with deSolve and hyperfine
# (apt-get install --no-install-recommends r-cran-desolve hyperfine). deSolve is GPL and only a point of comparison:
# this script builds bench/rp1_desolve.c with `R CMD SHLIB` into its work directory; CMake, twinsim and the tests
# never build or link it, and CI does not need R.
# Prints the same-cohort checksums, whole-process timings (hyperfine medians; Rscript's start-up and the loading of
# deSolve included), the simulation loops alone (each program's own clock, interleaved rounds) and the rates of the
# twinsim programs against deSolve's.
# Work files go to $TMPDIR/twinsim-rp1-desolve. Check `uptime` first: the timings need an otherwise idle machine.
set -euo pipefail

build=${1:-build-perf}
runs=${2:-5}
work=${TMPDIR:-/tmp}/twinsim-rp1-desolve
mkdir -p "$work"
params=$work/params.txt
db=$work/rp1.db

say() { printf '\n== %s\n' "$*"; }

if ! Rscript -e 'suppressPackageStartupMessages(library(deSolve))' >/dev/null 2>&1; then
  echo "rp1_desolve.sh: needs R and deSolve (apt-get install --no-install-recommends r-cran-desolve)" >&2
  exit 1
fi

say "machine and versions"
uptime
nproc
R --version | head -n 1
Rscript -e 'cat("deSolve", format(packageVersion("deSolve")), "\n")'

say "the compiled model (R CMD SHLIB, R's default flags)"
# Compiled from a copy so that the object files stay out of the source tree.
cp bench/rp1_desolve.c "$work/"
(cd "$work" && R CMD SHLIB rp1_desolve.c)
so=$work/rp1_desolve.so

say "the same cohort: twinsim's draws, simulated by every program"
"$build/bench/rp1_twinsim" --dump-params "$params"
"$build/bench/rp1_baseline" --params "$params"
for method in lsode bdf lsoda; do
  Rscript bench/rp1_desolve.R "$params" "$so" --method "$method"
done

say "whole-process timings, median of $runs runs"
hyperfine -N --warmup 1 --runs "$runs" --export-json "$work/timings.json" \
  -n baseline "$build/bench/rp1_baseline --params $params" \
  -n rp1_twinsim "$build/bench/rp1_twinsim" \
  -n "run -j 1" "$build/twinsim run scenarios/rp1_trial.yaml -o $db --force -q -j 1" \
  -n "deSolve lsode" "Rscript bench/rp1_desolve.R $params $so --method lsode" \
  -n "deSolve bdf" "Rscript bench/rp1_desolve.R $params $so --method bdf" \
  -n "deSolve lsoda" "Rscript bench/rp1_desolve.R $params $so --method lsoda"
python3 - "$work/timings.json" <<'EOF'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
for name, x in r.items():
    print(f'{name:14s} median {x["median"]:.3f} s  ({2000 / x["median"]:.0f} patients/s; min {x["min"]:.3f},'
          f' max {x["max"]:.3f}); CPU {x["user"] + x["system"]:.3f} s (means)')
m = {k: v["median"] for k, v in r.items()}
for d in ("deSolve lsode", "deSolve bdf", "deSolve lsoda"):
    print(f'rate against {d}:  rp1_twinsim {m[d] / m["rp1_twinsim"]:.2f}x,  run -j 1 {m[d] / m["run -j 1"]:.2f}x,'
          f'  baseline {m[d] / m["baseline"]:.2f}x')
EOF

say "simulation loop only (each program's own clock, start-up left out), $runs interleaved rounds"
loop_seconds() { # the first "N.NNN s" of a program's report
  "$@" | awk 'NR == 2 { for (i = 1; i < NF; i++) if ($(i + 1) ~ /^s,?$/) { print $i; exit } }'
}
: >"$work/loops.txt"
for ((round = 1; round <= runs; round++)); do
  printf '%s %s %s %s\n' \
    "$(loop_seconds "$build/bench/rp1_baseline" --params "$params")" \
    "$(loop_seconds "$build/bench/rp1_twinsim")" \
    "$(loop_seconds Rscript bench/rp1_desolve.R "$params" "$so" --method lsode)" \
    "$(loop_seconds Rscript bench/rp1_desolve.R "$params" "$so" --method lsoda)" | tee -a "$work/loops.txt"
done
python3 - "$work/loops.txt" <<'EOF2'
import statistics, sys
cols = list(zip(*[map(float, line.split()) for line in open(sys.argv[1])]))
names = ("baseline", "rp1_twinsim", "deSolve lsode", "deSolve lsoda")
med = dict(zip(names, map(statistics.median, cols)))
for name in names:
    print(f'{name:14s} loop median {med[name]:.3f} s  ({2000 / med[name]:.0f} patients/s)')
for d in ("deSolve lsode", "deSolve lsoda"):
    print(f'loop rate against {d}:  rp1_twinsim {med[d] / med["rp1_twinsim"]:.2f}x,'
          f'  baseline {med[d] / med["baseline"]:.2f}x')
EOF2

if [ "${CALLGRIND:-0}" = 1 ]; then
  say "callgrind instruction counts per simulation (differential, 100 -> 200 patients per arm)"
  # R's own executable, as Rscript runs it, so that valgrind follows the R process itself.
  rhome=$(R RHOME)
  for n in 100 200; do
    R_HOME=$rhome valgrind --tool=callgrind --callgrind-out-file="$work/cg.desolve.$n.out" "$rhome/bin/exec/R" \
      --no-echo --no-restore --file=bench/rp1_desolve.R --args "$params" "$so" --patients "$n" >/dev/null 2>&1
  done
  count() { # out-file, function (inclusive) or PROGRAM TOTALS
    callgrind_annotate --inclusive=yes "$1" 2>/dev/null |
      awk -v f="$2" 'index($0, f) && !found { gsub(",", "", $1); print $1; found = 1 }'
  }
  for what in "PROGRAM TOTALS" ":call_lsoda "; do
    c100=$(count "$work/cg.desolve.100.out" "$what")
    c200=$(count "$work/cg.desolve.200.out" "$what")
    python3 -c "print(f'{\"$what\":16s} {($c200 - $c100) // 200:12,} instructions per simulation')"
  done
fi
