#!/usr/bin/env bash
# `make bench`, e-invoice part: validation throughput on one core (Google Benchmark) over the
# official XRechnung test-suite invoices and a generated 10,000-line invoice, then the peak
# memory of each case in a fresh process. Prints the machine and the settings with the numbers.
#   scripts/bench-einvoice.sh BUILD_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
bin="$root/$build/bench/rathaus-bench-einvoice"
corpus="$root/../shared/testdata/einvoice"
echo "== e-invoice validation: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, one thread, build $build"
taskset -c 0 "$bin" "$corpus" --benchmark_min_time=1 --benchmark_counters_tabular=true
for which in median largest lines:10000; do "$bin" "$corpus" --peak-memory "$which"; done
