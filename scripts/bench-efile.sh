#!/usr/bin/env bash
# The e-file part of `make bench` (issue 17): the audit log's append cost at 10^4 and 10^6
# entries, inclusion proofs per second from the Redis-backed tree, and events filed per second by
# one rathaus-e-file (events produced first, then the service started), and inclusion proofs
# through a rathaus-gateway in front of it (wrk). Starts its own Redis and Kafka in a temporary
# folder.
#
#   scripts/bench-efile.sh [BUILD_DIR]      EFILE_EVENTS=50000 EFILE_PROOF_LOG=100000
#                                           EFILE_PROOF_HTTP_SECONDS=10
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
machine="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
dir=$(mktemp -d /tmp/rathaus-bench-efile-XXXXXX)
cleanup() { "$root/scripts/servers.sh" stop "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT INT TERM
echo
echo "== rathaus e-file benchmark =="
echo "machine: $machine; Redis, Kafka and the e-file on this machine"
"$root/scripts/servers.sh" start "$dir" >/dev/null
set -a; . "$dir/servers.env"; set +a
"$root/$build/bench/rathaus-bench-efile" --events "${EFILE_EVENTS:-50000}" \
    --proof-log "${EFILE_PROOF_LOG:-100000}" --proof-http-seconds "${EFILE_PROOF_HTTP_SECONDS:-10}"
