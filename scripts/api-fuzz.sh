#!/usr/bin/env bash
# schemathesis (PyPI) against /api/v1/openapi.json, on SQLite and on
# PostgreSQL: no answer may be a 5xx, and every answer must match the
# documented schema. `make api-fuzz`; MAX_TIME=seconds per backend (120).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v schemathesis >/dev/null || python3 -m pip install --quiet 'schemathesis>=4,<5'
cargo build --locked -q -p casa-sync-server --bin casa-server
server=./target/debug/casa-server
max_time="${MAX_TIME:-120}"
pg_admin="${CASA_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
boundaries="${BOUNDARIES:-../shared/geo/bari-metro-municipalities.geojson}"
status=0

run_one() {
  local name=$1 url=$2 dir
  dir=$(mktemp -d)
  "$server" --data-dir "$dir" --database-url "$url" boundaries import "$boundaries" >/dev/null
  echo 'una password lunga e sicura' | "$server" --data-dir "$dir" --database-url "$url" \
    users add --email fuzz@comune.bari.it --role admin >/dev/null
  "$server" --data-dir "$dir" --database-url "$url" serve --bind 127.0.0.1:0 >"$dir/server.log" 2>&1 &
  local pid=$!
  local base=""
  for _ in $(seq 1 100); do
    base=$(grep -o 'http://127.0.0.1:[0-9]*' "$dir/server.log" | head -1 || true)
    [ -n "$base" ] && break
    sleep 0.2
  done
  if [ -z "$base" ]; then
    echo "$name: the server did not start" >&2
    cat "$dir/server.log" >&2
    kill "$pid" 2>/dev/null || true
    return 1
  fi
  # A phone's credential (made here, registered at first contact) and a
  # staff account, so that the fuzzer gets past authentication.
  local device key
  device=$(python3 -c 'import uuid,time,os;t=int(time.time()*1000);b=bytearray(t.to_bytes(6,"big")+os.urandom(10));b[6]=(b[6]&15)|0x70;b[8]=(b[8]&0x3f)|0x80;print(uuid.UUID(bytes=bytes(b)))')
  key=$(python3 -c 'import secrets;print(secrets.token_urlsafe(32))')
  # The fuzzer's credentials must open the admin API, or it would see only 401s.
  if ! curl -fsS -o /dev/null -u 'fuzz@comune.bari.it:una password lunga e sicura' "$base/api/v1/admin/comuni/072006/queue"; then
    echo "$name: the fuzzer's staff account cannot log in" >&2
    status=1
  fi
  echo "== schemathesis on $name ($base), $max_time s"
  if ! CASA_FUZZ_DEVICE="$device" PYTHONPATH="$PWD/scripts${PYTHONPATH:+:$PYTHONPATH}" SCHEMATHESIS_HOOKS=api_fuzz_hooks \
      schemathesis run "$base/api/v1/openapi.json" \
      --checks not_a_server_error,response_schema_conformance,content_type_conformance \
      --max-time "$max_time" --workers 2 --suppress-health-check all \
      -H "X-Casa-Device: $device" -H "X-Casa-Device-Key: $key" \
      --auth 'fuzz@comune.bari.it:una password lunga e sicura' \
      --report junit --report-dir "$dir/report"; then
    status=1
  fi
  if grep -q ' 500 \|status=500' "$dir/server.log"; then
    echo "$name: the server log shows a 500" >&2
    status=1
  fi
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
}

run_one sqlite "sqlite://$(mktemp -d)/casa.db"
db="casa_fuzz_$$"
psql "$pg_admin" -q -c "CREATE DATABASE $db" >/dev/null
run_one postgres "${pg_admin%/*}/$db"
psql "$pg_admin" -q -c "DROP DATABASE $db WITH (FORCE)" >/dev/null
exit $status
