#!/usr/bin/env bash
# The Node.js benchmark: asynclog against pino (async destination, sync
# destination, worker-thread transport) and winston (File transport), each
# in its own process, on the core benchmark's workload. Installs the
# dependencies and builds the addon when they are missing.
#
#   bindings/node/bench/run.sh                 # N = 1,000,000
#   N=200000 REPEAT=3 bindings/node/bench/run.sh
#   bindings/node/bench/run.sh encoding        # the field-encoding measurement
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
export PATH="$HOME/.cargo/bin:$PATH"

[[ -d node_modules/pino ]] || npm ci --no-audit --no-fund
if ! ls asynclog.*.node >/dev/null 2>&1; then
  flock /tmp/asynclog-build.lock npx napi build --platform --release
fi

case "${1:-compare}" in
  compare) exec node bench/compare.js ;;
  encoding) exec node bench/encoding.js "${N:-300000}" ;;
  *) echo "usage: bench/run.sh [compare|encoding]" >&2; exit 2 ;;
esac
