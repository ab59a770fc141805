#!/usr/bin/env bash
# Configures, builds and runs the C++ binding's tests with ctest: once
# plain, once under AddressSanitizer and UBSan. Installs cmake and
# GoogleTest (libgtest-dev) with apt-get when they are missing. Exits
# non-zero if any step or any test fails.
#
#   bindings/cpp/run-tests.sh [plain|sanitize]...   (default: both)
#
# Environment:
#   JOBS        parallel build and test jobs (default 2)
#   BUILD_ROOT  where the build trees go (default bindings/cpp/build*)
#   CMAKE_ARGS  extra arguments for the configure step

set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jobs="${JOBS:-2}"
build_root="${BUILD_ROOT:-$here}"
variants=("$@")
if [ ${#variants[@]} -eq 0 ]; then
  variants=(plain sanitize)
fi

say() { printf 'run-tests.sh: %s\n' "$*" >&2; }

have_gtest() {
  [ -e /usr/include/gtest/gtest.h ] ||
    [ -e /usr/local/include/gtest/gtest.h ] ||
    [ -e /usr/src/googletest/CMakeLists.txt ]
}

missing=()
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
have_gtest || missing+=(libgtest-dev)
command -v c++ >/dev/null 2>&1 || missing+=(g++)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q \
    --no-install-recommends "${missing[@]}"
fi

failed=()
for variant in "${variants[@]}"; do
  case "$variant" in
    plain) dir="$build_root/build"; sanitize=OFF ;;
    sanitize) dir="$build_root/build-sanitize"; sanitize=ON ;;
    *) say "unknown variant \"$variant\"; expected plain or sanitize"; exit 2 ;;
  esac
  say "$variant: configure, build and test in $dir"
  # shellcheck disable=SC2086  # CMAKE_ARGS is a list of words
  if cmake -S "$here" -B "$dir" -DASYNCLOG_CPP_SANITIZE="$sanitize" \
       ${CMAKE_ARGS:-} &&
     cmake --build "$dir" -j "$jobs" &&
     (cd "$dir" && ctest --output-on-failure -j "$jobs"); then
    say "$variant: passed"
  else
    say "$variant: FAILED"
    failed+=("$variant")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  say "failed: ${failed[*]}"
  exit 1
fi
say "all passed: ${variants[*]}"
