#!/usr/bin/env bash
# The RP-1 measurements of docs/performance.md, in one script: same-cohort check, whole-process timings
# (hyperfine) and callgrind instruction counts per patient.
#
#   bash bench/rp1_bench.sh [BUILD] [RUNS]      from the source root; BUILD defaults to build-perf, RUNS to 7
#
# BUILD is a Release build (cmake -DCMAKE_BUILD_TYPE=Release -DTWINSIM_SUNDIALS_ROOT=<-O3 CVODE prefix>).
# Needs hyperfine and valgrind (apt-get install hyperfine valgrind). With DEBIAN=1 it also builds rp1_baseline
# against Debian's libsundials-dev (compiled without optimisation) and measures it the same way.
# `twinsim run -j N` runs N threads that simulate and store in turn (docs/design.md), so its CPU time (printed with
# the wall time) is the whole cost, on N cores. Instruction counts are differential: (count for 200 patients per
# arm - count for 100) / 200 simulations, which leaves out start-up (loading the scenario and plugins, creating the
# database).
# Work files go to $TMPDIR/twinsim-rp1-bench. Check `uptime` first: the timings need an otherwise idle machine.
set -euo pipefail

build=${1:-build-perf}
runs=${2:-7}
work=${TMPDIR:-/tmp}/twinsim-rp1-bench
mkdir -p "$work"
params=$work/params.txt
db=$work/rp1.db

say() { printf '\n== %s\n' "$*"; }

say "machine"
uptime
nproc

say "the same cohort: twinsim's draws, simulated by both programs"
"$build/bench/rp1_twinsim" --dump-params "$params"
"$build/bench/rp1_baseline" --params "$params"

say "whole-process timings, median of $runs runs"
hyperfine -N --warmup 1 --runs "$runs" --export-json "$work/timings.json" \
  -n baseline "$build/bench/rp1_baseline --params $params" \
  -n rp1_twinsim "$build/bench/rp1_twinsim" \
  -n "run -j 1" "$build/twinsim run scenarios/rp1_trial.yaml -o $db --force -q -j 1" \
  -n "run -j 2" "$build/twinsim run scenarios/rp1_trial.yaml -o $db --force -q -j 2"
python3 - "$work/timings.json" <<'EOF'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
for name, x in r.items():
    print(f'{name:12s} median {x["median"]:.3f} s  ({2000 / x["median"]:.0f} patients/s; min {x["min"]:.3f}, max {x["max"]:.3f});'
          f' CPU {x["user"] + x["system"]:.3f} s (user {x["user"]:.3f}, system {x["system"]:.3f}, means)')
m = {k: v["median"] for k, v in r.items()}
print(f'rp1_twinsim / baseline rate:  {m["baseline"] / m["rp1_twinsim"]:.3f}  (target >= 0.9)')
print(f'run -j 1 / rp1_twinsim rate:  {m["rp1_twinsim"] / m["run -j 1"]:.3f}  (target >= 0.8)')
print(f'run -j 2 / run -j 1 rate:     {m["run -j 1"] / m["run -j 2"]:.3f}  (target >= 1.8)')
EOF

callgrind_total() { # out-file, command...: the instruction count of the whole process
  local out=$1
  shift
  valgrind --tool=callgrind --callgrind-out-file="$out" "$@" >/dev/null 2>&1
  callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'
}
declare -A per
per_patient() { # name, command with @N@ for the patients per arm
  local name=$1 cmd=$2 c100 c200
  # shellcheck disable=SC2086 # the command is split into words on purpose
  c100=$(callgrind_total "$work/cg.$name.100.out" ${cmd//@N@/100})
  # shellcheck disable=SC2086
  c200=$(callgrind_total "$work/cg.$name.200.out" ${cmd//@N@/200})
  per[$name]=$(((c200 - c100) / 200))
  python3 -c "print(f'{\"$name\":16s} {${per[$name]}:12,} instructions per patient')"
}

say "callgrind instruction counts per patient (differential, 100 -> 200 patients per arm)"
for n in 100 200; do
  sed "s/^  size: 1000$/  size: $n/" scenarios/rp1_trial.yaml >"$work/rp1_trial_$n.yaml"
done
per_patient baseline "$build/bench/rp1_baseline --params $params --patients @N@"
per_patient rp1_twinsim "$build/bench/rp1_twinsim --patients @N@"
per_patient run_j1 "$build/twinsim run $work/rp1_trial_@N@.yaml -o $work/cg.db --force -q -j 1"
python3 -c "print(f'rp1_twinsim / baseline instructions: {${per[rp1_twinsim]} / ${per[baseline]}:.3f}  (target <= 1.15)')"
python3 -c "print(f'run -j 1 - rp1_twinsim: {${per[run_j1]} - ${per[rp1_twinsim]}:,} instructions per patient (store, cohort, records)')"

if [ "${DEBIAN:-0}" = 1 ]; then
  say "the baseline against Debian's libsundials-dev (apt-get install --no-install-recommends libsundials-dev)"
  gcc -O3 -DNDEBUG -D_POSIX_C_SOURCE=200809L -std=c11 -Wall -Wextra -Ibench bench/rp1_baseline.c \
    -o "$work/rp1_baseline_debian" -lsundials_cvode -lsundials_nvecserial -lsundials_sunlinsoldense \
    -lsundials_sunmatrixdense -lm
  "$work/rp1_baseline_debian" --params "$params"
  hyperfine -N --warmup 1 --runs 5 --export-json "$work/timings_debian.json" \
    -n "baseline, -O3 CVODE" "$build/bench/rp1_baseline --params $params" \
    -n "baseline, Debian's libsundials" "$work/rp1_baseline_debian --params $params"
  per_patient baseline_debian "$work/rp1_baseline_debian --params $params --patients @N@"
  python3 -c "print(f'Debian / -O3 instructions: {${per[baseline_debian]} / ${per[baseline]}:.2f}')"
fi
