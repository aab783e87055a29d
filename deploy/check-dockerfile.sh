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

# A stage by its name (FROM ... AS <name>).
stage_runs() { python3 -c 'import json,sys; s=[x for x in json.load(sys.stdin) if x["name"]==sys.argv[1]][0]; print("\n".join(s["runs"] or []))' "$1" <<<"$summary"; }
stage_copies() { python3 -c 'import json,sys; s=[x for x in json.load(sys.stdin) if x["name"]==sys.argv[1]][0]; print("\n".join(s["copies"] or []))' "$1" <<<"$summary"; }
build_copies=$(stage_copies build)
grep -q '^from= deps/apt-packages.txt -> ' <<<"$build_copies" || fail "the build stage does not COPY deps/apt-packages.txt"
install_run=$(stage_runs build | grep 'apt-get install' | head -n1)
[ -n "$install_run" ] || fail "the build stage has no apt-get install"

# The filter: the exact pattern scripts/deps.sh applies to the lists.
pattern=$(sed -n "s/^mapfile -t wanted < <(grep -vhE \('[^']*'\) .*/\1/p" "$root/scripts/deps.sh")
[ -n "$pattern" ] || fail "cannot find the package filter in scripts/deps.sh"
deps_filter="grep -vE $pattern"
grep -qF "$deps_filter /tmp/apt-packages.txt | xargs apt-get install" <<<"$install_run" \
  || fail "the build stage must install \`$deps_filter <the list> | xargs apt-get install\` like scripts/deps.sh; it runs: $install_run"
# Nothing but options after `apt-get install`: every package comes from the list.
after=${install_run#*apt-get install}; after=${after%%&&*}
for word in $after; do
  case "$word" in -*) ;; *) fail "the build stage names a package itself: $word";; esac
done
# Same lists, computed both ways: deps.sh's own mapfile line (build + dev) vs. the Dockerfile's
# pipeline (build only) plus the dev list.
from_deps=$(root="$root"; eval "$(sed -n 's/^mapfile -t wanted < <(\(.*\))$/\1/p' "$root/scripts/deps.sh")")
from_docker=$(eval "${deps_filter} '$root/deps/apt-packages.txt'")
from_dev=$(eval "${deps_filter} '$root/deps/apt-packages-dev.txt'")
[ -n "$from_deps" ] && [ "$from_deps" = "$(printf '%s\n%s' "$from_docker" "$from_dev")" ] || fail "package lists differ"
# The build stage has no test-only packages: servers, browsers, benchmark tools.
for p in chromium openjdk-17-jre-headless redis-server maven wrk nginx-light nodejs; do
  ! grep -qx "$p" <<<"$from_docker" || fail "the image's build stage installs the test-only package $p (belongs in deps/apt-packages-dev.txt)"
done
! grep -v '^\s*#' "$root/Dockerfile" | grep -q 'apt-packages-dev.txt' || fail "the Dockerfile must not install deps/apt-packages-dev.txt"
# The citizen web pages are in the image: built in their own stage, served by the gateway.
grep -q '^COPY --from=web ' "$root/Dockerfile" && grep -q 'RATHAUS_WEB_ROOT=' "$root/Dockerfile" \
  || fail "the runtime image must ship the built web pages (COPY --from=web) with RATHAUS_WEB_ROOT set"
# The services' descriptor sets, so the gateway routes every configured service (descriptors.h).
grep -q '^COPY --from=build /out/descriptors/ /usr/share/rathaus/descriptors/' "$root/Dockerfile" \
  && grep -q 'RATHAUS_GATEWAY_DESCRIPTOR_DIR=/usr/share/rathaus/descriptors' "$root/Dockerfile" \
  && grep -q 'cp /build/descriptors/\*.pb /out/descriptors/' "$root/Dockerfile" \
  || fail "the runtime image must ship the descriptor sets with RATHAUS_GATEWAY_DESCRIPTOR_DIR set"
# The runtime stage installs only what runtime-packages.sh derived from the binaries.
stage_runs runtime | grep -q 'xargs apt-get install .*< /tmp/runtime-packages.txt' || fail "runtime stage: packages must come from runtime-packages.txt"
# Base images pinned (issue 20 #11): every stage's FROM is an ARG whose default is
# image:tag@sha256:<64 hex>, the same line as in deploy/base-images.txt (which names the source);
# no `# syntax=` directive pulls an unpinned frontend image.
! grep -qiE '^#[[:space:]]*syntax=' "$root/Dockerfile" || fail "the Dockerfile pulls its frontend by tag (# syntax=...): pin it by digest or drop the line"
pinned=0
while read -r base; do
  case "$base" in
    '${'*'}') var=${base#\$\{}; var=${var%\}} ;;
    *) fail "a stage's FROM names an image directly ($base): use an ARG from deploy/base-images.txt" ;;
  esac
  value=$(sed -n "s/^ARG ${var}=\(.*\)$/\1/p" "$root/Dockerfile" | head -n1)
  [[ "$value" =~ ^[a-z0-9./-]+:[A-Za-z0-9._-]+@sha256:[0-9a-f]{64}$ ]] \
    || fail "base image ${var}=${value:-<no default>} is not pinned as image:tag@sha256:<digest>"
  listed=$(awk -v v="$var" '$1==v {print $2}' "$root/deploy/base-images.txt")
  [ "$listed" = "$value" ] || fail "base image ${var}: the Dockerfile has $value, deploy/base-images.txt has ${listed:-nothing}"
  awk -v v="$var" '$1==v {print $3}' "$root/deploy/base-images.txt" | grep -qE '^repos/.+\.md@[0-9a-f]{40}$' \
    || fail "base image ${var}: deploy/base-images.txt names no source (repo-info file@commit)"
  pinned=$((pinned + 1))
done < <(python3 -c 'import json,sys; [print(s["base"]) for s in json.load(sys.stdin)]' <<<"$summary")
[ "$pinned" -ge 3 ] || fail "expected the build, web and runtime stages; found $pinned"
echo "check-dockerfile: $pinned base images pinned by digest (deploy/base-images.txt)"
echo "check-dockerfile: ok (build stage installs the $(wc -l <<<"$from_docker") packages of deps/apt-packages.txt, as scripts/deps.sh does; $(wc -l <<<"$from_dev") dev-only packages stay out)"

# runtime-packages.sh maps a binary to runtime library packages only (no -dev, no compilers).
if command -v protoc >/dev/null; then
  pk=$("$root/deploy/docker/runtime-packages.sh" "$(command -v protoc)")
  grep -q '^libprotobuf[0-9]' <<<"$pk" || fail "runtime-packages.sh: libprotobuf not found for protoc: $pk"
  ! grep -qE -- '-dev$|^(g\+\+|gcc|cpp)' <<<"$pk" || fail "runtime-packages.sh lists build packages: $pk"
  echo "check-dockerfile: runtime-packages.sh ok ($(tr '\n' ' ' <<<"$pk"))"
fi
