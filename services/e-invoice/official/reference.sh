#!/usr/bin/env bash
# The official verdict for test invoices: the CEN EN 16931 validation XSLT (official/cen/xslt,
# validation-1.3.16) on Saxon-HE (Debian's libsaxonhe-java), one JVM for a whole folder. Prints
# "<file> <fatal rule ids...>" per invoice. It is the reference for testdata/rules (their
# expect-fatal comments); the XRechnung rules (BR-DE-*) are not in it and are read by hand.
#
#   services/e-invoice/official/reference.sh ubl|cii DIR
set -euo pipefail
syntax=${1:?usage: reference.sh ubl|cii DIR}
dir=${2:?usage: reference.sh ubl|cii DIR}
here=$(cd "$(dirname "$0")" && pwd)
xslt="$here/cen/xslt/EN16931-${syntax^^}-validation.xslt"
[ -f "$xslt" ] || { echo "reference.sh: no $xslt" >&2; exit 2; }
jar=/usr/share/java/Saxon-HE.jar
[ -f "$jar" ] || { echo "reference.sh: needs Saxon-HE (apt-get install libsaxonhe-java)" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# A file on which the XSLT stops with an XPath error (e.g. two values where the rule expects one)
# gets no report: it is printed as "<file> ERROR" (Saxon's message is on stderr).
java -cp "$jar" net.sf.saxon.Transform -s:"$dir" -xsl:"$xslt" -o:"$out" || true
for input in "$dir"/*.xml; do
  f="$out/$(basename "$input")"
  if [ ! -s "$f" ]; then echo "$(basename "$input") ERROR"; continue; fi
  ids=$(tr '\n' ' ' < "$f" | grep -o '<svrl:failed-assert[^>]*>' | grep 'flag="fatal"' \
        | sed 's/.* id="\([^"]*\)".*/\1/' | sort -u | tr '\n' ' ' || true)
  echo "$(basename "$f") $ids"
done
