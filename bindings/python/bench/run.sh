#!/usr/bin/env bash
# Runs the Python binding's benchmarks (not part of the tests): builds and
# installs the wheel into the venv as run-tests.sh does, installs the
# competing loggers, then bench/run.py. Arguments go to bench/run.py
# (--n, --repeat, --seconds, --connections, --stacks, --skip-http).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
venv="${ASYNCLOG_PY_VENV:-$here/.venv}"
lock="${ASYNCLOG_BUILD_LOCK-/tmp/asynclog-build.lock}"

if [ ! -x "$venv/bin/python" ]; then
    "${PYTHON:-python3}" -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --disable-pip-version-check \
    -r requirements-test.txt -r bench/requirements.txt

# wrk loads the server from a separate process; bench/load.py stands in
# where it cannot be installed.
if ! command -v wrk >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y -q wrk >/dev/null 2>&1 ||
        { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q wrk >/dev/null 2>&1; } || true
fi

rm -rf dist
build=("$venv/bin/maturin" build --release --out dist --interpreter "$venv/bin/python")
if [ -n "$lock" ] && command -v flock >/dev/null; then
    flock "$lock" "${build[@]}"
else
    "${build[@]}"
fi
wheel=(dist/asynclog-*.whl)
"$venv/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "${wheel[0]}"

exec "$venv/bin/python" bench/run.py "$@"
