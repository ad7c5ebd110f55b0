#!/usr/bin/env bash
# Installs what snbridge needs to build and test on Debian 12 (run as root). Idempotent: it
# calls apt-get only when a package is missing.
set -euo pipefail
pkgs=(build-essential cmake pkg-config ccache libssl-dev
      libuv1-dev libpaho-mqttpp-dev libpaho-mqtt-dev libyaml-cpp-dev libexpected-dev
      libsqlite3-dev libsystemd-dev doctest-dev
      mosquitto mosquitto-clients openssl
      clang-14 libclang-rt-14-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
