#!/usr/bin/env bash
# Builds the deploy checks' tools once, from the Go module proxy, into a cache outside the
# checkout: helm (pinned) and the validators in deploy/validate (k8s-validate, compose-validate,
# dockerfile-check). A second run finds the stamp and returns at once.
#   deploy/tools.sh            # prints the bin directory on stdout
# RATHAUS_CACHE moves the cache (default ~/.cache/rathaus).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
HELM_VERSION=v3.22.0
cache=${RATHAUS_CACHE:-$HOME/.cache/rathaus}
bin="$cache/tools/bin"
mkdir -p "$bin"

go=$(command -v go || true)
[ -n "$go" ] || [ ! -x /usr/local/go/bin/go ] || go=/usr/local/go/bin/go
[ -n "$go" ] || [ ! -x /usr/lib/go/bin/go ] || go=/usr/lib/go/bin/go
if [ -z "$go" ]; then
  echo "deploy: no Go toolchain found (go on PATH, /usr/local/go/bin/go): the deploy checks build helm" >&2
  echo "deploy: and their validators with it. Install Go >= 1.26 and run again." >&2
  exit 1
fi
want_go=$(sed -n 's/^go \([0-9.]*\).*/\1/p' "$root/deploy/validate/go.mod")
have_go=$("$go" env GOVERSION | sed 's/^go//')
if [ "$(printf '%s\n%s\n' "$want_go" "$have_go" | sort -V | head -n1)" != "$want_go" ]; then
  echo "deploy: $go is Go $have_go; deploy/validate and helm $HELM_VERSION need Go >= $want_go" >&2
  exit 1
fi

stamp_now=$( { echo "helm $HELM_VERSION go $have_go"; cat "$root/deploy/validate/go.mod" "$root/deploy/validate/go.sum";
               find "$root/deploy/validate" -name '*.go' | sort | xargs cat; } | sha256sum | cut -d' ' -f1)
stamp="$cache/tools/stamp"
have_all() { for t in helm k8s-validate compose-validate dockerfile-check; do [ -x "$bin/$t" ] || return 1; done; }

exec 9>"$cache/tools/.lock"
flock 9   # ctest may start several deploy tests at once
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$stamp_now" ] && have_all; then
  echo "$bin"; exit 0
fi

export GOBIN="$bin" GOFLAGS="-trimpath -mod=readonly" CGO_ENABLED=0
start=$(date +%s)
if [ "$("$bin/helm" version --template '{{.Version}}' 2>/dev/null)" != "$HELM_VERSION" ]; then
  echo "deploy: building helm $HELM_VERSION with $("$go" version | cut -d' ' -f3) (once, a few minutes)" >&2
  (cd /tmp && GOFLAGS=-trimpath nice -n 10 "$go" install \
     -ldflags "-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
     "helm.sh/helm/v3/cmd/helm@$HELM_VERSION") >&2
fi
echo "deploy: building the validators in deploy/validate" >&2
(cd "$root/deploy/validate" && nice -n 10 "$go" install ./...) >&2
echo "$stamp_now" > "$stamp"
echo "deploy: tools ready in $bin ($(( $(date +%s) - start )) s)" >&2
echo "$bin"
