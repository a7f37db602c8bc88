#!/usr/bin/env bash
# Runs Evently on the embedded default (SQLite in ./data) with demo data, on
# http://127.0.0.1:3000 unless EVENTLY_ADDR says otherwise. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
./scripts/build-site.sh
cargo build -p server
server="${CARGO_TARGET_DIR:-target}/debug/server"
"$server" seed-demo
exec "$server" serve
