#!/usr/bin/env bash
# ctest deploy.coverage: every gRPC service in the tree (services/<name>/main.cc) is deployed by
# docker-compose.yml (a service running rathaus-<name>, the gateway waiting for it) and by the
# chart (an entry services.<name>); the gateway is in both. Adding a service without its deploy
# entries fails here.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$("$root/deploy/tools.sh")
fail() { echo "check-coverage: FAIL: $*" >&2; exit 1; }
values=$("$bin/helm" show values "$root/helm/rathaus")
n=0
for main in "$root"/services/*/main.cc; do
  [ -f "$main" ] || continue
  name=$(basename "$(dirname "$main")")
  grep -q "command: \[\"rathaus-$name\"\]" "$root/docker-compose.yml" || fail "docker-compose.yml does not run rathaus-$name"
  grep -q "RATHAUS_$(tr 'a-z-' 'A-Z_' <<<"$name")_ADDR: $name:" "$root/docker-compose.yml" || fail "compose gateway lacks RATHAUS_..._ADDR for $name"
  # grep without -q reads to the end: an early exit would kill awk with SIGPIPE (pipefail).
  awk '/^services:/{s=1;next} /^[a-z]/{s=0} s' <<<"$values" | grep "^  $name:" >/dev/null || fail "helm values have no services.$name"
  n=$((n + 1))
done
grep -q 'command: \["rathaus-gateway"\]' "$root/docker-compose.yml" || fail "compose has no gateway"
echo "check-coverage: ok ($n gRPC service(s) + gateway in compose and chart)"
