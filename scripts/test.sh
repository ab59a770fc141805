#!/usr/bin/env bash
# Runs every test of asynclog from a fresh clone: installs what is missing,
# checks formatting, lints and generated files, then runs the Rust tests, the C
# tests (plain and under ASan/UBSan), and the C++, Go, Node and Python
# bindings' own test suites.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

step() { printf '\n==> %s\n' "$*"; }

step "installing what is missing"
scripts/setup.sh

step "formatting"
cargo fmt --all --check

step "lints (cargo clippy, tests and examples included)"
cargo clippy --workspace --all-targets --exclude asynclog-bench-compare --quiet -- -D warnings

step "generated files"
scripts/check-generated.sh

step "Rust tests"
mkdir -p target
cargo test --workspace --exclude asynclog-bench-compare 2>&1 | tee target/rust-tests.log
grep -q "test result: ok" target/rust-tests.log

if [[ -x scripts/test-c.sh ]]; then
  step "C and C++ tests"
  scripts/test-c.sh
fi

if [[ -x bindings/cpp/run-tests.sh ]]; then
  step "C++ binding tests"
  bindings/cpp/run-tests.sh
fi

if [[ -x bindings/go/run-tests.sh ]]; then
  step "Go binding tests"
  bindings/go/run-tests.sh
fi

if [[ -x bindings/node/run-tests.sh ]]; then
  step "Node binding tests"
  bindings/node/run-tests.sh
fi

if [[ -x bindings/python/run-tests.sh ]]; then
  step "Python binding tests"
  bindings/python/run-tests.sh
fi

step "all tests passed"
