#!/usr/bin/env bash
# Builds libasynclog through CMake (which runs cargo) and runs the C ABI
# tests twice: as built (build/c), then with AddressSanitizer, LeakSanitizer
# and UBSan on the test programs (build/c-asan). Exits non-zero if either
# run has a failure.
#
#   scripts/test-c.sh            both runs
#   scripts/test-c.sh normal     only the first
#   scripts/test-c.sh asan       only the second
#
# Environment: CARGO (the cargo to use), JOBS (parallel build and test
# jobs, default the number of CPUs), CTEST_ARGS (more ctest arguments,
# e.g. "-R context").

set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
which="${1:-all}"
jobs="${JOBS:-$(nproc 2>/dev/null || echo 2)}"

say() { printf '\n== %s\n' "$*"; }

# Tools the build needs: install the missing ones (Debian/Ubuntu).
missing=()
command -v cmake >/dev/null || missing+=(cmake)
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v cc >/dev/null || missing+=(gcc)
command -v c++ >/dev/null || missing+=(g++)
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq \
    "${missing[@]}" >/dev/null
fi

cargo_args=()
if [ -n "${CARGO:-}" ]; then
  cargo_args=("-DCARGO=$CARGO")
elif ! command -v cargo >/dev/null && [ -x "$HOME/.cargo/bin/cargo" ]; then
  cargo_args=("-DCARGO=$HOME/.cargo/bin/cargo")
fi

# Summary lines of each run, printed again at the end.
summaries=()
status=0

# run NAME BUILD_DIR [CMAKE_ARGS...]
run() {
  local name="$1" dir="$2"
  shift 2
  say "$name: configure ($dir)"
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "${cargo_args[@]}" "$@" >/dev/null
  say "$name: build"
  cmake --build "$dir" --parallel "$jobs"
  say "$name: test"
  local log="$dir/ctest.log"
  local rc=0
  # shellcheck disable=SC2086 # CTEST_ARGS is a list of words
  ctest --test-dir "$dir" --output-on-failure --parallel "$jobs" \
    ${CTEST_ARGS:-} 2>&1 | tee "$log" || rc=$?
  # ctest's closing lines: the tally, its time, and any failures.
  local tally
  tally="$(grep -E 'tests passed|tests failed' "$log" | tail -n 1 || true)"
  summaries+=("$name: ${tally:-no ctest summary}")
  if [ "$rc" -ne 0 ] || [ -z "$tally" ]; then
    status=1
    summaries+=("$(sed -n '/The following tests FAILED/,$p' "$log")")
  fi
}

case "$which" in
  all | normal) run normal build/c -DASYNCLOG_SANITIZE=none ;;
esac
case "$which" in
  all | asan) run asan build/c-asan -DASYNCLOG_SANITIZE=address ;;
esac
case "$which" in
  all | normal | asan) ;;
  *) echo "usage: $0 [all|normal|asan]" >&2; exit 2 ;;
esac

say "summary"
printf '%s\n' "${summaries[@]}"
exit "$status"
