#!/usr/bin/env bash
# Fails when the committed index.js or index.d.ts differ from what
# `napi build` generates from src/. Builds first unless --no-build is
# given (run-tests.sh has just built).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
export PATH="$HOME/.cargo/bin:$PATH"

if [[ "${1:-}" != --no-build ]]; then
  if command -v flock >/dev/null 2>&1; then
    flock /tmp/asynclog-build.lock npx napi build --platform --release
  else
    npx napi build --platform --release
  fi
fi

if ! git rev-parse --git-dir >/dev/null 2>&1; then
  echo "check-generated.sh: not in a git checkout; nothing to compare with" >&2
  exit 1
fi
if ! git diff --exit-code -- index.js index.d.ts; then
  echo "check-generated.sh: index.js or index.d.ts is stale; commit what napi build wrote" >&2
  exit 1
fi
if [[ -n "$(git ls-files --others --exclude-standard -- index.js index.d.ts)" ]]; then
  echo "check-generated.sh: index.js or index.d.ts is not committed" >&2
  exit 1
fi
echo "index.js and index.d.ts are fresh"
