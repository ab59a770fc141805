#!/usr/bin/env bash
# Fails when a committed generated file differs from what its generator
# writes now.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cbindgen --quiet --config ffi/cbindgen.toml --crate asynclog-ffi \
  --output "$tmp/asynclog.h"
if ! diff -u include/asynclog.h "$tmp/asynclog.h"; then
  echo "include/asynclog.h is stale: regenerate it with" >&2
  echo "  cbindgen --config ffi/cbindgen.toml --crate asynclog-ffi --output include/asynclog.h" >&2
  exit 1
fi
cbindgen --quiet --config plugins/abi/cbindgen.toml --crate asynclog-plugin-abi \
  --output "$tmp/asynclog_plugin.h"
if ! diff -u include/asynclog_plugin.h "$tmp/asynclog_plugin.h"; then
  echo "include/asynclog_plugin.h is stale: regenerate it with" >&2
  echo "  cbindgen --config plugins/abi/cbindgen.toml --crate asynclog-plugin-abi --output include/asynclog_plugin.h" >&2
  exit 1
fi
echo "generated files: fresh"
