#!/usr/bin/env bash
# ctest einvoice_cli: the command's contract (`rathaus-e-invoice validate [--json] FILE...`):
# exit 0 when every file is accepted, 1 when any is rejected or cannot be read, 2 on a usage
# error; every input it can be given gets a report, none a crash.
#   services/e-invoice/cli/cli_test.sh BINARY CORPUS_DIR
set -uo pipefail
bin=$1; corpus=$2
valid="$corpus/valid/01.01a-INVOICE_ubl.xml"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
check() {  # name expected-exit expected-output-substring command...
  local name=$1 want=$2 text=$3; shift 3
  local out code
  out=$("$@" 2>&1); code=$?
  if [ "$code" != "$want" ] || [[ "$out" != *"$text"* ]]; then
    echo "FAIL $name: exit $code (want $want), output:"; echo "$out" | head -5
    failures=$((failures + 1))
  else
    echo "ok   $name"
  fi
}
: > "$tmp/empty.xml"
printf '<a>' > "$tmp/broken.xml"
check "a valid invoice"          0 "ACCEPT (UBL-Invoice"        "$bin" validate "$valid"
check "the JSON report"          0 '"verdict":"accept"'         "$bin" validate --json "$valid"
check "a missing file"           1 "cannot read file"           "$bin" validate "$tmp/missing.xml"
check "a folder"                 1 "cannot read file"           "$bin" validate "$tmp"
check "an empty file"            1 "empty document"             "$bin" validate "$tmp/empty.xml"
check "broken XML"               1 "XML-PARSE"                  "$bin" validate "$tmp/broken.xml"
check "one bad among good"       1 "cannot read file"           "$bin" validate "$valid" "$tmp/missing.xml"
check "from a pipe"              0 "ACCEPT (UBL-Invoice"        bash -c "cat '$valid' | '$bin' validate /dev/stdin"
check "an unknown option"        2 "unknown option"             "$bin" validate --frobnicate "$valid"
check "an unknown command"       2 "usage:"                     "$bin" frobnicate
check "no file"                  2 "usage:"                     "$bin" validate
exit $((failures > 0))
