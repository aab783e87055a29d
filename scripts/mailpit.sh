#!/usr/bin/env bash
# Mailpit (github.com/axllent/mailpit), the SMTP server of development and of the tests: built once
# from the Go module proxy into the tools cache (scripts/go-tool.sh). Prints the binary's path; a
# second run finds it and returns at once.
#   scripts/mailpit.sh          # e.g. /root/.cache/rathaus/tools/bin/mailpit
# RATHAUS_CACHE moves the cache (default ~/.cache/rathaus).
set -euo pipefail
MAILPIT_VERSION=v1.33.1
exec "$(cd "$(dirname "$0")" && pwd)/go-tool.sh" mailpit "github.com/axllent/mailpit@$MAILPIT_VERSION" \
  -ldflags "-X github.com/axllent/mailpit/config.Version=$MAILPIT_VERSION"
