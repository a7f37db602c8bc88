#!/usr/bin/env bash
# Prints the waitlist benchmark (`server bench waitlist`) on SQLite and on PostgreSQL: a
# ticket type of 1,000 seats is sold out; 10,000 people join its waitlist at once (200
# requests in flight); the 1,000 at the head of the queue open their live socket; the 1,000
# bookings are cancelled in bursts of 100. Prints joins/s, join latency p50/p99, whether the
# positions are 1..N without gaps, how long an offer takes from its commit to its person's
# socket, and then the invariant check (`server check`) of the database afterwards.
#
# How: the release server (or EVENTLY_BIN) runs on a free 127.0.0.1 port with a fresh
# database of its own (a temporary SQLite file; a new PostgreSQL database on
# 127.0.0.1:5432, user postgres, dropped afterwards), rate limits off and the live
# connection cap raised (one client opens 1,000 sockets). The people come from
# `server seed-users` (one password hash for all, a session each), not from sign-up, which
# costs an argon2 hash per person. Loopback only; every step is bounded; the server stops
# and its data is removed on exit.
#
# Environment:
#   EVENTLY_BIN     the server binary; unset: build target/release/server (nice -n 19)
#   BENCH_ENGINES   "sqlite postgres" (default), or one of them
#   BENCH_JOINS     people joining (default 10000)
#   BENCH_CANCELS   seats sold out and then cancelled (default 1000)
set -euo pipefail
caller_dir=$PWD
cd "$(dirname "$0")/.."

ENGINES="${BENCH_ENGINES:-sqlite postgres}"
JOINS="${BENCH_JOINS:-10000}"
CANCELS="${BENCH_CANCELS:-1000}"
PG_ADMIN="${EVENTLY_TEST_PG:-postgres://postgres@127.0.0.1:5432/postgres}"
[[ "$JOINS" =~ ^[1-9][0-9]*$ && "$CANCELS" =~ ^[1-9][0-9]*$ ]] || { echo "BENCH_JOINS and BENCH_CANCELS must be whole numbers" >&2; exit 2; }

say() { echo "==> $*"; }
fail() { echo "bench-waitlist: $*" >&2; exit 1; }
for tool in curl python3; do command -v "$tool" >/dev/null || fail "$tool is missing"; done

if [ -n "${EVENTLY_BIN:-}" ]; then
  bin=$(cd "$caller_dir" && realpath -m "$EVENTLY_BIN")
  [ -x "$bin" ] || fail "EVENTLY_BIN=$EVENTLY_BIN is not an executable"
else
  say "building the release server (nice -n 19 cargo build --release -p server)"
  nice -n 19 cargo build --release -p server
  bin="$(realpath -m "${CARGO_TARGET_DIR:-target}")/release/server"
fi
want_fds=8192
if [ "$(ulimit -n)" != unlimited ] && (( $(ulimit -n) < want_fds )); then
  hard=$(ulimit -Hn)
  if [ "$hard" = unlimited ] || (( hard >= want_fds )); then ulimit -n "$want_fds"; else ulimit -n "$hard"; fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/evently-bench-waitlist.XXXXXX")
server_pid=""
pg_db=""
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}
drop_pg() {
  if [ -n "$pg_db" ]; then
    psql "$PG_ADMIN" -q -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true
    pg_db=""
  fi
}
cleanup() { stop_server; drop_pg; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

run_engine() {
  local engine=$1 dir="$work/$1" db_url=""
  mkdir -p "$dir/data"
  if [ "$engine" = postgres ]; then
    command -v psql >/dev/null || fail "psql is missing (PostgreSQL client)"
    pg_db="evently_bench_wl_$$"
    psql "$PG_ADMIN" -q -c "CREATE DATABASE $pg_db" >/dev/null || fail "cannot create a database on $PG_ADMIN"
    db_url="${PG_ADMIN%/*}/$pg_db"
  fi
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  local base="http://127.0.0.1:$port"
  local env_=(env -u DATABASE_URL -u REDIS_URL EVENTLY_ENV=development EVENTLY_DATA_DIR="$dir/data"
    EVENTLY_ADDR="127.0.0.1:$port" EVENTLY_PUBLIC_URL="$base" EVENTLY_RATE_LIMITS=off
    EVENTLY_WS_MAX_PER_CLIENT=5000 EVENTLY_WS_MAX_TOTAL=20000 RUST_LOG=warn)
  [ -n "$db_url" ] && env_+=(DATABASE_URL="$db_url")
  say "[$engine] demo organizer and $(( JOINS + CANCELS )) signed-in people"
  timeout 300 "${env_[@]}" "$bin" seed-demo --events 5 >"$dir/seed.log" 2>&1 || { tail -20 "$dir/seed.log"; fail "seed-demo failed"; }
  timeout 600 "${env_[@]}" "$bin" seed-users --count $(( JOINS + CANCELS )) --prefix "wl" --tokens "$dir/tokens.tsv" \
    2>&1 | tail -n 3 || fail "seed-users failed"
  "${env_[@]}" "$bin" serve >"$dir/server.log" 2>&1 &
  server_pid=$!
  local deadline=$(( SECONDS + 30 ))
  until curl -fsS --max-time 2 "$base/health" >/dev/null 2>&1; do
    kill -0 "$server_pid" 2>/dev/null || { tail -20 "$dir/server.log"; fail "the server exited"; }
    (( SECONDS < deadline )) || fail "no healthy server within 30s"
    sleep 0.2
  done
  say "[$engine] bench waitlist on $base"
  timeout 900 "$bin" bench waitlist --url "$base" --tokens "$dir/tokens.tsv" --joins "$JOINS" --cancellations "$CANCELS" \
    | tee "$dir/result.json"
  stop_server
  say "[$engine] invariant check (server check)"
  "${env_[@]}" "$bin" check
  drop_pg
}

for engine in $ENGINES; do
  case "$engine" in
    sqlite|postgres) run_engine "$engine" ;;
    *) fail "unknown engine $engine (sqlite or postgres)" ;;
  esac
done
