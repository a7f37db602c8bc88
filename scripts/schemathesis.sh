#!/usr/bin/env bash
# Fuzzes the REST API against its own OpenAPI document with schemathesis (pinned, installed by
# scripts/setup.sh into .venv-schemathesis/): the real debug server on a fresh SQLite data dir
# with a little demo data, once as an attendee and once as an admin, each with a Bearer token.
# Fails on any 5xx or handler panic, an undocumented status code, a wrong content type, a
# missing documented header or a body that does not match its schema. Prints a summary.
#
#   EVENTLY_BIN=path/to/server      the server binary (default: target/debug/server, built if missing)
#   SCHEMATHESIS_MAX_EXAMPLES=N     test cases per operation and phase (default 50)
#   SCHEMATHESIS_SEED=N             reproduce a run (each run prints its seed)
set -euo pipefail
cd "$(dirname "$0")/.."

max_examples=${SCHEMATHESIS_MAX_EXAMPLES:-50}
seed=${SCHEMATHESIS_SEED:-$RANDOM$RANDOM}
bin=${EVENTLY_BIN:-${CARGO_TARGET_DIR:-target}/debug/server}
st=$PWD/.venv-schemathesis/bin/st
checks=not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance

started=$(date +%s)
[ -x "$st" ] || ./scripts/setup.sh --schemathesis
if [ ! -x "$bin" ]; then
  echo "==> cargo build -p server"
  cargo build -p server
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/evently-schemathesis.XXXXXX")
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
unset DATABASE_URL REDIS_URL EVENTLY_ENV EVENTLY_PUBLIC_URL EVENTLY_JWT_SECRET
export EVENTLY_DATA_DIR=$work/data EVENTLY_ADDR=127.0.0.1:$port EVENTLY_RATE_LIMITS=off
export RUST_LOG=${RUST_LOG:-warn}

echo "==> fresh SQLite in $EVENTLY_DATA_DIR: demo data and an admin"
"$bin" seed-demo --events 40 >/dev/null
admin_email=admin@schemathesis.test
admin_password=schemathesis-admin-password
printf '%s\n' "$admin_password" | "$bin" create-admin --email "$admin_email" --password-stdin >/dev/null

echo "==> server on $base"
"$bin" serve >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fs "$base/health" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; echo "the server did not start"; exit 1; }
  sleep 0.2
done
curl -fs "$base/health" >/dev/null || { cat "$work/server.log"; echo "the server did not answer"; exit 1; }

json_field() { python3 -c "import json, sys; print(json.load(sys.stdin)$1)"; }
login() {
  curl -fsS -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"email\": \"$1\", \"password\": \"$2\"}" | json_field '["access_token"]' \
    || { echo "signing in as $1 failed" >&2; return 1; }
}
attendee_email=attendee@schemathesis.test
attendee_password=schemathesis-attendee-password
curl -fsS -X POST "$base/api/v1/auth/register" -H 'content-type: application/json' \
  -d "{\"email\": \"$attendee_email\", \"password\": \"$attendee_password\", \"name\": \"Schema Thesis\"}" >/dev/null

# Most ids schemathesis draws would name nothing (a 404 and no further): draw most of them
# from those the seeded data and the run itself create (events, ticket types, users, holds,
# bookings), so the calls reach the handlers' real work.
cat >"$work/schemathesis.toml" <<EOF
[dictionaries.ids]
values = [$(seq -s, 1 60)]

[parameters]
"path.id" = { dictionary = "ids", probability = 0.8 }
"body.ticket_type_id" = { dictionary = "ids", probability = 0.8 }
EOF

# Signing out would end the session the rest of the run uses: fuzz it last, on its own token.
# All tokens are taken now: the admin's run may disable the attendee (then the attendee's
# later calls are 401s, which the document lists), and a disabled account cannot sign in.
attendee_token=$(login "$attendee_email" "$attendee_password")
signout_token=$(login "$attendee_email" "$attendee_password")
admin_token=$(login "$admin_email" "$admin_password")
results=()
failed=0
run() {
  local name=$1 token=$2
  shift 2
  local t0=$(date +%s) status=0
  echo
  echo "==> schemathesis as $name (seed $seed, up to $max_examples examples per operation)"
  # In the scratch dir, where its caches (.hypothesis, .schemathesis) go away with it. One
  # worker: hypothesis on Python 3.11 can trip over itself parsing sources in threads.
  (cd "$work" && "$st" --config-file "$work/schemathesis.toml" run "$base/api/openapi.json" \
    --checks "$checks" \
    --max-examples "$max_examples" \
    --seed "$seed" \
    --workers 1 \
    --generation-database none \
    --request-timeout 30 \
    --no-color \
    -H "Authorization: Bearer $token" \
    "$@") || status=$?
  local took=$(( $(date +%s) - t0 ))
  if [ "$status" -eq 0 ]; then
    results+=("passed  $name (${took}s)")
  else
    results+=("FAILED  $name (${took}s, exit $status)")
    failed=1
  fi
}
run attendee "$attendee_token" --exclude-operation-id logout
run admin "$admin_token" --exclude-operation-id logout
run "attendee signing out" "$signout_token" --include-operation-id logout

if grep -q "panicked" "$work/server.log"; then
  echo
  echo "==> the server panicked:"
  grep -B2 -A8 "panicked" "$work/server.log" | head -60
  results+=("FAILED  no handler panicked")
  failed=1
fi

echo
echo "==> schemathesis summary (seed $seed, $(( $(date +%s) - started ))s)"
printf '    %s\n' "${results[@]}"
if [ "$failed" -ne 0 ]; then
  echo "    reproduce with SCHEMATHESIS_SEED=$seed ./scripts/schemathesis.sh"
  exit 1
fi
