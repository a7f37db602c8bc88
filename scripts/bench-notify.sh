#!/usr/bin/env bash
# The cost of delivery to an on-sale (PostgreSQL): 5 runs of `bench flash-sale` against a
# release server with EVENTLY_DELIVERY=off, then 5 of `bench notify` (an SMTP sink and a push
# service in the bench; one push device per buyer) against one with delivery on; prints the
# medians. Needs `cargo build --release -p server` and scripts/build-site.sh first. Loopback only.
set -u
OUT=$(mktemp -d)
echo "output in $OUT"
cd "$(dirname "$0")/.."
BIN=./target/release/server
DB=evently_notify
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DB" && psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $DB"
export DATABASE_URL=postgres://postgres@127.0.0.1/$DB
export EVENTLY_DATA_DIR=$(mktemp -d)

export EVENTLY_SITE_ROOT=target/site
$BIN seed-demo --events 100 > $OUT/bench-seed.log 2>&1 || { echo seed failed; tail $OUT/bench-seed.log; exit 1; }
serve() { # $1: delivery on/off
  EVENTLY_ADDR=127.0.0.1:3190 EVENTLY_RATE_LIMITS=off EVENTLY_DELIVERY=$1 SMTP_URL=smtp://127.0.0.1:2525 \
    EVENTLY_PUSH_HOSTS=127.0.0.1 EVENTLY_MAIL_FROM='Evently <tickets@evently.test>' $BIN serve > $OUT/bench-serve-$1.log 2>&1 &
  echo $! > $OUT/bench-serve.pid
  for i in $(seq 1 60); do curl -fs "http://127.0.0.1:3190/api/v1/events?limit=1" >/dev/null 2>&1 && return 0; sleep 1; done
  echo "server did not start"; tail $OUT/bench-serve-$1.log; return 1
}
stop() { kill "$(cat $OUT/bench-serve.pid)"; wait "$(cat $OUT/bench-serve.pid)" 2>/dev/null; sleep 2; }
# Delivery off: the baseline. An SMTP sink is not needed (nothing is sent).
serve off || exit 1
for i in 1 2 3 4 5; do $BIN bench flash-sale --url http://127.0.0.1:3190 > $OUT/bench-off-$i.json 2>$OUT/bench-off-$i.err; tail -c 600 $OUT/bench-off-$i.json; echo; done
stop
serve on || exit 1
for i in 1 2 3 4 5; do $BIN bench notify --url http://127.0.0.1:3190 --smtp-port 2525 --push-port 2526 > $OUT/bench-on-$i.json 2>$OUT/bench-on-$i.err; tail -c 1500 $OUT/bench-on-$i.json; echo; done
stop
python3 - "$OUT" <<'PY'
import json, glob, statistics, sys
out = sys.argv[1]
off = [json.load(open(f))["throughput_rps"] for f in sorted(glob.glob(f"{out}/bench-off-*.json"))]
on = [json.load(open(f))["flash_sale"]["throughput_rps"] for f in sorted(glob.glob(f"{out}/bench-on-*.json"))]
if off and on:
    a, b = statistics.median(off), statistics.median(on)
    print(f"attempts/s, median of {len(off)} / {len(on)}: delivery off {a:.0f}, on {b:.0f} ({100 * (b / a - 1):+.1f} %)")
PY
