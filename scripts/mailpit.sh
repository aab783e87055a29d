#!/usr/bin/env bash
# Mailpit (github.com/axllent/mailpit), the SMTP server of development and of the tests: built once
# from the Go module proxy into the tools cache, like the deploy tools (deploy/tools.sh). Prints
# the binary's path; a second run finds it and returns at once.
#   scripts/mailpit.sh          # e.g. /root/.cache/rathaus/tools/bin/mailpit
# RATHAUS_CACHE moves the cache (default ~/.cache/rathaus).
set -euo pipefail
MAILPIT_VERSION=v1.33.1
cache=${RATHAUS_CACHE:-$HOME/.cache/rathaus}
bin="$cache/tools/bin"
mkdir -p "$bin"
go=$(command -v go || true)
[ -n "$go" ] || [ ! -x /usr/local/go/bin/go ] || go=/usr/local/go/bin/go
[ -n "$go" ] || [ ! -x /usr/lib/go/bin/go ] || go=/usr/lib/go/bin/go
exec 9>"$cache/tools/.mailpit.lock"
flock 9   # several tests may ask at once
if [ -x "$bin/mailpit" ] && [ "$("$bin/mailpit" version --no-release-check 2>/dev/null | awk '{print $2}')" = "$MAILPIT_VERSION" ]; then
  echo "$bin/mailpit"; exit 0
fi
if [ -z "$go" ]; then
  echo "mailpit: no Go toolchain found (go on PATH, /usr/local/go/bin/go)" >&2
  exit 1
fi
echo "mailpit: building $MAILPIT_VERSION (once)" >&2
(cd /tmp && GOBIN="$bin" GOFLAGS="-trimpath" CGO_ENABLED=0 nice -n 10 "$go" install \
   -ldflags "-X github.com/axllent/mailpit/config.Version=$MAILPIT_VERSION" \
   "github.com/axllent/mailpit@$MAILPIT_VERSION") >&2
echo "$bin/mailpit"
