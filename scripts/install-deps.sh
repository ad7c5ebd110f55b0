#!/usr/bin/env bash
# Installs what snbridge needs to build and test on Debian 12 (run as root). Idempotent: it
# calls apt-get only when a package is missing. An earlier run interrupted during apt (Ctrl-C,
# a timeout) leaves dpkg half-configured ("dpkg was interrupted"); that is finished first.
# Arguments: more packages to install the same way; --browser adds what the status-page test
# needs (Debian's chromium and Node.js, and playwright-core from npm): scripts/test.sh asks
# for it, scripts/run.sh does not.
set -euo pipefail
browser=0
extra=()
for a in "$@"; do
  if [ "$a" = --browser ]; then browser=1; else extra+=("$a"); fi
done
if [ "$browser" = 1 ]; then
  extra+=(chromium nodejs)
fi
export DEBIAN_FRONTEND=noninteractive
# dpkg keeps the journal of an unfinished run in /var/lib/dpkg/updates/; --audit lists the
# packages an interrupted run left unpacked or half-configured.
if [ -n "$(ls -A /var/lib/dpkg/updates 2>/dev/null)" ] || [ -n "$(dpkg --audit 2>/dev/null)" ]; then
  echo "install-deps: an earlier dpkg run was interrupted; running dpkg --configure -a"
  dpkg --configure -a
  apt-get install -y -qq -f --no-install-recommends
fi
pkgs=(build-essential cmake pkg-config ccache libssl-dev
      libuv1-dev libpaho-mqttpp-dev libpaho-mqtt-dev libyaml-cpp-dev libexpected-dev
      libsqlite3-dev libsystemd-dev doctest-dev libjemalloc-dev
      mosquitto mosquitto-clients openssl
      clang-14 libclang-rt-14-dev
      ${extra[@]+"${extra[@]}"})  # extra packages a caller needs (arm64-test.sh, package.sh)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if [ "$browser" = 0 ]; then
  exit 0
fi
# npm: part of some nodejs packages, a package of its own in Debian's.
if ! command -v npm >/dev/null; then
  echo "install-deps: installing npm"
  apt-get install -y -qq --no-install-recommends npm
fi
# The browser test's driver (tests/browser/status_page.cjs), outside the source tree; an exact
# version, and no lock file.
playwright_version=1.61.1  # the last one that runs on Debian 12's Node.js 18
npm_prefix="$(cd "$(dirname "$0")/.." && pwd)/build/npm"
if [ "$(node -p "try { require('$npm_prefix/node_modules/playwright-core/package.json').version } catch (e) { '' }")" != "$playwright_version" ]; then
  echo "install-deps: installing playwright-core $playwright_version into $npm_prefix"
  mkdir -p "$npm_prefix"
  npm install --prefix "$npm_prefix" --no-package-lock --no-audit --no-fund --loglevel=error \
    "playwright-core@$playwright_version"
fi
