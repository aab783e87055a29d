#!/usr/bin/env bash
# The id-documents part of `make bench`: the status import end to end (HTTP NDJSON -> Redis ->
# events on Kafka), the citizens' lookup through the gateway (wrk), and ready -> pickup
# entitlement in appointments at a fixed rate. Starts its own Redis + Kafka, appointments,
# id-documents and a gateway (profile bench: no rate limit for loopback) on this machine.
#
#   scripts/bench-id-documents.sh [BUILD_DIR]
#   BENCH_APPLICATIONS=5000 BENCH_READY_RATE=500 BENCH_READY_EVENTS=5000 WRK_SECONDS=10
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/${1:-build}"
bench="$root/bench"
threads=${WRK_THREADS:-2}
conns=${WRK_CONNECTIONS:-64}
secs=${WRK_SECONDS:-10}

dir=$(mktemp -d /tmp/rathaus-bench-idd-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  "$root/scripts/servers.sh" stop "$dir" >/dev/null 2>&1 || true
  mkdir -p /tmp/rathaus-bench-idd-logs && cp "$dir"/*.log /tmp/rathaus-bench-idd-logs/ 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM

free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 12000))
    ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return; }
  done
}

"$root/scripts/servers.sh" start "$dir" 2>&1
set -a; . "$dir/servers.env"; set +a
head -c 32 /dev/urandom > "$dir/token.key"
printf 'lookup %s\nk1 %s\n' "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
    "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$dir/data-keys"
"$build/gateway/rathaus-dev-token" keygen "$dir/clerk.key" "$dir/clerk.pub"
clerk=$("$build/gateway/rathaus-dev-token" clerk "$dir/clerk.key" --offices '*' --hours 12)
integrator=$("$build/gateway/rathaus-dev-token" integrator "$dir/clerk.key" --hours 12)
export RATHAUS_LOG_LEVEL=${BENCH_LOG_LEVEL:-warn} RATHAUS_ENV=development RATHAUS_DATA_KEYS_FILE="$dir/data-keys" \
  RATHAUS_CLERK_JWT_PUBLIC_KEY_FILE="$dir/clerk.pub"

appt_port=$(free_port); idd_port=$(free_port); http_port=$(free_port)
RATHAUS_GRPC_LISTEN=127.0.0.1:$appt_port RATHAUS_BOOKING_TOKEN_KEY_FILE="$dir/token.key" \
  "$build/services/appointments/rathaus-appointments" >"$dir/appointments.log" 2>&1 &
pids+=($!)
RATHAUS_GRPC_LISTEN=127.0.0.1:$idd_port \
  "$build/services/id-documents/rathaus-id-documents" >"$dir/id-documents.log" 2>&1 &
pids+=($!)
RATHAUS_HTTP_LISTEN=127.0.0.1:$http_port RATHAUS_APPOINTMENTS_ADDR=127.0.0.1:$appt_port \
  RATHAUS_ID_DOCUMENTS_ADDR=127.0.0.1:$idd_port RATHAUS_E_INVOICE_ADDR=127.0.0.1:1 RATHAUS_REGISTRATIONS_ADDR=127.0.0.1:1 \
  RATHAUS_GATEWAY_PROFILE=bench "$build/gateway/rathaus-gateway" >"$dir/gateway.log" 2>&1 &
pids+=($!)
base="http://127.0.0.1:$http_port"
for i in $(seq 1 240); do
  # "degraded" is fine here: e-invoice is not part of this benchmark.
  body=$(curl -s "$base/readyz" || true)
  if grep -q 'Appointments":"ok"' <<<"$body" && grep -q 'IdDocuments":"ok"' <<<"$body"; then break; fi
  [ "$i" = 240 ] && { echo "not ready: $body"; for f in "$dir"/*.log; do tail -n 5 "$f"; done; exit 1; }
  sleep 0.5
done

echo
echo "== rathaus id-documents benchmark =="
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); everything on this box (Redis, Kafka, appointments, id-documents, gateway, the load)"
python3 "$bench/id-documents/bench.py" "$base" "$clerk" "$integrator" "${RATHAUS_REDIS_URL##*:}" "$dir"
BENCH_DIR="$bench/http" LOOKUP_BODY_FILE="$dir/lookup.json" SCENARIO=lookup wrk -t"$threads" -c"$conns" -d"${secs}s" \
  -s "$bench/id-documents/lookup.lua" "$base/api/v1/id-documents/status-lookup" 2>&1 \
  | grep '^RESULT' > "$dir/lookup.result" || true
read -r _ scenario requests rps p50 p99 max statuses errors < "$dir/lookup.result"
echo "lookup (wrk $threads threads, $conns connections, ${secs}s, one known serial, right birth date): $rps req/s, p50 $p50 ms, p99 $p99 ms, max $max ms, statuses $statuses $errors"
