#!/usr/bin/env bash
# Installs what rathaus needs on a Debian 12 machine and fetches the Kafka broker jars and the
# Keycloak distribution (the OpenID Connect provider of the e2e tests and `make up`) once.
#   scripts/deps.sh            # packages + Kafka jars + Keycloak
#   scripts/deps.sh --print-kafka-dir | --print-keycloak-dir
# Both go to $RATHAUS_CACHE (default ~/.cache/rathaus), outside the checkout, so a second clone
# or a second run reuses them.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${RATHAUS_CACHE:-$HOME/.cache/rathaus}
kafka_version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$root/deps/kafka/pom.xml")
kafka_dir="$cache/kafka-$kafka_version"

keycloak_version=$(sed -n 's:.*<keycloak.version>\(.*\)</keycloak.version>.*:\1:p' "$root/deps/keycloak/pom.xml")
keycloak_dir="$cache/keycloak-$keycloak_version"

if [ "${1:-}" = "--print-kafka-dir" ]; then echo "$kafka_dir"; exit 0; fi
if [ "${1:-}" = "--print-keycloak-dir" ]; then echo "$keycloak_dir"; exit 0; fi

log() { echo "deps: $*" >&2; }

mapfile -t wanted < <(grep -vhE '^\s*(#|$)' "$root/deps/apt-packages.txt" "$root/deps/apt-packages-dev.txt")
missing=()
for p in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${#missing[@]} Debian packages: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -q >/dev/null
  $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -f "$kafka_dir/.complete" ]; then
  log "fetching Apache Kafka $kafka_version jars into $kafka_dir (once)"
  mkdir -p "$kafka_dir"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  mvn -q -B -f "$root/deps/kafka/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$tmp/libs" -DincludeScope=runtime >&2
  rm -rf "$kafka_dir/libs"
  mv "$tmp/libs" "$kafka_dir/libs"
  touch "$kafka_dir/.complete"
fi

if [ ! -f "$keycloak_dir/.complete" ]; then
  log "fetching Keycloak $keycloak_version into $keycloak_dir (once)"
  tmp_kc=$(mktemp -d)
  mvn -q -B -f "$root/deps/keycloak/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$tmp_kc" -DincludeTypes=zip >&2
  rm -rf "$keycloak_dir"
  mkdir -p "$cache"
  (cd "$tmp_kc" && unzip -q "keycloak-quarkus-dist-$keycloak_version.zip")
  mv "$tmp_kc/keycloak-$keycloak_version" "$keycloak_dir"
  rm -rf "$tmp_kc"
  touch "$keycloak_dir/.complete"
fi
