#!/bin/bash
# Prints the Debian packages that hold the shared libraries the given binaries load (ldd ->
# dpkg -S), one per line, sorted: the runtime stage of the Dockerfile installs exactly these,
# so it never carries compilers or -dev packages and never needs a second hand-kept list.
#   deploy/docker/runtime-packages.sh BINARY...
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: runtime-packages.sh BINARY..." >&2; exit 2; }
declare -A pkgs=()
for bin in "$@"; do
  while read -r lib; do
    [ -n "$lib" ] || continue
    pkg=""
    for cand in "$lib" "$(readlink -f "$lib")" "/usr${lib}" "${lib#/usr}"; do
      pkg=$(dpkg-query -S "$cand" 2>/dev/null | head -n1 | cut -d: -f1) && [ -n "$pkg" ] && break
    done
    if [ -z "$pkg" ]; then
      echo "runtime-packages: no Debian package holds $lib (needed by $bin)" >&2
      exit 1
    fi
    pkgs[$pkg]=1
  done < <(ldd "$bin" | awk '/=> \//{print $3} /^\s*\/[^ ]+ \(/{print $1}')
done
printf '%s\n' "${!pkgs[@]}" | sort
