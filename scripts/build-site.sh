#!/usr/bin/env bash
# Builds the browser side into target/site: the wasm bundle (frontend crate, hydrate
# feature only, never unified with ssr), the CSS and the public files.
set -euo pipefail
cd "$(dirname "$0")/.."

PROFILE="${EVENTLY_WASM_PROFILE:-wasm-release}"
SITE="target/site"

cargo build -p frontend --lib --target wasm32-unknown-unknown --profile "$PROFILE"
mkdir -p "$SITE/pkg" "$SITE/style"
wasm-bindgen --target web --no-typescript --out-dir "$SITE/pkg" --out-name evently \
  "target/wasm32-unknown-unknown/$PROFILE/frontend.wasm"
# wasm-opt is opt-in: Debian's binaryen mangles wasm-bindgen 0.2.130's function table
# ("WebAssembly.Table.set(): Argument 1 is invalid"), so only use a binaryen you trust.
if [ "${EVENTLY_WASM_OPT:-0}" = "1" ] && command -v wasm-opt >/dev/null 2>&1; then
  wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int -o "$SITE/pkg/evently_bg.wasm.opt" "$SITE/pkg/evently_bg.wasm" \
    && mv "$SITE/pkg/evently_bg.wasm.opt" "$SITE/pkg/evently_bg.wasm"
fi
cp style/*.css "$SITE/style/"
cp -r public/. "$SITE/"
echo "site built in $SITE ($(du -h "$SITE/pkg/evently_bg.wasm" | cut -f1) wasm)"
