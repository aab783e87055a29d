#!/usr/bin/env bash
# `make bench`, e-invoice against the reference: every UBL invoice of the official sets (the
# XRechnung test suite's valid UBL invoices in ../shared/testdata/einvoice/valid and the CEN
# examples in services/e-invoice/testdata/cen-1.3.16), validated by
#   - the CEN EN 16931 UBL XSLT (validation-1.3.16) on Saxon-HE (Debian's libsaxonhe-java), one JVM
#     per file, the transform repeated (-repeat) so the JVM is warm: Saxon's "average execution
#     time over the last runs" (tree building + transform; the stylesheet compilation not counted);
#   - our validator in one process: the mean of N validations after a warm-up (parse + all
#     EN 16931 and XRechnung rules, more rules than the XSLT runs).
# Prints both per file and the ratio of the sums. Issue 14's target: ours >= 100x faster.
#   scripts/bench-einvoice-saxon.sh [BUILD_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/${1:-build}"
jar=/usr/share/java/Saxon-HE.jar
xslt="$root/services/e-invoice/official/cen/xslt/EN16931-UBL-validation.xslt"
repeat=${SAXON_REPEAT:-30}
runs=${OURS_RUNS:-2000}
[ -f "$jar" ] || { echo "bench-einvoice-saxon: needs $jar (apt-get install libsaxonhe-java)"; exit 2; }
files=()
for f in "$root"/../shared/testdata/einvoice/valid/*ubl*.xml "$root"/services/e-invoice/testdata/cen-1.3.16/ubl-*.xml; do
  [ -f "$f" ] && files+=("$f")
done
out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "== e-invoice vs the reference: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores;" \
     "${#files[@]} UBL invoices; Saxon-HE $(dpkg-query -W -f '${Version}' libsaxonhe-java 2>/dev/null)" \
     "on $(java -version 2>&1 | head -1) with -repeat:$repeat; ours: mean of $runs validations, one process"
declare -A ours
while read -r name us; do ours[$name]=$us; done < <(taskset -c 0 "$build/bench/rathaus-bench-einvoice" \
  "$root/../shared/testdata/einvoice" --time-files "$runs" "${files[@]}")
total_saxon=0; total_ours=0
printf '  %-44s %12s %12s %8s\n' file "Saxon (ms)" "ours (ms)" ratio
for f in "${files[@]}"; do
  name=$(basename "$f")
  ms=$(java -cp "$jar" net.sf.saxon.Transform -t -repeat:"$repeat" -s:"$f" -xsl:"$xslt" -o:"$out" 2>&1 \
       | sed -n 's/.*Average execution time over last [0-9]* runs: \([0-9.]*\)ms.*/\1/p')
  us=${ours[$name]}
  printf '  %-44s %12.3f %12.4f %7.0fx\n' "$name" "$ms" "$(awk -v u="$us" 'BEGIN {print u / 1000}')" \
    "$(awk -v m="$ms" -v u="$us" 'BEGIN {print m * 1000 / u}')"
  total_saxon=$(awk -v a="$total_saxon" -v b="$ms" 'BEGIN {print a + b}')
  total_ours=$(awk -v a="$total_ours" -v b="$us" 'BEGIN {print a + b / 1000}')
done
printf '  %-44s %12.3f %12.4f %7.0fx  (target >= 100x)\n' "all ${#files[@]}" "$total_saxon" "$total_ours" \
  "$(awk -v s="$total_saxon" -v o="$total_ours" 'BEGIN {print s / o}')"
