#!/usr/bin/env bash
# Starts and stops Keycloak, the OpenID Connect provider that signs rathaus's tokens in the e2e
# tests and with `make up`: on loopback, in-memory database, the realm
# deploy/keycloak/rathaus-realm.json (roles, test users and clients), everything under one folder.
#
#   scripts/keycloak.sh start DIR    # (RATHAUS_KEYCLOAK_PORT: a fixed port, else a free one)
#                                    # waits until the realm answers; writes DIR/keycloak.env:
#                                    #   KEYCLOAK_URL, RATHAUS_OIDC_ISSUER, KEYCLOAK_ADMIN_PASSWORD
#   scripts/keycloak.sh stop DIR
#   scripts/keycloak.sh token DIR USER        # an access token of a realm user (password grant)
#   scripts/keycloak.sh client-token DIR CLIENT SECRET   # a client's token (client credentials)
#   scripts/keycloak.sh rotate-key DIR        # a new signing key that signs from now on
#
# The distribution comes from Maven Central (scripts/deps.sh, cached); each instance gets its own
# folder (the 150 MB of jars are linked, not copied), so instances never share state.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cmd=${1:?usage: keycloak.sh start|stop|token|client-token DIR ...}
dir=${2:?usage: keycloak.sh $cmd DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
log() { echo "keycloak: $*" >&2; }

token_request() {  # form-data...
  # shellcheck disable=SC1091
  . "$dir/keycloak.env"
  curl -sf "$RATHAUS_OIDC_ISSUER/protocol/openid-connect/token" "$@" | jq -r .access_token
}

case "$cmd" in
  start)
    home=$("$root/scripts/deps.sh" --print-keycloak-dir)
    [ -f "$home/.complete" ] || "$root/scripts/deps.sh"
    kc="$dir/keycloak"
    if [ ! -d "$kc" ]; then
      mkdir -p "$kc/lib" "$kc/data/import"
      cp -a "$home/bin" "$home/conf" "$home/providers" "$home/themes" "$kc/"
      ln -s "$home/lib/lib" "$kc/lib/lib"
      cp -a "$home/lib/app" "$home/lib/quarkus" "$home/lib/quarkus-run.jar" "$kc/lib/"
    fi
    cp "$root/deploy/keycloak/rathaus-realm.json" "$kc/data/import/"
    [ -z "${RATHAUS_KEYCLOAK_PORT:-}" ] || echo "$RATHAUS_KEYCLOAK_PORT" > "$dir/keycloak.port"
    if [ ! -s "$dir/keycloak.port" ]; then
      # a free loopback port below the ephemeral range
      while :; do
        p=$((20000 + RANDOM % 10000))
        ss -Htan "sport = :$p" 2>/dev/null | grep -q . || break
      done
      echo "$p" > "$dir/keycloak.port"
    fi
    port=$(cat "$dir/keycloak.port")
    [ -s "$dir/keycloak.admin" ] || head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$dir/keycloak.admin"
    admin=$(cat "$dir/keycloak.admin")
    # start-dev: HTTP on loopback, an in-memory H2 database, no clustering. Not for production,
    # where the city runs its own Keycloak (or another provider) over HTTPS.
    KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD="$admin" \
      JAVA_OPTS_KC_HEAP="-Xms64m -Xmx512m" \
      setsid "$kc/bin/kc.sh" start-dev --http-host=127.0.0.1 --http-port="$port" \
        --hostname="http://127.0.0.1:$port" --db=dev-mem --cache=local --import-realm \
        --log-level=warn </dev/null >"$dir/keycloak.log" 2>&1 &
    echo $! > "$dir/keycloak.pid"
    issuer="http://127.0.0.1:$port/realms/rathaus"
    for ((i = 0; i < 1800; i++)); do
      if curl -sf "$issuer/.well-known/openid-configuration" >/dev/null 2>&1; then
        {
          echo "KEYCLOAK_URL=http://127.0.0.1:$port"
          echo "RATHAUS_OIDC_ISSUER=$issuer"
          echo "KEYCLOAK_ADMIN_PASSWORD=$admin"
        } > "$dir/keycloak.env"
        log "Keycloak $(basename "$home" | sed 's/keycloak-//') ready at $issuer after $((i / 10)) s"
        exit 0
      fi
      if ! kill -0 "$(cat "$dir/keycloak.pid")" 2>/dev/null; then
        log "Keycloak exited; its log:"; tail -40 "$dir/keycloak.log" >&2; exit 1
      fi
      sleep 0.1
    done
    log "Keycloak did not answer within 180 s; its log:"; tail -40 "$dir/keycloak.log" >&2
    exit 1
    ;;
  stop)
    if [ -f "$dir/keycloak.pid" ]; then
      pid=$(cat "$dir/keycloak.pid")
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL -- "-$pid" 2>/dev/null || true
      rm -f "$dir/keycloak.pid"
    fi
    ;;
  token)
    user=${3:?usage: keycloak.sh token DIR USER}
    token_request -d grant_type=password -d client_id=rathaus-clerk -d "username=$user" \
      -d "password=dev-only-$user"
    ;;
  client-token)
    token_request -d grant_type=client_credentials -d "client_id=${3:?CLIENT}" -d "client_secret=${4:?SECRET}"
    ;;
  rotate-key)
    # A new RSA signing key with a higher priority than every key before: new tokens carry its
    # kid, the old keys stay published (and valid) until an administrator removes them.
    # shellcheck disable=SC1091
    . "$dir/keycloak.env"
    admin_token=$(curl -sf "$KEYCLOAK_URL/realms/master/protocol/openid-connect/token" \
      -d grant_type=password -d client_id=admin-cli -d username=admin \
      -d "password=$KEYCLOAK_ADMIN_PASSWORD" | jq -r .access_token)
    priority=$(date +%s%N | cut -c1-15)
    curl -sf -X POST "$KEYCLOAK_URL/admin/realms/rathaus/components" \
      -H "Authorization: Bearer $admin_token" -H 'Content-Type: application/json' \
      -d "{\"name\":\"rsa-rotated-$priority\",\"providerId\":\"rsa-generated\",
           \"providerType\":\"org.keycloak.keys.KeyProvider\",\"parentId\":\"rathaus\",
           \"config\":{\"priority\":[\"$priority\"],\"keySize\":[\"2048\"],\"active\":[\"true\"],
                     \"enabled\":[\"true\"],\"algorithm\":[\"RS256\"]}}"
    log "new signing key with priority $priority"
    ;;
  *) echo "usage: keycloak.sh start|stop|token|client-token|rotate-key DIR ..." >&2; exit 2 ;;
esac
