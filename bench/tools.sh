#!/usr/bin/env bash
# Builds the benchmarks' load tools that Debian does not package, once, from the Go module proxy,
# into the same cache as the deploy tools: vegeta (pinned), the fixed-rate (open-loop) HTTP load
# generator of `make bench`. Prints the bin directory.
#   bench/tools.sh
set -euo pipefail
VEGETA_VERSION=v12.13.0
cache=${RATHAUS_CACHE:-$HOME/.cache/rathaus}
bin="$cache/tools/bin"
mkdir -p "$bin"
go=$(command -v go || true)
[ -n "$go" ] || [ ! -x /usr/local/go/bin/go ] || go=/usr/local/go/bin/go
[ -n "$go" ] || [ ! -x /usr/lib/go/bin/go ] || go=/usr/lib/go/bin/go
[ -n "$go" ] || { echo "bench: no Go toolchain found: the open-loop benchmark builds vegeta with it" >&2; exit 1; }
exec 9>"$cache/tools/.lock-bench"
flock 9
stamp="$cache/tools/vegeta.version"
if [ ! -x "$bin/vegeta" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$VEGETA_VERSION" ]; then
  echo "bench: building vegeta $VEGETA_VERSION with $("$go" version | cut -d' ' -f3) (once)" >&2
  (cd /tmp && GOBIN="$bin" GOFLAGS="-trimpath -mod=readonly" CGO_ENABLED=0 nice -n 10 \
     "$go" install "github.com/tsenart/vegeta/v12@$VEGETA_VERSION") >&2
  echo "$VEGETA_VERSION" > "$stamp"
fi
echo "$bin"
