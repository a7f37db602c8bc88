#!/usr/bin/env bash
# Installs what building and testing Evently needs, pinned, and is safe to run again:
#   - the wasm32-unknown-unknown target (rustup)
#   - wasm-bindgen-cli at exactly the version of the wasm-bindgen crate (Cargo.lock)
#   - for the site build: Debian's brotli, and binaryen's wasm-opt from npm (pinned in
#     tools/package.json, into tools/node_modules; a wasm build run by node, nothing compiled)
#   - with --e2e: npm packages for end2end/ and Debian's Chromium (never a downloaded browser),
#     and schemathesis (pinned, scripts/schemathesis-requirements.txt) in .venv-schemathesis/
#   - with --schemathesis: only schemathesis
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION="0.2.130"   # must equal the wasm-bindgen crate version in Cargo.lock
SCHEMATHESIS_VERSION="4.32.5"     # must equal the pin in scripts/schemathesis-requirements.txt

install_schemathesis() {
  local venv=.venv-schemathesis
  if [ -x "$venv/bin/st" ] && [ "$("$venv/bin/st" --version 2>/dev/null | awk '{print $NF}')" = "$SCHEMATHESIS_VERSION" ]; then
    return
  fi
  echo "==> schemathesis $SCHEMATHESIS_VERSION into $venv (pip)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/schemathesis-requirements.txt
}

if [ "${1:-}" = "--schemathesis" ]; then
  install_schemathesis
  exit 0
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "==> rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if ! command -v wasm-bindgen >/dev/null 2>&1 || [ "$(wasm-bindgen --version | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  echo "==> cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 5 minutes, once)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

apt_install() {
  if [ "$(id -u)" = "0" ]; then
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"
  else
    sudo apt-get update -q && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"
  fi
}

# Web push encrypts with the `ece` crate, which links OpenSSL.
if ! pkg-config --exists openssl 2>/dev/null; then
  echo "==> installing Debian's libssl-dev and pkg-config (web push encryption links OpenSSL)"
  apt_install libssl-dev pkg-config
fi

if ! command -v brotli >/dev/null 2>&1; then
  echo "==> installing Debian's brotli (precompressed site files)"
  apt_install brotli
fi

# The pinned binaryen (tools/package.json and its lock); reinstalled when the pin changes.
BINARYEN_VERSION="$(sed -n 's/.*"binaryen": "\(.*\)".*/\1/p' tools/package.json)"
if [ "$(node -p 'require("./tools/node_modules/binaryen/package.json").version' 2>/dev/null)" != "$BINARYEN_VERSION" ]; then
  echo "==> npm ci (tools: binaryen $BINARYEN_VERSION for wasm-opt)"
  (cd tools && npm ci --no-audit --no-fund --loglevel=error)
fi

if [ "${1:-}" = "--e2e" ]; then
  # The delivery tests render the mailed PDF tickets and decode their QR codes.
  if ! command -v pdftoppm >/dev/null 2>&1 || ! command -v zbarimg >/dev/null 2>&1; then
    echo "==> installing Debian's poppler-utils and zbar-tools (PDF and QR checks in the tests)"
    apt_install poppler-utils zbar-tools
  fi
  if [ ! -x /usr/bin/chromium ]; then
    echo "==> installing Debian's Chromium for browser tests"
    apt_install chromium
  fi
  echo "==> npm ci (end2end)"
  (cd end2end && npm ci --no-audit --no-fund --loglevel=error)
  install_schemathesis
fi
