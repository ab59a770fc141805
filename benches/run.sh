#!/usr/bin/env bash
# Builds and runs the benchmarks: the side-by-side comparison
# (benches/compare) and the C ABI alone (benches/c/bench_c_abi.c).
#
#   benches/run.sh [compare options]    e.g. --quick, --threads 1, --only spdlog,loop
#
# Options go to the comparison binary; --events and --threads also go to
# the C program. Everything builds in release mode. Results of the
# comparison are kept in benches/results/<date>-<hostname>.json; both
# tables are printed, and the C program's is saved beside the JSON.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
release="$root/target/release"

c_args=()
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --events | --threads) c_args+=("${args[$i]}" "${args[$((i + 1))]:-}") ;;
    --quick) c_args+=(--events 500000) ;;
  esac
done

if [[ "$(uptime)" =~ load\ average:\ ([0-9]+)[.,] ]] && ((BASH_REMATCH[1] >= 1)); then
  echo "note: load average is $(cut -d' ' -f1-3 /proc/loadavg); other work on this machine" \
    "skews the numbers" >&2
fi

# spdlog's async logger is a contender: Debian's libspdlog-dev, installed
# here when missing (the build leaves the contender out without it).
if ! pkg-config --exists spdlog 2>/dev/null && command -v apt-get >/dev/null; then
  echo "== installing libspdlog-dev for the spdlog contender" >&2
  sudo=()
  [[ "$(id -u)" == 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq libspdlog-dev >/dev/null
fi

echo "== building (release)" >&2
cargo build --release -p asynclog-ffi -p asynclog-bench-compare
# The plugin contenders' shared objects, built here rather than inside a
# timed child.
cargo build --release --quiet -p asynclog-fault -p asynclog-env-enricher \
  --target-dir "$root/target/bench-plugins"
export ASYNCLOG_BENCH_PLUGIN_DIR="${ASYNCLOG_BENCH_PLUGIN_DIR:-$root/target/bench-plugins/release}"

# Programs linked against libasynclog.so record its SONAME.
ln -sf libasynclog.so "$release/libasynclog.so.0"

cc -O2 -std=c11 -Wall -Wextra -Werror -pedantic -Iinclude benches/c/bench_c_abi.c \
  -L"$release" -lasynclog -lpthread -Wl,-rpath,"$release" \
  -o "$release/bench_c_abi"

echo "== asynclog against tracing, spdlog and the single-thread loop" >&2
"$release/asynclog-bench-compare" "$@" | tee "$release/bench-compare.txt"

echo
echo "== the C ABI alone (benches/c/bench_c_abi.c)" >&2
status=0
"$release/bench_c_abi" "${c_args[@]}" | tee "$release/bench-c-abi.txt" || status=$?

# Keep the C table next to the JSON the comparison just wrote.
json="$(sed -n 's/^results written to //p' "$release/bench-compare.txt" | tail -1)"
if [[ -n "$json" ]]; then
  cp "$release/bench-c-abi.txt" "${json%.json}-c-abi.txt"
  echo "C ABI table written to ${json%.json}-c-abi.txt"
fi
exit "$status"
