#!/usr/bin/env bash
# Builds the Python binding's wheel and runs its checks, from a fresh clone:
# a virtualenv with the pinned test dependencies, a release wheel built by
# maturin and installed with pip (as a user would), cargo fmt --check,
# cargo clippy (warnings are errors) and the crate's unit tests, mypy
# --strict on the package and the examples, then the pytest suite against
# the installed wheel.
#
#   bindings/python/run-tests.sh [pytest args...]
#   SKIP_LINT=1 bindings/python/run-tests.sh   # without the cargo checks
#
# Environment: PYTHON (the interpreter for the venv, default python3),
# ASYNCLOG_PY_VENV (where the venv lives, default bindings/python/.venv),
# ASYNCLOG_BUILD_LOCK (the lock serializing heavy builds, default
# /tmp/asynclog-build.lock; set it empty to build without one).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

python="${PYTHON:-python3}"
venv="${ASYNCLOG_PY_VENV:-$here/.venv}"
lock="${ASYNCLOG_BUILD_LOCK-/tmp/asynclog-build.lock}"

step() { printf '\n== %s\n' "$*"; }

step "virtualenv at $venv"
if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r requirements-test.txt

step "wheel (maturin build --release)"
rm -rf dist
build=("$venv/bin/maturin" build --release --out dist --interpreter "$venv/bin/python")
if [ -n "$lock" ] && command -v flock >/dev/null; then
    flock "$lock" "${build[@]}"
else
    "${build[@]}"
fi
wheel=(dist/asynclog-*.whl)
"$venv/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "${wheel[0]}"

if [ "${SKIP_LINT:-}" != 1 ]; then
    step "cargo fmt --check, cargo clippy, cargo test (the crate's unit tests)"
    cargo fmt --check
    locked() {
        if [ -n "$lock" ] && command -v flock >/dev/null; then flock "$lock" "$@"; else "$@"; fi
    }
    locked cargo clippy --release --quiet -- -D warnings
    locked cargo test --quiet --lib
fi

step "mypy --strict (package and examples)"
(cd "$here" && "$venv/bin/mypy" --strict python/asynclog examples)

step "pytest"
cd "$here"
# Run from a directory where the source tree is not importable, so the
# tests exercise the installed wheel.
"$venv/bin/python" -m pytest -p no:cacheprovider tests "$@"
