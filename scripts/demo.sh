#!/usr/bin/env bash
# Builds asynclog and runs the demo: a few records through the default
# pipeline, then a timed burst with its accounting.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
scripts/setup.sh >/dev/null
cargo run --release --quiet -p asynclog-core --example demo
