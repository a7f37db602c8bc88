#!/usr/bin/env bash
# What the analytics rollups and page-view counting cost (PostgreSQL): two release servers
# compared, BEFORE (a build without them) and AFTER (a build with them: every booking, cancel,
# check-in and hold upserts a `sales_hourly` row in its transaction; event pages are counted
# in memory and written every 5 s; the analytics worker folds the rollups every 20 s).
#
#   1. Flash sale: `bench flash-sale` (10,000 attempts, 1,000 buyers, 1,000 seats by default)
#      against BEFORE and AFTER in turn, B/A/B/A/B/A, each run on a fresh database with a
#      fresh server; then `server check` on that database. The bench signs its 1,000 buyers
#      up itself, before the timed sale. Prints attempts/s (median of the runs), p50/p99
#      latency and the bench's own verification figures.
#   2. Event pages: one database per side seeded with `seed-demo --events N` (100,000 by
#      default; AFTER with `--bookings 0`, so both hold the same events and no sales), then
#      `bench reads` against BEFORE and AFTER in turn, B/A/B/A/B/A, a fresh server each run.
#      The event page requests carry a browser's User-Agent (`--user-agent`), so AFTER counts
#      every one; after each AFTER run the script prints `sum(views)` from
#      `page_views_hourly` to show they were counted. Prints event page p50/p95/p99 and
#      requests/s (medians of the runs), and the search scenarios' figures.
#
# Both servers run with EVENTLY_RATE_LIMITS=off and EVENTLY_DELIVERY=off (the booking path
# alone), the same settings, one at a time, on a free 127.0.0.1 port. The load generator is
# the AFTER binary for every run (its bench code equals BEFORE's but for `--user-agent`), so
# only the server differs. Loopback only; every step has a time limit; the servers stop and
# the databases are dropped on exit (BENCH_KEEP_DB=1 keeps them). About 13 minutes on 2 cores.
# On a shared machine the runs vary by far more than 10 % with the other load: read the
# pairwise lines (each AFTER run beside the BEFORE run just before it) and the search
# scenarios (no view is counted there) before believing a difference.
#
# Usage: scripts/bench-rollups.sh BEFORE_BIN AFTER_BIN   (or BEFORE_BIN=... AFTER_BIN=...)
#   Build them with `cargo build --release -p server` in each checkout. Both servers serve
#   the same built site, EVENTLY_SITE_ROOT (default: this checkout's target/site, from
#   scripts/build-site.sh); without one, pages link unhashed asset names and are smaller
#   (the style sheet is not written into them), on both alike.
# Environment:
#   BENCH_RUNS         runs per side in each comparison (default 3)
#   BENCH_PARTS        "flash reads" (default), or one of them
#   BENCH_EVENTS       events seeded for the reads comparison (default 100000)
#   BENCH_CONCURRENCY  `bench reads --concurrency` (default 4)
#   BENCH_SECONDS      `bench reads --seconds` per scenario (default 20)
#   BENCH_FLASH_ARGS   extra `bench flash-sale` options (default none: its defaults)
#   BENCH_USER_AGENT   the event page requests' User-Agent (default: Firefox on Linux)
#   EVENTLY_TEST_PG    admin URL (default postgres://postgres@127.0.0.1:5432/postgres)
set -euo pipefail
caller_dir=$PWD
cd "$(dirname "$0")/.."

BEFORE_BIN="${1:-${BEFORE_BIN:-}}"
AFTER_BIN="${2:-${AFTER_BIN:-}}"
RUNS="${BENCH_RUNS:-3}"
PARTS="${BENCH_PARTS:-flash reads}"
EVENTS="${BENCH_EVENTS:-100000}"
CONCURRENCY="${BENCH_CONCURRENCY:-4}"
SECS="${BENCH_SECONDS:-20}"
FLASH_ARGS="${BENCH_FLASH_ARGS:-}"
UA="${BENCH_USER_AGENT:-Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0}"
PG_ADMIN="${EVENTLY_TEST_PG:-postgres://postgres@127.0.0.1:5432/postgres}"
PG_BASE="${PG_ADMIN%/*}"
if [ -n "${EVENTLY_SITE_ROOT:-}" ]; then SITE_ROOT=$(cd "$caller_dir" && realpath -m "$EVENTLY_SITE_ROOT"); else SITE_ROOT=$PWD/target/site; fi

say() { echo "==> $*"; }
fail() { echo "bench-rollups: $*" >&2; exit 1; }
for tool in curl python3 psql timeout; do command -v "$tool" >/dev/null || fail "$tool is missing"; done
[[ "$RUNS" =~ ^[1-9][0-9]*$ && "$EVENTS" =~ ^[1-9][0-9]*$ && "$CONCURRENCY" =~ ^[1-9][0-9]*$ && "$SECS" =~ ^[1-9][0-9]*$ ]] \
  || fail "BENCH_RUNS, BENCH_EVENTS, BENCH_CONCURRENCY and BENCH_SECONDS must be whole numbers"
[ -n "$BEFORE_BIN" ] && [ -n "$AFTER_BIN" ] || fail "usage: $0 BEFORE_BIN AFTER_BIN"
declare -A BIN
BIN[before]=$(cd "$caller_dir" && realpath -m "$BEFORE_BIN")
BIN[after]=$(cd "$caller_dir" && realpath -m "$AFTER_BIN")
for side in before after; do [ -x "${BIN[$side]}" ] || fail "${BIN[$side]} is not an executable"; done
CLIENT=${BIN[after]}
if [ -f "$SITE_ROOT/hash.txt" ]; then echo "site: $SITE_ROOT (built $(date -r "$SITE_ROOT/hash.txt" '+%F %T'))"
else echo "site: none in $SITE_ROOT (pages link unhashed asset names)"; fi
"$CLIENT" bench reads --help | grep -q -- --user-agent || fail "$CLIENT has no 'bench reads --user-agent'"

want_fds=8192
if [ "$(ulimit -n)" != unlimited ] && (( $(ulimit -n) < want_fds )); then
  hard=$(ulimit -Hn)
  if [ "$hard" = unlimited ] || (( hard >= want_fds )); then ulimit -n "$want_fds"; else ulimit -n "$hard"; fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/evently-bench-rollups.XXXXXX")
echo "output in $work"
# A copy, so a rebuild of the site during the runs changes neither server's pages.
if [ -d "$SITE_ROOT" ]; then cp -a "$SITE_ROOT" "$work/site"; fi
SITE_ROOT=$work/site
server_pid=""
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 150); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  if [ -n "$server_pid" ]; then wait "$server_pid" 2>/dev/null || true; fi
  server_pid=""
}
db() { echo "evently_perf_$1"; }
fresh_db() { # $1: side
  psql "$PG_ADMIN" -q -c "DROP DATABASE IF EXISTS $(db "$1") WITH (FORCE)" >/dev/null
  psql "$PG_ADMIN" -q -c "CREATE DATABASE $(db "$1")" >/dev/null || fail "cannot create $(db "$1") on $PG_ADMIN"
}
cleanup() {
  stop_server
  if [ "${BENCH_KEEP_DB:-0}" != 1 ]; then
    for side in before after; do psql "$PG_ADMIN" -q -c "DROP DATABASE IF EXISTS $(db $side) WITH (FORCE)" >/dev/null 2>&1 || true; done
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
ENV=()
envs() { # $1: side -> ENV, the environment of its server and commands: same settings on both
  mkdir -p "$work/data-$1"
  ENV=(env -u REDIS_URL -u SMTP_URL EVENTLY_ENV=development EVENTLY_DATA_DIR="$work/data-$1"
    DATABASE_URL="$PG_BASE/$(db "$1")" EVENTLY_SITE_ROOT="$SITE_ROOT" EVENTLY_ADDR="127.0.0.1:$port" EVENTLY_PUBLIC_URL="$base"
    EVENTLY_RATE_LIMITS=off EVENTLY_DELIVERY=off RUST_LOG=warn)
}
seed() { # $1: side, $2: events, $3: log
  local extra=()
  if "${BIN[$1]}" seed-demo --help | grep -q -- --bookings; then extra=(--bookings 0); fi
  envs "$1"
  local t0=$SECONDS
  timeout 1800 "${ENV[@]}" "${BIN[$1]}" seed-demo --events "$2" "${extra[@]}" >"$3" 2>&1 \
    || { tail -20 "$3"; fail "seed-demo ($1) failed"; }
  echo "seeded $2 events ($1${extra:+, ${extra[*]}}) in $(( SECONDS - t0 ))s: $(grep -a '^seeded' "$3" | head -1)"
}
serve() { # $1: side, $2: log
  envs "$1"
  "${ENV[@]}" "${BIN[$1]}" serve >"$2" 2>&1 &
  server_pid=$!
  local deadline=$(( SECONDS + 60 ))
  until curl -fsS --max-time 2 "$base/health" >/dev/null 2>&1; do
    kill -0 "$server_pid" 2>/dev/null || { tail -20 "$2"; fail "the $1 server exited"; }
    (( SECONDS < deadline )) || fail "no healthy $1 server within 60s"
    sleep 0.2
  done
}
order() { for _ in $(seq "$RUNS"); do echo before after; done; }

if [[ " $PARTS " == *" flash "* ]]; then
  declare -A n=([before]=0 [after]=0)
  for side in $(order); do
    n[$side]=$(( n[$side] + 1 )); i=${n[$side]}
    say "flash sale, $side, run $i: fresh $(db "$side") (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
    fresh_db "$side"
    seed "$side" 100 "$work/flash-seed-$side-$i.log"
    serve "$side" "$work/flash-serve-$side-$i.log"
    # shellcheck disable=SC2086
    if ! timeout 900 "$CLIENT" bench flash-sale --url "$base" $FLASH_ARGS >"$work/flash-$side-$i.json" 2>"$work/flash-$side-$i.err"; then
      tail -5 "$work/flash-$side-$i.err"
      [ -s "$work/flash-$side-$i.json" ] || fail "bench flash-sale ($side, run $i) failed"
      echo "bench flash-sale ($side, run $i): the bench's own check failed (see invariants_hold)"
    fi
    cat "$work/flash-$side-$i.json"
    stop_server
    envs "$side"
    timeout 300 "${ENV[@]}" "${BIN[$side]}" check | tee "$work/flash-check-$side-$i.txt" || echo "server check ($side, run $i): invariants broken"
  done
fi

if [[ " $PARTS " == *" reads "* ]]; then
  for side in before after; do
    say "reads: fresh $(db "$side"), seed-demo --events $EVENTS"
    fresh_db "$side"
    seed "$side" "$EVENTS" "$work/reads-seed-$side.log" | tee "$work/reads-seed-$side.txt"
    psql "$PG_BASE/$(db "$side")" -Atc "SELECT 'events in the database: ' || count(*) FROM events"
  done
  declare -A n=([before]=0 [after]=0)
  for side in $(order); do
    n[$side]=$(( n[$side] + 1 )); i=${n[$side]}
    say "bench reads, $side, run $i (concurrency $CONCURRENCY, ${SECS}s per scenario; load average: $(cut -d' ' -f1-3 /proc/loadavg))"
    if [ "$side" = after ]; then views_before=$(psql "$PG_BASE/$(db after)" -Atc "SELECT coalesce(sum(views), 0) FROM page_views_hourly"); fi
    serve "$side" "$work/reads-serve-$side-$i.log"
    timeout $(( 3 * (SECS + 2) + 300 )) "$CLIENT" bench reads --url "$base" --concurrency "$CONCURRENCY" --seconds "$SECS" \
      --user-agent "$UA" >"$work/reads-$side-$i.json" 2>"$work/reads-$side-$i.err" \
      || { tail -5 "$work/reads-$side-$i.err"; fail "bench reads ($side, run $i) failed"; }
    cat "$work/reads-$side-$i.json"
    stop_server # AFTER writes its last counted views as it stops
    if [ "$side" = after ]; then
      views=$(psql "$PG_BASE/$(db after)" -Atc "SELECT coalesce(sum(views), 0) FROM page_views_hourly")
      echo "{\"run\": $i, \"views_added\": $(( views - views_before )), \"views_total\": $views}" | tee "$work/views-$i.json"
    fi
  done
fi

python3 - "$work" <<'PY'
import glob, json, os, re, statistics, sys
w = sys.argv[1]
med = statistics.median
def load(pat):
    return [json.load(open(f)) for f in sorted(glob.glob(os.path.join(w, pat)), key=lambda f: int(re.findall(r"-(\d+)\.json$", f)[0]))]
def pct(a, b):
    return f"{100 * (b / a - 1):+.1f} %" if a else "n/a"
def row(label, b, a, fmt="{:.1f}"):
    print(f"  {label:<28} {fmt.format(b):>10} {fmt.format(a):>10} {pct(b, a):>9}")
fb, fa = load("flash-before-*.json"), load("flash-after-*.json")
if fb and fa:
    print(f"\nflash sale (PostgreSQL), {len(fb)} + {len(fa)} runs, alternating B/A")
    for side, runs in (("before", fb), ("after", fa)):
        for i, r in enumerate(runs, 1):
            l = r["latency_ms"]
            print(f"  {side} {i}: {r['throughput_rps']:.0f} attempts/s, p50 {l['p50']} ms, p99 {l['p99']} ms; "
                  f"{r['confirmed_seats']} seats in {r['bookings']} bookings, {r['sold_out']} sold out, "
                  f"{r['seat_limit']} seat limit, {r['errors']} errors, seats left {r['seats_left_reported']}, "
                  f"stored mismatches {r['buyers_whose_stored_bookings_differ']}, invariants_hold {r['invariants_hold']}")
    print(f"  {'median of runs':<28} {'before':>10} {'after':>10} {'diff':>9}")
    row("attempts/s", med(x["throughput_rps"] for x in fb), med(x["throughput_rps"] for x in fa), "{:.0f}")
    for p in ("p50", "p99"):
        row(f"latency {p} (ms)", med(x["latency_ms"][p] for x in fb), med(x["latency_ms"][p] for x in fa))
    print("  pairwise, AFTER run i against BEFORE run i (minutes apart): attempts/s "
          + ", ".join(pct(b["throughput_rps"], a["throughput_rps"]) for b, a in zip(fb, fa)))
    d = 100 * (med(x["throughput_rps"] for x in fa) / med(x["throughput_rps"] for x in fb) - 1)
    print(f"  target (AFTER within 10 % of BEFORE, attempts/s): {'holds' if d >= -10 else 'MISSED'} ({d:+.1f} %)")
rb, ra = load("reads-before-*.json"), load("reads-after-*.json")
if rb and ra:
    print(f"\nreads, {len(rb)} + {len(ra)} runs, alternating B/A, concurrency {rb[0]['concurrency']}, "
          f"{rb[0]['seconds_per_scenario']} s per scenario, {rb[0]['sampled_events']} sampled event pages")
    for side, runs in (("before", rb), ("after", ra)):
        for i, r in enumerate(runs, 1):
            e = r["event_page"]; l = e["latency_ms"]
            s = r["search_api"]["latency_ms"]
            print(f"  {side} {i}: event page {e['throughput_rps']:.0f} req/s, p50 {l['p50']} p95 {l['p95']} p99 {l['p99']} ms, "
                  f"{e['errors']} errors; search API {r['search_api']['throughput_rps']:.0f} req/s, p95 {s['p95']} ms; "
                  f"search page {r['search_page']['throughput_rps']:.0f} req/s")
    print(f"  {'median of runs':<28} {'before':>10} {'after':>10} {'diff':>9}")
    for sc in ("event_page", "search_api", "search_page"):
        row(f"{sc} req/s", med(x[sc]["throughput_rps"] for x in rb), med(x[sc]["throughput_rps"] for x in ra), "{:.0f}")
        for p in ("p50", "p95", "p99"):
            row(f"{sc} {p} (ms)", med(x[sc]["latency_ms"][p] for x in rb), med(x[sc]["latency_ms"][p] for x in ra), "{:.2f}")
    for sc in ("event_page", "search_api"):
        print(f"  pairwise, AFTER run i against BEFORE run i (minutes apart): {sc} req/s "
              + ", ".join(pct(b[sc]["throughput_rps"], a[sc]["throughput_rps"]) for b, a in zip(rb, ra))
              + "; p95 " + ", ".join(pct(b[sc]["latency_ms"]["p95"], a[sc]["latency_ms"]["p95"]) for b, a in zip(rb, ra)))
    print("  (no page view is counted on the search paths: a change there is the machine, not the counting)")
    for v, r in zip(load("views-*.json"), ra):
        print(f"  after run {v['run']}: {v['views_added']} views written to page_views_hourly "
              f"for {r['event_page']['requests']} measured event page requests (the warm-up's count too)")
PY
