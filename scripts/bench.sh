#!/usr/bin/env bash
# `make bench`: starts fresh Redis and Kafka in a temporary folder (never a running `make up`
# stack), runs the benchmarks and prints their numbers, then stops the servers.
#   scripts/bench.sh BUILD_DIR [extra args for rathaus-bench-events]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}; shift || true
dir=$(mktemp -d /tmp/rathaus-bench-XXXXXX)
cleanup() { "$root/scripts/servers.sh" stop "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT INT TERM
"$root/scripts/servers.sh" start "$dir"
set -a; . "$dir/servers.env"; set +a
"$root/$build/bench/rathaus-bench-events" "$@"
