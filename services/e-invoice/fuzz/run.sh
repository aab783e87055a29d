#!/usr/bin/env bash
# ctest einvoice_fuzz: builds the fuzz target with clang (once; incremental after) and fuzzes the
# validator for a bounded time, seeded with the XRechnung corpus. Fails on any crash, leak,
# undefined behaviour or an input that takes longer than 10 s.
#   services/e-invoice/fuzz/run.sh SOURCE_DIR BUILD_DIR CORPUS_DIR [SECONDS]
set -euo pipefail
src=$1; out=$2; corpus=$3; seconds=${4:-60}
command -v clang++ >/dev/null || { echo "fuzz: clang++ is missing (scripts/deps.sh installs it)"; exit 1; }
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
if [ ! -f "$out/build.ninja" ]; then
  cmake -S "$src/services/e-invoice/fuzz" -B "$out" -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
        -DRATHAUS_ROOT="$src" "${launcher[@]}" >/dev/null
fi
cmake --build "$out" -j 2
work=$(mktemp -d /tmp/rathaus-fuzz-XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/artifacts"
cp "$corpus"/valid/*.xml "$corpus"/invalid/*.xml "$work/corpus/"
echo "fuzz: $(ls "$work/corpus" | wc -l) seed files, ${seconds} s"
# Inputs up to 64 KiB; the seeds include the 425 KiB test-suite invoice, which libFuzzer reads
# whole once and then mutates within the limit.
set +e
"$out/rathaus-e-invoice-fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus" \
    > "$work/log" 2>&1
status=$?
set -e
grep -vE '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse)' "$work/log" | tail -40
if [ -n "$(ls -A "$work/artifacts")" ]; then
  echo "fuzz: FAILED, inputs kept in $out/artifacts"
  mkdir -p "$out/artifacts" && cp "$work/artifacts"/* "$out/artifacts/"
  exit 1
fi
exit "$status"
