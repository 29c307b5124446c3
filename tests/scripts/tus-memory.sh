#!/usr/bin/env bash
# The server's memory while several clients each send a huge tus PATCH at
# once (issue 14, point 1). Starts casa-server on 127.0.0.1 with a fresh data
# directory, creates one upload per client (each from its own device), sends
# the bodies concurrently with curl (streamed from /dev/zero, never held in
# the client's memory either), samples the server's VmRSS every 100 ms and
# prints the idle and peak resident set.
#
#   tests/scripts/tus-memory.sh            # 4 x 512 MiB bodies to 10-byte uploads (the attack)
#   tests/scripts/tus-memory.sh full       # 4 x 512 MiB uploads, each body streamed to disk whole
#                                          # (needs 2 GiB free under $TMPDIR; each ends in 422
#                                          # since zeros are not the declared photo)
#
# Environment: CASA_SERVER_BIN (default target/release/casa-server, else
# target/debug/casa-server), CLIENTS (4), BODY_MIB (512).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MODE=${1:-overlong}
CLIENTS=${CLIENTS:-4}
BODY_MIB=${BODY_MIB:-512}
BODY_BYTES=$((BODY_MIB * 1024 * 1024))

BIN=${CASA_SERVER_BIN:-}
if [ -z "$BIN" ]; then
  for candidate in "$ROOT/target/release/casa-server" "$ROOT/target/debug/casa-server"; do
    if [ -x "$candidate" ]; then BIN=$candidate; break; fi
  done
fi
[ -n "$BIN" ] || { echo "casa-server not built: cargo build --release -p casa-sync-server" >&2; exit 1; }

case "$MODE" in
  overlong) DECLARED=10 ;;
  full) DECLARED=$BODY_BYTES; export CASA_UPLOAD_MAX_BYTES=$((BODY_BYTES + 1024 * 1024)) ;;
  *) echo "usage: $0 [overlong|full]" >&2; exit 2 ;;
esac

DATA=$(mktemp -d)
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
SERVER=""
SAMPLER=""
cleanup() {
  [ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null || true
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null || true
  rm -rf "$DATA"
}
trap cleanup EXIT

RUST_LOG=warn "$BIN" --data-dir "$DATA" serve --bind "127.0.0.1:$PORT" >"$DATA/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do
  curl -sf "$BASE/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -sf "$BASE/healthz" >/dev/null || { echo "the server did not start:" >&2; cat "$DATA/server.log" >&2; exit 1; }

rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER/status"; }
( while kill -0 "$SERVER" 2>/dev/null; do rss >>"$DATA/rss"; sleep 0.1; done ) &
SAMPLER=$!

# A UUIDv7 (48-bit millisecond time, version 7, variant 10) and a secret per device.
uuid7() {
  local ms rand
  ms=$(printf '%012x' "$(date +%s%3N)")
  rand=$(od -An -N10 -tx1 /dev/urandom | tr -d ' \n')
  printf '%s-%s-7%s-%x%s-%s\n' "${ms:0:8}" "${ms:8:4}" "${rand:0:3}" $(( (0x${rand:3:1} & 3) | 8 )) "${rand:4:3}" "${rand:7:12}"
}

sleep 1
IDLE=$(sort -n "$DATA/rss" | tail -1)

declare -a URLS DEVICES KEYS
for i in $(seq 1 "$CLIENTS"); do
  DEVICES[$i]=$(uuid7)
  KEYS[$i]=$(head -c 32 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '=')
  SHA=$(printf '%064x' "$i")
  META="sha256 $(printf '%s' "$SHA" | base64 -w0)"
  URLS[$i]=$(curl -s -D - -o /dev/null -X POST "$BASE/api/v1/uploads/" \
    -H 'Tus-Resumable: 1.0.0' -H "Upload-Length: $DECLARED" -H "Upload-Metadata: $META" \
    -H "X-Casa-Device: ${DEVICES[$i]}" -H "X-Casa-Device-Key: ${KEYS[$i]}" \
    | awk 'tolower($1) == "location:" { print $2 }' | tr -d '\r')
  [ -n "${URLS[$i]}" ] || { echo "upload $i was not created" >&2; exit 1; }
  # Relative when no public URL is configured.
  case "${URLS[$i]}" in /*) URLS[$i]="$BASE${URLS[$i]}" ;; esac
done

echo "server: $BIN (pid $SERVER), mode $MODE: $CLIENTS clients x $BODY_MIB MiB, declared length $DECLARED bytes"
STARTED=$(date +%s.%N)
declare -a PIDS
for i in $(seq 1 "$CLIENTS"); do
  (
    # head ends on SIGPIPE when the server stops reading: curl's status is what counts.
    set +o pipefail
    head -c "$BODY_BYTES" /dev/zero | curl -s -o /dev/null -X PATCH -T - "${URLS[$i]}" \
      -H 'Tus-Resumable: 1.0.0' -H 'Upload-Offset: 0' -H 'Content-Type: application/offset+octet-stream' -H 'Expect:' \
      -H "X-Casa-Device: ${DEVICES[$i]}" -H "X-Casa-Device-Key: ${KEYS[$i]}" \
      -w "client $i: HTTP %{http_code}, %{size_upload} bytes sent, %{time_total} s\n" \
      || echo "client $i: the server closed the connection (curl exit $?)"
  ) &
  PIDS[$i]=$!
done
for pid in "${PIDS[@]}"; do wait "$pid" || true; done
ENDED=$(date +%s.%N)
sleep 0.5
kill "$SAMPLER" 2>/dev/null || true
SAMPLER=""

PEAK=$(sort -n "$DATA/rss" | tail -1)
HWM=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER/status")
awk -v a="$STARTED" -v b="$ENDED" 'BEGIN { printf "clients done in %.1f s\n", b - a }'
printf 'idle RSS:  %6d KiB (%d MiB)\n' "$IDLE" $((IDLE / 1024))
printf 'peak RSS:  %6d KiB (%d MiB), %d samples\n' "$PEAK" $((PEAK / 1024)) "$(wc -l <"$DATA/rss")"
printf 'growth:    %6d KiB (%d MiB) above idle\n' $((PEAK - IDLE)) $(((PEAK - IDLE) / 1024))
printf 'VmHWM:     %6d KiB (%d MiB), the kernel'"'"'s peak since start\n' "$HWM" $((HWM / 1024))
