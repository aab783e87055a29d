#!/usr/bin/env bash
# The registrations part of `make bench`: Meldebestätigung PDFs per second on one core (Google
# Benchmark), then Anmeldungen submitted through the gateway (wrk): each one validated against
# the BMG rules, stored sealed with its outbox event by one Lua script, relayed to Kafka. Starts
# its own Redis + Kafka, the registrations service and a gateway (profile bench) on this machine.
#
#   scripts/bench-registrations.sh [BUILD_DIR]      WRK_THREADS=2 WRK_CONNECTIONS=64 WRK_SECONDS=10
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/${1:-build}"
threads=${WRK_THREADS:-2}
conns=${WRK_CONNECTIONS:-64}
secs=${WRK_SECONDS:-10}
machine="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"

echo
echo "== rathaus registrations benchmark =="
echo "machine: $machine"
echo "-- Meldebestätigung PDF (cairo, DejaVu Sans), one thread pinned to core 0:"
taskset -c 0 "$build/bench/rathaus-bench-registrations" --benchmark_min_time=2 \
  --benchmark_counters_tabular=true 2>&1 | grep -E 'BM_|Benchmark'

dir=$(mktemp -d /tmp/rathaus-bench-reg-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  "$root/scripts/servers.sh" stop "$dir" >/dev/null 2>&1 || true
  mkdir -p /tmp/rathaus-bench-reg-logs && cp "$dir"/*.log /tmp/rathaus-bench-reg-logs/ 2>/dev/null || true
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

"$root/scripts/servers.sh" start "$dir" >/dev/null 2>&1
set -a; . "$dir/servers.env"; set +a
printf 'lookup %s\nk1 %s\n' "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
    "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$dir/data-keys"
"$build/gateway/rathaus-dev-token" keygen "$dir/clerk.key" "$dir/clerk.pub"
citizen=$("$build/gateway/rathaus-dev-token" citizen "$dir/clerk.key" --hours 12)
export RATHAUS_LOG_LEVEL=${BENCH_LOG_LEVEL:-warn} RATHAUS_ENV=development RATHAUS_DATA_KEYS_FILE="$dir/data-keys" \
  RATHAUS_CLERK_JWT_PUBLIC_KEY_FILE="$dir/clerk.pub"
reg_port=$(free_port); http_port=$(free_port)
RATHAUS_GRPC_LISTEN=127.0.0.1:$reg_port \
  "$build/services/registrations/rathaus-registrations" >"$dir/registrations.log" 2>&1 &
pids+=($!)
RATHAUS_HTTP_LISTEN=127.0.0.1:$http_port RATHAUS_REGISTRATIONS_ADDR=127.0.0.1:$reg_port \
  RATHAUS_APPOINTMENTS_ADDR=127.0.0.1:1 RATHAUS_E_INVOICE_ADDR=127.0.0.1:1 RATHAUS_ID_DOCUMENTS_ADDR=127.0.0.1:1 \
  RATHAUS_GATEWAY_PROFILE=bench "$build/gateway/rathaus-gateway" >"$dir/gateway.log" 2>&1 &
pids+=($!)
base="http://127.0.0.1:$http_port"
for i in $(seq 1 240); do
  body=$(curl -s "$base/readyz" || true)
  grep -q 'Registrations":"ok"' <<<"$body" && break
  [ "$i" = 240 ] && { echo "not ready: $body"; for f in "$dir"/*.log; do tail -n 5 "$f"; done; exit 1; }
  sleep 0.5
done
before=$(redis-cli -u "$RATHAUS_REDIS_URL" --raw EVAL "return #redis.call('KEYS', 'reg:case:*')" 0)
BENCH_DIR="$root/bench/http" CITIZEN_TOKEN="$citizen" SCENARIO=submit wrk -t"$threads" -c"$conns" -d"${secs}s" \
  -s "$root/bench/registrations/submit.lua" "$base/api/v1/registrations" 2>&1 \
  | grep '^RESULT' > "$dir/submit.result" || true
read -r _ scenario requests rps p50 p99 max statuses errors < "$dir/submit.result"
after=$(redis-cli -u "$RATHAUS_REDIS_URL" --raw EVAL "return #redis.call('KEYS', 'reg:case:*')" 0)
echo "-- submissions through the gateway (wrk $threads threads, $conns connections, ${secs}s; an Anmeldung of 2 persons with the landlord's data; Redis, Kafka, registrations, gateway and wrk on this box):"
echo "   $rps submissions/s, p50 $p50 ms, p99 $p99 ms, max $max ms, statuses $statuses $errors; cases stored: $((after - before))"
