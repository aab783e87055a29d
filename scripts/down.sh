#!/usr/bin/env bash
# `make down`: stops what `make up` started (services first, then the servers) and leaves no
# process behind. The servers' data stays in .run/servers for the next `make up`.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
run="$root/.run"
for pidfile in "$run"/pids/*.pid; do
  [ -f "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null
  rm -f "$pidfile"
done
[ -d "$run/keycloak" ] && "$root/scripts/keycloak.sh" stop "$run/keycloak"
if [ -d "$run/servers" ] && [ ! -f "$run/external" ]; then
  "$root/scripts/servers.sh" stop "$run/servers"
fi
echo "down: everything stopped"
