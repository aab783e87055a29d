#!/usr/bin/env bash
# ctest deploy.dockerfile: the Dockerfile parses with BuildKit's parser, is multi-stage, its
# runtime stage is non-root with no compilers, its build context (.dockerignore) keeps what the
# build reads, and its build stage installs exactly the package list `make up` installs: it
# reads deps/apt-packages.txt with the same filter as scripts/deps.sh and names no package itself.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$("$root/deploy/tools.sh")
fail() { echo "check-dockerfile: FAIL: $*" >&2; exit 1; }
summary=$("$bin/dockerfile-check" "$root/Dockerfile" "$root")

stage_runs() { python3 -c 'import json,sys; s=json.load(sys.stdin)[int(sys.argv[1])]; print("\n".join(s["runs"] or []))' "$1" <<<"$summary"; }
stage_copies() { python3 -c 'import json,sys; s=json.load(sys.stdin)[int(sys.argv[1])]; print("\n".join(s["copies"] or []))' "$1" <<<"$summary"; }
build_copies=$(stage_copies 0)
grep -q '^from= deps/apt-packages.txt -> ' <<<"$build_copies" || fail "the build stage does not COPY deps/apt-packages.txt"
install_run=$(stage_runs 0 | grep 'apt-get install' | head -n1)
[ -n "$install_run" ] || fail "the build stage has no apt-get install"

# The filter: the exact grep expression scripts/deps.sh applies to the list.
deps_filter=$(grep -o "grep -vE '[^']*'" "$root/scripts/deps.sh" | head -n1)
[ -n "$deps_filter" ] || fail "cannot find the package filter in scripts/deps.sh"
grep -qF "$deps_filter /tmp/apt-packages.txt | xargs apt-get install" <<<"$install_run" \
  || fail "the build stage must install \`$deps_filter <the list> | xargs apt-get install\` like scripts/deps.sh; it runs: $install_run"
# Nothing but options after `apt-get install`: every package comes from the list.
after=${install_run#*apt-get install}; after=${after%%&&*}
for word in $after; do
  case "$word" in -*) ;; *) fail "the build stage names a package itself: $word";; esac
done
# Same list, computed both ways: deps.sh's own mapfile line vs. the Dockerfile's pipeline.
mapline=$(grep '^mapfile -t wanted' "$root/scripts/deps.sh")
from_deps=$(root="$root"; eval "$(sed -n 's/^mapfile -t wanted < <(\(.*\))$/\1/p' "$root/scripts/deps.sh")")
from_docker=$(eval "${deps_filter} '$root/deps/apt-packages.txt'")
[ -n "$from_deps" ] && [ "$from_deps" = "$from_docker" ] || fail "package lists differ"
# The runtime stage installs only what runtime-packages.sh derived from the binaries.
stage_runs 1 | grep -q 'xargs apt-get install .*< /tmp/runtime-packages.txt' || fail "runtime stage: packages must come from runtime-packages.txt"
echo "check-dockerfile: ok (build stage installs the $(wc -l <<<"$from_deps") packages of deps/apt-packages.txt, as scripts/deps.sh does)"

# runtime-packages.sh maps a binary to runtime library packages only (no -dev, no compilers).
if command -v protoc >/dev/null; then
  pk=$("$root/deploy/docker/runtime-packages.sh" "$(command -v protoc)")
  grep -q '^libprotobuf[0-9]' <<<"$pk" || fail "runtime-packages.sh: libprotobuf not found for protoc: $pk"
  ! grep -qE -- '-dev$|^(g\+\+|gcc|cpp)' <<<"$pk" || fail "runtime-packages.sh lists build packages: $pk"
  echo "check-dockerfile: runtime-packages.sh ok ($(tr '\n' ' ' <<<"$pk"))"
fi
