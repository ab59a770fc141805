#!/usr/bin/env bash
# Runs the Go benchmarks (2,000,000 events per run) in ROUNDS rounds (5 by
# default) and keeps the raw output, with the machine it ran on, in
# results/DATE-HOST.txt. Each round runs every contender once, so that a
# burst of load elsewhere on the machine touches all of them alike; quote
# the median of the rounds.
#
#   bindings/go/bench/run.sh [extra go test flags]
#   ROUNDS=3 OUT=results/x.txt bindings/go/bench/run.sh -bench CallCost
#
# Build libasynclog first (bindings/go/run-tests.sh does, and writes the
# asynclog.pc this uses); close other heavy programs: every contender but
# asynclog runs on one core, asynclog on three threads.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
cd "$here"

tags=""
if [[ -f "$here/../.pkgconfig/asynclog.pc" ]] && command -v pkg-config >/dev/null; then
  export PKG_CONFIG_PATH="$here/../.pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
else
  tags="asynclog_checkout"
fi

rounds="${ROUNDS:-5}"
mkdir -p results
out="${OUT:-results/$(date -u +%Y-%m-%d)-$(hostname -s).txt}"
{
  echo "# command: $rounds rounds of: go test -tags '$tags' -run '^\$' -bench . -benchtime 2000000x -count 1 $*"
  echo "# date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "# git: $(git -C "$root" rev-parse HEAD)$(git -C "$root" diff --quiet || echo ' (dirty)')"
  echo "# cpu: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs," \
    "$(lscpu | sed -n 's/^Hypervisor vendor: *//p') guest"
  echo "# kernel: $(uname -sr)"
  echo "# memory: $(awk '/MemTotal/ {printf "%d MiB", $2/1024}' /proc/meminfo)"
  echo "# go: $(go version)"
  echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  go list -m all | grep -E 'zap|zerolog' | sed 's/^/# module: /'
  for round in $(seq "$rounds"); do
    echo "# round $round, load $(cut -d' ' -f1-3 /proc/loadavg)"
    go test -tags "$tags" -run '^$' -bench . -benchtime 2000000x -count 1 "$@" ./...
  done
  echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
} 2>&1 | tee "$out"
echo "wrote bindings/go/bench/$out"
