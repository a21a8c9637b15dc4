#!/usr/bin/env bash
# twinsim developer set-up: install what is missing, build, then run the demo or every test.
#
#   bash .ci/setup.sh demo   # build (Release), run the demo virtual trial, print its summary, write its report
#   bash .ci/setup.sh test   # build twice (Release, ASan+UBSan) with -Werror and run the whole suite both ways
#
# Idempotent: a second run installs nothing and rebuilds only what changed.
# SUNDIALS: CVODE is built with -O3 from Debian's own source package into .deps/sundials (Debian's binaries are
# compiled without optimisation, see docs/performance.md). If that fails, the system libsundials-dev is used and a
# warning says so. The apt configuration of the machine is not changed: the source index lives in .deps/apt.
set -euo pipefail

mode=${1:-}
case "$mode" in
demo | test) ;;
*)
  echo "usage: bash .ci/setup.sh demo|test" >&2
  exit 2
  ;;
esac

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
deps="$root/.deps"
jobs=$(nproc 2>/dev/null || echo 2)
export DEBIAN_FRONTEND=noninteractive

say() { printf '\033[1m== %s\033[0m\n' "$*"; }
warn() { printf '\033[1;33mWARNING: %s\033[0m\n' "$*" >&2; }

# --- 1. Debian packages --------------------------------------------------------------------------------------
packages=(gcc make cmake pkg-config dpkg-dev xz-utils ca-certificates sqlite3
  libyaml-dev libsqlite3-dev libssl-dev libcmocka-dev librandom123-dev
  libcairo2-dev fonts-dejavu-core)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    apt-get update -qq
    apt_updated=1
  fi
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  apt_install "${missing[@]}"
fi
# The report test opens the page in Debian's chromium (headless), in test mode only. Without it that test fails;
# TWINSIM_SKIP_BROWSER_TEST=1 skips it on purpose (a machine that cannot have chromium).
if [ "$mode" = test ] && [ "${TWINSIM_SKIP_BROWSER_TEST:-0}" != 1 ] &&
  ! dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q 'install ok installed'; then
  say "installing Debian packages: chromium (for the report's browser test)"
  apt_install chromium || {
    echo "chromium could not be installed; the report's browser test needs it (TWINSIM_SKIP_BROWSER_TEST=1 skips it)" >&2
    exit 1
  }
fi

# --- 2. An optimised CVODE from Debian's source package -------------------------------------------------------
sundials_version=6.4.1+dfsg1-3
sundials_prefix="$deps/sundials"
sundials_stamp="$sundials_prefix/.built-$sundials_version"
build_sundials() {
  local apt_dir="$deps/apt" work="$deps/sundials-src"
  rm -rf "$apt_dir" "$work" "$sundials_prefix"
  mkdir -p "$apt_dir/lists/partial" "$work"
  echo "deb-src http://deb.debian.org/debian bookworm main" >"$apt_dir/sources.list"
  local aptopts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
    -o "Dir::State::Lists=$apt_dir/lists" -o "APT::Sandbox::User=root")
  apt-get "${aptopts[@]}" update -qq &&
    (cd "$work" && apt-get "${aptopts[@]}" -qq --download-only source "sundials=$sundials_version" >/dev/null) &&
    (cd "$work" && dpkg-source -x --no-check sundials_*.dsc src >/dev/null) &&
    cmake -S "$work/src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE="-O3 -DNDEBUG" \
      -DCMAKE_INSTALL_PREFIX="$sundials_prefix" -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
      -DBUILD_SHARED_LIBS=OFF -DBUILD_STATIC_LIBS=ON -DBUILD_CVODE=ON -DBUILD_ARKODE=OFF -DBUILD_CVODES=OFF \
      -DBUILD_IDA=OFF -DBUILD_IDAS=OFF -DBUILD_KINSOL=OFF -DEXAMPLES_ENABLE_C=OFF -DEXAMPLES_INSTALL=OFF \
      -DBUILD_FORTRAN_MODULE_INTERFACE=OFF >"$work/configure.log" 2>&1 &&
    cmake --build "$work/build" -j "$jobs" --target install >"$work/build.log" 2>&1 &&
    touch "$sundials_stamp" && rm -rf "$work" "$apt_dir"
}
sundials_args=()
if [ -f "$sundials_stamp" ]; then
  sundials_args=(-DTWINSIM_SUNDIALS_ROOT="$sundials_prefix")
else
  say "building CVODE $sundials_version (-O3) from Debian's source package into .deps/sundials"
  if build_sundials; then
    sundials_args=(-DTWINSIM_SUNDIALS_ROOT="$sundials_prefix")
  else
    warn "could not build the optimised CVODE (logs in $deps/sundials-src); falling back to Debian's"
    warn "libsundials-dev, which is compiled WITHOUT optimisation: simulations run about 3x slower."
    dpkg-query -W -f='${Status}' libsundials-dev 2>/dev/null | grep -q 'install ok installed' ||
      apt_install libsundials-dev
    sundials_args=(-DTWINSIM_SUNDIALS_ROOT=system)
  fi
fi

# --- 3. Build and run --------------------------------------------------------------------------------------
configure_and_build() { # dir, extra cmake args...
  local dir=$1
  shift
  cmake -S "$root" -B "$root/$dir" -DCMAKE_BUILD_TYPE=Release "${sundials_args[@]}" "$@" >"$root/$dir.configure.log" 2>&1 ||
    {
      cat "$root/$dir.configure.log"
      return 1
    }
  cmake --build "$root/$dir" -j "$jobs"
}

if [ "$mode" = demo ]; then
  say "building twinsim in build/"
  configure_and_build build
  say "running the demo virtual trial: build/twinsim run scenarios/neutropenia_dose_hold.yaml -o build/demo.db"
  build/twinsim run scenarios/neutropenia_dose_hold.yaml -o build/demo.db --force
  say "its statistics: build/twinsim summary build/demo.db"
  build/twinsim summary build/demo.db
  say "its report: build/twinsim report build/demo.db -o build/demo-report"
  build/twinsim report build/demo.db -o build/demo-report --force
  say "open build/demo-report/index.html in a browser (docs/report.md explains every figure)"
else
  say "building twinsim in build/ (Release, -Werror)"
  configure_and_build build -DTWINSIM_WERROR=ON
  say "running every test"
  ctest --test-dir build --output-on-failure -j "$jobs"
  say "building twinsim in build-sanitize/ (AddressSanitizer + UndefinedBehaviorSanitizer, -Werror)"
  configure_and_build build-sanitize -DCMAKE_BUILD_TYPE=Debug -DTWINSIM_SANITIZE=ON -DTWINSIM_WERROR=ON
  say "running every test under ASan+UBSan"
  ctest --test-dir build-sanitize --output-on-failure -j "$jobs"
fi
