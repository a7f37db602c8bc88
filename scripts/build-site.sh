#!/usr/bin/env bash
# Builds the browser side into the site root ($EVENTLY_SITE_ROOT, default target/site):
#   1. the wasm bundle: the frontend crate (hydrate feature only, never unified with ssr)
#      for wasm32, then wasm-bindgen;
#   2. wasm-opt -Oz (binaryen from npm, pinned in tools/package.json; EVENTLY_WASM_OPT=0 skips it);
#   3. content-hashed names pkg/evently.<hash>.{js,wasm,css}, the boot module
#      pkg/boot.<hash>.js (frontend/boot.js with the bundle's names filled in), and hash.txt
#      listing the hashes (`js: <hash>` lines), which the server reads at start-up;
#   4. the public files;
#   5. a .br (brotli -q 11) and a .gz (gzip -9) beside every compressible file, kept only
#      when smaller, so the server sends them as they are.
# The new site is assembled beside the old one and swapped in at the end.
# Timings and the unoptimised wasm go to $CARGO_TARGET_DIR/site-build/ for scripts/site-sizes.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

PROFILE="${EVENTLY_WASM_PROFILE:-wasm-release}"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
SITE="${EVENTLY_SITE_ROOT:-target/site}"
SITE="${SITE%/}"
STAGE="$SITE.new"
WORK="$TARGET_DIR/site-build"
WASM_OPT="tools/node_modules/.bin/wasm-opt"
# The features rustc 1.95 enables for wasm32-unknown-unknown and wasm-bindgen's output
# uses (its target_features section lists them); binaryen must be allowed all of them.
WASM_FEATURES=(--enable-bulk-memory --enable-bulk-memory-opt --enable-nontrapping-float-to-int
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue
  --enable-call-indirect-overlong)
# Compressible files get .br/.gz siblings; images other than SVG are compressed already.
COMPRESSIBLE='.*\.(wasm|js|mjs|css|svg|txt|xml|json|webmanifest|html|map|ico)$'

want_opt=1
[ "${EVENTLY_WASM_OPT:-1}" = "0" ] && want_opt=0
if [ "$want_opt" = 1 ] && [ ! -x "$WASM_OPT" ]; then
  echo "wasm-opt is missing ($WASM_OPT): run ./scripts/setup.sh, or EVENTLY_WASM_OPT=0 to skip it" >&2
  exit 1
fi
for tool in brotli gzip wasm-bindgen sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || { echo "$tool is missing: run ./scripts/setup.sh" >&2; exit 1; }
done

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

rm -rf "$STAGE" "$WORK"
mkdir -p "$STAGE/pkg" "$WORK"

t=$(now)
cargo build -p frontend --lib --target wasm32-unknown-unknown --profile "$PROFILE"
echo "cargo_build_s $(since "$t")" >>"$WORK/times"

t=$(now)
wasm-bindgen --target web --no-typescript --out-dir "$WORK" --out-name evently \
  "$TARGET_DIR/wasm32-unknown-unknown/$PROFILE/frontend.wasm"
echo "wasm_bindgen_s $(since "$t")" >>"$WORK/times"
[ -d "$WORK/snippets" ] && { echo "wasm-bindgen wrote snippets/: hashing them is not supported yet" >&2; exit 1; }

wasm="$WORK/evently_bg.wasm"
if [ "$want_opt" = 1 ]; then
  # Debian's binaryen (108) mangles wasm-bindgen 0.2.130's function table
  # ("WebAssembly.Table.set(): Argument 1 is invalid"); the npm build is current.
  t=$(now)
  "$WASM_OPT" -Oz "${WASM_FEATURES[@]}" --strip-debug --strip-producers --strip-target-features \
    -o "$WORK/evently_bg.opt.wasm" "$wasm"
  echo "wasm_opt_s $(since "$t")" >>"$WORK/times"
  wasm="$WORK/evently_bg.opt.wasm"
fi

# Content hashes: the first 16 hex digits of SHA-256. The server treats a /pkg/ file named
# <name>.<16 hex digits>.<ext> as immutable (server/src/assets.rs).
hash_of() { sha256sum "$1" | cut -c1-16; }
js_hash=$(hash_of "$WORK/evently.js")
wasm_hash=$(hash_of "$wasm")
css_hash=$(hash_of style/evently.css)
cp "$WORK/evently.js" "$STAGE/pkg/evently.$js_hash.js"
cp "$wasm" "$STAGE/pkg/evently.$wasm_hash.wasm"
cp style/evently.css "$STAGE/pkg/evently.$css_hash.css"
# The boot module (frontend/boot.js) with the bundle's names filled in, hashed in turn.
sed -e "s|__EVENTLY_JS__|/pkg/evently.$js_hash.js|" -e "s|__EVENTLY_WASM__|/pkg/evently.$wasm_hash.wasm|" \
  frontend/boot.js >"$WORK/boot.js"
grep -q '__EVENTLY_' "$WORK/boot.js" && { echo "frontend/boot.js: a placeholder was not filled in" >&2; exit 1; }
boot_hash=$(hash_of "$WORK/boot.js")
cp "$WORK/boot.js" "$STAGE/pkg/boot.$boot_hash.js"
printf 'js: %s\nwasm: %s\ncss: %s\nboot: %s\n' "$js_hash" "$wasm_hash" "$css_hash" "$boot_hash" >"$STAGE/hash.txt"

cp -r public/. "$STAGE/"

t=$(now)
find "$STAGE" -regextype posix-extended -type f ! -name hash.txt -regex "$COMPRESSIBLE" -print0 |
  while IFS= read -r -d '' f; do
    size=$(stat -c %s "$f")
    gzip -9 -n -c "$f" >"$f.gz"
    brotli -q 11 -c "$f" >"$f.br"
    for c in "$f.gz" "$f.br"; do
      [ "$(stat -c %s "$c")" -lt "$size" ] || rm "$c"
    done
  done
echo "compress_s $(since "$t")" >>"$WORK/times"

rm -rf "$SITE.old"
[ -e "$SITE" ] && mv "$SITE" "$SITE.old"
mv "$STAGE" "$SITE"
rm -rf "$SITE.old"
echo "site built in $SITE: pkg/evently.$wasm_hash.wasm $(stat -c %s "$SITE/pkg/evently.$wasm_hash.wasm") bytes" \
  "(brotli $(stat -c %s "$SITE/pkg/evently.$wasm_hash.wasm.br" 2>/dev/null || echo -)); $(tr '\n' ' ' <"$WORK/times")"
