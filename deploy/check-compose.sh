#!/usr/bin/env bash
# ctest deploy.compose: docker-compose.yml loads with the Compose specification's reference
# loader (schema, interpolation, references) and meets rathaus's rules (deploy/validate/
# compose-validate); a broken copy is rejected, so the check is known to bite.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$("$root/deploy/tools.sh")
"$bin/compose-validate" "$root/docker-compose.yml"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cp "$root/Dockerfile" "$tmp/"
expect_reject() {  # what sed-expression
  sed "$2" "$root/docker-compose.yml" >"$tmp/docker-compose.yml"
  if "$bin/compose-validate" "$tmp/docker-compose.yml" >/dev/null 2>&1; then
    echo "check-compose: FAIL: accepted a compose file with $1" >&2; exit 1
  fi
}
expect_reject "an unknown key" 's/^    restart: unless-stopped$/    restartt: unless-stopped/'
expect_reject "a wrong type" 's/^      retries: 10$/      retries: ten/'
expect_reject "depends_on without a health condition" 's/appointments: {condition: service_healthy}/appointments: {condition: service_started}/'
expect_reject "the gateway not on 8080" 's/:8080:8080"/:8081:8080"/'
expect_reject "the gateway on all interfaces" 's/"${RATHAUS_PUBLISH_ADDRESS:-127.0.0.1}:8080:8080"/"8080:8080"/'
expect_reject "the clerk private key in every service's volume" 's|      - dev-minting:/var/lib/rathaus/minting||'
expect_reject "a service that mounts the clerk private key" 's|^    - dev-secrets:/var/lib/rathaus/secrets:ro$|    - dev-secrets:/var/lib/rathaus/secrets:ro\n    - dev-minting:/var/lib/rathaus/minting:ro|'
echo "check-compose: ok"
