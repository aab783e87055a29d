#!/usr/bin/env bash
# The HTTP benchmark of `make bench`: the whole system on this machine (Redis, Kafka, the
# appointments service, the gateway), loaded with wrk, next to nginx serving a small static JSON
# file under the same wrk settings as the machine's ceiling.
#   scripts/bench-http.sh BUILD_DIR
# Scenarios: availability lookups; bookings spread over many slots (closed loop, wrk); bookings at
# fixed rates (open loop, vegeta: OPEN_LOOP_RATES, OPEN_LOOP_SECONDS); a "slot release" burst where
# every client races for the same three slots (capacity 3 x 20 counters = 60), checked by counting.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/${1:-build}"
bench="$root/bench/http"
threads=${WRK_THREADS:-2}
conns=${WRK_CONNECTIONS:-64}
secs=${WRK_SECONDS:-10}

dir=$(mktemp -d /tmp/rathaus-bench-http-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$dir/nginx.pid" ] && kill "$(cat "$dir/nginx.pid")" 2>/dev/null || true
  "$root/scripts/servers.sh" stop "$dir" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM

free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 12000))  # below the ephemeral range (32768-60999), which clients take from
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

grpc_port=$(free_port); http_port=$(free_port); nginx_port=$(free_port)
RATHAUS_GRPC_LISTEN=127.0.0.1:$grpc_port RATHAUS_LOG_LEVEL=warn RATHAUS_ENV=development \
  RATHAUS_BOOKING_TOKEN_KEY_FILE="$dir/token.key" RATHAUS_BOOKING_QUOTA=1000 \
  RATHAUS_DATA_KEYS_FILE="$dir/data-keys" RATHAUS_CLERK_JWT_PUBLIC_KEY_FILE="$dir/clerk.pub" \
  RATHAUS_APPOINTMENTS_CATALOG_FILE="$bench/catalog.json" \
  "$build/services/appointments/rathaus-appointments" >"$dir/appointments.log" 2>&1 &
pids+=($!)
RATHAUS_HTTP_LISTEN=127.0.0.1:$http_port RATHAUS_APPOINTMENTS_ADDR=127.0.0.1:$grpc_port \
  RATHAUS_GATEWAY_PROFILE=bench RATHAUS_LOG_LEVEL=warn \
  RATHAUS_CLERK_JWT_PUBLIC_KEY_FILE="$dir/clerk.pub" \
  "$build/gateway/rathaus-gateway" >"$dir/gateway.log" 2>&1 &
pids+=($!)
# A second gateway without the micro-cache, to measure availability as computed each time.
http_port_nocache=$(free_port)
RATHAUS_HTTP_LISTEN=127.0.0.1:$http_port_nocache RATHAUS_APPOINTMENTS_ADDR=127.0.0.1:$grpc_port \
  RATHAUS_GATEWAY_PROFILE=bench RATHAUS_LOG_LEVEL=warn RATHAUS_GATEWAY_CACHE_TTL=0s \
  RATHAUS_GATEWAY_REDIS_PREFIX=gw2: \
  "$build/gateway/rathaus-gateway" >"$dir/gateway-nocache.log" 2>&1 &
pids+=($!)
base=http://127.0.0.1:$http_port
for _ in $(seq 1 100); do
  curl -fs "$base/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fs "$base/readyz" >/dev/null || { echo "gateway not ready"; tail -5 "$dir"/*.log; exit 1; }

mkdir -p "$dir/www"
chmod 755 "$dir" "$dir/www"   # nginx workers run as www-data
echo '{"slots":[{"start":"2026-12-01T09:00:00+01:00","end":"2026-12-01T09:15:00+01:00","free":3}]}' \
  > "$dir/www/ceiling.json"
chmod 644 "$dir/www/ceiling.json"
cat > "$dir/nginx.conf" <<CONF
worker_processes auto;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$nginx_port;
    root $dir/www;
    default_type application/json;
  }
}
CONF
nginx -c "$dir/nginx.conf" -p "$dir"

export BENCH_DIR=$bench OFFICE=bench-office SERVICE=bench-service
from=$(date -d tomorrow +%F)
to=$(date -d '+60 days' +%F)
week_to=$(date -d '+7 days' +%F)

# Free starts of the whole window; the first three of the last day are kept for the burst.
curl -fs "$base/api/v1/availability?office=$OFFICE&service=$SERVICE&from=$from&to=$to" \
  | jq -r '.slots[].start' > "$dir/all-starts"
burst_day=$(tail -n1 "$dir/all-starts" | cut -c1-10)
grep "^$burst_day" "$dir/all-starts" | head -n3 > "$dir/burst-starts"
grep -vxF -f "$dir/burst-starts" "$dir/all-starts" > "$dir/starts"

vegeta="$("$root/bench/tools.sh")/vegeta"

echo
echo "== rathaus HTTP benchmark =="
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); everything on this box"
echo "wrk: $threads threads, $conns connections, ${secs}s per scenario; gateway profile=bench (no rate limit for loopback), log level warn"
echo "open loop: vegeta (bench/tools.sh) at ${OPEN_LOOP_RATES:-1000 2000 3000} bookings/s, ${OPEN_LOOP_SECONDS:-10}s each; it sends on schedule and opens connections as needed, so a slow answer does not slow the offered rate"
echo "catalog: bench/http/catalog.json (bookings: 1 office, 20 counters, 15-minute slots, open 24/7, $(wc -l < "$dir/starts") free starts in the window; availability: a week of an office open Mon-Fri 8-12 and Thu 14-18)"
echo

run() {  # scenario, wrk args...
  local scenario=$1; shift
  SCENARIO=$scenario wrk -t"$threads" -c"$conns" -d"${secs}s" "$@" 2>&1 | grep '^RESULT' | tee -a "$dir/results"
}
run nginx-static -s "$bench/get.lua" "http://127.0.0.1:$nginx_port/ceiling.json"
# A week of an office with usual opening hours (Mon-Fri 8-12, Thu 14-18: about 90 slots):
# through the gateway's 1 s micro-cache, and computed for every request.
run availability -s "$bench/get.lua" "$base/api/v1/availability?office=bench-typical&service=$SERVICE&from=$from&to=$week_to"
run availability-nocache -s "$bench/get.lua" "http://127.0.0.1:$http_port_nocache/api/v1/availability?office=bench-typical&service=$SERVICE&from=$from&to=$week_to"
STARTS_FILE="$dir/starts" run bookings -s "$bench/book.lua" "$base"

# Open loop: bookings at a fixed rate (vegeta), whatever the answers' latency. wrk's closed loop
# above waits for each answer before the next request, so a slow system is offered less; citizens
# keep arriving. Each run books only places that are free (read just before, without the
# micro-cache; the burst's three starts left out), every request with its own address.
open_secs=${OPEN_LOOP_SECONDS:-10}
for rate in ${OPEN_LOOP_RATES:-1000 2000 3000}; do
  curl -fs "http://127.0.0.1:$http_port_nocache/api/v1/availability?office=$OFFICE&service=$SERVICE&from=$from&to=$to" \
    | jq --slurpfile b <(jq -R . "$dir/burst-starts") '.slots |= map(select(.start as $x | $b | index($x) | not))' \
    > "$dir/open-availability.json"
  python3 "$bench/open_loop.py" targets "$dir/open-availability.json" "$base" "$OFFICE" "$SERVICE" \
    $((rate * open_secs)) > "$dir/open-targets.jsonl"
  "$vegeta" attack -format=json -targets="$dir/open-targets.jsonl" -rate="$rate/s" -duration="${open_secs}s" \
      -timeout=10s > "$dir/open-results.bin"
  "$vegeta" report -type=json < "$dir/open-results.bin" | python3 "$bench/open_loop.py" report "open-loop-$rate/s" \
    | tee -a "$dir/results"
  sleep 2
done
STARTS_FILE="$dir/burst-starts" run burst -s "$bench/book.lua" "$base"

echo
printf '%-22s %10s %10s %10s %10s %10s  %s\n' scenario requests req/s p50_ms p99_ms max_ms statuses
while read -r _ scenario requests rps p50 p99 max statuses errors; do
  printf '%-22s %10s %10s %10s %10s %10s  %s %s\n' "$scenario" "$requests" "$rps" "$p50" "$p99" "$max" "$statuses" "$errors"
done < "$dir/results"

# Double bookings: count what the clerk list says for the three contended starts.
booked=$(grep '^RESULT burst' "$dir/results" | grep -o '201:[0-9]*' | cut -d: -f2)
listed=$(curl -fs -H "Authorization: Bearer $clerk" \
  "$base/api/v1/offices/$OFFICE/bookings?date=$burst_day" \
  | jq --slurpfile s <(jq -R . "$dir/burst-starts") \
       '[.bookings[] | select(.status == "booked") | select(.start as $x | $s | index($x))] | length')
free=$(curl -fs "$base/api/v1/availability?office=$OFFICE&service=$SERVICE&from=$burst_day&to=$burst_day" \
  | jq --slurpfile s <(jq -R . "$dir/burst-starts") \
       '[.slots[] | select(.start as $x | $s | index($x)) | .free] | add // 0')
echo
echo "burst check: capacity 60 (3 starts x 20 counters); 201 answers: ${booked:-0}; bookings listed for those starts: $listed; free left: $free"
if [ "${booked:-0}" = 60 ] && [ "$listed" = 60 ] && [ "$free" = 0 ]; then
  echo "burst check: zero double bookings"
else
  echo "burst check: MISMATCH"
fi
