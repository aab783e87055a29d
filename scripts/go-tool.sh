#!/usr/bin/env bash
# Builds one pinned Go command once, from the Go module proxy, into the tools cache
# (${RATHAUS_CACHE:-~/.cache/rathaus}/tools/bin) and prints its path. A second run finds the stamp
# (module, version and flags) and returns at once. scripts/mailpit.sh and bench/tools.sh use it;
# deploy/tools.sh builds helm and the validators the same way.
#   scripts/go-tool.sh NAME MODULE@VERSION [go install flags...]
#   scripts/go-tool.sh vegeta github.com/tsenart/vegeta/v12@v12.13.0
set -euo pipefail
name=${1:?usage: go-tool.sh NAME MODULE@VERSION [flags...]}
module=${2:?usage: go-tool.sh NAME MODULE@VERSION [flags...]}
shift 2
cache=${RATHAUS_CACHE:-$HOME/.cache/rathaus}
bin="$cache/tools/bin"
mkdir -p "$bin"
exec 9>"$cache/tools/.$name.lock"
flock 9   # several tests or scripts may ask at once
stamp="$cache/tools/$name.stamp"
want="$module $*"
if [ -x "$bin/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  echo "$bin/$name"; exit 0
fi
go=$(command -v go || true)
[ -n "$go" ] || [ ! -x /usr/local/go/bin/go ] || go=/usr/local/go/bin/go
[ -n "$go" ] || [ ! -x /usr/lib/go/bin/go ] || go=/usr/lib/go/bin/go
if [ -z "$go" ]; then
  echo "$name: no Go toolchain found (go on PATH, /usr/local/go/bin/go): it is built from $module" >&2
  exit 1
fi
echo "$name: building $module with $("$go" version | cut -d' ' -f3) (once)" >&2
(cd /tmp && GOBIN="$bin" GOFLAGS="-trimpath" CGO_ENABLED=0 nice -n 10 "$go" install "$@" "$module") >&2
echo "$want" > "$stamp"
echo "$bin/$name"
