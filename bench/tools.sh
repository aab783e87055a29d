#!/usr/bin/env bash
# Builds the benchmarks' load tools that Debian does not package, once, from the Go module proxy,
# into the tools cache (scripts/go-tool.sh): vegeta (pinned), the fixed-rate (open-loop) HTTP load
# generator of `make bench`. Prints the bin directory.
#   bench/tools.sh
set -euo pipefail
VEGETA_VERSION=v12.13.0
root=$(cd "$(dirname "$0")/.." && pwd)
vegeta=$("$root/scripts/go-tool.sh" vegeta "github.com/tsenart/vegeta/v12@$VEGETA_VERSION")
dirname "$vegeta"
