#!/usr/bin/env bash
# Prints the figures of the built site (run ./scripts/build-site.sh first): every file's size
# raw, gzip -9 and brotli -q 11 (the precompressed siblings the server sends; "-" where the
# build kept none), the wasm before wasm-opt for comparison, what a first visit downloads,
# and the time each build step took.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET_DIR="${CARGO_TARGET_DIR:-target}"
SITE="${EVENTLY_SITE_ROOT:-target/site}"
SITE="${SITE%/}"
WORK="$TARGET_DIR/site-build"
[ -f "$SITE/hash.txt" ] || { echo "no built site in $SITE: run ./scripts/build-site.sh" >&2; exit 1; }

size_or_dash() { if [ -f "$1" ]; then stat -c %s "$1"; else echo -; fi; }
row() { printf '%-50s %10s %10s %10s\n' "$@"; }

row file raw gzip brotli
while IFS= read -r f; do
  rel="${f#"$SITE"/}"
  row "$rel" "$(stat -c %s "$f")" "$(size_or_dash "$f.gz")" "$(size_or_dash "$f.br")"
done < <(find "$SITE" -type f ! -name '*.br' ! -name '*.gz' ! -name hash.txt | sort)

if [ -f "$WORK/evently_bg.wasm" ]; then
  raw="$WORK/evently_bg.wasm"
  echo
  row "wasm before wasm-opt (wasm-bindgen output)" "$(stat -c %s "$raw")" \
    "$(gzip -9 -n -c "$raw" | wc -c)" "$(brotli -q 11 -c "$raw" | wc -c)"
fi

echo
first_visit() {
  local col=$1 total=0 f s
  for f in "$SITE"/pkg/boot.*.js "$SITE"/pkg/evently.*.js "$SITE"/pkg/evently.*.wasm "$SITE"/pkg/evently.*.css; do
    case $col in
      raw) s=$(stat -c %s "$f") ;;
      *) s=$(stat -c %s "$f.$col" 2>/dev/null || stat -c %s "$f") ;;
    esac
    total=$((total + s))
  done
  echo "$total"
}
row "first visit: boot + js + wasm + css (+ the page)" "$(first_visit raw)" "$(first_visit gz)" "$(first_visit br)"

if [ -f "$WORK/times" ]; then
  echo
  echo "build steps (seconds):"
  sed 's/^/  /' "$WORK/times"
  grep -q '^wasm_opt_s' "$WORK/times" || echo "  (wasm-opt did not run: EVENTLY_WASM_OPT=0)"
fi
