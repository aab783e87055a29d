#!/usr/bin/env bash
# The official verdict for test invoices: the CEN EN 16931 validation XSLT (official/cen/xslt,
# validation-1.3.16) on Saxon-HE (Debian's libsaxonhe-java), one JVM for a whole folder. Prints
# "<file> <fatal rule ids...>" per invoice. It is the reference for testdata/rules (their
# expect-fatal comments); the XRechnung rules (BR-DE-*) are not in it and are read by hand.
#
#   services/e-invoice/official/reference.sh ubl|cii DIR
#   services/e-invoice/official/reference.sh ubl|cii DIR syntax
#
# With "syntax" only the syntax-binding pattern of the XSLT runs (UBL-SR/DT/CR, CII-SR/DT): for
# invoices on which the whole XSLT stops with an XPath error in another pattern (a second
# element where a model rule reads one), so that the rule of the syntax binding still gets an
# official verdict. The XSLT itself stays unchanged; a two-line wrapper selects its mode.
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
if [ "${3:-}" = "syntax" ]; then
  # The mode of the pattern that holds the syntax-binding rules (CII-SR-001 / UBL-SR-01).
  first=$([ "$syntax" = cii ] && echo CII-SR-001 || echo UBL-SR-01)
  mode=$(awk -v id="$first" '/<xsl:template match=.*mode="M[0-9]+"/{match($0,/mode="M[0-9]+"/); m=substr($0,RSTART+6,RLENGTH-7)} index($0, "id\">" id "<"){print m; exit}' "$xslt")
  [ -n "$mode" ] || { echo "reference.sh: no mode for $first" >&2; exit 2; }
  cat > "$out/wrapper.xslt" <<XSL
<xsl:stylesheet version="2.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" xmlns:svrl="http://purl.oclc.org/dsdl/svrl">
  <xsl:import href="file://$xslt"/>
  <xsl:template match="/" priority="100"><svrl:schematron-output><xsl:apply-templates select="/" mode="$mode"/></svrl:schematron-output></xsl:template>
</xsl:stylesheet>
XSL
  xslt="$out/wrapper.xslt"
  mkdir "$out/r"
  out="$out/r"
fi
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
