#!/usr/bin/env bash
# `make bench`, e-invoice memory: the service's resident memory while suppliers upload 20 MiB
# invoices at once (8 uploads through one gateway, twice: its RATHAUS_GATEWAY_MAX_LARGE_BODIES),
# with the default bound on parallel
# validations and with none, so the chart's memory request and limit rest on a measurement.
#   scripts/bench-einvoice-memory.sh BUILD_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/${1:-build}"
corpus="$root/../shared/testdata/einvoice"
uploads=${EINVOICE_MEMORY_UPLOADS:-8}   # one gateway's RATHAUS_GATEWAY_MAX_LARGE_BODIES
lines=${EINVOICE_MEMORY_LINES:-13900}   # about 20 MiB, just under the 20 MiB limit

dir=$(mktemp -d /tmp/rathaus-bench-einv-mem-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  "$root/scripts/servers.sh" stop "$dir" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM

free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 12000))
    ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return; }
  done
}
kib() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }

"$root/scripts/servers.sh" start "$dir" >/dev/null 2>&1
set -a; . "$dir/servers.env"; set +a
export RATHAUS_LOG_LEVEL=warn RATHAUS_ENV=development
"$build/bench/rathaus-bench-einvoice" "$corpus" --write-generated "$lines" "$dir/invoice.xml"
python3 -c "import sys; h='<?xml version=\"1.0\"?><Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\">'; sys.stdout.write(h + '<a/>' * ((20 * 1024 * 1024 - 200) // 4) + '</Invoice>')" > "$dir/junk.xml"
size_mib=$(awk -v b="$(stat -c %s "$dir/invoice.xml")" 'BEGIN {printf "%.1f", b / 1048576}')
echo "== e-invoice service memory: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores;" \
     "$uploads uploads of a generated $size_mib MiB invoice ($lines lines) at once through the gateway, two rounds"

start_pair() {  # parallel-validations: starts a service and a gateway; sets svc gw base
  local grpc_port http_port
  grpc_port=$(free_port); http_port=$(free_port)
  RATHAUS_GRPC_LISTEN=127.0.0.1:$grpc_port RATHAUS_EINVOICE_BLOB_DIR="$dir/blobs-$1" \
    RATHAUS_EINVOICE_ANONYMOUS_SUBMISSION=on RATHAUS_EINVOICE_MAX_PARALLEL_VALIDATIONS="$1" \
    "$build/services/e-invoice/rathaus-e-invoice" >"$dir/e-invoice-$1.log" 2>&1 &
  svc=$!; pids+=("$svc")
  RATHAUS_HTTP_LISTEN=127.0.0.1:$http_port RATHAUS_E_INVOICE_ADDR=127.0.0.1:$grpc_port \
    RATHAUS_APPOINTMENTS_ADDR=127.0.0.1:1 RATHAUS_ID_DOCUMENTS_ADDR=127.0.0.1:1 RATHAUS_REGISTRATIONS_ADDR=127.0.0.1:1 \
    RATHAUS_GATEWAY_ANONYMOUS_INVOICE_UPLOAD=on RATHAUS_GATEWAY_MAX_LARGE_BODIES=64 \
    RATHAUS_GATEWAY_UPSTREAM_TIMEOUT=60s RATHAUS_GATEWAY_PROFILE=bench \
    "$build/gateway/rathaus-gateway" >"$dir/gateway-$1.log" 2>&1 &
  gw=$!; pids+=("$gw")
  base="http://127.0.0.1:$http_port"
  for _ in $(seq 1 200); do curl -sf "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  for _ in $(seq 1 200); do ss -Htln "sport = :$grpc_port" | grep -q . && break; sleep 0.1; done
  sleep 1
}

# Issue 14: one 20 MiB upload of junk elements must not take a fresh service above 200 MiB.
junk_alone() {
  start_pair 2
  local idle; idle=$(kib "$svc" VmRSS)
  local code; code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/xml' \
    --data-binary @"$dir/junk.xml" "$base/api/v1/invoices")
  sleep 2
  printf '  a fresh service, one 20 MiB upload of junk elements (answer %s): idle %5.0f MiB, peak %5.0f MiB (target < 200 MiB), 2 s after %5.0f MiB\n' \
    "$code" "$(awk -v k="$idle" 'BEGIN {print k / 1024}')" "$(awk -v k="$(kib "$svc" VmHWM)" 'BEGIN {print k / 1024}')" \
    "$(awk -v k="$(kib "$svc" VmRSS)" 'BEGIN {print k / 1024}')"
  kill "$svc" "$gw" 2>/dev/null || true
  wait "$svc" "$gw" 2>/dev/null || true
}

measure() {  # parallel-validations
  start_pair "$1"
  local idle; idle=$(kib "$svc" VmRSS)
  local start; start=$(date +%s.%N)
  local codes=""
  for round in 1 2; do
    for i in $(seq 1 "$uploads"); do
      curl -s -o /dev/null -w '%{http_code}\n' -X POST -H 'Content-Type: application/xml' \
        --data-binary @"$dir/invoice.xml" "$base/api/v1/invoices" >>"$dir/codes-$1" &
    done
    wait $(jobs -p | grep -vE "^($svc|$gw)$") 2>/dev/null || true
  done
  local took; took=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {printf "%.1f", e - s}')
  codes=$(sort "$dir/codes-$1" | uniq -c | awk '{printf "%s:%s ", $2, $1}')
  sleep 2
  local after; after=$(kib "$svc" VmRSS)
  printf '  parallel validations %-3s e-invoice idle %5.0f MiB  peak %5.0f MiB  2 s after %5.0f MiB;  gateway peak %5.0f MiB  (%s uploads in %s s; answers %s)\n' \
    "$1" "$(awk -v k="$idle" 'BEGIN {print k / 1024}')" "$(awk -v k="$(kib "$svc" VmHWM)" 'BEGIN {print k / 1024}')" \
    "$(awk -v k="$after" 'BEGIN {print k / 1024}')" \
    "$(awk -v k="$(kib "$gw" VmHWM)" 'BEGIN {print k / 1024}')" "$((uploads * 2))" "$took" "$codes"
  # One upload of 20 MiB of junk elements (<a/> repeated): parsing is bounded, memory given back.
  local before_junk; before_junk=$(kib "$svc" VmRSS)
  local junk_code; junk_code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/xml' \
    --data-binary @"$dir/junk.xml" "$base/api/v1/invoices")
  sleep 2
  printf '  %-26s one 20 MiB upload of junk elements (answer %s): e-invoice %5.0f MiB before, %5.0f MiB 2 s after (peak of the run %5.0f MiB)\n' \
    "" "$junk_code" "$(awk -v k="$before_junk" 'BEGIN {print k / 1024}')" \
    "$(awk -v k="$(kib "$svc" VmRSS)" 'BEGIN {print k / 1024}')" "$(awk -v k="$(kib "$svc" VmHWM)" 'BEGIN {print k / 1024}')"
  kill "$svc" "$gw" 2>/dev/null || true
  wait "$svc" "$gw" 2>/dev/null || true
}
junk_alone
measure 2
measure "$uploads"
echo "  (422 is the verdict: the generated invoice breaks business rules on purpose; 503 = waited 10 s for a slot)"
