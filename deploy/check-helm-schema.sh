#!/usr/bin/env bash
# ctest deploy.helm_schema: values.schema.json rejects every file in deploy/values/bad/ (unknown
# keys, wrong types, plain secrets), in both `helm template` and `helm lint --strict`, with
# Helm's schema error; and accepts the good variants.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$("$root/deploy/tools.sh")
chart="$root/helm/rathaus"
n=0
for bad in "$root"/deploy/values/bad/*.yaml; do
  for cmd in template lint; do
    args=(template rathaus "$chart" --kube-version 1.31.0); [ $cmd = lint ] && args=(lint --strict "$chart")
    if msg=$("$bin/helm" "${args[@]}" -f "$bad" 2>&1); then
      echo "check-helm-schema: FAIL: helm $cmd accepted $(basename "$bad")" >&2; exit 1
    fi
    grep -qi "schema" <<<"$msg" || { echo "$msg" >&2; echo "check-helm-schema: FAIL: helm $cmd failed on $(basename "$bad") but not by the schema" >&2; exit 1; }
  done
  n=$((n + 1))
done
[ $n -ge 5 ] || { echo "check-helm-schema: FAIL: too few bad values files" >&2; exit 1; }
echo "check-helm-schema: ok ($n bad values files rejected by values.schema.json)"
