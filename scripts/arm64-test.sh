#!/usr/bin/env bash
# arm64 (Raspberry Pi OS bookworm) in CI (issue 13 point 6): cross-builds the unit test
# executables with Debian's cross toolchain against the arm64 sysroot (scripts/arm64-sysroot.sh)
# and runs them under qemu-aarch64, with the sysroot's own loader and libc
# (QEMU_LD_PREFIX): the two come from the same libc6:arm64, so threaded programs run (with
# the cross toolchain's /usr/aarch64-linux-gnu they hang: its loader and libc6:arm64
# differ). The integration tests exec the binaries and a Mosquitto: run them on a Pi, or
# here with binfmt-support (docs/packaging.md). Run as root on Debian 12 amd64.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
start=$(date +%s)
step() { echo "arm64-test: [$(($(date +%s) - start)) s] $*"; }
export DEBIAN_FRONTEND=noninteractive

"$repo/scripts/install-deps.sh" g++-aarch64-linux-gnu qemu-user

sysroot="$repo/build/sysroot-arm64"
"$repo/scripts/arm64-sysroot.sh" "$sysroot"

bin="$repo/build/arm64-test"
step "configure and build the unit tests for arm64 in $bin"
cmake -S "$repo" -B "$bin" -DCMAKE_BUILD_TYPE=Release -DSNB_WERROR=ON \
  -DCMAKE_TOOLCHAIN_FILE="$repo/cmake/aarch64-toolchain.cmake" -DSNB_SYSROOT="$sysroot" >/dev/null
suites=(common_tests config_tests gateway_tests)
cmake --build "$bin" -j2 --target "${suites[@]}" snbridge

readelf -h "$bin/gateway/snbridge" | grep -q "AArch64" || { echo "arm64-test: not an arm64 build" >&2; exit 1; }
# Under qemu-aarch64 joining a multicast group fails (join_multicast returns false; the same
# test passes natively on amd64): that one test case is left to a real Pi.
declare -A exclude=([gateway_tests]="udp_runtime: discovery multicast on loopback*")
status=0
for s in "${suites[@]}"; do
  step "qemu-aarch64 $s"
  args=(--no-intro=true)
  [ -n "${exclude[$s]:-}" ] && args+=("--test-case-exclude=${exclude[$s]}")
  if ! (cd "$bin/tests" && QEMU_LD_PREFIX="$sysroot" timeout 600 qemu-aarch64 "./$s" "${args[@]}"); then
    echo "arm64-test: $s FAILED" >&2
    status=1
  fi
done
QEMU_LD_PREFIX="$sysroot" qemu-aarch64 "$bin/gateway/snbridge" --version
step "done (status $status)"
exit $status
