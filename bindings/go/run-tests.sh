#!/usr/bin/env bash
# Builds libasynclog from this checkout, then vets and tests the Go
# binding: with the race detector, then forcing garbage collection between
# calls (ASYNCLOG_GO_GC=1, GOGC=1), then again under GOEXPERIMENT=cgocheck2,
# which checks every pointer handed to C. Finally the benchmark module is
# vetted and its benchmarks run once each, briefly, to prove they work.
#
# Needs Go (1.24 or later) with cgo and a C compiler, and Rust. The
# binding itself has no Go dependencies; the benchmark module fetches
# zap and zerolog from the Go module proxy. Exits non-zero on any failure.
#
#   bindings/go/run-tests.sh            # everything
#   SKIP_BENCH=1 bindings/go/run-tests.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export PATH="$HOME/.cargo/bin:/usr/local/go/bin:$PATH"

step() { printf '\n==> %s\n' "$*"; }

step "building libasynclog (cargo build --release -p asynclog-ffi)"
cd "$root"
if ! cargo build --release -p asynclog-ffi; then
  # Without access to crates.io, use the crates already in the cache.
  cargo build --release --offline -p asynclog-ffi
fi
lib="$root/target/release"
# The library's SONAME is libasynclog.so.0: the loader looks for that name.
if [[ ! -e "$lib/libasynclog.so.0" ]]; then
  ln -sf libasynclog.so "$lib/libasynclog.so.0"
fi

step "writing an asynclog.pc that points at this checkout"
header="$root/include/asynclog.h"
ver() { sed -n "s/^#define ASYNCLOG_VERSION_$1 \([0-9]*\)$/\1/p" "$header"; }
version="$(ver MAJOR).$(ver MINOR).$(ver PATCH)"
mkdir -p "$here/.pkgconfig"
cat > "$here/.pkgconfig/asynclog.pc" <<EOF
prefix=$root
libdir=\${prefix}/target/release
includedir=\${prefix}/include

Name: asynclog
Description: asynclog from the checkout at $root
Version: $version
Libs: -L\${libdir} -Wl,-rpath,\${libdir} -lasynclog
Libs.private: -lpthread -ldl -lm
Cflags: -I\${includedir}
EOF

export CGO_ENABLED=1
cd "$here"
# The default build finds the library with pkg-config; without pkg-config
# the asynclog_checkout build tag points cgo at the checkout instead.
if command -v pkg-config >/dev/null; then
  export PKG_CONFIG_PATH="$here/.pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
  tags=""
  echo "pkg-config: $(pkg-config --modversion asynclog) from $here/.pkgconfig"
else
  tags="asynclog_checkout"
  echo "pkg-config not found: building with -tags asynclog_checkout"
fi

step "gofmt and go vet"
unformatted="$(gofmt -l .)"
if [[ -n "$unformatted" ]]; then
  echo "not gofmt-formatted:"; echo "$unformatted"; exit 1
fi
go vet -tags "$tags" ./...
go vet -tags asynclog_checkout ./...

step "go test -race"
go test -tags "$tags" -race -count=1 ./...

step "go test, forcing GC between calls (ASYNCLOG_GO_GC=1 GOGC=1)"
ASYNCLOG_GO_GC=1 GOGC=1 go test -tags "$tags" -count=1 ./...

step "go test under GOEXPERIMENT=cgocheck2, forcing GC"
GOEXPERIMENT=cgocheck2 ASYNCLOG_GO_GC=1 go test -tags "$tags" -count=1 ./...

if [[ "${SKIP_BENCH:-}" != 1 ]]; then
  step "benchmark module: vet, and each benchmark once, briefly"
  cd "$here/bench"
  go vet -tags "$tags" ./...
  go test -tags "$tags" -count=1 -run 'Test' -bench . -benchtime 20000x ./...
fi

step "all Go binding tests passed"
