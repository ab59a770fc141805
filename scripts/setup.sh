#!/usr/bin/env bash
# Installs what building and testing asynclog needs, skipping what is
# already there: Debian packages and the pinned cbindgen.
set -euo pipefail

CBINDGEN_VERSION=0.29.4

need_apt=()
command -v cc >/dev/null || need_apt+=(build-essential)
command -v cmake >/dev/null || need_apt+=(cmake)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
if ((${#need_apt[@]})); then
  echo "setup: installing ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
fi

export PATH="$HOME/.cargo/bin:$PATH"
have=$(cbindgen --version 2>/dev/null | awk '{print $2}' || true)
if [[ "$have" != "$CBINDGEN_VERSION" ]]; then
  echo "setup: installing cbindgen $CBINDGEN_VERSION (found: ${have:-none})"
  cargo install cbindgen --locked --version "$CBINDGEN_VERSION" --quiet
fi
for component in rustfmt clippy; do
  rustup component list --installed 2>/dev/null | grep -q "^$component" \
    || rustup component add "$component"
done
