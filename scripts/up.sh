#!/usr/bin/env bash
# `make up`: starts the whole platform on this machine and stays in the foreground; Ctrl-C (or
# `make down` from another shell) stops everything it started.
#
#   Redis 7 and Kafka (KRaft)  on loopback, data kept in .run/servers between runs
#                              (RATHAUS_REDIS_URL / RATHAUS_KAFKA_BROKERS: use existing servers)
#   every service binary       build/services/<name>/rathaus-<name>, logs in .run/logs/
#   the gateway                build/gateway/rathaus-gateway, once it exists
#   Keycloak                   the OpenID Connect provider on 127.0.0.1:8180 (RATHAUS_UP_OIDC=off: none)
#
# RATHAUS_UP_DETACH=1 returns once everything runs (for scripts); `make down` stops it then.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
run="$root/.run"
mkdir -p "$run/logs" "$run/pids"

log() { echo "up: $*"; }

if [ -n "${RATHAUS_KAFKA_BROKERS:-}" ] && [ -n "${RATHAUS_REDIS_URL:-}" ]; then
  log "using existing servers: Redis $RATHAUS_REDIS_URL, Kafka $RATHAUS_KAFKA_BROKERS"
  : > "$run/external"
else
  rm -f "$run/external"
  export RATHAUS_REDIS_PORT=${RATHAUS_REDIS_PORT:-6379}
  export RATHAUS_KAFKA_PORT=${RATHAUS_KAFKA_PORT:-9092}
  "$root/scripts/servers.sh" start "$run/servers"
  set -a; . "$run/servers/servers.env"; set +a
fi
# The OpenID Connect provider (Keycloak, realm deploy/keycloak/rathaus-realm.json) on
# 127.0.0.1:8180, started in the background: the services and the gateway come up at once and
# take its keys when it answers (RATHAUS_UP_OIDC=off: without it, development tokens only).
if [ "${RATHAUS_UP_OIDC:-on}" = on ]; then
  export RATHAUS_KEYCLOAK_PORT=${RATHAUS_KEYCLOAK_PORT:-8180}
  export RATHAUS_OIDC_ISSUER="http://127.0.0.1:$RATHAUS_KEYCLOAK_PORT/realms/rathaus"
  "$root/scripts/keycloak.sh" start "$run/keycloak" >"$run/logs/keycloak-start.log" 2>&1 &
fi
export RATHAUS_LOG_LEVEL=${RATHAUS_LOG_LEVEL:-info}
# One Kafka broker: topics with one replica, which production refuses (RATHAUS_ENV).
export RATHAUS_ENV=${RATHAUS_ENV:-development}

stop_all() {
  trap - INT TERM EXIT
  "$root/scripts/down.sh"
  exit 0
}
if [ "${RATHAUS_UP_DETACH:-0}" != 1 ]; then
  trap stop_all INT TERM EXIT
fi

# Development secrets, made once and kept in .run/ (mode 600). Production takes them from
# Kubernetes Secrets (helm/rathaus).
umask 077
if [ ! -s "$run/booking-token.key" ]; then
  head -c 32 /dev/urandom > "$run/booking-token.key"
fi
export RATHAUS_BOOKING_TOKEN_KEY_FILE="$run/booking-token.key"
# Personal data in Redis is sealed with these keys (shared/crypto/personal_data.h).
if [ ! -s "$run/data-keys" ]; then
  hex32() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
  printf '# rathaus personal-data keys: the first data key seals\nlookup %s\nk1 %s\n' \
      "$(hex32)" "$(hex32)" > "$run/data-keys"
fi
export RATHAUS_DATA_KEYS_FILE="$run/data-keys"
# Development: invoices may also come without a supplier token (the chart: off).
export RATHAUS_GATEWAY_ANONYMOUS_INVOICE_UPLOAD=${RATHAUS_GATEWAY_ANONYMOUS_INVOICE_UPLOAD:-on}
export RATHAUS_EINVOICE_ANONYMOUS_SUBMISSION=${RATHAUS_EINVOICE_ANONYMOUS_SUBMISSION:-on}
# Originals of submitted e-invoices (content-addressed, kept between runs like the Redis data).
export RATHAUS_EINVOICE_BLOB_DIR=${RATHAUS_EINVOICE_BLOB_DIR:-$run/blobs/e-invoice}
# The e-file's documents, likewise.
export RATHAUS_EFILE_BLOB_DIR=${RATHAUS_EFILE_BLOB_DIR:-$run/blobs/e-file}
dev_token="$root/$build/gateway/tools/rathaus-dev-token"
[ -x "$dev_token" ] || dev_token="$root/$build/gateway/rathaus-dev-token"
if [ -x "$dev_token" ]; then
  if [ ! -s "$run/clerk-jwt.key" ]; then
    "$dev_token" keygen "$run/clerk-jwt.key" "$run/clerk-jwt.pub"
  fi
  "$dev_token" clerk "$run/clerk-jwt.key" --offices '*' --days 30 > "$run/clerk.jwt"
  "$dev_token" invoice-clerk "$run/clerk-jwt.key" --departments '*' --days 30 \
      > "$run/invoice-clerk.jwt"
  # The Fachverfahren's token for the id-documents status import and the registrations'
  # Rückmeldung export (role integrator).
  "$dev_token" integrator "$run/clerk-jwt.key" --scope id-documents:status,registrations:export --days 30 \
      > "$run/integrator.jwt"
  export RATHAUS_CLERK_JWT_PUBLIC_KEY_FILE="$run/clerk-jwt.pub"
  # A supplier's token for invoice uploads (role supplier).
  "$dev_token" supplier "$run/clerk-jwt.key" --sub dev-supplier --days 30 > "$run/supplier.jwt"
  # Registrations: a citizen (in production from the city's identity provider) and a
  # registration clerk of every office.
  "$dev_token" citizen "$run/clerk-jwt.key" --sub dev-citizen --days 30 > "$run/citizen.jwt"
  "$dev_token" registration-clerk "$run/clerk-jwt.key" --offices '*' --days 30 \
      > "$run/registration-clerk.jwt"
  # The e-file: a file clerk of every department and the archivist.
  "$dev_token" file-clerk "$run/clerk-jwt.key" --departments '*' --days 30 > "$run/file-clerk.jwt"
  "$dev_token" archivist "$run/clerk-jwt.key" --days 30 > "$run/archivist.jwt"
  # The key the e-file signs its audit log's tree heads with (the public half verifies them:
  # rathaus-e-file verify --public-key .run/e-file-audit.pub ...).
  if [ ! -s "$run/e-file-audit.key" ]; then
    "$dev_token" keygen "$run/e-file-audit.key" "$run/e-file-audit.pub"
  fi
  export RATHAUS_EFILE_SIGNING_KEY_FILE="$run/e-file-audit.key"
  # The e-file's own credential for reading invoice originals and reports (fetch by reference).
  "$dev_token" integrator "$run/clerk-jwt.key" --scope invoices:read,registrations:read --sub e-file --days 30 \
      > "$run/e-file-service.jwt"
  export RATHAUS_EFILE_SERVICE_TOKEN_FILE="$run/e-file-service.jwt"
  # The notifications service's credential: it reads a booking's address from appointments, an
  # ID document applicant's from id-documents and a registration's from registrations when it
  # sends (GetBookingNotice, GetApplicationNotice, GetRegistrationNotice; scopes
  # appointments:notify, id-documents:notify, registrations:notify).
  "$dev_token" integrator "$run/clerk-jwt.key" \
      --scope appointments:notify,id-documents:notify,registrations:notify --sub notifications \
      --days 30 > "$run/notifications-service.jwt"
  export RATHAUS_NOTIFY_SERVICE_TOKEN_FILE="$run/notifications-service.jwt"
  # The key that signs the e-mails' opt-out links (List-Unsubscribe, RFC 8058).
  [ -s "$run/notify-link.key" ] || head -c 32 /dev/urandom > "$run/notify-link.key"
  export RATHAUS_NOTIFY_LINK_KEY_FILE="$run/notify-link.key"
  # The 30-day development tokens above; production keeps the default of 12h.
  export RATHAUS_JWT_MAX_LIFETIME=${RATHAUS_JWT_MAX_LIFETIME:-720h}
fi
umask 022

started=()
# The mail server of development: Mailpit (scripts/mailpit.sh builds it once) with SMTP on
# 127.0.0.1:1025 and its web UI and API on http://127.0.0.1:8025, messages kept in
# .run/mailpit.db (RATHAUS_SMTP_URL set: that server instead).
if [ -z "${RATHAUS_SMTP_URL:-}" ]; then
  mailpit=$("$root/scripts/mailpit.sh")
  setsid "$mailpit" --smtp "127.0.0.1:${RATHAUS_UP_SMTP_PORT:-1025}" \
      --listen "127.0.0.1:${RATHAUS_UP_MAILPIT_PORT:-8025}" --database "$run/mailpit.db" \
      --disable-version-check </dev/null >"$run/logs/mailpit.log" 2>&1 &
  echo $! > "$run/pids/mailpit.pid"
  export RATHAUS_SMTP_URL="smtp://127.0.0.1:${RATHAUS_UP_SMTP_PORT:-1025}"
  started+=("mail     SMTP $RATHAUS_SMTP_URL  messages at http://127.0.0.1:${RATHAUS_UP_MAILPIT_PORT:-8025}  log .run/logs/mailpit.log")
fi
export RATHAUS_PUBLIC_URL=${RATHAUS_PUBLIC_URL:-http://${RATHAUS_HTTP_LISTEN:-127.0.0.1:8080}}

# Every service gets its own gRPC port (each service's default, as the gateway's defaults name
# them; a service not in the table gets one from 50060 on), and its own Prometheus metrics port
# (9101, 9102, ... in the same order).
declare -A service_ports=([appointments]=50051 [e-invoice]=50052 [id-documents]=50053
                          [registrations]=50054 [e-file]=50055 [notifications]=50056)
extra_port=50060
# Every address is known before the first service starts (the e-file reads e-invoice's).
for name in "${!service_ports[@]}"; do
  export "RATHAUS_$(echo "$name" | tr 'a-z-' 'A-Z_')_ADDR=127.0.0.1:${service_ports[$name]}"
done
for dir in "$root/$build"/services/*/; do
  [ -d "$dir" ] || continue
  name=$(basename "$dir")
  bin="$dir/rathaus-$name"
  # A service has services/<name>/main.cc (DESIGN.md's layout); other binaries there are tools.
  [ -x "$bin" ] && [ -f "$root/services/$name/main.cc" ] || continue
  var=$(echo "$name" | tr 'a-z-' 'A-Z_')
  if [ -n "${service_ports[$name]:-}" ]; then
    port=${service_ports[$name]}
  else
    port=$extra_port
    extra_port=$((extra_port + 1))
  fi
  metrics_port=$((9101 + port - 50051))
  export "RATHAUS_${var}_ADDR=127.0.0.1:$port"
  RATHAUS_GRPC_LISTEN="127.0.0.1:$port" RATHAUS_METRICS_LISTEN="127.0.0.1:$metrics_port" \
      setsid "$bin" </dev/null >"$run/logs/$name.log" 2>&1 &
  echo $! > "$run/pids/$name.pid"
  started+=("$name  gRPC 127.0.0.1:$port  metrics http://127.0.0.1:$metrics_port/metrics  log .run/logs/$name.log")
done
gateway="$root/$build/gateway/rathaus-gateway"
if [ -x "$gateway" ]; then
  [ -f "$root/gateway/web/dist/index.html" ] && export RATHAUS_WEB_ROOT="$root/gateway/web/dist"
  if [ -n "${RATHAUS_OIDC_ISSUER:-}" ]; then
    # The citizen pages' sign-in (the gateway as a confidential client of Keycloak, realm client
    # rathaus-web; its development secret is in the realm file).
    printf '%s' dev-only-web-secret > "$run/web-client.secret"
    chmod 600 "$run/web-client.secret"
    export RATHAUS_GATEWAY_OIDC_CLIENT_ID=rathaus-web \
        RATHAUS_GATEWAY_OIDC_CLIENT_SECRET_FILE="$run/web-client.secret" \
        RATHAUS_GATEWAY_PUBLIC_URL="http://${RATHAUS_HTTP_LISTEN:-127.0.0.1:8080}"
  fi
  # Metrics on their own port, never on the public one.
  gateway_metrics=${RATHAUS_GATEWAY_METRICS_LISTEN:-127.0.0.1:9100}
  RATHAUS_HTTP_LISTEN=${RATHAUS_HTTP_LISTEN:-127.0.0.1:8080} \
      RATHAUS_GATEWAY_METRICS_LISTEN="$gateway_metrics" setsid "$gateway" </dev/null \
      >"$run/logs/gateway.log" 2>&1 &
  echo $! > "$run/pids/gateway.pid"
  started+=("gateway  HTTP ${RATHAUS_HTTP_LISTEN:-127.0.0.1:8080}  (web pages at /, API at /api/v1)  metrics http://$gateway_metrics/metrics  log .run/logs/gateway.log")
fi

echo
echo "rathaus is up:"
echo "  Redis    $RATHAUS_REDIS_URL"
echo "  Kafka    $RATHAUS_KAFKA_BROKERS"
if [ -s "$run/clerk.jwt" ]; then
  echo "  clerk token (30 days, all offices) in .run/clerk.jwt:"
  echo "    curl -H \"Authorization: Bearer \$(cat .run/clerk.jwt)\" http://127.0.0.1:8080/api/v1/offices/<office>/bookings?date=YYYY-MM-DD"
fi
if [ -n "${RATHAUS_OIDC_ISSUER:-}" ]; then
  echo "  Keycloak $RATHAUS_OIDC_ISSUER (admin console http://127.0.0.1:$RATHAUS_KEYCLOAK_PORT, admin password in .run/keycloak/keycloak.admin)"
  echo "    a clerk's token from it: scripts/keycloak.sh token .run/keycloak clerk-mitte   (users and clients: deploy/keycloak/rathaus-realm.json)"
fi
if [ -s "$run/supplier.jwt" ]; then
  echo "  supplier token (invoice upload) in .run/supplier.jwt"
fi
if [ -s "$run/integrator.jwt" ]; then
  echo "  integrator token (status import) in .run/integrator.jwt:"
  echo "    curl -H \"Authorization: Bearer \$(cat .run/integrator.jwt)\" -H 'Content-Type: application/x-ndjson' --data-binary @updates.ndjson http://127.0.0.1:8080/api/v1/id-documents/status-updates"
fi
if [ ${#started[@]} -eq 0 ]; then
  echo "  (no service binaries built yet: the platform servers run alone)"
else
  for line in "${started[@]}"; do echo "  $line"; done
fi
if [ "${RATHAUS_UP_DETACH:-0}" = 1 ]; then
  echo "stop with: make down"
  exit 0
fi
echo "Ctrl-C stops everything."
# Stay in the foreground; notice when a service dies.
while sleep 2; do
  for pidfile in "$run"/pids/*.pid; do
    [ -f "$pidfile" ] || continue
    if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      log "$(basename "$pidfile" .pid) exited; see .run/logs/$(basename "$pidfile" .pid).log"
      rm -f "$pidfile"
    fi
  done
done
