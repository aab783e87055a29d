#!/usr/bin/env bash
# The notifications part of `make bench` (issue 18: >= 500 mails/s into Mailpit from a backlog of
# 20,000 events). Starts its own Redis + Kafka, Mailpit (no TLS, keeps every message),
# appointments (the bench catalog) and a gateway on this machine; books BENCH_MAILS appointments
# through the gateway (wrk) while the notifications service is NOT running, so their
# AppointmentBooked events wait on Kafka; then starts the service and times until Mailpit holds a
# confirmation (with its .ics, read from appointments per message) for every booking.
#
#   scripts/bench-notifications.sh [BUILD_DIR]
#   BENCH_MAILS=20000 BENCH_NOTIFY_SENDERS=8
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/${1:-build}"
bench="$root/bench"
mails=${BENCH_MAILS:-20000}
senders=${BENCH_NOTIFY_SENDERS:-8}
threads=2

dir=$(mktemp -d /tmp/rathaus-bench-notify-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  "$root/scripts/servers.sh" stop "$dir" >/dev/null 2>&1 || true
  mkdir -p /tmp/rathaus-bench-notify-logs && cp "$dir"/*.log /tmp/rathaus-bench-notify-logs/ 2>/dev/null || true
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
now() { date +%s.%N; }

mailpit=$("$root/scripts/mailpit.sh")
"$root/scripts/servers.sh" start "$dir" 2>&1
set -a; . "$dir/servers.env"; set +a
head -c 32 /dev/urandom > "$dir/token.key"
head -c 32 /dev/urandom > "$dir/link.key"
printf 'lookup %s\nk1 %s\n' "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
    "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$dir/data-keys"
"$build/gateway/rathaus-dev-token" keygen "$dir/clerk.key" "$dir/clerk.pub"
"$build/gateway/rathaus-dev-token" integrator "$dir/clerk.key" --scope appointments:notify \
  --sub notifications --hours 12 > "$dir/notify.jwt"
export RATHAUS_LOG_LEVEL=${BENCH_LOG_LEVEL:-warn} RATHAUS_ENV=development \
  RATHAUS_DATA_KEYS_FILE="$dir/data-keys" RATHAUS_CLERK_JWT_PUBLIC_KEY_FILE="$dir/clerk.pub"

smtp_port=$(free_port); ui_port=$(free_port)
"$mailpit" --smtp "127.0.0.1:$smtp_port" --listen "127.0.0.1:$ui_port" --max 0 \
  --database "$dir/mailpit.db" --disable-version-check --quiet >"$dir/mailpit.log" 2>&1 &
pids+=($!)
appt_port=$(free_port); http_port=$(free_port); notify_port=$(free_port)
RATHAUS_GRPC_LISTEN=127.0.0.1:$appt_port RATHAUS_BOOKING_TOKEN_KEY_FILE="$dir/token.key" \
  RATHAUS_BOOKING_QUOTA=1000 RATHAUS_APPOINTMENTS_CATALOG_FILE="$bench/http/catalog.json" \
  "$build/services/appointments/rathaus-appointments" >"$dir/appointments.log" 2>&1 &
pids+=($!)
RATHAUS_HTTP_LISTEN=127.0.0.1:$http_port RATHAUS_APPOINTMENTS_ADDR=127.0.0.1:$appt_port \
  RATHAUS_GATEWAY_PROFILE=bench "$build/gateway/rathaus-gateway" >"$dir/gateway.log" 2>&1 &
pids+=($!)
base=http://127.0.0.1:$http_port
api=http://127.0.0.1:$ui_port/api/v1
for _ in $(seq 1 150); do
  curl -fs "$base/readyz" >/dev/null 2>&1 && curl -fs "http://127.0.0.1:$ui_port/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fs "$base/readyz" >/dev/null || { echo "gateway not ready"; tail -5 "$dir"/*.log; exit 1; }
curl -fs "http://127.0.0.1:$ui_port/readyz" >/dev/null || { echo "mailpit not ready"; tail -5 "$dir/mailpit.log"; exit 1; }

export BENCH_DIR=$bench/http OFFICE=bench-office SERVICE=bench-service
curl -fs "$base/api/v1/availability?office=$OFFICE&service=$SERVICE&from=$(date -d tomorrow +%F)&to=$(date -d '+60 days' +%F)" \
  | jq -r '.slots[].start' > "$dir/starts"

echo
echo "== rathaus notifications benchmark =="
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); everything on this box (Redis, Kafka, appointments, gateway, Mailpit, notifications, the load)"
echo "settings: $mails bookings made first (wrk, $threads threads, 64 connections; catalog bench/http/catalog.json) while notifications is stopped; then RATHAUS_NOTIFY_SENDERS=$senders, reminders 24h,2h (planned, none due), Mailpit $("$mailpit" version --no-release-check 2>/dev/null | awk '{print $2}') without TLS/AUTH, SQLite in $dir, log level ${RATHAUS_LOG_LEVEL}"
# wrk runs for a fixed time: 1-second rounds, each thread stopping at its share of what is left.
start_book=$(now)
booked=0 requests=0 others=""
while [ "$booked" -lt "$mails" ]; do
  per_thread=$(( (mails - booked + threads - 1) / threads ))
  SCENARIO=backlog BOOKINGS_PER_THREAD=$per_thread STARTS_FILE="$dir/starts" \
    wrk -t"$threads" -c64 -d1s -s "$bench/notifications/book.lua" "$base" 2>&1 | grep '^RESULT' > "$dir/book.result" || true
  read -r _ _ n _ _ _ _ statuses errors < "$dir/book.result"
  created=$(echo "$statuses" | grep -o '201:[0-9]*' | cut -d: -f2 || true)
  [ -n "$created" ] && [ "$created" -gt 0 ] || { echo "no bookings made: $statuses $errors"; tail -5 "$dir"/*.log; exit 1; }
  booked=$((booked + created)) requests=$((requests + n))
  others="$others $(echo "$statuses" | tr ',' '\n' | { grep -v '^201:' || true; } | tr '\n' ' ')"
done
end_book=$(now)
printf 'backlog: %s booking requests in %.1f s, %s answered 201 (others: %s)\n' "$requests" \
  "$(echo "$end_book - $start_book" | bc)" "$booked" "$(echo $others | sed 's/^$/none/')"

count() { curl -fs "$api/messages?limit=1" | jq -r '.total'; }
[ "$(count)" = 0 ] || { echo "Mailpit is not empty before the service starts"; exit 1; }

t0=$(now)
RATHAUS_GRPC_LISTEN=127.0.0.1:$notify_port RATHAUS_SMTP_URL=smtp://127.0.0.1:$smtp_port \
  RATHAUS_SMTP_STARTTLS=off RATHAUS_NOTIFY_LINK_KEY_FILE="$dir/link.key" \
  RATHAUS_NOTIFY_SERVICE_TOKEN_FILE="$dir/notify.jwt" RATHAUS_APPOINTMENTS_ADDR=127.0.0.1:$appt_port \
  RATHAUS_ID_DOCUMENTS_ADDR=127.0.0.1:1 RATHAUS_REGISTRATIONS_ADDR=127.0.0.1:1 \
  RATHAUS_PUBLIC_URL=https://kiel.example RATHAUS_NOTIFY_SENDERS=$senders \
  "$build/services/notifications/rathaus-notifications" >"$dir/notifications.log" 2>&1 &
pids+=($!)
first="" last_n=0 last_change=$(now)
# Done when the count has not moved for 5 s (every booking mailed, or something stuck).
while :; do
  n=$(count || echo "$last_n")
  t=$(now)
  [ -z "$first" ] && [ "$n" -gt 0 ] && first=$t
  if [ "$n" != "$last_n" ]; then last_n=$n; last_change=$t; fi
  if [ "$(echo "$t - $last_change > 5" | bc)" = 1 ] && [ -n "$first" ]; then break; fi
  if [ "$(echo "$t - $t0 > 600" | bc)" = 1 ]; then echo "gave up after 600 s"; break; fi
  sleep 0.1
done
total=$last_n
counts=$(redis-cli -p "${RATHAUS_REDIS_URL##*:}" HGETALL notify:counts 2>/dev/null | paste -sd' ' || true)
sent=$(redis-cli -p "${RATHAUS_REDIS_URL##*:}" HGET notify:counts sent 2>/dev/null || echo "?")
elapsed=$(echo "$last_change - $t0" | bc)
drain=$(echo "$last_change - $first" | bc)
echo "mails: $total in Mailpit (wrk counted $booked answers 201 — requests in flight when a round ended booked too; the service counts: $counts)"
[ "$total" = "$sent" ] || echo "WARNING: Mailpit holds $total messages, the service counts $sent sent"
printf 'from the service start to the last mail: %.2f s = %.0f mails/s (first mail after %.2f s; first to last %.2f s = %.0f mails/s)\n' \
  "$elapsed" "$(echo "$total / $elapsed" | bc -l)" "$(echo "$first - $t0" | bc)" "$drain" \
  "$(echo "($total - 1) / $drain" | bc -l)"
target=500
rate=$(echo "$total / $elapsed" | bc -l)
if [ "$(echo "$rate >= $target" | bc)" = 1 ]; then
  echo "target >= $target mails/s from the backlog: met"
else
  echo "target >= $target mails/s from the backlog: NOT met"
fi
