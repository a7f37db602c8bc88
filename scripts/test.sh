#!/usr/bin/env bash
# Runs every test: formatting and lints, core tests and black-box server tests (SQLite
# always; PostgreSQL and Redis when reachable, and always with CI=true), schemathesis against
# the OpenAPI document, then the browser tests in Debian's Chromium against the real server.
# Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
step() { echo; echo "==> $* ($(( $(date +%s) - start ))s)"; }

if [ "${CI:-}" = "true" ]; then
  step "CI=true: PostgreSQL, Redis and Chromium are required"
  pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1 || { echo "PostgreSQL is not reachable on 127.0.0.1:5432"; exit 1; }
  (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null || { echo "Redis is not reachable on 127.0.0.1:6379"; exit 1; }
fi

step "setup"
./scripts/setup.sh --e2e

step "cargo fmt --check"
cargo fmt --all -- --check

step "clippy (server side, -D warnings)"
cargo clippy -p evently -p server --features evently/server,evently/testing --all-targets -- -D warnings

step "clippy (browser side, wasm32)"
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

step "core and black-box tests"
cargo test -p evently -p server --features evently/server,evently/testing

step "schemathesis: the REST API against its OpenAPI document (the debug server just built)"
./scripts/schemathesis.sh

step "build the site (wasm bundle, CSS, public files)"
./scripts/build-site.sh

step "browser tests (Chromium)"
bin="$(realpath -m "${CARGO_TARGET_DIR:-target}")/debug/server"
site="$(realpath -m "${EVENTLY_SITE_ROOT:-target/site}")"
(cd end2end && EVENTLY_BIN="$bin" EVENTLY_SITE_ROOT="$site" npm test)

step "all tests passed"
