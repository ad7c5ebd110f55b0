#!/usr/bin/env bash
# Installs dependencies, builds a release snbridge and runs it in the foreground with its
# built-in defaults (built-in broker, MQTT-SN on UDP port 1883, IPv4 and IPv6).
# Extra arguments go to snbridge, e.g. ./scripts/run.sh -v -p 10000
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target snbridge
exec ./build/release/gateway/snbridge "$@"
