#!/usr/bin/env bash
# Builds and tests the Node.js binding from a fresh clone:
#
#   1. npm ci (the committed package-lock.json: @napi-rs/cli, and express,
#      fastify, pino and winston for the tests and the benchmark)
#   2. napi build --platform --release (the addon, over ../../core)
#   3. checks that the committed index.js and index.d.ts, which napi-rs
#      generates, are what the build just wrote
#   4. cargo fmt --check and cargo clippy on the crate (SKIP_LINT=1 skips)
#   5. node --test on every test/*.test.js
#
# Needs Node.js 20 or later with npm, and a Rust toolchain. Exits non-zero
# on any failure. Heavy builds take /tmp/asynclog-build.lock when flock is
# there, so that parallel builds on one machine run one at a time.
#
#   bindings/node/run-tests.sh
#   SKIP_BUILD=1 bindings/node/run-tests.sh    # reuse the built addon
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
export PATH="$HOME/.cargo/bin:$PATH"

step() { printf '\n==> %s\n' "$*"; }
locked() {
  if command -v flock >/dev/null 2>&1; then
    flock /tmp/asynclog-build.lock "$@"
  else
    "$@"
  fi
}

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if (( node_major < 20 )); then
  echo "run-tests.sh: Node.js 20 or later is needed, found $(node --version)" >&2
  exit 1
fi

step "installing the dev dependencies (npm ci)"
npm ci --no-audit --no-fund

if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  step "building the addon (napi build --platform --release)"
  locked npx napi build --platform --release
fi

step "checking that index.js and index.d.ts are fresh"
bash "$here/check-generated.sh" --no-build

if [[ "${SKIP_LINT:-}" != 1 ]]; then
  step "checking the crate's formatting and lints (cargo fmt --check, cargo clippy)"
  cargo fmt --check
  locked cargo clippy --release --quiet -- -D warnings
fi

step "running the tests (node --test)"
node --test test/*.test.js
