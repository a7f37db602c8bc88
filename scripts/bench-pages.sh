#!/usr/bin/env bash
# Prints how fast the server answers the two busiest pages to anonymous visitors: an event
# page (/events/<slug>) and the home page (/), each with wrk at 50 and at 1,000 open
# connections (`wrk -t2 -c<N> -d<duration> --latency`), asking the way a browser does
# (`Accept: text/html`, `Accept-Encoding: br, gzip`, no cookies). For each run it prints
# requests per second, latency p50 and p99, non-2xx/3xx answers and socket errors, and the
# bytes transferred per request (headers included, as received, i.e. compressed).
#
# How: the release server (`cargo build --release -p server`, or the binary in EVENTLY_BIN)
# is started on a free 127.0.0.1 port with its own temporary SQLite database, the demo data
# (`server seed-demo`) and rate limits off (they would otherwise, correctly, refuse most of
# the traffic); one published event with seats left is taken from GET /api/v1/events. Each
# page gets a short unreported warm-up first. Loopback only; every step is bounded in time;
# the server is stopped and its data removed on exit, however the script ends.
#
# Environment:
#   EVENTLY_BIN        the server binary to use; unset: build target/release/server (nice -n 19)
#   EVENTLY_SITE_ROOT  the built site (default target/site; ./scripts/build-site.sh writes it)
#   BENCH_DURATION     length of each measured run, wrk syntax (default 10s)
#   BENCH_TIMEOUT      wrk's per-request timeout (default 2s, wrk's own): slower answers
#                      count as timeout errors and are left out of the latency figures
#   RUST_LOG           passed to the server (its default logs every request at info level,
#                      as in production; the log goes to the temporary directory)
# Needs wrk (Debian's package; installed here when missing), curl and jq.
set -euo pipefail

# Paths given by the caller are relative to where they called from.
caller_dir=$PWD
cd "$(dirname "$0")/.."
repo=$PWD

DURATION="${BENCH_DURATION:-10s}"
REQUEST_TIMEOUT="${BENCH_TIMEOUT:-2s}"
WARMUP="2s"
CONNECTIONS=(50 1000)
THREADS=2
SEED_TIMEOUT=120      # seconds
HEALTH_TIMEOUT=30     # seconds
STOP_TIMEOUT=10       # seconds

say() { echo "==> $*"; }
fail() { echo "bench-pages: $*" >&2; exit 1; }

seconds_of() {
  case "$1" in
    *[0-9]s) echo "${1%s}" ;;
    *[0-9]m) echo $(( ${1%m} * 60 )) ;;
    *[0-9]h) echo $(( ${1%h} * 3600 )) ;;
    *) echo "$1" ;;
  esac
}
[[ "$DURATION" =~ ^[1-9][0-9]*[smh]?$ ]] || fail "BENCH_DURATION must look like 10s, 30 or 2m (got '$DURATION')"
duration_s=$(seconds_of "$DURATION")
(( duration_s <= 600 )) || fail "BENCH_DURATION is at most 10 minutes per run (got $DURATION)"
[[ "$REQUEST_TIMEOUT" =~ ^[1-9][0-9]*[sm]?$ ]] || fail "BENCH_TIMEOUT must look like 2s or 30s (got '$REQUEST_TIMEOUT')"

apt_install() {
  if [ "$(id -u)" = "0" ]; then
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"
  else
    sudo apt-get update -q && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"
  fi
}
if ! command -v wrk >/dev/null 2>&1; then
  say "installing Debian's wrk (HTTP load generator)"
  apt_install wrk
fi
for tool in curl jq python3; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is missing"
done

# --- the server binary and the site -----------------------------------------------------
if [ -n "${EVENTLY_BIN:-}" ]; then
  bin=$(cd "$caller_dir" && realpath -m "$EVENTLY_BIN")
  [ -x "$bin" ] || fail "EVENTLY_BIN=$EVENTLY_BIN is not an executable ($bin)"
  say "using the server binary $bin (EVENTLY_BIN)"
else
  say "building the release server (nice -n 19 cargo build --release -p server)"
  nice -n 19 cargo build --release -p server
  bin="$(realpath -m "${CARGO_TARGET_DIR:-target}")/release/server"
fi
if [ -n "${EVENTLY_SITE_ROOT:-}" ]; then
  site=$(cd "$caller_dir" && realpath -m "$EVENTLY_SITE_ROOT")
else
  site="$repo/target/site"
fi
[ -f "$site/hash.txt" ] || fail "no built site in $site (hash.txt missing): run ./scripts/build-site.sh, or set EVENTLY_SITE_ROOT"

# --- a server of our own ----------------------------------------------------------------
# 1,000 connections need as many descriptors in wrk and in the server (both inherit this).
want_fds=4096
if [ "$(ulimit -n)" != unlimited ] && (( $(ulimit -n) < want_fds )); then
  hard=$(ulimit -Hn)
  if [ "$hard" = unlimited ] || (( hard >= want_fds )); then ulimit -n "$want_fds"; else ulimit -n "$hard"; fi
fi
(( $(ulimit -n) > 1100 )) || fail "open-file limit $(ulimit -n) is too low for 1,000 connections (raise ulimit -Hn)"

work=$(mktemp -d "${TMPDIR:-/tmp}/evently-bench-pages.XXXXXX")
server_pid=""
wrk_pid=""
cleanup() {
  if [ -n "$wrk_pid" ]; then kill -TERM "$wrk_pid" 2>/dev/null || true; wait "$wrk_pid" 2>/dev/null || true; fi
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq $(( STOP_TIMEOUT * 10 ))); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
# Only the variables below reach the server: no DATABASE_URL or REDIS_URL from the caller.
server_env=(
  env -u DATABASE_URL -u REDIS_URL
  EVENTLY_ENV=development
  EVENTLY_DATA_DIR="$work/data"
  EVENTLY_ADDR="127.0.0.1:$port"
  EVENTLY_PUBLIC_URL="$base"
  EVENTLY_SITE_ROOT="$site"
  EVENTLY_RATE_LIMITS=off
)
mkdir -p "$work/data"

say "seeding demo data into a fresh SQLite database ($work/data)"
if ! timeout "$SEED_TIMEOUT" "${server_env[@]}" "$bin" seed-demo >"$work/seed.log" 2>&1; then
  tail -n 30 "$work/seed.log" >&2
  fail "seed-demo failed or took over ${SEED_TIMEOUT}s"
fi

say "starting the server on $base"
"${server_env[@]}" "$bin" serve >"$work/server.log" 2>&1 &
server_pid=$!
deadline=$(( SECONDS + HEALTH_TIMEOUT ))
until curl -fsS --max-time 2 "$base/health" >/dev/null 2>&1; do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    tail -n 30 "$work/server.log" >&2
    fail "the server exited during start-up"
  fi
  (( SECONDS < deadline )) || { tail -n 30 "$work/server.log" >&2; fail "no healthy server within ${HEALTH_TIMEOUT}s"; }
  sleep 0.2
done

# --- the pages ----------------------------------------------------------------------------
slug=$(curl -fsS --max-time 10 "$base/api/v1/events?available=true&limit=50" |
  jq -r '[.items[] | select(.status == "published" and .available > 0)][0].slug // empty')
if [ -z "$slug" ]; then
  # The home page links every event it lists.
  slug=$(curl -fsS --max-time 10 "$base/" | grep -o 'href="/events/[^"?#]*"' | head -n 1 | sed 's|href="/events/||; s|"$||')
fi
[ -n "$slug" ] || fail "no published event found in the demo data"

HEADERS=(-H "Accept: text/html" -H "Accept-Encoding: br, gzip")
PAGES=("event=/events/$slug" "home=/")

# One page as wrk will see it, so a broken page is noticed before it is measured.
for entry in "${PAGES[@]}"; do
  path=${entry#*=}
  read -r status encoding size < <(curl -sS --max-time 10 -o /dev/null "${HEADERS[@]}" \
    -w '%{http_code} %header{content-encoding} %{size_download}\n' "$base$path" | sed 's/  / - /')
  say "GET $path: HTTP $status, content-encoding ${encoding:--}, $size body bytes"
  [ "$status" = 200 ] || fail "GET $path answered $status, not 200"
done

# wrk's summary, machine-readable: a Lua `done` hook prints one line per run.
cat >"$work/report.lua" <<'LUA'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d bytes=%d p50_us=%d p99_us=%d status=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(99),
    e.status, e.connect, e.read, e.write, e.timeout))
end
LUA

# In the background and waited for, so a signal stops the script (and wrk) at once.
run_wrk() { # connections duration url output-file
  local rc=0
  timeout $(( $(seconds_of "$2") + $(seconds_of "$REQUEST_TIMEOUT") + 60 )) \
    wrk -t"$THREADS" -c"$1" -d"$2" --timeout "$REQUEST_TIMEOUT" --latency \
    -s "$work/report.lua" "${HEADERS[@]}" "$3" >"$4" 2>&1 &
  wrk_pid=$!
  wait "$wrk_pid" || rc=$?
  wrk_pid=""
  return "$rc"
}

field() { sed -n "s/.*\b$1=\([0-9]*\).*/\1/p" <<<"$2"; }
ms() { awk -v us="$1" 'BEGIN { printf "%.1f ms", us / 1000 }'; }

runs=$(( ${#PAGES[@]} * ${#CONNECTIONS[@]} ))
say "$runs runs of $DURATION each (plus a ${WARMUP} warm-up per page), about $(( runs * duration_s + ${#PAGES[@]} * 2 + 5 ))s"
say "server $bin, site $site, event /events/$slug, $(nproc) CPU(s), wrk and server on the same machine"
rows=()
for entry in "${PAGES[@]}"; do
  name=${entry%%=*}
  path=${entry#*=}
  say "$name page $path: warm-up, 50 connections, $WARMUP"
  run_wrk 50 "$WARMUP" "$base$path" "$work/wrk.out" || { cat "$work/wrk.out" >&2; fail "wrk failed"; }
  for c in "${CONNECTIONS[@]}"; do
    say "$name page $path: $c connections, $DURATION"
    run_wrk "$c" "$DURATION" "$base$path" "$work/wrk.out" || { cat "$work/wrk.out" >&2; fail "wrk failed"; }
    out=$(<"$work/wrk.out")
    line=$(grep '^RESULT ' <<<"$out") || { echo "$out" >&2; fail "wrk printed no summary"; }
    n=$(field requests "$line")
    (( n > 0 )) || { echo "$out" >&2; fail "no request completed"; }
    rps=$(awk -v n="$n" -v us="$(field duration_us "$line")" 'BEGIN { printf "%.0f", n / (us / 1e6) }')
    errors=$(( $(field connect "$line") + $(field read "$line") + $(field write "$line") + $(field timeout "$line") ))
    bytes=$(( $(field bytes "$line") / n ))
    row=$(printf '%-6s %6d %10s %10s %10s %9s / %-7s %10s' "$name" "$c" "$rps" \
      "$(ms "$(field p50_us "$line")")" "$(ms "$(field p99_us "$line")")" \
      "$(field status "$line")" "$errors" "$bytes")
    echo "    $row"
    grep -E '^\s+(Socket errors|Non-2xx)' <<<"$out" | sed 's/^ */    wrk: /' || true
    rows+=("$row")
  done
done

echo
echo "Pages for anonymous visitors (Accept: text/html, Accept-Encoding: br, gzip), wrk -t$THREADS, $DURATION per run:"
printf '%-6s %6s %10s %10s %10s %19s %10s\n' page conns 'req/s' p50 p99 'non-2xx / errors' 'bytes/req'
printf '%s\n' "${rows[@]}"
echo "(errors = wrk socket errors: connect, read, write, and answers slower than $REQUEST_TIMEOUT, which the latencies leave out;"
echo " bytes/req = bytes received per response, headers included)"
