#!/usr/bin/env bash
# Browser tests of the citizen pages against the REAL system: starts Keycloak (the realm
# deploy/keycloak/rathaus-realm.json; citizens sign in through the gateway, web_session.h),
# rathaus-appointments, rathaus-id-documents, rathaus-registrations and rathaus-gateway (serving
# gateway/web/dist from RATHAUS_WEB_ROOT) on
# free loopback ports, on the Redis and Kafka of the ctest fixture `servers`
# ($RATHAUS_TEST_SERVERS_DIR/servers.env) or, without it, on servers of its own
# (scripts/servers.sh); waits for /readyz, runs the Playwright + axe-core tests (booking.test.mjs,
# cancel.test.mjs, ausweis.test.mjs, registration.test.mjs; shared parts in lib.mjs; Debian's
# /usr/bin/chromium, headless) and stops everything. A clerk key pair
# of its own (rathaus-dev-token keygen) signs the clerk and integrator tokens the tests need
# (RATHAUS_E2E_CLERK_TOKEN, RATHAUS_E2E_INTEGRATOR_TOKEN, RATHAUS_E2E_REGISTRATION_CLERK_TOKEN);
# RATHAUS_E2E_OIDC_URL is Keycloak's base URL; RATHAUS_E2E_BOOKING_TOKEN_KEY_FILE is the
# appointments service's booking-token key, with which cancel.test.mjs mints the cancel-only
# token of an e-mail's link.
#
#   tests/browser/run.sh [BUILD_DIR]        # default: build/
#
# Environment: RATHAUS_E2E_HOLD (reservation hold for this run, default 15s),
# RATHAUS_E2E_ARTIFACTS (screenshots, logs; default BUILD_DIR/tests/browser/artifacts),
# RATHAUS_E2E_ALLOW_PROXY=1 (dev only: put tests/browser/dev/proxy.mjs in front of a gateway that
# does not serve the pages yet). With RATHAUS_E2E_BASE_URL set, nothing is started: the tests
# run against that URL.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
web_root=${RATHAUS_WEB_ROOT:-$root/gateway/web/dist}
artifacts=${RATHAUS_E2E_ARTIFACTS:-$build/tests/browser/artifacts}
hold=${RATHAUS_E2E_HOLD:-15s}
hold_seconds=${hold%s}
log() { echo "browser-tests: $*" >&2; }

[ -x /usr/bin/chromium ] || { log "/usr/bin/chromium is missing: install the Debian package 'chromium' (scripts/deps.sh does)"; exit 1; }
[ -f "$web_root/index.html" ] || { log "no built pages in $web_root: run gateway/web/build.sh first"; exit 1; }

# The test's own npm packages (playwright-core, axe-core) from the committed lockfile.
if ! cmp -s "$here/package-lock.json" "$here/node_modules/.rathaus-lock" 2>/dev/null; then
  log "npm ci in tests/browser"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >&2 && cp package-lock.json node_modules/.rathaus-lock)
fi

rm -rf "$artifacts"
mkdir -p "$artifacts"
export RATHAUS_E2E_ARTIFACTS=$artifacts RATHAUS_E2E_HOLD_SECONDS=$hold_seconds

if [ -n "${RATHAUS_E2E_BASE_URL:-}" ]; then
  cd "$here" && exec node --test --test-concurrency=1 booking.test.mjs cancel.test.mjs ausweis.test.mjs registration.test.mjs
fi

work=$(mktemp -d)
pids=()
own_servers=""
cleanup() {
  local rc=$?
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  cp "$work"/*.log "$artifacts"/ 2>/dev/null || true
  [ -n "$own_servers" ] && "$root/scripts/servers.sh" stop "$own_servers" >/dev/null 2>&1 || true
  [ -f "$work/keycloak/keycloak.env" ] && { "$root/scripts/keycloak.sh" stop "$work/keycloak" >/dev/null 2>&1 || true; }
  rm -rf "$work"
  exit $rc
}
trap cleanup EXIT INT TERM

free_port() {
  node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}
wait_port() {  # host port pid what
  for _ in $(seq 300); do
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || { log "$4 exited at start; its log:"; cat "$work/$4.log" >&2; return 1; }
    sleep 0.1
  done
  log "$4 did not listen on $1:$2 within 30 s"; return 1
}

servers_dir=${RATHAUS_TEST_SERVERS_DIR:-}
if [ -z "$servers_dir" ] || [ ! -f "$servers_dir/servers.env" ]; then
  own_servers=$work/servers
  log "starting Redis and Kafka of its own in $own_servers"
  "$root/scripts/servers.sh" start "$own_servers" >&2
  servers_dir=$own_servers
fi
# shellcheck disable=SC1091
. "$servers_dir/servers.env"
# A Redis database of our own: no other e2e test shares these slots.
redis_url="${RATHAUS_REDIS_URL%/}/${RATHAUS_E2E_REDIS_DB:-9}"
redis_port=${RATHAUS_REDIS_URL##*:}
redis_port=${redis_port%%/*}
redis-cli -h 127.0.0.1 -p "$redis_port" -n "${RATHAUS_E2E_REDIS_DB:-9}" FLUSHDB >/dev/null

head -c 32 /dev/urandom > "$work/booking-token.key"
export RATHAUS_E2E_BOOKING_TOKEN_KEY_FILE=$work/booking-token.key
printf 'lookup %s\nk1 %s\n' "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
    "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$work/data-keys"
# The clerk key pair: the services and the gateway verify with the public key; the tests get a
# clerk token (registers applications) and an integrator token (the Fachverfahren's import).
dev_token="$build/gateway/rathaus-dev-token"
"$dev_token" keygen "$work/clerk.pem" "$work/clerk.pub" >/dev/null
RATHAUS_E2E_CLERK_TOKEN=$("$dev_token" clerk "$work/clerk.pem" --offices kiel-mitte)
RATHAUS_E2E_INTEGRATOR_TOKEN=$("$dev_token" integrator "$work/clerk.pem" --scope id-documents:status)
RATHAUS_E2E_REGISTRATION_CLERK_TOKEN=$("$dev_token" registration-clerk "$work/clerk.pem" --offices kiel-mitte --sub clerk-rita)
export RATHAUS_E2E_CLERK_TOKEN RATHAUS_E2E_INTEGRATOR_TOKEN RATHAUS_E2E_REGISTRATION_CLERK_TOKEN
# Keycloak, in the background while the services start (it takes the longest).
"$root/scripts/keycloak.sh" start "$work/keycloak" > "$work/keycloak-start.log" 2>&1 &
keycloak_pid=$!
# The services run with RATHAUS_ENV=development: one Kafka broker (topic replication 1).
grpc_port=$(free_port)
idd_port=$(free_port)
http_port=$(free_port)

env RATHAUS_REDIS_URL="$redis_url" RATHAUS_KAFKA_BROKERS="$RATHAUS_KAFKA_BROKERS" \
    RATHAUS_GRPC_LISTEN="127.0.0.1:$grpc_port" \
    RATHAUS_BOOKING_TOKEN_KEY_FILE="$work/booking-token.key" \
    RATHAUS_DATA_KEYS_FILE="$work/data-keys" \
    RATHAUS_CLERK_JWT_PUBLIC_KEY_FILE="$work/clerk.pub" \
    RATHAUS_RESERVATION_HOLD="$hold" RATHAUS_BOOKING_QUOTA=50 \
    RATHAUS_ENV=development \
    "$build/services/appointments/rathaus-appointments" > "$work/appointments.log" 2>&1 &
pids+=($!)
wait_port 127.0.0.1 "$grpc_port" "${pids[-1]}" appointments

env RATHAUS_REDIS_URL="$redis_url" RATHAUS_KAFKA_BROKERS="$RATHAUS_KAFKA_BROKERS" \
    RATHAUS_GRPC_LISTEN="127.0.0.1:$idd_port" \
    RATHAUS_DATA_KEYS_FILE="$work/data-keys" \
    RATHAUS_CLERK_JWT_PUBLIC_KEY_FILE="$work/clerk.pub" \
    RATHAUS_ENV=development \
    "$build/services/id-documents/rathaus-id-documents" > "$work/id-documents.log" 2>&1 &
pids+=($!)
wait_port 127.0.0.1 "$idd_port" "${pids[-1]}" id-documents

if ! wait "$keycloak_pid"; then
  log "Keycloak did not start; its log:"; cat "$work/keycloak-start.log" "$work/keycloak/keycloak.log" >&2 2>/dev/null; exit 1
fi
# shellcheck disable=SC1091
. "$work/keycloak/keycloak.env"
export RATHAUS_E2E_OIDC_URL=$KEYCLOAK_URL

reg_port=$(free_port)
env RATHAUS_REDIS_URL="$redis_url" RATHAUS_KAFKA_BROKERS="$RATHAUS_KAFKA_BROKERS" \
    RATHAUS_GRPC_LISTEN="127.0.0.1:$reg_port" \
    RATHAUS_DATA_KEYS_FILE="$work/data-keys" \
    RATHAUS_CLERK_JWT_PUBLIC_KEY_FILE="$work/clerk.pub" RATHAUS_OIDC_ISSUER="$RATHAUS_OIDC_ISSUER" \
    RATHAUS_PUBLIC_URL="http://127.0.0.1:$http_port" \
    RATHAUS_ENV=development \
    "$build/services/registrations/rathaus-registrations" > "$work/registrations.log" 2>&1 &
pids+=($!)
wait_port 127.0.0.1 "$reg_port" "${pids[-1]}" registrations

printf '%s' dev-only-web-secret > "$work/web-client.secret"
env RATHAUS_HTTP_LISTEN="127.0.0.1:$http_port" RATHAUS_APPOINTMENTS_ADDR="127.0.0.1:$grpc_port" \
    RATHAUS_ID_DOCUMENTS_ADDR="127.0.0.1:$idd_port" RATHAUS_REGISTRATIONS_ADDR="127.0.0.1:$reg_port" \
    RATHAUS_CLERK_JWT_PUBLIC_KEY_FILE="$work/clerk.pub" RATHAUS_OIDC_ISSUER="$RATHAUS_OIDC_ISSUER" \
    RATHAUS_GATEWAY_OIDC_CLIENT_ID=rathaus-web RATHAUS_GATEWAY_OIDC_CLIENT_SECRET_FILE="$work/web-client.secret" \
    RATHAUS_GATEWAY_PUBLIC_URL="http://127.0.0.1:$http_port" RATHAUS_ENV=development \
    RATHAUS_REDIS_URL="$redis_url" RATHAUS_WEB_ROOT="$web_root" \
    RATHAUS_RATE_LIMIT_BOOKING=off RATHAUS_GATEWAY_REDIS_PREFIX=gw-browser: \
    "$build/gateway/rathaus-gateway" > "$work/gateway.log" 2>&1 &
pids+=($!)
wait_port 127.0.0.1 "$http_port" "${pids[-1]}" gateway
base="http://127.0.0.1:$http_port"
for i in $(seq 120); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/readyz")" = 200 ] && break
  [ "$i" = 120 ] && { log "$base/readyz not ready within 60 s"; exit 1; }
  sleep 0.5
done
log "gateway ready on $base (appointments on 127.0.0.1:$grpc_port, id-documents on 127.0.0.1:$idd_port, hold $hold)"

if ! curl -s -D - -o /dev/null "$base/" | grep -qi '^content-type: text/html'; then
  if [ "${RATHAUS_E2E_ALLOW_PROXY:-0}" = 1 ]; then
    proxy_port=$(free_port)
    node "$here/dev/proxy.mjs" "$proxy_port" "$base" "$web_root" > "$work/proxy.log" 2>&1 &
    pids+=($!)
    wait_port 127.0.0.1 "$proxy_port" "${pids[-1]}" proxy
    log "the gateway does not serve the pages (RATHAUS_WEB_ROOT); dev proxy on :$proxy_port"
    base="http://127.0.0.1:$proxy_port"
  else
    log "the gateway does not serve the pages at $base/ (RATHAUS_WEB_ROOT not wired to gateway/static)"
    exit 1
  fi
fi

cd "$here"
RATHAUS_E2E_BASE_URL=$base node --test --test-concurrency=1 booking.test.mjs cancel.test.mjs ausweis.test.mjs registration.test.mjs
